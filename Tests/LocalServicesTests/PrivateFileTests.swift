import LocalServices
import Foundation
import Testing

/// Secrets handed to dev servers (initdb's password file, redis.conf's `requirepass`) are
/// readable by their owner only, from the moment they exist.
@Suite("Private files for dev-server secrets")
struct PrivateFileTests {
    private func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    private func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pantry-secret-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a new file is 0600 and holds exactly the secret")
    func newFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let secret = "pw-\(UInt64.random(in: 0...UInt64.max))"
        try Shell.writePrivateFile(folder + "/pwfile", contents: secret)
        #expect(try mode(folder + "/pwfile") == 0o600)
        #expect(try String(contentsOfFile: folder + "/pwfile", encoding: .utf8) == secret)
    }

    @Test("a world-readable file left at the path is narrowed to 0600 and fully replaced")
    func existingFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/redis.conf"
        try String(repeating: "old contents ", count: 100).write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try Shell.writePrivateFile(path, contents: "requirepass \"x\"\n")
        #expect(try mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "requirepass \"x\"\n")
    }

    @Test("a symlink at the path is refused, not followed")
    func symlink() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "target".write(toFile: folder + "/target", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/pwfile", withDestinationPath: folder + "/target")
        #expect(throws: (any Error).self) { try Shell.writePrivateFile(folder + "/pwfile", contents: "secret") }
        #expect(try String(contentsOfFile: folder + "/target", encoding: .utf8) == "target")
    }
}

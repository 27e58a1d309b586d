import Foundation
import Testing
import TestSupport

/// How the `pantry` binary finds its project (run from outside any project here).
@Suite("Project root")
struct ProjectRootTests {
    /// Runs the binary in `folder` with `environment` added; returns status and standard error.
    func run(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServeBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PANTRY_") }
        variables.merge(environment) { $1 }
        process.environment = variables
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("without a settings file, pantry says which defaults it uses (passwords hidden) instead of using them silently")
    func defaultsAreAnnounced() throws {
        let folder = NSTemporaryDirectory() + "pantry-noproject-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (_, errors) = try run(["registry", "list"], in: folder, environment: ["PANTRY_REDIS_URL": "redis://:s3cret@127.0.0.1:1/0"])
        #expect(errors.contains("no settings file"), "\(errors)")
        #expect(errors.contains("project root \(URL(fileURLWithPath: folder).standardizedFileURL.path)") || errors.contains("project root \(folder)"), "\(errors)")
        #expect(errors.contains("redis://:***@127.0.0.1:1/0"), "\(errors)")
        #expect(!errors.contains("s3cret"))

        // With a settings file in a parent folder, it is found and nothing is announced.
        let nested = folder + "/deep/er"
        try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/Config", withIntermediateDirectories: true)
        try "project: mine\n".write(toFile: folder + "/Config/pantry.yaml", atomically: true, encoding: .utf8)
        let (_, quiet) = try run(["registry", "list"], in: nested)
        #expect(!quiet.contains("no settings file"), "\(quiet)")
    }
}

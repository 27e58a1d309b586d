import ArgumentParser
import Foundation

/// `pantry init DIR`: a new project — settings with free ports for its own dev servers, an
/// example definition with data, and an example export job. Writes nothing if any file exists.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a project folder: settings, an example feature view with data, and a job.")

    @Argument(help: "The project folder (created if missing).")
    var directory: String

    @Option(help: "Project name (default: from the folder name).")
    var project: String?

    func run() throws {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.path
        let name = try project ?? Self.projectName(from: (folder as NSString).lastPathComponent)
        let (postgresPort, redisPort) = try Self.freePorts()
        let files = ProjectTemplate.files(project: name, postgresPort: postgresPort, redisPort: redisPort)
        let existing = files.map { "\(folder)/\($0.path)" }.filter { FileManager.default.fileExists(atPath: $0) }
        guard existing.isEmpty else {
            throw ValidationError("not overwriting existing files: \(existing.joined(separator: ", "))")
        }
        for file in files {
            let path = "\(folder)/\(file.path)"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try file.text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        print("""
            created project \(name) in \(folder):
            \(files.map { "  \($0.path)" }.joined(separator: "\n"))
            its dev PostgreSQL will listen on 127.0.0.1:\(postgresPort) and Redis on 127.0.0.1:\(redisPort). Next:
              cd \(folder)
              pantry dev up && pantry migrate && pantry apply
              pantry ingest user_stats
              pantry job run Jobs/training_set.yaml
              pantry dev down
            """)
    }

    /// A valid project name from a folder name: lower-case letters, digits and single `_`.
    static func projectName(from folder: String) throws -> String {
        var name = String(folder.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII ? $0 : "_" })
        while name.contains("__") { name = name.replacingOccurrences(of: "__", with: "_") }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        if let first = name.first, first.isNumber { name = "p_" + name }
        guard !name.isEmpty else { throw ValidationError("cannot derive a project name from \"\(folder)\": give --project") }
        return String(name.prefix(40))
    }

    /// Two ports free on 127.0.0.1 now, from a range away from the default ones (55432, 55433,
    /// 56379) and from the kernel's ephemeral range, tried in a random order.
    static func freePorts() throws -> (Int, Int) {
        var chosen: [Int] = []
        for port in (20_000..<30_000).shuffled() where chosen.count < 2 {
            if canBind(port) && canBind(port + 1) { chosen.append(port) }  // +1: room for a second flavor
        }
        guard chosen.count == 2 else { throw ValidationError("found no free ports on 127.0.0.1 in 20000...30000") }
        return (chosen[0], chosen[1])
    }

    static func canBind(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

import Foundation
import Postgres

/// A throwaway PostgreSQL server on 127.0.0.1, in a project-local folder.
///
/// Two flavours: `pgvector` runs PostgreSQL 16 with the pgvector extension from the `pgserver`
/// wheel that `scripts/setup.sh` unpacks (see `pgserverHomes`); `debian15` runs Debian's
/// PostgreSQL 15, which has no pgvector, to exercise Pantry's fallback schema.
/// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
public struct LocalPostgres: Sendable {
    public let flavor: String
    public let port: Int
    public let password: String
    /// Folder holding `data/` and `postgres.log`.
    public let directory: String
    let binaries: String

    public init(flavor: String, port: Int, password: String, servicesDirectory: String) throws {
        self.flavor = flavor
        self.port = port
        self.password = password
        self.directory = "\(servicesDirectory)/postgres-\(flavor)-\(port)"
        switch flavor {
        case "pgvector":
            let homes = Self.pgserverHomes
            binaries = homes.map { "\($0)/pgserver/pginstall/bin" }
                .first { FileManager.default.isExecutableFile(atPath: "\($0)/postgres") } ?? "\(homes[0])/pgserver/pginstall/bin"
        case "debian15": binaries = "/usr/lib/postgresql/15/bin"
        default: throw Shell.Failure(description: "unknown PostgreSQL flavor \(flavor): expected pgvector or debian15")
        }
        guard FileManager.default.isExecutableFile(atPath: "\(binaries)/postgres") else {
            let looked = flavor == "pgvector" ? Self.pgserverHomes.joined(separator: ", ") : binaries
            throw Shell.Failure(description: """
                PostgreSQL (\(flavor)) is not installed: looked in \(looked). Install it with scripts/setup.sh from \
                Pantry's repository (as root it goes to /usr/local/lib/pantry, otherwise to ~/.local/share/pantry), \
                or point PANTRY_PG16_HOME at an unpacked pgserver 0.1.4 wheel
                """)
        }
    }

    /// Where the unpacked `pgserver` wheel may be, in order, none of it inside a project (any
    /// project uses the same install): `PANTRY_PG16_HOME`; the machine-wide folder `setup.sh`
    /// uses as root (reachable by the `postgres` user even when a clone sits in a private folder
    /// such as /root); the user's data folder, where `setup.sh` puts it without root.
    static var pgserverHomes: [String] {
        let environment = ProcessInfo.processInfo.environment
        var homes: [String] = []
        if let home = environment["PANTRY_PG16_HOME"], !home.isEmpty { homes.append(home) }
        homes.append("/usr/local/lib/pantry/pgserver-0.1.4")
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? NSHomeDirectory() + "/.local/share"
        homes.append("\(data)/pantry/pgserver-0.1.4")
        return homes
    }

    /// The URL Pantry uses to reach this server.
    public var url: String { "postgres://pantry:\(password)@127.0.0.1:\(port)/pantry" }
    var dataDirectory: String { "\(directory)/data" }
    var logFile: String { "\(directory)/postgres.log" }
    /// As root, everything runs as this unprivileged user.
    var user: String? { getuid() == 0 ? "postgres" : nil }

    /// The postmaster's process id, when it is running.
    public var pid: Int32? {
        guard let pid = Shell.readPID("\(dataDirectory)/postmaster.pid"), Shell.isAlive(pid) else { return nil }
        return pid
    }

    public var isRunning: Bool { pid != nil }

    /// Initialises the data folder on first use, starts the server, and waits until it accepts
    /// connections to the `pantry` database (created on first start).
    public func start() throws {
        if isRunning { return try createDatabase() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try handOver(directory)
        if !FileManager.default.fileExists(atPath: "\(dataDirectory)/PG_VERSION") { try initialise() }
        // TCP on loopback only, no Unix socket: a socket path inside a deep project folder would
        // exceed the 107-byte limit (and pg_ctl hands -o to a shell, which would split a folder
        // name with spaces).
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -k '' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB"
        try Shell.run(["\(binaries)/pg_ctl", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", options, "start"], as: user)
        try createDatabase()
    }

    /// Stops the server this folder's pid file names (fast shutdown), and waits for it to exit.
    public func stop() throws {
        guard isRunning else { return }
        try Shell.run(["\(binaries)/pg_ctl", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], as: user)
    }

    private func initialise() throws {
        let passwordFile = "\(directory)/pwfile"
        try Shell.writePrivateFile(passwordFile, contents: password)
        try handOver(passwordFile)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        try Shell.run(["\(binaries)/initdb", "-D", dataDirectory, "-U", "pantry", "--pwfile", passwordFile,
                       "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"], as: user)
    }

    private func createDatabase() throws {
        let admin = PostgresConnection(configuration: PostgresConfiguration(
            url: "postgres://pantry:\(password)@127.0.0.1:\(port)/postgres", connectTimeout: 5))
        defer { admin.close() }
        let exists = try admin.query("SELECT 1 FROM pg_database WHERE datname = 'pantry'").count > 0
        if !exists { try admin.query("CREATE DATABASE pantry") }
    }

    /// As root, gives a path to the `postgres` user so the server can write there.
    private func handOver(_ path: String) throws {
        guard let user else { return }
        try Shell.run(["/bin/chown", "-R", "\(user):\(user)", path])
    }
}

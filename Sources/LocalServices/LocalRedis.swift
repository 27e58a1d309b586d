import Foundation
import Redis

/// A throwaway Redis server on 127.0.0.1 with a password, no persistence, in a project-local folder.
public struct LocalRedis: Sendable {
    public let port: Int
    public let password: String
    public let directory: String

    public init(port: Int, password: String, servicesDirectory: String) {
        self.port = port
        self.password = password
        self.directory = "\(servicesDirectory)/redis-\(port)"
    }

    public var url: String { "redis://:\(password)@127.0.0.1:\(port)/0" }
    var pidFile: String { "\(directory)/redis.pid" }

    public var pid: Int32? {
        guard let pid = Shell.readPID(pidFile), Shell.isAlive(pid) else { return nil }
        return pid
    }

    public var isRunning: Bool { pid != nil }

    /// Starts the server (daemonised, pid file in its folder) and waits until it answers PING.
    public func start() throws {
        if isRunning { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The password goes in a file only root can read, not on the command line, where `ps`
        // (and /proc/PID/cmdline) would show it to every user of the machine.
        let configFile = "\(directory)/redis.conf"
        let quoted = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        try Shell.writePrivateFile(configFile, contents: "requirepass \"\(quoted)\"\n")
        try Shell.run(["/usr/bin/redis-server", configFile, "--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory,
                       "--daemonize", "yes", "--pidfile", pidFile, "--logfile", "\(directory)/redis.log",
                       "--save", "", "--appendonly", "no"])
        let connection = RedisConnection(configuration: try RedisConfiguration(url: url))
        let ready = Shell.waitUntil(seconds: 20) {
            (try? connection.send(RedisCommand("PING")))?.string == "PONG"
        }
        connection.close()
        guard ready else {
            throw Shell.Failure(description: "redis-server on port \(port) did not answer within 20 s; see \(directory)/redis.log")
        }
    }

    /// Stops the server whose pid this folder recorded, and waits for it to exit.
    public func stop() throws {
        guard let pid else { return }
        kill(pid, SIGTERM)
        guard Shell.waitUntil(seconds: 20, { !Shell.isAlive(pid) }) else {
            throw Shell.Failure(description: "redis-server (pid \(pid)) did not stop within 20 s")
        }
    }
}

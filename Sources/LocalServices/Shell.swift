import Foundation

/// Runs external programs (initdb, pg_ctl, redis-server) and captures their output.
public enum Shell {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `arguments[0]` with the rest as its arguments; as `user` when given (via runuser).
    /// Throws with the program's output when it exits non-zero.
    ///
    /// Uses posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit can
    /// miss the exit of a child that daemonises (pg_ctl, redis-server) and hang. Output goes to
    /// a temporary file, not a pipe, because a daemon may inherit the pipe and keep it open.
    @discardableResult
    public static func run(_ arguments: [String], as user: String? = nil) throws -> String {
        var command = arguments
        if let user { command = ["/usr/sbin/runuser", "-u", user, "--"] + command }
        let outputPath = NSTemporaryDirectory() + "pantry-shell-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).log"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Children must not inherit this thread's blocked signals (dispatch worker threads block
        // most of them), or a daemon started here would ignore SIGTERM forever.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, &argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let name = arguments.prefix(2).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " ")
            throw Failure(description: "\(name) failed (\(exited ? "exit \(code)" : "signal \(status & 0x7f)")):\n\(text)")
        }
        return text
    }

    /// True when `pid` names a live process.
    /// A zombie counts as dead: a daemon's parent is init, which may reap it late.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].dropFirst().first
        return state != "Z" && state != "X"
    }

    /// The first line of a pid file as a process id.
    static func readPID(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let first = text.split(separator: "\n").first else { return nil }
        return Int32(first.trimmingCharacters(in: .whitespaces))
    }

    /// Polls `check` until it returns true or `seconds` pass.
    static func waitUntil(seconds: Double, _ check: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if check() { return true }
            usleep(50_000)
        }
        return check()
    }
}

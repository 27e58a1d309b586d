import Foundation

/// Writes a file under a temporary name in the destination's folder and renames it into place
/// on `commit`, so readers never see a partial file. With `gzip`, bytes go through the system's
/// `gzip` process on their way to disk.
final class AtomicFileWriter {
    let destination: String
    let temporary: String
    private var file: UnsafeMutablePointer<FILE>?
    private var compressor: pid_t = 0

    init(destination: String, gzip: Bool) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        Self.removeAbandoned(destination: destination)
        temporary = Self.temporaryPrefix(url) + String(getpid())
        if gzip {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw IngestError(source: destination, message: "cannot create a pipe for gzip") }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
            posix_spawn_file_actions_addclose(&actions, fds[1])
            posix_spawn_file_actions_addopen(&actions, 1, temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            var argv: [UnsafeMutablePointer<CChar>?] = [strdup("gzip"), strdup("-c"), strdup("-6"), nil]
            defer { argv.forEach { free($0) } }
            guard posix_spawnp(&compressor, "gzip", &actions, nil, &argv, environ) == 0 else {
                throw IngestError(source: destination, message: "cannot start gzip")
            }
            close(fds[0])
            file = fdopen(fds[1], "wb")
        } else {
            file = fopen(temporary, "wb")
        }
        guard file != nil else {
            throw IngestError(source: destination, message: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
    }

    /// `.<name>.partial-` in the destination's folder; the writer's pid follows.
    static func temporaryPrefix(_ destination: URL) -> String {
        destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial-").path
    }

    /// Removes partial files of this destination left by writers that were killed (their
    /// process no longer exists); those of a live writer are left alone.
    static func removeAbandoned(destination: String) {
        let url = URL(fileURLWithPath: destination)
        let prefix = ".\(url.lastPathComponent).partial-"
        let folder = url.deletingLastPathComponent()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder.appendingPathComponent(name).path) }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fwrite(bytes.baseAddress, 1, bytes.count, file) == bytes.count else {
            throw IngestError(source: destination, message: "write failed: \(String(cString: strerror(errno)))")
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Flushes, waits for gzip, and renames the file into place.
    func commit() throws {
        let closed = fclose(file) == 0
        file = nil
        var status: Int32 = 0
        if compressor > 0 { while waitpid(compressor, &status, 0) == -1 && errno == EINTR {} }
        guard closed, status == 0 else {
            unlink(temporary)
            throw IngestError(source: destination, message: "could not finish writing the file")
        }
        guard rename(temporary, destination) == 0 else {
            unlink(temporary)
            throw IngestError(source: destination, message: "cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the partial file.
    func abandon() {
        if let file { fclose(file) }
        file = nil
        if compressor > 0 {
            kill(compressor, SIGTERM)
            var status: Int32 = 0
            waitpid(compressor, &status, 0)
        }
        unlink(temporary)
    }
}

import Foundation

extension Shell {
    /// Writes a secret (a password file, a config holding `requirepass`) so that only its owner
    /// can read it at every moment: the file is opened with mode 0600 (a pre-existing file is
    /// narrowed to 0600 before anything is written) and a symlink at `path` is refused rather
    /// than followed. Writing first and narrowing afterwards would leave the secret readable
    /// by other users in between.
    public static func writePrivateFile(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw Failure(description: "cannot make \(path) private: \(String(cString: strerror(errno)))") }
        var bytes = Array(contents.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
            bytes = bytes.dropFirst(written)
        }
    }
}

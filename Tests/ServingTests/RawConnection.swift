import Foundation

/// A plain TCP client for the cases an HTTP client cannot express: half-sent requests, byte
/// trickles, idle connections. Blocking socket calls run on their own thread, never on the
/// Swift concurrency pool (which the server under test needs).
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        // Linux applies the send timeout to connect(): a full listen backlog fails in 2 s
        // instead of SYN retries for minutes.
        var connectWait = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &connectWait, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
        var wait = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(descriptor) }

    /// Sends all of `text`; false when the peer has closed.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// What `receive` saw: the bytes received, and whether the peer closed the connection.
    struct Received {
        var text: String
        var closed: Bool
    }

    /// Receives until the peer closes, `done` holds for what has arrived, or `limit` seconds
    /// pass; `tick` runs about every 200 ms meanwhile (e.g. to trickle bytes).
    func receive(limit: Double, until done: @escaping @Sendable (String) -> Bool = { _ in false },
                 tick: @escaping @Sendable () -> Void = {}) async -> Received {
        await withCheckedContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4_096)
                let deadline = Date().addingTimeInterval(limit)
                var closed = false
                while Date() < deadline {
                    let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
                    if count > 0 {
                        bytes += buffer[0..<count]
                        if done(String(decoding: bytes, as: UTF8.self)) { break }
                    } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                        closed = true
                        break
                    } else {
                        tick()
                    }
                }
                continuation.resume(returning: Received(text: String(decoding: bytes, as: UTF8.self), closed: closed))
            }.start()
        }
    }

    /// Receives one complete response with a `Content-Length` body (or gives up after `limit`).
    func receiveResponse(limit: Double) async -> Received {
        await receive(limit: limit) { text in
            guard let end = text.range(of: "\r\n\r\n") else { return false }
            let head = text[..<end.lowerBound].lowercased()
            guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                  let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return true }
            return text.utf8.count - text[..<end.upperBound].utf8.count >= length
        }
    }
}

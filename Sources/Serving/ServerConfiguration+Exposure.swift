import NIOCore

/// Secure by default: open writes only where nobody else can reach them.
extension ServerConfiguration {
    /// Whether `host` names a loopback address (127.0.0.0/8, ::1, localhost): only this machine
    /// can connect. Anything else, including 0.0.0.0 and ::, is reachable from outside.
    public static func isLoopback(host: String) -> Bool {
        let trimmed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if trimmed.lowercased() == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: trimmed, port: 0) else { return false }
        switch address {
        case .v4(let v4):
            return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case .v6:
            // ::1, or an IPv4-mapped loopback address (::ffff:127.x.y.z).
            guard let text = address.ipAddress?.lowercased() else { return false }
            return text == "::1" || text.hasPrefix("::ffff:127.")
        case .unixDomainSocket:
            return true
        }
    }

    /// Whether pushes are accepted without a token.
    public var writesAreOpen: Bool { writeToken == nil }

    /// Refuses a configuration that would open writes to the network: a non-loopback address
    /// needs a write token.
    public func checkExposure() throws(ServerConfigurationError) {
        if writesAreOpen && !Self.isLoopback(host: host) {
            throw ServerConfigurationError(
                "refusing to serve on \(host) with writes open to anyone who can connect: set server.token "
                    + "(PANTRY_SERVER_TOKEN) to require a bearer token for /v1/push and /push, or bind server.host to 127.0.0.1")
        }
    }
}

/// A server setting that cannot be used, worded for the person who has to fix it.
public struct ServerConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

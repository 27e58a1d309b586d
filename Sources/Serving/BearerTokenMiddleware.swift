import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>` (scheme case-insensitive);
/// otherwise 401 with `WWW-Authenticate: Bearer`. Installed only on the route groups that need
/// it, so open routes pay nothing.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let expected: [UInt8]
    /// What the token protects, for the error message ("writes", "reads").
    let purpose: String

    init(token: String, purpose: String) {
        expected = Array(token.utf8)
        self.purpose = purpose
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], let presented = Self.bearerToken(header),
              Self.constantTimeEqual(presented, expected) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                            message: "\(purpose) need the header Authorization: Bearer <token>")
        }
        return try await next(request, context)
    }

    /// The token of an `Authorization` header using the Bearer scheme (any letter case), or nil.
    static func bearerToken(_ header: String) -> ArraySlice<UInt8>? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " ") else { return nil }
        for index in 0..<scheme.count where bytes[index] | 0x20 != scheme[index] { return nil }
        var token = bytes[(scheme.count + 1)...]
        while token.first == UInt8(ascii: " ") { token = token.dropFirst() }
        while token.last == UInt8(ascii: " ") { token = token.dropLast() }
        return token.isEmpty ? nil : token
    }

    /// Compares every byte whatever the contents (the time depends only on the longer length),
    /// so response times do not reveal how much of a guessed token was right.
    static func constantTimeEqual(_ presented: some Collection<UInt8>, _ expected: [UInt8]) -> Bool {
        let presented = Array(presented)
        var difference = UInt8(presented.count == expected.count ? 0 : 1)
        for index in 0..<max(presented.count, expected.count) {
            let left = index < presented.count ? presented[index] : 0
            let right = index < expected.count ? expected[index] : 0
            difference |= left ^ right
        }
        return difference == 0 && !expected.isEmpty
    }
}

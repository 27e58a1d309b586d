import Hummingbird

/// 405 for a known path asked with a method it does not serve (404 stays for unknown paths).
enum MethodNotAllowed {
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch, .options]

    /// Registers, for every other method on each path, a handler answering 405 with the `Allow`
    /// header. Routing stays one tree lookup: the served methods are untouched.
    static func add(to router: Router<BasicRequestContext>, routes: [(path: String, allowed: [HTTPRequest.Method])]) {
        for (path, allowed) in routes {
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            for method in methods where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw HTTPError(.methodNotAllowed, headers: [.allow: allow],
                                    message: "\(request.method) is not allowed on \(path); use \(allow)")
                }
            }
        }
    }
}

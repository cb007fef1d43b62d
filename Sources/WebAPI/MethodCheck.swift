import Hummingbird

/// Answers a known path asked with a method it does not take with `405 Method Not Allowed`
/// and the `Allow` header (RFC 9110 15.5.6), where Hummingbird's router would say 404.
/// HEAD is allowed wherever GET is (RFC 9110 9.3.2).
///
/// Paths are matched the way the router matches them: by their non-empty segments, a final
/// `**` standing for one segment or more.
struct MethodCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    private let table: [(segments: [Substring], methods: [HTTPRequest.Method])]

    init(endpoints: [(path: String, method: HTTPRequest.Method)]) {
        var table: [(segments: [Substring], methods: [HTTPRequest.Method])] = []
        for (path, method) in endpoints {
            let segments = path.split(separator: "/")
            let methods = method == .get ? [HTTPRequest.Method.get, .head] : [method]
            if let index = table.firstIndex(where: { $0.segments == segments }) {
                table[index].methods += methods.filter { !table[index].methods.contains($0) }
            } else {
                table.append((segments, methods))
            }
        }
        self.table = table
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        if let allowed = allowedMethods(forPath: request.uri.path), !allowed.contains(request.method) {
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            throw HTTPError(.methodNotAllowed, headers: [.allow: allow], message: "this path answers \(allow)")
        }
        return try await next(request, context)
    }

    /// The methods of the first endpoint whose path matches, or nil for an unknown path.
    func allowedMethods(forPath path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        return table.first { entry in
            if entry.segments.last == "**" {
                let prefix = entry.segments.dropLast()
                return segments.count > prefix.count && segments.starts(with: prefix)
            }
            return entry.segments == segments
        }?.methods
    }
}

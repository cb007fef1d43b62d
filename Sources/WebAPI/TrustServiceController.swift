import Foundation
import Hummingbird
import NIOCore
import SignService
import TrustServices

/// The public PKI endpoints (RFC 3161, RFC 6960, RFC 5280) over a ``TrustServiceBackend``:
///
/// | Endpoint              | Answers                                        | Caller check              |
/// |-----------------------|------------------------------------------------|---------------------------|
/// | `POST /tsa`           | `application/timestamp-reply`                  | bearer token (unless open)|
/// | `POST /ocsp`, `GET /ocsp/{base64}` | `application/ocsp-response`       | public by protocol        |
/// | `GET /crl`, `/crl/root` | current CRL (DER), reissued after a revocation | public by protocol      |
/// | `GET /ca`, `/ca/root` | CA certificate (DER)                           | public by protocol        |
/// | `GET /healthz`        | `ok`                                           | public                    |
///
/// OCSP, CRLs and CA certificates must be reachable by any relying party without
/// credentials (RFC 5280 4.2.2.1, RFC 6960 A.1); the TSA spends the CA's key and time
/// on every request, so it is for the agencies that hold its token. Handlers stay thin:
/// they check the caller and the body, and the backend does the work off the event loops.
public struct TrustServiceController<Backend: TrustServiceBackend>: Sendable {
    public typealias Context = TrustServiceRequestContext
    let backend: Backend

    /// Requests larger than this are refused (413) before they are read whole.
    static var maximumRequestSize: Int { 16 * 1024 }

    public init(backend: Backend) { self.backend = backend }

    typealias Handler = @Sendable (Request, Context) async throws -> Response

    /// Every path and method the service answers: the routes and the 405 answers come from this one list.
    var table: [(method: HTTPRequest.Method, path: String, handler: Handler)] {
        let backend = self.backend
        return [
            (.get, "healthz", { _, _ in Self.response(Array("ok\n".utf8), type: "text/plain; charset=utf-8") }),
            (.get, "ca", { _, _ in Self.response(backend.caCertificate(.issuing), type: "application/pkix-cert") }),
            (.get, "ca/root", { _, _ in Self.response(backend.caCertificate(.root), type: "application/pkix-cert") }),
            (.get, "crl", { _, _ in Self.response(try await backend.currentCRL(.issuing), type: "application/pkix-crl") }),
            (.get, "crl/root", { _, _ in Self.response(try await backend.currentCRL(.root), type: "application/pkix-crl") }),
            (.post, "tsa", { request, context in
                try await checkToken(request, context: context)
                let body = try await Self.body(of: request, type: "application/timestamp-query")
                return Self.response(try await backend.timestampReply(to: body, client: context.client.value),
                                     type: "application/timestamp-reply")
            }),
            (.post, "ocsp", { request, _ in
                let body = try await Self.body(of: request, type: "application/ocsp-request")
                return Self.response(try await backend.ocspResponse(to: body), type: "application/ocsp-response")
            }),
            (.get, "ocsp/**", { request, _ in
                // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}.
                let path = request.uri.path
                guard let range = path.range(of: "/ocsp/") else { throw HTTPError(.notFound) }
                let encoded = String(path[range.upperBound...])
                guard let base64 = encoded.removingPercentEncoding, let der = Data(base64Encoded: base64) else {
                    throw HTTPError(.badRequest, message: "the path after /ocsp/ is not a base64 OCSP request")
                }
                guard der.count <= Self.maximumRequestSize else {
                    throw HTTPError(.uriTooLong, message: "requests are limited to \(Self.maximumRequestSize) bytes")
                }
                return Self.response(try await backend.ocspResponse(to: Array(der)), type: "application/ocsp-response")
            }),
        ]
    }

    /// The routes, for `Router.addRoutes`.
    public var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        for entry in table { routes.on(RouterPath(entry.path), method: entry.method, use: entry.handler) }
        return routes
    }

    /// Path and method of every route, for the 405 check.
    var paths: [(path: String, method: HTTPRequest.Method)] { table.map { ($0.path, $0.method) } }

    private func checkToken(_ request: Request, context: Context) async throws {
        guard backend.timestampsNeedToken else { return }
        let header = request.headers[.authorization]
        guard let name = try await backend.client(forAuthorization: header) else {
            // RFC 6750 3.1: say why when a token came and was not accepted.
            let challenge = header == nil ? "Bearer realm=\"tsa\"" : "Bearer realm=\"tsa\", error=\"invalid_token\""
            throw APIError(status: .unauthorized, code: header == nil ? "tokenRequired" : "invalidToken",
                           message: "the TSA needs Authorization: Bearer <token> of a registered client",
                           headers: [.wwwAuthenticate: challenge])
        }
        context.client.value = name
    }

    static func body(of request: Request, type: String) async throws -> [UInt8] {
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard contentType == type else {
            throw HTTPError(.unsupportedMediaType, message: "send Content-Type: \(type)")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumRequestSize {
            throw HTTPError(.contentTooLarge, message: "requests are limited to \(maximumRequestSize) bytes")
        }
        do {
            let buffer = try await request.body.collect(upTo: maximumRequestSize)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw HTTPError(.contentTooLarge, message: "requests are limited to \(maximumRequestSize) bytes")
        } catch {
            // The client went away or the connection was cut for slowness: nobody reads the answer.
            throw HTTPError(.badRequest, message: "the request body did not arrive whole")
        }
    }

    static func response(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import SignService
import TrustServices

/// The public PKI endpoints of a data directory's CA (RFC 3161, RFC 6960, RFC 5280):
///
/// | Endpoint              | Answers                                        | Caller check              |
/// |-----------------------|------------------------------------------------|---------------------------|
/// | `POST /tsa`           | `application/timestamp-reply`                  | bearer token (unless open)|
/// | `POST /ocsp`, `GET /ocsp/{base64}` | `application/ocsp-response`       | public by protocol        |
/// | `GET /crl`, `/crl/root` | current CRL (DER), reissued after a revocation | public by protocol      |
/// | `GET /ca`, `/ca/root` | CA certificate (DER)                           | public by protocol        |
/// | `GET /healthz`        | `ok`                                           | public                    |
///
/// HEAD works wherever GET does; another method on a known path gets 405 with `Allow`.
///
/// OCSP, CRLs and CA certificates must be reachable by any relying party without
/// credentials (RFC 5280 4.2.2.1, RFC 6960 A.1); the TSA spends the CA's key and time
/// on every request, so it is for the agencies that hold its token.
public struct TrustServiceRoutes: Sendable {
    public let authority: CertificateAuthority
    let timestamps: TimestampAuthority
    let ocsp: OCSPResponder
    let crls: CRLCache
    /// Who may ask /tsa for timestamps; nil makes the TSA open to anyone.
    let clients: ClientAuthentication?

    /// Requests larger than this are refused (413) before they are read whole.
    static let maximumRequestSize = 16 * 1024

    /// `tsaToken`: the service's own token (registered as client "service" on first start);
    /// `openTSA` lets anyone in; `logger` hears of register rows refused for a bad MAC.
    public init(authority: CertificateAuthority, passphrase: Passphrase, tsaToken: String?, openTSA: Bool = false,
                logger: Logger? = nil) throws {
        self.authority = authority
        timestamps = try TimestampAuthority(
            identity: try authority.serviceIdentity(.tsa, passphrase: passphrase),
            policyOID: authority.configuration.timestampPolicyOID,
            accuracyMilliseconds: authority.configuration.timestampAccuracyMilliseconds, register: authority.register)
        ocsp = try OCSPResponder(identity: try authority.serviceIdentity(.ocsp, passphrase: passphrase),
                                 issuer: authority.issuing, register: authority.register)
        crls = CRLCache(authority: authority, passphrase: passphrase)
        let key = try authority.registerKey(passphrase: passphrase)
        if let tsaToken, !openTSA { try authority.registerServiceClient(token: tsaToken, key: key) }
        clients = openTSA ? nil : ClientAuthentication(register: authority.register, key: key) { name in
            logger?.warning("client \"\(name)\" in the register carries no valid MAC (written without the CA passphrase?); its token is refused")
        }
    }

    /// The router of all endpoints: the request log outermost, then the method check (405
    /// with `Allow` for a known path asked with another method), then the routes. HEAD is
    /// answered wherever GET is, with the GET answer's headers and no body.
    /// `logger` writes the request log.
    public func makeRouter(logger: Logger) -> Router<TrustServiceRequestContext> {
        let router = Router(context: TrustServiceRequestContext.self, options: .autoGenerateHeadEndpoints)
        let endpoints = self.endpoints
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: MethodCheckMiddleware(endpoints: endpoints.map { ($0.path, $0.method) }))
        for endpoint in endpoints {
            router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
        return router
    }

    typealias Handler = @Sendable (Request, TrustServiceRequestContext) async throws -> Response

    /// Every path and method the service answers: the routes and the 405 answers come from this one list.
    var endpoints: [(method: HTTPRequest.Method, path: String, handler: Handler)] {
        [
            (.get, "healthz", { _, _ in Self.response(Array("ok\n".utf8), type: "text/plain; charset=utf-8") }),
            (.get, "ca", { _, _ in Self.response(authority.issuing.derBytes, type: "application/pkix-cert") }),
            (.get, "ca/root", { _, _ in Self.response(authority.root.derBytes, type: "application/pkix-cert") }),
            (.get, "crl", { _, _ in Self.response(try crls.current(.issuing), type: "application/pkix-crl") }),
            (.get, "crl/root", { _, _ in Self.response(try crls.current(.root), type: "application/pkix-crl") }),
            (.post, "tsa", { request, context in
                try checkToken(request, context: context)
                let body = try await Self.body(of: request, type: "application/timestamp-query")
                return Self.response(try timestamps.respond(to: body), type: "application/timestamp-reply")
            }),
            (.post, "ocsp", { request, _ in
                let body = try await Self.body(of: request, type: "application/ocsp-request")
                return Self.response(try ocsp.respond(to: body), type: "application/ocsp-response")
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
                return Self.response(try ocsp.respond(to: Array(der)), type: "application/ocsp-response")
            }),
        ]
    }

    private func checkToken(_ request: Request, context: TrustServiceRequestContext) throws {
        guard let clients else { return }
        let header = request.headers[.authorization]
        guard let name = clients.client(forAuthorization: header) else {
            // RFC 6750 3.1: say why when a token came and was not accepted.
            let challenge = header == nil ? "Bearer realm=\"tsa\"" : "Bearer realm=\"tsa\", error=\"invalid_token\""
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: challenge],
                            message: "the TSA needs Authorization: Bearer <token> of a registered client")
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

/// The current CRLs, reissued when a revocation happened since or half their validity passed.
final class CRLCache: @unchecked Sendable {
    private let authority: CertificateAuthority
    private let passphrase: Passphrase
    /// One CRL is signed at a time; the others wait and then find it current.
    private let lock = NSLock()

    init(authority: CertificateAuthority, passphrase: Passphrase) {
        self.authority = authority
        self.passphrase = passphrase
    }

    func current(_ which: CertificateAuthority.CRLIssuer) throws -> [UInt8] {
        try lock.withLock {
            if let stored = try authority.currentCRL(which) { return stored.der }
            return try authority.makeCRL(which, passphrase: passphrase).derBytes
        }
    }
}

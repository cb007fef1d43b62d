import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SignService
import Testing
import TrustServices
import WebAPI

/// The service's router driven in process (no socket): the real backend over a CA made by
/// `signtool ca init`, and a backend that fails, to show that every error answer is JSON
/// with a code and that nothing unexpected leaks its reason to the caller.
@Suite("service router in process")
struct ServiceRouterTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    struct ErrorBody: Decodable { let code: String; let message: String }

    private func decode(_ response: TestResponse) throws -> ErrorBody {
        #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        return try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
    }

    @Test("the real backend: healthz, CA certificate, CRL, and JSON refusals for a missing token, a wrong type, a wrong method, an unknown path")
    func realBackend() async throws {
        let ca = try TestAuthority()
        let authority = try CertificateAuthority(directory: ca.data)
        let backend = try AuthorityBackend(authority: authority, passphrase: Passphrase(TestAuthority.passphrase),
                                           tsaToken: String(repeating: "a", count: 64), logger: Self.logger)
        let app = buildApplication(backend: backend, configuration: ServiceConfiguration(port: 0), logger: Self.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/ca", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView) == authority.issuing.derBytes)
            }
            try await client.execute(uri: "/crl", method: .get) { response in
                #expect(response.status == .ok)
                let crl = try CertificateRevocationList.loadAll(Array(response.body.readableBytesView), source: "crl")
                #expect(crl.count == 1)
            }
            try await client.execute(uri: "/tsa", method: .post, headers: [.contentType: "application/timestamp-query"],
                                     body: ByteBuffer(bytes: [0x30, 0x00])) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"tsa\"")
                let code = try decode(response).code
                #expect(code == "tokenRequired")
            }
            try await client.execute(uri: "/tsa", method: .post,
                                     headers: [.contentType: "application/timestamp-query", .authorization: "Bearer wrong"],
                                     body: ByteBuffer(bytes: [0x30, 0x00])) { response in
                #expect(response.status == .unauthorized)
                let code = try decode(response).code
                #expect(code == "invalidToken")
            }
            try await client.execute(uri: "/tsa", method: .post,
                                     headers: [.contentType: "text/plain", .authorization: "Bearer " + String(repeating: "a", count: 64)],
                                     body: ByteBuffer(bytes: [0x30, 0x00])) { response in
                #expect(response.status == .unsupportedMediaType)
                let body = try decode(response)
                #expect(body.code == "unsupportedMediaType")
                #expect(body.message.contains("application/timestamp-query"))
            }
            try await client.execute(uri: "/ocsp", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                let code = try decode(response).code
                #expect(code == "methodNotAllowed")
            }
            try await client.execute(uri: "/nothing/here", method: .get) { response in
                #expect(response.status == .notFound)
                let code = try decode(response).code
                #expect(code == "notFound")
            }
        }
    }

    /// A backend whose work fails: with a library error, and with something unexpected.
    struct FailingBackend: TrustServiceBackend {
        struct Unexpected: Error { let secret = "/srv/signtool/ca/issuing.key: internal detail" }
        func timestampReply(to query: [UInt8], client: String?) async throws -> [UInt8] {
            throw SignServiceError(code: .malformedInput, reason: "the timestamp query is not DER")
        }
        func ocspResponse(to request: [UInt8]) async throws -> [UInt8] { throw Unexpected() }
        func currentCRL(_ issuer: CertificateAuthority.CRLIssuer) async throws -> [UInt8] {
            throw SignServiceError(code: .ioFailure, reason: "CA register: database is locked")
        }
        func caCertificate(_ issuer: CertificateAuthority.CRLIssuer) -> [UInt8] { [] }
        var timestampsNeedToken: Bool { false }
        func client(forAuthorization header: String?) async throws -> String? { nil }
    }

    @Test("library errors keep their code and status; an unexpected error is a JSON 500 that names only the request")
    func errorMapping() async throws {
        let app = buildApplication(backend: FailingBackend(), configuration: ServiceConfiguration(port: 0), logger: Self.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/tsa", method: .post, headers: [.contentType: "application/timestamp-query"],
                                     body: ByteBuffer(bytes: [0x30, 0x00])) { response in
                #expect(response.status == .badRequest)
                let body = try decode(response)
                #expect(body.code == "malformedInput")
                #expect(body.message == "the timestamp query is not DER")
            }
            try await client.execute(uri: "/crl", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let code = try decode(response).code
                #expect(code == "ioFailure")
            }
            try await client.execute(uri: "/ocsp", method: .post, headers: [.contentType: "application/ocsp-request"],
                                     body: ByteBuffer(bytes: [0x30, 0x00])) { response in
                #expect(response.status == .internalServerError)
                let body = try decode(response)
                #expect(body.code == "internalError")
                #expect(!body.message.contains("issuing.key"))
                #expect(body.message.contains("request"))
            }
            try await client.execute(uri: "/crl", method: .head) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.body.readableBytes == 0)
            }
        }
    }
}

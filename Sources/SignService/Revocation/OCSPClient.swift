internal import COpenSSL
import Foundation

/// Asks a certificate's OCSP responder for its status (RFC 6960), with a nonce, and checks
/// answers: successful, signed by the issuer or a responder it authorised, chaining to a
/// trust anchor, and about this certificate. The same check reads the responses a B-LT
/// signature carries.
public enum OCSPClient {
    public enum Status: Sendable, Equatable {
        case good
        case revoked(at: Date)
        case unknown
    }

    /// A checked answer about one certificate.
    public struct Answer: Sendable, Equatable {
        public var status: Status
        public var thisUpdate: Date
        public var nextUpdate: Date?
    }

    /// Fetches a fresh answer from `url` and checks it now (the online path of `verify`).
    public static func status(of certificate: Certificate, issuer: Certificate, url: String, anchors: [Certificate],
                              options: HTTPFetcher.Options = HTTPFetcher.Options()) async throws -> Status {
        try await answer(of: certificate, issuer: issuer, url: url, anchors: anchors, options: options).status
    }

    /// Like ``status(of:issuer:url:anchors:options:)``, with the answer's thisUpdate and
    /// nextUpdate, so a cache knows how long it may keep it.
    public static func answer(of certificate: Certificate, issuer: Certificate, url: String, anchors: [Certificate],
                              options: HTTPFetcher.Options = HTTPFetcher.Options()) async throws -> Answer {
        let response = try await fetchResponse(for: certificate, issuer: issuer, url: url, options: options)
        let answer = try check(response: response, about: certificate, issuer: issuer, anchors: anchors, source: url)
        guard answer.isCurrent(at: Date()) else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP response is not current")
        }
        return answer
    }

    /// The DER OCSPResponse `url` gives for `certificate`, after checking that it is a
    /// successful response echoing the request's nonce. Its signature is checked by `check`.
    public static func fetchResponse(for certificate: Certificate, issuer: Certificate, url: String,
                                     options: HTTPFetcher.Options = HTTPFetcher.Options()) async throws -> [UInt8] {
        let body = try request(for: certificate, issuer: issuer)
        let answer = try await HTTPFetcher.post(url, body: body, contentType: "application/ocsp-request", kind: .ocsp,
                                                options: options.withoutCredentials)
        try checkNonce(answer, of: body, source: url)
        return answer
    }

    /// A DER OCSPRequest for one certificate, with a fresh nonce.
    private static func request(for certificate: Certificate, issuer: Certificate) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let request = OCSP_REQUEST_new() else { throw SignServiceError.openSSL("cannot allocate an OCSP request") }
        defer { OCSP_REQUEST_free(request) }
        guard let id = OCSP_cert_to_id(EVP_sha1(), certificate.pointer, issuer.pointer) else {
            throw SignServiceError.openSSL("cannot identify the certificate")
        }
        guard OCSP_request_add0_id(request, id) != nil else {
            OCSP_CERTID_free(id)
            throw SignServiceError.openSSL("cannot build the OCSP request")
        }
        guard OCSP_request_add1_nonce(request, nil, -1) == 1 else { throw SignServiceError.openSSL("cannot build the OCSP request") }
        guard let body = DEREncoding.bytes({ i2d_OCSP_REQUEST(request, &$0) }) else {
            throw SignServiceError.openSSL("cannot encode the OCSP request")
        }
        return body
    }

    /// Checks that `answer` is a successful response that echoes the nonce of the request
    /// `requestDER` (or carries none).
    private static func checkNonce(_ answer: [UInt8], of requestDER: [UInt8], source url: String) throws {
        let request: OpaquePointer? = requestDER.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_OCSP_REQUEST(nil, &cursor, buffer.count)
        }
        guard let request else { throw SignServiceError.openSSL("cannot read back the OCSP request") }
        defer { OCSP_REQUEST_free(request) }
        let (response, basic) = try decode(answer, source: url)
        defer { OCSP_BASICRESP_free(basic); OCSP_RESPONSE_free(response) }
        // 0: a different nonce came back (a replayed or misdirected answer). -1: none came
        // back, as from RFC 5019 responders that pre-sign their answers; then freshness rests
        // on thisUpdate/nextUpdate, which callers check.
        guard OCSP_check_nonce(request, basic) != 0 else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP response carries another request's nonce")
        }
    }

    /// Checks a DER OCSPResponse about `certificate`. With `anchors` the responder must be
    /// the issuer, or hold an OCSPSigning certificate from it, and chain to an anchor as of
    /// the response's producedAt; with nil (signing time, when no anchors are known) only
    /// the response's own signature is checked, the verifier checks the rest later.
    public static func check(response der: [UInt8], about certificate: Certificate, issuer: Certificate,
                             anchors: [Certificate]?, untrusted: [Certificate] = [], source: String) throws -> Answer {
        let (response, basic) = try decode(der, source: source)
        defer { OCSP_BASICRESP_free(basic); OCSP_RESPONSE_free(response) }
        guard let store = X509_STORE_new() else { throw SignServiceError.openSSL("allocation") }
        defer { X509_STORE_free(store) }
        guard let certs = shim_sk_X509_new_null() else { throw SignServiceError.openSSL("allocation") }
        defer { shim_sk_X509_free(certs) }
        for anchor in anchors ?? [] { _ = X509_STORE_add_cert(store, anchor.pointer) }
        for candidate in [issuer] + untrusted { _ = shim_sk_X509_push(certs, candidate.pointer) }
        if let produced = OCSP_resp_get0_produced_at(basic), let time = ASN1TimeConversion.date(produced) {
            // The responder's certificate is judged when it answered, so that an archived
            // response still verifies after that certificate expired.
            X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), time_t(time.timeIntervalSince1970))
        }
        X509_VERIFY_PARAM_set_auth_level(X509_STORE_get0_param(store), AlgorithmPolicy.openSSLSecurityLevel)
        var algorithmNID: Int32 = NID_undef
        if let algorithm = OCSP_resp_get0_tbs_sigalg(basic) {
            var oid: OpaquePointer?
            X509_ALGOR_get0(&oid, nil, nil, algorithm)
            algorithmNID = OBJ_obj2nid(oid)
        }
        if let problem = AlgorithmPolicy.signatureAlgorithmProblem(nid: algorithmNID) {
            throw SignServiceError(code: .serviceRefused, reason: "\(source): the OCSP response's \(problem)")
        }
        let flags = anchors == nil ? UInt(OCSP_NOVERIFY) : 0
        OpenSSLErrorQueue.clear()
        guard OCSP_basic_verify(basic, certs, store, flags) == 1 else {
            throw SignServiceError(code: .serviceRefused,
                                   reason: "\(source): the OCSP response's signature or signer does not verify (\(OpenSSLErrorQueue.drain()))")
        }
        var status: Int32 = -1, reason: Int32 = -1
        var revokedAt: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var thisUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var nextUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        // Responders name certificates by SHA-1 (RFC 5019) or SHA-256 hashes of the issuer.
        var found = false
        for digest in [EVP_sha1(), EVP_sha256()] {
            guard let id = OCSP_cert_to_id(digest, certificate.pointer, issuer.pointer) else { continue }
            defer { OCSP_CERTID_free(id) }
            if OCSP_resp_find_status(basic, id, &status, &reason, &revokedAt, &thisUpdate, &nextUpdate) == 1 {
                found = true
                break
            }
        }
        OpenSSLErrorQueue.clear()
        guard found, let thisDate = ASN1TimeConversion.date(UnsafePointer(thisUpdate)) else {
            throw SignServiceError(code: .serviceRefused, reason: "\(source): the OCSP response says nothing about \(certificate.subject)")
        }
        let answer: Status
        switch status {
        case V_OCSP_CERTSTATUS_GOOD: answer = .good
        case V_OCSP_CERTSTATUS_REVOKED:
            answer = .revoked(at: ASN1TimeConversion.date(UnsafePointer(revokedAt)) ?? Date(timeIntervalSince1970: 0))
        default: answer = .unknown
        }
        return Answer(status: answer, thisUpdate: thisDate, nextUpdate: ASN1TimeConversion.date(UnsafePointer(nextUpdate)))
    }

    /// The response and its BasicOCSPResponse; the caller frees both.
    private static func decode(_ der: [UInt8], source: String) throws -> (OpaquePointer, OpaquePointer) {
        let response: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_OCSP_RESPONSE(nil, &cursor, buffer.count)
        }
        guard let response else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError(code: .serviceRefused, reason: "\(source): not an OCSP response")
        }
        let responseStatus = OCSP_response_status(response)
        guard responseStatus == OCSP_RESPONSE_STATUS_SUCCESSFUL, let basic = OCSP_response_get1_basic(response) else {
            OCSP_RESPONSE_free(response)
            let text = String(cString: OCSP_response_status_str(Int(responseStatus)))
            throw SignServiceError(code: .serviceRefused, reason: "\(source): the OCSP responder answered \(text)")
        }
        return (response, basic)
    }
}

extension OCSPClient.Answer {
    /// Within thisUpdate and nextUpdate, allowing five minutes of clock skew.
    func isCurrent(at now: Date) -> Bool {
        thisUpdate <= now.addingTimeInterval(300) && (nextUpdate.map { $0 >= now.addingTimeInterval(-300) } ?? true)
    }
}

internal import COpenSSL
import Foundation
import SignService

/// An RFC 6960 OCSP responder for the issuing CA, answering from the CA register, so a
/// revocation shows in the very next response. Responses are signed by the responder
/// certificate of the `ocsp` profile (delegated responder, id-pkix-ocsp-nocheck).
///
/// - A certificate the register holds: `good`, or `revoked` with its time and reason.
/// - A serial the register does not hold, or another issuer's certificate: `unknown`.
/// - A request that is not an OCSPRequest: response status `malformedRequest`; so are bytes
///   after it, a nonce outside 1 to 32 octets (RFC 8954 2.1, RFC 9654), an extension given
///   twice (RFC 5280 4.2), and a critical extension the responder does not know.
public final class OCSPResponder: @unchecked Sendable {
    private let identity: SigningIdentity
    private let register: any AuthorityRegister
    /// The issuing CA's CertID (name and key hashes) under SHA-1 and SHA-256, the digests
    /// clients use; compared with each request's CertID.
    private let issuerIDs: [OpaquePointer]
    private let validity: TimeInterval

    public init(identity: SigningIdentity, issuer: Certificate, register: any AuthorityRegister, validity: TimeInterval = 3600) throws {
        self.identity = identity
        self.register = register
        self.validity = validity
        var ids: [OpaquePointer] = []
        for digest in [EVP_sha1(), EVP_sha256(), EVP_sha384(), EVP_sha512()] {
            guard let id = OCSP_cert_to_id(digest, nil, issuer.pointer) else {
                for made in ids { OCSP_CERTID_free(made) }
                throw SignServiceError.openSSL("cannot hash the issuer")
            }
            ids.append(id)
        }
        issuerIDs = ids
    }

    deinit { for id in issuerIDs { OCSP_CERTID_free(id) } }

    /// Answers a DER OCSPRequest with a DER OCSPResponse.
    public func respond(to requestBytes: [UInt8]) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        var consumed = 0
        let request: OpaquePointer? = requestBytes.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let parsed = d2i_OCSP_REQUEST(nil, &cursor, buffer.count)
            if let start = buffer.baseAddress, let cursor { consumed = cursor - start }
            return parsed
        }
        guard let request, consumed == requestBytes.count, OCSP_request_onereq_count(request) > 0,
              Self.hasAcceptableExtensions(request) else {
            if let request { OCSP_REQUEST_free(request) }
            OpenSSLErrorQueue.clear()
            return try Self.encode(status: OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, basic: nil)
        }
        defer { OCSP_REQUEST_free(request) }
        guard let basic = OCSP_BASICRESP_new() else { throw SignServiceError.openSSL("cannot allocate a response") }
        defer { OCSP_BASICRESP_free(basic) }
        let now = time(nil)
        guard let thisUpdate = ASN1_TIME_set(nil, now), let nextUpdate = ASN1_TIME_set(nil, now + time_t(validity)) else {
            throw SignServiceError.openSSL("time")
        }
        defer { ASN1_TIME_free(thisUpdate); ASN1_TIME_free(nextUpdate) }

        for index in 0..<OCSP_request_onereq_count(request) {
            guard let one = OCSP_request_onereq_get0(request, index), let id = OCSP_onereq_get0_id(one) else { continue }
            var serial: UnsafeMutablePointer<ASN1_INTEGER>?
            OCSP_id_get0_info(nil, nil, nil, &serial, id)
            var status = V_OCSP_CERTSTATUS_UNKNOWN
            var reason: Int32 = -1
            var revokedAt: UnsafeMutablePointer<ASN1_TIME>?
            defer { if let revokedAt { ASN1_TIME_free(revokedAt) } }
            if issuerIDs.contains(where: { OCSP_id_issuer_cmp($0, id) == 0 }), let serial,
               let record = try register.certificate(serial: Hex.serial(serial)), record.issuer == "issuing" {
                if let date = record.revokedAt {
                    status = V_OCSP_CERTSTATUS_REVOKED
                    reason = RevocationReason(rawValue: record.revocationReason ?? "")?.code ?? 0
                    if reason == 0 { reason = -1 }
                    revokedAt = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970))
                } else {
                    status = V_OCSP_CERTSTATUS_GOOD
                }
            }
            guard OCSP_basic_add1_status(basic, id, status, reason, revokedAt, thisUpdate, nextUpdate) != nil else {
                throw SignServiceError.openSSL("cannot add a status")
            }
        }
        // 1 copied, 2 no nonce asked for, 0 failed.
        guard OCSP_copy_nonce(basic, request) > 0 else { throw SignServiceError.openSSL("cannot echo the nonce") }
        // The issuing CA goes along with the responder certificate, so a client holding only the root can check it.
        let certs = shim_sk_X509_new_null()
        defer { shim_sk_X509_free(certs) }
        for certificate in identity.chain.prefix(1) { _ = shim_sk_X509_push(certs, certificate.pointer) }
        guard OCSP_basic_sign(basic, identity.certificate.pointer, identity.key.pointer, identity.key.certificateDigest, certs, 0) == 1 else {
            throw SignServiceError.openSSL("cannot sign the OCSP response")
        }
        return try Self.encode(status: OCSP_RESPONSE_STATUS_SUCCESSFUL, basic: basic)
    }

    /// The request's extensions (RFC 6960 4.4): each at most once; a nonce that is a DER
    /// OCTET STRING of 1 to 32 octets (RFC 8954 2.1: longer ones must be refused, and an
    /// empty one proves nothing); no critical extension but the nonce, the only one answered.
    static func hasAcceptableExtensions(_ request: OpaquePointer) -> Bool {
        var seen: [OpaquePointer] = []
        for index in 0..<OCSP_REQUEST_get_ext_count(request) {
            guard let ext = OCSP_REQUEST_get_ext(request, index), let object = X509_EXTENSION_get_object(ext) else {
                return false
            }
            guard !seen.contains(where: { OBJ_cmp($0, object) == 0 }) else { return false }
            seen.append(object)
            if OBJ_obj2nid(object) == NID_id_pkix_OCSP_Nonce {
                guard let value = X509_EXTENSION_get_data(ext), let bytes = ASN1_STRING_get0_data(value) else {
                    return false
                }
                let encoding = Array(UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(value))))
                // Nonce ::= OCTET STRING (SIZE(1..32)): tag, one length octet, the octets.
                guard encoding.count >= 3, encoding[0] == 0x04, Int(encoding[1]) == encoding.count - 2,
                      (1...32).contains(encoding.count - 2) else { return false }
            } else if X509_EXTENSION_get_critical(ext) != 0 {
                return false
            }
        }
        return true
    }

    private static func encode(status: Int32, basic: OpaquePointer?) throws -> [UInt8] {
        guard let response = OCSP_response_create(status, basic) else { throw SignServiceError.openSSL("cannot build the response") }
        defer { OCSP_RESPONSE_free(response) }
        guard let der = DEREncoding.bytes({ i2d_OCSP_RESPONSE(response, &$0) }) else {
            throw SignServiceError.openSSL("cannot encode the response")
        }
        return der
    }

}

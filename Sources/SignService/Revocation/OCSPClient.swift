internal import COpenSSL
import Foundation

/// Asks a certificate's OCSP responder for its status (RFC 6960), with a nonce, and checks
/// the answer: successful, signed by the issuer or a responder it authorised, chaining to
/// a trust anchor, current, and about this certificate.
public enum OCSPClient {
    public enum Status: Sendable, Equatable {
        case good
        case revoked(at: Date)
        case unknown
    }

    public static func status(of certificate: Certificate, issuer: Certificate, url: String, anchors: [Certificate],
                              options: HTTPFetcher.Options = HTTPFetcher.Options()) throws -> Status {
        OpenSSLErrorQueue.clear()
        guard let request = OCSP_REQUEST_new() else { throw SignServiceError.openSSL("cannot allocate an OCSP request") }
        defer { OCSP_REQUEST_free(request) }
        guard let id = OCSP_cert_to_id(EVP_sha1(), certificate.pointer, issuer.pointer),
              let queryID = OCSP_CERTID_dup(id) else { throw SignServiceError.openSSL("cannot identify the certificate") }
        defer { OCSP_CERTID_free(queryID) }
        guard OCSP_request_add0_id(request, id) != nil, OCSP_request_add1_nonce(request, nil, -1) == 1 else {
            throw SignServiceError.openSSL("cannot build the OCSP request")
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_OCSP_REQUEST(request, &out)
        guard length > 0, let out else { throw SignServiceError.openSSL("cannot encode the OCSP request") }
        let body = Array(UnsafeBufferPointer(start: out, count: Int(length)))
        shim_OPENSSL_free(out)

        let answer = try HTTPFetcher.post(url, body: body, contentType: "application/ocsp-request", options: options)
        let response: OpaquePointer? = answer.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_OCSP_RESPONSE(nil, &cursor, buffer.count)
        }
        guard let response else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the answer is not an OCSP response")
        }
        defer { OCSP_RESPONSE_free(response) }
        let responseStatus = OCSP_response_status(response)
        guard responseStatus == OCSP_RESPONSE_STATUS_SUCCESSFUL, let basic = OCSP_response_get1_basic(response) else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): OCSP response status \(responseStatus)")
        }
        defer { OCSP_BASICRESP_free(basic) }
        guard OCSP_check_nonce(request, basic) > 0 else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP response does not echo the request's nonce")
        }
        guard let store = X509_STORE_new(), let certs = shim_sk_X509_new_null() else { throw SignServiceError.openSSL("allocation") }
        defer { X509_STORE_free(store); shim_sk_X509_free(certs) }
        for anchor in anchors { _ = X509_STORE_add_cert(store, anchor.pointer) }
        _ = shim_sk_X509_push(certs, issuer.pointer)
        guard OCSP_basic_verify(basic, certs, store, 0) == 1 else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP response's signature does not verify (\(OpenSSLErrorQueue.drain()))")
        }
        var status: Int32 = -1, reason: Int32 = -1
        var revokedAt: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var thisUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var nextUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        guard OCSP_resp_find_status(basic, queryID, &status, &reason, &revokedAt, &thisUpdate, &nextUpdate) == 1 else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP response says nothing about this certificate")
        }
        guard OCSP_check_validity(thisUpdate, nextUpdate, 300, -1) == 1 else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP response is not current")
        }
        switch status {
        case V_OCSP_CERTSTATUS_GOOD: return .good
        case V_OCSP_CERTSTATUS_REVOKED:
            return .revoked(at: ASN1TimeConversion.date(UnsafePointer(revokedAt)) ?? Date(timeIntervalSince1970: 0))
        default: return .unknown
        }
    }
}

internal import COpenSSL
import Findings
import Foundation

/// Checks a signature timestamp (ETSI EN 319 102-1 5.4): the token's signature, the TSA
/// certificate's path to a trust anchor with the timeStamping purpose (OpenSSL's TS
/// verifier), and that the token's imprint is the digest of the signature value it
/// claims to cover.
enum TimestampVerification {
    enum Outcome {
        case valid(TimestampToken)
        case invalid(Finding)
    }

    /// A signature timestamp: its imprint must be the digest of `signatureValue`. A
    /// finding here says the timestamp is not used as proof of existence.
    static func check(token der: [UInt8], covering signatureValue: [UInt8], anchors: [Certificate],
                      untrusted: [Certificate]) -> Outcome {
        let token: TimestampToken
        do {
            token = try TimestampToken(der: der, source: "the signature timestamp")
        } catch let error as SignServiceError {
            return .invalid(Finding(.signatureTimestampUnreadable, ["reason": .text(error.reason)]))
        } catch {
            return .invalid(Finding(.signatureTimestampUnreadable, ["reason": .text("\(error)")]))
        }
        guard let algorithm = token.imprintAlgorithm,
              let expected = try? ContentDigest.digest(signatureValue, algorithm: algorithm), expected == token.imprint else {
            return .invalid(Finding(.signatureTimestampCoversOtherData))
        }
        switch check(token, anchors: anchors, untrusted: untrusted) {
        case .invalid(let finding) where finding.code == .timestampInvalid:
            return .invalid(Finding(.signatureTimestampInvalid, finding.params))
        case let outcome:
            return outcome
        }
    }

    /// The token's signature and its TSA certificate's path (the imprint is the caller's).
    static func check(_ token: TimestampToken, anchors: [Certificate], untrusted: [Certificate]) -> Outcome {
        OpenSSLErrorQueue.clear()
        let pkcs7: UnsafeMutablePointer<PKCS7>? = token.der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_PKCS7(nil, &cursor, buffer.count)
        }
        guard let pkcs7 else { return .invalid(Finding(.outOfMemory)) }
        defer { PKCS7_free(pkcs7) }
        guard let ctx = TS_VERIFY_CTX_new() else { return .invalid(Finding(.outOfMemory)) }
        defer { TS_VERIFY_CTX_free(ctx) }
        guard let store = X509_STORE_new() else { return .invalid(Finding(.outOfMemory)) }
        guard let certs = shim_sk_X509_new_null() else {
            X509_STORE_free(store)
            return .invalid(Finding(.outOfMemory))
        }
        for anchor in anchors { _ = X509_STORE_add_cert(store, anchor.pointer) }
        if let param = X509_STORE_get0_param(store) { X509_VERIFY_PARAM_set_auth_level(param, AlgorithmPolicy.openSSLSecurityLevel) }
        for certificate in untrusted {
            X509_up_ref(certificate.pointer)
            _ = shim_sk_X509_push(certs, certificate.pointer)
        }
        // The context owns the store and the stack from here on.
        TS_VERIFY_CTX_set_store(ctx, store)
        TS_VERIFY_CTX_set_certs(ctx, certs)
        TS_VERIFY_CTX_set_flags(ctx, Int32(TS_VFY_SIGNATURE | TS_VFY_VERSION))
        OpenSSLErrorQueue.clear()
        guard TS_RESP_verify_token(ctx, pkcs7) == 1 else {
            let detail = OpenSSLErrorQueue.drain()
            return .invalid(Finding(.timestampInvalid, detail.isEmpty ? ["tsa": .name(token.tsa)] : ["tsa": .name(token.tsa), "reason": .text(detail)]))
        }
        return .valid(token)
    }
}

internal import COpenSSL
import Findings
import Foundation

extension Finding {
    /// The finding for one problem OpenSSL's path validation reported: the frequent
    /// X509_V_ERR cases have codes of their own, the rest is `pathError` with OpenSSL's
    /// reason. `chain` is the path OpenSSL built (depth 0 first).
    static func pathProblem(code: Int32, depth: Int32, reason: String, chain: [Certificate],
                            crls: [CertificateRevocationList] = [], host: String? = nil, address: String? = nil) -> Finding {
        guard depth >= 0, Int(depth) < chain.count else {
            return Finding(.pathError, ["depth": .number(Int(depth)), "reason": .text(reason)])
        }
        let certificate = chain[Int(depth)]
        let subject = Parameter.name(certificate.subject)
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            if let end = certificate.notAfter { return Finding(.certificateExpired, ["subject": subject, "expiredAt": .time(end)]) }
        case X509_V_ERR_CERT_NOT_YET_VALID:
            if let start = certificate.notBefore { return Finding(.certificateNotYetValid, ["subject": subject, "validFrom": .time(start)]) }
        case X509_V_ERR_CERT_REVOKED:
            var params: [String: Parameter] = ["subject": subject]
            if let date = crls.lazy.compactMap({ $0.revocationDate(of: certificate) }).first { params["revokedAt"] = .time(date) }
            return Finding(.certificateRevoked, params)
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return Finding(.issuerNotFound, ["subject": subject])
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_CERT_UNTRUSTED:
            return Finding(.untrustedRoot, ["subject": subject])
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return Finding(.certificateSignatureInvalid, ["subject": subject])
        case X509_V_ERR_CRL_SIGNATURE_FAILURE:
            return Finding(.crlSignatureInvalid, ["subject": subject])
        case X509_V_ERR_UNABLE_TO_GET_CRL:
            return Finding(.crlMissing, ["subject": subject])
        case X509_V_ERR_CRL_HAS_EXPIRED:
            return Finding(.crlExpired, ["subject": subject])
        case X509_V_ERR_CRL_NOT_YET_VALID:
            return Finding(.crlNotYetValid, ["subject": subject])
        case X509_V_ERR_EE_KEY_TOO_SMALL, X509_V_ERR_CA_KEY_TOO_SMALL:
            return Finding(.keyTooSmall, ["subject": subject])
        case X509_V_ERR_CA_MD_TOO_WEAK:
            return Finding(.digestTooWeak, ["subject": subject])
        case X509_V_ERR_INVALID_CA:
            return Finding(.notACertificationAuthority, ["subject": subject])
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
            return Finding(.pathLengthExceeded, ["subject": subject])
        case X509_V_ERR_CERT_CHAIN_TOO_LONG:
            return Finding(.chainTooLong, ["subject": subject])
        case X509_V_ERR_INVALID_PURPOSE:
            return Finding(.purposeNotAllowed, ["subject": subject])
        case X509_V_ERR_HOSTNAME_MISMATCH:
            return Finding(.hostNameMismatch, host.map { ["subject": subject, "host": .text($0)] } ?? ["subject": subject])
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return Finding(.ipAddressMismatch, address.map { ["subject": subject, "address": .text($0)] } ?? ["subject": subject])
        default:
            break
        }
        return Finding(.pathError, ["depth": .number(Int(depth)), "subject": subject, "reason": .text(reason)])
    }

    /// The same finding in the context of a signature: a validity-period problem judged
    /// without proof of existence, at the timestamp's time, or only after it.
    func validityPeriod(_ context: ValidityContext) -> Finding {
        let codes: [Code: [ValidityContext: Code]] = [
            .certificateExpired: [.noProofOfExistence: .certificateExpiredNoProofOfExistence,
                                  .atTimestamp: .certificateExpiredAtTimestamp,
                                  .afterTimestamp: .certificateExpiredAfterTimestamp],
            .certificateNotYetValid: [.noProofOfExistence: .certificateNotYetValidNoProofOfExistence,
                                      .atTimestamp: .certificateNotYetValidAtTimestamp,
                                      .afterTimestamp: .certificateNotYetValidAfterTimestamp],
        ]
        guard let code = codes[self.code]?[context] else { return self }
        return Finding(code, params)
    }

    enum ValidityContext { case noProofOfExistence, atTimestamp, afterTimestamp }
}

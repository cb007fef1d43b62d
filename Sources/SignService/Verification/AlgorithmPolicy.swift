internal import COpenSSL
import Foundation

/// The one cryptographic policy every verification applies (ETSI TS 119 312 in spirit):
/// to the signature, every certificate of a path, timestamps and revocation data.
///
/// - Keys: RSA of at least 2048 bits, EC on P-256, P-384 or P-521, Ed25519 or Ed448
///   (``Certificate/publicKeyWeakness``); `signtool sign` refuses the same keys.
/// - Hashes inside signatures on certificates, CRLs and OCSP answers: SHA-2 (SHA-224 up),
///   SHA-3 or the EdDSA built-ins; MD5 and SHA-1 are refused.
/// - Path validation runs at OpenSSL security level 2 (112 bits), which also refuses
///   small keys and SHA-1 signatures inside the chain.
enum AlgorithmPolicy {
    /// OpenSSL's authentication security level for path building.
    static let openSSLSecurityLevel: Int32 = 2

    /// Digest NIDs accepted inside a signature algorithm (NID_undef: EdDSA, no separate hash).
    private static let acceptedDigests: Set<Int32> = [
        NID_sha224, NID_sha256, NID_sha384, NID_sha512, NID_sha512_224, NID_sha512_256,
        NID_sha3_224, NID_sha3_256, NID_sha3_384, NID_sha3_512,
    ]

    /// Why a signatureAlgorithm (by NID) is not accepted, or nil.
    static func signatureAlgorithmProblem(nid: Int32) -> String? {
        var digest: Int32 = NID_undef
        var key: Int32 = NID_undef
        guard OBJ_find_sigid_algs(nid, &digest, &key) == 1 else {
            return nid == NID_rsassaPss ? nil : "signature algorithm \(name(nid)) is not known"
        }
        if key == NID_ED25519 || key == NID_ED448 { return nil }
        if acceptedDigests.contains(digest) { return nil }
        return "signature algorithm \(name(nid)) uses \(name(digest)), which is no longer accepted"
    }

    /// Why a certificate's own signature or key is not accepted, or nil. `isAnchor`: a trust
    /// anchor's self-signature proves nothing, so only its key is judged.
    static func certificateProblem(_ certificate: Certificate, isAnchor: Bool) -> String? {
        if let weakness = certificate.publicKeyWeakness { return "\(certificate.subject): \(weakness)" }
        if isAnchor { return nil }
        var digest: Int32 = NID_undef
        var flags: UInt32 = 0
        // X509_get_signature_info sees through RSA-PSS parameters to the real hash.
        if X509_get_signature_info(certificate.pointer, &digest, nil, nil, &flags) == 1 {
            OpenSSLErrorQueue.clear()
            if digest == NID_undef { return nil }
            return acceptedDigests.contains(digest) ? nil
                : "\(certificate.subject): signed with \(name(digest)), which is no longer accepted"
        }
        OpenSSLErrorQueue.clear()
        return signatureAlgorithmProblem(nid: X509_get_signature_nid(certificate.pointer)).map { "\(certificate.subject): \($0)" }
    }

    /// Why a CRL's signature algorithm is not accepted, or nil.
    static func crlProblem(_ crl: CertificateRevocationList) -> String? {
        signatureAlgorithmProblem(nid: X509_CRL_get_signature_nid(crl.pointer)).map { "the CRL of \(crl.issuer): \($0)" }
    }

    private static func name(_ nid: Int32) -> String {
        guard nid != NID_undef, let text = OBJ_nid2sn(nid) else { return "an unknown algorithm" }
        return String(cString: text)
    }
}

internal import COpenSSL
import Findings
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

    /// Why a signatureAlgorithm is refused: not known, or with a refused digest.
    private enum AlgorithmIssue {
        case unknown(algorithm: String?)
        case weak(algorithm: String, digest: String)
    }

    private static func signatureAlgorithmIssue(nid: Int32) -> AlgorithmIssue? {
        var digest: Int32 = NID_undef
        var key: Int32 = NID_undef
        guard OBJ_find_sigid_algs(nid, &digest, &key) == 1 else {
            return nid == NID_rsassaPss ? nil : .unknown(algorithm: shortName(nid))
        }
        if key == NID_ED25519 || key == NID_ED448 { return nil }
        if acceptedDigests.contains(digest) { return nil }
        return .weak(algorithm: name(nid), digest: name(digest))
    }

    /// Why a signatureAlgorithm (by NID) is not accepted, or nil.
    static func signatureAlgorithmProblem(nid: Int32) -> String? {
        switch signatureAlgorithmIssue(nid: nid) {
        case nil: return nil
        case .unknown(let algorithm)?: return "signature algorithm \(algorithm ?? "an unknown algorithm") is not known"
        case .weak(let algorithm, let digest)?: return "signature algorithm \(algorithm) uses \(digest), which is no longer accepted"
        }
    }

    /// Why a certificate's own signature or key is not accepted, or nil. `isAnchor`: a trust
    /// anchor's self-signature proves nothing, so only its key is judged.
    static func certificateProblem(_ certificate: Certificate, isAnchor: Bool) -> Finding? {
        if let weakness = certificate.publicKeyWeakness { return weakness }
        let subject = Finding.Parameter.name(certificate.subject)
        if isAnchor { return nil }
        var digest: Int32 = NID_undef
        var flags: UInt32 = 0
        // X509_get_signature_info sees through RSA-PSS parameters to the real hash.
        if X509_get_signature_info(certificate.pointer, &digest, nil, nil, &flags) == 1 {
            OpenSSLErrorQueue.clear()
            if digest == NID_undef { return nil }
            return acceptedDigests.contains(digest) ? nil
                : Finding(.certificateSignedWithWeakDigest, ["subject": subject, "digest": .text(name(digest))])
        }
        OpenSSLErrorQueue.clear()
        switch signatureAlgorithmIssue(nid: X509_get_signature_nid(certificate.pointer)) {
        case nil:
            return nil
        case .unknown(let algorithm)?:
            return Finding(.certificateSignatureAlgorithmUnknown, algorithm.map { ["subject": subject, "algorithm": .text($0)] } ?? ["subject": subject])
        case .weak(let algorithm, let digest)?:
            return Finding(.certificateSignatureAlgorithmWeak, ["subject": subject, "algorithm": .text(algorithm), "digest": .text(digest)])
        }
    }

    /// Why a CRL's signature algorithm is not accepted, or nil.
    /// (A CRL with a refused algorithm is not used: the finding says so.)
    static func crlProblem(_ crl: CertificateRevocationList) -> Finding? {
        let issuer = Finding.Parameter.name(crl.issuer)
        switch signatureAlgorithmIssue(nid: X509_CRL_get_signature_nid(crl.pointer)) {
        case nil:
            return nil
        case .unknown(let algorithm)?:
            return Finding(.crlSignatureAlgorithmUnknown, algorithm.map { ["issuer": issuer, "algorithm": .text($0)] } ?? ["issuer": issuer])
        case .weak(let algorithm, let digest)?:
            return Finding(.crlSignatureAlgorithmWeak, ["issuer": issuer, "algorithm": .text(algorithm), "digest": .text(digest)])
        }
    }

    private static func name(_ nid: Int32) -> String { shortName(nid) ?? "an unknown algorithm" }

    private static func shortName(_ nid: Int32) -> String? { ObjectName.short(nid: nid) }
}

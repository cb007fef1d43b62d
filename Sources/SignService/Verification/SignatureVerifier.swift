internal import COpenSSL
import Foundation
import Synchronization

/// What a verifier trusts and checks against.
public struct VerificationPolicy: Sendable {
    /// Trust anchors (root certificates) the signer's path must end in.
    public var trustAnchors: [Certificate]
    /// Extra intermediate certificates, in addition to those embedded in signatures.
    public var intermediates: [Certificate]
    /// CRLs consulted for revocation.
    public var crls: [CertificateRevocationList]
    /// When the certificates must be valid; "now" unless a test says otherwise.
    public var validationTime: Date

    public init(trustAnchors: [Certificate], intermediates: [Certificate] = [],
                crls: [CertificateRevocationList] = [], validationTime: Date = Date()) {
        self.trustAnchors = trustAnchors
        self.intermediates = intermediates
        self.crls = crls
        self.validationTime = validationTime
    }
}

/// Validates CAdES / CMS signatures and produces an ETSI TS 119 102-1 style report.
///
/// Safe to use from many threads at once. Path validation results are cached per signer
/// certificate and embedded chain: a batch of signatures by one official validates the
/// path once.
public final class SignatureVerifier: Sendable {
    private let policy: VerificationPolicy
    private let paths: CertificatePathValidator
    private let pathCache = Mutex<[[UInt8]: CertificatePathValidator.Outcome]>([:])

    public init(policy: VerificationPolicy) throws {
        self.policy = policy
        self.paths = try CertificatePathValidator(trustAnchors: policy.trustAnchors, crls: policy.crls)
    }

    /// Where a detached signature's content is looked for when none is named:
    /// `FILE.p7s` signs `FILE`.
    public static func defaultContentPath(forSignatureAt path: String) -> String? {
        for suffix in [".p7s", ".p7m", ".cms"] where path.lowercased().hasSuffix(suffix) && path.count > suffix.count {
            return String(path.dropLast(suffix.count))
        }
        return nil
    }

    /// Validates the signature file at `path`. Input problems (missing, unreadable or
    /// malformed files) are thrown so the caller can report them as such.
    public func verify(signatureAt path: String, contentAt contentPath: String? = nil) throws -> ValidationReport {
        let bytes = try FileIO.read(path)
        let cms = try CMSContentInfo(encoded: bytes, source: path)
        var resolvedContent: String?
        if cms.isDetached {
            guard let content = contentPath ?? Self.defaultContentPath(forSignatureAt: path) else {
                throw SignServiceError(code: .fileNotFound,
                                       reason: "\(path) is a detached signature: name the signed document with --content")
            }
            guard FileIO.exists(content) else {
                throw SignServiceError(code: .fileNotFound,
                                       reason: "\(content): no such file (the document signed by \(path); use --content to name it)")
            }
            resolvedContent = content
        }
        return try verify(cms, file: path, contentPath: resolvedContent)
    }

    func verify(_ cms: CMSContentInfo, file: String, contentPath: String?) throws -> ValidationReport {
        let signerInfos = cms.signerInfos.map(SignerInfoView.init)
        guard !signerInfos.isEmpty else {
            return .failure(file: file, content: contentPath, .formatFailure, error: "the signature contains no signer")
        }
        let algorithms = Set(signerInfos.compactMap(\.digestAlgorithm))
        let digests: [DigestAlgorithm: [UInt8]]
        if let contentPath {
            digests = try ContentDigest.digests(ofFileAt: contentPath, algorithms: algorithms)
        } else {
            digests = try cms.withEncapsulatedContent { try ContentDigest.digests(of: $0, algorithms: algorithms) } ?? [:]
        }
        let embedded = cms.certificates
        let candidates = embedded + policy.intermediates
        let eContentType = OBJ_obj2nid(CMS_get0_eContentType(cms.pointer))
        let signatures = signerInfos.map {
            validate($0, digests: digests, candidates: candidates, eContentType: eContentType)
        }
        return ValidationReport(file: file, content: contentPath, signatures: signatures)
    }

    private func validate(_ info: SignerInfoView, digests: [DigestAlgorithm: [UInt8]],
                          candidates: [Certificate], eContentType: Int32) -> SignatureValidation {
        var result = SignatureValidation(indication: .totalPassed, subIndication: nil, signer: nil,
                                         signingTime: info.signingTime, digestAlgorithm: info.digestAlgorithm?.rawValue ?? info.digestAlgorithmName,
                                         signatureAlgorithm: info.signatureAlgorithmName, errors: [], warnings: [])
        func fail(_ indication: Indication, _ sub: SubIndication, _ message: String) {
            if indication > result.indication || result.subIndication == nil && indication != .totalPassed {
                if indication >= result.indication {
                    result.indication = indication
                    result.subIndication = sub
                }
            }
            result.errors.append(message)
        }

        guard let certificate = candidates.first(where: info.identifies) else {
            fail(.indeterminate, .noSigningCertificateFound, "the signer's certificate is not in the signature and was not supplied")
            return result
        }
        result.signer = SignerDescription(certificate)

        // The signature itself: format, content digest, signature value.
        guard info.hasSignedAttributes else {
            fail(.totalFailed, .formatFailure, "no signed attributes: not a CAdES signature")
            return result
        }
        guard let algorithm = info.digestAlgorithm else {
            fail(.indeterminate, .cryptoConstraintsFailure, "digest algorithm \(info.digestAlgorithmName) is not accepted")
            return result
        }
        if result.signingTime == nil { result.warnings.append("no signing-time attribute") }
        switch info.contentTypeAttribute {
        case nil: fail(.totalFailed, .formatFailure, "the content-type signed attribute is missing")
        case let type? where type != eContentType:
            fail(.totalFailed, .formatFailure, "the content-type signed attribute does not match the content")
        default: break
        }
        if let claimed = info.messageDigest {
            if claimed != digests[algorithm] {
                fail(.totalFailed, .hashFailure, "the document was altered: its digest does not match the signed digest")
            }
        } else {
            fail(.totalFailed, .formatFailure, "the message-digest signed attribute is missing")
        }
        if !info.verifySignature(with: certificate) {
            fail(.totalFailed, .sigCryptoFailure, "the signature value does not verify with the signer's public key")
        }
        switch info.signingCertificateMatches(certificate) {
        case nil: result.warnings.append("no signing-certificate attribute: the signer is identified by issuer and serial number only")
        case false?: fail(.indeterminate, .noSigningCertificateFound, "the signing-certificate attribute does not match the signer's certificate")
        case true?: break
        }

        // The signer's certificate and its path to a trust anchor.
        if !certificate.keyUsagePermitsDocumentSigning {
            fail(.indeterminate, .chainConstraintsFailure, "the signer's certificate key usage allows neither digitalSignature nor nonRepudiation")
        }
        let outcome = pathOutcome(for: certificate, candidates: candidates)
        result.warnings.append(contentsOf: outcome.warnings)
        if let fatal = outcome.fatal {
            fail(.indeterminate, fatal.subIndication, fatal.message)
        }
        for revocation in outcome.revocations {
            let when = revocation.date.map { " on \(CertificatePathValidator.format($0))" } ?? ""
            if revocation.depth > 0 {
                fail(.indeterminate, .revokedCANoPOE, "CA certificate \(revocation.subject) was revoked\(when)")
            } else if let revoked = revocation.date, let claimed = result.signingTime, revoked <= claimed {
                fail(.totalFailed, .revoked, "the signer's certificate was revoked\(when), before the claimed signing time")
            } else {
                fail(.indeterminate, .revokedNoPOE, "the signer's certificate was revoked\(when) and nothing proves the signature existed before")
            }
        }
        for problem in outcome.outOfBounds {
            fail(.indeterminate, .outOfBoundsNoPOE, "\(problem), and nothing proves the signature existed while it was valid")
        }
        return result
    }

    private func pathOutcome(for certificate: Certificate, candidates: [Certificate]) -> CertificatePathValidator.Outcome {
        var key = certificate.derBytes
        for candidate in candidates { key += candidate.derBytes }
        if let cached = pathCache.withLock({ $0[key] }) { return cached }
        let outcome = paths.validate(certificate, untrusted: candidates, at: policy.validationTime)
        pathCache.withLock { $0[key] = outcome }
        return outcome
    }
}

internal import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a signature is made.
public struct SignatureOptions: Sendable {
    /// The digest; nil picks the one that matches the key (SHA-384 for P-384, else SHA-256).
    public var digest: DigestAlgorithm?
    /// RSA-PSS instead of PKCS#1 v1.5 (RSA keys only).
    public var rsaPSS: Bool
    /// Enveloping (content inside the signature) instead of detached.
    public var attached: Bool

    /// B-B, B-T (signature timestamp) or B-LT (also every CRL of the chain embedded).
    public var level: SignatureLevel
    /// The TSA for B-T and B-LT.
    public var timestampService: TimestampService?

    public init(digest: DigestAlgorithm? = nil, rsaPSS: Bool = false, attached: Bool = false,
                level: SignatureLevel = .baselineB, timestampService: TimestampService? = nil) {
        self.digest = digest
        self.rsaPSS = rsaPSS
        self.attached = attached
        self.level = level
        self.timestampService = timestampService
    }

    /// Rejects options the key cannot honour (RSA-PSS with a non-RSA key), and B-T/B-LT without a TSA.
    func check(for key: PrivateKey) throws {
        if level != .baselineB && timestampService == nil {
            throw SignServiceError.malformed("level \(level.rawValue) needs a timestamp authority (--tsa URL)")
        }
        if rsaPSS && !key.isRSA {
            throw SignServiceError(code: .unsupportedAlgorithm,
                                   reason: "--pss needs an RSA key; this key is \(key.algorithmDescription)")
        }
    }
}

/// CAdES baseline B-B signatures (ETSI EN 319 122-1) as CMS SignedData (RFC 5652).
///
/// Every SignerInfo carries the signed attributes contentType, messageDigest, signingTime
/// and signingCertificateV2 (RFC 5035), and the SignedData embeds the signer's certificate
/// and its chain:
///
/// ```
/// SignedData ::= SEQUENCE {
///   version CMSVersion, digestAlgorithms DigestAlgorithmIdentifiers,
///   encapContentInfo EncapsulatedContentInfo,      -- eContent absent when detached
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   signerInfos SignerInfos }
/// ```
/// CAdES baseline levels (ETSI EN 319 122-1 section 6).
public enum SignatureLevel: String, Sendable, Codable, Comparable {
    /// Not CAdES at all: a CMS signature without the signing-certificate attribute that
    /// EN 319 122-1 requires of every baseline level (verification reports only).
    case plainCMS = "CMS"
    case baselineB = "B-B", baselineT = "B-T", baselineLT = "B-LT"

    /// Parses "B", "T", "LT", "B-T", "B-LT" (any case).
    public init?(name: String) {
        switch name.uppercased().replacingOccurrences(of: "B-", with: "") {
        case "B": self = .baselineB
        case "T": self = .baselineT
        case "LT": self = .baselineLT
        default: return nil
        }
    }

    private var order: Int {
        switch self {
        case .plainCMS: return -1
        case .baselineB: return 0
        case .baselineT: return 1
        case .baselineLT: return 2
        }
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.order < rhs.order }
}

/// An RFC 3161 timestamp authority reached over HTTP.
public struct TimestampService: Sendable {
    public var url: String
    public var http: HTTPFetcher.Options
    /// Roots the TSA's certificate must chain to (besides the roots in the signer's chain):
    /// an answer that does not verify against them is refused before it is used.
    public var trust: [Certificate]
    public init(url: String, http: HTTPFetcher.Options = HTTPFetcher.Options(), trust: [Certificate] = []) {
        self.url = url
        self.http = http
        self.trust = trust
    }

    /// Checks a token the TSA answered with: its signature, its TSA certificate's path to
    /// one of `trust` or of the self-issued certificates of `chain` (timeStamping purpose),
    /// before the token goes into a signature and before any address its certificates
    /// name is fetched. Anyone who can answer a plain-http address could otherwise hand
    /// over a token of their own.
    public func check(_ token: TimestampToken, chain: [Certificate]) throws {
        let anchors = trust + chain.filter(\.isSelfIssued).filter { !trust.contains($0) }
        guard !anchors.isEmpty else {
            throw SignServiceError(code: .serviceRefused,
                reason: "\(url): the TSA's answer cannot be checked: no trusted root was given for it (--tsa-trust, or the root in --chain); nothing was signed")
        }
        if case .invalid(let finding) = TimestampVerification.check(token, anchors: anchors, untrusted: token.certificates + chain) {
            throw SignServiceError(code: .serviceRefused,
                reason: "\(url): the TSA's answer does not verify against the trusted roots (\(finding.message)); nothing was signed")
        }
    }
}

public enum CAdES {
    /// Signs the file at `path`, streaming it through the digest in 1 MiB chunks.
    /// Returns the DER-encoded ContentInfo. For many files, make one `CAdESSigner`.
    public static func sign(fileAt path: String, with identity: SigningIdentity,
                            options: SignatureOptions = .init()) async throws -> [UInt8] {
        try await CAdESSigner(identity: identity, options: options).sign(fileAt: path)
    }

    /// Adds a parallel SignerInfo to an existing signature of the same content (co-signing),
    /// leaving the existing signers untouched.
    ///
    /// `contentPath` is required for a detached signature: the content is digested and
    /// compared with the existing signers' messageDigest, so a second official can never
    /// co-sign a different document by mistake.
    public static func addSignature(to existing: [UInt8], source: String, contentAt contentPath: String?,
                                    with identity: SigningIdentity,
                                    options: SignatureOptions = .init()) async throws -> [UInt8] {
        try options.check(for: identity.key)
        let cms = try CMSContentInfo(encoded: existing, source: source)
        let infos = cms.signerInfos
        guard !infos.isEmpty else { throw SignServiceError.malformed("\(source): the signature has no signers") }

        // The new signer copies the messageDigest of an existing signer with the same
        // digest algorithm (RFC 5652 allows one per algorithm).
        let existingDigests = infos.compactMap { SignerInfoView($0).digestAlgorithm }
        let digest = options.digest ?? existingDigests.first ?? identity.key.defaultDigest
        guard existingDigests.contains(digest) else {
            throw SignServiceError(code: .unsupportedAlgorithm,
                                   reason: "co-signing with \(digest.rawValue) needs an existing signer with the same digest; \(source) uses \(existingDigests.map(\.rawValue).joined(separator: ", "))")
        }

        let content: [DigestAlgorithm: [UInt8]]
        if cms.isDetached {
            guard let contentPath else {
                throw SignServiceError.malformed("\(source) is a detached signature: the signed document is needed to co-sign it")
            }
            content = try ContentDigest.digests(ofFileAt: contentPath, algorithms: [digest])
        } else {
            content = try cms.withEncapsulatedContent { try ContentDigest.digests(of: $0, algorithms: [digest]) } ?? [:]
        }
        for info in infos {
            let view = SignerInfoView(info)
            guard view.digestAlgorithm == digest, let claimed = view.messageDigest else { continue }
            guard claimed == content[digest] else {
                throw SignServiceError(code: .contentMismatch,
                                       reason: "\(source) does not sign this document (message digest differs); nothing was co-signed")
            }
        }

        let revocationValues = try await addSignerInfo(to: cms, identity: identity, digest: digest, options: options)
        try addCertificates(identity, to: cms)
        return try CAdESSignatureTemplate.addingRevocationValues(revocationValues, to: try cms.derBytes())
    }

    /// Adds a SignerInfo that reuses the messageDigest of an existing signer with the same
    /// digest algorithm (`CMS_REUSE_DIGEST`), and signs it; returns the revocation values
    /// B-LT asks to embed.
    private static func addSignerInfo(to cms: CMSContentInfo, identity: SigningIdentity, digest: DigestAlgorithm,
                                      options: SignatureOptions) async throws -> [CAdESSignatureTemplate.RevocationValue] {
        var flags = UInt32(CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES | CMS_REUSE_DIGEST | CMS_PARTIAL)
        if options.rsaPSS { flags |= UInt32(CMS_KEY_PARAM) }
        OpenSSLErrorQueue.clear()
        guard let si = CMS_add1_signer(cms.pointer, identity.certificate.pointer, identity.key.pointer,
                                       digest.evp, flags) else {
            throw SignServiceError.openSSL("cannot add the signer \(identity.certificate.subject)")
        }
        if options.rsaPSS {
            guard let pctx = CMS_SignerInfo_get0_pkey_ctx(si),
                  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 else {
                throw SignServiceError.openSSL("cannot select RSA-PSS")
            }
            // OpenSSL records PSS parameters only when it hashes the content itself; a
            // co-signature reuses the digest, so the identifier is set here.
            try setPSSAlgorithmIdentifier(si, digest: digest)
        }
        guard CMS_SignerInfo_sign(si) == 1 else {
            throw SignServiceError.openSSL("signing failed")
        }
        guard let service = options.timestampService, options.level >= .baselineT else { return [] }
        guard let value = CMS_SignerInfo_get0_signature(si) else { throw SignServiceError.openSSL("no signature value") }
        let signatureValue = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(value), count: Int(ASN1_STRING_length(value))))
        let stamp = try await TimestampClient.timestamp(digest: try ContentDigest.digest(signatureValue, algorithm: .sha256),
                                                        algorithm: .sha256, url: service.url, options: service.http)
        try service.check(stamp.token, chain: [identity.certificate] + identity.chain)
        OpenSSLErrorQueue.clear()
        let added = stamp.token.der.withUnsafeBufferPointer {
            CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, $0.baseAddress, Int32($0.count))
        }
        guard added == 1 else { throw SignServiceError.openSSL("cannot add the signature timestamp") }
        guard options.level == .baselineLT else { return [] }
        var certificates = [identity.certificate] + identity.chain
        if let tsa = stamp.token.tsaCertificate {
            certificates += [tsa] + stamp.token.certificates.filter { $0 != tsa && !certificates.contains($0) }
        }
        return try await CAdESSignatureTemplate.revocationValues(for: certificates, fetcher: RevocationFetcher(options: service.http))
    }

    /// Embeds the signer's certificate and chain, skipping any already present.
    private static func addCertificates(_ identity: SigningIdentity, to cms: CMSContentInfo) throws {
        let present = cms.certificates
        for certificate in [identity.certificate] + identity.chain where !present.contains(certificate) {
            guard CMS_add1_cert(cms.pointer, certificate.pointer) == 1 else {
                throw SignServiceError.openSSL("cannot embed the certificate \(certificate.subject)")
            }
        }
        OpenSSLErrorQueue.clear()
    }

    /// Sets the SignerInfo's signature algorithm to RSASSA-PSS with its parameters.
    private static func setPSSAlgorithmIdentifier(_ si: OpaquePointer, digest: DigestAlgorithm) throws {
        let params = CAdESSignatureTemplate.pssParameters(digest)
        var algorithm: UnsafeMutablePointer<X509_ALGOR>?
        CMS_SignerInfo_get0_algs(si, nil, nil, nil, &algorithm)
        guard let algorithm, let sequence = ASN1_STRING_type_new(V_ASN1_SEQUENCE) else {
            throw SignServiceError.openSSL("cannot set the RSA-PSS parameters")
        }
        guard params.withUnsafeBytes({ ASN1_STRING_set(sequence, $0.baseAddress, Int32($0.count)) }) == 1,
              X509_ALGOR_set0(algorithm, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, sequence) == 1 else {
            ASN1_STRING_free(sequence)
            throw SignServiceError.openSSL("cannot set the RSA-PSS parameters")
        }
    }
}

/// Signs documents for one identity with one set of options; safe to use from many
/// tasks at once (a batch signs in parallel through one signer).
///
/// Signing is asynchronous because levels T and LT talk to servers (the TSA, CRL
/// distribution points, OCSP responders): a signature waits for their answers without
/// holding a thread. At level B nothing is awaited but the signing itself.
public final class CAdESSigner: Sendable {
    private let template: CAdESSignatureTemplate

    /// At level LT the revocation data of the signer's chain is fetched here, once for
    /// every document this signer signs; a revoked chain stops here, before any document.
    public init(identity: SigningIdentity, options: SignatureOptions = .init()) async throws {
        template = try await CAdESSignatureTemplate(identity: identity, options: options)
    }

    /// Whether signatures wait on a server (level T and above).
    public var usesNetwork: Bool { template.options.timestampService != nil && template.options.level >= .baselineT }
    /// Whether the signature carries the document (enveloping), which is then read whole.
    public var isEnveloping: Bool { template.options.attached }

    /// A detached signature over bytes in memory (an ASiC manifest).
    public func sign(data: [UInt8], signingTime: Date = Date()) async throws -> [UInt8] {
        let digest = try ContentDigest.digest(data, algorithm: template.digest)
        return try await template.signature(contentDigest: digest, content: nil, signingTime: signingTime)
    }

    /// Signs the file at `path`: detached signatures hash it as a stream; enveloping ones
    /// (which must carry it) read it whole.
    public func sign(fileAt path: String, signingTime: Date = Date()) async throws -> [UInt8] {
        if !usesNetwork { return try signWithoutNetwork(fileAt: path, signingTime: signingTime) }
        if template.options.attached {
            let content = try FileIO.read(path, limit: 1 << 30)
            let digest = try content.withUnsafeBytes { try ContentDigest.digests(of: $0, algorithms: [template.digest])[template.digest]! }
            return try await template.signature(contentDigest: digest, content: content, signingTime: signingTime)
        }
        let digest = try ContentDigest.digests(ofFileAt: path, algorithms: [template.digest])[template.digest]!
        return try await template.signature(contentDigest: digest, content: nil, signingTime: signingTime)
    }

    /// ``sign(fileAt:signingTime:)`` at level B: all computation, no suspension.
    func signWithoutNetwork(fileAt path: String, signingTime: Date = Date()) throws -> [UInt8] {
        if template.options.attached {
            let content = try FileIO.read(path, limit: 1 << 30)
            let digest = try content.withUnsafeBytes { try ContentDigest.digests(of: $0, algorithms: [template.digest])[template.digest]! }
            return try template.signatureWithoutTimestamp(contentDigest: digest, content: content, signingTime: signingTime)
        }
        let digest = try ContentDigest.digests(ofFileAt: path, algorithms: [template.digest])[template.digest]!
        return try template.signatureWithoutTimestamp(contentDigest: digest, content: nil, signingTime: signingTime)
    }
}

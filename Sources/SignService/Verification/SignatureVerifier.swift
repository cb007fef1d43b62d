internal import COpenSSL
import Findings
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
    /// Downloads CRLs a signature does not carry from its certificates' distribution
    /// points; nil decides offline, with what was given and what the signature carries.
    public var revocationFetcher: RevocationFetcher?

    public init(trustAnchors: [Certificate], intermediates: [Certificate] = [],
                crls: [CertificateRevocationList] = []) {
        self.trustAnchors = trustAnchors
        self.intermediates = intermediates
        self.crls = crls
    }
}

/// Validates CAdES / CMS signatures and produces an ETSI TS 119 102-1 style report.
///
/// The time the certificates must be valid at is given per call (default: now), so one
/// verifier serves a service for months. Safe to use from many threads at once. Path
/// validation results are cached per signer
/// certificate and embedded chain: a batch of signatures by one official validates the
/// path once.
public final class SignatureVerifier: Sendable {
    public let policy: VerificationPolicy
    private let paths: CertificatePathValidator
    private let certificates = CertificateCache()
    private let intermediates: [CertificateRecord]
    /// Path results by signer, candidates and CRLs; each valid for the span of time in which
    /// no certificate or CRL of the path changes state (``PathResult``).
    private let pathCache = ExpiringCache<Data, PathResult>(capacity: SignatureVerifier.pathCapacity)
    /// Embedded CRLs, parsed once: at most 1,024 of them and 64 MiB of DER.
    private let crlParseCache = ExpiringCache<Data, CertificateRevocationList>(capacity: 1024, maximumCost: 64 << 20)
    /// OCSP answers by certificate, each until its nextUpdate (at most five minutes).
    private let ocspCache = ExpiringCache<Data, Result<OCSPClient.Status, SignServiceError>>(capacity: 4096)

    /// Path results kept at once.
    static let pathCapacity = 4096
    /// The longest a path result or an OCSP answer is reused, however long its data says it is good.
    static let reuseLimit: TimeInterval = 300
    /// False sends every signature through OpenSSL's CMS parser (tests compare the paths).
    let readsDERDirectly: Bool

    public convenience init(policy: VerificationPolicy) throws {
        try self.init(policy: policy, readsDERDirectly: true)
    }

    init(policy: VerificationPolicy, readsDERDirectly: Bool) throws {
        self.readsDERDirectly = readsDERDirectly
        self.policy = policy
        self.paths = try CertificatePathValidator(trustAnchors: policy.trustAnchors, crls: policy.crls)
        self.intermediates = try policy.intermediates.map(certificates.record)
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
    /// malformed files) are thrown so the caller can report them as such. Revocation data
    /// is fetched concurrently, and no thread waits for it: what a web page calls.
    public func verify(signatureAt path: String, contentAt contentPath: String? = nil, at time: Date = Date()) async throws -> ValidationReport {
        try await withRevocationData { try verifyPass(signatureAt: path, contentAt: contentPath, at: time) }
    }

    private func verifyPass(signatureAt path: String, contentAt contentPath: String?, at time: Date) throws -> ValidationReport {
        try FileIO.checkLooksLikeDERorPEM(path, what: "a CMS signature")
        let bytes = try FileIO.read(path, limit: FileIO.maximumSignatureSize)
        var enveloping = false
        var report = try verify(bytes, name: path, at: time) { detached in
            enveloping = !detached
            guard let content = try resolveContent(detached: detached, signature: path, explicit: contentPath) else { return nil }
            return (content, { try ContentDigest.digests(ofFileAt: content, algorithms: $0) })
        }
        // An enveloping signature carries its document: a file named with --content must be
        // that document, or the verdict would be about something other than what was asked.
        if enveloping, let contentPath {
            guard FileIO.exists(contentPath) else { throw SignServiceError.fileNotFound(contentPath) }
            let given = try ContentDigest.digests(ofFileAt: contentPath, algorithms: [.sha256])[.sha256]
            if given != report.embeddedContentSHA256 {
                report.errors.append(Finding(.contentNotInsideSignature, ["content": .text(contentPath)]))
                report.indication = .totalFailed
                report.subIndication = .hashFailure
            }
            report.content = contentPath
        }
        return report
    }

    /// Whether `path` names an RFC 3161 timestamp (`.tsr` TimeStampResp or `.tst` token)
    /// rather than a signature.
    public static func isTimestampFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".tsr") || lower.hasSuffix(".tst")
    }

    /// Validates a standalone RFC 3161 timestamp (as `signtool timestamp` or `openssl ts
    /// -reply` write it) over the file it stamps (`contentPath`, else `path` without its
    /// suffix): the imprint must be that file's digest, the token's signature must verify,
    /// and the TSA's certificate must chain to a trust anchor, with the timeStamping
    /// purpose, unrevoked.
    public func verify(timestampAt path: String, contentAt contentPath: String? = nil, at time: Date = Date()) async throws -> ValidationReport {
        try await withRevocationData { try verifyPass(timestampAt: path, contentAt: contentPath, at: time) }
    }

    private func verifyPass(timestampAt path: String, contentAt contentPath: String?, at time: Date) throws -> ValidationReport {
        try FileIO.checkLooksLikeDERorPEM(path, what: "an RFC 3161 timestamp")
        let bytes = try FileIO.read(path, limit: FileIO.maximumSignatureSize)
        let token = try Self.timestampToken(bytes, source: path)
        guard let content = contentPath ?? (path.count > 4 ? String(path.dropLast(4)) : nil) else {
            throw SignServiceError(code: .fileNotFound, reason: "\(path): name the timestamped file with --content")
        }
        guard FileIO.exists(content) else {
            throw SignServiceError(code: .fileNotFound,
                                   reason: "\(content): no such file (the file timestamped by \(path); use --content to name it)")
        }
        return try verifyPass(token, name: path, content: content, at: time) {
            try ContentDigest.digests(ofFileAt: content, algorithms: [$0])[$0]
        }
    }

    /// Validates an RFC 3161 timestamp held in memory (a TimeStampResp or a bare token) over
    /// `content`, also in memory: an audit checkpoint, the statement it stamps.
    public func verify(timestamp bytes: [UInt8], name: String, content: [UInt8], contentName: String,
                       at time: Date = Date()) async throws -> ValidationReport {
        let token = try Self.timestampToken(bytes, source: name)
        return try await withRevocationData {
            try verifyPass(token, name: name, content: contentName, at: time) { try ContentDigest.digest(content, algorithm: $0) }
        }
    }

    private static func timestampToken(_ bytes: [UInt8], source: String) throws -> TimestampToken {
        do {
            return try TimestampToken(der: bytes, source: source)
        } catch let error as SignServiceError where error.code == .serviceRefused {
            // A file holding a TSA's refusal is not a timestamp: malformed input, not a refused request.
            throw SignServiceError(code: .malformedInput, reason: "\(error.reason); it holds no timestamp token")
        }
    }

    private func verifyPass(_ token: TimestampToken, name path: String, content: String, at time: Date,
                            digest: (DigestAlgorithm) throws -> [UInt8]?) throws -> ValidationReport {
        var result = SignatureValidation(indication: .totalPassed, subIndication: nil, signer: nil, signingTime: nil,
                                         digestAlgorithm: token.imprintAlgorithm?.rawValue, signatureAlgorithm: nil,
                                         errors: [], warnings: [])
        result.level = nil
        result.timestamp = .init(time: token.time, tsa: token.tsa)
        func fail(_ indication: Indication, _ sub: SubIndication, _ finding: Finding) {
            if result.subIndication == nil || indication > result.indication {
                result.indication = indication
                result.subIndication = sub
            }
            result.errors.append(finding)
        }
        guard let algorithm = token.imprintAlgorithm else {
            fail(.indeterminate, .cryptoConstraintsFailure, Finding(.timestampDigestAlgorithmNotAccepted))
            return ValidationReport(file: path, content: content, signatures: [result], kind: .timestamp)
        }
        if try digest(algorithm) != token.imprint {
            fail(.totalFailed, .hashFailure, Finding(.timestampedFileAltered))
        }
        guard let tsa = token.tsaCertificate, let record = try? CertificateRecord(tsa, der: tsa.derBytes) else {
            fail(.indeterminate, .noSigningCertificateFound, Finding(.timestampWithoutTSACertificate))
            return ValidationReport(file: path, content: content, signatures: [result], kind: .timestamp)
        }
        result.signer = record.description
        // The TSA's path (chain, validity now, revocation) decides trust; OpenSSL's TS
        // verifier then checks the token's signature and the timeStamping purpose.
        let candidates = CandidateCertificates(intermediates + token.certificates.compactMap { try? certificates.record($0) })
        var crls: [CertificateRevocationList] = []
        if policy.revocationFetcher != nil, let tsaRecord = try? certificates.record(tsa) {
            let fetchable = pathOutcome(for: tsaRecord, candidates: candidates, crls: [], at: time).fetchableCertificates
            crls = fetchCRLs(for: fetchable, warnings: &result.warnings)
        }
        guard let tsaPath = timestampAuthorityPath(tsa, candidates: candidates, crls: crls, embeddedAnswers: [:], at: time) else {
            fail(.indeterminate, .certificateChainGeneralFailure, Finding(.tsaCertificateUnreadable))
            return ValidationReport(file: path, content: content, signatures: [result], kind: .timestamp)
        }
        result.warnings += tsaPath.outcome.warnings + tsaPath.warnings
        if let fatal = tsaPath.outcome.fatal {
            fail(.indeterminate, fatal.subIndication, fatal.finding)
        } else if case .invalid(let finding) = TimestampVerification.check(token, anchors: policy.trustAnchors,
                                                                           untrusted: candidates.certificates) {
            fail(.totalFailed, .sigCryptoFailure, finding)
        }
        for problem in tsaPath.outcome.outOfBounds { fail(.indeterminate, .outOfBoundsNoPOE, problem) }
        for revoked in tsaPath.revocations {
            var params: [String: Finding.Parameter] = ["subject": .name(revoked.subject)]
            if let date = revoked.date { params["revokedAt"] = .time(date) }
            fail(.indeterminate, .revokedNoPOE, Finding(revoked.depth == 0 ? .tsaRevoked : .tsaCARevoked, params))
        }
        return ValidationReport(file: path, content: content, signatures: [result], kind: .timestamp)
    }

    /// Validates a detached signature held in memory over content held in memory (the
    /// signatures inside an ASiC container).
    public func verify(signature bytes: [UInt8], name: String, detachedContent: [UInt8], contentName: String,
                       at time: Date = Date()) async throws -> ValidationReport {
        try await withRevocationData {
            try verifyPass(signature: bytes, name: name, detachedContent: detachedContent, contentName: contentName, at: time)
        }
    }

    /// One pass over a detached signature in memory (inside a pass of a container, too).
    func verifyPass(signature bytes: [UInt8], name: String, detachedContent: [UInt8], contentName: String,
                            at time: Date) throws -> ValidationReport {
        try verify(bytes, name: name, at: time) { detached in
            guard detached else {
                throw SignServiceError.malformed("\(name): expected a detached signature, found an enveloping one")
            }
            return (contentName, { algorithms in try detachedContent.withUnsafeBytes { try ContentDigest.digests(of: $0, algorithms: algorithms) } })
        }
    }

    /// `detachedContent` is asked whether the signature is detached and answers with the
    /// content's name and a way to digest it, or nil for an enveloping signature.
    private func verify(_ bytes: [UInt8], name path: String, at time: Date,
                        detachedContent: (Bool) throws -> (name: String, digests: (Set<DigestAlgorithm>) throws -> [DigestAlgorithm: [UInt8]])?) throws -> ValidationReport {
        // DER SignedData with ECDSA or RSA PKCS#1 v1.5 signers (what signtool and most
        // tools write) is read directly; anything else goes through OpenSSL's CMS parser.
        if readsDERDirectly, let parsed = try? ParsedSignedData(bytes), parsed.eContentType == KnownOID.data,
           !parsed.signerInfos.isEmpty, parsed.signerInfos.allSatisfy(\.isVerifiableHere) {
            let content = try detachedContent(parsed.eContent == nil)
            if let problem = parsed.digestAlgorithmsProblem {
                return .failure(file: path, content: content?.name, .formatFailure, error: problem)
            }
            let crls = parsed.crls.compactMap { embeddedCRL(Array(parsed.bytes[$0])) }
            return try report(file: path, content: content, signers: parsed.signerInfos,
                              embedded: parsed.certificates.map { try certificates.record(der: parsed.bytes[$0]) },
                              embeddedCRLs: crls, embeddedOCSP: parsed.ocspResponses.map { Array(parsed.bytes[$0]) },
                              eContentType: parsed.eContentType, at: time) { algorithms in
                try parsed.bytes.withUnsafeBytes { raw in
                    try ContentDigest.digests(of: UnsafeRawBufferPointer(rebasing: raw[parsed.eContent!]), algorithms: algorithms)
                }
            }
        }

        let cms = try CMSContentInfo(encoded: bytes, source: path)
        let content = try detachedContent(cms.isDetached)
        // OpenSSL's parser is lenient about digestAlgorithms; its DER re-encoding is read strictly.
        if let der = try? cms.derBytes(), let problem = ParsedSignedData.digestAlgorithmsProblem(inContentInfo: der) {
            return .failure(file: path, content: content?.name, .formatFailure, error: problem)
        }
        // OpenSSL keeps "other" revocation formats opaque; the DER reader finds OCSP responses.
        let parsed = try? ParsedSignedData(bytes)
        return try report(file: path, content: content, signers: cms.signerInfos.map(SignerInfoView.init),
                          embedded: cms.certificates.map(certificates.record), embeddedCRLs: cms.crls.compactMap { embeddedCRL($0.derBytes) },
                          embeddedOCSP: parsed.map { parsed in parsed.ocspResponses.map { Array(parsed.bytes[$0]) } } ?? [],
                          eContentType: SignerInfoView.contents(ofOID: CMS_get0_eContentType(cms.pointer)) ?? [], at: time) { algorithms in
            try cms.withEncapsulatedContent { try ContentDigest.digests(of: $0, algorithms: algorithms) } ?? [:]
        }
    }

    /// Digests the content once per digest algorithm in use, then validates every signer.
    private func report(file: String, content: (name: String, digests: (Set<DigestAlgorithm>) throws -> [DigestAlgorithm: [UInt8]])?,
                        signers: [some SignerEvidence], embedded: [CertificateRecord],
                        embeddedCRLs: [CertificateRevocationList], embeddedOCSP: [[UInt8]], eContentType: [UInt8],
                        at time: Date,
                        encapsulatedDigests: (Set<DigestAlgorithm>) throws -> [DigestAlgorithm: [UInt8]]) throws -> ValidationReport {
        guard !signers.isEmpty else {
            return .failure(file: file, content: content?.name, .formatFailure, error: Finding(.noSigner))
        }
        let candidates = CandidateCertificates(embedded + intermediates)
        var algorithms = Set(signers.compactMap(\.digestAlgorithm))
        if content == nil { algorithms.insert(.sha256) }
        // Each pass of an online verification sees the same document: digest it once.
        let digestKey = "\(file)\u{0}\(content?.name ?? "")\u{0}\(algorithms.map(\.rawValue).sorted())"
        let digests = try Self.lookup?.digests(for: digestKey, compute: {
            try content.map { try $0.digests(algorithms) } ?? encapsulatedDigests(algorithms)
        }) ?? content.map { try $0.digests(algorithms) } ?? encapsulatedDigests(algorithms)
        let signatures = signers.map {
            validate($0, digests: digests, candidates: candidates, embeddedCRLs: embeddedCRLs,
                     embeddedOCSP: embeddedOCSP, eContentType: eContentType, at: time)
        }
        var report = ValidationReport(file: file, content: content?.name, signatures: signatures)
        if content == nil { report.embeddedContentSHA256 = digests[.sha256] }
        return report
    }

    /// The document a detached signature covers: `explicit`, or the signature's name
    /// without `.p7s`. Nil for an enveloping signature.
    private func resolveContent(detached: Bool, signature path: String, explicit: String?) throws -> String? {
        guard detached else { return nil }
        guard let content = explicit ?? Self.defaultContentPath(forSignatureAt: path) else {
            throw SignServiceError(code: .fileNotFound,
                                   reason: "\(path) is a detached signature: name the signed document with --content")
        }
        guard FileIO.exists(content) else {
            throw SignServiceError(code: .fileNotFound,
                                   reason: "\(content): no such file (the document signed by \(path); use --content to name it)")
        }
        return content
    }

    /// A CRL from a signature's crls field, parsed once per distinct encoding.
    private func embeddedCRL(_ der: [UInt8]) -> CertificateRevocationList? {
        guard let key = try? Data(ContentDigest.digest(der, algorithm: .sha256)) else { return nil }
        guard let crl = try? crlParseCache.value(for: key, cost: der.count, compute: {
            guard let crl = try CertificateRevocationList.loadAll(der, source: "embedded CRL").first else {
                throw SignServiceError.malformed("embedded CRL: none")
            }
            return crl
        }) else { return nil }
        return crl
    }

    private func validate(_ info: some SignerEvidence, digests: [DigestAlgorithm: [UInt8]],
                          candidates: CandidateCertificates, embeddedCRLs: [CertificateRevocationList],
                          embeddedOCSP: [[UInt8]], eContentType: [UInt8], at time: Date) -> SignatureValidation {
        var result = SignatureValidation(indication: .totalPassed, subIndication: nil, signer: nil,
                                         signingTime: info.signingTime, digestAlgorithm: info.digestAlgorithmName,
                                         signatureAlgorithm: info.signatureAlgorithmName, errors: [], warnings: [])
        // The first cause of the worst indication names the sub-indication.
        func fail(_ indication: Indication, _ sub: SubIndication, _ finding: Finding) {
            if result.subIndication == nil || indication > result.indication {
                result.indication = indication
                result.subIndication = sub
            }
            result.errors.append(finding)
        }

        // Several certificates may match the SignerIdentifier (same issuer and serial, or the
        // same key identifier): the one the signing-certificate attribute names is the signer's.
        let matching = candidates.matching(info)
        guard let record = matching.count == 1 ? matching.first
                : matching.first(where: { info.signingCertificateMatches($0) == true }) ?? matching.first else {
            fail(.indeterminate, .noSigningCertificateFound, Finding(.signerCertificateMissing))
            return result
        }
        result.signer = record.description

        // The signature itself: format, content digest, signature value.
        guard info.hasSignedAttributes else {
            // Without signed attributes there is no CAdES level to speak of.
            result.level = .plainCMS
            fail(.totalFailed, .formatFailure, Finding(.noSignedAttributes))
            return result
        }
        guard let algorithm = info.digestAlgorithm else {
            fail(.indeterminate, .cryptoConstraintsFailure, Finding(.digestAlgorithmNotAccepted, ["algorithm": .text(info.digestAlgorithmName)]))
            return result
        }
        // Attributes allowed once with one value that occur twice or carry two values make the
        // signature malformed (RFC 5652 11, EN 319 122-1 5.2): which value would count?
        let attributeProblems = info.attributeCardinalityProblems + info.attributePlacementProblems
        for problem in attributeProblems { fail(.totalFailed, .formatFailure, problem) }
        func present(_ oid: [UInt8]) -> Bool { !info.signedAttributeValueCounts(oid).isEmpty }
        // Once with one value, yet unreadable: a value of the wrong type must never make a
        // check silently disappear (a messageDigest that is no OCTET STRING compares nothing).
        func single(_ oid: [UInt8]) -> Bool { info.signedAttributeValueCounts(oid) == [1] }
        if result.signingTime == nil {
            if !present(KnownOID.signingTime) {
                result.warnings.append(Finding(.noSigningTimeAttribute))
            } else if single(KnownOID.signingTime) {
                fail(.totalFailed, .formatFailure, Finding(.signingTimeMalformed))
            }
        }
        switch info.contentTypeAttribute {
        case nil where !present(KnownOID.contentType): fail(.totalFailed, .formatFailure, Finding(.contentTypeMissing))
        case nil where single(KnownOID.contentType):
            fail(.totalFailed, .formatFailure, Finding(.contentTypeMalformed))
        case let type? where type != eContentType:
            fail(.totalFailed, .formatFailure, Finding(.contentTypeMismatch))
        default: break
        }
        if let claimed = info.messageDigest {
            if claimed != digests[algorithm] {
                fail(.totalFailed, .hashFailure, Finding(.documentAltered))
            }
        } else if !present(KnownOID.messageDigest) {
            fail(.totalFailed, .formatFailure, Finding(.messageDigestMissing))
        } else if single(KnownOID.messageDigest) {
            fail(.totalFailed, .formatFailure, Finding(.messageDigestMalformed))
        }
        if let mismatch = info.signatureAlgorithmMismatch(with: record) {
            fail(.totalFailed, .sigCryptoFailure, mismatch)
        } else if attributeProblems.isEmpty && !info.verifySignature(with: record) {
            // (OpenSSL's verifier also refuses malformed attributes: that is not a bad signature value.)
            fail(.totalFailed, .sigCryptoFailure, Finding(.signatureValueInvalid))
        }
        if let weakness = record.keyWeakness {
            fail(.indeterminate, .cryptoConstraintsFailure, weakness)
        }
        // EN 319 122-1 requires signing-certificate(-v2) at every baseline level: without it
        // the signature is plain CMS, whatever else it carries.
        let isCAdES: Bool
        switch info.signingCertificateMatches(record) {
        case nil where !present(KnownOID.signingCertificate) && !present(KnownOID.signingCertificateV2):
            isCAdES = false
            result.level = .plainCMS
            result.warnings.append(Finding(.noSigningCertificateAttribute))
        case false?:
            isCAdES = true
            fail(.indeterminate, .noSigningCertificateFound, Finding(.signingCertificateMismatch))
        case nil where single(KnownOID.signingCertificate) || single(KnownOID.signingCertificateV2):
            isCAdES = true
            fail(.indeterminate, .noSigningCertificateFound, Finding(.signingCertificateMalformed))
        default:
            isCAdES = true
        }

        // The signer's certificate and its path to a trust anchor.
        if let problem = record.documentSigningProblem {
            fail(.indeterminate, .chainConstraintsFailure, problem)
        }
        // A signature timestamp that verifies proves the signature existed at its time (POE),
        // once its TSA's certificate is known not to be revoked (below).
        var timestamps: [TimestampToken] = []
        for token in info.signatureTimestampTokens {
            switch TimestampVerification.check(token: token, covering: info.signatureValue, anchors: policy.trustAnchors,
                                               untrusted: candidates.certificates) {
            case .valid(let verified) where verified.tsaCertificate == nil:
                // Without its TSA's certificate in the token, whose revocation would be checked?
                result.warnings.append(Finding(.signatureTimestampWithoutTSACertificate, ["tsa": .name(verified.tsa)]))
            case .valid(let verified):
                timestamps.append(verified)
            case .invalid(let finding):
                result.warnings.append(finding)
            }
        }
        timestamps.sort { $0.time < $1.time }
        let tsaCertificates = timestamps.compactMap(\.tsaCertificate).filter { !$0.isSelfIssued }

        // The path as the file alone builds it: whose revocation data counts, and may be fetched.
        let offlinePath = pathOutcome(for: record, candidates: candidates, crls: embeddedCRLs, at: time)
        var crls = embeddedCRLs
        if policy.revocationFetcher != nil {
            // Only certificates of paths that reach a trust anchor (the signer's, the TSAs')
            // get their CRL addresses called: each once, in path order.
            var fetchable = offlinePath.fetchableCertificates
            for token in timestamps {
                guard let tsa = token.tsaCertificate, let tsaRecord = try? certificates.record(tsa) else { continue }
                let tokenCandidates = candidates.adding(token.certificates.compactMap { try? certificates.record($0) })
                fetchable += pathOutcome(for: tsaRecord, candidates: tokenCandidates, crls: embeddedCRLs, at: time)
                    .fetchableCertificates
            }
            var seen = Set<Certificate>()
            fetchable = fetchable.filter { seen.insert($0).inserted }
            crls += fetchCRLs(for: fetchable, warnings: &result.warnings)
        }
        // Answers from the OCSP responses the signature carries, per certificate they cover.
        var embeddedAnswers: [Certificate: OCSPClient.Answer] = [:]
        if !embeddedOCSP.isEmpty {
            for certificate in (offlinePath.chain.isEmpty ? [record.certificate] : offlinePath.chain) + tsaCertificates
                where !certificate.isSelfIssued {
                guard embeddedAnswers[certificate] == nil, let issuer = issuer(of: certificate, candidates: candidates) else { continue }
                // Co-signatures each bring their own: the newest answer speaks.
                for response in embeddedOCSP {
                    if let answer = try? OCSPClient.check(response: response, about: certificate, issuer: issuer, anchors: policy.trustAnchors,
                                                          untrusted: candidates.certificates, source: "embedded OCSP response"),
                       answer.thisUpdate > embeddedAnswers[certificate]?.thisUpdate ?? .distantPast {
                        embeddedAnswers[certificate] = answer
                    }
                }
            }
        }
        // The earliest timestamp whose TSA certificate (and its CAs) is not revoked is the
        // proof: a revoked TSA key could have dated anything.
        var proof: TimestampToken?
        for token in timestamps {
            let tokenCandidates = candidates.adding(token.certificates.compactMap { try? certificates.record($0) })
            if let tsa = token.tsaCertificate,
               let revoked = timestampAuthorityPath(tsa, candidates: tokenCandidates, crls: crls, embeddedAnswers: embeddedAnswers, at: time)?.revocations.first {
                var params: [String: Finding.Parameter] = ["tsa": .name(token.tsa)]
                if let date = revoked.date { params["revokedAt"] = .time(date) }
                result.warnings.append(Finding(.tsaRevokedNotUsed, params))
                continue
            }
            proof = token
            break
        }
        if let proof {
            result.timestamp = .init(time: proof.time, tsa: proof.tsa)
            if isCAdES { result.level = .baselineT }
            if let claimed = result.signingTime, claimed > proof.time.addingTimeInterval(300) {
                result.warnings.append(Finding(.signingTimeAfterTimestamp, ["signingTime": .time(claimed), "timestamp": .time(proof.time)]))
            }
        }

        // Revocation data the signature carries counts only if it was current at the time it
        // must speak for (the timestamp, else now): an old "good" could hide a revocation.
        let reference = proof?.time ?? time
        func current(thisUpdate: Date?, nextUpdate: Date?) -> Bool {
            // Issued long before that time, it cannot speak for it: a revocation in between
            // would not show (an old CRL, still unexpired, hid a stolen key's revocation).
            guard let thisUpdate, thisUpdate >= reference.addingTimeInterval(-Self.revocationIssueWindow) else { return false }
            if let nextUpdate { return nextUpdate >= reference }
            return thisUpdate >= reference.addingTimeInterval(-Self.revocationFreshnessGrace)
        }
        for crl in embeddedCRLs where !current(thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate) {
            result.warnings.append(Finding(.crlNotCurrent, ["issuer": .name(crl.issuer), "time": .time(reference)]))
            crls.removeAll { $0 === crl }
        }
        let embeddedCRLs = embeddedCRLs.filter { current(thisUpdate: $0.thisUpdate, nextUpdate: $0.nextUpdate) }
        for (certificate, answer) in embeddedAnswers where !current(thisUpdate: answer.thisUpdate, nextUpdate: answer.nextUpdate) {
            result.warnings.append(Finding(.ocspResponseNotCurrent, ["subject": .name(certificate.subject), "time": .time(reference)]))
            embeddedAnswers[certificate] = nil
        }

        // B-LT: timestamped, and revocation data embedded for the signer and every CA it carries.
        func embedsRevocationData(for certificate: Certificate) -> Bool {
            embeddedCRLs.contains { $0.isFromIssuer(of: certificate) } || embeddedAnswers[certificate] != nil
        }
        if isCAdES && proof != nil && embedsRevocationData(for: record.certificate)
            && offlinePath.chain.filter({ !$0.isSelfIssued && $0.isCA }).allSatisfy(embedsRevocationData) {
            result.level = .baselineLT
        }

        let outcome = pathOutcome(for: record, candidates: candidates, crls: crls, at: time)
        result.warnings.append(contentsOf: outcome.warnings)
        var revocations = outcome.revocations
        let resolved = resolveUncheckedRevocation(outcome, candidates: candidates, embeddedAnswers: embeddedAnswers)
        revocations += resolved.revocations
        result.warnings += resolved.warnings
        if let fatal = outcome.fatal {
            fail(.indeterminate, fatal.subIndication, fatal.finding)
        }
        // With proof of existence, validity periods are judged at the timestamp's time.
        let outOfBounds = proof.map { pathOutcome(for: record, candidates: candidates, crls: crls, at: $0.time).outOfBounds }
            ?? outcome.outOfBounds
        for revocation in revocations {
            var params: [String: Finding.Parameter] = ["subject": .name(revocation.subject)]
            if let date = revocation.date { params["revokedAt"] = .time(date) }
            if let proof, let date = revocation.date, date > proof.time {
                params["timestamp"] = .time(proof.time)
                result.warnings.append(Finding(revocation.depth == 0 ? .revokedAfterTimestamp : .caRevokedAfterTimestamp, params))
                continue
            }
            if let proof, revocation.depth == 0, let date = revocation.date, date <= proof.time {
                fail(.totalFailed, .revoked, Finding(.revokedBeforeTimestamp, params))
                continue
            }
            if revocation.depth > 0 {
                fail(.indeterminate, .revokedCANoPOE, Finding(.caRevoked, params))
            } else if let revoked = revocation.date, let claimed = result.signingTime, revoked <= claimed {
                fail(.totalFailed, .revoked, Finding(.revokedBeforeSigningTime, params))
            } else {
                fail(.indeterminate, .revokedNoPOE, Finding(.revokedNoProofOfExistence, params))
            }
        }
        for problem in outOfBounds {
            fail(.indeterminate, .outOfBoundsNoPOE, problem.validityPeriod(proof == nil ? .noProofOfExistence : .atTimestamp))
        }
        if proof != nil && outOfBounds.isEmpty && !outcome.outOfBounds.isEmpty {
            result.warnings.append(contentsOf: outcome.outOfBounds.map { $0.validityPeriod(.afterTimestamp) })
        }
        return result
    }

    /// Fresh CRLs for `certificates` (online, fresh revocation data is fetched even when the
    /// signature carries some: OpenSSL prefers the newest CRL); only CRLs the caller gave
    /// stand in for a download.
    private func fetchCRLs(for certificates: [Certificate], warnings: inout [Finding]) -> [CertificateRevocationList] {
        guard policy.revocationFetcher != nil else { return [] }
        var crls: [CertificateRevocationList] = []
        for certificate in certificates where !certificate.isSelfIssued {
            if policy.crls.contains(where: { $0.isFromIssuer(of: certificate) }) { continue }
            // Nothing to download (no http CRL address): no need noted, so no second pass.
            guard certificate.crlDistributionPoints.contains(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else { continue }
            // A pass of ``withRevocationData(_:)``: what is not fetched yet is noted for the
            // next round of downloads.
            guard let answer = Self.lookup?.crl(for: certificate) else { continue }
            switch answer {
            case .success(let crl?) where !crls.contains(where: { $0 === crl }): crls.append(crl)
            case .success: break
            case .failure(let error):
                warnings.append(Finding(.crlFetchFailed, ["subject": .name(certificate.subject), "reason": .text(error.reason)]))
            }
        }
        return crls
    }

    /// The CRL for one certificate, or why there is none to be had.
    static func download(_ certificate: Certificate, fetcher: RevocationFetcher) async -> Result<CertificateRevocationList?, SignServiceError> {
        do {
            return .success(try await fetcher.crl(for: certificate))
        } catch let error as SignServiceError {
            return .failure(error)
        } catch {
            // Not a network answer (cancellation): no CRL, and no note, as before.
            return .success(nil)
        }
    }

    /// Where no CRL decided a certificate's status: an OCSP response the signature carries,
    /// else (online) the certificate's OCSP responder. Returns the revocations found and a
    /// note for every certificate whose status stays unknown.
    private func resolveUncheckedRevocation(_ outcome: CertificatePathValidator.Outcome, candidates: CandidateCertificates,
                                            embeddedAnswers: [Certificate: OCSPClient.Answer])
        -> (revocations: [(depth: Int, subject: String, date: Date?)], warnings: [Finding]) {
        var revocations: [(depth: Int, subject: String, date: Date?)] = []
        var warnings: [Finding] = []
        for item in outcome.uncheckedRevocation {
            let certificate = item.certificate
            let answer: Result<OCSPClient.Status, SignServiceError>?
            if let embedded = embeddedAnswers[certificate] {
                answer = .success(embedded.status)
            } else if policy.revocationFetcher != nil && outcome.reachesTrustAnchor {
                // A responder named by a certificate nobody trusts is not asked.
                answer = ocspStatus(of: certificate, candidates: candidates)
            } else {
                answer = nil
            }
            switch answer {
            case .success(.good)?:
                continue
            case .success(.revoked(let date))?:
                revocations.append((item.depth, certificate.subject, date))
                continue
            case .success(.unknown)?:
                warnings.append(Finding(.ocspUnknownCertificate, ["subject": .name(certificate.subject)]))
            case .failure(let error)?:
                warnings.append(Finding(.ocspQueryFailed, ["subject": .name(certificate.subject), "reason": .text(error.reason)]))
            case nil:
                break
            }
            warnings.append(Finding(.revocationNotChecked, ["subject": .name(certificate.subject)]))
        }
        return (revocations, warnings)
    }

    /// A TSA certificate's path: its outcome, with revocations found by CRL, by an OCSP
    /// answer the signature carries or (online) by the TSA certificate's responder.
    private func timestampAuthorityPath(_ tsa: Certificate, candidates: CandidateCertificates, crls: [CertificateRevocationList],
                                        embeddedAnswers: [Certificate: OCSPClient.Answer], at time: Date)
        -> (outcome: CertificatePathValidator.Outcome, revocations: [(depth: Int, subject: String, date: Date?)], warnings: [Finding])? {
        guard let record = try? certificates.record(tsa) else { return nil }
        let outcome = pathOutcome(for: record, candidates: candidates, crls: crls, at: time)
        let resolved = resolveUncheckedRevocation(outcome, candidates: candidates, embeddedAnswers: embeddedAnswers)
        return (outcome, outcome.revocations + resolved.revocations, resolved.warnings)
    }

    /// How old an OCSP answer without nextUpdate may be, before the time it speaks for.
    static let revocationFreshnessGrace: TimeInterval = 3600
    /// How long before the time it speaks for embedded revocation data may have been issued:
    /// a CA reissues its CRL at least daily, and `sign --level LT` fetches it shortly before
    /// the timestamp.
    static let revocationIssueWindow: TimeInterval = 24 * 3600

    /// The certificate that issued `certificate`, among the candidates and trust anchors.
    private func issuer(of certificate: Certificate, candidates: CandidateCertificates) -> Certificate? {
        let name = (try? certificates.record(certificate))?.issuerName ?? []
        return (candidates.issuers(named: name) + policy.trustAnchors).first { $0.issued(certificate) }
    }

    /// A certificate's status from the OCSP responder it names (once per run); nil when it
    /// names none or its issuer is not at hand.
    private func ocspStatus(of certificate: Certificate, candidates: CandidateCertificates) -> Result<OCSPClient.Status, SignServiceError>? {
        guard policy.revocationFetcher != nil, let url = certificate.ocspResponders.first,
              let issuer = issuer(of: certificate, candidates: candidates) else { return nil }
        let need = RevocationLookup.OCSPNeed(certificate: certificate, issuer: issuer, url: url)
        return Self.lookup?.ocsp(for: need)
    }

    /// The responder's answer about one certificate, once per certificate while it is current.
    func ocspAnswer(_ need: RevocationLookup.OCSPNeed) async -> Result<OCSPClient.Status, SignServiceError> {
        let options = policy.revocationFetcher?.options ?? HTTPFetcher.Options()
        let anchors = policy.trustAnchors
        return await ocspCache.value(for: Data(need.certificate.derBytes)) {
            let now = Date()
            do {
                let answer = try await OCSPClient.answer(of: need.certificate, issuer: need.issuer, url: need.url, anchors: anchors,
                                                         options: options)
                let until = min(answer.nextUpdate ?? now, now.addingTimeInterval(Self.reuseLimit))
                return (.success(answer.status), until)
            } catch let error as SignServiceError {
                return (.failure(error), now.addingTimeInterval(RevocationFetcher.failureLifetime))
            } catch {
                return (.failure(SignServiceError(code: .networkFailure, reason: "\(error)")), now.addingTimeInterval(RevocationFetcher.failureLifetime))
            }
        }
    }

    /// Path validation, once per signer certificate, set of candidate intermediates and
    /// CRLs, reused at another time only within the span where nothing it rests on changes.
    private func pathOutcome(for record: CertificateRecord, candidates: CandidateCertificates,
                             crls: [CertificateRevocationList], at time: Date) -> CertificatePathValidator.Outcome {
        var key = Data(record.fingerprint)
        key.append(candidates.key)
        for crl in crls { key.append(contentsOf: crl.fingerprint) }
        // The slot's lock makes concurrent callers wait for one validation; a result made for
        // another time span is replaced, so `compute` always runs at `time`.
        var fresh: CertificatePathValidator.Outcome?
        let cached = pathCache.value(for: key, now: time) {
            let outcome = paths.validate(record.certificate, untrusted: candidates.certificates, at: time, extraCRLs: crls)
            fresh = outcome
            let result = PathResult(outcome: outcome, record: record, candidates: candidates, crls: crls + policy.crls,
                                    anchors: policy.trustAnchors, computedAt: time)
            return (result, result.validUntil)
        }
        if let fresh { return fresh }
        if cached.validFrom <= time && time < cached.validUntil { return cached.outcome }
        // Asked about an earlier time than the result covers (a timestamp's time): validate anew.
        return paths.validate(record.certificate, untrusted: candidates.certificates, at: time, extraCRLs: crls)
    }
}

/// A path result and the span of time it holds for: between the latest and the next
/// instant at which a certificate that could be in the path, or a CRL, starts or stops
/// being valid (capped at ``SignatureVerifier/reuseLimit`` after it was computed).
struct PathResult: Sendable {
    let outcome: CertificatePathValidator.Outcome
    let validFrom: Date
    let validUntil: Date

    init(outcome: CertificatePathValidator.Outcome, record: CertificateRecord, candidates: CandidateCertificates,
         crls: [CertificateRevocationList], anchors: [Certificate], computedAt time: Date) {
        self.outcome = outcome
        var from = Date.distantPast
        var until = time.addingTimeInterval(SignatureVerifier.reuseLimit)
        func consider(_ instant: Date?) {
            guard let instant else { return }
            if instant <= time { from = max(from, instant) } else { until = min(until, instant) }
        }
        let certificates = outcome.chain.isEmpty ? [record.certificate] + candidates.certificates + anchors : outcome.chain
        for certificate in certificates {
            consider(certificate.notBefore)
            // notAfter is the last valid second: the state changes just after it.
            consider(certificate.notAfter.map { $0.addingTimeInterval(1) })
        }
        for crl in crls {
            consider(crl.thisUpdate)
            consider(crl.nextUpdate.map { $0.addingTimeInterval(1) })
        }
        validFrom = from
        validUntil = until
    }
}

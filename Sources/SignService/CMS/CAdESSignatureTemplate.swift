internal import COpenSSL
import Foundation

/// Everything in a CAdES B-B signature that does not depend on the document, encoded once
/// per signer: the signer identifier, algorithm identifiers, the certificates and the
/// signingCertificateV2 attribute. Each document then costs one digest, one signature
/// (both OpenSSL's) and the assembly of a few hundred bytes of DER.
///
/// ```
/// ContentInfo ::= SEQUENCE { contentType id-signedData, content [0] EXPLICIT SignedData }
/// SignedData ::= SEQUENCE { version 1, digestAlgorithms SET, encapContentInfo,
///                           certificates [0] IMPLICIT SET OF Certificate, signerInfos SET }
/// SignerInfo ::= SEQUENCE { version 1, sid IssuerAndSerialNumber, digestAlgorithm,
///                           signedAttrs [0] IMPLICIT SET OF Attribute, signatureAlgorithm,
///                           signature OCTET STRING }
/// ```
final class CAdESSignatureTemplate: @unchecked Sendable {
    // Immutable after init; the context pool synchronises itself.
    let identity: SigningIdentity
    let digest: DigestAlgorithm
    let options: SignatureOptions
    private let digestAlgorithmID: [UInt8]
    private let signatureAlgorithmID: [UInt8]
    private let signerIdentifier: [UInt8]
    private let certificateSet: [UInt8]
    private let contentTypeAttribute: [UInt8]
    private let signingCertificateAttribute: [UInt8]
    private let contexts: PreparedContextPool
    /// B-LT: the CRLs of the signer's chain, fetched once per run.
    private let chainRevocationValues: [RevocationValue]
    private let fetcher: RevocationFetcher

    init(identity: SigningIdentity, options: SignatureOptions) async throws {
        try options.check(for: identity.key)
        let digest = options.digest ?? identity.key.defaultDigest
        self.identity = identity
        self.digest = digest
        self.options = options
        contexts = PreparedContextPool { try Self.signingContext(identity.key, digest: digest, pss: options.rsaPSS) }
        digestAlgorithmID = DERWriter.algorithm(digest.oid)
        if identity.key.isRSA {
            signatureAlgorithmID = options.rsaPSS
                ? DERWriter.sequence(DERWriter.oid(KnownOID.rsassaPSS), Self.pssParameters(digest))
                : DERWriter.algorithmWithNull(KnownOID.rsaEncryption)
        } else {
            signatureAlgorithmID = DERWriter.algorithm(digest.ecdsaOID)
        }
        let signer = try CertificateRecord(identity.certificate, der: identity.certificate.derBytes)
        signerIdentifier = DERWriter.sequence(signer.issuerName, DERWriter.tlv(DER.integer, signer.serialNumber))
        certificateSet = DERWriter.setOf(([identity.certificate] + identity.chain).map(\.derBytes), tag: 0xA0)
        contentTypeAttribute = DERWriter.sequence(DERWriter.oid(KnownOID.contentType),
                                                  DERWriter.setOf([DERWriter.oid(KnownOID.data)]))
        // OpenSSL's ESS code builds the ESSCertIDv2 (hash of the certificate, issuer and serial).
        OpenSSLErrorQueue.clear()
        guard let ess = OSSL_ESS_signing_cert_v2_new_init(digest.fetched, identity.certificate.pointer, nil, 1) else {
            throw SignServiceError.openSSL("cannot build the signing-certificate attribute")
        }
        defer { ESS_SIGNING_CERT_V2_free(ess) }
        guard let essDER = DEREncoding.bytes({ i2d_ESS_SIGNING_CERT_V2(ess, &$0) }) else {
            throw SignServiceError.openSSL("cannot encode the signing-certificate attribute")
        }
        signingCertificateAttribute = DERWriter.sequence(DERWriter.oid(KnownOID.signingCertificateV2),
                                                         DERWriter.setOf([essDER]))
        // The TSA's token stays with the TSA: CRL and OCSP addresses come from certificates.
        fetcher = RevocationFetcher(options: (options.timestampService?.http ?? HTTPFetcher.Options()).withoutCredentials)
        chainRevocationValues = options.level == .baselineLT
            ? try await Self.revocationValues(for: [identity.certificate] + identity.chain, fetcher: fetcher) : []
    }

    /// A B-LT revocation value as it goes into SignedData's crls field.
    enum RevocationValue: Equatable {
        case crl([UInt8])
        /// A DER OCSPResponse, carried as OtherRevocationInfoFormat id-ri-ocsp-response (RFC 5940).
        case ocspResponse([UInt8])

        var encoded: [UInt8] {
            switch self {
            case .crl(let der): return der
            case .ocspResponse(let der): return DERWriter.tlv(0xA1, DERWriter.oid(KnownOID.ocspResponseRevocationInfo) + der)
            }
        }
    }

    /// Revocation data for every certificate that is not a root (B-LT revocation values):
    /// the CRL at its distribution point, else an OCSP response from its responder (the
    /// issuer is looked for among `certificates` and `issuers`). A certificate reported
    /// revoked or unknown stops the signature: it would not verify. The certificates'
    /// revocation data is fetched concurrently; the values keep the certificates' order.
    static func revocationValues(for certificates: [Certificate], issuers: [Certificate] = [],
                                 fetcher: RevocationFetcher) async throws -> [RevocationValue] {
        let wanted = certificates.filter { !$0.isSelfIssued }
        let answers = await withTaskGroup(of: (Int, Result<RevocationValue, any Error>).self) { group in
            for (index, certificate) in wanted.enumerated() {
                group.addTask {
                    do { return (index, .success(try await revocationValue(for: certificate, among: certificates + issuers, fetcher: fetcher))) }
                    catch { return (index, .failure(error)) }
                }
            }
            var answers: [(Int, Result<RevocationValue, any Error>)] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0 < $1.0 }.map(\.1)
        }
        // The first certificate's problem is the one reported, whichever answered first.
        var values: [RevocationValue] = []
        for answer in answers {
            let value = try answer.get()
            if !values.contains(value) { values.append(value) }
        }
        return values
    }

    /// One certificate's revocation value: its CRL, else its OCSP responder's answer. A
    /// revocation on the CRL stops here; the responder is not asked to overrule it.
    private static func revocationValue(for certificate: Certificate, among candidates: [Certificate],
                                        fetcher: RevocationFetcher) async throws -> RevocationValue {
        var crlProblem: SignServiceError?
        let issuer = candidates.first(where: { $0.issued(certificate) })
        do {
            if let crl = try await fetcher.crl(for: certificate) {
                // A CRL from another issuer, or not signed by this one, says nothing about
                // the certificate: whoever answers a plain-http address could hide a revocation.
                guard let issuer else {
                    throw SignServiceError(code: .unsupportedAlgorithm,
                        reason: "B-LT checks the CRL of \(certificate.subject) against its issuer \(certificate.issuer), which is not at hand: add the root (and every CA) to --chain; nothing was signed")
                }
                guard crl.isFromIssuer(of: certificate), crl.isSigned(by: issuer) else {
                    throw SignServiceError(code: .serviceRefused,
                        reason: "the CRL published for \(certificate.subject) is not signed by its issuer \(issuer.subject)")
                }
                if let date = crl.revocationDate(of: certificate) {
                    throw revoked(certificate, on: date, source: "its CRL")
                }
                if let next = crl.nextUpdate, next < Date() {
                    throw SignServiceError(code: .serviceRefused,
                        reason: "the CRL of \(crl.issuer) expired on \(CertificatePathValidator.format(next)) and no newer one is published; nothing was signed")
                }
                return .crl(crl.derBytes)
            }
        } catch let error as SignServiceError where error.code != .certificateRevoked && error.code != .unsupportedAlgorithm {
            crlProblem = error
        }
        guard let url = certificate.ocspResponders.first else {
            throw crlProblem ?? SignServiceError(code: .unsupportedAlgorithm,
                reason: "B-LT needs revocation data, but \(certificate.subject) names neither a CRL distribution point nor an OCSP responder")
        }
        guard let issuer else {
            throw SignServiceError(code: .unsupportedAlgorithm,
                reason: "B-LT needs the issuer of \(certificate.subject) to ask its OCSP responder: add it with --chain")
        }
        let response = try await OCSPClient.fetchResponse(for: certificate, issuer: issuer, url: url, options: fetcher.options)
        let answer = try OCSPClient.check(response: response, about: certificate, issuer: issuer, anchors: nil, source: url)
        guard answer.isCurrent(at: Date()) else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP response is not current; nothing was signed")
        }
        switch answer.status {
        case .good: break
        case .revoked(let date):
            throw revoked(certificate, on: date, source: url)
        case .unknown:
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the OCSP responder does not know \(certificate.subject)")
        }
        return .ocspResponse(response)
    }

    private static func revoked(_ certificate: Certificate, on date: Date, source: String) -> SignServiceError {
        SignServiceError(code: .certificateRevoked,
                         reason: "\(certificate.subject) was revoked on \(CertificatePathValidator.format(date)) (\(source)); nothing was signed")
    }

    /// `contentInfo` (DER SignedData) with `values` added to its crls field, those already
    /// there skipped. OpenSSL's CMS API cannot add an OCSP response, so a co-signature's
    /// revocation values are added to the encoding it produced.
    static func addingRevocationValues(_ values: [RevocationValue], to contentInfo: [UInt8]) throws -> [UInt8] {
        guard !values.isEmpty else { return contentInfo }
        let der = contentInfo
        let signedData = try ParsedSignedData.signedData(in: der)
        var fields = DER.Reader(der, contentsOf: signedData)
        let version = try fields.read(DER.integer)
        let digestAlgorithms = try fields.read(DER.set)
        let encapsulated = try fields.read(DER.sequence)
        let certificates = try fields.readIfPresent(0xA0)
        var present: [[UInt8]] = []
        if let crls = try fields.readIfPresent(0xA1) {
            var reader = DER.Reader(der, contentsOf: crls)
            while !reader.isAtEnd { present.append(Array(der[try reader.read().encoding])) }
        }
        let signerInfos = try fields.read(DER.set)
        try fields.finish()
        let all = present + values.map(\.encoded).filter { !present.contains($0) }
        let versionField = all.contains { $0.first == 0xA1 } ? DERWriter.smallInteger(5) : Array(der[version.encoding])
        let rebuilt = DERWriter.sequence(versionField, Array(der[digestAlgorithms.encoding]), Array(der[encapsulated.encoding]),
                                         certificates.map { Array(der[$0.encoding]) } ?? [],
                                         DERWriter.setOf(all, tag: 0xA1), Array(der[signerInfos.encoding]))
        return DERWriter.sequence(DERWriter.oid(KnownOID.signedData), DERWriter.tlv(0xA0, rebuilt))
    }

    /// The DER ContentInfo signing content with `contentDigest`; `content` is embedded when
    /// the signature is enveloping. At level T and above the signature value is sent to
    /// the TSA, and the signature waits for its answer without holding a thread.
    func signature(contentDigest: [UInt8], content: [UInt8]?, signingTime: Date) async throws -> [UInt8] {
        var (signerInfo, value) = try signedSignerInfo(contentDigest: contentDigest, signingTime: signingTime)
        var revocationValues: [RevocationValue] = []
        if let service = options.timestampService, options.level >= .baselineT {
            // The signature-time-stamp covers the signature value (ETSI EN 319 122-1 5.3).
            let imprint = try ContentDigest.digest(value, algorithm: .sha256)
            let stamp = try await TimestampClient.timestamp(digest: imprint, algorithm: .sha256, url: service.url, options: service.http)
            try service.check(stamp.token, chain: [identity.certificate] + identity.chain)
            let attribute = DERWriter.sequence(DERWriter.oid(KnownOID.signatureTimeStampToken), DERWriter.setOf([stamp.token.der]))
            signerInfo += DERWriter.setOf([attribute], tag: 0xA1)
            if options.level == .baselineLT {
                revocationValues = chainRevocationValues
                if let tsa = stamp.token.tsaCertificate {
                    // The TSA's whole chain, as the token carries it, so that the timestamp
                    // is decided offline too (ETSI EN 319 122-1 B-LT).
                    let tsaChain = [tsa] + stamp.token.certificates.filter { $0 != tsa }
                    revocationValues += try await Self.revocationValues(for: tsaChain, issuers: [identity.certificate] + identity.chain,
                                                                        fetcher: fetcher).filter { !revocationValues.contains($0) }
                }
            }
        }
        return assemble(signerInfo: signerInfo, revocationValues: revocationValues, content: content)
    }

    /// A level B-B signature: nothing to wait for, so no suspension (the batch signer's
    /// fast path, on all cores at once).
    func signatureWithoutTimestamp(contentDigest: [UInt8], content: [UInt8]?, signingTime: Date) throws -> [UInt8] {
        precondition(options.timestampService == nil || options.level < .baselineT, "a B-T signature waits for its TSA")
        let (signerInfo, _) = try signedSignerInfo(contentDigest: contentDigest, signingTime: signingTime)
        return assemble(signerInfo: signerInfo, revocationValues: [], content: content)
    }

    /// The SignerInfo's fields up to its signature value (its unsigned attributes come
    /// after), and the value.
    private func signedSignerInfo(contentDigest: [UInt8], signingTime: Date) throws -> (fields: [UInt8], value: [UInt8]) {
        let messageDigest = DERWriter.sequence(DERWriter.oid(KnownOID.messageDigest),
                                               DERWriter.setOf([DERWriter.octetString(contentDigest)]))
        let time = DERWriter.sequence(DERWriter.oid(KnownOID.signingTime),
                                      DERWriter.setOf([DERWriter.time(Int(signingTime.timeIntervalSince1970))]))
        let attributes = [contentTypeAttribute, time, messageDigest, signingCertificateAttribute]
        // What is signed is the DER of the attributes as a SET OF (RFC 5652 section 5.4);
        // the SignerInfo carries the same bytes under the [0] IMPLICIT tag.
        var signedAttributes = DERWriter.setOf(attributes)
        let value = try sign(try ContentDigest.digest(signedAttributes, algorithm: digest))
        signedAttributes[0] = 0xA0
        let fields = DERWriter.smallInteger(1) + signerIdentifier + digestAlgorithmID + signedAttributes
            + signatureAlgorithmID + DERWriter.octetString(value)
        return (fields, value)
    }

    /// The ContentInfo around one SignerInfo.
    private func assemble(signerInfo: [UInt8], revocationValues: [RevocationValue], content: [UInt8]?) -> [UInt8] {
        let signerInfoSequence = DERWriter.tlv(DER.sequence, signerInfo)
        var encapsulated = DERWriter.oid(KnownOID.data)
        if let content {
            encapsulated += DERWriter.tlv(0xA0, DERWriter.octetString(content))
        }
        let crls = revocationValues.isEmpty ? [] : DERWriter.setOf(revocationValues.map(\.encoded), tag: 0xA1)
        // RFC 5652 5.1: version 5 when the crls field holds an "other" revocation format.
        let hasOtherFormat = revocationValues.contains { if case .ocspResponse = $0 { return true } else { return false } }
        let signedData = DERWriter.sequence(DERWriter.smallInteger(hasOtherFormat ? 5 : 1), DERWriter.setOf([digestAlgorithmID]),
                                            DERWriter.sequence(encapsulated), certificateSet, crls,
                                            DERWriter.setOf([signerInfoSequence]))
        return DERWriter.sequence(DERWriter.oid(KnownOID.signedData), DERWriter.tlv(0xA0, signedData))
    }

    /// Signs a digest with the identity's key.
    private func sign(_ hash: [UInt8]) throws -> [UInt8] {
        try contexts.withContext { ctx in
            var length = 0
            OpenSSLErrorQueue.clear()
            guard EVP_PKEY_sign(ctx, nil, &length, hash, hash.count) == 1 else {
                throw SignServiceError.openSSL("signing failed")
            }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_sign(ctx, &signature, &length, hash, hash.count) == 1 else {
                throw SignServiceError.openSSL("signing failed")
            }
            return Array(signature.prefix(length))
        }
    }

    private static func signingContext(_ key: PrivateKey, digest: DigestAlgorithm, pss: Bool) throws -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else {
            throw SignServiceError.openSSL("cannot prepare the \(key.algorithmDescription) key for signing")
        }
        var ok = EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, digest.fetched) == 1
        if ok && pss {
            ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1
                && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, digest.fetched) == 1
        }
        guard ok else {
            EVP_PKEY_CTX_free(ctx)
            throw SignServiceError.openSSL("cannot prepare the \(key.algorithmDescription) key for signing")
        }
        return ctx
    }

    /// RSASSA-PSS-params (RFC 4055): the hash, MGF1 with the same hash, salt = hash length.
    static func pssParameters(_ digest: DigestAlgorithm) -> [UInt8] {
        let hash = DERWriter.algorithm(digest.oid)
        let mgf = DERWriter.sequence(DERWriter.oid(KnownOID.mgf1), hash)
        let salt: UInt8 = digest == .sha256 ? 32 : digest == .sha384 ? 48 : 64
        return DERWriter.sequence(DERWriter.tlv(0xA0, hash), DERWriter.tlv(0xA1, mgf),
                                  DERWriter.tlv(0xA2, DERWriter.smallInteger(salt)))
    }
}

extension DigestAlgorithm {
    var oid: [UInt8] {
        switch self {
        case .sha256: return KnownOID.sha256
        case .sha384: return KnownOID.sha384
        case .sha512: return KnownOID.sha512
        }
    }

    var ecdsaOID: [UInt8] {
        switch self {
        case .sha256: return KnownOID.ecdsaWithSHA256
        case .sha384: return KnownOID.ecdsaWithSHA384
        case .sha512: return KnownOID.ecdsaWithSHA512
        }
    }
}

import Findings
import Foundation

/// CMS SignedData (RFC 5652 section 5) taken apart by DER offsets, for verification.
///
/// The embedded certificates stay as byte ranges, so a batch of signatures by the same
/// official does not parse the same certificates again and again. Anything this reader
/// does not take (BER, PEM, RSA-PSS, other content types) is left to OpenSSL's CMS code.
///
/// ```
/// ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT ANY }
/// SignedData ::= SEQUENCE {
///   version CMSVersion, digestAlgorithms SET OF DigestAlgorithmIdentifier,
///   encapContentInfo SEQUENCE { eContentType OBJECT IDENTIFIER, eContent [0] EXPLICIT OCTET STRING OPTIONAL },
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///   signerInfos SET OF SignerInfo }
/// ```
struct ParsedSignedData {
    let bytes: [UInt8]
    let eContentType: [UInt8]
    /// The encapsulated content's octets; nil for a detached signature.
    let eContent: Range<Int>?
    /// Full encodings of the embedded certificates.
    let certificates: [Range<Int>]
    /// CertificateList encodings from the crls field (revocation values of B-LT).
    let crls: [Range<Int>]
    /// OCSPResponse encodings carried as OtherRevocationInfoFormat id-ri-ocsp-response (RFC 5940).
    let ocspResponses: [Range<Int>]
    let signerInfos: [ParsedSignerInfo]
    /// Why the digestAlgorithms SET is malformed (empty, or an element that is not a
    /// well-formed AlgorithmIdentifier), if it is.
    let digestAlgorithmsProblem: Finding?

    /// Reads digestAlgorithms strictly: a non-empty SET OF AlgorithmIdentifier, each a
    /// valid OID with absent or NULL parameters (RFC 5754 3).
    static func digestAlgorithmsProblem(_ bytes: [UInt8], _ set: DER.Node) -> Finding? {
        var reader = DER.Reader(bytes, contentsOf: set)
        if reader.isAtEnd { return Finding(.digestAlgorithmsEmpty) }
        while !reader.isAtEnd {
            guard let algorithm = try? reader.read(DER.sequence) else {
                return Finding(.digestAlgorithmsNotAlgorithm)
            }
            var fields = DER.Reader(bytes, contentsOf: algorithm)
            guard let oid = try? fields.read(DER.objectIdentifier), DER.isValidOID(bytes[oid.content]) else {
                return Finding(.digestAlgorithmsMalformedOID)
            }
            if !fields.isAtEnd {
                guard let parameters = try? fields.read(DER.null), parameters.content.isEmpty, fields.isAtEnd else {
                    return Finding(.digestAlgorithmsUnexpectedParameters)
                }
            }
        }
        return nil
    }

    /// The digestAlgorithms problem of a DER ContentInfo (used after OpenSSL parsed and
    /// re-encoded BER input); nil when well formed or not readable here.
    static func digestAlgorithmsProblem(inContentInfo bytes: [UInt8]) -> Finding? {
        guard let signedData = try? signedData(in: bytes) else { return nil }
        var fields = DER.Reader(bytes, contentsOf: signedData)
        guard (try? fields.read(DER.integer)) != nil, let set = try? fields.read(DER.set) else { return nil }
        return digestAlgorithmsProblem(bytes, set)
    }

    /// The SignedData SEQUENCE inside a DER ContentInfo of type signedData.
    static func signedData(in bytes: [UInt8]) throws -> DER.Node {
        var top = DER.Reader(bytes)
        let contentInfo = try top.read(DER.sequence)
        try top.finish()
        var info = DER.Reader(bytes, contentsOf: contentInfo)
        let type = try info.read(DER.objectIdentifier)
        guard Array(bytes[type.content]) == KnownOID.signedData else { throw DER.Error.notDER }
        let explicit = try info.read(0xA0)
        try info.finish()
        var wrapper = DER.Reader(bytes, contentsOf: explicit)
        let signedData = try wrapper.read(DER.sequence)
        try wrapper.finish()
        return signedData
    }

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let signedData = try Self.signedData(in: bytes)

        var fields = DER.Reader(bytes, contentsOf: signedData)
        _ = try fields.read(DER.integer)
        digestAlgorithmsProblem = Self.digestAlgorithmsProblem(bytes, try fields.read(DER.set))
        let encapsulated = try fields.read(DER.sequence)
        var encap = DER.Reader(bytes, contentsOf: encapsulated)
        eContentType = Array(bytes[try encap.read(DER.objectIdentifier).content])
        if let content = try encap.readIfPresent(0xA0) {
            var inner = DER.Reader(bytes, contentsOf: content)
            // A constructed OCTET STRING (0x24) is BER: OpenSSL's parser takes it.
            eContent = try inner.read(DER.octetString).content
            try inner.finish()
        } else {
            eContent = nil
        }
        try encap.finish()

        var certificates: [Range<Int>] = []
        if let set = try fields.readIfPresent(0xA0) {
            var reader = DER.Reader(bytes, contentsOf: set)
            while !reader.isAtEnd {
                let choice = try reader.read()
                // Other CertificateChoices (attribute certificates, ...) do not identify signers.
                if choice.tag == DER.sequence { certificates.append(choice.encoding) }
            }
        }
        self.certificates = certificates
        var crls: [Range<Int>] = []
        var ocspResponses: [Range<Int>] = []
        if let set = try fields.readIfPresent(0xA1) {
            var reader = DER.Reader(bytes, contentsOf: set)
            while !reader.isAtEnd {
                let choice = try reader.read()
                if choice.tag == DER.sequence {
                    crls.append(choice.encoding)
                } else if choice.tag == 0xA1 {
                    // OtherRevocationInfoFormat: formats other than OCSP responses are skipped.
                    var other = DER.Reader(bytes, contentsOf: choice)
                    let format = try other.read(DER.objectIdentifier)
                    let value = try other.read()
                    if Array(bytes[format.content]) == KnownOID.ocspResponseRevocationInfo && value.tag == DER.sequence {
                        ocspResponses.append(value.encoding)
                    }
                }
            }
        }
        self.crls = crls
        self.ocspResponses = ocspResponses
        let infos = try fields.read(DER.set)
        try fields.finish()
        var reader = DER.Reader(bytes, contentsOf: infos)
        var signerInfos: [ParsedSignerInfo] = []
        while !reader.isAtEnd {
            signerInfos.append(try ParsedSignerInfo(bytes, node: try reader.read(DER.sequence)))
        }
        self.signerInfos = signerInfos
    }
}

/// One SignerInfo (RFC 5652 section 5.3) of a `ParsedSignedData`.
///
/// ```
/// SignerInfo ::= SEQUENCE {
///   version CMSVersion, sid SignerIdentifier, digestAlgorithm DigestAlgorithmIdentifier,
///   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///   signatureAlgorithm SignatureAlgorithmIdentifier, signature OCTET STRING,
///   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
/// SignerIdentifier ::= CHOICE { issuerAndSerialNumber, subjectKeyIdentifier [0] }
/// ```
struct ParsedSignerInfo: SignerEvidence {
    enum Identifier {
        case issuerAndSerialNumber(issuer: [UInt8], serial: [UInt8])
        case subjectKeyIdentifier([UInt8])
    }

    let identifier: Identifier
    let digestOID: [UInt8]
    /// The signed attributes re-tagged as the SET OF that was signed.
    let signedAttributes: [UInt8]?
    let attributes: [(type: [UInt8], values: [[UInt8]], firstTag: UInt8?)]
    let signatureOID: [UInt8]
    let signature: [UInt8]
    /// Unsigned attributes: type and value encodings.
    let unsignedAttributes: [(type: [UInt8], values: [[UInt8]])]
    /// Whether the signed attributes' encodings are in ascending order, as DER's SET OF asks.
    let attributesInDEROrder: Bool

    init(_ bytes: [UInt8], node: DER.Node) throws {
        var fields = DER.Reader(bytes, contentsOf: node)
        _ = try fields.read(DER.integer)
        let sid = try fields.read()
        switch sid.tag {
        case DER.sequence:
            var parts = DER.Reader(bytes, contentsOf: sid)
            let issuer = try parts.read(DER.sequence)
            let serial = try parts.read(DER.integer)
            try parts.finish()
            identifier = .issuerAndSerialNumber(issuer: Array(bytes[issuer.encoding]), serial: Array(bytes[serial.content]))
        case 0x80:
            identifier = .subjectKeyIdentifier(Array(bytes[sid.content]))
        default:
            throw DER.Error.unexpectedTag(expected: DER.sequence, found: sid.tag)
        }
        digestOID = try Self.algorithmOID(bytes, try fields.read(DER.sequence))
        var attributes: [(type: [UInt8], values: [[UInt8]], firstTag: UInt8?)] = []
        var inOrder = true
        if let signed = try fields.readIfPresent(0xA0) {
            var encoding = Array(bytes[signed.encoding])
            encoding[0] = DER.set
            signedAttributes = encoding
            var reader = DER.Reader(bytes, contentsOf: signed)
            var previous: ArraySlice<UInt8>?
            while !reader.isAtEnd {
                let node = try reader.read(DER.sequence)
                let encoding = bytes[node.encoding]
                if let previous, !Self.isOrdered(previous, encoding) { inOrder = false }
                previous = encoding
                var attribute = DER.Reader(bytes, contentsOf: node)
                let type = Array(bytes[try attribute.read(DER.objectIdentifier).content])
                var values = DER.Reader(bytes, contentsOf: try attribute.read(DER.set))
                try attribute.finish()
                var encodings: [[UInt8]] = []
                var firstTag: UInt8?
                while !values.isAtEnd {
                    let value = try values.read()
                    if firstTag == nil { firstTag = value.tag }
                    encodings.append(Array(bytes[value.encoding]))
                }
                attributes.append((type, encodings, firstTag))
            }
        } else {
            signedAttributes = nil
        }
        self.attributes = attributes
        attributesInDEROrder = inOrder
        signatureOID = try Self.algorithmOID(bytes, try fields.read(DER.sequence))
        signature = Array(bytes[try fields.read(DER.octetString).content])
        var unsigned: [(type: [UInt8], values: [[UInt8]])] = []
        if let set = try fields.readIfPresent(0xA1) {
            var reader = DER.Reader(bytes, contentsOf: set)
            while !reader.isAtEnd {
                var attribute = DER.Reader(bytes, contentsOf: try reader.read(DER.sequence))
                let type = Array(bytes[try attribute.read(DER.objectIdentifier).content])
                var values = DER.Reader(bytes, contentsOf: try attribute.read(DER.set))
                var encodings: [[UInt8]] = []
                while !values.isAtEnd { encodings.append(Array(bytes[try values.read().encoding])) }
                unsigned.append((type, encodings))
            }
        }
        unsignedAttributes = unsigned
        try fields.finish()
    }

    /// X.690 11.6: SET OF components in ascending order of their encodings, the shorter
    /// padded with zero octets at the end.
    static func isOrdered(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x < y }
        return a.count <= b.count
    }

    private static func algorithmOID(_ bytes: [UInt8], _ node: DER.Node) throws -> [UInt8] {
        var reader = DER.Reader(bytes, contentsOf: node)
        return Array(bytes[try reader.read(DER.objectIdentifier).content])
    }

    /// Whether the fast path can verify this signer: ECDSA, or RSA PKCS#1 v1.5 whose
    /// signature algorithm agrees with the digest algorithm.
    var isVerifiableHere: Bool {
        switch signatureOID {
        case KnownOID.ecPublicKey, KnownOID.rsaEncryption: return true
        case KnownOID.ecdsaWithSHA256, KnownOID.sha256WithRSA: return digestAlgorithm == .sha256
        case KnownOID.ecdsaWithSHA384, KnownOID.sha384WithRSA: return digestAlgorithm == .sha384
        case KnownOID.ecdsaWithSHA512, KnownOID.sha512WithRSA: return digestAlgorithm == .sha512
        default: return false
        }
    }

    private var usesRSA: Bool {
        [KnownOID.rsaEncryption, KnownOID.sha256WithRSA, KnownOID.sha384WithRSA, KnownOID.sha512WithRSA]
            .contains(signatureOID)
    }

    private func value(_ type: [UInt8]) -> (encoding: [UInt8], tag: UInt8)? {
        // A signed attribute must occur once with one value (RFC 5652 section 11).
        let matches = attributes.filter { $0.type == type }
        guard matches.count == 1, matches[0].values.count == 1, let tag = matches[0].firstTag else { return nil }
        return (matches[0].values[0], tag)
    }

    private func contents(of encoding: [UInt8]) -> ArraySlice<UInt8>? {
        var reader = DER.Reader(encoding)
        guard let node = try? reader.read() else { return nil }
        return encoding[node.content]
    }

    var digestAlgorithm: DigestAlgorithm? {
        switch digestOID {
        case KnownOID.sha256: return .sha256
        case KnownOID.sha384: return .sha384
        case KnownOID.sha512: return .sha512
        default: return nil
        }
    }

    var digestAlgorithmName: String { digestAlgorithm?.rawValue ?? DER.oidString(digestOID[...]) }

    var signatureAlgorithmName: String {
        let hash = digestAlgorithm.map { $0.rawValue.replacingOccurrences(of: "-", with: "") } ?? "?"
        return usesRSA ? "\(hash.lowercased())WithRSAEncryption" : "ecdsa-with-\(hash)"
    }

    var hasSignedAttributes: Bool { signedAttributes != nil }

    var signatureValue: [UInt8] { signature }

    var signatureTimestampTokens: [[UInt8]] {
        unsignedAttributes.filter { $0.type == KnownOID.signatureTimeStampToken }.flatMap(\.values)
    }

    var messageDigest: [UInt8]? {
        guard let (encoding, tag) = value(KnownOID.messageDigest), tag == DER.octetString else { return nil }
        return contents(of: encoding).map(Array.init)
    }

    var signingTime: Date? {
        guard let (encoding, tag) = value(KnownOID.signingTime), let content = contents(of: encoding) else { return nil }
        return DER.time(tag: tag, content)
    }

    var contentTypeAttribute: [UInt8]? {
        guard let (encoding, tag) = value(KnownOID.contentType), tag == DER.objectIdentifier else { return nil }
        return contents(of: encoding).map(Array.init)
    }

    var signingCertificateAttributes: (v1: [UInt8]?, v2: [UInt8]?) {
        (value(KnownOID.signingCertificate)?.encoding, value(KnownOID.signingCertificateV2)?.encoding)
    }

    func signedAttributeValueCounts(_ oid: [UInt8]) -> [Int] {
        attributes.filter { $0.type == oid }.map(\.values.count)
    }

    var signatureAlgorithmOID: [UInt8] { signatureOID }

    var identifierKey: Identifier? { identifier }

    var unsignedAttributeTypes: [[UInt8]] { unsignedAttributes.map(\.type) }

    var signedAttributesInDEROrder: Bool? { attributesInDEROrder }

    func identifies(_ record: CertificateRecord) -> Bool {
        switch identifier {
        case .issuerAndSerialNumber(let issuer, let serial):
            return serial == record.serialNumber && issuer == record.issuerName
        case .subjectKeyIdentifier(let keyID):
            return keyID == record.subjectKeyIdentifier
        }
    }

    func verifySignature(with record: CertificateRecord) -> Bool {
        guard let algorithm = digestAlgorithm, let signedAttributes,
              usesRSA ? record.isRSA : record.isEC,
              let digest = try? ContentDigest.digest(signedAttributes, algorithm: algorithm) else { return false }
        return record.verify(signature: signature[...], digest: digest, algorithm: algorithm)
    }
}

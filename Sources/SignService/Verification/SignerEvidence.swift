internal import COpenSSL
import Findings
import Foundation

/// What validation needs to know about one SignerInfo, whoever parsed it: the DER reader
/// of the fast path (`ParsedSignerInfo`) or OpenSSL's CMS code (`SignerInfoView`), which
/// handles BER and RSA-PSS. Both feed the same checks in `SignatureVerifier`.
protocol SignerEvidence {
    var digestAlgorithm: DigestAlgorithm? { get }
    var digestAlgorithmName: String { get }
    var signatureAlgorithmName: String { get }
    var hasSignedAttributes: Bool { get }
    var messageDigest: [UInt8]? { get }
    var signingTime: Date? { get }
    /// Contents octets of the contentType attribute's OID; nil when absent.
    var contentTypeAttribute: [UInt8]? { get }
    /// DER of the signingCertificate (v1) and signingCertificateV2 attribute values.
    var signingCertificateAttributes: (v1: [UInt8]?, v2: [UInt8]?) { get }
    /// The signature value octets (what a signature timestamp covers).
    var signatureValue: [UInt8] { get }
    /// DER of each signature-time-stamp token (unsigned attribute, RFC 3161 appendix A).
    var signatureTimestampTokens: [[UInt8]] { get }
    /// How often a signed attribute of type `oid` (contents octets) occurs, and how many
    /// values each occurrence carries.
    func signedAttributeValueCounts(_ oid: [UInt8]) -> [Int]
    /// The signatureAlgorithm field's OID (contents octets).
    var signatureAlgorithmOID: [UInt8] { get }
    /// The types (OID contents octets) of the unsigned attributes.
    var unsignedAttributeTypes: [[UInt8]] { get }
    /// False when the signed attributes are not in DER SET OF order (X.690 11.6); nil when
    /// this reader cannot tell.
    var signedAttributesInDEROrder: Bool? { get }
    func identifies(_ record: CertificateRecord) -> Bool
    /// The SignerIdentifier as lookup keys, when known without asking OpenSSL.
    var identifierKey: ParsedSignerInfo.Identifier? { get }
    func verifySignature(with record: CertificateRecord) -> Bool
}

extension SignerEvidence {
    /// The signed attributes RFC 5652 (11.1-11.3) and ESS / CAdES allow once with one value.
    static var singleValuedAttributes: [(oid: [UInt8], name: String)] {
        [(KnownOID.contentType, "content-type"), (KnownOID.messageDigest, "message-digest"),
         (KnownOID.signingTime, "signing-time"), (KnownOID.signingCertificate, "signing-certificate"),
         (KnownOID.signingCertificateV2, "signing-certificate-v2")]
    }

    /// A finding for every single-valued attribute that occurs more than once or with
    /// other than one value: such a signature is malformed, whatever its values say.
    var attributeCardinalityProblems: [Finding] {
        Self.singleValuedAttributes.compactMap { attribute in
            let counts = signedAttributeValueCounts(attribute.oid)
            if counts.count > 1 {
                return Finding(.attributeRepeated, ["attribute": .text(attribute.name), "count": .number(counts.count)])
            }
            if let values = counts.first, values != 1 {
                return Finding(.attributeValueCount, ["attribute": .text(attribute.name), "count": .number(values)])
            }
            return nil
        }
    }

    /// Attributes in a place RFC 5652 forbids: contentType, messageDigest and signingTime
    /// MUST be signed (11.1-11.3), a countersignature MUST NOT be (11.4).
    var attributePlacementProblems: [Finding] {
        var problems: [Finding] = []
        for (oid, name) in [(KnownOID.contentType, "content-type"), (KnownOID.messageDigest, "message-digest"),
                            (KnownOID.signingTime, "signing-time")] where unsignedAttributeTypes.contains(oid) {
            problems.append(Finding(.attributeNotSigned, ["attribute": .text(name)]))
        }
        if !signedAttributeValueCounts(KnownOID.countersignature).isEmpty {
            problems.append(Finding(.countersignatureSigned))
        }
        if signedAttributesInDEROrder == false {
            problems.append(Finding(.signedAttributesNotDER))
        }
        return problems
    }

    /// Why the signatureAlgorithm disagrees with the digest algorithm or the key, if it does.
    /// A bare key OID (rsaEncryption, id-ecPublicKey) takes its hash from digestAlgorithm;
    /// a combined one (ecdsa-with-SHA384, sha256WithRSAEncryption) must name the same hash.
    func signatureAlgorithmMismatch(with record: CertificateRecord) -> Finding? {
        let combined: [[UInt8]: (hash: DigestAlgorithm?, rsa: Bool)] = [
            KnownOID.ecPublicKey: (nil, false), KnownOID.rsaEncryption: (nil, true),
            KnownOID.ecdsaWithSHA256: (.sha256, false), KnownOID.ecdsaWithSHA384: (.sha384, false),
            KnownOID.ecdsaWithSHA512: (.sha512, false), KnownOID.sha256WithRSA: (.sha256, true),
            KnownOID.sha384WithRSA: (.sha384, true), KnownOID.sha512WithRSA: (.sha512, true),
        ]
        let oid = signatureAlgorithmOID
        if oid == KnownOID.rsassaPSS {
            return record.isRSA || record.isRSAPSS ? nil
                : Finding(.signatureAlgorithmKeyMismatch, ["algorithm": .text("RSASSA-PSS"), "keyType": .text(record.keyTypeName)])
        }
        guard let expected = combined[oid] else {
            return Finding(.signatureAlgorithmNotAccepted, ["algorithm": .text(DER.oidString(oid[...]))])
        }
        if expected.rsa ? !record.isRSA : !record.isEC {
            return Finding(.signatureAlgorithmKeyMismatch, ["algorithm": .text(signatureAlgorithmName), "keyType": .text(record.keyTypeName)])
        }
        if let hash = expected.hash, hash != digestAlgorithm {
            return Finding(.signatureAlgorithmDigestMismatch, ["algorithm": .text(DER.oidString(oid[...])), "digest": .text(hash.rawValue),
                                                               "digestAlgorithm": .text(digestAlgorithmName)])
        }
        return nil
    }
}

extension SignerEvidence {
    /// Checks signingCertificate / signingCertificateV2 (RFC 2634, RFC 5035) against the
    /// certificate that verified the signature, with OpenSSL's ESS code. nil when the
    /// signature carries neither attribute.
    func signingCertificateMatches(_ record: CertificateRecord) -> Bool? {
        let (v1, v2) = signingCertificateAttributes
        if v1 == nil && v2 == nil { return nil }
        var essV1: OpaquePointer?
        var essV2: OpaquePointer?
        defer {
            if let essV1 { ESS_SIGNING_CERT_free(essV1) }
            if let essV2 { ESS_SIGNING_CERT_V2_free(essV2) }
        }
        if let v2 {
            essV2 = v2.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_ESS_SIGNING_CERT_V2(nil, &cursor, buffer.count)
            }
            if essV2 == nil { OpenSSLErrorQueue.clear(); return false }
        }
        if let v1 {
            essV1 = v1.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_ESS_SIGNING_CERT(nil, &cursor, buffer.count)
            }
            if essV1 == nil { OpenSSLErrorQueue.clear(); return false }
        }
        guard let chain = shim_sk_X509_new_null() else { return false }
        defer { shim_sk_X509_free(chain) }
        _ = shim_sk_X509_push(chain, record.certificate.pointer)
        let result = OSSL_ESS_check_signing_certs(essV1, essV2, chain, 1)
        OpenSSLErrorQueue.clear()
        return result > 0
    }
}

/// Object identifiers the fast path recognises, as DER contents octets.
enum KnownOID {
    static let signedData: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]
    static let data: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01]
    static let contentType: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03]
    static let messageDigest: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04]
    static let signingTime: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05]
    static let countersignature: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x06]
    static let signingCertificate: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x02, 0x0C]
    static let signingCertificateV2: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x02, 0x2F]
    /// id-aa-signatureTimeStampToken (RFC 3161 appendix A).
    static let signatureTimeStampToken: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x02, 0x0E]
    /// id-ri-ocsp-response (RFC 5940): an OCSPResponse in SignedData's crls field.
    static let ocspResponseRevocationInfo: [UInt8] = [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x02]
    static let sha256: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
    static let sha384: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]
    static let sha512: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]
    static let ecPublicKey: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    static let ecdsaWithSHA256: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
    static let ecdsaWithSHA384: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]
    static let ecdsaWithSHA512: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04]
    static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    static let sha256WithRSA: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B]
    static let sha384WithRSA: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C]
    static let sha512WithRSA: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D]
    static let rsassaPSS: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A]
    static let mgf1: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08]
}

internal import COpenSSL
import Foundation

/// Read access to one CMS SignerInfo (RFC 5652 section 5.3), borrowed from its ContentInfo.
///
/// ```
/// SignerInfo ::= SEQUENCE {
///   version, sid SignerIdentifier, digestAlgorithm,
///   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///   signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] ... OPTIONAL }
/// ```
struct SignerInfoView: SignerEvidence {
    package let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    private var algorithms: (digest: UnsafeMutablePointer<X509_ALGOR>?, signature: UnsafeMutablePointer<X509_ALGOR>?) {
        var digest: UnsafeMutablePointer<X509_ALGOR>?
        var signature: UnsafeMutablePointer<X509_ALGOR>?
        CMS_SignerInfo_get0_algs(pointer, nil, nil, &digest, &signature)
        return (digest, signature)
    }

    var digestOID: OpaquePointer? {
        guard let algorithm = algorithms.digest else { return nil }
        var oid: OpaquePointer?
        X509_ALGOR_get0(&oid, nil, nil, algorithm)
        return oid
    }

    var digestAlgorithm: DigestAlgorithm? { DigestAlgorithm(nid: OBJ_obj2nid(digestOID)) }

    /// Digest name as OpenSSL knows it, for algorithms signtool does not sign with.
    var digestAlgorithmName: String { digestAlgorithm?.rawValue ?? Self.name(of: digestOID) }

    /// "ecdsa-with-SHA256", "sha256WithRSAEncryption", "RSASSA-PSS", ...
    var signatureAlgorithmName: String {
        guard let algorithm = algorithms.signature else { return "unknown" }
        var oid: OpaquePointer?
        X509_ALGOR_get0(&oid, nil, nil, algorithm)
        let nid = OBJ_obj2nid(oid)
        switch nid {
        case NID_rsaEncryption:
            // CMS allows the bare key OID; the digest algorithm completes the name.
            switch digestAlgorithm {
            case .sha256: return "sha256WithRSAEncryption"
            case .sha384: return "sha384WithRSAEncryption"
            case .sha512: return "sha512WithRSAEncryption"
            case nil: return "rsaEncryption"
            }
        case NID_rsassaPss: return "RSASSA-PSS"
        case NID_X9_62_id_ecPublicKey:
            switch digestAlgorithm {
            case .sha256: return "ecdsa-with-SHA256"
            case .sha384: return "ecdsa-with-SHA384"
            case .sha512: return "ecdsa-with-SHA512"
            case nil: return "ecdsa"
            }
        default: return Self.name(of: oid)
        }
    }

    var hasSignedAttributes: Bool { CMS_signed_get_attr_count(pointer) >= 0 }

    var messageDigest: [UInt8]? {
        guard let value = CMS_signed_get0_data_by_OBJ(pointer, OBJ_nid2obj(NID_pkcs9_messageDigest), -3,
                                                      V_ASN1_OCTET_STRING) else { return nil }
        return Self.bytes(value.assumingMemoryBound(to: ASN1_STRING.self))
    }

    /// The signingTime attribute (UTCTime or GeneralizedTime), if present and well formed.
    var signingTime: Date? {
        let index = CMS_signed_get_attr_by_NID(pointer, NID_pkcs9_signingTime, -1)
        guard index >= 0, let attribute = CMS_signed_get_attr(pointer, index),
              let type = X509_ATTRIBUTE_get0_type(attribute, 0) else { return nil }
        let kind = ASN1_TYPE_get(type)
        guard kind == V_ASN1_UTCTIME || kind == V_ASN1_GENERALIZEDTIME else { return nil }
        return ASN1TimeConversion.date(UnsafePointer(type.pointee.value.utctime))
    }

    var contentTypeAttribute: [UInt8]? {
        guard let value = CMS_signed_get0_data_by_OBJ(pointer, OBJ_nid2obj(NID_pkcs9_contentType), -3,
                                                      V_ASN1_OBJECT) else { return nil }
        return Self.contents(ofOID: OpaquePointer(value))
    }

    var signingCertificateAttributes: (v1: [UInt8]?, v2: [UInt8]?) {
        func sequence(_ nid: Int32) -> [UInt8]? {
            guard let value = CMS_signed_get0_data_by_OBJ(pointer, OBJ_nid2obj(nid), -3, V_ASN1_SEQUENCE) else { return nil }
            // For V_ASN1_SEQUENCE OpenSSL keeps the whole encoding, tag included.
            return Self.bytes(value.assumingMemoryBound(to: ASN1_STRING.self))
        }
        return (sequence(NID_id_smime_aa_signingCertificate), sequence(NID_id_smime_aa_signingCertificateV2))
    }

    var signatureValue: [UInt8] {
        guard let value = CMS_SignerInfo_get0_signature(pointer) else { return [] }
        return Self.bytes(value) ?? []
    }

    var signatureTimestampTokens: [[UInt8]] {
        var tokens: [[UInt8]] = []
        var index: Int32 = -1
        while true {
            index = CMS_unsigned_get_attr_by_NID(pointer, NID_id_smime_aa_timeStampToken, index)
            guard index >= 0, let attribute = CMS_unsigned_get_attr(pointer, index) else { break }
            for valueIndex in 0..<X509_ATTRIBUTE_count(attribute) {
                guard let type = X509_ATTRIBUTE_get0_type(attribute, valueIndex), type.pointee.type == V_ASN1_SEQUENCE,
                      let sequence = type.pointee.value.sequence, let bytes = Self.bytes(sequence) else { continue }
                tokens.append(bytes)
            }
        }
        return tokens
    }

    func signedAttributeValueCounts(_ oid: [UInt8]) -> [Int] {
        (0..<max(CMS_signed_get_attr_count(pointer), 0)).compactMap { index in
            guard let attribute = CMS_signed_get_attr(pointer, index),
                  Self.contents(ofOID: X509_ATTRIBUTE_get0_object(attribute)) == oid else { return nil }
            return Int(X509_ATTRIBUTE_count(attribute))
        }
    }

    var signatureAlgorithmOID: [UInt8] {
        guard let algorithm = algorithms.signature else { return [] }
        var oid: OpaquePointer?
        X509_ALGOR_get0(&oid, nil, nil, algorithm)
        return Self.contents(ofOID: oid) ?? []
    }

    var identifierKey: ParsedSignerInfo.Identifier? { nil }

    var unsignedAttributeTypes: [[UInt8]] {
        (0..<max(CMS_unsigned_get_attr_count(pointer), 0)).compactMap { index in
            CMS_unsigned_get_attr(pointer, index).flatMap { Self.contents(ofOID: X509_ATTRIBUTE_get0_object($0)) }
        }
    }

    var signedAttributesInDEROrder: Bool? { nil }

    func identifies(_ record: CertificateRecord) -> Bool {
        CMS_SignerInfo_cert_cmp(pointer, record.certificate.pointer) == 0
    }

    /// Verifies the signature value over the DER of the signed attributes with the
    /// certificate's public key (any algorithm OpenSSL's CMS code knows, RSA-PSS included).
    func verifySignature(with record: CertificateRecord) -> Bool {
        OpenSSLErrorQueue.clear()
        CMS_SignerInfo_set1_signer_cert(pointer, record.certificate.pointer)
        let result = CMS_SignerInfo_verify(pointer)
        OpenSSLErrorQueue.clear()
        return result == 1
    }

    /// Contents octets of an OBJECT IDENTIFIER.
    static func contents(ofOID oid: OpaquePointer?) -> [UInt8]? {
        guard let oid, let data = OBJ_get0_data(oid) else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: OBJ_length(oid)))
    }

    private static func name(of oid: OpaquePointer?) -> String { ObjectName.long(oid) }

    private static func bytes(_ string: UnsafePointer<ASN1_STRING>) -> [UInt8]? {
        let length = Int(ASN1_STRING_length(string))
        guard length >= 0, let data = ASN1_STRING_get0_data(string) else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }
}

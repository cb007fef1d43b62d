internal import COpenSSL
import Findings
import Foundation

/// An X.509 certificate (RFC 5280), wrapping an OpenSSL `X509` that this object owns.
public final class Certificate: @unchecked Sendable, Hashable, CustomStringConvertible {
    // X509 objects are reference counted and safe to read from several threads once their
    // extension cache is filled, which init does (X509_check_purpose).
    package let pointer: OpaquePointer

    /// Takes over one reference (`get1`, `d2i`, `PEM_read`).
    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
        X509_check_purpose(pointer, -1, -1)
    }

    /// Borrows a `get0` pointer by taking a reference of its own.
    convenience init(borrowing pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.init(takingOwnershipOf: pointer)
    }

    deinit { X509_free(pointer) }

    /// Parses one DER certificate.
    public convenience init(derEncoded bytes: [UInt8]) throws {
        OpenSSLErrorQueue.clear()
        let parsed: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw SignServiceError.openSSL("not a DER certificate", code: .malformedInput) }
        self.init(takingOwnershipOf: parsed)
    }

    /// Reads every certificate in a PEM file (any number) or a single DER certificate.
    public static func loadAll(_ bytes: [UInt8], source: String) throws -> [Certificate] {
        guard !bytes.isEmpty else { throw SignServiceError.malformed("\(source): empty file, expected certificates") }
        if PEM.isPEM(bytes) {
            OpenSSLErrorQueue.clear()
            let certificates: [Certificate] = try MemoryBIO.reading(bytes) { bio in
                var result: [Certificate] = []
                while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                    result.append(Certificate(takingOwnershipOf: x509))
                }
                return result
            }
            // The loop always ends with a "no start line" error; anything else is damage.
            let reason = ERR_GET_REASON(ERR_peek_last_error())
            OpenSSLErrorQueue.clear()
            if certificates.isEmpty {
                throw SignServiceError.malformed("\(source): no certificate found in the PEM file")
            }
            if reason != PEM_R_NO_START_LINE && reason != 0 {
                throw SignServiceError.malformed("\(source): a certificate in the PEM file is damaged")
            }
            return certificates
        }
        do {
            return [try Certificate(derEncoded: bytes)]
        } catch {
            throw SignServiceError.malformed("\(source): not a certificate in PEM or DER form")
        }
    }

    /// The DER encoding.
    public var derBytes: [UInt8] { DEREncoding.bytes { i2d_X509(pointer, &$0) } ?? [] }

    /// PEM encoding.
    public func pemBytes() throws -> [UInt8] {
        try MemoryBIO.writing { bio in
            guard PEM_write_bio_X509(bio, pointer) == 1 else { throw SignServiceError.openSSL("cannot encode certificate") }
        }
    }

    /// Subject as written in the certificate, most specific first ("CN=..., O=..., C=SY"),
    /// UTF-8 (Arabic) kept as is.
    public var subject: String { Self.format(X509_get_subject_name(pointer)) }
    public var issuer: String { Self.format(X509_get_issuer_name(pointer)) }

    /// The subject's commonName, if any.
    public var commonName: String? { Self.attribute(NID_commonName, of: X509_get_subject_name(pointer)) }
    public var organization: String? { Self.attribute(NID_organizationName, of: X509_get_subject_name(pointer)) }
    public var issuerCommonName: String? { Self.attribute(NID_commonName, of: X509_get_issuer_name(pointer)) }

    /// Serial number in upper-case hexadecimal.
    public var serialNumberHex: String {
        X509_get0_serialNumber(pointer).map(Hex.serial) ?? ""
    }

    public var notBefore: Date? { ASN1TimeConversion.date(X509_get0_notBefore(pointer)) }
    public var notAfter: Date? { ASN1TimeConversion.date(X509_get0_notAfter(pointer)) }

    /// Whether the key usage extension (if present) permits signing documents:
    /// digitalSignature or nonRepudiation (RFC 5280 4.2.1.3).
    public var keyUsagePermitsDocumentSigning: Bool {
        guard X509_get_extension_flags(pointer) & UInt32(EXFLAG_KUSAGE) != 0 else { return true }
        let usage = X509_get_key_usage(pointer)
        return usage & UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) != 0
    }

    /// Why this certificate may not sign documents, or nil when it may: a key usage, if
    /// present, must include digitalSignature or nonRepudiation (RFC 5280 4.2.1.3); an
    /// extendedKeyUsage, if present, must include documentSigning (RFC 9336),
    /// emailProtection or anyExtendedKeyUsage (RFC 5280 4.2.1.12), as OpenSSL's
    /// S/MIME signing purpose asks. A TSA, OCSP-responder or TLS certificate fails here.
    public var documentSigningProblem: String? {
        guard let finding = documentSigningFinding else { return nil }
        switch finding.code {
        case .signerExtensionMalformed:
            return "the signer's certificate has a malformed extension"
        case .keyUsageNotForSigning:
            return "the signer's certificate key usage allows neither digitalSignature nor nonRepudiation"
        default:
            let listed = extendedKeyUsageNames
            return "the signer's certificate extendedKeyUsage (\(listed.isEmpty ? "empty" : listed.joined(separator: ", "))) "
                + "permits neither documentSigning, emailProtection nor anyExtendedKeyUsage"
        }
    }

    /// ``documentSigningProblem`` as a finding naming this certificate.
    public var documentSigningFinding: Finding? {
        let flags = X509_get_extension_flags(pointer)
        let subject = Finding.Parameter.name(self.subject)
        if flags & UInt32(EXFLAG_INVALID) != 0 {
            return Finding(.signerExtensionMalformed, ["subject": subject])
        }
        if !keyUsagePermitsDocumentSigning {
            return Finding(.keyUsageNotForSigning, ["subject": subject])
        }
        if flags & UInt32(EXFLAG_XKUSAGE) != 0 {
            let usage = X509_get_extended_key_usage(pointer)
            if usage & UInt32(XKU_SMIME | XKU_ANYEKU) == 0 && !hasExtendedKeyUsage(CertificateProfile.documentSigningOID) {
                let listed = extendedKeyUsageNames
                return Finding(.extendedKeyUsageNotForSigning, listed.isEmpty ? ["subject": subject] : ["subject": subject, "usages": .list(listed)])
            }
        }
        return nil
    }

    /// The purposes the extendedKeyUsage extension lists, by name where OpenSSL knows one.
    public var extendedKeyUsageNames: [String] {
        guard let usage = X509_get_ext_d2i(pointer, NID_ext_key_usage, nil, nil) else { return [] }
        let stack = OpaquePointer(usage)
        defer { shim_sk_ASN1_OBJECT_pop_free(stack) }
        return OpenSSLStack.elements(stack).map(ObjectName.short)
    }

    public var description: String { subject }

    /// CRL distribution point URIs (RFC 5280 4.2.1.13).
    public var crlDistributionPoints: [String] { uris(0) }
    /// OCSP responder URIs from authorityInfoAccess (RFC 5280 4.2.2.1).
    public var ocspResponders: [String] { uris(1) }

    private func uris(_ which: Int32) -> [String] {
        var buffer = [CChar](repeating: 0, count: 2048)
        let needed = shim_certificate_uris(pointer, which, &buffer, Int32(buffer.count))
        if needed > buffer.count {
            buffer = [CChar](repeating: 0, count: Int(needed))
            _ = shim_certificate_uris(pointer, which, &buffer, Int32(buffer.count))
        }
        let bytes = buffer.prefix(Int(needed)).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Whether the extendedKeyUsage extension lists `oid` (dotted form).
    public func hasExtendedKeyUsage(_ oid: String) -> Bool {
        guard let usage = X509_get_ext_d2i(pointer, NID_ext_key_usage, nil, nil) else { return false }
        let stack = OpaquePointer(usage)
        defer { shim_sk_ASN1_OBJECT_pop_free(stack) }
        return OpenSSLStack.elements(stack).contains { ObjectName.dotted($0) == oid }
    }

    /// The issuer's name (DER) followed by the authority key identifier, if any.
    var issuerIdentity: [UInt8] {
        var bytes = DEREncoding.bytes { i2d_X509_NAME(X509_get_issuer_name(pointer), &$0) } ?? []
        if let keyID = X509_get0_authority_key_id(pointer) {
            bytes += Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(keyID), count: Int(ASN1_STRING_length(keyID))))
        }
        return bytes
    }

    /// Whether this certificate issued `other` (names, key identifiers and signature).
    public func issued(_ other: Certificate) -> Bool { X509_check_issued(pointer, other.pointer) == X509_V_OK }

    /// Whether this certificate's public key verifies the signature on `other`.
    func verifiesSignature(of other: Certificate) -> Bool {
        guard let key = X509_get0_pubkey(pointer) else { return false }
        let verified = X509_verify(other.pointer, key) == 1
        OpenSSLErrorQueue.clear()
        return verified
    }

    /// Whether basicConstraints marks this certificate as a CA.
    public var isCA: Bool { X509_check_ca(pointer) > 0 }

    /// Whether subject and issuer are the same name (a root, or a self-issued certificate).
    public var isSelfIssued: Bool { X509_NAME_cmp(X509_get_subject_name(pointer), X509_get_issuer_name(pointer)) == 0 }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { X509_cmp(lhs.pointer, rhs.pointer) == 0 }
    public func hash(into hasher: inout Hasher) {
        // The certificate's SHA-1 fingerprint, cached by OpenSSL, stands for its DER.
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        if X509_digest(pointer, EVP_sha1(), &digest, &length) == 1 {
            digest.withUnsafeBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0.prefix(Int(length)))) }
        }
    }

    static func format(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        let bytes = (try? MemoryBIO.writing { bio in
            _ = X509_NAME_print_ex(bio, name, 0, shim_name_print_flags())
        }) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    package static func attribute(_ nid: Int32, of name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, nid, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { shim_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }
}

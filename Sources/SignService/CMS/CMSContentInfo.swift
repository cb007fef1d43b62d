internal import COpenSSL
import Foundation

/// A CMS ContentInfo (RFC 5652 section 3) holding SignedData, owned by this object.
final class CMSContentInfo {
    package let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) { self.pointer = pointer }
    deinit { CMS_ContentInfo_free(pointer) }

    /// Parses DER (or PEM "CMS"/"PKCS7") and insists on SignedData.
    convenience init(encoded bytes: [UInt8], source: String) throws {
        guard !bytes.isEmpty else { throw SignServiceError.malformed("\(source): empty file, expected a CMS signature") }
        OpenSSLErrorQueue.clear()
        let parsed: OpaquePointer?
        if PEM.isPEM(bytes) {
            parsed = try MemoryBIO.reading(bytes) { shim_PEM_read_bio_CMS($0) }
        } else {
            parsed = bytes.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                let result = d2i_CMS_ContentInfo(nil, &cursor, buffer.count)
                // Trailing bytes after the structure mean the file is not what it claims.
                if let result, let cursor, cursor != buffer.baseAddress! + buffer.count {
                    CMS_ContentInfo_free(result)
                    return nil
                }
                return result
            }
        }
        guard let parsed else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError.malformed("\(source): not a CMS signature (malformed or truncated DER)")
        }
        self.init(takingOwnershipOf: parsed)
        guard OBJ_obj2nid(CMS_get0_type(parsed)) == NID_pkcs7_signed else {
            throw SignServiceError.malformed("\(source): the CMS structure is not SignedData")
        }
    }

    func derBytes() throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let der = DEREncoding.bytes({ i2d_CMS_ContentInfo(pointer, &$0) }) else {
            throw SignServiceError.openSSL("cannot encode the signature")
        }
        return der
    }

    var signerInfos: [OpaquePointer] {
        OpenSSLStack.elements(CMS_get0_SignerInfos(pointer))
    }

    /// Certificates embedded in the SignedData.
    var certificates: [Certificate] {
        guard let stack = CMS_get1_certs(pointer) else { return [] }
        defer { shim_sk_X509_pop_free(stack) }
        return OpenSSLStack.certificates(stack)
    }

    /// CRLs embedded in the SignedData (B-LT revocation values).
    var crls: [CertificateRevocationList] {
        guard let stack = CMS_get1_crls(pointer) else { return [] }
        defer { shim_sk_X509_CRL_pop_free(stack) }
        return OpenSSLStack.elements(stack).map { X509_CRL_up_ref($0); return CertificateRevocationList(takingOwnershipOf: $0) }
    }

    var isDetached: Bool { CMS_is_detached(pointer) == 1 }

    /// The encapsulated content (attached signatures), borrowed.
    func withEncapsulatedContent<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T? {
        guard let slot = CMS_get0_content(pointer), let octets = slot.pointee else { return nil }
        let length = Int(ASN1_STRING_length(octets))
        guard let data = ASN1_STRING_get0_data(octets) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: data, count: length))
    }
}

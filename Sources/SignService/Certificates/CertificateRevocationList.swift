internal import COpenSSL
import Foundation

/// An X.509 CRL (RFC 5280 section 5), wrapping an OpenSSL `X509_CRL` owned by this object.
public final class CertificateRevocationList: @unchecked Sendable {
    package let pointer: OpaquePointer

    /// SHA-256 of the DER, computed once: what identifies this CRL in cache keys (an
    /// object's address can be reused once it is freed; its content cannot be confused).
    package let fingerprint: [UInt8]

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
        let der = DEREncoding.bytes { i2d_X509_CRL(pointer, &$0) } ?? []
        fingerprint = (try? ContentDigest.digest(der, algorithm: .sha256)) ?? []
    }
    deinit { X509_CRL_free(pointer) }

    /// Reads every CRL in a PEM file, or a single DER CRL.
    public static func loadAll(_ bytes: [UInt8], source: String) throws -> [CertificateRevocationList] {
        guard !bytes.isEmpty else { throw SignServiceError.malformed("\(source): empty file, expected a CRL") }
        OpenSSLErrorQueue.clear()
        if PEM.isPEM(bytes) {
            let crls: [CertificateRevocationList] = try MemoryBIO.reading(bytes) { bio in
                var result: [CertificateRevocationList] = []
                while let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
                    result.append(CertificateRevocationList(takingOwnershipOf: crl))
                }
                return result
            }
            OpenSSLErrorQueue.clear()
            guard !crls.isEmpty else { throw SignServiceError.malformed("\(source): no CRL found in the PEM file") }
            return crls
        }
        let parsed: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_CRL(nil, &cursor, buffer.count)
        }
        OpenSSLErrorQueue.clear()
        guard let parsed else { throw SignServiceError.malformed("\(source): not a CRL in PEM or DER form") }
        return [CertificateRevocationList(takingOwnershipOf: parsed)]
    }

    /// The DER encoding.
    public var derBytes: [UInt8] { DEREncoding.bytes { i2d_X509_CRL(pointer, &$0) } ?? [] }

    /// PEM encoding.
    public func pemBytes() throws -> [UInt8] {
        try MemoryBIO.writing { bio in
            guard PEM_write_bio_X509_CRL(bio, pointer) == 1 else { throw SignServiceError.openSSL("cannot encode the CRL") }
        }
    }

    /// The CRL number extension (RFC 5280 5.2.3), if present.
    public var number: Int64? {
        guard let value = X509_CRL_get_ext_d2i(pointer, NID_crl_number, nil, nil) else { return nil }
        let integer = value.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        var result: Int64 = 0
        return ASN1_INTEGER_get_int64(&result, integer) == 1 ? result : nil
    }

    public var issuer: String { Certificate.format(X509_CRL_get_issuer(pointer)) }
    public var thisUpdate: Date? { ASN1TimeConversion.date(X509_CRL_get0_lastUpdate(pointer)) }
    public var nextUpdate: Date? { ASN1TimeConversion.date(X509_CRL_get0_nextUpdate(pointer)) }

    /// Whether this CRL comes from the issuer of `certificate` (by name; OpenSSL checks the signature).
    public func isFromIssuer(of certificate: Certificate) -> Bool {
        X509_NAME_cmp(X509_CRL_get_issuer(pointer), X509_get_issuer_name(certificate.pointer)) == 0
    }

    /// Whether `issuer` signed this CRL: its name is the CRL's issuer and its key verifies
    /// the CRL's signature.
    public func isSigned(by issuer: Certificate) -> Bool {
        guard X509_NAME_cmp(X509_CRL_get_issuer(pointer), X509_get_subject_name(issuer.pointer)) == 0,
              let key = X509_get0_pubkey(issuer.pointer) else { return false }
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        return X509_CRL_verify(pointer, key) == 1
    }

    /// The revocation date of `certificate` if this CRL lists it.
    public func revocationDate(of certificate: Certificate) -> Date? {
        var entry: OpaquePointer?
        guard X509_CRL_get0_by_cert(pointer, &entry, certificate.pointer) == 1, let entry else { return nil }
        return ASN1TimeConversion.date(X509_REVOKED_get0_revocationDate(entry))
    }
}

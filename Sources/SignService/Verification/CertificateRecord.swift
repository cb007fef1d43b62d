internal import COpenSSL
import Findings
import Foundation
import Synchronization

/// A certificate with everything verification needs from it worked out once: its DER,
/// the issuer and serial a SignerInfo names it by, its fingerprint, how a report describes
/// it, and ready-to-use public-key verification contexts.
///
/// A batch of signatures by one official parses and prepares the certificate once.
final class CertificateRecord: @unchecked Sendable {
    // Immutable after init; the context pools synchronise themselves.
    let certificate: Certificate
    let der: [UInt8]
    let fingerprint: [UInt8]
    let issuerName: [UInt8]
    let subjectName: [UInt8]
    let serialNumber: [UInt8]
    let subjectKeyIdentifier: [UInt8]?
    let description: SignerDescription
    /// Why this certificate may not sign documents, and why its key is refused (worked out
    /// once: a batch by one official asks for every signature).
    let documentSigningProblem: Finding?
    let keyWeakness: Finding?
    private let verifyContexts: [DigestAlgorithm: PreparedContextPool]

    init(_ certificate: Certificate, der: [UInt8]) throws {
        self.certificate = certificate
        self.der = der
        self.fingerprint = try ContentDigest.digest(der, algorithm: .sha256)
        self.issuerName = Self.encode { i2d_X509_NAME(X509_get_issuer_name(certificate.pointer), &$0) }
        self.subjectName = Self.encode { i2d_X509_NAME(X509_get_subject_name(certificate.pointer), &$0) }
        if let serial = X509_get0_serialNumber(certificate.pointer) {
            // The INTEGER's content octets, as they appear in an IssuerAndSerialNumber.
            let full = Self.encode { i2d_ASN1_INTEGER(UnsafeMutablePointer(mutating: serial), &$0) }
            var reader = DER.Reader(full)
            self.serialNumber = (try? reader.read(DER.integer)).map { Array(full[$0.content]) } ?? []
        } else {
            self.serialNumber = []
        }
        if let keyID = X509_get0_subject_key_id(certificate.pointer) {
            let length = Int(ASN1_STRING_length(keyID))
            self.subjectKeyIdentifier = ASN1_STRING_get0_data(keyID).map { Array(UnsafeBufferPointer(start: $0, count: length)) }
        } else {
            self.subjectKeyIdentifier = nil
        }
        self.description = SignerDescription(certificate)
        self.documentSigningProblem = certificate.documentSigningFinding
        self.keyWeakness = certificate.publicKeyWeakness
        var pools: [DigestAlgorithm: PreparedContextPool] = [:]
        for algorithm in DigestAlgorithm.allCases {
            pools[algorithm] = PreparedContextPool { try Self.verifyContext(certificate, algorithm) }
        }
        self.verifyContexts = pools
    }

    var isRSA: Bool { X509_get0_pubkey(certificate.pointer).map { EVP_PKEY_get_base_id($0) == EVP_PKEY_RSA } ?? false }
    var isRSAPSS: Bool { X509_get0_pubkey(certificate.pointer).map { EVP_PKEY_get_base_id($0) == EVP_PKEY_RSA_PSS } ?? false }
    var keyTypeName: String {
        guard let key = X509_get0_pubkey(certificate.pointer) else { return "unreadable" }
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return "RSA"
        case EVP_PKEY_RSA_PSS: return "RSA-PSS"
        case EVP_PKEY_EC: return "EC"
        default: return "other"
        }
    }
    var isEC: Bool { X509_get0_pubkey(certificate.pointer).map { EVP_PKEY_get_base_id($0) == EVP_PKEY_EC } ?? false }

    /// Verifies `signature` over `digest` (already hashed with `algorithm`) with this
    /// certificate's key: ECDSA, or RSA PKCS#1 v1.5.
    func verify(signature: ArraySlice<UInt8>, digest: [UInt8], algorithm: DigestAlgorithm) -> Bool {
        let result = try? verifyContexts[algorithm]!.withContext { ctx in
            signature.withUnsafeBufferPointer { sig in
                EVP_PKEY_verify(ctx, sig.baseAddress, sig.count, digest, digest.count)
            }
        }
        OpenSSLErrorQueue.clear()
        return result == 1
    }

    private static func verifyContext(_ certificate: Certificate, _ algorithm: DigestAlgorithm) throws -> OpaquePointer {
        guard let key = X509_get0_pubkey(certificate.pointer),
              let ctx = EVP_PKEY_CTX_new_from_pkey(nil, key, nil) else {
            throw SignServiceError.openSSL("cannot use the public key of \(certificate.subject)")
        }
        guard EVP_PKEY_verify_init(ctx) == 1, EVP_PKEY_CTX_set_signature_md(ctx, algorithm.fetched) == 1 else {
            EVP_PKEY_CTX_free(ctx)
            throw SignServiceError.openSSL("cannot use the public key of \(certificate.subject)")
        }
        return ctx
    }

    private static func encode(_ body: (inout UnsafeMutablePointer<UInt8>?) -> Int32) -> [UInt8] {
        DEREncoding.bytes(body) ?? []
    }
}

/// Certificates seen recently, by the SHA-256 of their DER (at most ``capacity``: a
/// service verifies strangers' signatures for months).
final class CertificateCache: Sendable {
    static let capacity = 32_768
    /// Bytes of DER kept at most (certificates come from strangers' signatures).
    static let maximumBytes = 64 << 20
    private let records = ExpiringCache<Data, CertificateRecord>(capacity: CertificateCache.capacity,
                                                                  maximumCost: CertificateCache.maximumBytes)

    func record(der: ArraySlice<UInt8>) throws -> CertificateRecord {
        let bytes = Array(der)
        let key = Data(try ContentDigest.digest(bytes, algorithm: .sha256))
        return try records.value(for: key, cost: bytes.count) { try CertificateRecord(Certificate(derEncoded: bytes), der: bytes) }
    }

    func record(_ certificate: Certificate) throws -> CertificateRecord {
        try record(der: certificate.derBytes[...])
    }
}

/// The certificates one file brings (embedded, plus the configured intermediates), indexed
/// once per file: a file with thousands of signers and thousands of certificates finds
/// each signer's certificate and each certificate's issuer by lookup, not by scanning.
struct CandidateCertificates {
    let records: [CertificateRecord]
    let certificates: [Certificate]
    /// Stands for the whole set in cache keys (SHA-256 over the fingerprints, in order).
    let key: Data
    private let byIssuerAndSerial: [Data: [CertificateRecord]]
    private let byKeyIdentifier: [Data: [CertificateRecord]]
    private let bySubject: [Data: [CertificateRecord]]

    init(_ records: [CertificateRecord]) {
        var seen = Set<Data>()
        let unique = records.filter { seen.insert(Data($0.fingerprint)).inserted }
        self.records = unique
        certificates = unique.map(\.certificate)
        key = Data((try? ContentDigest.digest(unique.flatMap(\.fingerprint), algorithm: .sha256)) ?? [])
        var issuerSerial: [Data: [CertificateRecord]] = [:]
        var keyIDs: [Data: [CertificateRecord]] = [:]
        var subjects: [Data: [CertificateRecord]] = [:]
        for record in unique {
            issuerSerial[Data(record.issuerName + [0] + record.serialNumber), default: []].append(record)
            if let keyID = record.subjectKeyIdentifier { keyIDs[Data(keyID), default: []].append(record) }
            subjects[Data(record.subjectName), default: []].append(record)
        }
        byIssuerAndSerial = issuerSerial
        byKeyIdentifier = keyIDs
        bySubject = subjects
    }

    func adding(_ more: [CertificateRecord]) -> CandidateCertificates {
        more.isEmpty ? self : CandidateCertificates(records + more)
    }

    /// The certificates a SignerInfo's identifier names.
    func matching(_ info: some SignerEvidence) -> [CertificateRecord] {
        switch info.identifierKey {
        case .issuerAndSerialNumber(let issuer, let serial)?:
            return (byIssuerAndSerial[Data(issuer + [0] + serial)] ?? []).filter(info.identifies)
        case .subjectKeyIdentifier(let keyID)?:
            return (byKeyIdentifier[Data(keyID)] ?? []).filter(info.identifies)
        case nil:
            return records.filter(info.identifies)
        }
    }

    /// Certificates whose subject is `record`'s issuer name.
    func issuers(named name: [UInt8]) -> [Certificate] {
        (bySubject[Data(name)] ?? []).map(\.certificate)
    }
}

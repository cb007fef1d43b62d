internal import COpenSSL
import Findings
import Foundation

/// Read-only views of a certificate's fields used by the RFC 5280 checks.
extension Certificate {
    /// One general name: its kind (DNS, EMAIL, URI, IP, DIRNAME, OTHER) and text value.
    public struct GeneralName: Sendable, Equatable {
        public var kind: String
        public var value: String
    }

    /// subjectAltName entries; nil when the extension is present but malformed.
    var subjectAlternativeNames: [GeneralName]? {
        names(0)?.map { line in
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return GeneralName(kind: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// nameConstraints subtrees (permitted or excluded); nil when present but malformed.
    var nameConstraints: [(permitted: Bool, name: GeneralName)]? {
        names(1)?.map { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            return (parts[0] == "P", GeneralName(kind: String(parts[1]), value: parts.count > 2 ? String(parts[2]) : ""))
        }
    }

    private func names(_ which: Int32) -> [String]? {
        var buffer = [CChar](repeating: 0, count: 4096)
        var needed = shim_certificate_names(pointer, which, &buffer, Int32(buffer.count))
        if needed < 0 { OpenSSLErrorQueue.clear(); return nil }
        if needed > buffer.count {
            buffer = [CChar](repeating: 0, count: Int(needed))
            needed = shim_certificate_names(pointer, which, &buffer, Int32(buffer.count))
        }
        let bytes = buffer.prefix(Int(needed)).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Each extension: its NID, criticality, and whether OpenSSL can decode it (if it knows it).
    var extensionSummaries: [(nid: Int32, critical: Bool, decodes: Bool)] {
        (0..<X509_get_ext_count(pointer)).compactMap { index -> (nid: Int32, critical: Bool, decodes: Bool)? in
            guard let ext = X509_get_ext(pointer, index) else { return nil }
            let nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext))
            let decodes = shim_extension_decodes(ext) == 1
            OpenSSLErrorQueue.clear()
            return (nid, X509_EXTENSION_get_critical(ext) == 1, decodes)
        }
    }

    /// Whether basicConstraints says cA=TRUE, whatever the key usage.
    var assertsCA: Bool { X509_get_extension_flags(pointer) & UInt32(EXFLAG_CA) != 0 }

    /// X.509 version number (1, 2 or 3).
    var version: Int { Int(X509_get_version(pointer)) + 1 }

    /// Why the public key is too weak or of a forbidden kind, if it is.
    var publicKeyWeakness: Finding? {
        let subject = Finding.Parameter.name(self.subject)
        guard let key = X509_get0_pubkey(pointer) else { return Finding(.publicKeyUnreadable, ["subject": subject]) }
        let bits = Int(EVP_PKEY_get_bits(key))
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS:
            if bits < 2048 { return Finding(.rsaKeyTooSmall, ["subject": subject, "bits": .number(bits)]) }
            if bits % 8 != 0 { return Finding(.rsaModulusNotWholeOctets, ["subject": subject, "bits": .number(bits)]) }
            return nil
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
                return Finding(.ecKeyWithoutNamedCurve, ["subject": subject])
            }
            let curve = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return ["prime256v1", "secp384r1", "secp521r1"].contains(curve) ? nil
                : Finding(.ecCurveNotAccepted, ["subject": subject, "curve": .text(curve)])
        case EVP_PKEY_ED25519, EVP_PKEY_ED448:
            return nil
        case EVP_PKEY_DSA:
            return Finding(.dsaKeyNotAccepted, ["subject": subject])
        default:
            return Finding(.keyTypeNotSupported, ["subject": subject])
        }
    }
}

internal import COpenSSL
import Foundation

/// A private signing key (OpenSSL `EVP_PKEY`), owned by this object and freed with it.
///
/// Keys are ECDSA P-256/P-384 or RSA 2048-4096. Ed25519 is deliberately absent: OpenSSL
/// 3.0's CMS code cannot sign with it.
public final class PrivateKey: @unchecked Sendable {
    // An EVP_PKEY is safe to share between threads for signing once loaded; it is never
    // mutated after init.
    package let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    /// Algorithms `signtool key generate` offers.
    public enum Algorithm: String, Sendable, CaseIterable {
        case p256, p384, rsa2048, rsa3072, rsa4096
    }

    /// A short human description: "ECDSA P-256", "RSA 3072".
    public var algorithmDescription: String {
        if isRSA { return "RSA \(EVP_PKEY_get_bits(pointer))" }
        if isEC {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            if EVP_PKEY_get_group_name(pointer, &name, name.count, &length) == 1 {
                switch name.withUnsafeBufferPointer({ String(cString: $0.baseAddress!) }) {
                case "prime256v1", "P-256": return "ECDSA P-256"
                case "secp384r1", "P-384": return "ECDSA P-384"
                case "secp521r1", "P-521": return "ECDSA P-521"
                case let other: return "ECDSA \(other)"
                }
            }
            return "ECDSA"
        }
        return ObjectName.short(nid: EVP_PKEY_get_base_id(pointer)) ?? "unknown"
    }

    var isRSA: Bool { EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA }
    var isEC: Bool { EVP_PKEY_get_base_id(pointer) == EVP_PKEY_EC }

    /// The digest that matches the key's strength (SHA-384 for P-384, SHA-512 for P-521).
    public var defaultDigest: DigestAlgorithm {
        if isEC {
            switch EVP_PKEY_get_bits(pointer) {
            case 384: return .sha384
            case 521: return .sha512
            default: return .sha256
            }
        }
        return .sha256
    }

    /// Rejects key types signtool cannot sign CMS with.
    func checkSupported() throws {
        if isEC { return }
        if isRSA {
            let bits = EVP_PKEY_get_bits(pointer)
            guard (2048...4096).contains(bits) else {
                throw SignServiceError(code: .unsupportedAlgorithm,
                                       reason: "RSA keys must be 2048 to 4096 bits; this one has \(bits)")
            }
            return
        }
        throw SignServiceError(code: .unsupportedAlgorithm,
                               reason: "\(algorithmDescription) keys are not supported; use ECDSA P-256/P-384 or RSA")
    }

    /// Generates a fresh key.
    public static func generate(_ algorithm: Algorithm) throws -> PrivateKey {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer?
        switch algorithm {
        case .p256: key = shim_EVP_EC_gen("P-256")
        case .p384: key = shim_EVP_EC_gen("P-384")
        case .rsa2048: key = shim_EVP_RSA_gen(2048)
        case .rsa3072: key = shim_EVP_RSA_gen(3072)
        case .rsa4096: key = shim_EVP_RSA_gen(4096)
        }
        guard let key else { throw SignServiceError.openSSL("key generation failed") }
        return PrivateKey(takingOwnershipOf: key)
    }

    /// Loads a key from PEM (PKCS#8, encrypted PKCS#8, or traditional) or DER.
    ///
    /// Throws `.passphraseRequired` when the key is encrypted and `passphrase` is nil, and
    /// `.wrongPassphrase` when the passphrase does not decrypt it.
    public static func load(_ bytes: [UInt8], passphrase: Passphrase?, source: String) throws -> PrivateKey {
        guard !bytes.isEmpty else { throw SignServiceError.malformed("\(source): empty file, expected a private key") }
        let encrypted = PEM.containsLabel("ENCRYPTED PRIVATE KEY", in: bytes)
            || (PEM.isPEM(bytes) && PEM.containsLabel("PRIVATE KEY", in: bytes)
                && String(decoding: bytes.prefix(4096), as: UTF8.self).contains("Proc-Type: 4,ENCRYPTED"))
        if encrypted && passphrase == nil {
            throw SignServiceError(code: .passphraseRequired, reason: "\(source): the key is encrypted and no passphrase was given")
        }
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer? = try MemoryBIO.reading(bytes) { bio in
            let password = passphrase ?? Passphrase(bytes: [])
            return password.withCString { pass in
                if PEM.isPEM(bytes) {
                    return PEM_read_bio_PrivateKey(bio, nil, passphraseCallback, UnsafeMutableRawPointer(mutating: pass))
                }
                if let key = d2i_PKCS8PrivateKey_bio(bio, nil, passphraseCallback, UnsafeMutableRawPointer(mutating: pass)) {
                    return key
                }
                _ = BIO_ctrl(bio, BIO_CTRL_RESET, 0, nil)
                return d2i_PrivateKey_bio(bio, nil)
            }
        }
        guard let key else {
            OpenSSLErrorQueue.clear()
            if encrypted {
                // A damaged file must not be blamed on the passphrase.
                guard isIntactEncryptedKey(bytes) else {
                    throw SignServiceError.malformed("\(source): the encrypted key is damaged or truncated")
                }
                throw SignServiceError(code: .wrongPassphrase, reason: "\(source): wrong passphrase for the encrypted key")
            }
            throw SignServiceError.openSSL("\(source): not a private key in PEM or DER form", code: .malformedInput)
        }
        OpenSSLErrorQueue.clear()
        let result = PrivateKey(takingOwnershipOf: key)
        try result.checkSupported()
        return result
    }

    /// Whether an encrypted PEM key is intact: its armour and base64 decode and, for
    /// PKCS#8, the EncryptedPrivateKeyInfo structure parses. Only then can a failure to
    /// load it be put down to the passphrase.
    private static func isIntactEncryptedKey(_ bytes: [UInt8]) -> Bool {
        let intact: Bool = (try? MemoryBIO.reading(bytes) { bio -> Bool in
            var name: UnsafeMutablePointer<CChar>?
            var header: UnsafeMutablePointer<CChar>?
            var data: UnsafeMutablePointer<UInt8>?
            var length = 0
            guard PEM_read_bio(bio, &name, &header, &data, &length) == 1 else { return false }
            defer {
                shim_OPENSSL_free(name)
                shim_OPENSSL_free(header)
                shim_OPENSSL_free(data)
            }
            guard let name, String(cString: name) == "ENCRYPTED PRIVATE KEY" else { return true }
            var cursor: UnsafePointer<UInt8>? = UnsafePointer(data)
            guard let info = d2i_X509_SIG(nil, &cursor, length) else { return false }
            X509_SIG_free(info)
            return cursor == UnsafePointer(data).map { $0 + length }
        }) ?? false
        OpenSSLErrorQueue.clear()
        return intact
    }

    /// PKCS#8 PEM, encrypted with AES-256-CBC (PBES2/PBKDF2) unless `passphrase` is nil.
    public func pkcs8PEM(passphrase: Passphrase?) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        return try MemoryBIO.writing { bio in
            let ok: Int32
            if let passphrase {
                ok = passphrase.withCString { pass in
                    PEM_write_bio_PKCS8PrivateKey(bio, pointer, EVP_aes_256_cbc(),
                                                  pass, Int32(passphrase.bytes.count), nil, nil)
                }
            } else {
                ok = PEM_write_bio_PKCS8PrivateKey(bio, pointer, nil, nil, 0, nil, nil)
            }
            guard ok == 1 else { throw SignServiceError.openSSL("cannot encode the private key") }
        }
    }

    /// The public key in SubjectPublicKeyInfo PEM form.
    public func publicKeyPEM() throws -> [UInt8] {
        try MemoryBIO.writing { bio in
            guard PEM_write_bio_PUBKEY(bio, pointer) == 1 else {
                throw SignServiceError.openSSL("cannot encode the public key")
            }
        }
    }
}

/// OpenSSL's PEM callback; `userdata` is the NUL-terminated passphrase. Returning the
/// length (possibly 0) means OpenSSL never falls back to prompting on the terminal itself.
private let passphraseCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
    buffer, size, _, userdata in
    guard let buffer, let userdata, size > 0 else { return 0 }
    let pass = userdata.assumingMemoryBound(to: CChar.self)
    let length = min(Int(strlen(pass)), Int(size))
    memcpy(buffer, pass, length)
    return Int32(length)
}

internal import COpenSSL
import Foundation
import SignService

/// An HMAC-SHA256 key over the CA register's rows, derived from the issuing CA's private
/// key (HMAC-SHA256 keyed by the key's DER, over a fixed label): it exists only where the
/// CA passphrase was given, and is never stored.
public struct RegisterKey: Sendable {
    private let bytes: [UInt8]

    public init(deriving key: PrivateKey) throws {
        guard var secret = DEREncoding.bytes(secret: true, { i2d_PrivateKey(key.pointer, &$0) }) else {
            throw SignServiceError.openSSL("cannot derive the register key")
        }
        defer { secret.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        bytes = Self.hmac(key: secret, Array("signtool CA register key v1".utf8))
    }

    func authenticate(_ message: [UInt8]) -> [UInt8] { Self.hmac(key: bytes, message) }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        // A failed HMAC must not yield a short (say empty) MAC that an empty stored blob matches.
        guard HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &digest, &length) != nil, length == 32 else {
            var random = [UInt8](repeating: 0, count: 32)
            _ = RAND_bytes(&random, 32)
            return random
        }
        return digest
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return CRYPTO_memcmp(a, b, a.count) == 0
    }
}

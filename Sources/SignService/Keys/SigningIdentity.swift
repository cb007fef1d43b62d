internal import COpenSSL
import Foundation

/// What an official signs with: a private key, its certificate, and the certificates
/// between it and the root, which are embedded in every signature.
public struct SigningIdentity: Sendable {
    public let key: PrivateKey
    public let certificate: Certificate
    public let chain: [Certificate]

    /// Pairs a key with its certificate; fails if the key does not belong to it.
    public init(key: PrivateKey, certificate: Certificate, chain: [Certificate] = []) throws {
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError(code: .keyCertificateMismatch,
                                   reason: "the private key does not belong to the certificate \(certificate.subject)")
        }
        self.key = key
        self.certificate = certificate
        self.chain = chain.filter { $0 != certificate }
    }

    /// Why this identity must not sign at `time`, or nil: the certificate's validity period
    /// must contain `time` (RFC 5280 4.1.2.5, notAfter inclusive), and the certificate must
    /// be one for signing documents (``Certificate/documentSigningProblem``).
    public func signingProblem(at time: Date = Date()) -> String? {
        let name = certificate.subject
        if let start = certificate.notBefore, time < start {
            return "the certificate of \(name) is not valid before \(start.formatted(Date.ISO8601FormatStyle()))"
        }
        if let end = certificate.notAfter, time >= end.addingTimeInterval(1) {
            return "the certificate of \(name) expired on \(end.formatted(Date.ISO8601FormatStyle()))"
        }
        if certificate.notBefore == nil || certificate.notAfter == nil {
            return "the certificate of \(name) has an unreadable validity period"
        }
        return certificate.documentSigningProblem.map { $0.replacingOccurrences(of: "the signer's certificate", with: "the certificate of \(name):") }
    }

    /// Throws ``SignServiceError/Code/certificateNotUsable`` when ``signingProblem(at:)`` finds one.
    public func checkUsableForSigning(at time: Date = Date()) throws {
        if let problem = signingProblem(at: time) {
            throw SignServiceError(code: .certificateNotUsable, reason: problem)
        }
    }

    /// Loads an identity from a PKCS#12 file (key, certificate, CA certificates).
    public static func loadPKCS12(_ bytes: [UInt8], passphrase: Passphrase?, source: String) throws -> SigningIdentity {
        guard !bytes.isEmpty else { throw SignServiceError.malformed("\(source): empty file, expected PKCS#12") }
        OpenSSLErrorQueue.clear()
        let p12: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let p12 else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError.malformed("\(source): not a PKCS#12 file (damaged or truncated)")
        }
        defer { PKCS12_free(p12) }
        let password = passphrase ?? Passphrase(bytes: [])
        return try password.withCString { pass in
            let length = Int32(password.bytes.count)
            if PKCS12_mac_present(p12) == 1 && PKCS12_verify_mac(p12, pass, length) != 1 {
                OpenSSLErrorQueue.clear()
                if passphrase == nil {
                    throw SignServiceError(code: .passphraseRequired, reason: "\(source): the PKCS#12 file is protected and no passphrase was given")
                }
                throw SignServiceError(code: .wrongPassphrase, reason: "\(source): wrong passphrase for the PKCS#12 file")
            }
            var key: OpaquePointer?
            var cert: OpaquePointer?
            var cas: OpaquePointer?
            guard PKCS12_parse(p12, pass, &key, &cert, &cas) == 1 else {
                throw SignServiceError.openSSL("\(source): cannot read the PKCS#12 contents", code: .malformedInput)
            }
            let chain = OpenSSLStack.certificates(cas)
            if let cas { shim_sk_X509_pop_free(cas) }
            guard let key else {
                if let cert { X509_free(cert) }
                throw SignServiceError.malformed("\(source): the PKCS#12 file holds no private key")
            }
            let privateKey = PrivateKey(takingOwnershipOf: key)
            guard let cert else { throw SignServiceError.malformed("\(source): the PKCS#12 file holds no certificate") }
            try privateKey.checkSupported()
            return try SigningIdentity(key: privateKey, certificate: Certificate(takingOwnershipOf: cert), chain: chain)
        }
    }
}

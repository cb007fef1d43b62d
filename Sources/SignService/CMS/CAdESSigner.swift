internal import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a signature is made.
public struct SignatureOptions: Sendable {
    /// The digest; nil picks the one that matches the key (SHA-384 for P-384, else SHA-256).
    public var digest: DigestAlgorithm?
    /// RSA-PSS instead of PKCS#1 v1.5 (RSA keys only).
    public var rsaPSS: Bool
    /// Enveloping (content inside the signature) instead of detached.
    public var attached: Bool

    public init(digest: DigestAlgorithm? = nil, rsaPSS: Bool = false, attached: Bool = false) {
        self.digest = digest
        self.rsaPSS = rsaPSS
        self.attached = attached
    }
}

/// CAdES baseline B-B signatures (ETSI EN 319 122-1) as CMS SignedData (RFC 5652).
///
/// Every SignerInfo carries the signed attributes contentType, messageDigest, signingTime
/// and signingCertificateV2 (RFC 5035), and the SignedData embeds the signer's certificate
/// and its chain:
///
/// ```
/// SignedData ::= SEQUENCE {
///   version CMSVersion, digestAlgorithms DigestAlgorithmIdentifiers,
///   encapContentInfo EncapsulatedContentInfo,      -- eContent absent when detached
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   signerInfos SignerInfos }
/// ```
public enum CAdES {
    /// Signs the file at `path`, streaming it through the digest in 1 MiB chunks.
    /// Returns the DER-encoded ContentInfo.
    public static func sign(fileAt path: String, with identity: SigningIdentity,
                            options: SignatureOptions = .init()) throws -> [UInt8] {
        let digest = options.digest ?? identity.key.defaultDigest
        try checkPSS(options, identity)
        OpenSSLErrorQueue.clear()
        var flags = UInt32(CMS_PARTIAL | CMS_BINARY)
        if !options.attached { flags |= UInt32(CMS_DETACHED) }
        guard let raw = CMS_sign(nil, nil, nil, nil, flags) else {
            throw SignServiceError.openSSL("cannot create SignedData")
        }
        let cms = CMSContentInfo(takingOwnershipOf: raw)
        _ = try addSignerInfo(to: cms, identity: identity, digest: digest, options: options, reuseDigest: false)
        try addCertificates(identity, to: cms)

        // CMS_dataInit gives a chain of digest BIOs ending in a null sink (detached) or a
        // memory BIO that becomes eContent (attached); CMS_dataFinal then signs.
        guard let chain = CMS_dataInit(cms.pointer, nil) else {
            throw SignServiceError.openSSL("cannot start the signature")
        }
        defer { BIO_free_all(chain) }
        try stream(fileAt: path, into: chain)
        _ = BIO_ctrl(chain, BIO_CTRL_FLUSH, 0, nil)
        guard CMS_dataFinal(cms.pointer, chain) == 1 else {
            throw SignServiceError.openSSL("signing failed")
        }
        return try cms.derBytes()
    }

    /// Adds a parallel SignerInfo to an existing signature of the same content (co-signing),
    /// leaving the existing signers untouched.
    ///
    /// `contentPath` is required for a detached signature: the content is digested and
    /// compared with the existing signers' messageDigest, so a second official can never
    /// co-sign a different document by mistake.
    public static func addSignature(to existing: [UInt8], source: String, contentAt contentPath: String?,
                                    with identity: SigningIdentity,
                                    options: SignatureOptions = .init()) throws -> [UInt8] {
        try checkPSS(options, identity)
        let cms = try CMSContentInfo(encoded: existing, source: source)
        let infos = cms.signerInfos
        guard !infos.isEmpty else { throw SignServiceError.malformed("\(source): the signature has no signers") }

        // The new signer copies the messageDigest of an existing signer with the same
        // digest algorithm (RFC 5652 allows one per algorithm).
        let existingDigests = infos.compactMap { SignerInfoView($0).digestAlgorithm }
        let digest = options.digest ?? existingDigests.first ?? identity.key.defaultDigest
        guard existingDigests.contains(digest) else {
            throw SignServiceError(code: .unsupportedAlgorithm,
                                   reason: "co-signing with \(digest.rawValue) needs an existing signer with the same digest; \(source) uses \(existingDigests.map(\.rawValue).joined(separator: ", "))")
        }

        let content: [DigestAlgorithm: [UInt8]]
        if cms.isDetached {
            guard let contentPath else {
                throw SignServiceError.malformed("\(source) is a detached signature: the signed document is needed to co-sign it")
            }
            content = try ContentDigest.digests(ofFileAt: contentPath, algorithms: [digest])
        } else {
            content = try cms.withEncapsulatedContent { try ContentDigest.digests(of: $0, algorithms: [digest]) } ?? [:]
        }
        for info in infos {
            let view = SignerInfoView(info)
            guard view.digestAlgorithm == digest, let claimed = view.messageDigest else { continue }
            guard claimed == content[digest] else {
                throw SignServiceError(code: .contentMismatch,
                                       reason: "\(source) does not sign this document (message digest differs); nothing was co-signed")
            }
        }

        _ = try addSignerInfo(to: cms, identity: identity, digest: digest, options: options, reuseDigest: true)
        try addCertificates(identity, to: cms)
        return try cms.derBytes()
    }

    private static func checkPSS(_ options: SignatureOptions, _ identity: SigningIdentity) throws {
        if options.rsaPSS && !identity.key.isRSA {
            throw SignServiceError(code: .unsupportedAlgorithm,
                                   reason: "--pss needs an RSA key; this key is \(identity.key.algorithmDescription)")
        }
    }

    private static func addSignerInfo(to cms: CMSContentInfo, identity: SigningIdentity, digest: DigestAlgorithm,
                                      options: SignatureOptions, reuseDigest: Bool) throws -> OpaquePointer {
        var flags = UInt32(CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES)
        if options.rsaPSS { flags |= UInt32(CMS_KEY_PARAM) }
        if reuseDigest { flags |= UInt32(CMS_REUSE_DIGEST | CMS_PARTIAL) }
        OpenSSLErrorQueue.clear()
        guard let si = CMS_add1_signer(cms.pointer, identity.certificate.pointer, identity.key.pointer,
                                       digest.evp, flags) else {
            throw SignServiceError.openSSL("cannot add the signer \(identity.certificate.subject)")
        }
        if options.rsaPSS {
            guard let pctx = CMS_SignerInfo_get0_pkey_ctx(si),
                  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 else {
                throw SignServiceError.openSSL("cannot select RSA-PSS")
            }
        }
        if reuseDigest {
            if options.rsaPSS {
                // OpenSSL only records PSS parameters when it hashes the content itself;
                // a co-signature reuses the digest, so the identifier is set here.
                try setPSSAlgorithmIdentifier(si, digest: digest)
            }
            guard CMS_SignerInfo_sign(si) == 1 else {
                throw SignServiceError.openSSL("signing failed")
            }
        }
        return si
    }

    /// Embeds the signer's certificate and chain, skipping any already present.
    private static func addCertificates(_ identity: SigningIdentity, to cms: CMSContentInfo) throws {
        let present = cms.certificates
        for certificate in [identity.certificate] + identity.chain where !present.contains(certificate) {
            guard CMS_add1_cert(cms.pointer, certificate.pointer) == 1 else {
                throw SignServiceError.openSSL("cannot embed the certificate \(certificate.subject)")
            }
        }
        OpenSSLErrorQueue.clear()
    }

    private static func stream(fileAt path: String, into bio: OpaquePointer) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.openError(path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SignServiceError.io("\(path): \(FileIO.errnoText())") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw SignServiceError.malformed("\(path): is a directory") }
        if info.st_size > ContentDigest.chunkSize { _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        let size = max(4096, min(Int(info.st_size) + 1, ContentDigest.chunkSize))
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw SignServiceError.io("\(path): read failed: \(FileIO.errnoText())")
            }
            if n == 0 { break }
            guard BIO_write(bio, buffer, Int32(n)) == Int32(n) else {
                throw SignServiceError.openSSL("cannot digest \(path)")
            }
        }
    }

    /// RSASSA-PSS-params (RFC 4055) with MGF1 over the same hash and salt = hash length.
    private static func setPSSAlgorithmIdentifier(_ si: OpaquePointer, digest: DigestAlgorithm) throws {
        let hashOID: [UInt8]
        let salt: UInt8
        switch digest {
        case .sha256: hashOID = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]; salt = 32
        case .sha384: hashOID = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]; salt = 48
        case .sha512: hashOID = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]; salt = 64
        }
        let hashAlgorithm: [UInt8] = [0x30, 0x0D, 0x06, 0x09] + hashOID + [0x05, 0x00]
        let mgf1OID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08]
        let mgf: [UInt8] = [0x30, UInt8(mgf1OID.count + hashAlgorithm.count)] + mgf1OID + hashAlgorithm
        let body: [UInt8] = [0xA0, UInt8(hashAlgorithm.count)] + hashAlgorithm
            + [0xA1, UInt8(mgf.count)] + mgf
            + [0xA2, 0x03, 0x02, 0x01, salt]
        let params: [UInt8] = [0x30, UInt8(body.count)] + body
        var algorithm: UnsafeMutablePointer<X509_ALGOR>?
        CMS_SignerInfo_get0_algs(si, nil, nil, nil, &algorithm)
        guard let algorithm, let sequence = ASN1_STRING_type_new(V_ASN1_SEQUENCE) else {
            throw SignServiceError.openSSL("cannot set the RSA-PSS parameters")
        }
        guard params.withUnsafeBytes({ ASN1_STRING_set(sequence, $0.baseAddress, Int32($0.count)) }) == 1,
              X509_ALGOR_set0(algorithm, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, sequence) == 1 else {
            ASN1_STRING_free(sequence)
            throw SignServiceError.openSSL("cannot set the RSA-PSS parameters")
        }
    }
}

internal import COpenSSL
import Foundation
import SignService

/// Serial numbers for timestamps that stay unique across restarts and processes: blocks
/// are reserved in the CA register, then handed out from memory.
final class PersistentSerialSource: @unchecked Sendable {
    private let lock = NSLock()
    private let register: any AuthorityRegister
    private let counter: String
    private let blockSize: Int64
    // Guarded by `lock`.
    private var next: Int64 = 0
    private var end: Int64 = 0

    init(register: any AuthorityRegister, counter: String, blockSize: Int64 = 4096) {
        self.register = register
        self.counter = counter
        self.blockSize = blockSize
    }

    func nextSerial() throws -> Int64 {
        try lock.withLock {
            if next >= end {
                next = try register.reserve(counter, count: blockSize)
                end = next + blockSize
            }
            defer { next += 1 }
            return next
        }
    }
}

/// An RFC 3161 time-stamping authority: OpenSSL's TS responder with the CA's TSA
/// certificate, a policy and accuracy from the configuration, ESSCertIDv2 (SHA-256),
/// the nonce echoed, and serial numbers that never repeat.
///
/// OpenSSL's TS code signs with ECDSA or RSA; it refuses Ed25519, which signtool does not offer.
public final class TimestampAuthority: @unchecked Sendable {
    private let identity: SigningIdentity
    private let policy: String
    private let accuracyMilliseconds: Int
    private let serials: SerialBox
    private let contexts: PreparedContextPool

    public init(identity: SigningIdentity, policyOID: String, accuracyMilliseconds: Int, register: any AuthorityRegister) throws {
        self.identity = identity
        self.policy = policyOID
        self.accuracyMilliseconds = accuracyMilliseconds
        // Lives as long as the authority, which outlives every context that points at it.
        let serials = SerialBox(source: PersistentSerialSource(register: register, counter: "tsa-serial"))
        self.serials = serials
        let certificate = identity.certificate, key = identity.key, chain = identity.chain
        contexts = PreparedContextPool(prepare: {
            OpenSSLErrorQueue.clear()
            guard let ctx = TS_RESP_CTX_new() else { throw SignServiceError.openSSL("cannot allocate a TS context") }
            let certs = shim_sk_X509_new_null()
            defer { shim_sk_X509_free(certs) }
            for extra in chain { _ = shim_sk_X509_push(certs, extra.pointer) }
            guard let policyObject = OBJ_txt2obj(policyOID, 1) else {
                TS_RESP_CTX_free(ctx)
                throw SignServiceError.malformed("TSA policy '\(policyOID)' is not an object identifier")
            }
            defer { ASN1_OBJECT_free(policyObject) }
            guard TS_RESP_CTX_set_signer_cert(ctx, certificate.pointer) == 1,
                  TS_RESP_CTX_set_signer_key(ctx, key.pointer) == 1,
                  TS_RESP_CTX_set_signer_digest(ctx, key.certificateDigest) == 1,
                  TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) == 1,
                  TS_RESP_CTX_set_certs(ctx, certs) == 1,
                  TS_RESP_CTX_set_def_policy(ctx, policyObject) == 1,
                  TS_RESP_CTX_add_md(ctx, EVP_sha256()) == 1,
                  TS_RESP_CTX_add_md(ctx, EVP_sha384()) == 1,
                  TS_RESP_CTX_add_md(ctx, EVP_sha512()) == 1,
                  TS_RESP_CTX_set_accuracy(ctx, Int32(accuracyMilliseconds / 1000), Int32(accuracyMilliseconds % 1000), 0) == 1,
                  TS_RESP_CTX_set_clock_precision_digits(ctx, 3) == 1
            else {
                TS_RESP_CTX_free(ctx)
                throw SignServiceError.openSSL("cannot configure the TS context")
            }
            // Name the TSA in TSTInfo.tsa, so a reader sees who vouched for the time.
            TS_RESP_CTX_add_flags(ctx, Int32(TS_TSA_NAME))
            TS_RESP_CTX_set_serial_cb(ctx, { _, data -> UnsafeMutablePointer<ASN1_INTEGER>? in
                guard let data else { return nil }
                let box = Unmanaged<SerialBox>.fromOpaque(data).takeUnretainedValue()
                guard let serial = try? box.source.nextSerial(), let integer = ASN1_INTEGER_new() else { return nil }
                ASN1_INTEGER_set_int64(integer, serial)
                return integer
            }, Unmanaged.passUnretained(serials).toOpaque())
            return ctx
        }, free: { TS_RESP_CTX_free($0) })
        // Fail at start-up, not on the first request, if the key or policy is unusable.
        try contexts.withContext { _ in }
    }

    /// Answers a DER TimeStampReq with a DER TimeStampResp. A malformed or refused request
    /// gets a response with a rejection status (RFC 3161 2.4.2), as clients expect; so does
    /// a TimeStampReq with bytes after it, which OpenSSL's parser would ignore.
    public func respond(to request: [UInt8]) throws -> [UInt8] {
        try answer(request).reply
    }

    /// What a granted timestamp says, for the audit log.
    public struct Issued: Sendable {
        public let serialHex: String
        public let imprintHex: String
        public let algorithm: String
        public let time: Date
    }

    /// ``respond(to:)``, with what was issued (nil for a rejection), read from the response
    /// as it is built: no second parse of the answer and its certificates.
    public func answer(_ request: [UInt8]) throws -> (reply: [UInt8], issued: Issued?) {
        if let extra = Self.bytesAfterRequest(request), extra > 0 {
            return (Self.rejection("the request has \(extra) bytes after the TimeStampReq"), nil)
        }
        return try contexts.withContext { ctx in
            OpenSSLErrorQueue.clear()
            let response: OpaquePointer? = try MemoryBIO.reading(request) { bio in TS_RESP_create_response(ctx, bio) }
            guard let response else { throw SignServiceError.openSSL("the TSA could not build a response") }
            defer { TS_RESP_free(response) }
            OpenSSLErrorQueue.clear()
            guard let der = DEREncoding.bytes({ i2d_TS_RESP(response, &$0) }) else {
                throw SignServiceError.openSSL("cannot encode the TS response")
            }
            var issued: Issued?
            if let info = TS_RESP_get_tst_info(response), let serial = TS_TST_INFO_get_serial(info),
               let imprint = TS_TST_INFO_get_msg_imprint(info), let message = TS_MSG_IMPRINT_get_msg(imprint),
               let time = ASN1TimeConversion.generalizedTime(TS_TST_INFO_get_time(info)) {
                let bytes = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(message), count: Int(ASN1_STRING_length(message))))
                var algorithm = ""
                if let algor = TS_MSG_IMPRINT_get_algo(imprint) {
                    var object: OpaquePointer?
                    X509_ALGOR_get0(&object, nil, nil, algor)
                    if let object, let name = OBJ_nid2sn(OBJ_obj2nid(object)) { algorithm = String(cString: name) }
                }
                issued = Issued(serialHex: Hex.serial(serial), imprintHex: Hex.lower(bytes), algorithm: algorithm, time: time)
            }
            return (der, issued)
        }
    }

    /// How many bytes follow the TimeStampReq at the start of `request`; nil if there is none
    /// (OpenSSL's responder then rejects it, as it does any malformed request).
    static func bytesAfterRequest(_ request: [UInt8]) -> Int? {
        request.withUnsafeBufferPointer { buffer -> Int? in
            guard let start = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = start
            guard let parsed = d2i_TS_REQ(nil, &cursor, buffer.count) else {
                OpenSSLErrorQueue.clear()
                return nil
            }
            TS_REQ_free(parsed)
            return cursor.map { buffer.count - ($0 - start) }
        }
    }

    /// A TimeStampResp with status rejection, `text` as statusString and failInfo
    /// badDataFormat, the answer OpenSSL gives to a request it cannot read (RFC 3161 2.4.2):
    ///
    ///     PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
    ///                                  failInfo PKIFailureInfo OPTIONAL }
    static func rejection(_ text: String) -> [UInt8] {
        let rejection: UInt8 = 2
        let utf8String: UInt8 = 0x0C
        // BIT STRING with bit 5 (badDataFormat) set: two unused bits, 0b0000_0100.
        let badDataFormat: [UInt8] = [0x03, 0x02, 0x02, 0x04]
        let statusString = DERWriter.sequence(DERWriter.tlv(utf8String, Array(text.utf8)))
        let statusInfo = DERWriter.sequence(DERWriter.smallInteger(rejection), statusString, badDataFormat)
        return DERWriter.sequence(statusInfo)
    }

    private final class SerialBox: @unchecked Sendable {
        let source: PersistentSerialSource
        init(source: PersistentSerialSource) { self.source = source }
    }
}

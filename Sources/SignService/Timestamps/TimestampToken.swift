internal import COpenSSL
import Foundation

/// An RFC 3161 TimeStampToken: a CMS SignedData whose content is a TSTInfo.
public struct TimestampToken: Sendable {
    /// The token's DER (ContentInfo), as embedded in a signature-time-stamp attribute.
    public let der: [UInt8]
    /// TSTInfo.genTime: when the TSA saw the imprint.
    public let time: Date
    /// TSTInfo.serialNumber in hex.
    public let serialHex: String
    /// The TSA's certificate subject, or TSTInfo.tsa when no certificate is in the token.
    public let tsa: String
    public let imprintAlgorithm: DigestAlgorithm?
    public let imprint: [UInt8]
    public let policy: String
    /// The TSA's certificate, when the token carries it (certReq was set).
    public let tsaCertificate: Certificate?
    /// Every certificate the token carries (the TSA's and, often, its chain).
    public let certificates: [Certificate]

    /// Reads a token (ContentInfo) or a whole TimeStampResp, whose status must be granted.
    public init(der bytes: [UInt8], source: String) throws {
        OpenSSLErrorQueue.clear()
        let response: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_TS_RESP(nil, &cursor, buffer.count)
        }
        var token: UnsafeMutablePointer<PKCS7>?
        defer { if let response { TS_RESP_free(response) } }
        if let response {
            try Self.checkGranted(response, source: source)
            token = TS_RESP_get_token(response)
        }
        let ownToken: UnsafeMutablePointer<PKCS7>? = token == nil ? bytes.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_PKCS7(nil, &cursor, buffer.count)
        } : nil
        defer { if let ownToken { PKCS7_free(ownToken) } }
        guard let pkcs7 = token ?? ownToken else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError.malformed("\(source): not an RFC 3161 timestamp (TimeStampResp or TimeStampToken)")
        }
        guard let info = PKCS7_to_TS_TST_INFO(pkcs7) else {
            OpenSSLErrorQueue.clear()
            throw SignServiceError.malformed("\(source): the timestamp token holds no TSTInfo")
        }
        defer { TS_TST_INFO_free(info) }
        guard let encoded = DEREncoding.bytes({ i2d_PKCS7(pkcs7, &$0) }) else { throw SignServiceError.openSSL("cannot encode the token") }
        der = encoded
        guard let date = ASN1TimeConversion.generalizedTime(TS_TST_INFO_get_time(info)) else {
            throw SignServiceError.malformed("\(source): the timestamp has no readable time")
        }
        time = date
        serialHex = TS_TST_INFO_get_serial(info).map(Hex.serial) ?? ""
        let imprintObject = TS_TST_INFO_get_msg_imprint(info)
        let algorithm = TS_MSG_IMPRINT_get_algo(imprintObject)
        var object: OpaquePointer?
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        imprintAlgorithm = object.flatMap { DigestAlgorithm(nid: OBJ_obj2nid($0)) }
        let digest = TS_MSG_IMPRINT_get_msg(imprintObject)
        imprint = digest.map { Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data($0), count: Int(ASN1_STRING_length($0)))) } ?? []
        policy = TS_TST_INFO_get_policy_id(info).map(ObjectName.dotted) ?? ""
        // A new stack of borrowed certificates: the stack is freed, its certificates are not.
        let signers = PKCS7_get0_signers(pkcs7, nil, 0)
        defer { if let signers { shim_sk_X509_free(signers) } }
        if let first = OpenSSLStack.certificates(signers).first {
            tsa = first.subject
            tsaCertificate = first
        } else {
            tsa = "unnamed TSA"
            tsaCertificate = nil
        }
        var carried: [Certificate] = []
        if OBJ_obj2nid(pkcs7.pointee.type) == NID_pkcs7_signed, let signed = pkcs7.pointee.d.sign {
            carried = OpenSSLStack.certificates(signed.pointee.cert)
        }
        certificates = carried
        OpenSSLErrorQueue.clear()
    }

    static func checkGranted(_ response: OpaquePointer, source: String) throws {
        let statusInfo = TS_RESP_get_status_info(response)
        let status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(statusInfo))
        guard status == 0 || status == 1 else {
            var text = ""
            if let texts = TS_STATUS_INFO_get0_text(statusInfo), let first = shim_sk_ASN1_UTF8STRING_value(texts, 0) {
                text = String(decoding: UnsafeBufferPointer(start: ASN1_STRING_get0_data(first), count: Int(ASN1_STRING_length(first))), as: UTF8.self)
            }
            let names = [2: "rejection", 3: "waiting", 4: "revocationWarning", 5: "revocationNotification"]
            throw SignServiceError(code: .serviceRefused,
                                   reason: "\(source): the TSA answered \(names[status] ?? "status \(status)")\(text.isEmpty ? "" : ": \(text)")")
        }
    }
}

/// Asks a TSA for a timestamp over a digest (RFC 3161 section 3.4, HTTP transport).
public enum TimestampClient {
    public struct Result: Sendable {
        /// The whole TimeStampResp, as `openssl ts -verify -in` reads it.
        public let response: [UInt8]
        public let token: TimestampToken
    }

    /// Sends a request with a random 64-bit nonce and certReq set, and checks the answer:
    /// granted, same imprint, same nonce.
    public static func timestamp(digest: [UInt8], algorithm: DigestAlgorithm, url: String,
                                 options: HTTPFetcher.Options = HTTPFetcher.Options()) async throws -> Result {
        let (request, nonce) = try makeRequest(digest: digest, algorithm: algorithm)
        let answer = try await HTTPFetcher.post(url, body: request, contentType: "application/timestamp-query", kind: .timestamp, options: options)
        let token: TimestampToken
        do {
            token = try TimestampToken(der: answer, source: url)
        } catch let error as SignServiceError where error.code == .malformedInput {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the answer is not a timestamp response")
        }
        guard token.imprint == digest, token.imprintAlgorithm == algorithm else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the timestamp covers a different digest than the one sent")
        }
        guard try responseNonce(answer) == nonce else {
            throw SignServiceError(code: .serviceRefused, reason: "\(url): the timestamp does not echo the request's nonce")
        }
        return Result(response: answer, token: token)
    }

    /// A DER TimeStampReq for `digest` (a fresh nonce, certReq set), for a TSA in process.
    public static func request(digest: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8] {
        try makeRequest(digest: digest, algorithm: algorithm).der
    }

    static func makeRequest(digest: [UInt8], algorithm: DigestAlgorithm) throws -> (der: [UInt8], nonce: [UInt8]) {
        OpenSSLErrorQueue.clear()
        guard let request = TS_REQ_new() else { throw SignServiceError.openSSL("allocation") }
        defer { TS_REQ_free(request) }
        guard let imprint = TS_MSG_IMPRINT_new() else { throw SignServiceError.openSSL("allocation") }
        defer { TS_MSG_IMPRINT_free(imprint) }
        guard let algor = X509_ALGOR_new() else { throw SignServiceError.openSSL("allocation") }
        defer { X509_ALGOR_free(algor) }
        guard let nonce = ASN1_INTEGER_new() else { throw SignServiceError.openSSL("allocation") }
        defer { ASN1_INTEGER_free(nonce) }
        X509_ALGOR_set_md(algor, algorithm.evp)
        var nonceBytes = [UInt8](repeating: 0, count: 8)
        guard RAND_bytes(&nonceBytes, 8) == 1 else { throw SignServiceError.openSSL("no random bytes") }
        nonceBytes[0] &= 0x7F
        if nonceBytes[0] == 0 { nonceBytes[0] = 1 }
        guard let bn = BN_bin2bn(nonceBytes, 8, nil) else { throw SignServiceError.openSSL("nonce") }
        defer { BN_free(bn) }
        guard BN_to_ASN1_INTEGER(bn, nonce) != nil,
              TS_MSG_IMPRINT_set_algo(imprint, algor) == 1,
              digest.withUnsafeBufferPointer({ TS_MSG_IMPRINT_set_msg(imprint, UnsafeMutablePointer(mutating: $0.baseAddress), Int32($0.count)) }) == 1,
              TS_REQ_set_version(request, 1) == 1,
              TS_REQ_set_msg_imprint(request, imprint) == 1,
              TS_REQ_set_nonce(request, nonce) == 1,
              TS_REQ_set_cert_req(request, 1) == 1
        else { throw SignServiceError.openSSL("cannot build the timestamp request") }
        guard let der = DEREncoding.bytes({ i2d_TS_REQ(request, &$0) }) else {
            throw SignServiceError.openSSL("cannot encode the timestamp request")
        }
        return (der, nonceBytes)
    }

    static func responseNonce(_ answer: [UInt8]) throws -> [UInt8]? {
        let response: OpaquePointer? = answer.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_TS_RESP(nil, &cursor, buffer.count)
        }
        guard let response else { return nil }
        defer { TS_RESP_free(response) }
        guard let info = TS_RESP_get_tst_info(response) else { return nil }
        guard let nonce = TS_TST_INFO_get_nonce(info), let bn = ASN1_INTEGER_to_BN(nonce, nil) else { return nil }
        defer { BN_free(bn) }
        var bytes = [UInt8](repeating: 0, count: 8)
        guard BN_bn2binpad(bn, &bytes, 8) == 8 else { return nil }
        return bytes
    }
}

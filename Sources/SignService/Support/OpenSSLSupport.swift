package import COpenSSL
import Foundation

/// The OpenSSL error queue is per thread: clear it before a call whose failure we will
/// report, and drain it right after, with no suspension point in between.
package enum OpenSSLErrorQueue {
    package static func clear() { ERR_clear_error() }

    /// Empties the queue, returning its entries as one line ("; "-separated).
    package static func drain() -> String {
        var messages: [String] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 {
                text += " (\(String(cString: data)))"
            }
            if !messages.contains(text) { messages.append(text) }
        }
        return messages.joined(separator: "; ")
    }
}

/// A short-lived memory BIO; freed when the closure returns.
package enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `bytes`.
    package static func reading<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                throw SignServiceError.openSSL("cannot allocate a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `body` with an empty writable BIO and returns what was written to it.
    package static func writing(_ body: (OpaquePointer) throws -> Void) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw SignServiceError.openSSL("cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        try body(bio)
        var pointer: UnsafeMutablePointer<CChar>?
        let length = shim_BIO_get_mem_data(bio, &pointer)
        guard length > 0, let pointer else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}

/// PEM armour detection: signtool accepts PEM or DER wherever it reads certificates,
/// CRLs, keys and signatures.
package enum PEM {
    package static func isPEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        let limit = min(bytes.count, 4096)
        guard limit >= marker.count else { return false }
        for start in 0...(limit - marker.count) where bytes[start] == marker[0] {
            if Array(bytes[start..<(start + marker.count)]) == marker { return true }
        }
        return false
    }

    package static func containsLabel(_ label: String, in bytes: [UInt8]) -> Bool {
        guard let text = String(bytes: bytes.prefix(65536), encoding: .utf8) else { return false }
        return text.contains("-----BEGIN \(label)-----")
    }
}


/// Conversions between OpenSSL's ASN1_TIME and Foundation's Date.
package enum ASN1TimeConversion {
    package static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var tm = tm()
        guard ASN1_TIME_to_tm(time, &tm) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    /// A GeneralizedTime, keeping fractional seconds (RFC 3161 genTime has them).
    package static func generalizedTime(_ time: UnsafePointer<ASN1_GENERALIZEDTIME>?) -> Date? {
        guard let time, let whole = date(time) else { return nil }
        let text = String(decoding: UnsafeBufferPointer(start: ASN1_STRING_get0_data(time), count: Int(ASN1_STRING_length(time))), as: UTF8.self)
        guard let dot = text.firstIndex(of: ".") else { return whole }
        let digits = text[text.index(after: dot)...].prefix { $0.isNumber }
        return whole.addingTimeInterval(Double("0." + digits) ?? 0)
    }
}

/// The one place where a DER encoding made by an OpenSSL `i2d_*` function is taken over:
/// the buffer OpenSSL allocates is copied into Swift memory and freed, on every path.
package enum DEREncoding {
    /// `encode` is the i2d call, given the output pointer: `DEREncoding.bytes { i2d_X509(x509, &$0) }`.
    /// Nil when OpenSSL cannot encode. `secret`: the buffer is wiped before it is freed.
    package static func bytes(secret: Bool = false, _ encode: (inout UnsafeMutablePointer<UInt8>?) -> Int32) -> [UInt8]? {
        var out: UnsafeMutablePointer<UInt8>?
        let length = encode(&out)
        guard let out else { return nil }
        defer {
            if secret && length > 0 { OPENSSL_cleanse(out, Int(length)) }
            shim_OPENSSL_free(out)
        }
        guard length > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// The one place where an OpenSSL `STACK_OF(...)` is read into a Swift array. The stack
/// still owns its elements (and the caller the stack): use them before freeing it, or
/// take a reference of one's own (``certificates(_:)``).
package enum OpenSSLStack {
    /// The elements, borrowed.
    package static func elements(_ stack: OpaquePointer?) -> [OpaquePointer] {
        guard let stack else { return [] }
        return (0..<OPENSSL_sk_num(stack)).compactMap { OPENSSL_sk_value(stack, $0).map(OpaquePointer.init) }
    }

    /// The certificates of a `STACK_OF(X509)`, each holding a reference of its own, so
    /// they outlive the stack.
    package static func certificates(_ stack: OpaquePointer?) -> [Certificate] {
        elements(stack).map(Certificate.init(borrowing:))
    }
}

/// Converts an OpenSSL-allocated C string to Swift and frees it.
package func takeOpenSSLString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { shim_OPENSSL_free(pointer) }
    return String(cString: pointer)
}

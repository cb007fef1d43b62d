package import COpenSSL
import Foundation

/// Hexadecimal forms of bytes and ASN.1 integers, in one place: serial numbers are upper
/// case without leading zero octets (as `openssl x509 -serial` prints them), file names
/// and tokens lower case.
package enum Hex {
    /// Upper-case hexadecimal of a big-endian unsigned number, leading zero octets dropped.
    package static func serial(_ bytes: [UInt8]) -> String {
        var serial = bytes[...]
        while serial.count > 1 && serial.first == 0 { serial.removeFirst() }
        return upper(serial)
    }

    /// An ASN.1 INTEGER as OpenSSL prints it (`BN_bn2hex`: upper case, "-" for negatives).
    package static func serial(_ integer: UnsafePointer<ASN1_INTEGER>) -> String {
        guard let bn = ASN1_INTEGER_to_BN(integer, nil) else { return "" }
        defer { BN_free(bn) }
        return takeOpenSSLString(BN_bn2hex(bn)) ?? ""
    }

    package static func upper<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String { encode(bytes, digits: upperDigits) }
    package static func lower<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String { encode(bytes, digits: lowerDigits) }

    private static let upperDigits = Array("0123456789ABCDEF".utf8)
    private static let lowerDigits = Array("0123456789abcdef".utf8)

    private static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes, digits: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

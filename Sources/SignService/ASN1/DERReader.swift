import Foundation

/// A bounds-checked reader for DER (X.690) used to take CMS structures apart without
/// re-parsing the certificates they embed. It never traps on hostile input: every length
/// is checked against the bytes that remain, and nesting is limited by the callers' shape.
///
/// Only definite lengths are accepted (DER); BER input (indefinite lengths, as written by
/// `openssl cms -stream`) is rejected with `DER.Error.notDER` so callers can fall back to
/// OpenSSL's BER-capable parser.
enum DER {
    enum Error: Swift.Error, Equatable {
        case truncated
        case notDER
        case unexpectedTag(expected: UInt8, found: UInt8)
        case trailingBytes
    }

    static let sequence: UInt8 = 0x30
    static let set: UInt8 = 0x31
    static let integer: UInt8 = 0x02
    static let octetString: UInt8 = 0x04
    static let objectIdentifier: UInt8 = 0x06
    static let null: UInt8 = 0x05
    static let utcTime: UInt8 = 0x17
    static let generalizedTime: UInt8 = 0x18

    /// One TLV: its tag and where its encoding and its contents lie in the buffer.
    struct Node {
        let tag: UInt8
        let encoding: Range<Int>
        let content: Range<Int>
    }

    /// Reads consecutive TLVs from a region of a buffer.
    struct Reader {
        let bytes: [UInt8]
        private(set) var position: Int
        let end: Int

        init(_ bytes: [UInt8], range: Range<Int>? = nil) {
            self.bytes = bytes
            let region = range ?? 0..<bytes.count
            position = region.lowerBound
            end = region.upperBound
        }

        init(_ bytes: [UInt8], contentsOf node: Node) { self.init(bytes, range: node.content) }

        var isAtEnd: Bool { position >= end }

        func peekTag() -> UInt8? { position < end ? bytes[position] : nil }

        mutating func read() throws -> Node {
            let start = position
            guard position < end else { throw Error.truncated }
            let tag = bytes[position]
            // Multi-byte tags never occur in the structures read here.
            guard tag & 0x1F != 0x1F else { throw Error.notDER }
            position += 1
            guard position < end else { throw Error.truncated }
            let first = bytes[position]
            position += 1
            var length = 0
            if first < 0x80 {
                length = Int(first)
            } else {
                let count = Int(first & 0x7F)
                // 0x80 is BER's indefinite length; more than 4 length bytes is absurd here.
                guard count > 0, count <= 4 else { throw Error.notDER }
                guard end - position >= count else { throw Error.truncated }
                for _ in 0..<count {
                    length = (length << 8) | Int(bytes[position])
                    position += 1
                }
                guard length >= 0x80, count == 1 || bytes[position - count] != 0 else { throw Error.notDER }
            }
            guard end - position >= length else { throw Error.truncated }
            let node = Node(tag: tag, encoding: start..<(position + length), content: position..<(position + length))
            position += length
            return node
        }

        mutating func read(_ expected: UInt8) throws -> Node {
            let node = try read()
            guard node.tag == expected else { throw Error.unexpectedTag(expected: expected, found: node.tag) }
            return node
        }

        /// Reads the next TLV only if it has `tag`.
        mutating func readIfPresent(_ tag: UInt8) throws -> Node? {
            peekTag() == tag ? try read() : nil
        }

        func finish() throws {
            guard isAtEnd else { throw Error.trailingBytes }
        }
    }

    /// Whether OBJECT IDENTIFIER contents are well formed (X.690 8.19): at least one
    /// octet, no subidentifier padded with a leading 0x80, the last octet complete.
    static func isValidOID(_ content: ArraySlice<UInt8>) -> Bool {
        guard let last = content.last, last & 0x80 == 0 else { return false }
        var startsSubidentifier = true
        for byte in content {
            if startsSubidentifier && byte == 0x80 { return false }
            startsSubidentifier = byte & 0x80 == 0
        }
        return true
    }

    /// The dotted form of an OBJECT IDENTIFIER's contents ("1.2.840.113549.1.7.1").
    static func oidString(_ content: ArraySlice<UInt8>) -> String {
        var parts: [String] = []
        var value: UInt64 = 0
        var first = true
        for byte in content {
            value = (value << 7) | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                if first {
                    let head: UInt64 = value < 40 ? 0 : value < 80 ? 1 : 2
                    parts.append(String(head))
                    parts.append(String(value - head * 40))
                    first = false
                } else {
                    parts.append(String(value))
                }
                value = 0
            }
        }
        return parts.joined(separator: ".")
    }

    /// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) in the DER profile of
    /// RFC 5280 section 4.1.2.5; anything else is nil.
    static func time(tag: UInt8, _ content: ArraySlice<UInt8>) -> Date? {
        let digits = Array(content)
        let yearDigits: Int
        switch tag {
        case utcTime: yearDigits = 2
        case generalizedTime: yearDigits = 4
        default: return nil
        }
        guard digits.count == yearDigits + 11, digits.last == UInt8(ascii: "Z") else { return nil }
        var values: [Int] = []
        var index = 0
        func number(_ width: Int) -> Int? {
            var result = 0
            for _ in 0..<width {
                let byte = digits[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                result = result * 10 + Int(byte - 0x30)
                index += 1
            }
            return result
        }
        guard let rawYear = number(yearDigits) else { return nil }
        for _ in 0..<5 {
            guard let value = number(2) else { return nil }
            values.append(value)
        }
        let year = yearDigits == 2 ? (rawYear >= 50 ? 1900 + rawYear : 2000 + rawYear) : rawYear
        let (month, day, hour, minute, second) = (values[0], values[1], values[2], values[3], values[4])
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        // Days from 1970-01-01 to the civil date (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hour * 3600 + minute * 60 + second))
    }
}

/// DER (X.690) encoding of the few constructs a CMS SignedData needs. Every value is
/// definite-length, and SET OF members are sorted by their encodings as DER requires.
package enum DERWriter {
    package static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        out.reserveCapacity(content.count + 6)
        let length = content.count
        if length < 0x80 {
            out.append(UInt8(length))
        } else {
            var bytes: [UInt8] = []
            var remaining = length
            while remaining > 0 {
                bytes.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            out.append(0x80 | UInt8(bytes.count))
            out += bytes
        }
        out += content
        return out
    }

    package static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(DER.sequence, parts.flatMap { $0 }) }

    /// SET OF: members sorted by encoding (X.690 section 11.6).
    package static func setOf(_ members: [[UInt8]], tag: UInt8 = DER.set) -> [UInt8] {
        tlv(tag, members.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 })
    }

    package static func oid(_ content: [UInt8]) -> [UInt8] { tlv(DER.objectIdentifier, content) }
    package static func octetString(_ content: [UInt8]) -> [UInt8] { tlv(DER.octetString, content) }
    package static func smallInteger(_ value: UInt8) -> [UInt8] { precondition(value < 0x80); return [DER.integer, 1, value] }

    /// An AlgorithmIdentifier with absent parameters (SHA-2, ECDSA: RFC 5754, RFC 5758).
    package static func algorithm(_ oid: [UInt8]) -> [UInt8] { sequence(self.oid(oid)) }

    /// An AlgorithmIdentifier with NULL parameters (rsaEncryption: RFC 3370).
    package static func algorithmWithNull(_ oid: [UInt8]) -> [UInt8] { sequence(self.oid(oid), [DER.null, 0]) }

    /// signingTime as RFC 5652 section 11.3 asks: UTCTime for 1950-2049, else GeneralizedTime.
    package static func time(_ seconds: Int) -> [UInt8] {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        // Civil date from days since 1970-01-01 (H. Hinnant's civil_from_days).
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> [UInt8] { [UInt8(48 + value / 10), UInt8(48 + value % 10)] }
        let rest = two(month) + two(day) + two(secondOfDay / 3600) + two(secondOfDay / 60 % 60) + two(secondOfDay % 60)
            + [UInt8(ascii: "Z")]
        if (1950...2049).contains(year) {
            return tlv(DER.utcTime, two(year % 100) + rest)
        }
        return tlv(DER.generalizedTime, two(year / 100) + two(year % 100) + rest)
    }
}

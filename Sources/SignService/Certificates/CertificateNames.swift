internal import COpenSSL
import Foundation

/// What the CA accepts as names in the certificates it issues.
///
/// Addresses and host names are checked as typed values (RFC 5321 / RFC 1035 syntax)
/// before they become GeneralNames; names in the subject are checked against the bidi
/// rule of stringprep (RFC 3454 section 6), which RFC 4518 name matching applies: a value
/// that mixes right-to-left and left-to-right letters cannot be matched by validators
/// that prepare names that way (asn1crypto, and so pyHanko).
public enum CertificateNames {
    /// Second-level labels that registries hand out below a country code: `*.gov.sy` or
    /// `*.co.uk` would cover every name in a whole namespace. (The Public Suffix List is
    /// not at hand offline; this covers the common registry patterns.)
    static let registrySecondLevels: Set<String> = [
        "ac", "co", "com", "edu", "gov", "mil", "net", "org", "sch", "nic", "news", "info", "name", "or", "ne", "go",
    ]

    /// An rfc822Name for a certificate: `local@domain` in ASCII, dot-atom local part.
    public static func checkEmail(_ address: String) throws {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, address.count <= 254 else {
            throw SignServiceError.malformed("'\(DisplayText.printable(address))' is not an e-mail address (local@domain)")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-")
        let local = parts[0]
        guard local.allSatisfy({ allowed.contains($0) }), local.first != ".", local.last != ".", !local.contains("..") else {
            throw SignServiceError.malformed("'\(DisplayText.printable(address))': the part before @ may hold only letters, digits and !#$%&'*+/=?^_`{|}~.- (no commas, spaces or quotes)")
        }
        let domain = String(parts[1])
        guard isHostName(domain), domain.contains(".") else {
            throw SignServiceError.malformed("'\(DisplayText.printable(address))': '\(DisplayText.printable(domain))' is not a host name")
        }
    }

    /// A dNSName for a certificate: LDH labels, lower or upper case, and at most one
    /// wildcard, as the whole first label, with at least two labels below it that are not a
    /// registry's namespace (`*.moct.gov.sy` is accepted; `*`, `*.sy`, `*.gov.sy` are not).
    public static func checkDNSName(_ name: String) throws {
        var labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if labels.first == "*" {
            labels.removeFirst()
            guard labels.count >= 2, isHostName(labels.joined(separator: ".")) else {
                throw SignServiceError.malformed("'\(DisplayText.printable(name))': a wildcard needs at least two labels below it")
            }
            let lower = labels.map { $0.lowercased() }
            if lower.count == 2 && registrySecondLevels.contains(lower[0]) {
                throw SignServiceError.malformed("'\(DisplayText.printable(name))': \(lower.joined(separator: ".")) is a public suffix; a wildcard there would cover other owners' names")
            }
            return
        }
        guard !name.contains("*") else {
            throw SignServiceError.malformed("'\(DisplayText.printable(name))': a wildcard may only be the whole first label (*.example.gov.sy)")
        }
        guard isHostName(name), name.contains(".") else {
            throw SignServiceError.malformed("'\(DisplayText.printable(name))' is not a host name (letters, digits and hyphens, labels separated by dots)")
        }
    }

    static func isHostName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.isEmpty, name.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// Characters no name in a certificate may hold: controls (NUL, line breaks), and the
    /// invisible format characters that reorder or hide text (bidi overrides and isolates,
    /// zero-width characters, the Arabic letter mark): they let a name print as another.
    public static func invisibleCharacterProblem(_ value: String) -> String? {
        guard let scalar = value.unicodeScalars.first(where: DisplayText.isInvisible) else { return nil }
        return "a name may not hold the invisible or control character U+\(String(format: "%04X", scalar.value)), which would let it print as another name"
    }

    /// Why `value` breaks the bidi rule (RFC 3454 section 6), or nil: a string with any
    /// right-to-left letter must have no left-to-right letter, and must start and end with
    /// a right-to-left character. Digits, spaces and punctuation are neutral.
    public static func bidiProblem(_ value: String) -> String? {
        let scalars = value.unicodeScalars
        let rightToLeft = scalars.filter(isRightToLeft)
        guard !rightToLeft.isEmpty else { return nil }
        if scalars.contains(where: isLeftToRight) {
            return "'\(DisplayText.printable(value))' mixes right-to-left and left-to-right letters in one attribute; other validators cannot match such a name (RFC 3454 section 6): write it in one script, or split it into two attributes"
        }
        guard let first = scalars.first, let last = scalars.last, isRightToLeft(first), isRightToLeft(last) else {
            return "'\(DisplayText.printable(value))' must begin and end with a right-to-left letter (RFC 3454 section 6): move the digits or punctuation inside"
        }
        return nil
    }

    /// Hebrew, Arabic, Syriac, Thaana, NKo and the Arabic presentation forms (bidi R and AL).
    package static func isRightToLeft(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0590...0x05FF, 0x0600...0x0605, 0x0608, 0x060B, 0x060D, 0x061B...0x064A, 0x066D...0x06D5, 0x06E5...0x06E6,
             0x06EE...0x06EF, 0x06FA...0x070D, 0x0710...0x074A, 0x074D...0x07A5, 0x07B1, 0x07C0...0x07EA, 0x0800...0x08FF,
             0xFB1D...0xFDFF, 0xFE70...0xFEFC:
            // Arabic-Indic digits (U+0660-0669, U+06F0-06F9) and combining marks are left out above.
            return !(0x064B...0x065F).contains(scalar.value) && !(0x0670 == scalar.value)
        default:
            return false
        }
    }

    /// Letters of left-to-right scripts (bidi L): Latin, Greek, Cyrillic and the like.
    static func isLeftToRight(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.properties.isAlphabetic, !isRightToLeft(scalar) else { return false }
        return !(0x0590...0x08FF).contains(scalar.value) && !(0xFB1D...0xFEFC).contains(scalar.value)
    }

    /// The bidi problem of any attribute of an OpenSSL name (one from a CSR, say).
    package static func bidiProblem(inName name: OpaquePointer) -> String? {
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { continue }
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { continue }
            let value = String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
            shim_OPENSSL_free(utf8)
            if let problem = invisibleCharacterProblem(value) ?? bidiProblem(value) { return problem }
        }
        return nil
    }
}

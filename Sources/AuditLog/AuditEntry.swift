import Foundation
import SignService

/// One entry of the service's audit log: who did what to which object, when, chained to
/// the entry before it by that entry's SHA-256.
///
/// ```
/// hash(n) = SHA-256( "signtool-audit-v2" ‖ len:seq ‖ len:time ‖ len:actor ‖ len:action
///                    ‖ len:object ‖ len:SHA-256(details) ‖ len:hash(n-1) )
/// ```
/// Each field is preceded by its UTF-8 length and a colon, so no choice of values can make
/// two different entries hash alike; the first entry chains to 64 zeros. The details enter
/// by their own hash, so an archive package can show an entry about something it does not
/// carry as a checkable summary (who, when, what, which object) without its details; a
/// package that withholds an entry about something it does carry is caught.
///
/// Entries written before that (`signtool-audit-v1`, the details themselves in the hash)
/// still verify; they cannot be summarised and go into packages whole.
public struct AuditEntry: Sendable, Codable, Equatable {
    /// 1, 2, 3, ...: no gaps.
    public var sequence: Int64
    /// UTC, milliseconds (`2026-12-02T10:15:30.123Z`).
    public var time: String
    public var actor: String
    /// What happened, dotted: `document.created`, `version.added`, `register.assigned`,
    /// `certificate.issued`, `timestamp.issued`, ...
    public var action: String
    /// What it happened to: a document id, a register number, a certificate serial.
    public var object: String
    /// More about it, as canonical JSON (sorted keys), or empty.
    public var details: String
    /// The previous entry's hash (hex), 64 zeros for the first.
    public var previous: String
    /// This entry's hash (hex).
    public var hash: String

    public static let genesis = String(repeating: "0", count: 64)

    /// A new entry after `previous` (nil for the first), its hash computed.
    public init(after previous: (sequence: Int64, hash: String)?, time: Date, actor: String, action: String,
                object: String, details: [String: String] = [:]) {
        sequence = (previous?.sequence ?? 0) + 1
        self.time = Self.format(time)
        self.actor = actor
        self.action = action
        self.object = object
        self.details = Self.canonical(details)
        self.previous = previous?.hash ?? Self.genesis
        hash = ""
        hash = computedHash()
    }

    /// The hash this entry's fields give (what ``hash`` must be, for entries written now).
    public func computedHash() -> String {
        Self.hash(sequence: sequence, time: time, actor: actor, action: action, object: object,
                  detailsSHA256: Self.sha256(details), previous: previous)
    }

    /// The hash of an entry from its summary: everything but the details, which enter by their SHA-256.
    public static func hash(sequence: Int64, time: String, actor: String, action: String, object: String,
                            detailsSHA256: String, previous: String) -> String {
        fields("signtool-audit-v2", [String(sequence), time, actor, action, object, detailsSHA256, previous])
    }

    /// The hash entries had before details entered by their own hash.
    public func legacyHash() -> String {
        Self.fields("signtool-audit-v1", [String(sequence), time, actor, action, object, details, previous])
    }

    /// Whether the fields give ``hash``, in either form.
    public var hashMatches: Bool { computedHash() == hash || legacyHash() == hash }

    /// Whether the entry can be shown as a summary (it uses the current form).
    public var isSummarisable: Bool { computedHash() == hash }

    /// SHA-256 of a text's UTF-8 bytes, in hex.
    public static func sha256(_ text: String) -> String {
        Hex.lower((try? ContentDigest.digest(Array(text.utf8), algorithm: .sha256)) ?? [])
    }

    private static func fields(_ domain: String, _ values: [String]) -> String {
        var bytes = Array(domain.utf8)
        for field in values {
            let utf8 = Array(field.utf8)
            bytes += Array("\(utf8.count):".utf8) + utf8
        }
        return Hex.lower((try? ContentDigest.digest(bytes, algorithm: .sha256)) ?? [])
    }

    /// `2026-12-02T10:15:30.123Z`. Written by hand: a TSA logs thousands of entries a
    /// second, and a Foundation date formatter costs more to make than the rest of an entry.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }

    /// `details` as JSON with sorted keys and no escaped slashes: one text per meaning.
    public static func canonical(_ details: [String: String]) -> String {
        guard !details.isEmpty else { return "" }
        // Written by hand (a TSA logs thousands a second): keys sorted by their UTF-8 bytes,
        // as JSONEncoder's .sortedKeys does, the same escapes, slashes left alone.
        var out = "{"
        for (index, key) in details.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
            if index > 0 { out += "," }
            out += quoted(key) + ":" + quoted(details[key]!)
        }
        return out + "}"
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The details as a dictionary (empty when there are none or they do not parse).
    public var detailValues: [String: String] {
        guard !details.isEmpty else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(details.utf8))) ?? [:]
    }
}

/// What checking a chain of entries found: nothing, or the first entry that is wrong and why.
public struct AuditChainCheck: Sendable, Codable, Equatable {
    public var entries: Int
    public var firstBad: Int64?
    public var problem: String?
    public var ok: Bool { firstBad == nil && problem == nil }

    /// Checks `entries` (in sequence order) from the first: each numbered one more than the
    /// last, chained to it, and hashing to what it says.
    public static func check(_ entries: [AuditEntry]) -> AuditChainCheck {
        var previous: AuditEntry?
        for entry in entries {
            let expected = (previous?.sequence ?? 0) + 1
            if entry.sequence != expected {
                return .init(entries: entries.count, firstBad: expected,
                             problem: entry.sequence > expected
                                ? "entry \(expected) is missing (the log goes from \(expected - 1) to \(entry.sequence))"
                                : "entry \(entry.sequence) appears again after entry \(expected - 1)")
            }
            if entry.previous != (previous?.hash ?? AuditEntry.genesis) {
                return .init(entries: entries.count, firstBad: entry.sequence,
                             problem: "entry \(entry.sequence) does not follow entry \(expected - 1): its previous hash differs (an entry before it was changed, inserted or removed)")
            }
            if !entry.hashMatches {
                return .init(entries: entries.count, firstBad: entry.sequence,
                             problem: "entry \(entry.sequence) was changed: its contents do not give its hash")
            }
            previous = entry
        }
        return .init(entries: entries.count, firstBad: nil, problem: nil)
    }
}

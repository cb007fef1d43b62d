import Foundation

/// Times given on the command line: `2026-11-24T10:00:00Z`, `2026-11-24` (midnight UTC),
/// `now`, or relative to now: `+90s`, `-10m`, `+2h`, `+30d`.
public enum TimeArgument {
    public static func parse(_ text: String, now: Date = Date()) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "now" { return now }
        if let sign = trimmed.first, sign == "+" || sign == "-", let unit = trimmed.last,
           let amount = Double(trimmed.dropFirst().dropLast()) {
            let seconds: Double
            switch unit {
            case "s": seconds = amount
            case "m": seconds = amount * 60
            case "h": seconds = amount * 3600
            case "d": seconds = amount * 86400
            default: throw invalid(text)
            }
            return now.addingTimeInterval(sign == "+" ? seconds : -seconds)
        }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: trimmed) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: trimmed) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if let date = day.date(from: trimmed) { return date }
        throw invalid(text)
    }

    private static func invalid(_ text: String) -> SignServiceError {
        SignServiceError(code: .malformedInput,
                         reason: "'\(text)' is not a time; use 2026-11-24T10:00:00Z, 2026-11-24, now, or +90s/+2h/+30d")
    }

    /// ISO 8601 in UTC, seconds precision.
    public static func format(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

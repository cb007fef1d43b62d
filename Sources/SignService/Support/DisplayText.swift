import Foundation

/// Text from outside (certificate names, archive entry names, server answers) made safe to
/// show on one line: controls and the invisible format characters that reorder or hide
/// text (bidi overrides and isolates, zero-width characters) never reach a terminal raw.
public enum DisplayText {
    /// Controls (C0, DEL, C1), line and paragraph separators, and format characters (Cf).
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || (0x2028...0x2029).contains(value)
            || scalar.properties.generalCategory == .format
    }

    /// The text with invisible characters dropped and at most `limit` characters kept.
    public static func printable(_ text: String, limit: Int = 200) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { !isInvisible($0) }.prefix(limit)))
            .trimmingCharacters(in: .whitespaces)
    }

    /// The text with each invisible character written as `\u{XXXX}`, so that it shows.
    public static func escapingInvisibles(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

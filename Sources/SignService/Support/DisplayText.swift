import Findings
import Foundation

/// Text from outside (certificate names, archive entry names, server answers) made safe to
/// show on one line: controls and the invisible format characters that reorder or hide
/// text (bidi overrides and isolates, zero-width characters) never reach a terminal raw.
public enum DisplayText {
    /// Controls (C0, DEL, C1), line and paragraph separators, and format characters (Cf).
    /// (The one rule, shared with the rendering of findings.)
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool { FindingText.isInvisible(scalar) }

    /// The text with invisible characters dropped and at most `limit` characters kept.
    public static func printable(_ text: String, limit: Int = 200) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { !isInvisible($0) }.prefix(limit)))
            .trimmingCharacters(in: .whitespaces)
    }

    /// The text with each invisible character written as `\u{XXXX}`, so that it shows.
    public static func escapingInvisibles(_ text: String) -> String { FindingText.escapingInvisibles(text) }
}

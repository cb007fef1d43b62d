/// The normalisation search applies to every text it indexes and to every query, so that
/// the spellings people actually type find one another:
///
/// - tashkeel (fathatan to sukun, superscript alef, Quranic marks) and tatweel removed;
/// - alef with hamza above or below, alef with madda and alef wasla → bare alef (ا);
/// - alef maqsura (ى) and yeh with hamza (ئ) → yeh (ي); waw with hamza (ؤ) → waw (و);
///   teh marbuta (ة) → heh (ه);
/// - Arabic-Indic and Eastern Arabic-Indic digits → ASCII digits;
/// - Latin letters folded to lower case.
///
/// Words are then lightly stemmed: the article ال, and the one-letter prefixes و ف ب ك ل
/// (alone or before the article: وال، بال، فال، كال، لل), come off when at least two
/// letters stay. `احمد` finds `أحمد`, `كتاب` finds `كِتَابٌ`, `الاسكان` and `اسكان` find
/// `والإسكان`, `٢٠٢٦` finds `2026`.
public enum ArabicText {
    /// `text` normalised (see the type), words kept apart by single spaces.
    public static func normalized(_ text: String) -> String {
        words(in: text).joined(separator: " ")
    }

    /// The normalised words of `text`: runs of letters and digits, everything else a separator.
    public static func words(in text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
        }
        for scalar in text.unicodeScalars {
            if let mapped = fold(scalar) {
                if mapped.value == 0 { continue }   // removed (a mark), not a separator
                current.append(mapped)
            } else {
                flush()
            }
        }
        flush()
        return words
    }

    /// The stem of a normalised word (see the type).
    public static func stem(_ word: String) -> String {
        var scalars = Array(word.unicodeScalars)
        func letters(_ count: Int) -> Bool { scalars.count - count >= 2 }
        let alef: Unicode.Scalar = "\u{0627}", lam: Unicode.Scalar = "\u{0644}"
        let prefixes: Set<Unicode.Scalar> = ["\u{0648}", "\u{0641}", "\u{0628}", "\u{0643}", "\u{0644}"]
        // لل (li- before the article, whose alef is dropped in writing).
        if scalars.count >= 4, scalars[0] == lam, scalars[1] == lam, letters(2) {
            return String(String.UnicodeScalarView(scalars.dropFirst(2)))
        }
        if scalars.count >= 4, prefixes.contains(scalars[0]), scalars[1] == alef, scalars[2] == lam, letters(3) {
            scalars.removeFirst(3)
        } else if scalars.count >= 3, scalars[0] == alef, scalars[1] == lam, letters(2) {
            scalars.removeFirst(2)
        } else if scalars.count >= 3, prefixes.contains(scalars[0]), letters(1) {
            scalars.removeFirst(1)
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// What the full-text index holds for `text`: each word and, where it differs, its
    /// stem, so that a query matches either and a match of the very word ranks higher.
    public static func indexTerms(_ text: String) -> String {
        var terms: [String] = []
        for word in words(in: text) {
            terms.append(word)
            let stemmed = stem(word)
            if stemmed != word { terms.append(stemmed) }
        }
        return terms.joined(separator: " ")
    }

    /// An FTS5 query for what a person typed: every word must match, as itself or by its
    /// stem. Nil when nothing searchable is left. Words are quoted, so no FTS5 syntax
    /// (NEAR, *, column filters) can be injected.
    public static func matchQuery(_ typed: String) -> String? {
        let clauses = words(in: typed).prefix(32).map { word -> String in
            let stemmed = stem(word)
            return stemmed == word ? quote(word) : "(\(quote(word)) OR \(quote(stemmed)))"
        }
        return clauses.isEmpty ? nil : clauses.joined(separator: " AND ")
    }

    private static func quote(_ word: String) -> String { "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The scalar a character becomes; U+0000 for one that is dropped, nil for a separator.
    private static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x064B...0x065F, 0x0670, 0x06D6...0x06DC, 0x06DF...0x06E4, 0x06E7, 0x06E8, 0x06EA...0x06ED, 0x0640:
            return Unicode.Scalar(0)                                  // tashkeel, Quranic marks, tatweel
        case 0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673: return "\u{0627}"   // آ أ إ ٱ → ا
        case 0x0649: return "\u{064A}"                                // ى → ي
        case 0x0624: return "\u{0648}"                                // ؤ → و
        case 0x0626: return "\u{064A}"                                // ئ → ي
        case 0x0629: return "\u{0647}"                                // ة → ه
        case 0x0660...0x0669: return Unicode.Scalar(scalar.value - 0x0660 + 0x30)
        case 0x06F0...0x06F9: return Unicode.Scalar(scalar.value - 0x06F0 + 0x30)
        default: break
        }
        let properties = scalar.properties
        if properties.generalCategory == .nonspacingMark || properties.generalCategory == .enclosingMark
            || properties.generalCategory == .spacingMark || properties.generalCategory == .format {
            return Unicode.Scalar(0)
        }
        guard properties.isAlphabetic || properties.numericType != nil else { return nil }
        if scalar.isASCII, let lower = properties.lowercaseMapping.unicodeScalars.first { return lower }
        if let lower = properties.lowercaseMapping.unicodeScalars.first, properties.lowercaseMapping.unicodeScalars.count == 1 {
            return lower
        }
        return scalar
    }
}

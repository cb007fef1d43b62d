/// The normalisation search applies to every text it indexes and to every query, so that
/// the spellings people actually type find one another:
///
/// - tashkeel (fathatan to sukun, superscript alef, Quranic marks) and tatweel removed;
/// - alef with hamza above or below, alef with madda and alef wasla → bare alef (ا);
/// - alef maqsura (ى), yeh with hamza (ئ) and Farsi yeh (ی) → yeh (ي); keheh (ک) → kaf (ك);
///   waw with hamza (ؤ) → waw (و);
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
        forEachWord(in: text) { words.append($0) }
        return words
    }

    /// `body` with each normalised word of `text`, built as UTF-8 without a string per letter.
    private static func forEachWord(in text: String, _ body: (String) -> Void) {
        var current: [UInt8] = []
        current.reserveCapacity(64)
        func flush() {
            if !current.isEmpty {
                body(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in text.unicodeScalars {
            if let mapped = fold(scalar) {
                if mapped.value == 0 { continue }   // removed (a mark), not a separator
                UTF8.encode(mapped) { current.append($0) }
            } else {
                flush()
            }
        }
        flush()
    }

    /// The stem of a normalised word (see the type).
    public static func stem(_ word: String) -> String {
        let scalars = word.unicodeScalars
        var iterator = scalars.makeIterator()
        let first = (iterator.next()?.value ?? 0, iterator.next()?.value ?? 0, iterator.next()?.value ?? 0)
        let dropped = prefixLength(first: first, count: first.2 == 0 ? 0 : scalars.count)
        return dropped == 0 ? word : String(scalars.dropFirst(dropped))
    }

    /// How many leading letters the stemmer removes from a word of `count` letters that
    /// begins with `first` (see the type): at least two letters stay.
    fileprivate static func prefixLength(first: (UInt32, UInt32, UInt32), count: Int) -> Int {
        guard count >= 3 else { return 0 }
        let alef: UInt32 = 0x0627, lam: UInt32 = 0x0644
        func prefix(_ value: UInt32) -> Bool {
            switch value {
            case 0x0648, 0x0641, 0x0628, 0x0643, 0x0644: return true   // و ف ب ك ل
            default: return false
            }
        }
        // لل: li- before the article, whose alef is dropped in writing.
        if count >= 4, first.0 == lam, first.1 == lam { return 2 }
        if count >= 5, prefix(first.0), first.1 == alef, first.2 == lam { return 3 }
        if count >= 4, first.0 == alef, first.1 == lam { return 2 }
        if prefix(first.0) { return 1 }
        return 0
    }

    /// What the full-text index holds for `text`: each word and, where it differs, its
    /// stem, so that a query matches either and a match of the very word ranks higher.
    /// Built as UTF-8 in one pass, with no string per word: it runs over every indexed file.
    public static func indexTerms(_ text: String) -> String {
        var writer = TermWriter(capacity: text.utf8.count + text.utf8.count / 2)
        for scalar in text.unicodeScalars {
            if let mapped = fold(scalar) {
                if mapped.value != 0 { writer.append(mapped) }   // 0: removed (a mark), not a separator
            } else {
                writer.endWord()
            }
        }
        writer.endWord()
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// The index terms being written: the current word's bytes, and what stemming needs of it.
    private struct TermWriter {
        var output: [UInt8] = []
        private var word: [UInt8] = []
        private var count = 0
        private var first: (UInt32, UInt32, UInt32) = (0, 0, 0)
        private var ends: (Int, Int, Int) = (0, 0, 0)   // byte lengths of the first 1, 2, 3 letters

        init(capacity: Int) {
            output.reserveCapacity(capacity)
            word.reserveCapacity(64)
        }

        mutating func append(_ scalar: Unicode.Scalar) {
            let value = scalar.value
            if value < 0x80 {
                word.append(UInt8(value))
            } else if value < 0x800 {
                word.append(UInt8(0xC0 | (value >> 6)))
                word.append(UInt8(0x80 | (value & 0x3F)))
            } else {
                UTF8.encode(scalar) { word.append($0) }
            }
            count += 1
            switch count {
            case 1: first.0 = value; ends.0 = word.count
            case 2: first.1 = value; ends.1 = word.count
            case 3: first.2 = value; ends.2 = word.count
            default: break
            }
        }

        mutating func endWord() {
            guard !word.isEmpty else { return }
            if !output.isEmpty { output.append(0x20) }
            output.append(contentsOf: word)
            let dropped = ArabicText.prefixLength(first: first, count: count)
            if dropped > 0 {
                output.append(0x20)
                output.append(contentsOf: word[(dropped == 1 ? ends.0 : dropped == 2 ? ends.1 : ends.2)...])
            }
            word.removeAll(keepingCapacity: true)
            count = 0
            first = (0, 0, 0)
        }
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
        case 0x06CC: return "\u{064A}"                                // Persian ی (as typed on Persian keyboards) → ي
        case 0x06A9: return "\u{0643}"                                // Persian ک → ك
        case 0x0629: return "\u{0647}"                                // ة → ه
        case 0x0660...0x0669: return Unicode.Scalar(scalar.value - 0x0660 + 0x30)
        case 0x06F0...0x06F9: return Unicode.Scalar(scalar.value - 0x06F0 + 0x30)
        // The common cases without the Unicode tables, which cost most of indexing a file.
        case 0x30...0x39, 0x61...0x7A: return scalar
        case 0x41...0x5A: return Unicode.Scalar(scalar.value + 0x20)
        case 0...0x7F: return nil                                     // ASCII punctuation, blanks, controls
        case 0x0621...0x063A, 0x0641...0x064A: return scalar          // Arabic letters
        default: break
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .spacingMark, .format: return Unicode.Scalar(0)
        default: break
        }
        guard properties.isAlphabetic || properties.numericType != nil else { return nil }
        if scalar.isASCII, let lower = properties.lowercaseMapping.unicodeScalars.first { return lower }
        if let lower = properties.lowercaseMapping.unicodeScalars.first, properties.lowercaseMapping.unicodeScalars.count == 1 {
            return lower
        }
        return scalar
    }
}

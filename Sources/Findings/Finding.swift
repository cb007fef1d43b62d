import Foundation

/// One thing a validation found: an error that decides the indication, or a note that
/// does not. A finding is a stable ``Code`` and typed ``params``; its wording in English
/// and Arabic comes from one catalogue (``render(in:)``), so a report stored as JSON can be
/// shown in either language years later.
///
/// Parameters hold raw values (certificate names, file names, server texts); rendering
/// makes invisible characters visible, so a hostile name cannot break a line or reorder
/// the text around it.
public struct Finding: Sendable, Codable, Equatable, CustomStringConvertible {
    /// What was found. Codes are stable camelCase names: once shipped, never renamed.
    public var code: Code
    /// The values the sentence names (subjects, dates, serial numbers, file names ...).
    public var params: [String: Parameter]
    /// The English message a stored finding carried, kept for codes this version does not know.
    private var storedMessage: String?

    /// A finding with `code` and `params`. Parameter names must be those the catalogue
    /// declares for the code (checked in debug builds).
    public init(_ code: Code, _ params: [String: Parameter] = [:]) {
        self.code = code
        self.params = params
        self.storedMessage = nil
        assert(Catalogue.entry(for: code).map { entry in params.keys.allSatisfy { key in entry.parameters.contains { $0.name == key } } } ?? true,
               "finding \(code.rawValue): undeclared parameter among \(params.keys.sorted())")
    }

    /// The English rendering (what logs and the JSON `message` field carry).
    public var message: String { render(in: .en) }

    public var description: String { message }

    /// The sentence in `language`, from the code and parameters.
    public func render(in language: Language) -> String {
        guard let entry = Catalogue.entry(for: code) else {
            if language == .en, let storedMessage { return FindingText.escapingInvisibles(storedMessage) }
            let values = params.keys.sorted().map { "\($0)=\(params[$0]!.rendered(in: language))" }
            let detail = values.isEmpty ? "" : ": " + values.joined(separator: language == .ar ? "، " : ", ")
            switch language {
            case .en: return "finding \(FindingText.escapingInvisibles(code.rawValue))\(detail)"
            case .ar: return "نتيجة غير معروفة لهذا الإصدار (\(FindingText.escapingInvisibles(code.rawValue)))\(detail)"
            }
        }
        return Template.render(language == .ar ? entry.arabic : entry.english, params: params, language: language)
    }

    public static func == (lhs: Finding, rhs: Finding) -> Bool { lhs.code == rhs.code && lhs.params == rhs.params }

    enum CodingKeys: String, CodingKey { case code, params, message }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = Code(rawValue: try container.decode(String.self, forKey: .code))
        params = try container.decodeIfPresent([String: Parameter].self, forKey: .params) ?? [:]
        storedMessage = try container.decodeIfPresent(String.self, forKey: .message)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(params, forKey: .params)
        try container.encode(message, forKey: .message)
    }
}

extension Finding {
    /// A finding's stable name, e.g. `revokedAfterTimestamp`. A struct rather than an enum,
    /// so that a report from a newer version still decodes.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Every code this version knows, in catalogue order.
        public static var allCases: [Code] { Catalogue.entries.map(\.code) }

        /// The parameters the sentence of this code names; empty for an unknown code.
        public var parameters: [ParameterSpec] { Catalogue.entry(for: self)?.parameters ?? [] }

        public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// A parameter's value, typed. In JSON one object with one key naming the kind:
    /// `{"name": "CN=..."}`, `{"time": "2026-11-24T14:24:14Z"}`, `{"number": 3}` ...
    public enum Parameter: Sendable, Equatable, Codable {
        /// Free text: a file name, an algorithm, an OpenSSL reason, an address.
        case text(String)
        /// A distinguished name (a certificate's subject or issuer), as OpenSSL writes it.
        case name(String)
        /// A point in time.
        case time(Date)
        /// A serial number in hexadecimal.
        case serial(String)
        /// A count, a size, a depth.
        case number(Int)
        /// Several values (file names, purposes).
        case list([String])

        /// The kind of a parameter, as the catalogue declares it.
        public enum Kind: String, Sendable, CaseIterable, Codable {
            case text, name, time, serial, number, list
        }

        public var kind: Kind {
            switch self {
            case .text: return .text
            case .name: return .name
            case .time: return .time
            case .serial: return .serial
            case .number: return .number
            case .list: return .list
            }
        }

        /// The value as it appears inside a sentence: invisible characters escaped, times
        /// in RFC 3339 (UTC), lists joined with the language's comma.
        public func rendered(in language: Language) -> String {
            switch self {
            case .text(let value), .name(let value), .serial(let value):
                return FindingText.escapingInvisibles(value)
            case .time(let date):
                return date.formatted(Date.ISO8601FormatStyle())
            case .number(let value):
                return String(value)
            case .list(let values):
                return values.map(FindingText.escapingInvisibles).joined(separator: language == .ar ? "، " : ", ")
            }
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            guard let key = container.allKeys.first else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an empty parameter"))
            }
            switch Kind(rawValue: key.stringValue) {
            case .name?: self = .name(try container.decode(String.self, forKey: key))
            case .serial?: self = .serial(try container.decode(String.self, forKey: key))
            case .number?: self = .number(try container.decode(Int.self, forKey: key))
            case .list?: self = .list(try container.decode([String].self, forKey: key))
            case .time?:
                let text = try container.decode(String.self, forKey: key)
                guard let date = Self.parseTime(text) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not an ISO 8601 time: \(text)")
                }
                self = .time(date)
            case .text?, nil:
                // A kind from a newer version reads as text, when it is one.
                self = .text(try container.decode(String.self, forKey: key))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            let key = Key(stringValue: kind.rawValue)
            switch self {
            case .text(let value), .name(let value), .serial(let value): try container.encode(value, forKey: key)
            case .number(let value): try container.encode(value, forKey: key)
            case .list(let values): try container.encode(values, forKey: key)
            case .time(let date): try container.encode(Self.formatTime(date), forKey: key)
            }
        }

        /// ISO 8601 in UTC; fractions of a second only when there are some.
        static func formatTime(_ date: Date) -> String {
            let whole = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: !whole))
        }

        static func parseTime(_ text: String) -> Date? {
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
                ?? (try? Date.ISO8601FormatStyle().parse(text))
        }
    }

    /// A parameter a code's sentence names: its key, kind, and whether it may be absent.
    public struct ParameterSpec: Sendable, Equatable {
        public var name: String
        public var kind: Parameter.Kind
        public var optional: Bool
    }
}

/// The languages findings are written in.
public enum Language: String, Sendable, CaseIterable, Codable {
    case en, ar
}

/// Invisible characters (controls, line separators, bidi and zero-width format characters)
/// written as `\u{XXXX}`, so that text from outside shows as what it is.
public enum FindingText {
    /// Controls (C0, DEL, C1), line and paragraph separators, and format characters (Cf).
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || (0x2028...0x2029).contains(value)
            || scalar.properties.generalCategory == .format
    }

    /// The text with each invisible character written as `\u{XXXX}`.
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

/// Sentence templates: `{key}` is a parameter's value; `[ ... ]` is kept only when every
/// parameter inside it is present. A parameter the finding lacks stays `{key}`.
enum Template {
    static func render(_ template: String, params: [String: Finding.Parameter], language: Language) -> String {
        var out = ""
        var section: String?
        var sectionComplete = true
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "[" {
                section = ""
                sectionComplete = true
            } else if character == "]", let text = section {
                if sectionComplete { out += text }
                section = nil
            } else if character == "{", let close = template[index...].firstIndex(of: "}") {
                let key = String(template[template.index(after: index)..<close])
                let value = params[key]?.rendered(in: language)
                if value == nil { sectionComplete = false }
                let piece = value ?? "{\(key)}"
                if section != nil { section! += piece } else { out += piece }
                index = template.index(after: close)
                continue
            } else if section != nil {
                section!.append(character)
            } else {
                out.append(character)
            }
            index = template.index(after: index)
        }
        return out
    }
}

import SignService

/// How register numbers are written: a template with `{agency}`, `{direction}` (`IN` or
/// `OUT`), `{year}` and `{seq:N}` (the sequence, zero-padded to N digits), fixed when the
/// store is made (`store init --register-format`). The default gives `MOCT/OUT/2026/000123`.
///
/// Every placeholder is required: a number must never be shared by two agencies,
/// directions or years, since the sequence restarts for each.
public struct RegisterFormat: Sendable, Equatable, CustomStringConvertible {
    public static let `default` = try! RegisterFormat("{agency}/{direction}/{year}/{seq:6}")

    public let template: String
    private let pieces: [Piece]

    private enum Piece: Equatable {
        case text(String), agency, direction, year, sequence(width: Int)
    }

    public init(_ template: String) throws {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { pieces.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw StoreError.invalid("register format \(template): a { is not closed")
            }
            let name = rest[rest.index(after: open)..<close]
            switch name {
            case "agency": pieces.append(.agency)
            case "direction": pieces.append(.direction)
            case "year": pieces.append(.year)
            default:
                guard name.hasPrefix("seq"), let width = name == "seq" ? 1 : (name.hasPrefix("seq:") ? Int(name.dropFirst(4)) : nil),
                      (1...12).contains(width) else {
                    throw StoreError.invalid("register format \(template): unknown placeholder {\(name)}; use {agency}, {direction}, {year} and {seq:N}")
                }
                pieces.append(.sequence(width: width))
            }
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        guard pieces.contains(.agency), pieces.contains(.direction), pieces.contains(.year),
              pieces.contains(where: { if case .sequence = $0 { return true } else { return false } }) else {
            throw StoreError.invalid("register format \(template): it must contain {agency}, {direction}, {year} and {seq:N}, or numbers would repeat")
        }
        // Two placeholders side by side, or apart only by letters and digits, could run
        // together (agency A1 with 1 and agency A with 11): a separator must stand between.
        for (left, right) in zip(pieces, pieces.dropFirst()) {
            if case .text = left { continue }
            guard case .text(let text) = right, text.unicodeScalars.contains(where: { !$0.properties.isAlphabetic && !("0"..."9").contains($0) }) else {
                if case .text = right {
                    throw StoreError.invalid("register format \(template): put a separator such as / or - between placeholders, or numbers could be read two ways")
                }
                throw StoreError.invalid("register format \(template): two placeholders touch; put a separator such as / or - between them")
            }
        }
        for case .text(let text) in pieces where text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw StoreError.invalid("register format \(template): control characters are not allowed")
        }
        self.template = template
        self.pieces = pieces
    }

    public var description: String { template }

    /// The number of the `sequence`th item of `agency` in `direction` in `year`.
    public func number(agency: String, direction: RegisterDirection, year: Int, sequence: Int) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): return text
            case .agency: return agency
            case .direction: return direction.code
            case .year: return String(year)
            case .sequence(let width):
                let digits = String(sequence)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
        }.joined()
    }
}

/// Whether a register item came in or went out.
public enum RegisterDirection: String, Sendable, Codable, CaseIterable {
    case incoming = "in", outgoing = "out"

    /// As written in register numbers.
    public var code: String { self == .incoming ? "IN" : "OUT" }

    public init?(name: String) {
        switch name.lowercased() {
        case "in", "incoming": self = .incoming
        case "out", "outgoing": self = .outgoing
        default: return nil
        }
    }
}

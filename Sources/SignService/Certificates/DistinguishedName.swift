internal import COpenSSL
import Foundation

/// A distinguished name given on the command line: `C=SY, O=Ministry, CN=Official`.
///
/// Attributes are written from the most general (country) to the most specific (common
/// name), the order in which they are encoded, as in `openssl req -subj`. A name written
/// the other way round (RFC 4514 order, `CN=...` first and `C=...` last) is recognised
/// and reversed. Values are UTF-8, so Arabic names are kept as UTF8String; a comma
/// inside a value is written `\,`.
public struct DistinguishedName: Sendable, Equatable, CustomStringConvertible {
    public struct Attribute: Sendable, Equatable {
        public var type: String
        public var value: String

        public init(type: String, value: String) {
            self.type = type
            self.value = value
        }
    }

    /// The attributes in encoding order (most general first).
    public var attributes: [Attribute]

    public init(parsing text: String) throws {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        var attributes: [Attribute] = []
        for part in parts {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw SignServiceError.malformed("subject: '\(trimmed)' is not TYPE=value (e.g. \"C=SY, O=Ministry, CN=Name\")")
            }
            let type = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard OBJ_txt2nid(type) != NID_undef else {
                throw SignServiceError.malformed("subject: unknown attribute type '\(type)' (use C, ST, L, O, OU, CN, serialNumber, emailAddress, ...)")
            }
            guard !value.isEmpty else { throw SignServiceError.malformed("subject: '\(type)' has an empty value") }
            if type.uppercased() == "C" && (value.count != 2 || !value.allSatisfy({ $0.isASCII && $0.isLetter })) {
                throw SignServiceError.malformed("subject: the country must be two letters (ISO 3166), not '\(value)'")
            }
            if let problem = CertificateNames.invisibleCharacterProblem(value) ?? CertificateNames.bidiProblem(value) {
                throw SignServiceError.malformed("subject: \(problem)")
            }
            attributes.append(Attribute(type: type, value: value))
        }
        guard !attributes.isEmpty else { throw SignServiceError.malformed("subject: empty name") }
        let specific: Set<String> = ["CN", "COMMONNAME", "EMAILADDRESS", "UID"]
        let general: Set<String> = ["C", "COUNTRYNAME", "DC"]
        if attributes.count > 1, specific.contains(attributes.first!.type.uppercased()),
           general.contains(attributes.last!.type.uppercased()) {
            attributes.reverse()
        }
        self.attributes = attributes
    }

    public var commonName: String? {
        attributes.last(where: { ["CN", "COMMONNAME"].contains($0.type.uppercased()) })?.value
    }

    public var description: String {
        attributes.map { "\($0.type)=\($0.value.replacingOccurrences(of: ",", with: "\\,"))" }.joined(separator: ", ")
    }

    /// A new OpenSSL `X509_NAME` (owned by the caller).
    package func makeX509Name() throws -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw SignServiceError.openSSL("cannot allocate a name") }
        for attribute in attributes {
            let bytes = Array(attribute.value.utf8)
            let added = bytes.withUnsafeBufferPointer {
                X509_NAME_add_entry_by_txt(name, attribute.type, MBSTRING_UTF8, $0.baseAddress, Int32($0.count), -1, 0)
            }
            guard added == 1 else {
                X509_NAME_free(name)
                throw SignServiceError.openSSL("subject: '\(attribute.type)=\(attribute.value)' cannot be encoded", code: .malformedInput)
            }
        }
        return name
    }
}

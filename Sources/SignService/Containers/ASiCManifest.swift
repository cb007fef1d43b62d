import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An ASiCManifest (ETSI EN 319 162-1 annex A.4): the list of files one CAdES signature
/// covers, each with its digest; the signature is a detached CMS over the manifest's bytes.
///
/// ```xml
/// <asic:ASiCManifest xmlns:asic="http://uri.etsi.org/02918/v1.2.1#">
///   <asic:SigReference URI="META-INF/signature001.p7s" MimeType="application/pkcs7-signature"/>
///   <asic:DataObjectReference URI="decision.pdf" MimeType="application/pdf">
///     <DigestMethod xmlns="http://www.w3.org/2000/09/xmldsig#" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
///     <DigestValue xmlns="http://www.w3.org/2000/09/xmldsig#">...</DigestValue>
///   </asic:DataObjectReference>
/// </asic:ASiCManifest>
/// ```
struct ASiCManifest {
    struct Reference: Equatable {
        var name: String
        var mimeType: String
        var algorithm: DigestAlgorithm?
        var algorithmURI: String
        var digest: [UInt8]
    }

    var signatureName: String
    var references: [Reference]

    static func uri(for algorithm: DigestAlgorithm) -> String {
        switch algorithm {
        case .sha256: return "http://www.w3.org/2001/04/xmlenc#sha256"
        case .sha384: return "http://www.w3.org/2001/04/xmldsig-more#sha384"
        case .sha512: return "http://www.w3.org/2001/04/xmlenc#sha512"
        }
    }

    static func algorithm(for uri: String) -> DigestAlgorithm? {
        DigestAlgorithm.allCases.first { Self.uri(for: $0) == uri }
    }

    func xml() -> [UInt8] {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"# + "\n"
        text += #"<asic:ASiCManifest xmlns:asic="http://uri.etsi.org/02918/v1.2.1#">"# + "\n"
        text += #"<asic:SigReference MimeType="application/pkcs7-signature" URI="\#(Self.escape(Self.encodeURI(signatureName)))"/>"# + "\n"
        for reference in references {
            text += #"<asic:DataObjectReference MimeType="\#(Self.escape(reference.mimeType))" URI="\#(Self.escape(Self.encodeURI(reference.name)))">"# + "\n"
            text += #"<DigestMethod xmlns="http://www.w3.org/2000/09/xmldsig#" Algorithm="\#(reference.algorithmURI)"/>"# + "\n"
            text += #"<DigestValue xmlns="http://www.w3.org/2000/09/xmldsig#">\#(Data(reference.digest).base64EncodedString())</DigestValue>"# + "\n"
            text += "</asic:DataObjectReference>\n"
        }
        text += "</asic:ASiCManifest>\n"
        return Array(text.utf8)
    }

    /// File names become URI references: unreserved characters stay, everything else
    /// (spaces, Arabic) is percent-encoded UTF-8.
    static func encodeURI(_ name: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~/")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Parses a manifest; throws a malformed-input error naming what is wrong.
    init(parsing bytes: [UInt8], source: String) throws {
        let delegate = ManifestParser()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        guard parser.parse(), delegate.sawRoot else {
            throw SignServiceError.malformed("\(source): not an ASiCManifest (\(parser.parserError.map { "\($0.localizedDescription)" } ?? "no ASiCManifest element"))")
        }
        guard let signature = delegate.signatureURI else {
            throw SignServiceError.malformed("\(source): the manifest has no SigReference")
        }
        signatureName = signature.removingPercentEncoding ?? signature
        references = try delegate.references.map { reference in
            guard let digest = Data(base64Encoded: reference.digestText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw SignServiceError.malformed("\(source): the digest of \(reference.uri) is not base64")
            }
            return Reference(name: reference.uri.removingPercentEncoding ?? reference.uri, mimeType: reference.mimeType,
                             algorithm: Self.algorithm(for: reference.algorithm), algorithmURI: reference.algorithm,
                             digest: Array(digest))
        }
        guard !references.isEmpty else { throw SignServiceError.malformed("\(source): the manifest references no file") }
    }

    init(signatureName: String, references: [Reference]) {
        self.signatureName = signatureName
        self.references = references
    }
}

private final class ManifestParser: NSObject, XMLParserDelegate {
    struct RawReference { var uri = "", mimeType = "", algorithm = "", digestText = "" }
    var sawRoot = false
    var signatureURI: String?
    var references: [RawReference] = []
    private var current: RawReference?
    private var inDigestValue = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "ASiCManifest": sawRoot = true
        case "SigReference": signatureURI = attributes["URI"]
        case "DataObjectReference": current = RawReference(uri: attributes["URI"] ?? "", mimeType: attributes["MimeType"] ?? "")
        case "DigestMethod": current?.algorithm = attributes["Algorithm"] ?? ""
        case "DigestValue": inDigestValue = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inDigestValue { current?.digestText += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "DigestValue" { inDigestValue = false }
        if name == "DataObjectReference", let current {
            references.append(current)
            self.current = nil
        }
    }
}

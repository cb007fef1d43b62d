internal import COpenSSL

/// How an ASN.1 OBJECT IDENTIFIER is shown: OpenSSL's short name (`sha256`,
/// `emailProtection`), its long name, or the dotted number when OpenSSL has no name.
enum ObjectName {
    /// The dotted form, `1.2.840.113549.1.9.16.2.47` (empty if OpenSSL cannot print it).
    static func dotted(_ object: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        return length > 0 ? buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : ""
    }

    /// OpenSSL's short name for a NID, nil for NID_undef or a NID without one.
    static func short(nid: Int32) -> String? {
        guard nid != NID_undef, let text = OBJ_nid2sn(nid) else { return nil }
        return String(cString: text)
    }

    /// The short name if OpenSSL knows the object, else the dotted form.
    static func short(_ object: OpaquePointer) -> String {
        short(nid: OBJ_obj2nid(object)) ?? dotted(object)
    }

    /// The long name if OpenSSL knows the object, else the dotted form; "unknown" for none.
    static func long(_ object: OpaquePointer?) -> String {
        guard let object else { return "unknown" }
        let nid = OBJ_obj2nid(object)
        if nid != NID_undef, let name = OBJ_nid2ln(nid) { return String(cString: name) }
        return dotted(object)
    }
}

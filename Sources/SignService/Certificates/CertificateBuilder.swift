package import COpenSSL
import Foundation

/// Builds and signs X.509 v3 certificates and v2 CRLs with OpenSSL.
package enum CertificateBuilder {
    /// What goes into one certificate.
    package struct Request {
        var subject: OpaquePointer          // X509_NAME, borrowed
        var publicKey: OpaquePointer        // EVP_PKEY, borrowed
        var profile: CertificateProfile
        var notBefore: Date
        var notAfter: Date
        var email: String?
        var dnsNames: [String] = []
        var publicURL: String?
        var policyOID: String?

        package init(subject: OpaquePointer, publicKey: OpaquePointer, profile: CertificateProfile, notBefore: Date,
                     notAfter: Date, email: String? = nil, dnsNames: [String] = [], publicURL: String? = nil,
                     policyOID: String? = nil) {
            self.subject = subject
            self.publicKey = publicKey
            self.profile = profile
            self.notBefore = notBefore
            self.notAfter = notAfter
            self.email = email
            self.dnsNames = dnsNames
            self.publicURL = publicURL
            self.policyOID = policyOID
        }
    }

    /// A positive serial number of up to 128 bits from the CSPRNG (RFC 5280 4.1.2.2 allows
    /// 20 octets; CA/Browser practice asks for at least 64 random bits).
    package static func randomSerial() throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw SignServiceError.openSSL("no random bytes") }
        bytes[0] &= 0x7F
        if bytes[0] == 0 { bytes[0] = 0x40 }
        return bytes
    }

    /// Signs a new certificate. `issuer` is nil for a self-signed root.
    package static func issue(_ request: Request, serial: [UInt8], issuer: Certificate?, issuerKey: PrivateKey) throws -> Certificate {
        OpenSSLErrorQueue.clear()
        guard let x509 = X509_new() else { throw SignServiceError.openSSL("cannot allocate a certificate") }
        var owned = true
        defer { if owned { X509_free(x509) } }
        guard X509_set_version(x509, 2) == 1 else { throw SignServiceError.openSSL("cannot set the version") }
        try setSerial(serial, on: x509)
        guard X509_set_subject_name(x509, request.subject) == 1,
              X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.pointer) } ?? request.subject) == 1,
              ASN1_TIME_set(X509_getm_notBefore(x509), time_t(request.notBefore.timeIntervalSince1970)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(request.notAfter.timeIntervalSince1970)) != nil,
              X509_set_pubkey(x509, request.publicKey) == 1
        else { throw SignServiceError.openSSL("cannot fill in the certificate") }

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        let isRSA = EVP_PKEY_get_base_id(request.publicKey) == EVP_PKEY_RSA
        for (name, value) in request.profile.extensions(isRSA: isRSA, email: request.email, dnsNames: request.dnsNames,
                                                         publicURL: request.publicURL, policyOID: request.policyOID) {
            let nid = OBJ_sn2nid(name) != NID_undef ? OBJ_sn2nid(name) : OBJ_ln2nid(name)
            if nid == NID_certificate_policies {
                // OpenSSL builds this one only from a configuration database; it is one OID, so encode it here.
                try addCertificatePolicy(value, to: x509)
                continue
            }
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw SignServiceError.openSSL("cannot make the \(name) extension from '\(value)'", code: .malformedInput)
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw SignServiceError.openSSL("cannot add the \(name) extension") }
        }
        try addSubjectAlternativeNames(email: request.email, dnsNames: request.dnsNames, to: x509)
        guard X509_sign(x509, issuerKey.pointer, issuerKey.certificateDigest) > 0 else {
            throw SignServiceError.openSSL("cannot sign the certificate")
        }
        owned = false
        return Certificate(takingOwnershipOf: x509)
    }

    /// subjectAltName (RFC 5280 4.2.1.6) from typed values: one rfc822Name, dNSNames. The
    /// values were checked by ``CertificateNames``; each becomes exactly one GeneralName.
    package static func addSubjectAlternativeNames(email: String?, dnsNames: [String], to x509: OpaquePointer) throws {
        let entries = (email.map { [(GEN_EMAIL, $0)] } ?? []) + dnsNames.map { (GEN_DNS, $0) }
        guard !entries.isEmpty else { return }
        guard let names = shim_GENERAL_NAMES_new() else { throw SignServiceError.openSSL("allocation") }
        defer { GENERAL_NAMES_free(names) }
        for (type, value) in entries {
            guard let string = ASN1_IA5STRING_new() else { throw SignServiceError.openSSL("allocation") }
            let bytes = Array(value.utf8)
            guard ASN1_STRING_set(string, bytes, Int32(bytes.count)) == 1, let name = GENERAL_NAME_new() else {
                ASN1_IA5STRING_free(string)
                throw SignServiceError.openSSL("allocation")
            }
            GENERAL_NAME_set0_value(name, type, UnsafeMutableRawPointer(string))
            guard shim_sk_GENERAL_NAME_push(names, name) > 0 else {
                GENERAL_NAME_free(name)
                throw SignServiceError.openSSL("allocation")
            }
        }
        guard X509_add1_ext_i2d(x509, NID_subject_alt_name, UnsafeMutableRawPointer(names), 0, UInt(X509V3_ADD_DEFAULT)) == 1 else {
            throw SignServiceError.openSSL("cannot add the subjectAltName extension")
        }
    }

    /// certificatePolicies with one PolicyInformation and no qualifiers (RFC 5280 4.2.1.4).
    package static func addCertificatePolicy(_ oid: String, to x509: OpaquePointer) throws {
        guard let object = OBJ_txt2obj(oid, 1) else { throw SignServiceError.malformed("'\(oid)' is not an object identifier") }
        defer { ASN1_OBJECT_free(object) }
        let length = OBJ_length(object)
        guard length > 0, let data = OBJ_get0_data(object) else { throw SignServiceError.malformed("'\(oid)' is empty") }
        let policies = DERWriter.sequence(DERWriter.sequence(DERWriter.oid(Array(UnsafeBufferPointer(start: data, count: length)))))
        guard let octets = ASN1_OCTET_STRING_new() else { throw SignServiceError.openSSL("allocation") }
        defer { ASN1_OCTET_STRING_free(octets) }
        guard ASN1_OCTET_STRING_set(octets, policies, Int32(policies.count)) == 1,
              let ext = X509_EXTENSION_create_by_NID(nil, NID_certificate_policies, 0, octets) else {
            throw SignServiceError.openSSL("cannot make the certificatePolicies extension")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(x509, ext, -1) == 1 else { throw SignServiceError.openSSL("cannot add certificatePolicies") }
    }

    package static func setSerial(_ serial: [UInt8], on x509: OpaquePointer) throws {
        guard let bn = BN_bin2bn(serial, Int32(serial.count), nil) else { throw SignServiceError.openSSL("bad serial") }
        defer { BN_free(bn) }
        guard let integer = BN_to_ASN1_INTEGER(bn, nil) else { throw SignServiceError.openSSL("bad serial") }
        defer { ASN1_INTEGER_free(integer) }
        guard X509_set_serialNumber(x509, integer) == 1 else { throw SignServiceError.openSSL("cannot set the serial") }
    }

    /// One revoked certificate as the CRL lists it.
    package struct RevokedEntry {
        var serialHex: String
        var revokedAt: Date
        var reason: RevocationReason

        package init(serialHex: String, revokedAt: Date, reason: RevocationReason) {
            self.serialHex = serialHex
            self.revokedAt = revokedAt
            self.reason = reason
        }
    }

    /// Signs a v2 CRL with a CRL number and authority key identifier (RFC 5280 5.2).
    package static func crl(issuer: Certificate, key: PrivateKey, number: Int64, thisUpdate: Date, nextUpdate: Date,
                    revoked: [RevokedEntry]) throws -> CertificateRevocationList {
        OpenSSLErrorQueue.clear()
        guard let crl = X509_CRL_new() else { throw SignServiceError.openSSL("cannot allocate a CRL") }
        var owned = true
        defer { if owned { X509_CRL_free(crl) } }
        guard X509_CRL_set_version(crl, 1) == 1,
              X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.pointer)) == 1
        else { throw SignServiceError.openSSL("cannot fill in the CRL") }
        try withTime(thisUpdate) { guard X509_CRL_set1_lastUpdate(crl, $0) == 1 else { throw SignServiceError.openSSL("thisUpdate") } }
        try withTime(nextUpdate) { guard X509_CRL_set1_nextUpdate(crl, $0) == 1 else { throw SignServiceError.openSSL("nextUpdate") } }
        for entry in revoked {
            guard let item = X509_REVOKED_new() else { throw SignServiceError.openSSL("cannot allocate a CRL entry") }
            var itemOwned = true
            defer { if itemOwned { X509_REVOKED_free(item) } }
            var bn: OpaquePointer?
            guard BN_hex2bn(&bn, entry.serialHex) > 0, let bn else { throw SignServiceError.malformed("bad serial \(entry.serialHex)") }
            defer { BN_free(bn) }
            guard let serial = BN_to_ASN1_INTEGER(bn, nil) else { throw SignServiceError.openSSL("bad serial") }
            defer { ASN1_INTEGER_free(serial) }
            guard X509_REVOKED_set_serialNumber(item, serial) == 1 else { throw SignServiceError.openSSL("serial") }
            try withTime(entry.revokedAt) {
                guard X509_REVOKED_set_revocationDate(item, $0) == 1 else { throw SignServiceError.openSSL("revocationDate") }
            }
            if entry.reason != .unspecified {
                // RFC 5280 5.3.1: the reason code is omitted rather than written as unspecified.
                guard let code = ASN1_ENUMERATED_new() else { throw SignServiceError.openSSL("reason") }
                defer { ASN1_ENUMERATED_free(code) }
                ASN1_ENUMERATED_set(code, Int(entry.reason.code))
                guard X509_REVOKED_add1_ext_i2d(item, NID_crl_reason, UnsafeMutableRawPointer(code), 0, 0) == 1 else {
                    throw SignServiceError.openSSL("cannot add the reason code")
                }
            }
            guard X509_CRL_add0_revoked(crl, item) == 1 else { throw SignServiceError.openSSL("cannot add a CRL entry") }
            itemOwned = false
        }
        X509_CRL_sort(crl)
        guard let crlNumber = ASN1_INTEGER_new() else { throw SignServiceError.openSSL("CRL number") }
        defer { ASN1_INTEGER_free(crlNumber) }
        ASN1_INTEGER_set_int64(crlNumber, number)
        guard X509_CRL_add1_ext_i2d(crl, NID_crl_number, UnsafeMutableRawPointer(crlNumber), 0, 0) == 1 else {
            throw SignServiceError.openSSL("cannot add the CRL number")
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer.pointer, nil, nil, crl, 0)
        guard let aki = X509V3_EXT_conf_nid(nil, &context, NID_authority_key_identifier, "keyid:always") else {
            throw SignServiceError.openSSL("cannot make the authority key identifier")
        }
        defer { X509_EXTENSION_free(aki) }
        guard X509_CRL_add_ext(crl, aki, -1) == 1 else { throw SignServiceError.openSSL("cannot add the authority key identifier") }
        guard X509_CRL_sign(crl, key.pointer, key.certificateDigest) > 0 else { throw SignServiceError.openSSL("cannot sign the CRL") }
        owned = false
        return CertificateRevocationList(takingOwnershipOf: crl)
    }

    package static func withTime(_ date: Date, _ body: (UnsafeMutablePointer<ASN1_TIME>) throws -> Void) throws {
        guard let time = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970)) else { throw SignServiceError.openSSL("bad time") }
        defer { ASN1_TIME_free(time) }
        try body(time)
    }
}

extension PrivateKey {
    /// The digest used when this key signs certificates, CRLs, OCSP responses and timestamps.
    package var certificateDigest: OpaquePointer? {
        isEC && EVP_PKEY_get_bits(pointer) >= 384 ? EVP_sha384() : EVP_sha256()
    }
}

import Foundation

/// What a certificate is for, and the extensions a government CA sets for it.
///
/// | Profile  | keyUsage (critical)                     | extendedKeyUsage                          |
/// |----------|-----------------------------------------|-------------------------------------------|
/// | official | digitalSignature, nonRepudiation        | emailProtection, documentSigning (RFC 9336) |
/// | tsa      | digitalSignature                        | timeStamping (critical, RFC 3161 2.3)     |
/// | ocsp     | digitalSignature                        | OCSPSigning, plus id-pkix-ocsp-nocheck    |
/// | provider | digitalSignature, nonRepudiation (+ keyEncipherment or keyAgreement) | emailProtection |
/// | tls      | digitalSignature (+ keyEncipherment for RSA) | serverAuth                            |
public enum CertificateProfile: String, Sendable, CaseIterable, Codable {
    case official, tsa, ocsp, provider, tls
    /// The two CA certificates ``CertificateAuthority`` makes for itself.
    case rootCA = "root-ca", issuingCA = "issuing-ca"

    /// Profiles `signtool cert issue` offers.
    public static let issuable: [CertificateProfile] = [.official, .tsa, .ocsp, .provider, .tls]

    /// id-kp-documentSigning (RFC 9336).
    public static let documentSigningOID = "1.3.6.1.5.5.7.3.36"

    /// Default lifetime in days.
    public var defaultDays: Int {
        switch self {
        case .rootCA: return 20 * 365 + 5
        case .issuingCA: return 10 * 365 + 2
        case .tsa: return 5 * 365 + 1
        case .official, .provider: return 2 * 365
        case .ocsp: return 365
        case .tls: return 397
        }
    }

    package var isCA: Bool { self == .rootCA || self == .issuingCA }

    /// Extensions as OpenSSL's configuration syntax (x509v3_config(5)), in order.
    func extensions(isRSA: Bool, email: String?, dnsNames: [String], publicURL: String?,
                    policyOID: String?) -> [(name: String, value: String)] {
        var result: [(String, String)] = []
        switch self {
        case .rootCA:
            result.append(("basicConstraints", "critical,CA:TRUE"))
            result.append(("keyUsage", "critical,keyCertSign,cRLSign"))
            result.append(("subjectKeyIdentifier", "hash"))
            return result
        case .issuingCA:
            result.append(("basicConstraints", "critical,CA:TRUE,pathlen:0"))
            result.append(("keyUsage", "critical,keyCertSign,cRLSign"))
        case .official:
            result.append(("basicConstraints", "critical,CA:FALSE"))
            result.append(("keyUsage", "critical,digitalSignature,nonRepudiation"))
            result.append(("extendedKeyUsage", "emailProtection,\(Self.documentSigningOID)"))
        case .tsa:
            result.append(("basicConstraints", "critical,CA:FALSE"))
            result.append(("keyUsage", "critical,digitalSignature"))
            result.append(("extendedKeyUsage", "critical,timeStamping"))
        case .ocsp:
            result.append(("basicConstraints", "critical,CA:FALSE"))
            result.append(("keyUsage", "critical,digitalSignature"))
            result.append(("extendedKeyUsage", "OCSPSigning"))
            result.append(("noCheck", "ignored"))
        case .provider:
            result.append(("basicConstraints", "critical,CA:FALSE"))
            result.append(("keyUsage", "critical,digitalSignature,nonRepudiation," + (isRSA ? "keyEncipherment" : "keyAgreement")))
            result.append(("extendedKeyUsage", "emailProtection"))
        case .tls:
            result.append(("basicConstraints", "critical,CA:FALSE"))
            result.append(("keyUsage", "critical,digitalSignature" + (isRSA ? ",keyEncipherment" : "")))
            result.append(("extendedKeyUsage", "serverAuth"))
        }
        result.append(("subjectKeyIdentifier", "hash"))
        result.append(("authorityKeyIdentifier", "keyid:always"))
        // subjectAltName is built from typed values by CertificateBuilder, never from this
        // configuration syntax, where a comma in a value would add names of its own.
        if let publicURL {
            let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
            // The issuing CA is checked against the root's CRL; everything else against the issuing CA's.
            result.append(("crlDistributionPoints", "URI:\(base)/crl\(self == .issuingCA ? "/root" : "")"))
            if self == .issuingCA {
                result.append(("authorityInfoAccess", "caIssuers;URI:\(base)/ca/root"))
            } else {
                result.append(("authorityInfoAccess", "OCSP;URI:\(base)/ocsp,caIssuers;URI:\(base)/ca"))
            }
        }
        if let policyOID { result.append(("certificatePolicies", policyOID)) }
        return result
    }
}

/// Why a certificate was revoked (RFC 5280 5.3.1). `certificateHold` and `removeFromCRL`
/// are not offered: a revocation here is final.
public enum RevocationReason: String, Sendable, CaseIterable, Codable {
    case unspecified, keyCompromise, cACompromise, affiliationChanged, superseded,
         cessationOfOperation, privilegeWithdrawn, aACompromise

    public var code: Int32 {
        switch self {
        case .unspecified: return 0
        case .keyCompromise: return 1
        case .cACompromise: return 2
        case .affiliationChanged: return 3
        case .superseded: return 4
        case .cessationOfOperation: return 5
        case .privilegeWithdrawn: return 9
        case .aACompromise: return 10
        }
    }
}

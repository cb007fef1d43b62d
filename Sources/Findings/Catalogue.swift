import Foundation

// The catalogue of findings: every code with its parameters and its sentence in English
// and in Arabic. Templates name parameters as {key}; [ ... ] is left out when a parameter
// inside it is absent (parameters marked `?` may be). Names, dates, serial numbers, URLs
// and OpenSSL's reason texts appear verbatim; an English sentence from a library (a
// network error) is kept in the English sentence only.

extension Finding.Code {
    // MARK: The signature file as a whole
    /// the signature contains no signer
    public static let noSigner = Self(rawValue: "noSigner")
    /// {content} is not the document inside the signature (an enveloping signature carries its own content)
    public static let contentNotInsideSignature = Self(rawValue: "contentNotInsideSignature")
    /// the SignedData digestAlgorithms set is empty
    public static let digestAlgorithmsEmpty = Self(rawValue: "digestAlgorithmsEmpty")
    /// the SignedData digestAlgorithms set holds something other than an algorithm identifier
    public static let digestAlgorithmsNotAlgorithm = Self(rawValue: "digestAlgorithmsNotAlgorithm")
    /// the SignedData digestAlgorithms set holds a malformed object identifier
    public static let digestAlgorithmsMalformedOID = Self(rawValue: "digestAlgorithmsMalformedOID")
    /// a digest algorithm in the SignedData digestAlgorithms set has unexpected parameters
    public static let digestAlgorithmsUnexpectedParameters = Self(rawValue: "digestAlgorithmsUnexpectedParameters")
    /// {reason}
    public static let inputFileNotFound = Self(rawValue: "inputFileNotFound")
    /// {reason}
    public static let inputUnreadable = Self(rawValue: "inputUnreadable")

    // MARK: The signer and the signed attributes
    /// the signer's certificate is not in the signature and was not supplied
    public static let signerCertificateMissing = Self(rawValue: "signerCertificateMissing")
    /// no signed attributes: not a CAdES signature
    public static let noSignedAttributes = Self(rawValue: "noSignedAttributes")
    /// digest algorithm {algorithm} is not accepted
    public static let digestAlgorithmNotAccepted = Self(rawValue: "digestAlgorithmNotAccepted")
    /// no signing-time attribute
    public static let noSigningTimeAttribute = Self(rawValue: "noSigningTimeAttribute")
    /// the signing-time signed attribute is malformed (not a UTCTime or GeneralizedTime in DER)
    public static let signingTimeMalformed = Self(rawValue: "signingTimeMalformed")
    /// the content-type signed attribute is missing
    public static let contentTypeMissing = Self(rawValue: "contentTypeMissing")
    /// the content-type signed attribute is malformed (not an object identifier)
    public static let contentTypeMalformed = Self(rawValue: "contentTypeMalformed")
    /// the content-type signed attribute does not match the content
    public static let contentTypeMismatch = Self(rawValue: "contentTypeMismatch")
    /// the document was altered: its digest does not match the signed digest
    public static let documentAltered = Self(rawValue: "documentAltered")
    /// the message-digest signed attribute is missing
    public static let messageDigestMissing = Self(rawValue: "messageDigestMissing")
    /// the message-digest signed attribute is malformed (not one OCTET STRING): nothing ties the signature to a document
    public static let messageDigestMalformed = Self(rawValue: "messageDigestMalformed")
    /// the signature value does not verify with the signer's public key
    public static let signatureValueInvalid = Self(rawValue: "signatureValueInvalid")
    /// the signature algorithm {algorithm} does not fit the signer's {keyType} key
    public static let signatureAlgorithmKeyMismatch = Self(rawValue: "signatureAlgorithmKeyMismatch")
    /// signature algorithm {algorithm} is not accepted
    public static let signatureAlgorithmNotAccepted = Self(rawValue: "signatureAlgorithmNotAccepted")
    /// the signature algorithm {algorithm} names {digest}, but the digest algorithm is {digestAlgorithm}
    public static let signatureAlgorithmDigestMismatch = Self(rawValue: "signatureAlgorithmDigestMismatch")
    /// the {attribute} signed attribute occurs {count} times; RFC 5652 allows it once
    public static let attributeRepeated = Self(rawValue: "attributeRepeated")
    /// the {attribute} signed attribute carries {count} values; it must carry exactly one
    public static let attributeValueCount = Self(rawValue: "attributeValueCount")
    /// a {attribute} attribute is among the unsigned attributes; RFC 5652 requires it to be signed
    public static let attributeNotSigned = Self(rawValue: "attributeNotSigned")
    /// a countersignature is among the signed attributes; RFC 5652 allows it only unsigned
    public static let countersignatureSigned = Self(rawValue: "countersignatureSigned")
    /// the signed attributes are not in DER order (RFC 5652 5.3 requires DER)
    public static let signedAttributesNotDER = Self(rawValue: "signedAttributesNotDER")
    /// no signing-certificate attribute: a plain CMS signature, not CAdES; the signer is identified by issuer and serial number only
    public static let noSigningCertificateAttribute = Self(rawValue: "noSigningCertificateAttribute")
    /// the signing-certificate attribute does not match the signer's certificate
    public static let signingCertificateMismatch = Self(rawValue: "signingCertificateMismatch")
    /// the signing-certificate attribute is malformed (not an ESS SigningCertificate sequence)
    public static let signingCertificateMalformed = Self(rawValue: "signingCertificateMalformed")
    /// the certificate {subject} has a malformed extension
    public static let signerExtensionMalformed = Self(rawValue: "signerExtensionMalformed")
    /// the key usage of {subject} allows neither digitalSignature nor nonRepudiation
    public static let keyUsageNotForSigning = Self(rawValue: "keyUsageNotForSigning")
    /// the extendedKeyUsage of {subject}[ ({usages})] permits neither documentSigning, emailProtection nor anyExtendedKeyUsage
    public static let extendedKeyUsageNotForSigning = Self(rawValue: "extendedKeyUsageNotForSigning")

    // MARK: Keys and algorithms
    /// {subject}: RSA key of {bits} bits (at least 2048 required)
    public static let rsaKeyTooSmall = Self(rawValue: "rsaKeyTooSmall")
    /// {subject}: RSA modulus of {bits} bits is not a whole number of octets
    public static let rsaModulusNotWholeOctets = Self(rawValue: "rsaModulusNotWholeOctets")
    /// {subject}: EC key without a named curve
    public static let ecKeyWithoutNamedCurve = Self(rawValue: "ecKeyWithoutNamedCurve")
    /// {subject}: EC key on curve {curve} (P-256, P-384 or P-521 required)
    public static let ecCurveNotAccepted = Self(rawValue: "ecCurveNotAccepted")
    /// {subject}: DSA key (not accepted)
    public static let dsaKeyNotAccepted = Self(rawValue: "dsaKeyNotAccepted")
    /// {subject}: unsupported public key type
    public static let keyTypeNotSupported = Self(rawValue: "keyTypeNotSupported")
    /// {subject}: the public key cannot be read
    public static let publicKeyUnreadable = Self(rawValue: "publicKeyUnreadable")
    /// {subject}: signed with {digest}, which is no longer accepted
    public static let certificateSignedWithWeakDigest = Self(rawValue: "certificateSignedWithWeakDigest")
    /// {subject}: signature algorithm[ {algorithm}] is not known
    public static let certificateSignatureAlgorithmUnknown = Self(rawValue: "certificateSignatureAlgorithmUnknown")
    /// {subject}: signature algorithm {algorithm} uses {digest}, which is no longer accepted
    public static let certificateSignatureAlgorithmWeak = Self(rawValue: "certificateSignatureAlgorithmWeak")
    /// the CRL of {issuer}: signature algorithm[ {algorithm}] is not known; it is not used
    public static let crlSignatureAlgorithmUnknown = Self(rawValue: "crlSignatureAlgorithmUnknown")
    /// the CRL of {issuer}: signature algorithm {algorithm} uses {digest}, which is no longer accepted; it is not used
    public static let crlSignatureAlgorithmWeak = Self(rawValue: "crlSignatureAlgorithmWeak")

    // MARK: Signature timestamps and proof of existence
    /// the signature timestamp from {tsa} does not carry its TSA's certificate; it is not used as proof of existence
    public static let signatureTimestampWithoutTSACertificate = Self(rawValue: "signatureTimestampWithoutTSACertificate")
    /// the signature timestamp cannot be read ({reason}); it is not used as proof of existence
    public static let signatureTimestampUnreadable = Self(rawValue: "signatureTimestampUnreadable")
    /// the signature timestamp covers something other than this signature value; it is not used as proof of existence
    public static let signatureTimestampCoversOtherData = Self(rawValue: "signatureTimestampCoversOtherData")
    /// the timestamp from {tsa} does not verify[: {reason}]; it is not used as proof of existence
    public static let signatureTimestampInvalid = Self(rawValue: "signatureTimestampInvalid")
    /// the certificate of {tsa} was revoked[ on {revokedAt}]; its timestamp is not used as proof of existence
    public static let tsaRevokedNotUsed = Self(rawValue: "tsaRevokedNotUsed")
    /// the claimed signing time ({signingTime}) is after the signature timestamp ({timestamp}): the signer's clock or claim is wrong
    public static let signingTimeAfterTimestamp = Self(rawValue: "signingTimeAfterTimestamp")

    // MARK: Standalone timestamps
    /// the timestamp's digest algorithm is not accepted (SHA-256, SHA-384 or SHA-512 are)
    public static let timestampDigestAlgorithmNotAccepted = Self(rawValue: "timestampDigestAlgorithmNotAccepted")
    /// the file was altered: its digest is not the one the timestamp covers
    public static let timestampedFileAltered = Self(rawValue: "timestampedFileAltered")
    /// the timestamp does not carry its TSA's certificate
    public static let timestampWithoutTSACertificate = Self(rawValue: "timestampWithoutTSACertificate")
    /// the TSA's certificate cannot be read
    public static let tsaCertificateUnreadable = Self(rawValue: "tsaCertificateUnreadable")
    /// the timestamp from {tsa} does not verify[: {reason}]
    public static let timestampInvalid = Self(rawValue: "timestampInvalid")
    /// the TSA's certificate {subject} was revoked[ on {revokedAt}]: the timestamp cannot be trusted
    public static let tsaRevoked = Self(rawValue: "tsaRevoked")
    /// CA certificate {subject} was revoked[ on {revokedAt}]: the timestamp cannot be trusted
    public static let tsaCARevoked = Self(rawValue: "tsaCARevoked")

    // MARK: Revocation
    /// the signer's certificate {subject} was revoked on {revokedAt}, after the timestamp proves the signature existed ({timestamp})
    public static let revokedAfterTimestamp = Self(rawValue: "revokedAfterTimestamp")
    /// CA certificate {subject} was revoked on {revokedAt}, after the timestamp proves the signature existed ({timestamp})
    public static let caRevokedAfterTimestamp = Self(rawValue: "caRevokedAfterTimestamp")
    /// the signer's certificate {subject} was revoked on {revokedAt}, before the signature timestamp
    public static let revokedBeforeTimestamp = Self(rawValue: "revokedBeforeTimestamp")
    /// the signer's certificate {subject} was revoked on {revokedAt}, before the claimed signing time
    public static let revokedBeforeSigningTime = Self(rawValue: "revokedBeforeSigningTime")
    /// the signer's certificate {subject} was revoked[ on {revokedAt}] and nothing proves the signature existed before
    public static let revokedNoProofOfExistence = Self(rawValue: "revokedNoProofOfExistence")
    /// CA certificate {subject} was revoked[ on {revokedAt}]
    public static let caRevoked = Self(rawValue: "caRevoked")
    /// certificate {subject} was revoked[ on {revokedAt}]
    public static let certificateRevoked = Self(rawValue: "certificateRevoked")
    /// certificate {subject} was revoked on {revokedAt} (OCSP, {url})
    public static let certificateRevokedByOCSP = Self(rawValue: "certificateRevokedByOCSP")
    /// the embedded CRL of {issuer} was not current at {time} (issued more than a day before, or expired); it is not used
    public static let crlNotCurrent = Self(rawValue: "crlNotCurrent")
    /// the embedded OCSP response about {subject} was not current at {time} (produced more than a day before, or expired); it is not used
    public static let ocspResponseNotCurrent = Self(rawValue: "ocspResponseNotCurrent")
    /// the CRL of {subject} could not be fetched: {reason}
    public static let crlFetchFailed = Self(rawValue: "crlFetchFailed")
    /// the OCSP responder does not know {subject}
    public static let ocspUnknownCertificate = Self(rawValue: "ocspUnknownCertificate")
    /// the OCSP responder of {subject} could not be asked: {reason}
    public static let ocspQueryFailed = Self(rawValue: "ocspQueryFailed")
    /// revocation status not checked for {subject}: no CRL or OCSP answer was given or found
    public static let revocationNotChecked = Self(rawValue: "revocationNotChecked")
    /// revocation status not checked for {subject}: it names no CRL or OCSP address that answered
    public static let revocationNotCheckedNoAddress = Self(rawValue: "revocationNotCheckedNoAddress")
    /// revocation was not checked: no --crl was given and the certificates' CRL and OCSP addresses were not asked (--offline)
    public static let revocationNotCheckedOffline = Self(rawValue: "revocationNotCheckedOffline")
    /// revocation was not checked: the path does not reach a trust anchor, so its addresses were not asked
    public static let revocationNotCheckedNoTrustAnchor = Self(rawValue: "revocationNotCheckedNoTrustAnchor")
    /// a CRL from {issuer} has no CRL number (RFC 5280 5.2.3) and was not used
    public static let crlWithoutNumber = Self(rawValue: "crlWithoutNumber")
    /// no usable CRL: revocation status unknown
    public static let noUsableCRL = Self(rawValue: "noUsableCRL")
    /// no CRL for {subject}: revocation status unknown
    public static let crlMissing = Self(rawValue: "crlMissing")
    /// the CRL for {subject} is outside its validity period: it has expired
    public static let crlExpired = Self(rawValue: "crlExpired")
    /// the CRL for {subject} is outside its validity period: it is not yet valid
    public static let crlNotYetValid = Self(rawValue: "crlNotYetValid")
    /// the signature of the CRL for {subject} does not verify
    public static let crlSignatureInvalid = Self(rawValue: "crlSignatureInvalid")

    // MARK: Validity periods
    /// certificate {subject} expired on {expiredAt}
    public static let certificateExpired = Self(rawValue: "certificateExpired")
    /// certificate {subject} is not valid before {validFrom}
    public static let certificateNotYetValid = Self(rawValue: "certificateNotYetValid")
    /// certificate {subject} expired on {expiredAt}, and nothing proves the signature existed while it was valid
    public static let certificateExpiredNoProofOfExistence = Self(rawValue: "certificateExpiredNoProofOfExistence")
    /// certificate {subject} is not valid before {validFrom}, and nothing proves the signature existed while it was valid
    public static let certificateNotYetValidNoProofOfExistence = Self(rawValue: "certificateNotYetValidNoProofOfExistence")
    /// certificate {subject} expired on {expiredAt}, already at the time of the signature timestamp
    public static let certificateExpiredAtTimestamp = Self(rawValue: "certificateExpiredAtTimestamp")
    /// certificate {subject} is not valid before {validFrom}, already at the time of the signature timestamp
    public static let certificateNotYetValidAtTimestamp = Self(rawValue: "certificateNotYetValidAtTimestamp")
    /// certificate {subject} expired on {expiredAt}, after the signature timestamp
    public static let certificateExpiredAfterTimestamp = Self(rawValue: "certificateExpiredAfterTimestamp")
    /// certificate {subject} is not valid before {validFrom}, as judged after the signature timestamp
    public static let certificateNotYetValidAfterTimestamp = Self(rawValue: "certificateNotYetValidAfterTimestamp")

    // MARK: Certificate paths (OpenSSL's X509_V_ERR cases)
    /// no chain from {subject} to a trusted root: its issuer's certificate was not found
    public static let issuerNotFound = Self(rawValue: "issuerNotFound")
    /// no chain to a trusted root: the path ends at {subject}, which is not trusted
    public static let untrustedRoot = Self(rawValue: "untrustedRoot")
    /// {subject}: the certificate's signature does not verify
    public static let certificateSignatureInvalid = Self(rawValue: "certificateSignatureInvalid")
    /// {subject}: the key is too small for the required security level
    public static let keyTooSmall = Self(rawValue: "keyTooSmall")
    /// {subject}: the certificate is signed with a digest too weak for the required security level
    public static let digestTooWeak = Self(rawValue: "digestTooWeak")
    /// {subject} issued a certificate but is not a valid CA certificate
    public static let notACertificationAuthority = Self(rawValue: "notACertificationAuthority")
    /// {subject}: the path length constraint is exceeded
    public static let pathLengthExceeded = Self(rawValue: "pathLengthExceeded")
    /// {subject}: the chain is longer than the maximum depth allowed
    public static let chainTooLong = Self(rawValue: "chainTooLong")
    /// {subject} may not be used for the purpose asked
    public static let purposeNotAllowed = Self(rawValue: "purposeNotAllowed")
    /// {subject} does not name the host[ {host}]
    public static let hostNameMismatch = Self(rawValue: "hostNameMismatch")
    /// {subject} does not name the IP address[ {address}]
    public static let ipAddressMismatch = Self(rawValue: "ipAddressMismatch")
    /// certificate at depth {depth}[ ({subject})]: {reason}
    public static let pathError = Self(rawValue: "pathError")
    /// cannot start path validation: {reason}
    public static let pathValidationNotStarted = Self(rawValue: "pathValidationNotStarted")
    /// path validation failed
    public static let pathValidationFailed = Self(rawValue: "pathValidationFailed")
    /// out of memory
    public static let outOfMemory = Self(rawValue: "outOfMemory")
    /// '{address}' is not an IP address
    public static let notAnIPAddress = Self(rawValue: "notAnIPAddress")

    // MARK: RFC 5280 and certificate profiles
    /// {subject}: negative serial number (RFC 5280 4.1.2.2)
    public static let negativeSerialNumber = Self(rawValue: "negativeSerialNumber")
    /// {subject}: zero serial number (RFC 5280 4.1.2.2)
    public static let zeroSerialNumber = Self(rawValue: "zeroSerialNumber")
    /// {subject}: serial number longer than 20 octets (RFC 5280 4.1.2.2)
    public static let serialNumberTooLong = Self(rawValue: "serialNumberTooLong")
    /// {subject}: the extended key usage extension lists no purpose (RFC 5280 4.2.1.12)
    public static let extendedKeyUsageEmpty = Self(rawValue: "extendedKeyUsageEmpty")
    /// {subject}: a CA whose key usage lacks keyCertSign issued a certificate (RFC 5280 4.2.1.3)
    public static let issuerLacksKeyCertSign = Self(rawValue: "issuerLacksKeyCertSign")
    /// {subject}: version {version} certificate; version 3 is required
    public static let certificateVersionNot3 = Self(rawValue: "certificateVersionNot3")
    /// {subject}: the {extension} extension is malformed
    public static let extensionMalformed = Self(rawValue: "extensionMalformed")
    /// {subject}: the {extension} extension must be critical (RFC 5280 4.2.1)
    public static let extensionNotCritical = Self(rawValue: "extensionNotCritical")
    /// {subject}: basicConstraints says CA but the key usage does not allow keyCertSign
    public static let caWithoutKeyCertSign = Self(rawValue: "caWithoutKeyCertSign")
    /// {subject}: name constraints are only allowed in CA certificates (RFC 5280 4.2.1.10)
    public static let nameConstraintsInEndEntity = Self(rawValue: "nameConstraintsInEndEntity")
    /// {subject}: name constraints with neither permitted nor excluded subtrees (RFC 5280 4.2.1.10)
    public static let nameConstraintsEmpty = Self(rawValue: "nameConstraintsEmpty")
    /// {subject}: DNS name constraint '{constraint}' starts with a period (RFC 5280 4.2.1.10)
    public static let nameConstraintLeadingPeriod = Self(rawValue: "nameConstraintLeadingPeriod")
    /// {subject}: wildcard '{wildcard}' covers '{excluded}', which {ca} excludes
    public static let wildcardCoversExcludedName = Self(rawValue: "wildcardCoversExcludedName")
    /// {subject}: the name constraints extension is malformed
    public static let nameConstraintsMalformed = Self(rawValue: "nameConstraintsMalformed")
    /// {subject}: subjectAltName '{name}' is not a valid DNS name
    public static let subjectAltNameNotDNSName = Self(rawValue: "subjectAltNameNotDNSName")
    /// {subject}: the subject alternative name extension is malformed
    public static let subjectAltNameMalformed = Self(rawValue: "subjectAltNameMalformed")
    /// {subject}: extendedKeyUsage does not list {purpose}
    public static let extendedKeyUsageLacksPurpose = Self(rawValue: "extendedKeyUsageLacksPurpose")
    /// {subject}: extendedKeyUsage must not be critical in a TLS certificate
    public static let extendedKeyUsageCritical = Self(rawValue: "extendedKeyUsageCritical")
    /// {subject}: subjectAltName is critical although the subject is not empty (RFC 5280 4.2.1.6)
    public static let subjectAltNameCritical = Self(rawValue: "subjectAltNameCritical")
    /// {subject}: anyExtendedKeyUsage in a TLS certificate (Baseline Requirements 7.1.2.7.10)
    public static let anyExtendedKeyUsageInTLS = Self(rawValue: "anyExtendedKeyUsageInTLS")
    /// {subject}: the common name is not one of the subjectAltName values (Baseline Requirements 7.1.4.3)
    public static let commonNameNotInSubjectAltName = Self(rawValue: "commonNameNotInSubjectAltName")
    /// {subject}: a root with extendedKeyUsage (Baseline Requirements 7.1.2.1.2)
    public static let rootWithExtendedKeyUsage = Self(rawValue: "rootWithExtendedKeyUsage")

    // MARK: ASiC-E containers
    /// the container has no META-INF/ASiCManifest*.xml: no CAdES signature to check
    public static let asicNoManifest = Self(rawValue: "asicNoManifest")
    /// {file}: digest algorithm {algorithm} is not accepted
    public static let asicDigestAlgorithmNotAccepted = Self(rawValue: "asicDigestAlgorithmNotAccepted")
    /// {file} is signed but missing from the container
    public static let asicFileMissing = Self(rawValue: "asicFileMissing")
    /// {file} was altered after it was signed
    public static let asicFileAltered = Self(rawValue: "asicFileAltered")
    /// not covered by any valid signature: {files}
    public static let asicUncoveredFiles = Self(rawValue: "asicUncoveredFiles")
}

enum Catalogue {
    struct Entry: Sendable {
        let code: Finding.Code
        let parameters: [Finding.ParameterSpec]
        let english: String
        let arabic: String

        /// `parameters` as "key:kind", with a trailing "?" when the parameter may be absent.
        init(_ code: Finding.Code, _ parameters: [String], en: String, ar: String) {
            self.code = code
            self.parameters = parameters.map { spec in
                let parts = spec.split(separator: ":")
                let optional = parts[1].hasSuffix("?")
                return Finding.ParameterSpec(name: String(parts[0]),
                                             kind: Finding.Parameter.Kind(rawValue: String(parts[1].filter { $0 != "?" }))!,
                                             optional: optional)
            }
            self.english = en
            self.arabic = ar
        }
    }

    static let entries: [Entry] = [
        // MARK: The signature file as a whole
        Entry(.noSigner, [],
              en: "the signature contains no signer",
              ar: "لا يحتوي ملف التوقيع على أي موقِّع"),
        Entry(.contentNotInsideSignature, ["content:text"],
              en: "{content} is not the document inside the signature (an enveloping signature carries its own content)",
              ar: "الملف {content} ليس الوثيقة المضمَّنة في ملف التوقيع (التوقيع المغلِّف يحمل وثيقته بداخله)"),
        Entry(.digestAlgorithmsEmpty, [],
              en: "the SignedData digestAlgorithms set is empty",
              ar: "مجموعة خوارزميات البصمة (digestAlgorithms) في SignedData فارغة"),
        Entry(.digestAlgorithmsNotAlgorithm, [],
              en: "the SignedData digestAlgorithms set holds something other than an algorithm identifier",
              ar: "تحتوي مجموعة خوارزميات البصمة (digestAlgorithms) في SignedData على شيء غير معرِّف خوارزمية"),
        Entry(.digestAlgorithmsMalformedOID, [],
              en: "the SignedData digestAlgorithms set holds a malformed object identifier",
              ar: "تحتوي مجموعة خوارزميات البصمة (digestAlgorithms) في SignedData على معرِّف كائن تالف"),
        Entry(.digestAlgorithmsUnexpectedParameters, [],
              en: "a digest algorithm in the SignedData digestAlgorithms set has unexpected parameters",
              ar: "إحدى خوارزميات البصمة في مجموعة digestAlgorithms في SignedData تحمل معاملات غير متوقعة"),
        Entry(.inputFileNotFound, ["reason:text"],
              en: "{reason}",
              ar: "لم يُعثر على ملف لازم للتحقق (ملف التوقيع أو الوثيقة الموقَّعة)"),
        Entry(.inputUnreadable, ["reason:text"],
              en: "{reason}",
              ar: "تعذّرت قراءة الملف: إنه تالف أو ليس بالصيغة المتوقعة"),
        // MARK: The signer and the signed attributes
        Entry(.signerCertificateMissing, [],
              en: "the signer's certificate is not in the signature and was not supplied",
              ar: "شهادة الموقِّع ليست في ملف التوقيع ولم تُقدَّم"),
        Entry(.noSignedAttributes, [],
              en: "no signed attributes: not a CAdES signature",
              ar: "لا يحمل التوقيع سمات موقَّعة: ليس توقيع CAdES"),
        Entry(.digestAlgorithmNotAccepted, ["algorithm:text"],
              en: "digest algorithm {algorithm} is not accepted",
              ar: "خوارزمية البصمة {algorithm} غير مقبولة"),
        Entry(.noSigningTimeAttribute, [],
              en: "no signing-time attribute",
              ar: "لا يحمل التوقيع وقتاً مصرَّحاً به"),
        Entry(.signingTimeMalformed, [],
              en: "the signing-time signed attribute is malformed (not a UTCTime or GeneralizedTime in DER)",
              ar: "سمة وقت التوقيع الموقَّعة تالفة (ليست UTCTime ولا GeneralizedTime بترميز DER)"),
        Entry(.contentTypeMissing, [],
              en: "the content-type signed attribute is missing",
              ar: "سمة نوع المحتوى الموقَّعة مفقودة"),
        Entry(.contentTypeMalformed, [],
              en: "the content-type signed attribute is malformed (not an object identifier)",
              ar: "سمة نوع المحتوى الموقَّعة تالفة (ليست معرِّف كائن)"),
        Entry(.contentTypeMismatch, [],
              en: "the content-type signed attribute does not match the content",
              ar: "سمة نوع المحتوى الموقَّعة لا تطابق المحتوى"),
        Entry(.documentAltered, [],
              en: "the document was altered: its digest does not match the signed digest",
              ar: "عُدِّلت الوثيقة: بصمتها لا تطابق البصمة الموقَّعة"),
        Entry(.messageDigestMissing, [],
              en: "the message-digest signed attribute is missing",
              ar: "سمة بصمة الرسالة الموقَّعة مفقودة"),
        Entry(.messageDigestMalformed, [],
              en: "the message-digest signed attribute is malformed (not one OCTET STRING): nothing ties the signature to a document",
              ar: "سمة بصمة الرسالة الموقَّعة تالفة (ليست OCTET STRING واحدة): لا شيء يربط التوقيع بوثيقة"),
        Entry(.signatureValueInvalid, [],
              en: "the signature value does not verify with the signer's public key",
              ar: "قيمة التوقيع لا تتحقق بالمفتاح العام للموقِّع"),
        Entry(.signatureAlgorithmKeyMismatch, ["algorithm:text", "keyType:text"],
              en: "the signature algorithm {algorithm} does not fit the signer's {keyType} key",
              ar: "خوارزمية التوقيع {algorithm} لا تناسب مفتاح الموقِّع من نوع {keyType}"),
        Entry(.signatureAlgorithmNotAccepted, ["algorithm:text"],
              en: "signature algorithm {algorithm} is not accepted",
              ar: "خوارزمية التوقيع {algorithm} غير مقبولة"),
        Entry(.signatureAlgorithmDigestMismatch, ["algorithm:text", "digest:text", "digestAlgorithm:text"],
              en: "the signature algorithm {algorithm} names {digest}, but the digest algorithm is {digestAlgorithm}",
              ar: "خوارزمية التوقيع {algorithm} تسمّي {digest}، لكن خوارزمية البصمة هي {digestAlgorithm}"),
        Entry(.attributeRepeated, ["attribute:text", "count:number"],
              en: "the {attribute} signed attribute occurs {count} times; RFC 5652 allows it once",
              ar: "السمة الموقَّعة {attribute} ترد {count} مرات، ولا يسمح RFC 5652 بورودها إلا مرة واحدة"),
        Entry(.attributeValueCount, ["attribute:text", "count:number"],
              en: "the {attribute} signed attribute carries {count} values; it must carry exactly one",
              ar: "السمة الموقَّعة {attribute} تحمل {count} من القيم، ويجب أن تحمل قيمة واحدة بالضبط"),
        Entry(.attributeNotSigned, ["attribute:text"],
              en: "a {attribute} attribute is among the unsigned attributes; RFC 5652 requires it to be signed",
              ar: "السمة {attribute} واردة بين السمات غير الموقَّعة، ويشترط RFC 5652 أن تكون موقَّعة"),
        Entry(.countersignatureSigned, [],
              en: "a countersignature is among the signed attributes; RFC 5652 allows it only unsigned",
              ar: "يرد توقيع مضادّ بين السمات الموقَّعة، ولا يسمح به RFC 5652 إلا بين السمات غير الموقَّعة"),
        Entry(.signedAttributesNotDER, [],
              en: "the signed attributes are not in DER order (RFC 5652 5.3 requires DER)",
              ar: "السمات الموقَّعة ليست مرتَّبة وفق DER (يشترط RFC 5652 5.3 ترميز DER)"),
        Entry(.noSigningCertificateAttribute, [],
              en: "no signing-certificate attribute: a plain CMS signature, not CAdES; the signer is identified by issuer and serial number only",
              ar: "لا يحمل التوقيع سمة شهادة التوقيع: هو توقيع CMS عادي وليس CAdES، ويُعرَّف الموقِّع بالجهة المُصدِرة والرقم التسلسلي فقط"),
        Entry(.signingCertificateMismatch, [],
              en: "the signing-certificate attribute does not match the signer's certificate",
              ar: "سمة شهادة التوقيع لا تطابق شهادة الموقِّع"),
        Entry(.signingCertificateMalformed, [],
              en: "the signing-certificate attribute is malformed (not an ESS SigningCertificate sequence)",
              ar: "سمة شهادة التوقيع تالفة (ليست تسلسل ESS SigningCertificate)"),
        Entry(.signerExtensionMalformed, ["subject:name"],
              en: "the certificate {subject} has a malformed extension",
              ar: "تحمل الشهادة {subject} امتداداً تالفاً"),
        Entry(.keyUsageNotForSigning, ["subject:name"],
              en: "the key usage of {subject} allows neither digitalSignature nor nonRepudiation",
              ar: "استخدامات مفتاح الشهادة {subject} لا تسمح بالتوقيع الرقمي (digitalSignature) ولا بعدم الإنكار (nonRepudiation)"),
        Entry(.extendedKeyUsageNotForSigning, ["subject:name", "usages:list?"],
              en: "the extendedKeyUsage of {subject}[ ({usages})] permits neither documentSigning, emailProtection nor anyExtendedKeyUsage",
              ar: "الاستخدام الموسَّع للمفتاح (extendedKeyUsage) في الشهادة {subject}[ ({usages})] لا يسمح بـ documentSigning ولا emailProtection ولا anyExtendedKeyUsage"),
        // MARK: Keys and algorithms
        Entry(.rsaKeyTooSmall, ["subject:name", "bits:number"],
              en: "{subject}: RSA key of {bits} bits (at least 2048 required)",
              ar: "مفتاح الشهادة {subject} من نوع RSA بطول {bits} بت (المطلوب 2048 بت على الأقل)"),
        Entry(.rsaModulusNotWholeOctets, ["subject:name", "bits:number"],
              en: "{subject}: RSA modulus of {bits} bits is not a whole number of octets",
              ar: "مقياس مفتاح RSA في الشهادة {subject} بطول {bits} بت، وهو ليس عدداً صحيحاً من الثمانيات"),
        Entry(.ecKeyWithoutNamedCurve, ["subject:name"],
              en: "{subject}: EC key without a named curve",
              ar: "مفتاح الشهادة {subject} من نوع EC بلا منحنى مسمّى"),
        Entry(.ecCurveNotAccepted, ["subject:name", "curve:text"],
              en: "{subject}: EC key on curve {curve} (P-256, P-384 or P-521 required)",
              ar: "مفتاح الشهادة {subject} على المنحنى {curve} (المطلوب P-256 أو P-384 أو P-521)"),
        Entry(.dsaKeyNotAccepted, ["subject:name"],
              en: "{subject}: DSA key (not accepted)",
              ar: "مفتاح الشهادة {subject} من نوع DSA، وهو غير مقبول"),
        Entry(.keyTypeNotSupported, ["subject:name"],
              en: "{subject}: unsupported public key type",
              ar: "نوع المفتاح العام في الشهادة {subject} غير مدعوم"),
        Entry(.publicKeyUnreadable, ["subject:name"],
              en: "{subject}: the public key cannot be read",
              ar: "تعذّرت قراءة المفتاح العام في الشهادة {subject}"),
        Entry(.certificateSignedWithWeakDigest, ["subject:name", "digest:text"],
              en: "{subject}: signed with {digest}, which is no longer accepted",
              ar: "الشهادة {subject} موقَّعة بخوارزمية البصمة {digest}، ولم تعد مقبولة"),
        Entry(.certificateSignatureAlgorithmUnknown, ["subject:name", "algorithm:text?"],
              en: "{subject}: signature algorithm[ {algorithm}] is not known",
              ar: "خوارزمية توقيع الشهادة {subject}[ ({algorithm})] غير معروفة"),
        Entry(.certificateSignatureAlgorithmWeak, ["subject:name", "algorithm:text", "digest:text"],
              en: "{subject}: signature algorithm {algorithm} uses {digest}, which is no longer accepted",
              ar: "خوارزمية توقيع الشهادة {subject} ({algorithm}) تستخدم {digest}، ولم تعد مقبولة"),
        Entry(.crlSignatureAlgorithmUnknown, ["issuer:name", "algorithm:text?"],
              en: "the CRL of {issuer}: signature algorithm[ {algorithm}] is not known; it is not used",
              ar: "قائمة الإلغاء (CRL) الصادرة عن {issuer}: خوارزمية توقيعها[ ({algorithm})] غير معروفة، فلم تُعتمد"),
        Entry(.crlSignatureAlgorithmWeak, ["issuer:name", "algorithm:text", "digest:text"],
              en: "the CRL of {issuer}: signature algorithm {algorithm} uses {digest}, which is no longer accepted; it is not used",
              ar: "قائمة الإلغاء (CRL) الصادرة عن {issuer}: خوارزمية توقيعها ({algorithm}) تستخدم {digest} التي لم تعد مقبولة، فلم تُعتمد"),
        // MARK: Signature timestamps and proof of existence
        Entry(.signatureTimestampWithoutTSACertificate, ["tsa:name"],
              en: "the signature timestamp from {tsa} does not carry its TSA's certificate; it is not used as proof of existence",
              ar: "الختم الزمني للتوقيع الصادر عن {tsa} لا يحمل شهادة جهة الختم الزمني (TSA)، فلا يُعتمد دليلاً على الوجود"),
        Entry(.signatureTimestampUnreadable, ["reason:text"],
              en: "the signature timestamp cannot be read ({reason}); it is not used as proof of existence",
              ar: "تعذّرت قراءة الختم الزمني للتوقيع، فلا يُعتمد دليلاً على الوجود"),
        Entry(.signatureTimestampCoversOtherData, [],
              en: "the signature timestamp covers something other than this signature value; it is not used as proof of existence",
              ar: "الختم الزمني للتوقيع يغطي شيئاً غير قيمة هذا التوقيع، فلا يُعتمد دليلاً على الوجود"),
        Entry(.signatureTimestampInvalid, ["tsa:name", "reason:text?"],
              en: "the timestamp from {tsa} does not verify[: {reason}]; it is not used as proof of existence",
              ar: "الختم الزمني الصادر عن {tsa} لا يتحقق[: {reason}]، فلا يُعتمد دليلاً على الوجود"),
        Entry(.tsaRevokedNotUsed, ["tsa:name", "revokedAt:time?"],
              en: "the certificate of {tsa} was revoked[ on {revokedAt}]; its timestamp is not used as proof of existence",
              ar: "أُلغيت شهادة {tsa}[ في {revokedAt}]، فلا يُعتمد ختمها الزمني دليلاً على الوجود"),
        Entry(.signingTimeAfterTimestamp, ["signingTime:time", "timestamp:time"],
              en: "the claimed signing time ({signingTime}) is after the signature timestamp ({timestamp}): the signer's clock or claim is wrong",
              ar: "وقت التوقيع المصرَّح به ({signingTime}) لاحق للختم الزمني للتوقيع ({timestamp}): ساعة الموقِّع أو تصريحه غير صحيح"),
        // MARK: Standalone timestamps
        Entry(.timestampDigestAlgorithmNotAccepted, [],
              en: "the timestamp's digest algorithm is not accepted (SHA-256, SHA-384 or SHA-512 are)",
              ar: "خوارزمية البصمة في الختم الزمني غير مقبولة (المقبول SHA-256 أو SHA-384 أو SHA-512)"),
        Entry(.timestampedFileAltered, [],
              en: "the file was altered: its digest is not the one the timestamp covers",
              ar: "عُدِّل الملف: بصمته ليست البصمة التي يغطيها الختم الزمني"),
        Entry(.timestampWithoutTSACertificate, [],
              en: "the timestamp does not carry its TSA's certificate",
              ar: "لا يحمل الختم الزمني شهادة جهة الختم الزمني (TSA)"),
        Entry(.tsaCertificateUnreadable, [],
              en: "the TSA's certificate cannot be read",
              ar: "تعذّرت قراءة شهادة جهة الختم الزمني (TSA)"),
        Entry(.timestampInvalid, ["tsa:name", "reason:text?"],
              en: "the timestamp from {tsa} does not verify[: {reason}]",
              ar: "الختم الزمني الصادر عن {tsa} لا يتحقق[: {reason}]"),
        Entry(.tsaRevoked, ["subject:name", "revokedAt:time?"],
              en: "the TSA's certificate {subject} was revoked[ on {revokedAt}]: the timestamp cannot be trusted",
              ar: "أُلغيت شهادة جهة الختم الزمني {subject}[ في {revokedAt}]: لا يمكن الوثوق بالختم"),
        Entry(.tsaCARevoked, ["subject:name", "revokedAt:time?"],
              en: "CA certificate {subject} was revoked[ on {revokedAt}]: the timestamp cannot be trusted",
              ar: "أُلغيت شهادة جهة التصديق {subject}[ في {revokedAt}]: لا يمكن الوثوق بالختم الزمني"),
        // MARK: Revocation
        Entry(.revokedAfterTimestamp, ["subject:name", "revokedAt:time", "timestamp:time"],
              en: "the signer's certificate {subject} was revoked on {revokedAt}, after the timestamp proves the signature existed ({timestamp})",
              ar: "أُلغيت شهادة الموقِّع {subject} في {revokedAt}، بعد أن أثبت الختم الزمني وجود التوقيع ({timestamp})"),
        Entry(.caRevokedAfterTimestamp, ["subject:name", "revokedAt:time", "timestamp:time"],
              en: "CA certificate {subject} was revoked on {revokedAt}, after the timestamp proves the signature existed ({timestamp})",
              ar: "أُلغيت شهادة جهة التصديق {subject} في {revokedAt}، بعد أن أثبت الختم الزمني وجود التوقيع ({timestamp})"),
        Entry(.revokedBeforeTimestamp, ["subject:name", "revokedAt:time"],
              en: "the signer's certificate {subject} was revoked on {revokedAt}, before the signature timestamp",
              ar: "أُلغيت شهادة الموقِّع {subject} في {revokedAt}، قبل الختم الزمني للتوقيع"),
        Entry(.revokedBeforeSigningTime, ["subject:name", "revokedAt:time"],
              en: "the signer's certificate {subject} was revoked on {revokedAt}, before the claimed signing time",
              ar: "أُلغيت شهادة الموقِّع {subject} في {revokedAt}، قبل وقت التوقيع المصرَّح به"),
        Entry(.revokedNoProofOfExistence, ["subject:name", "revokedAt:time?"],
              en: "the signer's certificate {subject} was revoked[ on {revokedAt}] and nothing proves the signature existed before",
              ar: "أُلغيت شهادة الموقِّع {subject}[ في {revokedAt}]، ولا دليل على أن التوقيع وُجد قبل ذلك"),
        Entry(.caRevoked, ["subject:name", "revokedAt:time?"],
              en: "CA certificate {subject} was revoked[ on {revokedAt}]",
              ar: "أُلغيت شهادة جهة التصديق {subject}[ في {revokedAt}]"),
        Entry(.certificateRevoked, ["subject:name", "revokedAt:time?"],
              en: "certificate {subject} was revoked[ on {revokedAt}]",
              ar: "أُلغيت الشهادة {subject}[ في {revokedAt}]"),
        Entry(.certificateRevokedByOCSP, ["subject:name", "revokedAt:time", "url:text"],
              en: "certificate {subject} was revoked on {revokedAt} (OCSP, {url})",
              ar: "أُلغيت الشهادة {subject} في {revokedAt} (بحسب جواب OCSP من {url})"),
        Entry(.crlNotCurrent, ["issuer:name", "time:time"],
              en: "the embedded CRL of {issuer} was not current at {time} (issued more than a day before, or expired); it is not used",
              ar: "قائمة الإلغاء المضمَّنة الصادرة عن {issuer} لم تكن سارية في {time} (صدرت قبله بأكثر من يوم أو انتهت)، فلم تُعتمد"),
        Entry(.ocspResponseNotCurrent, ["subject:name", "time:time"],
              en: "the embedded OCSP response about {subject} was not current at {time} (produced more than a day before, or expired); it is not used",
              ar: "جواب OCSP المضمَّن عن {subject} لم يكن سارياً في {time} (صدر قبله بأكثر من يوم أو انتهى)، فلم يُعتمد"),
        Entry(.crlFetchFailed, ["subject:name", "reason:text"],
              en: "the CRL of {subject} could not be fetched: {reason}",
              ar: "تعذَّر تنزيل قائمة الإلغاء (CRL) الخاصة بـ {subject}"),
        Entry(.ocspUnknownCertificate, ["subject:name"],
              en: "the OCSP responder does not know {subject}",
              ar: "خادم OCSP لا يعرف الشهادة {subject}"),
        Entry(.ocspQueryFailed, ["subject:name", "reason:text"],
              en: "the OCSP responder of {subject} could not be asked: {reason}",
              ar: "تعذَّر سؤال خادم OCSP عن الشهادة {subject}"),
        Entry(.revocationNotChecked, ["subject:name"],
              en: "revocation status not checked for {subject}: no CRL or OCSP answer was given or found",
              ar: "لم يُتحقَّق من إلغاء الشهادة {subject}: لم تُقدَّم قائمة إلغاء (CRL) ولا جواب OCSP ولم يُعثر عليهما"),
        Entry(.revocationNotCheckedNoAddress, ["subject:name"],
              en: "revocation status not checked for {subject}: it names no CRL or OCSP address that answered",
              ar: "لم يُتحقَّق من إلغاء الشهادة {subject}: لا تذكر عنوان CRL أو OCSP أجاب"),
        Entry(.revocationNotCheckedOffline, [],
              en: "revocation was not checked: no --crl was given and the certificates' CRL and OCSP addresses were not asked (--offline)",
              ar: "لم يُتحقَّق من الإلغاء: لم تُقدَّم قائمة إلغاء (--crl) ولم تُسأل عناوين CRL وOCSP المذكورة في الشهادات (--offline)"),
        Entry(.revocationNotCheckedNoTrustAnchor, [],
              en: "revocation was not checked: the path does not reach a trust anchor, so its addresses were not asked",
              ar: "لم يُتحقَّق من الإلغاء: المسار لا يصل إلى جذر موثوق، فلم تُسأل العناوين التي تذكرها الشهادات"),
        Entry(.crlWithoutNumber, ["issuer:name"],
              en: "a CRL from {issuer} has no CRL number (RFC 5280 5.2.3) and was not used",
              ar: "قائمة إلغاء (CRL) صادرة عن {issuer} لا تحمل رقم قائمة (RFC 5280 5.2.3)، فلم تُستخدم"),
        Entry(.noUsableCRL, [],
              en: "no usable CRL: revocation status unknown",
              ar: "لا توجد قائمة إلغاء (CRL) صالحة للاستخدام: حالة الإلغاء غير معروفة"),
        Entry(.crlMissing, ["subject:name"],
              en: "no CRL for {subject}: revocation status unknown",
              ar: "لا توجد قائمة إلغاء (CRL) للشهادة {subject}: حالة الإلغاء غير معروفة"),
        Entry(.crlExpired, ["subject:name"],
              en: "the CRL for {subject} is outside its validity period: it has expired",
              ar: "قائمة الإلغاء (CRL) الخاصة بـ {subject} خارج مدة صلاحيتها: انتهت صلاحيتها"),
        Entry(.crlNotYetValid, ["subject:name"],
              en: "the CRL for {subject} is outside its validity period: it is not yet valid",
              ar: "قائمة الإلغاء (CRL) الخاصة بـ {subject} خارج مدة صلاحيتها: لم تبدأ صلاحيتها بعد"),
        Entry(.crlSignatureInvalid, ["subject:name"],
              en: "the signature of the CRL for {subject} does not verify",
              ar: "توقيع قائمة الإلغاء (CRL) الخاصة بـ {subject} لا يتحقق"),
        // MARK: Validity periods
        Entry(.certificateExpired, ["subject:name", "expiredAt:time"],
              en: "certificate {subject} expired on {expiredAt}",
              ar: "انتهت صلاحية الشهادة {subject} في {expiredAt}"),
        Entry(.certificateNotYetValid, ["subject:name", "validFrom:time"],
              en: "certificate {subject} is not valid before {validFrom}",
              ar: "الشهادة {subject} لا تسري قبل {validFrom}"),
        Entry(.certificateExpiredNoProofOfExistence, ["subject:name", "expiredAt:time"],
              en: "certificate {subject} expired on {expiredAt}, and nothing proves the signature existed while it was valid",
              ar: "انتهت صلاحية الشهادة {subject} في {expiredAt}، ولا دليل على أن التوقيع وُجد أثناء سريانها"),
        Entry(.certificateNotYetValidNoProofOfExistence, ["subject:name", "validFrom:time"],
              en: "certificate {subject} is not valid before {validFrom}, and nothing proves the signature existed while it was valid",
              ar: "الشهادة {subject} لا تسري قبل {validFrom}، ولا دليل على أن التوقيع وُجد أثناء سريانها"),
        Entry(.certificateExpiredAtTimestamp, ["subject:name", "expiredAt:time"],
              en: "certificate {subject} expired on {expiredAt}, already at the time of the signature timestamp",
              ar: "انتهت صلاحية الشهادة {subject} في {expiredAt}، وذلك قبل وقت الختم الزمني للتوقيع"),
        Entry(.certificateNotYetValidAtTimestamp, ["subject:name", "validFrom:time"],
              en: "certificate {subject} is not valid before {validFrom}, already at the time of the signature timestamp",
              ar: "الشهادة {subject} لا تسري قبل {validFrom}، ولم تكن سارية بعدُ وقت الختم الزمني للتوقيع"),
        Entry(.certificateExpiredAfterTimestamp, ["subject:name", "expiredAt:time"],
              en: "certificate {subject} expired on {expiredAt}, after the signature timestamp",
              ar: "انتهت صلاحية الشهادة {subject} في {expiredAt}، بعد الختم الزمني للتوقيع"),
        Entry(.certificateNotYetValidAfterTimestamp, ["subject:name", "validFrom:time"],
              en: "certificate {subject} is not valid before {validFrom}, as judged after the signature timestamp",
              ar: "الشهادة {subject} لا تسري قبل {validFrom}، بحسب التقدير بعد الختم الزمني للتوقيع"),
        // MARK: Certificate paths (OpenSSL's X509_V_ERR cases)
        Entry(.issuerNotFound, ["subject:name"],
              en: "no chain from {subject} to a trusted root: its issuer's certificate was not found",
              ar: "لا توجد سلسلة من {subject} إلى جذر موثوق: لم يُعثر على شهادة الجهة المُصدِرة لها"),
        Entry(.untrustedRoot, ["subject:name"],
              en: "no chain to a trusted root: the path ends at {subject}, which is not trusted",
              ar: "لا توجد سلسلة إلى جذر موثوق: ينتهي المسار عند الشهادة {subject} وهي غير موثوقة"),
        Entry(.certificateSignatureInvalid, ["subject:name"],
              en: "{subject}: the certificate's signature does not verify",
              ar: "توقيع الشهادة {subject} لا يتحقق"),
        Entry(.keyTooSmall, ["subject:name"],
              en: "{subject}: the key is too small for the required security level",
              ar: "مفتاح الشهادة {subject} أصغر مما يقتضيه مستوى الأمان المطلوب"),
        Entry(.digestTooWeak, ["subject:name"],
              en: "{subject}: the certificate is signed with a digest too weak for the required security level",
              ar: "الشهادة {subject} موقَّعة بخوارزمية بصمة أضعف مما يقتضيه مستوى الأمان المطلوب"),
        Entry(.notACertificationAuthority, ["subject:name"],
              en: "{subject} issued a certificate but is not a valid CA certificate",
              ar: "أصدرت الشهادة {subject} شهادة أخرى وهي ليست شهادة جهة تصديق صالحة"),
        Entry(.pathLengthExceeded, ["subject:name"],
              en: "{subject}: the path length constraint is exceeded",
              ar: "تجاوز المسار قيد طول المسار في الشهادة {subject}"),
        Entry(.chainTooLong, ["subject:name"],
              en: "{subject}: the chain is longer than the maximum depth allowed",
              ar: "سلسلة الشهادات عند {subject} أطول من العمق الأقصى المسموح به"),
        Entry(.purposeNotAllowed, ["subject:name"],
              en: "{subject} may not be used for the purpose asked",
              ar: "لا يجوز استخدام الشهادة {subject} للغرض المطلوب"),
        Entry(.hostNameMismatch, ["subject:name", "host:text?"],
              en: "{subject} does not name the host[ {host}]",
              ar: "الشهادة {subject} لا تحمل اسم المضيف[ {host}]"),
        Entry(.ipAddressMismatch, ["subject:name", "address:text?"],
              en: "{subject} does not name the IP address[ {address}]",
              ar: "الشهادة {subject} لا تحمل عنوان IP[ {address}]"),
        Entry(.pathError, ["depth:number", "subject:name?", "reason:text"],
              en: "certificate at depth {depth}[ ({subject})]: {reason}",
              ar: "الشهادة في العمق {depth}[ ({subject})]: {reason}"),
        Entry(.pathValidationNotStarted, ["reason:text"],
              en: "cannot start path validation: {reason}",
              ar: "تعذّر بدء التحقق من مسار الشهادات: {reason}"),
        Entry(.pathValidationFailed, [],
              en: "path validation failed",
              ar: "فشل التحقق من مسار الشهادات"),
        Entry(.outOfMemory, [],
              en: "out of memory",
              ar: "نفدت الذاكرة"),
        Entry(.notAnIPAddress, ["address:text"],
              en: "'{address}' is not an IP address",
              ar: "'{address}' ليس عنوان IP"),
        // MARK: RFC 5280 and certificate profiles
        Entry(.negativeSerialNumber, ["subject:name"],
              en: "{subject}: negative serial number (RFC 5280 4.1.2.2)",
              ar: "الرقم التسلسلي للشهادة {subject} سالب (RFC 5280 4.1.2.2)"),
        Entry(.zeroSerialNumber, ["subject:name"],
              en: "{subject}: zero serial number (RFC 5280 4.1.2.2)",
              ar: "الرقم التسلسلي للشهادة {subject} صفر (RFC 5280 4.1.2.2)"),
        Entry(.serialNumberTooLong, ["subject:name"],
              en: "{subject}: serial number longer than 20 octets (RFC 5280 4.1.2.2)",
              ar: "الرقم التسلسلي للشهادة {subject} أطول من 20 ثمانية (RFC 5280 4.1.2.2)"),
        Entry(.extendedKeyUsageEmpty, ["subject:name"],
              en: "{subject}: the extended key usage extension lists no purpose (RFC 5280 4.2.1.12)",
              ar: "امتداد الاستخدام الموسَّع للمفتاح في الشهادة {subject} لا يذكر أي غرض (RFC 5280 4.2.1.12)"),
        Entry(.issuerLacksKeyCertSign, ["subject:name"],
              en: "{subject}: a CA whose key usage lacks keyCertSign issued a certificate (RFC 5280 4.2.1.3)",
              ar: "أصدرت جهة التصديق {subject} شهادة مع أن استخدامات مفتاحها لا تشمل keyCertSign (RFC 5280 4.2.1.3)"),
        Entry(.certificateVersionNot3, ["subject:name", "version:number"],
              en: "{subject}: version {version} certificate; version 3 is required",
              ar: "الشهادة {subject} من الإصدار {version}، والمطلوب الإصدار 3"),
        Entry(.extensionMalformed, ["subject:name", "extension:text"],
              en: "{subject}: the {extension} extension is malformed",
              ar: "الامتداد {extension} في الشهادة {subject} تالف"),
        Entry(.extensionNotCritical, ["subject:name", "extension:text"],
              en: "{subject}: the {extension} extension must be critical (RFC 5280 4.2.1)",
              ar: "يجب أن يكون الامتداد {extension} في الشهادة {subject} حرجاً (RFC 5280 4.2.1)"),
        Entry(.caWithoutKeyCertSign, ["subject:name"],
              en: "{subject}: basicConstraints says CA but the key usage does not allow keyCertSign",
              ar: "الشهادة {subject}: تنصّ basicConstraints على أنها جهة تصديق، لكن استخدامات المفتاح لا تسمح بـ keyCertSign"),
        Entry(.nameConstraintsInEndEntity, ["subject:name"],
              en: "{subject}: name constraints are only allowed in CA certificates (RFC 5280 4.2.1.10)",
              ar: "الشهادة {subject}: قيود الأسماء لا يُسمح بها إلا في شهادات جهات التصديق (RFC 5280 4.2.1.10)"),
        Entry(.nameConstraintsEmpty, ["subject:name"],
              en: "{subject}: name constraints with neither permitted nor excluded subtrees (RFC 5280 4.2.1.10)",
              ar: "الشهادة {subject}: قيود أسماء بلا أشجار مسموحة ولا مستثناة (RFC 5280 4.2.1.10)"),
        Entry(.nameConstraintLeadingPeriod, ["subject:name", "constraint:text"],
              en: "{subject}: DNS name constraint '{constraint}' starts with a period (RFC 5280 4.2.1.10)",
              ar: "الشهادة {subject}: قيد اسم DNS '{constraint}' يبدأ بنقطة (RFC 5280 4.2.1.10)"),
        Entry(.wildcardCoversExcludedName, ["subject:name", "wildcard:text", "excluded:text", "ca:name"],
              en: "{subject}: wildcard '{wildcard}' covers '{excluded}', which {ca} excludes",
              ar: "الشهادة {subject}: الاسم الشامل '{wildcard}' يغطي '{excluded}' الذي تستثنيه جهة التصديق {ca}"),
        Entry(.nameConstraintsMalformed, ["subject:name"],
              en: "{subject}: the name constraints extension is malformed",
              ar: "امتداد قيود الأسماء في الشهادة {subject} تالف"),
        Entry(.subjectAltNameNotDNSName, ["subject:name", "name:text"],
              en: "{subject}: subjectAltName '{name}' is not a valid DNS name",
              ar: "الشهادة {subject}: الاسم البديل (subjectAltName) '{name}' ليس اسم DNS صالحاً"),
        Entry(.subjectAltNameMalformed, ["subject:name"],
              en: "{subject}: the subject alternative name extension is malformed",
              ar: "امتداد الاسم البديل (subjectAltName) في الشهادة {subject} تالف"),
        Entry(.extendedKeyUsageLacksPurpose, ["subject:name", "purpose:text"],
              en: "{subject}: extendedKeyUsage does not list {purpose}",
              ar: "الشهادة {subject}: الاستخدام الموسَّع للمفتاح (extendedKeyUsage) لا يذكر {purpose}"),
        Entry(.extendedKeyUsageCritical, ["subject:name"],
              en: "{subject}: extendedKeyUsage must not be critical in a TLS certificate",
              ar: "الشهادة {subject}: يجب ألا يكون الاستخدام الموسَّع للمفتاح (extendedKeyUsage) حرجاً في شهادة TLS"),
        Entry(.subjectAltNameCritical, ["subject:name"],
              en: "{subject}: subjectAltName is critical although the subject is not empty (RFC 5280 4.2.1.6)",
              ar: "الشهادة {subject}: الاسم البديل (subjectAltName) حرج مع أن اسم صاحب الشهادة غير فارغ (RFC 5280 4.2.1.6)"),
        Entry(.anyExtendedKeyUsageInTLS, ["subject:name"],
              en: "{subject}: anyExtendedKeyUsage in a TLS certificate (Baseline Requirements 7.1.2.7.10)",
              ar: "الشهادة {subject}: anyExtendedKeyUsage في شهادة TLS (المتطلبات الأساسية 7.1.2.7.10)"),
        Entry(.commonNameNotInSubjectAltName, ["subject:name"],
              en: "{subject}: the common name is not one of the subjectAltName values (Baseline Requirements 7.1.4.3)",
              ar: "الشهادة {subject}: الاسم الشائع ليس من قيم الاسم البديل (subjectAltName) (المتطلبات الأساسية 7.1.4.3)"),
        Entry(.rootWithExtendedKeyUsage, ["subject:name"],
              en: "{subject}: a root with extendedKeyUsage (Baseline Requirements 7.1.2.1.2)",
              ar: "الشهادة الجذر {subject} تحمل extendedKeyUsage (المتطلبات الأساسية 7.1.2.1.2)"),
        // MARK: ASiC-E containers
        Entry(.asicNoManifest, [],
              en: "the container has no META-INF/ASiCManifest*.xml: no CAdES signature to check",
              ar: "لا تحتوي الحاوية على META-INF/ASiCManifest*.xml: لا يوجد توقيع CAdES للتحقق منه"),
        Entry(.asicDigestAlgorithmNotAccepted, ["file:text", "algorithm:text"],
              en: "{file}: digest algorithm {algorithm} is not accepted",
              ar: "الملف {file}: خوارزمية البصمة {algorithm} غير مقبولة"),
        Entry(.asicFileMissing, ["file:text"],
              en: "{file} is signed but missing from the container",
              ar: "الملف {file} موقَّع لكنه غير موجود في الحاوية"),
        Entry(.asicFileAltered, ["file:text"],
              en: "{file} was altered after it was signed",
              ar: "عُدِّل الملف {file} بعد توقيعه"),
        Entry(.asicUncoveredFiles, ["files:list"],
              en: "not covered by any valid signature: {files}",
              ar: "ملفات لا يغطيها أي توقيع صحيح: {files}"),
    ]

    private static let byCode: [Finding.Code: Entry] = Dictionary(entries.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })

    static func entry(for code: Finding.Code) -> Entry? { byCode[code] }
}

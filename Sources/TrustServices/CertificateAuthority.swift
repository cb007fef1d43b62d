internal import COpenSSL
import Foundation
import SignService
#if canImport(Glibc)
import Glibc
#endif

/// Settings kept in `DATA/authority.json`, fixed at `signtool ca init`.
public struct AuthorityConfiguration: Codable, Sendable {
    /// Where `signtool serve` is reached; issued certificates point their CRL distribution
    /// point and OCSP / caIssuers access here.
    public var publicURL: String?
    /// certificatePolicies OID put in every end-entity certificate.
    public var policyOID: String
    /// The TSA's policy OID (RFC 3161 TSTInfo.policy).
    public var timestampPolicyOID: String
    /// The accuracy the TSA claims, in milliseconds.
    public var timestampAccuracyMilliseconds: Int
    /// How long a CRL stays current (nextUpdate - thisUpdate).
    public var crlValidityHours: Int
    /// Key algorithm of the CA and service keys.
    public var algorithm: String

    /// A placeholder arc under 2.999 (ITU-T X.660 "example"); a real deployment registers its own.
    public static let defaultPolicyOID = "2.999.760.1.1"
    public static let defaultTimestampPolicyOID = "2.999.760.1.2"
}

/// A certificate authority kept in one data directory: a root and an issuing CA, the
/// service's TSA and OCSP-responder certificates, their encrypted keys (mode 0600), and a
/// SQLite register of everything issued and revoked.
///
/// ```
/// DATA/authority.json       configuration
/// DATA/authority.sqlite     register (certificates, revocations, CRLs, counters)
/// DATA/ca/root.pem, root.key, issuing.pem, issuing.key
/// DATA/service/tsa.pem, tsa.key, ocsp.pem, ocsp.key
/// ```
/// All keys share one passphrase, the CA passphrase.
public final class CertificateAuthority: Sendable {
    public let directory: String
    public let configuration: AuthorityConfiguration
    public let register: any AuthorityRegister
    public let root: Certificate
    public let issuing: Certificate

    /// The service identities `signtool serve` uses.
    public enum ServiceRole: String, Sendable { case tsa, ocsp }

    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let configured = environment["SIGNTOOL_DATA"], !configured.isEmpty { return configured }
        return "./signtool-data"
    }

    // MARK: Opening

    public init(directory: String) throws {
        self.directory = directory
        let configPath = directory + "/authority.json"
        guard FileIO.exists(configPath) else {
            if FileIO.exists(directory) {
                throw SignServiceError(code: .fileNotFound, reason: "\(directory) holds no certificate authority; run `signtool ca init --data \(directory)` first")
            }
            throw SignServiceError(code: .fileNotFound, reason: "\(directory): no such data directory; run `signtool ca init --data \(directory)` first")
        }
        do {
            configuration = try JSONDecoder().decode(AuthorityConfiguration.self, from: Data(try FileIO.read(configPath)))
        } catch let error as SignServiceError {
            throw error
        } catch {
            throw SignServiceError.malformed("\(configPath): not a valid configuration (\(error))")
        }
        register = try SQLiteAuthorityRegister(path: directory + "/authority.sqlite")
        root = try Self.loadCertificate(directory + "/ca/root.pem")
        issuing = try Self.loadCertificate(directory + "/ca/issuing.pem")
    }

    static func loadCertificate(_ path: String) throws -> Certificate {
        guard let certificate = try Certificate.loadAll(try FileIO.read(path), source: path).first else {
            throw SignServiceError.malformed("\(path): no certificate")
        }
        return certificate
    }

    public func certificatePath(_ role: ServiceRole) -> String { directory + "/service/\(role.rawValue).pem" }

    public func serviceCertificate(_ role: ServiceRole) throws -> Certificate {
        try Self.loadCertificate(certificatePath(role))
    }

    /// Loads one of the CA's own keys: "ca/root", "ca/issuing", "service/tsa", "service/ocsp".
    func key(_ name: String, passphrase: Passphrase?) throws -> PrivateKey {
        let path = directory + "/\(name).key"
        return try PrivateKey.load(try FileIO.read(path), passphrase: passphrase, source: path)
    }

    public func serviceIdentity(_ role: ServiceRole, passphrase: Passphrase?) throws -> SigningIdentity {
        try SigningIdentity(key: try key("service/\(role.rawValue)", passphrase: passphrase),
                            certificate: try serviceCertificate(role), chain: [issuing, root])
    }

    /// Checks the CA passphrase by decrypting the issuing CA key.
    public func checkPassphrase(_ passphrase: Passphrase?) throws {
        _ = try key("ca/issuing", passphrase: passphrase)
    }

    /// The name under which the service's own TSA token (DATA/service/tsa-token) is a client.
    public static let serviceClientName = "service"

    /// Registers the service's own token as client "service" the first time the service
    /// starts; afterwards that client is revoked and rotated like any other.
    public func registerServiceClient(token: String, key: RegisterKey) throws {
        guard try register.clients().first(where: { $0.name == Self.serviceClientName }) == nil else { return }
        try register.addClient(name: Self.serviceClientName, tokenHash: try ContentDigest.digest(Array(token.utf8), algorithm: .sha256),
                               key: key)
    }

    /// The key that authenticates the register's client rows, derived from the issuing CA
    /// key: only whoever holds the CA passphrase can add, rotate or revoke a client.
    public func registerKey(passphrase: Passphrase?) throws -> RegisterKey {
        try RegisterKey(deriving: try key("ca/issuing", passphrase: passphrase))
    }

    // MARK: Creating

    /// Options for ``create(directory:subject:algorithm:publicURL:policyOID:passphrase:)``.
    public struct Setup: Sendable {
        public var subject: DistinguishedName
        public var algorithm: PrivateKey.Algorithm = .p256
        public var publicURL: String?
        public var policyOID: String = AuthorityConfiguration.defaultPolicyOID
        public var timestampPolicyOID: String = AuthorityConfiguration.defaultTimestampPolicyOID
        public var timestampAccuracyMilliseconds = 1000
        public var crlValidityHours = 24
        public init(subject: DistinguishedName) { self.subject = subject }
    }

    /// What a data directory may already hold when `ca init` runs: the document store
    /// (`signtool store init` may come first; the CA then logs into its audit log).
    static let entriesBesideTheCA: Set<String> = ["store"]

    /// Creates a new CA in `directory`, which must not exist, be empty or hold only a
    /// document store. Everything is written into a sibling temporary directory and
    /// renamed into place at the end (entry by entry beside a store, the configuration
    /// last), so an interrupted init leaves nothing that looks like a CA.
    @discardableResult
    public static func create(directory: String, setup: Setup, passphrase: Passphrase) throws -> CertificateAuthority {
        var existing: [String] = []
        if FileIO.exists(directory) {
            existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["?"]
            let foreign = existing.filter { !entriesBesideTheCA.contains($0) }.sorted()
            guard foreign.isEmpty else {
                let listed = foreign.prefix(5).map { "'\(DisplayText.printable($0, limit: 80))'" }.joined(separator: ", ")
                let what = FileIO.exists(directory + "/authority.json") ? "already holds a certificate authority"
                    : "already holds \(listed)\(foreign.count > 5 ? " and \(foreign.count - 5) more" : "")"
                throw SignServiceError(code: .outputExists,
                                       reason: "\(directory) \(what) (a CA goes into an empty directory, or one with only a store); it was left unchanged")
            }
        }
        if let url = setup.publicURL {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw SignServiceError.malformed("--public-url '\(url)' is not an http(s) URL")
            }
        }
        for oid in [setup.policyOID, setup.timestampPolicyOID] where OBJ_txt2nid(oid) == NID_undef && OBJ_txt2obj(oid, 1) == nil {
            throw SignServiceError.malformed("'\(oid)' is not an object identifier")
        }
        let parent = FileIO.splitPath(directory).directory
        let staging = parent + "/.signtool-data-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        for sub in ["", "/ca", "/service"] {
            guard mkdir(staging + sub, 0o700) == 0 else {
                throw SignServiceError.io("\(staging + sub): cannot create directory: \(FileIO.errnoText())")
            }
        }
        var finished = false
        defer { if !finished { try? FileManager.default.removeItem(atPath: staging) } }

        let configuration = AuthorityConfiguration(
            publicURL: setup.publicURL, policyOID: setup.policyOID, timestampPolicyOID: setup.timestampPolicyOID,
            timestampAccuracyMilliseconds: setup.timestampAccuracyMilliseconds,
            crlValidityHours: setup.crlValidityHours, algorithm: setup.algorithm.rawValue)
        var register: SQLiteAuthorityRegister? = try SQLiteAuthorityRegister(path: staging + "/authority.sqlite")
        let now = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970)).addingTimeInterval(-60)

        func write(_ key: PrivateKey, _ certificate: Certificate, _ name: String) throws {
            try FileIO.writeAtomically(try key.pkcs8PEM(passphrase: passphrase), to: staging + "/\(name).key", mode: 0o600, exactMode: true)
            try FileIO.writeAtomically(try certificate.pemBytes(), to: staging + "/\(name).pem", mode: 0o600, exactMode: true)
        }
        func record(_ certificate: Certificate, issuer: String, profile: CertificateProfile) throws {
            try register?.insert(IssuedCertificate(
                serial: certificate.serialNumberHex, issuer: issuer, subject: certificate.subject, profile: profile.rawValue,
                notBefore: certificate.notBefore ?? now, notAfter: certificate.notAfter ?? now, issuedAt: Date(),
                der: Data(certificate.derBytes), revokedAt: nil, revocationReason: nil))
        }

        let rootKey = try PrivateKey.generate(setup.algorithm)
        let rootName = try setup.subject.makeX509Name()
        defer { X509_NAME_free(rootName) }
        let root = try CertificateBuilder.issue(
            .init(subject: rootName, publicKey: rootKey.pointer, profile: .rootCA, notBefore: now,
                  notAfter: now.addingTimeInterval(Double(CertificateProfile.rootCA.defaultDays) * 86400)),
            serial: try CertificateBuilder.randomSerial(), issuer: nil, issuerKey: rootKey)
        try write(rootKey, root, "ca/root")

        let issuingKey = try PrivateKey.generate(setup.algorithm)
        let issuing = try Self.issueFromSetup(setup, suffix: .issuingCA, profile: .issuingCA, key: issuingKey,
                                             issuer: root, issuerKey: rootKey, now: now, configuration: configuration)
        try write(issuingKey, issuing, "ca/issuing")
        try record(issuing, issuer: "root", profile: .issuingCA)

        for (role, profile, suffix) in [(ServiceRole.tsa, CertificateProfile.tsa, NameSuffix.timestamping),
                                        (.ocsp, .ocsp, NameSuffix.ocsp)] {
            let key = try PrivateKey.generate(setup.algorithm)
            let certificate = try issueFromSetup(setup, suffix: suffix, profile: profile, key: key,
                                                 issuer: issuing, issuerKey: issuingKey, now: now, configuration: configuration)
            try write(key, certificate, "service/\(role.rawValue)")
            try record(certificate, issuer: "issuing", profile: profile)
        }
        let encoded = try JSONEncoder.pretty.encode(configuration)
        try FileIO.writeAtomically(Array(encoded) + [0x0A], to: staging + "/authority.json", mode: 0o600, exactMode: true)

        register = nil  // closed: its WAL is folded into the file before anything moves
        if existing.isEmpty {
            if FileIO.exists(directory) { rmdir(directory) }
            guard rename(staging, directory) == 0 else {
                throw SignServiceError.io("\(directory): cannot move the new CA into place: \(FileIO.errnoText())")
            }
        } else {
            try moveEntries(of: staging, into: directory)
            rmdir(staging)
        }
        finished = true
        let authority = try CertificateAuthority(directory: directory)
        // The first CRLs, so /crl and /crl/root answer from the start.
        _ = try authority.makeCRL(.issuing, passphrase: passphrase)
        _ = try authority.makeCRL(.root, passphrase: passphrase)
        return authority
    }

    /// Moves the staged CA into a directory that holds a store, the configuration last:
    /// until `authority.json` is there the directory is not a CA. On failure what was
    /// moved is removed again (it is this init's, nothing else's) and the error thrown.
    private static func moveEntries(of staging: String, into directory: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: staging)
            .sorted { ($0 == "authority.json" ? 1 : 0, $0) < ($1 == "authority.json" ? 1 : 0, $1) }
        var moved: [String] = []
        do {
            for name in names {
                guard !FileIO.exists(directory + "/" + name) else {
                    throw SignServiceError(code: .outputExists, reason: "\(directory)/\(name) appeared while the CA was being made")
                }
                guard rename(staging + "/" + name, directory + "/" + name) == 0 else {
                    throw SignServiceError.io("\(directory): cannot move the new CA into place: \(FileIO.errnoText())")
                }
                moved.append(name)
            }
            try FileIO.syncDirectory(of: directory + "/authority.json")
        } catch {
            for name in moved.reversed() { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
            throw error
        }
    }

    /// What the issuing CA and the service certificates add to the root's common name, in
    /// the script of that name: one attribute never mixes right-to-left and left-to-right
    /// letters (RFC 3454 section 6), or validators that prepare names by RFC 4518 cannot
    /// match the issuer (pyHanko reports NO_SIGNING_CERTIFICATE_FOUND).
    enum NameSuffix {
        case issuingCA, timestamping, ocsp

        func text(after name: String) -> String {
            let arabic = name.unicodeScalars.contains(where: CertificateNames.isRightToLeft)
            switch self {
            case .issuingCA: return arabic ? "الجهة المصدِرة" : "Issuing CA"
            case .timestamping: return arabic ? "خدمة الختم الزمني" : "Time-Stamping Authority"
            case .ocsp: return arabic ? "خدمة حالة الشهادات" : "OCSP Responder"
            }
        }
    }

    private static func issueFromSetup(_ setup: Setup, suffix: NameSuffix, profile: CertificateProfile, key: PrivateKey,
                                       issuer: Certificate, issuerKey: PrivateKey, now: Date,
                                       configuration: AuthorityConfiguration) throws -> Certificate {
        var subject = setup.subject
        if let index = subject.attributes.lastIndex(where: { ["CN", "COMMONNAME"].contains($0.type.uppercased()) }) {
            let arabic = subject.attributes[index].value.unicodeScalars.contains(where: CertificateNames.isRightToLeft)
            // "هيئة التصديق - الجهة المصدِرة": the hyphen sits between two right-to-left words.
            subject.attributes[index].value += (arabic ? " - " : " ") + suffix.text(after: subject.attributes[index].value)
        } else {
            subject.attributes.append(.init(type: "CN", value: suffix.text(after: "")))
        }
        let name = try subject.makeX509Name()
        defer { X509_NAME_free(name) }
        let days = min(profile.defaultDays, Int((issuer.notAfter ?? now).timeIntervalSince(now) / 86400))
        return try CertificateBuilder.issue(
            .init(subject: name, publicKey: key.pointer, profile: profile, notBefore: now,
                  notAfter: now.addingTimeInterval(Double(days) * 86400), publicURL: configuration.publicURL,
                  policyOID: profile.isCA ? nil : configuration.policyOID),
            serial: try CertificateBuilder.randomSerial(), issuer: issuer, issuerKey: issuerKey)
    }

    // MARK: Issuing

    /// Where the subject's public key comes from.
    public enum SubjectKey: Sendable {
        /// A PKCS#10 request (PEM or DER); its signature proves possession of the key.
        case request([UInt8], source: String)
        /// A key the caller generated.
        case key(PrivateKey)
    }

    public struct Issuance: Sendable {
        public var profile: CertificateProfile
        public var subject: DistinguishedName?
        public var email: String?
        public var dnsNames: [String] = []
        public var notBefore: Date?
        public var notAfter: Date?
        public var days: Int?
        public init(profile: CertificateProfile) { self.profile = profile }
    }

    /// Issues an end-entity certificate from the issuing CA and records it.
    public func issue(_ issuance: Issuance, for subjectKey: SubjectKey, passphrase: Passphrase?) throws -> Certificate {
        guard CertificateProfile.issuable.contains(issuance.profile) else {
            throw SignServiceError.malformed("profile \(issuance.profile.rawValue) cannot be issued with cert issue")
        }
        var publicKey: OpaquePointer
        var requestHolder: OpaquePointer?
        defer { if let requestHolder { X509_REQ_free(requestHolder) } }
        var requestedName: OpaquePointer?
        switch subjectKey {
        case .key(let key):
            publicKey = key.pointer
        case .request(let bytes, let source):
            let request = try Self.parseRequest(bytes, source: source)
            requestHolder = request
            guard let key = X509_REQ_get0_pubkey(request) else { throw SignServiceError.malformed("\(source): the request has no usable public key") }
            guard X509_REQ_verify(request, key) == 1 else {
                OpenSSLErrorQueue.clear()
                throw SignServiceError(code: .contentMismatch, reason: "\(source): the request's signature does not verify, so it does not prove possession of the key")
            }
            publicKey = key
            requestedName = X509_REQ_get_subject_name(request)
        }
        let subjectName: OpaquePointer
        if let subject = issuance.subject {
            subjectName = try subject.makeX509Name()
        } else if let requestedName, X509_NAME_entry_count(requestedName) > 0, let copy = X509_NAME_dup(requestedName) {
            subjectName = copy
        } else {
            throw SignServiceError.malformed("a subject is needed: give --subject (the request names none)")
        }
        defer { X509_NAME_free(subjectName) }
        try Self.checkSubjectKey(publicKey)
        if let problem = CertificateNames.bidiProblem(inName: subjectName) { throw SignServiceError.malformed("subject: \(problem)") }
        // An end entity named like a CA could be taken for it by whoever matches by name.
        for ca in [root, issuing] where X509_NAME_cmp(subjectName, X509_get_subject_name(ca.pointer)) == 0 {
            throw SignServiceError.malformed("the subject \(ca.subject) is the name of a CA of this authority; an end entity needs a name of its own")
        }
        if let email = issuance.email { try CertificateNames.checkEmail(email) }

        let now = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970))
        let notBefore = issuance.notBefore ?? now
        let notAfter = issuance.notAfter ?? notBefore.addingTimeInterval(Double(issuance.days ?? issuance.profile.defaultDays) * 86400)
        guard notBefore < notAfter else {
            throw SignServiceError.malformed("the certificate would end (\(TimeArgument.format(notAfter))) before it starts (\(TimeArgument.format(notBefore)))")
        }
        if let caEnd = issuing.notAfter, notAfter > caEnd {
            throw SignServiceError.malformed("the certificate would outlive the issuing CA, which ends \(TimeArgument.format(caEnd)); shorten --days or --not-after")
        }
        if let caStart = issuing.notBefore, notBefore < caStart {
            throw SignServiceError.malformed("the certificate would start (\(TimeArgument.format(notBefore))) before the issuing CA (\(TimeArgument.format(caStart))); give a later --not-before")
        }
        var dnsNames = issuance.dnsNames
        if issuance.profile == .tls && dnsNames.isEmpty, let cn = Certificate.attribute(NID_commonName, of: subjectName) {
            dnsNames = [cn]
        }
        for name in dnsNames { try CertificateNames.checkDNSName(name) }
        let issuerKey = try key("ca/issuing", passphrase: passphrase)
        let serial = try CertificateBuilder.randomSerial()
        let certificate = try CertificateBuilder.issue(
            .init(subject: subjectName, publicKey: publicKey, profile: issuance.profile, notBefore: notBefore, notAfter: notAfter,
                  email: issuance.email, dnsNames: dnsNames, publicURL: configuration.publicURL, policyOID: configuration.policyOID),
            serial: serial, issuer: issuing, issuerKey: issuerKey)
        try register.insert(IssuedCertificate(
            serial: certificate.serialNumberHex, issuer: "issuing", subject: certificate.subject, profile: issuance.profile.rawValue,
            notBefore: notBefore, notAfter: notAfter, issuedAt: Date(), der: Data(certificate.derBytes),
            revokedAt: nil, revocationReason: nil))
        return certificate
    }

    /// The keys this CA certifies: ECDSA on P-256 or P-384, RSA of 2048 to 8192 bits.
    static func checkSubjectKey(_ key: OpaquePointer) throws {
        let bits = EVP_PKEY_get_bits(key)
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA:
            guard (2048...8192).contains(bits) else {
                throw SignServiceError(code: .unsupportedAlgorithm, reason: "the subject key is RSA of \(bits) bits; 2048 to 8192 bits are accepted")
            }
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            let curve = EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1
                ? name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : "an unnamed curve"
            guard ["prime256v1", "secp384r1"].contains(curve) else {
                throw SignServiceError(code: .unsupportedAlgorithm, reason: "the subject key is on \(curve); P-256 and P-384 are accepted")
            }
        default:
            throw SignServiceError(code: .unsupportedAlgorithm, reason: "the subject key is of a type this CA does not certify; ECDSA on P-256 or P-384 and RSA of 2048 to 8192 bits are accepted")
        }
    }

    static func parseRequest(_ bytes: [UInt8], source: String) throws -> OpaquePointer {
        guard !bytes.isEmpty else { throw SignServiceError.malformed("\(source): empty file, expected a certificate request") }
        OpenSSLErrorQueue.clear()
        let request: OpaquePointer? = try MemoryBIO.reading(bytes) { bio in
            PEM.isPEM(bytes) ? PEM_read_bio_X509_REQ(bio, nil, nil, nil) : d2i_X509_REQ_bio(bio, nil)
        }
        OpenSSLErrorQueue.clear()
        guard let request else { throw SignServiceError.malformed("\(source): not a PKCS#10 certificate request in PEM or DER form") }
        return request
    }

    // MARK: Revoking

    /// Records a revocation; OCSP answers it at once, CRLs from the next one made.
    @discardableResult
    public func revoke(serial: String, reason: RevocationReason, passphrase: Passphrase?, at date: Date = Date()) throws -> IssuedCertificate {
        // Changing the register is the CA's act: whoever cannot unlock its key may not.
        try checkPassphrase(passphrase)
        return try register.revoke(serial: serial, reason: reason, at: Date(timeIntervalSince1970: floor(date.timeIntervalSince1970)))
    }

    // MARK: CRLs

    public enum CRLIssuer: String, Sendable { case root, issuing }

    /// Signs a new CRL with the next CRL number.
    public func makeCRL(_ which: CRLIssuer, passphrase: Passphrase?) throws -> CertificateRevocationList {
        let signer = which == .root ? root : issuing
        let signingKey = try key("ca/\(which.rawValue)", passphrase: passphrase)
        let validity = Double(which == .root ? max(configuration.crlValidityHours, 24 * 30) : configuration.crlValidityHours) * 3600
        let stored = try register.issueCRL(issuer: which.rawValue) { number, revoked, revision in
            let now = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970))
            let crl = try CertificateBuilder.crl(
                issuer: signer, key: signingKey, number: number, thisUpdate: now, nextUpdate: now.addingTimeInterval(validity),
                revoked: revoked.map { .init(serialHex: $0.serial, revokedAt: $0.revokedAt!, reason: RevocationReason(rawValue: $0.revocationReason ?? "") ?? .unspecified) })
            return IssuedCRL(issuer: which.rawValue, number: number, thisUpdate: now, nextUpdate: now.addingTimeInterval(validity),
                             revision: revision, der: Data(crl.derBytes))
        }
        return try CertificateRevocationList.loadAll(Array(stored.der), source: "CRL \(stored.number)")[0]
    }

    /// The newest CRL stored, if its nextUpdate has not passed (whatever came since): what a
    /// service serves while a reissue is running or failing.
    public func latestUsableCRL(_ which: CRLIssuer, at date: Date = Date()) throws -> [UInt8]? {
        guard let latest = try register.latestCRL(issuer: which.rawValue), latest.nextUpdate > date else { return nil }
        return Array(latest.der)
    }

    /// The newest CRL if it is still current and no revocation came after it.
    public func currentCRL(_ which: CRLIssuer) throws -> (der: [UInt8], revision: Int64)? {
        guard let latest = try register.latestCRL(issuer: which.rawValue) else { return nil }
        let revision = try register.revision()
        // Reissued when half its validity has passed, so relying parties' caches stay fresh.
        let validity = latest.nextUpdate.timeIntervalSince(latest.thisUpdate)
        guard latest.revision == revision, latest.nextUpdate.timeIntervalSinceNow > validity / 2 else { return nil }
        return (Array(latest.der), revision)
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

import ArgumentParser
import DocStore
import Foundation
import SignService
import TrustServices

/// `--data DIR` and the CA passphrase, shared by every command that keeps state.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp("Data directory (default: $SIGNTOOL_DATA, else ./signtool-data).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("File whose first line is the CA passphrase (default: $SIGNTOOL_CA_PASSPHRASE, else asked).", valueName: "file"))
    var caPassphraseFile: String?

    var directory: String { data ?? CertificateAuthority.defaultDirectory() }

    func openAuthority() throws -> CertificateAuthority { try CertificateAuthority(directory: directory) }

    /// The CA passphrase from the file, the environment, or the terminal.
    func caPassphrase() throws -> Passphrase {
        if let configured = try PassphraseSource(file: caPassphraseFile, environment: "SIGNTOOL_CA_PASSPHRASE").configured() {
            return configured
        }
        guard let typed = Terminal.readSecret(prompt: "CA passphrase for \(directory): ") else {
            throw SignServiceError(code: .passphraseRequired,
                                   reason: "the CA keys are encrypted: give --ca-passphrase-file or set SIGNTOOL_CA_PASSPHRASE")
        }
        return Passphrase(typed)
    }
}

extension DataOptions {
    /// Appends a CA action to the data directory's audit log (the store's, `DIR/store/`).
    /// The action is already committed in the CA's register: a log that cannot be written is
    /// reported (exit 74), and the action stays done.
    func audit(_ action: String, object: String, details: [String: String] = [:]) throws {
        let actor = ProcessInfo.processInfo.environment["SIGNTOOL_ACTOR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
        do {
            try DocumentStore(dataDirectory: directory).database.recordAudit(actor: actor, action: action, object: object, details: details)
        } catch let error as SignServiceError {
            throw SignServiceError(code: .ioFailure, reason: "\(action) \(object) was done, but the audit log could not record it: \(error.reason)")
        }
    }
}

func note(_ text: String) {
    FileHandle.standardError.write(Data("signtool: \(text)\n".utf8))
}

struct CA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Create and export the certificate authority kept in the data directory.",
        subcommands: [Init.self, Export.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a root CA, an issuing CA, and the service's TSA and OCSP certificates.",
            discussion: """
                The subject is written from country to common name. The root gets it as
                given; the issuing CA, TSA and OCSP responder get the common name with
                " Issuing CA", " Time-Stamping Authority" and " OCSP Responder" added.
                Every key is encrypted with the CA passphrase and written with mode 0600.
                With --public-url, issued certificates point their CRL distribution point
                and OCSP / caIssuers access at that address (where `signtool serve` runs).

                Example:
                  signtool ca init --data /srv/signtool \\
                    --subject "C=SY, O=Ministry of Communications, CN=Government CA" \\
                    --public-url http://pki.example.sy
                """
        )

        @OptionGroup var data: DataOptions

        @Option(help: "Distinguished name of the root CA, e.g. \"C=SY, O=Ministry, CN=Government CA\".")
        var subject: String

        @Option(help: "Key algorithm of the CA and service keys: p256, p384 or rsa3072.")
        var algorithm: String = "p256"

        @Option(help: ArgumentHelp("Base URL where `signtool serve` will be reached.", valueName: "url"))
        var publicURL: String?

        @Option(help: ArgumentHelp("certificatePolicies OID put in issued certificates.", valueName: "oid"))
        var policy: String = AuthorityConfiguration.defaultPolicyOID

        @Option(help: ArgumentHelp("Policy OID of the timestamp authority.", valueName: "oid"))
        var tsaPolicy: String = AuthorityConfiguration.defaultTimestampPolicyOID

        @Option(help: ArgumentHelp("Accuracy the TSA claims, in milliseconds.", valueName: "ms"))
        var tsaAccuracy: Int = 1000

        @Option(help: ArgumentHelp("How long each CRL stays current, in hours.", valueName: "hours"))
        var crlHours: Int = 24

        func validate() throws {
            guard ["p256", "p384", "rsa3072"].contains(algorithm) else {
                throw ValidationError("unknown algorithm '\(algorithm)'; use p256, p384 or rsa3072")
            }
            guard tsaAccuracy > 0, crlHours > 0 else { throw ValidationError("--tsa-accuracy and --crl-hours must be positive") }
        }

        func run() throws {
            try reportingErrors {
                var setup = CertificateAuthority.Setup(subject: try DistinguishedName(parsing: subject))
                setup.algorithm = PrivateKey.Algorithm(rawValue: algorithm)!
                setup.publicURL = publicURL
                setup.policyOID = policy
                setup.timestampPolicyOID = tsaPolicy
                setup.timestampAccuracyMilliseconds = tsaAccuracy
                setup.crlValidityHours = crlHours
                let passphrase = try newPassphrase()
                let authority = try CertificateAuthority.create(directory: data.directory, setup: setup, passphrase: passphrase)
                note("created the CA in \(authority.directory)")
                note("  root:    \(authority.root.subject)")
                note("  issuing: \(authority.issuing.subject)")
                note("  TSA and OCSP responder certificates are in \(authority.directory)/service")
            }
        }

        private func newPassphrase() throws -> Passphrase {
            if let configured = try PassphraseSource(file: data.caPassphraseFile, environment: "SIGNTOOL_CA_PASSPHRASE").configured() {
                guard !configured.isEmpty else { throw SignServiceError(code: .passphraseRequired, reason: "the CA passphrase is empty") }
                return configured
            }
            guard let first = Terminal.readSecret(prompt: "New CA passphrase: ") else {
                throw SignServiceError(code: .passphraseRequired,
                                       reason: "a CA passphrase is needed: give --ca-passphrase-file or set SIGNTOOL_CA_PASSPHRASE")
            }
            guard !first.isEmpty else { throw SignServiceError(code: .passphraseRequired, reason: "the CA passphrase is empty") }
            guard Terminal.readSecret(prompt: "Repeat the CA passphrase: ") == first else {
                throw SignServiceError(code: .passphraseRequired, reason: "the passphrases do not match; nothing was created")
            }
            return Passphrase(first)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a CA certificate in PEM, or copy the encrypted root key for offline keeping.",
            discussion: """
                Examples:
                  signtool ca export --root > root.pem        (the trust anchor to hand out)
                  signtool ca export --issuing > issuing.pem
                  signtool ca export --root-key --out /media/usb/root.key
                """
        )

        @OptionGroup var data: DataOptions
        @Flag(help: "The root CA certificate.") var root = false
        @Flag(help: "The issuing CA certificate.") var issuing = false
        @Flag(help: "Both, issuing first (a chain file).") var chain = false
        @Flag(help: "The root key, still encrypted (needs --out).") var rootKey = false
        @Option(help: "Write here instead of standard output.") var out: String?

        func validate() throws {
            guard [root, issuing, chain, rootKey].filter({ $0 }).count == 1 else {
                throw ValidationError("choose one of --root, --issuing, --chain or --root-key")
            }
            if rootKey && out == nil { throw ValidationError("--root-key needs --out FILE") }
        }

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                let bytes: [UInt8]
                if rootKey {
                    bytes = try FileIO.read(authority.directory + "/ca/root.key")
                } else if chain {
                    bytes = try authority.issuing.pemBytes() + authority.root.pemBytes()
                } else {
                    bytes = try (root ? authority.root : authority.issuing).pemBytes()
                }
                if let out {
                    try FileIO.writeAtomically(bytes, to: out, mode: rootKey ? 0o600 : 0o644, exactMode: rootKey)
                } else {
                    FileHandle.standardOutput.write(Data(bytes))
                }
            }
        }
    }
}

struct Cert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "Issue, list, revoke and verify certificates.",
        subcommands: [Issue.self, List.self, Revoke.self, CertVerify.self]
    )

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a certificate from the issuing CA.",
            discussion: """
                Profiles:
                  official  keyUsage digitalSignature+nonRepudiation,
                            EKU emailProtection + documentSigning (1.3.6.1.5.5.7.3.36)
                  tsa       EKU timeStamping (critical)
                  ocsp      EKU OCSPSigning + id-pkix-ocsp-nocheck
                  provider  seal of a registered-mail provider (emailProtection)
                  tls       EKU serverAuth, DNS names from --dns-name or the CN

                The key comes from a PKCS#10 request (--csr, its signature is checked),
                or is generated here and written encrypted to --key-out (passphrase from
                --key-passphrase-file, SIGNTOOL_PASSPHRASE, or asked).

                Times: 2026-11-24T10:00:00Z, 2026-11-24, now, +90s, +2h, +30d.

                Refused (exit 65, keys 68): e-mail addresses and DNS names that
                are not plain local@domain / host names; wildcards other than a
                whole first label above two more (*.moct.gov.sy, not *.gov.sy);
                keys other than P-256, P-384, RSA 2048-8192; validity outside the
                issuing CA's; the subject of one of this CA's own certificates;
                control or invisible characters in a name, and a name attribute
                mixing right-to-left and left-to-right letters.

                Example:
                  signtool cert issue --profile official --subject "C=SY, O=وزارة الاتصالات, CN=أحمد" \\
                    --email ahmad@moct.gov.sy --key-out ahmad.key --out ahmad.pem
                """
        )

        @OptionGroup var data: DataOptions
        @Option(help: "official, tsa, ocsp, provider or tls.") var profile: String
        @Option(help: "Subject distinguished name (default: the request's).") var subject: String?
        @Option(help: "E-mail address (subjectAltName).") var email: String?
        @Option(help: "DNS name for a tls certificate (repeatable).") var dnsName: [String] = []
        @Option(help: "Start of validity (default now).") var notBefore: String?
        @Option(help: "End of validity.") var notAfter: String?
        @Option(help: "Validity in days (default by profile).") var days: Int?
        @Option(help: "PKCS#10 request with the subject's public key.") var csr: String?
        @Option(help: "Generate a key and write it here (encrypted, 0600).") var keyOut: String?
        @Option(help: "Algorithm of the generated key: p256, p384, rsa2048, rsa3072, rsa4096.") var keyAlgorithm: String = "p256"
        @Option(help: "File whose first line is the new key's passphrase.") var keyPassphraseFile: String?
        @Flag(help: "Write the generated key unencrypted (not recommended).") var noKeyPassphrase = false
        @Option(help: "Where to write the certificate (PEM).") var out: String
        @Flag(help: "Replace --out if it exists.") var force = false

        func validate() throws {
            guard let parsed = CertificateProfile(rawValue: profile), CertificateProfile.issuable.contains(parsed) else {
                throw ValidationError("unknown profile '\(profile)'; use official, tsa, ocsp, provider or tls")
            }
            guard (csr == nil) != (keyOut == nil) else { throw ValidationError("give exactly one of --csr REQ.pem or --key-out KEY.pem") }
            if notAfter != nil && days != nil { throw ValidationError("--not-after and --days contradict each other") }
            if let days, days <= 0 { throw ValidationError("--days must be positive") }
            if PrivateKey.Algorithm(rawValue: keyAlgorithm) == nil { throw ValidationError("unknown key algorithm '\(keyAlgorithm)'") }
        }

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                if !force && FileIO.exists(out) {
                    throw SignServiceError(code: .outputExists, reason: "\(out) already exists; use --force to replace it")
                }
                if let keyOut, FileIO.exists(keyOut) {
                    throw SignServiceError(code: .outputExists, reason: "\(keyOut) already exists; it was left unchanged")
                }
                var issuance = CertificateAuthority.Issuance(profile: CertificateProfile(rawValue: profile)!)
                issuance.subject = try subject.map { try DistinguishedName(parsing: $0) }
                issuance.email = email
                issuance.dnsNames = dnsName
                issuance.notBefore = try notBefore.map { try TimeArgument.parse($0) }
                issuance.notAfter = try notAfter.map { try TimeArgument.parse($0) }
                issuance.days = days
                let caPassphrase = try data.caPassphrase()
                try authority.checkPassphrase(caPassphrase)
                let subjectKey: CertificateAuthority.SubjectKey
                var generated: (PrivateKey, Passphrase?)?
                if let csr {
                    subjectKey = .request(try FileIO.read(csr, limit: 1 << 20), source: csr)
                } else {
                    let key = try PrivateKey.generate(PrivateKey.Algorithm(rawValue: keyAlgorithm)!)
                    generated = (key, try keyPassphrase())
                    subjectKey = .key(key)
                }
                let certificate = try authority.issue(issuance, for: subjectKey, passphrase: caPassphrase)
                if let (key, passphrase) = generated, let keyOut {
                    try FileIO.writeAtomically(try key.pkcs8PEM(passphrase: passphrase), to: keyOut, mode: 0o600, exactMode: true)
                }
                try FileIO.writeAtomically(try certificate.pemBytes(), to: out, mode: 0o644, replace: force)
                try data.audit("certificate.issued", object: "certificate:" + certificate.serialNumberHex,
                               details: ["profile": profile, "subject": certificate.subject,
                                         "notAfter": certificate.notAfter.map(TimeArgument.format) ?? ""])
                note("issued \(profile) certificate \(certificate.serialNumberHex) to \(certificate.subject), valid until \(certificate.notAfter.map(TimeArgument.format) ?? "?")")
            }
        }

        private func keyPassphrase() throws -> Passphrase? {
            if noKeyPassphrase { return nil }
            if let configured = try PassphraseSource(file: keyPassphraseFile).configured() {
                guard !configured.isEmpty else { throw SignServiceError(code: .passphraseRequired, reason: "the key passphrase is empty") }
                return configured
            }
            guard let first = Terminal.readSecret(prompt: "New passphrase for \(keyOut ?? "the key"): "), !first.isEmpty else {
                throw SignServiceError(code: .passphraseRequired,
                                       reason: "a passphrase for the new key is needed: give --key-passphrase-file, set SIGNTOOL_PASSPHRASE, or --no-key-passphrase")
            }
            guard Terminal.readSecret(prompt: "Repeat the passphrase: ") == first else {
                throw SignServiceError(code: .passphraseRequired, reason: "the passphrases do not match; nothing was issued")
            }
            return Passphrase(first)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the certificates this CA issued.")
        @OptionGroup var data: DataOptions
        @Flag(help: "One JSON object per line.") var json = false
        @Flag(help: "Only revoked certificates.") var revoked = false

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                var records = try authority.register.allCertificates()
                if revoked { records = records.filter(\.isRevoked) }
                var output = ""
                for record in records {
                    let status = record.revokedAt.map { "revoked \(TimeArgument.format($0)) \(record.revocationReason ?? "")" }
                        ?? (record.notAfter < Date() ? "expired" : "valid")
                    if json {
                        var object: [String: Any] = [
                            "serial": record.serial, "profile": record.profile, "subject": record.subject,
                            "notBefore": TimeArgument.format(record.notBefore), "notAfter": TimeArgument.format(record.notAfter),
                            "status": record.isRevoked ? "revoked" : (record.notAfter < Date() ? "expired" : "valid"),
                        ]
                        if let revokedAt = record.revokedAt {
                            object["revokedAt"] = TimeArgument.format(revokedAt)
                            object["reason"] = record.revocationReason
                        }
                        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                        output += String(decoding: data, as: UTF8.self) + "\n"
                    } else {
                        output += "\(record.serial.padding(toLength: 33, withPad: " ", startingAt: 0)) \(record.profile.padding(toLength: 10, withPad: " ", startingAt: 0)) \(TimeArgument.format(record.notAfter))  \(status)  \(record.subject)\n"
                    }
                }
                FileHandle.standardOutput.write(Data(output.utf8))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a certificate: OCSP reports it at once, the next CRL lists it.",
            discussion: "Reasons: \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", ")).")
        @OptionGroup var data: DataOptions
        @Option(help: "Serial number in hex (as `cert list` or `openssl x509 -serial` print it).") var serial: String
        @Option(help: "Why it is revoked.") var reason: String = "unspecified"

        func validate() throws {
            if RevocationReason(rawValue: reason) == nil {
                throw ValidationError("unknown reason '\(reason)'; use \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard serial.range(of: "^(0x)?[0-9A-Fa-f:]+$", options: .regularExpression) != nil else {
                throw ValidationError("'\(serial)' is not a hexadecimal serial number")
            }
        }

        func run() throws {
            try reportingErrors {
                let authority = try data.openAuthority()
                let record = try authority.revoke(serial: serial, reason: RevocationReason(rawValue: reason)!,
                                                  passphrase: try data.caPassphrase())
                try data.audit("certificate.revoked", object: "certificate:" + record.serial,
                               details: ["subject": record.subject, "reason": reason])
                note("revoked \(record.serial) (\(record.subject)), reason \(reason)")
            }
        }
    }
}

struct CRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "Sign a new CRL (the CRL number increases, nextUpdate is set).",
        discussion: """
            The issuing CA's CRL lists revoked end-entity certificates; --root makes the
            root's CRL, which lists revoked issuing CAs. A file ending in .pem gets PEM,
            anything else DER. An existing file is replaced atomically.
            """
    )
    @OptionGroup var data: DataOptions
    @Flag(help: "The root CA's CRL instead of the issuing CA's.") var root = false
    @Option(help: "Where to write the CRL.") var out: String

    func run() throws {
        try reportingErrors {
            let authority = try data.openAuthority()
            let crl = try authority.makeCRL(root ? .root : .issuing, passphrase: try data.caPassphrase())
            let bytes = out.hasSuffix(".pem") ? try crl.pemBytes() : crl.derBytes
            try FileIO.writeAtomically(bytes, to: out, mode: 0o644, replace: true)
            try data.audit("crl.issued", object: "crl:" + (root ? "root" : "issuing"),
                           details: ["number": crl.number.map(String.init) ?? "", "issuer": crl.issuer,
                                     "nextUpdate": crl.nextUpdate.map(TimeArgument.format) ?? ""])
            note("wrote CRL number \(crl.number ?? 0), next update \(crl.nextUpdate.map(TimeArgument.format) ?? "?")")
        }
    }
}

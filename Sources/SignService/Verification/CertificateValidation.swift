internal import COpenSSL
import Findings
import Foundation

/// What a certificate is checked for (`signtool cert verify --purpose`).
public enum CertificatePurpose: String, Sendable, CaseIterable, Codable {
    case any, documentSigning, emailProtection, timeStamping, serverAuth, clientAuth

    var openSSLPurpose: Int32? {
        switch self {
        case .any, .documentSigning: return nil
        case .emailProtection: return X509_PURPOSE_SMIME_SIGN
        case .timeStamping: return X509_PURPOSE_TIMESTAMP_SIGN
        case .serverAuth: return X509_PURPOSE_SSL_SERVER
        case .clientAuth: return X509_PURPOSE_SSL_CLIENT
        }
    }
}

/// Path validation of one certificate on its own (RFC 5280 section 6).
///
/// OpenSSL's X509_verify_cert in strict mode builds and checks the path; these checks are
/// layered over it where OpenSSL 3.0 is more lenient or stricter than RFC 5280:
/// - a certificate is valid up to and including its notAfter second (4.1.2.5);
/// - serial numbers must be positive and at most 20 octets (4.1.2.2);
/// - an extendedKeyUsage extension must list at least one purpose (4.2.1.12);
/// - a CRL must carry a CRL number (5.2.3) to be used;
/// - a CA certificate used to issue must assert keyCertSign when it has a keyUsage (4.2.1.3).
public enum CertificateValidation {
    public struct Request: Sendable {
        public var trustAnchors: [Certificate]
        public var intermediates: [Certificate] = []
        public var crls: [CertificateRevocationList] = []
        public var time: Date = Date()
        public var purpose: CertificatePurpose = .any
        public var dnsName: String?
        public var ipAddress: String?
        public var maximumDepth: Int?
        /// With no CRLs given: downloads the CRLs (else asks the OCSP responders) that the
        /// path's certificates name, once the path reaches a trust anchor. Nil checks no
        /// revocation, and the result says so.
        public var revocationFetcher: RevocationFetcher?
        public init(trustAnchors: [Certificate]) { self.trustAnchors = trustAnchors }
    }

    public struct Result: Sendable, Codable {
        public var valid: Bool
        /// Why the path is not valid.
        public var errors: [Finding]
        /// What was not checked, without making the path invalid.
        public var warnings: [Finding]
        /// Subjects from the certificate up to the trust anchor.
        public var chain: [String]
    }

    /// Validates `certificate` for `request`. Online (a `revocationFetcher`), the path's
    /// CRLs, then the OCSP answers still needed, are fetched concurrently, each awaited
    /// without holding a thread.
    public static func validate(_ certificate: Certificate, _ request: Request) async -> Result {
        var result = Result(valid: false, errors: [], warnings: [], chain: [])
        var request = request
        // Certificates whose status no CRL decides, and for which a missing CRL is not an
        // error: an OCSP answer decided them, or they name no revocation address (noted).
        var decidedWithoutCRL: Set<Certificate> = []
        let online = request.crls.isEmpty && request.revocationFetcher != nil
        if request.crls.isEmpty {
            if let fetcher = request.revocationFetcher {
                decidedWithoutCRL = await onlineRevocation(certificate, &request, fetcher: fetcher, result: &result)
            } else {
                result.warnings.append(Finding(.revocationNotCheckedOffline))
            }
        }
        var crls: [CertificateRevocationList] = []
        for crl in request.crls {
            if crl.number == nil {
                result.warnings.append(Finding(.crlWithoutNumber, ["issuer": .name(crl.issuer)]))
            } else {
                crls.append(crl)
            }
        }
        let store = X509_STORE_new(), ctx = X509_STORE_CTX_new(), untrusted = shim_sk_X509_new_null(), crlStack = shim_sk_X509_CRL_new_null()
        defer { X509_STORE_free(store); X509_STORE_CTX_free(ctx); shim_sk_X509_free(untrusted); shim_sk_X509_CRL_free(crlStack) }
        guard let store, let ctx, let untrusted, let crlStack else {
            result.errors.append(Finding(.outOfMemory))
            return result
        }
        for anchor in request.trustAnchors { _ = X509_STORE_add_cert(store, anchor.pointer) }
        for extra in request.intermediates { _ = shim_sk_X509_push(untrusted, extra.pointer) }
        for crl in crls { _ = shim_sk_X509_CRL_push(crlStack, crl.pointer) }
        OpenSSLErrorQueue.clear()
        guard X509_STORE_CTX_init(ctx, store, certificate.pointer, untrusted) == 1 else {
            result.errors.append(Finding(.pathValidationNotStarted, ["reason": .text(OpenSSLErrorQueue.drain())]))
            return result
        }
        let param = X509_STORE_CTX_get0_param(ctx)
        X509_VERIFY_PARAM_set_time(param, time_t(request.time.timeIntervalSince1970))
        var flags = UInt(X509_V_FLAG_X509_STRICT) | UInt(X509_V_FLAG_POLICY_CHECK)
        if !crls.isEmpty {
            X509_STORE_CTX_set0_crls(ctx, crlStack)
            // Every certificate of the path is checked (RFC 5280 6.1.3 (a)(3)); a missing CRL
            // is then forgiven below only where something else decided or it was noted.
            flags |= UInt(X509_V_FLAG_CRL_CHECK) | UInt(X509_V_FLAG_CRL_CHECK_ALL)
        } else if !request.crls.isEmpty {
            // Only unusable CRLs were given: revocation cannot be decided.
            result.errors.append(Finding(.noUsableCRL))
        }
        X509_VERIFY_PARAM_set_flags(param, flags)
        if let purpose = request.purpose.openSSLPurpose { X509_VERIFY_PARAM_set_purpose(param, purpose) }
        if let dnsName = request.dnsName {
            // Names come from subjectAltName only (RFC 9525 6.4.4): the common name is not a host name.
            X509_VERIFY_PARAM_set_hostflags(param, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT))
            _ = X509_VERIFY_PARAM_set1_host(param, dnsName, dnsName.utf8.count)
        }
        if let ip = request.ipAddress, X509_VERIFY_PARAM_set1_ip_asc(param, ip) != 1 {
            result.errors.append(Finding(.notAnIPAddress, ["address": .text(ip)]))
        }
        if let depth = request.maximumDepth { X509_VERIFY_PARAM_set_depth(param, Int32(depth)) }

        let recorder = ValidationProblems()
        _ = shim_X509_STORE_CTX_set_app_data(ctx, Unmanaged.passUnretained(recorder).toOpaque())
        X509_STORE_CTX_set_verify_cb(ctx, collectingCallback)
        let verified = X509_verify_cert(ctx) == 1
        OpenSSLErrorQueue.clear()
        var chain: [Certificate] = []
        if let stack = X509_STORE_CTX_get1_chain(ctx) {
            chain = OpenSSLStack.certificates(stack)
            shim_sk_X509_pop_free(stack)
        }
        result.chain = chain.map(\.subject)
        // The trust anchor is trusted as configured: nobody above it could revoke it.
        if chain.count > 1, let anchor = chain.last { decidedWithoutCRL.insert(anchor) }
        if !online && !crls.isEmpty {
            // Offline with --crl: a CA certificate whose issuer's CRL was not given is noted
            // as not checked; the certificate itself must have its CRL.
            for member in chain.dropFirst().dropLast() where !crls.contains(where: { $0.isFromIssuer(of: member) }) {
                decidedWithoutCRL.insert(member)
                result.warnings.append(Finding(.revocationNotChecked, ["subject": .name(member.subject)]))
            }
        }

        for problem in recorder.problems {
            if problem.code == X509_V_ERR_UNABLE_TO_GET_CRL, Int(problem.depth) < chain.count,
               decidedWithoutCRL.contains(chain[Int(problem.depth)]) {
                continue
            }
            if problem.code == X509_V_ERR_CERT_HAS_EXPIRED, problem.depth < chain.count,
               let end = chain[Int(problem.depth)].notAfter, end >= request.time.addingTimeInterval(-0.5) {
                // RFC 5280 4.1.2.5: notAfter is the last second of validity; OpenSSL 3.0 rejects it.
                continue
            }
            if Int(problem.depth) == chain.count - 1 && chain.count > 1 && anchorExemptErrors.contains(problem.code) {
                // A trust anchor is trusted as configured (RFC 5280 6.1.1 (d)); its profile is not checked.
                continue
            }
            result.errors.append(Finding.pathProblem(code: problem.code, depth: problem.depth, reason: problem.text, chain: chain,
                                                     crls: crls, host: request.dnsName, address: request.ipAddress))
        }
        if !verified && recorder.problems.isEmpty { result.errors.append(Finding(.pathValidationFailed)) }
        result.errors += rfc5280Checks(chain.isEmpty ? [certificate] : chain, purpose: request.purpose)
        result.errors = result.errors.reduce(into: []) { unique, error in if !unique.contains(error) { unique.append(error) } }
        result.valid = result.errors.isEmpty && !chain.isEmpty
        return result
    }

    /// Finds revocation data for the path's certificates online: their CRLs (added to
    /// `request.crls`), else their OCSP responders (a revocation becomes an error here).
    /// Returns whether every certificate of the path has a CRL, so that all are checked.
    private static func onlineRevocation(_ certificate: Certificate, _ request: inout Request, fetcher: RevocationFetcher,
                                         result: inout Result) async -> Set<Certificate> {
        guard let validator = try? CertificatePathValidator(trustAnchors: request.trustAnchors, crls: []) else { return [] }
        let outcome = validator.validate(certificate, untrusted: request.intermediates, at: request.time)
        guard outcome.reachesTrustAnchor else {
            result.warnings.append(Finding(.revocationNotCheckedNoTrustAnchor))
            return []
        }
        var decided: Set<Certificate> = []
        let chain = outcome.chain
        let members = Array(chain.dropLast())
        let crls = await concurrently(members) { member in
            await SignatureVerifier.download(member, fetcher: fetcher)
        }
        var ocspNeeds: [(depth: Int, url: String)] = []
        for (depth, member) in members.enumerated() {
            switch crls[depth] {
            case .success(let crl?):
                request.crls.append(crl)
                continue
            case .success(nil): break
            case .failure(let error):
                result.warnings.append(Finding(.crlFetchFailed, ["subject": .name(member.subject), "reason": .text(error.reason)]))
            }
            guard let url = member.ocspResponders.first, depth + 1 < chain.count else {
                result.warnings.append(Finding(.revocationNotCheckedNoAddress, ["subject": .name(member.subject)]))
                // Naming no address at all is the CA's choice, noted; a CRL that could not be
                // fetched leaves the status open, which the path check reports.
                if case .success(nil) = crls[depth] { decided.insert(member) }
                continue
            }
            ocspNeeds.append((depth, url))
        }
        let anchors = request.trustAnchors
        let answers = await concurrently(ocspNeeds) { need -> Swift.Result<OCSPClient.Status, SignServiceError> in
            do {
                return .success(try await OCSPClient.status(of: chain[need.depth], issuer: chain[need.depth + 1], url: need.url,
                                                            anchors: anchors, options: fetcher.options))
            } catch let error as SignServiceError {
                return .failure(error)
            } catch {
                return .failure(SignServiceError(code: .networkFailure, reason: "\(need.url): \(error)"))
            }
        }
        for (need, answer) in zip(ocspNeeds, answers) {
            let member = chain[need.depth]
            switch answer {
            case .success(.good): decided.insert(member)
            case .success(.revoked(let date)):
                decided.insert(member)
                result.errors.append(Finding(.certificateRevokedByOCSP, ["subject": .name(member.subject), "revokedAt": .time(date), "url": .text(need.url)]))
            case .success(.unknown):
                result.warnings.append(Finding(.ocspUnknownCertificate, ["subject": .name(member.subject)]))
            case .failure(let error):
                result.warnings.append(Finding(.ocspQueryFailed, ["subject": .name(member.subject), "reason": .text(error.reason)]))
            }
        }
        return decided
    }

    /// `work` for every element at once; the answers in the elements' order.
    private static func concurrently<Element: Sendable, Answer: Sendable>(
        _ elements: [Element], _ work: @escaping @Sendable (Element) async -> Answer) async -> [Answer] {
        await withTaskGroup(of: (Int, Answer).self) { group in
            for (index, element) in elements.enumerated() { group.addTask { (index, await work(element)) } }
            var answers: [(Int, Answer)] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// The checks OpenSSL 3.0 leaves out (see the type's documentation).
    static func rfc5280Checks(_ chain: [Certificate], purpose: CertificatePurpose) -> [Finding] {
        var errors: [Finding] = []
        func add(_ code: Finding.Code, _ certificate: Certificate, _ params: [String: Finding.Parameter] = [:]) {
            errors.append(Finding(code, params.merging(["subject": .name(certificate.subject)]) { given, _ in given }))
        }
        for (depth, certificate) in chain.enumerated() {
            let isAnchor = depth == chain.count - 1 && chain.count > 1
            if !isAnchor, let serial = X509_get0_serialNumber(certificate.pointer) {
                let bytes = Int(ASN1_STRING_length(serial))
                if ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER {
                    add(.negativeSerialNumber, certificate)
                } else if bytes == 0 || (bytes == 1 && ASN1_STRING_get0_data(serial)?.pointee == 0) {
                    add(.zeroSerialNumber, certificate)
                } else if bytes > 20 {
                    add(.serialNumberTooLong, certificate)
                }
            }
            if let usage = X509_get_ext_d2i(certificate.pointer, NID_ext_key_usage, nil, nil) {
                let count = shim_sk_ASN1_OBJECT_num(OpaquePointer(usage))
                shim_sk_ASN1_OBJECT_pop_free(OpaquePointer(usage))
                if count == 0 {
                    add(.extendedKeyUsageEmpty, certificate)
                }
            }
            if depth > 0 && !isAnchor && X509_get_extension_flags(certificate.pointer) & UInt32(EXFLAG_KUSAGE) != 0
                && X509_get_key_usage(certificate.pointer) & UInt32(KU_KEY_CERT_SIGN) == 0 {
                add(.issuerLacksKeyCertSign, certificate)
            }
        }
        for (depth, certificate) in chain.enumerated() {
            let isAnchor = depth == chain.count - 1 && chain.count > 1
            if let problem = AlgorithmPolicy.certificateProblem(certificate, isAnchor: isAnchor || (chain.count == 1 && certificate.isSelfIssued)) {
                errors.append(problem)
            }
            if !isAnchor && certificate.version != 3 { add(.certificateVersionNot3, certificate, ["version": .number(certificate.version)]) }
            for ext in certificate.extensionSummaries {
                if !ext.decodes {
                    add(.extensionMalformed, certificate, ["extension": .text(ObjectName.short(nid: ext.nid) ?? "\(ext.nid)")])
                }
                if (ext.nid == NID_policy_constraints || ext.nid == NID_inhibit_any_policy || ext.nid == NID_name_constraints) && !ext.critical {
                    add(.extensionNotCritical, certificate, ["extension": .text(ObjectName.short(nid: ext.nid) ?? "\(ext.nid)")])
                }
            }
            if certificate.assertsCA && X509_get_extension_flags(certificate.pointer) & UInt32(EXFLAG_KUSAGE) != 0
                && X509_get_key_usage(certificate.pointer) & UInt32(KU_KEY_CERT_SIGN) == 0 && depth == 0 && !isAnchor {
                add(.caWithoutKeyCertSign, certificate)
            }
            if let constraints = certificate.nameConstraints {
                if depth == 0 && !certificate.assertsCA && certificate.extensionSummaries.contains(where: { $0.nid == NID_name_constraints }) {
                    add(.nameConstraintsInEndEntity, certificate)
                }
                if constraints.isEmpty && certificate.extensionSummaries.contains(where: { $0.nid == NID_name_constraints }) {
                    add(.nameConstraintsEmpty, certificate)
                }
                for constraint in constraints where constraint.name.kind == "DNS" && constraint.name.value.hasPrefix(".") {
                    add(.nameConstraintLeadingPeriod, certificate, ["constraint": .text(constraint.name.value)])
                }
                // A wildcard name covers names the CA excludes (CVE-2025-61727).
                if depth > 0, let leafNames = chain[0].subjectAlternativeNames {
                    for constraint in constraints where !constraint.permitted && constraint.name.kind == "DNS" {
                        let excluded = constraint.name.value.lowercased()
                        for san in leafNames where san.kind == "DNS" && san.value.hasPrefix("*.") {
                            let base = String(san.value.dropFirst(2)).lowercased()
                            if excluded.hasSuffix("." + base) && !excluded.dropLast(base.count + 1).contains(".") || excluded == base {
                                add(.wildcardCoversExcludedName, chain[0],
                                    ["wildcard": .text(san.value), "excluded": .text(excluded), "ca": .name(certificate.subject)])
                            }
                        }
                    }
                }
            } else {
                add(.nameConstraintsMalformed, certificate)
            }
        }
        if let leaf = chain.first {
            if let names = leaf.subjectAlternativeNames {
                for san in names where san.kind == "DNS" && !isValidDNSName(san.value) {
                    add(.subjectAltNameNotDNSName, leaf, ["name": .text(san.value)])
                }
            } else {
                add(.subjectAltNameMalformed, leaf)
            }
        }
        if purpose == .serverAuth || purpose == .clientAuth, let leaf = chain.first {
            // The CA/Browser Forum profile of TLS certificates (Baseline Requirements 7.1.2).
            let wanted = purpose == .serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2"
            if !leaf.hasExtendedKeyUsage(wanted) {
                add(.extendedKeyUsageLacksPurpose, leaf, ["purpose": .text(purpose.rawValue)])
            }
            if leaf.extensionSummaries.contains(where: { $0.nid == NID_ext_key_usage && $0.critical }) {
                add(.extendedKeyUsageCritical, leaf)
            }
            if leaf.extensionSummaries.contains(where: { $0.nid == NID_subject_alt_name && $0.critical }),
               X509_NAME_entry_count(X509_get_subject_name(leaf.pointer)) > 0 {
                add(.subjectAltNameCritical, leaf)
            }
            if X509_get_extension_flags(leaf.pointer) & UInt32(EXFLAG_XKUSAGE) != 0,
               X509_get_extended_key_usage(leaf.pointer) & UInt32(XKU_ANYEKU) != 0 {
                add(.anyExtendedKeyUsageInTLS, leaf)
            }
            // A common name that a client could take for a host name or address must be one of the
            // subjectAltName values exactly as written (BR 7.1.4.3): IP-like, IDN or differing only in case.
            if let commonName = leaf.commonName, let names = leaf.subjectAlternativeNames,
               commonNameNeedsExactMatch(commonName, names) {
                let values = names.compactMap { name -> String? in
                    switch name.kind {
                    case "DNS": return name.value
                    case "IP": return name.value
                    default: return nil
                    }
                }
                if !values.contains(commonName) {
                    add(.commonNameNotInSubjectAltName, leaf)
                }
            }
            if chain.count > 1, let root = chain.last, root.extensionSummaries.contains(where: { $0.nid == NID_ext_key_usage }) {
                add(.rootWithExtendedKeyUsage, root)
            }
        }
        if purpose == .documentSigning, let leaf = chain.first, let problem = leaf.documentSigningFinding {
            // The same rule verify applies to a signer.
            errors.append(problem)
        }
        return errors
    }
}

func commonNameNeedsExactMatch(_ commonName: String, _ names: [Certificate.GeneralName]) -> Bool {
    let lower = commonName.lowercased()
    let addressLike = commonName.contains(":") || commonName.allSatisfy { $0.isNumber || $0 == "." } || lower.hasPrefix("0x")
    let international = lower.contains("xn--") || !commonName.allSatisfy(\.isASCII)
    let caseVariant = names.contains { $0.value.lowercased() == lower && $0.value != commonName }
    return addressLike || international || caseVariant
}

/// A syntactically valid host name (RFC 1035 / 5890 LDH labels), with an optional
/// leading "*." wildcard label.
func isValidDNSName(_ name: String) -> Bool {
    CertificateNames.isHostName(name.hasPrefix("*.") ? String(name.dropFirst(2)) : name)
}

/// Strict-mode profile errors a trust anchor is exempt from.
private let anchorExemptErrors: Set<Int32> = [
    X509_V_ERR_CA_CERT_MISSING_KEY_USAGE, X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER,
]

private final class ValidationProblems {
    struct Problem { let code: Int32; let depth: Int32; let text: String }
    var problems: [Problem] = []
}

/// Records every problem and lets OpenSSL go on, so all of them are reported.
private let collectingCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { ok, ctx in
    guard ok == 0, let ctx, let raw = shim_X509_STORE_CTX_get_app_data(ctx) else { return ok }
    let recorder = Unmanaged<ValidationProblems>.fromOpaque(raw).takeUnretainedValue()
    let code = X509_STORE_CTX_get_error(ctx)
    let text = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
    recorder.problems.append(.init(code: code, depth: X509_STORE_CTX_get_error_depth(ctx), text: text))
    // Building the path cannot continue past a missing issuer; anything else is recorded and judged.
    switch code {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
         X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return 0
    default:
        return 1
    }
}

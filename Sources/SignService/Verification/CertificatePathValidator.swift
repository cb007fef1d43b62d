internal import COpenSSL
import Findings
import Foundation

/// RFC 5280 path validation on OpenSSL's X509_verify_cert: validity periods, basic
/// constraints, path length, CA key usage, signatures along the chain, and revocation
/// against the CRLs supplied.
///
/// Problems are collected through the verify callback instead of stopping at the first,
/// so that an expired-but-otherwise-sound chain can be told apart from a broken one
/// (ETSI's OUT_OF_BOUNDS_NO_POE versus NO_CERTIFICATE_CHAIN_FOUND).
final class CertificatePathValidator: @unchecked Sendable {
    // The X509_STORE is built once and only read afterwards; OpenSSL locks its lookups.
    private let store: OpaquePointer
    let crls: [CertificateRevocationList]
    private let anchors: [Certificate]

    struct Outcome: Sendable {
        /// A problem that prevents building or accepting the path at all.
        var fatal: (subIndication: SubIndication, finding: Finding)?
        /// Certificates found revoked: depth in the chain (0 = signer) and revocation date.
        var revocations: [(depth: Int, subject: String, date: Date?)] = []
        /// Validity-period problems (certificateExpired, certificateNotYetValid).
        var outOfBounds: [Finding] = []
        var warnings: [Finding] = []
        /// Certificates whose revocation status no CRL decided, with their depth.
        var uncheckedRevocation: [(depth: Int, certificate: Certificate)] = []
        /// The path OpenSSL built, from the certificate up.
        var chain: [Certificate] = []
        /// Whether that path ends in a trust anchor (it may still be expired or revoked).
        var reachesTrustAnchor = false

        /// The certificates whose revocation data may be fetched from the addresses they
        /// name: those of a path that reaches a trust anchor, the anchor excepted. A
        /// certificate nobody trusts does not get to make the verifier call its URLs.
        var fetchableCertificates: [Certificate] {
            reachesTrustAnchor ? Array(chain.dropLast()) : []
        }
    }

    init(trustAnchors: [Certificate], crls: [CertificateRevocationList]) throws {
        guard let store = X509_STORE_new() else { throw SignServiceError.openSSL("cannot create a certificate store") }
        self.store = store
        self.crls = crls
        self.anchors = trustAnchors
        for anchor in trustAnchors {
            // Duplicates are harmless; ignore "already in hash table".
            _ = X509_STORE_add_cert(store, anchor.pointer)
        }
        OpenSSLErrorQueue.clear()
    }

    deinit { X509_STORE_free(store) }

    /// `extraCRLs` join the validator's own: those a signature carries, or that were fetched.
    func validate(_ leaf: Certificate, untrusted: [Certificate], at time: Date,
                  extraCRLs: [CertificateRevocationList] = []) -> Outcome {
        var outcome = Outcome()
        // Revocation data signed with a refused algorithm (SHA-1, MD5) says nothing.
        var crls: [CertificateRevocationList] = []
        for crl in self.crls + extraCRLs {
            if let problem = AlgorithmPolicy.crlProblem(crl) {
                if !outcome.warnings.contains(problem) { outcome.warnings.append(problem) }
            } else {
                crls.append(crl)
            }
        }
        let recorder = ProblemRecorder()
        let ctx = X509_STORE_CTX_new(), untrustedStack = shim_sk_X509_new_null(), crlStack = shim_sk_X509_CRL_new_null()
        defer {
            X509_STORE_CTX_free(ctx)
            shim_sk_X509_free(untrustedStack)
            shim_sk_X509_CRL_free(crlStack)
        }
        guard let ctx, let untrustedStack, let crlStack else {
            outcome.fatal = (.certificateChainGeneralFailure, Finding(.outOfMemory))
            return outcome
        }
        for certificate in Self.pathCandidates(for: leaf, among: untrusted) { _ = shim_sk_X509_push(untrustedStack, certificate.pointer) }
        for crl in crls { _ = shim_sk_X509_CRL_push(crlStack, crl.pointer) }

        OpenSSLErrorQueue.clear()
        guard X509_STORE_CTX_init(ctx, store, leaf.pointer, untrustedStack) == 1 else {
            outcome.fatal = (.certificateChainGeneralFailure, Finding(.pathValidationNotStarted, ["reason": .text(OpenSSLErrorQueue.drain())]))
            return outcome
        }
        X509_STORE_CTX_set_time(ctx, 0, time_t(time.timeIntervalSince1970))
        X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(ctx), AlgorithmPolicy.openSSLSecurityLevel)
        // RFC 5280 6.1 policy processing: without it OpenSSL ignores requireExplicitPolicy.
        X509_STORE_CTX_set_flags(ctx, UInt(X509_V_FLAG_POLICY_CHECK))
        if !crls.isEmpty {
            X509_STORE_CTX_set0_crls(ctx, crlStack)
            X509_STORE_CTX_set_flags(ctx, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
        }
        _ = shim_X509_STORE_CTX_set_app_data(ctx, Unmanaged.passUnretained(recorder).toOpaque())
        X509_STORE_CTX_set_verify_cb(ctx, verifyCallback)
        let result = X509_verify_cert(ctx)
        OpenSSLErrorQueue.clear()

        var chain: [Certificate] = []
        if let stack = X509_STORE_CTX_get1_chain(ctx) {
            chain = OpenSSLStack.certificates(stack)
            shim_sk_X509_pop_free(stack)
        }
        outcome.chain = chain
        outcome.reachesTrustAnchor = chain.last.map { last in anchors.contains(last) } ?? false
        if crls.isEmpty {
            // Nothing decided revocation for any certificate but the trust anchor.
            outcome.uncheckedRevocation = chain.enumerated().filter { $0.offset < max(chain.count - 1, 1) }.map { ($0.offset, $0.element) }
        }

        for problem in recorder.problems {
            let subject = problem.depth < chain.count ? chain[Int(problem.depth)].subject : "certificate at depth \(problem.depth)"
            let finding = Finding.pathProblem(code: problem.code, depth: problem.depth, reason: problem.text, chain: chain, crls: crls)
            switch problem.code {
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
                outcome.outOfBounds.append(finding)
            case X509_V_ERR_CERT_REVOKED:
                let date = problem.depth < chain.count ? crls.lazy.compactMap { $0.revocationDate(of: chain[Int(problem.depth)]) }.first : nil
                outcome.revocations.append((Int(problem.depth), subject, date))
            case X509_V_ERR_UNABLE_TO_GET_CRL:
                // A trust anchor is trusted as configured; nobody above it could revoke it.
                let isAnchor = Int(problem.depth) == chain.count - 1
                if !crls.isEmpty && !isAnchor && Int(problem.depth) < chain.count {
                    outcome.uncheckedRevocation.append((Int(problem.depth), chain[Int(problem.depth)]))
                }
            case X509_V_ERR_CRL_HAS_EXPIRED, X509_V_ERR_CRL_NOT_YET_VALID:
                // A CRL outside its validity decides nothing (RFC 5280 6.3.3): the
                // certificate's status is asked elsewhere (OCSP), or noted as not checked.
                outcome.warnings.append(finding)
                let depth = Int(problem.depth)
                if depth < chain.count - 1, !outcome.uncheckedRevocation.contains(where: { $0.depth == depth }) {
                    outcome.uncheckedRevocation.append((depth, chain[depth]))
                }
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                 X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                 X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
                if outcome.fatal == nil {
                    outcome.fatal = (.noCertificateChainFound, finding)
                }
            case X509_V_ERR_EE_KEY_TOO_SMALL, X509_V_ERR_CA_KEY_TOO_SMALL, X509_V_ERR_CA_MD_TOO_WEAK:
                if outcome.fatal == nil {
                    outcome.fatal = (.cryptoConstraintsFailure, finding)
                }
            case X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_CRL_SIGNATURE_FAILURE,
                 X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
                if outcome.fatal == nil {
                    outcome.fatal = (.certificateChainGeneralFailure, finding)
                }
            default:
                if outcome.fatal == nil {
                    outcome.fatal = (.chainConstraintsFailure, finding)
                }
            }
        }
        // One algorithm policy for every certificate of the path (the anchor's key only).
        for (depth, certificate) in chain.enumerated() where outcome.fatal == nil {
            if let problem = AlgorithmPolicy.certificateProblem(certificate, isAnchor: depth == chain.count - 1 && chain.count > 1
                                                                    || (chain.count == 1 && certificate.isSelfIssued)) {
                outcome.fatal = (.cryptoConstraintsFailure, problem)
            }
        }
        if result != 1 && outcome.fatal == nil && recorder.problems.isEmpty {
            outcome.fatal = (.certificateChainGeneralFailure, Finding(.pathValidationFailed))
        }
        return outcome
    }

    /// The untrusted certificates that can stand in a path above `leaf`: each must carry the
    /// name (and key identifier) of the certificate below it and its key must verify that
    /// certificate's signature. OpenSSL takes the first certificate whose name fits, so an
    /// impostor with the right name, slipped into a signature, would otherwise break a
    /// valid path.
    static func pathCandidates(for leaf: Certificate, among untrusted: [Certificate]) -> [Certificate] {
        var chosen: [Certificate] = []
        var frontier = [leaf]
        var remaining = untrusted.filter { $0 != leaf }
        while let below = frontier.popLast(), chosen.count < 64 {
            let issuers = remaining.filter { $0.issued(below) && $0.verifiesSignature(of: below) }
            remaining.removeAll { candidate in issuers.contains(candidate) }
            chosen += issuers
            frontier += issuers.filter { !$0.isSelfIssued }
        }
        return chosen
    }

    /// RFC 3339 in UTC, e.g. 2026-11-24T14:24:14Z (a format style: no formatter to build).
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}

/// Collects what the verify callback reports; one per validation, used on one thread.
private final class ProblemRecorder {
    struct Problem { let code: Int32; let depth: Int32; let text: String }
    var problems: [Problem] = []
}

/// Problems that do not stop path building: they are recorded and judged afterwards.
private let recoverableErrors: Set<Int32> = [
    X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_REVOKED,
    X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_CRL_HAS_EXPIRED, X509_V_ERR_CRL_NOT_YET_VALID,
]

private let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { ok, ctx in
    guard ok == 0, let ctx, let raw = shim_X509_STORE_CTX_get_app_data(ctx) else { return ok }
    let recorder = Unmanaged<ProblemRecorder>.fromOpaque(raw).takeUnretainedValue()
    let code = X509_STORE_CTX_get_error(ctx)
    let text = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
    recorder.problems.append(.init(code: code, depth: X509_STORE_CTX_get_error_depth(ctx), text: text))
    return recoverableErrors.contains(code) ? 1 : 0
}

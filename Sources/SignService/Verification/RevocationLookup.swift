import Foundation
import Synchronization

/// Revocation data fetched for one verification, and what its last pass found missing.
///
/// Online verification runs in passes. A pass is the synchronous validation itself: where
/// it would need a CRL or an OCSP answer that is not here yet, it notes the need and goes
/// on as if none answered. Between passes every need noted is fetched at once, each as a
/// task of its own (no thread waits on a server), then the validation runs again with
/// what came back. CRLs are asked first; OCSP responders only in a pass that lacked no
/// CRL, for the certificates no CRL decided, as the synchronous verifier did. The last
/// pass, which needed nothing new, gives the report.
final class RevocationLookup: Sendable {
    struct OCSPNeed: Sendable {
        let certificate: Certificate
        let issuer: Certificate
        let url: String
    }

    private struct State {
        var crls: [Certificate: Result<CertificateRevocationList?, SignServiceError>] = [:]
        var ocsp: [Certificate: Result<OCSPClient.Status, SignServiceError>] = [:]
        var missingCRLs: [Certificate] = []
        var missingOCSP: [OCSPNeed] = []
        var digests: [String: [DigestAlgorithm: [UInt8]]] = [:]
    }

    private let state = Mutex(State())

    /// The CRL answer for `certificate`, or nil (noted as missing) when it has not been fetched.
    func crl(for certificate: Certificate) -> Result<CertificateRevocationList?, SignServiceError>? {
        state.withLock { state in
            if let known = state.crls[certificate] { return known }
            if !state.missingCRLs.contains(certificate) { state.missingCRLs.append(certificate) }
            return nil
        }
    }

    /// The OCSP answer for the certificate, or nil when it has not been fetched. Noted as
    /// missing only when no CRL is: a certificate whose CRL comes next round may not need
    /// its responder at all.
    func ocsp(for need: OCSPNeed) -> Result<OCSPClient.Status, SignServiceError>? {
        state.withLock { state in
            if let known = state.ocsp[need.certificate] { return known }
            if state.missingCRLs.isEmpty, !state.missingOCSP.contains(where: { $0.certificate == need.certificate }) {
                state.missingOCSP.append(need)
            }
            return nil
        }
    }

    /// The content digests of one pass, reused by the next.
    func digests(for key: String, compute: () throws -> [DigestAlgorithm: [UInt8]]) throws -> [DigestAlgorithm: [UInt8]] {
        if let known = state.withLock({ $0.digests[key] }) { return known }
        let computed = try compute()
        state.withLock { $0.digests[key] = computed }
        return computed
    }

    /// What the last pass missed; the notes are cleared for the next pass.
    func takeNeeds() -> (crls: [Certificate], ocsp: [OCSPNeed]) {
        state.withLock { state in
            defer { state.missingCRLs = []; state.missingOCSP = [] }
            // OCSP needs noted before a CRL need in the same pass are premature.
            return (state.missingCRLs, state.missingCRLs.isEmpty ? state.missingOCSP : [])
        }
    }

    func record(crl: Result<CertificateRevocationList?, SignServiceError>, for certificate: Certificate) {
        state.withLock { $0.crls[certificate] = crl }
    }

    func record(ocsp: Result<OCSPClient.Status, SignServiceError>, for certificate: Certificate) {
        state.withLock { $0.ocsp[certificate] = ocsp }
    }
}

extension SignatureVerifier {
    /// The lookup of the verification this thread or task is running a pass of.
    @TaskLocal static var lookup: RevocationLookup?

    /// Passes enough for CRLs, then OCSP, then the verdict; one spare.
    static let maximumPasses = 4

    /// Runs `pass` (a synchronous validation) until it needs no revocation data it lacks,
    /// fetching what each pass noted concurrently in between. Offline, or inside a pass
    /// already (an ASiC container's signatures), `pass` runs once.
    func withRevocationData<T>(_ pass: () throws -> T) async throws -> T {
        guard let fetcher = policy.revocationFetcher, Self.lookup == nil else { return try pass() }
        let lookup = RevocationLookup()
        for _ in 1..<Self.maximumPasses {
            let result = try Self.$lookup.withValue(lookup) { try pass() }
            let needs = lookup.takeNeeds()
            if needs.crls.isEmpty && needs.ocsp.isEmpty { return result }
            await fetch(needs, fetcher: fetcher, into: lookup)
        }
        return try Self.$lookup.withValue(lookup) { try pass() }
    }

    /// Every CRL and OCSP answer a pass missed, at once; each ends by its own deadline.
    private func fetch(_ needs: (crls: [Certificate], ocsp: [RevocationLookup.OCSPNeed]), fetcher: RevocationFetcher,
                       into lookup: RevocationLookup) async {
        await withTaskExecutorPreference(NetworkExecutor.shared) {
            await fetchHere(needs, fetcher: fetcher, into: lookup)
        }
    }

    private func fetchHere(_ needs: (crls: [Certificate], ocsp: [RevocationLookup.OCSPNeed]), fetcher: RevocationFetcher,
                           into lookup: RevocationLookup) async {
        await withTaskGroup(of: Void.self) { group in
            for certificate in needs.crls {
                group.addTask { lookup.record(crl: await Self.download(certificate, fetcher: fetcher), for: certificate) }
            }
            for need in needs.ocsp {
                group.addTask { lookup.record(ocsp: await self.ocspAnswer(need), for: need.certificate) }
            }
        }
    }
}

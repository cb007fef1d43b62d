import AuditLog
import Foundation
import Logging
import NIOPosix
import Synchronization
import SignService
import TrustServices

/// What the trust-service endpoints need from the authorities behind them. The routes
/// (``TrustServiceController``) know only this protocol, so tests can drive them with any
/// implementation; ``AuthorityBackend`` is the one over a data directory's CA.
public protocol TrustServiceBackend: Sendable {
    /// An RFC 3161 TimeStampResp for a DER TimeStampReq (a refusal is a signed answer too),
    /// for the authenticated `client` (nil when the TSA is open).
    func timestampReply(to query: [UInt8], client: String?) async throws -> [UInt8]
    /// An RFC 6960 OCSPResponse for a DER OCSPRequest.
    func ocspResponse(to request: [UInt8]) async throws -> [UInt8]
    /// The current CRL (DER) of the issuing or root CA.
    func currentCRL(_ issuer: CertificateAuthority.CRLIssuer) async throws -> [UInt8]
    /// The DER certificate of the issuing or root CA.
    func caCertificate(_ issuer: CertificateAuthority.CRLIssuer) -> [UInt8]
    /// Whether /tsa asks for a bearer token.
    var timestampsNeedToken: Bool { get }
    /// The registered client an `Authorization` header authenticates, or nil; throws when
    /// the service cannot tell (then the caller gets 503, not 401).
    func client(forAuthorization header: String?) async throws -> String?
}

/// Runs blocking work (signing, key decryption, SQLite) on a thread pool, so the event
/// loops stay free to accept connections and answer `/healthz` while the pool is busy.
public struct BlockingWork: Sendable {
    let pool: NIOThreadPool

    /// The process-wide pool (one thread per core), started on first use.
    public static let shared = BlockingWork(pool: .singleton)

    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}

/// The endpoints' backend over a data directory's CA: its TSA and OCSP identities (keys
/// decrypted once, at start), its CRLs, and the client tokens in its register.
public final class AuthorityBackend: TrustServiceBackend {
    public let authority: CertificateAuthority
    let timestamps: TimestampAuthority
    let ocsp: OCSPResponder
    let crls: CRLCache
    /// Who may ask /tsa for timestamps; nil makes the TSA open to anyone.
    let clients: ClientAuthentication?
    let work: BlockingWork
    /// Where timestamps and CRLs issued here are logged (the store's audit log); nil logs nothing.
    let audit: (any AuditSink)?

    /// `tsaToken`: the service's own token (registered as client "service" on first start);
    /// `openTSA` lets anyone in; `logger` hears of register rows refused for a bad MAC.
    public init(authority: CertificateAuthority, passphrase: Passphrase, tsaToken: String?, openTSA: Bool = false,
                logger: Logger? = nil, work: BlockingWork = .shared, audit: (any AuditSink)? = nil,
                clientHistory: (@Sendable () -> [String: ClientAuditState]?)? = nil) throws {
        self.authority = authority
        self.work = work
        self.audit = audit
        timestamps = try TimestampAuthority(
            identity: try authority.serviceIdentity(.tsa, passphrase: passphrase),
            policyOID: authority.configuration.timestampPolicyOID,
            accuracyMilliseconds: authority.configuration.timestampAccuracyMilliseconds, register: authority.register)
        ocsp = try OCSPResponder(identity: try authority.serviceIdentity(.ocsp, passphrase: passphrase),
                                 issuer: authority.issuing, register: authority.register)
        crls = CRLCache(authority: authority, passphrase: passphrase, logger: logger, audit: audit)
        let key = try authority.registerKey(passphrase: passphrase)
        if let tsaToken, !openTSA { try authority.registerServiceClient(token: tsaToken, key: key) }
        clients = openTSA ? nil : ClientAuthentication(register: authority.register, key: key, onForgery: { name in
            logger?.warning("client \"\(name)\" in the register carries no valid MAC (written without the CA passphrase?); its token is refused")
        }, history: clientHistory, onReplay: { name in
            logger?.warning("client \"\(name)\" in the register contradicts the audit log (an old row written back?); its token is refused")
        })
    }

    public func timestampReply(to query: [UInt8], client: String?) async throws -> [UInt8] {
        let timestamps = self.timestamps
        let (reply, issued) = try await work.run { try timestamps.answer(query) }
        if let audit, let issued {
            // Answered only once its entry is committed (group commit: one transaction per batch).
            try await audit.record(AuditEvent(actor: client ?? "anonymous", action: "timestamp.issued", object: "tsa:" + issued.serialHex,
                                              details: ["serial": issued.serialHex, "client": client ?? "", "imprint": issued.imprintHex,
                                                        "algorithm": issued.algorithm, "time": AuditEntry.format(issued.time)],
                                              time: issued.time))
        }
        return reply
    }

    /// A TimeStampResp over a SHA-256 `digest` from this TSA, in process (audit checkpoints).
    public func timestamp(digest: [UInt8]) throws -> [UInt8] {
        try timestamps.respond(to: try TimestampClient.request(digest: digest, algorithm: .sha256))
    }

    public func ocspResponse(to request: [UInt8]) async throws -> [UInt8] {
        let ocsp = self.ocsp
        return try await work.run { try ocsp.respond(to: request) }
    }

    public func currentCRL(_ issuer: CertificateAuthority.CRLIssuer) async throws -> [UInt8] {
        try await crls.current(issuer, work: work)
    }

    public func caCertificate(_ issuer: CertificateAuthority.CRLIssuer) -> [UInt8] {
        issuer == .root ? authority.root.derBytes : authority.issuing.derBytes
    }

    public var timestampsNeedToken: Bool { clients != nil }

    public func client(forAuthorization header: String?) async throws -> String? {
        guard let clients, let header else { return nil }
        // The token list is re-read from the register at most once a second: off the loop.
        return try await work.run { clients.client(forAuthorization: header) }
    }
}

/// The current CRLs, reissued when a revocation happened since or half their validity passed.
///
/// One reissue per CA runs at a time, on one pool thread; requests that come meanwhile
/// await it without holding a thread, and get the new CRL (a relying party asking just
/// after a revocation must see it). When the reissue fails (a CA key kept offline, a
/// register locked by another process), the latest CRL still before its nextUpdate is
/// served, so relying parties are not turned away while a valid CRL exists.
final class CRLCache: Sendable {
    private let authority: CertificateAuthority
    private let passphrase: Passphrase
    private let logger: Logger?
    private let reissues = Mutex<[CertificateAuthority.CRLIssuer: Task<[UInt8], any Error>]>([:])
    private let audit: (any AuditSink)?

    init(authority: CertificateAuthority, passphrase: Passphrase, logger: Logger?, audit: (any AuditSink)? = nil) {
        self.authority = authority
        self.passphrase = passphrase
        self.logger = logger
        self.audit = audit
    }

    func current(_ which: CertificateAuthority.CRLIssuer, work: BlockingWork) async throws -> [UInt8] {
        let authority = self.authority, passphrase = self.passphrase
        if let stored = try await work.run({ try authority.currentCRL(which) }) { return stored.der }
        let reissue = reissues.withLock { running in
            if let task = running[which] { return task }
            let task = Task<[UInt8], any Error> {
                defer { self.reissues.withLock { $0[which] = nil } }
                let crl = try await work.run { try authority.makeCRL(which, passphrase: passphrase) }
                try await self.audit?.record(AuditEvent(actor: "signtool serve", action: "crl.issued", object: "crl:" + which.rawValue,
                                                        details: ["number": crl.number.map(String.init) ?? "", "issuer": crl.issuer,
                                                                  "nextUpdate": crl.nextUpdate.map(AuditEntry.format) ?? ""]))
                return crl.derBytes
            }
            running[which] = task
            return task
        }
        do {
            return try await reissue.value
        } catch {
            guard let usable = try await work.run({ try authority.latestUsableCRL(which) }) else { throw error }
            logger?.warning("the \(which.rawValue) CRL could not be reissued (\(error)); the latest one, still current, is served")
            return usable
        }
    }
}

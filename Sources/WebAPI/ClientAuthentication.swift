import AuditLog
import Foundation
import SignService
import TrustServices
import Synchronization

/// Who may use the TSA: the clients registered with `signtool client add` (by the SHA-256
/// of their bearer token, read from the CA's register at most once a second, so a revoked
/// client is refused within a second). The service's own token is the client "service",
/// revocable and rotatable like any other. A row whose MAC does not verify under the
/// register key (written without the CA passphrase) authenticates nobody. A token this
/// process has once seen revoked or replaced stays refused, even if an old copy of its row
/// (with its old, valid MAC) is written back behind the CA's back.
public final class ClientAuthentication: Sendable {
    private let register: any AuthorityRegister
    private let key: RegisterKey
    private let snapshot = Mutex<(loaded: ContinuousClock.Instant, tokens: [Data: String])?>(nil)
    /// Token hashes seen revoked, or replaced by a rotation: never accepted again.
    private let retired = Mutex<Set<Data>>([])
    /// The token hash each client name had at the last refresh.
    private let lastHashes = Mutex<[String: Data]>([:])
    /// Names of register rows refused for a bad MAC, reported once each.
    private let reportedForgeries = Mutex<Set<String>>([])
    private let onForgery: @Sendable (String) -> Void
    /// What the audit log last says of each client; a row that contradicts it (an old token
    /// of a rotated client, a revoked client's row written back) authenticates nobody, even
    /// in a process started after the change.
    private let history: (@Sendable () -> [String: ClientAuditState]?)?
    /// Names refused because their row contradicts the log, reported once each.
    private let reportedReplays = Mutex<Set<String>>([])
    private let onReplay: @Sendable (String) -> Void
    static let refreshInterval = Duration.seconds(1)

    public init(register: any AuthorityRegister, key: RegisterKey, onForgery: @escaping @Sendable (String) -> Void = { _ in },
                history: (@Sendable () -> [String: ClientAuditState]?)? = nil, onReplay: @escaping @Sendable (String) -> Void = { _ in }) {
        self.register = register
        self.key = key
        self.onForgery = onForgery
        self.history = history
        self.onReplay = onReplay
    }

    /// The client's name for an `Authorization` header value, or nil.
    public func client(forAuthorization header: String?) -> String? {
        guard let header, let token = Self.bearerToken(header) else { return nil }
        // A lookup by hash: what an attacker controls is the preimage, so timing tells nothing.
        guard let hash = try? ContentDigest.digest(token, algorithm: .sha256) else { return nil }
        return tokens()[Data(hash)]
    }

    /// The token of `Bearer TOKEN` (RFC 6750 2.1), the scheme in any case (RFC 7235 2.1),
    /// with spaces or tabs around and between them; nil for another scheme, no token, or a
    /// token with blanks inside (two headers folded into one, "Bearer a, Bearer b", are refused so).
    static func bearerToken(_ header: String) -> [UInt8]? {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let bytes = Array(header.utf8)
        guard let start = bytes.firstIndex(where: { !blank($0) }) else { return nil }
        let scheme = Array("bearer".utf8)
        let schemeEnd = start + scheme.count
        guard schemeEnd < bytes.count, blank(bytes[schemeEnd]),
              zip(bytes[start..<schemeEnd], scheme).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        let rest = bytes[schemeEnd...].drop(while: blank)
        let token = Array(rest.reversed().drop(while: blank).reversed())
        guard !token.isEmpty, !token.contains(where: blank) else { return nil }
        return token
    }

    private func tokens() -> [Data: String] {
        let now = ContinuousClock.now
        if let current = snapshot.withLock({ $0 }), now - current.loaded < Self.refreshInterval { return current.tokens }
        // A register that cannot be read keeps the last list rather than locking everyone out.
        let read = try? register.activeClientTokens(key: key)
        for name in read?.forged ?? [] where reportedForgeries.withLock({ $0.insert(name).inserted }) { onForgery(name) }
        if let read {
            // Revoked rows (whatever their MAC) and hashes a name no longer has retire for good.
            let revoked = (try? register.clients().filter { $0.revokedAt != nil }.map(\.tokenHash)) ?? []
            let current = Dictionary(read.tokens.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            let replaced = lastHashes.withLock { last in
                defer { last = current }
                return last.compactMap { name, hash in current[name] == hash ? nil : hash }
            }
            retired.withLock { $0.formUnion(revoked + replaced) }
        }
        let retiredNow = retired.withLock { $0 }
        var fresh = (read?.tokens ?? snapshot.withLock { $0?.tokens } ?? [:]).filter { !retiredNow.contains($0.key) }
        if let states = history?() {
            fresh = fresh.filter { hash, name in
                let agrees: Bool
                switch states[name] {
                case nil: agrees = true
                case .revoked?: agrees = false
                case .token(let audited)?: agrees = audited == Hex.lower(hash)
                }
                if !agrees, reportedReplays.withLock({ $0.insert(name).inserted }) { onReplay(name) }
                return agrees
            }
        }
        snapshot.withLock { $0 = (now, fresh) }
        return fresh
    }
}

import Foundation
import SignService
import Synchronization

/// Who may use the TSA: the clients registered with `signtool client add` (by the SHA-256
/// of their bearer token, read from the CA's register at most once a second, so a revoked
/// client is refused within a second). The service's own token is the client "service",
/// revocable and rotatable like any other. A row whose MAC does not verify under the
/// register key (written without the CA passphrase) authenticates nobody.
public final class ClientAuthentication: Sendable {
    private let database: AuthorityDatabase
    private let key: RegisterKey
    private let snapshot = Mutex<(loaded: ContinuousClock.Instant, tokens: [Data: String])?>(nil)
    /// Names of register rows refused for a bad MAC, reported once each.
    private let reportedForgeries = Mutex<Set<String>>([])
    private let onForgery: @Sendable (String) -> Void
    static let refreshInterval = Duration.seconds(1)

    public init(database: AuthorityDatabase, key: RegisterKey, onForgery: @escaping @Sendable (String) -> Void = { _ in }) {
        self.database = database
        self.key = key
        self.onForgery = onForgery
    }

    /// The client's name for an `Authorization` header value, or nil.
    public func client(forAuthorization header: String?) -> String? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        let token = Array(header.utf8.dropFirst(7))
        guard !token.isEmpty else { return nil }
        // A lookup by hash: what an attacker controls is the preimage, so timing tells nothing.
        guard let hash = try? ContentDigest.digest(token, algorithm: .sha256) else { return nil }
        return tokens()[Data(hash)]
    }

    private func tokens() -> [Data: String] {
        let now = ContinuousClock.now
        if let current = snapshot.withLock({ $0 }), now - current.loaded < Self.refreshInterval { return current.tokens }
        // A register that cannot be read keeps the last list rather than locking everyone out.
        let read = try? database.activeClientTokens(key: key)
        for name in read?.forged ?? [] where reportedForgeries.withLock({ $0.insert(name).inserted }) { onForgery(name) }
        let fresh = read?.tokens ?? snapshot.withLock { $0?.tokens } ?? [:]
        snapshot.withLock { $0 = (now, fresh) }
        return fresh
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<min(a.count, b.count) { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

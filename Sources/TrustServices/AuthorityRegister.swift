import Foundation
import SignService

/// One certificate the CA issued, as its register keeps it.
public struct IssuedCertificate: Codable, Sendable, Equatable {
    /// Upper-case hexadecimal, no leading zeros (as `openssl x509 -serial` prints it).
    public var serial: String
    /// "root" for the issuing CA certificate, "issuing" for everything the issuing CA signs.
    public var issuer: String
    public var subject: String
    public var profile: String
    public var notBefore: Date
    public var notAfter: Date
    public var issuedAt: Date
    public var der: Data
    public var revokedAt: Date?
    public var revocationReason: String?

    public var isRevoked: Bool { revokedAt != nil }

    public init(serial: String, issuer: String, subject: String, profile: String, notBefore: Date, notAfter: Date,
                issuedAt: Date, der: Data, revokedAt: Date? = nil, revocationReason: String? = nil) {
        self.serial = serial
        self.issuer = issuer
        self.subject = subject
        self.profile = profile
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.issuedAt = issuedAt
        self.der = der
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
    }
}

/// A CRL the CA signed; numbers only grow (RFC 5280 5.2.3).
public struct IssuedCRL: Codable, Sendable, Equatable {
    public var issuer: String
    public var number: Int64
    public var thisUpdate: Date
    public var nextUpdate: Date
    /// The register's revision when the CRL was made: a newer revocation makes it stale.
    public var revision: Int64
    public var der: Data

    public init(issuer: String, number: Int64, thisUpdate: Date, nextUpdate: Date, revision: Int64, der: Data) {
        self.issuer = issuer
        self.number = number
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.revision = revision
        self.der = der
    }
}

/// A caller of the service's TSA (an agency, a system), known by the SHA-256 of its
/// bearer token: the token itself is shown once and never stored.
public struct ServiceClient: Codable, Sendable, Equatable {
    public var name: String
    public var tokenHash: Data
    public var createdAt: Date
    public var revokedAt: Date?
    /// HMAC-SHA256 over the row under the register key (``RegisterKey``): a row written
    /// behind the CA's back (no passphrase) does not authenticate anyone.
    public var mac: Data?

    package func expectedMAC(_ key: RegisterKey) -> Data {
        var message = Array("client\u{0}\(name)\u{0}".utf8) + Array(tokenHash)
        message += Array("\u{0}\(Int64(createdAt.timeIntervalSince1970.rounded()))\u{0}\(revokedAt.map { String(Int64($0.timeIntervalSince1970.rounded())) } ?? "-")".utf8)
        return Data(key.authenticate(message))
    }
}

/// Where the CA keeps what it must remember: issued and revoked certificates, CRLs, service
/// clients and the counters that must survive a restart (TSA serial numbers, CRL numbers).
///
/// One method per transaction. Implementations must be safe for several processes at
/// once: `signtool cert revoke` writes while `signtool serve` answers OCSP, and a
/// revocation shows in the next answer. ``SQLiteAuthorityRegister`` is the implementation
/// used today; a PostgreSQL one would implement the same methods.
public protocol AuthorityRegister: Sendable {
    // Service clients
    /// Registers a client; a name already taken (even by a revoked client) is refused.
    func addClient(name: String, tokenHash: [UInt8], key: RegisterKey, at date: Date) throws
    /// Gives an active client a new token; the old one is refused from the next refresh on.
    func rotateClient(name: String, tokenHash: [UInt8], key: RegisterKey, at date: Date) throws
    /// Revokes a client's token; a revocation is final.
    func revokeClient(name: String, key: RegisterKey, at date: Date) throws
    /// Every client, oldest first.
    func clients() throws -> [ServiceClient]
    /// Token hash to client name for the clients not revoked whose row carries a valid
    /// MAC; `forged` names the rows that do not.
    func activeClientTokens(key: RegisterKey) throws -> (tokens: [Data: String], forged: [String])

    // Certificates
    func insert(_ certificate: IssuedCertificate) throws
    func certificate(serial: String) throws -> IssuedCertificate?
    func allCertificates() throws -> [IssuedCertificate]
    /// Marks a certificate revoked; a second revocation is refused so the first date stands.
    func revoke(serial: String, reason: RevocationReason, at date: Date) throws -> IssuedCertificate

    // CRLs and counters
    /// Grows with every revocation: a CRL made at an older revision is stale.
    func revision() throws -> Int64
    func latestCRL(issuer: String) throws -> IssuedCRL?
    /// Allocates the next CRL number and stores the CRL `make` signs with it, in one
    /// transaction, so two processes never sign two CRLs with the same number.
    func issueCRL(issuer: String,
                  _ make: (_ number: Int64, _ revoked: [IssuedCertificate], _ revision: Int64) throws -> IssuedCRL) throws -> IssuedCRL
    /// Reserves `count` consecutive values of a persistent counter and returns the first;
    /// values handed out are never handed out again, even after a crash.
    func reserve(_ counter: String, count: Int64) throws -> Int64
}

extension AuthorityRegister {
    public func addClient(name: String, tokenHash: [UInt8], key: RegisterKey) throws {
        try addClient(name: name, tokenHash: tokenHash, key: key, at: Date())
    }
    public func rotateClient(name: String, tokenHash: [UInt8], key: RegisterKey) throws {
        try rotateClient(name: name, tokenHash: tokenHash, key: key, at: Date())
    }
    public func revokeClient(name: String, key: RegisterKey) throws {
        try revokeClient(name: name, key: key, at: Date())
    }
}

/// Serial in the register's form, as OpenSSL prints it: upper case, whole octets, no
/// leading zero octets, no colons.
package func normalizedSerial(_ serial: String) -> String {
    var text = serial.uppercased().filter { $0 != ":" }
    if text.hasPrefix("0X") { text.removeFirst(2) }
    while text.count > 1 && text.hasPrefix("0") { text.removeFirst() }
    return text.count % 2 == 1 ? "0" + text : text
}

/// Register dates are whole seconds, so that a row's MAC survives any storage's date format.
package func wholeSeconds(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }

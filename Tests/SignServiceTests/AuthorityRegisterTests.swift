import Foundation
import GRDB
import SignService
import Testing
import TrustServices

/// The CA register behind its protocol, on an in-memory SQLite database: what every
/// implementation (SQLite today, PostgreSQL later) must guarantee.
@Suite("Authority register (in memory)")
struct AuthorityRegisterTests {
    let register: any AuthorityRegister
    let writer: DatabaseQueue
    let key: RegisterKey

    init() throws {
        writer = try DatabaseQueue()
        register = try SQLiteAuthorityRegister(writer: writer)
        key = try RegisterKey(deriving: try PrivateKey.generate(.p256))
    }

    private func certificate(_ serial: String, issuer: String = "issuing") -> IssuedCertificate {
        IssuedCertificate(serial: serial, issuer: issuer, subject: "CN=\(serial)", profile: "official",
                          notBefore: Date(timeIntervalSince1970: 1_700_000_000), notAfter: Date(timeIntervalSince1970: 1_800_000_000),
                          issuedAt: Date(timeIntervalSince1970: 1_700_000_000), der: Data([0x30, 0x00]))
    }

    @Test("a revocation is recorded once, moves the revision, and a second one is refused")
    func revocation() throws {
        try register.insert(certificate("0A"))
        #expect(try register.revision() == 0)
        let revoked = try register.revoke(serial: "0x0a", reason: .keyCompromise, at: Date(timeIntervalSince1970: 1_750_000_000))
        #expect(revoked.revokedAt == Date(timeIntervalSince1970: 1_750_000_000))
        #expect(try register.revision() == 1)
        #expect(throws: SignServiceError.self) { try register.revoke(serial: "0A", reason: .superseded, at: Date()) }
        #expect(try register.certificate(serial: "0A")?.revocationReason == RevocationReason.keyCompromise.rawValue)
        #expect(throws: SignServiceError.self) { try register.revoke(serial: "FF", reason: .superseded, at: Date()) }
    }

    @Test("CRL numbers grow by one and the CRL sees the revocations of its transaction")
    func crlNumbers() throws {
        try register.insert(certificate("01"))
        _ = try register.revoke(serial: "01", reason: .unspecified, at: Date())
        for expected in Int64(1)...3 {
            let crl = try register.issueCRL(issuer: "issuing") { number, revoked, revision in
                #expect(number == expected)
                #expect(revoked.map(\.serial) == ["01"])
                return IssuedCRL(issuer: "issuing", number: number, thisUpdate: Date(), nextUpdate: Date() + 3600,
                                 revision: revision, der: Data([0x30, 0x00]))
            }
            #expect(crl.number == expected)
        }
        #expect(try register.latestCRL(issuer: "issuing")?.number == 3)
        #expect(try register.latestCRL(issuer: "root") == nil)
    }

    @Test("counters hand out disjoint blocks")
    func counters() throws {
        let first = try register.reserve("tsa-serial", count: 100)
        let second = try register.reserve("tsa-serial", count: 100)
        #expect(first == 1)
        #expect(second == 101)
    }

    @Test("client rows: add, rotate, revoke; a row changed behind the register's back authenticates nobody")
    func clients() throws {
        let hash = [UInt8](repeating: 7, count: 32)
        try register.addClient(name: "agency", tokenHash: hash, key: key)
        #expect(throws: SignServiceError.self) { try register.addClient(name: "agency", tokenHash: hash, key: key) }
        #expect(try register.activeClientTokens(key: key).tokens[Data(hash)] == "agency")
        let rotated = [UInt8](repeating: 8, count: 32)
        try register.rotateClient(name: "agency", tokenHash: rotated, key: key)
        #expect(try register.activeClientTokens(key: key).tokens[Data(hash)] == nil)
        #expect(try register.activeClientTokens(key: key).tokens[Data(rotated)] == "agency")
        // A forged row: right shape, no valid MAC.
        try writer.write { db in
            try db.execute(sql: "UPDATE client SET tokenHash = ? WHERE name = 'agency'", arguments: [Data(hash)])
        }
        let afterForgery = try register.activeClientTokens(key: key)
        #expect(afterForgery.tokens.isEmpty)
        #expect(afterForgery.forged == ["agency"])
        // Another key (another CA) does not accept this CA's rows either.
        try register.addClient(name: "other", tokenHash: [UInt8](repeating: 9, count: 32), key: key)
        let stranger = try RegisterKey(deriving: try PrivateKey.generate(.p256))
        #expect(try register.activeClientTokens(key: stranger).forged.sorted() == ["agency", "other"])
        try register.revokeClient(name: "other", key: key)
        #expect(throws: SignServiceError.self) { try register.rotateClient(name: "other", tokenHash: hash, key: key) }
        #expect(try register.clients().map(\.name).sorted() == ["agency", "other"])
    }
}

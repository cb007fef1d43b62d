import Foundation
import GRDB
import SignService

extension IssuedCertificate: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "certificate"
}

extension IssuedCRL: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "crl"
}

extension ServiceClient: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "client"
}

/// The CA's register in SQLite (WAL) through GRDB: issued and revoked certificates, CRLs, and the
/// counters that must survive a restart (TSA serial numbers).
///
/// Several processes may use it at once: `signtool cert revoke` writes while
/// `signtool serve` answers OCSP from it, and a revocation shows in the next answer.
public struct SQLiteAuthorityRegister: AuthorityRegister {
    let writer: any DatabaseWriter

    /// A register over any GRDB writer: a `DatabasePool` on disk, or a `DatabaseQueue()` in
    /// memory for tests. Runs the migrations.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        do { try Self.migrator.migrate(writer) } catch let error as DatabaseError {
            throw SignServiceError.io("CA register: \(error.message ?? "\(error)")")
        }
    }

    /// The register file `path` (WAL mode, created 0600).
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // SQLite gives its -wal and -shm files the mode of the database file: create that one
        // 0600 (the register names every official), and tighten a register made before.
        // Made 0600 if it is not there yet. An existing file is not opened here: closing a
        // descriptor would drop the POSIX locks another connection of this process holds on it.
        if !FileIO.exists(path) {
            let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
        }
        for file in [path, path + "-wal", path + "-shm"] where FileIO.exists(file) { _ = chmod(file, 0o600) }
        do {
            try self.init(writer: try DatabasePool(path: path, configuration: configuration))
        } catch let error as DatabaseError {
            throw SignServiceError.io("\(path): \(error.message ?? "\(error)")")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "certificate") { t in
                t.column("serial", .text).primaryKey()
                t.column("issuer", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("notBefore", .datetime).notNull()
                t.column("notAfter", .datetime).notNull()
                t.column("issuedAt", .datetime).notNull()
                t.column("der", .blob).notNull()
                t.column("revokedAt", .datetime)
                t.column("revocationReason", .text)
            }
            try db.create(index: "certificate_revoked", on: "certificate", columns: ["issuer", "revokedAt"])
            try db.create(table: "crl") { t in
                t.column("issuer", .text).notNull()
                t.column("number", .integer).notNull()
                t.column("thisUpdate", .datetime).notNull()
                t.column("nextUpdate", .datetime).notNull()
                t.column("revision", .integer).notNull()
                t.column("der", .blob).notNull()
                t.primaryKey(["issuer", "number"])
            }
            try db.create(table: "counter") { t in
                t.column("name", .text).primaryKey()
                t.column("value", .integer).notNull()
            }
        }
        migrator.registerMigration("v2: service clients") { db in
            try db.create(table: "client") { t in
                t.column("name", .text).primaryKey()
                t.column("tokenHash", .blob).notNull().unique()
                t.column("createdAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
            }
        }
        migrator.registerMigration("v3: client register MACs") { db in
            try db.alter(table: "client") { t in t.add(column: "mac", .blob) }
        }
        return migrator
    }

    // MARK: Service clients

    /// Registers a client; a name already taken (even by a revoked client) is refused.
    public func addClient(name: String, tokenHash: [UInt8], key: RegisterKey, at date: Date) throws {
        let date = wholeSeconds(date)
        try write { db in
            if try ServiceClient.fetchOne(db, key: name) != nil {
                throw SignServiceError(code: .outputExists, reason: "a client named \"\(name)\" already exists")
            }
            var client = ServiceClient(name: name, tokenHash: Data(tokenHash), createdAt: date, revokedAt: nil)
            client.mac = client.expectedMAC(key)
            try client.insert(db)
        }
    }

    /// Gives an active client a new token; the old one is refused from the next refresh on.
    public func rotateClient(name: String, tokenHash: [UInt8], key: RegisterKey, at date: Date) throws {
        try changeActiveClient(name, key: key, ifRevoked: "client \"\(name)\" is revoked; a revocation is final (add a client under a new name)") {
            $0.tokenHash = Data(tokenHash)
            $0.createdAt = wholeSeconds(date)
        }
    }

    public func clients() throws -> [ServiceClient] {
        try read { db in try ServiceClient.order(Column("createdAt")).fetchAll(db) }
    }

    /// Revokes a client's token; it is refused from the service's next refresh on.
    public func revokeClient(name: String, key: RegisterKey, at date: Date) throws {
        try changeActiveClient(name, key: key, ifRevoked: "client \"\(name)\" is already revoked") {
            $0.revokedAt = wholeSeconds(date)
        }
    }

    /// Changes a client that is not revoked, and authenticates the changed row anew.
    private func changeActiveClient(_ name: String, key: RegisterKey, ifRevoked message: String,
                                    _ change: (inout ServiceClient) -> Void) throws {
        try write { db in
            guard var client = try ServiceClient.fetchOne(db, key: name) else {
                throw SignServiceError(code: .fileNotFound, reason: "no client named \"\(name)\"")
            }
            guard client.revokedAt == nil else { throw SignServiceError(code: .outputExists, reason: message) }
            change(&client)
            client.mac = client.expectedMAC(key)
            try client.update(db)
        }
    }

    /// Token hash to client name, for the clients not revoked whose row carries a valid
    /// MAC; `forged` lists the names of rows that do not (written without the passphrase).
    public func activeClientTokens(key: RegisterKey) throws -> (tokens: [Data: String], forged: [String]) {
        try read { db in
            let active = try ServiceClient.filter(Column("revokedAt") == nil).fetchAll(db)
            var tokens: [Data: String] = [:]
            var forged: [String] = []
            for client in active {
                guard let mac = client.mac, RegisterKey.constantTimeEqual(Array(mac), Array(client.expectedMAC(key))) else {
                    forged.append(client.name)
                    continue
                }
                tokens[client.tokenHash] = client.name
            }
            return (tokens, forged)
        }
    }

    // MARK: Certificates

    public func insert(_ certificate: IssuedCertificate) throws {
        try write { db in try certificate.insert(db) }
    }

    public func certificate(serial: String) throws -> IssuedCertificate? {
        try read { db in try IssuedCertificate.fetchOne(db, key: normalizedSerial(serial)) }
    }

    public func allCertificates() throws -> [IssuedCertificate] {
        try read { db in try IssuedCertificate.order(Column("issuedAt")).fetchAll(db) }
    }

    public func revoked(issuer: String) throws -> [IssuedCertificate] {
        try read { db in
            try IssuedCertificate.filter(Column("issuer") == issuer && Column("revokedAt") != nil)
                .order(Column("serial")).fetchAll(db)
        }
    }

    /// Marks a certificate revoked; a second revocation is refused so the first date stands.
    public func revoke(serial: String, reason: RevocationReason, at date: Date) throws -> IssuedCertificate {
        let key = normalizedSerial(serial)
        return try write { db in
            guard var record = try IssuedCertificate.fetchOne(db, key: key) else {
                throw SignServiceError(code: .fileNotFound, reason: "no certificate with serial \(key) in this CA's register")
            }
            if let revokedAt = record.revokedAt {
                throw SignServiceError(code: .outputExists,
                                       reason: "certificate \(key) was already revoked at \(ISO8601DateFormatter().string(from: revokedAt)) (\(record.revocationReason ?? "unspecified"))")
            }
            record.revokedAt = date
            record.revocationReason = reason.rawValue
            try record.update(db)
            try Self.increment(db, "revision")
            return record
        }
    }

    // MARK: CRLs and counters

    /// Increases the revision counter (every revocation does).
    public func revision() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT value FROM counter WHERE name = 'revision'") ?? 0 }
    }

    public func latestCRL(issuer: String) throws -> IssuedCRL? {
        try read { db in
            try IssuedCRL.filter(Column("issuer") == issuer).order(Column("number").desc).fetchOne(db)
        }
    }

    /// Allocates the next CRL number and stores the CRL `make` signs with it, in one
    /// transaction, so two processes never sign two CRLs with the same number.
    public func issueCRL(issuer: String, _ make: (_ number: Int64, _ revoked: [IssuedCertificate], _ revision: Int64) throws -> IssuedCRL) throws -> IssuedCRL {
        try write { db in
            let number = (try Int64.fetchOne(db, sql: "SELECT max(number) FROM crl WHERE issuer = ?", arguments: [issuer]) ?? 0) + 1
            let revoked = try IssuedCertificate.filter(Column("issuer") == issuer && Column("revokedAt") != nil)
                .order(Column("serial")).fetchAll(db)
            let revision = try Int64.fetchOne(db, sql: "SELECT value FROM counter WHERE name = 'revision'") ?? 0
            let crl = try make(number, revoked, revision)
            try crl.insert(db)
            return crl
        }
    }

    /// Reserves `count` consecutive values of a persistent counter and returns the first.
    /// Values handed out are never handed out again, even after a crash.
    public func reserve(_ counter: String, count: Int64) throws -> Int64 {
        try write { db in
            let current = try Int64.fetchOne(db, sql: "SELECT value FROM counter WHERE name = ?", arguments: [counter]) ?? 0
            try db.execute(sql: "INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                           arguments: [counter, current + count])
            return current + 1
        }
    }

    private static func increment(_ db: Database, _ counter: String) throws {
        try db.execute(sql: "INSERT INTO counter (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                       arguments: [counter])
    }

    // MARK: Access with errors mapped to SignServiceError

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.read(body) } catch let error as DatabaseError {
            throw SignServiceError.io("CA register: \(error.message ?? "\(error)")")
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch let error as DatabaseError {
            throw SignServiceError.io("CA register: \(error.message ?? "\(error)")")
        }
    }
}

import Foundation
import GRDB

/// Something the service did, to be logged.
public struct AuditEvent: Sendable {
    public var actor: String
    public var action: String
    public var object: String
    public var details: [String: String]
    public var time: Date
    public init(actor: String, action: String, object: String, details: [String: String] = [:], time: Date = Date()) {
        self.actor = actor
        self.action = action
        self.object = object
        self.details = details
        self.time = time
    }
}

/// Where services that are not the store (the CA, the TSA) append their actions.
public protocol AuditSink: Sendable {
    /// Returns once the entry is on disk.
    func record(_ event: AuditEvent) async throws
}

/// Group commit: events that arrive while a batch is being written wait for the next
/// batch, which takes all of them in one transaction (one fsync). A caller returns only
/// once its entry is committed, so a timestamp is answered only after its entry is on
/// disk, and a TSA answering thousands a second writes a few hundred batches.
public actor GroupCommitAuditSink: AuditSink {
    private let writer: any DatabaseWriter
    private var pending: [(AuditEvent, CheckedContinuation<Void, any Error>)] = []
    private var writing = false
    /// Largest batch written at once.
    public static let maximumBatch = 2048

    public init(writer: any DatabaseWriter) { self.writer = writer }

    public func record(_ event: AuditEvent) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append((event, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let count = min(pending.count, Self.maximumBatch)
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            let events = batch.map(\.0)
            do {
                try await writer.write { db in
                    for event in events {
                        try AuditLog.append(actor: event.actor, action: event.action, object: event.object,
                                            details: event.details, time: event.time, in: db)
                    }
                }
                for (_, continuation) in batch { continuation.resume() }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        writing = false
    }
}

extension Database {
    /// `execute(sql:arguments:)` through the connection's statement cache: the store and the
    /// log run the same few statements for every row, and parsing them again each time cost
    /// more than the rows.
    package func run(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

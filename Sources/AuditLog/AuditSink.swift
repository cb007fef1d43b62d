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

/// Group commit: items that arrive while a batch is being written wait for the next
/// batch, which takes all of them (up to `maximumBatch`) in one write. A caller returns
/// only once its item's write has succeeded or failed, so "returned" means "on disk" when
/// `write` means it. `write` answers each item of the batch in order.
public actor GroupCommit<Item: Sendable> {
    public typealias Write = @Sendable ([Item]) async -> [Result<Void, any Error>]
    private let write: Write
    private let maximumBatch: Int
    private var pending: [(Item, CheckedContinuation<Void, any Error>)] = []
    private var writing = false

    public init(maximumBatch: Int, write: @escaping Write) {
        self.maximumBatch = maximumBatch
        self.write = write
    }

    /// Returns once `item` is written (throws what its write threw).
    public func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append((item, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let count = min(pending.count, maximumBatch)
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            let results = await write(batch.map(\.0))
            for (index, (_, continuation)) in batch.enumerated() {
                continuation.resume(with: index < results.count ? results[index] : .failure(CancellationError()))
            }
        }
        writing = false
    }
}

/// The audit log's group commit: a timestamp is answered only after its entry is on
/// disk, and a TSA answering thousands a second writes a few hundred batches.
public struct GroupCommitAuditSink: AuditSink {
    private let queue: GroupCommit<AuditEvent>
    /// Largest batch written at once.
    public static let maximumBatch = 2048

    public init(writer: any DatabaseWriter) {
        queue = GroupCommit(maximumBatch: Self.maximumBatch) { events in
            do {
                try await writer.write { db in
                    for event in events {
                        try AuditLog.append(actor: event.actor, action: event.action, object: event.object,
                                            details: event.details, time: event.time, in: db)
                    }
                }
                return events.map { _ in .success(()) }
            } catch {
                return events.map { _ in .failure(error) }
            }
        }
    }

    public func record(_ event: AuditEvent) async throws { try await queue.submit(event) }
}

extension Database {
    /// `execute(sql:arguments:)` through the connection's statement cache: the store and the
    /// log run the same few statements for every row, and parsing them again each time cost
    /// more than the rows.
    package func run(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

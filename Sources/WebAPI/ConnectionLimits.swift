import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How long a client may take over a request and how many may be connected at once, so
/// that slow or silent clients cannot hold the server's file descriptors (slowloris).
///
/// - A request (its line, headers and body) must arrive whole within `readTimeout` of its
///   first byte; a new connection must deliver its first request within `readTimeout` of
///   opening. Otherwise the connection is closed.
/// - A connection with no request in progress after a response is closed after `idleTimeout`.
/// - At most `maximumConnections` are open. One more closes, to make room, the connection
///   that has gone longest without being answered (since it opened or since its last
///   response: idle, or sending a request slowly); one whose request is being answered is
///   never closed for room. If every one is being answered, the newcomer gets `503`.
public struct ConnectionLimits: Sendable {
    public var readTimeout: Duration
    public var idleTimeout: Duration
    public var maximumConnections: Int

    public static let defaultReadTimeout = Duration.seconds(10)
    public static let defaultIdleTimeout = Duration.seconds(30)
    public static let defaultMaximumConnections = 512

    public init(readTimeout: Duration = Self.defaultReadTimeout, idleTimeout: Duration = Self.defaultIdleTimeout,
                maximumConnections: Int = Self.defaultMaximumConnections) {
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
    }

    /// Descriptors kept apart from client connections: the listening socket, the CA
    /// register (SQLite and its WAL), the event loops, standard streams, CRL writes.
    static let reservedDescriptors = 64

    /// Makes room for `maximumConnections` in the process's open-file limit: raises the soft
    /// limit towards the hard one if needed and, if that is still too low, lowers
    /// `maximumConnections` to what fits. Returns a sentence to log when it had to lower it.
    public mutating func fitDescriptorLimit() throws -> String? {
        // RLIM_INFINITY is all ones; the C macro's cast does not come through to Swift.
        let unlimited = rlim_t.max
        var limit = rlimit()
        guard getrlimit(Self.openFiles, &limit) == 0 else { return nil }
        let needed = rlim_t(maximumConnections + Self.reservedDescriptors)
        if limit.rlim_cur != unlimited && limit.rlim_cur < needed {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == unlimited ? needed : min(needed, limit.rlim_max)
            if setrlimit(Self.openFiles, &raised) == 0 { limit = raised }
        }
        guard limit.rlim_cur != unlimited, limit.rlim_cur < needed else { return nil }
        let fitting = Int(limit.rlim_cur) - Self.reservedDescriptors
        guard fitting >= 1 else {
            throw ConnectionLimitError(
                reason: "the open-file limit (\(limit.rlim_cur)) leaves no room for connections; raise it (ulimit -n)")
        }
        let asked = maximumConnections
        maximumConnections = fitting
        return "the open-file limit is \(limit.rlim_cur), so at most \(fitting) connections instead of \(asked)"
            + " (raise it with ulimit -n)"
    }

    #if os(Linux)
    private static let openFiles = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let openFiles = RLIMIT_NOFILE
    #endif
}

/// The open-file limit leaves no room for a single connection.
public struct ConnectionLimitError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with `limits` on time and connections; `logger` receives the warnings when
    /// connections are shed.
    public static func http1(limits: ConnectionLimits, logger: Logger) -> HTTPServerBuilder {
        let register = ConnectionRegister(limits: limits, logger: logger)
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(responder: responder, limits: limits, register: register)
        }
    }
}

/// Hummingbird's HTTP/1 channel with a `ConnectionClock` in front of the HTTP decoder, so it
/// sees a request's first byte, and an `ExchangeObserver` behind it, so it sees where
/// requests and responses end.
struct LimitedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let register: ConnectionRegister

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let clock = ConnectionClock(limits: limits, register: register, logger: logger)
        do {
            try channel.pipeline.syncOperations.addHandler(clock, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        // Built here, on the channel's event loop, where HTTP1Channel asks for it.
        let observer = NIOLoopBound(ExchangeObserver(clock: clock), eventLoop: channel.eventLoop)
        let http1 = HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [observer.value]))
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder).handle(value: value, logger: logger)
    }
}

/// The open connections, shared by all event loops: which may be closed to make room (those
/// waiting for or reading a request, longest unanswered first), and the warnings when some are shed.
final class ConnectionRegister: Sendable {
    private struct Entry {
        let channel: any Channel
        /// Since when the connection has gone unanswered (opened, or last response ended);
        /// nil while one of its requests is being answered.
        var waitingSince: NIODeadline?
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var shed = ShedCounts()
        var lastReport: NIODeadline?
        var flushScheduled = false
    }

    struct ShedCounts {
        var evicted = 0
        var refused = 0
        var cutOff = 0
        var isEmpty: Bool { evicted + refused + cutOff == 0 }
    }

    enum Admission {
        case admitted(id: UInt64, evicting: (any Channel)?)
        case refused
    }

    /// Shedding is reported at once, then summed up once per interval while it goes on, so
    /// an attack cannot flood the log.
    static let reportInterval = TimeAmount.seconds(10)

    let limits: ConnectionLimits
    private let logger: Logger
    private let state = Mutex(State())

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    /// Takes in a new connection, choosing one to close if the register is full.
    func admit(_ channel: any Channel, now: NIODeadline) -> Admission {
        let (admission, report) = state.withLock { state -> (Admission, Report) in
            var victim: (any Channel)?
            if state.entries.count >= limits.maximumConnections {
                let oldest = state.entries.compactMap { id, entry in entry.waitingSince.map { (id, $0) } }
                    .min { $0.1 < $1.1 }
                guard let oldest else {
                    state.shed.refused += 1
                    return (.refused, Self.takeReport(&state, now: now))
                }
                victim = state.entries.removeValue(forKey: oldest.0)?.channel
                state.shed.evicted += 1
            }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, waitingSince: now)
            return (.admitted(id: id, evicting: victim), victim == nil ? .none : Self.takeReport(&state, now: now))
        }
        deliver(report, on: channel.eventLoop)
        return admission
    }

    func update(_ id: UInt64, waitingSince: NIODeadline?) {
        state.withLock { state in state.entries[id]?.waitingSince = waitingSince }
    }

    func remove(_ id: UInt64) {
        _ = state.withLock { state in state.entries.removeValue(forKey: id) }
    }

    /// A connection closed because its request did not arrive whole in time.
    func recordCutOff(now: NIODeadline, on eventLoop: any EventLoop) {
        let report = state.withLock { state -> Report in
            state.shed.cutOff += 1
            return Self.takeReport(&state, now: now)
        }
        deliver(report, on: eventLoop)
    }

    private enum Report {
        case none
        case now(ShedCounts)
        /// Held back by the interval; a summary is due then.
        case at(NIODeadline)
    }

    private static func takeReport(_ state: inout State, now: NIODeadline) -> Report {
        if let last = state.lastReport, now - last < reportInterval {
            if state.flushScheduled { return .none }
            state.flushScheduled = true
            return .at(last + reportInterval)
        }
        let counts = state.shed
        state.shed = ShedCounts()
        state.lastReport = now
        return counts.isEmpty ? .none : .now(counts)
    }

    private func deliver(_ report: Report, on eventLoop: any EventLoop) {
        switch report {
        case .none:
            break
        case .now(let counts):
            log(counts)
        case .at(let deadline):
            eventLoop.scheduleTask(deadline: deadline) { [self] in
                let report = state.withLock { state -> Report in
                    state.flushScheduled = false
                    return Self.takeReport(&state, now: .now())
                }
                deliver(report, on: eventLoop)
            }
        }
    }

    private func log(_ counts: ShedCounts) {
        var parts: [String] = []
        if counts.evicted > 0 {
            parts.append("\(counts.evicted) closed at the limit of \(limits.maximumConnections) connections"
                         + " to admit newer ones")
        }
        if counts.refused > 0 {
            parts.append("\(counts.refused) refused with 503 as every connection was being answered")
        }
        if counts.cutOff > 0 {
            parts.append("\(counts.cutOff) closed for not sending a whole request within"
                         + " \(Self.seconds(limits.readTimeout))")
        }
        let interval = Self.reportInterval.nanoseconds / 1_000_000_000
        logger.warning("""
            shedding connections: \(parts.joined(separator: "; ")) \
            (since the last such warning; one at most every \(interval) s)
            """)
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
    }
}

/// One connection's deadlines. It sits first in the pipeline, so it sees bytes before the
/// HTTP decoder holds them back: the read deadline starts at a request's first byte, not
/// when its headers are complete. `ExchangeObserver` tells it where requests and responses end.
final class ConnectionClock: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Expiry { case noRequest, slowRequest, idle }

    private let limits: ConnectionLimits
    private let register: ConnectionRegister
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var id: UInt64?
    private var refused = false
    /// When the first byte of a request not yet read to its end arrived.
    private var requestStarted: NIODeadline?
    /// Requests read (their head at least) whose response has not ended.
    private var openRequests = 0
    private var answeredAny = false
    /// When the connection opened or the last response ended.
    private var idleSince = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(limits: ConnectionLimits, register: ConnectionRegister, logger: Logger) {
        self.limits = limits
        self.register = register
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { activate(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context)
        if !refused { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        if requestStarted == nil {
            requestStarted = .now()
            changed()
        }
        context.fireChannelRead(data)
    }

    func requestHeadRead() {
        openRequests += 1
        if requestStarted == nil {
            requestStarted = .now()
            changed()
        }
    }

    func requestEndRead() {
        requestStarted = nil
        changed()
    }

    func responseEnded() {
        openRequests = max(0, openRequests - 1)
        if openRequests == 0 {
            idleSince = .now()
            answeredAny = true
        }
        changed()
    }

    private func activate(_ context: ChannelHandlerContext) {
        guard id == nil, !refused else { return }
        let now = NIODeadline.now()
        idleSince = now
        switch register.admit(context.channel, now: now) {
        case .admitted(let id, let victim):
            self.id = id
            victim?.close(promise: nil)
            arm()
        case .refused:
            refused = true
            let text = "the server is answering as many connections as it may; try again shortly\n"
            var buffer = context.channel.allocator.buffer(capacity: 160 + text.utf8.count)
            buffer.writeString("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                               + "Content-Length: \(text.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
                               + text)
            context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func finish() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        if let id { register.remove(id) }
        id = nil
    }

    private var deadline: (at: NIODeadline, expiry: Expiry)? {
        if let requestStarted { return (requestStarted + TimeAmount(limits.readTimeout), .slowRequest) }
        if openRequests > 0 { return nil }
        if !answeredAny { return (idleSince + TimeAmount(limits.readTimeout), .noRequest) }
        return (idleSince + TimeAmount(limits.idleTimeout), .idle)
    }

    private func changed() {
        guard let id else { return }
        // Being answered: the request is in and its response not finished.
        let answering = openRequests > 0 && requestStarted == nil
        register.update(id, waitingSince: answering ? nil : idleSince)
        arm()
    }

    /// Keeps one timer at or before the current deadline; a timer that fires early re-arms.
    private func arm() {
        guard let context, let deadline, timerDeadline.map({ deadline.at < $0 }) ?? true else { return }
        timer?.cancel()
        timerDeadline = deadline.at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline.at) { [self] in
            timer = nil
            timerDeadline = nil
            expireIfDue()
        }
    }

    private func expireIfDue() {
        guard let context, id != nil, let deadline else { return }
        let now = NIODeadline.now()
        guard now >= deadline.at else { return arm() }
        switch deadline.expiry {
        case .idle:
            logger.debug("closing a connection idle for \(ConnectionRegister.seconds(limits.idleTimeout))")
        case .noRequest, .slowRequest:
            register.recordCutOff(now: now, on: context.eventLoop)
        }
        finish()
        context.close(promise: nil)
    }
}

/// Tells the `ConnectionClock` where requests and responses end; sits after HTTP decoding.
final class ExchangeObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let clock: ConnectionClock

    init(clock: ConnectionClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: clock.requestHeadRead()
        case .body: break
        case .end: clock.requestEndRead()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { clock.responseEnded() }
        context.write(data, promise: promise)
    }
}

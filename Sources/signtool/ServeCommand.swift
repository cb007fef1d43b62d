import ArgumentParser
import AuditLog
import DocStore
import Foundation
import Hummingbird
import Logging
import SignService
import TrustServices
import WebAPI

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the timestamp, OCSP, CRL and CA endpoints of the data directory's CA.",
        discussion: """
            Endpoints:
              POST /tsa             RFC 3161 (application/timestamp-query)
              POST /ocsp            RFC 6960 (application/ocsp-request)
              GET  /ocsp/{base64}   RFC 6960 appendix A.1
              GET  /crl, /crl/root  current CRL of the issuing / root CA (DER)
              GET  /ca, /ca/root    issuing / root CA certificate (DER)
              GET  /healthz

            OCSP, CRLs and CA certificates are public, as relying parties need them. The
            TSA asks for `Authorization: Bearer TOKEN`: the token of a client registered
            with `signtool client add` (each agency its own; revoked ones are refused
            within a second), or the service's own, made on first start in
            DATA/service/tsa-token (mode 0600). `signtool timestamp` and
            `signtool sign --tsa` send it from --tsa-token-file or SIGNTOOL_TSA_TOKEN.
            --open-tsa lets anyone timestamp.

            Slow and idle clients are cut off: a request (line, headers, body) must
            arrive whole within --read-timeout of its first byte, and a new connection
            must send its first one that soon; a connection idle after a response is
            closed after --idle-timeout. At --max-connections, a new connection closes
            the one unanswered longest (idle or sending slowly); if every one is being
            answered, the newcomer gets 503. Shedding is logged as a warning.

            Each request is logged at info: its id, the client's registered name (or
            -), peer, method, path, status and duration; never a token or a body. A
            known path asked with another method gets 405 and Allow; HEAD works
            wherever GET does; the Bearer scheme may be written in any case.

            The CA passphrase comes from --ca-passphrase-file, SIGNTOOL_CA_PASSPHRASE,
            or the terminal. Port 0 picks a free port; the line printed on start says which.

            Example:
              signtool serve --data /srv/signtool --listen 0.0.0.0:8080
            """
    )

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen: String = "127.0.0.1:8080"

    @Flag(help: "Let anyone use the TSA, without a token.")
    var openTsa = false

    @Option(help: ArgumentHelp("Seconds a client has to send a whole request, from its first byte or from connecting.",
                               valueName: "seconds"))
    var readTimeout: Double = Self.seconds(ConnectionLimits.defaultReadTimeout)

    @Option(help: ArgumentHelp("Seconds a connection may stay open without a request after a response.",
                               valueName: "seconds"))
    var idleTimeout: Double = Self.seconds(ConnectionLimits.defaultIdleTimeout)

    @Option(help: ArgumentHelp("Connections open at once; one more closes the one unanswered longest.",
                               valueName: "count"))
    var maxConnections: Int = ConnectionLimits.defaultMaximumConnections

    @Option(help: ArgumentHelp("Seconds between signed checkpoints of the audit log (and one at start when entries are new).", valueName: "seconds"))
    var checkpointInterval: Double = 3600

    @Option(help: "Log level: trace, debug, info (one line per request), notice, warning, error.")
    var logLevel: String = "info"

    func validate() throws {
        guard parsedListen != nil else { throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level '\(logLevel)'") }
        guard checkpointInterval.isFinite, (1...86400).contains(checkpointInterval) else {
            throw ValidationError("--checkpoint-interval must be between 1 and 86400 seconds")
        }
        for (name, value) in [("--read-timeout", readTimeout), ("--idle-timeout", idleTimeout)] {
            guard value.isFinite, (0.1...3600).contains(value) else {
                throw ValidationError("\(name) must be between 0.1 and 3600 seconds")
            }
        }
        guard (1...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections must be between 1 and 1000000")
        }
    }

    static func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) }

    var limits: ConnectionLimits {
        ConnectionLimits(readTimeout: .milliseconds(Int((readTimeout * 1000).rounded())),
                         idleTimeout: .milliseconds(Int((idleTimeout * 1000).rounded())),
                         maximumConnections: maxConnections)
    }

    var parsedListen: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        let backend: AuthorityBackend
        let store: DocumentStore
        var logger = Logger(label: "signtool-serve")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        do {
            let authority = try data.openAuthority()
            let passphrase = try data.caPassphrase()
            try authority.checkPassphrase(passphrase)
            let token = openTsa ? nil : try TokenFile.loadOrCreate(authority.directory + "/service/tsa-token")
            // Timestamps and CRLs issued here go into the store's audit log, group-committed.
            store = try DocumentStore(dataDirectory: data.directory)
            backend = try AuthorityBackend(authority: authority, passphrase: passphrase, tsaToken: token, openTSA: openTsa,
                                           logger: logger,
                                           audit: GroupCommitAuditSink(writer: try SQLiteStoreDatabase(path: store.directory + "/store.sqlite",
                                                                                                       durability: .processCrash).writer),
                                           clientHistory: { [store] in try? store.database.writer.read { try AuditLog.clientStates(in: $0) } })
        } catch let error as SignServiceError {
            printError(error.reason)
            throw ExitCode(ExitStatus.code(for: error))
        }
        var limits = self.limits
        do {
            if let lowered = try limits.fitDescriptorLimit() { logger.warning("\(lowered)") }
        } catch let error as ConnectionLimitError {
            printError(error.reason)
            throw ExitCode(ExitStatus.ioError)
        }
        let (host, port) = parsedListen!
        let open = openTsa
        let app = buildApplication(
            backend: backend, configuration: ServiceConfiguration(host: host, port: port, limits: limits), logger: logger,
            onServerRunning: { channel in
                let actual = channel.localAddress?.port ?? port
                let line = "signtool: serving http://\(host):\(actual) (tsa\(open ? ", open" : ""), ocsp, crl, ca, healthz)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            })
        let interval = checkpointInterval
        let checkpoints = Task.detached {
            // A checkpoint at start when the log grew since the last one, then one every interval.
            var first = true
            while !Task.isCancelled {
                if !first { try? await Task.sleep(for: .seconds(interval)) }
                first = false
                if Task.isCancelled { break }
                do {
                    let writer = store.database.writer
                    let size = try await writer.read { try AuditLog.size(in: $0) }
                    let covered = try await writer.read { try AuditLog.checkpoints(in: $0).last?.size ?? 0 }
                    guard size > covered else { continue }
                    let made = try await BlockingWork.shared.run {
                        try AuditLog.checkpoint(actor: "signtool serve", writer: writer) { try backend.timestamp(digest: $0) }
                    }
                    logger.notice("audit checkpoint: \(made.size) entries, head \(made.head)")
                } catch {
                    logger.error("audit checkpoint failed: \(error)")
                }
            }
        }
        defer { checkpoints.cancel() }
        try await app.runService()
    }
}

/// A random bearer token kept in a 0600 file.
enum TokenFile {
    static func loadOrCreate(_ path: String) throws -> String {
        if FileIO.exists(path) {
            let text = String(decoding: try FileIO.read(path, limit: 4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count >= 32 else { throw SignServiceError(code: .malformedInput, reason: "\(path): the token is too short (32 characters or more)") }
            return text
        }
        let token = newToken()
        do {
            try FileIO.writeAtomically(Array((token + "\n").utf8), to: path, mode: 0o600, exactMode: true)
        } catch let error as SignServiceError where error.code == .outputExists {
            return try loadOrCreate(path)
        }
        return token
    }

    /// 256 random bits in hexadecimal.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

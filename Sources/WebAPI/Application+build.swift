import Hummingbird
import Logging
import NIOCore

/// Where and how `signtool serve` listens.
public struct ServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var limits: ConnectionLimits

    public init(host: String = "127.0.0.1", port: Int = 8080, limits: ConnectionLimits = ConnectionLimits()) {
        self.host = host
        self.port = port
        self.limits = limits
    }
}

/// The router of the service: the request log outermost (it also turns every error into
/// a JSON answer, see ``APIError``), then the method check (405 with `Allow` for a known
/// path asked with another method), then the routes. HEAD is answered wherever GET is.
public func buildRouter<Backend: TrustServiceBackend>(backend: Backend, logger: Logger) -> Router<TrustServiceRequestContext> {
    let controller = TrustServiceController(backend: backend)
    let router = Router(context: TrustServiceRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestLogMiddleware(logger: logger))
    router.add(middleware: MethodCheckMiddleware(endpoints: controller.paths))
    router.addRoutes(controller.endpoints)
    return router
}

/// The whole service as one application: what `signtool serve` runs, and what tests
/// drive in process (`app.test(.router)`) or live.
public func buildApplication<Backend: TrustServiceBackend>(
    backend: Backend, configuration: ServiceConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(backend: backend, logger: logger),
        server: .http1(limits: configuration.limits, logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "signtool"),
        onServerRunning: onServerRunning,
        logger: logger)
}

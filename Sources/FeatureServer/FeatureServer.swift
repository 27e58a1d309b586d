import FeatureRegistry
import Foundation
import Hummingbird
import Logging
import NIOCore
import OfflineStore
import OnlineStore
import Postgres
import Prometheus
import Redis

/// `pantry serve`: the online feature API, push, registry reads, health and metrics.
///
/// Stateless: any number of replicas can run behind a load balancer. Every Redis and
/// PostgreSQL call runs on the drivers' own connection queues, never on a SwiftNIO event
/// loop; the registry is served from memory (`RegistryCache`), refreshed in the background.
public struct FeatureServer: Sendable {
    public let configuration: ServerConfiguration
    public let registry: RegistryCache
    public let redis: RedisPool
    /// Online reads from concurrent requests are pipelined together through this.
    public let reads: RedisMultiplexer
    public let postgres: PostgresPool
    public let metrics: PrometheusCollectorRegistry
    let historyDepth: Int
    let staleRetentionSeconds: Int
    let logger: Logger

    public init(configuration: ServerConfiguration, registry: RegistryCache, redis: RedisPool, postgres: PostgresPool,
                metrics: PrometheusCollectorRegistry, historyDepth: Int, staleRetentionSeconds: Int,
                logger: Logger = Logger(label: "pantry.serve")) {
        self.configuration = configuration
        self.registry = registry
        self.redis = redis
        self.reads = RedisMultiplexer(configuration: redis.configuration)
        self.postgres = postgres
        self.metrics = metrics
        self.historyDepth = historyDepth
        self.staleRetentionSeconds = staleRetentionSeconds
        self.logger = logger
    }

    /// Stops the read multiplexer's I/O threads (after the application has stopped).
    public func close() { reads.close() }

    /// The online store over the current registry snapshot.
    var store: RedisOnlineStore {
        RedisOnlineStore(pool: redis, repository: registry.repository, historyDepth: historyDepth,
                         staleRetentionSeconds: staleRetentionSeconds, multiplexer: reads)
    }

    /// The Hummingbird application; run it with `runService()` (handles SIGTERM/SIGINT
    /// gracefully: in-flight requests finish, then connections close).
    public func application() -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "pantry"),
            services: [registry],
            logger: logger)
    }

    /// Runs `body` for a route, recording its count and latency, and turning known errors
    /// into precise HTTP errors (400 for bad input, 503 when a store is unreachable).
    func instrumented(_ path: String, _ body: () async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let response = try await body()
            ServerMetrics.requests(path: path, status: Int(response.status.code)).increment()
            ServerMetrics.latency(path: path).recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            return response
        } catch {
            let failure = Self.httpError(error)
            ServerMetrics.requests(path: path, status: Int(failure.status.code)).increment()
            ServerMetrics.latency(path: path).recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            if failure.status.code >= 500 { logger.warning("\(path): \(error)") }
            throw failure
        }
    }

    static func httpError(_ error: any Error) -> HTTPError {
        switch error {
        case let error as HTTPError:
            return error
        case is NIOTooManyBytesError:
            return HTTPError(.contentTooLarge, message: "request body larger than the limit (server.max_body_bytes)")
        case let error as OnlineFeatureService.RequestError:
            return HTTPError(.badRequest, message: error.description)
        case let error as IngestError:
            return HTTPError(.badRequest, message: error.description)
        case let error as RegistryError:
            return HTTPError(.badRequest, message: error.description)
        case let error as DecodingError:
            return HTTPError(.badRequest, message: "malformed JSON: \(Self.describe(error))")
        case let error as RedisError:
            ServerMetrics.redisErrors.increment()
            return error.kind == .connection
                ? HTTPError(.serviceUnavailable, message: "online store (Redis) unavailable: \(error.message)")
                : HTTPError(.internalServerError, message: error.description)
        case let error as PostgresError where error.isConnectionLoss:
            ServerMetrics.postgresErrors.increment()
            return HTTPError(.serviceUnavailable, message: "offline store (PostgreSQL) unavailable: \(error.message)")
        case let error as PostgresError where error.kind == .server && error.sqlState?.hasPrefix("22") == true:
            return HTTPError(.badRequest, message: error.description)
        default:
            return HTTPError(.internalServerError, message: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            var text = context.debugDescription
            if let underlying = context.underlyingError { text += " (\(underlying))" }
            return path.isEmpty ? text : "at \(path.hasPrefix(".") ? String(path.dropFirst()) : path): \(text)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// JSON in and out.
extension FeatureServer {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    func rawJSON(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try Self.encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

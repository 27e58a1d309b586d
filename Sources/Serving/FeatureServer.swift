import FeatureRegistry
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import OfflineStore
import OnlineFeatures
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
    /// The project's trained recommenders (nil: no recommendation routes answer).
    public let recommendations: RecommendationService?
    /// Natural-language search over the recommenders' text indexes (nil: `/v1/search` answers 503).
    public let search: SearchService?
    /// The recommendations' LLM stage: reranking and explanations (nil: requests asking for
    /// them get the plain answer with `degraded_reason: "llm_not_loaded"`).
    public let llm: LLMService?
    let historyDepth: Int
    let staleRetentionSeconds: Int
    let logger: Logger

    public init(configuration: ServerConfiguration, registry: RegistryCache, redis: RedisPool, postgres: PostgresPool,
                metrics: PrometheusCollectorRegistry, historyDepth: Int, staleRetentionSeconds: Int,
                recommendations: RecommendationService? = nil, search: SearchService? = nil, llm: LLMService? = nil,
                logger: Logger = Logger(label: "pantry.serve")) {
        self.recommendations = recommendations
        self.search = search
        self.llm = llm
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
    /// gracefully: in-flight requests finish, idle connections close at once, and connections
    /// still busy after `shutdownGraceSeconds` are closed).
    ///
    /// Each connection is guarded by `ConnectionGuardHandler` (head, body and keep-alive
    /// deadlines); at most `connectionLimit` connections are served at once, the rest wait in
    /// the listen backlog.
    public func application(connectionLimit: Int? = nil) -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router)
        let limits = connectionDeadlineLimits
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuardHandler(limits: limits)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "pantry",
                                 availableConnectionsDelegate: MaximumAvailableConnections(max(1, connectionLimit ?? configuration.maxConnections),
                                                                                           logger: logger)),
            services: [registry, PartitionKeeper(registry: registry, pool: postgres, logger: logger)] + (recommendations.map { [$0] } ?? []),
            logger: logger)
    }

    var connectionDeadlineLimits: ConnectionDeadlines.Limits {
        .init(idle: .seconds(fractional: configuration.idleTimeoutSeconds), head: .seconds(fractional: configuration.headerTimeoutSeconds),
              body: .seconds(fractional: configuration.bodyTimeoutSeconds), shutdownGrace: .seconds(fractional: configuration.shutdownGraceSeconds))
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
            let failure = Self.httpError(error, logger: logger, path: path)
            ServerMetrics.requests(path: path, status: Int(failure.status.code)).increment()
            ServerMetrics.latency(path: path).recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
            throw failure
        }
    }

    /// The HTTP error for a failure. 4xx bodies say precisely what was wrong with the request;
    /// 5xx bodies never carry internal detail (SQL, driver messages, URLs, passwords): they say
    /// which part failed and give an error id, and the full detail is logged under that id.
    static func httpError(_ error: any Error, logger: Logger, path: String) -> HTTPError {
        func logged(_ status: HTTPResponse.Status, _ summary: String) -> HTTPError {
            let id = ErrorID.make()
            logger.error("\(path): \(summary) (id \(id)): \(String(reflecting: error))", metadata: ["error_id": "\(id)"])
            return HTTPError(status, message: "\(summary) (id \(id))")
        }
        switch error {
        case let error as HTTPError where error.status.code >= 500:
            // Our own 5xx messages are written for clients; only log them.
            logger.error("\(path): \(error)")
            return error
        case let error as HTTPError:
            return error
        case let error as HTTPParserError:
            // The client sent broken HTTP or went away mid-body (e.g. cut off at the body
            // deadline): its fault, not an internal error; usually nobody is left to read this.
            return HTTPError(.badRequest, message: "malformed or incomplete HTTP request: \(error)")
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
                ? logged(.serviceUnavailable, "online store (Redis) unavailable")
                : logged(.internalServerError, "internal error")
        case let error as PostgresError where error.isConnectionLoss:
            ServerMetrics.postgresErrors.increment()
            return logged(.serviceUnavailable, "offline store (PostgreSQL) unavailable")
        case let error as PostgresError where error.kind == .server && error.sqlState?.hasPrefix("22") == true:
            return HTTPError(.badRequest, message: error.description)
        default:
            return logged(.internalServerError, "internal error")
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

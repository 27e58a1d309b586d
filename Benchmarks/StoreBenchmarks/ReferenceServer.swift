import Core
import Hummingbird
import Logging
import NIOCore
import OfflineStore
import OnlineFeatures
import Redis

/// The ceiling for 1-entity lookups on this machine, measured beside Pantry in the same run: a
/// bare Hummingbird route, in its own process, configured as `pantry serve` is (tasks on the
/// event loops, the same `RedisMultiplexer`), that reads the same request body, parses it,
/// makes the same two `HMGET`s for the requested user and movie, and answers with a fixed body
/// of the size of Pantry's answer. What it leaves out is exactly Pantry's own work per lookup:
/// resolving the plan, checking the entity types, decoding the stored versions, statuses and
/// TTLs, and writing the real answer.
enum ReferenceServer {
    static func run(port: Int, redisURL: String) async throws {
        let reads = RedisMultiplexer(configuration: try RedisConfiguration(url: redisURL))
        defer { reads.close() }
        let answer = ByteBuffer(bytes: Array(repeating: UInt8(ascii: " "), count: 1_400))
        let router = Router()
        /// The requested user and movie, from the same JSON body Pantry parses.
        @Sendable func entity(_ request: inout Request) async throws -> (user: Int64, movie: Int64) {
            let body = try await request.collectBody(upTo: 1 << 20)
            let parsed = try body.withUnsafeReadableBytes { raw in try JSONParser.parse(raw) }
            guard case .object(let fields) = parsed, case .object(let entities)? = fields["entities"],
                  case .array(let users)? = entities["user_id"], case .array(let movies)? = entities["movie_id"],
                  case .integer(let user)? = users.first, case .integer(let movie)? = movies.first else {
                throw HTTPError(.badRequest)
            }
            return (user, movie)
        }
        // Without Redis: what HTTP and the body alone cost.
        router.post("/parse") { request, _ in
            var request = request
            _ = try await entity(&request)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
        }
        router.post("/lookup") { request, _ in
            var request = request
            let (user, movie) = try await entity(&request)
            _ = try await reads.pipeline([
                RedisCommand("HMGET", OnlineKey.redisKey(project: "movielens", keys: [("user_id", String(user))]), "user_stats"),
                RedisCommand("HMGET", OnlineKey.redisKey(project: "movielens", keys: [("movie_id", String(movie))]), "movie_stats"),
            ])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer))
        }
        router.get("/health") { _, _ in Response(status: .ok) }
        var logger = Logger(label: "pantry.bench.reference")
        logger.logLevel = .warning
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await application.runService()
    }
}

// swift-tools-version: 6.2
//
// Pantry: a feature store and recommendation platform.
//
// Module layering, bottom to top (each depends only on modules above it in this list):
//   CLibPQ, CHiredis, COpenBLAS   C bindings through pkg-config
//   Core                          values and their types and checks, JSON, time (Int64 µs, one
//                                 parser); no dependencies, so the drivers decode time with it too
//   ConnectionPooling             async pool of blocking C-client connections (a state machine)
//   Postgres, Redis               store drivers (pipelining, COPY, scripts, multiplexing)
//   Settings                      Config/pantry.yaml + PANTRY_* environment overrides
//   LocalServices                 throwaway local PostgreSQL and Redis for development and tests
//   SchemaMigrations              ordered SQL migrations from Migrations/
//   FeatureRegistry               definitions, validation, plan/apply, feature-reference resolution
//   OfflineStore                  ingestion, point-in-time join, training-set export
//   OnlineFeatures                materialization into Redis, online reads, skew checks
//   DemoData                      generated demo data sets
//   VectorIndex                   HNSW and exact nearest-neighbour search (no feature-store dependency)
//   Recommender                   definitions, ALS, EASE, content vectors, evaluation protocol and metrics,
//                                 the served model (candidates and ranking) and live profiles in Redis
//   Inference                     built-in engine: LLM (GGUF, LLaMA forward pass, tokenizer) and
//                                 sentence encoder (safetensors, BERT, WordPiece)
//   TextEmbeddings                embedding jobs: item text → vector features, re-encoding only changes
//   Reranking                     the LLM stage of recommendations: reranker, explainer, faithfulness check
//   Serving                       the HTTP server (online lookups, push, recommendations, search,
//                                 registry, health, metrics)
//   PantryCLI                     the `pantry` command
import PackageDescription

let package = Package(
    name: "Pantry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pantry", targets: ["PantryCLI"]),
        .executable(name: "pantry-bench", targets: ["StoreBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
    ],
    targets: [
        // C bindings
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Values, their types and checks, JSON, time: no dependencies, used by everything above
        .target(name: "Core"),

        // Store drivers
        .target(name: "ConnectionPooling", dependencies: [
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        .target(name: "Postgres", dependencies: [
            "Core", "CLibPQ", "ConnectionPooling",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Redis", dependencies: [
            "CHiredis", "ConnectionPooling",
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Configuration, local services, schema
        .target(name: "Settings", dependencies: [
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "LocalServices", dependencies: [
            "Settings", "Postgres", "Redis",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SchemaMigrations", dependencies: [
            "Postgres",
            .product(name: "Logging", package: "swift-log"),
        ], plugins: [.plugin(name: "EmbedMigrations")]),
        // Build-time embedding of Migrations/*.sql into SchemaMigrations
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["MigrationEmbedder"]),

        // Feature store: definitions and registry, offline store
        .target(name: "FeatureRegistry", dependencies: [
            "Core", "Postgres",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "OfflineStore", dependencies: [
            "Core", "Postgres", "FeatureRegistry",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .target(name: "OnlineFeatures", dependencies: [
            "Core", "Redis", "Postgres", "FeatureRegistry", "OfflineStore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "DemoData", dependencies: ["Core"]),

        // HTTP server: online features, push, registry, health, metrics
        .target(name: "Serving", dependencies: [
            "Core", "OnlineFeatures", "OfflineStore", "FeatureRegistry", "Postgres", "Redis", "Recommender", "Inference", "VectorIndex", "Reranking",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("openapi.yaml")]),

        // Built-in LLM inference engine
        // Approximate nearest-neighbour search (HNSW) and exact search, no feature-store dependency
        .target(name: "CVectorKernels"),
        .target(name: "VectorIndex", dependencies: ["CVectorKernels"]),

        .target(name: "Recommender", dependencies: ["Core", "FeatureRegistry", "OfflineStore", "Postgres", "Redis", "VectorIndex", "COpenBLAS"]),

        .target(name: "CInferenceKernels"),
        .target(name: "Inference", dependencies: ["Core", "CInferenceKernels", "COpenBLAS"]),

        // Embedding jobs: item text → sentence embeddings → vector features, incrementally
        .target(name: "TextEmbeddings", dependencies: ["Core", "Postgres", "FeatureRegistry", "OfflineStore", "Inference"]),

        // The LLM stage of recommendations: reranking and grounded explanations
        .target(name: "Reranking", dependencies: ["Core", "Recommender", "Inference"]),

        // The `pantry` command
        .executableTarget(name: "PantryCLI", dependencies: [
            "Core", "Postgres", "Redis", "Settings", "LocalServices", "SchemaMigrations", "FeatureRegistry", "OfflineStore", "OnlineFeatures", "Serving", "DemoData", "VectorIndex", "Recommender", "Inference", "TextEmbeddings", "Reranking", "COpenBLAS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),

        // Benchmarks (run with `make bench`)
        .executableTarget(name: "StoreBenchmarks", dependencies: [
            "Core", "Postgres", "Redis", "Settings", "SchemaMigrations", "FeatureRegistry", "OfflineStore", "OnlineFeatures", "DemoData",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], path: "Benchmarks/StoreBenchmarks"),

        // Tests: real servers started by scripts/test.sh, never mocks.
        .target(name: "TestSupport", dependencies: ["Core", "Postgres", "Redis", "DemoData"], path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["Core", "Postgres", "TestSupport"]),
        .testTarget(name: "ConnectionPoolingTests", dependencies: ["ConnectionPooling", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "LocalServices", "Settings", "TestSupport"]),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "LocalServices", "Settings", "TestSupport"]),
        .testTarget(name: "SchemaMigrationsTests", dependencies: ["SchemaMigrations", "Postgres", "TestSupport"]),
        .testTarget(name: "FeatureStoreTests", dependencies: ["Core", "FeatureRegistry", "OfflineStore", "SchemaMigrations", "Postgres", "LocalServices", "DemoData", "TestSupport"]),
        .testTarget(name: "OnlineFeaturesTests", dependencies: ["Core", "OnlineFeatures", "FeatureRegistry", "OfflineStore", "SchemaMigrations", "Postgres", "Redis", "LocalServices", "TestSupport"]),
        .testTarget(name: "ServingTests", dependencies: [
            "Core", "Serving", "FeatureRegistry", "OfflineStore", "SchemaMigrations", "Postgres", "Redis", "LocalServices", "TestSupport", "Recommender", "Inference", "VectorIndex", "Reranking",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .testTarget(name: "LocalServicesTests", dependencies: ["LocalServices", "Settings", "Postgres", "TestSupport"]),
        .testTarget(name: "SettingsTests", dependencies: ["Settings", "COpenBLAS", "TestSupport"]),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex", "DemoData", "Core"]),
        .testTarget(name: "RecommenderTests", dependencies: ["Recommender", "Core", "FeatureRegistry", "OfflineStore", "Postgres", "SchemaMigrations", "VectorIndex", "DemoData", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "CInferenceKernels"], exclude: ["Resources"]),
        .testTarget(name: "RerankingTests", dependencies: ["Reranking", "Recommender", "Inference"]),
        .testTarget(name: "TextEmbeddingsTests", dependencies: ["TextEmbeddings", "Inference", "Core", "FeatureRegistry", "OfflineStore", "Postgres", "SchemaMigrations", "TestSupport"]),
    ]
)

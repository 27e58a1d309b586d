/// The files `pantry init` writes: a small but complete project.
enum ProjectTemplate {
    struct File {
        let path: String
        let text: String
    }

    static func files(project: String, postgresPort: Int, redisPort: Int) -> [File] {
        [
            File(path: "Config/pantry.yaml", text: """
                # Pantry settings for project \(project). Every key can be overridden by an environment
                # variable: PANTRY_ + the key upper-cased with dots as underscores (PANTRY_POSTGRES_URL).
                # Pantry finds this file from any folder below this one (or take --config / PANTRY_CONFIG).
                project: \(project)
                log_level: info
                features_directory: Config/features

                # This project's own throwaway servers (`pantry dev up`), on ports free when it was created.
                services:
                  directory: .pantry/services
                  postgres_flavor: pgvector
                  postgres_port: \(postgresPort)
                  redis_port: \(redisPort)
                  password: pantry

                postgres:
                  pool_size: 8
                redis:
                  pool_size: 8
                server:
                  host: 127.0.0.1
                  port: 6566

                """),
            File(path: "Config/features/example.yaml", text: """
                # An example feature view: statistics per user, loaded from data/user_stats.csv.
                project: \(project)
                entities:
                  - {name: user, join_key: user_id, type: int64, description: A user of the product.}
                feature_views:
                  - name: user_stats
                    entities: [user]
                    ttl: 30d
                    source: data/user_stats.csv
                    event_timestamp: event_ts
                    created_timestamp: created_ts
                    features:
                      - {name: purchases, type: int64}
                      - {name: spend, type: double}
                      - {name: is_member, type: bool}
                feature_services:
                  - name: model_v1
                    features: [user_stats]

                """),
            File(path: "data/user_stats.csv", text: """
                user_id,event_ts,created_ts,purchases,spend,is_member
                1,2025-01-01T00:00:00Z,2025-01-01T00:05:00Z,3,42.5,true
                1,2025-01-08T00:00:00Z,2025-01-08T00:05:00Z,5,80.0,true
                2,2025-01-02T00:00:00Z,2025-01-02T00:05:00Z,1,9.99,false
                3,2025-01-05T00:00:00Z,2025-01-05T00:05:00Z,7,150.25,true

                """),
            File(path: "data/entities.csv", text: """
                user_id,event_timestamp,label
                1,2025-01-03T00:00:00Z,0
                1,2025-01-09T00:00:00Z,1
                2,2025-01-10T00:00:00Z,0
                3,2025-01-04T00:00:00Z,1

                """),
            File(path: "Jobs/training_set.yaml", text: """
                # A point-in-time-correct training set: run with `pantry job run Jobs/training_set.yaml`.
                kind: export
                description: Training set for model_v1.
                project: \(project)
                feature_service: model_v1
                entities: data/entities.csv
                output: out/training_set.csv
                format: csv

                """),
        ]
    }
}

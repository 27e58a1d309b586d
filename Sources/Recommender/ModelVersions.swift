import Core
import Foundation
import Postgres

/// One trained model as recorded in `pantry.model_versions`.
public struct ModelVersion: Sendable, Equatable {
    public var recommender: String
    public var version: Int
    public var hyperparameters: JSONValue
    /// Microseconds since the epoch of the newest interaction trained on.
    public var dataWatermark: Int64?
    public var positives: Int
    public var metrics: JSONValue
    public var artifacts: JSONValue
}

/// The model-version log in the registry database.
public enum ModelVersions {
    /// Records a new version (one more than the latest, decided under a lock so concurrent
    /// trainings get distinct numbers) and returns it.
    public static func record(recommender: String, hyperparameters: JSONValue, dataWatermark: Int64?, positives: Int,
                              metrics: JSONValue = .object([:]), artifacts: JSONValue = .object([:]),
                              on connection: PostgresConnection) throws -> ModelVersion {
        try connection.transaction { tx in
            try tx.query("SELECT pg_advisory_xact_lock(hashtext('pantry.model_versions:' || $1))", [recommender])
            let next = try tx.query("SELECT coalesce(max(version), 0) + 1 FROM pantry.model_versions WHERE recommender = $1",
                                    [recommender])[0].decode(Int.self, at: 0)
            try tx.query("""
                INSERT INTO pantry.model_versions (recommender, version, hyperparameters, data_watermark, positives, metrics, artifacts)
                VALUES ($1, $2, $3::jsonb, to_timestamp($4::float8 / 1000000), $5, $6::jsonb, $7::jsonb)
                """, [recommender, next, JSONWriter.string(hyperparameters), dataWatermark.map { Double($0) }, positives,
                      JSONWriter.string(metrics), JSONWriter.string(artifacts)])
            return ModelVersion(recommender: recommender, version: next, hyperparameters: hyperparameters, dataWatermark: dataWatermark,
                                positives: positives, metrics: metrics, artifacts: artifacts)
        }
    }

    /// The latest version of `recommender`, or nil before the first training.
    public static func latest(recommender: String, on connection: PostgresConnection) throws -> ModelVersion? {
        let rows = try connection.query("""
            SELECT version, hyperparameters::text, (extract(epoch FROM data_watermark) * 1000000)::int8, positives, metrics::text, artifacts::text
            FROM pantry.model_versions WHERE recommender = $1 ORDER BY version DESC LIMIT 1
            """, [recommender])
        guard rows.count > 0 else { return nil }
        let row = rows[0]
        func json(_ column: Int) throws -> JSONValue { try JSONParser.parse(Array(try row.decode(String.self, at: column).utf8)) }
        return ModelVersion(recommender: recommender, version: try row.decode(Int.self, at: 0), hyperparameters: try json(1),
                            dataWatermark: try row.decodeIfPresent(Int64.self, at: 2), positives: try row.decode(Int.self, at: 3),
                            metrics: try json(4), artifacts: try json(5))
    }
}

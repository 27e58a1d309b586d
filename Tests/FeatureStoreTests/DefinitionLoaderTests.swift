import Core
import FeatureRegistry
import Foundation
import Testing
import TestSupport

@Suite("Feature definitions")
struct DefinitionLoaderTests {
    @Test("the shipped MovieLens example loads: entities, views (compound key, no entity, vector), a service")
    func shippedExample() throws {
        let repository = try DefinitionLoader.load(path: TestServers.repositoryRoot + "/Config/features")
        #expect(repository.project == "movielens")
        #expect(repository.entities.map(\.name) == ["user", "movie"])
        #expect(repository.view(named: "user_movie")?.entities == ["user", "movie"])
        #expect(repository.view(named: "global_stats")?.entities == [])
        #expect(repository.view(named: "movie_embedding")?.feature(named: "embedding")?.type == .vector(8))
        #expect(repository.view(named: "user_stats")?.ttlSeconds == 30 * 86_400)
        #expect(repository.view(named: "user_stats")?.feature(named: "favourite_genres")?.type == .list(.string))
        #expect(repository.service(named: "ranking_v1")?.features.first == FeatureReference(view: "user_stats", feature: nil))
    }

    static let valid = """
        project: shop
        entities:
          - {name: customer, join_key: customer_id, type: int64}
        feature_views:
          - name: orders
            entities: [customer]
            ttl: 12h
            features:
              - {name: total, type: double}
        """

    /// Loads `yaml` and returns the error it must raise.
    func failure(_ yaml: String) throws -> DefinitionError {
        do {
            _ = try DefinitionLoader.load(yaml: yaml, file: "defs.yaml")
        } catch let error as DefinitionError {
            return error
        }
        Issue.record("expected a DefinitionError")
        throw CancellationError()
    }

    @Test("every type spelling parses, and a bad one names file, line, path, found and expected")
    func types() throws {
        for spelling in ["int32", "int64", "float", "double", "string", "bool", "timestamp", "bytes", "list<int64>", "list<string>", "vector(384)"] {
            #expect(ValueType(parsing: spelling)?.description == spelling)
        }
        for bad in ["int", "list<list<int32>>", "vector(0)", "vector(x)", "map<string,int>"] { #expect(ValueType(parsing: bad) == nil) }
        let error = try failure(Self.valid.replacingOccurrences(of: "type: double", with: "type: decimal"))
        #expect(error.file == "defs.yaml")
        #expect(error.line == 9)
        #expect(error.path == "feature_views[0].features[0].type")
        #expect(error.found == "\"decimal\"")
        #expect(error.expected.contains("vector(n)"))
    }

    @Test("unknown entity, duplicate name, invalid identifier, unknown key and bad TTL are explained")
    func validationErrors() throws {
        let unknownEntity = try failure(Self.valid.replacingOccurrences(of: "entities: [customer]", with: "entities: [client]"))
        #expect(unknownEntity.found == "unknown entity \"client\"")
        #expect(unknownEntity.path == "feature_views[0].entities[0]")

        let duplicate = try failure(Self.valid + "\n  - name: orders\n    entities: []\n    features: [{name: n, type: int32}]\n")
        #expect(duplicate.found == "a second view named \"orders\"")

        let sqlish = try failure(Self.valid.replacingOccurrences(of: "name: total", with: "name: \"total; DROP TABLE x\""))
        #expect(sqlish.path == "feature_views[0].features[0].name")
        #expect(sqlish.expected.contains("lower-case letters"))

        let typo = try failure(Self.valid.replacingOccurrences(of: "ttl: 12h", with: "tll: 12h"))
        #expect(typo.found == "unknown key \"tll\"")
        #expect(typo.line == 7)

        let ttl = try failure(Self.valid.replacingOccurrences(of: "ttl: 12h", with: "ttl: twelve hours"))
        #expect(ttl.expected.contains("30d"))

        let badKeyType = try failure(Self.valid.replacingOccurrences(of: "type: int64}", with: "type: double}"))
        #expect(badKeyType.expected == "int32, int64 or string")

        let reserved = try failure(Self.valid.replacingOccurrences(of: "name: total", with: "name: event_ts"))
        #expect(reserved.path == "feature_views[0].features[0].name")

        let service = try failure(Self.valid + "\nfeature_services:\n  - {name: s, features: [orders:nope]}\n")
        #expect(service.found == "unknown feature \"nope\" of view orders")
    }
}

import FeatureRegistry
import Foundation
import Testing

/// Names that storage derives from definitions are unambiguous and within PostgreSQL's limits,
/// and `plan` (which loads the definitions) says so before `apply` would fail.
@Suite("Storage names and limits")
struct StorageNamesTests {
    func failure(_ yaml: String) -> DefinitionError? {
        do {
            _ = try DefinitionLoader.load(yaml: yaml, file: "defs.yaml")
            return nil
        } catch {
            return error as? DefinitionError
        }
    }

    func definitions(project: String = "shop", view: String = "orders", features: [String] = ["total"]) -> String {
        """
        project: \(project)
        entities:
          - {name: customer, join_key: customer_id, type: int64}
        feature_views:
          - name: \(view)
            entities: [customer]
            features:
        \(features.map { "      - {name: \($0), type: double}" }.joined(separator: "\n"))
        """
    }

    @Test("a view named like another view's partition, a reserved name, or a name that splits two ways is refused", arguments: [
        "orders__2025", "_persist", "orders_", "a__b",
    ])
    func ambiguousViewNames(view: String) throws {
        let error = try #require(failure(definitions(view: view)))
        #expect(error.path == "feature_views[0].name")
        #expect(error.found == "\"\(view)\"")
    }

    @Test("project names follow the same rule, with the project's line", arguments: ["shop__orders", "_shop", "shop_"])
    func ambiguousProjectNames(project: String) throws {
        let error = try #require(failure(definitions(project: project)))
        #expect(error.path == "project" && error.line == 1)
    }

    @Test("names whose tables would pass 63 bytes, or whose full feature names would, are refused before apply")
    func identifierLength() throws {
        // 20 + 2 + 33 + 9 ("__default") = 64 bytes.
        let project = String(repeating: "p", count: 20), view = String(repeating: "v", count: 33)
        let long = try #require(failure(definitions(project: project, view: view)))
        #expect(long.path == "feature_views[0].name")
        #expect(long.expected.contains("at most 52 bytes"))
        #expect(failure(definitions(project: project, view: String(view.dropFirst()))) == nil)

        let wide = String(repeating: "w", count: 20), feature = String(repeating: "f", count: 42)  // 20 + 2 + 42 = 64
        let column = try #require(failure(definitions(view: wide, features: [feature])))
        #expect(column.path == "feature_views[0].features[0].name")
        #expect(failure(definitions(view: wide, features: [String(feature.dropFirst())])) == nil)
    }

    @Test("a view with more columns than PostgreSQL allows is refused")
    func columnCount() throws {
        let allowed = StorageNames.maxColumns - StorageNames.bookkeepingColumns - 1  // one join key
        #expect(failure(definitions(features: (0..<allowed).map { "f\($0)" })) == nil)
        let error = try #require(failure(definitions(features: (0...allowed).map { "f\($0)" })))
        #expect(error.path == "feature_views[0].features")
        #expect(error.expected.contains("at most \(allowed) features"))
    }
}

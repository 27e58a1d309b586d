import Foundation
import Testing
@testable import Settings

/// Text settings are typed too: a list where text is expected is an error naming the key,
/// never a silent fall-back to the default (a `password: [x]` once became "pantry").
@Suite("Settings: text values")
struct SettingsTypesTests {
    /// Loads settings from a YAML file holding only `yaml`, with no environment overrides.
    static func load(_ yaml: String) async throws -> PantrySettings {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pantry-settings-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/Config", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try yaml.write(toFile: folder + "/Config/pantry.yaml", atomically: true, encoding: .utf8)
        return try await PantrySettings.load(configFile: folder + "/Config/pantry.yaml", environment: [:])
    }

    @Test("plain text values are read as written")
    func textValues() async throws {
        let password = "pw-\(UInt32.random(in: 0...UInt32.max))"
        let settings = try await Self.load("project: shop\nlog_level: debug\nservices:\n  password: \(password)\n")
        #expect(settings.project == "shop" && settings.logLevel == "debug" && settings.services.password == password)
    }

    @Test("a list where text is expected is an error naming the key", arguments: [
        ("project: [a, b]\n", "project: expected a single text value"),
        ("services:\n  password: [x]\n", "services.password: expected a single text value"),
        ("server:\n  token: [t1, t2]\n", "server.token: expected a single text value"),
        ("postgres:\n  url: [postgres://a]\n", "postgres.url: expected a single text value"),
        ("log_level: [debug]\n", "log_level: expected trace, debug, info, notice, warning, error or critical"),
        ("services:\n  postgres_flavor: [pgvector]\n", "services.postgres_flavor: expected pgvector or debian15"),
    ])
    func listsRefused(yaml: String, message: String) async throws {
        let error = await #expect(throws: SettingsError.self, "\(yaml)") { try await Self.load(yaml) }
        #expect(error?.description == message, "\(String(describing: error))")
    }
}

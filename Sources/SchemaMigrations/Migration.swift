import Foundation

/// One file of `Migrations/`: `NNNN_name.sql`, applied in the order of its number.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    public let path: String

    /// Reads every `NNNN_name.sql` in `directory`, sorted by version. Any other `.sql` name,
    /// or two files with one version, is refused: an ambiguous order is worse than none.
    public static func load(from directory: String) throws -> [Migration] {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw MigrationError("cannot read migrations folder \(directory): \(error.localizedDescription)")
        }
        return try ordered(files.filter { $0.hasSuffix(".sql") }.map { file in
            (file, "\(directory)/\(file)", try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8))
        })
    }

    /// Pantry's own schema, embedded in the binary at build time from `Migrations/` (see the
    /// EmbedMigrations plugin), so a project needs no migrations folder.
    public static func embedded() throws -> [Migration] {
        try ordered(embeddedFiles.map { ($0.name, "Migrations/\($0.name) (embedded)", $0.sql) })
    }

    /// Checks the names (`NNNN_name.sql`, no shared version) and sorts by version.
    static func ordered(_ files: [(name: String, path: String, sql: String)]) throws -> [Migration] {
        var migrations: [Migration] = []
        for file in files.sorted(by: { $0.name < $1.name }) {
            let parts = file.name.dropLast(4).split(separator: "_", maxSplits: 1)
            guard file.name.hasSuffix(".sql"), parts.count == 2, parts[0].count == 4, let version = Int(parts[0]),
                  parts[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw MigrationError("\(file.path): expected a name like 0001_create_registry.sql")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError("\(file.path) and \(clash.path) share version \(version)")
            }
            migrations.append(Migration(version: version, name: String(parts[1]), sql: file.sql, path: file.path))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// A migration problem, worded for the person who has to fix it.
public struct MigrationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

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
        var migrations: [Migration] = []
        for file in files.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]),
                  parts[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw MigrationError("\(directory)/\(file): expected a name like 0001_create_registry.sql")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError("\(directory)/\(file) and \(clash.path) share version \(version)")
            }
            let path = "\(directory)/\(file)"
            let sql = try String(contentsOfFile: path, encoding: .utf8)
            migrations.append(Migration(version: version, name: String(parts[1]), sql: sql, path: path))
        }
        return migrations.sorted { $0.version < $1.version }
    }
}

/// A migration problem, worded for the person who has to fix it.
public struct MigrationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

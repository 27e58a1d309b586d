import ArgumentParser
import Core
import FeatureRegistry
import Foundation
import OfflineStore

/// `pantry ingest VIEW FILE`: loads history into a view's offline table, all or nothing.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load a CSV or JSON lines file into a feature view's offline history (all or nothing).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Argument(help: "Feature view name.") var view: String
    @Argument(help: "File to load (.csv with a header row, or .jsonl), a pipe, or - for standard input (CSV); default: the view's source, which must lie inside the project folder.") var file: String?
    @Flag(help: "Replace the view's whole offline history with this file (a backfill), atomically.") var replace = false

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let table = try context.table(view: view, project: project)
        let path: String
        if let file {
            path = file == "-" ? file : context.path(file)  // explicit: any file, pipe or - (standard input)
        } else {
            guard let source = table.view.source else { throw ValidationError("no file given and view \(view) has no source") }
            do { path = try context.settings.projectPath(source) } catch { throw ValidationError("view \(view)'s source: \(error)") }
        }
        let started = Date()
        let ingestor = Ingestor(table: table, replace: replace)
        let rows = path.hasSuffix(".jsonl") || path.hasSuffix(".json")
            ? try ingestor.ingestJSONLines(file: path, on: context.connection)
            : try ingestor.ingestCSV(file: path, on: context.connection)
        let seconds = Date().timeIntervalSince(started)
        print("ingested \(rows) rows into \(view) in \(String(format: "%.2f", seconds)) s (\(Int(Double(rows) / max(seconds, 1e-9))) rows/s)")
    }
}

/// `pantry push VIEW --offline JSON`: appends events given as JSON to the offline store.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Append events (a JSON object or array of objects) to a view's offline history.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Argument(help: "Feature view name.") var view: String
    @Argument(help: "A JSON object or array of objects, or - to read them from standard input.") var json: String

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        // Bytes as given: invalid UTF-8 is the parser's error, not silently replaced.
        let bytes = json == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array(json.utf8)
        let records: [[String: JSONValue]]
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(bytes) } catch { throw ValidationError("\(error)") }
        switch parsed {
        case .object(let record): records = [record]
        case .array(let items):
            records = try items.enumerated().map { index, item in
                guard case .object(let record) = item else { throw ValidationError("item \(index) is not a JSON object") }
                return record
            }
        default: throw ValidationError("expected a JSON object or an array of objects")
        }
        let rows = try Ingestor(table: try context.table(view: view, project: project)).push(records, on: context.connection)
        print("pushed \(rows) rows to \(view) (offline)")
    }
}

import ArgumentParser
import OnlineFeatures

/// `pantry clear-online [--views a,b]`: removes views from the online store and resets their
/// incremental watermarks, so the next `materialize-incremental` copies them afresh.
struct ClearOnlineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear-online",
        abstract: "Remove feature views from the online store (Redis) and reset their incremental watermarks.",
        discussion: """
            Online writes keep the newest event, so after `pantry ingest --replace` rewrote a view's \
            history, values from the old history would win over a new materialization. Clear the view \
            first, then materialize.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Views, comma-separated (default: all).") var views: String?

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let (repository, store, redis) = try context.online(project: project)
        defer { redis.close() }
        let chosen = try context.views(views, in: repository)
        let bar = ProgressBar("clearing \(chosen.map(\.name).joined(separator: ", "))")
        let touched = try store.clear(views: chosen, on: redis) { bar.update($0, of: $0) }
        bar.finish()
        try Materializer(repository: repository, store: store).resetWatermarks(views: chosen, postgres: context.connection)
        print("removed \(chosen.map(\.name).joined(separator: ", ")) from \(touched) online entities; incremental watermarks reset")
    }
}

import ArgumentParser
import NIOCore
import NIOPosix

/// `pantry`: the command-line entry point of the feature store.
@main
struct Pantry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pantry",
        abstract: "Pantry: a feature store and recommendation platform.",
        subcommands: [DevCommand.self, MigrateCommand.self, HealthCommand.self,
                      PlanCommand.self, ApplyCommand.self, RegistryCommand.self,
                      IngestCommand.self, PushCommand.self, ExportCommand.self, EmbedCommand.self, JobCommand.self,
                      DemoDataCommand.self, MaterializeCommand.self, MaterializeIncrementalCommand.self, ClearOnlineCommand.self, GetCommand.self, ServeCommand.self, CheckSkewCommand.self,
                      IndexCommand.self, LLMCommand.self, InitCommand.self, DatasetsCommand.self, EvaluateCommand.self, TrainCommand.self, RecommendCommand.self, SimilarCommand.self, SearchCommand.self, ExplainCommand.self, RerankCommand.self])

    /// `pantry serve` runs Swift concurrency on SwiftNIO's event loops instead of a second
    /// thread pool: a request is read, looked up in Redis (see `RedisMultiplexer`) and answered
    /// on one thread, with no hand-off between pools. This must happen before any task starts,
    /// hence here. Nothing in the server blocks a task (C-client calls run on their
    /// connections' queues).
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "serve" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await main(nil)
    }
}

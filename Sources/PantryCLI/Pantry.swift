import ArgumentParser

/// `pantry`: the command-line entry point of the feature store.
@main
struct Pantry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pantry",
        abstract: "Pantry: a feature store and recommendation platform.",
        subcommands: [DevCommand.self, MigrateCommand.self, HealthCommand.self,
                      PlanCommand.self, ApplyCommand.self, RegistryCommand.self,
                      IngestCommand.self, PushCommand.self, ExportCommand.self, JobCommand.self,
                      DemoDataCommand.self, MaterializeCommand.self, MaterializeIncrementalCommand.self, GetCommand.self, ServeCommand.self, CheckSkewCommand.self,
                      LLMCommand.self])
}

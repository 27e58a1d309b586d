import ArgumentParser
import LocalServices

/// `pantry dev up|down|status`: throwaway local PostgreSQL and Redis on 127.0.0.1.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Start, stop or inspect the local PostgreSQL and Redis used for development and tests.",
        subcommands: [Up.self, Down.self, Status.self])

    struct ServiceOptions: ParsableArguments {
        @Option(help: "PostgreSQL build: pgvector (16 + pgvector) or debian15 (no pgvector).")
        var postgresFlavor: String?
        @Option(help: "PostgreSQL port (default from settings).")
        var postgresPort: Int?
        @Option(help: "Redis port (default from settings).")
        var redisPort: Int?

        func services(_ global: GlobalOptions) async throws -> DevServices {
            let settings = try await global.settings()
            return try DevServices(settings: settings, postgresFlavor: postgresFlavor,
                                   postgresPort: postgresPort, redisPort: redisPort)
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the services (if stopped) and wait until they answer.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ServiceOptions

        func run() async throws {
            let services = try await options.services(global)
            try services.up()
            for line in services.status { print(line) }
            print("export PANTRY_POSTGRES_URL='\(services.postgres.url)' PANTRY_REDIS_URL='\(services.redis.url)'")
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the services this project started.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ServiceOptions

        func run() async throws {
            let services = try await options.services(global)
            try services.down()
            for line in services.status { print(line) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether the services run, and their URLs.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ServiceOptions

        func run() async throws {
            for line in try await options.services(global).status { print(line) }
        }
    }
}

import Foundation
@testable import LocalServices
import Testing
import TestSupport

@Suite("Where PostgreSQL 16 is looked for")
struct PostgresInstallTests {
    @Test("outside any project: PANTRY_PG16_HOME, the machine-wide folder, then the user's data folder")
    func homes() {
        let homes = LocalPostgres.pgserverHomes
        #expect(homes.contains("/usr/local/lib/pantry/pgserver-0.1.4"))
        #expect(homes.last?.hasSuffix("/pantry/pgserver-0.1.4") == true)
        #expect(homes.allSatisfy { !$0.hasPrefix(TestServers.repositoryRoot) }, "no project's folder: \(homes)")
        if let forced = ProcessInfo.processInfo.environment["PANTRY_PG16_HOME"], !forced.isEmpty { #expect(homes.first == forced) }
    }
}

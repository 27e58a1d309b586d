import Foundation
import Testing
import TestSupport

/// `pantry init`, then the whole life of a project from its own folder (which holds no
/// Migrations/ and has a space in its name), with the real binary and its own dev servers.
@Suite("pantry init")
struct InitCommandTests {
    func pantry(_ arguments: [String], in folder: String) throws -> (status: Int32, output: String) {
        try ChildProcess.run(ServeBinary.path, arguments, in: folder,
                             environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PANTRY_") })
    }

    @Test("init, dev up, migrate, apply, ingest, a training-set job and dev down work in a new folder; init never overwrites",
          .timeLimit(.minutes(3)))
    func wholeProject() throws {
        let parent = NSTemporaryDirectory() + "pantry-init-\(UUID().uuidString)"
        let folder = parent + "/My Shop"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let created = try pantry(["init", folder], in: parent)
        #expect(created.status == 0, "\(created.output)")
        #expect(created.output.contains("created project my_shop"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/Migrations"))
        let settings = try String(contentsOfFile: folder + "/Config/pantry.yaml", encoding: .utf8)
        #expect(!settings.contains("55432") && !settings.contains("56379"), "ports of its own, not the defaults")

        let up = try pantry(["dev", "up"], in: folder)
        defer { _ = try? pantry(["dev", "down"], in: folder) }
        #expect(up.status == 0, "\(up.output)")
        for step in [["migrate"], ["apply"], ["ingest", "user_stats"], ["job", "run", "Jobs/training_set.yaml"]] {
            let result = try pantry(step, in: folder + "/data")  // the project is found from a subfolder
            #expect(result.status == 0, "\(step): \(result.output)")
        }
        let training = try String(contentsOfFile: folder + "/out/training_set.csv", encoding: .utf8)
        #expect(training.split(separator: "\n").map(String.init) == [
            "user_id,event_timestamp,label,purchases,spend,is_member",
            "1,2025-01-03T00:00:00Z,0,3,42.5,true",
            "1,2025-01-09T00:00:00Z,1,5,80,true",
            "2,2025-01-10T00:00:00Z,0,1,9.99,false",
            "3,2025-01-04T00:00:00Z,1,,,",
        ])
        let down = try pantry(["dev", "down"], in: folder)
        #expect(down.status == 0 && down.output.contains("stopped"), "\(down.output)")

        let again = try pantry(["init", folder], in: parent)
        #expect(again.status != 0)
        #expect(again.output.contains("not overwriting existing files") && again.output.contains("Config/pantry.yaml"), "\(again.output)")
    }
}

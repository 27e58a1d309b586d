import DemoData
import Foundation
import Testing
@testable import Recommender

@Suite("Evaluation split")
struct EvaluationSplitTests {
    @Test("splitmix64 matches the reference sequence (seed 0: E220A8397B1DCDAF, 6E789E6AA1B965F4)")
    func splitmix() {
        #expect(EvaluationSplit.splitmix64(0) == 0xE220_A839_7B1D_CDAF)
        #expect(EvaluationSplit.splitmix64(0x9E37_79B9_7F4A_7C15) == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test("last positives by (time, tie-break, item) go to test; users below the minimum stay in train")
    func order() {
        var positives: [Interaction] = []
        // User 1: 12 positives, items 100...111, all at the same second except two late ones.
        for item in Int64(100)...111 { positives.append(Interaction(user: 1, item: item, weight: 5, time: 1_000)) }
        positives[0].time = 5_000
        positives[1].time = 4_000
        // User 2: 9 positives (below 10): train only.
        for item in Int64(200)..<209 { positives.append(Interaction(user: 2, item: item, weight: 4, time: Int64(item))) }
        let split = EvaluationSplit(positives: positives)
        #expect(split.test.count == 5)
        #expect(split.train.count == 12 - 5 + 9)
        #expect(Set(split.test.map(\.user)) == [1])
        // The two latest are the last two; the other three are the same-second items with the
        // largest tie-breaks.
        #expect(split.test.suffix(2).map(\.item) == [101, 100])
        let sameSecond = (Int64(102)...111).sorted {
            EvaluationSplit.tieBreak(seed: 42, user: 1, item: $0) < EvaluationSplit.tieBreak(seed: 42, user: 1, item: $1)
        }
        #expect(split.test.prefix(3).map(\.item) == Array(sameSecond.suffix(3)))
    }

    @Test("MovieLens-100k: 897 test users, 4,485 test rows, 50,890 train rows; validation 799 users, 3,995 rows")
    func movieLensCounts() throws {
        let inter = try RecBoleAtomicFile(path: try MovieLensFiles.directory() + "/ml-100k.inter")
        let (u, i, r, t) = (try inter.column("user_id"), try inter.column("item_id"), try inter.column("rating"), try inter.column("timestamp"))
        let positives = inter.records.compactMap { rec -> Interaction? in
            guard let rating = Double(rec[r]), rating >= 4 else { return nil }
            return Interaction(user: Int64(rec[u])!, item: Int64(rec[i])!, weight: rating, time: Int64(Double(rec[t])!) * 1_000_000)
        }
        let split = EvaluationSplit(positives: positives)
        #expect(split.testItems.count == 897)
        #expect(split.test.count == 4_485)
        #expect(split.train.count == 50_890)
        let inner = EvaluationSplit(positives: split.train)
        #expect(inner.testItems.count == 799)
        #expect(inner.test.count == 3_995)
    }
}

/// Where scripts/setup.sh puts MovieLens-100k (PANTRY_ML100K overrides).
enum MovieLensFiles {
    static func directory() throws -> String {
        let path = ProcessInfo.processInfo.environment["PANTRY_ML100K"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".pantry/datasets/ml-100k").path
        try #require(FileManager.default.fileExists(atPath: path + "/ml-100k.inter"), "MovieLens-100k missing at \(path): run scripts/setup.sh")
        return path
    }
}

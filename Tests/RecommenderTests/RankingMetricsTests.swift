import Foundation
import Testing
@testable import Recommender

@Suite("Ranking metrics")
struct RankingMetricsTests {
    @Test("every metric on a hand-computed case: hits at ranks 1 and 3, fewer test items than k, a user without a list")
    func handComputed() {
        // User 1: list [10, 11, 12], relevant {10, 12, 99}; k = 3.
        //   hits at ranks 1 and 3: precision 2/3, recall 2/3, hit 1
        //   DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG (3 relevant, k 3) = 1 + 1/log2(3) + 1/2
        //   AP = (1/1 + 2/3) / min(3, 3)
        // User 2: list [20, 21, 22], relevant {22}: hit at rank 3.
        //   precision 1/3, recall 1, DCG = 1/2, IDCG = 1 (min(k, 1) = 1), AP = (1/3) / 1
        // User 3: no list, relevant {30}: zero everywhere.
        let lists: [Int64: [Int64]] = [1: [10, 11, 12], 2: [20, 21, 22, 23]]
        let relevant: [Int64: Set<Int64>] = [1: [10, 12, 99], 2: [22], 3: [30]]
        let m = RankingMetrics(lists: lists, relevant: relevant, k: 3, catalogueSize: 12)
        let idcg1 = 1 + 1 / log2(3.0) + 0.5
        #expect(m.users == 3)
        #expect(abs(m.precision - (2.0 / 3 + 1.0 / 3) / 3) < 1e-12)
        #expect(abs(m.recall - (2.0 / 3 + 1) / 3) < 1e-12)
        #expect(abs(m.ndcg - (1.5 / idcg1 + 0.5) / 3) < 1e-12)
        #expect(abs(m.map - ((1 + 2.0 / 3) / 3 + 1.0 / 3) / 3) < 1e-12)
        #expect(abs(m.hitRate - 2.0 / 3) < 1e-12)
        #expect(abs(m.coverage - 6.0 / 12) < 1e-12, "items 10, 11, 12, 20, 21, 22 (23 is beyond k)")
    }

    @Test("a perfect list scores 1 on NDCG, MAP, recall and hit rate")
    func perfect() {
        let m = RankingMetrics(lists: [1: [5, 6]], relevant: [1: [5, 6]], k: 2, catalogueSize: 10)
        #expect(m.ndcg == 1 && m.map == 1 && m.recall == 1 && m.hitRate == 1 && m.precision == 1)
    }

    @Test("top items: the best k, ties to the lower position, excluded and non-finite scores skipped")
    func topK() {
        let scores: [Float] = [0.5, 2, 2, .nan, 3, -1, .infinity, 2]
        #expect(topItems(scores, k: 3, excluding: [4]) == [1, 2, 7])
        #expect(topItems(scores, k: 10, excluding: []) == [4, 1, 2, 7, 0, 5])
        #expect(topItems(scores, k: 0, excluding: []).isEmpty)
    }
}

@Suite("Evaluation report")
struct EvaluationReportTests {
    @Test("the SVG chart has a bar per model and metric, escapes names, and the Markdown links it")
    func chart() {
        var m = RankingMetrics()
        (m.ndcg, m.recall, m.hitRate) = (0.12, 0.2, 0.5)
        let report = EvaluationReport(
            recommender: "r<1>", target: .test, k: 10,
            rows: [.init(model: "a&b", metrics: m, validation: nil), .init(model: "c", metrics: RankingMetrics(), validation: m)],
            tuned: .init(als: ALSParameters(), easeLambda: 300, recencyHalfLife: 6, weights: [1, 0]), lists: [:],
            counts: .init(testUsers: 3, testRows: 15, trainRows: 30, validationUsers: 2, validationRows: 10, fitRows: 20, items: 9),
            fitSeconds: 0.1, alsSeconds: 0.05, easeSeconds: 0.04, totalSeconds: 1)
        let svg = EvaluationChart.svg(report)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 2 * 3 + 3, "six bars and three legend swatches")
        #expect(svg.contains("a&amp;b") && svg.contains("r&lt;1&gt;") && !svg.contains("a&b"))
        #expect(report.markdown(chart: "e.svg").contains("![metrics per model](e.svg)"))
        #expect(report.markdown().contains("| a&b | 0.1200 |"))
    }
}

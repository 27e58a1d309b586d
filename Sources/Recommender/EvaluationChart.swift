/// An SVG bar chart of an evaluation: NDCG, recall and hit rate at k per model, grouped, with
/// values printed on the bars — a file any browser shows, no scripts or fonts needed.
public enum EvaluationChart {
    public static func svg(_ report: EvaluationReport) -> String {
        let metrics: [(name: String, color: String, value: (RankingMetrics) -> Double)] = [
            ("NDCG@\(report.k)", "#4e79a7", { $0.ndcg }), ("recall@\(report.k)", "#f28e2b", { $0.recall }),
            ("hit rate", "#59a14f", { $0.hitRate }),
        ]
        let rows = report.rows
        let (left, top, barWidth, gap, height) = (60.0, 40.0, 18.0, 24.0, 260.0)
        let groupWidth = Double(metrics.count) * barWidth + gap
        let width = left + Double(rows.count) * groupWidth + 20
        let maxValue = max(0.05, rows.flatMap { row in metrics.map { $0.value(row.metrics) } }.max() ?? 0.05)
        let scale = height / (maxValue * 1.1)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(top + height + 90))" font-family="sans-serif" font-size="11">
            <text x="\(Int(left))" y="20" font-size="14">Recommender \(escape(report.recommender)) on \(report.target == .test ? "test" : "validation") (\(report.counts.testUsers) users)</text>

            """
        for tick in stride(from: 0.0, through: maxValue * 1.1, by: maxValue > 0.3 ? 0.1 : 0.05) {
            let y = top + height - tick * scale
            svg += "<line x1=\"\(Int(left - 4))\" x2=\"\(Int(width - 10))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(Int(left - 8))\" y=\"\(y + 4)\" text-anchor=\"end\">\(format(tick))</text>\n"
        }
        for (r, row) in rows.enumerated() {
            let x0 = left + Double(r) * groupWidth + gap / 2
            for (m, metric) in metrics.enumerated() {
                let value = metric.value(row.metrics), h = value * scale
                let x = x0 + Double(m) * barWidth
                svg += "<rect x=\"\(x)\" y=\"\(top + height - h)\" width=\"\(barWidth - 2)\" height=\"\(h)\" fill=\"\(metric.color)\"/>"
                svg += "<text x=\"\(x + barWidth / 2 - 1)\" y=\"\(top + height - h - 3)\" text-anchor=\"middle\" font-size=\"8\">\(format(value))</text>\n"
            }
            svg += "<text x=\"\(x0 + Double(metrics.count) * barWidth / 2)\" y=\"\(top + height + 14)\" text-anchor=\"middle\">\(escape(row.model))</text>\n"
        }
        for (m, metric) in metrics.enumerated() {
            let x = left + Double(m) * 110
            svg += "<rect x=\"\(x)\" y=\"\(top + height + 40)\" width=\"12\" height=\"12\" fill=\"\(metric.color)\"/>"
            svg += "<text x=\"\(x + 16)\" y=\"\(top + height + 50)\">\(escape(metric.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

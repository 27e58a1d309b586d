/// An SVG chart of an evaluation: NDCG, recall and hit rate at k per model (grouped bars, values
/// printed on them) and, below, the collaborative index's recall against queries per second
/// at each ef — a file any browser shows, no scripts or fonts needed.
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
        let curveHeight = report.indexCurve == nil ? 0.0 : 300.0
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(max(width, 520)))" height="\(Int(top + height + 90 + curveHeight))" font-family="sans-serif" font-size="11">
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
        if let curve = report.indexCurve { svg += curvePanel(curve, k: report.k, top: top + height + 110) }
        return svg + "</svg>\n"
    }

    /// Recall@k (x) against queries/s (y, linear), one labelled point per ef, joined in ef order.
    static func curvePanel(_ curve: IndexCurve, k: Int, top: Double) -> String {
        let (left, width, height) = (60.0, 400.0, 200.0)
        let points = curve.points
        guard !points.isEmpty else { return "" }
        let minRecall = min(0.9, (points.map(\.recall).min() ?? 0.9) - 0.01), maxQPS = (points.map(\.queriesPerSecond).max() ?? 1) * 1.1
        func x(_ recall: Double) -> Double { left + (recall - minRecall) / (1.0001 - minRecall) * width }
        func y(_ qps: Double) -> Double { top + height - qps / maxQPS * height }
        var svg = "<text x=\"\(Int(left))\" y=\"\(Int(top - 12))\" font-size=\"13\">Collaborative index: recall@\(k) against queries/s (one thread) per ef; exact scan \(Int(curve.exactQueriesPerSecond)) q/s</text>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top + height)\" x2=\"\(left + width)\" y2=\"\(top + height)\" stroke=\"#999\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + height)\" stroke=\"#999\"/>\n"
        for tick in stride(from: (minRecall * 100).rounded(.up) / 100, through: 1.0, by: max(0.01, ((1 - minRecall) / 5 * 100).rounded() / 100)) {
            svg += "<text x=\"\(x(tick))\" y=\"\(top + height + 14)\" text-anchor=\"middle\">\(format(tick))</text>"
        }
        svg += "<text x=\"\(left + width / 2)\" y=\"\(top + height + 30)\" text-anchor=\"middle\">recall@\(k)</text>"
        svg += "<text x=\"\(left - 8)\" y=\"\(top + 4)\" text-anchor=\"end\">\(Int(maxQPS / 1.1))</text><text x=\"\(left - 8)\" y=\"\(top + height)\" text-anchor=\"end\">0</text>\n"
        let path = points.map { "\(x($0.recall)),\(y($0.queriesPerSecond))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\"/>\n"
        for p in points {
            svg += "<circle cx=\"\(x(p.recall))\" cy=\"\(y(p.queriesPerSecond))\" r=\"3.5\" fill=\"#e15759\"/>"
            svg += "<text x=\"\(x(p.recall) + 6)\" y=\"\(y(p.queriesPerSecond) - 6)\" font-size=\"9\">ef \(p.ef): \(format(p.recall)), \(Int(p.queriesPerSecond)) q/s</text>\n"
        }
        return svg
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

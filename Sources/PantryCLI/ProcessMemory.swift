import Foundation

/// This process's memory from `/proc/self/status` (Linux), for benchmark reports.
enum ProcessMemory {
    /// Peak resident set size (VmHWM), in bytes; nil where unavailable.
    static var peakResidentBytes: Int? { field("VmHWM:") }
    /// Current resident set size (VmRSS), in bytes.
    static var residentBytes: Int? { field("VmRSS:") }

    static func mebibytes(_ bytes: Int?) -> String {
        bytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? "?"
    }

    private static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1_024 }
        }
        return nil
    }
}

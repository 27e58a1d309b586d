import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal (so logs and
/// pipes stay clean), redrawn at most ten times a second. Safe to update from several threads.
final class ProgressBar: @unchecked Sendable {  // state guarded by `lock`
    let label: String
    /// What is counted ("rows", "users").
    let unit: String
    let enabled = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast
    private let started = Date()

    private let lock = NSLock()

    init(_ label: String, unit: String = "rows") {
        self.label = label
        self.unit = unit
    }

    func update(_ done: Int, of total: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = Date()
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let line = String(format: "\r%@ [%@] %3.0f%% %d/%d %@  %.1fs", label, bar, fraction * 100, done, total, unit, Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

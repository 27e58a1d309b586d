import Foundation

/// A 2-D weight tensor inside the memory-mapped model: `rows` rows of `columns` elements,
/// each row stored contiguously in the tensor's GGML block format. The mapped data is never
/// copied; release x86_64 builds may add a repacked copy (``packed``).
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    let data: UnsafeRawPointer
    let rowBytes: Int
    /// The same weights in the VNNI kernels' interleaved layout (release x86_64 builds), or nil.
    var packed: PackedWeights?

    init(name: String, type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.data = data
        rowBytes = type.byteCount(elements: columns)
    }

    /// This matrix plus a repacked copy for the VNNI kernels when they are built and support it
    /// (``PackedWeights``; releases the file pages of the original). `PANTRY_UNPACKED_WEIGHTS=1`
    /// keeps the row-at-a-time VNNI kernels (for A/B measurements).
    func packedForKernels() -> WeightMatrix {
        guard vnniKernels, packed == nil, !Self.packingDisabled else { return self }
        var m = self
        m.packed = PackedWeights(type: type, rows: rows, columns: columns, data: data)
        return m
    }

    @inline(__always) func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }

    /// Dequantises row `r` into `out` (`columns` floats).
    public func dequantizeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        Kernels.dequantize(type, row(r), count: columns, into: out)
    }

    private static let packingDisabled = ProcessInfo.processInfo.environment["PANTRY_UNPACKED_WEIGHTS"] == "1"

    /// Whether this matrix uses an integer kernel with 8-bit activations.
    var usesInt8Activations: Bool { type == .q4_0 || type == .q4_1 || type == .q8_0 }
}

import Foundation

/// A 2-D weight tensor inside the memory-mapped model: `rows` rows of `columns` elements,
/// each row stored contiguously in the tensor's GGML block format. The mapped data is never
/// copied; when the CPU runs the C kernels (``KernelTier``) a repacked copy is added (``packed``).
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    let data: UnsafeRawPointer
    let rowBytes: Int
    /// The same weights in the C kernels' interleaved layout (``KernelTier``), or nil.
    var packed: PackedWeights?

    init(name: String, type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.data = data
        rowBytes = type.byteCount(elements: columns)
    }

    /// This matrix plus a repacked copy for the C kernels when the selected tier has them and
    /// they support its type and shape (``PackedWeights``; releases the file pages of the original).
    func packedForKernels() -> WeightMatrix {
        guard KernelTier.kernels != nil, packed == nil else { return self }
        var m = self
        m.packed = PackedWeights(type: type, rows: rows, columns: columns, data: data)
        return m
    }

    @inline(__always) func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }

    /// Dequantises row `r` into `out` (`columns` floats).
    public func dequantizeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        Kernels.dequantize(type, row(r), count: columns, into: out)
    }

    /// Whether this matrix uses an integer kernel with 8-bit activations.
    var usesInt8Activations: Bool { type == .q4_0 || type == .q4_1 || type == .q8_0 }
}

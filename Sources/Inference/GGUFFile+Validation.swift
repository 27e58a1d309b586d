/// Tensor data is checked at load, as llama.cpp's `ggml_validate_row_data` does: a NaN or
/// infinite float, or block scale, would spread through every activation it touches (and once
/// trapped when activations were narrowed to Int8).
extension GGUFFile {
    func validateData(_ info: GGUFTensorInfo) throws(GGUFError) {
        let data = tensorData(info)
        func fail(_ what: String, _ index: Int) -> GGUFError {
            .invalidTensor(info.name, reason: "\(what) \(index) is not finite (NaN or infinity)")
        }
        switch info.type {
        case .f32:
            let values = data.assumingMemoryBound(to: Float.self)
            for i in 0..<info.elementCount where !values[i].isFinite { throw fail("value", i) }
        case .f16:
            for i in 0..<info.elementCount where !Self.half(data, i * 2).isFinite { throw fail("value", i) }
        case .q4_0, .q8_0, .q5_0, .iq4_nl:
            // Block: one fp16 scale, then the quants.
            let blocks = info.byteCount / info.type.blockBytes
            for b in 0..<blocks where !Self.half(data, b * info.type.blockBytes).isFinite { throw fail("scale of block", b) }
        case .q4_1, .q5_1:
            // Block: fp16 scale and fp16 minimum, then the quants.
            let blocks = info.byteCount / info.type.blockBytes
            for b in 0..<blocks {
                let base = b * info.type.blockBytes
                guard Self.half(data, base).isFinite, Self.half(data, base + 2).isFinite else { throw fail("scale or minimum of block", b) }
            }
        default:
            break  // no kernel reads these types; binding such a tensor is refused elsewhere
        }
    }

    private static func half(_ data: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: data.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}

import Foundation
import Synchronization

/// How activations enter the matrix products.
public enum ActivationPrecision: Sendable {
    /// Quantise activations to 8 bits per block of 32 and use integer dot products, as llama.cpp
    /// does (fast; logits differ from exact arithmetic by ~1e-2).
    case int8
    /// Keep activations in Float and dequantise weights on the fly (slower; reference path).
    case float32
}

/// One token to run through the model in a forward step.
struct BatchToken {
    let cache: KVCache
    let position: Int
    let token: Int
    /// Whether the caller wants this token's next-token logits.
    let wantsLogits: Bool
}

/// The LLaMA forward pass, top to bottom (cf. llama2.c's `forward`), over a batch of tokens that
/// may belong to different sequences at different positions:
///
///     x = embed(token)
///     for each layer:
///         h = RMSNorm(x)·w_attn_norm
///         q, k, v = W_q·h, W_k·h, W_v·h;  rotate q, k (RoPE);  append k, v to the KV cache
///         x += W_o · softmax(q·Kᵀ/√d_h)·V            (grouped-query, causal)
///         h = RMSNorm(x)·w_ffn_norm
///         x += W_down · (SiLU(W_gate·h) ⊙ W_up·h)     (SwiGLU)
///     logits = W_out · RMSNorm(x)·w_out_norm
///
/// Every matrix product handles the whole batch at once, so each weight is streamed from memory
/// once per step, whether the batch is one prompt or one new token of many sequences.
/// Not thread-safe: callers serialise `forward` (``LLMEngine`` holds a lock).
final class LlamaModel: @unchecked Sendable {
    let config: ModelConfig
    let weights: LlamaWeights
    let pool: WorkerPool
    let precision: ActivationPrecision
    /// Number of transformer blocks actually run (tests truncate the model to a few layers).
    let activeLayers: Int
    /// Logits computed per token: the vocabulary size, or fewer when tests truncate the head.
    let outputRows: Int
    private let outputHead: WeightMatrix
    /// Tokens per internal micro-batch (bounds scratch memory for long prompts).
    let maxBatch = 256

    // Scratch activations, `maxBatch` rows each.
    private let x, xb, q, k, v, att, hb, hb2: ScratchBuffer<Float>
    private let xq, attq, hq: QuantizedActivations
    private let scores: ScratchBuffer<Float> // a row of `contextLength` per worker and query head of a KV group
    private let ropeInvFreq: [Float]
    /// Per token of the micro-batch: `(cos, sin)` of `position·θ_i` for each rotated pair,
    /// computed once per forward pass instead of once per head and layer.
    private let ropeTable: ScratchBuffer<Float>

    init(weights: LlamaWeights, pool: WorkerPool, precision: ActivationPrecision, layerLimit: Int? = nil,
         outputLimit: Int? = nil) {
        let c = weights.config
        config = c
        self.weights = weights
        self.pool = pool
        self.precision = precision
        activeLayers = min(c.layerCount, layerLimit ?? c.layerCount)
        outputRows = min(c.vocabSize, outputLimit ?? c.vocabSize)
        let head = weights.output
        var truncatedHead = WeightMatrix(name: head.name, type: head.type, rows: outputRows, columns: head.columns, data: head.data)
        // The packed copy's leading groups are the packed form of the leading rows.
        if outputRows % PackedWeights.groupRows == 0 { truncatedHead.packed = head.packed }
        outputHead = truncatedHead
        x = ScratchBuffer(count: maxBatch * c.dim)
        xb = ScratchBuffer(count: maxBatch * c.dim)
        q = ScratchBuffer(count: maxBatch * c.qDim)
        k = ScratchBuffer(count: maxBatch * c.kvDim)
        v = ScratchBuffer(count: maxBatch * c.kvDim)
        att = ScratchBuffer(count: maxBatch * c.qDim)
        hb = ScratchBuffer(count: maxBatch * c.ffnDim)
        hb2 = ScratchBuffer(count: maxBatch * c.ffnDim)
        xq = QuantizedActivations(rows: maxBatch, columns: c.dim)
        attq = QuantizedActivations(rows: maxBatch, columns: c.qDim)
        hq = QuantizedActivations(rows: maxBatch, columns: c.ffnDim)
        scores = ScratchBuffer(count: pool.threadCount * (c.headCount / c.kvHeadCount) * Self.scoreRowLength(c))
        ropeTable = ScratchBuffer(count: maxBatch * c.ropeDim)
        // θ_i = base^(−2i/d_rope) for each rotated pair i.
        ropeInvFreq = (0..<c.ropeDim / 2).map { i in
            Float(pow(Double(c.ropeBase), -2.0 * Double(i) / Double(c.ropeDim)))
        }
    }

    func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(layerCount: activeLayers, kvDim: config.kvDim, capacityLimit: min(capacity ?? config.contextLength, config.contextLength))
    }

    /// Runs `batch` through the model, appending every token's key/value to its cache, and
    /// writes `outputRows` logits for each token with `wantsLogits` (in batch order) to `logits`.
    /// Tokens of the same sequence must appear in position order, each cache's next position
    /// being its current `count`.
    func forward(_ batch: [BatchToken], logits: UnsafeMutablePointer<Float>) throws {
        for t in batch where t.token < 0 || t.token >= config.vocabSize { throw InferenceError.invalidToken(t.token) }
        var done = 0, logitRows = 0
        while done < batch.count {
            let slice = Array(batch[done..<min(batch.count, done + maxBatch)])
            try forwardMicroBatch(slice, logits: logits + logitRows * outputRows)
            logitRows += slice.count(where: \.wantsLogits)
            done += slice.count
        }
    }

    private func forwardMicroBatch(_ batch: [BatchToken], logits: UnsafeMutablePointer<Float>) throws {
        let c = config, w = weights, n = batch.count
        let dim = c.dim, qDim = c.qDim, kvDim = c.kvDim, ffn = c.ffnDim, hd = c.headDim
        var nextPosition: [ObjectIdentifier: Int] = [:]
        for t in batch {
            let id = ObjectIdentifier(t.cache)
            let expected = nextPosition[id] ?? t.cache.count
            guard t.position == expected else {
                throw InferenceError.invalidArgument("token at position \(t.position) does not follow its cache (next \(expected))")
            }
            nextPosition[id] = expected + 1
            try t.cache.reserve(t.position + 1)
        }
        for t in batch { t.cache.count = max(t.cache.count, t.position + 1) }

        // Rotation angles of every token, shared by all heads and layers.
        let rd = c.ropeDim
        for (b, t) in batch.enumerated() {
            for i in 0..<rd / 2 {
                let angle = Float(t.position) * ropeInvFreq[i]
                ropeTable[b * rd + 2 * i] = cos(angle)
                ropeTable[b * rd + 2 * i + 1] = sin(angle)
            }
        }

        // Token embedding lookup.
        for (b, t) in batch.enumerated() { w.tokenEmbedding.dequantizeRow(t.token, into: x.pointer + b * dim) }

        for l in 0..<activeLayers {
            let layer = w.layers[l]

            // Attention block: pre-norm, then the q/k/v projections.
            forEachRow(n) { b in rmsNorm(x.pointer + b * dim, weight: layer.attnNorm, into: xb.pointer + b * dim) }
            let xbq = quantizeIfNeeded(xb.pointer, xq, rows: n)
            WeightMatrix.multiply([(layer.wq, q.pointer, qDim), (layer.wk, k.pointer, kvDim), (layer.wv, v.pointer, kvDim)],
                                  xb.pointer, xbq, batch: n, pool: pool)

            // RoPE on q and k, then store k and v in each token's cache slot.
            for (b, t) in batch.enumerated() {
                let angles = ropeTable.pointer + b * rd
                for h in 0..<c.headCount { rope(q.pointer + b * qDim + h * hd, angles) }
                for h in 0..<c.kvHeadCount { rope(k.pointer + b * kvDim + h * hd, angles) }
                t.cache.key(l, t.position).update(from: k.pointer + b * kvDim, count: kvDim)
                t.cache.value(l, t.position).update(from: v.pointer + b * kvDim, count: kvDim)
            }

            // Causal grouped-query attention, one (token, head) pair per work item.
            attention(batch, layer: l)

            // Output projection and residual.
            let attIn = quantizeIfNeeded(att.pointer, attq, rows: n)
            layer.wo.multiply(att.pointer, attIn, batch: n, into: xb.pointer, outStride: dim, pool: pool)
            forEachRow(n) { b in
                for i in b * dim..<(b + 1) * dim { x.pointer[i] += xb.pointer[i] }
                rmsNorm(x.pointer + b * dim, weight: layer.ffnNorm, into: xb.pointer + b * dim)
            }

            // SwiGLU feed-forward block.
            let ffnIn = quantizeIfNeeded(xb.pointer, xq, rows: n)
            WeightMatrix.multiply([(layer.wGate, hb.pointer, ffn), (layer.wUp, hb2.pointer, ffn)],
                                  xb.pointer, ffnIn, batch: n, pool: pool)
            forEachRow(n) { b in Kernels.swiGLU(hb.pointer + b * ffn, hb2.pointer + b * ffn, count: ffn) }
            let downIn = quantizeIfNeeded(hb.pointer, hq, rows: n)
            layer.wDown.multiply(hb.pointer, downIn, batch: n, into: xb.pointer, outStride: dim, pool: pool)
            forEachRow(n) { b in for i in b * dim..<(b + 1) * dim { x.pointer[i] += xb.pointer[i] } }
        }

        // Final norm and output head, only for the tokens whose logits are wanted.
        var rows = 0
        for (b, t) in batch.enumerated() where t.wantsLogits {
            rmsNorm(x.pointer + b * dim, weight: w.outputNorm, into: xb.pointer + rows * dim)
            rows += 1
        }
        if rows > 0 {
            let outIn = quantizeIfNeeded(xb.pointer, xq, rows: rows)
            outputHead.multiply(xb.pointer, outIn, batch: rows, into: logits, outStride: outputRows, pool: pool)
        }
    }

    // MARK: Building blocks

    /// Runs `body` for every token row `0..<n`: on the worker pool for batches of four or more
    /// (row-wise work, so the results do not depend on the split), inline otherwise.
    private func forEachRow(_ n: Int, _ body: (Int) -> Void) {
        if n >= 4 {
            pool.parallelFor(n) { rows in for b in rows { body(b) } }
        } else {
            for b in 0..<n { body(b) }
        }
    }

    /// RMSNorm: `out = x / √(mean(x²) + ε) ⊙ weight`.
    private func rmsNorm(_ xIn: UnsafePointer<Float>, weight: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let dim = config.dim
        var ss: Float = 0
        for i in 0..<dim { ss += xIn[i] * xIn[i] }
        let scale = 1 / (ss / Float(dim) + config.rmsEps).squareRoot()
        for i in 0..<dim { out[i] = xIn[i] * scale * weight[i] }
    }

    /// Rotary position embedding on one head, rotating adjacent pairs `(v[2i], v[2i+1])` by
    /// `position·θ_i` (GGUF's converter permuted q/k so that the "normal" pairing applies);
    /// `angles` holds the `(cos, sin)` pairs of the token (``ropeTable``).
    private func rope(_ head: UnsafeMutablePointer<Float>, _ angles: UnsafePointer<Float>) {
        for i in 0..<config.ropeDim / 2 {
            let cosA = angles[2 * i], sinA = angles[2 * i + 1]
            let a = head[2 * i], b = head[2 * i + 1]
            head[2 * i] = a * cosA - b * sinA
            head[2 * i + 1] = a * sinA + b * cosA
        }
    }

    /// Floats per row of attention scores: the context length padded so that rows do not share
    /// addresses modulo 4 KiB (aliasing that stalls loads behind stores to other rows).
    static func scoreRowLength(_ c: ModelConfig) -> Int { (c.contextLength + 15) / 16 * 16 + 16 }

    /// `att[b, head] = Σ_t softmax_t(q·k_t/√d_h)·v_t` over positions `0...position` of the token's
    /// own sequence; query head `h` reads KV head `h / (n_h/n_kv)`.
    ///
    /// Causal attention of every batch token over its cache. One work item is a token and a KV
    /// head together with the query heads that share it (grouped-query attention): positions are
    /// walked in tiles small enough for L1, and each tile of keys (and of values) is read once
    /// for all of the group's query heads instead of once per query head — the re-reads from
    /// L2 bounded long batched prompts. Each head's arithmetic (order of every sum) is the same
    /// as attending head by head.
    private func attention(_ batch: [BatchToken], layer l: Int) {
        let c = config, hd = c.headDim, group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(hd).squareRoot()
        let qp = q.pointer, attp = att.pointer, scoreBase = scores.pointer, ctx = Self.scoreRowLength(c), kvDim = c.kvDim
        let workers = pool.threadCount
        let items = batch.count * c.kvHeadCount
        let next = Atomic<Int>(0)
        pool.run { worker in
            guard worker < workers else { return }
            // Per query head of the group: its row of scores, running maximum and (for 64-wide
            // heads) the sixteen-lane block maxima and the four output accumulators.
            let sc = scoreBase + worker * group * ctx
            withUnsafeTemporaryAllocation(of: Float.self, capacity: group) { maxScore in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 5 * group) { vectors in
                let blockMax = vectors.baseAddress!, acc = blockMax + group
                while true {
                    let item = next.add(1, ordering: .relaxed).oldValue
                    if item >= items { break }
                    let b = item / c.kvHeadCount, g = item % c.kvHeadCount
                    let t = batch[b]
                    let qg = qp + b * c.qDim + g * group * hd, out = attp + b * c.qDim + g * group * hd
                    let kvOffset = g * hd
                    let length = t.position + 1
                    for j in 0..<group { maxScore[j] = -.infinity; blockMax[j] = SIMD16(repeating: -.infinity) }
                    // Scores, walking the cache in contiguous runs (no per-position lookups).
                    var p = 0
                    while p < length {
                        let r = t.cache.run(l, from: p)
                        let count = min(r.count, length - p)
                        var i = 0
                        if hd == 64 {
                            while i + 16 <= count {
                                let keys = r.keys + i * kvDim + kvOffset
                                for j in 0..<group {
                                    let row = sc + j * ctx + p + i
                                    Kernels.scores16x64(qg + j * hd, keys, stride: kvDim, scale: scale, into: row)
                                    let block = UnsafeRawPointer(row).loadUnaligned(as: SIMD16<Float>.self)
                                    blockMax[j].replace(with: block, where: block .> blockMax[j])
                                }
                                i += 16
                            }
                        }
                        while i < count {
                            for j in 0..<group {
                                let s = Kernels.dotF32(qg + j * hd, r.keys + i * kvDim + kvOffset, count: hd) * scale
                                sc[j * ctx + p + i] = s
                                maxScore[j] = max(maxScore[j], s)
                            }
                            i += 1
                        }
                        p += count
                    }
                    for j in 0..<group {
                        let row = sc + j * ctx
                        for lane in 0..<16 where blockMax[j][lane] > maxScore[j] { maxScore[j] = blockMax[j][lane] }
                        let inv = 1 / Kernels.expShifted(row, count: length, shift: maxScore[j])
                        for i in 0..<length { row[i] *= inv }
                    }
                    if hd == 64 {
                        for j in 0..<4 * group { acc[j] = SIMD16() }
                        p = 0
                        while p < length {
                            let r = t.cache.run(l, from: p)
                            let count = min(r.count, length - p)
                            var i = 0
                            while i < count {
                                let n = min(32, count - i)
                                for j in 0..<group {
                                    let a = acc + 4 * j
                                    Kernels.weightedSum64(sc + j * ctx + p + i, r.values + i * kvDim + kvOffset, stride: kvDim, count: n,
                                                          into: &a[0], &a[1], &a[2], &a[3])
                                }
                                i += n
                            }
                            p += count
                        }
                        for j in 0..<group {
                            let o = UnsafeMutableRawPointer(out + j * hd)
                            for part in 0..<4 { o.storeBytes(of: acc[4 * j + part], toByteOffset: 64 * part, as: SIMD16<Float>.self) }
                        }
                    } else {
                        out.initialize(repeating: 0, count: group * hd)
                        p = 0
                        while p < length {
                            let r = t.cache.run(l, from: p)
                            let count = min(r.count, length - p)
                            for j in 0..<group {
                                for i in 0..<count {
                                    Kernels.axpy(sc[j * ctx + p + i], r.values + i * kvDim + kvOffset, into: out + j * hd, count: hd)
                                }
                            }
                            p += count
                        }
                    }
                }
            }
            }
        }
    }

    private func quantizeIfNeeded(_ src: UnsafePointer<Float>, _ dst: QuantizedActivations, rows: Int) -> QuantizedActivations? {
        guard precision == .int8 else { return nil }
        dst.quantize(src, rows: rows, pool: pool)
        return dst
    }
}

import ArgumentParser
import Foundation
import Inference

/// `pantry llm bench`: prompt-processing and decoding throughput, batched decoding and peak
/// memory, optionally side by side with llama-cpp-python.
struct LLMBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure prompt and decode throughput (and llama.cpp's, when llama_cpp is importable).")

    @Argument(help: "Path of the GGUF model file.")
    var model: String

    @Option(help: "Tokens decoded per decode measurement.")
    var decodeTokens: Int = 64

    @Option(help: "Sequences decoded together in the batched measurement.")
    var batch: Int = 16

    @Option(help: "Python interpreter used to run llama-cpp-python (skipped when it cannot import llama_cpp).")
    var python: String = ProcessInfo.processInfo.environment["PANTRY_LLAMA_PYTHON"] ?? "python3"

    @Flag(help: "Skip the llama-cpp-python comparison.")
    var noReference = false

    @Option(help: "Only run these parts (comma separated: pp,decode,batch).")
    var only: String?

    @Flag(help: "Measure the raw matrix kernels instead.")
    var kernels = false

    func run() throws {
        if kernels {
            for threads in [1, 2] {
                let engine = try LLMEngine(modelPath: model, threads: threads)
                for b in [1, 16] {
                    for (name, gbps) in engine.kernelThroughput(batch: b) {
                        print(String(format: "%d thr  %@  %.2f GB/s of weights", threads, name, gbps))
                    }
                }
            }
            return
        }
        let parts = Set((only ?? "pp,decode,batch").split(separator: ",").map(String.init))
        var rows: [(String, String)] = []
        func report(_ name: String, _ value: String) {
            rows.append((name, value))
            writeStdout(String(format: "%-34@ %@\n", name as NSString, value as NSString))
        }
        let filler = "The quick brown fox jumps over the lazy dog while the recommender ranks every item. "
        for threads in [1, 2] {
            let engine = try LLMEngine(modelPath: model, threads: threads)
            let words = engine.tokenize(String(repeating: filler, count: 40))
            if parts.contains("pp") && threads == 1 || parts.contains("pp") && threads == 2 {
                for n in [128, 512] {
                    let tokens = Array(words.prefix(n))
                    _ = try engine.logits(tokens: Array(tokens.prefix(16))) // warm up
                    let t = try measure { _ = try engine.logits(tokens: tokens) }
                    report("prompt \(n) tok, \(threads) thread(s)", String(format: "%.1f tok/s", Double(n) / t))
                }
            }
            if parts.contains("decode") {
                let cache = engine.makeCache()
                _ = try engine.evaluate(Array(words.prefix(8)), cache: cache)
                var token = words[8]
                let t = try measure {
                    for _ in 0..<decodeTokens {
                        let logits = try engine.evaluate([token], cache: cache)[0]
                        token = logits.indices.max { logits[$0] < logits[$1] }!
                    }
                }
                report("decode, \(threads) thread(s)", String(format: "%.1f tok/s", Double(decodeTokens) / t))
            }
            if parts.contains("batch") && threads == ProcessInfo.processInfo.activeProcessorCount {
                let n = batch
                let prompt = Array(words.prefix(8))
                let prefix = try engine.prefill(prompt)
                let caches = (0..<n).map { _ in KVCache(parent: prefix.cache) }
                var tokens = (0..<n).map { words[8 + $0] }
                let steps = max(8, decodeTokens / 2)
                let t = try measure {
                    for _ in 0..<steps {
                        let rows = try engine.decodeStep(tokens: tokens, caches: caches)
                        tokens = rows.map { r in r.indices.max { r[$0] < r[$1] }! }
                    }
                }
                let single = try measure {
                    let cache = KVCache(parent: prefix.cache)
                    var tok = words[8]
                    for _ in 0..<steps {
                        let r = try engine.decodeStep(tokens: [tok], caches: [cache])[0]
                        tok = r.indices.max { r[$0] < r[$1] }!
                    }
                }
                report("batched decode \(n) seqs, \(threads) thr", String(format: "%.1f tok/s (single %.1f tok/s, ×%.1f)",
                    Double(n * steps) / t, Double(steps) / single, Double(n * steps) / t / (Double(steps) / single)))
            }
        }
        report("peak RSS (VmHWM)", ProcessMemory.mebibytes(ProcessMemory.peakResidentBytes))
        FileHandle.standardOutput.synchronizeFile()
        if !noReference { runReference() }
    }

    private func measure(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs the same measurements with llama-cpp-python in a child process.
    private func runReference() {
        let script = """
        import sys, time, resource
        try:
            from llama_cpp import Llama
        except Exception:
            print("llama_cpp not importable; skipping reference"); sys.exit(0)
        M = sys.argv[1]; N = int(sys.argv[2])
        filler = "The quick brown fox jumps over the lazy dog while the recommender ranks every item. " * 40
        for th in (1, 2):
            llm = Llama(model_path=M, n_ctx=1024, n_batch=512, n_threads=th, n_threads_batch=th, verbose=False)
            words = llm.tokenize(filler.encode(), add_bos=False)
            for n in (128, 512):
                llm.reset(); llm.eval(words[:16]); llm.reset()
                t = time.perf_counter(); llm.eval(words[:n]); dt = time.perf_counter() - t
                print(f"llama.cpp prompt {n} tok, {th} thread(s)  {n/dt:.1f} tok/s")
            llm.reset(); llm.eval(words[:8]); tok = words[8]
            t = time.perf_counter()
            for _ in range(N):
                llm.eval([tok]); tok = int(llm.scores[llm.n_tokens - 1].argmax())
            dt = time.perf_counter() - t
            print(f"llama.cpp decode, {th} thread(s)  {N/dt:.1f} tok/s")
        print(f"llama.cpp peak RSS  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.1f} MiB")
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", script, model, String(decodeTokens)]
        do {
            try p.run()
            p.waitUntilExit()
        } catch {
            print("reference: cannot run \(python): \(error)")
        }
    }
}

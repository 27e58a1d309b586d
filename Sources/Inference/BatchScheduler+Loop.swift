import Foundation

extension BatchScheduler {
    /// The scheduler thread: admit, batch, run, sample, retire — until shut down.
    func loop() {
        var idle = true
        while true {
            var (active, freed, stopped) = admit()
            if idle, !active.isEmpty, !stopped, configuration.admissionWindow > .zero {
                // Work arrives after a pause: give requests sent together (one caller's several
                // prompts) a moment to arrive, so that their prompts share the first step.
                Thread.sleep(forTimeInterval: configuration.admissionWindow.seconds)
                let more: [CheckedContinuation<Void, Never>]
                (active, more, stopped) = admit()
                freed += more
            }
            idle = active.isEmpty
            for w in freed { w.resume() }
            if stopped {
                // Between steps, so nothing else touches these requests any more.
                for r in active { r.continuation.resume(throwing: InferenceError.cancelled) }
                return
            }
            if active.isEmpty {
                wakeup.wait { state.withLock { $0.waiting.isEmpty && !$0.stopped } }
                continue
            }
            step(active)
        }
    }

    /// Moves waiting requests into free slots; returns the active set and queue waiters to wake.
    /// Once stopped, it hands back (and forgets) the requests still active, for cancelling.
    private func admit() -> ([Request], [CheckedContinuation<Void, Never>], Bool) {
        state.withLock { s in
            if s.stopped {
                defer { s.active.removeAll() }
                return (s.active, [], true)
            }
            while s.active.count < configuration.maxActive, !s.waiting.isEmpty {
                s.active.append(s.waiting.removeFirst())
            }
            var freed: [CheckedContinuation<Void, Never>] = []
            while s.waiting.count < configuration.maxQueued, !s.slotWaiters.isEmpty {
                freed.append(s.slotWaiters.removeFirst())
            }
            return (s.active, freed, false)
        }
    }

    /// One batched forward step over every active request.
    private func step(_ active: [Request]) {
        let now = ContinuousClock.now
        var finished: [(Request, Result<GenerationResult, any Error>)] = []
        var batch: [BatchToken] = []
        var owners: [(request: Request, remembers: Bool)] = [] // request of each logits row, in batch order
        for r in active {
            if let d = r.deadline, now > d {
                finished.append((r, .failure(InferenceError.deadlineExceeded)))
                continue
            }
            if r.consumed < r.prompt.count {
                // Prefill a chunk of the prompt, ending at the shared prefix to remember if it is
                // in reach; logits only after the prompt's (or the shared prefix's) last token.
                var end = min(r.prompt.count, r.consumed + configuration.prefillChunk)
                if r.rememberAt > r.consumed { end = min(end, r.rememberAt) }
                for i in r.consumed..<end {
                    batch.append(BatchToken(cache: r.cache, position: r.cache.count + (i - r.consumed), token: r.prompt[i],
                                            wantsLogits: i == r.prompt.count - 1 || i == r.rememberAt - 1))
                }
                if end == r.rememberAt { owners.append((r, true)) }
                if end == r.prompt.count { owners.append((r, false)) }
                r.consumed = end
            } else if let t = r.nextToken {
                if r.cache.count + 1 > min(engine.config.contextLength, r.cache.capacityLimit) {
                    r.session.finish = .contextFull
                    finished.append((r, .success(r.session.result)))
                    continue
                }
                batch.append(BatchToken(cache: r.cache, position: r.cache.count, token: t, wantsLogits: true))
                owners.append((r, false))
            } else if r.readyLogits != nil {
                owners.append((r, false)) // whole prompt was cached: sample from the stored logits
            }
        }
        var rows: [[Float]] = []
        do {
            if !batch.isEmpty { rows = try engine.run(batch) }
        } catch {
            for r in active where !finished.contains(where: { $0.0 === r }) { finished.append((r, .failure(error))) }
            retire(finished)
            return
        }
        var rowIndex = 0
        for (r, remembers) in owners {
            if remembers {
                // The shared prefix is complete: remember it, and go on in a fork of its cache.
                engine.prefixes.insert(PrefixState(tokens: Array(r.prompt[..<r.rememberAt]), cache: r.cache, lastLogits: rows[rowIndex]))
                r.cache = KVCache(parent: r.cache)
                r.rememberAt = 0
                rowIndex += 1
                continue
            }
            let logits: [Float]
            if let ready = r.readyLogits, r.nextToken == nil, r.session.tokens.isEmpty, batch.allSatisfy({ $0.cache !== r.cache }) {
                logits = ready
                r.readyLogits = nil
            } else {
                logits = rows[rowIndex]
                rowIndex += 1
            }
            let token = logits.withUnsafeBufferPointer { r.session.sampler.sample($0) }
            let (piece, done) = r.session.accept(token)
            if let onToken = r.onToken, !piece.isEmpty || done == nil { onToken(GeneratedToken(token: token, text: piece)) }
            if done != nil {
                finished.append((r, .success(r.session.result)))
            } else {
                r.nextToken = token
            }
        }
        retire(finished)
    }

    private func retire(_ finished: [(Request, Result<GenerationResult, any Error>)]) {
        guard !finished.isEmpty else { return }
        state.withLock { s in s.active.removeAll { r in finished.contains { $0.0 === r } } }
        for (r, result) in finished { r.continuation.resume(with: result) }
    }
}

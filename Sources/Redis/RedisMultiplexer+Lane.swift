import NIOCore
import NIOPosix

extension RedisMultiplexer {
    /// One non-blocking connection on one event loop: carries out what its
    /// `RedisLaneStateMachine` decides, and feeds it the events of the channel and the clock.
    ///
    /// Every stored property is read and written only on `eventLoop`, which is what makes the
    /// class safe to share without locks.
    final class Lane: @unchecked Sendable {
        typealias Caller = UnsafeContinuation<[RedisReply], any Error>
        typealias Machine = RedisLaneStateMachine<Caller, any Channel>

        let configuration: RedisConfiguration
        let eventLoop: any EventLoop
        private var machine: Machine
        /// Channels written to during this event-loop tick, flushed once at its end.
        private var unflushed: [any Channel] = []
        /// One timer, set to the machine's earliest deadline (not one per request).
        private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?

        init(configuration: RedisConfiguration, eventLoop: any EventLoop) {
            self.configuration = configuration
            self.eventLoop = eventLoop
            machine = Machine(address: "\(configuration.host):\(configuration.port)",
                              connectTimeout: .clampedSeconds(configuration.connectTimeout),
                              commandTimeout: .clampedSeconds(configuration.commandTimeout))
        }

        // MARK: Events (on the event loop)

        func submit(_ caller: Caller, wire: [UInt8], count: Int) {
            run(machine.submit(caller, wire: wire, count: count, now: .now()))
        }

        func received(_ reply: RedisReply, generation: Machine.Generation) {
            run(machine.received(reply, on: generation))
        }

        func failed(_ error: RedisError, generation: Machine.Generation) {
            run(machine.connectionFailed(generation, error))
        }

        func shutDown() {
            run(machine.shutDown())
        }

        // MARK: Actions

        private func run(_ actions: [Machine.Action]) {
            for action in actions {
                switch action {
                case .connect(let generation):
                    connect(generation)
                case .write(let wires, let channel):
                    for wire in wires { channel.write(channel.allocator.buffer(bytes: wire), promise: nil) }
                    scheduleFlush(channel)
                case .resume(let caller, let replies):
                    caller.resume(returning: replies)
                case .fail(let callers, let error):
                    for caller in callers { caller.resume(throwing: error) }
                case .close(let channel):
                    channel.close(promise: nil)
                }
            }
            rescheduleTimer()
        }

        private func connect(_ generation: Machine.Generation) {
            let bootstrap = ClientBootstrap(group: eventLoop)
                .connectTimeout(.clampedSeconds(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RedisReplyDecoder(lane: self, generation: generation))
                    }
                }
            bootstrap.connect(host: configuration.host, port: configuration.port).hop(to: eventLoop).whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    run(machine.connected(generation, channel, handshake: handshake, now: .now()))
                case .failure(let error):
                    // NIO wraps the socket error in a list of attempts: report the first one plainly.
                    let cause = (error as? NIOConnectionError)?.connectionErrors.first.map { "\($0.error)" } ?? "\(error)"
                    run(machine.connectFailed(generation, RedisError(.connection,
                        "cannot connect to \(configuration.host):\(configuration.port): \(cause)")))
                }
            }
        }

        private var handshake: [RedisCommand] {
            var commands: [RedisCommand] = []
            if let password = configuration.password {
                commands.append(configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password))
            }
            if configuration.database != 0 { commands.append(RedisCommand("SELECT", configuration.database)) }
            return commands
        }

        /// One flush per channel for everything written during this event-loop tick.
        private func scheduleFlush(_ channel: any Channel) {
            guard !unflushed.contains(where: { $0 === channel }) else { return }
            unflushed.append(channel)
            guard unflushed.count == 1 else { return }
            eventLoop.execute { [self] in
                let channels = unflushed
                unflushed = []
                for channel in channels { channel.flush() }
            }
        }

        /// Keeps a timer no later than the machine's earliest deadline. A timer that fires
        /// early (its caller was answered meanwhile) only ticks and re-arms: cheaper than
        /// rescheduling on every reply.
        private func rescheduleTimer() {
            guard let next = machine.nextDeadline else { return }
            if let timer, timer.deadline <= next { return }
            timer?.task.cancel()
            let task = eventLoop.scheduleTask(deadline: next) { [self] in
                timer = nil
                run(machine.tick(now: .now()))
            }
            timer = (next, task)
        }
    }
}

extension TimeAmount {
    /// Seconds from a setting, clamped to [1 ms, 1 day] (NaN counts as a day): never a trap.
    static func clampedSeconds(_ seconds: Double) -> TimeAmount {
        let clamped = seconds.isNaN ? 86_400 : min(max(seconds, 0.001), 86_400)
        return .nanoseconds(Int64(clamped * 1e9))
    }
}

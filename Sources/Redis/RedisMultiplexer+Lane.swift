import DequeModule
import NIOCore
import NIOPosix

extension RedisMultiplexer {
    /// One non-blocking connection on one event loop, and the callers waiting on it.
    ///
    /// Every stored property is read and written only on `eventLoop`, which is what makes the
    /// class safe to share without locks.
    final class Lane: @unchecked Sendable {
        /// A caller (or a connection handshake step) waiting for `count` replies, in order.
        struct Waiter {
            enum Completion {
                case caller(UnsafeContinuation<[RedisReply], any Error>)
                /// AUTH or SELECT sent when connecting: an error reply fails the connection.
                case handshake(String)
            }

            /// The commands' bytes, dropped once written.
            var wire: [UInt8]
            let count: Int
            let completion: Completion
            var replies: [RedisReply] = []
            var deadline = NIODeadline.distantFuture

            init(wire: [UInt8], count: Int, continuation: UnsafeContinuation<[RedisReply], any Error>) {
                self.wire = wire
                self.count = count
                completion = .caller(continuation)
            }

            init(handshake command: RedisCommand) {
                wire = command.wire
                count = 1
                completion = .handshake(command.name)
            }

            func fail(_ error: RedisError) {
                if case .caller(let continuation) = completion { continuation.resume(throwing: error) }
            }
        }

        private enum State {
            case idle
            case connecting(queued: [Waiter])
            case connected(any Channel)
            case closed
        }

        let configuration: RedisConfiguration
        let eventLoop: any EventLoop
        private var state = State.idle
        /// Written, waiting for replies, oldest first.
        private var inFlight = Deque<Waiter>()
        private var flushScheduled = false
        private var timeoutCheck: Scheduled<Void>?

        init(configuration: RedisConfiguration, eventLoop: any EventLoop) {
            self.configuration = configuration
            self.eventLoop = eventLoop
        }

        private var address: String { "\(configuration.host):\(configuration.port)" }

        // MARK: Sending

        func submit(_ waiter: Waiter) {
            switch state {
            case .connected(let channel):
                write(waiter, to: channel)
            case .connecting(var queued):
                queued.append(waiter)
                state = .connecting(queued: queued)
            case .idle:
                state = .connecting(queued: [waiter])
                connect()
            case .closed:
                waiter.fail(RedisError(.connection, "multiplexer closed"))
            }
        }

        private func write(_ waiter: Waiter, to channel: any Channel) {
            var waiter = waiter
            channel.write(channel.allocator.buffer(bytes: waiter.wire), promise: nil)
            waiter.wire = []
            waiter.deadline = .now() + .milliseconds(Int64(configuration.commandTimeout * 1_000))
            inFlight.append(waiter)
            scheduleTimeoutCheck()
            // One flush for everything written during this event-loop tick.
            guard !flushScheduled else { return }
            flushScheduled = true
            eventLoop.execute { [self] in
                flushScheduled = false
                channel.flush()
            }
        }

        private func connect() {
            let bootstrap = ClientBootstrap(group: eventLoop)
                .connectTimeout(.milliseconds(Int64(configuration.connectTimeout * 1_000)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RedisReplyDecoder(lane: self))
                    }
                }
            bootstrap.connect(host: configuration.host, port: configuration.port).hop(to: eventLoop).whenComplete { [self] result in
                guard case .connecting(let queued) = state else {
                    if case .success(let channel) = result { channel.close(promise: nil) }  // closed meanwhile
                    return
                }
                switch result {
                case .success(let channel):
                    state = .connected(channel)
                    if let password = configuration.password {
                        let auth = configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password)
                        write(Waiter(handshake: auth), to: channel)
                    }
                    if configuration.database != 0 {
                        write(Waiter(handshake: RedisCommand("SELECT", configuration.database)), to: channel)
                    }
                    for waiter in queued { write(waiter, to: channel) }
                case .failure(let error):
                    state = .idle
                    // NIO wraps the socket error in a list of attempts: report the first one plainly.
                    let cause = (error as? NIOConnectionError)?.connectionErrors.first.map { "\($0.error)" } ?? "\(error)"
                    let failure = RedisError(.connection, "cannot connect to \(address): \(cause)")
                    for waiter in queued { waiter.fail(failure) }
                }
            }
        }

        // MARK: Receiving

        /// The next reply from the server, for the oldest waiter.
        func received(_ reply: RedisReply, on channel: any Channel) {
            guard case .connected(let current) = state, current === channel else { return }
            guard !inFlight.isEmpty else {
                return fail(RedisError(.unexpectedReply, "\(address) sent a reply nobody asked for"))
            }
            inFlight[inFlight.startIndex].replies.append(reply)
            guard inFlight[inFlight.startIndex].replies.count == inFlight[inFlight.startIndex].count else { return }
            let waiter = inFlight.removeFirst()
            switch waiter.completion {
            case .caller(let continuation):
                continuation.resume(returning: waiter.replies)
            case .handshake(let command):
                if case .error(let message) = reply {
                    fail(RedisError(.connection, "cannot connect to \(address): \(message)", command: command))
                }
            }
        }

        /// The connection closed (server gone, or we closed it).
        func closed(_ channel: any Channel) {
            guard case .connected(let current) = state, current === channel else { return }
            fail(RedisError(.connection, "\(address) closed the connection"))
        }

        /// Fails every waiting caller and drops the connection; the next caller reconnects.
        func fail(_ error: RedisError) {
            // State first: closing the channel re-enters `closed(_:)`, which must find nothing to do.
            let channel: (any Channel)?
            if case .connected(let current) = state { channel = current } else { channel = nil }
            if case .closed = state {} else { state = .idle }
            timeoutCheck?.cancel()
            timeoutCheck = nil
            let waiting = inFlight
            inFlight.removeAll()
            for waiter in waiting { waiter.fail(error) }
            channel?.close(promise: nil)
        }

        func shutDown() {
            let queued: [Waiter]
            if case .connecting(let waiting) = state { queued = waiting } else { queued = [] }
            fail(RedisError(.connection, "multiplexer closed"))
            state = .closed
            for waiter in queued { waiter.fail(RedisError(.connection, "multiplexer closed")) }
        }

        // MARK: Timeouts

        /// One timer for the oldest waiter (not one per request): a server that stops
        /// answering fails its callers after `commandTimeout` instead of hanging them.
        private func scheduleTimeoutCheck() {
            guard timeoutCheck == nil, let oldest = inFlight.first else { return }
            timeoutCheck = eventLoop.scheduleTask(deadline: oldest.deadline) { [self] in
                timeoutCheck = nil
                guard let oldest = inFlight.first else { return }
                if oldest.deadline <= .now() {
                    fail(RedisError(.connection, "\(address): no reply within \(configuration.commandTimeout) s"))
                } else {
                    scheduleTimeoutCheck()
                }
            }
        }
    }
}

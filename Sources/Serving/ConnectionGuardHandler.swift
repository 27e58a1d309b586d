import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Enforces `ConnectionDeadlines` on one HTTP/1 connection (slow clients, keep-alive idle
/// time, bounded drain on graceful shutdown).
///
/// Sits after the HTTP codec (it sees request and response parts) and installs a
/// `FirstByteObserver` at the front of the pipeline, because the head deadline starts at the
/// request's first raw byte, before any HTTP part exists. Everything runs on the channel's
/// event loop; the per-request cost is a few enum switches and one timer re-arm.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: ConnectionDeadlines
    /// One repeating check per connection, every `tick`, compared against `wanted`: arming
    /// or cancelling a deadline is then a plain assignment, so requests on a busy keep-alive
    /// connection cost no timer scheduling or cancelling at all (a cancel is a linear search
    /// of the event loop's timer queue). Deadlines are thus kept to within one `tick`.
    private var timer: Scheduled<Void>?
    private var wanted: NIODeadline?
    private let tick: TimeAmount
    private var context: ChannelHandlerContext?

    init(limits: ConnectionDeadlines.Limits) {
        deadlines = ConnectionDeadlines(limits: limits)
        let shortest = min(limits.idle, limits.head, limits.body, limits.shutdownGrace)
        tick = max(.milliseconds(10), min(.seconds(1), .nanoseconds(shortest.nanoseconds / 4)))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        try? context.pipeline.syncOperations.addHandler(FirstByteObserver(guard: self), position: .first)
        if context.channel.isActive { perform(deadlines.opened(now: .now()), context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        wanted = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(deadlines.opened(now: .now()), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(deadlines.closed(), context: context)
        context.fireChannelInactive()
    }

    /// Called by the front observer, on this event loop, for every raw read.
    fileprivate func bytesReceived() {
        guard let context else { return }
        perform(deadlines.bytesReceived(now: .now()), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: perform(deadlines.headReceived(now: .now()), context: context)
        case .body: break
        case .end: perform(deadlines.requestEnded(now: .now()), context: context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where deadlines.draining:
            // Tell the client not to reuse this connection: the server is going away.
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            context.write(data, promise: promise)
            perform(deadlines.responseEnded(now: .now()), context: context)
        default:
            context.write(data, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            perform(deadlines.drainStarted(now: .now()), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func perform(_ action: ConnectionDeadlines.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .cancelTimer:
            wanted = nil
        case .arm(let deadline):
            wanted = deadline
            if timer == nil { scheduleCheck(context: context) }
        case .close(let requestTimeout):
            timer?.cancel()
            timer = nil
            wanted = nil
            if requestTimeout {
                let head = HTTPResponse(status: .requestTimeout, headerFields: [.connection: "close", .contentLength: "0"])
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                context.flush()
            }
            context.close(promise: nil)
        }
    }

    private func scheduleCheck(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: tick) { [weak self] () -> Void in
            self?.check()
        }
    }

    /// The periodic check: acts on a passed deadline, otherwise looks again one tick later.
    private func check() {
        timer = nil
        guard let context else { return }
        if let wanted, NIODeadline.now() >= wanted {
            let action = deadlines.timerFired(now: .now())
            if case .close = action, !deadlines.draining { ServerMetrics.connectionTimeouts.increment() }
            perform(action, context: context)
        }
        if timer == nil && deadlines.phase != .closed { scheduleCheck(context: context) }
    }
}

/// Reports each raw read to the connection's guard; passes the bytes on untouched.
private final class FirstByteObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connectionGuard: ConnectionGuardHandler

    init(guard connectionGuard: ConnectionGuardHandler) { self.connectionGuard = connectionGuard }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connectionGuard.bytesReceived()
        context.fireChannelRead(data)
    }
}

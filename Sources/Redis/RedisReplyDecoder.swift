import CHiredis
import NIOCore

/// The inbound end of a multiplexed connection: bytes from the socket go through hiredis'
/// reply parser (`redisReader`), and each complete reply goes to the lane, in order.
final class RedisReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let lane: RedisMultiplexer.Lane
    private let reader: UnsafeMutablePointer<redisReader>

    init(lane: RedisMultiplexer.Lane) {
        self.lane = lane
        self.reader = redisReaderCreate()
    }

    deinit { redisReaderFree(reader) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let fed = buffer.withUnsafeReadableBytes { raw in
            redisReaderFeed(reader, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard fed == REDIS_OK else { return protocolError(context) }
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else { return protocolError(context) }
            guard let raw else { return }
            let reply = RedisReply(raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            lane.received(reply, on: context.channel)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lane.closed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lane.fail(RedisError(.connection, "\(lane.configuration.host):\(lane.configuration.port): \(error)"))
        context.close(promise: nil)
    }

    private func protocolError(_ context: ChannelHandlerContext) {
        let message = withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        lane.fail(RedisError(.unexpectedReply, "unreadable reply from \(lane.configuration.host):\(lane.configuration.port): \(message)"))
        context.close(promise: nil)
    }
}

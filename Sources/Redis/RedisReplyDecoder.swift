import CHiredis
import NIOCore

/// The inbound end of a multiplexed connection: bytes from the socket go through hiredis'
/// reply parser (`redisReader`), and each complete reply goes to the lane, in order, tagged
/// with the connection's generation (so a lane ignores a channel it has already replaced).
final class RedisReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let lane: RedisMultiplexer.Lane
    private let generation: Int
    private let reader: UnsafeMutablePointer<redisReader>

    init(lane: RedisMultiplexer.Lane, generation: Int) {
        self.lane = lane
        self.generation = generation
        self.reader = redisReaderCreate()
    }

    deinit { redisReaderFree(reader) }

    private var address: String { "\(lane.configuration.host):\(lane.configuration.port)" }

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
            lane.received(reply, generation: generation)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lane.failed(RedisError(.connection, "\(address) closed the connection"), generation: generation)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lane.failed(RedisError(.connection, "\(address): \(error)"), generation: generation)
        context.close(promise: nil)
    }

    private func protocolError(_ context: ChannelHandlerContext) {
        let message = withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        lane.failed(RedisError(.unexpectedReply, "unreadable reply from \(address): \(message)"), generation: generation)
        context.close(promise: nil)
    }
}

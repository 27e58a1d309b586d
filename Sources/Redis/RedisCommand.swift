/// A command ready to send: its arguments already encoded in the RESP wire format.
///
/// Encoding once, up front, keeps the send path to a single buffer append per command,
/// which is what makes long pipelines cheap.
public struct RedisCommand: Sendable {
    /// The command serialised as a RESP array of bulk strings.
    public private(set) var wire: [UInt8] = []
    /// The command's name, for error messages.
    public let name: String

    public init(_ name: String, _ arguments: [any RedisArgument] = []) {
        self.name = name
        wire.reserveCapacity(32 + arguments.count * 16)
        Self.appendHeader(&wire, count: arguments.count + 1)
        Self.appendBulk(&wire, Array(name.utf8))
        for argument in arguments { argument.appendRedisBulk(to: &wire) }
    }

    /// Convenience: `RedisCommand("HSET", "key", "field", "value")`.
    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments)
    }

    /// Several commands back to back, for one pipelined write.
    public static func wire(of commands: [RedisCommand]) -> [UInt8] {
        var wire: [UInt8] = []
        wire.reserveCapacity(commands.reduce(0) { $0 + $1.wire.count })
        for command in commands { wire.append(contentsOf: command.wire) }
        return wire
    }

    /// Appends a RESP array header (`*count\r\n`), for callers that encode commands by hand.
    public static func appendHeader(_ buffer: inout [UInt8], count: Int) {
        buffer.append(UInt8(ascii: "*"))
        appendDecimal(&buffer, count)
        buffer.append(13); buffer.append(10)
    }

    /// Appends a RESP bulk string (`$length\r\nbytes\r\n`).
    public static func appendBulk<C: Collection<UInt8>>(_ buffer: inout [UInt8], _ bytes: C) {
        buffer.append(UInt8(ascii: "$"))
        appendDecimal(&buffer, bytes.count)
        buffer.append(13); buffer.append(10)
        buffer.append(contentsOf: bytes)
        buffer.append(13); buffer.append(10)
    }

    static func appendDecimal(_ buffer: inout [UInt8], _ value: Int) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // Digits into a fixed scratch buffer, most significant first.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            repeat {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }
}

/// A value usable as a command argument (sent as a bulk string).
public protocol RedisArgument: Sendable {
    func appendRedisBulk(to buffer: inout [UInt8])
}

extension String: RedisArgument {
    public func appendRedisBulk(to buffer: inout [UInt8]) {
        var copy = self
        copy.withUTF8 { RedisCommand.appendBulk(&buffer, $0) }
    }
}

extension Substring: RedisArgument {
    public func appendRedisBulk(to buffer: inout [UInt8]) { String(self).appendRedisBulk(to: &buffer) }
}

extension Array: RedisArgument where Element == UInt8 {
    public func appendRedisBulk(to buffer: inout [UInt8]) { RedisCommand.appendBulk(&buffer, self) }
}

extension Int: RedisArgument {
    public func appendRedisBulk(to buffer: inout [UInt8]) {
        var digits: [UInt8] = []
        RedisCommand.appendDecimal(&digits, self)
        RedisCommand.appendBulk(&buffer, digits)
    }
}

extension Double: RedisArgument {
    public func appendRedisBulk(to buffer: inout [UInt8]) { "\(self)".appendRedisBulk(to: &buffer) }
}

import NIOCore
@testable import Redis
import Testing
import TestSupport

/// The multiplexer lane's logic, driven by hand: no sockets, no clock.
@Suite("Redis lane state machine")
struct RedisLaneStateMachineTests {
    typealias Machine = RedisLaneStateMachine<Int, String>

    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func machine() -> Machine {
        Machine(address: "redis:6379", connectTimeout: .seconds(2), commandTimeout: .seconds(5))
    }

    /// What the actions do to callers, as the lane would: who got replies, who got which error,
    /// which connections were written to and closed.
    struct Outcome {
        var connects: [Int] = []
        var writes: [(String, Int)] = []
        var answered: [Int: [RedisReply]] = [:]
        var failed: [Int: String] = [:]
        var closed: [String] = []

        mutating func apply(_ actions: [Machine.Action]) {
            for action in actions {
                switch action {
                case .connect(let generation): connects.append(generation)
                case .write(let wires, let connection): writes.append((connection, wires.count))
                case .resume(let caller, let replies): answered[caller] = replies
                case .fail(let callers, let error): for caller in callers { failed[caller] = error.message }
                case .close(let connection): closed.append(connection)
                }
            }
        }
    }

    @Test("callers queued behind a connection attempt that hangs are failed at their deadline")
    func queuedCallersHaveDeadlines() {
        var lane = machine()
        var outcome = Outcome()
        outcome.apply(lane.submit(1, wire: [1], count: 1, now: start))
        outcome.apply(lane.submit(2, wire: [2], count: 1, now: start + .seconds(3)))
        #expect(outcome.connects == [1], "one connection attempt for both")
        #expect(lane.nextDeadline == start + .seconds(7))
        outcome.apply(lane.tick(now: start + .seconds(6)))
        #expect(outcome.failed.isEmpty)
        outcome.apply(lane.tick(now: start + .seconds(7)))
        #expect(outcome.failed[1]?.contains("no connection within 2.0 s") == true)
        #expect(outcome.failed[2] == nil, "the later caller keeps its own deadline")
        #expect(lane.nextDeadline == start + .seconds(10))
        outcome.apply(lane.tick(now: start + .seconds(10)))
        #expect(outcome.failed[2] != nil)
        #expect(lane.nextDeadline == nil)
    }

    @Test("a failed connection attempt fails every queued caller; the next caller tries again")
    func connectFailureFailsQueue() {
        var lane = machine()
        var outcome = Outcome()
        outcome.apply(lane.submit(1, wire: [1], count: 1, now: start))
        outcome.apply(lane.submit(2, wire: [2], count: 1, now: start))
        // A channel error while connecting is not the attempt's result: the queue stays.
        outcome.apply(lane.connectionFailed(1, RedisError(.connection, "stray")))
        #expect(outcome.failed.isEmpty)
        outcome.apply(lane.connectFailed(1, RedisError(.connection, "refused")))
        #expect(outcome.failed == [1: "refused", 2: "refused"])
        outcome.apply(lane.submit(3, wire: [3], count: 1, now: start))
        #expect(outcome.connects == [1, 2])
        outcome.apply(lane.connected(2, "c2", handshake: [], now: start))
        #expect(outcome.writes.map(\.0) == ["c2"])
        outcome.apply(lane.received(.integer(7), on: 2))
        #expect(outcome.answered[3] == [.integer(7)])
    }

    @Test("replies go to callers in order, each caller getting as many as it sent commands")
    func repliesInOrder() {
        var lane = machine()
        var outcome = Outcome()
        outcome.apply(lane.submit(1, wire: [1], count: 2, now: start))
        outcome.apply(lane.connected(1, "c1", handshake: [RedisCommand("AUTH", "pw")], now: start))
        #expect(outcome.writes.count == 1 && outcome.writes[0].1 == 2, "handshake and queued commands in one write")
        outcome.apply(lane.submit(2, wire: [2], count: 1, now: start))
        outcome.apply(lane.received(.status("OK"), on: 1))
        outcome.apply(lane.received(.integer(1), on: 1))
        #expect(outcome.answered.isEmpty)
        outcome.apply(lane.received(.integer(2), on: 1))
        outcome.apply(lane.received(.integer(3), on: 1))
        #expect(outcome.answered == [1: [.integer(1), .integer(2)], 2: [.integer(3)]])
    }

    @Test("events of a replaced connection change nothing")
    func staleGenerationsIgnored() {
        var lane = machine()
        var outcome = Outcome()
        outcome.apply(lane.submit(1, wire: [1], count: 1, now: start))
        outcome.apply(lane.connected(1, "c1", handshake: [], now: start))
        outcome.apply(lane.connectionFailed(1, RedisError(.connection, "reset")))
        #expect(outcome.failed[1] == "reset")
        #expect(outcome.closed == ["c1"])
        outcome.apply(lane.submit(2, wire: [2], count: 1, now: start))
        outcome.apply(lane.connected(2, "c2", handshake: [], now: start))
        // The old channel's late error and late reply arrive after the new one is in use.
        outcome.apply(lane.connectionFailed(1, RedisError(.connection, "late close")))
        outcome.apply(lane.received(.integer(99), on: 1))
        #expect(outcome.failed[2] == nil)
        #expect(outcome.answered[2] == nil)
        outcome.apply(lane.received(.integer(2), on: 2))
        #expect(outcome.answered[2] == [.integer(2)])
        #expect(outcome.closed == ["c1"])
    }

    @Test("an error reply to AUTH, or a reply nobody asked for, fails the connection and its callers")
    func handshakeAndUnexpectedReplies() {
        var lane = machine()
        var outcome = Outcome()
        outcome.apply(lane.submit(1, wire: [1], count: 1, now: start))
        outcome.apply(lane.connected(1, "c1", handshake: [RedisCommand("AUTH", "pw")], now: start))
        outcome.apply(lane.received(.error("WRONGPASS invalid password"), on: 1))
        #expect(outcome.failed[1]?.contains("WRONGPASS") == true)
        #expect(outcome.closed == ["c1"])

        outcome.apply(lane.submit(2, wire: [2], count: 1, now: start))
        outcome.apply(lane.connected(2, "c2", handshake: [], now: start))
        outcome.apply(lane.received(.integer(1), on: 2))
        outcome.apply(lane.received(.integer(2), on: 2))
        #expect(outcome.answered[2] == [.integer(1)])
        #expect(outcome.closed == ["c1", "c2"], "an unasked-for reply means the stream is out of step")
    }

    @Test("when the oldest written caller is late, everyone on the connection fails and it closes")
    func commandDeadline() {
        var lane = machine()
        var outcome = Outcome()
        outcome.apply(lane.submit(1, wire: [1], count: 1, now: start))
        outcome.apply(lane.connected(1, "c1", handshake: [], now: start))
        outcome.apply(lane.submit(2, wire: [2], count: 1, now: start + .seconds(1)))
        #expect(lane.nextDeadline == start + .seconds(5))
        outcome.apply(lane.tick(now: start + .seconds(4)))
        #expect(outcome.failed.isEmpty)
        outcome.apply(lane.tick(now: start + .seconds(5)))
        #expect(outcome.failed.keys.sorted() == [1, 2])
        #expect(outcome.failed[1]?.contains("no reply within 5.0 s") == true)
        #expect(outcome.closed == ["c1"])
        #expect(lane.nextDeadline == nil)
    }

    @Test("shutting down fails everyone, refuses new callers, and closes a connection that opens late")
    func shutDown() {
        var lane = machine()
        var outcome = Outcome()
        outcome.apply(lane.submit(1, wire: [1], count: 1, now: start))
        outcome.apply(lane.shutDown())
        #expect(outcome.failed[1] == "multiplexer closed")
        outcome.apply(lane.connected(1, "late", handshake: [], now: start))
        #expect(outcome.closed == ["late"])
        outcome.apply(lane.submit(2, wire: [2], count: 1, now: start))
        #expect(outcome.failed[2] == "multiplexer closed")
        #expect(outcome.connects == [1])
    }

    @Test("random event sequences: every caller is answered exactly once, never twice, and none is left after shutdown")
    func answeredExactlyOnce() {
        for seed in UInt64(1)...200 {
            var random = SplitMix64(seed: seed)
            var lane = machine()
            var now = start
            var nextCaller = 0
            var answers: [Int: Int] = [:]
            var connects: [Int] = []
            var generationOf: [String: Int] = [:]
            var open: [String] = []
            func apply(_ actions: [Machine.Action]) {
                for action in actions {
                    switch action {
                    case .connect(let generation): connects.append(generation)
                    case .write: break
                    case .resume(let caller, _): answers[caller, default: 0] += 1
                    case .fail(let callers, _): for caller in callers { answers[caller, default: 0] += 1 }
                    case .close(let connection): open.removeAll { $0 == connection }
                    }
                }
            }
            for _ in 0..<60 {
                switch random.next() % 7 {
                case 0, 1:
                    apply(lane.submit(nextCaller, wire: [0], count: Int(random.next() % 3) + 1, now: now))
                    nextCaller += 1
                case 2:
                    if let generation = connects.last {
                        let name = "c\(generation)-\(random.next() % 1000)"
                        generationOf[name] = generation
                        open.append(name)
                        apply(lane.connected(generation, name, handshake: [], now: now))
                    }
                case 3:
                    if let generation = connects.last { apply(lane.received(.integer(1), on: generation - Int(random.next() % 2))) }
                case 4:
                    if let generation = connects.last {
                        apply(random.next() % 2 == 0 ? lane.connectionFailed(generation, RedisError(.connection, "x"))
                                                     : lane.connectFailed(generation, RedisError(.connection, "y")))
                    }
                case 5:
                    now = now + .seconds(Int64(random.next() % 4))
                    apply(lane.tick(now: now))
                default:
                    apply(lane.received(.integer(2), on: connects.last ?? 0))
                }
                #expect(answers.values.allSatisfy { $0 == 1 }, "seed \(seed): a caller answered twice")
            }
            apply(lane.shutDown())
            #expect(answers.count == nextCaller, "seed \(seed): a caller was never answered")
            #expect(answers.values.allSatisfy { $0 == 1 }, "seed \(seed)")
            #expect(lane.nextDeadline == nil)
        }
    }
}

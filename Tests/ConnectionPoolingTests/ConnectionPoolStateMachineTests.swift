@testable import ConnectionPooling
import Testing
import TestSupport

/// The pool's logic, driven by hand: no connections, no clock, no tasks.
@Suite("Connection pool state machine")
struct ConnectionPoolStateMachineTests {
    typealias Machine = ConnectionPoolStateMachine<String, Int>

    let start = ContinuousClock.now

    /// What the actions did: which waiter got which connection, who failed, what closed.
    struct Outcome {
        var lent: [Int: String] = [:]
        var created: [Int: Int] = [:]
        var failed: [Int: String] = [:]
        var closed: [String] = []

        mutating func apply(_ actions: [Machine.Action]) {
            for action in actions {
                switch action {
                case .lend(let connection, let waiter): lent[waiter] = connection
                case .create(let number, let waiter): created[waiter] = number; lent[waiter] = "new\(number)"
                case .close(let connection): closed.append(connection)
                case .fail(let waiters, let error): for waiter in waiters { failed[waiter] = error.description }
                }
            }
        }
    }

    @Test("connections are made lazily up to the limit; then callers wait, first come first served")
    func fifoUpToLimit() {
        var pool = Machine(maxConnections: 2, acquireTimeout: .seconds(1))
        var outcome = Outcome()
        for waiter in 1...4 { outcome.apply(pool.acquire(waiter, now: start)) }
        #expect(outcome.created == [1: 1, 2: 2])
        #expect(pool.opened == 2 && pool.waiterCount == 2)
        outcome.apply(pool.release("new2", reusable: true, now: start))
        outcome.apply(pool.release("new1", reusable: true, now: start))
        #expect(outcome.lent[3] == "new2" && outcome.lent[4] == "new1")
        outcome.apply(pool.release("new2", reusable: true, now: start))
        #expect(pool.idleCount == 1)
        outcome.apply(pool.acquire(5, now: start))
        #expect(outcome.lent[5] == "new2", "an idle connection is reused before a new one is made")
        #expect(pool.opened == 2)
    }

    @Test("a connection returned broken is closed; a waiting caller gets a new one, the count stays right")
    func brokenIsReplaced() {
        var pool = Machine(maxConnections: 1, acquireTimeout: .seconds(1))
        var outcome = Outcome()
        outcome.apply(pool.acquire(1, now: start))
        outcome.apply(pool.acquire(2, now: start))
        outcome.apply(pool.release("new1", reusable: false, now: start))
        #expect(outcome.closed == ["new1"])
        #expect(outcome.lent[2] == "new2", "the waiter gets a fresh connection, not the broken one")
        #expect(pool.opened == 1)
        outcome.apply(pool.release("new2", reusable: false, now: start))
        #expect(outcome.closed == ["new1", "new2"])
        #expect(pool.opened == 0 && pool.idleCount == 0)
        outcome.apply(pool.acquire(3, now: start))
        #expect(outcome.lent[3] == "new3")
    }

    @Test("waiters fail at their own deadline, not before")
    func deadlines() {
        var pool = Machine(maxConnections: 1, acquireTimeout: .seconds(2))
        var outcome = Outcome()
        outcome.apply(pool.acquire(1, now: start))
        outcome.apply(pool.acquire(2, now: start))
        outcome.apply(pool.acquire(3, now: start + .seconds(1)))
        outcome.apply(pool.expire(now: start + .milliseconds(1_999)))
        #expect(outcome.failed.isEmpty)
        outcome.apply(pool.expire(now: start + .seconds(2)))
        #expect(outcome.failed.keys.sorted() == [2])
        #expect(outcome.failed[2]?.contains("all 1 busy") == true)
        outcome.apply(pool.release("new1", reusable: true, now: start + .seconds(2)))
        #expect(outcome.lent[3] == "new1")
        outcome.apply(pool.expire(now: start + .seconds(10)))
        #expect(outcome.failed[3] == nil, "a served waiter is not failed later")
    }

    @Test("a connection that comes back after a waiter's deadline fails that waiter, even before its timer fires")
    func lateReleaseDoesNotServeLateWaiters() {
        var pool = Machine(maxConnections: 1, acquireTimeout: .seconds(2))
        var outcome = Outcome()
        outcome.apply(pool.acquire(1, now: start))
        outcome.apply(pool.acquire(2, now: start))
        outcome.apply(pool.acquire(3, now: start + .seconds(1)))
        outcome.apply(pool.release("new1", reusable: true, now: start + .milliseconds(2_500)))
        #expect(outcome.failed[2]?.contains("all 1 busy") == true)
        #expect(outcome.lent[2] == nil)
        #expect(outcome.lent[3] == "new1", "the next waiter still in time is served")
    }

    @Test("closing fails waiters and closes idle connections; lent ones close when they come back")
    func closing() {
        var pool = Machine(maxConnections: 2, acquireTimeout: .seconds(1))
        var outcome = Outcome()
        outcome.apply(pool.acquire(1, now: start))
        outcome.apply(pool.acquire(2, now: start))
        outcome.apply(pool.release("new2", reusable: true, now: start))
        outcome.apply(pool.acquire(3, now: start))
        outcome.apply(pool.acquire(4, now: start))
        outcome.apply(pool.close())
        #expect(outcome.failed.keys.sorted() == [4])
        #expect(outcome.closed.isEmpty, "both connections are lent out")
        outcome.apply(pool.release("new1", reusable: true, now: start))
        outcome.apply(pool.release("new2", reusable: true, now: start))
        #expect(outcome.closed == ["new1", "new2"])
        #expect(pool.opened == 0)
        outcome.apply(pool.acquire(5, now: start))
        #expect(outcome.failed[5] == "pool closed")
    }

    @Test("random sequences: never more connections than the limit, every waiter answered exactly once")
    func invariants() {
        for seed in UInt64(1)...300 {
            var random = SplitMix64(seed: seed)
            var pool = Machine(maxConnections: 3, acquireTimeout: .seconds(2))
            var now = start
            var answers: [Int: Int] = [:]
            var lentOut: [String] = []
            var nextWaiter = 0
            func apply(_ actions: [Machine.Action]) {
                for action in actions {
                    switch action {
                    case .lend(let connection, let waiter): answers[waiter, default: 0] += 1; lentOut.append(connection)
                    case .create(let number, let waiter): answers[waiter, default: 0] += 1; lentOut.append("c\(number)")
                    case .close: break
                    case .fail(let waiters, _): for waiter in waiters { answers[waiter, default: 0] += 1 }
                    }
                }
            }
            for _ in 0..<80 {
                switch Int.random(in: 0..<4, using: &random) {
                case 0, 1:
                    apply(pool.acquire(nextWaiter, now: now))
                    nextWaiter += 1
                case 2:
                    if !lentOut.isEmpty {
                        let connection = lentOut.remove(at: Int.random(in: 0..<lentOut.count, using: &random))
                        apply(pool.release(connection, reusable: Bool.random(using: &random), now: now))
                    }
                default:
                    now = now + .milliseconds(Int.random(in: 0..<1_500, using: &random))
                    apply(pool.expire(now: now))
                }
                #expect(pool.opened <= 3, "seed \(seed)")
                #expect(pool.opened == lentOut.count + pool.idleCount, "every connection is either lent or idle")
                #expect(answers.values.allSatisfy { $0 == 1 })
            }
            apply(pool.close())
            #expect(answers.count == nextWaiter, "every waiter was answered")
        }
    }
}

@testable import Serving
import NIOCore
import Testing

/// The connection state machine without I/O: which deadline is armed after each event.
@Suite("connection deadlines")
struct ConnectionDeadlinesTests {
    let limits = ConnectionDeadlines.Limits(idle: .seconds(60), head: .seconds(10), body: .seconds(30), shutdownGrace: .seconds(5))
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test("idle, then head and body deadlines from the first byte and the head; none while responding")
    func requestCycle() {
        var machine = ConnectionDeadlines(limits: limits)
        #expect(machine.opened(now: start) == .arm(start + .seconds(60)))
        let firstByte = start + .seconds(3)
        #expect(machine.bytesReceived(now: firstByte) == .arm(firstByte + .seconds(10)))
        // More bytes do not push the head deadline back.
        #expect(machine.bytesReceived(now: firstByte + .seconds(9)) == .none)
        let head = firstByte + .seconds(4)
        #expect(machine.headReceived(now: head) == .arm(head + .seconds(30)))
        #expect(machine.bytesReceived(now: head + .seconds(1)) == .none)
        #expect(machine.requestEnded(now: head + .seconds(2)) == .cancelTimer)
        #expect(machine.timerFired(now: head + .seconds(100)) == .none)
        let done = head + .seconds(5)
        #expect(machine.responseEnded(now: done) == .arm(done + .seconds(60)))
        #expect(machine.phase == .idle)
    }

    @Test("a head that misses its deadline gets 408; a body that misses its deadline only a close")
    func timeouts() {
        var machine = ConnectionDeadlines(limits: limits)
        _ = machine.opened(now: start)
        _ = machine.bytesReceived(now: start)
        #expect(machine.timerFired(now: start + .seconds(10)) == .close(requestTimeout: true))

        var body = ConnectionDeadlines(limits: limits)
        _ = body.opened(now: start)
        _ = body.bytesReceived(now: start)
        _ = body.headReceived(now: start)
        #expect(body.timerFired(now: start + .seconds(30)) == .close(requestTimeout: false))

        var idle = ConnectionDeadlines(limits: limits)
        _ = idle.opened(now: start)
        #expect(idle.timerFired(now: start + .seconds(60)) == .close(requestTimeout: false))
    }

    @Test("an early response (e.g. 401) keeps the body deadline until the body ends")
    func earlyResponse() {
        var machine = ConnectionDeadlines(limits: limits)
        _ = machine.opened(now: start)
        _ = machine.bytesReceived(now: start)
        _ = machine.headReceived(now: start)
        #expect(machine.responseEnded(now: start + .seconds(1)) == .none)
        #expect(machine.phase == .readingBody(responded: true))
        #expect(machine.requestEnded(now: start + .seconds(2)) == .arm(start + .seconds(62)))
    }

    @Test("draining closes idle connections at once and busy ones by the grace deadline")
    func draining() {
        var idle = ConnectionDeadlines(limits: limits)
        _ = idle.opened(now: start)
        #expect(idle.drainStarted(now: start) == .close(requestTimeout: false))

        var busy = ConnectionDeadlines(limits: limits)
        _ = busy.opened(now: start)
        _ = busy.bytesReceived(now: start)
        _ = busy.headReceived(now: start)
        #expect(busy.drainStarted(now: start + .seconds(1)) == .arm(start + .seconds(6)))
        #expect(busy.draining)
        // While responding, the grace deadline still applies.
        #expect(busy.requestEnded(now: start + .seconds(2)) == .arm(start + .seconds(6)))
        #expect(busy.timerFired(now: start + .seconds(6)) == .close(requestTimeout: false))

        var finishing = ConnectionDeadlines(limits: limits)
        _ = finishing.opened(now: start)
        _ = finishing.bytesReceived(now: start)
        _ = finishing.headReceived(now: start)
        _ = finishing.requestEnded(now: start)
        _ = finishing.drainStarted(now: start)
        #expect(finishing.responseEnded(now: start + .seconds(1)) == .close(requestTimeout: false))
    }

    @Test("settings in seconds never trap: zero, negative, NaN and huge values mean a year at most")
    func secondsConversion() {
        let year = TimeAmount.hours(365 * 24)
        #expect(TimeAmount.seconds(fractional: 1.5) == .milliseconds(1_500))
        #expect(TimeAmount.seconds(fractional: 0) == year)
        #expect(TimeAmount.seconds(fractional: -3) == year)
        #expect(TimeAmount.seconds(fractional: .nan) == year)
        #expect(TimeAmount.seconds(fractional: .infinity) == year)
        #expect(TimeAmount.seconds(fractional: 1e300) == year)
    }
}

import Foundation

/// How a scheduler thread sleeps while it has nothing to do and is woken when work arrives.
/// The idle check runs under the condition's lock, so a `signal()` sent after the check cannot
/// be missed; the timeout only bounds a sleep, it is not needed for correctness.
final class Wakeup: @unchecked Sendable {
    private let condition = NSCondition()

    /// Wakes the sleeping thread, if any.
    func signal() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    /// Sleeps while `idle()` holds, until signalled (or half a second has passed).
    func wait(while idle: () -> Bool) {
        condition.lock()
        if idle() { _ = condition.wait(until: Date().addingTimeInterval(0.5)) }
        condition.unlock()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One mutex per slot, for a multi-threaded build: a thread holds a node's lock while it reads
/// or rewrites that node's link lists (as hnswlib's `link_list_locks_`). Only allocated while a
/// parallel build runs.
final class NodeLocks: @unchecked Sendable {
    private let mutexes: UnsafeMutablePointer<pthread_mutex_t>
    private let count: Int
    /// Guards the entry point and top layer.
    let global = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(count: Int) {
        self.count = count
        mutexes = .allocate(capacity: count)
        for i in 0..<count { pthread_mutex_init(mutexes + i, nil) }
        pthread_mutex_init(global, nil)
    }

    deinit {
        for i in 0..<count { pthread_mutex_destroy(mutexes + i) }
        mutexes.deallocate()
        pthread_mutex_destroy(global)
        global.deallocate()
    }

    @inline(__always)
    func withLock<T>(_ slot: UInt32, _ body: () -> T) -> T {
        pthread_mutex_lock(mutexes + Int(slot))
        defer { pthread_mutex_unlock(mutexes + Int(slot)) }
        return body()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many client connections the server accepts at once. Beyond the limit, new connections
/// wait in the listen backlog (or are refused by the kernel once it is full); running out of file
/// descriptors must mean refusing connections, never failing inside the server.
public enum ConnectionLimit {
    /// The configured limit, lowered so that accepted connections plus `reserved` descriptors
    /// (Redis and PostgreSQL pools, the listener, files, logs) fit under `descriptorLimit`.
    /// Never below 1, so a tiny descriptor limit still serves (slowly) instead of not at all.
    public static func effective(configured: Int, descriptorLimit: Int?, reserved: Int) -> Int {
        guard let descriptorLimit else { return max(1, configured) }
        let available = descriptorLimit > reserved ? descriptorLimit - reserved : 1
        return max(1, min(configured, available))
    }

    /// Raises this process's soft RLIMIT_NOFILE to its hard limit (allowed without privileges)
    /// and returns the soft limit now in force, or nil when it cannot be read.
    @discardableResult
    public static func raiseDescriptorLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(descriptorResource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(descriptorResource, &raised) == 0 { limit = raised }
        }
        return Int(exactly: limit.rlim_cur) ?? Int.max
    }

    /// The soft RLIMIT_NOFILE, or nil when it cannot be read.
    public static func descriptorLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(descriptorResource, &limit) == 0 else { return nil }
        return Int(exactly: limit.rlim_cur) ?? Int.max
    }

    #if canImport(Glibc)
    private static let descriptorResource = __rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue))
    #else
    private static let descriptorResource = RLIMIT_NOFILE
    #endif
}

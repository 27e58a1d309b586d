import Redis
import Testing

@Suite("Redis URLs")
struct RedisConfigurationTests {
    @Test("parse errors never echo the password")
    func noPasswordInErrors() {
        for url in ["redis://:hunter2@host:notaport", "redis://user:hunter2@host:1/x", "redis://:hunter2@", "rediss://:hunter2@h", "redis://hunter2@:5"] {
            do { _ = try RedisConfiguration(url: url); Issue.record("\(url) was accepted") } catch {
                #expect(!"\(error)".contains("hunter2"), "\(error)")
                #expect("\(error)".contains("invalid Redis URL"), "\(error)")
            }
        }
        #expect(RedisConfiguration.redact("redis://:pw@h:1/0") == "redis://:***@h:1/0")
        #expect(RedisConfiguration.redact("redis://pw@h") == "redis://***@h")
    }

    @Test("a mistyped scheme (no ://) does not echo the password either")
    func mistypedScheme() {
        for url in ["redis:/:hunter2@host:1", "redis//:hunter2@host", ":hunter2@host:6379"] {
            do { _ = try RedisConfiguration(url: url); Issue.record("\(url) was accepted") } catch {
                #expect(!"\(error)".contains("hunter2"), "\(error)")
                #expect("\(error)".contains("***@host"), "\(error)")
            }
        }
    }
}

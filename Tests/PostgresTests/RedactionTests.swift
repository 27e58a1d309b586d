import Postgres
import Testing

@Suite("Connection strings in messages")
struct RedactionTests {
    @Test("passwords are hidden in URLs, URL parameters and keyword form")
    func redaction() {
        for (url, secret) in [("postgres://pantry:hunter2@127.0.0.1:5432/db", "hunter2"),
                              ("postgresql://u:p%40ss@h/db?sslmode=disable", "p%40ss"),
                              ("postgres://u@h/db?sslmode=require&password=hunter2&application_name=x", "hunter2"),
                              ("postgres://h/db?PASSWORD=hunter2", "hunter2"),
                              ("host=127.0.0.1 port=5432 password=hunter2 dbname=x", "hunter2"),
                              ("host=h password = 'hun ter\\' 2' dbname=x", "hun ter"),
                              ("host=h dbname=x password='x'password=hunter2", "hunter2")] {
            let redacted = PostgresConfiguration(url: url).redactedURL
            #expect(!redacted.contains(secret), "\(url) -> \(redacted)")
            #expect(redacted.contains("***"), "\(url) -> \(redacted)")
        }
        #expect(PostgresConfiguration(url: "postgres://u:pw@h:1/db?sslmode=disable").redactedURL == "postgres://u:***@h:1/db?sslmode=disable")
        #expect(PostgresConfiguration(url: "host=h password=pw dbname=x").redactedURL == "host=h password=*** dbname=x")
    }

    @Test("a password holding ? or / (libpq reads the user info up to the first @ before the path) is hidden")
    func passwordsWithURLCharacters() {
        for (url, secret) in [("postgres://u:hun?ter2@h:5432/db", "ter2"),
                              ("postgres://u:hun?ter2@h/db?sslmode=disable", "ter2"),
                              ("postgres://u:hun/ter2@h:5432/db", "ter2"),
                              ("postgres://h:5432/db?password=hun@ter2", "ter2")] {
            let redacted = PostgresConfiguration(url: url).redactedURL
            #expect(!redacted.contains(secret), "\(url) -> \(redacted)")
        }
        #expect(PostgresConfiguration(url: "postgres://u:a?b@h:1/db").redactedURL == "postgres://u:***@h:1/db")
    }

    @Test("a failed connection's error does not carry the password")
    func connectionError() {
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: "postgres://pantry:hunter2@127.0.0.1:1/db?password=hunter2"))
        defer { connection.close() }
        do { _ = try connection.query("SELECT 1"); Issue.record("connected to port 1?") } catch {
            #expect(!"\(error)".contains("hunter2"), "\(error)")
        }
    }
}

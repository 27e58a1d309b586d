import Foundation

// Writes a Swift file holding each given .sql file's name and text as raw string literals:
//   MigrationEmbedder OUTPUT.swift FILE.sql...
// (the build-tool plugin EmbedMigrations runs it; see Plugins/).

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: MigrationEmbedder OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}

/// A raw string literal of `text`: enough `#`s that no `"#…` run inside can end it.
func rawLiteral(_ text: String) -> String {
    var longest = 0, run = -1
    for character in text {
        if character == "\"" { run = 0 } else if character == "#", run >= 0 { run += 1; longest = max(longest, run) } else { run = -1 }
    }
    let hashes = String(repeating: "#", count: longest + 1)
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

var source = """
// Generated at build time from Migrations/ by the EmbedMigrations plugin. Do not edit.

extension Migration {
    /// (file name, text) of each file of Migrations/, as it was when this binary was built.
    static let embeddedFiles: [(name: String, sql: String)] = [

"""
for path in arguments.dropFirst() {
    do {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        source += "        (\"\((path as NSString).lastPathComponent)\", \(rawLiteral(text))),\n"
    } catch {
        FileHandle.standardError.write(Data("MigrationEmbedder: cannot read \(path): \(error)\n".utf8))
        exit(1)
    }
}
source += "    ]\n}\n"
do { try source.write(toFile: output, atomically: true, encoding: .utf8) } catch {
    FileHandle.standardError.write(Data("MigrationEmbedder: cannot write \(output): \(error)\n".utf8))
    exit(1)
}

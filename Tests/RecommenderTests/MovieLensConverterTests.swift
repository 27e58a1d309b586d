import DemoData
import Foundation
import Testing
import TestSupport

@Suite("MovieLens-100k conversion and RecBole files")
struct MovieLensConverterTests {
    static func folder(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "pantry-ml-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)")) }
        return dir
    }

    static let item = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        + "1\tToy Story\t1995\tAnimation Children's Comedy\n"
        + "267\tunkonwn\tunkonwn\tunknown\n"
        + "1412\tLand Before Time III: The Time of the Great Giving (1995)\tV\tAnimation Children's\n"
        + "5\tSay \"Hi\", Bob\t1990\tDrama\n"
    static let user = "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n1\t24\tM\ttechnician\t85711\n"
    static let inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t1\t5\t881250949\n1\t5\t3\t874724710\n"

    @Test("the converted CSVs: RFC 3339 times, array literals, quoted titles, the two known year slips, attributes dated at the first rating")
    func converts() throws {
        let dir = try Self.folder(["ml-100k.inter": Self.inter, "ml-100k.item": Self.item, "ml-100k.user": Self.user])
        let counts = try MovieLens100k.convert(from: dir, to: dir + "/out")
        #expect(counts == .init(ratings: 2, movies: 4, users: 1))
        let ratings = try String(contentsOfFile: dir + "/out/ratings.csv", encoding: .utf8)
        #expect(ratings == "user_id,movie_id,rating,event_ts\n1,1,5.0,1997-12-04T15:55:49Z\n1,5,3.0,1997-09-20T03:05:10Z\n")
        let movies = try String(contentsOfFile: dir + "/out/movies.csv", encoding: .utf8).split(separator: "\n")
        #expect(movies[1] == "1,Toy Story,1995,\"{Animation,Children's,Comedy}\",1997-09-20T03:05:10Z")
        #expect(movies[2] == "267,unkonwn,,{unknown},1997-09-20T03:05:10Z")
        #expect(movies[3].hasPrefix("1412,Land Before Time III: The Time of the Great Giving (1995),1995,"))
        #expect(movies[4] == "5,\"Say \"\"Hi\"\", Bob\",1990,{Drama},1997-09-20T03:05:10Z")
        let users = try String(contentsOfFile: dir + "/out/users.csv", encoding: .utf8)
        #expect(users == "user_id,age,gender,occupation,zip_code,event_ts\n1,24,M,technician,85711,1997-09-20T03:05:10Z\n")
    }

    @Test("bad records are errors with file and line", arguments: [
        ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t1\t5\n", "ml-100k.inter:2: 3 fields, expected 4"),
        ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t1\t7\t881250949\n", "ml-100k.inter:2: rating \"7\""),
        ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\tx\t5\t881250949\n", "ml-100k.inter:2: item_id \"x\" is not an integer"),
        ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t1\t5\t-3\n", "ml-100k.inter:2: timestamp \"-3\""),
        ("user_id\titem_id:token\n", "ml-100k.inter:1: header field 1 \"user_id\" is not name:type"),
        ("", "empty file"),
    ])
    func errors(inter: String, message: String) throws {
        let dir = try Self.folder(["ml-100k.inter": inter, "ml-100k.item": Self.item, "ml-100k.user": Self.user])
        let error = #expect(throws: DatasetError.self) { try MovieLens100k.convert(from: dir, to: dir + "/out") }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/ratings.csv"), "nothing written on failure")
    }

    @Test("fuzz: random bytes and mutated records never trap; any failure is a DatasetError")
    func fuzz() throws {
        var rng = SplitMix64(seed: 20261204)
        let pieces = ["\t", "\n", ":", "token", "float", "1", "-", "999999999999999999999", "é", "\r", "\u{0}", " ", "5", "unkonwn", "V", "("]
        for round in 0..<300 {
            var text = Self.inter
            for _ in 0..<Int(rng.next() % 6) {
                let position = text.index(text.startIndex, offsetBy: Int(rng.next() % UInt64(text.count)))
                text.insert(contentsOf: pieces[Int(rng.next() % UInt64(pieces.count))], at: position)
            }
            if round % 10 == 0 { text = String(decoding: (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, as: UTF8.self) }
            let dir = try Self.folder(["ml-100k.inter": text, "ml-100k.item": Self.item, "ml-100k.user": Self.user])
            do { _ = try MovieLens100k.convert(from: dir, to: dir + "/out") } catch is DatasetError {} catch {
                Issue.record("round \(round): \(type(of: error)) \(error)")
            }
        }
    }
}

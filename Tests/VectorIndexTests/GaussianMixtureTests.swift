import DemoData
import Foundation
import Testing

@Suite("Benchmark vector sets")
struct GaussianMixtureTests {
    @Test("gmm-10k-32 is generated bit-exactly: sha256 of its little-endian float32 base matches the published one")
    func checksum() throws {
        let set = GaussianMixtureVectors.standard["gmm-10k-32"]!
        var bytes = [UInt8]()
        bytes.reserveCapacity(set.count * set.dimensions * 4)
        for j in 0..<set.count {
            for value in set.base(j) { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        let path = NSTemporaryDirectory() + "gmm-10k-32-\(UUID().uuidString).f32"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.hasPrefix("037e5251196b9338be478d1cebc7572b3111fdc99cdeccdc7de56afbde70b28a"))
    }
}

import Foundation
import Testing

@Suite("Fuzz corpus: every input the fuzzers kept, replayed through its parser")
struct FuzzCorpusTests {
    static let harnesses = ["preset", "layer", "schedule", "safetensors", "raw", "cli"]

    @Test("no kept input traps or hangs a parser", arguments: harnesses)
    func replay(_ harness: String) throws {
        let replayer = URL(fileURLWithPath: CLI.executable).deletingLastPathComponent().appendingPathComponent("deepdream-fuzz").path
        let corpus = "\(CLI.repository.path)/Tests/FuzzCorpus/\(harness)"
        let count = try FileManager.default.contentsOfDirectory(atPath: corpus).count
        #expect(count > 0)
        let r = try tool([replayer, harness, corpus])
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(r.status == 0)
        #expect(text.contains("\(harness): \(count) inputs replayed"), "\(text)")
    }
}

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: replayer)
        process.arguments = [harness, corpus]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("\(harness): \(count) inputs replayed"), "\(text)")
    }
}

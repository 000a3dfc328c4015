import Foundation
import Testing

@Suite("Corrupt and truncated media")
struct CorruptMediaTests {
    /// Containers and codecs the decoder takes, with sound where the container carries it.
    static let kinds: [(file: String, codec: [String])] = [
        ("a.mp4", ["-c:v", "libx264", "-c:a", "aac"]), ("b.mkv", ["-c:v", "libx264", "-c:a", "mp2"]),
        ("c.webm", ["-c:v", "libvpx-vp9", "-c:a", "libopus"]), ("d.avi", ["-c:v", "mpeg4", "-c:a", "mp2"]),
        ("e.mpg", ["-c:v", "mpeg2video", "-c:a", "mp2"]), ("f.ts", ["-c:v", "libx264", "-c:a", "aac"]),
        ("g.mov", ["-c:v", "mjpeg", "-c:a", "pcm_s16le"]), ("h.y4m", ["-an", "-pix_fmt", "yuv420p"]), ("i.gif", ["-an"]),
    ]

    /// The clip cut short, with a run of its middle bytes scrambled, and with its first bytes scrambled.
    static func damaged(_ data: Data) -> [(String, Data)] {
        var rng = SystemRandomNumberGenerator()
        _ = rng
        var scrambled = data, headless = data
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt8 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: seed >> 56) }
        for i in stride(from: data.count / 3, to: data.count * 2 / 3, by: 7) { scrambled[i] = next() }
        for i in 0..<min(64, data.count) { headless[i] = next() }
        return [("truncated", data.prefix(data.count * 6 / 10)), ("scrambled", scrambled), ("headless", headless)]
    }

    @Test("a clear error or the frames that decode: never a crash or a hang", arguments: kinds.map(\.file))
    func damagedInput(_ file: String) throws {
        let dir = temporaryFolder(), clip = "\(dir)/\(file)"
        let codec = Self.kinds.first { $0.file == file }!.codec
        try ffmpeg(testsrc("64x48", "10", "1") + tone + ["-t", "1"] + codec + [clip])
        for (how, bytes) in Self.damaged(try Data(contentsOf: URL(fileURLWithPath: clip))) {
            let input = "\(dir)/\(how)-\(file)", output = "\(dir)/\(how).mkv"
            try bytes.write(to: URL(fileURLWithPath: input))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.executable)
            process.arguments = ["video", input, "-o", output] + fastVideo
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            let hung = process.isRunning
            if hung { process.terminate() }
            process.waitUntilExit()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(!hung, "\(how) \(file): still running after 120 s")
            #expect(process.terminationReason == .exit, "\(how) \(file): killed by signal \(process.terminationStatus)\n\(stderr)")
            #expect(process.terminationStatus == 0 || process.terminationStatus == 1, "\(how) \(file): exit \(process.terminationStatus)")
            if process.terminationStatus == 0 {
                #expect((try Probe(output).video?.frames ?? 0) >= 1, "\(how) \(file): success without a frame")
            } else {
                #expect(stderr.hasPrefix("Error: \(input):") && !FileManager.default.fileExists(atPath: output), "\(how) \(file): \(stderr)")
            }
        }
    }
}

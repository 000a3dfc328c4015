import Foundation
import Testing

/// Runs the executable with `stdin` (a file, or nothing) and samples its resident memory (kB) every
/// 200 ms until it exits.
func residentMemory(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, samples: [Int]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLI.executable)
    process.arguments = arguments
    process.currentDirectoryURL = CLI.repository
    process.standardInput = stdin.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    var samples: [Int] = []
    while process.isRunning {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
           let kB = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") { samples.append(kB) }
        usleep(200_000)
    }
    process.waitUntilExit()
    return (process.terminationStatus, samples)
}

@Suite("Resources over a long run")
struct ResourceTests {
    /// Memory once warmed up (the second quarter of the run) against the end (the last quarter): a leak of
    /// even a 32×32 picture a frame would add 12 MB over 1000 frames.
    static func expectFlat(_ samples: [Int], _ what: String) {
        let q = samples.count / 4
        guard q >= 2 else { Issue.record("\(what): too few samples (\(samples.count)) to judge"); return }
        let warm = samples[q..<2 * q].max()!, end = samples[(3 * q)...].max()!
        #expect(end - warm < 4096, "\(what): \(warm) kB warmed up, \(end) kB at the end")
    }

    @Test("2000 frames through pipe: memory stays flat")
    func pipe() throws {
        let dir = temporaryFolder()
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=25", "-frames:v", "2000", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", "\(dir)/long.y4m"])
        let r = try residentMemory(["pipe", "--layer", "relu1_2", "--octaves", "1", "--iterations", "1", "--first-frame-iterations", "1", "-q"],
                                   stdin: "\(dir)/long.y4m")
        #expect(r.status == 0)
        Self.expectFlat(r.samples, "pipe")
    }

    @Test("2000 zoom frames, with their checkpoint: memory stays flat")
    func zoom() throws {
        let dir = temporaryFolder()
        let r = try residentMemory(["zoom", "-o", "\(dir)/z.mkv", "--frames", "2000", "--size", "32x32", "--layer", "relu1_2",
                                    "--octaves", "1", "--iterations", "1", "-q"])
        #expect(r.status == 0)
        #expect(try Probe("\(dir)/z.mkv").video?.frames == 2000)
        Self.expectFlat(r.samples, "zoom")
    }
}

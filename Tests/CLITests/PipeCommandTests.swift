import Foundation
import Testing
import FFmpegBridge

/// Runs a shell pipeline; our own exit status is written to `rcFile` by the pipeline itself.
func shell(_ script: String) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    process.environment = ProcessInfo.processInfo.environment.merging(["DD": CLI.executable]) { $1 }
    let err = Pipe()
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

let y4mSource = "ffmpeg -v error -f lavfi -i testsrc=size=96x64:rate=25 -t 0.4 -pix_fmt yuv420p -f yuv4mpegpipe -"
let fastPipe = "--layer relu2_2 --octaves 1 --iterations 1 -q"

@Suite("deepdream pipe and standard input/output")
struct PipeCommandTests {
    @Test("y4m through real pipes: every frame, size and rate follow the input")
    func y4m() throws {
        let dir = temporaryFolder()
        let r = try shell("set -o pipefail; \(y4mSource) | \"$DD\" pipe \(fastPipe) | ffmpeg -v error -f yuv4mpegpipe -i - -c:v ffv1 \(dir)/out.mkv")
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Probe("\(dir)/out.mkv")
        #expect(p.video?.frames == 10 && p.video?.width == 96 && p.video?.height == 64 && p.video?.rate == "25/1")
    }

    @Test("raw video in and out: nothing but whole frames on stdout")
    func raw() throws {
        let dir = temporaryFolder()
        let r = try shell("set -o pipefail; ffmpeg -v error -f lavfi -i testsrc=size=96x64:rate=25 -t 0.4 -f rawvideo -pix_fmt rgb24 - | \"$DD\" pipe --input-format rawvideo --size 96x64 --input-pix-fmt rgb24 --fps 25 --output-format rawvideo --pix-fmt rgb24 \(fastPipe) > \(dir)/out.rgb")
        #expect(r.status == 0, "\(r.stderr)")
        let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/out.rgb")[.size] as? Int
        #expect(size == 10 * 96 * 64 * 3)
    }

    @Test("container stream formats", arguments: [("nut", "ffv1"), ("matroska", "h264"), ("mpegts", "h264"), ("mp4", "h264")])
    func containers(_ c: (String, String)) throws {
        let dir = temporaryFolder()
        let r = try shell("set -o pipefail; \(y4mSource) | \"$DD\" pipe --output-format \(c.0) \(fastPipe) > \(dir)/out.bin")
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Probe("\(dir)/out.bin")
        #expect(p.video?.codec == c.1 && p.video?.frames == 10)
    }

    @Test("bad streams: a clear message, non-zero exit, every complete frame already written")
    func errors() throws {
        let dir = temporaryFolder()
        _ = try shell("\(y4mSource) > \(dir)/in.y4m")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "6", "-c:v", "libx264", "-crf", "10", "\(dir)/tail.mp4"])
        let frame = 96 * 64 * 3 / 2 + 6   // "FRAME\n" + 4:2:0 picture
        let cases: [(String, String, Int?)] = [
            ("head -c 40000 \(dir)/in.y4m | \"$DD\" pipe \(fastPipe)", "incomplete", 4),
            ("ffmpeg -v error -f lavfi -i testsrc=size=96x64:rate=25 -t 0.4 -f rawvideo -pix_fmt rgb24 - | \"$DD\" pipe --input-format rawvideo --size 97x64 --input-pix-fmt rgb24 --output-format rawvideo --pix-fmt rgb24 \(fastPipe)", "incomplete", nil),
            ("echo 'YUV4MPEG2 nonsense' | \"$DD\" pipe \(fastPipe)", "stdin", 0),
            ("cat \(dir)/tail.mp4 | \"$DD\" video - -o - \(fastPipe)", "faststart", 0),
            // Raw frames without their pixel format named are refused, not guessed (rgb24 read as yuv420p
            // divides 60 frames into 122 wrong ones); raw-only options on a stream that says its own are refused.
            ("ffmpeg -v error -f lavfi -i testsrc=size=214x160:rate=25 -t 0.4 -f rawvideo -pix_fmt rgb24 - | \"$DD\" pipe --input-format rawvideo --size 214x160 --output-format rawvideo --pix-fmt rgb24 \(fastPipe)", "--input-pix-fmt", 0),
            ("cat \(dir)/in.y4m | \"$DD\" pipe --fps 30 \(fastPipe)", "--input-format rawvideo", 0),
        ]
        for (script, message, frames) in cases {
            let r = try shell("\(script) > \(dir)/out.bin; echo $? > \(dir)/rc")
            let rc = try String(contentsOfFile: "\(dir)/rc", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(rc != "0" && r.stderr.contains(message), "\(script): rc \(rc), \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
            let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/out.bin")[.size] as? Int ?? -1
            if let frames, frames > 0 { #expect(size > frames * frame && size < (frames + 1) * frame, "\(size) bytes") }
            if frames == 0 { #expect(size < 1024, "\(size) bytes: at most a container header, no picture") }
        }
    }

    @Test("a reader that closes early (| head) ends the program cleanly")
    func brokenPipe() throws {
        let dir = temporaryFolder()
        let r = try shell("ffmpeg -v error -f lavfi -i testsrc=size=96x64:rate=25 -t 4 -pix_fmt yuv420p -f yuv4mpegpipe - 2>/dev/null | (\"$DD\" pipe \(fastPipe); echo $? > \(dir)/rc) | head -c 100 > /dev/null")
        _ = r
        let rc = try String(contentsOfFile: "\(dir)/rc", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rc == "0", "exit status \(rc) (141 would be death by SIGPIPE)")
    }

    @Test("--input-timeout ends a stream that stops sending: the frames so far written, a clear line, exit 1; without it, the program waits")
    func stalledInput() throws {
        let dir = temporaryFolder()
        _ = try shell("\(y4mSource) | head -c 27742 > \(dir)/three.y4m")   // header and 3 frames of 96×64
        // The writer keeps the pipe open for 20 s after 3 frames; the program must be done long before (3
        // frames and the 1 s timeout take about 5 s in the debug build alone, 8.4 s seen under CI's load).
        let timed = "(cat \(dir)/three.y4m; sleep 20) | (s=$(date +%s%N); \"$DD\" pipe \(fastPipe) --first-frame-iterations 1 --input-timeout 1 > \(dir)/out.y4m; echo $? $(( ($(date +%s%N) - s) / 1000000 )) > \(dir)/rc)"
        let r = try shell(timed)
        let fields = try String(contentsOfFile: "\(dir)/rc", encoding: .utf8).split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(fields.first == 1, "exit status: \(fields)")
        #expect((fields.last ?? nil).map { $0 < 15000 } == true, "milliseconds until it gave up: \(fields)")
        #expect(r.stderr.contains("--input-timeout") && r.stderr.contains("3 complete frames"), "\(r.stderr)")
        #expect(try Probe("\(dir)/out.y4m").video?.frames == 3)
        // Without the timeout the same stream is waited for, to its end.
        let waited = "(cat \(dir)/three.y4m; sleep 3) | (s=$(date +%s%N); \"$DD\" pipe \(fastPipe) > /dev/null; echo $? $(( ($(date +%s%N) - s) / 1000000 )) > \(dir)/rc2)"
        _ = try shell(waited)
        let patient = try String(contentsOfFile: "\(dir)/rc2", encoding: .utf8).split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(patient.first == 0 && (patient.last ?? nil).map { $0 >= 3000 } == true, "\(patient)")
        let file = try CLI.run(["video", "samples/coffee-pan.mp4", "-o", "\(dir)/x.mp4", "--input-timeout", "1"])
        #expect(file.status != 0 && file.stderr.contains("a file cannot stall"), "\(file.stderr)")
    }

    /// Bounded latency: with stdin still open after one frame, that frame must come out.
    @Test("frame N is written before frame N+1 is read")
    func latency() throws {
        let dir = temporaryFolder()
        _ = try shell("\(y4mSource) > \(dir)/in.y4m")
        let stream = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/in.y4m"))
        let headerEnd = stream.firstIndex(of: 0x0A)! + 1
        let frame = 96 * 64 * 3 / 2 + 6
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["pipe"] + fastPipe.split(separator: " ").map(String.init)
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(stream.prefix(headerEnd + frame))   // header and one frame; stdin stays open
        var received = Data()
        let deadline = Date().addingTimeInterval(60)
        while received.count < headerEnd + frame && Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received += chunk
        }
        #expect(received.count >= headerEnd + frame, "only \(received.count) bytes came out while the next frame was pending")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("video - -o - and image - -o - work")
    func standardStreams() throws {
        let dir = temporaryFolder()
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-t", "0.4", "-c:v", "libx264", "-f", "matroska", "\(dir)/in.mkv"])
        let v = try shell("set -o pipefail; cat \(dir)/in.mkv | \"$DD\" video - -o - --format nut \(fastPipe) > \(dir)/out.nut")
        #expect(v.status == 0, "\(v.stderr)")
        #expect(try Probe("\(dir)/out.nut").video?.frames == 10)
        let i = try shell("set -o pipefail; cat \(CLI.repository.path)/samples/chelsea.jpg | \"$DD\" image - -o - --format jpg \(fastPipe) > \(dir)/out.jpg")
        #expect(i.status == 0, "\(i.stderr)")
        #expect(try ImageFile.read("\(dir)/out.jpg").width == 451)
    }
}

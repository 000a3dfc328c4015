import Foundation
import Testing
import FFmpegBridge

/// Small, quick dream settings for clips: one octave at a middle layer.
let clipDream = ["--layer", "relu3_3", "--octaves", "1", "--iterations", "2", "--first-frame-iterations", "6", "--step", "0.01", "-q"]

/// A camera pan over a shipped photo: `frames` frames of `size`, `speed` pixels further right each frame.
func pan(_ photo: String, to path: String, size: (Int, Int) = (192, 108), frames: Int, speed: Int = 4, scaledTo width: Int = 600,
         codec: [String] = ["-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p"]) throws {
    try ffmpeg(["-loop", "1", "-i", "\(CLI.repository.path)/samples/\(photo)",
                "-vf", "scale=\(width):-2,crop=\(size.0):\(size.1):'n*\(speed)':40", "-frames:v", "\(frames)", "-r", "24"] + codec + [path])
}

/// The JSON a `--report` wrote.
func readReport(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
}

func stability(_ report: [String: Any]) -> (instability: Double, strength: Double) {
    let s = report["stability"] as? [String: Any] ?? [:]
    return (s["instability"] as? Double ?? .nan, s["strength"] as? Double ?? .nan)
}

@Suite("Video over motion: flow, cuts, drift, stability")
struct TemporalTests {
    @Test("on a pan, the dream carried along the flow follows the scene: far steadier than blended in place, as strong")
    func flowFollowsThePan() throws {
        let dir = temporaryFolder(), input = "\(dir)/pan.mp4"
        try pan("coffee.jpg", to: input, frames: 12)
        // Each way at its own carry: in place, more than half of the last frame turns into ghosting (which
        // also counts as strength); along the flow the video preset keeps 85%.
        for (mode, blend) in [("flow", "0.85"), ("no-flow", "0.5")] {
            let r = try CLI.run(["video", input, "-o", "\(dir)/\(mode).mp4", "--\(mode)", "--blend", blend, "--report", "\(dir)/\(mode).json"] + clipDream)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let flow = stability(try readReport("\(dir)/flow.json")), still = stability(try readReport("\(dir)/no-flow.json"))
        #expect(flow.instability < 0.5 * still.instability, "instability with flow \(flow), blended in place \(still)")
        #expect(flow.strength > 0.8 * still.strength, "strength with flow \(flow), blended in place \(still)")
        // The command measures the encoded files the same way, and agrees on which is steadier.
        let m = try CLI.run(["stability", input, "\(dir)/flow.mp4", "\(dir)/no-flow.mp4"])
        #expect(m.status == 0, "\(m.stderr)")
        let rows = m.stdout.split(separator: "\n").compactMap { Double($0.split(separator: " ").first ?? "") }
        #expect(rows.count == 2 && rows[0] < 0.5 * rows[1], "\(m.stdout)")
    }

    @Test("a cut is found at the splice and nowhere else; the chain restarts there (without cuts the old scene is smeared in)")
    func cuts() throws {
        let dir = temporaryFolder()
        try pan("coffee.jpg", to: "\(dir)/a.mkv", frames: 8, codec: ["-c:v", "ffv1"])
        try pan("astronaut.jpg", to: "\(dir)/b.mkv", frames: 6, scaledTo: 500, codec: ["-c:v", "ffv1"])
        try ffmpeg(["-i", "\(dir)/a.mkv", "-i", "\(dir)/b.mkv", "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "ffv1", "\(dir)/cut.mkv"])
        // Carry 90% in place: whatever is carried over the cut shows.
        let settings = ["--no-flow", "--blend", "0.9"] + clipDream
        let r = try CLI.run(["video", "\(dir)/cut.mkv", "-o", "\(dir)/cut-%02d.png", "--report", "\(dir)/cut.json"] + settings)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try readReport("\(dir)/cut.json")["cuts"] as? [Int] == [8])
        #expect(r.stderr.contains("scene cuts at frames 8"), "\(r.stderr)")
        let n = try CLI.run(["video", "\(dir)/cut.mkv", "-o", "\(dir)/smear-%02d.png", "--no-cuts", "--report", "\(dir)/smear.json"] + settings)
        #expect(n.status == 0, "\(n.stderr)")
        let smearCuts = try readReport("\(dir)/smear.json")["cuts"] as? [Int]
        #expect(smearCuts == [])
        // Frame 8 (the 9th file) against the input's frame 8: close after a restart, far with the old scene blended in.
        try ffmpeg(["-i", "\(dir)/cut.mkv", "-vf", "select=eq(n\\,8)", "-frames:v", "1", "\(dir)/in8.png"])
        let input = try ImageFile.read("\(dir)/in8.png")
        func distance(_ path: String) throws -> Double {
            let out = try ImageFile.read(path)
            return Double(zip(out.bytes, input.bytes).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(input.bytes.count)
        }
        let restarted = try distance("\(dir)/cut-09.png"), smeared = try distance("\(dir)/smear-09.png")
        #expect(restarted < smeared / 2, "frame 8 differs from its input by \(restarted) levels after a restart, \(smeared) without")
    }

    @Test("--drift moves the carried dream by the given motion each frame", arguments: ["--flow", "--no-flow"])
    func drift(_ mode: String) throws {
        let dir = temporaryFolder(), input = "\(dir)/still.mkv"
        try pan("coffee.jpg", to: input, frames: 4, speed: 0, codec: ["-c:v", "ffv1"])   // a still shot, lossless
        // The first frame is dreamed; later frames only carry it (0 iterations, all of it), moved 3 px right a frame.
        let r = try CLI.run(["video", input, "-o", "\(dir)/%d.png", mode, "--blend", "1", "--iterations", "0", "--drift", "3,0"]
                            + clipDream.filter { $0 != "--iterations" && $0 != "2" })
        #expect(r.status == 0, "\(r.stderr)")
        try ffmpeg(["-i", input, "-frames:v", "1", "\(dir)/raw.png"])
        let raw = try ImageFile.read("\(dir)/raw.png")
        /// The dream's change to a frame (output − input), as signed numbers.
        func detail(_ frame: Int) throws -> [Int] {
            zip(try ImageFile.read("\(dir)/\(frame + 1).png").bytes, raw.bytes).map { Int($0) - Int($1) }
        }
        let first = try detail(0), third = try detail(2)
        /// Mean |third(x) − first(x − dx)| over the middle of the frame.
        func mismatch(_ dx: Int) -> Double {
            var total = 0, n = 0
            for y in 10..<98 { for x in 20..<172 { for c in 0..<3 {
                total += abs(third[(y * 192 + x) * 3 + c] - first[(y * 192 + x - dx) * 3 + c]); n += 1
            } } }
            return Double(total) / Double(n)
        }
        let best = (-9...9).min { mismatch($0) < mismatch($1) }!
        #expect(best == 6, "the dream moved \(best) px in two frames; mismatch at 6: \(mismatch(6)), at 0: \(mismatch(0))")
    }

    @Test("--guide steers video and zoom frames (it changes what is dreamed)", arguments: ["video", "zoom"])
    func guide(_ command: String) throws {
        let dir = temporaryFolder(), input = "\(dir)/pan.mp4"
        try pan("coffee.jpg", to: input, frames: 3)
        let source = command == "video" ? ["video", input] : ["zoom", "\(CLI.repository.path)/samples/coffee.jpg", "--frames", "3", "--size", "192x108"]
        let guide = "\(CLI.repository.path)/samples/chelsea.jpg"
        for (name, extra) in [("plain", [String]()), ("guided", ["--guide", guide])] {
            let r = try CLI.run(source + ["-o", "\(dir)/\(name)-%d.png"] + extra + clipDream)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let a = try ImageFile.read("\(dir)/plain-3.png"), b = try ImageFile.read("\(dir)/guided-3.png")
        let difference = Double(zip(a.bytes, b.bytes).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.bytes.count)
        #expect(difference > 2, "guided and plain frames differ by \(difference) levels")
    }

    @Test("pipe dreams the same frames as video: one temporal stage, one frame in, one frame out")
    func pipeMatchesVideo() throws {
        let dir = temporaryFolder(), input = "\(dir)/pan.y4m"
        try pan("coffee.jpg", to: input, frames: 6, codec: ["-pix_fmt", "yuv444p"])
        let v = try CLI.run(["video", input, "-o", "\(dir)/video-%d.png"] + clipDream)
        #expect(v.status == 0, "\(v.stderr)")
        let p = try shell("set -o pipefail; \"$DD\" pipe --output-format y4m \(clipDream.joined(separator: " ")) < \(input) | ffmpeg -v error -f yuv4mpegpipe -i - \(dir)/pipe-%d.png")
        #expect(p.status == 0, "\(p.stderr)")
        for k in [1, 6] {
            let a = try ImageFile.read("\(dir)/video-\(k).png"), b = try ImageFile.read("\(dir)/pipe-\(k).png")
            let worst = zip(a.bytes, b.bytes).map { abs(Int($0) - Int($1)) }.max() ?? 255
            #expect(worst <= 3, "frame \(k): video and pipe differ by up to \(worst) levels")   // y4m 4:4:4 round trip
        }
    }

    @Test("options that contradict each other or cannot apply are refused")
    func refused() throws {
        let dir = temporaryFolder(), input = "\(dir)/pan.mp4"
        try pan("coffee.jpg", to: input, frames: 2)
        let cases: [([String], String)] = [
            (["--no-cuts", "--cut-threshold", "0.3"], "--cut-threshold has no effect with --no-cuts"),
            (["--cut-threshold", "0"], "cut threshold"),
            (["--ease", "bouncy"], "--ease must be linear or smooth"),
            (["--drift", "3"], "--drift '3'"),
            (["--center", "500,20"], "outside the 192×108 frame"),
            (["--blend", "0", "--drift", "2,0"], "--blend 0 carries none"),
            (["--guide", "\(dir)/missing.jpg"], "missing.jpg"),
        ]
        for (extra, message) in cases {
            let r = try CLI.run(["video", input, "-o", "\(dir)/out.mp4"] + extra + clipDream)
            #expect(r.status != 0 && r.stderr.contains(message), "\(extra): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["pan.mp4"])
        let s = try CLI.run(["stability", input, "\(CLI.repository.path)/samples/coffee-pan.mp4"])
        #expect(s.status != 0 && s.stderr.contains("not a render of it"), "\(s.stderr)")
    }
}

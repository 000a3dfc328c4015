import Foundation
import Testing

/// Each decoded frame and audio packet of a file, as ffmpeg's framemd5 lists them (stream, pts, size, md5).
func frameDigests(_ path: String) throws -> [String] {
    let r = try tool(["ffmpeg", "-v", "error", "-i", path, "-map", "0", "-f", "framemd5", "-"])
    guard r.status == 0 else { throw CLIError("ffmpeg could not decode \(path)") }
    return String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
}

extension CLI {
    /// Starts the executable and returns at once; `shell` runs it under `sh -c` with that prefix (limits).
    static func start(_ arguments: [String], shell prefix: String? = nil) throws -> Process {
        let process = Process()
        if let prefix {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", prefix + " exec \"$0\" \"$@\"", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = repository
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// Waits until `path` exists (or `seconds` pass).
func waitFor(_ path: String, seconds: Double = 120) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if FileManager.default.fileExists(atPath: path) { return true }
        usleep(20_000)
    }
    return false
}

@Suite("Never lose a render: checkpoints and --resume")
struct ResumeTests {
    /// A pan with a tone, 96×64 at 24 frames a second: 12 frames by default.
    static func clip(in dir: String, seconds: Double = 0.5) throws -> String {
        let path = "\(dir)/in.mkv"
        try ffmpeg(["-loop", "1", "-i", "\(CLI.repository.path)/samples/coffee.jpg", "-f", "lavfi", "-i", "sine=f=440:d=2",
                    "-vf", "scale=600:-2,crop=96:64:'n*4':40", "-t", "\(seconds)", "-r", "24",
                    "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", "-c:a", "aac", path])
        return path
    }

    @Test("kill -9 at any of several moments, then --resume: the same frames and sound as an uninterrupted render; the checkpoint goes")
    func killAndResume() throws {
        let dir = temporaryFolder(), input = try Self.clip(in: dir)
        let whole = try CLI.run(["video", input, "-o", "\(dir)/whole.mkv"] + clipDream)
        #expect(whole.status == 0, "\(whole.stderr)")
        let expected = try frameDigests("\(dir)/whole.mkv")
        #expect(expected.filter { $0.hasPrefix("0,") }.count == 12 && expected.filter { $0.hasPrefix("1,") }.count >= 20,
                "12 video frames and half a second of sound: \(expected.count)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/.whole.mkv.dream"), "a finished render keeps no checkpoint")

        // After the first frame, mid-render, and with a state being written (no wait at all beyond a frame file).
        for (n, frame) in [0, 4, 7].enumerated() {
            let out = "\(dir)/killed\(n).mkv", checkpoint = "\(dir)/.killed\(n).mkv.dream"
            let p = try CLI.start(["video", input, "-o", out] + clipDream)
            #expect(waitFor(String(format: "\(checkpoint)/frames/%06d.png", frame)))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(!FileManager.default.fileExists(atPath: out), "a killed render leaves no output")
            let again = try CLI.run(["video", input, "-o", out] + clipDream)
            #expect(again.status != 0 && again.stderr.contains("--resume"), "without --resume the checkpoint is not overwritten: \(again.stderr)")
            let r = try CLI.run(["video", input, "-o", out, "--resume"] + clipDream)
            #expect(r.status == 0, "\(r.stderr)")
            // Killed after the first frame's picture but before its state: nothing to go on from yet.
            #expect(r.stderr.contains("resumed after frame") || (frame == 0 && r.stderr.contains("holds no finished frame yet")), "\(r.stderr)")
            #expect(try frameDigests(out) == expected, "killed after frame \(frame), resumed")
            #expect(!FileManager.default.fileExists(atPath: checkpoint))
            let partials = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("partial") }
            #expect(partials.isEmpty, "the killed render's temporary output is cleaned up: \(partials)")
        }
    }

    @Test("zoom: kill -9 and --resume give the uninterrupted animation")
    func zoomResume() throws {
        let dir = temporaryFolder()
        let args = ["--size", "80x48", "--frames", "8", "--layer", "relu3_3", "--octaves", "1", "--iterations", "2", "-q"]
        #expect(try CLI.run(["zoom", "-o", "\(dir)/whole.mp4"] + args).status == 0)
        let p = try CLI.start(["zoom", "-o", "\(dir)/z.mp4"] + args)
        #expect(waitFor("\(dir)/.z.mp4.dream/frames/000003.png"))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let r = try CLI.run(["zoom", "-o", "\(dir)/z.mp4", "--resume"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try frameDigests("\(dir)/z.mp4") == frameDigests("\(dir)/whole.mp4"))
    }

    @Test("resuming with other settings, another input or other weights is refused, saying what differs")
    func resumeRefusesChanges() throws {
        let dir = temporaryFolder(), input = try Self.clip(in: dir), out = "\(dir)/o.mkv"
        let p = try CLI.start(["video", input, "-o", out] + clipDream)
        #expect(waitFor("\(dir)/.o.mkv.dream/frames/000001.png"))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let step = try CLI.run(["video", input, "-o", out, "--resume"] + clipDream + ["--step", "0.02"])
        #expect(step.status != 0 && step.stderr.contains("step 0.01 (now 0.02)"), "\(step.stderr)")
        try ffmpeg(["-i", input, "-vf", "hflip", "-c:a", "copy", "\(dir)/other.mkv"])
        try FileManager.default.removeItem(atPath: input)
        try FileManager.default.moveItem(atPath: "\(dir)/other.mkv", toPath: input)
        let other = try CLI.run(["video", input, "-o", out, "--resume"] + clipDream)
        #expect(other.status != 0 && other.stderr.contains("another input"), "\(other.stderr)")
        let weights = try CLI.run(["video", input, "-o", out, "--resume", "--weights", "hed"] + clipDream)
        #expect(weights.status != 0 && weights.stderr.contains("other weights"), "\(weights.stderr)")
        // --overwrite starts over and finishes.
        let fresh = try CLI.run(["video", input, "-o", out, "--overwrite"] + clipDream)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try Probe(out).video?.frames == 12)
    }

    @Test("Ctrl-C leaves a playable file and a checkpoint; --resume finishes it as if never stopped")
    func interruptThenResume() throws {
        let dir = temporaryFolder(), input = try Self.clip(in: dir), out = "\(dir)/c.mkv"
        #expect(try CLI.run(["video", input, "-o", "\(dir)/whole.mkv"] + clipDream).status == 0)
        let p = try CLI.start(["video", input, "-o", out] + clipDream)
        #expect(waitFor("\(dir)/.c.mkv.dream/frames/000002.png"))
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        let stopped = try Probe(out).video?.frames ?? 0
        #expect((3...11).contains(stopped), "the stopped file plays its first frames: \(stopped)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/.c.mkv.dream/state"))
        let r = try CLI.run(["video", input, "-o", out, "--resume"] + clipDream)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try frameDigests(out) == frameDigests("\(dir)/whole.mkv"))
    }

    @Test("a full disk ends the render with a clear error, no output and a checkpoint that resumes")
    func fullDisk() throws {
        let dir = temporaryFolder(), input = try Self.clip(in: dir, seconds: 1), out = "\(dir)/f.mkv"
        // 24 lossless frames of ~6 KB: the output outgrows the checkpoint's largest file (the state, ~80 KB).
        let lossless = clipDream + ["--codec", "ffv1"]
        #expect(try CLI.run(["video", input, "-o", "\(dir)/whole.mkv"] + lossless).status == 0)
        // No file may grow past 100 KB (ulimit -f counts 512-byte blocks in sh); SIGXFSZ ignored: writes fail with EFBIG.
        let p = try CLI.start(["video", input, "-o", out] + lossless, shell: "ulimit -f 200; trap '' XFSZ;")
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)
        #expect(!FileManager.default.fileExists(atPath: out), "no corrupt output where the render was asked for")
        let r = try CLI.run(["video", input, "-o", out] + lossless)
        #expect(r.status != 0 && r.stderr.contains("--resume"))
        let resumed = try CLI.run(["video", input, "-o", out, "--resume"] + lossless)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try frameDigests(out) == frameDigests("\(dir)/whole.mkv"))
    }

    @Test("an output folder that vanishes ends the render at once with a clear error; the checkpoint kept elsewhere resumes")
    func vanishedFolder() throws {
        let dir = temporaryFolder(), input = try Self.clip(in: dir), target = "\(dir)/out", out = "\(target)/v.mkv"
        #expect(try CLI.run(["video", input, "-o", "\(dir)/whole.mkv"] + clipDream).status == 0)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let run = ["video", input, "-o", out, "--checkpoint", "\(dir)/keep"] + clipDream
        let p = try CLI.start(run)
        #expect(waitFor("\(dir)/keep/frames/000002.png"))
        try FileManager.default.removeItem(atPath: target)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let r = try CLI.run(run + ["--resume"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try frameDigests(out) == frameDigests("\(dir)/whole.mkv"))
    }

    @Test("same input, settings, weights and seed: the same frames, run after run")
    func deterministic() throws {
        let dir = temporaryFolder(), input = try Self.clip(in: dir)
        for name in ["a", "b"] {
            #expect(try CLI.run(["video", input, "-o", "\(dir)/\(name)-%02d.png", "--seed", "7"] + clipDream).status == 0)
        }
        #expect(try CLI.run(["video", input, "-o", "\(dir)/c-%02d.png", "--seed", "8"] + clipDream).status == 0)
        var differs = false
        for i in 1...12 {
            let a = FileManager.default.contents(atPath: String(format: "\(dir)/a-%02d.png", i))
            #expect(a != nil && a == FileManager.default.contents(atPath: String(format: "\(dir)/b-%02d.png", i)), "frame \(i)")
            differs = differs || a != FileManager.default.contents(atPath: String(format: "\(dir)/c-%02d.png", i))
        }
        #expect(differs, "another seed gives other frames (else the check above would hold for anything)")
    }

    @Test("--resume and --checkpoint are refused where nothing could be resumed")
    func refusedWhereUseless() throws {
        let r = try CLI.run(["video", "-", "-o", "/tmp/x.mkv", "--resume", "--input-format", "y4m"])
        #expect(r.status != 0 && r.stderr.contains("standard input"), "\(r.stderr)")
        let n = try CLI.run(["zoom", "-o", "/tmp/x.mp4", "--frames", "2", "--resume", "--no-checkpoint"])
        #expect(n.status != 0 && n.stderr.contains("--no-checkpoint"), "\(n.stderr)")
    }
}

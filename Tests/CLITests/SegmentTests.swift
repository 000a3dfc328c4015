import Foundation
import Testing

/// A render split into parts (`video --segment K/N`), rendered by GNU parallel with the repository's
/// recipe, and joined: made once, checked by the tests below.
private struct SplitRender {
    static let dream = ["--layer", "relu3_3", "--octaves", "1", "--iterations", "2", "-q"]
    /// 3 parts of 36 frames: boundaries at frames 12 and 24 (the clip's keyframes).
    static let parts = 3, warmup = 4, overlap = 4

    let dir: String
    let input: String
    let whole: String
    let joined: String
    /// The same parts with neither warm-up nor crossfade, joined: what the seams look like without them.
    let hardCut: String
    let partsFolder: String

    static let shared: Result<SplitRender, Error> = Result { try SplitRender() }

    init() throws {
        dir = temporaryFolder()
        input = "\(dir)/pan.mp4"
        // The sample pan at 256×144 with a tone, keyframes every 12 frames.
        try ffmpeg(["-i", "\(CLI.repository.path)/samples/coffee-pan.mp4", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000",
                    "-vf", "scale=256:144", "-frames:v", "36", "-g", "12", "-c:v", "libx264", "-c:a", "aac", "-shortest",
                    "-map", "0:v", "-map", "1:a", input])
        whole = "\(dir)/whole.mp4"
        joined = "\(dir)/joined.mp4"
        hardCut = "\(dir)/hard.mp4"
        partsFolder = "\(dir)/parts"
        let recipe = "\(CLI.repository.path)/scripts/cluster/parallel-ssh"
        let split = ["--warmup", "\(Self.warmup)", "--overlap", "\(Self.overlap)"]
        try SplitRender.script(recipe, [input, joined, "\(Self.parts)"] + Self.dream + split, environment: ["PARTS": partsFolder])
        try SplitRender.script(recipe, [input, hardCut, "\(Self.parts)"] + Self.dream + ["--warmup", "0", "--overlap", "0"],
                               environment: ["PARTS": "\(dir)/hard-parts"])
        let r = try CLI.run(["video", input, "-o", whole] + Self.dream)
        guard r.status == 0 else { throw CLIError("whole render failed: \(r.stderr)") }
    }

    /// Runs a repository script with the built executable as `deepdream`, two parts at a time.
    static func script(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["DEEPDREAM": CLI.executable, "JOBS": "2", "OPENBLAS_NUM_THREADS": "1"].merging(environment) { $1 }) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        process.standardError = err
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLIError("\(path) failed: \(text)") }
    }

    func part(_ k: Int, in folder: String? = nil) -> String {
        "\(folder ?? partsFolder)/" + String(format: "part-%04d-of-%04d.mp4", k, Self.parts)
    }
}

/// Presentation times of a file's video frames, as ffprobe reads them.
private func frameTimes(_ path: String) throws -> [String] {
    String(decoding: try tool(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=pts_time",
                               "-of", "csv=p=0", path]).stdout, as: UTF8.self)
        .split(separator: "\n").compactMap { $0.split(separator: ",").first.map(String.init) }   // a keyframe's side data adds a field
}

/// framemd5 lines of one stream ("v" or "a"), without the stream and time columns for video so that
/// frames of different files can be compared by content.
private func digests(_ path: String, _ stream: String) throws -> [String] {
    let r = try tool(["ffmpeg", "-v", "error", "-i", path, "-map", "0:\(stream)", "-f", "framemd5", "-"])
    guard r.status == 0 else { throw CLIError("ffmpeg could not decode \(path)") }
    let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
    return lines.map { stream == "v" ? String($0.split(separator: ",").last ?? "") : String($0) }
}

/// The stability measure's warping error of each frame against the one before.
private func warpingErrors(input: String, render: String, dir: String) throws -> [Double] {
    let report = "\(dir)/\(URL(fileURLWithPath: render).lastPathComponent).json"
    let r = try CLI.run(["stability", input, render, "--report", report])
    guard r.status == 0 else { throw CLIError("stability failed: \(r.stderr)") }
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
    let frames = ((json?["renders"] as? [[String: Any]])?.first?["perFrame"] as? [[String: Any]]) ?? []
    return frames.map { $0["outputError"] as? Double ?? 0 }
}

@Suite("Scale-out: parts rendered apart (GNU parallel), joined into one")
struct SegmentTests {
    @Test("the joined parts have the whole render's frames, timestamps and sound; parts' pictures are copied, not re-encoded")
    func joinedLikeWhole() throws {
        let s = try SplitRender.shared.get()
        let whole = try Probe(s.whole), joined = try Probe(s.joined)
        #expect(joined.video?.frames == 36)
        #expect(joined.video?.frames == whole.video?.frames)
        #expect(try frameTimes(s.joined) == frameTimes(s.whole))
        let sound = try digests(s.whole, "a")
        #expect(!sound.isEmpty, "the whole render carries the input's sound")
        #expect(try digests(s.joined, "a") == sound, "the join puts the same sound back, packet for packet")

        // Part 1 writes frames 0–11; the join takes 0–7 from it as they are (8–11 are the crossfade).
        // Part 2 writes 8–23: its frames 12–19 (after its lead-in) go in as they are.
        let joinedFrames = try digests(s.joined, "v")
        let first = try digests(s.part(1), "v"), second = try digests(s.part(2), "v")
        #expect(first.count == 12 && second.count == 16)
        #expect(Array(joinedFrames[0..<8]) == Array(first[0..<8]))
        #expect(Array(joinedFrames[12..<20]) == Array(second[4..<12]))
        #expect(joinedFrames[8..<12] != first[8..<12], "the crossfade is neither part alone")
    }

    @Test("no seam: across each boundary the change between frames is no larger than a keyframe's; hard cuts without warm-up and crossfade are")
    func seams() throws {
        let s = try SplitRender.shared.get()
        // The crossfade of each boundary and the part's first own frame: 8–12 and 20–24.
        let seamFrames = Set([8, 9, 10, 11, 12, 20, 21, 22, 23, 24])
        func split(_ errors: [Double]) -> (seam: Double, typical: Double) {
            let others = errors.indices.filter { $0 > 0 && !seamFrames.contains($0) }.map { errors[$0] }.sorted()
            return (seamFrames.map { errors[$0] }.max()!, others[others.count / 2])
        }
        let joined = split(try warpingErrors(input: s.input, render: s.joined, dir: s.dir))
        let hard = split(try warpingErrors(input: s.input, render: s.hardCut, dir: s.dir))
        // A part's own keyframe alone changes the coding noise by about as much as a typical frame: the
        // crossfade's frames stay within 2.5 typical changes; a hard cut between dreams is 4–5.
        #expect(joined.seam <= 2.5 * joined.typical, "joined: largest change at a seam \(joined.seam), typical \(joined.typical)")
        #expect(hard.seam > 3.5 * hard.typical, "hard cut: largest change at a seam \(hard.seam), typical \(hard.typical)")
    }

    @Test("join refuses parts that do not fit: one missing, one twice, another render's, one cut short, not a part")
    func refusals() throws {
        let s = try SplitRender.shared.get()
        let out = "\(s.dir)/refused.mp4"
        func refused(_ parts: [String], _ message: String) throws {
            let r = try CLI.run(["join"] + parts + ["-o", out])
            #expect(r.status != 0 && r.stderr.contains(message), "\(parts): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        try refused([s.part(1), s.part(3)], "part 2/3 missing")
        try refused([s.part(1), s.part(2), s.part(2), s.part(3)], "give each part once")
        try refused([s.part(1), s.part(2, in: "\(s.dir)/hard-parts"), s.part(3)], "another --warmup or --overlap")
        let otherDream = "\(s.dir)/other-dream.mp4"
        #expect(try CLI.run(["video", s.input, "-o", otherDream, "--segment", "1/3", "--warmup", "\(SplitRender.warmup)",
                             "--overlap", "\(SplitRender.overlap)", "--layer", "relu3_3", "--octaves", "1", "--iterations", "1", "-q"]).status == 0)
        try refused([otherDream, s.part(2), s.part(3)], "with other settings")
        try refused([s.part(1), s.part(2), s.whole], "not a part of a segmented render")
        let short = "\(s.dir)/short.mp4"
        try ffmpeg(["-i", s.part(3), "-c", "copy", "-frames:v", "9", "-map_metadata", "0", "-movflags", "+use_metadata_tags", short])
        try refused([s.part(1), s.part(2), short], "cut short")
        let other = "\(s.dir)/other-input.mp4"
        try ffmpeg(["-i", s.input, "-c", "copy", "-metadata", "title=changed", other])
        let r = try CLI.run(["join", s.part(1), s.part(2), s.part(3), "-o", out, "--input", other])
        #expect(r.status != 0 && r.stderr.contains("not the input the parts were rendered from"), "\(r.stderr)")
    }

    @Test("a lost part re-runs alone and goes on from its checkpoint: the same part as one never lost")
    func lostPartResumes() throws {
        let s = try SplitRender.shared.get()
        let folder = "\(s.dir)/lost"
        let checkpoint = "\(folder)/.part-0003-of-0003.mp4.dream"
        let command = ["\(CLI.repository.path)/scripts/cluster/render-part", s.input, folder, "3", "3"] + SplitRender.dream
            + ["--warmup", "\(SplitRender.warmup)", "--overlap", "\(SplitRender.overlap)"]
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // As the parts were rendered: one thread each (the result's last bits depend on it).
        let p = try CLI.start(["video", s.input, "-o", "\(folder)/part-0003-of-0003.mp4", "--segment", "3/3"] + SplitRender.dream
                              + ["--warmup", "\(SplitRender.warmup)", "--overlap", "\(SplitRender.overlap)"],
                              shell: "export OPENBLAS_NUM_THREADS=1;")
        #expect(waitFor("\(checkpoint)/frames/000006.png"))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/part-0003-of-0003.mp4"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(["DEEPDREAM": CLI.executable, "OPENBLAS_NUM_THREADS": "1"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(said)")
        #expect(said.contains("resum"), "it went on from the checkpoint: \(said)")
        #expect(try digests("\(folder)/part-0003-of-0003.mp4", "v") == digests(s.part(3), "v"))
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "the finished part's checkpoint goes")
    }

    @Test("a boundary near a scene cut moves onto it: no warm-up, no crossfade, and the joined frames are the whole render's")
    func boundaryAtSceneCut() throws {
        let dir = temporaryFolder()
        // 26 frames of one pan, 22 of another: halves would meet at 24; the cut at 26 is within an eighth of a part.
        try pan("coffee.jpg", to: "\(dir)/a.mkv", frames: 26, codec: ["-c:v", "ffv1"])
        try pan("astronaut.jpg", to: "\(dir)/b.mkv", frames: 22, scaledTo: 500, codec: ["-c:v", "ffv1"])
        let input = "\(dir)/cut.mkv"
        try ffmpeg(["-i", "\(dir)/a.mkv", "-i", "\(dir)/b.mkv", "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]",
                    "-c:v", "ffv1", input])
        // Lossless (FFV1) and one thread, so equal pictures are equal files.
        let oneThread = ["OPENBLAS_NUM_THREADS": "1"], lossless = ["--codec", "ffv1"] + clipDream
        #expect(try CLI.run(["video", input, "-o", "\(dir)/whole.mkv"] + lossless, environment: oneThread).status == 0)
        for k in 1...2 {
            let r = try CLI.run(["video", input, "-o", "\(dir)/part-\(k).mkv", "--segment", "\(k)/2"] + lossless, environment: oneThread)
            #expect(r.status == 0, "\(r.stderr)")
            if k == 2 { #expect(r.stderr.contains("frames 26–47 written, starting at a scene cut"), "\(r.stderr)") }
        }
        let tags = String(decoding: try tool(["ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "flat",
                                              "\(dir)/part-2.mkv"]).stdout, as: UTF8.self).lowercased()
        #expect(tags.contains("deepdream_frames=\"26 26 26 48 0\""), "dreamed from, written from, start, end, tail: \(tags)")
        let r = try CLI.run(["join", "\(dir)/part-1.mkv", "\(dir)/part-2.mkv", "-o", "\(dir)/joined.mkv"])
        #expect(r.status == 0 && r.stdout.contains("(0 crossfaded)"), "\(r.stdout) \(r.stderr)")
        let whole = try digests("\(dir)/whole.mkv", "v")
        #expect(whole.count == 48)
        #expect(try digests("\(dir)/joined.mkv", "v") == whole)
    }

    @Test("--segment is refused where it cannot work, naming why")
    func refusedOptions() throws {
        let dir = temporaryFolder()
        let input = try ResumeTests.clip(in: dir)
        let cases: [([String], String)] = [
            (["--segment", "3/2"], "K-th of N parts"),
            (["--segment", "0/2"], "K-th of N parts"),
            (["--warmup", "4"], "only applies to a part"),
            (["--segment", "1/2", "--overlap", "5000"], "--overlap takes"),
            (["--segment", "1/4"], "use fewer parts"),
            (["--segment", "1/2", "-o", "\(dir)/seq/%04d.png"], "written as .mp4"),
        ]
        for (arguments, message) in cases {
            let out = arguments.contains("-o") ? [] : ["-o", "\(dir)/out.mp4"]
            let r = try CLI.run(["video", input] + out + arguments + ["-q"])
            #expect(r.status != 0 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        let piped = try CLI.run(["video", "-", "-o", "\(dir)/out.mp4", "--segment", "1/2"])
        #expect(piped.status != 0 && piped.stderr.contains("as files"))
    }
}

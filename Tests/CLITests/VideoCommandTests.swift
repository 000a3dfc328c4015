import Foundation
import Testing
import FFmpegBridge

/// Tiny, fast settings: one octave, one step at a shallow layer.
let fastVideo = ["--layer", "relu2_2", "--octaves", "1", "--iterations", "1", "-q"]

struct Clip: CustomTestStringConvertible, Sendable {
    let name: String
    let file: String
    let ffmpegArguments: [String]
    let frames: Int
    let rate: String
    let audio: String?
    let start: Double
    var testDescription: String { name }
}

func testsrc(_ size: String, _ rate: String, _ seconds: String) -> [String] {
    ["-f", "lavfi", "-i", "testsrc=size=\(size):rate=\(rate)", "-t", seconds]
}
let tone = ["-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000"]

@Suite("deepdream video, end to end")
struct VideoCommandTests {
    static let inputs: [Clip] = [
        Clip(name: "mp4 h264 + aac, 29.97 fps", file: "a.mp4",
             ffmpegArguments: testsrc("96x64", "30000/1001", "0.5") + tone + ["-t", "0.5", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "2", "-c:a", "aac"],
             frames: 15, rate: "30000/1001", audio: "aac", start: 0),
        Clip(name: "webm vp9 + opus, audio stream first", file: "b.webm",
             ffmpegArguments: testsrc("96x64", "25", "0.6") + tone + ["-t", "0.6", "-map", "1:a", "-map", "0:v", "-c:v", "libvpx-vp9", "-c:a", "libopus"],
             frames: 15, rate: "25/1", audio: "opus", start: 0),
        Clip(name: "mkv mpeg4 + pcm, starting at 10 s", file: "c.mkv",
             ffmpegArguments: testsrc("80x48", "24", "0.5") + tone + ["-t", "0.5", "-c:v", "mpeg4", "-c:a", "pcm_s16le", "-output_ts_offset", "10"],
             frames: 12, rate: "24/1", audio: "pcm_s16le", start: 10),
        Clip(name: "ogg theora + vorbis", file: "d.ogv",
             ffmpegArguments: testsrc("64x48", "15", "0.8") + tone + ["-t", "0.8", "-c:v", "libtheora", "-c:a", "libvorbis"],
             frames: 12, rate: "15/1", audio: "vorbis", start: 0),
        Clip(name: "avi mjpeg, no audio", file: "e.avi",
             ffmpegArguments: testsrc("64x48", "10", "1") + ["-c:v", "mjpeg"], frames: 10, rate: "10/1", audio: nil, start: 0),
        Clip(name: "mpeg-ps mpeg2 + mp2", file: "f.mpg",
             ffmpegArguments: testsrc("64x48", "25", "0.4") + tone + ["-t", "0.4", "-c:v", "mpeg2video", "-c:a", "mp2"],
             frames: 10, rate: "25/1", audio: "mp2", start: -1),
    ]

    @Test("any input: every frame, the frame rate and start time kept, sound carried", arguments: inputs)
    func anyInput(_ clip: Clip) throws {
        let dir = temporaryFolder(), input = "\(dir)/\(clip.file)", output = "\(dir)/out.mkv"
        try ffmpeg(clip.ffmpegArguments + [input])
        let r = try CLI.run(["video", input, "-o", output] + fastVideo)
        #expect(r.status == 0, "\(r.stderr)")
        let source = try Probe(input), dreamed = try Probe(output)
        #expect(dreamed.video?.frames == source.video?.frames && dreamed.video?.frames == clip.frames)
        #expect(dreamed.video?.rate == clip.rate)
        if clip.start >= 0 {
            // Oracle for timing: ffmpeg's own stream copy into the same container (Matroska shifts every timestamp
            // when audio starts before zero, e.g. AAC priming or Opus pre-roll, and so must we).
            // (-copyts: keep the input's own start, as we do.)
            try ffmpeg(["-copyts", "-i", input, "-c", "copy", "\(dir)/reference.mkv"])
            let reference = try Probe("\(dir)/reference.mkv")
            let start = try #require(dreamed.video?.start), expected = try #require(reference.video?.start)
            #expect(abs(start - expected) < 0.002, "video starts at \(start), ffmpeg's copy at \(expected)")
            #expect(abs(start - clip.start) < 0.03)
            if clip.audio != nil {
                let a = try #require(dreamed.audio?.start), expected = try #require(reference.audio?.start)
                #expect(abs(a - expected) < 0.002, "audio starts at \(a), ffmpeg's copy at \(expected)")
            }
        } else {
            // MPEG-PS: its timing does not copy into Matroska as it is; the sound must keep its distance from the picture.
            let v = try #require(dreamed.video?.start), a = try #require(dreamed.audio?.start)
            let sv = try #require(source.video?.start), sa = try #require(source.audio?.start)
            #expect(abs((a - v) - (sa - sv)) < 0.005, "audio − video start: \(a - v) s, the input's \(sa - sv) s")
        }
        if let codec = clip.audio {
            #expect(dreamed.audio?.codec == codec, "audio \(String(describing: dreamed.audio))")
        } else {
            #expect(dreamed.audio == nil)
        }
    }

    static let outputs: [(String, String, String?)] = [("mp4", "h264", "aac"), ("mov", "h264", "aac"), ("mkv", "h264", "aac"), ("webm", "vp9", "vorbis")]

    @Test("output by extension, with the sound copied or re-encoded, ending with the video", arguments: outputs)
    func byExtension(_ o: (String, String, String?)) throws {
        let dir = temporaryFolder(), input = "\(dir)/in.mp4", output = "\(dir)/out.\(o.0)"
        try ffmpeg(testsrc("96x64", "24", "1") + tone + ["-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", input])
        let r = try CLI.run(["video", input, "-o", output, "--frames", "12"] + fastVideo)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Probe(output)
        #expect(p.video?.codec == o.1 && p.video?.frames == 12)
        #expect(p.audio?.codec == o.2)
        // 12 frames at 24 fps: the sound stops with the picture (within one audio packet), by the packets.
        let video = try #require(try packetSpan(output, "v")), audio = try #require(try packetSpan(output, "a"))
        #expect(abs(video.end - video.start - 0.5) < 0.002, "video spans \(video)")   // Matroska keeps milliseconds
        #expect(abs(audio.end - video.end) < 0.05, "audio ends at \(audio.end) s, video at \(video.end) s")
        if o.0 == "webm" { #expect(r.stderr.contains("re-encoded")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["in.mp4", "out.\(o.0)"])
    }

    /// A click 1.8 s into the sound is heard at 1.8 s in the output when the sound is re-encoded (Vorbis for
    /// WebM): the encoder's chunks that ran past the picture written so far were once dropped instead of kept
    /// until it got there, and the sound after them came 960 samples (20 ms) early.
    @Test("re-encoded sound keeps its timing")
    func reencodedTiming() throws {
        let dir = temporaryFolder(), input = "\(dir)/in.mp4", output = "\(dir)/out.webm"
        try ffmpeg(testsrc("64x48", "24", "2.5") + ["-f", "lavfi", "-i", "aevalsrc='if(between(t,1.8,1.82),sin(2*PI*1000*t),0)':s=48000:d=2.5",
                                                    "-t", "2.5", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", input])
        let r = try CLI.run(["video", input, "-o", output] + fastVideo)
        #expect(r.status == 0, "\(r.stderr)")
        // The first sample over a fifth of full scale, in samples at 48 kHz, as ffmpeg decodes each file.
        func click(_ path: String) throws -> Int? {
            let raw = try tool(["ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-ac", "1", "-ar", "48000", "-"]).stdout
            let samples = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return samples.firstIndex { abs($0) > 0.2 }
        }
        let heard = try #require(try click(input)), dreamed = try #require(try click(output))
        #expect(abs(heard - 86_400) < 48, "the click at sample \(heard) of the input")
        #expect(abs(dreamed - heard) < 48, "the click at sample \(dreamed) of the output, \(heard) of the input")
    }

    @Test("damaged audio packets are counted and reported, copied or re-encoded; clean sound gets no such note", arguments: ["mkv", "webm"])
    func damagedAudio(_ ext: String) throws {
        let dir = temporaryFolder()
        for (name, noise) in [("clean", [String]()), ("bad", ["-bsf:a", "noise=amount=20"])] {
            try ffmpeg(testsrc("64x48", "25", "1") + tone + ["-t", "1", "-c:v", "libx264", "-c:a", "mp2"] + noise + ["\(dir)/\(name).mkv"])
            let r = try CLI.run(["video", "\(dir)/\(name).mkv", "-o", "\(dir)/\(name)-out.\(ext)"] + fastVideo)
            #expect(r.status == 0, "\(r.stderr)")
            if name == "clean" {
                #expect(!r.stderr.contains("damaged"), "\(r.stderr)")
            } else {
                #expect(r.stderr.contains("damaged packet") && r.stderr.contains("left out"), "\(r.stderr)")
            }
        }
    }

    @Test("a 5.1 layout survives copying and re-encoding", arguments: ["mkv", "webm"])
    func multichannel(_ ext: String) throws {
        let dir = temporaryFolder(), input = "\(dir)/in.mp4"
        try ffmpeg(testsrc("64x48", "25", "0.4") + tone + ["-filter_complex", "[1:a]pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0[a]",
                                                          "-map", "0:v", "-map", "[a]", "-t", "0.4", "-c:v", "libx264", "-c:a", "aac", input])
        #expect(try CLI.run(["video", input, "-o", "\(dir)/out.\(ext)"] + fastVideo).status == 0)
        let channels = try tool(["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=channels", "-of", "csv=p=0", "\(dir)/out.\(ext)"])
        #expect(String(decoding: channels.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "6")
    }

    @Test("PNG sequence, odd sizes, --no-audio and --pix-fmt")
    func variants() throws {
        let dir = temporaryFolder(), input = "\(dir)/odd.mp4"
        try ffmpeg(testsrc("97x63", "25", "0.4") + tone + ["-t", "0.4", "-c:v", "libx264", "-pix_fmt", "yuv444p", "-c:a", "aac", input])
        try FileManager.default.createDirectory(atPath: "\(dir)/seq", withIntermediateDirectories: true)
        #expect(try CLI.run(["video", input, "-o", "\(dir)/seq/%04d.png"] + fastVideo).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/seq").count == 10)
        #expect(try Probe("\(dir)/seq/0001.png").video?.width == 97)

        let cropped = try CLI.run(["video", input, "-o", "\(dir)/even.mp4", "--no-audio"] + fastVideo)
        #expect(cropped.stderr.contains("cropped 97×63 to 96×62"))
        let even = try Probe("\(dir)/even.mp4")
        #expect(even.video?.width == 96 && even.video?.height == 62 && even.audio == nil)

        #expect(try CLI.run(["video", input, "-o", "\(dir)/full.mkv", "--pix-fmt", "yuv444p"] + fastVideo).status == 0)
        let full = try Probe("\(dir)/full.mkv").video
        #expect(full?.width == 97 && full?.height == 63 && full?.pixelFormat == "yuv444p", "\(String(describing: full))")
    }

    @Test("rotation metadata is honoured: a phone video comes out upright, as ffmpeg shows it")
    func rotation() throws {
        let dir = temporaryFolder(), plain = "\(dir)/plain.mp4", rotated = "\(dir)/rotated.mp4"
        try ffmpeg(testsrc("96x64", "25", "0.2") + ["-c:v", "libx264", plain])
        try ffmpeg(["-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated])
        #expect(try CLI.run(["video", rotated, "-o", "\(dir)/out.mkv", "--iterations", "0", "--octaves", "1", "-q"]).status == 0)
        let p = try Probe("\(dir)/out.mkv")
        #expect(p.video?.width == 64 && p.video?.height == 96)
        try ffmpeg(["-i", rotated, "-frames:v", "1", "\(dir)/ffmpeg.png"])
        try ffmpeg(["-i", "\(dir)/out.mkv", "-frames:v", "1", "\(dir)/ours.png"])
        let a = try ImageFile.read("\(dir)/ffmpeg.png"), b = try ImageFile.read("\(dir)/ours.png")
        let meanDifference = zip(a.bytes, b.bytes).map { abs(Int($0) - Int($1)) }.reduce(0, +) / a.bytes.count
        #expect(meanDifference < 15, "mean difference \(meanDifference) from ffmpeg's upright frame")
    }

    @Test("a truncated input dreams the frames that decode and says so")
    func truncated() throws {
        let dir = temporaryFolder(), input = "\(dir)/long.mkv", cut = "\(dir)/cut.mkv"
        try ffmpeg(testsrc("96x64", "25", "4") + ["-c:v", "libx264", "-g", "10", input])
        let data = try Data(contentsOf: URL(fileURLWithPath: input))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        let r = try CLI.run(["video", cut, "-o", "\(dir)/out.mp4"] + fastVideo)
        #expect(r.status == 0, "\(r.stderr)")
        let frames = try Probe("\(dir)/out.mp4").video?.frames ?? 0
        #expect(frames > 10 && frames < 100)
        #expect(r.stderr.contains("truncated") && r.stderr.contains("\(frames) of 100 frames"), "\(r.stderr)")
    }

    @Test("bad inputs and outputs: one clear line, exit non-zero, nothing left behind")
    func failures() throws {
        let dir = temporaryFolder()
        FileManager.default.createFile(atPath: "\(dir)/empty.mp4", contents: Data())
        try ffmpeg(tone + ["-t", "0.5", "\(dir)/sound.m4a"])
        try ffmpeg(testsrc("64x48", "10", "0.3") + ["-c:v", "libx264", "\(dir)/ok.mp4"])
        let cases: [([String], String)] = [
            (["video", "\(dir)/empty.mp4", "-o", "\(dir)/o1.mp4"], "empty.mp4"),
            (["video", "\(dir)/sound.m4a", "-o", "\(dir)/o2.mp4"], "no video"),
            (["video", "\(dir)/missing.mp4", "-o", "\(dir)/o3.mp4"], "no such file"),
            (["video", "\(dir)/ok.mp4", "-o", "\(dir)/ok.mp4"], "already exists"),
            (["video", "\(dir)/ok.mp4", "-o", "\(dir)/o4.avi"], "unknown video extension"),
            (["video", "\(dir)/ok.mp4", "-o", "\(dir)/o5.png"], "%06d"),
            (["video", "\(dir)/ok.mp4", "-o", "\(dir)/o6.mp4", "--codec", "nosuchcodec"], "nosuchcodec"),
            (["video", "\(dir)/ok.mp4", "-o", "\(dir)/o7.mp4", "--blend", "2"], "blend"),
            (["video", "\(dir)/ok.mp4", "-o", "\(dir)/o8.mkv", "--codec", "ffv1", "--crf", "20"], "ffv1 encoder takes no --crf"),
        ]
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        for (arguments, message) in cases {
            let r = try CLI.run(arguments + fastVideo)
            #expect(r.status != 0 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == before)
    }

    @Test("Ctrl-C finishes the frame in flight, dreams no queued frame, and leaves a playable file")
    func interrupt() throws {
        let dir = temporaryFolder(), input = "\(dir)/in.mp4", output = "\(dir)/out.mp4"
        try ffmpeg(testsrc("160x120", "25", "8") + ["-c:v", "libx264", input])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["video", input, "-o", output, "--layer", "relu3_3", "--octaves", "2", "--iterations", "3", "--first-frame-iterations", "3"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        // Progress prints one line per finished frame when stderr is not a terminal: wait for the third.
        var seen = Data()
        while !(String(decoding: seen, as: UTF8.self).contains("frame 3/")) {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        process.interrupt()
        seen += err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let log = String(decoding: seen, as: UTF8.self)
        #expect(process.terminationStatus == 130)
        #expect(log.contains("stopped"))
        // After the stop only the frame in flight may finish: the decoder had queued more.
        let afterStop = log.components(separatedBy: "stopping after the frame in flight").last ?? ""
        let finishedAfter = afterStop.split(separator: "\n").filter { $0.hasPrefix("frame ") }.count
        #expect(finishedAfter <= 1, "\(finishedAfter) frames finished after the stop:\n\(log)")
        let frames = try Probe(output).video?.frames ?? 0
        #expect(frames >= 3 && frames <= 4, "\(frames) frames written")
        #expect(log.contains("holds the first \(frames) frames") && log.contains("--resume"))
        // The playable file and the checkpoint to go on from; no temporary file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [".out.mp4.dream", "in.mp4", "out.mp4"])
    }
}

import ArgumentParser
import Dream
import FFmpegBridge
import Foundation
import Pipeline

/// How frames follow each other, for the commands that dream a stream of frames.
struct FrameOptions: ParsableArguments {
    @Option(help: "Share of the previous frame's dream carried into the next: 0 = independent frames, 1 = all of it.")
    var blend: Float?

    @Option(help: "Iterations for the first frame and the first after a cut (later frames build on a dream); default: --iterations.")
    var firstFrameIterations: Int?

    @Option(help: "Dream only the first N frames.")
    var frames: Int?

    @Flag(inversion: .prefixedNo, help: "Carry the dream along the input's optical flow, new and uncovered pixels dreamed afresh (--no-flow: blend the last dreamed frame in place).")
    var flow = true

    @Flag(name: .customLong("no-cuts"), help: "Do not restart the dream at scene cuts.")
    var noCuts = false

    @Option(help: "Colour change between frames (0…1, share of pixels changing colour) from which a scene cut is found. Default 0.4.")
    var cutThreshold: Double?

    @Option(help: "Write per-frame stability, cuts and timings as JSON to this file.")
    var report: String?

    @OptionGroup var motion: MotionOptions

    func validate() throws {
        if noCuts && cutThreshold != nil { throw ValidationError("--cut-threshold has no effect with --no-cuts: give one or the other") }
    }

    /// The preset's video and motion keys, then these options.
    func resolve(preset: Preset?) throws -> VideoSettings {
        var video = VideoSettings()
        try preset?.apply(to: &video)
        if let blend { video.blend = blend }
        if let firstFrameIterations { video.firstFrameIterations = firstFrameIterations }
        if let frames { video.maxFrames = frames }
        video.flow = flow
        video.cuts = !noCuts
        if let cutThreshold { video.cutThreshold = cutThreshold }
        let typed = try motion.spec()
        if video.blend == 0 && !typed.isEmpty {
            throw ValidationError("--zoom, --rotate, --drift and --center move the carried dream, and --blend 0 carries none: drop them or raise --blend")
        }
        video.motion = typed.over(try preset?.motionSpec() ?? MotionSpec())
        _ = try video.motion.resolve(fps: 25)   // the syntax now; the job resolves it at the input's rate
        try video.validate()
        return video
    }
}

/// The flags every command that writes a file shares.
struct OutputFlags: ParsableArguments {
    @Flag(name: [.customLong("overwrite"), .customShort("y")], help: "Replace the output if it exists.")
    var overwrite = false

    @Flag(name: .shortAndLong, help: "No progress display.")
    var quiet = false
}

/// Encoder choices for the commands that write video.
struct EncodeOptions: ParsableArguments {
    @Option(help: "Video encoder (libx264, libx265, libvpx-vp9, libaom-av1, ffv1, …); default by extension.")
    var codec: String?

    @Option(help: "Constant quality (lower is better; x264 default 18, VP9 31).")
    var crf: Int?

    @Option(help: "Pixel format (yuv420p, yuv444p, …); default yuv420p.")
    var pixFmt: String?

    func options(audio: Bool) -> VideoOutputOptions {
        VideoOutputOptions(codec: codec, crf: crf, pixelFormat: pixFmt, audio: audio)
    }
}

/// What a finished video, zoom or pipe job tells the user on stderr, and its exit status.
func report(_ summary: VideoJob.Summary, input: String?, output: String) throws {
    var lines = summary.notes.map { "deepdream: note: \($0)" }
    if !summary.cuts.isEmpty { lines.append("deepdream: scene cuts at frames \(summary.cuts.map(String.init).joined(separator: ", "))") }
    if let s = summary.stability {
        lines.append(String(format: "deepdream: stability: instability %.3f (warping error %.2f, the input's %.2f, strength %.2f, in 0–255 levels)",
                            s.instability, s.outputError, s.inputError, s.strength))
    }
    if summary.stalled {
        lines.append("deepdream: stdin: nothing came for the --input-timeout; \(summary.frames) complete frames were written")
    } else if summary.truncated, input == "-" {
        lines.append("deepdream: stdin: the stream ended in an incomplete or damaged frame; \(summary.frames) complete frames were written")
    } else if summary.truncated, let input {
        let of = summary.expected.map { " of \($0)" } ?? ""
        lines.append("deepdream: \(input): truncated or damaged; dreamed the \(summary.frames)\(of) frames that decoded")
    }
    if summary.stopped {
        lines.append("deepdream: stopped; \(output == "-" ? "stdout" : output) holds the first \(summary.frames) frames"
                     + (summary.checkpoint.map { "; the checkpoint in \($0) goes on from there with --resume" } ?? ""))
    }
    if !lines.isEmpty { FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
    if summary.stopped { throw ExitCode(130) }
    if (summary.truncated || summary.stalled) && input == "-" { throw ExitCode(1) }   // a stream cut short is an error for the pipeline
}

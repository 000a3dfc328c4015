import ArgumentParser
import Dream
import FFmpegBridge
import Foundation
import Pipeline

/// How frames follow each other, for the commands that dream a stream of frames.
struct FrameOptions: ParsableArguments {
    @Option(help: "Share of the previous dreamed frame in the next frame's start: 0 = independent frames, 1 = pure feedback.")
    var blend: Float?

    @Option(help: "Iterations for the first frame (later frames build on it); default: --iterations.")
    var firstFrameIterations: Int?

    @Option(help: "Dream only the first N frames.")
    var frames: Int?

    /// The preset's video keys, then these options.
    func resolve(preset: Preset?) throws -> VideoSettings {
        var video = VideoSettings()
        try preset?.apply(to: &video)
        if let blend { video.blend = blend }
        if let firstFrameIterations { video.firstFrameIterations = firstFrameIterations }
        if let frames { video.maxFrames = frames }
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
    if summary.truncated, input == "-" {
        lines.append("deepdream: stdin: the stream ended in an incomplete or damaged frame; \(summary.frames) complete frames were written")
    } else if summary.truncated, let input {
        let of = summary.expected.map { " of \($0)" } ?? ""
        lines.append("deepdream: \(input): truncated or damaged; dreamed the \(summary.frames)\(of) frames that decoded")
    }
    if summary.stopped { lines.append("deepdream: stopped; \(output == "-" ? "stdout" : output) holds the first \(summary.frames) frames") }
    if !lines.isEmpty { FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
    if summary.stopped { throw ExitCode(130) }
    if summary.truncated && input == "-" { throw ExitCode(1) }   // a stream cut short is an error for the pipeline
}

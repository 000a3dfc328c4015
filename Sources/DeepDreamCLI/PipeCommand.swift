import ArgumentParser
import Dream
import FFmpegBridge
import Foundation
import Pipeline

/// How standard input is read when probing cannot tell (raw video has no header).
struct StreamOptions: ParsableArguments {
    @Option(help: "Input format for standard input: y4m, rawvideo, nut, matroska, mpegts, … (default: detected).")
    var inputFormat: String?

    @Option(help: "Raw video frame size WIDTHxHEIGHT (with --input-format rawvideo).")
    var size: String?

    @Option(name: .customLong("input-pix-fmt"), help: "Raw video pixel format of the input (rgb24, yuv420p, …).")
    var inputPixFmt: String?

    @Option(help: "Raw video frame rate (25, 30000/1001, …).")
    var fps: String?

    @Option(help: "End the stream when standard input sends nothing for this many seconds (default: wait for ever, as a pipe may pause).")
    var inputTimeout: Double?

    func source(forStandardInput: Bool) throws -> StreamSource {
        if let inputTimeout {
            guard forStandardInput else { throw ValidationError("--input-timeout is for standard input (-); a file cannot stall") }
            guard inputTimeout.isFinite, inputTimeout > 0, inputTimeout <= 86_400 else {
                throw ValidationError("--input-timeout must be 0 < seconds ≤ 86400, got \(inputTimeout)")
            }
        }
        var source = try rawSource(forStandardInput: forStandardInput)
        source.stallTimeout = inputTimeout
        return source
    }

    private func rawSource(forStandardInput: Bool) throws -> StreamSource {
        var format = inputFormat.map { $0 == "y4m" ? "yuv4mpegpipe" : $0 == "raw" ? "rawvideo" : $0 }
        if format == nil, size != nil { format = "rawvideo" }
        guard format == "rawvideo" else {
            if size != nil || inputPixFmt != nil || fps != nil {
                throw ValidationError("--size, --input-pix-fmt and --fps describe raw video input: add --input-format rawvideo, or leave them out (other formats carry their own)")
            }
            return StreamSource(format: format)
        }
        guard let size else { throw ValidationError("raw video input needs --size WIDTHxHEIGHT") }
        let (w, h) = try FrameGeometry.size(size, option: "--size")
        let rate = try FrameGeometry.rate(fps ?? "25", option: "--fps")
        // Raw frames carry no pixel format: a wrong guess would still divide the stream into wrong frames.
        guard let inputPixFmt else { throw ValidationError("raw video input needs --input-pix-fmt (rgb24, yuv420p, …): raw frames do not say theirs") }
        return StreamSource(format: format, options: ["video_size": "\(w)x\(h)", "pixel_format": inputPixFmt,
                                                      "framerate": "\(rate.num)/\(rate.den)"])
    }
}

struct PipeCommand: PreparedCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Dream a video stream from standard input to standard output, frame by frame.",
        discussion: """
            ffmpeg -i in.mp4 -f yuv4mpegpipe - | deepdream pipe --preset video | ffmpeg -f yuv4mpegpipe -i - out.mp4
            Each frame is written before the next is read; the dream follows the flow from the previous input \
            frame, as in `video`. Uses the `video` preset unless told otherwise. Size and frame rate follow the \
            input. Only media goes to standard output; progress and errors go to standard error.
            """)

    @OptionGroup var stream: StreamOptions

    @Option(help: "Output format: \(VideoContainer.streamFormats.joined(separator: ", ")).")
    var outputFormat = "y4m"

    @Option(name: .customLong("pix-fmt"), help: "Pixel format of the output (default: the input's for y4m and rawvideo, yuv420p otherwise).")
    var pixFmt: String?

    @Option(help: "Video encoder for compressed output formats.")
    var codec: String?

    @OptionGroup var dream: DreamOptions

    @OptionGroup var frameOptions: FrameOptions

    @Flag(name: .shortAndLong, help: "No progress on standard error.")
    var quiet = false

    func prepare() throws -> Work {
        let (settings, weights, preset) = try dream.resolve(defaultPreset: "video")
        let video = try frameOptions.resolve(preset: preset)
        _ = try VideoContainer.named(outputFormat)
        let source = try stream.source(forStandardInput: true)
        let guide = try dream.guideImage()
        return {
            let network = try WeightsLocator.load(weights)
            let signals = StopSignals(cleanup: nil)
            let display = VideoProgressDisplay(quiet: quiet)
            let summary = try PipeJob.run(source: source, streamFormat: outputFormat, dream: settings, video: video, network: network,
                                          options: VideoOutputOptions(codec: codec, pixelFormat: pixFmt), stop: signals.flag,
                                          guide: guide, report: frameOptions.report, progress: display.update)
            display.finish()
            try report(summary, input: "-", output: "-")
        }
    }
}

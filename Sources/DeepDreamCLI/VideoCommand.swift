import ArgumentParser
import Dream
import FFmpegBridge
import Foundation
import Pipeline

struct VideoCommand: PreparedCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Dream a whole video; the sound is carried through.",
        discussion: """
            Reads any container and codec FFmpeg decodes. Writes by extension: .mp4/.mov/.mkv (H.264), .webm (VP9), \
            or a PNG sequence (out/%06d.png). Uses the `video` preset unless told otherwise. Each frame starts \
            from the new picture with the previous frame's dream carried onto it along the optical flow, so the \
            dream moves with the scene; scene cuts start afresh. Ctrl-C stops after the frame in flight and \
            leaves a playable file.
            """)

    @Argument(help: "The video to dream (- for standard input).")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the dreamed video (- for standard output, in --format).")
    var output: String

    @OptionGroup var stream: StreamOptions

    @Option(help: "Stream format for -o -: \(VideoContainer.streamFormats.joined(separator: ", ")).")
    var format = "matroska"

    @OptionGroup var dream: DreamOptions

    @OptionGroup var frameOptions: FrameOptions

    @OptionGroup var encode: EncodeOptions

    @Flag(help: "Leave the sound out.")
    var noAudio = false

    @OptionGroup var flags: OutputFlags

    @OptionGroup var checkpoint: ResumeOptions

    @OptionGroup var parts: SegmentOptions

    func prepare() throws -> Work {
        let (settings, weights, preset) = try dream.resolve(defaultPreset: "video")
        let video = try frameOptions.resolve(preset: preset)
        if output == "-" { _ = try VideoContainer.named(format) } else { _ = try VideoContainer.forPath(output) }
        let source = try stream.source(forStandardInput: input == "-")
        let guide = try dream.guideImage()
        let checkpointing = try checkpoint.options(input: input, output: output)
        let segment = try parts.resolve(input: input, output: output)
        if !output.contains("%") && !checkpoint.resume { try ImageJob.checkOutput(output, overwrite: flags.overwrite) }
        return {
            let network = try WeightsLocator.load(weights)
            let signals = StopSignals(cleanup: output.contains("%") || output == "-" ? nil : AtomicFile(output).temporaryPath)
            let display = VideoProgressDisplay(quiet: flags.quiet)
            let summary = try VideoJob.run(input: input, output: output, dream: settings, video: video, network: network,
                                           options: encode.options(audio: !noAudio),
                                           overwrite: flags.overwrite, stop: signals.flag, source: source, streamFormat: format,
                                           guide: guide, report: frameOptions.report, checkpointing: checkpointing, segment: segment,
                                           progress: display.update)
            display.finish()
            try report(summary, input: input, output: output)
        }
    }
}

/// Frame i/N, frames per minute and ETA on stderr: redrawn in place on a terminal, one line per frame
/// otherwise (logs), nothing with --quiet.
final class VideoProgressDisplay: @unchecked Sendable {
    private let terminal: Bool
    private let quiet: Bool

    init(quiet: Bool) {
        self.quiet = quiet
        terminal = isatty(STDERR_FILENO) == 1
    }

    func update(_ p: VideoProgress) {
        guard !quiet, terminal || p.dream == nil else { return }
        let within = p.dream?.fraction ?? 0
        let done = Double(p.frame) + within
        let perMinute = p.elapsed > 0 ? done / p.elapsed * 60 : 0
        var text = "frame \(min(p.frame + (p.dream == nil ? 0 : 1), p.total ?? .max))" + (p.total.map { "/\($0)" } ?? "")
        text += String(format: " · %.2f frames/min", perMinute)
        if let total = p.total, done > 0 {
            let eta = p.elapsed / done * (Double(total) - done)
            text += " · ETA " + Self.duration(eta)
        }
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    func finish() {
        if terminal && !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}

import ArgumentParser
import Dream
import FFmpegBridge
import Foundation
import Pipeline

struct ZoomCommand: PreparedCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoom",
        abstract: "Render an infinite-zoom animation: each frame is the last one moved a little and dreamed again.",
        discussion: """
            Motion options take a number or keyframes: --zoom 1.02 (per frame), --zoom 1.5/s (per second, so the \
            frame rate does not change the motion), --zoom "0:1.02,120:1.06" (frames) or "0s:1.02,5s:1.06" (seconds). \
            --drift takes X,Y, or keyframes "0:2,0;5s:0,3". --ease smooth eases every schedule.
            Output: any format `video` writes (.mp4, .mov, .mkv, .webm, out/%06d.png).
            """)

    @Argument(help: "Picture to start from; without one the animation starts from --start.")
    var input: String?

    @Option(name: .shortAndLong, help: "Where to write the animation.")
    var output: String

    @Option(help: "Number of frames.")
    var frames: Int

    @Option(help: "Frame size WIDTHxHEIGHT (default: the input's size, or 640x360).")
    var size: String?

    @Option(help: "Without an input: noise, gray, or a colour #rrggbb.")
    var start = "noise"

    @Option(help: "Frames per second (24, 30000/1001, …).")
    var fps = "24"

    @OptionGroup var motion: MotionOptions

    @Option(help: "Step size over time (keyframes); overrides --step.")
    var stepSchedule: String?

    @Option(help: "Iterations over time (keyframes); overrides --iterations.")
    var iterationsSchedule: String?

    @Option(help: "Layers over time, e.g. \"0:relu4_3,10s:relu5_1\"; overrides --layer.")
    var layerSchedule: String?

    @Option(help: "Frames over which a layer change crossfades.")
    var layerFade: Double = 24

    @Option(help: "How strongly (0…1) each frame's colours are pulled back to the first frame's mean and spread.")
    var anchor: Float?

    @Option(help: "Iterations for the first frame, which starts from a plain picture.")
    var firstFrameIterations: Int?

    @OptionGroup var dream: DreamOptions

    @OptionGroup var encode: EncodeOptions

    @OptionGroup var flags: OutputFlags

    @OptionGroup var checkpoint: ResumeOptions

    func prepare() throws -> Work {
        let (settings, weights, preset) = try dream.resolve()
        var z = ZoomSettings()
        z.frames = frames
        z.fps = try FrameGeometry.rate(fps, option: "--fps")
        let rate = z.fpsValue
        let presetValues = try preset?.zoomValues() ?? [:]
        var presetVideo = VideoSettings()   // only first-frame-iterations applies: every zoom frame is the last one, moved
        try preset?.apply(to: &presetVideo)
        z.firstFrameIterations = presetVideo.firstFrameIterations
        let spec = try motion.spec().over(try preset?.motionSpec() ?? MotionSpec())
        z.motion = try spec.resolve(fps: rate, defaultZoom: 1.02)
        func schedule(_ text: String, _ name: String) throws -> Schedule {
            var s = try Schedule(parsing: text, name: name, fps: rate)
            s.smooth = spec.smooth
            return s
        }
        z.step = try stepSchedule.map { try schedule($0, "step-schedule") }
        z.iterations = try iterationsSchedule.map { try schedule($0, "iterations-schedule") }
        z.layers = try layerSchedule.map { try LayerSchedule(parsing: $0, fps: rate, fade: layerFade) }
        if let a = anchor ?? presetValues["anchor"].flatMap(Float.init) { z.anchor = a }
        if let firstFrameIterations { z.firstFrameIterations = firstFrameIterations }

        var startImage: Image
        if let input {
            startImage = Image(try ImageFile.read(input))
            if let size {
                let (w, h) = try FrameGeometry.size(size, option: "--size")
                startImage = startImage.resized(width: w, height: h)
            }
        } else {
            let (w, h) = try FrameGeometry.size(size ?? "640x360", option: "--size")
            if let c = try checkpoint.options(input: nil, output: output) {
                try Checkpoint.checkSpace(for: output, in: c.directory, frames: frames, width: w, height: h)   // before the noise is made
            }
            startImage = try Self.startPicture(start, width: w, height: h, seed: settings.seed)
        }
        try z.validate(width: startImage.width, height: startImage.height)
        let guide = try dream.guideImage()
        _ = try VideoContainer.forPath(output)
        let checkpointing = try checkpoint.options(input: nil, output: output)
        if !output.contains("%") && !checkpoint.resume { try ImageJob.checkOutput(output, overwrite: flags.overwrite) }
        return {
            let network = try WeightsLocator.load(weights)
            let signals = StopSignals(cleanup: output.contains("%") ? nil : AtomicFile(output).temporaryPath)
            let display = VideoProgressDisplay(quiet: flags.quiet)
            let summary = try ZoomJob.run(start: startImage, output: output, dream: settings, zoom: z, network: network,
                                          options: encode.options(audio: false),
                                          overwrite: flags.overwrite, stop: signals.flag, guide: guide, checkpointing: checkpointing,
                                          progress: display.update)
            display.finish()
            try report(summary, input: nil, output: output)
        }
    }

    /// A plain starting picture: soft noise around mid-grey, flat grey, or a colour.
    static func startPicture(_ kind: String, width: Int, height: Int, seed: UInt64) throws -> Image {
        switch kind {
        case "noise":
            var rng = SplitMix64(seed: seed)
            let noise = Image(width: width, height: height, pixels: (0..<3 * width * height).map { _ in Float(rng.next() >> 40) / Float(1 << 24) })
            let soft = noise.gaussianBlurred(sigma: 1.5)
            return Image(width: width, height: height, pixels: soft.pixels.map { 0.5 + 2.5 * ($0 - 0.5) })
        case "gray", "grey":
            return Image(width: width, height: height, fill: 0.5)
        default:
            let hex = kind.hasPrefix("#") ? String(kind.dropFirst()) : kind
            guard hex.count == 6, let v = UInt32(hex, radix: 16) else {
                throw ValidationError("--start must be noise, gray or a colour like #3366cc, got \(kind)")
            }
            var image = Image(width: width, height: height)
            for (c, shift) in [16, 8, 0].enumerated() {
                let value = Float((v >> UInt32(shift)) & 0xFF) / 255
                for i in 0..<(width * height) { image.pixels[c * width * height + i] = value }
            }
            return image
        }
    }
}

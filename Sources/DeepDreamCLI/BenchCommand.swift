import ArgumentParser
import Dream
import FFmpegBridge
import Foundation
import Pipeline

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one dream iteration (forward to the layer and backward to the image).",
        discussion: """
            Reports the median of several runs after a warm-up, and GFLOP/s as direct-convolution FLOPs \
            (forward + backward) ÷ time. --frame times whole dreams with the default settings, --video the \
            `video` command end to end; the peak memory of the whole run comes last.
            """)

    @Option(help: "Image sizes, WIDTHxHEIGHT, repeatable.")
    var size: [String] = ["224x224", "640x360", "1280x720"]

    @Option(help: "Layer to reach.")
    var layer = "relu4_3"

    @Option(help: "Timed runs per size.")
    var runs = 5

    @Option(help: "Weights: imagenet, hed, torchvision or a path.")
    var weights = "imagenet"

    @Flag(help: "Also show each layer's forward and backward time.")
    var layers = false

    @Flag(help: "The direct kernel everywhere (no Winograd): the reference path.")
    var direct = false

    @Option(help: ArgumentHelp("Precision of the fast path's products: auto (fp32), fp32 or bf16.", valueName: "auto|fp32|bf16"))
    var precision = Precision.auto

    @Option(help: ArgumentHelp("The C kernels' instruction set, one this CPU has: avx512, avx2 or generic (default: the best; --precision bf16 implies avx512bf16).", valueName: "isa"))
    var isa: String?

    @Option(help: "Also time a whole dream of a WIDTHxHEIGHT frame with the default settings (4 octaves × 10 iterations).")
    var frame: String?

    @Option(help: "Whole dreams to time for --frame.")
    var frameRuns = 3

    @Option(help: "Also time `deepdream video` end to end on this clip, as a user runs it: the video preset, flow on, H.264 out, sound copied.")
    var video: String?

    @Option(help: "Frames to dream for --video.")
    var videoFrames = 12

    @Option(help: "Preset (name or .json file) for --video.")
    var videoPreset = "video"

    @Flag(help: "Time --video with the dream blended in place (no optical flow).")
    var noFlow = false

    @Option(help: ArgumentHelp("Also dream this picture with the fast kernels and with the reference (direct) kernels, default settings, and report the PSNR between the two dreams. Repeatable.", valueName: "picture"))
    var compare: [String] = []

    /// Per-operation times, medians over the runs, with GFLOP/s for the convolutions.
    func breakdown(_ network: VGG16, _ objective: Objective, _ image: Image, _ ws: VGG16.Workspace) throws {
        var samples: [Int: [(Double, Double)]] = [:]
        for _ in 0..<max(runs, 1) {
            ws.profile = [:]
            _ = network.gradient(of: objective, at: image, ws)
            for (k, v) in ws.profile! { samples[k, default: []].append(v) }
        }
        ws.profile = nil
        print("    layer      forward   backward   conv GFLOP/s (fwd, bwd)")
        var h = image.height, w = image.width, cin = 3
        for op in Layer.all[0...objective.deepest.index] {
            let s = samples[op.index] ?? []
            let f = s.map(\.0).sorted()[s.count / 2], b = s.map(\.1).sorted()[s.count / 2]
            var rate = ""
            switch op.kind {
            case .conv:
                let flops = 2 * 9 * Double(cin * op.channels * h * w)
                rate = String(format: "%7.1f %7.1f", flops / f / 1e9, flops / b / 1e9)
                cin = op.channels
            case .pool: h /= 2; w /= 2
            case .relu: break
            }
            print("    " + op.name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: " %7.1f ms %7.1f ms  ", f * 1000, b * 1000) + rate)
        }
        if !direct && Layer.all[0...objective.deepest.index].contains(where: \.isPool) {
            print("    (a pool right after a convolution and its ReLU, neither a target, runs inside that convolution both ways:")
            print("     its time is in the convolution's row)")
        }
    }

    func validate() throws {
        for text in size { _ = try FrameGeometry.size(text, option: "--size") }
        if let frame { _ = try FrameGeometry.size(frame, option: "--frame") }
        if direct && (precision != .auto || isa != nil) {
            throw ValidationError("--precision and --isa choose among the fast kernels; --direct runs none of them")
        }
        if isa != nil && video != nil {
            throw ValidationError("--isa applies to the iteration, --frame and --compare timings; --video runs as the video command does (--precision applies)")
        }
        if isa != nil && precision == .bf16 {
            throw ValidationError("--precision bf16 runs on avx512bf16 only: leave out --isa")
        }
        _ = try kernelPath()
        if direct && video != nil {
            throw ValidationError("--direct applies to the iteration and --frame timings; --video times the video command as it runs, on the fast path")
        }
        if video == nil && (noFlow || videoPreset != "video") {
            throw ValidationError("--no-flow and --video-preset apply to --video: add --video CLIP")
        }
    }

    /// The fast path's kernels as asked for.
    func kernelPath() throws -> KernelPath {
        guard let isa else { return try KernelPath.resolve(precision) }
        let paths: [String: KernelPath] = ["avx512": .avx512, "avx2": .avx2, "generic": .generic]
        guard let path = paths[isa] else { throw ValidationError("--isa: unknown instruction set '\(isa)'; avx512, avx2 or generic") }
        guard path.isSupported else { throw ValidationError("--isa \(isa): this CPU does not have it") }
        return path
    }

    /// Deterministic noise (the cost of a dream does not depend on the picture).
    static func testImage(width: Int, height: Int) -> Image {
        var rng = SplitMix64(seed: 1)
        return Image(width: width, height: height, pixels: (0..<3 * width * height).map { _ in Float(rng.next() % 256) / 255 })
    }

    /// Whole dreams of one frame with `DreamSettings()`, the defaults of `image` and `video`.
    func timeFrame(_ network: VGG16) throws {
        let (w, h) = try FrameGeometry.size(frame!, option: "--frame")
        let dreamer = Dreamer(network: network, winograd: !direct, path: direct ? nil : try kernelPath())
        let image = Self.testImage(width: w, height: h)
        var times: [Double] = []
        for _ in 0..<max(frameRuns, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            var settings = DreamSettings()
            settings.precision = precision
            _ = try dreamer.dream(image, settings: settings)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        print(String(format: "whole dream, default settings, %@: %.2f s (median of %d; fastest %.2f s)",
                     frame!, times.sorted()[times.count / 2], times.count, times.min()!))
    }

    /// `deepdream video CLIP -o tmp.mp4 --frames N [--preset P] [--no-flow]` in-process: decode, flow,
    /// dream, encode, sound; with the flow's share of the time.
    func timeVideo(_ network: VGG16) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("deepdream-bench-\(getpid()).mp4").path
        let report = out + ".json"
        defer { for f in [out, report] { try? FileManager.default.removeItem(atPath: f) } }
        let info = try VideoReader(path: video!).info
        let preset = try Preset.load(videoPreset)
        var dream = DreamSettings(), weightsName = "imagenet"
        dream.precision = precision
        try preset.apply(to: &dream, weights: &weightsName)
        var settings = VideoSettings()
        try preset.apply(to: &settings)
        settings.maxFrames = videoFrames
        settings.flow = !noFlow
        let start = DispatchTime.now().uptimeNanoseconds
        let summary = try VideoJob.run(input: video!, output: out, dream: dream, video: settings, network: network,
                                       options: VideoOutputOptions(), overwrite: true, stop: StopFlag(), report: report)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let log = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any] ?? [:]
        let flow = log["flowSecondsPerFrame"] as? Double ?? 0
        let perFrame = seconds / Double(max(summary.frames, 1))
        print(String(format: "video end to end, %@ (%dx%d), preset %@%@, %d frames: %.1f s, %.2f frames/min; optical flow %.0f ms a frame (%.1f%% of a frame)",
                     (video! as NSString).lastPathComponent, info.width, info.height, preset.name, noFlow ? ", no flow" : "",
                     summary.frames, seconds, Double(summary.frames) / seconds * 60, flow * 1000, flow / perFrame * 100))
        // The first frame dreams its own, bigger budget: the frames after it show what a long clip runs at.
        let later = (log["perFrame"] as? [[String: Any]] ?? []).dropFirst()
        let laterSeconds = later.reduce(0.0) { $0 + ($1["dreamSeconds"] as? Double ?? 0) + ($1["flowSeconds"] as? Double ?? 0) }
        if !later.isEmpty {
            print(String(format: "  after the first frame: %.2f s a frame (flow and dream), %.2f frames/min", laterSeconds / Double(later.count),
                         Double(later.count) / laterSeconds * 60))
        }
        if let s = summary.stability {
            print(String(format: "  stability: instability %.3f, strength %.2f levels", s.instability, s.strength))
        }
    }

    /// The fast path against the reference on a real picture: PSNR (dB) of the fast dream against the
    /// reference dream; for scale, the PSNR between two fast dreams of the picture and of the picture
    /// nudged by 1/40 of a grey level (gradient ascent amplifies any rounding difference that much), and
    /// how far the dream moved the picture.
    func comparePaths(_ network: VGG16, _ path: String) throws {
        let photo = Image(try ImageFile.read(path))
        var nudged = photo
        for i in nudged.pixels.indices { nudged.pixels[i] = min(nudged.pixels[i] + 1e-4, 1) }
        var settings = DreamSettings()
        settings.seed = 1
        settings.precision = precision
        let kernels = try kernelPath()
        let fast = try Dreamer(network: network, winograd: true, path: kernels).dream(photo, settings: settings)
        let reference = try Dreamer(network: network, winograd: false).dream(photo, settings: settings)
        let fastNudged = try Dreamer(network: network, winograd: true, path: kernels).dream(nudged, settings: settings)
        func psnr(_ a: Image, _ b: Image) -> Double {
            let mse = zip(a.pixels, b.pixels).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.pixels.count)
            return 10 * log10(1 / max(mse, 1e-20))
        }
        let moved = zip(reference.pixels, photo.pixels).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(photo.pixels.count)
        print(String(format: "%@ (%dx%d), default dream, \(kernels): fast vs reference PSNR %.1f dB; fast vs fast on the picture nudged by 1e-4: %.1f dB; the dream moved pixels by %.3f on average",
                     (path as NSString).lastPathComponent, photo.width, photo.height, psnr(fast, reference),
                     psnr(fast, fastNudged), moved))
    }

    /// Peak resident memory of this process so far.
    static func peakMemoryMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024   // KiB on Linux
    }

    func run() throws {
        let network = try WeightsLocator.load(weights)
        defer { print(String(format: "peak memory (RSS) of this run: %.0f MB", Self.peakMemoryMB())) }
        let objective = Objective(targets: [try LayerTarget(parsing: layer)])
        print("OpenBLAS kernels: \(OpenBLASSetup.coreName) (OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"))")
        print("layer \(objective.deepest.name), \(direct ? "direct kernel everywhere" : "fast path (Winograd \((try? kernelPath()).map { "F(\($0.tile)×\($0.tile),3×3) on \($0)" } ?? "?"), row kernel for conv1_1)"), \(runs) runs after 1 warm-up, median")
        print("size        iteration   GFLOP/s   fastest  slowest")
        for text in size {
            let (w, h) = try FrameGeometry.size(text, option: "--size")
            let image = Self.testImage(width: w, height: h)
            let ws = VGG16.Workspace(width: w, height: h, depth: objective.deepest, winograd: !direct,
                                     scratch: direct ? nil : WinogradScratch(path: try kernelPath()))
            _ = network.gradient(of: objective, at: image, ws)
            var times: [Double] = []
            for _ in 0..<max(runs, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = network.gradient(of: objective, at: image, ws)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let median = times.sorted()[times.count / 2]
            let flops = 2 * FLOPs.forward(to: objective.deepest, width: w, height: h)
            print("\(text.padding(toLength: 11, withPad: " ", startingAt: 0)) "
                  + String(format: "%7.3f s   %7.1f   %5.3f s  %5.3f s", median, flops / median / 1e9, times.min()!, times.max()!))
            if layers { try breakdown(network, objective, image, ws) }
        }
        if frame != nil { try timeFrame(network) }
        if video != nil { try timeVideo(network) }
        for path in compare { try comparePaths(network, path) }
    }
}

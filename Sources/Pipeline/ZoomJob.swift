import Dream
import FFmpegBridge
import Foundation

/// Infinite zoom: each frame is the previous dreamed frame moved a little (zoom, rotate, drift), pulled
/// back towards the first frame's colour statistics, and dreamed again.
public struct ZoomSettings: Sendable {
    public var frames = 240
    public var fps: (num: Int32, den: Int32) = (24, 1)
    /// The camera move each frame.
    public var motion = CameraMotion()
    /// Per-frame overrides of the dream settings.
    public var step: Schedule?
    public var iterations: Schedule?
    public var layers: LayerSchedule?
    /// Iterations for the first frame (it starts from a plain picture); nil = `iterations`.
    public var firstFrameIterations: Int?
    /// Share (0…1) of the way each frame's channel mean and spread move back to the first frame's.
    public var anchor: Float = 0.1

    public init() {}

    public var fpsValue: Double { Double(fps.num) / Double(fps.den) }

    public func validate(width: Int, height: Int) throws(DreamError) {
        guard (1...1_000_000).contains(frames) else { throw .invalidSetting("frames must be at least 1, got \(frames)") }
        guard fps.num > 0, fps.den > 0, fpsValue <= 1000 else { throw .invalidSetting("fps must be positive") }
        try motion.validate(width: width, height: height)
        guard anchor.isFinite, (0...1).contains(anchor) else { throw .invalidSetting("anchor must be in [0, 1]") }
        if let iterations, !iterations.keys.allSatisfy({ $0.value >= 0 && $0.value <= 10_000 }) { throw .invalidSetting("iterations must be 0…10000") }
        if let step, !step.keys.allSatisfy({ $0.value >= 0 && $0.value <= 1 }) { throw .invalidSetting("step must be in [0, 1]") }
    }
}

public enum ZoomJob {
    /// The dream settings for `frame`: schedules applied, layers crossfaded with weights that make each
    /// layer's pull comparable (divided by its objective on `current`).
    static func settings(at frame: Int, base: DreamSettings, zoom: ZoomSettings, dreamer: Dreamer, current: Image) -> DreamSettings {
        var s = base
        if let step = zoom.step { s.step = Float(step.value(at: frame)) }
        if let iterations = zoom.iterations { s.iterations = Int(iterations.value(at: frame).rounded()) }
        if frame == 0, let first = zoom.firstFrameIterations { s.iterations = first }
        if let layers = zoom.layers {
            let mix = layers.targets(at: frame)
            if mix.count == 1 {
                s.targets = [mix[0].target]
            } else {
                let strength = dreamer.objectiveValues(current, mix.map(\.target))
                s.targets = zip(mix, strength).map { m, v in
                    var t = m.target
                    t.weight = Float(m.share / max(v, 1e-12)) * m.target.weight
                    return t
                }
            }
        }
        s.seed = base.seed &+ UInt64(frame)
        return s
    }

    public static func run(start: Image, output: String, dream: DreamSettings, zoom: ZoomSettings, network: VGG16,
                           options: VideoOutputOptions, overwrite: Bool, stop: StopFlag, guide: Image? = nil,
                           checkpointing: CheckpointOptions? = nil, progress: ((VideoProgress) -> Void)? = nil) throws -> VideoJob.Summary {
        try dream.validate()
        try zoom.validate(width: start.width, height: start.height)
        let container = try VideoContainer.forPath(output)
        let checkpoint = try checkpointing.map { c throws -> Checkpoint in
            var manifest = RenderManifest(dream: dream, weights: network.weights, guide: guide, options: options, output: output)
            manifest.digest(image: start, as: "start picture")
            manifest.add(settings: zoom, as: "zoom")
            let checkpoint = try Checkpoint(output: output, options: c, manifest: manifest.entries, overwrite: overwrite)
            try checkpoint.checkSpace(frames: zoom.frames, width: start.width, height: start.height)
            return checkpoint
        }
        // A render that fails before its first frame leaves no checkpoint behind.
        defer { if let checkpoint, checkpoint.frames == 0 { checkpoint.remove() } }
        let destination = try VideoDestination(output: output, container: container, overwrite: overwrite || checkpoint?.resumed != nil)
        let writer = try VideoWriter(path: destination.writerPath, container: container,
                                     width: start.width, height: start.height, frameRate: zoom.fps,
                                     timeBase: (zoom.fps.den, zoom.fps.num), audioFrom: nil,
                                     options: options, displayPath: output)
        var index = 0
        let next = { () -> StreamItem? in
            guard index < zoom.frames else { return nil }
            defer { index += 1 }
            return .frame(StreamFrame(image: start, pts: Int64(index), index: index))
        }

        let dreamer = Dreamer(network: network)
        let began = Date()
        var last: Image?
        var reference: [(mean: Float, std: Float)]?
        let written: Int
        do {
            let resumed = checkpoint?.resumed
            written = try FramePipeline.run(overlapped: true, source: next, writer: writer, stop: stop) { source in
                let i = source.index
                if let resumed, let checkpoint, i < resumed.state.frames {
                    if i == resumed.state.frames - 1 {
                        last = resumed.last
                        reference = resumed.state.reference?.map { (mean: $0[0], std: $0[1]) }
                    }
                    return try checkpoint.frame(i)
                }
                try destination.checkFolder()
                var frame = source.image
                if let last {
                    frame = last.warped(zoom.motion.step(at: i, width: frame.width, height: frame.height))
                    if let reference { frame = frame.anchored(to: reference, strength: zoom.anchor) }
                }
                let settings = settings(at: i, base: dream, zoom: zoom, dreamer: dreamer, current: frame)
                frame = try dreamer.dream(frame, settings: settings, guide: guide) { p in
                    progress?(VideoProgress(frame: i, total: zoom.frames, dream: p, elapsed: Date().timeIntervalSince(began)))
                }
                if reference == nil { reference = frame.channelStatistics() }
                last = frame
                try checkpoint?.save(frame: i, last: frame, state: Checkpoint.State(
                    frames: i + 1, width: frame.width, height: frame.height, machine: Checkpoint.machine,
                    reference: reference?.map { [$0.mean, $0.std] }))
                progress?(VideoProgress(frame: i + 1, total: zoom.frames, dream: nil, elapsed: Date().timeIntervalSince(began)))
                return frame
            }
        } catch {
            destination.discard()
            throw Checkpoint.keeping(error, checkpoint)
        }
        do { try destination.commit() } catch { throw Checkpoint.keeping(error, checkpoint) }
        if !stop.isSet { checkpoint?.remove() }
        return VideoJob.Summary(frames: written, stopped: stop.isSet, truncated: false, expected: zoom.frames,
                                notes: (checkpoint?.notes ?? []) + writer.notes, checkpoint: stop.isSet ? checkpoint?.directory : nil)
    }
}

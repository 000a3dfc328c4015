import Dispatch
import Dream
import FFmpegBridge
import Foundation

/// Infinite zoom: each frame is the previous dreamed frame moved a little (zoom, rotate, drift), pulled
/// back towards the first frame's colour statistics, and dreamed again.
public struct ZoomSettings: Sendable {
    public var frames = 240
    public var fps: (num: Int32, den: Int32) = (24, 1)
    public var zoom = Schedule(1.02)
    public var rotate = Schedule(0)
    public var driftX = Schedule(0)
    public var driftY = Schedule(0)
    public var centerX = 0.5
    public var centerY = 0.5
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

    public func motion(at frame: Int) -> ZoomStep {
        ZoomStep(zoom: zoom.value(at: frame), rotate: rotate.value(at: frame), driftX: driftX.value(at: frame),
                 driftY: driftY.value(at: frame), centerX: centerX, centerY: centerY)
    }

    public func validate() throws(DreamError) {
        guard (1...1_000_000).contains(frames) else { throw .invalidSetting("frames must be at least 1, got \(frames)") }
        guard fps.num > 0, fps.den > 0, fpsValue <= 1000 else { throw .invalidSetting("fps must be positive") }
        guard zoom.keys.allSatisfy({ $0.value > 0.2 && $0.value < 5 }) else { throw .invalidSetting("zoom must be between 0.2 and 5 per frame") }
        guard (0...1).contains(centerX), (0...1).contains(centerY) else { throw .invalidSetting("center must be fractions 0…1 of the width and height") }
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
                           options: VideoOutputOptions, overwrite: Bool, stop: StopFlag,
                           progress: ((VideoProgress) -> Void)? = nil) throws -> VideoJob.Summary {
        try dream.validate()
        try zoom.validate()
        let container = try VideoContainer.forPath(output)
        let atomic = AtomicFile(output)
        if !container.isImageSequence { try ImageJob.checkOutput(output, overwrite: overwrite) } else { try atomic.checkWritable() }
        let writer = try VideoWriter(path: container.isImageSequence ? output : atomic.temporaryPath, container: container,
                                     width: start.width, height: start.height, frameRate: zoom.fps,
                                     timeBase: (zoom.fps.den, zoom.fps.num), audioFrom: nil,
                                     options: options, displayPath: output)
        nonisolated(unsafe) let unsafeWriter = writer
        let queue = BoundedQueue<(Image, Int64)>(capacity: 2)
        let failure = FirstError(), written = Counter(), group = DispatchGroup()
        DispatchQueue(label: "deepdream.encode").async(group: group) {
            do {
                while let (image, pts) = queue.pop() {
                    try unsafeWriter.write(RGBImage(image), pts: pts)
                    written.add()
                }
                if !failure.isSet { try unsafeWriter.finish() }
            } catch {
                failure.record(error)
                queue.close()
            }
        }

        let dreamer = Dreamer(network: network)
        let began = Date()
        var frame = start
        var reference: [(mean: Float, std: Float)]?
        do {
            for index in 0..<zoom.frames {
                if stop.isSet || failure.isSet { break }
                if index > 0 {
                    frame = frame.warped(zoom.motion(at: index))
                    if let reference { frame = frame.anchored(to: reference, strength: zoom.anchor) }
                }
                let settings = settings(at: index, base: dream, zoom: zoom, dreamer: dreamer, current: frame)
                frame = try dreamer.dream(frame, settings: settings) { p in
                    progress?(VideoProgress(frame: index, total: zoom.frames, dream: p, elapsed: Date().timeIntervalSince(began)))
                }
                if reference == nil { reference = frame.channelStatistics() }
                progress?(VideoProgress(frame: index + 1, total: zoom.frames, dream: nil, elapsed: Date().timeIntervalSince(began)))
                guard queue.push((frame, Int64(index))) else { break }
            }
        } catch { failure.record(error) }
        queue.close()
        group.wait()
        if let error = failure.error {
            if !container.isImageSequence { atomic.discard() }
            throw error
        }
        if !container.isImageSequence { try atomic.commit() }
        return VideoJob.Summary(frames: written.value, stopped: stop.isSet, truncated: false, expected: zoom.frames, notes: writer.notes)
    }
}

import Dispatch
import Dream
import Motion

/// The temporal stage of the frame pipeline: dreams the frames of a stream in order, each starting from
/// the new picture with the previous frame's dream carried onto it. It owns all that passes from one
/// frame to the next: the last input and dream, the motion tracker, the cuts found.
///
/// With flow (the default) the previous dream's detail (dreamed − input) is carried along the input's
/// backward flow and kept where that flow is consistent both ways; new and uncovered pixels start from
/// the plain picture and are dreamed afresh. Without flow, the previous dreamed frame is blended in
/// place. Either way `VideoSettings.motion` moves what is carried on top, and a scene cut restarts the
/// chain with the first-frame budget.
final class TemporalSeeder {
    struct Frame {
        var dreamed: Image
        /// The input's motion from the previous frame (when flow, cuts or a measure needed it).
        var motion: FrameMotion?
        var cut: Bool
        var dreamSeconds: Double
    }

    let dream: DreamSettings
    let video: VideoSettings
    let guide: Image?
    private let motion: CameraMotion
    private let tracker: MotionTracker?
    private var previous: (raw: Image, dreamed: Image)?
    private(set) var cuts: [Int] = []

    /// `measuring`: the input's flow is wanted for a stability report even when the dream does not follow it.
    init(dream: DreamSettings, video: VideoSettings, motion: CameraMotion, guide: Image?, measuring: Bool) {
        self.dream = dream
        self.video = video
        self.motion = motion
        self.guide = guide
        let needsFlow = video.flow || measuring
        tracker = needsFlow || video.cuts ? MotionTracker(flow: needsFlow) : nil
    }

    /// Goes on from a resumed render whose last frame was `raw`, dreamed as `dreamed`.
    func resume(raw: Image, dreamed: Image, cuts: [Int]) {
        tracker?.prime(raw)
        previous = (raw, dreamed)
        self.cuts = cuts
    }

    func next(_ raw: Image, index: Int, dreamer: Dreamer, progress: ((DreamProgress) -> Void)? = nil) throws -> Frame {
        let moved = try tracker?.next(raw)
        let cut = video.cuts && moved?.isCut(threshold: video.cutThreshold) == true
        if cut { cuts.append(index) }
        var seed = raw
        var settings = dream
        if let previous, !cut, previous.raw.width == raw.width, previous.raw.height == raw.height {
            if video.blend > 0 { seed = try carry(previous, onto: raw, index: index, motion: moved) }
        } else if let first = video.firstFrameIterations {
            settings.iterations = first
        }
        settings.seed = dream.seed &+ UInt64(index)
        let start = DispatchTime.now().uptimeNanoseconds
        let dreamed = try dreamer.dream(seed, settings: settings, guide: guide, progress: progress)
        previous = (raw, dreamed)
        return Frame(dreamed: dreamed, motion: moved, cut: cut,
                     dreamSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The new frame's starting picture: `raw` with the previous dream carried onto it.
    private func carry(_ previous: (raw: Image, dreamed: Image), onto raw: Image, index: Int, motion moved: FrameMotion?) throws -> Image {
        let step = motion.step(at: index, width: raw.width, height: raw.height)
        let blend = video.blend
        var seed = raw
        if video.flow, let flow = moved?.backward, let trusted = moved?.trusted {
            var detail = previous.dreamed
            for i in detail.pixels.indices { detail.pixels[i] -= previous.raw.pixels[i] }
            let carried = try detail.remapped(SampleMap(flow: flow, motion: step, width: raw.width, height: raw.height))
            let keep = Self.softened(trusted, width: raw.width, height: raw.height)
            let plane = raw.plane
            for c in 0..<3 {
                for i in 0..<plane { seed.pixels[c * plane + i] += blend * keep[i] * carried.pixels[c * plane + i] }
            }
        } else {
            let carried = step.isIdentity ? previous.dreamed
                : try previous.dreamed.remapped(SampleMap(flow: nil, motion: step, width: raw.width, height: raw.height))
            for i in seed.pixels.indices { seed.pixels[i] += blend * (carried.pixels[i] - seed.pixels[i]) }
        }
        return seed.clamped()
    }

    /// The trust mask with its edges softened over a couple of pixels, so no seam shows where the
    /// carried dream stops.
    static func softened(_ mask: [Float], width: Int, height: Int) -> [Float] {
        let blurred = Image(width: width, height: height, pixels: mask + mask + mask).gaussianBlurred(sigma: 1.5)
        return Array(blurred.pixels[0..<(width * height)])
    }
}

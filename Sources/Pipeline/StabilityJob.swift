import Dream
import FFmpegBridge
import Motion

/// Measures renders against their input: each output's warping error along the *input's* flow, the
/// input's own (its floor), and the dream's strength (see `StabilityMeter`). Pairs across a scene cut
/// are left out.
public enum StabilityJob {
    public struct Result: Sendable, Codable {
        public var output: String
        public var frames: Int
        public var summary: StabilitySummary?
        public var perFrame: [StabilitySample]
    }

    /// `outputs` are read in step with `input`, frame by frame; measuring stops where the shortest ends.
    public static func run(input: String, outputs: [String], cutThreshold: Double = VideoSettings().cutThreshold,
                           maxFrames: Int? = nil) throws -> (results: [Result], cuts: [Int]) {
        let source = try VideoReader(path: input)
        let renders = try outputs.map { path throws(MediaError) in try VideoReader(path: path) }
        for (path, r) in zip(outputs, renders) {
            let (w, h) = (r.info.width, r.info.height), (iw, ih) = (source.info.width, source.info.height)
            // yuv420p output drops an odd last row or column: compare with the input cropped the same way.
            guard (iw - 1...iw).contains(w), (ih - 1...ih).contains(h) else {
                throw MediaError(path, "is \(w)×\(h) but \(input) is \(iw)×\(ih): not a render of it")
            }
        }
        let tracker = MotionTracker(flow: true)
        var meters = outputs.map { _ in StabilityMeter() }
        var cuts: [Int] = []
        var index = 0
        frames: while maxFrames.map({ index < $0 }) ?? true, let frame = try nextFrame(source) {
            let motion = try tracker.next(frame)
            let cut = motion?.isCut(threshold: cutThreshold) == true
            if cut { cuts.append(index) }
            for (k, render) in renders.enumerated() {
                guard let out = try nextFrame(render) else { break frames }
                let inputFrame = out.width == frame.width && out.height == frame.height ? frame
                    : frame.cropped(x: 0, y: 0, width: out.width, height: out.height)
                let trimmed = motion.map { m in out.width == frame.width && out.height == frame.height ? m : m.cropped(width: out.width, height: out.height) }
                try meters[k].add(frame: index, input: inputFrame, output: out, motion: cut ? nil : trimmed)
            }
            index += 1
        }
        let results = zip(outputs, meters).map { path, meter in
            Result(output: path, frames: meter.samples.count, summary: meter.summary, perFrame: meter.samples)
        }
        return (results, cuts)
    }

    private static func nextFrame(_ reader: VideoReader) throws -> Image? {
        while let item = try reader.next() {
            if case .frame(let f) = item { return Image(f.image) }
        }
        return nil
    }
}

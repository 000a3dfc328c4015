import Dream
import FFmpegBridge
import Foundation
import Motion

/// What a video render records per frame (cuts, flow, stability, timings) and writes as `--report` JSON.
struct RenderLog {
    struct Frame: Codable {
        var frame: Int
        var cut: Bool
        /// Colour-histogram distance from the previous input frame.
        var colourChange: Double?
        /// Share of pixels where the input's flow is consistent both ways.
        var trustedShare: Double?
        var flowSeconds: Double
        var dreamSeconds: Double
        var outputWarpingError: Double?
        var inputWarpingError: Double?
        var strength: Double?
        var instability: Double?
    }

    /// Every frame's record, when kept for a report (an endless stream keeps none: memory stays flat).
    private(set) var frames: [Frame] = []
    /// Stability against the input's motion; nil where the flow is not computed.
    private(set) var meter: StabilityMeter?
    private let keepsFrames: Bool

    init(measure: Bool, keepingFrames: Bool) {
        keepsFrames = keepingFrames
        meter = measure ? StabilityMeter(keepingSamples: false) : nil
    }

    /// Goes on from a checkpoint's log; `input` and `output` are the last frame's.
    mutating func resume(frames: [Frame], totals: StabilityMeter.Totals?, input: Image, output: Image) {
        self.frames = keepsFrames ? frames : []
        if meter != nil { meter = StabilityMeter(resuming: totals ?? .init(), input: input, output: output) }
    }

    mutating func add(_ index: Int, input: Image, _ result: TemporalSeeder.Frame) throws {
        var frame = Frame(frame: index, cut: result.cut, colourChange: result.motion?.colourChange,
                          trustedShare: result.motion?.trustedShare, flowSeconds: result.motion?.flowSeconds ?? 0,
                          dreamSeconds: result.dreamSeconds)
        if meter != nil {
            let s = try meter!.add(frame: index, input: input, output: result.dreamed, motion: result.cut ? nil : result.motion)
            frame.outputWarpingError = s.outputError
            frame.inputWarpingError = s.inputError
            frame.strength = s.strength
            frame.instability = s.instability
        }
        if keepsFrames { frames.append(frame) }
    }

    struct Report: Codable {
        var input: String
        var output: String
        var flow: Bool
        var frames: Int
        var cuts: [Int]
        var seconds: Double
        var framesPerMinute: Double
        /// Mean seconds a frame spent on flow and on dreaming.
        var flowSecondsPerFrame: Double
        var dreamSecondsPerFrame: Double
        /// Warping errors and strength in 0–255 levels; instability = (output − input error) ÷ strength.
        var stability: StabilitySummary?
        var perFrame: [Frame]
    }

    func write(to path: String, input: String, output: String, seconds: Double, cuts: [Int], flow: Bool) throws {
        let n = Double(max(frames.count, 1))
        let report = Report(input: input, output: output, flow: flow, frames: frames.count, cuts: cuts, seconds: seconds,
                            framesPerMinute: Double(frames.count) / max(seconds, 1e-9) * 60,
                            flowSecondsPerFrame: frames.reduce(0) { $0 + $1.flowSeconds } / n,
                            dreamSecondsPerFrame: frames.reduce(0) { $0 + $1.dreamSeconds } / n,
                            stability: meter?.summary, perFrame: frames)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile(path).write(try encoder.encode(report))
    }
}

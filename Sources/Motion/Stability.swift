import Dream

/// One frame of a stability measurement, in 0–255 levels.
public struct StabilitySample: Sendable, Codable, Equatable {
    public var frame: Int
    /// Mean |output − previous output carried along the input's flow| over trusted pixels; nil for a
    /// frame with no previous frame to compare (the first, or the first after a cut).
    public var outputError: Double?
    /// The same for the input itself: the floor that interpolation and flow errors set.
    public var inputError: Double?
    /// Mean |output − input|: how far the dream moved the frame.
    public var strength: Double

    /// The share of the dream's change that does not move with the scene: (output error − input error) ÷
    /// strength. 0: the dream moves exactly with the scene; about 1 or more: it does not follow at all.
    public var instability: Double? {
        guard let o = outputError, let i = inputError, strength > 0 else { return nil }
        return (o - i) / strength
    }
}

/// Over a whole render: means over the frames that had a previous frame.
public struct StabilitySummary: Sendable, Codable, Equatable {
    public var measuredFrames: Int
    public var outputError: Double
    public var inputError: Double
    public var strength: Double
    /// (mean output error − mean input error) ÷ mean strength.
    public var instability: Double
}

/// The warping error (Lai et al., "Learning Blind Video Temporal Consistency", ECCV 2018) of a render
/// against its input, frame pair by frame pair. Flow and trust come from the *input* frames, so every
/// render of one input is judged against the same motion.
public struct StabilityMeter {
    /// Sums over the measured frames (those with a previous frame): all the summary needs.
    public struct Totals: Sendable, Codable, Equatable {
        public var measured = 0
        public var outputError = 0.0
        public var inputError = 0.0
        public var strength = 0.0
        public init() {}
    }

    private var previous: (input: Image, output: Image)?
    /// Every frame's sample, when kept (a report); an endless stream keeps only the totals.
    public private(set) var samples: [StabilitySample] = []
    public private(set) var totals = Totals()
    private let keepsSamples: Bool

    public init(keepingSamples: Bool = true) {
        keepsSamples = keepingSamples
    }

    /// Goes on, keeping totals only, from a render measured up to `input` → `output` (a resumed render).
    public init(resuming totals: Totals, input: Image, output: Image) {
        keepsSamples = false
        self.totals = totals
        previous = (input, output)
    }

    /// Measures `output` (the render of `input`) against the previous pair. `motion` is the input's motion
    /// from the previous frame, with its flow; nil starts afresh (first frame, or a cut).
    @discardableResult
    public mutating func add(frame: Int, input: Image, output: Image, motion: FrameMotion?) throws(MotionError) -> StabilitySample {
        precondition(input.width == output.width && input.height == output.height, "input and output sizes differ")
        var sample = StabilitySample(frame: frame, strength: 255 * Self.meanAbsoluteDifference(output, input, mask: nil))
        if let previous, let flow = motion?.backward, let trusted = motion?.trusted,
           previous.input.width == input.width, previous.input.height == input.height, trusted.contains(where: { $0 > 0 }) {
            let map = SampleMap(flow: flow, motion: nil, width: input.width, height: input.height)
            let o = 255 * Self.meanAbsoluteDifference(output, try previous.output.remapped(map), mask: trusted)
            let i = 255 * Self.meanAbsoluteDifference(input, try previous.input.remapped(map), mask: trusted)
            sample.outputError = o
            sample.inputError = i
            totals.measured += 1
            totals.outputError += o
            totals.inputError += i
            totals.strength += sample.strength
        }
        previous = (input, output)
        if keepsSamples { samples.append(sample) }
        return sample
    }

    public var summary: StabilitySummary? {
        guard totals.measured > 0 else { return nil }
        let n = Double(totals.measured)
        let o = totals.outputError / n, i = totals.inputError / n, s = totals.strength / n
        return StabilitySummary(measuredFrames: totals.measured, outputError: o, inputError: i, strength: s,
                                instability: s > 0 ? (o - i) / s : 0)
    }

    /// Mean |a − b| over all channels of the pixels where `mask` is 1 (every pixel without a mask).
    static func meanAbsoluteDifference(_ a: Image, _ b: Image, mask: [Float]?) -> Double {
        let plane = a.plane
        var total = 0.0, weight = 0.0
        a.pixels.withUnsafeBufferPointer { p in
            b.pixels.withUnsafeBufferPointer { q in
                for i in 0..<plane {
                    let m = Double(mask?[i] ?? 1)
                    guard m > 0 else { continue }
                    let d = abs(p[i] - q[i]) + abs(p[plane + i] - q[plane + i]) + abs(p[2 * plane + i] - q[2 * plane + i])
                    total += m * Double(d)
                    weight += 3 * m
                }
            }
        }
        return weight > 0 ? total / weight : 0
    }
}

import Dream

/// How frames follow each other.
public struct VideoSettings: Sendable, Equatable {
    /// How much of the previous frame's dream is carried into the next: 0 = every frame dreamed on its
    /// own, 1 = all of it (without flow: pure feedback, the input only shows through the dream).
    public var blend: Float = 0.5
    /// Iterations for the first frame, and the first after a cut (later frames build on a dream); nil = `iterations`.
    public var firstFrameIterations: Int?
    /// Stop after this many frames (nil = all).
    public var maxFrames: Int?
    /// Carry the dream along the input's optical flow, trusting it only where it is consistent both ways;
    /// false: blend the previous dreamed frame in place.
    public var flow = true
    /// Restart the chain at scene cuts.
    public var cuts = true
    /// Colour-histogram distance (0…1) between consecutive input frames from which a cut is declared.
    public var cutThreshold = 0.4
    /// The carried dream's own move each frame, on top of the scene's.
    public var motion = MotionSpec()

    public init() {}

    public func validate() throws(DreamError) {
        guard blend.isFinite, (0...1).contains(blend) else { throw .invalidSetting("blend must be in [0, 1], got \(blend)") }
        if let n = firstFrameIterations, !(0...10_000).contains(n) {
            throw .invalidSetting("first-frame iterations must be 0…10000, got \(n)")
        }
        if let n = maxFrames, n < 1 { throw .invalidSetting("frames must be at least 1, got \(n)") }
        guard cutThreshold.isFinite, cutThreshold > 0, cutThreshold <= 1 else {
            throw .invalidSetting("cut threshold must be in (0, 1], got \(cutThreshold)")
        }
    }
}

/// Where a video job is.
public struct VideoProgress: Sendable {
    public var frame: Int           // frames finished
    public var total: Int?          // expected frames, if known
    public var dream: DreamProgress? // inside the current frame
    public var elapsed: Double      // seconds
}

import Dream

/// How frames follow each other.
public struct VideoSettings: Sendable, Equatable {
    /// How much of the previous dreamed frame seeds the next: 0 = every frame dreamed on its own,
    /// 1 = pure feedback (the input only shows through the dream).
    public var blend: Float = 0.5
    /// Iterations for the first frame (later frames start from a dream already); nil = `iterations`.
    public var firstFrameIterations: Int?
    /// Stop after this many frames (nil = all).
    public var maxFrames: Int?

    public init() {}

    public func validate() throws(DreamError) {
        guard blend.isFinite, (0...1).contains(blend) else { throw .invalidSetting("blend must be in [0, 1], got \(blend)") }
        if let n = firstFrameIterations, !(0...10_000).contains(n) {
            throw .invalidSetting("first-frame iterations must be 0…10000, got \(n)")
        }
        if let n = maxFrames, n < 1 { throw .invalidSetting("frames must be at least 1, got \(n)") }
    }
}

/// Where a video job is.
public struct VideoProgress: Sendable {
    public var frame: Int           // frames finished
    public var total: Int?          // expected frames, if known
    public var dream: DreamProgress? // inside the current frame
    public var elapsed: Double      // seconds
}

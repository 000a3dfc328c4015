/// Everything that shapes one dream. Defaults are the `default` preset.
public struct DreamSettings: Sendable, Equatable {
    public var targets: [LayerTarget] = [LayerTarget(layer: Layer.all[22])]   // relu4_3
    /// Pyramid levels, the image's own size included.
    public var octaves = 4
    /// Size ratio between neighbouring levels.
    public var octaveScale: Float = 1.4
    /// Gradient-ascent steps per level.
    public var iterations = 10
    /// Mean absolute change per step, in [0,1] pixel units.
    public var step: Float = 0.006
    /// Largest random shift (pixels) applied before each step and undone after.
    public var jitter = 32
    /// Standard deviation (pixels) of the Gaussian that smooths each gradient; 0 turns smoothing off.
    public var blur: Float = 0.5
    public var seed: UInt64 = 0
    /// Largest tile side (pixels) for one forward/backward pass; bigger images are done in overlapping
    /// tiles. Memory for one pass is about 1.2 KB per pixel to relu4_3, so 1024 keeps it near 1.3 GB.
    public var tileSize = 1024
    /// Precision of the Winograd products (the fast path's kernels).
    public var precision = Precision.auto

    public init() {}

    public func validate() throws(DreamError) {
        func check(_ ok: Bool, _ message: String) throws(DreamError) { if !ok { throw .invalidSetting(message) } }
        try check(!targets.isEmpty, "at least one layer is needed")
        try check((1...32).contains(octaves), "octaves must be 1…32, got \(octaves)")
        try check(octaveScale > 1 && octaveScale <= 4, "octave scale must be in (1, 4], got \(octaveScale)")
        try check((0...10_000).contains(iterations), "iterations must be 0…10000, got \(iterations)")
        try check(step.isFinite && step >= 0 && step <= 1, "step must be in [0, 1], got \(step)")
        try check((0...4096).contains(jitter), "jitter must be 0…4096 pixels, got \(jitter)")
        try check(blur.isFinite && blur >= 0 && blur <= 32, "blur must be in [0, 32] pixels, got \(blur)")
        try check(tileSize >= 64, "tile size must be at least 64 pixels, got \(tileSize)")
        _ = try KernelPath.resolve(precision)
    }
}

/// Where a dream is, for progress displays.
public struct DreamProgress: Sendable {
    public var octave: Int
    public var octaves: Int
    public var iteration: Int
    public var iterations: Int
    /// The objective before this step.
    public var objective: Double
    public var width: Int
    public var height: Int
    /// Share of the dream's work done after this step, 0…1 (levels weighted by their pixel count).
    public var fraction: Double
}

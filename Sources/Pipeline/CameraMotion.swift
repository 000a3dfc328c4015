import Dream
import Foundation

/// A camera move over the frames: zoom, turn and drift about a centre, each a keyframed `Schedule`.
/// `zoom` moves its whole picture this way; `video` and `pipe` move the carried dream on top of the
/// scene's own motion.
public struct CameraMotion: Sendable, Equatable {
    public var zoom = Schedule(1)
    public var rotate = Schedule(0)
    public var driftX = Schedule(0)
    public var driftY = Schedule(0)
    /// The point zoomed into, in pixels; nil = the middle of the frame.
    public var centerX: Double?
    public var centerY: Double?

    public init() {}

    public func step(at frame: Int, width: Int, height: Int) -> ZoomStep {
        ZoomStep(zoom: zoom.value(at: frame), rotate: rotate.value(at: frame), driftX: driftX.value(at: frame),
                 driftY: driftY.value(at: frame), centerX: centerX.map { $0 / Double(width) } ?? 0.5,
                 centerY: centerY.map { $0 / Double(height) } ?? 0.5)
    }

    public func validate(width: Int, height: Int) throws(DreamError) {
        guard zoom.keys.allSatisfy({ $0.value > 0.2 && $0.value < 5 }) else { throw .invalidSetting("zoom must be between 0.2 and 5 per frame") }
        guard [rotate, driftX, driftY].allSatisfy({ $0.keys.allSatisfy { abs($0.value) < 1e6 } }) else {
            throw .invalidSetting("rotate and drift must be finite and below 1e6 per frame")
        }
        if let x = centerX, let y = centerY, !((0...Double(width)).contains(x) && (0...Double(height)).contains(y)) {
            throw .invalidSetting("center \(x),\(y) lies outside the \(width)×\(height) frame")
        }
    }
}

/// The motion options as typed (`--zoom`, `--rotate`, `--drift`, `--center`, `--ease`): parsed once the
/// frame rate is known, since `/s` rates and `5s` keyframes depend on it.
public struct MotionSpec: Sendable, Equatable {
    public var zoom: String?
    public var rotate: String?
    public var drift: String?
    public var center: String?
    public var smooth = false

    public init(zoom: String? = nil, rotate: String? = nil, drift: String? = nil, center: String? = nil, smooth: Bool = false) {
        self.zoom = zoom; self.rotate = rotate; self.drift = drift; self.center = center; self.smooth = smooth
    }

    public var isEmpty: Bool { zoom == nil && rotate == nil && drift == nil && center == nil }

    /// These options, and `fallback`'s (a preset's) where these name none.
    public func over(_ fallback: MotionSpec) -> MotionSpec {
        MotionSpec(zoom: zoom ?? fallback.zoom, rotate: rotate ?? fallback.rotate, drift: drift ?? fallback.drift,
                   center: center ?? fallback.center, smooth: smooth)
    }

    /// The motion at `fps`; without a zoom, `defaultZoom` per frame.
    public func resolve(fps: Double, defaultZoom: Double = 1) throws(DreamError) -> CameraMotion {
        var m = CameraMotion()
        func schedule(_ text: String?, _ name: String, _ value: Double, compound: Bool = false) throws(DreamError) -> Schedule {
            var s = try text.map { t throws(DreamError) in try Schedule(parsing: t, name: name, fps: fps, compound: compound) } ?? Schedule(value)
            s.smooth = smooth
            return s
        }
        m.zoom = try schedule(zoom, "zoom", defaultZoom, compound: true)
        m.rotate = try schedule(rotate, "rotate", 0)
        (m.driftX, m.driftY) = try Self.drift(drift, fps: fps, smooth: smooth)
        if let center {
            let parts = center.split(separator: ",").compactMap { Double($0) }
            guard parts.count == 2, parts.allSatisfy({ $0.isFinite }) else { throw .invalidSetting("--center must be X,Y in pixels, got \(center)") }
            (m.centerX, m.centerY) = (parts[0], parts[1])
        }
        return m
    }

    /// `X,Y`, `X,Y/s`, or keyframes `T:X,Y;T:X,Y` (optionally `/s`).
    static func drift(_ text: String?, fps: Double, smooth: Bool) throws(DreamError) -> (Schedule, Schedule) {
        guard let text else { return (Schedule(0), Schedule(0)) }
        var body = text, suffix = ""
        if body.hasSuffix("/s") { suffix = "/s"; body.removeLast(2) }
        var xs: [String] = [], ys: [String] = []
        for key in body.split(whereSeparator: { $0 == ";" || $0 == " " }) {
            let colon = key.firstIndex(of: ":")
            let time = colon.map { String(key[..<$0]) + ":" } ?? ""
            let xy = (colon.map { key[key.index(after: $0)...] } ?? key[...]).split(separator: ",")
            guard xy.count == 2 else { throw .invalidSetting("--drift '\(text)': expected X,Y or keyframes like 0:2,0;5s:0,3") }
            xs.append(time + xy[0]); ys.append(time + xy[1])
        }
        var x = try Schedule(parsing: xs.joined(separator: ";") + suffix, name: "drift", fps: fps)
        var y = try Schedule(parsing: ys.joined(separator: ";") + suffix, name: "drift", fps: fps)
        x.smooth = smooth; y.smooth = smooth
        return (x, y)
    }
}

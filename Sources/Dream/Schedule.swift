import Foundation

/// A value that changes over the frames of an animation: a constant (`1.02`), or keyframes
/// `TIME:VALUE` separated by commas, semicolons or spaces (`0:1.02,120:1.06`), interpolated linearly
/// or smoothly in between and held beyond the ends. TIME is a frame number or seconds with `s` (`5s`).
/// A trailing `/s` makes the values rates per second, turned into per-frame steps with the frame rate
/// (`1.5/s` zooms 1.5× a second whatever the fps; `compound` rates multiply, others add).
public struct Schedule: Sendable, Equatable {
    public var keys: [(frame: Double, value: Double)]
    public var smooth = false

    public static func == (a: Schedule, b: Schedule) -> Bool {
        a.smooth == b.smooth && a.keys.count == b.keys.count && zip(a.keys, b.keys).allSatisfy { $0 == $1 }
    }

    public init(_ value: Double) { keys = [(0, value)] }

    /// `compound`: per-second values become per-frame by a root (zoom), else by division (degrees, pixels).
    public init(parsing text: String, name: String, fps: Double, compound: Bool = false) throws(DreamError) {
        var body = text.trimmingCharacters(in: .whitespaces)
        var perSecond = false
        if body.hasSuffix("/s") { perSecond = true; body.removeLast(2) }
        func bad(_ why: String) -> DreamError {
            .invalidSetting("--\(name) '\(text)': \(why); expected a number or keyframes like 0:1.02,120:1.06 (frames) or 0s:1.02,5s:1.06")
        }
        var keys: [(Double, Double)] = []
        for part in body.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " }) {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            let timeText = pieces.count == 2 ? String(pieces[0]) : "0"
            guard pieces.count <= 2, let value = Double(pieces.last!), value.isFinite else { throw bad("'\(part)' is not TIME:VALUE") }
            let time: Double?
            if timeText.hasSuffix("s") { time = Double(timeText.dropLast()).map { $0 * fps } } else { time = Double(timeText) }
            guard let time, time >= 0 else { throw bad("'\(timeText)' is not a frame number or seconds") }
            if pieces.count == 1 && !keys.isEmpty { throw bad("only the first value may leave out its time") }
            keys.append((time, value))
        }
        guard !keys.isEmpty else { throw bad("empty") }
        keys.sort { $0.0 < $1.0 }
        if perSecond {
            keys = keys.map { ($0.0, compound ? pow($0.1, 1 / fps) : $0.1 / fps) }
        }
        self.keys = keys
    }

    public func value(at frame: Int) -> Double {
        let t = Double(frame)
        guard let next = keys.firstIndex(where: { $0.frame > t }) else { return keys.last!.value }
        if next == 0 { return keys[0].value }
        let a = keys[next - 1], b = keys[next]
        var u = (t - a.frame) / (b.frame - a.frame)
        if smooth { u = u * u * (3 - 2 * u) }
        return a.value + u * (b.value - a.value)
    }
}

/// Which layer(s) an animation dreams at each frame: `0:relu4_3,200:relu5_1` switches at frame 200,
/// crossfading over `fade` frames before it so the picture does not jump.
public struct LayerSchedule: Sendable, Equatable {
    public var keys: [(frame: Double, target: LayerTarget)]
    public var fade: Double

    public static func == (a: LayerSchedule, b: LayerSchedule) -> Bool {
        a.fade == b.fade && a.keys.count == b.keys.count && zip(a.keys, b.keys).allSatisfy { $0.frame == $1.frame && $0.target == $1.target }
    }

    public init(parsing text: String, fps: Double, fade: Double) throws(DreamError) {
        var keys: [(Double, LayerTarget)] = []
        for part in text.split(whereSeparator: { $0 == ";" || $0 == " " || $0 == "," }) {
            guard let colon = part.firstIndex(of: ":") else {
                throw .invalidSetting("--layer-schedule '\(text)': '\(part)' is not TIME:LAYER, e.g. 0:relu4_3,10s:relu5_1")
            }
            let timeText = String(part[..<colon])
            let time = timeText.hasSuffix("s") ? Double(timeText.dropLast()).map { $0 * fps } : Double(timeText)
            guard let time, time >= 0 else { throw .invalidSetting("--layer-schedule: '\(timeText)' is not a frame number or seconds") }
            keys.append((time, try LayerTarget(parsing: String(part[part.index(after: colon)...]))))
        }
        guard !keys.isEmpty else { throw .invalidSetting("--layer-schedule is empty") }
        self.keys = keys.sorted { $0.0 < $1.0 }
        self.fade = max(0, fade)
    }

    /// The targets at `frame` with their crossfade shares (summing to 1).
    public func targets(at frame: Int) -> [(target: LayerTarget, share: Double)] {
        let t = Double(frame)
        let current = keys.lastIndex(where: { $0.frame <= t }) ?? 0
        guard current + 1 < keys.count else { return [(keys[current].target, 1)] }
        let next = keys[current + 1]
        let fadeStart = next.frame - fade
        guard fade > 0, t > fadeStart else { return [(keys[current].target, 1)] }
        var u = (t - fadeStart) / fade
        u = u * u * (3 - 2 * u)
        return [(keys[current].target, 1 - u), (next.target, u)]
    }
}

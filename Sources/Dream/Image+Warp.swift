import Foundation

/// One frame's camera move for infinite zoom: scale about a centre, rotate, then drift.
public struct ZoomStep: Sendable, Equatable {
    /// Scale factor (> 1 moves in).
    public var zoom: Double = 1
    /// Degrees, counter-clockwise.
    public var rotate: Double = 0
    /// Pixels the picture moves by (x right, y down).
    public var driftX: Double = 0
    public var driftY: Double = 0
    /// The point zoomed into, as a fraction of width and height (0.5, 0.5 = the middle).
    public var centerX: Double = 0.5
    public var centerY: Double = 0.5

    public init(zoom: Double = 1, rotate: Double = 0, driftX: Double = 0, driftY: Double = 0,
                centerX: Double = 0.5, centerY: Double = 0.5) {
        self.zoom = zoom; self.rotate = rotate; self.driftX = driftX; self.driftY = driftY
        self.centerX = centerX; self.centerY = centerY
    }

    /// True when the step moves nothing.
    public var isIdentity: Bool { zoom == 1 && rotate == 0 && driftX == 0 && driftY == 0 }

    /// The point of the picture before the step that pixel (`x`, `y`) shows after it, in a
    /// `width`×`height` frame: undo the drift, then the rotation and zoom about the centre (y runs down,
    /// so a counter-clockwise turn on screen takes +sin in the x row).
    @inline(__always)
    public func source(x: Double, y: Double, width: Int, height: Int) -> (x: Double, y: Double) {
        let cx = centerX * Double(width) - 0.5, cy = centerY * Double(height) - 0.5
        let angle = rotate * .pi / 180
        let c = cos(angle) / zoom, s = sin(angle) / zoom
        let dx = x - cx - driftX, dy = y - cy - driftY
        return (cx + c * dx - s * dy, cy + s * dx + c * dy)
    }
}

extension Image {
    /// The picture after `step`: output pixel p shows input point centre + R⁻¹(p − centre − drift) / zoom,
    /// sampled with a Catmull-Rom bicubic filter (sharp enough to survive thousands of repeats) and
    /// mirror-reflected borders instead of black.
    public func warped(_ step: ZoomStep) -> Image {
        var out = [Float](repeating: 0, count: pixels.count)
        let w = width, h = height, plane = width * height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        let (sx, sy) = step.source(x: Double(x), y: Double(y), width: w, height: h)
                        let x0 = Int(floor(sx)), y0 = Int(floor(sy))
                        let fx = Float(sx - Double(x0)), fy = Float(sy - Double(y0))
                        let wx = Self.cubicWeights(fx), wy = Self.cubicWeights(fy)
                        var xs = (0, 0, 0, 0), ys = (0, 0, 0, 0)
                        xs = (Self.reflect(x0 - 1, w), Self.reflect(x0, w), Self.reflect(x0 + 1, w), Self.reflect(x0 + 2, w))
                        ys = (Self.reflect(y0 - 1, h) * w, Self.reflect(y0, h) * w, Self.reflect(y0 + 1, h) * w, Self.reflect(y0 + 2, h) * w)
                        for ch in 0..<3 {
                            let p = src.baseAddress! + ch * plane
                            func row(_ r: Int) -> Float {
                                wx.0 * p[r + xs.0] + wx.1 * p[r + xs.1] + wx.2 * p[r + xs.2] + wx.3 * p[r + xs.3]
                            }
                            let v = wy.0 * row(ys.0) + wy.1 * row(ys.1) + wy.2 * row(ys.2) + wy.3 * row(ys.3)
                            dst[ch * plane + y * w + x] = min(max(v, 0), 1)
                        }
                    }
                }
            }
        }
        return Image(width: width, height: height, pixels: out)
    }

    /// Catmull-Rom (Keys, a = −0.5) weights for the four taps around a fractional offset t.
    @inline(__always) static func cubicWeights(_ t: Float) -> (Float, Float, Float, Float) {
        let t2 = t * t, t3 = t2 * t
        return (-0.5 * t3 + t2 - 0.5 * t,
                1.5 * t3 - 2.5 * t2 + 1,
                -1.5 * t3 + 2 * t2 + 0.5 * t,
                0.5 * t3 - 0.5 * t2)
    }

    /// Mirror reflection (…2 1 0 | 0 1 2 … n−1 | n−1 n−2 …) into 0..<n.
    @inline(__always) static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }

    /// Per-channel mean and standard deviation.
    public func channelStatistics() -> [(mean: Float, std: Float)] {
        (0..<3).map { c in
            let slice = pixels[(c * plane)..<((c + 1) * plane)]
            let mean = slice.reduce(0, +) / Float(plane)
            let variance = slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(plane)
            return (mean, variance.squareRoot())
        }
    }

    /// Moves each channel's mean and spread a share `strength` (0…1) of the way to `target`: keeps a long
    /// feedback loop from drifting to saturated colour or to grey.
    public func anchored(to target: [(mean: Float, std: Float)], strength: Float) -> Image {
        guard strength > 0 else { return self }
        let now = channelStatistics()
        var out = self
        for c in 0..<3 {
            let mean = now[c].mean + strength * (target[c].mean - now[c].mean)
            let std = now[c].std + strength * (target[c].std - now[c].std)
            let gain = now[c].std > 1e-6 ? std / now[c].std : 1
            for i in (c * plane)..<((c + 1) * plane) {
                out.pixels[i] = min(max((pixels[i] - now[c].mean) * gain + mean, 0), 1)
            }
        }
        return out
    }
}

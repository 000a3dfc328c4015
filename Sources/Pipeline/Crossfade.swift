import FFmpegBridge

/// Where one part of a segmented render hands over to the next: the two dreams of the same frames mixed.
enum Crossfade {
    /// The next part's share in the `i`-th of `count` crossfade frames: a smoothstep, so the change is
    /// least at the ends, where the parts' keyframes already change the coding noise.
    static func weight(_ i: Int, of count: Int) -> Float {
        let x = Float(i + 1) / Float(count + 1)
        return x * x * (3 - 2 * x)
    }

    /// `a` weighted 1 − t, `b` weighted t.
    static func blend(_ a: RGBImage, _ b: RGBImage, _ t: Float) -> RGBImage {
        precondition(a.width == b.width && a.height == b.height, "parts of one render share a size")
        var out = a
        let w = min(max(t, 0), 1)
        for i in out.bytes.indices {
            out.bytes[i] = UInt8((Float(a.bytes[i]) * (1 - w) + Float(b.bytes[i]) * w).rounded())
        }
        return out
    }
}

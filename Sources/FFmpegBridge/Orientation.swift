import CFFmpeg

/// How stored pixels map to displayed ones: the 2×2 part of FFmpeg's display matrix reduced to
/// a rotation by a multiple of 90° and an optional mirror (the eight EXIF orientations).
/// A stored pixel (x, y) is shown at (a·x + c·y, b·x + d·y), shifted back into the frame.
public struct Orientation: Sendable, Equatable {
    let a: Int, b: Int, c: Int, d: Int

    public static let upright = Orientation(a: 1, b: 0, c: 0, d: 1)

    /// Reads a display matrix (nine 32-bit values, 16.16 fixed point); nil for anything that is not a
    /// right-angle rotation or mirror.
    init?(displayMatrix m: UnsafePointer<Int32>) {
        func unit(_ v: Int32) -> Int? {
            let f = Double(v) / 65536
            if abs(f) < 0.01 { return 0 }
            if abs(abs(f) - 1) < 0.01 { return f > 0 ? 1 : -1 }
            return nil
        }
        guard let a = unit(m[0]), let b = unit(m[1]), let c = unit(m[3]), let d = unit(m[4]),
              abs(a * d - b * c) == 1 else { return nil }
        self.init(a: a, b: b, c: c, d: d)
    }

    private init(a: Int, b: Int, c: Int, d: Int) { self.a = a; self.b = b; self.c = c; self.d = d }

    public var swapsSides: Bool { a == 0 }

    /// The image as it should be displayed.
    public func apply(_ image: RGBImage) -> RGBImage {
        if self == .upright { return image }
        let w = image.width, h = image.height
        let outW = swapsSides ? h : w, outH = swapsSides ? w : h
        // Shift so that the transformed corners start at 0.
        let xs = [0, a * (w - 1), c * (h - 1), a * (w - 1) + c * (h - 1)]
        let ys = [0, b * (w - 1), d * (h - 1), b * (w - 1) + d * (h - 1)]
        let ox = -xs.min()!, oy = -ys.min()!
        var out = RGBImage(width: outW, height: outH)
        for y in 0..<h {
            for x in 0..<w {
                out[a * x + c * y + ox, b * x + d * y + oy] = image[x, y]
            }
        }
        return out
    }
}

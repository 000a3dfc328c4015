/// An RGB image in [0,1], planar: channel `c` row `y` column `x` at `(c * height + y) * width + x`.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0 && pixels.count == 3 * width * height, "image size mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill: Float = 0) {
        self.init(width: width, height: height, pixels: [Float](repeating: fill, count: 3 * width * height))
    }

    public var plane: Int { width * height }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    /// The `width`×`height` region whose top-left corner is (`x`, `y`); it must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height, "crop outside the image")
        var out = [Float](); out.reserveCapacity(3 * w * h)
        for c in 0..<3 {
            for row in y..<y + h {
                let start = (c * height + row) * width + x
                out += pixels[start..<start + w]
            }
        }
        return Image(width: w, height: h, pixels: out)
    }

    /// Cyclic shift by (`dx`, `dy`): the pixel at (x, y) moves to (x + dx, y + dy) modulo the size.
    public func rolled(dx: Int, dy: Int) -> Image {
        if dx % width == 0 && dy % height == 0 { return self }
        var out = pixels
        let sx = ((dx % width) + width) % width, sy = ((dy % height) + height) % height
        for c in 0..<3 {
            for y in 0..<height {
                let src = (c * height + y) * width, dst = (c * height + (y + sy) % height) * width
                for x in 0..<width { out[dst + (x + sx) % width] = pixels[src + x] }
            }
        }
        return Image(width: width, height: height, pixels: out)
    }

    public func clamped() -> Image {
        Image(width: width, height: height, pixels: pixels.map { min(max($0, 0), 1) })
    }
}

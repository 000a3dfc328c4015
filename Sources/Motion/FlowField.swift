import Dream

/// A dense motion field between two frames of one size: at each pixel of the first frame, how far
/// (dx, dy) to move to find the same point in the second. Row-major, (dx, dy) interleaved.
public struct FlowField: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var vectors: [Float]

    public init(width: Int, height: Int, vectors: [Float]) {
        precondition(width > 0 && height > 0 && vectors.count == 2 * width * height, "flow field size mismatch")
        self.width = width
        self.height = height
        self.vectors = vectors
    }

    /// Every pixel moved by (`dx`, `dy`).
    public init(width: Int, height: Int, dx: Float = 0, dy: Float = 0) {
        var v = [Float](repeating: dx, count: 2 * width * height)
        for i in stride(from: 1, to: v.count, by: 2) { v[i] = dy }
        self.init(width: width, height: height, vectors: v)
    }

    public subscript(x: Int, y: Int) -> (dx: Float, dy: Float) {
        let i = 2 * (y * width + x)
        return (vectors[i], vectors[i + 1])
    }

    /// The field at a point between pixels: bilinear, clamped to the frame.
    @inline(__always)
    public func sample(x: Float, y: Float) -> (dx: Float, dy: Float) {
        let fx = min(max(x, 0), Float(width - 1)), fy = min(max(y, 0), Float(height - 1))
        let x0 = min(Int(fx), max(width - 2, 0)), y0 = min(Int(fy), max(height - 2, 0))
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = fx - Float(x0), ay = fy - Float(y0)
        return vectors.withUnsafeBufferPointer { v in
            func at(_ x: Int, _ y: Int, _ k: Int) -> Float { v[2 * (y * width + x) + k] }
            func mix(_ k: Int) -> Float {
                let top = at(x0, y0, k) + ax * (at(x1, y0, k) - at(x0, y0, k))
                let bottom = at(x0, y1, k) + ax * (at(x1, y1, k) - at(x0, y1, k))
                return top + ay * (bottom - top)
            }
            return (mix(0), mix(1))
        }
    }
}

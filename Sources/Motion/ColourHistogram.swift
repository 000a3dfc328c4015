import Dream

/// A frame's colours in 8×8×8 RGB bins, as shares summing to 1: what changes all at once at a scene cut
/// and hardly at all when the camera moves.
public struct ColourHistogram: Sendable, Equatable {
    public private(set) var bins: [Float]

    public init(_ image: Image) {
        var counts = [Float](repeating: 0, count: 512)
        let plane = image.plane
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<plane {
                func bin(_ v: Float) -> Int { min(max(Int(v * 8), 0), 7) }
                counts[bin(p[i]) * 64 + bin(p[plane + i]) * 8 + bin(p[2 * plane + i])] += 1
            }
        }
        bins = counts.map { $0 / Float(plane) }
    }

    /// Total variation distance: the share of pixels that would have to change colour bin, 0 (the same
    /// colours) to 1 (none in common).
    public func distance(to other: ColourHistogram) -> Double {
        0.5 * zip(bins, other.bins).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) }
    }
}

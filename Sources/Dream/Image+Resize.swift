extension Image {
    /// Resampled to `w`×`h` with a triangle (bilinear) filter, widened when shrinking so that every
    /// source pixel contributes (no aliasing). Pixel centres are aligned, as in PIL and OpenCV's INTER_AREA.
    public func resized(width w: Int, height h: Int) -> Image {
        if w == width && h == height { return self }
        let xs = ResampleTaps(from: width, to: w), ys = ResampleTaps(from: height, to: h)
        var rows = [Float](repeating: 0, count: 3 * height * w)     // horizontal pass
        for c in 0..<3 {
            for y in 0..<height {
                let src = (c * height + y) * width, dst = (c * height + y) * w
                for x in 0..<w {
                    var s: Float = 0
                    for (i, weight) in xs.taps[x] { s += pixels[src + i] * weight }
                    rows[dst + x] = s
                }
            }
        }
        var out = [Float](repeating: 0, count: 3 * h * w)            // vertical pass
        for c in 0..<3 {
            for y in 0..<h {
                let dst = (c * h + y) * w
                for (i, weight) in ys.taps[y] {
                    let src = (c * height + i) * w
                    for x in 0..<w { out[dst + x] += rows[src + x] * weight }
                }
            }
        }
        return Image(width: w, height: h, pixels: out)
    }
}

/// For each output coordinate, the source indices and normalised weights of a triangle filter.
struct ResampleTaps {
    let taps: [[(Int, Float)]]

    init(from n: Int, to m: Int) {
        let scale = Double(n) / Double(m)
        let support = max(scale, 1)
        taps = (0..<m).map { j in
            let centre = (Double(j) + 0.5) * scale - 0.5
            let lo = Int((centre - support).rounded(.up)), hi = Int((centre + support).rounded(.down))
            var list: [(Int, Float)] = []
            var total = 0.0
            for i in lo...max(lo, hi) {
                let weight = max(0, 1 - abs(Double(i) - centre) / support)
                if weight <= 0 { continue }
                list.append((min(max(i, 0), n - 1), Float(weight)))
                total += weight
            }
            if list.isEmpty { return [(min(max(Int(centre.rounded()), 0), n - 1), 1)] }
            return list.map { ($0.0, $0.1 / Float(total)) }
        }
    }
}

import Foundation

extension Image {
    /// Separable Gaussian blur with standard deviation `sigma` pixels; borders reflect.
    public func gaussianBlurred(sigma: Float) -> Image {
        guard sigma > 0 else { return self }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            var i = i
            while i < 0 || i >= n { i = i < 0 ? -i - 1 : 2 * n - i - 1 }
            return i
        }
        var tmp = pixels
        for c in 0..<3 {
            for y in 0..<height {
                let row = (c * height + y) * width
                for x in 0..<width {
                    var s: Float = 0
                    for k in -radius...radius { s += pixels[row + reflect(x + k, width)] * kernel[k + radius] }
                    tmp[row + x] = s
                }
            }
        }
        var out = tmp
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    var s: Float = 0
                    for k in -radius...radius { s += tmp[(c * height + reflect(y + k, height)) * width + x] * kernel[k + radius] }
                    out[(c * height + y) * width + x] = s
                }
            }
        }
        return Image(width: width, height: height, pixels: out)
    }
}

import Foundation

/// Feature maps of one image in padded CHW layout: channel `c`, row `y`, column `x` (0-based, unpadded)
/// lives at `c * plane + (y + 1) * rowStride + (x + 1)`, with `rowStride = width + 2` and
/// `plane = (height + 2) * rowStride`. The one-pixel border is always zero, so a 3×3 convolution with
/// padding 1 reads shifted views of the buffer directly. A few floats of slack follow the last plane
/// because those shifted views run two elements past it (into columns that are discarded).
public final class FeatureMaps: @unchecked Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let rowStride: Int
    public let plane: Int
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    /// Bytes from mmap (0: from calloc).
    private let mapped: Int

    static let slack = 8
    /// Maps of at least this many bytes are mapped pages of their own.
    static let ownPages = 1 << 20

    public init(channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && height > 0 && width > 0, "empty feature maps")
        self.channels = channels
        self.height = height
        self.width = width
        rowStride = width + 2
        plane = (height + 2) * (width + 2)
        count = channels * plane
        let bytes = (count + Self.slack) * MemoryLayout<Float>.stride, own = bytes >= Self.ownPages
        // Large maps get pages of their own: zero, and resident only once written (a convolution pooled as it
        // goes never writes its own full-size map). calloc would hand out reused, dirtied heap once malloc's
        // mmap threshold has grown past them, and zero it all.
        let zeros = own
            ? mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).flatMap { $0 == MAP_FAILED ? nil : $0 }
            : calloc(bytes, 1)
        guard let zeros else { fatalError("out of memory for \(channels)×\(height)×\(width) feature maps") }
        data = zeros.bindMemory(to: Float.self, capacity: count + Self.slack)
        mapped = own ? bytes : 0
    }

    deinit { if mapped > 0 { munmap(data, mapped) } else { free(data) } }

    /// Offset of the unpadded pixel (0, 0) of channel `c`.
    @inline(__always) public func origin(_ c: Int) -> Int { c * plane + rowStride + 1 }

    @inline(__always) public func index(_ c: Int, _ y: Int, _ x: Int) -> Int { origin(c) + y * rowStride + x }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[index(c, y, x)] }
        set { data[index(c, y, x)] = newValue }
    }

    public func zero() { data.update(repeating: 0, count: count + Self.slack) }

    /// The unpadded values, CHW.
    public func unpadded() -> [Float] {
        var out = [Float](); out.reserveCapacity(channels * height * width)
        for c in 0..<channels { for y in 0..<height { for x in 0..<width { out.append(self[c, y, x]) } } }
        return out
    }

    /// Sum of squares over the unpadded values of the given channels (all when nil).
    func sumOfSquares(channels selected: [Int]? = nil) -> Double {
        var total = 0.0
        for c in selected ?? Array(0..<channels) {
            for y in 0..<height {
                let row = data + index(c, y, 0)
                var s: Float = 0
                for x in 0..<width { s += row[x] * row[x] }
                total += Double(s)
            }
        }
        return total
    }
}

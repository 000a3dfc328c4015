import Dream

/// An 8-bit luma picture (Rec. 601 weights): what the flow estimator compares.
public struct GreyFrame: Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(_ image: Image) {
        width = image.width
        height = image.height
        let plane = image.plane
        var out = [UInt8](repeating: 0, count: plane)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<plane {
                let y = 0.299 * p[i] + 0.587 * p[plane + i] + 0.114 * p[2 * plane + i]
                out[i] = UInt8(min(max(y * 255 + 0.5, 0), 255))
            }
        }
        pixels = out
    }
}

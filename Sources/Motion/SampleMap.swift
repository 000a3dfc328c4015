import COpticalFlow
import Dream

/// For each pixel of a new frame, the point of the previous frame it shows: what carries a picture
/// (or a dream) from one frame to the next.
public struct SampleMap: Sendable {
    public let width: Int
    public let height: Int
    public var x: [Float]
    public var y: [Float]

    /// Along a backward flow (new frame → previous frame), then a camera move on top: pixel p of the
    /// result shows the previous frame at q + flow(q), where q = `motion`'s source of p.
    public init(flow: FlowField?, motion: ZoomStep?, width: Int, height: Int) {
        if let flow { precondition(flow.width == width && flow.height == height, "flow size mismatch") }
        self.width = width
        self.height = height
        let n = width * height
        var mx = [Float](repeating: 0, count: n), my = [Float](repeating: 0, count: n)
        let moving = motion.map { !$0.isIdentity } ?? false
        for row in 0..<height {
            for col in 0..<width {
                var qx = Float(col), qy = Float(row)
                if moving, let motion {
                    let s = motion.source(x: Double(col), y: Double(row), width: width, height: height)
                    qx = Float(s.x); qy = Float(s.y)
                }
                if let flow {
                    let d = moving ? flow.sample(x: qx, y: qy) : flow[col, row]
                    qx += d.dx; qy += d.dy
                }
                mx[row * width + col] = qx
                my[row * width + col] = qy
            }
        }
        x = mx
        y = my
    }
}

extension Image {
    /// The picture carried along `map`: bicubic, mirrored borders, not clipped (a dream's detail is signed).
    public func remapped(_ map: SampleMap) throws(MotionError) -> Image {
        precondition(map.width == width && map.height == height, "map size mismatch")
        var out = [Float](repeating: 0, count: pixels.count)
        var message = [CChar](repeating: 0, count: 256)
        let status = out.withUnsafeMutableBufferPointer { dst in
            ddflow_remap(pixels, 3, Int32(width), Int32(height), map.x, map.y, dst.baseAddress, &message, Int32(message.count))
        }
        guard status == 0 else { throw MotionError("remap", message) }
        return Image(width: width, height: height, pixels: out)
    }
}

/// 8-bit RGB pixels, packed row by row (`rgb24`): the bridge's currency for still images.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, bytes: [UInt8]) {
        precondition(width > 0 && height > 0 && bytes.count == width * height * 3, "RGB image size mismatch")
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, bytes: [UInt8](repeating: fill, count: width * height * 3))
    }

    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get { let i = (y * width + x) * 3; return (bytes[i], bytes[i + 1], bytes[i + 2]) }
        set { let i = (y * width + x) * 3; bytes[i] = newValue.0; bytes[i + 1] = newValue.1; bytes[i + 2] = newValue.2 }
    }
}

import Dream
import FFmpegBridge

extension Image {
    /// Packed 8-bit RGB to planar [0,1].
    public init(_ rgb: RGBImage) {
        let plane = rgb.width * rgb.height
        var pixels = [Float](repeating: 0, count: 3 * plane)
        rgb.bytes.withUnsafeBufferPointer { src in
            for i in 0..<plane {
                pixels[i] = Float(src[3 * i]) / 255
                pixels[plane + i] = Float(src[3 * i + 1]) / 255
                pixels[2 * plane + i] = Float(src[3 * i + 2]) / 255
            }
        }
        self.init(width: rgb.width, height: rgb.height, pixels: pixels)
    }
}

extension RGBImage {
    /// Planar [0,1] to packed 8-bit RGB, rounded and clipped.
    public init(_ image: Image) {
        let plane = image.width * image.height
        var bytes = [UInt8](repeating: 0, count: 3 * plane)
        func byte(_ v: Float) -> UInt8 { UInt8(min(max(v * 255 + 0.5, 0), 255)) }
        image.pixels.withUnsafeBufferPointer { src in
            for i in 0..<plane {
                bytes[3 * i] = byte(src[i])
                bytes[3 * i + 1] = byte(src[plane + i])
                bytes[3 * i + 2] = byte(src[2 * plane + i])
            }
        }
        self.init(width: image.width, height: image.height, bytes: bytes)
    }
}

import Foundation
import FFmpegBridge

/// A fresh temporary folder per test.
func temporaryFolder() -> String {
    let dir = NSTemporaryDirectory() + "deepdream-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A test picture with distinct corners and a gradient, so orientation and colour errors show.
func testPattern(width: Int, height: Int) -> RGBImage {
    var image = RGBImage(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            image[x, y] = (UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)), UInt8((x + y) % 2 == 0 ? 40 : 200))
        }
    }
    image[0, 0] = (255, 0, 0)
    return image
}

/// Runs the ffmpeg command-line tool (installed by scripts/install-packages) to make test inputs.
func ffmpeg(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-v", "error", "-y"] + arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw MediaError("ffmpeg", "exit \(process.terminationStatus) for \(arguments)") }
}

/// Inserts an EXIF APP1 segment holding only an Orientation tag right after the JPEG's SOI marker.
func jpegWithOrientation(_ jpeg: Data, _ orientation: UInt16) -> Data {
    var tiff = Data("II*\0".utf8)
    func le32(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    func le16(_ v: UInt16) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    tiff += le32(8) + le16(1) + le16(0x0112) + le16(3) + le32(1) + le16(orientation) + le16(0) + le32(0)
    let payload = Data("Exif\0\0".utf8) + tiff
    let length = UInt16(payload.count + 2)
    let segment = Data([0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)]) + payload
    return jpeg.prefix(2) + segment + jpeg.dropFirst(2)
}

/// Peak signal-to-noise ratio in dB between two images of the same size.
func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
    precondition(a.width == b.width && a.height == b.height)
    let mse = zip(a.bytes, b.bytes).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.bytes.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
}

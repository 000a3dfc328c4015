import Foundation
import Testing
@testable import FFmpegBridge

@Suite("Still images through FFmpeg")
struct ImageFileTests {
    @Test("lossless formats round-trip exactly", arguments: ["png", "bmp", "tiff", "ppm"])
    func lossless(_ ext: String) throws {
        let dir = temporaryFolder(), path = "\(dir)/p.\(ext)"
        let image = testPattern(width: 37, height: 23)
        try ImageFile.write(image, to: path)
        #expect(try ImageFile.read(path) == image)
    }

    @Test("lossy formats come back close (PSNR > 30 dB)", arguments: ["jpg", "webp"])
    func lossy(_ ext: String) throws {
        let dir = temporaryFolder(), path = "\(dir)/p.\(ext)"
        var image = RGBImage(width: 64, height: 48)
        for y in 0..<48 { for x in 0..<64 { image[x, y] = (UInt8(x * 4), UInt8(y * 5), UInt8(128)) } }
        try ImageFile.write(image, to: path, quality: 95)
        let back = try ImageFile.read(path)
        #expect(back.width == 64 && back.height == 48)
        #expect(psnr(back, image) > 30)
    }

    @Test("decodes JPEG 4:2:0 and 4:4:4, grey, alpha and 16-bit PNG, odd sizes, made by ffmpeg",
          arguments: [("yuvj420p", "jpg"), ("yuvj444p", "jpg"), ("gray", "png"), ("rgba", "png"), ("rgb48be", "png")])
    func variants(_ format: (String, String)) throws {
        let dir = temporaryFolder(), source = "\(dir)/src.png", path = "\(dir)/v.\(format.1)"
        var image = RGBImage(width: 33, height: 17)   // smooth: survives chroma subsampling
        for y in 0..<17 { for x in 0..<33 { image[x, y] = (UInt8(x * 7), UInt8(y * 15), UInt8(255 - x * 7)) } }
        try ImageFile.write(image, to: source)
        try ffmpeg(["-i", source, "-pix_fmt", format.0, "-q:v", "2", path])
        let back = try ImageFile.read(path)
        #expect(back.width == 33 && back.height == 17)
        if format.0 == "gray" {
            // R = G = B = the source's BT.601 luma (an all-black or all-grey decode is off by up to 200 levels).
            for y in 0..<17 {
                for x in 0..<33 {
                    let (r, g, b) = back[x, y], (sr, sg, sb) = image[x, y]
                    let luma = (0.299 * Double(sr) + 0.587 * Double(sg) + 0.114 * Double(sb)).rounded()
                    #expect(r == g && g == b && abs(Double(r) - luma) <= 2, "at \(x),\(y): \((r, g, b)), luma \(luma)")
                }
            }
        } else {
            // PNG is exact; JPEG loses detail (4:2:0 halves chroma of this steep colour ramp); garbage is ~10 dB.
            #expect(psnr(back, image) > (format.1 == "png" ? 99 : format.0 == "yuvj420p" ? 25 : 35))
        }
    }

    /// EXIF orientation: 2 = mirror, 3 = 180°, 4 = flip, 5 = transpose, 6 = rotate 90° clockwise to display,
    /// 7 = transverse, 8 = 90° anticlockwise.
    @Test("honours EXIF orientation", arguments: [UInt16(1), 2, 3, 4, 5, 6, 7, 8])
    func orientation(_ tag: UInt16) throws {
        let dir = temporaryFolder(), plain = "\(dir)/plain.jpg", rotated = "\(dir)/rotated.jpg"
        var image = RGBImage(width: 40, height: 24, fill: 128)
        for y in 0..<8 { for x in 0..<8 { image[x, y] = (255, 0, 0) } }   // red block top-left
        try ImageFile.write(image, to: plain, quality: 100)
        try jpegWithOrientation(try Data(contentsOf: URL(fileURLWithPath: plain)), tag).write(to: URL(fileURLWithPath: rotated))
        let shown = try ImageFile.read(rotated)
        let expected: (w: Int, h: Int, redX: Int, redY: Int) = switch tag {
        case 2: (40, 24, 36, 3)     // mirrored: top-right
        case 3: (40, 24, 36, 20)    // 180°: bottom-right
        case 4: (40, 24, 3, 20)     // flipped: bottom-left
        case 5: (24, 40, 3, 3)      // transposed: top-left, on its side
        case 6: (24, 40, 20, 3)     // 90° clockwise: top-right
        case 7: (24, 40, 20, 36)    // transverse: bottom-right
        case 8: (24, 40, 3, 36)     // 90° anticlockwise: bottom-left
        default: (40, 24, 3, 3)
        }
        #expect(shown.width == expected.w && shown.height == expected.h)
        #expect(shown[expected.redX, expected.redY].0 > 200 && shown[expected.redX, expected.redY].1 < 60, "red block not at (\(expected.redX), \(expected.redY))")
    }

    @Test("bad inputs give a one-line error naming the file")
    func badInputs() throws {
        let dir = temporaryFolder()
        let empty = "\(dir)/empty.png", text = "\(dir)/notes.jpg", truncated = "\(dir)/cut.png"
        FileManager.default.createFile(atPath: empty, contents: Data())
        FileManager.default.createFile(atPath: text, contents: Data("hello, not a picture\n".utf8))
        try ImageFile.write(testPattern(width: 64, height: 64), to: "\(dir)/full.png")
        let full = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/full.png"))
        FileManager.default.createFile(atPath: truncated, contents: full.prefix(40))
        for (path, reason) in [("\(dir)/missing.png", "no such file"), (empty, "empty file"), (text, "no picture"), (truncated, "no picture")] {
            #expect {
                try ImageFile.read(path)
            } throws: { error in
                guard let e = error as? MediaError else { return false }
                return e.path == path && e.reason.contains(reason) && !e.description.contains("\n")
            }
        }
    }

    @Test("writing: unknown extension, missing folder, and no partial file left behind")
    func badOutputs() throws {
        let dir = temporaryFolder(), image = testPattern(width: 8, height: 8)
        #expect(throws: MediaError.self) { try ImageFile.write(image, to: "\(dir)/out.xyz") }
        #expect(throws: MediaError.self) { try ImageFile.write(image, to: "\(dir)/no/such/folder/out.png") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        try ImageFile.write(image, to: "\(dir)/ok.png")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["ok.png"])
    }
}

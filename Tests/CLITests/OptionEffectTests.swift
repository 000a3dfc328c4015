import Foundation
import Testing
import FFmpegBridge
@testable import Dream
@testable import Pipeline

/// Mean absolute difference of two pictures of one size, in levels.
func levels(_ a: RGBImage, _ b: RGBImage) -> Double {
    Double(zip(a.bytes, b.bytes).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.bytes.count)
}

/// Where the red pixels of a grey picture are: their centroid and count.
func redDot(_ path: String) throws -> (x: Double, y: Double, count: Int) {
    let image = try ImageFile.read(path)
    var x = 0, y = 0, n = 0
    for py in 0..<image.height {
        for px in 0..<image.width where image[px, py].0 > 200 && image[px, py].1 < 90 { x += px; y += py; n += 1 }
    }
    return n == 0 ? (.nan, .nan, 0) : (Double(x) / Double(n), Double(y) / Double(n), n)
}

/// A grey 64×48 picture with a 5×5 red dot centred on (16, 12).
func redDotPicture(to path: String) throws {
    var dot = RGBImage(width: 64, height: 48, fill: 128)
    for y in 10..<15 { for x in 14..<19 { dot[x, y] = (255, 0, 0) } }
    try ImageFile.write(dot, to: path)
}

@Suite("Each option does what it says")
struct OptionEffectTests {
    /// A still, lossless 4-frame clip.
    static func still(in dir: String) throws -> String {
        let input = "\(dir)/still.mkv"
        try pan("coffee.jpg", to: input, size: (96, 64), frames: 4, speed: 0, codec: ["-c:v", "ffv1"])
        try ffmpeg(["-i", input, "-frames:v", "1", "\(dir)/raw.png"])
        return input
    }

    @Test("--blend carries that share of the last dream; --first-frame-iterations dreams the first frame that long")
    func blendAndFirstFrame() throws {
        let dir = temporaryFolder(), input = try Self.still(in: dir)
        let raw = try ImageFile.read("\(dir)/raw.png")
        // Later frames are not dreamed (0 iterations): they are the input plus the share carried.
        func frames(blend: String, first: String) throws -> [Double] {
            let out = "\(dir)/b\(blend)-f\(first)-%d.png"
            let r = try CLI.run(["video", input, "-o", out, "--no-flow", "--blend", blend, "--first-frame-iterations", first,
                                 "--layer", "relu3_3", "--octaves", "1", "--iterations", "0", "--step", "0.01", "-q"])
            #expect(r.status == 0, "\(r.stderr)")
            return try (1...3).map { levels(try ImageFile.read(out.replacingOccurrences(of: "%d", with: "\($0)")), raw) }
        }
        let full = try frames(blend: "1", first: "8"), half = try frames(blend: "0.5", first: "8"), none = try frames(blend: "0", first: "8")
        #expect(full[0] > 3, "the first frame is dreamed: \(full)")
        #expect(abs(full[2] - full[0]) < 0.05 * full[0], "--blend 1 carries all of it: \(full)")
        #expect(abs(half[1] - full[0] / 2) < 0.1 * full[0], "--blend 0.5 carries half: \(half)")
        #expect(none[1] < 0.5 && none[2] < 0.5, "--blend 0 carries none: \(none)")
        let undreamed = try frames(blend: "1", first: "0")
        #expect(undreamed.allSatisfy { $0 < 0.5 }, "--first-frame-iterations 0 leaves the first frame as it was: \(undreamed)")
    }

    @Test("--crf sets the quality: a lower value, a larger and closer file")
    func crf() throws {
        let dir = temporaryFolder(), input = try Self.still(in: dir)
        var sizes: [Int] = []
        for crf in ["8", "40"] {
            let r = try CLI.run(["video", input, "-o", "\(dir)/crf\(crf).mp4", "--crf", crf] + fastVideo)
            #expect(r.status == 0, "\(r.stderr)")
            sizes.append(try FileManager.default.attributesOfItem(atPath: "\(dir)/crf\(crf).mp4")[.size] as? Int ?? 0)
        }
        #expect(sizes[0] > 3 * sizes[1], "sizes at crf 8 and 40: \(sizes)")
    }

    @Test("zoom --center: the point it names stays put as the picture grows around it")
    func center() throws {
        let dir = temporaryFolder()
        try redDotPicture(to: "\(dir)/dot.png")
        let still = ["--frames", "4", "--zoom", "1.2", "--iterations", "0", "--first-frame-iterations", "0", "--anchor", "0", "-q"]
        #expect(try CLI.run(["zoom", "\(dir)/dot.png", "-o", "\(dir)/c%d.png", "--center", "16,12"] + still).status == 0)
        #expect(try CLI.run(["zoom", "\(dir)/dot.png", "-o", "\(dir)/m%d.png"] + still).status == 0)
        let centred = try redDot("\(dir)/c4.png"), middle = try redDot("\(dir)/m4.png")
        #expect(abs(centred.x - 16) < 1 && abs(centred.y - 12) < 1 && centred.count > 50, "\(centred)")
        // About the middle (32, 24) the dot moves out towards the corner: 32 + (16 − 32) × 1.2³ ≈ 4.
        #expect(middle.x < 8 && middle.y < 6, "\(middle)")
    }

    @Test("keyframed --drift: the move each frame follows the keyframes")
    func keyframedDrift() throws {
        let dir = temporaryFolder()
        try redDotPicture(to: "\(dir)/dot.png")
        let r = try CLI.run(["zoom", "\(dir)/dot.png", "-o", "\(dir)/d%d.png", "--frames", "5", "--zoom", "1", "--drift", "0:2,0;4:6,0",
                             "--iterations", "0", "--first-frame-iterations", "0", "--anchor", "0", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let xs = try (1...5).map { try redDot("\(dir)/d\($0).png").x }
        let steps = zip(xs.dropFirst(), xs).map { $0 - $1 }
        #expect(steps.map { ($0 * 10).rounded() / 10 } == [3, 4, 5, 6], "2 px a frame at frame 0 rising to 6 at frame 4: \(steps)")
    }

    @Test("zoom --layer-fade balances the layers: mid-fade, each pulls as hard as the other")
    func layerFadeBalance() throws {
        let network = try WeightsLocator.load("imagenet")
        let dreamer = Dreamer(network: network)
        var zoom = ZoomSettings()
        zoom.layers = try LayerSchedule(parsing: "0:relu2_2,10:relu5_1", fps: 24, fade: 8)
        let picture = Image(try ImageFile.read("\(CLI.repository.path)/samples/chelsea.jpg")).resized(width: 160, height: 120)
        // The fade runs over the 8 frames before the key: frame 6 is its middle.
        let s = ZoomJob.settings(at: 6, base: DreamSettings(), zoom: zoom, dreamer: dreamer, current: picture)
        try #require(s.targets.count == 2)
        // The raw objectives differ by orders of magnitude; weighted, each is its share (equal in the middle).
        let raw = dreamer.objectiveValues(picture, s.targets.map { var t = $0; t.weight = 1; return t })
        #expect(raw.max()! > 10 * raw.min()!, "unbalanced they differ: \(raw)")
        let pulls = zip(s.targets, raw).map { Double($0.weight) * $1 }
        #expect(abs(pulls[0] - pulls[1]) < 0.01 * pulls[0], "weighted: \(pulls)")
    }

    @Test("a stream whose frame size changes midway: every frame dreamed, at the first size")
    func sizeChange() throws {
        let dir = temporaryFolder()
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-t", "0.2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "\(dir)/a.ts"])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=128x96:rate=25", "-t", "0.2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "\(dir)/b.ts"])
        try ffmpeg(["-i", "concat:\(dir)/a.ts|\(dir)/b.ts", "-c", "copy", "\(dir)/ab.ts"])
        let r = try CLI.run(["video", "\(dir)/ab.ts", "-o", "\(dir)/out.mkv"] + fastVideo)
        #expect(r.status == 0, "\(r.stderr)")
        let v = try Probe("\(dir)/out.mkv").video
        #expect(v?.frames == 10 && v?.width == 96 && v?.height == 64, "\(String(describing: v))")
    }

    @Test("a reader that closes early: video -o - and image -o - end cleanly", arguments: ["video", "image"])
    func brokenPipe(_ command: String) throws {
        let dir = temporaryFolder()
        let run: String
        if command == "video" {
            try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-t", "2", "-c:v", "libx264", "\(dir)/in.mp4"])
            run = "\"$DD\" video \(dir)/in.mp4 -o - --format nut \(fastVideo.joined(separator: " "))"
        } else {
            // Larger than a pipe's buffer, so the write meets the closed end.
            run = "\"$DD\" image samples/chelsea.jpg -o - --format bmp --layer relu1_2 --octaves 1 --iterations 1 -q"
        }
        let r = try shell("(\(run); echo $? > \(dir)/rc) | head -c 100 > /dev/null")
        let rc = try String(contentsOfFile: "\(dir)/rc", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rc == "0", "exit status \(rc) (141: killed by SIGPIPE): \(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }
}

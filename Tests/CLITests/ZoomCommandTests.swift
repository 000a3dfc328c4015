import Foundation
import Testing
import FFmpegBridge
@testable import Dream
@testable import Pipeline

@Suite("deepdream zoom, end to end")
struct ZoomCommandTests {
    @Test("frames, size and rate of the output; from noise, a colour, or a picture")
    func output() throws {
        let dir = temporaryFolder()
        let r = try CLI.run(["zoom", "-o", "\(dir)/noise.mp4", "--frames", "12", "--size", "64x48", "--fps", "30000/1001",
                             "--zoom", "1.5/s", "--rotate", "0:0,6:5", "--drift", "1,0"] + fastVideo)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Probe("\(dir)/noise.mp4")
        #expect(p.video?.frames == 12 && p.video?.width == 64 && p.video?.height == 48 && p.video?.rate == "30000/1001")
        #expect(try CLI.run(["zoom", "-o", "\(dir)/blue.mkv", "--frames", "3", "--size", "48x32", "--start", "#3366cc"] + fastVideo).status == 0)
        let input = try smallPhoto(in: dir, width: 60, height: 40)
        try FileManager.default.createDirectory(atPath: "\(dir)/seq", withIntermediateDirectories: true)
        #expect(try CLI.run(["zoom", input, "-o", "\(dir)/seq/%03d.png", "--frames", "4", "--preset", "zoom", "--layer-schedule", "0:relu2_1,3:relu3_1",
                             "--octaves", "1", "--iterations", "1", "--first-frame-iterations", "1", "-q"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/seq").count == 4)
        #expect(try ImageFile.read("\(dir)/seq/001.png").width == 60)
    }

    @Test("bad motion options: a clear error naming the option", arguments: [
        (["--zoom", "fast"], "--zoom"), (["--drift", "3"], "--drift"), (["--fps", "0"], "--fps"),
        (["--size", "10x10000"], "--size"), (["--start", "purple"], "--start"), (["--ease", "bouncy"], "--ease"),
        (["--layer-schedule", "0:relu9_1"], "relu9_1"), (["--center", "3"], "--center")])
    func errors(_ c: ([String], String)) throws {
        let dir = temporaryFolder()
        let r = try CLI.run(["zoom", "-o", "\(dir)/out.mp4", "--frames", "2"] + c.0 + fastVideo)
        #expect(r.status != 0 && r.stderr.contains(c.1), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// Colour anchoring: 150 frames of strong feedback at a small size. After it settles (frame 25) each
    /// channel's mean stays mid-range and its spread away from both grey (0) and saturation (0.5), and
    /// fewer than a fifth of the values are clipped.
    @Test("statistics stay bounded over a long run")
    func longRun() throws {
        let net = try WeightsLocator.load("imagenet")
        let dreamer = Dreamer(network: net)
        var settings = DreamSettings()
        settings.targets = [try LayerTarget(parsing: "relu3_3")]
        settings.octaves = 1; settings.iterations = 2; settings.step = 0.02; settings.jitter = 4
        var zoom = ZoomSettings()
        zoom.zoom = Schedule(1.05); zoom.rotate = Schedule(2)
        var frame = try dreamer.dream(blob(width: 40, height: 32), settings: settings)
        let first = frame.channelStatistics()
        for i in 1...150 {
            frame = frame.warped(zoom.motion(at: i)).anchored(to: first, strength: zoom.anchor)
            settings.seed = UInt64(i)
            frame = try dreamer.dream(frame, settings: settings)
            guard i >= 25 else { continue }
            for (c, s) in frame.channelStatistics().enumerated() {
                #expect(s.mean > 0.25 && s.mean < 0.75, "frame \(i) channel \(c) mean \(s.mean)")
                #expect(s.std > 0.08 && s.std < 0.42, "frame \(i) channel \(c) spread \(s.std)")
            }
            let clipped = frame.pixels.filter { $0 <= 0.001 || $0 >= 0.999 }.count
            #expect(Double(clipped) / Double(frame.pixels.count) < 0.2, "frame \(i): \(clipped) values clipped")
        }
    }
}

func blob(width: Int, height: Int) -> Image {
    var image = Image(width: width, height: height)
    for c in 0..<3 { for y in 0..<height { for x in 0..<width {
        image[c, y, x] = 0.3 + 0.4 * Float(sin(Double(x + 3 * c) / 5) * cos(Double(y) / 4)) * 0.5 + 0.2
    } } }
    return image
}

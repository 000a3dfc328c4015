import Foundation
import Testing
import FFmpegBridge

@Suite("deepdream layers, presets and help")
struct OtherCommandsTests {
    @Test("layers: a labelled grid, one tile per layer")
    func layerSheet() throws {
        let dir = temporaryFolder(), input = try smallPhoto(in: dir, width: 64, height: 48)
        let r = try CLI.run(["layers", input, "-o", "\(dir)/sheet.png", "--size", "64", "--layers", "relu1_1", "relu2_1", "relu3_1",
                             "--columns", "2", "--octaves", "1", "--iterations", "1", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let sheet = try ImageFile.read("\(dir)/sheet.png")
        // 2 columns × 2 rows of 64×48 tiles with 4-pixel gaps and a caption strip under each tile.
        #expect(sheet.width == 2 * 64 + 3 * 4)
        #expect(sheet.height > 2 * 48 + 3 * 4 && sheet.height < 2 * 48 + 3 * 4 + 2 * 30)
        // The caption strip holds light label pixels on the dark background.
        let captionY = 4 + 48 + 5
        #expect((0..<sheet.width).contains { x in (0..<8).contains { sheet[x, captionY + $0].0 > 200 } })
    }

    @Test("presets lists the shipped presets, the weights and the layers")
    func presets() throws {
        let r = try CLI.run(["presets"])
        #expect(r.status == 0)
        for word in ["default", "gentle", "deep", "video", "zoom", "imagenet", "hed", "torchvision", "relu4_3", "pool5"] {
            #expect(r.stdout.contains(word), "missing \(word)")
        }
    }

    @Test("help names every subcommand and the dream options")
    func help() throws {
        let r = try CLI.run(["help", "image"])
        #expect(r.status == 0)
        for word in ["--layer", "--octaves", "--octave-scale", "--iterations", "--step", "--jitter", "--blur", "--seed", "--weights", "--preset", "--guide"] {
            #expect(r.stdout.contains(word), "missing \(word)")
        }
        let top = try CLI.run(["--help"])
        #expect(top.stdout.contains("image") && top.stdout.contains("layers") && top.stdout.contains("presets"))
    }
}

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
        // One line a preset file and a weights name, each starting with its name; the layers in order.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let names = lines.compactMap { $0.hasPrefix("  ") ? $0.split(separator: " ").first.map(String.init) : nil }
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(CLI.repository.path)/presets")
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        #expect(Array(names.prefix(files.count)) == files)
        #expect(Array(names.dropFirst(files.count).prefix(3)) == ["imagenet", "hed", "torchvision"])
        #expect(lines.contains("  conv4_1 relu4_1 conv4_2 relu4_2 conv4_3 relu4_3 pool4"))
        #expect(lines.contains("  conv5_1 relu5_1 conv5_2 relu5_2 conv5_3 relu5_3 pool5"))
    }

    @Test("OpenBLAS runs the widest kernels the CPU has (0.3.21 falls back to SSE3 on CPUs newer than itself)")
    func openBLASKernels() throws {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }!.split(separator: " ").map(String.init))
        let r = try CLI.run(["bench", "--size", "32x32", "--runs", "1", "--layer", "relu1_2"])
        #expect(r.status == 0, "\(r.stderr)")
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("OpenBLAS kernels:") }.map(String.init) ?? "none"
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) {
            #expect(["SkylakeX", "Cooperlake", "SapphireRapids"].contains { line.contains("kernels: \($0)") }, "\(line)")
        } else {
            #expect(["avx2", "fma"].allSatisfy(flags.contains), "a CPU without AVX2 and FMA: nothing to check here")
            #expect(!line.contains("Prescott") && !line.contains("Nehalem") && !line.contains("Sandybridge"), "\(line)")
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

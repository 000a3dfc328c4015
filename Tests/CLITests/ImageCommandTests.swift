import Foundation
import Testing
import FFmpegBridge

/// Small and quick settings, so debug builds finish in seconds.
let fast = ["--layer", "relu3_3", "--octaves", "2", "--iterations", "2", "-q"]

func smallPhoto(in dir: String, width: Int = 72, height: Int = 54) throws -> String {
    let full = try ImageFile.read(CLI.repository.appendingPathComponent("samples/chelsea.jpg").path)
    var image = RGBImage(width: width, height: height)
    for y in 0..<height { for x in 0..<width { image[x, y] = full[x * full.width / width, y * full.height / height] } }
    let path = "\(dir)/photo.png"
    try ImageFile.write(image, to: path)
    return path
}

@Suite("deepdream image, end to end")
struct ImageCommandTests {
    @Test("dreams a photo at its own size, in the format the extension names", arguments: ["png", "jpg", "webp"])
    func dreams(_ ext: String) throws {
        let dir = temporaryFolder(), input = try smallPhoto(in: dir), output = "\(dir)/out.\(ext)"
        let r = try CLI.run(["image", input, "-o", output] + fast)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty && r.stderr.isEmpty)
        let before = try ImageFile.read(input), after = try ImageFile.read(output)
        #expect(after.width == 72 && after.height == 54)
        let change = zip(before.bytes, after.bytes).map { abs(Int($0) - Int($1)) }.reduce(0, +) / before.bytes.count
        #expect(change >= 3, "mean change \(change) per channel: the dream did nothing")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["out.\(ext)", "photo.png"])
    }

    /// Our kernels give each block and each ξ to one thread whole, so the thread count no longer changes a
    /// result (OpenBLAS's sums did). bf16 dreams another picture where the CPU has it, and is refused by name
    /// where it does not.
    @Test("one core, one OpenBLAS thread or all: the same bytes; --precision bf16 differs or is refused")
    func sameOnAnyThreadCount() throws {
        let dir = temporaryFolder(), photo = try smallPhoto(in: dir, width: 160, height: 120)
        let args = ["image", photo, "--layer", "relu4_3", "--octaves", "1", "--iterations", "2", "-q"]
        #expect(try CLI.run(args + ["-o", "\(dir)/all.png"]).status == 0)
        #expect(try CLI.run(args + ["-o", "\(dir)/blas1.png"], environment: ["OPENBLAS_NUM_THREADS": "1"]).status == 0)
        #expect(try tool(["taskset", "-c", "0", CLI.executable] + args + ["-o", "\(dir)/core1.png"]).status == 0)
        let all = FileManager.default.contents(atPath: "\(dir)/all.png")
        #expect(all != nil && all == FileManager.default.contents(atPath: "\(dir)/blas1.png"))
        #expect(all != nil && all == FileManager.default.contents(atPath: "\(dir)/core1.png"))
        let bf16 = try CLI.run(args + ["-o", "\(dir)/bf16.png", "--precision", "bf16"])
        if bf16.status == 0 {
            #expect(FileManager.default.contents(atPath: "\(dir)/bf16.png") != all, "bf16 products round differently")
        } else {
            #expect(bf16.stderr.contains("AVX512-BF16"), "\(bf16.stderr)")
        }
    }

    @Test("a preset file sets values and flags override them")
    func presetOverride() throws {
        let dir = temporaryFolder(), input = try smallPhoto(in: dir)
        let preset = "\(dir)/still.json"
        try #"{"description": "no steps", "layer": "relu2_2", "octaves": 1, "iterations": 0}"#.write(toFile: preset, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["image", input, "-o", "\(dir)/a.png", "--preset", preset, "-q"]).status == 0)
        #expect(try ImageFile.read("\(dir)/a.png") == ImageFile.read(input))   // 0 iterations: unchanged
        #expect(try CLI.run(["image", input, "-o", "\(dir)/b.png", "--preset", preset, "--iterations", "2", "-q"]).status == 0)
        #expect(try ImageFile.read("\(dir)/b.png") != ImageFile.read(input))
    }

    @Test("the shipped presets all load", arguments: ["default", "gentle", "deep", "patterns", "etched", "video", "zoom"])
    func shippedPresets(_ name: String) throws {
        let dir = temporaryFolder(), input = try smallPhoto(in: dir, width: 48, height: 40)
        let r = try CLI.run(["image", input, "-o", "\(dir)/out.png", "--preset", name, "--octaves", "1", "--iterations", "1", "-q"])
        #expect(r.status == 0, "\(name): \(r.stderr)")
    }

    struct Failure: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: @Sendable (String) -> [String]   // given the temp folder
        let message: [String]
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(name: "missing input", arguments: { ["image", "\($0)/nope.jpg", "-o", "\($0)/out.png"] }, message: ["nope.jpg", "no such file"]),
        Failure(name: "not an image", arguments: { ["image", "\($0)/notes.txt", "-o", "\($0)/out.png"] }, message: ["notes.txt"]),
        Failure(name: "unknown layer", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--layer", "relu9_9"] }, message: ["relu9_9", "relu4_3", "conv1_1"]),
        Failure(name: "unknown preset", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--preset", "dreamy"] }, message: ["dreamy", "no such preset", "gentle"]),
        Failure(name: "unknown preset key", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--preset", "\($0)/bad.json"] }, message: ["bad.json", "zoomy"]),
        Failure(name: "bad preset value", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--preset", "\($0)/worse.json"] }, message: ["worse.json", "octaves"]),
        Failure(name: "boolean preset value", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--preset", "\($0)/bool.json"] }, message: ["bool.json", "jitter"]),
        Failure(name: "preset integer past Int", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--preset", "\($0)/huge.json"] }, message: ["huge.json", "octaves", "out of range"]),
        Failure(name: "channel range past the layer", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--layer", "relu4_3[0-99999999999999]"] }, message: ["relu4_3", "99999999999999", "0…511"]),
        Failure(name: "bad option value", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--step", "-2"] }, message: ["step"]),
        Failure(name: "missing weights", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--weights", "\($0)/none.safetensors"] }, message: ["none.safetensors", "fetch-weights"]),
        Failure(name: "torchvision not converted", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.png", "--weights", "torchvision"] }, message: ["vgg16-397923af.pth", "--pth"]),
        Failure(name: "unknown output format", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/out.gifv"] }, message: ["out.gifv", ".png"]),
        Failure(name: "output folder missing", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/no/out.png"] }, message: ["does not exist"]),
        Failure(name: "output exists", arguments: { ["image", "\($0)/photo.png", "-o", "\($0)/photo.png"] }, message: ["already exists", "--overwrite"]),
    ]

    @Test("bad input: a clear error on stderr, exit non-zero, nothing written", arguments: failures)
    func errors(_ f: Failure) throws {
        let dir = temporaryFolder()
        _ = try smallPhoto(in: dir)
        try "hello".write(toFile: "\(dir)/notes.txt", atomically: true, encoding: .utf8)
        try #"{"octaves": 2, "zoomy": 1}"#.write(toFile: "\(dir)/bad.json", atomically: true, encoding: .utf8)
        try #"{"octaves": "many"}"#.write(toFile: "\(dir)/worse.json", atomically: true, encoding: .utf8)
        try #"{"jitter": false}"#.write(toFile: "\(dir)/bool.json", atomically: true, encoding: .utf8)
        try #"{"octaves": 1e308}"#.write(toFile: "\(dir)/huge.json", atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let photo = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/photo.png"))
        let r = try CLI.run(f.arguments(dir) + ["-q"], environment: ["DEEPDREAM_WEIGHTS_DIR": WeightsDir.path])
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        for m in f.message { #expect(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)") }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/photo.png")) == photo)
    }
}

/// The weights folder the tests use: the default one, holding imagenet and hed but not torchvision
/// unless the developer converted it (then the 'torchvision not converted' case points elsewhere).
enum WeightsDir {
    static let path: String = {
        let env = ProcessInfo.processInfo.environment
        let base = env["DEEPDREAM_WEIGHTS_DIR"] ?? ((env["XDG_DATA_HOME"] ?? (env["HOME"]! + "/.local/share")) + "/deepdream/weights")
        if !FileManager.default.fileExists(atPath: base + "/vgg16-torchvision.safetensors") { return base }
        // Mirror the folder without torchvision.
        let dir = NSTemporaryDirectory() + "deepdream-weights-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["imagenet", "hed"] {
            try? FileManager.default.createSymbolicLink(atPath: "\(dir)/vgg16-\(name).safetensors", withDestinationPath: "\(base)/vgg16-\(name).safetensors")
        }
        return dir
    }()
}

import DeepDreamCLI
import Dream
import FFmpegBridge
import Foundation
import Pipeline

/// One harness per parser we own. Each takes any bytes; an error thrown is a good answer, a trap or a
/// hang is a bug. Named by the corpus folder each reads (Tests/FuzzCorpus/NAME).
enum Harness: String, CaseIterable {
    case preset, layer, schedule, safetensors, raw, cli

    func run(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        switch self {
        case .preset:
            guard let preset = try? Preset(data: data, path: "fuzz.json") else { return }
            var settings = DreamSettings(), weights = "imagenet", video = VideoSettings()
            try? preset.apply(to: &settings, weights: &weights)
            try? settings.validate()
            try? preset.apply(to: &video)
            try? video.validate()
            _ = try? preset.zoomValues()
            _ = try? preset.motionSpec().resolve(fps: 24, defaultZoom: 1.02).validate(width: 64, height: 48)
        case .layer:
            guard let target = try? LayerTarget(parsing: text) else { return }
            var settings = DreamSettings()
            settings.targets = [target]
            try? settings.validate()
        case .schedule:
            // First line: which parser; the rest: the text. Keyframes in frames and seconds, eased or not.
            let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            let body = lines.count > 1 ? String(lines[1]) : ""
            switch lines.first ?? "" {
            case "layers":
                if let s = try? LayerSchedule(parsing: body, fps: 24, fade: 12) { for f in [0, 1, 100, 10_000] { _ = s.targets(at: f) } }
            case "compound":
                if let s = try? Schedule(parsing: body, name: "drift", fps: 30, compound: true) { for f in [0, 7, 1_000_000] { _ = s.value(at: f) } }
            default:
                if let s = try? Schedule(parsing: body, name: "zoom", fps: 24) { for f in [0, 7, 1_000_000] { _ = s.value(at: f) } }
            }
        case .safetensors:
            _ = try? VGG16Weights(data: data, path: "fuzz.safetensors")
        case .raw:
            Self.raw(data)
        case .cli:
            // One argument a line.
            let arguments = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            try? DeepDream.check(arguments)
        }
    }

    /// Raw and Y4M framing: the first byte picks a frame size and pixel format, the rest is the stream.
    private static func raw(_ data: Data) {
        guard let first = data.first else { return }
        let sizes = ["16x16", "17x9", "0x0", "1x1", "64x48", "100000x100000"], formats = ["rgb24", "yuv420p", "gray", "yuv444p", "nv12"]
        let path = NSTemporaryDirectory() + "deepdream-fuzz-raw-\(getpid())"
        guard FileManager.default.createFile(atPath: path, contents: data.dropFirst()) else { return }
        defer { unlink(path) }
        let source: (String, [String: String]) = first & 0x80 != 0 ? ("yuv4mpegpipe", [:])
            : ("rawvideo", ["video_size": sizes[Int(first) % sizes.count], "pixel_format": formats[Int(first >> 3) % formats.count]])
        guard let reader = try? VideoReader(path: path, format: source.0, options: source.1) else { return }
        var frames = 0
        while frames < 100, let item = try? reader.next() {
            if case .frame = item { frames += 1 }
        }
    }
}

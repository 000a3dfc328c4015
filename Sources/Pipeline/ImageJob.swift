import Dream
import FFmpegBridge
import Foundation

/// Reads a still image, dreams it, writes the result atomically.
public enum ImageJob {
    /// `input` and `output` may be `-` (standard input and output); `format` names the output's format
    /// where its extension cannot.
    public static func run(input: String, output: String, settings: DreamSettings, network: VGG16,
                           guide: String? = nil, quality: Int = 92, overwrite: Bool = false, format: String? = nil,
                           progress: ((DreamProgress) -> Void)? = nil) throws {
        try checkOutput(output, overwrite: overwrite)
        let image = Image(try ImageFile.read(input))
        let guideImage = try guide.map { path throws in Image(try ImageFile.read(path)) }
        let dreamed = try Dreamer(network: network).dream(image, settings: settings, guide: guideImage, progress: progress)
        try ImageFile.write(RGBImage(dreamed), to: output, format: format, quality: quality)
    }

    /// Refuses to replace an existing file unless asked to, and checks the folder before any work.
    public static func checkOutput(_ path: String, overwrite: Bool) throws(MediaError) {
        if path == "-" { return }
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw MediaError(path, "already exists; pass --overwrite (-y) to replace it")
        }
        try AtomicFile(path).checkWritable()
    }
}

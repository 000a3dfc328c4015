import ArgumentParser
import Dream
import FFmpegBridge
import Pipeline

struct ImageCommand: PreparedCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Dream one image at its own resolution.",
        discussion: "Reads anything FFmpeg decodes (PNG, JPEG, WebP, BMP, TIFF, …) and honours EXIF orientation. The output format follows the extension: .png, .jpg, .webp, .bmp, .tif, .ppm.")

    @Argument(help: "The image to dream (- for standard input).")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the dreamed image (- for standard output, with --format).")
    var output: String

    @OptionGroup var dream: DreamOptions

    @Option(help: "JPEG/WebP quality, 1…100.")
    var quality: Int = 92

    @Option(help: "Output format (png, jpg, webp, bmp, tif, ppm) when the output's name has no extension, as with -o -.")
    var format: String?

    @OptionGroup var flags: OutputFlags

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1…100, got \(quality)") }
    }

    func prepare() throws -> Work {
        let (settings, weights, _) = try dream.resolve()
        try ImageJob.checkOutput(output, overwrite: flags.overwrite)
        return {
            let network = try WeightsLocator.load(weights)
            let progress = ProgressLine(quiet: flags.quiet)
            try ImageJob.run(input: input, output: output, settings: settings, network: network, guide: dream.guide,
                             quality: quality, overwrite: flags.overwrite, format: format ?? (output == "-" ? "png" : nil),
                             progress: progress.update)
            progress.finish()
        }
    }
}

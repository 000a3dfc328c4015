import ArgumentParser
import Dream
import FFmpegBridge
import Pipeline

struct LayersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layers",
        abstract: "Dream one image at each layer and lay the results out in a labelled grid, shallow to deep.",
        discussion: "By default the ReLU output of every convolution (relu1_1 … relu5_3). Other dream options apply to every tile.")

    @Argument(help: "The image to dream.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the sheet (.png, .jpg, .webp).")
    var output: String

    @Option(name: .customLong("layers"), parsing: .upToNextOption, help: "The layers to show, in order.")
    var sheetLayers: [String] = Layer.all.filter { if case .relu = $0.kind { true } else { false } }.map(\.name)

    @Option(help: "Longest side of each tile in pixels (the input is scaled down to it).")
    var size = 320

    @Option(help: "Tiles per row.")
    var columns = 4

    @OptionGroup var dream: DreamOptions

    @Option(help: "JPEG/WebP quality, 1…100.")
    var quality: Int = 92

    @OptionGroup var flags: OutputFlags

    func validate() throws {
        guard (32...4096).contains(size) else { throw ValidationError("--size must be 32…4096, got \(size)") }
        guard (1...32).contains(columns) else { throw ValidationError("--columns must be 1…32, got \(columns)") }
        guard !sheetLayers.isEmpty else { throw ValidationError("--layers needs at least one layer") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1…100, got \(quality)") }
    }

    func run() throws {
        var (settings, weights, _) = try dream.resolve()
        let targets = try sheetLayers.map { s throws(DreamError) in try LayerTarget(parsing: s) }
        try ImageJob.checkOutput(output, overwrite: flags.overwrite)
        let network = try WeightsLocator.load(weights)
        let photo = Image(try ImageFile.read(input))
        let scale = Double(size) / Double(max(photo.width, photo.height))
        let small = scale < 1 ? photo.resized(width: max(1, Int((Double(photo.width) * scale).rounded())),
                                              height: max(1, Int((Double(photo.height) * scale).rounded()))) : photo
        let guide = try dream.guide.map { path throws in Image(try ImageFile.read(path)) }
        let dreamer = Dreamer(network: network)
        let progress = ProgressLine(quiet: flags.quiet)
        var tiles: [(label: String, image: RGBImage)] = []
        for (i, target) in targets.enumerated() {
            settings.targets = [target]
            progress.show("layer \(i + 1)/\(targets.count): \(target)")
            let dreamed = try dreamer.dream(small, settings: settings, guide: guide)
            tiles.append((target.description, RGBImage(dreamed)))
        }
        progress.finish()
        try ImageFile.write(LayerSheet.compose(tiles, columns: min(columns, tiles.count)), to: output, quality: quality)
    }
}

import ArgumentParser
import Dream
import FFmpegBridge
import Pipeline

/// Options every dreaming command shares. Defaults come from the preset (or the built-in defaults);
/// options given on the command line win.
struct DreamOptions: ParsableArguments {
    @Option(help: "Named settings (see `deepdream presets`) or a path to a preset .json file.")
    var preset: String?

    @Option(name: .customLong("layer"), help: ArgumentHelp(
        "Layer to amplify, repeatable: NAME (conv4_3, relu4_3, pool4, or a features index), NAME*WEIGHT, NAME[CHANNELS]*WEIGHT.",
        valueName: "spec"))
    var layers: [String] = []

    @Option(help: "Pyramid levels, the image's own size included.")
    var octaves: Int?

    @Option(help: "Size ratio between pyramid levels.")
    var octaveScale: Float?

    @Option(help: "Gradient-ascent steps per level.")
    var iterations: Int?

    @Option(help: "Mean change per step, in [0,1] pixel units.")
    var step: Float?

    @Option(help: "Largest random shift in pixels before each step.")
    var jitter: Int?

    @Option(help: "Gradient smoothing: Gaussian sigma in pixels (0 = off).")
    var blur: Float?

    @Option(help: "Random seed: the same seed gives the same dream.")
    var seed: UInt64?

    @Option(help: "Largest tile side for one network pass; bigger images are dreamed in overlapping tiles.")
    var tileSize: Int?

    @Option(help: "Weights: imagenet (default), hed, torchvision, or a path to a .safetensors file.")
    var weights: String?

    @Option(help: ArgumentHelp("Precision of the convolutions' products: auto (fp32), fp32, or bf16 (AVX512-BF16 CPUs; slower than fp32 on the Xeons measured so far, see README).", valueName: "auto|fp32|bf16"))
    var precision: Precision?

    @Option(help: "Guide image: steer the dream towards the features of this picture.")
    var guide: String?

    /// The settings and weights these options describe, preset first, then the flags; and the preset,
    /// read once, for the video and zoom keys.
    /// `defaultPreset`: the preset used when none is named (`video` and `pipe` use `video`).
    func resolve(defaultPreset: String? = nil) throws -> (settings: DreamSettings, weights: String, preset: Preset?) {
        var settings = DreamSettings()
        var weightsName = "imagenet"
        let loaded = try (preset ?? defaultPreset).map { name throws(PresetError) in try Preset.load(name) }
        try loaded?.apply(to: &settings, weights: &weightsName)
        if !layers.isEmpty { settings.targets = try layers.map { s throws(DreamError) in try LayerTarget(parsing: s) } }
        if let octaves { settings.octaves = octaves }
        if let octaveScale { settings.octaveScale = octaveScale }
        if let iterations { settings.iterations = iterations }
        if let step { settings.step = step }
        if let jitter { settings.jitter = jitter }
        if let blur { settings.blur = blur }
        if let seed { settings.seed = seed }
        if let tileSize { settings.tileSize = tileSize }
        if let precision { settings.precision = precision }
        if let weights { weightsName = weights }
        try settings.validate()
        return (settings, weightsName, loaded)
    }

    /// The --guide picture, read now.
    func guideImage() throws -> Image? {
        try guide.map { path in Image(try ImageFile.read(path)) }
    }
}

extension Precision: ExpressibleByArgument {}

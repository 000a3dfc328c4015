import Foundation

/// Runs DeepDream on images: an octave pyramid with the dreamed detail carried up from level to level,
/// gradient ascent with jitter, smoothing and clipping at each level. One Dreamer per thread: it keeps the
/// network's buffers for the sizes it has seen.
public final class Dreamer {
    public let network: VGG16
    private var workspaces: [[Int]: VGG16.Workspace] = [:]
    private let scratch = WinogradScratch()

    /// The fast kernels (Winograd, the conv1_1 row kernel); false: the direct kernel everywhere, the reference.
    public let winograd: Bool

    /// The fast kernels' instruction set, when forced; nil: the one `settings.precision` picks.
    public let path: KernelPath?

    public init(network: VGG16, winograd: Bool = true, path: KernelPath? = nil) {
        self.network = network
        self.winograd = winograd
        self.path = path
        if let path { scratch.path = path }
    }

    /// Activation bytes of cached network buffers kept between sizes.
    static let workspaceBudget = 1 << 30

    /// Pyramid sizes from the smallest level to the image's own; levels below `minimumSide` are skipped.
    public static func octaveSizes(width: Int, height: Int, settings: DreamSettings) -> [(width: Int, height: Int)] {
        let minimumSide = max(32, 2 * VGG16.minimumSide(for: settings.targets.map(\.layer).max { $0.index < $1.index }!))
        var sizes: [(width: Int, height: Int)] = [(width, height)]
        for level in 1..<max(settings.octaves, 1) {
            let f = pow(Double(settings.octaveScale), Double(level))
            let w = Int((Double(width) / f).rounded()), h = Int((Double(height) / f).rounded())
            if min(w, h) < minimumSide { break }
            sizes.append((w, h))
        }
        return sizes.reversed()
    }

    /// The dreamed image. `guide`, when given, steers the dream towards the features of that image.
    public func dream(_ image: Image, settings: DreamSettings, guide: Image? = nil,
                      progress: ((DreamProgress) -> Void)? = nil) throws(DreamError) -> Image {
        try settings.validate()
        if let path { scratch.path = path } else { scratch.path = try KernelPath.resolve(settings.precision) }
        let objective = try self.objective(settings, guide: guide)
        let need = VGG16.minimumSide(for: objective.deepest)
        guard min(image.width, image.height) >= need else {
            throw .invalidSetting("image \(image.width)×\(image.height) is too small for \(objective.deepest.name): it needs at least \(need)×\(need) pixels")
        }
        var rng = SplitMix64(seed: settings.seed)
        let sizes = Self.octaveSizes(width: image.width, height: image.height, settings: settings)
        let work = sizes.map { Double($0.width * $0.height) }, totalWork = max(work.reduce(0, +), 1)
        var detail: Image?
        var x = image
        for (level, size) in sizes.enumerated() {
            let base = image.resized(width: size.width, height: size.height)
            x = base
            if let d = detail?.resized(width: size.width, height: size.height) {
                for i in x.pixels.indices { x.pixels[i] += d.pixels[i] }
            }
            for iteration in 0..<settings.iterations {
                let value = ascend(&x, objective, settings, &rng)
                progress?(DreamProgress(octave: level + 1, octaves: sizes.count, iteration: iteration + 1,
                                        iterations: settings.iterations, objective: value,
                                        width: size.width, height: size.height,
                                        fraction: (work[..<level].reduce(0, +) + work[level] * Double(iteration + 1)
                                                   / Double(settings.iterations)) / totalWork))
            }
            var d = x
            for i in d.pixels.indices { d.pixels[i] -= base.pixels[i] }
            detail = d
        }
        return x.clamped()
    }

    /// One step: `x ← clip(x + step · g / mean|g|, 0, 1)` with g the (jittered, smoothed) gradient.
    /// Returns the objective before the step.
    @discardableResult
    public func ascend(_ x: inout Image, _ objective: Objective, _ settings: DreamSettings,
                       _ rng: inout SplitMix64) -> Double {
        let j = settings.jitter
        let dx = j > 0 ? Int.random(in: -j...j, using: &rng) : 0
        let dy = j > 0 ? Int.random(in: -j...j, using: &rng) : 0
        var (value, g) = gradient(objective, x.rolled(dx: dx, dy: dy), settings.tileSize)
        g = g.rolled(dx: -dx, dy: -dy).gaussianBlurred(sigma: settings.blur)
        var total: Double = 0
        for v in g.pixels { total += Double(abs(v)) }
        let meanAbs = Float(total / Double(g.pixels.count))
        guard meanAbs > 0, meanAbs.isFinite else { return value }
        let scale = settings.step / meanAbs
        for i in x.pixels.indices { x.pixels[i] = min(max(x.pixels[i] + scale * g.pixels[i], 0), 1) }
        return value
    }

    /// Objective and gradient of the whole image; an image wider or taller than `tile` is done in equal,
    /// overlapping tiles whose margins (64 pixels, at most a quarter tile) are discarded.
    public func gradient(_ objective: Objective, _ image: Image, _ tile: Int) -> (Double, Image) {
        if image.width <= tile && image.height <= tile {
            return network.gradient(of: objective, at: image, workspace(image.width, image.height, objective.deepest))
        }
        let margin = min(64, tile / 4)
        let xs = TileAxis(size: image.width, tile: tile, margin: margin), ys = TileAxis(size: image.height, tile: tile, margin: margin)
        let ws = workspace(xs.length, ys.length, objective.deepest)
        // The objective is a mean over each tile: weigh tiles by their share of the image.
        let share = Float(xs.length * ys.length) / Float(image.width * image.height)
        var out = Image(width: image.width, height: image.height)
        var value = 0.0
        for (j, cy) in ys.starts.enumerated() {
            for (i, cx) in xs.starts.enumerated() {
                let crop = image.cropped(x: cx, y: cy, width: xs.length, height: ys.length)
                let (v, g) = network.gradient(of: objective, at: crop, ws)
                let x0 = xs.bounds[i], x1 = xs.bounds[i + 1], y0 = ys.bounds[j], y1 = ys.bounds[j + 1]
                value += v * Double((x1 - x0) * (y1 - y0)) / Double(xs.length * ys.length)
                for c in 0..<3 {
                    for y in y0..<y1 {
                        for x in x0..<x1 { out[c, y, x] = g[c, y - cy, x - cx] * share }
                    }
                }
            }
        }
        return (value, out)
    }

    /// Each target's objective on `image` (scaled down to at most 512 pixels a side): how strongly
    /// each layer responds, to balance layers whose activations differ by orders of magnitude.
    public func objectiveValues(_ image: Image, _ targets: [LayerTarget]) -> [Double] {
        let longest = max(image.width, image.height)
        let small = longest > 512 ? image.resized(width: max(1, image.width * 512 / longest), height: max(1, image.height * 512 / longest)) : image
        let objective = Objective(targets: targets.map { LayerTarget(layer: $0.layer, weight: 1, channels: $0.channels) })
        guard min(small.width, small.height) >= VGG16.minimumSide(for: objective.deepest) else { return targets.map { _ in 1 } }
        let ws = workspace(small.width, small.height, objective.deepest)
        network.forward(small, ws, seeding: objective)
        return ws.targetValues
    }

    /// The last guided objective: a video's frames share one guide, whose features need one pass.
    private var guided: (targets: [LayerTarget], guide: Image, objective: Objective)?

    func objective(_ settings: DreamSettings, guide: Image?) throws(DreamError) -> Objective {
        var objective = Objective(targets: settings.targets)
        guard let guide else { return objective }
        if let guided, guided.targets == settings.targets, guided.guide == guide { return guided.objective }
        let side = 512, longest = max(guide.width, guide.height)
        let g = longest > side ? guide.resized(width: max(1, guide.width * side / longest),
                                               height: max(1, guide.height * side / longest)) : guide
        let need = VGG16.minimumSide(for: objective.deepest)
        guard min(g.width, g.height) >= need else {
            throw .invalidSetting("guide image \(guide.width)×\(guide.height) is too small for \(objective.deepest.name)")
        }
        let ws = VGG16.Workspace(width: g.width, height: g.height, depth: objective.deepest, winograd: winograd, scratch: scratch)
        network.forward(g, ws)
        objective.guide = settings.targets.map { target in
            let maps = ws.outputs[target.layer.index]
            return (0..<maps.channels).map { c in
                var s: Float = 0
                for y in 0..<maps.height { for x in 0..<maps.width { s += maps[c, y, x] } }
                return s / Float(maps.height * maps.width)
            }
        }
        guided = (settings.targets, guide, objective)
        return objective
    }

    private func workspace(_ width: Int, _ height: Int, _ depth: Layer) -> VGG16.Workspace {
        let key = [width, height, depth.index]
        if let ws = workspaces[key] { return ws }
        let ws = VGG16.Workspace(width: width, height: height, depth: depth, winograd: winograd, scratch: scratch)
        // Keep the buffers of recent sizes (a video's octaves repeat every frame) within a budget.
        let held = workspaces.values.reduce(0) { $0 + $1.activationBytes }
        if held + ws.activationBytes > Self.workspaceBudget { workspaces.removeAll() }
        workspaces[key] = ws
        return ws
    }
}

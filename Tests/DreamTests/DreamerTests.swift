import Foundation
import Testing
@testable import Dream

@Suite("The dream algorithm")
struct DreamerTests {
    func settings(_ change: (inout DreamSettings) -> Void) -> DreamSettings {
        var s = DreamSettings()
        change(&s)
        return s
    }

    @Test("--octaves 1 --iterations 1 --jitter 0 --blur 0 is exactly one normalised step")
    func oneStep() throws {
        let net = randomNetwork(seed: 3)
        let image = randomImage(width: 20, height: 18, seed: 4)
        let s = settings { $0.targets = [LayerTarget(layer: try! Layer.named("relu2_2"))]
            $0.octaves = 1; $0.iterations = 1; $0.jitter = 0; $0.blur = 0; $0.step = 0.01 }
        let dreamed = try Dreamer(network: net).dream(image, settings: s)
        let objective = Objective(targets: s.targets)
        let g = net.gradient(of: objective, at: image, VGG16.Workspace(width: 20, height: 18, depth: objective.deepest)).gradient
        let meanAbs = g.pixels.reduce(0) { $0 + abs($1) } / Float(g.pixels.count)
        let expected = zip(image.pixels, g.pixels).map { min(max($0 + 0.01 * $1 / meanAbs, 0), 1) }
        #expect(maxDifference(dreamed.pixels, expected) < 1e-5)
        #expect(dreamed != image)
    }

    @Test("the same seed gives the same dream; another seed a different one")
    func determinism() throws {
        let net = randomNetwork(seed: 5)
        let image = randomImage(width: 40, height: 36, seed: 6)
        let s = settings { $0.targets = [LayerTarget(layer: try! Layer.named("relu2_1"))]; $0.octaves = 2; $0.iterations = 2; $0.jitter = 4 }
        var other = s
        other.seed = 99
        let a = try Dreamer(network: net).dream(image, settings: s)
        let b = try Dreamer(network: net).dream(image, settings: s)
        let c = try Dreamer(network: net).dream(image, settings: other)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("dreaming raises the objective and keeps pixels in [0,1]")
    func ascends() throws {
        let net = randomNetwork(seed: 8)
        let image = randomImage(width: 32, height: 30, seed: 9)
        let objective = Objective(targets: [LayerTarget(layer: try Layer.named("relu3_1"))])
        let s = settings { $0.targets = objective.targets; $0.octaves = 1; $0.iterations = 5 }
        let dreamed = try Dreamer(network: net).dream(image, settings: s)
        let ws = VGG16.Workspace(width: 32, height: 30, depth: objective.deepest)
        let before = net.forward(image, ws, seeding: objective).1, after = net.forward(dreamed, ws, seeding: objective).1
        #expect(after > before * 1.05, "objective \(before) → \(after)")
        #expect(dreamed.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("a guide image steers the dream towards its own features (more than another guide does)")
    func guide() throws {
        let net = randomNetwork(seed: 11)
        let dreamer = Dreamer(network: net)
        let s = settings { $0.targets = [LayerTarget(layer: try! Layer.named("relu2_2"))]; $0.octaves = 1; $0.iterations = 4; $0.jitter = 0 }
        let guideImage = randomImage(width: 24, height: 24, seed: 77)
        let guided = try dreamer.objective(s, guide: guideImage)
        let means = try #require(guided.guide?.first)
        #expect(means.count == 128 && means.allSatisfy { $0 >= 0 })   // ReLU outputs: non-negative means
        let image = randomImage(width: 24, height: 20, seed: 5)
        let ws = VGG16.Workspace(width: 24, height: 20, depth: guided.deepest)
        // Any dream raises the activations, and with them any guide's measure; so each guide is measured on the
        // dream it steered and on the dream the other steered: each must gain more from its own.
        let other = Image(width: 24, height: 24, pixels: (0..<3 * 576).map { i in i < 576 ? Float(i % 24) / 24 : 0.1 })
        let otherGuided = try dreamer.objective(s, guide: other)
        let dreamA = try dreamer.dream(image, settings: s, guide: guideImage), dreamB = try dreamer.dream(image, settings: s, guide: other)
        func gain(_ objective: Objective, _ dreamed: Image) -> Double {
            net.forward(dreamed, ws, seeding: objective).1 - net.forward(image, ws, seeding: objective).1
        }
        // Measured with these random weights: 0.165 vs 0.156 and 0.184 vs 0.180. An ignored guide gives two
        // identical dreams, and equal gains.
        #expect(gain(guided, dreamA) > gain(guided, dreamB) && gain(otherGuided, dreamB) > gain(otherGuided, dreamA))
        #expect(zip(dreamA.pixels, dreamB.pixels).map { abs($0 - $1) }.max()! > 0.01)
    }

    @Test("octave sizes: the image's own size last, levels too small for the layer skipped")
    func octaveSizes() throws {
        let s = settings { $0.octaves = 6; $0.octaveScale = 2 }
        let sizes = Dreamer.octaveSizes(width: 640, height: 360, settings: s)
        #expect(sizes.map(\.width) == [80, 160, 320, 640])   // 360/8 = 45 ≥ 32; 360/16 < 32
        #expect(sizes.last! == (640, 360))
        #expect(Dreamer.octaveSizes(width: 20, height: 20, settings: s).map(\.width) == [20])
    }

    @Test("images too small for the layer get a clear error, not a crash")
    func tooSmall() throws {
        let net = randomNetwork(seed: 1)
        #expect(throws: DreamError.self) {
            try Dreamer(network: net).dream(randomImage(width: 12, height: 5, seed: 1), settings: DreamSettings())
        }
        // relu2_2 needs only 2×2: a 3×2 picture dreams.
        let s = settings { $0.targets = [LayerTarget(layer: try! Layer.named("relu2_2"))]; $0.iterations = 1 }
        let out = try Dreamer(network: net).dream(randomImage(width: 3, height: 2, seed: 1), settings: s)
        #expect(out.width == 3 && out.height == 2)
    }

    /// Tiles keep a margin (a quarter tile here) that their layer's receptive field fits in, so the tiled
    /// gradient is the whole image's up to rounding, seams included. Rounding alone moves single pixels
    /// a long way (a random network's ReLUs and pooling maxima flip: nudging the picture by 1e-6 moves the
    /// relu3_3 gradient by up to 4.7% of its largest value at one pixel), so the check is per column and
    /// per row of pixels: |tiled - whole| summed along it under 2% of |whole| summed along it (seen: 0.7% at
    /// relu3_3, 2e-6 at relu1_2). A seam column left out is off by 100%; margins a quarter as wide, by 29%.
    @Test("tiled gradients equal the whole-image gradient along every column and row, for a shallow and a deep layer",
          arguments: [("relu1_2", 64, 150, 97), ("relu3_3", 128, 260, 150)])
    func tiling(_ c: (String, Int, Int, Int)) throws {
        let net = randomNetwork(seed: 2)
        let image = randomImage(width: c.2, height: c.3, seed: 3)
        let objective = Objective(targets: [LayerTarget(layer: try Layer.named(c.0))])
        let dreamer = Dreamer(network: net)
        let (_, whole) = dreamer.gradient(objective, image, 1000)
        let (_, tiled) = dreamer.gradient(objective, image, c.1)
        var columns = [(off: Float, size: Float)](repeating: (0, 0), count: image.width)
        var rows = [(off: Float, size: Float)](repeating: (0, 0), count: image.height)
        for ch in 0..<3 {
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let off = abs(whole[ch, y, x] - tiled[ch, y, x]), size = abs(whole[ch, y, x])
                    columns[x].off += off; columns[x].size += size
                    rows[y].off += off; rows[y].size += size
                }
            }
        }
        let worstColumn = columns.indices.max { columns[$0].off / columns[$0].size < columns[$1].off / columns[$1].size }!
        let worstRow = rows.indices.max { rows[$0].off / rows[$0].size < rows[$1].off / rows[$1].size }!
        #expect(columns[worstColumn].off < 0.02 * columns[worstColumn].size, "column \(worstColumn) off by \(columns[worstColumn].off / columns[worstColumn].size)")
        #expect(rows[worstRow].off < 0.02 * rows[worstRow].size, "row \(worstRow) off by \(rows[worstRow].off / rows[worstRow].size)")
    }

    @Test("settings are validated with a message naming the setting")
    func validation() {
        let cases: [(String, (inout DreamSettings) -> Void)] = [
            ("octaves", { $0.octaves = 0 }), ("octave scale", { $0.octaveScale = 1 }), ("step", { $0.step = -1 }),
            ("jitter", { $0.jitter = -3 }), ("blur", { $0.blur = .nan }), ("layer", { $0.targets = [] })]
        for (name, change) in cases {
            var s = DreamSettings()
            change(&s)
            #expect { try s.validate() } throws: { "\($0)".contains(name) }
        }
    }
}

@Suite("Resampling and smoothing")
struct ImageOpsTests {
    @Test("a flat image stays flat through resize and blur", arguments: [(7, 5), (100, 3), (1, 1)])
    func flat(_ size: (Int, Int)) {
        let image = Image(width: 40, height: 30, fill: 0.25)
        let r = image.resized(width: size.0, height: size.1)
        #expect(r.width == size.0 && r.height == size.1)
        #expect(r.pixels.allSatisfy { abs($0 - 0.25) < 1e-5 })
        #expect(image.gaussianBlurred(sigma: 2).pixels.allSatisfy { abs($0 - 0.25) < 1e-5 })
    }

    @Test("downscaling averages (no aliasing): a 1-pixel checkerboard halves to grey")
    func antialias() {
        var image = Image(width: 64, height: 64)
        for c in 0..<3 { for y in 0..<64 { for x in 0..<64 { image[c, y, x] = (x + y) % 2 == 0 ? 1 : 0 } } }
        let small = image.resized(width: 16, height: 16)
        #expect(small.pixels.allSatisfy { abs($0 - 0.5) < 0.05 })
    }

    @Test("rolling and rolling back is the identity")
    func roll() {
        let image = randomImage(width: 13, height: 7, seed: 1)
        #expect(image.rolled(dx: 5, dy: -3).rolled(dx: -5, dy: 3) == image)
        #expect(image.rolled(dx: 1, dy: 0)[0, 0, 1] == image[0, 0, 0])
    }
}

@Suite("Tile grid")
struct TileGridTests {
    @Test("equal tiles cover the axis, cores partition it, inner sides keep the margin",
          arguments: [(100, 64, 16), (1920, 1024, 64), (1080, 1024, 64), (4000, 1024, 64), (1025, 1024, 64), (50, 64, 16)])
    func axis(_ c: (Int, Int, Int)) {
        let (size, tile, margin) = c
        let a = TileAxis(size: size, tile: tile, margin: margin)
        #expect(a.length < tile + 16 && a.length <= size)
        #expect(a.starts.first == 0 && a.starts.last! + a.length == size)
        #expect(a.starts.allSatisfy { $0 % 16 == 0 }, "tiles start on the pooling grid: \(a.starts)")
        #expect(a.bounds.first == 0 && a.bounds.last == size && a.bounds.count == a.starts.count + 1)
        for (i, s) in a.starts.enumerated() {
            #expect(a.bounds[i] < a.bounds[i + 1])
            #expect(a.bounds[i] >= s && a.bounds[i + 1] <= s + a.length)
            if i > 0 { #expect(a.bounds[i] - s >= margin) }
            if i < a.starts.count - 1 { #expect(s + a.length - a.bounds[i + 1] >= margin) }
        }
    }
}

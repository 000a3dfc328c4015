import Foundation
import Testing
@testable import Dream

/// VGG16's architecture with small random weights (He-scaled), for gradient checks.
func randomNetwork(seed: UInt64) -> VGG16 {
    var convolutions: [Conv3x3Weights] = []
    var cin = 3
    for (k, layer) in Layer.convolutions.enumerated() {
        let scale = (6 / Float(9 * cin)).squareRoot()
        let w = randomFloats(layer.channels * cin * 9, seed: seed + UInt64(k)).map { $0 * scale }
        let b = randomFloats(layer.channels, seed: seed + 100 + UInt64(k)).map { $0 * 0.1 }
        convolutions.append(w.withUnsafeBufferPointer { Conv3x3Weights(oihw: $0, bias: b, inChannels: cin, outChannels: layer.channels) })
        cin = layer.channels
    }
    let pre = Preprocessing(channelOrder: [2, 1, 0], scale: 2, mean: [1, 0.9, 1.1], std: [0.5, 0.6, 0.7])
    return VGG16(weights: VGG16Weights(convolutions: convolutions, preprocessing: pre, name: "random", source: "test"))
}

func randomImage(width: Int, height: Int, seed: UInt64) -> Image {
    Image(width: width, height: height, pixels: randomFloats(3 * width * height, seed: seed).map { 0.5 + 0.4 * $0 })
}

struct GradientCase: CustomTestStringConvertible, Sendable {
    let layers: [String]
    let width: Int, height: Int
    var testDescription: String { "\(layers.joined(separator: "+")) at \(width)×\(height)" }
}

@Suite("VGG16 forward and backward")
struct NetworkTests {
    /// Directional derivatives: (f(x + εd) − f(x − εd)) / 2ε against ⟨g, d⟩, g the computed gradient, for
    /// d = g/max|g| plus random noise of up to the same size (a wrong component of g changes ⟨g_true, d⟩
    /// but not ⟨g, d⟩). Random directions alone, or single pixels, move the float32 objective too little
    /// to measure. ε = 1e-4 in [0,1] units: small enough that no ReLU or pooling choice of the random net
    /// flips (1e-2 and 1e-3 do flip some); every direction must agree within 0.5%. The differences are taken
    /// with the direct kernel: Winograd's own rounding (F(6×6), coefficients up to 32) moved them by up to
    /// 0.6% at relu3_3 with ε this small, the gradient by 2e-6.
    @Test("gradient to the image matches central finite differences",
          arguments: [GradientCase(layers: ["relu1_2"], width: 7, height: 6),
                      GradientCase(layers: ["conv2_2"], width: 9, height: 8),
                      GradientCase(layers: ["pool2", "relu1_1*0.3"], width: 11, height: 10),
                      GradientCase(layers: ["relu3_3[3,7-9]"], width: 13, height: 12),
                      GradientCase(layers: ["relu4_3", "conv3_1*0.5"], width: 17, height: 16)])
    func finiteDifferences(_ c: GradientCase) throws {
        let net = randomNetwork(seed: 42)
        let objective = Objective(targets: try c.layers.map { try LayerTarget(parsing: $0) })
        let image = randomImage(width: c.width, height: c.height, seed: 3)
        let fast = VGG16.Workspace(width: c.width, height: c.height, depth: objective.deepest)
        let direct = VGG16.Workspace(width: c.width, height: c.height, depth: objective.deepest, winograd: false)
        expectFiniteDifferences(net, objective, image, gradient: fast, forward: direct, within: 0.005)
    }

    /// The bf16 path's gradient (bf16 products in every Winograd layer, forward and backward) against
    /// central differences of the fp32 objective, as above: every direction within 10% (seen: up to 5.2%
    /// at relu4_3, where fp32 holds 0.5%: bf16 rounding, magnified by F(4×4,3×3)'s transforms).
    @Test("bf16 gradient matches finite differences of the fp32 objective within 10%",
          .enabled(if: KernelPath.avx512BF16.isSupported, "this CPU has no AVX512-BF16"))
    func finiteDifferencesBF16() throws {
        let net = randomNetwork(seed: 42)
        let objective = Objective(targets: [try LayerTarget(parsing: "relu4_3")])
        let image = randomImage(width: 17, height: 16, seed: 3)
        let fp32 = VGG16.Workspace(width: 17, height: 16, depth: objective.deepest)
        let bf16 = VGG16.Workspace(width: 17, height: 16, depth: objective.deepest, scratch: WinogradScratch(path: .avx512BF16))
        expectFiniteDifferences(net, objective, image, gradient: bf16, forward: fp32, within: 0.1)
    }

    /// The gradient computed in `gradient` against central differences of the objective computed in
    /// `forward`, in six directions (see `finiteDifferences`), each within `tolerance` of the exact value.
    func expectFiniteDifferences(_ net: VGG16, _ objective: Objective, _ image: Image, gradient: VGG16.Workspace,
                                 forward: VGG16.Workspace, within tolerance: Double) {
        let analytic = net.gradient(of: objective, at: image, gradient).gradient
        let eps: Float = 1e-4
        for direction in 0..<6 {
            let noise = randomFloats(image.pixels.count, seed: 100 + UInt64(direction))
            let gmax = analytic.pixels.map(abs).max()!
            let d = zip(analytic.pixels, noise).map { $0 / gmax + Float(direction) / 5 * $1 }
            var plus = image, minus = image
            for i in d.indices { plus.pixels[i] += eps * d[i]; minus.pixels[i] -= eps * d[i] }
            let numeric = (net.forward(plus, forward, seeding: objective).1 - net.forward(minus, forward, seeding: objective).1) / Double(2 * eps)
            let exact = zip(analytic.pixels, d).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(numeric - exact) <= tolerance * abs(exact), "direction \(direction): finite difference \(numeric), gradient \(exact)")
        }
    }

    /// A convolution pooled as it goes (conv1_2 under pool1) never writes its own full-size map, and that
    /// map, allocated all the same, takes no memory: its pages are never touched (`FeatureMaps` takes fresh
    /// zero pages). The biggest map of a pass, 1/3 of the activations at relu4_3 with conv2_2's and conv3_3's.
    @Test("a map pooled away is never written and takes no memory")
    func pooledMapTakesNoMemory() throws {
        let net = randomNetwork(seed: 5)
        let objective = Objective(targets: [try LayerTarget(parsing: "relu2_2")])
        let ws = VGG16.Workspace(width: 128, height: 96, depth: objective.deepest)   // conv1_2: 3.3 MB
        _ = net.gradient(of: objective, at: randomImage(width: 128, height: 96, seed: 6), ws)
        let conv12 = ws.outputs[try Layer.named("conv1_2").index], conv11 = ws.outputs[try Layer.named("conv1_1").index]
        #expect(residentShare(conv12) < 0.01)
        #expect(residentShare(conv11) > 0.99)   // the probe sees pages a pass writes
    }

    @Test("objective is the mean of squared activations")
    func objectiveValue() throws {
        let net = randomNetwork(seed: 1)
        let image = randomImage(width: 10, height: 9, seed: 5)
        let objective = Objective(targets: [try LayerTarget(parsing: "relu2_1*2")])
        let ws = VGG16.Workspace(width: 10, height: 9, depth: objective.deepest)
        let (maps, value) = net.forward(image, ws, seeding: objective)
        let expected = 2 * maps.sumOfSquares() / Double(maps.channels * maps.height * maps.width)
        #expect(abs(value - expected) <= 1e-9 * expected)
    }

    @Test("forward of the ImageNet weights matches the numpy reference on a real photo")
    func forwardMatchesReference() throws {
        let net = try VGG16(contentsOf: WeightsLocator.path(for: "imagenet"))
        let image = try readPPM(fixture("chelsea-67x45.ppm"))
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture("reference-forward.json"))) as! [String: Any]
        let layers = reference["layers"] as! [String: [String: Any]]
        let ws = VGG16.Workspace(width: image.width, height: image.height, depth: try Layer.named("pool5"))
        for (name, expected) in layers.sorted(by: { $0.key < $1.key }) {
            let layer = try Layer.named(name)
            // relu shares its conv's buffer, so run to each layer on its own.
            let depthWS = layer == ws.depth ? ws : VGG16.Workspace(width: image.width, height: image.height, depth: layer)
            let (maps, _) = net.forward(image, depthWS)
            #expect([maps.channels, maps.height, maps.width] == expected["shape"] as! [Int], "\(name) shape")
            let values = maps.unpadded()
            let meanSquare = values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(values.count)
            let refMeanSquare = expected["mean_square"] as! Double
            // float32 against float64 through up to 13 layers: 1e-4 relative on statistics.
            #expect(abs(meanSquare - refMeanSquare) <= 1e-4 * refMeanSquare, "\(name) mean square \(meanSquare) vs \(refMeanSquare)")
            let scale = refMeanSquare.squareRoot()
            for sample in expected["samples"] as! [[String: Any]] {
                let v = Double(maps[sample["c"] as! Int, sample["y"] as! Int, sample["x"] as! Int])
                let r = sample["value"] as! Double
                #expect(abs(v - r) <= 1e-4 * scale + 1e-4, "\(name)\(sample): \(v) vs \(r)")
            }
        }
    }
}

func fixture(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
}

/// Binary 8-bit PPM (P6) to an Image: enough to read the test fixture without the FFmpeg bridge.
func readPPM(_ url: URL) throws -> Image {
    let data = [UInt8](try Data(contentsOf: url))
    var fields: [String] = [], i = 0
    while fields.count < 4 {
        while data[i] == 0x20 || data[i] == 0x0A || data[i] == 0x0D || data[i] == 0x09 { i += 1 }
        let start = i
        while !(data[i] == 0x20 || data[i] == 0x0A || data[i] == 0x0D || data[i] == 0x09) { i += 1 }
        fields.append(String(decoding: data[start..<i], as: UTF8.self))
    }
    let w = Int(fields[1])!, h = Int(fields[2])!
    i += 1
    var image = Image(width: w, height: h)
    for y in 0..<h { for x in 0..<w { for c in 0..<3 { image[c, y, x] = Float(data[i + (y * w + x) * 3 + c]) / 255 } } }
    return image
}

@Suite("Fast paths against the reference")
struct FastPathTests {
    /// The same dream (real weights, real photo, relu4_3, 2 octaves × 5 steps) with Winograd on the wide
    /// layers and with the direct kernel everywhere: PSNR of the two dreamed pictures over 40 dB.
    @Test("a dream with Winograd looks the same as the direct-kernel dream")
    func winogradDream() throws {
        let net = try VGG16(contentsOf: WeightsLocator.path(for: "imagenet"))
        let photo = try readPPM(fixture("chelsea-67x45.ppm")).resized(width: 134, height: 90)
        var s = DreamSettings()
        s.octaves = 2; s.iterations = 5; s.seed = 3
        let fast = try Dreamer(network: net, winograd: true).dream(photo, settings: s)
        let reference = try Dreamer(network: net, winograd: false).dream(photo, settings: s)
        let mse = zip(fast.pixels, reference.pixels).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(fast.pixels.count)
        let psnr = 10 * log10(1 / max(mse, 1e-20))
        #expect(psnr > 40, "PSNR \(psnr) dB")
        let change = zip(reference.pixels, photo.pixels).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(photo.pixels.count)
        #expect(change > 0.02, "the dream changed the photo by only \(change)")
    }
}

/// Share of the pages under `maps`' values that are resident (mincore).
func residentShare(_ maps: FeatureMaps) -> Double {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = (Int(bitPattern: maps.data) + page - 1) / page * page
    let end = (Int(bitPattern: maps.data + maps.count)) / page * page
    let pages = (end - start) / page
    var flags = [UInt8](repeating: 0, count: max(pages, 1))
    guard pages > 0, mincore(UnsafeMutableRawPointer(bitPattern: start), end - start, &flags) == 0 else { return .nan }
    return Double(flags.filter { $0 & 1 != 0 }.count) / Double(pages)
}

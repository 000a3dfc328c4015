import ArgumentParser
import Dream
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one dream iteration (forward to the layer and backward to the image).",
        discussion: "Reports the median of several runs after a warm-up, and GFLOP/s as direct-convolution FLOPs (forward + backward) ÷ time.")

    @Option(help: "Image sizes, WIDTHxHEIGHT, repeatable.")
    var size: [String] = ["224x224", "640x360", "1280x720"]

    @Option(help: "Layer to reach.")
    var layer = "relu4_3"

    @Option(help: "Timed runs per size.")
    var runs = 5

    @Option(help: "Weights: imagenet, hed, torchvision or a path.")
    var weights = "imagenet"

    @Flag(help: "Also show each layer's forward and backward time.")
    var layers = false

    @Flag(help: "The direct kernel everywhere (no Winograd): the reference path.")
    var direct = false

    /// Per-operation times, medians over the runs, with GFLOP/s for the convolutions.
    func breakdown(_ network: VGG16, _ objective: Objective, _ image: Image, _ ws: VGG16.Workspace) throws {
        var samples: [Int: [(Double, Double)]] = [:]
        for _ in 0..<max(runs, 1) {
            ws.profile = [:]
            _ = network.gradient(of: objective, at: image, ws)
            for (k, v) in ws.profile! { samples[k, default: []].append(v) }
        }
        ws.profile = nil
        print("    layer      forward   backward   conv GFLOP/s (fwd, bwd)")
        var h = image.height, w = image.width, cin = 3
        for op in Layer.all[0...objective.deepest.index] {
            let s = samples[op.index] ?? []
            let f = s.map(\.0).sorted()[s.count / 2], b = s.map(\.1).sorted()[s.count / 2]
            var rate = ""
            switch op.kind {
            case .conv:
                let flops = 2 * 9 * Double(cin * op.channels * h * w)
                rate = String(format: "%7.1f %7.1f", flops / f / 1e9, flops / b / 1e9)
                cin = op.channels
            case .pool: h /= 2; w /= 2
            case .relu: break
            }
            print("    " + op.name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: " %7.1f ms %7.1f ms  ", f * 1000, b * 1000) + rate)
        }
    }

    func run() throws {
        let network = try WeightsLocator.load(weights)
        let objective = Objective(targets: [try LayerTarget(parsing: layer)])
        print("layer \(objective.deepest.name), \(direct ? "direct kernel" : "Winograd on 256+ channels"), \(runs) runs after 1 warm-up, median")
        print("size        iteration   GFLOP/s   fastest  slowest")
        for text in size {
            let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw ValidationError("--size must look like 640x360, got \(text)") }
            let (w, h) = (parts[0], parts[1])
            var rng = SplitMix64(seed: 1)
            let image = Image(width: w, height: h, pixels: (0..<3 * w * h).map { _ in Float(rng.next() % 256) / 255 })
            let ws = VGG16.Workspace(width: w, height: h, depth: objective.deepest, winograd: !direct)
            _ = network.gradient(of: objective, at: image, ws)
            var times: [Double] = []
            for _ in 0..<max(runs, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = network.gradient(of: objective, at: image, ws)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let median = times.sorted()[times.count / 2]
            let flops = 2 * FLOPs.forward(to: objective.deepest, width: w, height: h)
            print("\(text.padding(toLength: 11, withPad: " ", startingAt: 0)) "
                  + String(format: "%7.3f s   %7.1f   %5.3f s  %5.3f s", median, flops / median / 1e9, times.min()!, times.max()!))
            if layers { try breakdown(network, objective, image, ws) }
        }
    }
}

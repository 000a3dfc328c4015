import COpenBLAS
import Dispatch

/// VGG16 `features` on the CPU: forward to any layer and backward to the input image only.
/// Immutable after init; each concurrent user brings its own `Workspace`.
public final class VGG16: Sendable {
    public let weights: VGG16Weights

    public init(weights: VGG16Weights) { self.weights = weights }

    public convenience init(contentsOf path: String) throws(DreamError) {
        self.init(weights: try VGG16Weights(contentsOf: path))
    }

    /// Buffers for one image size and depth; reused across iterations, never shared between threads.
    public final class Workspace {
        public let width: Int
        public let height: Int
        public let depth: Layer
        let input: FeatureMaps
        /// Output of each operation up to `depth`; a ReLU shares its convolution's buffer (in place).
        let outputs: [FeatureMaps]
        /// Each pooling's window maxima, by features index.
        let poolCodes: [Int: PoolCodes]
        var gradients: [[Int]: [FeatureMaps]] = [:]
        var seeds: [Int: FeatureMaps] = [:]
        /// When set, seconds spent in each operation (by features index) are added up here.
        public var profile: [Int: (forward: Double, backward: Double)]?
        /// Each target's share of the objective in the last forward pass.
        public internal(set) var targetValues: [Double] = []

        /// Scratch for Winograd convolutions, and the switch for the fast kernels: nil runs every layer on the
        /// direct (nine-GEMM) kernel, the reference.
        let winograd: WinogradScratch?

        /// `scratch`: Winograd scratch to share with other workspaces used on the same thread.
        public init(width: Int, height: Int, depth: Layer, winograd: Bool = true, scratch: WinogradScratch? = nil) {
            self.width = width
            self.height = height
            self.depth = depth
            self.winograd = winograd ? scratch ?? WinogradScratch() : nil
            input = FeatureMaps(channels: 3, height: height, width: width)
            var outputs: [FeatureMaps] = [], poolCodes: [Int: PoolCodes] = [:]
            var h = height, w = width
            for op in Layer.all[0...depth.index] {
                switch op.kind {
                case .conv: outputs.append(FeatureMaps(channels: op.channels, height: h, width: w))
                case .relu: outputs.append(outputs[op.index - 1])
                case .pool:
                    poolCodes[op.index] = PoolCodes(channels: op.channels, height: h, width: w)
                    h /= 2; w /= 2
                    outputs.append(FeatureMaps(channels: op.channels, height: max(h, 1), width: max(w, 1)))
                }
            }
            self.outputs = outputs
            self.poolCodes = poolCodes
        }

        /// Bytes held by the activations (gradient buffers come on top, about 60% more).
        public var activationBytes: Int {
            var seen = Set<ObjectIdentifier>(), total = input.count
            for o in outputs where seen.insert(ObjectIdentifier(o)).inserted { total += o.count }
            return 4 * total
        }

        func record(_ op: Layer, forward started: UInt64 = 0, backward startedBackward: UInt64 = 0) {
            guard profile != nil else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            var entry = profile![op.index] ?? (0, 0)
            if started > 0 { entry.forward += Double(now - started) / 1e9 }
            if startedBackward > 0 { entry.backward += Double(now - startedBackward) / 1e9 }
            profile![op.index] = entry
        }

        /// Gradient buffer `slot` (0 or 1) for maps shaped like `like`.
        func gradient(like maps: FeatureMaps, slot: Int) -> FeatureMaps {
            let key = [maps.channels, maps.height, maps.width]
            if gradients[key] == nil {
                gradients[key] = (0..<2).map { _ in FeatureMaps(channels: maps.channels, height: maps.height, width: maps.width) }
            }
            return gradients[key]![slot]
        }

        func seed(for layer: Layer) -> FeatureMaps {
            if let seed = seeds[layer.index] { return seed }
            let o = outputs[layer.index]
            let seed = FeatureMaps(channels: o.channels, height: o.height, width: o.width)
            seeds[layer.index] = seed
            return seed
        }
    }

    /// The smallest width and height that reach `layer` with at least one pixel.
    public static func minimumSide(for layer: Layer) -> Int { 1 << layer.poolsBefore }

    /// Runs the network to `workspace.depth` and returns the output of `layer` (a view into the workspace).
    /// Without an objective every operation's output is kept in the workspace; with one, a convolution whose
    /// ReLU and pooling follow (neither it nor the ReLU a target) may pool at once, leaving its own output unwritten.
    @discardableResult
    public func forward(_ image: Image, _ workspace: Workspace, seeding objective: Objective? = nil) -> (FeatureMaps, Double) {
        precondition(image.width == workspace.width && image.height == workspace.height, "workspace size mismatch")
        loadInput(image, workspace.input)
        let path = workspace.winograd?.path ?? .fastest
        var current = workspace.input
        var value = 0.0
        let targets = objective?.targets ?? []
        workspace.targetValues = Array(repeating: 0, count: targets.count)
        // The pool a convolution has already done (`conv3x3Forward(pooling:)`).
        var pooledAt: Int?
        func pools(_ conv: Layer) -> Bool {
            guard objective != nil, conv.index + 2 <= workspace.depth.index,
                  let k = Self.convolution(under: Layer.all[conv.index + 2], targets: targets) else { return false }
            return conv3x3RunsBlocks(weights.convolutions[k], backward: false, scratch: workspace.winograd)
        }
        for op in Layer.all[0...workspace.depth.index] {
            let out = workspace.outputs[op.index]
            let started = workspace.profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            defer { workspace.record(op, forward: started) }
            switch op.kind {
            case .conv(_, _, let k):
                let fuse = op.index < workspace.depth.index && !targets.contains { $0.layer == op }
                if pools(op) {
                    pooledAt = op.index + 2
                    conv3x3Forward(current, weights.convolutions[k], pooling: workspace.outputs[op.index + 2],
                                   codes: workspace.poolCodes[op.index + 2]!, relu: true, scratch: workspace.winograd!)
                } else {
                    conv3x3Forward(current, weights.convolutions[k], out, relu: fuse, scratch: workspace.winograd)
                }
            case .relu:
                let fused = !targets.contains { $0.layer.index == op.index - 1 }
                if !fused { for i in 0..<out.count { out.data[i] = max(out.data[i], 0) } }
            case .pool:
                if pooledAt != op.index { maxPool2x2Forward(current, out, codes: workspace.poolCodes[op.index]!, path: path) }
            }
            current = out
            for (t, target) in targets.enumerated() where target.layer == op {
                let v = objective!.seed(t, activation: out, into: workspace.seed(for: op))
                workspace.targetValues[t] = v
                value += v
            }
        }
        return (current, value)
    }

    /// The objective at `image` and its gradient with respect to the image's [0,1] RGB pixels.
    public func gradient(of objective: Objective, at image: Image, _ workspace: Workspace) -> (value: Double, gradient: Image) {
        precondition(workspace.depth == objective.deepest, "workspace built for another depth")
        let (_, value) = forward(image, workspace, seeding: objective)
        let path = workspace.winograd?.path ?? .fastest
        let deepest = workspace.outputs[workspace.depth.index]
        var g = workspace.gradient(like: deepest, slot: 0)
        g.zero()
        var reluDone = false   // the ReLU below a convolution or pool is fused into that operation's backward
        // A ReLU can be fused downwards unless it is a target: its seed must be added before its backward.
        func fusesReLU(below op: Layer) -> Bool {
            op.index > 0 && Layer.all[op.index - 1].isReLU && !objective.targets.contains { $0.layer.index == op.index - 1 }
        }
        // A pool's gradient the convolution below reads routed back a few rows at a time (`unpooling`).
        var pooled: PooledGradient?
        func readsUnpooled(below pool: Layer) -> Bool {
            guard let k = Self.convolution(under: pool, targets: objective.targets) else { return false }
            return conv3x3RunsBlocks(weights.convolutions[k], backward: true, scratch: workspace.winograd)
        }
        for op in Layer.all[0...workspace.depth.index].reversed() {
            let started = workspace.profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            defer { workspace.record(op, backward: started) }
            if let seed = workspace.seeds[op.index], objective.targets.contains(where: { $0.layer == op }) {
                cblas_saxpy(Int32(g.count), 1, seed.data, 1, g.data, 1)
            }
            let input = op.index == 0 ? workspace.input : workspace.outputs[op.index - 1]
            switch op.kind {
            case .relu:
                if !reluDone { reluBackward(output: workspace.outputs[op.index], gradient: g) }
                reluDone = false
            case .conv(_, _, let k):
                let next = workspace.gradient(like: input, slot: g === workspace.gradient(like: input, slot: 0) ? 1 : 0)
                let fuse = fusesReLU(below: op)
                if let from = pooled {
                    conv3x3BackwardInput(unpooling: from, weights.convolutions[k], next, reluOutput: fuse ? input : nil,
                                         scratch: workspace.winograd!)
                    pooled = nil
                } else {
                    conv3x3BackwardInput(g, weights.convolutions[k], next, reluOutput: fuse ? input : nil,
                                         scratch: workspace.winograd)
                }
                reluDone = fuse
                g = next
            case .pool:
                let fuse = fusesReLU(below: op)
                if readsUnpooled(below: op) {
                    pooled = PooledGradient(gradient: g, codes: workspace.poolCodes[op.index]!, throughReLU: true)
                } else {
                    let next = workspace.gradient(like: input, slot: 0)
                    maxPool2x2Backward(workspace.poolCodes[op.index]!, g, next, throughReLU: fuse, path: path)
                    g = next
                }
                reluDone = fuse
            }
        }
        return (value, imageGradient(g, width: image.width, height: image.height))
    }

    /// The convolution (its index in `weights.convolutions`) under `pool` and the ReLU between, when neither
    /// is a target: nothing then needs the full-size map between them, which the fast path never writes
    /// (`conv3x3Forward(pooling:)`, `conv3x3BackwardInput(unpooling:)`).
    private static func convolution(under pool: Layer, targets: [LayerTarget]) -> Int? {
        guard pool.isPool, pool.index >= 2, Layer.all[pool.index - 1].isReLU,
              case .conv(_, _, let k) = Layer.all[pool.index - 2].kind,
              !targets.contains(where: { $0.layer.index == pool.index - 1 || $0.layer.index == pool.index - 2 }) else { return nil }
        return k
    }

    private func loadInput(_ image: Image, _ maps: FeatureMaps) {
        let p = weights.preprocessing
        for c in 0..<3 {
            let src = p.channelOrder[c], a = p.scale / p.std[c], b = p.mean[c] / p.std[c]
            image.pixels.withUnsafeBufferPointer { px in
                for y in 0..<image.height {
                    let row = maps.data + maps.index(c, y, 0), from = (src * image.height + y) * image.width
                    for x in 0..<image.width { row[x] = px[from + x] * a - b }
                }
            }
        }
    }

    private func imageGradient(_ g: FeatureMaps, width: Int, height: Int) -> Image {
        let p = weights.preprocessing
        var out = Image(width: width, height: height)
        for c in 0..<3 {
            let dst = p.channelOrder[c], a = p.scale / p.std[c]
            for y in 0..<height {
                let row = g.data + g.index(c, y, 0)
                for x in 0..<width { out.pixels[(dst * height + y) * width + x] = row[x] * a }
            }
        }
        return out
    }
}

import CKernels
import COpenBLAS
import Dispatch
import Foundation

/// Weights of one 3×3 convolution (stride 1, padding 1) as nine tap matrices, ready for both passes.
/// `forwardTaps[t]` is `[out][in]` for tap `t = ky * 3 + kx`; `backwardTaps[t]` is `[in][out]` of the
/// tap flipped to `(2 - ky, 2 - kx)`, so the gradient to the input is the same convolution run on the
/// output gradient.
public final class Conv3x3Weights: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let bias: [Float]
    let forwardTaps: UnsafeMutablePointer<Float>
    let backwardTaps: UnsafeMutablePointer<Float>
    /// The 9 × out × in taps as loaded, for a digest.
    public func withTaps<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: forwardTaps, count: 9 * inChannels * outChannels))
    }

    /// Winograd filters of `tile` (4 or 6) for layers wide enough to gain from them (every layer but
    /// conv1_1, whose 3 input channels make both passes' GEMMs too thin). Made on first use: they take
    /// 4× (F(4×4)) or 7× (F(6×6)) the memory of the taps, and a dream to relu4_3 never touches block 5.
    func winogradForward(tile: Int) -> WinogradFilters? { winograd(backward: false, tile: tile) }
    func winogradBackward(tile: Int) -> WinogradFilters? { winograd(backward: true, tile: tile) }
    private let wide: Bool
    private var transformed: [[Int]: WinogradFilters] = [:]
    private let lock = NSLock()

    private func winograd(backward: Bool, tile: Int) -> WinogradFilters? {
        guard wide else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let key = [backward ? 1 : 0, tile]
        if let made = transformed[key] { return made }
        let made = backward
            ? WinogradFilters(taps: backwardTaps, inChannels: outChannels, outChannels: inChannels, tile: tile)
            : WinogradFilters(taps: forwardTaps, inChannels: inChannels, outChannels: outChannels, tile: tile)
        transformed[key] = made
        return made
    }

    /// `oihw`: `[out][in][3][3]`, as in PyTorch and the safetensors files.
    public static let winogradMinimumChannels = 64

    public init(oihw: UnsafeBufferPointer<Float>, bias: [Float], inChannels: Int, outChannels: Int,
                winogradMinimumChannels: Int = Conv3x3Weights.winogradMinimumChannels) {
        precondition(oihw.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.bias = bias
        let size = inChannels * outChannels
        forwardTaps = .allocate(capacity: 9 * size)
        backwardTaps = .allocate(capacity: 9 * size)
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for t in 0..<9 {
                    let w = oihw[(o * inChannels + i) * 9 + t]
                    forwardTaps[t * size + o * inChannels + i] = w
                    backwardTaps[(8 - t) * size + i * outChannels + o] = w
                }
            }
        }
        wide = min(inChannels, outChannels) >= winogradMinimumChannels
    }

    deinit {
        forwardTaps.deallocate()
        backwardTaps.deallocate()
    }
}

/// `output = conv(input) + bias`, optionally followed by ReLU, in padded layout. Both maps have the same
/// height and width; `output` keeps a zero border. With `scratch` (the fast path), wide layers use
/// Winograd (F(6×6,3×3), or F(4×4,3×3) with bf16 products) and thin ones (conv1_1) the row kernel.
public func conv3x3Forward(_ input: FeatureMaps, _ weights: Conv3x3Weights, _ output: FeatureMaps, relu: Bool,
                           scratch: WinogradScratch? = nil) {
    precondition(input.channels == weights.inChannels && output.channels == weights.outChannels)
    precondition(input.height == output.height && input.width == output.width)
    if let scratch, let filters = weights.winogradForward(tile: scratch.path.tile) {
        winogradConv3x3(input, filters, bias: weights.bias, relu: relu, output, scratch: scratch)
        return
    }
    if let scratch, weights.inChannels < thinChannels {
        convolveRows(input, weights.forwardTaps, bias: weights.bias, relu: relu, mask: nil, output, path: scratch.path)
        return
    }
    convolveTaps(input, weights.forwardTaps, output)
    finishRows(output, bias: weights.bias, relu: relu)
}

/// Gradient to the input of a 3×3 convolution: `inputGradient = conv(outputGradient, flipped weights)`.
/// `outputGradient` must have a zero border (as every FeatureMaps does when written by these kernels).
/// With `reluOutput` (the ReLU output that fed this layer), the ReLU's backward is fused in: the gradient
/// is zeroed wherever that output is not positive.
public func conv3x3BackwardInput(_ outputGradient: FeatureMaps, _ weights: Conv3x3Weights, _ inputGradient: FeatureMaps,
                                 reluOutput: FeatureMaps? = nil, scratch: WinogradScratch? = nil) {
    precondition(outputGradient.channels == weights.outChannels && inputGradient.channels == weights.inChannels)
    precondition(outputGradient.height == inputGradient.height && outputGradient.width == inputGradient.width)
    if let scratch, let filters = weights.winogradBackward(tile: scratch.path.tile) {
        winogradConv3x3(outputGradient, filters, bias: nil, relu: false, mask: reluOutput, inputGradient, scratch: scratch)
        return
    }
    if let scratch, weights.inChannels < thinChannels {
        convolveRows(outputGradient, weights.backwardTaps, bias: nil, relu: false, mask: reluOutput, inputGradient,
                     path: scratch.path)
        return
    }
    convolveTaps(outputGradient, weights.backwardTaps, inputGradient)
    finishRows(inputGradient, bias: nil, relu: false)
    if let reluOutput { reluBackward(output: reluOutput, gradient: inputGradient) }
}

/// Whether the fast path runs these weights' forward or backward in Winograd blocks: the passes that can
/// pool their output (`conv3x3Forward(pooling:)`) or read a pooled gradient (`conv3x3BackwardInput(unpooling:)`).
public func conv3x3RunsBlocks(_ weights: Conv3x3Weights, backward: Bool, scratch: WinogradScratch?) -> Bool {
    guard let scratch, let filters = backward ? weights.winogradBackward(tile: scratch.path.tile)
                                              : weights.winogradForward(tile: scratch.path.tile) else { return false }
    return filters.runsBlocks
}

/// `conv3x3Forward`, then `maxPool2x2Forward` of its output into `pooled` and `codes`: that output (4× the
/// pooled maps) is made a few rows at a time and never written. Only where `conv3x3RunsBlocks` forward.
public func conv3x3Forward(_ input: FeatureMaps, _ weights: Conv3x3Weights, pooling pooled: FeatureMaps, codes: PoolCodes,
                           relu: Bool, scratch: WinogradScratch) {
    precondition(conv3x3RunsBlocks(weights, backward: false, scratch: scratch))
    winogradConv3x3(input, weights.winogradForward(tile: scratch.path.tile)!, bias: weights.bias, relu: relu, pooling: pooled,
                    codes: codes, scratch: scratch)
}

/// `conv3x3BackwardInput` of the gradient `maxPool2x2Backward` would route back from `pooled`, read a few
/// rows at a time: that map (4× the pooled one) is never written whole. Only where `conv3x3RunsBlocks` backward.
public func conv3x3BackwardInput(unpooling pooled: PooledGradient, _ weights: Conv3x3Weights, _ inputGradient: FeatureMaps,
                                 reluOutput: FeatureMaps? = nil, scratch: WinogradScratch) {
    precondition(conv3x3RunsBlocks(weights, backward: true, scratch: scratch) && pooled.gradient.channels == weights.outChannels)
    winogradConv3x3(unpooling: pooled, weights.winogradBackward(tile: scratch.path.tile)!, mask: reluOutput, inputGradient,
                    scratch: scratch)
}

/// Layers with fewer input channels than this (conv1_1) run on the row kernel in the fast path, both ways:
/// their GEMMs are too thin (K = 3 forward, M = 3 backward) and re-read the wide side nine times.
let thinChannels = 16

/// Direct convolution a row band at a time (`Sources/CKernels/conv3x3_rows_body.h`), bias, ReLU and mask fused.
private func convolveRows(_ input: FeatureMaps, _ taps: UnsafeMutablePointer<Float>, bias: [Float]?, relu: Bool,
                          mask: FeatureMaps?, _ output: FeatureMaps, path: KernelPath) {
    let cin = input.channels, cout = output.channels, h = output.height, w = output.width
    let band = 8, bands = (h + band - 1) / band
    let group = Int(DD_ROWS_CHANNELS), groups = (cout + group - 1) / group
    nonisolated(unsafe) let taps = taps
    let biasCopy = bias ?? []
    biasCopy.withUnsafeBufferPointer { b in
        nonisolated(unsafe) let biasPointer = bias == nil ? nil : b.baseAddress
        DispatchQueue.concurrentPerform(iterations: groups * bands) { job in
            let o0 = job / bands * group, y0 = job % bands * band
            dd_conv3x3_rows(path.isa, input.data, Int32(cin), taps, Int32(cout), Int32(o0), Int32(min(group, cout - o0)),
                            Int32(h), Int32(w), Int32(y0), Int32(min(y0 + band, h)), biasPointer, relu ? 1 : 0,
                            mask.map { UnsafePointer($0.data) }, output.data)
        }
    }
}

/// Nine GEMMs, one per tap: `C[out][n] += A_t[out][in] · B[in][n + shift_t]` where `n` walks the padded
/// rows (`height * rowStride` columns: the last two of each row land on the border and are cleared after).
private func convolveTaps(_ input: FeatureMaps, _ taps: UnsafeMutablePointer<Float>, _ output: FeatureMaps) {
    let m = output.channels, k = input.channels, n = input.height * input.rowStride
    let tapSize = m * k
    for t in 0..<9 {
        let shift = (t / 3) * input.rowStride + t % 3
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(m), Int32(n), Int32(k),
                    1, taps + t * tapSize, Int32(k),
                    input.data + shift, Int32(input.plane),
                    t == 0 ? 0 : 1, output.data + output.rowStride + 1, Int32(output.plane))
    }
}

/// Adds the bias and applies ReLU to the unpadded values, and clears the border cells the GEMMs wrote.
private func finishRows(_ maps: FeatureMaps, bias: [Float]?, relu: Bool) {
    let h = maps.height, w = maps.width, stride = maps.rowStride
    parallelChannels(maps.channels) { c in
        let base = maps.data + c * maps.plane
        let b = bias?[c] ?? 0
        for y in 0..<h {
            let row = base + (y + 1) * stride
            if bias != nil || relu {
                for x in 1...w {
                    let v = row[x] + b
                    row[x] = relu ? max(v, 0) : v
                }
            }
            row[w + 1] = 0
            row[stride] = 0
        }
    }
}

/// Runs `body` for each channel, spread over the cores.
func parallelChannels(_ channels: Int, _ body: @Sendable (Int) -> Void) {
    let chunks = min(channels, 8)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        var c = chunk
        while c < channels { body(c); c += chunks }
    }
}

/// Direct convolution, the oracle for tests: CHW unpadded in and out, OIHW weights.
public func conv3x3Naive(input: [Float], channels: Int, height: Int, width: Int,
                         oihw: [Float], bias: [Float], outChannels: Int) -> [Float] {
    var out = [Float](repeating: 0, count: outChannels * height * width)
    for o in 0..<outChannels {
        for y in 0..<height {
            for x in 0..<width {
                var s = Double(bias[o])
                for i in 0..<channels {
                    for ky in 0..<3 {
                        let yy = y + ky - 1
                        if yy < 0 || yy >= height { continue }
                        for kx in 0..<3 {
                            let xx = x + kx - 1
                            if xx < 0 || xx >= width { continue }
                            s += Double(oihw[((o * channels + i) * 3 + ky) * 3 + kx])
                                * Double(input[(i * height + yy) * width + xx])
                        }
                    }
                }
                out[(o * height + y) * width + x] = Float(s)
            }
        }
    }
    return out
}

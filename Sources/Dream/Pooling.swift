import CKernels

/// Where each window of a 2×2 max-pooling found its maximum, as the forward pass leaves it for the
/// backward: a byte per output cell (`Sources/CKernels/pool2x2_body.h`), so the backward reads 1 byte a
/// window instead of the 4 input floats.
public final class PoolCodes: @unchecked Sendable {
    public let channels: Int, height: Int, width: Int
    let data: UnsafeMutablePointer<UInt8>

    /// For pooling maps of `channels` × `height` × `width` (the input's size).
    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height / 2
        self.width = width / 2
        data = .allocate(capacity: max(channels * self.height * self.width, 1))
        data.initialize(repeating: 0, count: max(channels * self.height * self.width, 1))
    }

    var plane: Int { height * width }

    deinit { data.deallocate() }
}

/// A max-pooling's output gradient with the codes that route it back, for a convolution below that reads
/// the routed map a few rows at a time (`conv3x3BackwardInput(unpooling:)`) instead of a whole one.
public struct PooledGradient {
    public let gradient: FeatureMaps
    public let codes: PoolCodes
    /// As `maxPool2x2Backward`'s `throughReLU`.
    public let throughReLU: Bool

    public init(gradient: FeatureMaps, codes: PoolCodes, throughReLU: Bool) {
        precondition(gradient.channels == codes.channels && gradient.height == codes.height && gradient.width == codes.width)
        self.gradient = gradient
        self.codes = codes
        self.throughReLU = throughReLU
    }
}

/// 2×2 max-pooling with stride 2 and floor semantics (torchvision): an odd last row or column is dropped.
/// Padded layout in and out; `codes` records each window's first maximum for the backward. Every `path`
/// gives the same bits.
public func maxPool2x2Forward(_ input: FeatureMaps, _ output: FeatureMaps, codes: PoolCodes, path: KernelPath = .fastest) {
    precondition(output.channels == input.channels && codes.channels == input.channels)
    precondition(output.height == input.height / 2 && output.width == input.width / 2)
    precondition(codes.height == output.height && codes.width == output.width)
    parallelChannels(input.channels) { c in
        dd_pool2x2_forward(path.isa, input.data + c * input.plane, output.data + c * output.plane, codes.data + c * codes.plane,
                           Int32(input.height), Int32(input.width))
    }
}

/// Routes each output gradient to the first maximum of its window (row-major order), as PyTorch does, from
/// the codes the forward left. `inputGradient` is overwritten: every window is written whole, and only
/// the odd last row and column that no window covers are cleared separately. With `throughReLU` (the
/// pooled maps are a ReLU's output), that ReLU's backward is fused in: a window whose maximum is not
/// positive passes nothing.
public func maxPool2x2Backward(_ codes: PoolCodes, _ outputGradient: FeatureMaps, _ inputGradient: FeatureMaps,
                               throughReLU: Bool = false, path: KernelPath = .fastest) {
    precondition(inputGradient.channels == codes.channels && outputGradient.channels == codes.channels)
    precondition(inputGradient.height / 2 == codes.height && inputGradient.width / 2 == codes.width)
    precondition(outputGradient.height == codes.height && outputGradient.width == codes.width)
    parallelChannels(codes.channels) { c in
        dd_pool2x2_backward(path.isa, codes.data + c * codes.plane, outputGradient.data + c * outputGradient.plane,
                            inputGradient.data + c * inputGradient.plane, Int32(inputGradient.height),
                            Int32(inputGradient.width), throughReLU ? 1 : 0)
    }
}

/// ReLU backward from the ReLU's own output: the gradient passes where the output is positive.
/// Branch-free so the compiler vectorises it.
public func reluBackward(output: FeatureMaps, gradient: FeatureMaps) {
    precondition(output.count == gradient.count)
    parallelChannels(output.channels) { c in
        let y = output.data + c * output.plane, g = gradient.data + c * gradient.plane
        for i in 0..<output.plane { g[i] = y[i] > 0 ? g[i] : 0 }
    }
}

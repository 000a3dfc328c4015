import CKernels

/// 2×2 max-pooling with stride 2 and floor semantics (torchvision): an odd last row or column is dropped.
/// Padded layout in and out.
public func maxPool2x2Forward(_ input: FeatureMaps, _ output: FeatureMaps) {
    precondition(output.channels == input.channels)
    precondition(output.height == input.height / 2 && output.width == input.width / 2)
    let h = output.height, w = output.width
    parallelChannels(input.channels) { c in
        for y in 0..<h {
            let top = input.data + input.index(c, 2 * y, 0), bottom = top + input.rowStride
            let out = output.data + output.index(c, y, 0)
            for x in 0..<w {
                out[x] = max(max(top[2 * x], top[2 * x + 1]), max(bottom[2 * x], bottom[2 * x + 1]))
            }
        }
    }
}

/// Routes each output gradient to the first maximum of its window (row-major order), as PyTorch does
/// (`Sources/CKernels/pool2x2.c`). `inputGradient` is overwritten: every window is written whole, and only
/// the odd last row and column that no window covers are cleared separately. With `throughReLU` (the
/// input is a ReLU's output), that ReLU's backward is fused in: a window whose maximum is 0 passes nothing.
public func maxPool2x2Backward(_ input: FeatureMaps, _ outputGradient: FeatureMaps, _ inputGradient: FeatureMaps,
                               throughReLU: Bool = false) {
    precondition(inputGradient.channels == input.channels && inputGradient.height == input.height
                 && inputGradient.width == input.width)
    precondition(outputGradient.height == input.height / 2 && outputGradient.width == input.width / 2)
    parallelChannels(input.channels) { c in
        dd_pool2x2_backward(input.data + c * input.plane, outputGradient.data + c * outputGradient.plane,
                            inputGradient.data + c * inputGradient.plane, Int32(input.height), Int32(input.width),
                            throughReLU ? 1 : 0)
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

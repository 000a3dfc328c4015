/// Multiply-adds of direct 3×3 convolution, counted as 2 FLOPs each: the yardstick for GFLOP/s figures.
public enum FLOPs {
    /// Forward convolutions up to `layer` for a `width`×`height` input.
    public static func forward(to layer: Layer, width: Int, height: Int) -> Double {
        var total = 0.0, h = height, w = width, cin = 3
        for op in Layer.all[0...layer.index] {
            switch op.kind {
            case .conv:
                total += 2 * 9 * Double(cin * op.channels * h * w)
                cin = op.channels
            case .pool: h /= 2; w /= 2
            case .relu: break
            }
        }
        return total
    }
}

import CKernels
import COpenBLAS

/// Winograd F(4×4, 3×3) convolution (Lavin & Gray 2015): each 4×4 block of outputs from a 6×6 block of
/// inputs with 36 multiplications instead of 144. Per chunk of tile rows: transform the inputs (V = Bᵀ d B),
/// 36 GEMMs `M[ξ] = U[ξ] · V[ξ]` over channels, transform back (Y = Aᵀ M A) with bias, ReLU or a ReLU mask.
/// The transforms are C (`Sources/CKernels`); same padded layout and results as the direct kernel up to
/// float rounding, with scratch bounded per chunk.
final class WinogradFilters: @unchecked Sendable {
    /// `U[ξ][out][in]`, ξ = 0..<36.
    let u: UnsafeMutablePointer<Float>
    let inChannels: Int, outChannels: Int

    /// From nine tap matrices `taps[t][out][in]` (t = ky·3 + kx), as `Conv3x3Weights` stores them.
    init(taps: UnsafeMutablePointer<Float>, inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        u = .allocate(capacity: 36 * inChannels * outChannels)
        dd_wino4_filters(taps, Int32(outChannels), Int32(inChannels), u)
    }

    deinit { u.deallocate() }
}

/// Grow-only scratch for the transformed tiles; one per Dreamer, shared by its workspaces (never
/// between threads).
public final class WinogradScratch: @unchecked Sendable {
    public init() {}

    private(set) var v: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    private(set) var m: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    private var vCount = 1, mCount = 1

    func reserve(v needV: Int, m needM: Int) {
        if needV > vCount { v.deallocate(); v = .allocate(capacity: needV); vCount = needV }
        if needM > mCount { m.deallocate(); m = .allocate(capacity: needM); mCount = needM }
    }

    deinit { v.deallocate(); m.deallocate() }
}

/// Floats in each of V and M per chunk (32 MB). Chunks of 1–2 MB, or of at least 512 tiles, measured
/// the same at 640×360 within this machine's noise; fewer chunks pack the 36 filter matrices fewer times.
let winogradChunkFloats = 1 << 23

/// `output = conv(input) + bias`, then ReLU if `relu`, then zero where `mask` is not positive.
func winogradConv3x3(_ input: FeatureMaps, _ filters: WinogradFilters, bias: [Float]?, relu: Bool,
                     mask: FeatureMaps? = nil, _ output: FeatureMaps, scratch: WinogradScratch,
                     chunkFloats: Int = winogradChunkFloats) {
    let cin = filters.inChannels, cout = filters.outChannels
    precondition(input.channels == cin && output.channels == cout && input.height == output.height && input.width == output.width)
    let h = input.height, w = input.width
    let tilesX = (w + 3) / 4, tilesY = (h + 3) / 4
    let rowsPerChunk = min(tilesY, max(1, chunkFloats / (36 * max(cin, cout)) / tilesX))
    scratch.reserve(v: 36 * cin * rowsPerChunk * tilesX, m: 36 * cout * rowsPerChunk * tilesX)
    let work = Int(dd_wino4_work_floats(Int32(w)))
    for first in stride(from: 0, to: tilesY, by: rowsPerChunk) {
        let last = min(first + rowsPerChunk, tilesY), n = (last - first) * tilesX
        parallelChannels(cin) { c in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: work) { buffer in
                dd_wino4_input(input.data + c * input.plane, Int32(h), Int32(w), Int32(first), Int32(last),
                               scratch.v + c * n, cin * n, buffer.baseAddress!)
            }
        }
        for xi in 0..<36 {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(n), Int32(cin),
                        1, filters.u + xi * cout * cin, Int32(cin), scratch.v + xi * cin * n, Int32(n),
                        0, scratch.m + xi * cout * n, Int32(n))
        }
        parallelChannels(cout) { c in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: work) { buffer in
                dd_wino4_output(scratch.m + c * n, cout * n, Int32(first), Int32(last), output.data + c * output.plane,
                                Int32(h), Int32(w), bias?[c] ?? 0, relu ? 1 : 0,
                                mask.map { UnsafePointer($0.data + c * $0.plane) }, buffer.baseAddress!)
            }
        }
    }
}

import COpenBLAS

/// Winograd F(2×2, 3×3) convolution (Lavin & Gray 2015): each 2×2 block of outputs from a 4×4 block of
/// inputs with 16 multiplications instead of 36. Per chunk of tiles: transform the inputs (V = Bᵀ d B),
/// 16 GEMMs `M[ξ] = U[ξ] · V[ξ]` over channels, transform back (Y = Aᵀ M A) with bias and ReLU.
/// Same padded layout and results as `conv3x3Forward` (up to float rounding), with scratch bounded per chunk.
final class WinogradFilters: @unchecked Sendable {
    /// `U[ξ][out][in]`, ξ = 0..<16.
    let u: UnsafeMutablePointer<Float>
    let inChannels: Int, outChannels: Int

    /// From nine tap matrices `taps[t][out][in]` (t = ky·3 + kx), as `Conv3x3Weights` stores them.
    init(taps: UnsafeMutablePointer<Float>, inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        let size = inChannels * outChannels
        u = .allocate(capacity: 16 * size)
        for i in 0..<size {
            var g = [Float](repeating: 0, count: 9)
            for t in 0..<9 { g[t] = taps[t * size + i] }
            // G g Gᵀ with G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]].
            var tmp = [Float](repeating: 0, count: 12)   // 4×3 = G g
            for c in 0..<3 {
                let g0 = g[c], g1 = g[3 + c], g2 = g[6 + c]
                tmp[c] = g0; tmp[3 + c] = 0.5 * (g0 + g1 + g2); tmp[6 + c] = 0.5 * (g0 - g1 + g2); tmp[9 + c] = g2
            }
            for r in 0..<4 {
                let a = tmp[3 * r], b = tmp[3 * r + 1], c = tmp[3 * r + 2]
                let row = [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c]
                for k in 0..<4 { u[(r * 4 + k) * size + i] = row[k] }
            }
        }
    }

    deinit { u.deallocate() }
}

/// Grow-only scratch for the transformed tiles; one per workspace (never shared between threads).
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

/// Tiles per chunk: keeps each of V and M near 32 MB whatever the channel count.
private func chunkTiles(_ channels: Int) -> Int { max(64, (1 << 21) / channels) }

func winogradConv3x3(_ input: FeatureMaps, _ filters: WinogradFilters, bias: [Float]?, relu: Bool,
                     _ output: FeatureMaps, scratch: WinogradScratch) {
    let cin = filters.inChannels, cout = filters.outChannels
    precondition(input.channels == cin && output.channels == cout && input.height == output.height && input.width == output.width)
    let h = input.height, w = input.width
    let tilesX = (w + 1) / 2, tilesY = (h + 1) / 2, tiles = tilesX * tilesY
    let chunk = min(tiles, chunkTiles(max(cin, cout)))
    scratch.reserve(v: 16 * cin * chunk, m: 16 * cout * chunk)
    let v = scratch.v, m = scratch.m
    let rowStep = input.rowStride, rowsPadded = h + 2, colsPadded = w + 2
    for first in stride(from: 0, to: tiles, by: chunk) {
        let n = min(chunk, tiles - first)
        // Input transform: V[ξ][c][t] = (Bᵀ d B)[ξ] with Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]].
        parallelChannels(cin) { c in
            let base = input.data + c * input.plane
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { buffer in
            let d = buffer.baseAddress!, q = d + 16
            for t in 0..<n {
                let tile = first + t, ty = tile / tilesX, tx = tile % tilesX
                let y0 = 2 * ty, x0 = 2 * tx   // padded coordinates of the 4×4 block's corner
                if y0 + 4 <= rowsPadded && x0 + 4 <= colsPadded {
                    for r in 0..<4 { let row = base + (y0 + r) * rowStep + x0; d[4 * r] = row[0]; d[4 * r + 1] = row[1]; d[4 * r + 2] = row[2]; d[4 * r + 3] = row[3] }
                } else {
                    for r in 0..<4 { for k in 0..<4 {
                        d[4 * r + k] = (y0 + r < rowsPadded && x0 + k < colsPadded) ? base[(y0 + r) * rowStep + x0 + k] : 0
                    } }
                }
                // q = Bᵀ d
                for k in 0..<4 {
                    let d0 = d[k], d1 = d[4 + k], d2 = d[8 + k], d3 = d[12 + k]
                    q[k] = d0 - d2; q[4 + k] = d1 + d2; q[8 + k] = d2 - d1; q[12 + k] = d1 - d3
                }
                let out = scratch.v + c * n + t, plane = cin * n
                for r in 0..<4 {
                    let q0 = q[4 * r], q1 = q[4 * r + 1], q2 = q[4 * r + 2], q3 = q[4 * r + 3]
                    out[(4 * r) * plane] = q0 - q2
                    out[(4 * r + 1) * plane] = q1 + q2
                    out[(4 * r + 2) * plane] = q2 - q1
                    out[(4 * r + 3) * plane] = q1 - q3
                }
            }
            }
        }
        for xi in 0..<16 {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(n), Int32(cin),
                        1, filters.u + xi * cout * cin, Int32(cin), v + xi * cin * n, Int32(n),
                        0, m + xi * cout * n, Int32(n))
        }
        // Output transform: Y = Aᵀ M A with Aᵀ = [[1,1,1,0],[0,1,−1,−1]]; bias, ReLU; only cells inside the map.
        parallelChannels(cout) { c in
            let b = bias?[c] ?? 0, plane = cout * n
            let src = scratch.m + c * n
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 24) { buffer in
            let s = buffer.baseAddress!, r0 = s + 16, r1 = s + 20
            for t in 0..<n {
                let tile = first + t, ty = tile / tilesX, tx = tile % tilesX
                for xi in 0..<16 { s[xi] = src[xi * plane + t] }
                for k in 0..<4 { r0[k] = s[k] + s[4 + k] + s[8 + k]; r1[k] = s[4 + k] - s[8 + k] - s[12 + k] }   // Aᵀ s
                let y00 = r0[0] + r0[1] + r0[2] + b, y01 = r0[1] - r0[2] - r0[3] + b
                let y10 = r1[0] + r1[1] + r1[2] + b, y11 = r1[1] - r1[2] - r1[3] + b
                let oy = 2 * ty, ox = 2 * tx
                let row0 = output.data + output.index(c, oy, ox)
                row0[0] = relu ? max(y00, 0) : y00
                if ox + 1 < w { row0[1] = relu ? max(y01, 0) : y01 }
                if oy + 1 < h {
                    let row1 = row0 + output.rowStride
                    row1[0] = relu ? max(y10, 0) : y10
                    if ox + 1 < w { row1[1] = relu ? max(y11, 0) : y11 }
                }
            }
            }
        }
    }
}

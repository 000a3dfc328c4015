import CKernels
import COpenBLAS
import Dispatch
import Foundation

/// Winograd F(m×m, 3×3) convolution (Lavin & Gray 2015), m = 6 or 4: each m×m block of outputs from an
/// (m+2)² block of inputs with (m+2)² multiplications instead of 9m² (F(6×6): 64 for 36 outputs, F(4×4):
/// 36 for 16). Transform the inputs (V = Bᵀ d B), the products `M[ξ] = U[ξ] · V[ξ]` over channels,
/// transform back (Y = Aᵀ M A) with bias, ReLU or a ReLU mask: in fused blocks of 32 tiles for narrow
/// layers, over chunks of tile rows for wide ones. The kernels are C (`Sources/CKernels`, one build per
/// instruction set); same padded layout and results as the direct kernel up to float rounding, with
/// scratch bounded per block or chunk.
final class WinogradFilters: @unchecked Sendable {
    let inChannels: Int, outChannels: Int
    /// m: 4 or 6.
    let tile: Int
    /// (m+2)² transformed matrices.
    var xis: Int { (tile + 2) * (tile + 2) }
    /// Whether our products take these channels: they pack output channels by eight and, in bf16, input
    /// channels by two (VGG16's always are).
    let packable: Bool
    /// `U[ξ][out][in]` for OpenBLAS: only where the channels are not packable.
    let u: UnsafeMutablePointer<Float>?
    /// `U` packed for our fp32 products: only where they are.
    private let packed: UnsafeMutablePointer<Float>?
    private var packedBF16: UnsafeMutablePointer<UInt16>?
    private let lock = NSLock()

    /// From nine tap matrices `taps[t][out][in]` (t = ky·3 + kx), as `Conv3x3Weights` stores them.
    init(taps: UnsafeMutablePointer<Float>, inChannels: Int, outChannels: Int, tile: Int) {
        precondition(tile == 4 || tile == 6)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.tile = tile
        packable = outChannels % 8 == 0 && inChannels % 2 == 0
        let xis = (tile + 2) * (tile + 2), count = xis * inChannels * outChannels
        let plain = UnsafeMutablePointer<Float>.allocate(capacity: count)
        // Made on first use, inside a pass: shared out between the cores (F(6×6) in double: ~0.5 s of CPU
        // for VGG16 to conv4_3).
        let filters = inChannels * outChannels, pieces = 4 * ProcessInfo.processInfo.activeProcessorCount
        let transform = tile == 6 ? dd_wino6_filters : dd_wino4_filters
        nonisolated(unsafe) let (source, target) = (taps, plain)
        DispatchQueue.concurrentPerform(iterations: pieces) { k in
            let first = filters * k / pieces, last = filters * (k + 1) / pieces
            transform(source, Int32(outChannels), Int32(inChannels), first, last - first, target)
        }
        if packable {
            packed = .allocate(capacity: count)
            dd_wino_pack(Int32(xis), plain, Int32(outChannels), Int32(inChannels), packed!)
            plain.deallocate()
            u = nil
        } else {
            packed = nil
            u = plain
        }
    }

    /// `U` packed for the products of `path` (bf16 made on first use); only for packable channels.
    func products(for path: KernelPath) -> UnsafeRawPointer {
        precondition(packable)
        guard path.bf16 else { return UnsafeRawPointer(packed!) }
        lock.lock()
        defer { lock.unlock() }
        if packedBF16 == nil {
            packedBF16 = .allocate(capacity: xis * inChannels * outChannels)
            dd_wino_pack_bf16(Int32(xis), packed!, Int32(outChannels), Int32(inChannels), packedBF16!)
        }
        return UnsafeRawPointer(packedBF16!)
    }

    deinit {
        u?.deallocate()
        packed?.deallocate()
        packedBF16?.deallocate()
    }
}

/// Grow-only scratch for the transformed tiles, and the kernel path; one per Dreamer, shared by its
/// workspaces (never between threads).
public final class WinogradScratch: @unchecked Sendable {
    /// The instruction set and precision of the C kernels.
    public var path: KernelPath

    public init(path: KernelPath = try! KernelPath.resolve(.auto)) { self.path = path }

    private(set) var v: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    private(set) var m: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    private var vCount = 1, mCount = 1
    /// One area per worker thread: a fused block's tiles, or the bf16 copy of V.
    private(set) var perWorker: [UnsafeMutablePointer<Float>] = []
    private var perWorkerCount = 0

    func reserve(v needV: Int, m needM: Int) {
        if needV > vCount { v.deallocate(); v = .allocate(capacity: needV); vCount = needV }
        if needM > mCount { m.deallocate(); m = .allocate(capacity: needM); mCount = needM }
    }

    func reserve(workers: Int, floats: Int) {
        guard workers > perWorker.count || floats > perWorkerCount else { return }
        for p in perWorker { p.deallocate() }
        perWorkerCount = max(floats, perWorkerCount)
        perWorker = (0..<max(workers, perWorker.count)).map { _ in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: perWorkerCount)
            p.initialize(repeating: 0, count: perWorkerCount)
            return p
        }
    }

    deinit { v.deallocate(); m.deallocate(); for p in perWorker { p.deallocate() } }
}

/// Floats in each of V and M per chunk (32 MB): a wide layer at 640×360 takes one or two chunks, so
/// the filter matrices are read once or twice.
let winogradChunkFloats = 1 << 23

/// Layers with at most this many input × output channels run fused blocks (`dd_wino_block`): each block
/// of 32 tiles is transformed, multiplied and transformed back while it sits in L2, the filter matrices
/// streaming past in order (F(6×6): 16.8 MB at 256 × 256, a byte per 16 flops of products). Wider layers
/// (512 channels, few tiles) run in chunks of tile rows, each filter matrix read once per chunk, the
/// products shared out between the cores by ξ. On the Xeon of the README (260 MB L3), blocks ran conv3_x
/// in 16–32 ms a direction against 21–41 ms in chunks, and conv4_x alike either way. Channel counts our
/// products cannot pack (not VGG's) take OpenBLAS's GEMMs.
let winogradBlockedChannels = 256 * 256

/// `output = conv(input) + bias`, then ReLU if `relu`, then zero where `mask` is not positive.
func winogradConv3x3(_ input: FeatureMaps, _ filters: WinogradFilters, bias: [Float]?, relu: Bool,
                     mask: FeatureMaps? = nil, _ output: FeatureMaps, scratch: WinogradScratch,
                     chunkFloats: Int = winogradChunkFloats, blocked: Bool? = nil) {
    let cin = filters.inChannels, cout = filters.outChannels
    precondition(input.channels == cin && output.channels == cout && input.height == output.height && input.width == output.width)
    if filters.packable && blocked ?? filters.runsBlocks {
        winogradBlocks(.maps(input), filters, bias: bias, relu: relu, mask: mask, .maps(output), height: input.height,
                       width: input.width, scratch: scratch)
    } else {
        winogradChunks(input, filters, bias: bias, relu: relu, mask: mask, output, scratch: scratch, chunkFloats: chunkFloats,
                       ownProducts: filters.packable)
    }
}

/// `winogradConv3x3` (no bias, no ReLU) of the map `maxPool2x2Backward` would make from `pooled`, made a
/// block's rows at a time (`dd_unpool`) and never whole. Only for filters that run blocks.
func winogradConv3x3(unpooling pooled: PooledGradient, _ filters: WinogradFilters, mask: FeatureMaps?,
                     _ output: FeatureMaps, scratch: WinogradScratch) {
    precondition(filters.runsBlocks && pooled.gradient.channels == filters.inChannels && output.channels == filters.outChannels)
    precondition(pooled.codes.height == output.height / 2 && pooled.codes.width == output.width / 2)
    winogradBlocks(.unpooled(pooled), filters, bias: nil, relu: false, mask: mask, .maps(output), height: output.height,
                   width: output.width, scratch: scratch)
}

/// `winogradConv3x3` (no mask), then `maxPool2x2Forward` of its output into `pooled` and `codes`: the output
/// made a block's rows at a time (`dd_pool`) and never whole. Only for filters that run blocks.
func winogradConv3x3(_ input: FeatureMaps, _ filters: WinogradFilters, bias: [Float]?, relu: Bool,
                     pooling pooled: FeatureMaps, codes: PoolCodes, scratch: WinogradScratch) {
    precondition(filters.runsBlocks && input.channels == filters.inChannels && pooled.channels == filters.outChannels)
    precondition(codes.channels == pooled.channels && codes.height == input.height / 2 && codes.width == input.width / 2)
    precondition(pooled.height == codes.height && pooled.width == codes.width)
    winogradBlocks(.maps(input), filters, bias: bias, relu: relu, mask: nil, .pooled(pooled, codes), height: input.height,
                   width: input.width, scratch: scratch)
}

extension WinogradFilters {
    /// Whether these filters run fused blocks (`winogradBlockedChannels`), as opposed to chunks.
    var runsBlocks: Bool { packable && inChannels * outChannels <= winogradBlockedChannels }
}

/// What a block reads: a map, or a pooling's gradient routed back on the way.
private enum BlockInput {
    case maps(FeatureMaps)
    case unpooled(PooledGradient)
}

/// What a block writes: a map, or that map's pooling.
private enum BlockOutput {
    case maps(FeatureMaps)
    case pooled(FeatureMaps, PoolCodes)
}

/// The fused path: blocks of 32 tiles (counted row by row, so only the map's last block is short),
/// spread over the cores. The convolution's maps are `height` × `width`.
private func winogradBlocks(_ input: BlockInput, _ filters: WinogradFilters, bias: [Float]?, relu: Bool,
                            mask: FeatureMaps?, _ output: BlockOutput, height h: Int, width w: Int,
                            scratch: WinogradScratch) {
    let cin = filters.inChannels, cout = filters.outChannels, tile = filters.tile
    let block = Int(DD_WINO_BLOCK)   // 64 and 96 measured slower for 64 and 128 channels
    let blocks = ((w + tile - 1) / tile * ((h + tile - 1) / tile) + block - 1) / block
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, blocks)
    scratch.reserve(workers: workers, floats: Int(dd_wino_block_floats(Int32(tile), Int32(cin), Int32(cout), Int32(block))))
    nonisolated(unsafe) let u = filters.products(for: scratch.path), areas = scratch.perWorker
    let path = scratch.path, plane = (h + 2) * (w + 2)
    let biasCopy = bias ?? []
    var inputMaps: UnsafePointer<Float>?, unpool = dd_unpool()
    switch input {
    case .maps(let m): inputMaps = UnsafePointer(m.data)
    case .unpooled(let p):
        unpool = dd_unpool(gradient: p.gradient.data, codes: p.codes.data, plane: p.gradient.plane, code_plane: p.codes.plane,
                           through_relu: p.throughReLU ? 1 : 0)
    }
    var outputMaps: UnsafeMutablePointer<Float>?, pool = dd_pool()
    switch output {
    case .maps(let m): outputMaps = m.data
    case .pooled(let m, let codes): pool = dd_pool(output: m.data, codes: codes.data, plane: m.plane, code_plane: codes.plane)
    }
    withUnsafePointer(to: unpool) { unpoolPointer in
        withUnsafePointer(to: pool) { poolPointer in
            biasCopy.withUnsafeBufferPointer { b in
                nonisolated(unsafe) let biasPointer = bias == nil ? nil : b.baseAddress, input = inputMaps, output = outputMaps
                nonisolated(unsafe) let unpooling = input == nil ? unpoolPointer : nil, pooling = output == nil ? poolPointer : nil
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    // A run of neighbouring blocks each: the kernel fetches the next block's rows ahead.
                    for job in blocks * worker / workers..<blocks * (worker + 1) / workers {
                        dd_wino_block(path.isa, Int32(tile), input, unpooling, Int32(cin), u, Int32(cout), plane, Int32(h),
                                      Int32(w), job * block, Int32(block), biasPointer, relu ? 1 : 0,
                                      mask.map { UnsafePointer($0.data) }, output, pooling, areas[worker])
                    }
                }
            }
        }
    }
}

/// The chunked path: transforms of a chunk of tile rows for every channel, the products, transforms back.
private func winogradChunks(_ input: FeatureMaps, _ filters: WinogradFilters, bias: [Float]?, relu: Bool,
                            mask: FeatureMaps?, _ output: FeatureMaps, scratch: WinogradScratch, chunkFloats: Int,
                            ownProducts: Bool) {
    let cin = filters.inChannels, cout = filters.outChannels
    let h = input.height, w = input.width, tile = filters.tile, xis = filters.xis
    let tilesX = (w + tile - 1) / tile, tilesY = (h + tile - 1) / tile, block = Int(DD_WINO_BLOCK)
    let most = min(tilesY, max(1, chunkFloats / (xis * max(cin, cout)) / tilesX))
    let rowsPerChunk = (tilesY + (tilesY + most - 1) / most - 1) / ((tilesY + most - 1) / most)   // even chunks
    let columns = Int(DD_WINO_COLUMNS), padded = (rowsPerChunk * tilesX + columns - 1) / columns * columns
    // V is [channel][ξ][tile]: a channel's input transform writes one run of memory (laid out [ξ][channel][tile],
    // its writes went to 64 places at once and took 3× as long at 512 channels). Rows a multiple of 1 KB long
    // would put a tile's 64 values into the same few cache sets: those get 16 floats more.
    func rowPitch(_ np: Int) -> Int { np % 256 == 0 ? np + 16 : np }
    scratch.reserve(v: xis * cin * rowPitch(padded), m: xis * Int(dd_wino_xi_stride(Int32(cout), padded)))
    let path = scratch.path, workers = ProcessInfo.processInfo.activeProcessorCount
    if ownProducts { scratch.reserve(workers: workers, floats: path.bf16 ? (cin * padded + 1) / 2 : cin * block) }
    let work = Int(dd_wino_work_floats(Int32(tile)))
    let transformIn = tile == 6 ? dd_wino6_input : dd_wino4_input, transformOut = tile == 6 ? dd_wino6_output : dd_wino4_output
    for first in stride(from: 0, to: tilesY, by: rowsPerChunk) {
        let last = min(first + rowsPerChunk, tilesY), n = (last - first) * tilesX
        let np = ownProducts ? (n + columns - 1) / columns * columns : n   // OpenBLAS takes any n; ours, groups of 16
        let vStride = rowPitch(np), vRows = xis * vStride, mStride = dd_wino_xi_stride(Int32(cout), np)
        parallelChannels(cin) { c in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: work) { buffer in
                transformIn(path.isa, input.data + c * input.plane, w + 2, Int32(h), Int32(w), Int32(first), Int32(last),
                               scratch.v + c * vRows, vStride, buffer.baseAddress!)
            }
            if np > n { for xi in 0..<xis { (scratch.v + c * vRows + xi * vStride + n).update(repeating: 0, count: np - n) } }
        }
        if ownProducts {
            nonisolated(unsafe) let u = filters.products(for: path), areas = scratch.perWorker
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let xi0 = xis * worker / workers, xi1 = xis * (worker + 1) / workers
                dd_wino_products(path.isa, u, Int32(cout), Int32(cin), scratch.v, vStride, vRows, scratch.m, mStride, np,
                                  Int32(xi0), Int32(xi1), areas[worker])
            }
        } else {
            for xi in 0..<xis {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(n), Int32(cin),
                            1, filters.u! + xi * cout * cin, Int32(cin), scratch.v + xi * vStride, Int32(vRows),
                            0, scratch.m + xi * mStride, Int32(np))
            }
        }
        parallelChannels(cout) { c in
            transformOut(path.isa, scratch.m + c * np, mStride, Int32(first), Int32(last), output.data + c * output.plane,
                            w + 2, Int32(h), Int32(w), bias?[c] ?? 0, relu ? 1 : 0,
                            mask.map { UnsafePointer($0.data + c * $0.plane) })
        }
    }
}

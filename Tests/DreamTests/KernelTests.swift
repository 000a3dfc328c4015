import CKernels
import Testing
@testable import Dream

/// Deterministic pseudo-random values in [-1, 1).
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float(Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) }
}

/// Every kernel path this CPU has, with the Winograd tiles it runs (bf16 F(4×4) only, fp32 F(6×6) and F(4×4)),
/// one scratch a path.
func forEachPathAndTile(_ body: (WinogradScratch, Int) -> Void) {
    for path in KernelPath.supported {
        let scratch = WinogradScratch(path: path)
        for tile in path.bf16 ? [4] : [6, 4] { body(scratch, tile) }
    }
}

func maps(_ values: [Float], channels: Int, height: Int, width: Int) -> FeatureMaps {
    let m = FeatureMaps(channels: channels, height: height, width: width)
    for c in 0..<channels { for y in 0..<height { for x in 0..<width { m[c, y, x] = values[(c * height + y) * width + x] } } }
    return m
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

struct ConvCase: CustomTestStringConvertible, Sendable {
    let cin: Int, cout: Int, height: Int, width: Int
    var testDescription: String { "\(cin)→\(cout) at \(width)×\(height)" }

    /// Random weights (taps from `seed`, bias from `seed + 1`) with Winograd filters at any channel count.
    func winogradWeights(seed: UInt64) -> Conv3x3Weights {
        let w = randomFloats(cout * cin * 9, seed: seed), b = randomFloats(cout, seed: seed + 1)
        return w.withUnsafeBufferPointer {
            Conv3x3Weights(oihw: $0, bias: b, inChannels: cin, outChannels: cout, winogradMinimumChannels: 1)
        }
    }
}

@Suite("3×3 convolution, pooling and ReLU kernels against naive references")
struct KernelTests {
    static let shapes = [ConvCase(cin: 3, cout: 4, height: 5, width: 7), ConvCase(cin: 5, cout: 3, height: 1, width: 1),
                         ConvCase(cin: 8, cout: 16, height: 9, width: 4), ConvCase(cin: 16, cout: 8, height: 2, width: 11)]

    @Test("forward matches direct convolution (max |diff| < 1e-4)", arguments: shapes)
    func forward(_ s: ConvCase) {
        let x = randomFloats(s.cin * s.height * s.width, seed: 1)
        let w = randomFloats(s.cout * s.cin * 9, seed: 2), b = randomFloats(s.cout, seed: 3)
        let weights = w.withUnsafeBufferPointer { Conv3x3Weights(oihw: $0, bias: b, inChannels: s.cin, outChannels: s.cout) }
        let out = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
        conv3x3Forward(maps(x, channels: s.cin, height: s.height, width: s.width), weights, out, relu: false)
        let expected = conv3x3Naive(input: x, channels: s.cin, height: s.height, width: s.width, oihw: w, bias: b, outChannels: s.cout)
        #expect(maxDifference(out.unpadded(), expected) < 1e-4)
        // The border stays zero, so the next layer's padding is right.
        for c in 0..<s.cout {
            for y in -1...s.height { #expect(out.data[out.origin(c) + y * out.rowStride - 1] == 0 && out.data[out.origin(c) + y * out.rowStride + s.width] == 0) }
        }
    }

    @Test("fused ReLU equals ReLU of the plain output", arguments: shapes)
    func fusedReLU(_ s: ConvCase) {
        let x = maps(randomFloats(s.cin * s.height * s.width, seed: 4), channels: s.cin, height: s.height, width: s.width)
        let w = randomFloats(s.cout * s.cin * 9, seed: 5), b = randomFloats(s.cout, seed: 6)
        let weights = w.withUnsafeBufferPointer { Conv3x3Weights(oihw: $0, bias: b, inChannels: s.cin, outChannels: s.cout) }
        let plain = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
        let fused = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
        conv3x3Forward(x, weights, plain, relu: false)
        conv3x3Forward(x, weights, fused, relu: true)
        #expect(plain.unpadded().map { max($0, 0) } == fused.unpadded())
    }

    /// The backward pass is the adjoint of the forward one: <conv(x), y> = <x, conv^T(y)> (bias 0).
    @Test("backward to the input is the adjoint of forward (relative error < 1e-5)", arguments: shapes)
    func backwardIsAdjoint(_ s: ConvCase) {
        let xv = randomFloats(s.cin * s.height * s.width, seed: 7), yv = randomFloats(s.cout * s.height * s.width, seed: 8)
        let w = randomFloats(s.cout * s.cin * 9, seed: 9)
        let weights = w.withUnsafeBufferPointer { Conv3x3Weights(oihw: $0, bias: [Float](repeating: 0, count: s.cout), inChannels: s.cin, outChannels: s.cout) }
        let forward = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
        conv3x3Forward(maps(xv, channels: s.cin, height: s.height, width: s.width), weights, forward, relu: false)
        let backward = FeatureMaps(channels: s.cin, height: s.height, width: s.width)
        conv3x3BackwardInput(maps(yv, channels: s.cout, height: s.height, width: s.width), weights, backward)
        let lhs = zip(forward.unpadded(), yv).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(xv, backward.unpadded()).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        #expect(abs(lhs - rhs) <= 1e-5 * max(1, abs(lhs)), "⟨Ax,y⟩ = \(lhs), ⟨x,Aᵀy⟩ = \(rhs)")
    }

    /// Winograd against the direct kernel it replaces, forward (bias, ReLU) and backward (with and without
    /// the fused ReLU mask), odd sizes, on every kernel path this CPU runs, both tile sizes (F(6×6) is what
    /// fp32 runs; F(4×4) is what bf16 runs, here also with fp32 products), fused blocks and chunks of tile
    /// rows alike (our products where channels pack by eight, OpenBLAS's elsewhere; more than 256 input
    /// channels take two passes over them; blocks that span tile rows, a short last block, rows of more
    /// than 32 tiles; a 256-tile chunk, whose rows of V get padding). Winograd rounds differently: fp32's max |diff| < 2e-5 (F(4×4)) or 1e-4 (F(6×6),
    /// coefficients up to 32) of the largest value; seen up to 7e-6 and 2.0e-5. bf16 products (8-bit mantissas)
    /// round far more, and F(4×4,3×3)'s output transform (weights up to 8) magnifies it: their RMS error
    /// stays under 6% of the values' RMS (seen: up to 2.8%, at 7→9 channels); a layout error in the
    /// products (pairs, channels, ξ) is off by the values' own size.
    @Test("Winograd F(6×6) and F(4×4) match direct convolution on every kernel path",
          arguments: shapes + [ConvCase(cin: 20, cout: 24, height: 33, width: 65), ConvCase(cin: 7, cout: 9, height: 30, width: 13),
                               ConvCase(cin: 64, cout: 16, height: 9, width: 150), ConvCase(cin: 320, cout: 8, height: 6, width: 9),
                               ConvCase(cin: 16, cout: 16, height: 13, width: 200), ConvCase(cin: 8, cout: 8, height: 6, width: 1536)])
    func winograd(_ s: ConvCase) {
        let x = randomFloats(s.cin * s.height * s.width, seed: 21), y = randomFloats(s.cout * s.height * s.width, seed: 22)
        let weights = s.winogradWeights(seed: 23), b = weights.bias
        let input = maps(x, channels: s.cin, height: s.height, width: s.width)
        let g = maps(y, channels: s.cout, height: s.height, width: s.width)
        #expect(KernelPath.supported.contains(.generic))
        forEachPathAndTile { scratch, tile in
            let path = scratch.path
            let what = "\(path), F(\(tile)×\(tile))"
            for relu in [false, true] {
                let direct = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
                conv3x3Forward(input, weights, direct, relu: relu)
                // Fused blocks, and chunks of one tile row each (OpenBLAS may round a narrower GEMM differently).
                for (blocked, chunkFloats) in [(true, winogradChunkFloats), (false, winogradChunkFloats), (false, 1)] {
                    let fast = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
                    winogradConv3x3(input, weights.winogradForward(tile: tile)!, bias: b, relu: relu, fast, scratch: scratch,
                                    chunkFloats: chunkFloats, blocked: blocked)
                    expectClose(direct.unpadded(), fast.unpadded(), bf16: path.bf16, fp32Limit: Self.fp32Limit(tile),
                                "\(what), blocked \(blocked), chunk \(chunkFloats)")
                    // Borders stay zero.
                    for c in 0..<s.cout { #expect(fast.data[c * fast.plane] == 0 && fast.data[c * fast.plane + fast.plane - 1] == 0) }
                }
            }
            for mask in [nil, input] {   // backward, as conv3x3BackwardInput runs it
                let direct = FeatureMaps(channels: s.cin, height: s.height, width: s.width)
                let fast = FeatureMaps(channels: s.cin, height: s.height, width: s.width)
                conv3x3BackwardInput(g, weights, direct)
                if let mask { reluBackward(output: mask, gradient: direct) }
                winogradConv3x3(g, weights.winogradBackward(tile: tile)!, bias: nil, relu: false, mask: mask, fast,
                                scratch: scratch)
                expectClose(direct.unpadded(), fast.unpadded(), bf16: path.bf16, fp32Limit: Self.fp32Limit(tile), "\(what), backward")
            }
        }
        for path in KernelPath.supported {   // the entry point picks the path's tile
            expectFastBackward(g, weights, reluOutput: input, scratch: WinogradScratch(path: path))
        }
    }

    /// The input transforms read the map in place and nothing of a row past the map's right edge, nor rows
    /// past its bottom (both zero for them): here everything outside the map is NaN, which any read of it
    /// would carry into the last tiles.
    @Test("input transforms read nothing outside the map, on every kernel path",
          arguments: [(7, 9), (13, 200), (6, 6), (1, 1)])
    func inputTransformEdges(_ size: (Int, Int)) {
        let (height, width) = size, pitch = width + 2 + 16, rows = height + 2 + 8
        var plane = [Float](repeating: .nan, count: rows * pitch)
        let values = randomFloats(height * width, seed: 51)
        for y in 0..<height + 2 { for x in 0..<width + 2 { plane[y * pitch + x] = 0 } }
        for y in 0..<height { for x in 0..<width { plane[(y + 1) * pitch + x + 1] = values[y * width + x] } }
        for path in KernelPath.supported {
            for tile in [4, 6] {
                let tiles = (width + tile - 1) / tile * ((height + tile - 1) / tile), xis = (tile + 2) * (tile + 2)
                var v = [Float](repeating: 0, count: xis * tiles)
                var work = [Float](repeating: 0, count: Int(dd_wino_work_floats(Int32(tile))))
                let transform = tile == 6 ? dd_wino6_input : dd_wino4_input
                transform(path.isa, plane, pitch, Int32(height), Int32(width), 0, Int32((height + tile - 1) / tile), &v, tiles, &work)
                let nan = v.filter { $0.isNaN }.count, nonzero = v.contains { $0 != 0 }
                #expect(nan == 0, "\(path), F(\(tile)×\(tile)): \(nan) of \(v.count) values NaN")
                #expect(nonzero)
            }
        }
    }

    /// conv1_1's fast path (3 input channels): the row kernel, both ways, on every kernel path, against the
    /// naive reference and the nine-GEMM kernel; every channel count per pass (1–4), widths under one chunk
    /// and over two 512-column segments.
    @Test("thin layers' row kernel matches direct convolution, on every kernel path",
          arguments: [ConvCase(cin: 3, cout: 64, height: 7, width: 9), ConvCase(cin: 3, cout: 5, height: 3, width: 1030),
                      ConvCase(cin: 1, cout: 2, height: 1, width: 1)])
    func thinRows(_ s: ConvCase) {
        let x = randomFloats(s.cin * s.height * s.width, seed: 31), y = randomFloats(s.cout * s.height * s.width, seed: 32)
        let w = randomFloats(s.cout * s.cin * 9, seed: 33), b = randomFloats(s.cout, seed: 34)
        let weights = w.withUnsafeBufferPointer { Conv3x3Weights(oihw: $0, bias: b, inChannels: s.cin, outChannels: s.cout) }
        let input = maps(x, channels: s.cin, height: s.height, width: s.width)
        let expected = conv3x3Naive(input: x, channels: s.cin, height: s.height, width: s.width, oihw: w, bias: b, outChannels: s.cout)
        for path in KernelPath.supported {
            for relu in [false, true] {
                let fast = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
                conv3x3Forward(input, weights, fast, relu: relu, scratch: WinogradScratch(path: path))
                #expect(maxDifference(fast.unpadded(), relu ? expected.map { max($0, 0) } : expected) < 1e-4, "\(path)")
                for c in 0..<s.cout { #expect(fast.data[c * fast.plane] == 0 && fast.data[c * fast.plane + fast.plane - 1] == 0) }
            }
            expectFastBackward(maps(y, channels: s.cout, height: s.height, width: s.width), weights, reluOutput: input,
                               scratch: WinogradScratch(path: path))
        }
    }

    /// fp32 max |diff| allowed, relative to the largest value: F(6×6)'s transforms have coefficients up to
    /// 32 (F(4×4)'s up to 8); the row kernel and F(4×4) stay under 2e-5.
    static func fp32Limit(_ tile: Int?) -> Float { tile == 6 ? 1e-4 : 2e-5 }

    /// fp32: max |diff| under `fp32Limit` of the largest value; bf16: RMS error under 6% of the RMS value.
    func expectClose(_ expected: [Float], _ got: [Float], bf16: Bool, fp32Limit: Float, _ what: String) {
        if bf16 {
            let rms = (expected.reduce(0.0) { $0 + Double($1 * $1) } / Double(expected.count)).squareRoot()
            let error = (zip(expected, got).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(expected.count)).squareRoot()
            #expect(error < 0.06 * rms, "\(what): RMS error \(error / rms) of the RMS value")
        } else {
            let scale = max(expected.map(abs).max() ?? 1, 1), difference = maxDifference(expected, got)
            #expect(difference < fp32Limit * scale, "\(what): max |diff| \(difference / scale) of the largest value")
        }
    }

    /// The fast backward, without and with the fused ReLU mask, against the nine-GEMM kernel followed by
    /// the separate ReLU backward.
    func expectFastBackward(_ g: FeatureMaps, _ weights: Conv3x3Weights, reluOutput: FeatureMaps,
                            scratch: WinogradScratch = WinogradScratch()) {
        for mask in [nil, reluOutput] {
            let direct = FeatureMaps(channels: weights.inChannels, height: g.height, width: g.width)
            let fast = FeatureMaps(channels: weights.inChannels, height: g.height, width: g.width)
            conv3x3BackwardInput(g, weights, direct)
            if let mask { reluBackward(output: mask, gradient: direct) }
            conv3x3BackwardInput(g, weights, fast, reluOutput: mask, scratch: scratch)
            // Winograd rounds worse than nine GEMMs: bound it relative to the values' size; a wrong tap is off
            // by a share of that.
            let tile = weights.winogradBackward(tile: scratch.path.tile)?.tile   // nil: the row kernel, fp32 on every path
            expectClose(direct.unpadded(), fast.unpadded(), bf16: scratch.path.bf16 && tile != nil, fp32Limit: Self.fp32Limit(tile),
                        "\(scratch.path), backward")
        }
    }

    /// A convolution's backward that reads a pooling's gradient unpooled a block at a time gives the same bits
    /// as pooling's backward into a map and the convolution of that map: on every path and tile, through a
    /// ReLU or not, at odd sizes (a last row and column no window covers) and with blocks across tile rows.
    @Test("backward reading a pooled gradient unpooled equals pool backward then the convolution, on every kernel path",
          arguments: [ConvCase(cin: 16, cout: 8, height: 13, width: 75), ConvCase(cin: 8, cout: 16, height: 20, width: 200),
                      ConvCase(cin: 8, cout: 8, height: 7, width: 9)])
    func unpooledBackward(_ s: ConvCase) {
        let weights = s.winogradWeights(seed: 51)
        // A ReLU's output (many all-zero windows), its pooling, and a gradient for the pooled maps.
        let below = maps(randomFloats(s.cout * s.height * s.width, seed: 53).map { max($0 - 0.4, 0) }, channels: s.cout,
                         height: s.height, width: s.width)
        let codes = PoolCodes(channels: s.cout, height: s.height, width: s.width)
        maxPool2x2Forward(below, FeatureMaps(channels: s.cout, height: s.height / 2, width: s.width / 2), codes: codes)
        let pooled = maps(randomFloats(s.cout * (s.height / 2) * (s.width / 2), seed: 54), channels: s.cout,
                          height: s.height / 2, width: s.width / 2)
        let mask = maps(randomFloats(s.cin * s.height * s.width, seed: 55), channels: s.cin, height: s.height, width: s.width)
        forEachPathAndTile { scratch, tile in
            let filters = weights.winogradBackward(tile: tile)!
            for throughReLU in [false, true] {
                let routed = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
                maxPool2x2Backward(codes, pooled, routed, throughReLU: throughReLU)
                let expected = FeatureMaps(channels: s.cin, height: s.height, width: s.width)
                winogradConv3x3(routed, filters, bias: nil, relu: false, mask: mask, expected, scratch: scratch, blocked: true)
                let fused = FeatureMaps(channels: s.cin, height: s.height, width: s.width)
                winogradConv3x3(unpooling: PooledGradient(gradient: pooled, codes: codes, throughReLU: throughReLU), filters,
                                mask: mask, fused, scratch: scratch)
                #expect(fused.unpadded() == expected.unpadded(), "\(scratch.path), F(\(tile)×\(tile)), through ReLU \(throughReLU)")
                #expect(expected.unpadded().contains { $0 != 0 })
            }
        }
    }

    /// A convolution that pools its output a block's rows at a time gives the same maxima and codes, bit for
    /// bit, as the convolution into a map and its pooling: on every path and tile, with ReLU or not, at odd
    /// sizes (a last row and column no window takes) and with blocks across tile rows.
    @Test("convolution pooling its output equals the convolution then max-pool, on every kernel path",
          arguments: [ConvCase(cin: 16, cout: 8, height: 13, width: 75), ConvCase(cin: 8, cout: 16, height: 20, width: 200),
                      ConvCase(cin: 8, cout: 8, height: 7, width: 9)])
    func pooledForward(_ s: ConvCase) {
        let weights = s.winogradWeights(seed: 71), b = weights.bias
        let input = maps(randomFloats(s.cin * s.height * s.width, seed: 73), channels: s.cin, height: s.height, width: s.width)
        let (h, w2) = (s.height / 2, s.width / 2)
        forEachPathAndTile { scratch, tile in
            let filters = weights.winogradForward(tile: tile)!
            for relu in [false, true] {
                let full = FeatureMaps(channels: s.cout, height: s.height, width: s.width)
                winogradConv3x3(input, filters, bias: b, relu: relu, full, scratch: scratch, blocked: true)
                let expected = FeatureMaps(channels: s.cout, height: h, width: w2), expectedCodes = PoolCodes(channels: s.cout, height: s.height, width: s.width)
                maxPool2x2Forward(full, expected, codes: expectedCodes)
                let pooled = FeatureMaps(channels: s.cout, height: h, width: w2), codes = PoolCodes(channels: s.cout, height: s.height, width: s.width)
                winogradConv3x3(input, filters, bias: b, relu: relu, pooling: pooled, codes: codes, scratch: scratch)
                let what = "\(scratch.path), F(\(tile)×\(tile)), ReLU \(relu)"
                #expect(pooled.unpadded() == expected.unpadded(), "\(what)")
                #expect(Array(UnsafeBufferPointer(start: codes.data, count: s.cout * h * w2))
                        == Array(UnsafeBufferPointer(start: expectedCodes.data, count: s.cout * h * w2)), "\(what): codes")
                #expect((0..<pooled.channels).allSatisfy { pooled.data[$0 * pooled.plane] == 0 }, "\(what): border")
            }
        }
    }

    /// Any rows and columns of the routed map, made on their own, are those of the whole map (border zero),
    /// and nothing past them is written; on every kernel path.
    @Test("pool backward's rows equal the same window of the whole map",
          arguments: [(5, 7), (6, 9), (4, 40), (3, 2)], KernelPath.supported)
    func poolBackwardRows(_ size: (Int, Int), path: KernelPath) {
        let (h, w) = size
        let input = maps(randomFloats(h * w, seed: 61).map { max($0 - 0.3, 0) }, channels: 1, height: h, width: w)
        let codes = PoolCodes(channels: 1, height: h, width: w)
        maxPool2x2Forward(input, FeatureMaps(channels: 1, height: h / 2, width: w / 2), codes: codes)
        let pooled = maps(randomFloats((h / 2) * (w / 2), seed: 62), channels: 1, height: h / 2, width: w / 2)
        let whole = FeatureMaps(channels: 1, height: h, width: w)
        maxPool2x2Backward(codes, pooled, whole, throughReLU: true, path: .generic)
        let pitch = w + 2
        var part = [Float](repeating: .nan, count: (h + 2) * pitch)
        for y0 in 0..<h + 2 {
            for x0 in 0..<w + 2 {
                for columns in 1...w + 2 - x0 {
                    let rows = h + 2 - y0
                    for i in part.indices { part[i] = .nan }
                    dd_pool2x2_backward_rows(path.isa, codes.data, pooled.data, Int32(h), Int32(w), 1, Int32(y0), Int32(rows),
                                             Int32(x0), Int32(columns), &part, pitch)
                    for r in 0..<rows {
                        let wrong = (0..<columns).first { part[r * pitch + $0] != whole.data[(y0 + r) * pitch + x0 + $0] }
                        if wrong != nil || (columns < pitch && !part[r * pitch + columns].isNaN) {
                            Issue.record("\(path): rows from \(y0), columns \(x0) ..< \(x0 + columns): row \(r) wrong at \(wrong ?? columns)")
                            return
                        }
                    }
                }
            }
        }
    }

    /// Pooling backward with the ReLU below it fused in equals the two done one after the other, on a ReLU
    /// output with many all-zero windows.
    @Test("max-pool backward through ReLU equals pool backward then ReLU backward, on every kernel path",
          arguments: KernelPath.supported)
    func poolThroughReLU(path: KernelPath) {
        let (c, h, w) = (3, 9, 11)
        let input = maps(randomFloats(c * h * w, seed: 41).map { max($0 - 0.4, 0) }, channels: c, height: h, width: w)
        let grad = maps(randomFloats(c * (h / 2) * (w / 2), seed: 42), channels: c, height: h / 2, width: w / 2)
        let codes = PoolCodes(channels: c, height: h, width: w)
        maxPool2x2Forward(input, FeatureMaps(channels: c, height: h / 2, width: w / 2), codes: codes, path: path)
        let separate = FeatureMaps(channels: c, height: h, width: w), fused = FeatureMaps(channels: c, height: h, width: w)
        maxPool2x2Backward(codes, grad, separate, path: path)
        reluBackward(output: input, gradient: separate)
        maxPool2x2Backward(codes, grad, fused, throughReLU: true, path: path)
        #expect(separate.unpadded() == fused.unpadded())
        #expect(fused.unpadded().contains { $0 != 0 })
    }

    @Test("max-pool floors odd sizes and routes the gradient to the first maximum, on every kernel path",
          arguments: [(5, 7), (4, 4), (3, 2), (7, 69)], KernelPath.supported)   // 34 windows a row: vectors and a remainder
    func pooling(_ size: (Int, Int), path: KernelPath) {
        let (h, w) = size
        var values = randomFloats(2 * h * w, seed: 10)
        values[0] = 0.5; values[1] = 0.5; values[w] = 0.5; values[w + 1] = 0.5   // a tie in the first window
        let input = maps(values, channels: 2, height: h, width: w)
        let out = FeatureMaps(channels: 2, height: h / 2, width: w / 2), codes = PoolCodes(channels: 2, height: h, width: w)
        maxPool2x2Forward(input, out, codes: codes, path: path)
        let grad = maps([Float](repeating: 1, count: 2 * (h / 2) * (w / 2)), channels: 2, height: h / 2, width: w / 2)
        let back = FeatureMaps(channels: 2, height: h, width: w)
        back.data.update(repeating: 7, count: back.count)   // every cell must be written, border aside
        for c in 0..<2 { for y in -1...h { back[c, y, -1] = 0; back[c, y, w] = 0 }; for x in 0..<w { back[c, -1, x] = 0; back[c, h, x] = 0 } }
        maxPool2x2Backward(codes, grad, back, path: path)
        for c in 0..<2 {
            for y in 0..<h / 2 {
                for x in 0..<w / 2 {
                    let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { input[c, 2 * y + $0.0, 2 * x + $0.1] }
                    #expect(out[c, y, x] == window.max()!)
                    let first = window.firstIndex(of: window.max()!)!
                    let routed = [(0, 0), (0, 1), (1, 0), (1, 1)].map { back[c, 2 * y + $0.0, 2 * x + $0.1] }
                    #expect(routed == (0..<4).map { $0 == first ? 1 : 0 })
                }
            }
            if h % 2 == 1 { for x in 0..<w { #expect(back[c, h - 1, x] == 0) } }
            if w % 2 == 1 { for y in 0..<h { #expect(back[c, y, w - 1] == 0) } }
        }
    }
}

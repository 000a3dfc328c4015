import Foundation
import Testing
import Dream
import FFmpegBridge
@testable import Motion

/// A real photo (600×400): texture at every scale, as in footage.
let photo: Image = {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/coffee.jpg").path
    let rgb = try! ImageFile.read(path)
    var image = Image(width: rgb.width, height: rgb.height)
    for i in 0..<(rgb.width * rgb.height) {
        for c in 0..<3 { image.pixels[c * image.plane + i] = Float(rgb.bytes[3 * i + c]) / 255 }
    }
    return image
}()

/// Mean endpoint error (pixels) between a field and the expected vectors, over pixels `margin` from the edges.
func endpointError(_ flow: FlowField, margin: Int, expected: (Int, Int) -> (Double, Double)) -> Double {
    var total = 0.0, n = 0
    for y in margin..<(flow.height - margin) {
        for x in margin..<(flow.width - margin) {
            let (ex, ey) = expected(x, y), v = flow[x, y]
            total += ((Double(v.dx) - ex) * (Double(v.dx) - ex) + (Double(v.dy) - ey) * (Double(v.dy) - ey)).squareRoot()
            n += 1
        }
    }
    return total / Double(n)
}

@Suite("Optical flow (OpenCV DIS)")
struct FlowTests {
    @Test("a known shift of a real photo is recovered within 0.15 px")
    func shift() throws {
        let a = photo.cropped(x: 20, y: 20, width: 320, height: 240)
        let b = photo.cropped(x: 23, y: 18, width: 320, height: 240)   // b(x, y) = a(x + 3, y − 2)
        let flow = try OpticalFlow().flow(from: GreyFrame(b), to: GreyFrame(a))
        let error = endpointError(flow, margin: 16) { _, _ in (3, -2) }
        #expect(error < 0.15, "mean endpoint error \(error) px")
    }

    @Test("a 6% zoom of a real photo is recovered within 0.3 px (the vectors reach 13 px)")
    func zoom() throws {
        let a = photo.cropped(x: 100, y: 50, width: 400, height: 300)
        let step = ZoomStep(zoom: 1.06)
        let b = a.warped(step)   // b(p) = a(step.source(p))
        let flow = try OpticalFlow().flow(from: GreyFrame(b), to: GreyFrame(a))
        let expected = { (x: Int, y: Int) -> (Double, Double) in
            let s = step.source(x: Double(x), y: Double(y), width: 400, height: 300)
            return (s.x - Double(x), s.y - Double(y))
        }
        let error = endpointError(flow, margin: 24, expected: expected)
        #expect(error < 0.3, "mean endpoint error \(error) px")
        #expect(endpointError(FlowField(width: 400, height: 300), margin: 24, expected: expected) > 3)   // what no flow would score
    }

    @Test("large frames are estimated scaled down and the field scaled back up")
    func scaledDown() throws {
        let a = photo.cropped(x: 0, y: 0, width: 560, height: 380), b = photo.cropped(x: 8, y: 4, width: 560, height: 380)
        let flow = try OpticalFlow(maxSide: 280).flow(from: GreyFrame(b), to: GreyFrame(a))
        #expect(flow.width == 560 && flow.height == 380)
        let error = endpointError(flow, margin: 24) { _, _ in (8, 4) }
        #expect(error < 0.5, "mean endpoint error \(error) px at half size")
    }
}

@Suite("Carrying a picture along a flow")
struct RemapTests {
    @Test("a whole-pixel flow moves the picture exactly")
    func wholePixels() throws {
        let a = photo.cropped(x: 0, y: 0, width: 64, height: 48)
        let moved = try a.remapped(SampleMap(flow: FlowField(width: 64, height: 48, dx: 3, dy: -2), motion: nil, width: 64, height: 48))
        for c in 0..<3 { for y in 2..<48 { for x in 0..<61 { #expect(abs(moved[c, y, x] - a[c, y - 2, x + 3]) < 1e-5) } } }
    }

    @Test("a camera move on top of the flow: drift (5, 0) after flow (3, −2) samples (x − 2, y − 2)")
    func flowThenMotion() throws {
        let a = photo.cropped(x: 0, y: 0, width: 64, height: 48)
        let map = SampleMap(flow: FlowField(width: 64, height: 48, dx: 3, dy: -2), motion: ZoomStep(driftX: 5), width: 64, height: 48)
        let moved = try a.remapped(map)
        for c in 0..<3 { for y in 2..<48 { for x in 2..<64 { #expect(abs(moved[c, y, x] - a[c, y - 2, x - 2]) < 1e-4) } } }
    }

    @Test("signed values (a dream's detail) are carried unclipped")
    func signed() throws {
        var detail = Image(width: 16, height: 8, fill: -0.25)
        detail[0, 3, 3] = 0.75
        let moved = try detail.remapped(SampleMap(flow: FlowField(width: 16, height: 8, dx: -1), motion: nil, width: 16, height: 8))
        #expect(moved[0, 3, 4] == 0.75 && moved[1, 0, 0] == -0.25)
    }

    @Test("the warped previous frame along the estimated flow matches the new frame")
    func estimatedFlowWarp() throws {
        let a = photo.cropped(x: 100, y: 50, width: 400, height: 300), b = a.warped(ZoomStep(zoom: 1.04, rotate: 1))
        let flow = try OpticalFlow().flow(from: GreyFrame(b), to: GreyFrame(a))
        let carried = try a.remapped(SampleMap(flow: flow, motion: nil, width: 400, height: 300))
        let inner = { (i: Image) in i.cropped(x: 24, y: 24, width: 352, height: 252) }
        let along = StabilityMeter.meanAbsoluteDifference(inner(carried), inner(b), mask: nil)
        let inPlace = StabilityMeter.meanAbsoluteDifference(inner(a), inner(b), mask: nil)
        #expect(along < inPlace / 4, "carried \(along), in place \(inPlace)")
    }
}

@Suite("Occlusion: the forward–backward check")
struct OcclusionTests {
    /// A static photo background with a 60×60 patch of another part of the photo at (`x`, 80).
    func scene(patchAt x: Int) -> Image {
        var frame = photo.cropped(x: 0, y: 0, width: 320, height: 240)
        let patch = photo.cropped(x: 400, y: 200, width: 60, height: 60)
        for c in 0..<3 { for y in 0..<60 { for px in 0..<60 { frame[c, 80 + y, x + px] = patch[c, y, px] } } }
        return frame
    }

    @Test("the strip a moving patch uncovers is marked untrusted; the still background is trusted")
    func uncovered() throws {
        let before = scene(patchAt: 100), after = scene(patchAt: 112)   // the patch moves 12 px right
        let estimator = OpticalFlow()
        let backward = try estimator.flow(from: GreyFrame(after), to: GreyFrame(before))
        let forward = try estimator.flow(from: GreyFrame(before), to: GreyFrame(after))
        let mask = consistencyMask(backward: backward, forward: forward)
        func share(_ xs: Range<Int>, _ ys: Range<Int>) -> Float {
            var s: Float = 0
            for y in ys { for x in xs { s += mask[y * 320 + x] } }
            return s / Float(xs.count * ys.count)
        }
        let strip = share(102..<110, 85..<135)   // uncovered: background hidden under the patch before
        let background = share(200..<300, 10..<60)
        #expect(strip < 0.3, "trusted share of the uncovered strip: \(strip)")
        #expect(background > 0.9, "trusted share of the still background: \(background)")
    }

    @Test("pixels whose source lies outside the previous frame are untrusted")
    func enteringAtTheEdge() throws {
        let backward = FlowField(width: 40, height: 30, dx: -6), forward = FlowField(width: 40, height: 30, dx: 6)
        let mask = consistencyMask(backward: backward, forward: forward)
        #expect(mask[10 * 40 + 2] == 0 && mask[10 * 40 + 20] == 1)
    }
}

@Suite("Stability: the warping error")
struct StabilityTests {
    /// A pan: frame t is the photo 4 px further right, with fine zero-mean texture added (as a dream's
    /// detail is), either fixed on screen or moving with the scene.
    func measure(patternMoves: Bool) throws -> StabilitySummary {
        var meter = StabilityMeter()
        let tracker = MotionTracker(flow: true)
        var state: UInt64 = 7
        let noise = (0..<(3 * 400 * 300)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        let pattern = Image(width: 400, height: 300, pixels: noise).gaussianBlurred(sigma: 1)
        for t in 0..<5 {
            let input = photo.cropped(x: 4 * t, y: 40, width: 320, height: 240)
            let dream = patternMoves ? pattern.cropped(x: 4 * t, y: 0, width: 320, height: 240) : pattern.cropped(x: 0, y: 0, width: 320, height: 240)
            var output = input   // plus zero-mean detail, as a dream adds
            for i in output.pixels.indices { output.pixels[i] = min(max(input.pixels[i] + 0.6 * (dream.pixels[i] - 0.5), 0), 1) }
            try meter.add(frame: t, input: input, output: output, motion: tracker.next(input))
        }
        return meter.summary!
    }

    @Test("a dream that moves with the scene scores near 0, one fixed on screen near 1 or more")
    func movingAndFixed() throws {
        let moving = try measure(patternMoves: true), fixed = try measure(patternMoves: false)
        #expect(moving.measuredFrames == 4 && fixed.measuredFrames == 4)
        #expect(abs(moving.instability) < 0.1, "moving with the scene: \(moving)")
        #expect(fixed.instability > 0.7, "fixed on screen: \(fixed)")
        #expect(moving.strength > 5, "the overlay changes the frames: \(moving)")
        #expect(abs(moving.strength - fixed.strength) / fixed.strength < 0.3)
    }
}

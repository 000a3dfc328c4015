import Foundation
import Testing
@testable import Dream

/// A smooth test picture: a bright Gaussian blob at (bx, by) on a gentle gradient.
func blob(width: Int, height: Int, at bx: Double, _ by: Double, radius: Double = 3) -> Image {
    var image = Image(width: width, height: height)
    for c in 0..<3 {
        for y in 0..<height {
            for x in 0..<width {
                let d2 = (Double(x) - bx) * (Double(x) - bx) + (Double(y) - by) * (Double(y) - by)
                image[c, y, x] = Float(0.2 + 0.1 * Double(x) / Double(width) + 0.6 * exp(-d2 / (2 * radius * radius)))
            }
        }
    }
    return image
}

/// Brightness-weighted centre of the pixels above `threshold` in channel 0.
func centroid(_ image: Image, threshold: Float = 0.5) -> (Double, Double) {
    var sx = 0.0, sy = 0.0, total = 0.0
    for y in 0..<image.height { for x in 0..<image.width where image[0, y, x] > threshold {
        let w = Double(image[0, y, x] - threshold)
        sx += w * Double(x); sy += w * Double(y); total += w
    } }
    return (sx / total, sy / total)
}

@Suite("Zoom motion: the warp")
struct WarpTests {
    @Test("no motion returns the picture exactly; whole-pixel drift shifts it")
    func identityAndDrift() {
        let image = randomImage(width: 20, height: 14, seed: 1)
        #expect(image.warped(ZoomStep()) == image)
        let moved = image.warped(ZoomStep(driftX: 3, driftY: -2))
        for y in 2..<12 { for x in 3..<20 { #expect(abs(moved[1, y, x] - image[1, y + 2, x - 3]) < 1e-6) } }
    }

    @Test("zooming about a point keeps that point fixed", arguments: [(0.5, 0.5), (0.25, 0.3), (0.8, 0.7)])
    func fixedPoint(_ c: (Double, Double)) {
        let w = 80, h = 60
        // Pixel centres: the point (cx·w − 0.5, cy·h − 0.5) in pixel coordinates.
        let px = c.0 * Double(w) - 0.5, py = c.1 * Double(h) - 0.5
        let image = blob(width: w, height: h, at: px, py)
        let zoomed = image.warped(ZoomStep(zoom: 1.4, rotate: 15, centerX: c.0, centerY: c.1))
        let (x, y) = centroid(zoomed)
        #expect(abs(x - px) < 0.1 && abs(y - py) < 0.1, "blob moved to (\(x), \(y)) from (\(px), \(py))")
        // …and other points move away from it by the zoom factor.
        let off = blob(width: w, height: h, at: px + 6, py).warped(ZoomStep(zoom: 1.5, centerX: c.0, centerY: c.1))
        #expect(abs(centroid(off).0 - (px + 9)) < 0.3)
    }

    @Test("36 turns of 10° bring the picture back (inside the inscribed circle)")
    func fullTurn() {
        let image = blob(width: 48, height: 48, at: 30, 20, radius: 5)
        var turned = image
        for _ in 0..<36 { turned = turned.warped(ZoomStep(rotate: 10)) }
        var error: Float = 0, count = 0
        for y in 0..<48 { for x in 0..<48 where (Double(x) - 23.5) * (Double(x) - 23.5) + (Double(y) - 23.5) * (Double(y) - 23.5) < 20 * 20 {
            error += abs(turned[0, y, x] - image[0, y, x]); count += 1
        } }
        #expect(error / Float(count) < 0.01, "mean error \(error / Float(count))")
        // A quarter turn counter-clockwise moves a blob right of centre to above it (y grows downwards).
        let quarter = blob(width: 48, height: 48, at: 33.5, 23.5).warped(ZoomStep(rotate: 90))
        let (qx, qy) = centroid(quarter)
        #expect(abs(qx - 23.5) < 0.2 && abs(qy - 13.5) < 0.2, "(\(qx), \(qy))")
    }

    @Test("borders are reflected, not black: zooming out of a flat picture keeps it flat")
    func reflectedBorders() {
        let flat = Image(width: 30, height: 20, fill: 0.7)
        #expect(flat.warped(ZoomStep(zoom: 0.7, rotate: 20, driftX: 5)).pixels.allSatisfy { abs($0 - 0.7) < 1e-5 })
    }

    @Test("anchoring moves the channel statistics towards the target")
    func anchoring() {
        let image = randomImage(width: 30, height: 20, seed: 4)
        let target: [(mean: Float, std: Float)] = [(0.3, 0.05), (0.5, 0.1), (0.7, 0.02)]
        let full = image.anchored(to: target, strength: 1).channelStatistics()
        for c in 0..<3 { #expect(abs(full[c].mean - target[c].mean) < 0.01 && abs(full[c].std - target[c].std) < 0.01) }
        #expect(image.anchored(to: target, strength: 0) == image)
    }
}

@Suite("Schedules")
struct ScheduleTests {
    @Test("keyframes interpolate and hold; seconds and per-second rates use the frame rate")
    func values() throws {
        let s = try Schedule(parsing: "0:1.02,120:1.06", name: "zoom", fps: 24)
        #expect(s.value(at: 0) == 1.02 && abs(s.value(at: 60) - 1.04) < 1e-12 && s.value(at: 500) == 1.06)
        let seconds = try Schedule(parsing: "0s:0;5s:10", name: "rotate", fps: 24)
        #expect(abs(seconds.value(at: 60) - 5) < 1e-12)
        let rate = try Schedule(parsing: "1.5/s", name: "zoom", fps: 30, compound: true)
        #expect(abs(pow(rate.value(at: 0), 30) - 1.5) < 1e-9)
        let degrees = try Schedule(parsing: "12/s", name: "rotate", fps: 24)
        #expect(abs(degrees.value(at: 7) - 0.5) < 1e-12)
        var smooth = try Schedule(parsing: "0:0 10:1", name: "x", fps: 24)
        smooth.smooth = true
        #expect(abs(smooth.value(at: 5) - 0.5) < 1e-12 && smooth.value(at: 2) < 0.2)
    }

    @Test("bad schedules name the option", arguments: ["", "0:", "x:1", "1,2", "-5:1", "0:1:2"])
    func bad(_ text: String) {
        #expect { try Schedule(parsing: text, name: "zoom", fps: 24) } throws: { "\($0)".contains("--zoom") }
    }

    @Test("a layer change crossfades over the fade frames")
    func layers() throws {
        let s = try LayerSchedule(parsing: "0:relu4_3,100:relu5_1", fps: 24, fade: 20)
        #expect(s.targets(at: 50).map(\.target.layer.name) == ["relu4_3"])
        let mid = s.targets(at: 90)
        #expect(mid.map(\.target.layer.name) == ["relu4_3", "relu5_1"] && abs(mid[0].share + mid[1].share - 1) < 1e-12)
        #expect(abs(mid[1].share - 0.5) < 1e-12)
        #expect(s.targets(at: 100).map(\.target.layer.name) == ["relu5_1"])
    }
}

import ArgumentParser
import Pipeline

/// The camera move: `zoom` moves its whole picture this way each frame; `video` and `pipe` move the
/// carried dream on top of the scene's own motion.
struct MotionOptions: ParsableArguments {
    @Option(help: "Scale per frame (>1 moves in), or per second with /s (1.5/s), or keyframes \"0:1.02,120:1.06\" (frames) or \"0s:1.02,5s:1.06\". Default: 1.02 for zoom (the zoom preset: 1.5/s), none for video and pipe.")
    var zoom: String?

    @Option(help: "Degrees per frame (counter-clockwise), or per second with /s, or keyframes.")
    var rotate: String?

    @Option(help: "Pixels per frame X,Y (or per second with /s), or keyframes \"0:X,Y;120:X,Y\".")
    var drift: String?

    @Option(help: "The point zoomed into, X,Y in pixels (default: the middle).")
    var center: String?

    @Option(help: "Interpolation between keyframes: linear or smooth.")
    var ease = "linear"

    func spec() throws -> MotionSpec {
        guard ["linear", "smooth"].contains(ease) else { throw ValidationError("--ease must be linear or smooth, got \(ease)") }
        return MotionSpec(zoom: zoom, rotate: rotate, drift: drift, center: center, smooth: ease == "smooth")
    }
}

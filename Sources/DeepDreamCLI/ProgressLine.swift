import Dream
import Foundation

/// Progress on stderr, redrawn in place, only when stderr is a terminal (logs and pipes stay clean).
final class ProgressLine {
    private let enabled: Bool
    private let start = Date()
    init(quiet: Bool = false) {
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    func update(_ p: DreamProgress) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let eta = p.fraction > 0 ? elapsed / p.fraction * (1 - p.fraction) : 0
        show("octave \(p.octave)/\(p.octaves) (\(p.width)×\(p.height)) · step \(p.iteration)/\(p.iterations) · "
             + String(format: "%.0f%% · %.1fs elapsed · ETA %.0fs", 100 * p.fraction, elapsed, eta))
    }

    func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}


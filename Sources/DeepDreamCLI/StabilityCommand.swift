import ArgumentParser
import FFmpegBridge
import Foundation
import Pipeline

struct StabilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stability",
        abstract: "Measure how well renders follow their input's motion (the warping error).",
        discussion: """
            For each pair of frames: the mean difference (0–255 levels) between an output frame and the previous \
            output frame carried along the input's optical flow, over the pixels where that flow is consistent both \
            ways; the same for the input itself (its floor); and the strength, the mean |output − input|. \
            Instability = (output's error − input's) ÷ strength: the share of the dream's change that does not move \
            with the scene (0: it moves exactly with the scene). Pairs across a scene cut are left out.
            """)

    @Argument(help: "The input video the renders were made from.")
    var input: String

    @Argument(help: "One or more renders of it.")
    var outputs: [String] = []

    @Option(help: "Colour change between frames (0…1) from which a scene cut is found.")
    var cutThreshold = 0.4

    @Option(help: "Measure only the first N frames.")
    var frames: Int?

    @Option(help: "Also write the per-frame numbers as JSON to this file.")
    var report: String?

    func validate() throws {
        if outputs.isEmpty { throw ValidationError("name at least one render to measure: deepdream stability INPUT OUTPUT…") }
        if let frames, frames < 2 { throw ValidationError("--frames must be at least 2 (a pair), got \(frames)") }
        guard cutThreshold.isFinite, cutThreshold > 0, cutThreshold <= 1 else { throw ValidationError("--cut-threshold must be in (0, 1], got \(cutThreshold)") }
    }

    func run() throws {
        if let report { try ImageJob.checkOutput(report, overwrite: true) }
        let (results, cuts) = try StabilityJob.run(input: input, outputs: outputs, cutThreshold: cutThreshold, maxFrames: frames)
        print("input \(input)" + (cuts.isEmpty ? "" : ", scene cuts at frames \(cuts.map(String.init).joined(separator: ", "))"))
        print("instability  warping error out / in  strength  frames  output")
        for r in results {
            guard let s = r.summary else {
                print("          –                       –         –  " + String(format: "%6d  ", r.frames) + r.output + " (no frame pair to measure)")
                continue
            }
            print(String(format: "%11.3f  %10.2f / %-10.2f  %8.2f  %6d  ", s.instability, s.outputError, s.inputError, s.strength, r.frames) + r.output)
        }
        if let report {
            struct Report: Encodable { let input: String; let cuts: [Int]; let renders: [StabilityJob.Result] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile(report).write(try encoder.encode(Report(input: input, cuts: cuts, renders: results)))
        }
    }
}

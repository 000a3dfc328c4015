import ArgumentParser
import Foundation
import Pipeline

/// The checkpoint a file render keeps, and going on from it.
struct ResumeOptions: ParsableArguments {
    @Flag(help: "Go on from the checkpoint an interrupted render of this output left (start afresh if there is none). The result is the same as an uninterrupted render.")
    var resume = false

    @Option(help: "Keep the checkpoint in this folder (default: .NAME.dream beside the output).")
    var checkpoint: String?

    @Flag(help: "Keep no checkpoint: an interrupted render cannot be resumed.")
    var noCheckpoint = false

    /// nil: no checkpoint (standard input or output, or --no-checkpoint).
    func options(input: String?, output: String) throws -> CheckpointOptions? {
        let streamed = input == "-" ? "standard input" : output == "-" ? "standard output" : nil
        if noCheckpoint || streamed != nil {
            let given = [resume ? "--resume" : nil, checkpoint.map { _ in "--checkpoint" }].compactMap { $0 }
            if !given.isEmpty {
                let why = noCheckpoint ? "with --no-checkpoint" : "when the video comes from or goes to \(streamed!) (it cannot be read again)"
                throw ValidationError("\(given.joined(separator: " and ")) cannot work \(why)")
            }
            return nil
        }
        return CheckpointOptions(resume: resume, directory: checkpoint)
    }
}

import ArgumentParser
import Pipeline

/// `--segment K/N`: one part of a render spread over many machines, put together by `deepdream join`.
struct SegmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Render only the K-th of N contiguous parts (1-based), for `deepdream join` to put together.",
                               valueName: "K/N"))
    var segment: String?

    @Option(help: "Frames a part dreams before its first written frame, not written, so its dream is under way (default \(Segment.defaultWarmup)).")
    var warmup: Int?

    @Option(help: "Frames a part writes before its boundary, crossfaded with the previous part's at the join (default \(Segment.defaultOverlap); 0 cuts hard).")
    var overlap: Int?

    /// nil without --segment. The input and output must be files.
    func resolve(input: String, output: String) throws -> Segment? {
        guard let text = segment else {
            let given = [warmup.map { _ in "--warmup" }, overlap.map { _ in "--overlap" }].compactMap { $0 }
            if !given.isEmpty {
                throw ValidationError("\(given.joined(separator: " and ")) only appl\(given.count == 1 ? "ies" : "y") to a part: give --segment K/N")
            }
            return nil
        }
        guard var segment = Segment(text) else {
            throw ValidationError("--segment takes K/N, the K-th of N parts counted from 1 (e.g. 2/8); got '\(text)'")
        }
        if input == "-" || output == "-" {
            throw ValidationError("--segment needs the input and the part as files (each part reads the input again, the join reads the parts)")
        }
        if let warmup {
            guard (0...1000).contains(warmup) else { throw ValidationError("--warmup takes 0…1000 frames; got \(warmup)") }
            segment.warmup = warmup
        }
        if let overlap {
            guard (0...1000).contains(overlap) else { throw ValidationError("--overlap takes 0…1000 frames; got \(overlap)") }
            segment.overlap = overlap
        }
        return segment
    }
}

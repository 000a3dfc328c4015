import ArgumentParser
import FFmpegBridge
import Pipeline

struct JoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Put the parts of a segmented render (video --segment K/N) together, with the input's sound.",
        discussion: """
            The parts may be given in any order. Their pictures are copied as they are; only the crossfade where \
            one part hands over to the next (--overlap frames, 8 by default) is encoded, with the parts' own \
            settings. The sound is the input's, put back once and in sync, as a whole render has it. Parts that \
            do not fit together (one missing or given twice, another split, input or setting, a part cut short) \
            are refused, naming the part.
            """)

    @Argument(help: "The parts, e.g. parts/*.mp4.")
    var parts: [String] = []

    @Option(name: .shortAndLong, help: "The joined video.")
    var output: String

    @Option(help: "Where the sound comes from (default: the input the parts name, checked by its digest).")
    var input: String?

    @Flag(help: "Leave the sound out.")
    var noAudio = false

    @OptionGroup var flags: OutputFlags

    func validate() throws {
        if parts.isEmpty { throw ValidationError("name the parts to join: deepdream join PARTS… -o OUT") }
        if noAudio && input != nil { throw ValidationError("--input only names where the sound comes from: leave it out with --no-audio") }
    }

    func run() throws {
        let summary = try JoinJob.run(parts: parts, output: output, input: input, audio: !noAudio, overwrite: flags.overwrite)
        for note in summary.notes { print("deepdream: note: \(note)") }
        if !flags.quiet {
            print("joined \(summary.parts) part\(summary.parts == 1 ? "" : "s"), \(summary.frames) frames (\(summary.crossfaded) crossfaded) → \(output)")
        }
    }
}

import ArgumentParser
import FFmpegBridge
import Foundation

/// The command line; `main` runs it.
public struct DeepDream: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "deepdream",
        abstract: "Dream images with VGG16: amplify what one layer of the network sees.",
        subcommands: [ImageCommand.self, VideoCommand.self, ZoomCommand.self, PipeCommand.self, StabilityCommand.self, JoinCommand.self, LayersCommand.self, PresetsCommand.self, BenchCommand.self])

    public init() {}

    public static func main() {
        OpenBLASSetup.configure()
        setFFmpegLogQuiet()
        signal(SIGPIPE, SIG_IGN)   // a closed reader shows up as EPIPE, handled below
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as MediaError where error.isBrokenPipe {
            exit(withError: nil)   // the reader of our output closed early (| head): a clean end
        } catch {
            exit(withError: error)
        }
    }
}


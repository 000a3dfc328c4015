import ArgumentParser
import FFmpegBridge

@main
struct DeepDream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepdream",
        abstract: "Dream images with VGG16: amplify what one layer of the network sees.",
        subcommands: [ImageCommand.self, VideoCommand.self, ZoomCommand.self, LayersCommand.self, PresetsCommand.self, BenchCommand.self])

    static func main() {
        setFFmpegLogQuiet()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

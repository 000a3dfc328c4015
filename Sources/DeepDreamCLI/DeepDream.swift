import ArgumentParser
import FFmpegBridge
import Foundation

/// The command line; `main` runs it.
public struct DeepDream: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "deepdream",
        abstract: "Dream images with VGG16: amplify what one layer of the network sees.",
        subcommands: [ImageCommand.self, VideoCommand.self, ZoomCommand.self, PipeCommand.self, StabilityCommand.self, LayersCommand.self, PresetsCommand.self, BenchCommand.self])

    public init() {}

    public static func main() {
        shortenOpenBLASSpinning()
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

/// OpenBLAS's idle workers spin for about 2^28 cycles after each GEMM, taking a core from the
/// Dispatch workers that run ReLU, pooling and the epilogues in between (measured: ReLU and pooling
/// backward about 40% slower, one iteration about 8%). OpenBLAS reads OPENBLAS_THREAD_TIMEOUT (spin
/// 2^N cycles) only when the library loads, so set it and start again once; a value the user set wins.
private func shortenOpenBLASSpinning() {
    guard getenv("OPENBLAS_THREAD_TIMEOUT") == nil else { return }
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
    let arguments = CommandLine.unsafeArgv
    execv("/proc/self/exe", arguments)
    // execv returns only on failure: carry on with the default spinning.
}

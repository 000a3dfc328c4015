import Dream
import FFmpegBridge

/// A video stream from standard input to standard output, one frame in, one frame out: frame N is
/// written (and flushed) before frame N+1 is read, so latency and memory stay bounded on an endless
/// stream. The temporal stage is `video`'s: the flow comes from the previous input frame.
public enum PipeJob {
    public static func run(source: StreamSource, streamFormat: String, dream: DreamSettings, video: VideoSettings,
                           network: VGG16, options: VideoOutputOptions, stop: StopFlag, guide: Image? = nil,
                           report: String? = nil, progress: ((VideoProgress) -> Void)? = nil) throws -> VideoJob.Summary {
        var summary = try VideoJob.run(input: "-", output: "-", dream: dream, video: video, network: network, options: options,
                                       overwrite: true, stop: stop, source: source, streamFormat: streamFormat, guide: guide,
                                       report: report, inStep: true, progress: progress)
        summary.expected = nil
        return summary
    }
}

import Dream
import FFmpegBridge

/// A video stream from standard input to standard output, frame by frame on one thread: frame N is
/// written (and flushed) before frame N+1 is read, so latency and memory stay bounded on an endless
/// stream. Seeding from the previous dreamed frame is the same as `VideoJob`'s.
public enum PipeJob {
    public static func run(source: StreamSource, streamFormat: String, dream: DreamSettings, video: VideoSettings,
                           network: VGG16, options: VideoOutputOptions, stop: StopFlag,
                           progress: ((VideoProgress) -> Void)? = nil) throws -> VideoJob.Summary {
        try dream.validate()
        try video.validate()
        let reader = try VideoReader(path: "-", format: source.format, options: source.options)
        let container = try VideoContainer.named(streamFormat, inputPixelFormat: reader.info.pixelFormat)
        var opts = options
        if container.format == "yuv4mpegpipe" || container.format == "rawvideo" { opts.audio = false }
        let writer = try VideoWriter(path: "pipe:1", container: container, width: reader.info.width, height: reader.info.height,
                                     frameRate: reader.info.frameRate, timeBase: reader.timeBase, audioFrom: reader, options: opts)
        let dreamer = Dreamer(network: network)
        var seeder = FrameSeeder(dream: dream, video: video)
        var frames = 0
        let clock = ContinuousClock(), began = clock.now
        func elapsed() -> Double { let d = clock.now - began; return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        while !stop.isSet, let item = try reader.next() {
            switch item {
            case .frame(let f):
                if let max = video.maxFrames, frames >= max { break }
                let dreamed = try seeder.next(Image(f.image), index: f.index, dreamer: dreamer) { p in
                    progress?(VideoProgress(frame: frames, total: nil, dream: p, elapsed: elapsed()))
                }
                try writer.write(RGBImage(dreamed), pts: f.pts)
                frames += 1
                progress?(VideoProgress(frame: frames, total: nil, dream: nil, elapsed: elapsed()))
            case .audio(let p):
                try writer.write(audio: p)
            }
            if let max = video.maxFrames, frames >= max { break }
        }
        try writer.finish()
        return VideoJob.Summary(frames: frames, stopped: stop.isSet, truncated: reader.truncated, expected: nil, notes: writer.notes)
    }
}

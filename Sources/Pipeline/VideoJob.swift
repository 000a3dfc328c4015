import Dream
import FFmpegBridge
import Foundation
import Motion

/// A video dreamed frame by frame: decode → temporal stage (`TemporalSeeder`) → encode, on the shared
/// `FramePipeline`. The decode queue owns the VideoReader, the calling thread the Dreamer and the
/// seeder, the encode queue the VideoWriter.
public enum VideoJob {
    public struct Summary: Sendable {
        public var frames: Int
        public var stopped: Bool        // interrupted: the output holds the frames before the stop
        public var truncated: Bool      // the input ended in damaged data, or well short of its stated length
        /// Standard input stalled past the timeout: the stream ended there.
        public var stalled = false
        public var expected: Int?       // frames the container promised
        public var notes: [String]
        /// Frames where a scene cut restarted the dream.
        public var cuts: [Int] = []
        /// How steady the render is against its input's motion (nil when not measured).
        public var stability: StabilitySummary?
        /// Where the frames are kept when the render stopped early (to go on with --resume).
        public var checkpoint: String?
    }

    /// `input` may be `-` (standard input; `source` names its format where probing cannot tell) and
    /// `output` may be `-` (standard output in the stream format `streamFormat`). `inStep`: one frame in,
    /// one frame out (see `FramePipeline`). `report`: a JSON file with per-frame stability and timings.
    /// `checkpointing` (a file output): keep a checkpoint to resume from (see `Checkpoint`).
    public static func run(input: String, output: String, dream: DreamSettings, video: VideoSettings, network: VGG16,
                           options: VideoOutputOptions, overwrite: Bool, stop: StopFlag, source: StreamSource = StreamSource(),
                           streamFormat: String? = nil, guide: Image? = nil, report: String? = nil, inStep: Bool = false,
                           checkpointing: CheckpointOptions? = nil, segment: Segment? = nil,
                           progress: ((VideoProgress) -> Void)? = nil) throws -> Summary {
        try dream.validate()
        try video.validate()
        precondition(segment == nil || (input != "-" && output != "-"), "a part needs files on both ends")
        let reader = try VideoReader(path: input, format: source.format, options: source.options, stallTimeout: source.stallTimeout)
        let info = reader.info
        let motion = try video.motion.resolve(fps: info.fps)
        try motion.validate(width: info.width, height: info.height)
        let toStdout = output == "-"
        let container = toStdout ? try VideoContainer.named(streamFormat ?? "matroska", inputPixelFormat: info.pixelFormat)
                                 : try VideoContainer.forPath(output)
        var options = options
        if container.format == "yuv4mpegpipe" || container.format == "rawvideo" { options.audio = false }
        var total = video.maxFrames.map { min($0, info.frameCount ?? $0) } ?? info.frameCount
        // A part: its frames, and the tags the join checks. Its sound comes from the input at the join.
        var part: (tags: PartTags, cuts: Set<Int>)?
        if let segment {
            if container.isImageSequence || !["mp4", "mov", "matroska", "webm"].contains(container.format) {
                throw MediaError(output, "a part (--segment) is written as .mp4, .mov, .mkv or .webm, for the join")
            }
            let scan = try MediaPackets(path: input).scanVideo()
            let frames = video.maxFrames.map { min($0, scan.count) } ?? scan.count
            // Only this part's own two boundaries matter (the windows are far apart): the decode stops at its end.
            let windows = Segment.windows(frames: frames, parts: segment.count)
            let own = Array(windows[max(0, segment.index - 2)..<min(windows.count, segment.index)])
            let cuts = video.cuts ? try sceneCuts(in: input, near: own, threshold: video.cutThreshold) : []
            let range: Segment.Range
            do { range = try segment.range(frames: frames, keyframes: scan.keyframes, cuts: cuts) } catch { throw MediaError(input, error.description) }
            options.audio = false
            options.stitchable = true
            total = range.end - range.dreamFrom
            part = (PartTags(segment: segment, range: range, render: "", input: URL(fileURLWithPath: input).standardizedFileURL.path,
                             inputDigest: "", encoder: VideoOutputOptions(codec: options.codec ?? container.codec, crf: options.crf ?? container.crf,
                                                                          pixelFormat: options.pixelFormat ?? container.pixelFormat),
                             timeBase: reader.timeBase),
                    segment.cuts(in: range))
        }
        var manifest = RenderManifest(dream: dream, weights: network.weights, guide: guide, options: options, output: output)
        if checkpointing != nil || part != nil {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), !isDirectory.boolValue {
                try manifest.digest(file: input, as: "input")
            } else {
                manifest.set("input", input)   // a frame pattern or a URL: known by its name
            }
            manifest.add(settings: video, as: "video")
        }
        if let segment, var p = part {
            p.tags.render = manifest.digest(leavingOut: ["output"])
            p.tags.inputDigest = manifest.entries["input digest"] ?? ""
            options.metadata.merge(p.tags.dictionary) { $1 }
            part = p
            manifest.add(settings: segment, as: "segment")
        }
        let checkpoint = try checkpointing.map { c throws -> Checkpoint in
            precondition(input != "-" && !toStdout, "a checkpoint needs files on both ends")
            let checkpoint = try Checkpoint(output: output, options: c, manifest: manifest.entries, overwrite: overwrite)
            if let total { try checkpoint.checkSpace(frames: total, width: info.width, height: info.height) }
            return checkpoint
        }
        // A render that fails before its first frame leaves no checkpoint behind.
        defer { if let checkpoint, checkpoint.frames == 0 { checkpoint.remove() } }
        let destination = try VideoDestination(output: output, container: container, overwrite: overwrite || checkpoint?.resumed != nil)
        if let report { try ImageJob.checkOutput(report, overwrite: true) }
        let writer = try VideoWriter(path: destination.writerPath, container: container, width: info.width, height: info.height,
                                     frameRate: info.frameRate, timeBase: reader.timeBase, audioFrom: reader, options: options,
                                     displayPath: output)

        var decodedFrames = 0
        let range = part?.tags.range
        let next = { () throws -> StreamItem? in
            while let item = try reader.next() {
                switch item {
                case .frame(let f):
                    if let max = video.maxFrames, decodedFrames >= max { return nil }
                    decodedFrames += 1
                    guard let range, let part else { return .frame(StreamFrame(image: Image(f.image), pts: f.pts, index: f.index)) }
                    if f.index < range.dreamFrom { continue }
                    if f.index >= range.end { return nil }
                    return .frame(StreamFrame(image: Image(f.image), pts: f.pts, index: f.index, write: f.index >= range.writeFrom,
                                              key: part.cuts.contains(f.index - range.writeFrom)))
                case .audio(let p):
                    return .audio(p)
                }
            }
            return nil
        }

        let dreamer = Dreamer(network: network)
        let seeder = TemporalSeeder(dream: dream, video: video, motion: motion, guide: guide, measuring: report != nil)
        var log = RenderLog(measure: video.flow || report != nil, keepingFrames: report != nil)
        let start = Date()
        let resumed = checkpoint?.resumed
        var position = 0   // frames through the stage
        let written: Int
        do {
            written = try FramePipeline.run(overlapped: !inStep, source: next, writer: writer, stop: stop) { frame in
                defer { position += 1 }
                if let resumed, let checkpoint, position < resumed.state.frames {
                    if position == resumed.state.frames - 1 {
                        seeder.resume(raw: frame.image, dreamed: resumed.last, cuts: resumed.state.cuts ?? [])
                        log.resume(frames: resumed.state.log ?? [], totals: resumed.state.stability, input: frame.image, output: resumed.last)
                    }
                    return try checkpoint.frame(position)
                }
                try destination.checkFolder()
                let done = position
                let result = try seeder.next(frame.image, index: frame.index, dreamer: dreamer) { p in
                    progress?(VideoProgress(frame: done, total: total, dream: p, elapsed: Date().timeIntervalSince(start)))
                }
                try log.add(frame.index, input: frame.image, result)
                try checkpoint?.save(frame: position, last: result.dreamed, state: Checkpoint.State(
                    frames: position + 1, width: result.dreamed.width, height: result.dreamed.height, machine: Checkpoint.machine,
                    cuts: seeder.cuts, log: log.frames, stability: log.meter?.totals))
                progress?(VideoProgress(frame: done + 1, total: total, dream: nil, elapsed: Date().timeIntervalSince(start)))
                return result.dreamed
            }
        } catch {
            destination.discard()
            throw Checkpoint.keeping(error, checkpoint)
        }
        if written == 0 {
            destination.discard()
            throw MediaError(input, "no video frame could be decoded")
        }
        do { try destination.commit() } catch { throw Checkpoint.keeping(error, checkpoint) }
        if !stop.isSet { checkpoint?.remove() }
        let seconds = Date().timeIntervalSince(start)
        if let report { try log.write(to: report, input: input, output: output, seconds: seconds, cuts: seeder.cuts, flow: video.flow) }
        let short = video.maxFrames == nil && segment == nil && !stop.isSet && (info.frameCount ?? 0) > written + 2
        return Summary(frames: written, stopped: stop.isSet, truncated: reader.truncated || short, stalled: reader.stalled,
                       expected: info.frameCount, notes: (checkpoint?.notes ?? []) + writer.notes + (part.map { Self.describe($0.tags) } ?? []),
                       cuts: seeder.cuts,
                       stability: log.meter?.summary, checkpoint: stop.isSet ? checkpoint?.directory : nil)
    }
}

extension VideoJob {
    /// Frames within `windows` whose colours differ from the frame before by `threshold` or more: cuts the
    /// temporal stage finds too, whatever the flow says (`FrameMotion.isCut`).
    static func sceneCuts(in input: String, near windows: [ClosedRange<Int>], threshold: Double) throws -> [Int] {
        guard let last = windows.map(\.upperBound).max() else { return [] }
        let reader = try VideoReader(path: input)
        var previous: (index: Int, colours: ColourHistogram)?, cuts: [Int] = []
        while let item = try reader.next() {
            guard case .frame(let f) = item else { continue }
            if f.index > last { break }
            guard windows.contains(where: { $0.contains(f.index) || $0.lowerBound == f.index + 1 }) else { continue }
            let colours = ColourHistogram(Image(f.image))
            if let previous, previous.index == f.index - 1, colours.distance(to: previous.colours) >= threshold { cuts.append(f.index) }
            previous = (f.index, colours)
        }
        return cuts
    }

    static func describe(_ part: PartTags) -> [String] {
        let r = part.range
        var text = "part \(part.segment): frames \(r.writeFrom)–\(r.end - 1) written"
        if r.writeFrom < r.start { text += " (\(r.writeFrom)–\(r.start - 1) to crossfade with the part before)" }
        if r.start > 0 && r.lead == 0 { text += ", starting at a scene cut" }
        if r.dreamFrom < r.writeFrom { text += "; \(r.writeFrom - r.dreamFrom) warm-up frames dreamed before them" }
        return [text]
    }
}

/// Where standard input's format cannot be probed (raw video), its demuxer and options.
public struct StreamSource: Sendable {
    public var format: String?
    public var options: [String: String] = [:]
    /// End the stream when standard input sends nothing for this many seconds (nil: wait).
    public var stallTimeout: Double?
    public init(format: String? = nil, options: [String: String] = [:], stallTimeout: Double? = nil) {
        self.format = format
        self.options = options
        self.stallTimeout = stallTimeout
    }
}

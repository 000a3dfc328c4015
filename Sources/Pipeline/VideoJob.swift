import Dispatch
import Dream
import FFmpegBridge
import Foundation

/// decode → dream → encode on their own queues, joined by bounded queues: decoding and encoding
/// overlap the dreaming, and at most a few frames are in memory at once.
///
/// Queues: `deepdream.decode` owns the VideoReader, the calling thread owns the Dreamer,
/// `deepdream.encode` owns the VideoWriter. Only Swift values and handed-over Packets cross.
public enum VideoJob {
    public struct Summary: Sendable {
        public var frames: Int
        public var stopped: Bool        // interrupted: the output holds the frames before the stop
        public var truncated: Bool      // the input ended in damaged data, or well short of its stated length
        public var expected: Int?       // frames the container promised
        public var notes: [String]
    }

    enum Item: @unchecked Sendable {
        case frame(Image, pts: Int64, index: Int)
        case audio(Packet)
    }

    /// `input` may be `-` (standard input; `source` names its format where probing cannot tell) and
    /// `output` may be `-` (standard output in the stream format `streamFormat`).
    public static func run(input: String, output: String, dream: DreamSettings, video: VideoSettings, network: VGG16,
                           options: VideoOutputOptions, overwrite: Bool, stop: StopFlag, source: StreamSource = StreamSource(),
                           streamFormat: String? = nil, progress: ((VideoProgress) -> Void)? = nil) throws -> Summary {
        try dream.validate()
        try video.validate()
        let toStdout = output == "-"
        let reader = try VideoReader(path: input, format: source.format, options: source.options)
        let container = toStdout ? try VideoContainer.named(streamFormat ?? "matroska", inputPixelFormat: reader.info.pixelFormat)
                                 : try VideoContainer.forPath(output)
        let atomic = AtomicFile(output)
        let direct = toStdout || container.isImageSequence   // written in place, no temporary name
        if !direct { try ImageJob.checkOutput(output, overwrite: overwrite) } else if !toStdout { try atomic.checkWritable() }
        let writer = try VideoWriter(path: toStdout ? "pipe:1" : container.isImageSequence ? output : atomic.temporaryPath, container: container,
                                     width: reader.info.width, height: reader.info.height, frameRate: reader.info.frameRate,
                                     timeBase: reader.timeBase, audioFrom: reader, options: options, displayPath: output)
        let total = video.maxFrames.map { min($0, reader.info.frameCount ?? $0) } ?? reader.info.frameCount
        let decoded = BoundedQueue<Item>(capacity: 2), dreamed = BoundedQueue<Item>(capacity: 2)
        let failure = FirstError()
        let group = DispatchGroup()
        let start = Date()
        nonisolated(unsafe) let unsafeReader = reader, unsafeWriter = writer

        DispatchQueue(label: "deepdream.decode").async(group: group) {
            defer { decoded.close() }
            var frames = 0
            do {
                while !stop.isSet, !failure.isSet, let item = try unsafeReader.next() {
                    switch item {
                    case .frame(let f):
                        if let max = video.maxFrames, frames >= max { return }
                        frames += 1
                        guard decoded.push(.frame(Image(f.image), pts: f.pts, index: f.index)) else { return }
                    case .audio(let p):
                        decoded.push(.audio(p), cost: 0)
                    }
                }
            } catch { failure.record(error) }
        }

        let written = Counter()
        DispatchQueue(label: "deepdream.encode").async(group: group) {
            do {
                while let item = dreamed.pop() {
                    switch item {
                    case .frame(let image, let pts, _):
                        try unsafeWriter.write(RGBImage(image), pts: pts)
                        written.add()
                    case .audio(let p):
                        try unsafeWriter.write(audio: p)
                    }
                }
                if !failure.isSet { try unsafeWriter.finish() }
            } catch {
                failure.record(error)
                decoded.close()
                dreamed.close()
            }
        }

        // The dream stage, on this thread.
        let dreamer = Dreamer(network: network)
        var seeder = FrameSeeder(dream: dream, video: video)
        var done = 0
        do {
            while let item = decoded.pop() {
                guard !failure.isSet else { break }
                guard case .frame(let raw, let pts, let index) = item else { dreamed.push(item, cost: 0); continue }
                let result = try seeder.next(raw, index: index, dreamer: dreamer) { p in
                    progress?(VideoProgress(frame: done, total: total, dream: p, elapsed: Date().timeIntervalSince(start)))
                }
                done += 1
                progress?(VideoProgress(frame: done, total: total, dream: nil, elapsed: Date().timeIntervalSince(start)))
                guard dreamed.push(.frame(result, pts: pts, index: index)) else { break }
            }
        } catch { failure.record(error) }
        decoded.close()
        dreamed.close()
        group.wait()

        if let error = failure.error {
            if !direct { atomic.discard() }
            throw error
        }
        if written.value == 0 {
            if !direct { atomic.discard() }
            throw MediaError(input, "no video frame could be decoded")
        }
        if !direct { try atomic.commit() }
        let short = video.maxFrames == nil && !stop.isSet && (reader.info.frameCount ?? 0) > written.value + 2
        return Summary(frames: written.value, stopped: stop.isSet, truncated: reader.truncated || short,
                       expected: reader.info.frameCount, notes: writer.notes)
    }
}

/// Where standard input's format cannot be probed (raw video), its demuxer and options.
public struct StreamSource: Sendable {
    public var format: String?
    public var options: [String: String] = [:]
    public init(format: String? = nil, options: [String: String] = [:]) {
        self.format = format
        self.options = options
    }
}

/// The first error any stage hit; the others stop when they see it.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?   // guarded by lock
    var error: Error? { lock.lock(); defer { lock.unlock() }; return first }
    var isSet: Bool { error != nil }
    func record(_ e: Error) { lock.lock(); if first == nil { first = e }; lock.unlock() }
}

/// A count one stage writes and another reads after the stages have joined.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0   // guarded by lock
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func add() { lock.lock(); count += 1; lock.unlock() }
}

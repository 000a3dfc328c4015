import Dispatch
import Dream
import FFmpegBridge
import Foundation

/// A picture on its way through the pipeline, with its timestamp (the writer's time base) and its place.
struct StreamFrame {
    var image: Image
    var pts: Int64
    var index: Int
    /// False for a part's warm-up frames: dreamed, not written.
    var write = true
    /// Starts a new group of pictures (where a part of a segmented render is cut).
    var key = false
}

enum StreamItem {
    case frame(StreamFrame)
    case audio(Packet)
}

/// Frames from a source, through one dream stage, to a writer: the pipeline `video`, `zoom` and `pipe`
/// share. The stage is called once per frame, in order, on the calling thread, and is not called again
/// once `stop` is set: the frame in flight is finished and written, no queued frame is dreamed.
///
/// `overlapped` (files): the source runs on `deepdream.decode` and the writer on `deepdream.encode`,
/// joined to the stage by bounded queues of two frames (audio rides free), so decoding and encoding
/// overlap the dreaming and memory stays flat. In step (`pipe`): all on the calling thread, so frame N
/// is written and flushed before frame N+1 is read.
enum FramePipeline {
    /// The frames written.
    static func run(overlapped: Bool, source: @escaping () throws -> StreamItem?, writer: VideoWriter, stop: StopFlag,
                    stage: (StreamFrame) throws -> Image) throws -> Int {
        overlapped ? try runOverlapped(source: source, writer: writer, stop: stop, stage: stage)
                   : try runInStep(source: source, writer: writer, stop: stop, stage: stage)
    }

    private static func runInStep(source: () throws -> StreamItem?, writer: VideoWriter, stop: StopFlag,
                                  stage: (StreamFrame) throws -> Image) throws -> Int {
        var written = 0
        while !stop.isSet, let item = try source() {
            switch item {
            case .frame(let frame):
                let image = try stage(frame)
                guard frame.write else { continue }
                try writer.write(RGBImage(image), pts: frame.pts, key: frame.key)
                written += 1
            case .audio(let packet):
                try writer.write(audio: packet)
            }
        }
        try writer.finish()
        return written
    }

    private static func runOverlapped(source: @escaping () throws -> StreamItem?, writer: VideoWriter, stop: StopFlag,
                                      stage: (StreamFrame) throws -> Image) throws -> Int {
        let decoded = BoundedQueue<StreamItem>(capacity: 2), dreamed = BoundedQueue<StreamItem>(capacity: 2)
        let failure = FirstError(), written = Counter(), group = DispatchGroup()
        // Each is used by one queue only: the source on decode, the writer on encode.
        nonisolated(unsafe) let source = source, writer = writer

        DispatchQueue(label: "deepdream.decode").async(group: group) {
            defer { decoded.close() }
            do {
                while !stop.isSet, !failure.isSet, let item = try source() {
                    if case .audio = item { decoded.push(item, cost: 0) } else if !decoded.push(item) { return }
                }
            } catch { failure.record(error) }
        }

        DispatchQueue(label: "deepdream.encode").async(group: group) {
            do {
                while let item = dreamed.pop() {
                    switch item {
                    case .frame(let frame):
                        guard frame.write else { continue }
                        try writer.write(RGBImage(frame.image), pts: frame.pts, key: frame.key)
                        written.add()
                    case .audio(let packet):
                        try writer.write(audio: packet)
                    }
                }
                if !failure.isSet { try writer.finish() }
            } catch {
                failure.record(error)
                decoded.close()
                dreamed.close()
            }
        }

        do {
            while !stop.isSet, !failure.isSet, let item = decoded.pop() {
                guard case .frame(var frame) = item else { dreamed.push(item, cost: 0); continue }
                frame.image = try stage(frame)
                guard dreamed.push(.frame(frame)) else { break }
            }
        } catch { failure.record(error) }
        decoded.close()
        dreamed.close()
        group.wait()
        if let error = failure.error { throw error }
        return written.value
    }
}

/// Where a job's video goes: a file is written under a temporary name and renamed when complete;
/// standard output and image sequences are written in place.
struct VideoDestination {
    /// What the writer opens.
    let writerPath: String
    private let atomic: AtomicFile?

    init(output: String, container: VideoContainer, overwrite: Bool) throws(MediaError) {
        if output == "-" {
            (writerPath, atomic) = ("pipe:1", nil)
        } else if container.isImageSequence {
            try AtomicFile(output).checkWritable()
            (writerPath, atomic) = (output, nil)
        } else {
            try ImageJob.checkOutput(output, overwrite: overwrite)
            let file = AtomicFile(output)
            (writerPath, atomic) = (file.temporaryPath, file)
        }
    }

    /// The output's folder is still there and writable: one that vanished mid-render ends it before
    /// another frame is dreamed, not at the end.
    func checkFolder() throws(MediaError) {
        if writerPath != "pipe:1" { try AtomicFile(atomic?.path ?? writerPath).checkWritable() }
    }

    func commit() throws(MediaError) { try atomic?.commit() }
    func discard() { atomic?.discard() }
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

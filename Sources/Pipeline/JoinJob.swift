import FFmpegBridge
import Foundation

/// The parts of a segmented render (`video --segment K/N`) put together into one file: each part's
/// packets copied as they are, only the crossfades between parts encoded (with the parts' own encoder
/// settings, so the stream stays one), and the input's sound put back once, as a whole render has it.
public enum JoinJob {
    public struct Summary: Sendable {
        public var frames: Int
        public var parts: Int
        /// Frames encoded anew: the crossfades.
        public var crossfaded: Int
        public var notes: [String]
    }

    /// How much finer (in CRF steps) the crossfades are encoded than the parts.
    static let crossfadeQuality = 8

    /// `input`: where the sound comes from (default: the input the parts name). `audio`: false leaves it out.
    public static func run(parts paths: [String], output: String, input: String? = nil, audio: Bool = true,
                           overwrite: Bool) throws -> Summary {
        let parts = try paths.map(Part.init).sorted { $0.tags.segment.index < $1.tags.segment.index }
        try check(parts)
        let first = parts[0]
        let container = try VideoContainer.forPath(output)
        if container.isImageSequence { throw MediaError(output, "a join writes a video file (.mp4, .mov, .mkv, .webm)") }
        try ImageJob.checkOutput(output, overwrite: overwrite)

        let sound = audio ? try soundSource(input ?? first.tags.input, digest: first.tags.inputDigest, named: input != nil) : nil
        // The crossfades are a second generation of their frames: a finer quality keeps them as close to
        // their sources as the parts' own frames are (the stream headers do not change with it).
        // A default, not a setting: an encoder without one (FFV1) ignores it.
        var encoder = first.encoder
        let crossfadeContainer = container.withDefaultCRF(encoder.crf.map { max(0, $0 - crossfadeQuality) })
        encoder.crf = nil
        let file = AtomicFile(output)
        do {
            let writer = try VideoWriter(path: file.temporaryPath, container: crossfadeContainer, width: first.width, height: first.height,
                                         frameRate: first.frameRate, timeBase: first.tags.timeBase, audioFrom: sound?.packets,
                                         options: encoder, displayPath: output, splicing: first.extradata)
            guard ParameterSets.of(writer.encoderExtradata) == ParameterSets.of(first.extradata) else {
                throw MediaError(first.path, "its encoding cannot be matched for the crossfades (its stream headers differ from what \(first.encoder.codec ?? "the encoder") makes here; another FFmpeg?)")
            }
            var frames = 0, crossfaded = 0
            var tail: [VideoFrame] = []
            for part in parts {
                let lead = part.tags.range.lead
                let (leadFrames, nextTail) = try part.frames(lead: lead, tail: part.tags.range.tail)
                for (i, (a, b)) in zip(tail, leadFrames).enumerated() {
                    let pts = rescale(b.pts, from: part.timeBase, to: first.tags.timeBase)
                    try writer.write(Crossfade.blend(a.image, b.image, Crossfade.weight(i, of: lead)), pts: pts, key: i == 0)
                    crossfaded += 1
                }
                if lead > 0 { try writer.restartEncoder() }
                frames += try part.copy(from: lead, to: part.count - part.tags.range.tail, into: writer) { try sound?.feed(upTo: $0, writer) }
                tail = nextTail
            }
            try sound?.feed(upTo: .infinity, writer)
            try writer.finish()
            try file.commit()
            return Summary(frames: frames + crossfaded, parts: parts.count, crossfaded: crossfaded, notes: writer.notes)
        } catch {
            file.discard()
            throw error
        }
    }

    static func rescale(_ t: Int64, from a: (num: Int32, den: Int32), to b: (num: Int32, den: Int32)) -> Int64 {
        let seconds = Double(t) * Double(a.num) / Double(a.den)
        return Int64((seconds * Double(b.den) / Double(b.num)).rounded())
    }

    /// The parts are one render's, all there, once each, and end to end.
    static func check(_ parts: [Part]) throws(MediaError) {
        guard let first = parts.first else { throw MediaError("join", "no parts given") }
        let n = first.tags.segment.count
        for part in parts {
            let other = part.tags
            if other.segment.count != n {
                throw MediaError(part.path, "is part \(other.segment) but \(first.path) is part \(first.tags.segment): parts of different splits")
            }
            if other.render != first.tags.render {
                throw MediaError(part.path, "was rendered from another input or with other settings than \(first.path)")
            }
            if other.segment.overlap != first.tags.segment.overlap || other.segment.warmup != first.tags.segment.warmup {
                throw MediaError(part.path, "has another --warmup or --overlap than \(first.path)")
            }
            if part.count != other.range.end - other.range.writeFrom {
                throw MediaError(part.path, "holds \(part.count) frames where part \(other.segment) has \(other.range.end - other.range.writeFrom): damaged or cut short; render it again")
            }
        }
        var byIndex: [Int: Part] = [:]
        for part in parts {
            if let twin = byIndex[part.tags.segment.index] {
                throw MediaError(part.path, "is part \(part.tags.segment), as is \(twin.path): give each part once")
            }
            byIndex[part.tags.segment.index] = part
        }
        let missing = (1...n).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            throw MediaError("join", "part\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) missing: render \(missing.count == 1 ? "it" : "them") with --segment, then join all \(n)")
        }
        var end = 0
        for k in 1...n {
            let part = byIndex[k]!
            if part.tags.range.start != end {
                throw MediaError(part.path, "starts at frame \(part.tags.range.start) where part \(k - 1)/\(n) ends at \(end): the parts do not fit together")
            }
            if k > 1, part.tags.range.lead != byIndex[k - 1]!.tags.range.tail {
                throw MediaError(part.path, "leads in with \(part.tags.range.lead) frames where part \(k - 1)/\(n) leaves \(byIndex[k - 1]!.tags.range.tail) to crossfade: the parts do not fit together")
            }
            if part.format != first.format {
                throw MediaError(part.path, "is \(part.format) where \(first.path) is \(first.format)")
            }
            end = part.tags.range.end
        }
    }

    /// The input's sound, checked to be the input the parts were rendered from.
    private static func soundSource(_ path: String, digest: String, named: Bool) throws -> Sound? {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MediaError(path, "the input is not there to take the sound from: name it with --input, or leave the sound out with --no-audio")
        }
        let d = Digest()
        try d.update(file: path)
        if d.hex() != digest {
            throw MediaError(path, named ? "is not the input the parts were rendered from (its digest differs)"
                                         : "has changed since the parts were rendered from it (its digest differs): name the original with --input, or leave the sound out with --no-audio")
        }
        let packets = try MediaPackets(path: path)
        return packets.audioStream == nil ? nil : Sound(packets: packets)
    }
}

/// The input's audio packets, handed to the writer as the video reaches them.
private final class Sound {
    let packets: MediaPackets
    private var pending: Packet?
    private var done = false

    init(packets: MediaPackets) { self.packets = packets }

    func feed(upTo seconds: Double, _ writer: VideoWriter) throws {
        while !done {
            if pending == nil {
                guard let item = try packets.next() else { done = true; return }
                guard case .audio(let p) = item else { continue }
                pending = p
            }
            guard let p = pending, (p.seconds ?? -.infinity) < seconds + 1 else { return }
            try writer.write(audio: p)
            pending = nil
        }
    }
}

/// One part file: its tags, its picture format and its frames.
struct Part {
    let path: String
    let tags: PartTags
    let count: Int
    /// Presentation times of its frames, in order.
    let times: [Int64]
    let width: Int, height: Int
    let frameRate: (num: Int32, den: Int32)
    let timeBase: (num: Int32, den: Int32)
    let format: String
    let extradata: [UInt8]
    let encoder: VideoOutputOptions

    init(_ path: String) throws {
        self.path = path
        let packets = try MediaPackets(path: path)
        guard let tags = PartTags(packets.metadata) else {
            throw MediaError(path, "is not a part of a segmented render (it has no deepdream-part tags): render parts with deepdream video --segment K/N")
        }
        self.tags = tags
        format = packets.videoFormat
        extradata = packets.videoExtradata
        let tb = packets.videoTimeBase
        timeBase = (tb.num, tb.den)
        let reader = try VideoReader(path: path)
        (width, height, frameRate) = (reader.info.width, reader.info.height, reader.info.frameRate)
        var times: [Int64] = []
        while let item = try packets.next() {
            if case .video(let p) = item, let pts = p.pts { times.append(pts) }
        }
        self.times = times.sorted()
        count = times.count
        encoder = tags.encoder
    }

    /// The first `lead` and the last `tail` frames, decoded.
    func frames(lead: Int, tail: Int) throws -> (lead: [VideoFrame], tail: [VideoFrame]) {
        guard lead + tail > 0 else { return ([], []) }
        let reader = try VideoReader(path: path)
        var first: [VideoFrame] = [], last: [VideoFrame] = []
        while let item = try reader.next() {
            guard case .frame(let f) = item else { continue }
            if f.index < lead { first.append(f) } else if f.index >= count - tail { last.append(f) }
        }
        guard first.count == lead, last.count == tail else { throw MediaError(path, "some of its frames do not decode") }
        return (first, last)
    }

    /// Copies the packets of frames [from, to) (one closed group of pictures or more); `reached` is told
    /// each packet's time in seconds first. The frames copied.
    func copy(from: Int, to: Int, into writer: VideoWriter, reached: (Double) throws -> Void) throws -> Int {
        guard from < to else { return 0 }
        let (low, high) = (times[from], times[to - 1])
        let packets = try MediaPackets(path: path)
        var copied = 0
        while let item = try packets.next() {
            guard case .video(let p) = item, let pts = p.pts, pts >= low, pts <= high else { continue }
            try reached(p.seconds ?? 0)
            try writer.write(copied: p)
            copied += 1
        }
        return copied
    }
}

import FFmpegBridge

/// The K-th of N contiguous parts of a video, rendered on its own and joined later (`JoinJob`).
///
/// A part other than the first starts `warmup + overlap` frames before its boundary: the warm-up frames
/// are dreamed with the temporal seeding but not written, so the dream is under way; the `overlap` frames
/// after them are written, and the join crossfades them with the previous part's last `overlap` frames.
/// Dreams started apart do not converge (the same frames warmed up from 4, 8 or 16 frames earlier stay
/// as far from a whole render as from each other), so the crossfade is what hides the seam.
///
/// A boundary is moved to a scene cut near it where there is one: the dream restarts there in a whole
/// render too, so a part that starts at a cut needs neither warm-up nor crossfade and its frames are
/// those of a whole render.
public struct Segment: Sendable, Equatable, CustomStringConvertible {
    /// 1-based.
    public let index: Int
    public let count: Int
    public var warmup: Int
    public var overlap: Int

    public static let defaultWarmup = 8
    public static let defaultOverlap = 8

    public init(index: Int, count: Int, warmup: Int = Segment.defaultWarmup, overlap: Int = Segment.defaultOverlap) {
        self.index = index
        self.count = count
        self.warmup = warmup
        self.overlap = overlap
    }

    /// "K/N", 1 ≤ K ≤ N.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 10_000, k >= 1, k <= n else { return nil }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    public var isFirst: Bool { index == 1 }
    public var isLast: Bool { index == count }

    /// Frame indices (in presentation order) of the part.
    public struct Range: Sendable, Equatable {
        /// The first frame dreamed (the warm-up starts here).
        public let dreamFrom: Int
        /// The first frame written: the crossfade with the previous part starts here.
        public let writeFrom: Int
        /// The part's own frames, [start, end): where the previous part's frames end.
        public let start: Int
        public let end: Int
        /// Frames at the end that the next part's crossfade replaces: 0 for the last part and where the
        /// next part starts at a scene cut.
        public let tail: Int
        /// Frames before `start` written for the crossfade with the previous part.
        public var lead: Int { start - writeFrom }
    }

    /// Where the part lies in a video of `frames` frames. Boundaries fall at equal shares, moved to a
    /// scene cut (`cuts`: frames that start a new scene) within an eighth of a part, else to a keyframe
    /// of the input there, where the input has one.
    public func range(frames: Int, keyframes: [Int] = [], cuts: [Int] = []) throws(SegmentError) -> Range {
        let bounds = Segment.boundaries(frames: frames, parts: count, keyframes: keyframes, cuts: cuts)
        let shortest = zip(bounds.dropFirst(), bounds).map { $0 - $1 }.min() ?? 0
        guard shortest > overlap else {
            throw SegmentError("\(count) parts of \(frames) frames leave \(shortest) frames in the shortest, and each needs more than the \(overlap) frames of --overlap: use fewer parts")
        }
        let start = bounds[index - 1], end = bounds[index]
        let cut = Set(cuts)
        let startsAtCut = !isFirst && cut.contains(start), endsAtCut = !isLast && cut.contains(end)
        let writeFrom = isFirst || startsAtCut ? start : start - overlap
        return Range(dreamFrom: startsAtCut ? start : max(0, writeFrom - warmup), writeFrom: writeFrom, start: start, end: end,
                     tail: isLast || endsAtCut ? 0 : overlap)
    }

    /// The frames around each boundary where a cut or keyframe would be taken instead: a planner need
    /// look for scene cuts only there.
    public static func windows(frames: Int, parts: Int) -> [ClosedRange<Int>] {
        let reach = frames / (8 * parts)
        return (1..<max(parts, 1)).map { i in
            let even = (i * frames + parts / 2) / parts
            return max(0, even - reach)...min(frames - 1, even + reach)
        }
    }

    static func boundaries(frames: Int, parts: Int, keyframes: [Int], cuts: [Int] = []) -> [Int] {
        var bounds = [0]
        for (i, window) in windows(frames: frames, parts: parts).enumerated() {
            let even = ((i + 1) * frames + parts / 2) / parts
            func nearest(_ candidates: [Int]) -> Int? {
                candidates.filter { window.contains($0) && $0 > bounds.last! }.min { abs($0 - even) < abs($1 - even) }
            }
            bounds.append(nearest(cuts) ?? nearest(keyframes) ?? even)
        }
        bounds.append(frames)
        return bounds
    }

    /// The frames of a part, relative to its first written frame, where its encoding starts a new group
    /// of pictures: its own start (after the lead-in) and the start of its tail (the next part's
    /// crossfade), so the join can copy what lies between and re-encode only the crossfades.
    public func cuts(in range: Range) -> Set<Int> {
        var cuts: Set<Int> = [0, range.lead]
        if range.tail > 0 { cuts.insert(range.end - range.tail - range.writeFrom) }
        return cuts
    }
}

public struct SegmentError: Error, CustomStringConvertible {
    public let description: String
    init(_ text: String) { description = text }
}

/// The tags a part carries in its container, so `join` can check the parts belong together.
public struct PartTags: Sendable {
    public var segment: Segment
    public var range: Segment.Range
    /// Digest of the input and of every setting of the render but the output's name.
    public var render: String
    /// The input's absolute path, for the join to take the sound from, and its digest.
    public var input: String
    public var inputDigest: String
    /// How the part was encoded: the join encodes its crossfades the same way, in the same time base
    /// (the input's; H.264 headers carry it, a container may store another).
    public var encoder: VideoOutputOptions
    public var timeBase: (num: Int32, den: Int32)

    static let prefix = "deepdream-"

    var dictionary: [String: String] {
        ["\(PartTags.prefix)part": segment.description,
         "\(PartTags.prefix)frames": "\(range.dreamFrom) \(range.writeFrom) \(range.start) \(range.end) \(range.tail)",
         "\(PartTags.prefix)warmup": String(segment.warmup),
         "\(PartTags.prefix)overlap": String(segment.overlap),
         "\(PartTags.prefix)render": render,
         "\(PartTags.prefix)input": input,
         "\(PartTags.prefix)input-digest": inputDigest,
         "\(PartTags.prefix)codec": encoder.codec ?? "",
         "\(PartTags.prefix)crf": encoder.crf.map(String.init) ?? "",
         "\(PartTags.prefix)pix-fmt": encoder.pixelFormat ?? "",
         "\(PartTags.prefix)time-base": "\(timeBase.num)/\(timeBase.den)"]
    }

    /// nil when the file carries no part tags (not a part of a segmented render).
    public init?(_ tags: [String: String]) {
        func tag(_ name: String) -> String? { tags[PartTags.prefix + name] }
        guard let part = tag("part"), var segment = Segment(part),
              let frames = tag("frames")?.split(separator: " ").compactMap({ Int($0) }), frames.count == 5,
              let warmup = tag("warmup").flatMap({ Int($0) }), let overlap = tag("overlap").flatMap({ Int($0) }),
              let render = tag("render"), let input = tag("input"), let inputDigest = tag("input-digest"),
              let tb = tag("time-base")?.split(separator: "/").compactMap({ Int32($0) }), tb.count == 2, tb[0] > 0, tb[1] > 0
        else { return nil }
        timeBase = (tb[0], tb[1])
        let codec = tag("codec") ?? "", pixFmt = tag("pix-fmt") ?? ""
        encoder = VideoOutputOptions(codec: codec.isEmpty ? nil : codec, crf: tag("crf").flatMap { Int($0) },
                                     pixelFormat: pixFmt.isEmpty ? nil : pixFmt)
        encoder.stitchable = true
        segment.warmup = warmup
        segment.overlap = overlap
        self.segment = segment
        range = Segment.Range(dreamFrom: frames[0], writeFrom: frames[1], start: frames[2], end: frames[3], tail: frames[4])
        self.render = render
        self.input = input
        self.inputDigest = inputDigest
    }

    init(segment: Segment, range: Segment.Range, render: String, input: String, inputDigest: String, encoder: VideoOutputOptions,
         timeBase: (num: Int32, den: Int32)) {
        self.encoder = encoder
        self.timeBase = timeBase
        self.segment = segment
        self.range = range
        self.render = render
        self.input = input
        self.inputDigest = inputDigest
    }
}

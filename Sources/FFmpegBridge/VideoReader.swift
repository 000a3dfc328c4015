import CFFmpeg

/// What a video file holds, as far as the pipeline needs to know.
public struct VideoInfo: Sendable {
    public let width: Int
    public let height: Int
    /// Frames per second as a fraction (29.97 is 30000/1001).
    public let frameRate: (num: Int32, den: Int32)
    /// Frame count from the container, or estimated from the duration; nil when unknown (a live stream).
    public let frameCount: Int?
    /// The decoder's pixel format name (yuv420p, …).
    public let pixelFormat: String?
    public var fps: Double { Double(frameRate.num) / Double(frameRate.den) }
}

/// One decoded picture with its presentation time.
public struct VideoFrame: Sendable {
    public let image: RGBImage
    /// Presentation timestamp in the reader's video time base.
    public let pts: Int64
    public let index: Int
}

/// Reads a file's video frames (upright, RGB) in presentation order, and hands over its audio packets
/// untouched so they can be copied or re-encoded.
public final class VideoReader: AudioSource {
    public enum Item {
        case frame(VideoFrame)
        case audio(Packet)
    }

    let input: InputFile
    public let info: VideoInfo
    public let audioStream: Int32?
    private let frame: UnsafeMutablePointer<AVFrame>
    private var orientation: Orientation?
    private var nextIndex = 0
    private var pendingAudio: [Packet] = []
    private var lastPTS: Int64?

    /// `stallTimeout`: see `InputFile`.
    public init(path: String, format: String? = nil, options: [String: String] = [:], stallTimeout: Double? = nil) throws(MediaError) {
        input = try InputFile(path: path, format: format, options: options, stallTimeout: stallTimeout)
        let ctx = input.format
        let audio = av_find_best_stream(ctx, AVMEDIA_TYPE_AUDIO, -1, input.videoStream, nil, 0)
        audioStream = audio >= 0 ? audio : nil
        let stream = input.stream
        let decoder = input.decoder
        guard decoder.pointee.width > 0, decoder.pointee.height > 0 else {
            throw MediaError(input.path, input.path == "pipe:0"
                ? "the video stream has no picture size: an mp4/mov with its index at the end cannot be read from a pipe; remux it with -movflags +faststart, or send fragmented mp4, mkv or nut"
                : "the video stream has no picture size (damaged header?)")
        }
        var rate = stream.pointee.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.pointee.r_frame_rate }
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 25, den: 1) }
        var count: Int? = stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil
        if count == nil, stream.pointee.duration > 0 {
            count = Int((Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base) * av_q2d(rate)).rounded())
        } else if count == nil, ctx.pointee.duration > 0 {
            count = Int((Double(ctx.pointee.duration) / Double(AV_TIME_BASE) * av_q2d(rate)).rounded())
        }
        // Frames come out upright: report the size as displayed.
        let turned = input.streamOrientation.swapsSides
        orientation = input.streamOrientation
        info = VideoInfo(width: Int(turned ? decoder.pointee.height : decoder.pointee.width),
                         height: Int(turned ? decoder.pointee.width : decoder.pointee.height),
                         frameRate: (rate.num, rate.den), frameCount: count,
                         pixelFormat: av_get_pix_fmt_name(decoder.pointee.pix_fmt).map { String(cString: $0) })
        guard let f = av_frame_alloc() else { preconditionFailure("out of memory") }
        frame = f
        input.onOtherPacket = { [weak self] packet in
            guard let self, let audio = self.audioStream, packet.pointee.stream_index == audio else { return }
            self.pendingAudio.append(Packet(cloning: packet, timeBase: ctx.pointee.streams[Int(audio)]!.pointee.time_base))
        }
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        sws_freeContext(converter)
    }

    public var path: String { input.path }

    /// The video stream's time base (frame timestamps are in it).
    public var timeBase: (num: Int32, den: Int32) { (input.stream.pointee.time_base.num, input.stream.pointee.time_base.den) }

    /// The audio stream's parameters, for the writer.
    public var audioParameters: UnsafeMutablePointer<AVCodecParameters>? {
        audioStream.map { input.format.pointee.streams[Int($0)]!.pointee.codecpar }
    }
    public var audioTimeBase: AVRational? { audioStream.map { input.format.pointee.streams[Int($0)]!.pointee.time_base } }

    /// The next frame or audio packet, in file order; nil at the end. A damaged stream ends early
    /// with an error only when not a single frame could be decoded.
    public func next() throws(MediaError) -> Item? {
        if !pendingAudio.isEmpty { return .audio(pendingAudio.removeFirst()) }
        if let f = pendingFrame { pendingFrame = nil; return .frame(f) }
        let got: Bool
        do { got = try input.decode(into: frame) } catch {
            if nextIndex == 0 { throw error }
            stoppedEarly = true
            got = false   // a damaged or truncated file: keep the frames that decoded
        }
        if got {
            let f = try convert()
            // Audio read while looking for this frame goes first; the frame waits.
            if !pendingAudio.isEmpty { pendingFrame = f; return .audio(pendingAudio.removeFirst()) }
            return .frame(f)
        }
        if !pendingAudio.isEmpty { return .audio(pendingAudio.removeFirst()) }
        return nil
    }

    /// True when decoding stopped at damaged data rather than at the end of the file, or skipped
    /// packets the decoder could not use (a short last frame, a raw size that does not divide the stream).
    public var truncated: Bool { stoppedEarly || input.rejectedPackets > 0 || input.trailingBytes > 0 }
    /// Standard input sent nothing for the stall timeout: the stream ended there.
    public var stalled: Bool { input.stalled }
    private var stoppedEarly = false

    private var pendingFrame: VideoFrame?
    /// The pixel converter, reused from frame to frame.
    private var converter: OpaquePointer?

    private func convert() throws(MediaError) -> VideoFrame {
        defer { av_frame_unref(frame) }
        let image = (orientation ?? input.orientation(of: frame)).apply(try ImageFile.toRGB(frame, path, converter: &converter))
        var pts = frame.pointee.best_effort_timestamp
        if pts == dd_nopts_value() {
            // No timestamp: place the frame one frame duration after the last.
            let step = av_rescale_q(1, av_inv_q(AVRational(num: info.frameRate.num, den: info.frameRate.den)), input.stream.pointee.time_base)
            pts = (lastPTS ?? 0) + (lastPTS == nil ? 0 : max(step, 1))
        }
        lastPTS = pts
        defer { nextIndex += 1 }
        return VideoFrame(image: image, pts: pts, index: nextIndex)
    }
}

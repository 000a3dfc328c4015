import CFFmpeg
import Foundation

/// How to encode: by default everything follows the output's extension.
public struct VideoOutputOptions: Sendable {
    /// Encoder name (libx264, libx265, libvpx-vp9, libaom-av1, mpeg4, ffv1, …).
    public var codec: String?
    /// Constant-quality setting for the codecs that have one (lower is better).
    public var crf: Int?
    /// Pixel format name (yuv420p, yuv444p, …).
    public var pixelFormat: String?
    public var audio = true
    /// Container tags (title, or the part tags of a segment render).
    public var metadata: [String: String] = [:]
    /// Stream headers that do not depend on the quality setting (x264's `stitchable`), so pieces encoded
    /// apart, at other qualities, splice into one stream: the parts of a segmented render and their join.
    public var stitchable = false

    public init(codec: String? = nil, crf: Int? = nil, pixelFormat: String? = nil, audio: Bool = true) {
        self.codec = codec
        self.crf = crf
        self.pixelFormat = pixelFormat
        self.audio = audio
    }
}

/// The container, codec and pixel format an output path implies.
public struct VideoContainer: Sendable, Equatable {
    public let format: String
    public let codec: String
    public let pixelFormat: String
    public let crf: Int?
    public let isImageSequence: Bool

    /// The same, with another quality for the encoders that take one (the others ignore it, as they do
    /// the container's own default).
    public func withDefaultCRF(_ crf: Int?) -> VideoContainer {
        VideoContainer(format: format, codec: codec, pixelFormat: pixelFormat, crf: crf, isImageSequence: isImageSequence)
    }

    public static let extensions = ["mp4", "mov", "mkv", "webm", "png (as a pattern, e.g. out/%06d.png)"]

    public static func forPath(_ path: String) throws(MediaError) -> VideoContainer {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        switch ext {
        case "mp4", "m4v": return VideoContainer(format: "mp4", codec: "libx264", pixelFormat: "yuv420p", crf: 18, isImageSequence: false)
        case "mov": return VideoContainer(format: "mov", codec: "libx264", pixelFormat: "yuv420p", crf: 18, isImageSequence: false)
        case "mkv": return VideoContainer(format: "matroska", codec: "libx264", pixelFormat: "yuv420p", crf: 18, isImageSequence: false)
        case "webm": return VideoContainer(format: "webm", codec: "libvpx-vp9", pixelFormat: "yuv420p", crf: 31, isImageSequence: false)
        case "png" where path.contains("%"):
            return VideoContainer(format: "image2", codec: "png", pixelFormat: "rgb24", crf: nil, isImageSequence: true)
        case "png":
            throw MediaError(path, "a PNG sequence needs a frame-number pattern in its name, e.g. out/%06d.png")
        default:
            throw MediaError(path, "unknown video extension '.\(ext)'; use one of: \(extensions.joined(separator: ", "))")
        }
    }

    /// Stream formats for standard output, by the names people use with ffmpeg's -f.
    public static let streamFormats = ["y4m", "rawvideo", "nut", "matroska", "mpegts", "mp4"]

    /// A stream format by name (for `-o -`). `y4m` and `rawvideo` carry raw pictures: `pixelFormat` is
    /// then the input's, so size, rate and format follow the input.
    public static func named(_ name: String, inputPixelFormat: String? = nil) throws(MediaError) -> VideoContainer {
        let raw = inputPixelFormat.map { y4mFormats.contains($0) ? $0 : "yuv420p" } ?? "yuv420p"
        switch name {
        case "y4m", "yuv4mpegpipe": return VideoContainer(format: "yuv4mpegpipe", codec: "wrapped_avframe", pixelFormat: raw, crf: nil, isImageSequence: false)
        case "rawvideo", "raw": return VideoContainer(format: "rawvideo", codec: "rawvideo", pixelFormat: raw, crf: nil, isImageSequence: false)
        case "nut": return VideoContainer(format: "nut", codec: "ffv1", pixelFormat: "yuv420p", crf: nil, isImageSequence: false)
        case "matroska", "mkv": return VideoContainer(format: "matroska", codec: "libx264", pixelFormat: "yuv420p", crf: 18, isImageSequence: false)
        case "mpegts": return VideoContainer(format: "mpegts", codec: "libx264", pixelFormat: "yuv420p", crf: 18, isImageSequence: false)
        case "mp4": return VideoContainer(format: "mp4", codec: "libx264", pixelFormat: "yuv420p", crf: 18, isImageSequence: false)
        default: throw MediaError("pipe:1", "unknown stream format '\(name)'; use one of: \(streamFormats.joined(separator: ", "))")
        }
    }

    static let y4mFormats = ["yuv420p", "yuv422p", "yuv444p", "gray", "yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv411p"]
}

/// Encodes frames and muxes them with the input's audio (copied when the container takes it,
/// re-encoded when not). Owned by one thread.
public final class VideoWriter {
    public let path: String
    /// What the writer changed and the user should know (odd sizes cropped, audio re-encoded or dropped).
    public private(set) var notes: [String] = []

    private var format: UnsafeMutablePointer<AVFormatContext>
    private var encoder: UnsafeMutablePointer<AVCodecContext>
    private let videoStream: UnsafeMutablePointer<AVStream>
    private let frame: UnsafeMutablePointer<AVFrame>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let cropWidth: Int, cropHeight: Int
    private let frameDuration: Int64          // in the encoder's time base
    /// What opens the encoder again (`restartEncoder`): a spliced stream's pieces share one setting.
    private let makeEncoder: () throws(MediaError) -> UnsafeMutablePointer<AVCodecContext>
    private var audio: AudioTrack?
    private var lastVideoEnd: Double = -.infinity
    private var headerWritten = false
    private var finished = false
    private var sws: OpaquePointer?
    private var swsSource: (Int, Int) = (0, 0)
    private let width: Int, height: Int
    /// Writing to standard output: no seeking, flush every frame.
    private let streaming: Bool

    /// `path` is where bytes go (a temporary name is fine); the container comes from `container`.
    public init(path: String, container: VideoContainer, width: Int, height: Int, frameRate: (num: Int32, den: Int32),
                timeBase: (num: Int32, den: Int32), audioFrom reader: (any AudioSource)?, options: VideoOutputOptions,
                displayPath: String? = nil, splicing extradata: [UInt8]? = nil) throws(MediaError) {
        let shown = displayPath ?? path
        self.path = shown
        streaming = path == "pipe:1" || path == "-"
        let path = streaming ? "pipe:1" : path
        self.width = width
        self.height = height
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&ctx, nil, container.format, path), "setting up the \(container.format) container", shown)
        format = ctx!
        let codecName = options.codec ?? container.codec
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            avformat_free_context(ctx)
            throw MediaError(shown, "this FFmpeg has no encoder named \(codecName)")
        }
        let pixName = options.pixelFormat ?? container.pixelFormat
        let pix = av_get_pix_fmt(pixName)
        guard pix != AV_PIX_FMT_NONE else {
            avformat_free_context(ctx)
            throw MediaError(shown, "unknown pixel format \(pixName)")
        }
        // Chroma subsampled formats need even sizes: drop the odd last column/row and say so.
        var log2w: Int32 = 0, log2h: Int32 = 0
        av_pix_fmt_get_chroma_sub_sample(pix, &log2w, &log2h)
        cropWidth = width & ~((1 << Int(log2w)) - 1)
        cropHeight = height & ~((1 << Int(log2h)) - 1)
        guard cropWidth > 0, cropHeight > 0 else {
            avformat_free_context(ctx)
            throw MediaError(shown, "\(width)×\(height) is too small for \(pixName)")
        }
        if cropWidth != width || cropHeight != height {
            notes.append("\(pixName) needs even sizes: cropped \(width)×\(height) to \(cropWidth)×\(cropHeight) (--pix-fmt yuv444p keeps every pixel)")
        }
        let globalHeader = format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0
        let (cropW, cropH, streaming) = (cropWidth, cropHeight, streaming)
        makeEncoder = { () throws(MediaError) -> UnsafeMutablePointer<AVCodecContext> in
            try VideoWriter.openEncoder(codec, name: codecName, width: cropW, height: cropH, pix: pix, frameRate: frameRate,
                                        timeBase: timeBase, globalHeader: globalHeader, crf: options.crf ?? container.crf,
                                        crfGiven: options.crf != nil, stitchable: options.stitchable, streaming: streaming, path: shown)
        }
        let enc: UnsafeMutablePointer<AVCodecContext>
        do throws(MediaError) { enc = try makeEncoder() } catch {
            avformat_free_context(ctx)
            throw error
        }
        encoder = enc
        frameDuration = max(1, av_rescale_q(1, av_inv_q(enc.pointee.framerate), enc.pointee.time_base))
        guard let stream = avformat_new_stream(format, nil), let f = av_frame_alloc(), let p = av_packet_alloc() else {
            preconditionFailure("out of memory")
        }
        videoStream = stream
        frame = f
        packet = p
        do throws(MediaError) {
            try check(avcodec_parameters_from_context(stream.pointee.codecpar, enc), "copying encoder parameters", shown)
            if let extradata { try splice(extradata, stream: stream) }
            stream.pointee.time_base = enc.pointee.time_base
            stream.pointee.avg_frame_rate = enc.pointee.framerate
            frame.pointee.width = enc.pointee.width
            frame.pointee.height = enc.pointee.height
            frame.pointee.format = pix.rawValue
            try check(av_frame_get_buffer(frame, 0), "allocating a frame", shown)
            if let reader, reader.audioStream != nil {
                if !options.audio {
                    // dropped on request
                } else if container.isImageSequence || container.format == "yuv4mpegpipe" || container.format == "rawvideo" {
                    notes.append("audio dropped: \(container.isImageSequence ? "an image sequence" : container.format) carries no sound")
                } else {
                    audio = try AudioTrack(reader: reader, format: format, path: shown)
                    if let note = audio?.note { notes.append(note) }
                }
            }
            for (key, value) in options.metadata { av_dict_set(&format.pointee.metadata, key, value, 0) }
            if format.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
                try check(avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE), "creating the file", shown)
            }
            var muxOpts: OpaquePointer?
            if container.format == "mp4" || container.format == "mov" {
                // A pipe cannot seek back to write the index: fragment instead.
                // MP4 keeps only its own few tags unless told to write them all.
                let tags = options.metadata.isEmpty ? "" : "+use_metadata_tags"
                av_dict_set(&muxOpts, "movflags", (streaming ? "frag_keyframe+empty_moov+default_base_moof" : "+faststart") + tags, 0)
                // The edit list that places a part's first frame late is in the movie's time scale: the
                // stream's own keeps it exact (the default, 1000, moves a part of a 1/12288 stream by 8 ticks).
                if enc.pointee.time_base.num == 1 { av_dict_set(&muxOpts, "movie_timescale", String(enc.pointee.time_base.den), 0) }
            }
            if streaming { format.pointee.flags |= AVFMT_FLAG_FLUSH_PACKETS }
            let written = avformat_write_header(format, &muxOpts)
            av_dict_free(&muxOpts)
            try check(written, "writing the \(container.format) header", shown)
            headerWritten = true
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// An encoder opened with the writer's settings. x264 makes a frame marked I an IDR, so a part of a
    /// segmented render can be cut there and spliced.
    private static func openEncoder(_ codec: UnsafePointer<AVCodec>, name: String, width: Int, height: Int, pix: AVPixelFormat,
                                    frameRate: (num: Int32, den: Int32), timeBase: (num: Int32, den: Int32), globalHeader: Bool,
                                    crf: Int?, crfGiven: Bool, stitchable: Bool, streaming: Bool, path: String) throws(MediaError) -> UnsafeMutablePointer<AVCodecContext> {
        guard let enc = avcodec_alloc_context3(codec) else { preconditionFailure("out of memory") }
        enc.pointee.width = Int32(width)
        enc.pointee.height = Int32(height)
        enc.pointee.pix_fmt = pix
        enc.pointee.time_base = AVRational(num: timeBase.num, den: timeBase.den)
        enc.pointee.framerate = AVRational(num: frameRate.num, den: frameRate.den)
        enc.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        let pixName = String(cString: av_get_pix_fmt_name(pix))
        if pixName.hasPrefix("yuv") {
            enc.pointee.colorspace = AVCOL_SPC_SMPTE170M   // swscale's RGB→YUV matrix (BT.601)
            enc.pointee.color_range = AVCOL_RANGE_MPEG
        }
        if globalHeader { enc.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        var opts: OpaquePointer?
        if let crf { av_dict_set(&opts, "crf", String(crf), 0) }
        if name == "libx264" { av_dict_set(&opts, "forced-idr", "1", 0) }
        if name == "libx264" && stitchable { av_dict_set(&opts, "x264-params", "stitchable=1", 0) }
        if name == "libvpx-vp9" { av_dict_set(&opts, "b", "0", 0); av_dict_set(&opts, "row-mt", "1", 0) }
        if name == "libx265" { av_dict_set(&opts, "x265-params", "log-level=error", 0) }
        // On a pipe, each frame goes out as soon as it is dreamed.
        if streaming && (name == "libx264" || name == "libx265") { av_dict_set(&opts, "tune", "zerolatency", 0) }
        let opened = avcodec_open2(enc, codec, &opts)
        // An encoder leaves the options it does not take in `opts`: a --crf the user gave must not vanish there.
        let crfIgnored = crfGiven && av_dict_get(opts, "crf", nil, 0) != nil
        av_dict_free(&opts)
        var allocated: UnsafeMutablePointer<AVCodecContext>? = enc
        if opened < 0 { avcodec_free_context(&allocated) }
        try check(opened, "opening the \(name) encoder with \(pixName)", path)
        if crfIgnored {
            avcodec_free_context(&allocated)
            throw MediaError(path, "the \(name) encoder takes no --crf (constant quality): leave it out")
        }
        return enc
    }

    /// The stream takes the extradata of the files whose packets are copied into it. Where that holds
    /// H.264 parameter sets as an `avcC` record, copied packets are length-prefixed, so what the encoder
    /// makes (Annex B) is rewritten that way too.
    private func splice(_ extradata: [UInt8], stream: UnsafeMutablePointer<AVStream>) throws(MediaError) {
        let par = stream.pointee.codecpar!
        let encoded = Array(UnsafeBufferPointer(start: par.pointee.extradata, count: Int(par.pointee.extradata_size)))
        lengthPrefixed = extradata.first == 1 && (encoded.starts(with: [0, 0, 1]) || encoded.starts(with: [0, 0, 0, 1]))
        av_freep(&par.pointee.extradata)
        guard let buffer = av_mallocz(extradata.count + Int(AV_INPUT_BUFFER_PADDING_SIZE))?.assumingMemoryBound(to: UInt8.self) else {
            preconditionFailure("out of memory")
        }
        buffer.update(from: extradata, count: extradata.count)
        par.pointee.extradata = buffer
        par.pointee.extradata_size = Int32(extradata.count)
    }

    /// Encoded packets go out with 4-byte NAL lengths instead of start codes (see `splice`).
    private var lengthPrefixed = false

    private func toLengthPrefixed(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaError) {
        let units = ParameterSets.annexB(Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))))
        var bytes: [UInt8] = []
        for unit in units {
            let n = UInt32(unit.count)
            bytes += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + unit
        }
        guard let out = av_packet_alloc() else { preconditionFailure("out of memory") }
        var owned: UnsafeMutablePointer<AVPacket>? = out
        defer { av_packet_free(&owned) }
        try check(av_new_packet(out, Int32(bytes.count)), "rewriting a packet", path)
        out.pointee.data.update(from: bytes, count: bytes.count)
        try check(av_packet_copy_props(out, packet), "rewriting a packet", path)
        av_packet_unref(packet)
        av_packet_move_ref(packet, out)
    }

    /// The encoder's extradata (H.264's SPS and PPS): what it makes splices into a stream that has the same.
    public var encoderExtradata: [UInt8] {
        guard let data = encoder.pointee.extradata, encoder.pointee.extradata_size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(encoder.pointee.extradata_size)))
    }

    /// Ends the encoder's run (every frame given is written) and opens a new one with the same settings:
    /// the next frame starts a new closed group of pictures.
    public func restartEncoder() throws(MediaError) {
        try encode(nil)
        var e: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&e)
        encoder = try makeEncoder()
    }

    /// Writes an encoded video packet of another file with the same stream settings, as it is.
    public func write(copied p: Packet) throws(MediaError) {
        precondition(!finished, "writer already finished")
        let packet = p.packet
        if packet.pointee.duration <= 0 { packet.pointee.duration = av_rescale_q(frameDuration, encoder.pointee.time_base, p.timeBase) }
        av_packet_rescale_ts(packet, p.timeBase, videoStream.pointee.time_base)
        packet.pointee.stream_index = videoStream.pointee.index
        packet.pointee.pos = -1
        let end = Double(packet.pointee.pts + packet.pointee.duration) * av_q2d(videoStream.pointee.time_base)
        try check(av_interleaved_write_frame(format, packet), "writing video", path)
        lastVideoEnd = max(lastVideoEnd, end)
        try audio?.flush(upTo: lastVideoEnd, into: format)
    }

    private var closed = false

    private func close() {
        guard !closed else { return }
        closed = true
        if let sws { sws_freeContext(sws); self.sws = nil }
        audio = nil
        if format.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0, format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var e: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&e)
        avformat_free_context(format)
        finished = true
    }

    /// Encodes one picture shown at `pts` (in the time base given at init).
    /// `key`: start a new group of pictures here (an IDR for H.264), where a segmented render is cut.
    public func write(_ image: RGBImage, pts: Int64, key: Bool = false) throws(MediaError) {
        precondition(!finished, "writer already finished")
        try check(av_frame_make_writable(frame), "preparing a frame", path)
        try convert(image)
        frame.pointee.pts = pts
        frame.pointee.pict_type = key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        try encode(frame)
        lastVideoEnd = Double(pts + frameDuration) * av_q2d(encoder.pointee.time_base)
        try audio?.flush(upTo: lastVideoEnd, into: format)
        if streaming, let pb = format.pointee.pb {
            avio_flush(pb)
            if pb.pointee.error < 0 { try check(pb.pointee.error, "writing", path) }
        }
    }

    /// Queues an audio packet of the input; it is written once the video has caught up with it.
    public func write(audio packet: Packet) throws(MediaError) {
        try audio?.add(packet, videoEnd: lastVideoEnd, into: format)
    }

    /// Drains the encoder, writes the audio that belongs to the frames written, and closes the file.
    public func finish() throws(MediaError) {
        guard !finished else { return }
        defer { close() }
        try encode(nil)
        try audio?.finish(videoEnd: lastVideoEnd, into: format)
        if let audio, audio.damaged > 0 {
            notes.append("audio: \(audio.damaged) damaged packet\(audio.damaged == 1 ? "" : "s") left out")
        }
        try check(av_write_trailer(format), "finishing the file", path)
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) {
        try check(avcodec_send_frame(encoder, frame), "encoding", path)
        while true {
            let r = avcodec_receive_packet(encoder, packet)
            if r == dd_averror_eagain() || r == dd_averror_eof() { return }
            try check(r, "encoding", path)
            if packet.pointee.duration <= 0 { packet.pointee.duration = frameDuration }   // else MP4 guesses the last frame's
            if lengthPrefixed { try toLengthPrefixed(packet) }
            av_packet_rescale_ts(packet, encoder.pointee.time_base, videoStream.pointee.time_base)
            packet.pointee.stream_index = videoStream.pointee.index
            try check(av_interleaved_write_frame(format, packet), "writing video", path)
        }
    }

    /// RGB to the encoder's format. A frame of the stream's size is cropped to the encoder's (odd sizes);
    /// a frame of another size (a mid-stream resolution change) is scaled to it.
    private func convert(_ image: RGBImage) throws(MediaError) {
        let w = Int32(cropWidth), h = Int32(cropHeight)
        let sameSize = image.width == width && image.height == height
        let (srcW, srcH) = sameSize ? (Int32(cropWidth), Int32(cropHeight)) : (Int32(image.width), Int32(image.height))
        if sws == nil || swsSource != (Int(srcW), Int(srcH)) {
            if let sws { sws_freeContext(sws) }
            sws = sws_getContext(srcW, srcH, AV_PIX_FMT_RGB24, w, h, AVPixelFormat(frame.pointee.format),
                                 Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP), nil, nil, nil)
            swsSource = (Int(srcW), Int(srcH))
            guard sws != nil else { throw MediaError(path, "cannot convert RGB to the encoder's pixel format") }
        }
        image.bytes.withUnsafeBufferPointer { src in
            var planes: [UnsafePointer<UInt8>?] = [src.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(image.width * 3), 0, 0, 0]
            withUnsafeMutablePointer(to: &frame.pointee.data) { dstData in
                withUnsafeMutablePointer(to: &frame.pointee.linesize) { dstLines in
                    dstData.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                        dstLines.withMemoryRebound(to: Int32.self, capacity: 8) { lines in
                            _ = sws_scale(sws, &planes, &strides, 0, srcH, dst, lines)
                        }
                    }
                }
            }
        }
    }
}

import CFFmpeg
import Foundation

/// An opened media file (owns its AVFormatContext) and the decoder of its best video stream.
final class InputFile {
    let path: String
    private(set) var format: UnsafeMutablePointer<AVFormatContext>
    let videoStream: Int32
    private(set) var decoder: UnsafeMutablePointer<AVCodecContext>
    private let packet: UnsafeMutablePointer<AVPacket>
    private var draining = false
    /// Packets the decoder rejected (damaged data, or a short last frame of raw video).
    private(set) var rejectedPackets = 0
    /// Bytes after the last whole YUV4MPEG2 frame (its demuxer drops a short last frame without a word).
    private(set) var trailingBytes: Int64 = 0
    private var lastPacketEnd: Int64 = 0

    private var demuxerName: String { String(cString: format.pointee.iformat.pointee.name) }
    /// Called with every packet that is not of the video stream (audio, for the writer to copy).
    var onOtherPacket: ((UnsafeMutablePointer<AVPacket>) -> Void)?

    /// Standard input sent nothing for `stallTimeout` seconds: reading ended there.
    private(set) var stalled = false
    private let stallTimeout: Double?
    /// Standard input's file status flags before O_NONBLOCK was added (restored at the end).
    private var stdinFlags: Int32?

    /// `path` may be `-` for standard input; `format` names the demuxer where probing cannot tell
    /// (rawvideo), with its options (video_size, pixel_format, framerate). `stallTimeout` (standard input
    /// only): end the stream when no byte comes for that many seconds; nil waits for ever.
    init(path: String, format formatName: String? = nil, options: [String: String] = [:], stallTimeout: Double? = nil) throws(MediaError) {
        self.path = path == "-" ? "pipe:0" : path
        let path = self.path
        self.stallTimeout = stallTimeout
        var options = options
        var savedFlags: Int32?
        func restore() { if let savedFlags { _ = fcntl(STDIN_FILENO, F_SETFL, savedFlags) } }
        if let stallTimeout, path == "pipe:0" {
            // FFmpeg's pipe reader blocks in read(2) for ever. Non-blocking, it retries every millisecond
            // and gives up with EIO after rw_timeout. Only for a pipe or socket: a terminal's flags outlive us.
            var st = stat()
            if fstat(STDIN_FILENO, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO || (st.st_mode & S_IFMT) == S_IFSOCK {
                let flags = fcntl(STDIN_FILENO, F_GETFL)
                if flags >= 0, fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) == 0 { savedFlags = flags }
            }
            options["rw_timeout"] = String(Int64(stallTimeout * 1e6))
        }
        var opening: UnsafeMutablePointer<AVFormatContext>?
        var demuxer: UnsafePointer<AVInputFormat>?
        if let formatName {
            guard let found = av_find_input_format(formatName) else { throw MediaError(path, "unknown input format \(formatName)") }
            demuxer = found
        }
        var dict: OpaquePointer?
        for (k, v) in options { av_dict_set(&dict, k, v, 0) }
        let opened = avformat_open_input(&opening, path, demuxer, &dict)
        av_dict_free(&dict)
        guard opened >= 0, let ctx = opening else {
            restore()
            if opened == -ENOENT { throw MediaError(path, "no such file") }
            if opened == -EIO, let stallTimeout { throw MediaError(path, "nothing came for \(stallTimeout.formatted()) s (--input-timeout)") }
            if (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 { throw MediaError(path, "empty file") }
            throw MediaError(path, "cannot open: \(averrorText(opened))")
        }
        format = ctx
        var allocated: UnsafeMutablePointer<AVCodecContext>?
        do throws(MediaError) {
            try check(avformat_find_stream_info(ctx, nil), "reading stream info", path)
            let index = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
            guard index >= 0 else { throw MediaError(path, "no video or image stream in this file") }
            videoStream = index
            let parameters = ctx.pointee.streams[Int(index)]!.pointee.codecpar!
            guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
                throw MediaError(path, "no decoder for codec \(String(cString: avcodec_get_name(parameters.pointee.codec_id)))")
            }
            guard let decoder = avcodec_alloc_context3(codec) else { preconditionFailure("out of memory") }
            allocated = decoder
            self.decoder = decoder
            try check(avcodec_parameters_to_context(decoder, parameters), "copying codec parameters", path)
            try check(avcodec_open2(decoder, codec, nil), "opening the \(String(cString: codec.pointee.name)) decoder", path)
        } catch {
            avcodec_free_context(&allocated)
            avformat_close_input(&opening)
            restore()
            throw error
        }
        guard let packet = av_packet_alloc() else { preconditionFailure("out of memory") }
        self.packet = packet
        stdinFlags = savedFlags
    }

    private func restoreStandardInput() {
        if let stdinFlags { _ = fcntl(STDIN_FILENO, F_SETFL, stdinFlags) }
        stdinFlags = nil
    }

    deinit {
        restoreStandardInput()
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var d: UnsafeMutablePointer<AVCodecContext>? = decoder
        avcodec_free_context(&d)
        var f: UnsafeMutablePointer<AVFormatContext>? = format
        avformat_close_input(&f)
    }

    var stream: UnsafeMutablePointer<AVStream> { format.pointee.streams[Int(videoStream)]! }

    /// Decodes the next video frame into `frame`; false at the end of the stream. Follows FFmpeg's
    /// send/receive loop: packets go in until a frame comes out, then a flush drains the decoder.
    func decode(into frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Bool {
        while true {
            let received = avcodec_receive_frame(decoder, frame)
            if received >= 0 { return true }
            if received == dd_averror_eof() { return false }
            if received != dd_averror_eagain() { try check(received, "decoding", path) }
            if draining { return false }
            let read = av_read_frame(format, packet)
            if read < 0 {
                if path == "pipe:0" && demuxerName.contains("mp4") && read != dd_averror_eof() {
                    throw MediaError(path, "an mp4/mov with its index at the end cannot be read from a pipe; remux it with -movflags +faststart, or send fragmented mp4, mkv or nut")
                }
                if read != dd_averror_eof() && read != -EIO { try check(read, "reading", path) }
                if read == -EIO && stdinFlags != nil { stalled = true }
                if demuxerName == "yuv4mpegpipe", let pb = format.pointee.pb {
                    trailingBytes = max(0, avio_tell(pb) - lastPacketEnd)
                }
                draining = true
                try check(avcodec_send_packet(decoder, nil), "flushing the decoder", path)
                continue
            }
            defer { av_packet_unref(packet) }
            if packet.pointee.pos >= 0 { lastPacketEnd = packet.pointee.pos + Int64(packet.pointee.size) }
            if packet.pointee.stream_index != videoStream { onOtherPacket?(packet); continue }
            let sent = avcodec_send_packet(decoder, packet)
            if sent < 0 && sent != dd_averror_eagain() {
                // A damaged packet: skip it and keep decoding, as players do, but remember it.
                rejectedPackets += 1
                continue
            }
        }
    }

    /// The display orientation from the frame's or the stream's display matrix.
    func orientation(of frame: UnsafeMutablePointer<AVFrame>) -> Orientation {
        if let side = av_frame_get_side_data(frame, AV_FRAME_DATA_DISPLAYMATRIX), side.pointee.size >= 36 {
            return side.pointee.data.withMemoryRebound(to: Int32.self, capacity: 9) { Orientation(displayMatrix: $0) } ?? .upright
        }
        return streamOrientation
    }

    /// The display orientation the stream's header declares (rotated phone videos).
    var streamOrientation: Orientation {
        if let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) {
            return data.withMemoryRebound(to: Int32.self, capacity: 9) { Orientation(displayMatrix: $0) } ?? .upright
        }
        return .upright
    }
}

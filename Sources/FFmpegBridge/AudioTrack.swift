import CFFmpeg

/// A file whose audio stream an output carries (its packets reach the writer one by one).
public protocol AudioSource: AnyObject {
    var audioStream: Int32? { get }
    var audioParameters: UnsafeMutablePointer<AVCodecParameters>? { get }
    var audioTimeBase: AVRational? { get }
}

/// The input's audio in the output: packets copied as they are when the container accepts the codec,
/// otherwise decoded and re-encoded (AAC, or Vorbis for WebM) with the same rate and channel layout.
/// Audio is held back until the video has reached it, and what lies past the last frame is dropped,
/// so sound and picture end together.
final class AudioTrack {
    let note: String?
    /// Packets that did not decode (or that the muxer refused): left out.
    private(set) var damaged = 0
    private var checker: AudioCheck?
    private let path: String
    private let inputTimeBase: AVRational
    private let stream: UnsafeMutablePointer<AVStream>
    private var queue: [Packet] = []
    private var transcoder: AudioTranscoder?

    init(reader: any AudioSource, format: UnsafeMutablePointer<AVFormatContext>, path: String) throws(MediaError) {
        self.path = path
        let parameters = reader.audioParameters!
        inputTimeBase = reader.audioTimeBase!
        guard let stream = avformat_new_stream(format, nil) else { preconditionFailure("out of memory") }
        self.stream = stream
        let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        if avformat_query_codec(format.pointee.oformat, parameters.pointee.codec_id, FF_COMPLIANCE_NORMAL) == 1 {
            try check(avcodec_parameters_copy(stream.pointee.codecpar, parameters), "copying the audio parameters", path)
            stream.pointee.codecpar.pointee.codec_tag = 0
            stream.pointee.time_base = inputTimeBase
            checker = AudioCheck(parameters: parameters)
            note = nil
        } else {
            let target = String(cString: format.pointee.oformat.pointee.name) == "webm" ? "libvorbis" : "aac"
            transcoder = try AudioTranscoder(parameters: parameters, inputTimeBase: inputTimeBase, encoderName: target,
                                             format: format, stream: stream, path: path)
            note = "audio: \(name) cannot go into this container, re-encoded to \(target == "aac" ? "AAC" : "Vorbis")"
        }
    }

    func add(_ packet: Packet, videoEnd: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        queue.append(packet)
        try flush(upTo: videoEnd, into: format)
    }

    /// Writes the queued packets that start before `time` (seconds).
    func flush(upTo time: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        while let first = queue.first, (first.seconds ?? -.infinity) < time {
            queue.removeFirst()
            try write(first, before: time, into: format)
        }
    }

    func finish(videoEnd: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        try flush(upTo: videoEnd, into: format)
        queue.removeAll()   // past the last frame
        try transcoder?.finish(before: videoEnd, into: format)
    }

    private func write(_ p: Packet, before end: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        if let transcoder {
            if try !transcoder.add(p.packet, before: end, into: format) { damaged += 1 }
            return
        }
        // A damaged packet is left out, as a player skips it (the muxer may refuse it too).
        if let checker, !checker.decodes(p.packet) { damaged += 1; return }
        av_packet_rescale_ts(p.packet, inputTimeBase, stream.pointee.time_base)
        p.packet.pointee.stream_index = stream.pointee.index
        p.packet.pointee.pos = -1
        let written = av_interleaved_write_frame(format, p.packet)
        if written == dd_averror_invaliddata() { damaged += 1; return }
        try check(written, "writing audio", path)
    }
}

/// Decode → planar float → FIFO → encode, for audio the output container cannot take as it is.
final class AudioTranscoder {
    private let path: String
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private let stream: UnsafeMutablePointer<AVStream>
    private let fifo: OpaquePointer
    private let decoded: UnsafeMutablePointer<AVFrame>
    private let chunk: UnsafeMutablePointer<AVFrame>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let inputTimeBase: AVRational
    private var nextPTS: Int64?    // in 1/sample_rate
    private let channels: Int

    init(parameters: UnsafeMutablePointer<AVCodecParameters>, inputTimeBase: AVRational, encoderName: String,
         format: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>, path: String) throws(MediaError) {
        self.path = path
        self.stream = stream
        self.inputTimeBase = inputTimeBase
        guard let decoderCodec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw MediaError(path, "no decoder for the input's audio")
        }
        guard let encoderCodec = avcodec_find_encoder_by_name(encoderName) else {
            throw MediaError(path, "this FFmpeg has no \(encoderName) encoder for the audio")
        }
        guard let dec = avcodec_alloc_context3(decoderCodec), let enc = avcodec_alloc_context3(encoderCodec),
              let f1 = av_frame_alloc(), let f2 = av_frame_alloc(), let p = av_packet_alloc() else { preconditionFailure("out of memory") }
        decoder = dec; encoder = enc; decoded = f1; chunk = f2; packet = p
        try check(avcodec_parameters_to_context(dec, parameters), "reading the audio parameters", path)
        try check(avcodec_open2(dec, decoderCodec, nil), "opening the audio decoder", path)
        channels = Int(dec.pointee.ch_layout.nb_channels)
        enc.pointee.sample_rate = dec.pointee.sample_rate
        try check(av_channel_layout_copy(&enc.pointee.ch_layout, &dec.pointee.ch_layout), "copying the channel layout", path)
        enc.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        enc.pointee.bit_rate = Int64(64_000 * max(channels, 2))
        enc.pointee.time_base = AVRational(num: 1, den: dec.pointee.sample_rate)
        if format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 { enc.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        try check(avcodec_open2(enc, encoderCodec, nil), "opening the \(encoderName) encoder", path)
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, enc), "copying the audio encoder parameters", path)
        stream.pointee.time_base = enc.pointee.time_base
        guard let fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, Int32(channels), 1) else { preconditionFailure("out of memory") }
        self.fifo = fifo
    }

    deinit {
        av_audio_fifo_free(fifo)
        var f1: UnsafeMutablePointer<AVFrame>? = decoded, f2: UnsafeMutablePointer<AVFrame>? = chunk
        av_frame_free(&f1); av_frame_free(&f2)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        avcodec_free_context(&decoder)
        avcodec_free_context(&encoder)
    }

    /// False for a damaged packet (skipped).
    func add(_ input: UnsafeMutablePointer<AVPacket>, before end: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) -> Bool {
        if avcodec_send_packet(decoder, input) < 0 { return false }
        return try drainDecoder(before: end, into: format)
    }

    func finish(before end: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        _ = avcodec_send_packet(decoder, nil)
        try drainDecoder(before: end, into: format)
        try encodeFIFO(final: true, before: end, into: format)
        try encode(nil, into: format)
    }

    /// False when the decoder failed on what it was sent.
    @discardableResult
    private func drainDecoder(before end: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) -> Bool {
        while true {
            let r = avcodec_receive_frame(decoder, decoded)
            if r == dd_averror_eagain() || r == dd_averror_eof() { return true }
            if r < 0 { return false }
            defer { av_frame_unref(decoded) }
            if nextPTS == nil {
                let pts = decoded.pointee.best_effort_timestamp == dd_nopts_value() ? 0 : decoded.pointee.best_effort_timestamp
                nextPTS = av_rescale_q(pts, inputTimeBase, encoder!.pointee.time_base)
            }
            let n = Int(decoded.pointee.nb_samples)
            var samples = planarFloats(decoded).flatMap { $0 }   // channel after channel
            samples.withUnsafeMutableBufferPointer { buffer in
                var planes = (0..<channels).map { UnsafeMutableRawPointer(buffer.baseAddress! + $0 * n) as UnsafeMutableRawPointer? }
                _ = av_audio_fifo_write(fifo, &planes, Int32(n))
            }
            try encodeFIFO(final: false, before: end, into: format)
        }
    }

    /// Samples of any packed or planar format as one Float array per channel.
    private func planarFloats(_ f: UnsafeMutablePointer<AVFrame>) -> [[Float]] {
        let n = Int(f.pointee.nb_samples), fmt = AVSampleFormat(f.pointee.format)
        let planar = av_sample_fmt_is_planar(fmt) != 0
        let packed = av_get_packed_sample_fmt(fmt)
        return (0..<channels).map { c in
            let base = f.pointee.extended_data[planar ? c : 0]!
            return (0..<n).map { i -> Float in
                let k = planar ? i : i * channels + c
                switch packed {
                case AV_SAMPLE_FMT_FLT: return base.withMemoryRebound(to: Float.self, capacity: k + 1) { $0[k] }
                case AV_SAMPLE_FMT_DBL: return Float(base.withMemoryRebound(to: Double.self, capacity: k + 1) { $0[k] })
                case AV_SAMPLE_FMT_S16: return Float(base.withMemoryRebound(to: Int16.self, capacity: k + 1) { $0[k] }) / 32768
                case AV_SAMPLE_FMT_S32: return Float(base.withMemoryRebound(to: Int32.self, capacity: k + 1) { $0[k] }) / 2_147_483_648
                case AV_SAMPLE_FMT_U8: return (Float(base[k]) - 128) / 128
                default: return 0
                }
            }
        }
    }

    private func encodeFIFO(final: Bool, before end: Double, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        let size = encoder!.pointee.frame_size > 0 ? encoder!.pointee.frame_size : 1024
        while av_audio_fifo_size(fifo) >= size || (final && av_audio_fifo_size(fifo) > 0) {
            guard let pts = nextPTS, Double(pts) * av_q2d(encoder!.pointee.time_base) < end else {
                // Past the picture so far: kept for when the picture reaches it (dropped, the sound after it would
                // play a chunk early), or, at the end, past the last frame.
                if final { av_audio_fifo_reset(fifo) }
                return
            }
            let n = min(size, av_audio_fifo_size(fifo))
            av_frame_unref(chunk)
            chunk.pointee.nb_samples = n
            chunk.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
            chunk.pointee.sample_rate = encoder!.pointee.sample_rate
            try check(av_channel_layout_copy(&chunk.pointee.ch_layout, &encoder!.pointee.ch_layout), "copying the channel layout", path)
            try check(av_frame_get_buffer(chunk, 0), "allocating audio", path)
            _ = chunk.pointee.extended_data.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: channels) {
                av_audio_fifo_read(fifo, $0, n)
            }
            chunk.pointee.pts = pts
            nextPTS = pts + Int64(n)
            try encode(chunk, into: format)
        }
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?, into format: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        try check(avcodec_send_frame(encoder, frame), "encoding audio", path)
        while true {
            let r = avcodec_receive_packet(encoder, packet)
            if r == dd_averror_eagain() || r == dd_averror_eof() { return }
            try check(r, "encoding audio", path)
            av_packet_rescale_ts(packet, encoder!.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            try check(av_interleaved_write_frame(format, packet), "writing audio", path)
        }
    }
}

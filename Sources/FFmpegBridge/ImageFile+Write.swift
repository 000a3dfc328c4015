import CFFmpeg
import Foundation

extension ImageFile {
    /// Formats `write` picks by extension.
    public static let writableExtensions = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "ppm"]

    /// Encodes `image` in the format its extension (or `format`) names and writes it atomically;
    /// `-` is standard output. `quality` (1…100) applies to JPEG and WebP.
    public static func write(_ image: RGBImage, to path: String, format: String? = nil, quality: Int = 92) throws(MediaError) {
        let ext = format?.lowercased() ?? URL(fileURLWithPath: path).pathExtension.lowercased()
        let (encoderName, pixelFormat): (String, AVPixelFormat)
        switch ext {
        case "png": (encoderName, pixelFormat) = ("png", AV_PIX_FMT_RGB24)
        case "jpg", "jpeg": (encoderName, pixelFormat) = ("mjpeg", AV_PIX_FMT_YUVJ444P)
        case "webp": (encoderName, pixelFormat) = ("libwebp", AV_PIX_FMT_YUV420P)
        case "bmp": (encoderName, pixelFormat) = ("bmp", AV_PIX_FMT_BGR24)
        case "tif", "tiff": (encoderName, pixelFormat) = ("tiff", AV_PIX_FMT_RGB24)
        case "ppm": (encoderName, pixelFormat) = ("ppm", AV_PIX_FMT_RGB24)
        default:
            throw MediaError(path, "unknown image extension '.\(ext)'; use one of: \(writableExtensions.map { "." + $0 }.joined(separator: ", "))")
        }
        if path == "-" {
            try writeToStandardOutput(try encode(image, encoderName, pixelFormat, quality: min(max(quality, 1), 100), "stdout"))
            return
        }
        let file = AtomicFile(path)
        try file.checkWritable()
        let data = try encode(image, encoderName, pixelFormat, quality: min(max(quality, 1), 100), path)
        try file.write(data)
    }

    /// Lossless PNG bytes.
    public static func png(_ image: RGBImage) throws(MediaError) -> Data {
        try encode(image, "png", AV_PIX_FMT_RGB24, quality: 100, "png")
    }

    static func encode(_ image: RGBImage, _ encoderName: String, _ pixelFormat: AVPixelFormat,
                       quality: Int, _ path: String) throws(MediaError) -> Data {
        guard let codec = avcodec_find_encoder_by_name(encoderName) else {
            throw MediaError(path, "this FFmpeg has no \(encoderName) encoder")
        }
        guard let ctx = avcodec_alloc_context3(codec) else { preconditionFailure("out of memory") }
        var owned: UnsafeMutablePointer<AVCodecContext>? = ctx
        defer { avcodec_free_context(&owned) }
        ctx.pointee.width = Int32(image.width)
        ctx.pointee.height = Int32(image.height)
        ctx.pointee.pix_fmt = pixelFormat
        ctx.pointee.time_base = AVRational(num: 1, den: 25)
        switch encoderName {
        case "mjpeg":
            // qscale 1 (best) … 31: map quality 100 → 1, 1 → 31.
            ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
            ctx.pointee.global_quality = Int32(FF_QP2LAMBDA) * Int32(1 + (100 - quality) * 30 / 99)
            ctx.pointee.color_range = AVCOL_RANGE_JPEG
        case "libwebp":
            av_opt_set_double(ctx.pointee.priv_data, "quality", Double(quality), 0)
        default: break
        }
        try check(avcodec_open2(ctx, codec, nil), "opening the \(encoderName) encoder", path)

        guard let frame = av_frame_alloc() else { preconditionFailure("out of memory") }
        var ownedFrame: UnsafeMutablePointer<AVFrame>? = frame
        defer { av_frame_free(&ownedFrame) }
        frame.pointee.width = ctx.pointee.width
        frame.pointee.height = ctx.pointee.height
        frame.pointee.format = pixelFormat.rawValue
        frame.pointee.color_range = ctx.pointee.color_range
        try check(av_frame_get_buffer(frame, 0), "allocating a frame", path)
        try fromRGB(image, into: frame, path)

        guard let packet = av_packet_alloc() else { preconditionFailure("out of memory") }
        var ownedPacket: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&ownedPacket) }
        var data = Data()
        try check(avcodec_send_frame(ctx, frame), "encoding", path)
        try check(avcodec_send_frame(ctx, nil), "flushing the encoder", path)
        while true {
            let r = avcodec_receive_packet(ctx, packet)
            if r == dd_averror_eof() { break }
            try check(r, "encoding", path)
            data.append(packet.pointee.data, count: Int(packet.pointee.size))
            av_packet_unref(packet)
        }
        guard !data.isEmpty else { throw MediaError(path, "the \(encoderName) encoder produced nothing") }
        return data
    }

    /// All of `data` to file descriptor 1; a reader that went away is reported as a broken pipe.
    static func writeToStandardOutput(_ data: Data) throws(MediaError) {
        var failure: Int32 = 0
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                offset += n
            }
        }
        if failure != 0 { throw MediaError("pipe:1", "cannot write: \(String(cString: strerror(failure)))", code: -failure) }
    }

    /// Converts packed RGB into an allocated frame of any pixel format.
    static func fromRGB(_ image: RGBImage, into frame: UnsafeMutablePointer<AVFrame>, _ path: String) throws(MediaError) {
        let w = Int32(image.width), h = Int32(image.height)
        guard let sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AVPixelFormat(frame.pointee.format),
                                       Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP), nil, nil, nil) else {
            throw MediaError(path, "cannot convert RGB to the encoder's pixel format")
        }
        defer { sws_freeContext(sws) }
        image.bytes.withUnsafeBufferPointer { src in
            var planes: [UnsafePointer<UInt8>?] = [src.baseAddress, nil, nil, nil]
            var strides: [Int32] = [w * 3, 0, 0, 0]
            withUnsafeMutablePointer(to: &frame.pointee.data) { dstData in
                withUnsafeMutablePointer(to: &frame.pointee.linesize) { dstLines in
                    dstData.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                        dstLines.withMemoryRebound(to: Int32.self, capacity: 8) { lines in
                            _ = sws_scale(sws, &planes, &strides, 0, h, dst, lines)
                        }
                    }
                }
            }
        }
    }
}

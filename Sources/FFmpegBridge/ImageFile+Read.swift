import CFFmpeg

/// Still images in and out through FFmpeg.
public enum ImageFile {
    /// Decodes the first frame of any file FFmpeg reads (PNG, JPEG, WebP, BMP, TIFF, GIF, a video…) to
    /// 8-bit RGB, turned upright when the file says it is rotated or mirrored (EXIF orientation).
    public static func read(_ path: String) throws(MediaError) -> RGBImage {
        let input = try InputFile(path: path)
        guard let frame = av_frame_alloc() else { preconditionFailure("out of memory") }
        var owned: UnsafeMutablePointer<AVFrame>? = frame
        defer { av_frame_free(&owned) }
        guard try input.decode(into: frame) else { throw MediaError(path, "no picture could be decoded (empty or truncated file?)") }
        var sws: OpaquePointer?
        defer { sws_freeContext(sws) }
        let image = try toRGB(frame, path, converter: &sws)
        return input.orientation(of: frame).apply(image)
    }

    /// Converts a decoded frame of any pixel format to packed RGB. `converter` is reused from call to call
    /// while the frames' format and size stay the same (a video's frames); the caller frees it.
    static func toRGB(_ frame: UnsafeMutablePointer<AVFrame>, _ path: String, converter: inout OpaquePointer?) throws(MediaError) -> RGBImage {
        let w = Int(frame.pointee.width), h = Int(frame.pointee.height)
        // sws_getContext aborts the process on a bad format or size, so check first.
        guard w > 0, h > 0, frame.pointee.format >= 0,
              sws_isSupportedInput(AVPixelFormat(frame.pointee.format)) != 0 else {
            throw MediaError(path, "decoded picture has an unusable size \(w)×\(h) or pixel format")
        }
        converter = sws_getCachedContext(converter, Int32(w), Int32(h), AVPixelFormat(frame.pointee.format), Int32(w), Int32(h),
                                         AV_PIX_FMT_RGB24, Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT), nil, nil, nil)
        guard let sws = converter else {
            throw MediaError(path, "cannot convert pixel format \(String(cString: av_get_pix_fmt_name(AVPixelFormat(frame.pointee.format))))")
        }
        var image = RGBImage(width: w, height: h)
        image.bytes.withUnsafeMutableBufferPointer { dst in
            var planes: [UnsafeMutablePointer<UInt8>?] = [dst.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(w * 3), 0, 0, 0]
            withUnsafePointer(to: &frame.pointee.data) { srcData in
                withUnsafePointer(to: &frame.pointee.linesize) { srcLines in
                    srcData.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                        srcLines.withMemoryRebound(to: Int32.self, capacity: 8) { lines in
                            _ = sws_scale(sws, src, lines, 0, Int32(h), &planes, &strides)
                        }
                    }
                }
            }
        }
        return image
    }
}

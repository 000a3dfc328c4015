import CFFmpeg

/// A media file could not be read or written: which file, and why.
public struct MediaError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    /// FFmpeg's error code, when the error came from FFmpeg.
    public let code: Int32?

    public init(_ path: String, _ reason: String, code: Int32? = nil) {
        self.path = path
        self.reason = reason
        self.code = code
    }

    public var description: String { "\(path == "pipe:0" ? "stdin" : path == "pipe:1" ? "stdout" : path): \(reason)" }

    /// The reader of our output went away (`| head`): a clean end, not a failure.
    public var isBrokenPipe: Bool { code == -EPIPE }
}

/// FFmpeg's message for an error code.
func averrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buffer, buffer.count)
    return String(cString: buffer)
}

/// Turns a negative FFmpeg return code into a MediaError naming the call.
@discardableResult
func check(_ code: Int32, _ call: String, _ path: String) throws(MediaError) -> Int32 {
    if code < 0 { throw MediaError(path, "\(call) failed: \(averrorText(code))", code: code) }
    return code
}

/// Quiets FFmpeg's own logging (libx264 and friends are chatty); errors reach the user through MediaError.
public func setFFmpegLogQuiet(_ quiet: Bool = true) {
    av_log_set_level(quiet ? AV_LOG_QUIET : AV_LOG_ERROR)
}

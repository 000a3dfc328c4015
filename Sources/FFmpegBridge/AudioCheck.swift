import CFFmpeg

/// Decodes audio packets only to tell which are damaged: the copied track's packets are checked so
/// that damage in the sound is counted and reported, as it is in the picture.
final class AudioCheck {
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private let frame: UnsafeMutablePointer<AVFrame>

    /// nil when the codec has no decoder here (then nothing can be checked).
    init?(parameters: UnsafeMutablePointer<AVCodecParameters>) {
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id), let ctx = avcodec_alloc_context3(codec) else { return nil }
        decoder = ctx
        guard let f = av_frame_alloc() else { preconditionFailure("out of memory") }
        frame = f
        guard avcodec_parameters_to_context(ctx, parameters) >= 0, avcodec_open2(ctx, codec, nil) >= 0 else { return nil }
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        avcodec_free_context(&decoder)
    }

    /// False when the decoder rejects the packet or fails on what it holds.
    func decodes(_ packet: UnsafeMutablePointer<AVPacket>) -> Bool {
        let sent = avcodec_send_packet(decoder, packet)
        if sent < 0 && sent != dd_averror_eagain() { return false }
        while true {
            let r = avcodec_receive_frame(decoder, frame)
            if r == dd_averror_eagain() || r == dd_averror_eof() { return true }
            if r < 0 { return false }
            av_frame_unref(frame)
        }
    }
}

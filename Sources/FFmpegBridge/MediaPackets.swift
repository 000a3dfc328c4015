import CFFmpeg

/// A media file read packet by packet, nothing decoded: a segmented render's parts copied into one
/// file, the input's audio put back beside them, and the input's frames counted and its keyframes found.
public final class MediaPackets: AudioSource {
    let input: InputFile
    public let audioStream: Int32?
    private let packet: UnsafeMutablePointer<AVPacket>

    public init(path: String) throws(MediaError) {
        input = try InputFile(path: path)
        let audio = av_find_best_stream(input.format, AVMEDIA_TYPE_AUDIO, -1, input.videoStream, nil, 0)
        audioStream = audio >= 0 ? audio : nil
        guard let p = av_packet_alloc() else { preconditionFailure("out of memory") }
        packet = p
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    public var path: String { input.path }
    private var video: UnsafeMutablePointer<AVStream> { input.stream }
    public var audioParameters: UnsafeMutablePointer<AVCodecParameters>? {
        audioStream.map { input.format.pointee.streams[Int($0)]!.pointee.codecpar }
    }
    public var audioTimeBase: AVRational? { audioStream.map { input.format.pointee.streams[Int($0)]!.pointee.time_base } }
    public var videoTimeBase: AVRational { video.pointee.time_base }

    /// The container's tags, keys in lower case (Matroska writes them in upper case).
    public var metadata: [String: String] {
        var tags: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let e = av_dict_get(input.format.pointee.metadata, "", entry, AV_DICT_IGNORE_SUFFIX) {
            tags[String(cString: e.pointee.key).lowercased()] = String(cString: e.pointee.value)
            entry = e
        }
        return tags
    }

    /// The video stream's codec, size and extradata, which spliced streams must share.
    public var videoFormat: String {
        let par = video.pointee.codecpar.pointee
        return "\(String(cString: avcodec_get_name(par.codec_id))) \(par.width)×\(par.height) \(par.format)"
    }
    public var videoExtradata: [UInt8] {
        let par = video.pointee.codecpar.pointee
        guard let data = par.extradata, par.extradata_size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(par.extradata_size)))
    }

    public enum Item {
        case video(Packet)
        case audio(Packet)
    }

    /// The next video or audio packet in file order; nil at the end.
    public func next() throws(MediaError) -> Item? {
        while true {
            let read = av_read_frame(input.format, packet)
            if read == dd_averror_eof() { return nil }
            try check(read, "reading", input.path)
            defer { av_packet_unref(packet) }
            let index = packet.pointee.stream_index
            let timeBase = input.format.pointee.streams[Int(index)]!.pointee.time_base
            if index == input.videoStream { return .video(Packet(cloning: packet, timeBase: timeBase)) }
            if index == audioStream { return .audio(Packet(cloning: packet, timeBase: timeBase)) }
        }
    }

    /// The video frames in presentation order: how many there are and which start a group of pictures.
    /// Reads every packet to the end.
    public func scanVideo() throws(MediaError) -> (count: Int, keyframes: [Int]) {
        var frames: [(pts: Int64, key: Bool)] = []
        while let item = try next() {
            guard case .video(let p) = item else { continue }
            let pts = p.packet.pointee.pts == dd_nopts_value() ? p.packet.pointee.dts : p.packet.pointee.pts
            frames.append((pts, p.isKey))
        }
        frames.sort { $0.pts < $1.pts }
        return (frames.count, frames.indices.filter { frames[$0].key })
    }
}

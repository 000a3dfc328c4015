import CFFmpeg

/// An owned copy of a compressed packet, handed from one stage to the next (one owner at a time).
public final class Packet: @unchecked Sendable {
    let packet: UnsafeMutablePointer<AVPacket>
    /// The time base its timestamps are in.
    let timeBase: AVRational

    init(cloning source: UnsafePointer<AVPacket>, timeBase: AVRational) {
        guard let p = av_packet_clone(source) else { preconditionFailure("out of memory") }
        packet = p
        self.timeBase = timeBase
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    public var pts: Int64? { packet.pointee.pts == dd_nopts_value() ? nil : packet.pointee.pts }
    public var isKey: Bool { packet.pointee.flags & AV_PKT_FLAG_KEY != 0 }

    /// Presentation time in seconds (nil when the packet has none).
    public var seconds: Double? {
        packet.pointee.pts == dd_nopts_value() ? nil : Double(packet.pointee.pts) * av_q2d(timeBase)
    }
}

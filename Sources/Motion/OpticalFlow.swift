import COpticalFlow
import Dream

/// What went wrong in OpenCV, as it said it.
public struct MotionError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
    /// `what`: the message the shim wrote into `buffer`.
    init(_ what: String, _ buffer: [CChar]) {
        description = what + ": " + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// OpenCV's DIS optical flow (Kroeger et al., ECCV 2016) between consecutive frames. One per thread:
/// the estimator keeps buffers between calls.
public final class OpticalFlow {
    public enum Preset: Int32, Sendable { case ultrafast = 0, fast = 1, medium = 2 }

    private let estimator: OpaquePointer
    /// Frames longer than this on their longest side are scaled down for the estimate and the field
    /// scaled back up: motion big enough to matter for a dream survives, and the cost stays flat.
    public let maxSide: Int

    public init(preset: Preset = .medium, maxSide: Int = 640) {
        guard let e = ddflow_create(preset.rawValue) else { preconditionFailure("OpenCV could not create a DIS estimator") }
        estimator = e
        self.maxSide = maxSide
    }

    deinit { ddflow_destroy(estimator) }

    /// The field such that `from`(x) ≈ `to`(x + flow(x)).
    public func flow(from: GreyFrame, to: GreyFrame) throws(MotionError) -> FlowField {
        precondition(from.width == to.width && from.height == to.height, "flow between frames of different sizes")
        var vectors = [Float](repeating: 0, count: 2 * from.width * from.height)
        var message = [CChar](repeating: 0, count: 256)
        let status = vectors.withUnsafeMutableBufferPointer { v in
            ddflow_calc(estimator, from.pixels, to.pixels, Int32(from.width), Int32(from.height), Int32(maxSide),
                        v.baseAddress, &message, Int32(message.count))
        }
        guard status == 0 else { throw MotionError("optical flow", message) }
        return FlowField(width: from.width, height: from.height, vectors: vectors)
    }
}

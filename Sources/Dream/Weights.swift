import Foundation

/// How an image in [0,1] RGB becomes the network's input: channel `c` is
/// `(rgb[channelOrder[c]] * scale - mean[c]) / std[c]`.
public struct Preprocessing: Sendable, Equatable {
    public var channelOrder: [Int]
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    public static let caffeBGR = Preprocessing(channelOrder: [2, 1, 0], scale: 255,
                                               mean: [103.939, 116.779, 123.68], std: [1, 1, 1])
}

/// The 13 VGG16 convolutions read from a safetensors file written by scripts/convert_weights.py:
/// `features.{i}.weight` (F32, OIHW) and `features.{i}.bias` for torchvision's conv indices, and
/// metadata `format=deepdream-vgg16/1`, `channel_order`, `scale`, `mean`, `std`, `name`, `source`.
public struct VGG16Weights: Sendable {
    public let convolutions: [Conv3x3Weights]
    public let preprocessing: Preprocessing
    public let name: String
    public let source: String

    public init(convolutions: [Conv3x3Weights], preprocessing: Preprocessing, name: String, source: String) {
        precondition(convolutions.count == 13, "VGG16 has 13 convolutions")
        self.convolutions = convolutions
        self.preprocessing = preprocessing
        self.name = name
        self.source = source
    }

    public static let fix = "run scripts/fetch-weights (or `make weights`) to fetch and convert them"

    public init(contentsOf path: String) throws(DreamError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .weightsMissing(path: path, fix: Self.fix) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .weightsInvalid(path: path, reason: error.localizedDescription, fix: Self.fix)
        }
        try self.init(data: data, path: path)
    }

    /// A safetensors file's bytes; `path` names it in errors.
    public init(data: Data, path: String) throws(DreamError) {
        let url = URL(fileURLWithPath: path)
        let file: SafeTensors
        do {
            file = try SafeTensors(data)
        } catch {
            throw .weightsInvalid(path: path, reason: error.description, fix: Self.fix)
        }
        func invalid(_ reason: String) -> DreamError { .weightsInvalid(path: path, reason: reason, fix: Self.fix) }
        let meta = file.metadata
        guard meta["format"] == "deepdream-vgg16/1" else {
            throw invalid("metadata format is \(meta["format"].map { "'\($0)'" } ?? "missing"), expected 'deepdream-vgg16/1'")
        }
        preprocessing = try Self.preprocessing(meta, invalid)
        name = meta["name"] ?? url.deletingPathExtension().lastPathComponent
        source = meta["source"] ?? "unknown"
        var convolutions: [Conv3x3Weights] = []
        var inChannels = 3
        for layer in Layer.convolutions {
            let outChannels = layer.channels
            let weight = try file.floats("features.\(layer.index).weight", shape: [outChannels, inChannels, 3, 3], invalid)
            let bias = try file.floats("features.\(layer.index).bias", shape: [outChannels], invalid)
            guard weight.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
                throw invalid("features.\(layer.index) holds NaN or infinite values")
            }
            convolutions.append(weight.withUnsafeBufferPointer {
                Conv3x3Weights(oihw: $0, bias: bias, inChannels: inChannels, outChannels: outChannels)
            })
            inChannels = outChannels
        }
        self.convolutions = convolutions
    }

    private static func preprocessing(_ meta: [String: String], _ invalid: (String) -> DreamError) throws(DreamError) -> Preprocessing {
        func numbers(_ key: String, count: Int) throws(DreamError) -> [Float] {
            let values = (meta[key] ?? "").split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == count else { throw invalid("metadata \(key) must hold \(count) numbers") }
            return values
        }
        let order: [Int]
        switch meta["channel_order"] {
        case "rgb": order = [0, 1, 2]
        case "bgr": order = [2, 1, 0]
        default: throw invalid("metadata channel_order must be 'rgb' or 'bgr'")
        }
        let std = try numbers("std", count: 3)
        guard std.allSatisfy({ $0 > 0 }) else { throw invalid("metadata std must be positive") }
        return Preprocessing(channelOrder: order, scale: try numbers("scale", count: 1)[0],
                             mean: try numbers("mean", count: 3), std: std)
    }
}

/// A minimal reader of the safetensors format: 8-byte little-endian header length, JSON header, data.
struct SafeTensors {
    struct Entry { let dtype: String; let shape: [Int]; let range: Range<Int> }

    let data: Data
    let dataStart: Int
    let entries: [String: Entry]
    let metadata: [String: String]

    init(_ data: Data) throws(DreamError) {
        func bad(_ reason: String) -> DreamError { .invalidSetting(reason) }
        guard data.count >= 8 else { throw bad("file is \(data.count) bytes, too short for a safetensors header") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard headerLength > 0, headerLength <= data.count - 8 else {
            throw bad("header length \(headerLength) does not fit a \(data.count)-byte file (truncated or not safetensors)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)),
              let header = json as? [String: Any] else { throw bad("header is not a JSON object") }
        var entries: [String: Entry] = [:]
        for (key, value) in header where key != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int],
                  offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else { throw bad("tensor \(key) has a malformed entry") }
            entries[key] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.data = data
        dataStart = 8 + headerLength
        self.entries = entries
        metadata = header["__metadata__"] as? [String: String] ?? [:]
    }

    func floats(_ name: String, shape: [Int], _ invalid: (String) -> DreamError) throws(DreamError) -> [Float] {
        guard let entry = entries[name] else { throw invalid("tensor \(name) is missing") }
        guard entry.dtype == "F32" else { throw invalid("tensor \(name) is \(entry.dtype), expected F32") }
        guard entry.shape == shape else { throw invalid("tensor \(name) has shape \(entry.shape), expected \(shape)") }
        let count = shape.reduce(1, *)
        guard entry.range.count == count * 4 else { throw invalid("tensor \(name) holds \(entry.range.count) bytes, expected \(count * 4)") }
        guard dataStart + entry.range.upperBound <= data.count else {
            throw invalid("tensor \(name) runs past the end of the file (truncated download?)")
        }
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)]))
            }
        }
        return out.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
    }
}

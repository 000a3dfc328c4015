/// Errors of the dream core, each saying what is wrong and how to fix it.
public enum DreamError: Error, CustomStringConvertible, Equatable {
    case unknownLayer(String, valid: [String])
    case badLayerSpec(String, reason: String)
    case channelOutOfRange(layer: String, channel: Int, channels: Int)
    case weightsMissing(path: String, fix: String)
    case weightsInvalid(path: String, reason: String, fix: String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .unknownLayer(let name, let valid):
            "unknown layer '\(name)'; valid layers: \(valid.joined(separator: ", ")) (or a features index 0…30)"
        case .badLayerSpec(let spec, let reason):
            "bad layer '\(spec)': \(reason); expected NAME, NAME*WEIGHT or NAME[CH,CH-CH]*WEIGHT, e.g. relu4_3[12,40-47]*0.5"
        case .channelOutOfRange(let layer, let channel, let channels):
            "channel \(channel) is out of range for \(layer), which has channels 0…\(channels - 1)"
        case .weightsMissing(let path, let fix):
            "weights not found: \(path); \(fix)"
        case .weightsInvalid(let path, let reason, let fix):
            "weights file \(path) is not usable: \(reason); \(fix)"
        case .invalidSetting(let message):
            message
        }
    }
}

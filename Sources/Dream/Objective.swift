import COpenBLAS

/// What the dream maximises: a weighted sum over target layers of the mean of squared activations
/// (over all channels, or the selected ones), or, with a guide, of activations times the guide's mean
/// activation per channel.
public struct LayerTarget: Sendable, Equatable, CustomStringConvertible {
    public var layer: Layer
    public var weight: Float
    /// Selected channels; nil means all.
    public var channels: [Int]?

    public init(layer: Layer, weight: Float = 1, channels: [Int]? = nil) {
        self.layer = layer
        self.weight = weight
        self.channels = channels
    }

    /// Parses `NAME`, `NAME*WEIGHT`, `NAME[CH,CH-CH]` or `NAME[…]*WEIGHT`; NAME may be a features index.
    public init(parsing spec: String) throws(DreamError) {
        var rest = Substring(spec.trimmingCharacters(in: .whitespaces))
        var weight: Float = 1
        if let star = rest.lastIndex(of: "*") {
            guard let w = Float(rest[rest.index(after: star)...]), w.isFinite else {
                throw .badLayerSpec(spec, reason: "the weight after '*' is not a number")
            }
            weight = w
            rest = rest[..<star]
        }
        var list: Substring?
        if let open = rest.firstIndex(of: "[") {
            guard rest.last == "]" else { throw .badLayerSpec(spec, reason: "'[' without a closing ']'") }
            list = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]
            rest = rest[..<open]
        }
        guard !rest.isEmpty else { throw .badLayerSpec(spec, reason: "no layer name") }
        let layer = try Layer.named(String(rest))
        let channels = try list.map { l throws(DreamError) in try Self.channels(l, of: layer, spec) }
        self.init(layer: layer, weight: weight, channels: channels)
    }

    /// `12,40-60`: channels of `layer`, each checked against its count before a range is expanded.
    private static func channels(_ list: Substring, of layer: Layer, _ spec: String) throws(DreamError) -> [Int] {
        var out: [Int] = []
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            for case let c? in bounds where c >= layer.channels {
                throw .channelOutOfRange(layer: layer.name, channel: c, channels: layer.channels)
            }
            switch bounds.count {
            case 1 where bounds[0] != nil && bounds[0]! >= 0: out.append(bounds[0]!)
            case 2 where bounds[0] != nil && bounds[1] != nil && 0 <= bounds[0]! && bounds[0]! <= bounds[1]!:
                out += Array(bounds[0]!...bounds[1]!)
            default: throw .badLayerSpec(spec, reason: "'\(part)' is not a channel or a range like 12-20")
            }
        }
        guard !out.isEmpty else { throw .badLayerSpec(spec, reason: "empty channel list") }
        return Array(Set(out)).sorted()
    }

    public var description: String {
        var text = layer.name
        if let channels { text += "[" + channels.map(String.init).joined(separator: ",") + "]" }
        if weight != 1 { text += "*\(weight)" }
        return text
    }
}

public struct Objective: Sendable, Equatable {
    public var targets: [LayerTarget]
    /// Per target: the guide image's mean activation per channel; nil for the plain L2 objective.
    public var guide: [[Float]]?

    public init(targets: [LayerTarget], guide: [[Float]]? = nil) {
        self.targets = targets
        self.guide = guide
    }

    /// The deepest operation the forward pass must reach.
    public var deepest: Layer { targets.map(\.layer).max { $0.index < $1.index }! }

    /// Writes d(objective)/d(activation) of one target into `seed` and returns its share of the objective.
    /// Channels in parallel, each row's share summed by OpenBLAS, the channels' totals added in order.
    func seed(_ target: Int, activation a: FeatureMaps, into seed: FeatureMaps) -> Double {
        let t = targets[target]
        let selected = t.channels ?? Array(0..<a.channels)
        let n = Float(selected.count * a.height * a.width)
        if t.channels != nil { seed.zero() }   // the others pass nothing; a whole map is written below
        let guides = guide?[target]
        nonisolated(unsafe) let totals = UnsafeMutableBufferPointer<Double>.allocate(capacity: selected.count)
        defer { totals.deallocate() }
        parallelChannels(selected.count) { k in
            let c = selected[k]
            var total = 0.0
            for y in 0..<a.height {
                let src = a.data + a.index(c, y, 0), dst = seed.data + seed.index(c, y, 0)
                if let g = guides?[c] {
                    var s: Float = 0
                    for x in 0..<a.width { s += src[x] * g; dst[x] = t.weight * g / n }
                    total += Double(s)
                } else {
                    total += Double(cblas_sdot(Int32(a.width), src, 1, src, 1))
                    for x in 0..<a.width { dst[x] = t.weight * 2 * src[x] / n }
                }
            }
            totals[k] = total
        }
        return Double(t.weight) * totals.reduce(0, +) / Double(n)
    }
}

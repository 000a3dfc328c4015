/// One operation of VGG16's `features`, indexed as torchvision does (0…30).
public enum LayerKind: Sendable, Equatable {
    case conv(block: Int, index: Int, conv: Int)   // conv: position among the 13 convolutions
    case relu(block: Int, index: Int)
    case pool(block: Int)
}

public struct Layer: Sendable, Equatable, CustomStringConvertible {
    /// torchvision `features` index.
    public let index: Int
    public let kind: LayerKind
    public let name: String
    public var description: String { name }

    /// All 31 operations, shallow to deep.
    public static let all: [Layer] = {
        var layers: [Layer] = []
        var conv = 0
        for (block, count) in [(1, 2), (2, 2), (3, 3), (4, 3), (5, 3)] {
            for c in 1...count {
                layers.append(Layer(index: layers.count, kind: .conv(block: block, index: c, conv: conv),
                                    name: "conv\(block)_\(c)"))
                layers.append(Layer(index: layers.count, kind: .relu(block: block, index: c), name: "relu\(block)_\(c)"))
                conv += 1
            }
            layers.append(Layer(index: layers.count, kind: .pool(block: block), name: "pool\(block)"))
        }
        return layers
    }()

    public static let convolutions: [Layer] = all.filter { if case .conv = $0.kind { true } else { false } }

    /// Output channels of this operation.
    public var channels: Int { Self.channelCounts[block - 1] }

    /// The block (1…5) this operation belongs to.
    public var block: Int {
        switch kind {
        case .conv(let block, _, _), .relu(let block, _), .pool(let block): block
        }
    }

    var isReLU: Bool { if case .relu = kind { true } else { false } }
    public var isPool: Bool { if case .pool = kind { true } else { false } }

    /// Max-pools before this operation's output (a pool counts once it has run).
    public var poolsBefore: Int {
        if case .pool(let block) = kind { return block }
        return block - 1
    }

    static let channelCounts = [64, 128, 256, 512, 512]

    /// Looks a layer up by name (`relu4_3`) or torchvision `features` index (`22`).
    public static func named(_ text: String) throws(DreamError) -> Layer {
        if let layer = all.first(where: { $0.name == text.lowercased() }) { return layer }
        if let index = Int(text), all.indices.contains(index) { return all[index] }
        throw .unknownLayer(text, valid: all.map(\.name))
    }
}

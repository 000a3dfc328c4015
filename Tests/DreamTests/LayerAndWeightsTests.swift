import Foundation
import Testing
@testable import Dream

@Suite("Layer names and weights files")
struct LayerAndWeightsTests {
    @Test("names map to torchvision feature indices",
          arguments: [("conv1_1", 0), ("relu1_2", 3), ("pool1", 4), ("conv3_3", 14), ("relu4_3", 22), ("pool5", 30), ("22", 22), ("RELU5_1", 25)])
    func names(_ c: (String, Int)) throws {
        #expect(try Layer.named(c.0).index == c.1)
    }

    @Test("an unknown layer lists the valid ones")
    func unknown() {
        #expect { try Layer.named("relu6_1") } throws: { "\($0)".contains("relu6_1") && "\($0)".contains("conv1_1") && "\($0)".contains("pool5") }
        #expect(throws: DreamError.self) { try Layer.named("31") }
    }

    @Test("layer specs: weights and channels",
          arguments: [("relu4_3", "relu4_3", Float(1), nil as [Int]?), ("relu3_3*0.5", "relu3_3", 0.5, nil),
                      ("conv5_1[3,10-12]", "conv5_1", 1, [3, 10, 11, 12]), ("pool2[0]*2", "pool2", 2, [0])])
    func specs(_ c: (String, String, Float, [Int]?)) throws {
        let t = try LayerTarget(parsing: c.0)
        #expect(t.layer.name == c.1 && t.weight == c.2 && t.channels == c.3)
    }

    @Test("bad layer specs are rejected with the reason", arguments: ["relu4_3*x", "relu4_3[", "relu1_1[64]", "relu1_1[5-2]", "[3]", "relu4_3[]",
                      "relu4_3[0-99999999999999]", "relu4_3[0-99999999999999999999999]"])
    func badSpecs(_ spec: String) {
        #expect(throws: DreamError.self) { try LayerTarget(parsing: spec) }
    }

    @Test("missing, truncated and foreign weights files give errors that name the file and the fix")
    func badWeights() throws {
        let dir = NSTemporaryDirectory() + "dd-weights-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let real = WeightsLocator.path(for: "imagenet")
        let full = try Data(contentsOf: URL(fileURLWithPath: real), options: .alwaysMapped)
        let cases: [(String, Data?, String)] = [
            ("missing.safetensors", nil, "not found"),
            ("empty.safetensors", Data(), "too short"),
            ("truncated.safetensors", full.prefix(full.count / 2), "past the end"),
            ("header-only.safetensors", full.prefix(100), "does not fit"),
            ("foreign.safetensors", Self.safetensors(header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, bytes: 4), "format"),
        ]
        for (name, data, reason) in cases {
            let path = "\(dir)/\(name)"
            if let data { FileManager.default.createFile(atPath: path, contents: data) }
            #expect {
                try VGG16Weights(contentsOf: path)
            } throws: { error in
                let text = "\(error)"
                return text.contains(path) && text.contains(reason) && text.contains("fetch-weights")
            }
        }
    }

    @Test("the converted ImageNet weights carry their preprocessing")
    func metadata() throws {
        let w = try VGG16Weights(contentsOf: WeightsLocator.path(for: "imagenet"))
        #expect(w.preprocessing == .caffeBGR)
        #expect(w.name == "imagenet")
        let hed = try VGG16Weights(contentsOf: WeightsLocator.path(for: "hed"))
        #expect(hed.preprocessing.channelOrder == [2, 1, 0] && abs(hed.preprocessing.mean[0] - 104.00699) < 1e-4)
    }

    static func safetensors(header: String, bytes: Int) -> Data {
        var h = Data(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var length = UInt64(h.count).littleEndian
        return Data(bytes: &length, count: 8) + h + Data(count: bytes)
    }
}

import Foundation

/// Where converted weights live: `$DEEPDREAM_WEIGHTS_DIR`, else `$XDG_DATA_HOME/deepdream/weights`, else
/// `~/.local/share/deepdream/weights`, as `vgg16-NAME.safetensors`.
public enum WeightsLocator {
    /// Named weights scripts/fetch-weights provides, and what each looks like.
    public static let named: [(name: String, about: String)] = [
        ("imagenet", "ImageNet VGG16 (Keras/Caffe release): the classic dog faces and eyes (default)"),
        ("hed", "HED edge-detection fine-tune of VGG16: an etched, line-drawn look"),
        ("torchvision", "torchvision vgg16-397923af.pth, if you converted it (scripts/fetch-weights --pth FILE)"),
    ]

    public static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["DEEPDREAM_WEIGHTS_DIR"], !dir.isEmpty { return dir }
        let data = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/deepdream/weights"
    }

    /// A name from `named` or a path to a .safetensors file.
    public static func path(for nameOrPath: String) -> String {
        if named.contains(where: { $0.name == nameOrPath }) {
            return directory + "/vgg16-\(nameOrPath).safetensors"
        }
        return nameOrPath
    }

    public static func load(_ nameOrPath: String) throws(DreamError) -> VGG16 {
        let path = path(for: nameOrPath)
        if path == nameOrPath && !FileManager.default.fileExists(atPath: path) && !path.contains("/") && !path.hasSuffix(".safetensors") {
            throw .weightsMissing(path: path, fix: "use a path to a .safetensors file or one of: \(named.map(\.name).joined(separator: ", "))")
        }
        if nameOrPath == "torchvision" && !FileManager.default.fileExists(atPath: path) {
            throw .weightsMissing(path: path, fix: "download torchvision's vgg16-397923af.pth and run scripts/fetch-weights --pth FILE")
        }
        return try VGG16(contentsOf: path)
    }
}

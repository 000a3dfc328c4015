import Dream
import Foundation

/// Named settings from `presets/NAME.json`: a flat JSON object whose keys are the long option names.
/// Keys: description, layer (a spec or a list), octaves, octave-scale, iterations, step, jitter, blur,
/// seed, weights, tile-size. Anything else is rejected with its name.
public struct Preset: Sendable {
    public let name: String
    public let path: String
    public let description: String
    let values: [String: PresetValue]

    enum PresetValue: Sendable { case number(Double), text(String), list([String]) }

    public static let keys = ["description", "layer", "octaves", "octave-scale", "iterations", "step", "jitter",
                              "blur", "seed", "weights", "tile-size", "blend", "first-frame-iterations",
                              "zoom", "rotate", "drift", "anchor"]

    public init(contentsOf path: String) throws(PresetError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw PresetError(path, "cannot read the file") }
        try self.init(data: data, path: path)
    }

    /// A preset file's bytes; `path` names it in errors.
    public init(data: Data, path: String) throws(PresetError) {
        self.path = path
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw PresetError(path, "not a JSON object")
        }
        var values: [String: PresetValue] = [:]
        for (key, value) in dict {
            guard Self.keys.contains(key) else {
                throw PresetError(path, "unknown key '\(key)'; known keys: \(Self.keys.joined(separator: ", "))")
            }
            // JSON true/false: a Swift Bool, or an NSNumber of type char (`NSNumber is Bool` holds for any number on Linux).
            let isBool = type(of: value) == Bool.self || (value as? NSNumber).map { String(cString: $0.objCType) == "c" } == true
            if isBool { throw PresetError(path, "key '\(key)' has a value of the wrong type") }
            if let n = value as? NSNumber { values[key] = .number(n.doubleValue) }
            else if let s = value as? String { values[key] = .text(s) }
            else if let l = value as? [String] { values[key] = .list(l) }
            else { throw PresetError(path, "key '\(key)' has a value of the wrong type") }
        }
        if case .text(let d)? = values["description"] { description = d } else { description = "" }
        self.values = values
    }

    /// Sets what this preset names; the weights name, if any, goes to `weights`.
    public func apply(to settings: inout DreamSettings, weights: inout String) throws(PresetError) {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            func number(integer: Bool = false) throws(PresetError) -> Double {
                guard case .number(let n) = value, n.isFinite, !integer || n == n.rounded() else {
                    throw PresetError(path, "key '\(key)' must be \(integer ? "an integer" : "a number")")
                }
                if integer { try Self.checkIntegerRange(n, key: key, path: path) }
                return n
            }
            switch key {
            case "description", "blend", "first-frame-iterations", "zoom", "rotate", "drift", "anchor":
                break   // video and zoom keys: the other apply methods
            case "layer":
                let specs: [String]
                switch value {
                case .text(let s): specs = [s]
                case .list(let l): specs = l
                case .number: throw PresetError(path, "key 'layer' must be a layer name or a list of them")
                }
                do { settings.targets = try specs.map { s throws(DreamError) in try LayerTarget(parsing: s) } }
                catch { throw PresetError(path, "key 'layer': \(error)") }
            case "octaves": settings.octaves = Int(try number(integer: true))
            case "octave-scale": settings.octaveScale = Float(try number())
            case "iterations": settings.iterations = Int(try number(integer: true))
            case "step": settings.step = Float(try number())
            case "jitter": settings.jitter = Int(try number(integer: true))
            case "blur": settings.blur = Float(try number())
            case "seed":
                let n = try number(integer: true)
                guard n >= 0 else { throw PresetError(path, "key 'seed' must not be negative") }
                settings.seed = UInt64(n)
            case "tile-size": settings.tileSize = Int(try number(integer: true))
            case "weights":
                guard case .text(let s) = value else { throw PresetError(path, "key 'weights' must be a name or a path") }
                weights = s
            default: break
            }
        }
        do { try settings.validate() } catch { throw PresetError(path, error.description) }
    }

    /// Sets the video keys this preset names (blend, first-frame-iterations).
    public func apply(to video: inout VideoSettings) throws(PresetError) {
        for (key, value) in values {
            guard key == "blend" || key == "first-frame-iterations" else { continue }
            guard case .number(let n) = value, n.isFinite else { throw PresetError(path, "key '\(key)' must be a number") }
            if key == "blend" { video.blend = Float(n) }
            else {
                guard n == n.rounded() else { throw PresetError(path, "key 'first-frame-iterations' must be an integer") }
                try Self.checkIntegerRange(n, key: key, path: path)
                video.firstFrameIterations = Int(n)
            }
        }
        do { try video.validate() } catch { throw PresetError(path, error.description) }
    }

    /// Integers are converted to `Int` only within ±1e9: beyond, the conversion would trap; every setting's
    /// own range check is far inside.
    static func checkIntegerRange(_ n: Double, key: String, path: String) throws(PresetError) {
        guard abs(n) <= 1e9 else { throw PresetError(path, "key '\(key)' is out of range: \(n)") }
    }

    /// The zoom keys this preset names, as the command-line texts they stand for (zoom, rotate, drift, anchor).
    public func zoomValues() throws(PresetError) -> [String: String] {
        var out: [String: String] = [:]
        for key in ["zoom", "rotate", "drift", "anchor"] {
            switch values[key] {
            case .number(let n)?: out[key] = String(n)
            case .text(let t)?: out[key] = t
            case .list?: throw PresetError(path, "key '\(key)' must be a number or a schedule text")
            case nil: break
            }
        }
        return out
    }

    /// The camera move this preset names (zoom, rotate, drift).
    public func motionSpec() throws(PresetError) -> MotionSpec {
        let v = try zoomValues()
        return MotionSpec(zoom: v["zoom"], rotate: v["rotate"], drift: v["drift"])
    }

    /// Folders searched for presets by name: $DEEPDREAM_PRESETS_DIR, then `presets/` in the folder of the
    /// executable or any folder above it (a checkout), then `../share/deepdream/presets` (an install).
    public static var searchPath: [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["DEEPDREAM_PRESETS_DIR"], !env.isEmpty { dirs.append(env) }
        // The executable itself: argv[0] is a bare name when it was found on PATH.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        dirs.append(dir.appendingPathComponent("../share/deepdream/presets").standardized.path)
        while dir.path != "/" {
            dirs.append(dir.appendingPathComponent("presets").path)
            dir = dir.deletingLastPathComponent()
        }
        return dirs
    }

    /// A preset by name (looked up in `searchPath`) or by path to a .json file.
    public static func load(_ nameOrPath: String) throws(PresetError) -> Preset {
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else { throw PresetError(nameOrPath, "no such preset file") }
            return try Preset(contentsOf: nameOrPath)
        }
        for dir in searchPath {
            let path = dir + "/" + nameOrPath + ".json"
            if FileManager.default.fileExists(atPath: path) { return try Preset(contentsOf: path) }
        }
        let known = available().map(\.name)
        throw PresetError(nameOrPath, "no such preset; available: \(known.isEmpty ? "none found" : known.joined(separator: ", "))")
    }

    /// The presets of the first folder in `searchPath` that has any.
    public static func available() -> [Preset] {
        for dir in searchPath {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            let presets = names.filter { $0.hasSuffix(".json") }.sorted().compactMap { try? Preset(contentsOf: dir + "/" + $0) }
            if !presets.isEmpty { return presets }
        }
        return []
    }
}

public struct PresetError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    init(_ path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "preset \(path): \(reason)" }
}

import Dream
import FFmpegBridge
import Foundation
import Glibc
import Motion

/// How a render keeps its checkpoint.
public struct CheckpointOptions: Sendable {
    /// Continue from the checkpoint if there is one (else start from the first frame).
    public var resume = false
    /// Where the checkpoint lives; nil: beside the output, `.NAME.dream/`.
    public var directory: String?

    public init(resume: Bool = false, directory: String? = nil) {
        self.resume = resume
        self.directory = directory
    }
}

/// A render's progress on disk, so that a render killed at any moment resumes where it stopped and ends
/// as the uninterrupted render would have. The folder holds:
/// - `manifest.json`: what the frames depend on (input, weights, settings), by digest or by value;
/// - `frames/NNNNNN.png`: every finished frame, lossless, as the encoder got it;
/// - `state`: what the next frame needs: a JSON header, then the last dreamed frame in float;
/// - `lock`: held while a render runs, so two renders never share one checkpoint.
/// Every file is written under a temporary name, synced and renamed, the state last: whenever a kill
/// comes, the state names only frames that are whole on disk.
public final class Checkpoint {
    /// What the next frame needs besides the last dreamed frame.
    struct State: Codable {
        /// Frames finished: 0..<frames are in frames/.
        var frames: Int
        var width: Int
        var height: Int
        /// CPU model and kernel path of the machine that wrote it (results may differ in the last bits elsewhere).
        var machine: String
        var cuts: [Int]?
        var log: [RenderLog.Frame]?
        var stability: StabilityMeter.Totals?
        /// Zoom: the first frame's channel mean and spread.
        var reference: [[Float]]?
    }

    /// A resumed render: its state and the last dreamed frame.
    struct Resumed {
        var state: State
        var last: Image
    }

    let directory: String
    let output: String
    private(set) var resumed: Resumed?
    /// For the user: what happened when the checkpoint was opened.
    private(set) var notes: [String] = []
    private let lock: Int32

    /// Opens (or starts) the checkpoint for `output`. `manifest` names what the frames depend on; a checkpoint
    /// made with another is refused, saying what differs. Without `resume`, an old checkpoint is refused
    /// unless `overwrite`, which discards it.
    init(output: String, options: CheckpointOptions, manifest: [String: String], overwrite: Bool) throws(MediaError) {
        self.output = output
        let url = URL(fileURLWithPath: output)
        directory = options.directory ?? url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).dream").path
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory + "/frames", withIntermediateDirectories: true)
        } catch {
            throw MediaError(output, "cannot make the checkpoint folder \(directory): \(error.localizedDescription)")
        }
        lock = Glibc.open(directory + "/lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw MediaError(output, "cannot open \(directory)/lock: \(String(cString: strerror(errno)))") }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            close(lock)
            throw MediaError(output, "another deepdream is rendering it (its checkpoint \(directory) is locked)")
        }
        do throws(MediaError) {
            try start(manifest: manifest, options: options, overwrite: overwrite)
        } catch {
            close(lock)
            throw error
        }
        // Left by a killed render of this output (the lock says none is running).
        let dir = url.deletingLastPathComponent().path
        for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix(".\(url.lastPathComponent).partial-") {
            unlink(dir + "/" + name)
        }
    }

    deinit { close(lock) }

    private func start(manifest: [String: String], options: CheckpointOptions, overwrite: Bool) throws(MediaError) {
        let manifestPath = directory + "/manifest.json"
        let old = (try? Data(contentsOf: URL(fileURLWithPath: manifestPath))).flatMap { try? JSONDecoder().decode([String: String].self, from: $0) }
        if let old, options.resume {
            let differences = Self.differences(old, manifest)
            guard differences.isEmpty else {
                throw MediaError(output, "cannot resume: the checkpoint in \(directory) was made with \(differences.joined(separator: "; ")). "
                                 + "Run with the same settings, or with --overwrite instead of --resume to start over")
            }
            resumed = try readState()
            if let resumed {
                notes.append("resumed after frame \(resumed.state.frames), from \(directory)")
                if resumed.state.machine != Self.machine {
                    notes.append("this checkpoint was written on another machine (\(resumed.state.machine)); frames from here may differ in their last bits from an uninterrupted render")
                }
            } else {
                notes.append("the checkpoint in \(directory) holds no finished frame yet: starting from the first frame")
            }
            return
        }
        if old != nil || FileManager.default.fileExists(atPath: directory + "/state") {
            guard overwrite || options.resume else {
                throw MediaError(output, "an interrupted render left a checkpoint in \(directory): add --resume to continue it, or --overwrite to start over")
            }
            if options.resume { notes.append("the checkpoint in \(directory) is unreadable: starting from the first frame") }
            try clear()
        } else if options.resume {
            notes.append("no checkpoint to resume: starting from the first frame")
        }
        try Self.writeDurably(try! JSONEncoder.sorted.encode(manifest), to: manifestPath, output: output)
    }

    /// "step 0.006 → 0.01"-style lines for each key that differs.
    static func differences(_ old: [String: String], _ new: [String: String]) -> [String] {
        Set(old.keys).union(new.keys).sorted().compactMap { key in
            let a = old[key] ?? "none", b = new[key] ?? "none"
            guard a != b else { return nil }
            if key.hasSuffix(" digest") {
                let name = key.dropLast(" digest".count)
                return name == "weights" ? "other weights (their digest differs)" : "another \(name) (its digest differs)"
            }
            return "\(key) \(a) (now \(b))"
        }
    }

    private func clear() throws(MediaError) {
        let fm = FileManager.default
        unlink(directory + "/state")
        for name in (try? fm.contentsOfDirectory(atPath: directory + "/frames")) ?? [] { unlink(directory + "/frames/" + name) }
    }

    /// Frames kept so far.
    var frames: Int { saved ?? resumed?.state.frames ?? 0 }
    private var saved: Int?

    /// Refuses, before any work, a render whose frames cannot fit on the checkpoint's disk.
    func checkSpace(frames total: Int, width: Int, height: Int) throws(MediaError) {
        try Self.checkSpace(for: output, in: directory, frames: total - frames, width: width, height: height)
    }

    /// Refuses a render of `frames` more frames that cannot fit in `directory` (or, before it exists, its
    /// folder), at half their raw size: about what PNG keeps of a dream.
    public static func checkSpace(for output: String, in directory: String?, frames: Int, width: Int, height: Int) throws(MediaError) {
        let folder = directory ?? URL(fileURLWithPath: output).deletingLastPathComponent().path
        var fs = statvfs()
        guard statvfs(folder, &fs) == 0 || statvfs(URL(fileURLWithPath: folder).deletingLastPathComponent().path, &fs) == 0 else { return }
        let free = Double(fs.f_bavail) * Double(fs.f_frsize)
        let need = Double(max(frames, 0)) * Double(3 * width * height) / 2 + Double(12 * width * height)
        guard need <= free else {
            throw MediaError(output, String(format: "%d frames of %d×%d need about %.1f GB for the checkpoint and %@ has %.1f GB free: "
                                            + "free some space, keep the checkpoint elsewhere (--checkpoint DIR), render fewer --frames, or go without one (--no-checkpoint)",
                                            frames, width, height, need / 1e9, folder, free / 1e9))
        }
    }

    /// Frame `index` as it was written.
    func frame(_ index: Int) throws(MediaError) -> Image {
        Image(try ImageFile.read(framePath(index)))
    }

    /// Keeps frame `index` (dreamed: `last`) and the state after it. Call in frame order.
    func save(frame index: Int, last: Image, state: State) throws(MediaError) {
        precondition(state.frames == index + 1 && state.width == last.width && state.height == last.height, "checkpoint state out of step")
        try Self.writeDurably(try ImageFile.png(RGBImage(last)), to: framePath(index), output: output)
        var header = try! JSONEncoder.sorted.encode(state)
        var data = Data(capacity: 8 + header.count + 4 * last.pixels.count)
        var length = UInt64(header.count).littleEndian
        data.append(Data(bytes: &length, count: 8))
        data.append(header)
        header = Data()
        last.pixels.withUnsafeBytes { data.append(contentsOf: $0) }
        try Self.writeDurably(data, to: directory + "/state", output: output)
        Self.syncFolder(directory + "/frames")
        Self.syncFolder(directory)
        saved = state.frames
    }

    /// `error` as the user should see it: with the frames kept and how to go on, when there are any.
    static func keeping(_ error: Error, _ checkpoint: Checkpoint?) -> Error {
        guard let checkpoint, checkpoint.frames > 0 else { return error }
        return InterruptedRender(error: error, frames: checkpoint.frames, directory: checkpoint.directory)
    }

    /// The render is complete and in place: the checkpoint goes.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func framePath(_ index: Int) -> String { directory + String(format: "/frames/%06d.png", index) }

    private func readState() throws(MediaError) -> Resumed? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: directory + "/state")) else { return nil }
        func damaged(_ why: String) -> MediaError {
            MediaError(output, "the checkpoint's state in \(directory) is damaged (\(why)): --overwrite starts over")
        }
        guard data.count >= 8 else { throw damaged("too short") }
        let length = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard length > 0, length <= data.count - 8, let state = try? JSONDecoder().decode(State.self, from: data.subdata(in: 8..<8 + length)) else {
            throw damaged("unreadable header")
        }
        let count = 3 * state.width * state.height
        guard state.frames > 0, state.width > 0, state.height > 0, data.count - 8 - length == 4 * count else { throw damaged("wrong size") }
        var pixels = [Float](repeating: 0, count: count)
        pixels.withUnsafeMutableBytes { _ = data.copyBytes(to: $0, from: (8 + length)..<data.count) }
        for i in 0..<state.frames where !FileManager.default.fileExists(atPath: framePath(i)) { throw damaged("frame \(i) is missing") }
        return Resumed(state: state, last: Image(width: state.width, height: state.height, pixels: pixels))
    }

    /// Written under a temporary name, synced, renamed over `path`.
    static func writeDurably(_ data: Data, to path: String, output: String) throws(MediaError) {
        let temporary = path + ".tmp"
        func failed(_ what: String) -> MediaError {
            MediaError(output, "cannot \(what) the checkpoint file \(path): \(String(cString: strerror(errno)))")
        }
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failed("create") }
        let complete = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        let error: MediaError? = !complete ? failed("write") : fsync(fd) != 0 ? failed("sync") : nil
        if let error { close(fd); unlink(temporary); throw error }
        close(fd)
        guard rename(temporary, path) == 0 else { let e = failed("rename"); unlink(temporary); throw e }
    }

    private static func syncFolder(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// The CPU model, the kernels it runs and their Winograd tile: what can change a result's last bits (the
    /// thread count does not: each block of work is summed by one thread).
    static let machine: String = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        guard let kernels = try? KernelPath.resolve(.auto) else { return "\(model), ? kernels" }
        return "\(model), \(kernels) kernels, F(\(kernels.tile)×\(kernels.tile)) tiles"
    }()
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

/// A render that ended in an error with its finished frames kept in a checkpoint.
public struct InterruptedRender: Error, CustomStringConvertible {
    public let error: Error
    public let frames: Int
    public let directory: String

    public var description: String {
        "\(error)\n\(frames) finished frame\(frames == 1 ? " is" : "s are") kept in \(directory): run the same command with --resume to go on"
    }
}

/// What a render's frames depend on, as text a later run compares: digests of what is large, values
/// of the settings (every stored property, by name, so a new setting is covered without a word here).
struct RenderManifest {
    private(set) var entries: [String: String] = [:]

    /// What every render depends on besides its source: the weights, the guide, the dream and output
    /// settings, and where it goes.
    init(dream: DreamSettings, weights: VGG16Weights, guide: Image?, options: VideoOutputOptions, output: String) {
        digest(weights: weights)
        if let guide { digest(image: guide, as: "guide") }
        add(settings: dream, as: "dream")
        add(settings: options, as: "output")
        set("output", URL(fileURLWithPath: output).standardizedFileURL.path)
    }

    mutating func add(settings value: Any, as group: String) {
        for child in Mirror(reflecting: value).children {
            if let label = child.label { entries["\(group) \(label)"] = "\(child.value)" }
        }
    }

    mutating func set(_ key: String, _ value: String) { entries[key] = value }

    /// One digest of the entries but those named: what parts of one render share.
    func digest(leavingOut names: Set<String>) -> String {
        let d = Digest()
        for (key, value) in entries.sorted(by: { $0.key < $1.key }) where !names.contains(key) {
            d.update("\(key)=\(value)\n")
        }
        return d.hex()
    }

    mutating func digest(file path: String, as name: String) throws(MediaError) {
        let d = Digest()
        try d.update(file: path)
        entries["\(name) digest"] = d.hex()
    }

    mutating func digest(image: Image, as name: String) {
        let d = Digest()
        d.update([image.width, image.height])
        d.update(image.pixels)
        entries["\(name) digest"] = d.hex()
    }

    mutating func digest(weights: VGG16Weights) {
        let d = Digest()
        for conv in weights.convolutions {
            conv.withTaps { d.update(UnsafeRawBufferPointer($0)) }
            d.update(conv.bias)
        }
        d.update([weights.preprocessing.scale] + weights.preprocessing.mean + weights.preprocessing.std)
        d.update(weights.preprocessing.channelOrder)
        entries["weights digest"] = d.hex()
    }
}

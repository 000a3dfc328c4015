import Foundation

/// Writes go to a hidden temporary name beside the target and are renamed over it only when complete,
/// so a failed run never leaves a half-written file under the name the user asked for.
public struct AtomicFile: Sendable {
    public let path: String
    public let temporaryPath: String

    public init(_ path: String) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)").path
    }

    /// Checks that the folder exists and is writable before any work is done.
    public func checkWritable() throws(MediaError) {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw MediaError(path, "folder \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else { throw MediaError(path, "folder \(dir) is not writable") }
    }

    public func write(_ data: Data) throws(MediaError) {
        do {
            try data.write(to: URL(fileURLWithPath: temporaryPath))
        } catch {
            discard()
            throw MediaError(path, "cannot write: \((error as NSError).localizedDescription)")
        }
        try commit()
    }

    public func commit() throws(MediaError) {
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw MediaError(path, "cannot move the finished file into place: \(reason)")
        }
    }

    public func discard() { unlink(temporaryPath) }
}

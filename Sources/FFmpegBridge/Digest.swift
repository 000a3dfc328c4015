import CFFmpeg
import Foundation

/// SHA-256 (libavutil's) over bytes, arrays and files: what a checkpoint uses to know its input,
/// weights and settings again.
public final class Digest {
    private var context: OpaquePointer?

    public init() {
        guard av_hash_alloc(&context, "SHA256") == 0, context != nil else { preconditionFailure("libavutil has no SHA256") }
        av_hash_init(context)
    }

    deinit { av_hash_freep(&context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        av_hash_update(context, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    public func update<T>(_ values: [T]) { values.withUnsafeBytes { update($0) } }

    public func update(_ text: String) { update(Array(text.utf8)) }

    /// The file's whole content.
    public func update(file path: String) throws(MediaError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MediaError(path, "cannot read it to take its digest") }
        defer { try? handle.close() }
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { chunk.withUnsafeBytes { update($0) } }
        } catch {
            throw MediaError(path, "cannot read it to take its digest: \(error.localizedDescription)")
        }
    }

    /// Lowercase hex; the digest is finished.
    public func hex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        av_hash_final(context, &out)
        return out.map { String(format: "%02x", $0) }.joined()
    }
}

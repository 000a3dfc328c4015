import ArgumentParser
import Foundation

/// Frame sizes and rates as users type them, refused with the limit named when out of range.
enum FrameGeometry {
    static let sides = 16...8192

    /// `WIDTHxHEIGHT`, each side in `sides`.
    static func size(_ text: String, option: String) throws -> (width: Int, height: Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], sides.contains(w), sides.contains(h) else {
            throw ValidationError("\(option) must be WIDTHxHEIGHT between \(sides.lowerBound) and \(sides.upperBound), got \(text)")
        }
        return (w, h)
    }

    /// `25`, `30000/1001` or `23.976`: positive, at most 1000 frames a second.
    static func rate(_ text: String, option: String) throws -> (num: Int32, den: Int32) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int32($0) }
        if parts.count == 2, let n = parts[0], let d = parts[1], n > 0, d > 0, Double(n) / Double(d) <= 1000 { return (n, d) }
        if parts.count == 1, let n = parts[0], n > 0, n <= 1000 { return (n, 1) }
        if !text.contains("/"), let f = Double(text), f > 0, f <= 1000 { return (Int32((f * 1000).rounded()), 1000) }
        throw ValidationError("\(option) must be a number up to 1000 or a fraction like 30000/1001, got \(text)")
    }
}

/// The H.264/H.265 parameter sets in a codec's extradata, whether it holds them as an `avcC` record
/// (MP4, Matroska) or in Annex B (what an encoder gives): two streams splice when these are the same.
/// Other extradata is compared as it is.
public enum ParameterSets {
    public static func of(_ extradata: [UInt8]) -> [[UInt8]] {
        if extradata.count > 6, extradata[0] == 1 { return avcC(extradata) ?? [extradata] }
        if extradata.starts(with: [0, 0, 1]) || extradata.starts(with: [0, 0, 0, 1]) { return annexB(extradata) }
        return [extradata]
    }

    /// The NAL units of an Annex B byte stream.
    static func annexB(_ data: [UInt8]) -> [[UInt8]] {
        var units: [[UInt8]] = [], start: Int?, i = 0
        while i + 2 < data.count {
            if data[i] == 0, data[i + 1] == 0, data[i + 2] == 1 {
                if let s = start { units.append(trimmed(Array(data[s..<i]))) }
                i += 3
                start = i
            } else {
                i += 1
            }
        }
        if let s = start, s < data.count { units.append(trimmed(Array(data[s...]))) }
        return units
    }

    /// A unit ends before the zero bytes of the next start code.
    private static func trimmed(_ unit: [UInt8]) -> [UInt8] {
        var u = unit
        while u.last == 0 { u.removeLast() }
        return u
    }

    private static func avcC(_ data: [UInt8]) -> [[UInt8]]? {
        var units: [[UInt8]] = [], at = 6
        func take(_ count: Int) -> Bool {
            for _ in 0..<count {
                guard at + 2 <= data.count else { return false }
                let length = Int(data[at]) << 8 | Int(data[at + 1])
                guard at + 2 + length <= data.count else { return false }
                units.append(Array(data[at + 2 ..< at + 2 + length]))
                at += 2 + length
            }
            return true
        }
        guard take(Int(data[5] & 0x1f)), at < data.count else { return nil }
        let pps = Int(data[at])
        at += 1
        return take(pps) ? units : nil
    }
}

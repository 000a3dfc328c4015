import Foundation

/// What ffprobe says about a media file's streams (ffprobe is installed by scripts/install-packages).
struct Probe {
    struct Stream { let type: String; let codec: String; let width: Int?; let height: Int?; let frames: Int?; let start: Double?; let duration: Double?; let rate: String?; let pixelFormat: String? }
    let streams: [Stream]
    let duration: Double?

    var video: Stream? { streams.first { $0.type == "video" } }
    var audio: Stream? { streams.first { $0.type == "audio" } }

    init(_ path: String) throws {
        let data = try tool(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                             "stream=codec_type,codec_name,width,height,nb_read_frames,start_time,duration,r_frame_rate,pix_fmt:format=duration",
                             "-of", "json", path]).stdout
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        func num(_ v: Any?) -> Double? { (v as? String).flatMap(Double.init) ?? (v as? Double) }
        streams = (json["streams"] as? [[String: Any]] ?? []).map {
            Stream(type: $0["codec_type"] as? String ?? "", codec: $0["codec_name"] as? String ?? "",
                   width: $0["width"] as? Int, height: $0["height"] as? Int, frames: num($0["nb_read_frames"]).map { Int($0) },
                   start: num($0["start_time"]), duration: num($0["duration"]), rate: $0["r_frame_rate"] as? String,
                   pixelFormat: $0["pix_fmt"] as? String)
        }
        duration = num((json["format"] as? [String: Any])?["duration"])
    }
}

/// Runs a program found on PATH (or at an absolute path) to its end: its exit status and standard output.
func tool(_ arguments: [String]) throws -> (status: Int32, stdout: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

/// Runs the ffmpeg command-line tool to make test inputs.
func ffmpeg(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-v", "error", "-y"] + arguments
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CLIError("ffmpeg failed: \(arguments.joined(separator: " "))") }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Where a stream's packets start and end (seconds), read from the packets themselves rather than the
/// container's summary; nil without packets. `stream`: ffprobe's selector, "v" or "a".
func packetSpan(_ path: String, _ stream: String) throws -> (start: Double, end: Double)? {
    let text = String(decoding: try tool(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries",
                                          "packet=pts_time,duration_time", "-of", "csv=p=0", path]).stdout, as: UTF8.self)
    // MP4 leaves packet durations out (N/A): there the last packet lasts as long as the one before it.
    let packets = text.split(separator: "\n").compactMap { line -> (pts: Double, duration: Double?)? in
        let f = line.split(separator: ",").map { Double($0) }
        guard f.count == 2, let pts = f[0] else { return nil }
        return (pts, f[1])
    }.sorted { $0.pts < $1.pts }
    guard let first = packets.first, let last = packets.last else { return nil }
    let spacing = packets.count > 1 ? last.pts - packets[packets.count - 2].pts : 0
    return (first.pts, last.pts + (last.duration ?? spacing))
}

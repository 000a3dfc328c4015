import Dream

/// Dreams the frames of a video in order, each starting from the new picture with the previous
/// dreamed frame blended in (`VideoSettings.blend`), so the dream flows instead of flickering.
struct FrameSeeder {
    let dream: DreamSettings
    let video: VideoSettings
    private var previous: Image?

    init(dream: DreamSettings, video: VideoSettings) {
        self.dream = dream
        self.video = video
    }

    mutating func next(_ raw: Image, index: Int, dreamer: Dreamer, progress: ((DreamProgress) -> Void)? = nil) throws -> Image {
        var seed = raw
        if let previous, video.blend > 0, previous.width == raw.width, previous.height == raw.height {
            seed.pixels.withUnsafeMutableBufferPointer { s in
                previous.pixels.withUnsafeBufferPointer { p in
                    for i in s.indices { s[i] += video.blend * (p[i] - s[i]) }
                }
            }
        }
        var settings = dream
        if index == 0, let first = video.firstFrameIterations { settings.iterations = first }
        settings.seed = dream.seed &+ UInt64(index)
        let result = try dreamer.dream(seed, settings: settings, progress: progress)
        previous = result
        return result
    }
}

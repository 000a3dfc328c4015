/// How one axis of a large image is cut into equal, overlapping tiles: the fewest tiles of at most `tile`
/// pixels (under `align` more where a small tile cannot hold its margins on the grid) such that each tile's core (the part whose gradient is kept) has `margin` pixels of context on
/// every inner side. Equal sizes mean one set of network buffers serves every tile.
///
/// Every tile starts at a multiple of `align` (VGG16's stride at pool4, 16): pooling then cuts each tile
/// into the same cells as the whole image, so a deep layer's gradient is the same tiled or not (a tile
/// shifted off that grid pools other pixels together). The last tile ends at the image's edge, so the
/// length is the image's size modulo `align`.
struct TileAxis: Equatable {
    /// Tile length (all tiles).
    let length: Int
    /// Where each tile starts.
    let starts: [Int]
    /// Core boundaries: tile i keeps [bounds[i], bounds[i + 1]).
    let bounds: [Int]

    init(size: Int, tile: Int, margin: Int, align: Int = 16) {
        guard size > tile else {
            length = size; starts = [0]; bounds = [0, size]
            return
        }
        // Spacing between starts may grow by `align` when rounded onto the grid: leave room for it.
        let step = 2 * margin + align
        var count = 2, length = size
        while count < size {
            let shortest = (size + (count - 1) * step + count - 1) / count
            length = min(size, shortest + ((size - shortest) % align + align) % align)
            // Small tiles cannot always hold the margins and the grid: then up to `align` longer.
            if length <= tile || length == size || shortest <= step + align { break }
            count += 1
        }
        let span = size - length   // a multiple of align: where the last tile starts
        let starts = (0..<count).map { i in i == count - 1 ? span : (i * span / (count - 1)) / align * align }
        self.length = length
        self.starts = starts
        bounds = [0] + starts.dropFirst().map { $0 + margin } + [size]
    }
}

/// How one axis of a large image is cut into equal, overlapping tiles: the fewest tiles of at most `tile`
/// pixels such that each tile's core (the part whose gradient is kept) has `margin` pixels of context on
/// every inner side. Equal sizes mean one set of network buffers serves every tile.
struct TileAxis: Equatable {
    /// Tile length (all tiles).
    let length: Int
    /// Where each tile starts.
    let starts: [Int]
    /// Core boundaries: tile i keeps [bounds[i], bounds[i + 1]).
    let bounds: [Int]

    init(size: Int, tile: Int, margin: Int) {
        guard size > tile else {
            length = size; starts = [0]; bounds = [0, size]
            return
        }
        let count = (size - 2 * margin + (tile - 2 * margin) - 1) / (tile - 2 * margin)
        let length = min(size, (size + (count - 1) * 2 * margin + count - 1) / count)
        let starts = (0..<count).map { i in count == 1 ? 0 : Int((Double(i * (size - length)) / Double(count - 1)).rounded()) }
        self.length = length
        self.starts = starts
        bounds = [0] + starts.dropFirst().map { $0 + margin } + [size]
    }
}

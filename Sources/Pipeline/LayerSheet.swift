import Dream
import FFmpegBridge

/// A grid of labelled tiles: the same photo dreamed at each layer, shallow to deep.
public enum LayerSheet {
    /// Lays `tiles` (all the same size) out in `columns` columns with a caption strip under each.
    public static func compose(_ tiles: [(label: String, image: RGBImage)], columns: Int) -> RGBImage {
        precondition(!tiles.isEmpty && columns > 0)
        let w = tiles[0].image.width, h = tiles[0].image.height
        let scale = max(1, min(w / 60, 3)), caption = 7 * scale + 6 * scale / 2 + 4, gap = 4
        let rows = (tiles.count + columns - 1) / columns
        let sheetW = columns * w + (columns + 1) * gap, sheetH = rows * (h + caption) + (rows + 1) * gap
        var sheet = RGBImage(width: sheetW, height: sheetH, fill: 24)
        for (i, tile) in tiles.enumerated() {
            precondition(tile.image.width == w && tile.image.height == h, "tiles differ in size")
            let ox = gap + (i % columns) * (w + gap), oy = gap + (i / columns) * (h + caption + gap)
            for y in 0..<h {
                let src = y * w * 3, dst = ((oy + y) * sheetW + ox) * 3
                sheet.bytes.replaceSubrange(dst..<dst + w * 3, with: tile.image.bytes[src..<src + w * 3])
            }
            let tx = ox + max(0, (w - BitmapFont.width(tile.label, scale: scale)) / 2)
            BitmapFont.draw(tile.label, at: tx, oy + h + (caption - 7 * scale) / 2, scale: scale, color: (235, 235, 235), on: &sheet)
        }
        return sheet
    }
}

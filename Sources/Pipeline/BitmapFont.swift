import FFmpegBridge

/// A 5×7 pixel font for labels (lower-case letters, digits, a little punctuation), so the layer sheet
/// needs no font library. Unknown characters draw as blanks.
enum BitmapFont {
    static let glyphs: [Character: [String]] = [
        "a": ["     ", "     ", " ### ", "    #", " ####", "#   #", " ####"],
        "b": ["#    ", "#    ", "#### ", "#   #", "#   #", "#   #", "#### "],
        "c": ["     ", "     ", " ### ", "#    ", "#    ", "#    ", " ### "],
        "d": ["    #", "    #", " ####", "#   #", "#   #", "#   #", " ####"],
        "e": ["     ", "     ", " ### ", "#   #", "#####", "#    ", " ### "],
        "g": ["     ", " ####", "#   #", "#   #", " ####", "    #", " ### "],
        "h": ["#    ", "#    ", "#### ", "#   #", "#   #", "#   #", "#   #"],
        "i": ["  #  ", "     ", " ##  ", "  #  ", "  #  ", "  #  ", " ### "],
        "l": [" ##  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        "m": ["     ", "     ", "## # ", "# # #", "# # #", "# # #", "# # #"],
        "n": ["     ", "     ", "#### ", "#   #", "#   #", "#   #", "#   #"],
        "o": ["     ", "     ", " ### ", "#   #", "#   #", "#   #", " ### "],
        "p": ["     ", "#### ", "#   #", "#   #", "#### ", "#    ", "#    "],
        "r": ["     ", "     ", "# ## ", "##  #", "#    ", "#    ", "#    "],
        "s": ["     ", "     ", " ####", "#    ", " ### ", "    #", "#### "],
        "t": [" #   ", " #   ", "#### ", " #   ", " #   ", " #  #", "  ## "],
        "u": ["     ", "     ", "#   #", "#   #", "#   #", "#   #", " ####"],
        "v": ["     ", "     ", "#   #", "#   #", "#   #", " # # ", "  #  "],
        "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
        "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
        "3": ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
        "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
        "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        "6": ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
        "9": [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
        "_": ["     ", "     ", "     ", "     ", "     ", "     ", "#####"],
        ".": ["     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "],
        "*": ["     ", "  #  ", "# # #", " ### ", "# # #", "  #  ", "     "],
    ]

    /// Width in pixels of `text` at `scale`.
    static func width(_ text: String, scale: Int) -> Int { text.count * 6 * scale - scale }

    /// Draws `text` with its top-left corner at (x, y), clipped to the image.
    static func draw(_ text: String, at x: Int, _ y: Int, scale: Int, color: (UInt8, UInt8, UInt8), on image: inout RGBImage) {
        for (i, ch) in text.lowercased().enumerated() {
            guard let rows = glyphs[ch] else { continue }
            for (gy, row) in rows.enumerated() {
                for (gx, bit) in row.enumerated() where bit == "#" {
                    for sy in 0..<scale {
                        for sx in 0..<scale {
                            let px = x + (i * 6 + gx) * scale + sx, py = y + gy * scale + sy
                            if px >= 0 && py >= 0 && px < image.width && py < image.height { image[px, py] = color }
                        }
                    }
                }
            }
        }
    }
}

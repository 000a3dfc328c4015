/// Where a backward flow can be trusted, after Ruder, Dosovitskiy and Brox ("Artistic style transfer for
/// videos", 2016): 1 where the new frame's pixel is seen in the previous frame, 0 where it is not.
///
/// With b the backward flow at x and f the forward flow at x + b (where that point went), a pixel is
/// occluded where |b + f|² > 0.01 (|b|² + |f|²) + 0.5, on a motion boundary where |∇b|² > 0.01 |b|² + 0.002,
/// and new where x + b falls outside the previous frame.
public func consistencyMask(backward: FlowField, forward: FlowField) -> [Float] {
    precondition(backward.width == forward.width && backward.height == forward.height, "flow size mismatch")
    let w = backward.width, h = backward.height
    var mask = [Float](repeating: 0, count: w * h)
    for y in 0..<h {
        for x in 0..<w {
            let b = backward[x, y]
            let px = Float(x) + b.dx, py = Float(y) + b.dy
            guard px >= -0.5, py >= -0.5, px <= Float(w) - 0.5, py <= Float(h) - 0.5 else { continue }
            let f = forward.sample(x: px, y: py)
            let sx = b.dx + f.dx, sy = b.dy + f.dy
            let b2 = b.dx * b.dx + b.dy * b.dy, f2 = f.dx * f.dx + f.dy * f.dy
            if sx * sx + sy * sy > 0.01 * (b2 + f2) + 0.5 { continue }
            let r = backward[min(x + 1, w - 1), y], d = backward[x, min(y + 1, h - 1)]
            let ux = r.dx - b.dx, vx = r.dy - b.dy, uy = d.dx - b.dx, vy = d.dy - b.dy
            if ux * ux + vx * vx + uy * uy + vy * vy > 0.01 * b2 + 0.002 { continue }
            mask[y * w + x] = 1
        }
    }
    return mask
}

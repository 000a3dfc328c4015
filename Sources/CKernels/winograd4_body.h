// The Winograd F(4x4, 3x3) transforms, compiled once per instruction set by the kernels_*.c files
// (NAME() adds the set's suffix; their `#pragma clang attribute` sets the target). Not a header to include
// elsewhere.
//
// Every loop below is unit-stride over tiles so that it vectorises; the tile's 4-column phases are
// split into separate vectors or arrays ("phase k" of a row holds columns 4tx + k).

// B^T d for six values d0..d5 (one column or one row of a tile).
#define BT(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5) do {   \
    o0 = 4 * (d0) - 5 * (d2) + (d4);                               \
    o1 = -4 * ((d1) + (d2)) + (d3) + (d4);                         \
    o2 = 4 * ((d1) - (d2)) - (d3) + (d4);                          \
    o3 = 2 * ((d3) - (d1)) - (d2) + (d4);                          \
    o4 = 2 * ((d1) - (d3)) - (d2) + (d4);                          \
    o5 = 4 * (d1) - 5 * (d3) + (d5);                               \
} while (0)

// Sixteen tiles at a time: the column pass of B^T d B runs along padded rows (unit stride); the row
// pass needs the four column phases of sixteen tiles (column 4t + k, t = 0..15) as vectors, which two
// rounds of shuffles make from the four vectors of the row's 64 columns.
typedef float v16 __attribute__((vector_size(64)));
#define LOAD16(v, p) memcpy(&(v), (p), sizeof(v16))
#define STORE16(p, v) memcpy((p), &(v), sizeof(v16))
enum { SPAN = 132 };   // columns per pass: tiles 0..31 read columns 0..129; the last group's +4 shift reads to 131

// phases[k] = columns 4t + k (t = 0..15) of the 64 floats at q, for k = 0..3.
#define DEAL(q, p0, p1, p2, p3) do {                                                                         \
    v16 q0, q1, q2, q3;                                                                                      \
    LOAD16(q0, (q)); LOAD16(q1, (q) + 16); LOAD16(q2, (q) + 32); LOAD16(q3, (q) + 48);                      \
    v16 a01 = __builtin_shufflevector(q0, q1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);    \
    v16 b01 = __builtin_shufflevector(q2, q3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);    \
    v16 a23 = __builtin_shufflevector(q0, q1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);  \
    v16 b23 = __builtin_shufflevector(q2, q3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);  \
    p0 = __builtin_shufflevector(a01, b01, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);         \
    p1 = __builtin_shufflevector(a01, b01, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);   \
    p2 = __builtin_shufflevector(a23, b23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);         \
    p3 = __builtin_shufflevector(a23, b23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);   \
} while (0)

void NAME(dd_wino4_input)(const float *plane, long pitch, int height, int width, int ty0, int ty1,
                          float *v, long xi_stride, float *work) {
    const int readable = width + 2, rows = height + 2, tiles = dd_tiles_across(width);
    float *const d = work;               // d[r * SPAN + x]: padded row 4ty + r, columns 4tx0 + x, zero past the map
    float *const c = work + 6 * SPAN;    // c[i * SPAN + x] = (B^T d)[i] in column 4tx0 + x
    for (int ty = ty0; ty < ty1; ty++) {
        float *out = v + (long)(ty - ty0) * tiles;
        for (int tx0 = 0; tx0 < tiles; tx0 += 32) {
            const int x0 = 4 * tx0, have = readable - x0 < SPAN ? readable - x0 : SPAN;
            for (int r = 0; r < 6; r++) {
                int y = 4 * ty + r;
                if (y < rows) {
                    memcpy(d + r * SPAN, plane + (long)y * pitch + x0, sizeof(float) * have);
                    memset(d + r * SPAN + have, 0, sizeof(float) * (SPAN - have));
                } else {
                    memset(d + r * SPAN, 0, sizeof(float) * SPAN);
                }
            }
            {
                const float *restrict d0 = d, *restrict d1 = d0 + SPAN, *restrict d2 = d1 + SPAN,
                            *restrict d3 = d2 + SPAN, *restrict d4 = d3 + SPAN, *restrict d5 = d4 + SPAN;
                float *restrict c0 = c, *restrict c1 = c0 + SPAN, *restrict c2 = c1 + SPAN, *restrict c3 = c2 + SPAN,
                      *restrict c4 = c3 + SPAN, *restrict c5 = c4 + SPAN;
                for (int x = 0; x < SPAN; x++) {
                    BT(d0[x], d1[x], d2[x], d3[x], d4[x], d5[x], c0[x], c1[x], c2[x], c3[x], c4[x], c5[x]);
                }
            }
            for (int g = 0; g < 2 && tx0 + 16 * g < tiles; g++) {
                const int t = tx0 + 16 * g, count = tiles - t < 16 ? tiles - t : 16;
                for (int i = 0; i < 6; i++) {
                    const float *row = c + i * SPAN + 64 * g;
                    v16 e0, e1, e2, e3, e4, e5, unused0, unused1, r[6];
                    DEAL(row, e0, e1, e2, e3);
                    DEAL(row + 4, e4, e5, unused0, unused1);
                    (void)unused0; (void)unused1;
                    BT(e0, e1, e2, e3, e4, e5, r[0], r[1], r[2], r[3], r[4], r[5]);
                    for (int j = 0; j < 6; j++) {
                        float *o = out + (long)(6 * i + j) * xi_stride + t;
                        if (count == 16) STORE16(o, r[j]); else memcpy(o, &r[j], sizeof(float) * count);
                    }
                }
            }
        }
    }
}

// row[0..31] = a0 b0 c0 d0 a1 b1 c1 d1 ... from eight values each of a, b, c, d (the loop vectoriser
// will not interleave four streams on its own).
static inline void interleave8(const float *a, const float *b, const float *c, const float *d, float *row) {
    v8 va, vb, vc, vd;
    memcpy(&va, a, 32); memcpy(&vb, b, 32); memcpy(&vc, c, 32); memcpy(&vd, d, 32);
    v8 ab_lo = __builtin_shufflevector(va, vb, 0, 8, 1, 9, 2, 10, 3, 11);
    v8 ab_hi = __builtin_shufflevector(va, vb, 4, 12, 5, 13, 6, 14, 7, 15);
    v8 cd_lo = __builtin_shufflevector(vc, vd, 0, 8, 1, 9, 2, 10, 3, 11);
    v8 cd_hi = __builtin_shufflevector(vc, vd, 4, 12, 5, 13, 6, 14, 7, 15);
    v8 o0 = __builtin_shufflevector(ab_lo, cd_lo, 0, 1, 8, 9, 2, 3, 10, 11);
    v8 o1 = __builtin_shufflevector(ab_lo, cd_lo, 4, 5, 12, 13, 6, 7, 14, 15);
    v8 o2 = __builtin_shufflevector(ab_hi, cd_hi, 0, 1, 8, 9, 2, 3, 10, 11);
    v8 o3 = __builtin_shufflevector(ab_hi, cd_hi, 4, 5, 12, 13, 6, 7, 14, 15);
    memcpy(row, &o0, 32); memcpy(row + 8, &o1, 32); memcpy(row + 16, &o2, 32); memcpy(row + 24, &o3, 32);
}

void NAME(dd_wino4_output)(const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch, int height, int width,
                     float bias, int relu, const float *mask, float *work) {
    const int tiles = dd_tiles_across(width);
    float *const r = work;                 // r[(i * 4 + a) * tiles + tx] = (M A)[i][a] of tile tx
    float *const line = work + 24 * tiles;   // one output row, 4 * tiles columns
    for (int ty = ty0; ty < ty1; ty++) {
        const float *src = m + (long)(ty - ty0) * tiles;
        for (int i = 0; i < 6; i++) {   // rows first
            const float *restrict s0 = src + (long)(6 * i) * xi_stride, *restrict s1 = s0 + xi_stride,
                        *restrict s2 = s1 + xi_stride, *restrict s3 = s2 + xi_stride,
                        *restrict s4 = s3 + xi_stride, *restrict s5 = s4 + xi_stride;
            float *restrict a0 = r + (i * 4) * tiles, *restrict a1 = a0 + tiles, *restrict a2 = a1 + tiles,
                  *restrict a3 = a2 + tiles;
            for (int tx = 0; tx < tiles; tx++) {
                float p12 = s1[tx] + s2[tx], m12 = s1[tx] - s2[tx], p34 = s3[tx] + s4[tx], m34 = s3[tx] - s4[tx];
                a0[tx] = s0[tx] + p12 + p34;
                a1[tx] = m12 + 2 * m34;
                a2[tx] = p12 + 4 * p34;
                a3[tx] = m12 + 8 * m34 + s5[tx];
            }
        }
        for (int b = 0; b < 4 && 4 * ty + b < height; b++) {   // then columns, one output row at a time
            const float w0 = dd_wino4_at[b][0], w1 = dd_wino4_at[b][1], w2 = dd_wino4_at[b][2], w3 = dd_wino4_at[b][3],
                        w4 = dd_wino4_at[b][4], w5 = dd_wino4_at[b][5];
            for (int a = 0; a < 4; a++) {
                const float *restrict q0 = r + a * tiles, *restrict q1 = q0 + 4 * tiles, *restrict q2 = q1 + 4 * tiles,
                            *restrict q3 = q2 + 4 * tiles, *restrict q4 = q3 + 4 * tiles, *restrict q5 = q4 + 4 * tiles;
                float *restrict l = line + (long)a * tiles;
                for (int tx = 0; tx < tiles; tx++) {
                    l[tx] = w0 * q0[tx] + w1 * q1[tx] + w2 * q2[tx] + w3 * q3[tx] + w4 * q4[tx] + w5 * q5[tx];
                }
            }
            // Interleave the four phases into columns, then store with bias, ReLU and mask.
            const float *restrict l0 = line, *restrict l1 = l0 + tiles, *restrict l2 = l1 + tiles,
                        *restrict l3 = l2 + tiles;
            float *restrict row = line + 4L * tiles;
            int tx = 0;
            for (; tx + 8 <= tiles; tx += 8) interleave8(l0 + tx, l1 + tx, l2 + tx, l3 + tx, row + 4 * tx);
            for (; tx < tiles; tx++) {
                row[4 * tx] = l0[tx]; row[4 * tx + 1] = l1[tx]; row[4 * tx + 2] = l2[tx]; row[4 * tx + 3] = l3[tx];
            }
            long at = (long)(4 * ty + b + 1) * pitch + 1;
            store_row(plane + at, row, width, bias, relu, mask ? mask + at : NULL);
        }
    }
}

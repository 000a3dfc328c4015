// The Winograd F(6x6, 3x3) transforms (points 0, ±1, ±2, ±1/2), compiled once per instruction set by the
// kernels_*.c files after winograd4_body.h (whose v16, LOAD16, STORE16, pass_rows, chunk_rows, store_part and put16 they use). Same scheme:
// unit stride over tiles, the column pass along padded rows, then the row pass on the tiles' column
// phases (lane t of phase k holds column 6t + k of sixteen tiles). Not a header to include elsewhere.

// B^T d for eight values d0..d7.
#define BT8(d0, d1, d2, d3, d4, d5, d6, d7, o0, o1, o2, o3, o4, o5, o6, o7) do {              \
    o0 = (d0) - (d6) + 5.25f * ((d4) - (d2));                                                    \
    o7 = (d7) - (d1) + 5.25f * ((d3) - (d5));                                                    \
    const __typeof__(d0) a1 = (d2) + (d6) - 4.25f * (d4), b1 = (d1) + (d5) - 4.25f * (d3);       \
    o1 = a1 + b1; o2 = a1 - b1;                                                                  \
    const __typeof__(d0) a3 = 0.25f * (d2) + (d6) - 1.25f * (d4), b3 = 0.5f * (d1) - 2.5f * (d3) + 2 * (d5); \
    o3 = a3 + b3; o4 = a3 - b3;                                                                  \
    const __typeof__(d0) a5 = 4 * (d2) + (d6) - 5 * (d4), b5 = 2 * (d1) - 2.5f * (d3) + 0.5f * (d5); \
    o5 = a5 + b5; o6 = a5 - b5;                                                                  \
} while (0)

// Phase k of the 96 floats q0..q5: each pair of source vectors fills the lanes it holds, two blends
// merge the three.
#define L16(F, a, b) F(0, a, b), F(1, a, b), F(2, a, b), F(3, a, b), F(4, a, b), F(5, a, b), F(6, a, b), F(7, a, b), \
    F(8, a, b), F(9, a, b), F(10, a, b), F(11, a, b), F(12, a, b), F(13, a, b), F(14, a, b), F(15, a, b)
#define IN_PAIR(t, k, p) (6 * (t) + (k) - 32 * (p) >= 0 && 6 * (t) + (k) - 32 * (p) < 32)
#define PICK(t, k, p) (IN_PAIR(t, k, p) ? 6 * (t) + (k) - 32 * (p) : -1)
#define FROM_FIRST(t, k, p) (IN_PAIR(t, k, p) ? (t) : 16 + (t))
#define PHASE6(k, q0, q1, q2, q3, q4, q5, out) do {                                          \
    v16 x01 = __builtin_shufflevector(q0, q1, L16(PICK, k, 0));                             \
    v16 x23 = __builtin_shufflevector(q2, q3, L16(PICK, k, 1));                             \
    v16 x45 = __builtin_shufflevector(q4, q5, L16(PICK, k, 2));                             \
    v16 x03 = __builtin_shufflevector(x01, x23, L16(FROM_FIRST, k, 0));                     \
    out = __builtin_shufflevector(x45, x03, L16(FROM_FIRST, k, 2));                         \
} while (0)

void NAME(dd_wino6_input)(const float *plane, long pitch, int height, int width, int ty0, int ty1,
                          float *v, long xi_stride, float *work) {
    const int readable = width + 2, rows = height + 2, tiles = dd_tiles_across(width, 6);
    float *const c = work;   // c[i * DD_WINO6_SPAN + x] = (B^T d)[i] in column 6tx0 + x
    for (int ty = ty0; ty < ty1; ty++) {
        float *out = v + (long)(ty - ty0) * tiles;
        for (int tx0 = 0; tx0 < tiles; tx0 += 32) {
            // Columns this pass needs: 96 per group of sixteen tiles, and 2 more for the last group's last tile.
            const int groups = ((tiles - tx0 < 32 ? tiles - tx0 : 32) + 15) / 16, span = 96 * groups + 2;
            const int x0 = 6 * tx0, have = readable - x0;
            const float *rowp[8];
            pass_rows(plane, pitch, rows, 6 * ty, 8, x0, rowp);
            for (int x = 0; x < span; x += 16) {
                v16 d[8], e[8];
                chunk_rows(rowp, 8, x, have, d);
                BT8(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]);
                for (int i = 0; i < 8; i++) STORE16(c + i * DD_WINO6_SPAN + x, e[i]);
            }
            for (int g = 0; g < groups; g++) {
                const int t = tx0 + 16 * g, count = tiles - t < 16 ? tiles - t : 16;
                for (int i = 0; i < 8; i++) {
                    const float *row = c + i * DD_WINO6_SPAN + 96 * g;
                    v16 q0, q1, q2, q3, q4, q5, e0, e1, e2, e3, e4, e5;
                    LOAD16(q0, row); LOAD16(q1, row + 16); LOAD16(q2, row + 32);
                    LOAD16(q3, row + 48); LOAD16(q4, row + 64); LOAD16(q5, row + 80);
                    PHASE6(0, q0, q1, q2, q3, q4, q5, e0); PHASE6(1, q0, q1, q2, q3, q4, q5, e1);
                    PHASE6(2, q0, q1, q2, q3, q4, q5, e2); PHASE6(3, q0, q1, q2, q3, q4, q5, e3);
                    PHASE6(4, q0, q1, q2, q3, q4, q5, e4); PHASE6(5, q0, q1, q2, q3, q4, q5, e5);
                    // Phases 6 and 7 are phases 0 and 1 one tile on: their lanes 1..15, then columns 96 and 97.
                    const v16 next = {row[96], row[97]};
                    const v16 e6 = __builtin_shufflevector(e0, next, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
                    const v16 e7 = __builtin_shufflevector(e1, next, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
                    v16 r[8];
                    BT8(e0, e1, e2, e3, e4, e5, e6, e7, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
                    float *o = out + (long)(8 * i) * xi_stride + t;
                    if (count == 16) {
                        for (int j = 0; j < 8; j++) STORE16(o + j * xi_stride, r[j]);
                    } else {   // the row's last tiles: lanes past them belong to the next row or channel
                        for (int j = 0; j < 8; j++) store_part(o + j * xi_stride, &r[j], count);
                    }
                }
            }
        }
    }
}

// The inverse of PHASE6: lane l of output vector j (column 16j + l of sixteen tiles) is lane (16j + l) / 6
// of phase (16j + l) % 6; phases 2p and 2p + 1 fill their lanes in one shuffle, two blends merge the three.
#define OUT_PAIR(l, j, p) (((16 * (j) + (l)) % 6) / 2 == (p))
#define TAKE(l, j, p) (OUT_PAIR(l, j, p) ? ((16 * (j) + (l)) % 2) * 16 + (16 * (j) + (l)) / 6 : -1)
#define FROM_OUT(l, j, p) (OUT_PAIR(l, j, p) ? (l) : 16 + (l))
#define UNPHASE6(j, y, out) do {                                                            \
    v16 x01 = __builtin_shufflevector(y[0], y[1], L16(TAKE, j, 0));                          \
    v16 x23 = __builtin_shufflevector(y[2], y[3], L16(TAKE, j, 1));                          \
    v16 x45 = __builtin_shufflevector(y[4], y[5], L16(TAKE, j, 2));                          \
    v16 x03 = __builtin_shufflevector(x01, x23, L16(FROM_OUT, j, 0));                        \
    out = __builtin_shufflevector(x45, x03, L16(FROM_OUT, j, 2));                            \
} while (0)

void NAME(dd_wino6_output)(const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch, int height, int width,
                           float bias, int relu, const float *mask) {
    const int tiles = dd_tiles_across(width, 6);
    for (int ty = ty0; ty < ty1; ty++) {
        const float *src = m + (long)(ty - ty0) * tiles;
        for (int t = 0; t < tiles; t += 16) {   // reads 16 tiles; those past the row are never stored
            v16 r[8][6];
            for (int i = 0; i < 8; i++) {   // rows first: (M A)[i][a] over the tile's eight columns
                const float *s = src + (long)(8 * i) * xi_stride + t;
                v16 s0, s1, s2, s3, s4, s5, s6, s7;
                LOAD16(s0, s); LOAD16(s1, s + xi_stride); LOAD16(s2, s + 2 * xi_stride); LOAD16(s3, s + 3 * xi_stride);
                LOAD16(s4, s + 4 * xi_stride); LOAD16(s5, s + 5 * xi_stride); LOAD16(s6, s + 6 * xi_stride);
                LOAD16(s7, s + 7 * xi_stride);
                v16 p12 = s1 + s2, m12 = s1 - s2, p34 = s3 + s4, m34 = s3 - s4, p56 = s5 + s6, m56 = s5 - s6;
                r[i][0] = s0 + p12 + p34 + p56;
                r[i][1] = m12 + 2 * m34 + 0.5f * m56;
                r[i][2] = p12 + 4 * p34 + 0.25f * p56;
                r[i][3] = m12 + 8 * m34 + 0.125f * m56;
                r[i][4] = p12 + 16 * p34 + 0.0625f * p56;
                r[i][5] = m12 + 32 * m34 + 0.03125f * m56 + s7;
            }
            const int columns = width - 6 * t < 96 ? width - 6 * t : 96;
            // The columns' pairs, as the rows' above: r[1..6] become p12, m12, p34, m34, p56, m56.
            for (int a = 0; a < 6; a++) {
                for (int i = 1; i < 7; i += 2) {
                    const v16 plus = r[i][a] + r[i + 1][a], minus = r[i][a] - r[i + 1][a];
                    r[i][a] = plus; r[i + 1][a] = minus;
                }
            }
#pragma clang loop unroll(full)
            for (int b = 0; b < 6; b++) {   // then columns, one output row at a time
                if (6 * ty + b >= height) break;
                // A^T row b (points 0, ±1, ±2, ±1/2 and the last one): even b take the sums, odd b the
                // differences, scaled by 1, 2^b and 2^-b; row 0 adds r0, row 5 adds r7.
                const float big = (float)(1 << b), small = 1 / big;
                const int odd = b % 2;
                v16 y[6];
                for (int a = 0; a < 6; a++) {
                    y[a] = r[1 + odd][a] + big * r[3 + odd][a] + small * r[5 + odd][a];
                    if (b == 0) y[a] += r[0][a];
                    if (b == 5) y[a] += r[7][a];
                }
                v16 q[6];
                UNPHASE6(0, y, q[0]); UNPHASE6(1, y, q[1]); UNPHASE6(2, y, q[2]);
                UNPHASE6(3, y, q[3]); UNPHASE6(4, y, q[4]); UNPHASE6(5, y, q[5]);
                const long at = (long)(6 * ty + b + 1) * pitch + 1 + 6 * t;
                for (int k = 0; k < 6 && 16 * k < columns; k++) {
                    const int n = columns - 16 * k < 16 ? columns - 16 * k : 16;
                    put16(plane + at + 16 * k, &q[k], bias, relu, mask ? mask + at + 16 * k : NULL, n);
                }
            }
        }
    }
}

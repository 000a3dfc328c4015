#include "winograd4.h"

#include <string.h>

#include "store_row.h"

// Every loop below is unit-stride over tiles so that it vectorises; the tile's 4-column phases are
// split into separate arrays ("phase k" of a row holds columns 4tx + k).

typedef float v8 __attribute__((vector_size(32)));

// Macros, not functions: a function passing v8 by value would change ABI between the two clones.
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v8))

static int tiles_across(int width) { return (width + 3) / 4; }

long dd_wino4_work_floats(int width) { return 48L * (tiles_across(width) + 2); }   // input: d and c; output: r, line, row

DD_CLONES
void dd_wino4_filters(const float *taps, int out_channels, int in_channels, float *u) {
    const long size = (long)out_channels * in_channels;
    const float q = 1.0f / 4, s = 1.0f / 6, t12 = 1.0f / 12, t24 = 1.0f / 24;
    for (long n = 0; n < size; n++) {
        float g[9], t[6][3];
        for (int k = 0; k < 9; k++) g[k] = taps[k * size + n];
        // t = G g, G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1].
        for (int c = 0; c < 3; c++) {
            float g0 = g[c], g1 = g[3 + c], g2 = g[6 + c];
            t[0][c] = g0 * q;
            t[1][c] = -(g0 + g1 + g2) * s;
            t[2][c] = -(g0 - g1 + g2) * s;
            t[3][c] = g0 * t24 + g1 * t12 + g2 * s;
            t[4][c] = g0 * t24 - g1 * t12 + g2 * s;
            t[5][c] = g2;
        }
        for (int r = 0; r < 6; r++) {
            float a = t[r][0], b = t[r][1], c = t[r][2];
            float *o = u + (long)(r * 6) * size + n;
            o[0] = a * q;
            o[size] = -(a + b + c) * s;
            o[2 * size] = -(a - b + c) * s;
            o[3 * size] = a * t24 + b * t12 + c * s;
            o[4 * size] = a * t24 - b * t12 + c * s;
            o[5 * size] = c;
        }
    }
}

// B^T d for six values d0..d5 (one column or one row of a tile).
#define BT(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5) do {   \
    o0 = 4 * (d0) - 5 * (d2) + (d4);                               \
    o1 = -4 * ((d1) + (d2)) + (d3) + (d4);                         \
    o2 = 4 * ((d1) - (d2)) - (d3) + (d4);                          \
    o3 = 2 * ((d3) - (d1)) - (d2) + (d4);                          \
    o4 = 2 * ((d1) - (d3)) - (d2) + (d4);                          \
    o5 = 4 * (d1) - 5 * (d3) + (d5);                               \
} while (0)

DD_CLONES
void dd_wino4_input(const float *plane, int height, int width, int ty0, int ty1,
                    float *v, long xi_stride, float *work) {
    const int stride = width + 2, rows = height + 2, tiles = tiles_across(width);
    const int len = tiles + 1;       // phases carry one tile more: tile tx also reads columns 4(tx+1) + 0, 1
    const int full = stride / 4;     // tiles whose four columns all lie inside the padded row
    float *const d = work;           // d[(r * 4 + k) * len + tx] = padded row 4ty + r, column 4tx + k
    float *const c = work + 24 * len;   // c[(i * 4 + k) * len + tx] = (B^T d)[i] in column 4tx + k
    for (int ty = ty0; ty < ty1; ty++) {
        for (int r = 0; r < 6; r++) {
            float *restrict p0 = d + (r * 4) * len, *restrict p1 = p0 + len, *restrict p2 = p1 + len,
                  *restrict p3 = p2 + len;
            int y = 4 * ty + r;
            if (y >= rows) {
                memset(p0, 0, sizeof(float) * 4 * (size_t)len);
                continue;
            }
            const float *restrict row = plane + (long)y * stride;
            for (int tx = 0; tx < full; tx++) {
                p0[tx] = row[4 * tx]; p1[tx] = row[4 * tx + 1]; p2[tx] = row[4 * tx + 2]; p3[tx] = row[4 * tx + 3];
            }
            for (int tx = full; tx < len; tx++) {
                int x = 4 * tx;
                p0[tx] = x < stride ? row[x] : 0;
                p1[tx] = x + 1 < stride ? row[x + 1] : 0;
                p2[tx] = x + 2 < stride ? row[x + 2] : 0;
                p3[tx] = x + 3 < stride ? row[x + 3] : 0;
            }
        }
        for (int k = 0; k < 4; k++) {   // columns: c = B^T d, per phase
            const float *restrict d0 = d + k * len, *restrict d1 = d0 + 4 * len, *restrict d2 = d1 + 4 * len,
                        *restrict d3 = d2 + 4 * len, *restrict d4 = d3 + 4 * len, *restrict d5 = d4 + 4 * len;
            float *restrict c0 = c + k * len, *restrict c1 = c0 + 4 * len, *restrict c2 = c1 + 4 * len,
                  *restrict c3 = c2 + 4 * len, *restrict c4 = c3 + 4 * len, *restrict c5 = c4 + 4 * len;
            for (int tx = 0; tx < len; tx++) {
                BT(d0[tx], d1[tx], d2[tx], d3[tx], d4[tx], d5[tx], c0[tx], c1[tx], c2[tx], c3[tx], c4[tx], c5[tx]);
            }
        }
        float *out = v + (long)(ty - ty0) * tiles;
        for (int i = 0; i < 6; i++) {   // rows: V = c B, tile tx takes columns 4tx .. 4tx+5
            const float *restrict e0 = c + (i * 4) * len, *restrict e1 = e0 + len, *restrict e2 = e1 + len,
                        *restrict e3 = e2 + len;
            float *restrict o0 = out + (long)(6 * i) * xi_stride, *restrict o1 = o0 + xi_stride,
                  *restrict o2 = o1 + xi_stride, *restrict o3 = o2 + xi_stride, *restrict o4 = o3 + xi_stride,
                  *restrict o5 = o4 + xi_stride;
            int tx = 0;
            for (; tx + 8 <= tiles; tx += 8) {   // by hand: the vectoriser's alias checks send this loop scalar
                v8 a0, a1, a2, a3, a4, a5, r0, r1, r2, r3, r4, r5;
                LOAD8(a0, e0 + tx); LOAD8(a1, e1 + tx); LOAD8(a2, e2 + tx); LOAD8(a3, e3 + tx);
                LOAD8(a4, e0 + tx + 1); LOAD8(a5, e1 + tx + 1);
                BT(a0, a1, a2, a3, a4, a5, r0, r1, r2, r3, r4, r5);
                STORE8(o0 + tx, r0); STORE8(o1 + tx, r1); STORE8(o2 + tx, r2);
                STORE8(o3 + tx, r3); STORE8(o4 + tx, r4); STORE8(o5 + tx, r5);
            }
            for (; tx < tiles; tx++) {
                BT(e0[tx], e1[tx], e2[tx], e3[tx], e0[tx + 1], e1[tx + 1], o0[tx], o1[tx], o2[tx], o3[tx], o4[tx], o5[tx]);
            }
        }
    }
}

// Row b of A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
static const float A_T[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

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

DD_CLONES
void dd_wino4_output(const float *m, long xi_stride, int ty0, int ty1, float *plane, int height, int width,
                     float bias, int relu, const float *mask, float *work) {
    const int stride = width + 2, tiles = tiles_across(width);
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
            const float w0 = A_T[b][0], w1 = A_T[b][1], w2 = A_T[b][2], w3 = A_T[b][3], w4 = A_T[b][4], w5 = A_T[b][5];
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
            long at = (long)(4 * ty + b + 1) * stride + 1;
            store_row(plane + at, row, width, bias, relu, mask ? mask + at : NULL);
        }
    }
}

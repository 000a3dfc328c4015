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
enum { SPAN = DD_WINO4_SPAN };

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

// *v = the first n (0..16) floats at p, zero in the other lanes; and the first n lanes of *v stored at p.
// Only those n floats are touched, so a map's last row can end anywhere.
#define PART static inline __attribute__((always_inline)) void
#if defined(__x86_64__) && VW == 16
PART load_part(v16 *v, const float *p, int n) { *v = (v16)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p); }
PART store_part(float *p, const v16 *v, int n) { _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)*v); }
#elif defined(__x86_64__) && VW == 8
static inline __m256i first_lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
PART load_part(v16 *v, const float *p, int n) {
    const __m256 lo = _mm256_maskload_ps(p, first_lanes(n)), hi = _mm256_maskload_ps(p + 8, first_lanes(n - 8));
    memcpy(v, &lo, 32);
    memcpy((char *)v + 32, &hi, 32);
}
PART store_part(float *p, const v16 *v, int n) {
    __m256 lo, hi;
    memcpy(&lo, v, 32);
    memcpy(&hi, (const char *)v + 32, 32);
    _mm256_maskstore_ps(p, first_lanes(n), lo);
    _mm256_maskstore_ps(p + 8, first_lanes(n - 8), hi);
}
#else
PART load_part(v16 *v, const float *p, int n) {
    *v = (v16){0};
    for (int k = 0; k < n; k++) (*v)[k] = p[k];
}
PART store_part(float *p, const v16 *v, int n) {
    for (int k = 0; k < n; k++) p[k] = (*v)[k];
}
#endif
#undef PART

// rowp[r] = padded row y0 + r from column x0 on, or NULL past the map's bottom. Shared by the input
// transforms of both tile sizes.
static inline void pass_rows(const float *plane, long pitch, int rows, int y0, int count, int x0, const float **rowp) {
    for (int r = 0; r < count; r++) rowp[r] = y0 + r < rows ? plane + (long)(y0 + r) * pitch + x0 : NULL;
}

// d[r] = columns x .. x + 15 of rowp[r]: zero from column `have` on (past the map's right edge) and in
// rows past its bottom; nothing past `have` is read.
static inline void chunk_rows(const float *const *rowp, int count, int x, int have, v16 *d) {
    for (int r = 0; r < count; r++) {
        if (!rowp[r] || x >= have) d[r] = (v16){0};
        else if (x + 16 <= have) LOAD16(d[r], rowp[r] + x);
        else load_part(&d[r], rowp[r] + x, have - x);
    }
}

void NAME(dd_wino4_input)(const float *plane, long pitch, int height, int width, int ty0, int ty1,
                          float *v, long xi_stride, float *work) {
    const int readable = width + 2, rows = height + 2, tiles = dd_tiles_across(width, 4);
    float *const c = work;   // c[i * SPAN + x] = (B^T d)[i] in column 4tx0 + x
    for (int ty = ty0; ty < ty1; ty++) {
        float *out = v + (long)(ty - ty0) * tiles;
        for (int tx0 = 0; tx0 < tiles; tx0 += 32) {
            // Columns this pass needs: 64 per group of sixteen tiles, and 4 more for the last group's shift.
            const int groups = ((tiles - tx0 < 32 ? tiles - tx0 : 32) + 15) / 16, span = 64 * groups + 4;
            const int x0 = 4 * tx0, have = readable - x0;
            const float *rowp[6];
            pass_rows(plane, pitch, rows, 4 * ty, 6, x0, rowp);
            for (int x = 0; x < span; x += 16) {
                v16 d[6];
                chunk_rows(rowp, 6, x, have, d);
                v16 e[6];
                BT(d[0], d[1], d[2], d[3], d[4], d[5], e[0], e[1], e[2], e[3], e[4], e[5]);
                for (int i = 0; i < 6; i++) STORE16(c + i * SPAN + x, e[i]);
            }
            for (int g = 0; g < groups; g++) {
                const int t = tx0 + 16 * g, count = tiles - t < 16 ? tiles - t : 16;
                for (int i = 0; i < 6; i++) {
                    const float *row = c + i * SPAN + 64 * g;
                    v16 e0, e1, e2, e3, e4, e5, unused0, unused1, r0, r1, r2, r3, r4, r5;
                    DEAL(row, e0, e1, e2, e3);
                    DEAL(row + 4, e4, e5, unused0, unused1);
                    (void)unused0; (void)unused1;
                    BT(e0, e1, e2, e3, e4, e5, r0, r1, r2, r3, r4, r5);
                    float *o = out + (long)(6 * i) * xi_stride + t;
                    if (count == 16) {
                        STORE16(o, r0); STORE16(o + xi_stride, r1); STORE16(o + 2 * xi_stride, r2);
                        STORE16(o + 3 * xi_stride, r3); STORE16(o + 4 * xi_stride, r4); STORE16(o + 5 * xi_stride, r5);
                    } else {   // the row's last tiles: lanes past them belong to the next row or channel
                        store_part(o, &r0, count); store_part(o + xi_stride, &r1, count); store_part(o + 2 * xi_stride, &r2, count);
                        store_part(o + 3 * xi_stride, &r3, count); store_part(o + 4 * xi_stride, &r4, count);
                        store_part(o + 5 * xi_stride, &r5, count);
                    }
                }
            }
        }
    }
}

// The inverse of DEAL: phases p0..p3 of sixteen tiles back into their 64 columns q0..q3.
#define UNDEAL(p0, p1, p2, p3, q0, q1, q2, q3) do {                                                                \
    v16 a01 = __builtin_shufflevector(p0, p1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);             \
    v16 b01 = __builtin_shufflevector(p0, p1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);       \
    v16 a23 = __builtin_shufflevector(p2, p3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);             \
    v16 b23 = __builtin_shufflevector(p2, p3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);       \
    q0 = __builtin_shufflevector(a01, a23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);                \
    q1 = __builtin_shufflevector(a01, a23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);          \
    q2 = __builtin_shufflevector(b01, b23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);                \
    q3 = __builtin_shufflevector(b01, b23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);          \
} while (0)

typedef int v16i __attribute__((vector_size(64)));

// out[0..n) = *value + bias, then ReLU, then zero where mask <= 0 (n <= 16).
static inline void put16(float *out, const v16 *value, float bias, int relu, const float *mask, int n) {
    v16 q = *value + bias;
    if (relu) q = (v16)((v16i)q & (q > 0));
    if (mask) {
        v16 m;
        if (n == 16) LOAD16(m, mask); else load_part(&m, mask, n);
        q = (v16)((v16i)q & (m > 0));
    }
    if (n == 16) STORE16(out, q); else store_part(out, &q, n);
}

void NAME(dd_wino4_output)(const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch, int height, int width,
                           float bias, int relu, const float *mask) {
    const int tiles = dd_tiles_across(width, 4);
    for (int ty = ty0; ty < ty1; ty++) {
        const float *src = m + (long)(ty - ty0) * tiles;
        for (int t = 0; t < tiles; t += 16) {   // reads 16 tiles; those past the row are never stored
            v16 r[6][4];
            for (int i = 0; i < 6; i++) {   // rows first: (M A)[i][a] over the tile's six columns
                const float *s = src + (long)(6 * i) * xi_stride + t;
                v16 s0, s1, s2, s3, s4, s5;
                LOAD16(s0, s); LOAD16(s1, s + xi_stride); LOAD16(s2, s + 2 * xi_stride);
                LOAD16(s3, s + 3 * xi_stride); LOAD16(s4, s + 4 * xi_stride); LOAD16(s5, s + 5 * xi_stride);
                v16 p12 = s1 + s2, m12 = s1 - s2, p34 = s3 + s4, m34 = s3 - s4;
                r[i][0] = s0 + p12 + p34;
                r[i][1] = m12 + 2 * m34;
                r[i][2] = p12 + 4 * p34;
                r[i][3] = m12 + 8 * m34 + s5;
            }
            const int columns = width - 4 * t < 64 ? width - 4 * t : 64;
            for (int b = 0; b < 4 && 4 * ty + b < height; b++) {   // then columns, one output row at a time
                v16 y[4];
                for (int a = 0; a < 4; a++) {
                    y[a] = dd_wino4_at[b][0] * r[0][a] + dd_wino4_at[b][1] * r[1][a] + dd_wino4_at[b][2] * r[2][a]
                         + dd_wino4_at[b][3] * r[3][a] + dd_wino4_at[b][4] * r[4][a] + dd_wino4_at[b][5] * r[5][a];
                }
                v16 q[4];
                UNDEAL(y[0], y[1], y[2], y[3], q[0], q[1], q[2], q[3]);
                const long at = (long)(4 * ty + b + 1) * pitch + 1 + 4 * t;
                for (int k = 0; k < 4 && 16 * k < columns; k++) {
                    const int n = columns - 16 * k < 16 ? columns - 16 * k : 16;
                    put16(plane + at + 16 * k, &q[k], bias, relu, mask ? mask + at + 16 * k : NULL, n);
                }
            }
        }
    }
}

// The Winograd products (M[xi] = U[xi] V[xi], one GEMM per xi) and the fused block, compiled once per
// instruction set by the kernels_*.c files, which set VW (floats per vector), MR x NR (the block of M one
// micro-kernel call keeps in registers; MR divides 8, NR / 2 divides DD_WINO_COLUMNS) and, for bf16, DD_BF16.
// Not a header to include elsewhere.

typedef float vf __attribute__((vector_size(VW * 4)));
#define NV (NR / VW)

// How far ahead of the fp32 micro-kernel's k loop the filters are fetched, in bytes: U streams from L3 (16.8
// MB once a block at 256 channels), and the hardware prefetchers alone held those products to 70–130
// GFLOP/s a core against ~160 with this (Xeon of the README, one thread). The bf16 kernel, at half the
// rate on half the bytes, ran slower with it (conv3_x +3%).
enum { A_AHEAD = 2048 };

#ifndef DD_BF16
// c[MR][NR] (rows ldc apart) = a · b over k: a packed as [k][8] (row i of the block at a[kk * 8 + i]),
// b rows ldb apart.
// nv: NV, or NV / 2 for a half-width last panel (a constant once inlined).
static inline __attribute__((always_inline)) void micro(const float *restrict a, int k, const float *restrict b, long ldb,
                                                        float *restrict c, long ldc, int add, const int nv) {
    vf acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < nv; j++) {
            if (add) memcpy(&acc[i][j], c + i * ldc + j * VW, sizeof(vf)); else acc[i][j] = (vf){0};
        }
#pragma clang loop unroll_count(4)
    for (int kk = 0; kk < k; kk++) {
        if (kk % 2 == 0) __builtin_prefetch((const char *)(a + kk * 8) + A_AHEAD, 0, 2);   // a line per two steps
        vf bv[NV];
        for (int j = 0; j < nv; j++) memcpy(&bv[j], b + kk * ldb + j * VW, sizeof(vf));
        for (int i = 0; i < MR; i++) {
            const float s = a[kk * 8 + i];
            for (int j = 0; j < nv; j++) acc[i][j] += s * bv[j];
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < nv; j++) memcpy(c + i * ldc + j * VW, &acc[i][j], sizeof(vf));
}

// Input channels per pass: a panel of KC × NR floats (32 KB) stays in L1 while every row block uses it.
enum { KC = 256 };

// m[out][columns] = u[out][in] · v[in][columns] (rows of v ldv floats apart, of m ldm), u packed as
// [out/8][in][8]; columns a multiple of NR / 2. Where v's rows are far apart, each panel of NR columns is
// first copied together into `panel` (in * NR floats): rows a power of two apart would fall into a few
// cache sets and evict each other.
static void gemm(const float *restrict u, int out, int in, const float *restrict v, long ldv, long columns,
                 float *restrict m, long ldm, float *restrict panel) {
    for (long n0 = 0; n0 < columns; n0 += NR) {
        const int full = columns - n0 >= NR;
        const float *b = v + n0;
        long ldb = ldv;
        if (ldv > DD_WINO_BLOCK) {
            for (int k = 0; k < in; k++) memcpy(panel + k * NR, v + k * ldv + n0, sizeof(float) * (full ? NR : NR / 2));
            b = panel;
            ldb = NR;
        }
        for (int k0 = 0; k0 < in; k0 += KC) {
            const int kc = in - k0 < KC ? in - k0 : KC;
            for (int m0 = 0; m0 < out; m0 += MR) {
                const float *a = u + ((long)(m0 / 8) * in + k0) * 8 + m0 % 8;
                float *c = m + (long)m0 * ldm + n0;
                if (full) micro(a, kc, b + k0 * ldb, ldb, c, ldm, k0 > 0, NV);
                else micro(a, kc, b + k0 * ldb, ldb, c, ldm, k0 > 0, NV / 2);
            }
        }
    }
}
#else
#include <immintrin.h>

// As above with pairs of bf16: a packed as [k/2][8] pairs, b as [k/2][n] pairs (k and k + 1 of a column
// in one 32-bit lane), fp32 sums.
static inline __attribute__((always_inline)) void micro(const uint32_t *restrict a, int pairs, const uint32_t *restrict b,
                                                        long ldb, float *restrict c, long ldc, const int nv) {
    __m512 acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < nv; j++) acc[i][j] = _mm512_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        __m512bh bv[NV];
        for (int j = 0; j < nv; j++) bv[j] = (__m512bh)_mm512_loadu_si512(b + p * ldb + j * 16);
        for (int i = 0; i < MR; i++) {
            const __m512bh s = (__m512bh)_mm512_set1_epi32((int)a[p * 8 + i]);
            for (int j = 0; j < nv; j++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], s, bv[j]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < nv; j++) _mm512_storeu_ps(c + i * ldc + j * 16, acc[i][j]);
}

// v as [in/2][columns] pairs; m rows ldm apart.
static void gemm(const uint32_t *restrict u, int out, int in, const uint32_t *restrict v, long columns,
                 float *restrict m, long ldm) {
    for (long n0 = 0; n0 < columns; n0 += NR)
        for (int m0 = 0; m0 < out; m0 += MR) {
            const uint32_t *a = u + (long)(m0 / 8) * in / 2 * 8 + m0 % 8;
            float *c = m + (long)m0 * ldm + n0;
            if (columns - n0 >= NR) micro(a, in / 2, v + n0, columns, c, ldm, NV);
            else micro(a, in / 2, v + n0, columns, c, ldm, NV / 2);
        }
}

// vb[p][t] = rows 2p and 2p + 1 of v[in][.] (rows ldv apart) at column t < columns as a bf16 pair.
static void to_pairs(const float *restrict v, int in, long ldv, long columns, uint32_t *restrict vb) {
    for (int p = 0; p < in / 2; p++) {
        const float *restrict even = v + 2L * p * ldv, *restrict odd = even + ldv;
        uint32_t *restrict out = vb + (long)p * columns;
        for (long t = 0; t < columns; t++) out[t] = dd_bf16(even[t]) | (uint32_t)dd_bf16(odd[t]) << 16;
    }
}
#endif

// The first `columns` of n (both a multiple of DD_WINO_COLUMNS); V's rows v_rows apart.
static void products(const void *u, int out_channels, int in_channels, const float *v, long v_stride, long v_rows,
                     float *m, long m_stride, long n, long columns, int xi0, int xi1, void *vb) {
    const long usize = (long)out_channels * in_channels;
    for (int xi = xi0; xi < xi1; xi++) {
        const float *vx = v + xi * v_stride;
        float *mx = m + xi * m_stride;
#ifndef DD_BF16
        gemm((const float *)u + xi * usize, out_channels, in_channels, vx, v_rows, columns, mx, n, (float *)vb);
#else
        to_pairs(vx, in_channels, v_rows, columns, (uint32_t *)vb);
        gemm((const uint32_t *)((const uint16_t *)u + xi * usize), out_channels, in_channels, (const uint32_t *)vb,
             columns, mx, n);
#endif
    }
}

void NAME(dd_wino_products)(const void *u, int out_channels, int in_channels, const float *v, long v_stride,
                            long v_rows, float *m, long m_stride, long n, int xi0, int xi1, void *vb) {
    products(u, out_channels, in_channels, v, v_stride, v_rows, m, m_stride, n, n, xi0, xi1, vb);
}

// Asks for `rows` padded rows from y0 on, columns x0 .. x0 + columns - 1, of one channel: the next block's,
// fetched while this one computes (the hardware prefetchers lose track of a block's 6 rows × every channel).
static inline void fetch_rows(const float *plane, long pitch, int y0, int rows, int last_row, int x0, int columns,
                              int write) {
    for (int y = y0; y < y0 + rows && y <= last_row; y++) {
        const float *p = plane + (long)y * pitch + x0;
        for (int x = 0; x < columns; x += 16) {
            if (write) __builtin_prefetch(p + x, 1, 2); else __builtin_prefetch(p + x, 0, 2);
        }
    }
}

// The same for a pooled gradient and its codes (dd_unpool): what padded rows y0 .. y0 + rows - 1, columns
// x0 .. x0 + columns - 1 of the map it makes read.
static inline void fetch_pooled(const dd_unpool *unpool, int c, int height, int width, int y0, int rows, int x0,
                                int columns) {
    const int h = height / 2, w = width / 2;
    fetch_rows(unpool->gradient + c * unpool->plane, w + 2, y0 / 2, rows / 2 + 1, h + 1, x0 / 2, columns / 2 + 1, 0);
    const uint8_t *codes = unpool->codes + c * unpool->code_plane;
    for (int y = y0 / 2; y < y0 / 2 + rows / 2 && y < h; y++)
        for (int x = x0 / 2; x < x0 / 2 + columns / 2 && x < w; x += 64) __builtin_prefetch(codes + (long)y * w + x, 0, 2);
}

// One channel's transforms of tile size `tile`, as the dispatchers in winograd.c pick them.
static inline void input_rows(int tile, const float *plane, long pitch, int height, int width, int ty, float *v,
                              long xi_stride, float *work) {
    if (tile == 6) NAME(dd_wino6_input)(plane, pitch, height, width, ty, ty + 1, v, xi_stride, work);
    else NAME(dd_wino4_input)(plane, pitch, height, width, ty, ty + 1, v, xi_stride, work);
}

static inline void output_rows(int tile, const float *m, long xi_stride, int ty, float *plane, long pitch, int height,
                               int width, float bias, int relu, const float *mask) {
    if (tile == 6) NAME(dd_wino6_output)(m, xi_stride, ty, ty + 1, plane, pitch, height, width, bias, relu, mask);
    else NAME(dd_wino4_output)(m, xi_stride, ty, ty + 1, plane, pitch, height, width, bias, relu, mask);
}

void NAME(dd_wino_block)(int tile, const float *input, const dd_unpool *unpool, int in_channels, const void *u,
                         int out_channels, long plane, int height, int width, long first, int block,
                         const float *bias, int relu, const float *mask, float *output, const dd_pool *pool,
                         float *scratch) {
    const long pitch = width + 2;
    const int across = dd_tiles_across(width, tile), xis = (tile + 2) * (tile + 2);
    const long total = (long)across * dd_tiles_across(height, tile);
    const int tiles = total - first < block ? (int)(total - first) : block;
    const long v_stride = dd_wino_xi_stride(in_channels, block), m_stride = dd_wino_xi_stride(out_channels, block);
    float *v = scratch, *m = v + xis * v_stride, *work = m + xis * m_stride;
    uint16_t *vb = (uint16_t *)(work + dd_wino_work_floats(tile));
    float *band = work + dd_wino_work_floats(tile) + in_channels * block / 2;   // one channel's rows of a run
    const long band_pitch = dd_block_rows_pitch(tile, block);
    // The first tile row of the block the same thread takes next (Sources/Dream/Winograd.swift hands out
    // runs of blocks), fetched ahead.
    const long next = first + block < total ? first + block : first;
    const int next_y = tile * (int)(next / across), next_x = tile * (int)(next % across);
    const int next_columns = tile * (across - (int)(next % across) < block ? across - (int)(next % across) : block);
    // The block's tiles in runs along tile rows: run r is tiles at .. at + count - 1 of the block, from
    // tile (ty, tx) of the map on, covering `cols` columns.
    struct { int ty, tx, cols, at; } runs[block];
    int nruns = 0;
    for (int at = 0, count; at < tiles; at += count, nruns++) {
        const int ty = (int)((first + at) / across), tx = (int)((first + at) % across);
        count = across - tx < tiles - at ? across - tx : tiles - at;
        runs[nruns].ty = ty; runs[nruns].tx = tx; runs[nruns].at = at;
        runs[nruns].cols = width - tile * tx < tile * count ? width - tile * tx : tile * count;
    }
    for (int c = 0; c < in_channels; c++) {
        if (unpool) fetch_pooled(unpool, c, height, width, next_y, tile + 2, next_x, next_columns + 2);
        else fetch_rows(input + c * plane, pitch, next_y, tile + 2, height + 1, next_x, next_columns + 2, 0);
        for (int r = 0; r < nruns; r++) {
            float *vc = v + (long)c * block + runs[r].at;
            if (!unpool) {
                input_rows(tile, input + c * plane + tile * runs[r].tx, pitch, height, runs[r].cols, runs[r].ty, vc,
                           v_stride, work);
                continue;
            }
            // The run's tile + 2 padded rows (fewer at the map's bottom), made in `band` and transformed as its
            // tile row 0.
            const int y0 = tile * runs[r].ty, rows = height + 2 - y0 < tile + 2 ? height + 2 - y0 : tile + 2;
            NAME(dd_pool2x2_backward_rows)(unpool->codes + c * unpool->code_plane, unpool->gradient + c * unpool->plane,
                                     height, width, unpool->through_relu, y0, rows, tile * runs[r].tx,
                                     runs[r].cols + 2, band, band_pitch);
            input_rows(tile, band, band_pitch, rows - 2, runs[r].cols, 0, vc, v_stride, work);
        }
    }
    // The map's end: products for whole groups of DD_WINO_COLUMNS tiles, none stale.
    const int columns = (tiles + DD_WINO_COLUMNS - 1) / DD_WINO_COLUMNS * DD_WINO_COLUMNS;
    if (tiles < columns) {
        for (int xi = 0; xi < xis; xi++)
            for (int c = 0; c < in_channels; c++) memset(v + xi * v_stride + c * block + tiles, 0, sizeof(float) * (columns - tiles));
    }
    products(u, out_channels, in_channels, v, v_stride, block, m, m_stride, block, columns, 0, xis, vb);
    const long pooled_pitch = width / 2 + 2;
    for (int c = 0; c < out_channels; c++) {
        if (!pool) {
            fetch_rows(output + c * plane, pitch, next_y + 1, tile, height, next_x + 1, next_columns, 1);
            if (mask) fetch_rows(mask + c * plane, pitch, next_y + 1, tile, height, next_x + 1, next_columns, 0);
        }
        for (int r = 0; r < nruns; r++) {
            const float *mc = m + (long)c * block + runs[r].at;
            const float b = bias ? bias[c] : 0;
            if (!pool) {
                const long at = c * plane + tile * runs[r].tx;
                output_rows(tile, mc, m_stride, runs[r].ty, output + at, pitch, height, runs[r].cols, b, relu,
                            mask ? mask + at : NULL);
                continue;
            }
            // The run's rows (fewer at the map's bottom) into `band` as its tile row 0, pooled from there
            // (tile rows and columns start even, so no window straddles two runs).
            const int y0 = tile * runs[r].ty, x0 = tile * runs[r].tx, rows = height - y0 < tile ? height - y0 : tile;
            output_rows(tile, mc, m_stride, 0, band, band_pitch, rows, runs[r].cols, b, relu, NULL);
            NAME(dd_pool2x2_forward_rows)(band + band_pitch + 1, band_pitch, rows, runs[r].cols,
                                    pool->output + c * pool->plane + (y0 / 2 + 1) * pooled_pitch + x0 / 2 + 1, pooled_pitch,
                                    pool->codes + c * pool->code_plane + (long)(y0 / 2) * (width / 2) + x0 / 2, width / 2);
        }
    }
}

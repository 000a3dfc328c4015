// The Winograd products (M[xi] = U[xi] V[xi], one GEMM per xi) and the fused block, compiled once per
// instruction set by the kernels_*.c files, which set VW (floats per vector), MR x NR (the block of M one
// micro-kernel call keeps in registers; MR divides 8, NR divides DD_WINO4_BLOCK) and, for bf16, DD_BF16.
// Not a header to include elsewhere.

typedef float vf __attribute__((vector_size(VW * 4)));
#define NV (NR / VW)

#ifndef DD_BF16
// c[MR][NR] (rows ldc apart) = a · b over k: a packed as [k][8] (row i of the block at a[kk * 8 + i]),
// b rows ldb apart.
static inline void micro(const float *restrict a, int k, const float *restrict b, long ldb, float *restrict c,
                         long ldc, int add) {
    vf acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NV; j++) {
            if (add) memcpy(&acc[i][j], c + i * ldc + j * VW, sizeof(vf)); else acc[i][j] = (vf){0};
        }
#pragma clang loop unroll_count(4)
    for (int kk = 0; kk < k; kk++) {
        vf bv[NV];
        for (int j = 0; j < NV; j++) memcpy(&bv[j], b + kk * ldb + j * VW, sizeof(vf));
        for (int i = 0; i < MR; i++) {
            const float s = a[kk * 8 + i];
            for (int j = 0; j < NV; j++) acc[i][j] += s * bv[j];
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NV; j++) memcpy(c + i * ldc + j * VW, &acc[i][j], sizeof(vf));
}

// Input channels per pass: a panel of KC × NR floats (32 KB) stays in L1 while every row block uses it.
enum { KC = 256 };

// m[out][n] = u[out][in] · v[in][n], u packed as [out/8][in][8]. Where v's rows are far apart, each panel
// of NR columns is first copied together into `panel` (in * NR floats): rows a power of two apart would
// fall into a few cache sets and evict each other.
static void gemm(const float *restrict u, int out, int in, const float *restrict v, float *restrict m, long n,
                 float *restrict panel) {
    for (long n0 = 0; n0 < n; n0 += NR) {
        const float *b = v + n0;
        long ldb = n;
        if (n > DD_WINO4_BLOCK) {
            for (int k = 0; k < in; k++) memcpy(panel + k * NR, v + k * n + n0, sizeof(float) * NR);
            b = panel;
            ldb = NR;
        }
        for (int k0 = 0; k0 < in; k0 += KC) {
            const int kc = in - k0 < KC ? in - k0 : KC;
            for (int m0 = 0; m0 < out; m0 += MR)
                micro(u + ((long)(m0 / 8) * in + k0) * 8 + m0 % 8, kc, b + k0 * ldb, ldb, m + (long)m0 * n + n0, n, k0 > 0);
        }
    }
}
#else
#include <immintrin.h>

// As above with pairs of bf16: a packed as [k/2][8] pairs, b as [k/2][n] pairs (k and k + 1 of a column
// in one 32-bit lane), fp32 sums.
static inline void micro(const uint32_t *restrict a, int pairs, const uint32_t *restrict b, long ldb,
                         float *restrict c, long ldc) {
    __m512 acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NV; j++) acc[i][j] = _mm512_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        __m512bh bv[NV];
        for (int j = 0; j < NV; j++) bv[j] = (__m512bh)_mm512_loadu_si512(b + p * ldb + j * 16);
        for (int i = 0; i < MR; i++) {
            const __m512bh s = (__m512bh)_mm512_set1_epi32((int)a[p * 8 + i]);
            for (int j = 0; j < NV; j++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], s, bv[j]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NV; j++) _mm512_storeu_ps(c + i * ldc + j * 16, acc[i][j]);
}

static void gemm(const uint32_t *restrict u, int out, int in, const uint32_t *restrict v, float *restrict m, long n) {
    for (long n0 = 0; n0 < n; n0 += NR)
        for (int m0 = 0; m0 < out; m0 += MR)
            micro(u + (long)(m0 / 8) * in / 2 * 8 + m0 % 8, in / 2, v + n0, n, m + (long)m0 * n + n0, n);
}

// vb[p][t] = rows 2p and 2p + 1 of v[in][n] at column t as a bf16 pair.
static void to_pairs(const float *restrict v, int in, long n, uint32_t *restrict vb) {
    for (int p = 0; p < in / 2; p++) {
        const float *restrict even = v + 2L * p * n, *restrict odd = even + n;
        uint32_t *restrict out = vb + (long)p * n;
        for (long t = 0; t < n; t++) out[t] = dd_bf16(even[t]) | (uint32_t)dd_bf16(odd[t]) << 16;
    }
}
#endif

void NAME(dd_wino4_products)(const void *u, int out_channels, int in_channels, const float *v, long v_stride,
                             float *m, long m_stride, long n, int xi0, int xi1, void *vb) {
    const long usize = (long)out_channels * in_channels;
    for (int xi = xi0; xi < xi1; xi++) {
        const float *vx = v + xi * v_stride;
        float *mx = m + xi * m_stride;
#ifndef DD_BF16
        gemm((const float *)u + xi * usize, out_channels, in_channels, vx, mx, n, (float *)vb);
#else
        to_pairs(vx, in_channels, n, (uint32_t *)vb);
        gemm((const uint32_t *)((const uint16_t *)u + xi * usize), out_channels, in_channels, (const uint32_t *)vb, mx, n);
#endif
    }
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

void NAME(dd_wino4_block)(const float *input, int in_channels, const void *u, int out_channels, long plane,
                          int height, int width, int ty, int tx0, int block, const float *bias, int relu,
                          const float *mask, float *output, float *scratch) {
    const long pitch = width + 2;
    const int cols = width - 4 * tx0 < 4 * block ? width - 4 * tx0 : 4 * block;
    const int tiles = dd_tiles_across(cols);
    const long v_stride = dd_wino4_xi_stride(in_channels, block), m_stride = dd_wino4_xi_stride(out_channels, block);
    float *v = scratch, *m = v + 36 * v_stride, *work = m + 36 * m_stride;
    uint16_t *vb = (uint16_t *)(work + dd_wino4_work_floats());
    // The block the same thread takes next (Sources/Dream/Winograd.swift hands out runs of blocks).
    const int next_across = tx0 + block < dd_tiles_across(width), next_ty = next_across ? ty : ty + 1;
    const int next_x = next_across ? 4 * (tx0 + block) : 0;
    for (int c = 0; c < in_channels; c++) {
        fetch_rows(input + c * plane, pitch, 4 * next_ty, 6, height + 1, next_x, 4 * block + 2, 0);
        NAME(dd_wino4_input)(input + c * plane + 4 * tx0, pitch, height, cols, ty, ty + 1, v + (long)c * block,
                             v_stride, work);
    }
    if (tiles < block) {   // the right edge: no stale tiles in the products
        for (int xi = 0; xi < 36; xi++)
            for (int c = 0; c < in_channels; c++) memset(v + xi * v_stride + c * block + tiles, 0, sizeof(float) * (block - tiles));
    }
    NAME(dd_wino4_products)(u, out_channels, in_channels, v, v_stride, m, m_stride, block, 0, 36, vb);
    for (int c = 0; c < out_channels; c++) {
        fetch_rows(output + c * plane, pitch, 4 * next_ty + 1, 4, height, next_x + 1, 4 * block, 1);
        if (mask) fetch_rows(mask + c * plane, pitch, 4 * next_ty + 1, 4, height, next_x + 1, 4 * block, 0);
        NAME(dd_wino4_output)(m + (long)c * block, m_stride, ty, ty + 1,
                              output + c * plane + 4 * tx0, pitch, height, cols, bias ? bias[c] : 0, relu,
                              mask ? mask + c * plane + 4 * tx0 : NULL);
    }
}

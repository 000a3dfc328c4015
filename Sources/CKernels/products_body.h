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
                         long ldc) {
    vf acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NV; j++) acc[i][j] = (vf){0};
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

// m[out][n] = u[out][in] · v[in][n], u packed as [out/8][in][8].
static void gemm(const float *restrict u, int out, int in, const float *restrict v, float *restrict m, long n) {
    for (long n0 = 0; n0 < n; n0 += NR)
        for (int m0 = 0; m0 < out; m0 += MR)
            micro(u + (long)(m0 / 8) * in * 8 + m0 % 8, in, v + n0, n, m + (long)m0 * n + n0, n);
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

void NAME(dd_wino4_products)(const void *u, int out_channels, int in_channels, const float *v, float *m, long n,
                             int xi0, int xi1, uint16_t *vb) {
    const long usize = (long)out_channels * in_channels;
    for (int xi = xi0; xi < xi1; xi++) {
        const float *vx = v + xi * in_channels * n;
        float *mx = m + xi * out_channels * n;
#ifndef DD_BF16
        (void)vb;
        gemm((const float *)u + xi * usize, out_channels, in_channels, vx, mx, n);
#else
        to_pairs(vx, in_channels, n, (uint32_t *)vb);
        gemm((const uint32_t *)((const uint16_t *)u + xi * usize), out_channels, in_channels, (const uint32_t *)vb, mx, n);
#endif
    }
}

void NAME(dd_wino4_block)(const float *input, int in_channels, const void *u, int out_channels, long plane,
                          int height, int width, int ty, int tx0, const float *bias, int relu, const float *mask,
                          float *output, float *scratch) {
    const int block = DD_WINO4_BLOCK;
    const long pitch = width + 2;
    const int cols = width - 4 * tx0 < 4 * block ? width - 4 * tx0 : 4 * block;
    const int tiles = dd_tiles_across(cols);
    float *v = scratch, *m = v + 36L * in_channels * block, *work = m + 36L * out_channels * block;
    uint16_t *vb = (uint16_t *)(work + dd_wino4_work_floats(4 * block));
    for (int c = 0; c < in_channels; c++) {
        NAME(dd_wino4_input)(input + c * plane + 4 * tx0, pitch, height, cols, ty, ty + 1, v + (long)c * block,
                             (long)in_channels * block, work);
    }
    if (tiles < block) {   // the right edge: no stale tiles in the products
        for (long row = 0; row < 36L * in_channels; row++) memset(v + row * block + tiles, 0, sizeof(float) * (block - tiles));
    }
    NAME(dd_wino4_products)(u, out_channels, in_channels, v, m, block, 0, 36, vb);
    for (int c = 0; c < out_channels; c++) {
        NAME(dd_wino4_output)(m + (long)c * block, (long)out_channels * block, ty, ty + 1,
                              output + c * plane + 4 * tx0, pitch, height, cols, bias ? bias[c] : 0, relu,
                              mask ? mask + c * plane + 4 * tx0 : NULL, work);
    }
}

#include "kernels_common.h"

// What every instruction set shares (filters, packing, sizes), and the dispatch to kernels_*.c.

long dd_wino_work_floats(int tile) {   // the column pass of tile + 2 padded rows
    return tile == 6 ? 8 * DD_WINO6_SPAN : 6 * DD_WINO4_SPAN;
}

long dd_wino_xi_stride(int channels, long n) { return channels * n + 16; }

long dd_wino_block_floats(int tile, int in_channels, int out_channels, int block) {
    return (tile + 2) * (tile + 2) * (dd_wino_xi_stride(in_channels, block) + dd_wino_xi_stride(out_channels, block))
        + dd_wino_work_floats(tile) + in_channels * block / 2 + (tile + 2) * dd_block_rows_pitch(tile, block);
}

int dd_isa_supported(dd_isa isa) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    switch (isa) {
    case DD_ISA_GENERIC: return 1;
    case DD_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case DD_ISA_AVX512:
        return dd_isa_supported(DD_ISA_AVX2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    case DD_ISA_AVX512_BF16: return dd_isa_supported(DD_ISA_AVX512) && __builtin_cpu_supports("avx512bf16");
    }
    return 0;
#else
    return isa == DD_ISA_GENERIC;
#endif
}

void dd_wino4_filters(const float *taps, int out_channels, int in_channels, long first, long count, float *u) {
    const long size = (long)out_channels * in_channels;
    const float q = 1.0f / 4, s = 1.0f / 6, t12 = 1.0f / 12, t24 = 1.0f / 24;
    for (long n = first; n < first + count; n++) {
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

// G for F(6x6, 3x3): row p is [1, p, p²] scaled for points 0, 1, -1, 2, -2, 1/2, -1/2, and [0, 0, 1].
static const double g6[8][3] = {
    {1, 0, 0}, {-2. / 9, -2. / 9, -2. / 9}, {-2. / 9, 2. / 9, -2. / 9}, {1. / 90, 1. / 45, 2. / 45},
    {1. / 90, -1. / 45, 2. / 45}, {32. / 45, 16. / 45, 8. / 45}, {32. / 45, -16. / 45, 8. / 45}, {0, 0, 1}};

void dd_wino6_filters(const float *taps, int out_channels, int in_channels, long first, long count, float *u) {
    const long size = (long)out_channels * in_channels;
    for (long n = first; n < first + count; n++) {
        double t[8][3];   // G g, then (G g) G^T; in double, once per filter
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 3; c++)
                t[r][c] = g6[r][0] * taps[c * size + n] + g6[r][1] * taps[(3 + c) * size + n] + g6[r][2] * taps[(6 + c) * size + n];
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++)
                u[(long)(r * 8 + c) * size + n] = (float)(t[r][0] * g6[c][0] + t[r][1] * g6[c][1] + t[r][2] * g6[c][2]);
    }
}

void dd_wino_pack(int xis, const float *u, int out_channels, int in_channels, float *packed) {
    const long size = (long)out_channels * in_channels;
    for (int xi = 0; xi < xis; xi++)
        for (int o = 0; o < out_channels; o++)
            for (int i = 0; i < in_channels; i++)
                packed[xi * size + ((long)(o / 8) * in_channels + i) * 8 + o % 8] = u[xi * size + (long)o * in_channels + i];
}

void dd_wino_pack_bf16(int xis, const float *packed, int out_channels, int in_channels, uint16_t *packed_bf16) {
    const long size = (long)out_channels * in_channels;
    for (int xi = 0; xi < xis; xi++)
        for (int ob = 0; ob < out_channels / 8; ob++)
            for (int i = 0; i < in_channels; i++)
                for (int r = 0; r < 8; r++)
                    packed_bf16[xi * size + (((long)ob * (in_channels / 2) + i / 2) * 8 + r) * 2 + i % 2] =
                        dd_bf16(packed[xi * size + ((long)ob * in_channels + i) * 8 + r]);
}

void dd_wino4_input(dd_isa isa, const float *plane, long pitch, int height, int width, int ty0, int ty1,
                    float *v, long xi_stride, float *work) {
    DISPATCH(isa, dd_wino4_input, (plane, pitch, height, width, ty0, ty1, v, xi_stride, work))
}

void dd_wino6_input(dd_isa isa, const float *plane, long pitch, int height, int width, int ty0, int ty1,
                    float *v, long xi_stride, float *work) {
    DISPATCH(isa, dd_wino6_input, (plane, pitch, height, width, ty0, ty1, v, xi_stride, work))
}

void dd_wino4_output(dd_isa isa, const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch,
                     int height, int width, float bias, int relu, const float *mask) {
    DISPATCH(isa, dd_wino4_output, (m, xi_stride, ty0, ty1, plane, pitch, height, width, bias, relu, mask))
}

void dd_wino6_output(dd_isa isa, const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch,
                     int height, int width, float bias, int relu, const float *mask) {
    DISPATCH(isa, dd_wino6_output, (m, xi_stride, ty0, ty1, plane, pitch, height, width, bias, relu, mask))
}

void dd_wino_products(dd_isa isa, const void *u, int out_channels, int in_channels, const float *v, long v_stride,
                      long v_rows, float *m, long m_stride, long n, int xi0, int xi1, void *work) {
    DISPATCH(isa, dd_wino_products, (u, out_channels, in_channels, v, v_stride, v_rows, m, m_stride, n, xi0, xi1, work))
}

void dd_wino_block(dd_isa isa, int tile, const float *input, const dd_unpool *unpool, int in_channels, const void *u,
                   int out_channels, long plane, int height, int width, long first, int block, const float *bias,
                   int relu, const float *mask, float *output, const dd_pool *pool, float *scratch) {
    DISPATCH(isa, dd_wino_block, (tile, input, unpool, in_channels, u, out_channels, plane, height, width, first, block,
                                  bias, relu, mask, output, pool, scratch))
}

#ifndef DEEPDREAM_KERNELS_COMMON_H
#define DEEPDREAM_KERNELS_COMMON_H

#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "conv3x3_rows.h"
#include "pool2x2.h"
#include "store_row.h"
#include "winograd.h"

// Shared by the per-instruction-set kernels_*.c files.

#define DD_PASTE2(a, b) a##_##b
#define DD_PASTE(a, b) DD_PASTE2(a, b)
#define NAME(f) DD_PASTE(f, ISA_SUFFIX)

// Floats of one row of an input transform's column pass, whole vectors of 16: F(4×4)'s 32 tiles read
// columns 0..129, the last group's +4 shift reads to 131; F(6×6)'s read 0..193.
enum { DD_WINO4_SPAN = 144, DD_WINO6_SPAN = 208 };

// Floats between the rows dd_wino_block unpools or pools for one channel: a block's columns and border,
// whole vectors.
static inline long dd_block_rows_pitch(int tile, int block) { return (tile * block + 2 + 15) / 16 * 16; }

// Tiles of size `tile` across `width` columns.
static inline int dd_tiles_across(int width, int tile) { return (width + tile - 1) / tile; }

// Row b of A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
static const float dd_wino4_at[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

// bf16 of x, rounded to nearest even (inputs are finite).
static inline uint16_t dd_bf16(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    return (uint16_t)((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

// The per-instruction-set entry points behind the dispatchers in winograd.c.
#define DD_DECLARE(suffix)                                                                                     \
    void dd_wino4_input_##suffix(const float *plane, long pitch, int height, int width, int ty0, int ty1,     \
                                 float *v, long xi_stride, float *work);                                      \
    void dd_wino6_input_##suffix(const float *plane, long pitch, int height, int width, int ty0, int ty1,     \
                                 float *v, long xi_stride, float *work);                                      \
    void dd_wino4_output_##suffix(const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch,  \
                                  int height, int width, float bias, int relu, const float *mask);             \
    void dd_wino6_output_##suffix(const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch,  \
                                  int height, int width, float bias, int relu, const float *mask);             \
    void dd_wino_products_##suffix(const void *u, int out_channels, int in_channels, const float *v,         \
                                   long v_stride, long v_rows, float *m, long m_stride, long n, int xi0,      \
                                   int xi1, void *vb);                                                        \
    void dd_wino_block_##suffix(int tile, const float *input, const dd_unpool *unpool, int in_channels,       \
                                const void *u, int out_channels, long plane, int height, int width, long first, \
                                int block, const float *bias, int relu, const float *mask, float *output,      \
                                const dd_pool *pool, float *scratch);                                    \
    void dd_pool2x2_forward_rows_##suffix(const float *input, long pitch, int rows, int columns, float *output, \
                                          long out_pitch, uint8_t *codes, long code_pitch);                   \
    void dd_pool2x2_backward_rows_##suffix(const uint8_t *codes, const float *gradient, int height, int width,  \
                                           int through_relu, int y0, int rows, int x0, int columns, float *out, \
                                           long out_pitch);                                                    \
    void dd_conv3x3_rows_##suffix(const float *input, int in_channels, const float *taps, int out_channels,    \
                                  int o0, int count, int height, int width, int y0, int y1, const float *bias, \
                                  int relu, const float *mask, float *output);
DD_DECLARE(generic)
DD_DECLARE(avx2)
DD_DECLARE(avx512)
DD_DECLARE(avx512bf16)

// `f` for `isa`: f_avx512bf16, f_avx512, f_avx2 or f_generic called with `args`.
#if defined(__x86_64__)
#define DISPATCH(isa, f, args)                          \
    switch (isa) {                                      \
    case DD_ISA_AVX512_BF16: f##_avx512bf16 args; break; \
    case DD_ISA_AVX512: f##_avx512 args; break;         \
    case DD_ISA_AVX2: f##_avx2 args; break;             \
    default: f##_generic args; break;                   \
    }
#else
#define DISPATCH(isa, f, args) f##_generic args
#endif

#endif

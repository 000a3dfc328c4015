#ifndef DEEPDREAM_WINOGRAD_H
#define DEEPDREAM_WINOGRAD_H
#include <stdint.h>
// Winograd convolution F(m×m, 3×3) (Lavin & Gray 2015) for tiles of m = 4 (points 0, ±1, ±2) or m = 6
// (points 0, ±1, ±2, ±1/2): an (m+2)² input tile gives an m×m output tile with (m+2)² multiplications
// instead of 9m² (F(4×4): 36 for 16 outputs, F(6×6): 64 for 36). Per channel, the input tiles are
// transformed (V = B^T d B), the (m+2)² products over channels M[xi] = U[xi] V[xi] are GEMMs, and the
// output transform (Y = A^T M A) gives the tiles back. F(6×6) does 21% fewer products; its transforms
// round more (larger coefficients), which bf16 products would amplify.
//
// Feature maps are in the padded CHW layout of Sources/Dream/FeatureMaps.swift: one channel is
// (height + 2) rows of `pitch` = width + 2 floats with a zero border. Tile (ty, tx) reads padded rows
// m·ty .. m·ty + m + 1 and the same columns (zero past the map) and writes unpadded rows m·ty .. m·ty + m - 1
// and the same columns (only those inside the map). Tiles are numbered row by row.
//
// Every kernel below is built for several instruction sets; `isa` picks one, and must be one that
// dd_isa_supported accepts. DD_ISA_AVX512_BF16 runs the products in bf16 (inputs rounded to nearest even,
// fp32 sums, vdpbf16ps) and takes filters packed by dd_wino_pack_bf16; the others run in fp32.
typedef enum { DD_ISA_GENERIC = 0, DD_ISA_AVX2 = 1, DD_ISA_AVX512 = 2, DD_ISA_AVX512_BF16 = 3 } dd_isa;
// Whether this CPU (and its OS) runs `isa`.
int dd_isa_supported(dd_isa isa);
// A block's tiles are a multiple of DD_WINO_BLOCK, the products' n of DD_WINO_COLUMNS.
enum { DD_WINO_BLOCK = 32, DD_WINO_COLUMNS = 16 };
// Floats of `work` the input transform of tile size `tile` (4 or 6) needs.
long dd_wino_work_floats(int tile);
// U[xi][o][i] (xi = 0..(tile+2)²-1) = G g G^T for each 3x3 filter g of taps[t][o][i] (t = ky*3 + kx), for
// the `count` filters from o * in_channels + i = first on (so that threads can share the work).
void dd_wino4_filters(const float *taps, int out_channels, int in_channels, long first, long count, float *u);
void dd_wino6_filters(const float *taps, int out_channels, int in_channels, long first, long count, float *u);
// U of `xis` matrices packed for the products (out_channels a multiple of 8): fp32 as [xi][o/8][i][8];
// bf16, from the fp32 packing, as [xi][o/8][i/2][8][2] (in_channels even).
void dd_wino_pack(int xis, const float *u, int out_channels, int in_channels, float *packed);
void dd_wino_pack_bf16(int xis, const float *packed, int out_channels, int in_channels, uint16_t *packed_bf16);
// V[xi * xi_stride + t] for tiles of rows [ty0, ty1) of one channel, t counted from (ty0, 0); `width`
// columns of the map from `plane` on (plus the border) are read, rows are `pitch` floats apart.
void dd_wino4_input(dd_isa isa, const float *plane, long pitch, int height, int width, int ty0, int ty1,
                    float *v, long xi_stride, float *work);
void dd_wino6_input(dd_isa isa, const float *plane, long pitch, int height, int width, int ty0, int ty1,
                    float *v, long xi_stride, float *work);
// Output tiles of rows [ty0, ty1) of one channel from M[xi * xi_stride + t], plus bias; then ReLU when
// relu != 0; then, when mask is not NULL, zero wherever the same cell of mask (same layout) is <= 0.
void dd_wino4_output(dd_isa isa, const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch,
                     int height, int width, float bias, int relu, const float *mask);
void dd_wino6_output(dd_isa isa, const float *m, long xi_stride, int ty0, int ty1, float *plane, long pitch,
                     int height, int width, float bias, int relu, const float *mask);
// Floats between one xi's matrix of `channels` rows of n and the next: a little over channels * n, so that
// the rows a transform writes or reads for one tile do not all fall into the same cache sets.
long dd_wino_xi_stride(int channels, long n);
// M[xi] = U[xi] V[xi] for xi in [xi0, xi1): V[xi] is [in][n] at v + xi * v_stride, its rows v_rows apart
// (n, or (tile + 2)² rows where each channel's matrices lie together); M[xi] is [out][n] at m + xi * m_stride,
// n a multiple of DD_WINO_COLUMNS. `u` is packed for `isa`. `work`: bf16, in_channels * n uint16 values;
// fp32 with rows over DD_WINO_BLOCK apart, in_channels * DD_WINO_BLOCK floats; else unused.
void dd_wino_products(dd_isa isa, const void *u, int out_channels, int in_channels, const float *v, long v_stride,
                      long v_rows, float *m, long m_stride, long n, int xi0, int xi1, void *work);
// Floats of scratch one dd_wino_block call of `block` tiles of size `tile` needs.
long dd_wino_block_floats(int tile, int in_channels, int out_channels, int block);
// A convolution's input given as a 2x2 max-pooling's output gradient (pool2x2.h): the map
// dd_pool2x2_backward would write from these, made a block's rows at a time instead of whole. `gradient`
// holds a channel every `plane` floats, `codes` every `code_plane` bytes.
typedef struct {
    const float *gradient;
    const uint8_t *codes;
    long plane, code_plane;
    int through_relu;
} dd_unpool;
// A convolution's output given to a 2x2 max-pooling (pool2x2.h): what dd_pool2x2_forward would make of the
// output map (the maxima into `output`, a channel every `plane` floats; codes every `code_plane` bytes),
// made a block's rows at a time; the map itself is never written.
typedef struct {
    float *output;
    uint8_t *codes;
    long plane, code_plane;
} dd_pool;
// The whole convolution for tiles first .. first + block - 1 (a multiple of DD_WINO_BLOCK, counted row by
// row over the map; fewer at its end), which may span several tile rows: input transforms, products and
// output transforms in one pass, so that a block's tiles stay in cache. The input is `input`, or, where
// `unpool` is not NULL (input NULL), the map it makes; the output goes to `output`, or, where `pool` is
// not NULL (output and mask NULL), pooled. Channels are `plane` floats apart in input, output and mask;
// bias has out_channels values, or is NULL.
void dd_wino_block(dd_isa isa, int tile, const float *input, const dd_unpool *unpool, int in_channels, const void *u,
                   int out_channels, long plane, int height, int width, long first, int block, const float *bias,
                   int relu, const float *mask, float *output, const dd_pool *pool, float *scratch);
#endif

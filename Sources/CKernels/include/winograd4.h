#ifndef DEEPDREAM_WINOGRAD4_H
#define DEEPDREAM_WINOGRAD4_H

// Winograd F(4x4, 3x3) transforms (Lavin & Gray 2015, points 0, ±1, ±2): a 6x6 input tile gives a 4x4
// output tile with 36 multiplications instead of 144. The 36 products over channels are GEMMs done by the
// caller; these are the per-channel transforms around them. Feature maps are in the padded CHW layout
// of Sources/Dream/FeatureMaps.swift: one channel is (height + 2) rows of (width + 2) floats with a zero
// border. Tile (ty, tx) reads padded rows 4ty..4ty+5 and columns 4tx..4tx+5 (zero past the map) and
// writes unpadded rows 4ty..4ty+3 and columns 4tx..4tx+3 (only those inside the map).

// Floats of `work` the transforms below need for maps `width` wide.
long dd_wino4_work_floats(int width);

// U[xi][o][i] (xi = 0..35) = G g G^T for each 3x3 filter g of taps[t][o][i] (t = ky*3 + kx).
void dd_wino4_filters(const float *taps, int out_channels, int in_channels, float *u);

// V[xi * xi_stride + t] for tiles of rows [ty0, ty1) of one channel, t counted from (ty0, 0).
void dd_wino4_input(const float *plane, int height, int width, int ty0, int ty1,
                    float *v, long xi_stride, float *work);

// Output tiles of rows [ty0, ty1) of one channel from M[xi * xi_stride + t], plus bias; then ReLU when
// relu != 0; then, when mask is not NULL, zero wherever the same cell of mask (same layout) is <= 0.
void dd_wino4_output(const float *m, long xi_stride, int ty0, int ty1, float *plane, int height, int width,
                     float bias, int relu, const float *mask, float *work);

#endif

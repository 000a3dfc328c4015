#ifndef DEEPDREAM_CONV3X3_ROWS_H
#define DEEPDREAM_CONV3X3_ROWS_H

#include "winograd.h"

// Output channels one dd_conv3x3_rows call takes at most.
enum { DD_ROWS_CHANNELS = 4 };

// Direct 3x3 convolution of output channels [o0, o0 + count) (count <= DD_ROWS_CHANNELS) over output rows
// [y0, y1), for layers too thin for GEMMs (conv1_1: 3 input channels forward, 3 output channels backward).
// Padded CHW layout as in winograd.h: `input` holds in_channels planes of (height + 2) * (width + 2)
// floats, `output` and `mask` out_channels such planes. taps[t][o][i] (t = ky*3 + kx) as
// Sources/Dream/Conv3x3.swift stores them. Adds bias (out_channels values, or NULL); then ReLU when
// relu != 0; then, when mask is not NULL, zero wherever mask is <= 0. `isa` as in winograd.h.
void dd_conv3x3_rows(dd_isa isa, const float *input, int in_channels, const float *taps, int out_channels, int o0,
                     int count, int height, int width, int y0, int y1, const float *bias, int relu, const float *mask,
                     float *output);

#endif

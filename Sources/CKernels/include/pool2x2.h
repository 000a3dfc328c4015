#ifndef DEEPDREAM_POOL2X2_H
#define DEEPDREAM_POOL2X2_H

#include <stdint.h>

#include "winograd.h"

// 2x2 max-pooling, stride 2, floor semantics, for one channel in the padded layout of winograd.h (input
// and input_gradient height x width, output and gradient height/2 x width/2). Forward writes each window's
// maximum and, in codes (height/2 rows of width/2 bytes, unpadded), where its first maximum lies in
// row-major order (0..3), plus DD_POOL_NOT_POSITIVE when that maximum is not positive. `isa` as in
// winograd.h; every instruction set gives the same bits.
enum { DD_POOL_NOT_POSITIVE = 4 };
void dd_pool2x2_forward(dd_isa isa, const float *input, float *output, uint8_t *codes, int height, int width);
// The same for `rows` rows and `columns` columns of a map from `input` on (rows pitch floats apart; the
// first of a window pair), into the windows' maxima from `output` on and their codes from `codes` on
// (rows out_pitch floats and code_pitch bytes apart). A last odd row or column is dropped.
void dd_pool2x2_forward_rows(dd_isa isa, const float *input, long pitch, int rows, int columns, float *output,
                             long out_pitch, uint8_t *codes, long code_pitch);
// Backward from the forward's codes: each output gradient goes to its window's first maximum, as PyTorch
// does; every window is written whole, and the odd last row and column that no window covers are
// cleared. With through_relu (the input is a ReLU's output), a window whose maximum is not positive
// passes nothing.
void dd_pool2x2_backward(dd_isa isa, const uint8_t *codes, const float *gradient, float *input_gradient, int height,
                         int width, int through_relu);
// Padded rows y0 .. y0 + rows - 1, columns x0 .. x0 + columns - 1, of what dd_pool2x2_backward writes (the
// border zero), into out (rows out_pitch floats apart): a few rows where they are needed instead of a map.
void dd_pool2x2_backward_rows(dd_isa isa, const uint8_t *codes, const float *gradient, int height, int width,
                              int through_relu, int y0, int rows, int x0, int columns, float *out, long out_pitch);

#endif

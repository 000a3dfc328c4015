#include "kernels_common.h"

// The dispatch of pool2x2.h to the copies in kernels_*.c (pool2x2_body.h); the whole maps are their rows.

void dd_pool2x2_forward_rows(dd_isa isa, const float *input, long pitch, int rows, int columns, float *output,
                             long out_pitch, uint8_t *codes, long code_pitch) {
    DISPATCH(isa, dd_pool2x2_forward_rows, (input, pitch, rows, columns, output, out_pitch, codes, code_pitch))
}

void dd_pool2x2_forward(dd_isa isa, const float *input, float *output, uint8_t *codes, int height, int width) {
    const long pitch = width + 2, out_pitch = width / 2 + 2;
    dd_pool2x2_forward_rows(isa, input + pitch + 1, pitch, height, width, output + out_pitch + 1, out_pitch, codes,
                            width / 2);
}

void dd_pool2x2_backward_rows(dd_isa isa, const uint8_t *codes, const float *gradient, int height, int width,
                              int through_relu, int y0, int rows, int x0, int columns, float *out, long out_pitch) {
    DISPATCH(isa, dd_pool2x2_backward_rows, (codes, gradient, height, width, through_relu, y0, rows, x0, columns, out,
                                             out_pitch))
}

void dd_pool2x2_backward(dd_isa isa, const uint8_t *codes, const float *gradient, float *input_gradient, int height,
                         int width, int through_relu) {
    const long pitch = width + 2;
    dd_pool2x2_backward_rows(isa, codes, gradient, height, width, through_relu, 1, height, 1, width,
                             input_gradient + pitch + 1, pitch);
}

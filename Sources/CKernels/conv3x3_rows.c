#include "kernels_common.h"

// The dispatch of conv3x3_rows.h to the copies in kernels_*.c (conv3x3_rows_body.h).

void dd_conv3x3_rows(dd_isa isa, const float *input, int in_channels, const float *taps, int out_channels, int o0,
                     int count, int height, int width, int y0, int y1, const float *bias, int relu, const float *mask,
                     float *output) {
    DISPATCH(isa, dd_conv3x3_rows, (input, in_channels, taps, out_channels, o0, count, height, width, y0, y1, bias, relu,
                                    mask, output))
}

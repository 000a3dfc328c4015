#include "conv3x3_rows.h"

#include "store_row.h"

DD_CLONES
void dd_conv3x3_rows(const float *input, int in_channels, const float *taps, int out_channels, int o,
                     int height, int width, int y0, int y1, float bias, int relu, const float *mask,
                     float *output) {
    const long stride = width + 2, plane = (long)(height + 2) * stride, tap = (long)out_channels * in_channels;
    enum { block = 1024 };   // columns per pass: the accumulator stays in L1
    float acc[block];
    for (int y = y0; y < y1; y++) {
        for (int x0 = 0; x0 < width; x0 += block) {
            const int n = width - x0 < block ? width - x0 : block;
            for (int x = 0; x < n; x++) acc[x] = 0;
            for (int i = 0; i < in_channels; i++) {
                const float *w = taps + (long)o * in_channels + i;
                const float w0 = w[0], w1 = w[tap], w2 = w[2 * tap], w3 = w[3 * tap], w4 = w[4 * tap],
                            w5 = w[5 * tap], w6 = w[6 * tap], w7 = w[7 * tap], w8 = w[8 * tap];
                const float *restrict r0 = input + i * plane + y * stride + x0;   // padded row y: output row y - 1
                const float *restrict r1 = r0 + stride, *restrict r2 = r1 + stride;
                for (int x = 0; x < n; x++) {
                    acc[x] += w0 * r0[x] + w1 * r0[x + 1] + w2 * r0[x + 2]
                            + w3 * r1[x] + w4 * r1[x + 1] + w5 * r1[x + 2]
                            + w6 * r2[x] + w7 * r2[x + 1] + w8 * r2[x + 2];
                }
            }
            long at = (y + 1) * stride + 1 + x0;
            store_row(output + at, acc, n, bias, relu, mask ? mask + at : 0);
        }
    }
}

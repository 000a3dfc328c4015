#include "conv3x3_rows.h"

#include <string.h>

#include "store_row.h"

typedef float v16 __attribute__((vector_size(64)));

// Sixteen columns of one output row for up to DD_ROWS_CHANNELS output channels at once: each input
// vector loaded serves every channel of the group.
DD_CLONES
void dd_conv3x3_rows(const float *input, int in_channels, const float *taps, int out_channels, int o0, int count,
                     int height, int width, int y0, int y1, const float *bias, int relu, const float *mask,
                     float *output) {
    const long stride = width + 2, plane = (long)(height + 2) * stride, tap = (long)out_channels * in_channels;
    for (int y = y0; y < y1; y++) {
        for (int x = 0; x < width; x += 16) {
            const int n = width - x < 16 ? width - x : 16;
            v16 acc[DD_ROWS_CHANNELS];
            for (int o = 0; o < DD_ROWS_CHANNELS; o++) acc[o] = (v16){0};
            for (int i = 0; i < in_channels; i++) {
                const float *r = input + i * plane + (long)y * stride + x;   // padded rows y..y+2: output row y
                float edge[3][20];
                if (n < 16) {   // the row's last columns: copy, so that no read runs past the map
                    for (int k = 0; k < 3; k++) {
                        memset(edge[k], 0, sizeof edge[k]);
                        memcpy(edge[k], r + k * stride, sizeof(float) * (n + 2));
                    }
                }
                v16 d[9];
                for (int k = 0; k < 3; k++)
                    for (int s = 0; s < 3; s++) memcpy(&d[3 * k + s], n < 16 ? edge[k] + s : r + k * stride + s, sizeof(v16));
                const float *w = taps + (long)o0 * in_channels + i;
                for (int o = 0; o < count; o++) {
                    const float *wo = w + (long)o * in_channels;
                    acc[o] += wo[0] * d[0] + wo[tap] * d[1] + wo[2 * tap] * d[2] + wo[3 * tap] * d[3]
                            + wo[4 * tap] * d[4] + wo[5 * tap] * d[5] + wo[6 * tap] * d[6] + wo[7 * tap] * d[7]
                            + wo[8 * tap] * d[8];
                }
            }
            const long at = (long)(y + 1) * stride + 1 + x;
            for (int o = 0; o < count; o++) {
                float line[16];
                memcpy(line, &acc[o], sizeof line);
                const long c = (long)(o0 + o) * plane;
                store_row(output + c + at, line, n, bias ? bias[o0 + o] : 0, relu, mask ? mask + c + at : 0);
            }
        }
    }
}

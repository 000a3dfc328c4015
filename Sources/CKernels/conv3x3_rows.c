#include "conv3x3_rows.h"

#include <string.h>

#include "store_row.h"

typedef float v16 __attribute__((vector_size(64)));

// Columns one pass accumulates: `count` rows of SEGMENT sums stay in L1 while every input channel adds
// its three rows, read along the row (backward, 64 channels: reading all channels' rows for each
// sixteen columns touched 192 pages at once and ran 10x under the FMA rate).
enum { SEGMENT = 512 };

DD_CLONES
void dd_conv3x3_rows(const float *input, int in_channels, const float *taps, int out_channels, int o0, int count,
                     int height, int width, int y0, int y1, const float *bias, int relu, const float *mask,
                     float *output) {
    const long stride = width + 2, plane = (long)(height + 2) * stride, tap = (long)out_channels * in_channels;
    v16 acc[DD_ROWS_CHANNELS][SEGMENT / 16];
    for (int y = y0; y < y1; y++) {
        for (int xs = 0; xs < width; xs += SEGMENT) {
            const int chunks = ((width - xs < SEGMENT ? width - xs : SEGMENT) + 15) / 16;
            for (int o = 0; o < count; o++)
                for (int k = 0; k < chunks; k++) acc[o][k] = (v16){0};
            for (int i = 0; i < in_channels; i++) {
                const float *w = taps + (long)o0 * in_channels + i;
                for (int k = 0; k < chunks; k++) {
                    const int x = xs + 16 * k, n = width - x < 16 ? width - x : 16;
                    const float *r = input + i * plane + (long)y * stride + x;   // padded rows y..y+2: output row y
                    float edge[3][20];
                    if (n < 16) {   // the row's last columns: copy, so that no read runs past the map
                        for (int j = 0; j < 3; j++) {
                            memset(edge[j], 0, sizeof edge[j]);
                            memcpy(edge[j], r + j * stride, sizeof(float) * (n + 2));
                        }
                    }
                    v16 d[9];
                    for (int j = 0; j < 3; j++)
                        for (int s = 0; s < 3; s++) memcpy(&d[3 * j + s], n < 16 ? edge[j] + s : r + j * stride + s, sizeof(v16));
                    for (int o = 0; o < count; o++) {
                        const float *wo = w + (long)o * in_channels;
                        acc[o][k] += wo[0] * d[0] + wo[tap] * d[1] + wo[2 * tap] * d[2] + wo[3 * tap] * d[3]
                                   + wo[4 * tap] * d[4] + wo[5 * tap] * d[5] + wo[6 * tap] * d[6] + wo[7 * tap] * d[7]
                                   + wo[8 * tap] * d[8];
                    }
                }
            }
            for (int o = 0; o < count; o++) {
                const long c = (long)(o0 + o) * plane;
                for (int k = 0; k < chunks; k++) {
                    const int x = xs + 16 * k, n = width - x < 16 ? width - x : 16;
                    const long at = (long)(y + 1) * stride + 1 + x;
                    float line[16];
                    memcpy(line, &acc[o][k], sizeof line);
                    store_row(output + c + at, line, n, bias ? bias[o0 + o] : 0, relu, mask ? mask + c + at : 0);
                }
            }
        }
    }
}

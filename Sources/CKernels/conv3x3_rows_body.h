// The row kernel (conv3x3_rows.h), compiled once per instruction set by the kernels_*.c files after
// winograd4_body.h (whose v16 it uses). Not a header to include elsewhere.

// Columns one pass accumulates: `count` rows of SEGMENT sums stay in L1 while every input channel adds
// its three rows, read along the row (backward, 64 channels: reading all channels' rows for each
// sixteen columns touched 192 pages at once).
enum { SEGMENT = 512 };

// acc[o][k] += output channel o's taps over `chunks` sixteen-column chunks of the three rows from r on
// (rows `stride` apart), w[o * w_step + t * tap] being tap t of channel o. Each row is loaded once a chunk
// and shifted by one and two columns in registers (unaligned loads would split cache lines twice in three).
static inline __attribute__((always_inline)) void add_rows(const float *r, long stride, int chunks, const float *w,
                                                           long w_step, long tap, const int count,
                                                           v16 acc[][SEGMENT / 16]) {
    if (chunks == 0) return;
    v16 lo[3];
    for (int j = 0; j < 3; j++) memcpy(&lo[j], r + j * stride, sizeof(v16));
    for (int k = 0; k < chunks; k++) {
        v16 d[9];
        for (int j = 0; j < 3; j++) {
            const float *p = r + j * stride + 16 * k;
            v16 hi = {p[16], p[17]};   // the row's last chunk reads only the two columns it needs
            if (k + 1 < chunks) memcpy(&hi, p + 16, sizeof(v16));
            d[3 * j] = lo[j];
            d[3 * j + 1] = __builtin_shufflevector(lo[j], hi, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
            d[3 * j + 2] = __builtin_shufflevector(lo[j], hi, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17);
            lo[j] = hi;
        }
        for (int o = 0; o < count; o++) {   // nine FMAs onto the sum; chunks and channels overlap
            const float *wo = w + o * w_step;
            v16 sum = acc[o][k];
            for (int t = 0; t < 9; t++) sum += wo[t * tap] * d[t];
            acc[o][k] = sum;
        }
    }
}

static inline __attribute__((always_inline)) void rows(const float *input, int in_channels, const float *taps, int out_channels,
                                                       int o0, const int count, int height, int width, int y0, int y1,
                                                       const float *bias, int relu, const float *mask, float *output) {
    const long stride = width + 2, plane = (long)(height + 2) * stride, tap = (long)out_channels * in_channels;
    v16 acc[DD_ROWS_CHANNELS][SEGMENT / 16];
    for (int y = y0; y < y1; y++) {
        for (int xs = 0; xs < width; xs += SEGMENT) {
            const int columns = width - xs < SEGMENT ? width - xs : SEGMENT, full = columns / 16, chunks = (columns + 15) / 16;
            for (int o = 0; o < count; o++)
                for (int k = 0; k < chunks; k++) acc[o][k] = (v16){0};
            for (int i = 0; i < in_channels; i++) {
                const float *r = input + i * plane + (long)y * stride + xs;   // padded rows y..y+2: output row y
                const float *w = taps + (long)o0 * in_channels + i;
                add_rows(r, stride, full, w, in_channels, tap, count, acc);
                if (full < chunks) {   // the row's last columns: copied, so that no read runs past the map
                    const int n = columns - 16 * full;
                    float edge[3][20] = {{0}};
                    for (int j = 0; j < 3; j++) memcpy(edge[j], r + j * stride + 16 * full, sizeof(float) * (n + 2));
                    add_rows(edge[0], 20, 1, w, in_channels, tap, count, (v16(*)[SEGMENT / 16])&acc[0][full]);
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

void NAME(dd_conv3x3_rows)(const float *input, int in_channels, const float *taps, int out_channels, int o0, int count,
                     int height, int width, int y0, int y1, const float *bias, int relu, const float *mask,
                     float *output) {
    switch (count) {   // a constant count per copy, so that the channel loop unrolls
    case 4: rows(input, in_channels, taps, out_channels, o0, 4, height, width, y0, y1, bias, relu, mask, output); break;
    case 3: rows(input, in_channels, taps, out_channels, o0, 3, height, width, y0, y1, bias, relu, mask, output); break;
    case 2: rows(input, in_channels, taps, out_channels, o0, 2, height, width, y0, y1, bias, relu, mask, output); break;
    default: rows(input, in_channels, taps, out_channels, o0, 1, height, width, y0, y1, bias, relu, mask, output); break;
    }
}

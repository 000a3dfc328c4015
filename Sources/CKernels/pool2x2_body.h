// 2x2 max-pooling's rows functions (pool2x2.h), compiled once per instruction set by the kernels_*.c files.
// Not a header to include elsewhere.

void NAME(dd_pool2x2_forward_rows)(const float *input, long pitch, int rows, int columns, float *output, long out_pitch,
                             uint8_t *codes, long code_pitch) {
    for (int y = 0; y < rows / 2; y++) {
        const float *restrict top = input + 2L * y * pitch, *restrict bottom = top + pitch;
        float *restrict out = output + y * out_pitch;
        uint8_t *restrict code = codes + y * code_pitch;
        for (int x = 0; x < columns / 2; x++) {   // branch-free, so that it vectorises
            const float a = top[2 * x], b = top[2 * x + 1], d = bottom[2 * x], e = bottom[2 * x + 1];
            const float ab = a > b ? a : b, de = d > e ? d : e, m = ab > de ? ab : de;
            out[x] = m;
            code[x] = (uint8_t)((a == m ? 0 : b == m ? 1 : d == m ? 2 : 3) | (m > 0 ? 0 : DD_POOL_NOT_POSITIVE));
        }
    }
}

// One row of a window's gradient pairs: the left and right cells of each of n windows in one 64-bit pair
// (little-endian: the low half is the left cell), zero unless that window's maximum lies in this row
// (`bottom`: 0 top, 1 bottom). Contiguous stores that vectorise; written cell by cell, the backward took
// 2.5× the forward's time.
static inline void unpool_pairs(const uint8_t *restrict code, const float *restrict g, int n, int blocked, int bottom,
                                float *restrict out) {
    for (int x = 0; x < n; x++) {
        const int c = code[x];
        uint32_t bits;
        memcpy(&bits, g + x, 4);
        const uint64_t v = c & blocked ? 0 : bits;
        const uint64_t pair = c & 1 ? v << 32 : v;
        const uint64_t row = (c >> 1 & 1) == bottom ? pair : 0;
        memcpy(out + 2 * x, &row, 8);
    }
}

// Cell `at` (0 top left .. 3 bottom right) of window x's gradient.
static inline float unpool_cell(const uint8_t *code, const float *g, int x, int blocked, int at) {
    return (code[x] & 3) == at && !(code[x] & blocked) ? g[x] : 0;
}

void NAME(dd_pool2x2_backward_rows)(const uint8_t *codes, const float *gradient, int height, int width, int through_relu,
                              int y0, int rows, int x0, int columns, float *out, long out_pitch) {
    const long g_pitch = width / 2 + 2;
    const int h = height / 2, w = width / 2;
    const int blocked = through_relu ? DD_POOL_NOT_POSITIVE : 0;
    for (int r = 0; r < rows; r++) {
        float *o = out + r * out_pitch;
        const int y = y0 + r - 1;   // unpadded
        if (y < 0 || y >= 2 * h) {   // the border, or the odd last row no window covers
            memset(o, 0, sizeof(float) * columns);
            continue;
        }
        const uint8_t *code = codes + (long)(y / 2) * w;
        const float *g = gradient + (y / 2 + 1L) * g_pitch + 1;
        const int bottom = y % 2;
        int x = x0 - 1, k = 0;   // o[k] is unpadded column x
        if (x < 0) { o[k++] = 0; x++; }
        if (x % 2 && k < columns) { o[k++] = x / 2 < w ? unpool_cell(code, g, x / 2, blocked, 2 * bottom + 1) : 0; x++; }
        int windows = (columns - k) / 2 < w - x / 2 ? (columns - k) / 2 : w - x / 2;
        if (windows < 0) windows = 0;
        unpool_pairs(code + x / 2, g + x / 2, windows, blocked, bottom, o + k);
        k += 2 * windows; x += 2 * windows;
        if (k < columns && x / 2 < w) o[k++] = unpool_cell(code, g, x / 2, blocked, 2 * bottom);
        for (; k < columns; k++) o[k] = 0;   // the odd last column, the border
    }
}

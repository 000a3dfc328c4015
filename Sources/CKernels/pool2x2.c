#include "pool2x2.h"

#include "store_row.h"

DD_CLONES
void dd_pool2x2_backward(const float *input, const float *gradient, float *input_gradient, int height, int width,
                         int through_relu) {
    const long pitch = width + 2, out_pitch = width / 2 + 2;
    const int h = height / 2, w = width / 2;
    for (int y = 0; y < h; y++) {
        const float *restrict top = input + (2L * y + 1) * pitch + 1, *restrict bottom = top + pitch;
        const float *restrict g = gradient + (y + 1L) * out_pitch + 1;
        float *restrict g_top = input_gradient + (2L * y + 1) * pitch + 1, *restrict g_bottom = g_top + pitch;
        for (int x = 0; x < w; x++) {   // branch-free, so that it vectorises
            const float a = top[2 * x], b = top[2 * x + 1], d = bottom[2 * x], e = bottom[2 * x + 1];
            const float ab = a > b ? a : b, de = d > e ? d : e, m = ab > de ? ab : de;
            const float v = through_relu && !(m > 0) ? 0 : g[x];
            const int take_a = a == m, take_b = !take_a & (b == m), take_d = !take_a & !take_b & (d == m);
            const int take_e = !take_a & !take_b & !take_d;
            g_top[2 * x] = take_a ? v : 0;
            g_top[2 * x + 1] = take_b ? v : 0;
            g_bottom[2 * x] = take_d ? v : 0;
            g_bottom[2 * x + 1] = take_e ? v : 0;
        }
        if (width % 2) { g_top[2 * w] = 0; g_bottom[2 * w] = 0; }
    }
    if (height % 2) {
        float *last = input_gradient + (long)height * pitch + 1;
        for (int x = 0; x < width; x++) last[x] = 0;
    }
}

#include "winograd4.h"

#include <string.h>

// Compiled twice, picked at load time: AVX2+FMA where the CPU has it, baseline x86-64 otherwise.
#if defined(__x86_64__) && defined(__clang__)
#define DD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define DD_CLONES
#endif

static int tiles_across(int width) { return (width + 3) / 4; }

long dd_wino4_work_floats(int width) { return 6L * (4L * tiles_across(width) + 8); }

void dd_wino4_filters(const float *taps, int out_channels, int in_channels, float *u) {
    long size = (long)out_channels * in_channels;
    for (long n = 0; n < size; n++) {
        float g[9], t[6][3];
        for (int k = 0; k < 9; k++) g[k] = taps[k * size + n];
        // t = G g, G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1].
        for (int c = 0; c < 3; c++) {
            float g0 = g[c], g1 = g[3 + c], g2 = g[6 + c];
            t[0][c] = g0 / 4;
            t[1][c] = -(g0 + g1 + g2) / 6;
            t[2][c] = -(g0 - g1 + g2) / 6;
            t[3][c] = g0 / 24 + g1 / 12 + g2 / 6;
            t[4][c] = g0 / 24 - g1 / 12 + g2 / 6;
            t[5][c] = g2;
        }
        for (int r = 0; r < 6; r++) {
            float a = t[r][0], b = t[r][1], c = t[r][2];
            float row[6] = {a / 4, -(a + b + c) / 6, -(a - b + c) / 6, a / 24 + b / 12 + c / 6,
                            a / 24 - b / 12 + c / 6, c};
            for (int k = 0; k < 6; k++) u[(r * 6 + k) * size + n] = row[k];
        }
    }
}

// B^T d for six values d0..d5 (one column or one row of a tile).
#define BT(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5) do {   \
    o0 = 4 * (d0) - 5 * (d2) + (d4);                               \
    o1 = -4 * ((d1) + (d2)) + (d3) + (d4);                         \
    o2 = 4 * ((d1) - (d2)) - (d3) + (d4);                          \
    o3 = 2 * ((d3) - (d1)) - (d2) + (d4);                          \
    o4 = 2 * ((d1) - (d3)) - (d2) + (d4);                          \
    o5 = 4 * (d1) - 5 * (d3) + (d5);                               \
} while (0)

DD_CLONES
void dd_wino4_input(const float *plane, int height, int width, int ty0, int ty1,
                    float *v, long xi_stride, float *work) {
    const int stride = width + 2, rows = height + 2, tx_count = tiles_across(width);
    const int span = 4 * tx_count + 8;   // columns of one transformed row, zero past the padded width
    float *col[6];
    for (int i = 0; i < 6; i++) col[i] = work + (long)i * span;
    for (int ty = ty0; ty < ty1; ty++) {
        // Columns first: col[i][x] = sum_r B^T[i][r] * row_r[x], whole rows at once.
        const float *r[6];
        int present = 0;
        for (int k = 0; k < 6; k++) {
            int y = 4 * ty + k;
            r[k] = y < rows ? plane + (long)y * stride : NULL;
            if (r[k]) present = k + 1;
        }
        if (present == 6) {
            for (int x = 0; x < stride; x++) {
                float d0 = r[0][x], d1 = r[1][x], d2 = r[2][x], d3 = r[3][x], d4 = r[4][x], d5 = r[5][x];
                BT(d0, d1, d2, d3, d4, d5, col[0][x], col[1][x], col[2][x], col[3][x], col[4][x], col[5][x]);
            }
        } else {
            for (int x = 0; x < stride; x++) {
                float d[6];
                for (int k = 0; k < 6; k++) d[k] = r[k] ? r[k][x] : 0;
                BT(d[0], d[1], d[2], d[3], d[4], d[5], col[0][x], col[1][x], col[2][x], col[3][x], col[4][x], col[5][x]);
            }
        }
        for (int i = 0; i < 6; i++) memset(col[i] + stride, 0, sizeof(float) * (size_t)(span - stride));
        // Then rows: tile tx takes col[i][4tx .. 4tx+5].
        float *out = v + (long)(ty - ty0) * tx_count;
        for (int i = 0; i < 6; i++) {
            const float *c = col[i];
            float *o = out + (long)(6 * i) * xi_stride;
            for (int tx = 0; tx < tx_count; tx++) {
                const float *e = c + 4 * tx;
                BT(e[0], e[1], e[2], e[3], e[4], e[5], o[tx], o[xi_stride + tx], o[2 * xi_stride + tx],
                   o[3 * xi_stride + tx], o[4 * xi_stride + tx], o[5 * xi_stride + tx]);
            }
        }
    }
}

// A^T m for six values: A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
#define AT(m0, m1, m2, m3, m4, m5, o0, o1, o2, o3) do {          \
    float s12 = (m1) + (m2), d12 = (m1) - (m2);                  \
    float s34 = (m3) + (m4), d34 = (m3) - (m4);                  \
    o0 = (m0) + s12 + s34;                                       \
    o1 = d12 + 2 * d34;                                          \
    o2 = s12 + 4 * s34;                                          \
    o3 = d12 + 8 * d34 + (m5);                                   \
} while (0)

DD_CLONES
void dd_wino4_output(const float *m, long xi_stride, int ty0, int ty1, float *plane, int height, int width,
                     float bias, int relu, const float *mask, float *work) {
    const int stride = width + 2, tx_count = tiles_across(width);
    const int span = 4 * tx_count + 8;
    float *row[6];
    for (int i = 0; i < 6; i++) row[i] = work + (long)i * span;
    for (int ty = ty0; ty < ty1; ty++) {
        // Rows first: row[i][4tx + a] = sum_j A^T[a][j] * M[6i + j] of tile tx.
        const float *src = m + (long)(ty - ty0) * tx_count;
        for (int i = 0; i < 6; i++) {
            const float *s = src + (long)(6 * i) * xi_stride;
            float *o = row[i];
            for (int tx = 0; tx < tx_count; tx++) {
                AT(s[tx], s[xi_stride + tx], s[2 * xi_stride + tx], s[3 * xi_stride + tx],
                   s[4 * xi_stride + tx], s[5 * xi_stride + tx], o[4 * tx], o[4 * tx + 1], o[4 * tx + 2], o[4 * tx + 3]);
            }
        }
        // Then columns, straight into the map's rows (the last tile row may have fewer than four).
        int count = height - 4 * ty < 4 ? height - 4 * ty : 4;
        float *out[4];
        const float *mk[4];
        for (int b = 0; b < 4; b++) {
            int y = 4 * ty + (b < count ? b : 0);   // rows past the map alias row 0, written first
            out[b] = plane + (long)(y + 1) * stride + 1;
            mk[b] = mask ? mask + (long)(y + 1) * stride + 1 : NULL;
        }
        for (int x = 0; x < width; x++) {
            float o[4];
            AT(row[0][x], row[1][x], row[2][x], row[3][x], row[4][x], row[5][x], o[0], o[1], o[2], o[3]);
            for (int b = 3; b >= 0; b--) {
                float value = o[b] + bias;
                if (relu) value = value > 0 ? value : 0;
                if (mask) value = mk[b][x] > 0 ? value : 0;
                out[b][x] = value;
            }
        }
    }
}

#ifndef DEEPDREAM_STORE_ROW_H
#define DEEPDREAM_STORE_ROW_H

// out[x] = line[x] + bias, then ReLU, then the mask; one loop per case so each vectorises.
static inline void store_row(float *restrict out, const float *restrict line, int width, float bias, int relu,
                             const float *restrict mask) {
    if (mask) {
        for (int x = 0; x < width; x++) {
            float value = line[x] + bias;
            value = relu && value < 0 ? 0 : value;
            out[x] = mask[x] > 0 ? value : 0;
        }
    } else if (relu) {
        for (int x = 0; x < width; x++) {
            float value = line[x] + bias;
            out[x] = value > 0 ? value : 0;
        }
    } else {
        for (int x = 0; x < width; x++) out[x] = line[x] + bias;
    }
}

#endif

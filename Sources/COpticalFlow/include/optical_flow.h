// C surface over OpenCV's DIS optical flow and remap, for Swift. OpenCV's types stay in optical_flow.cpp;
// no C++ exception crosses this boundary: each call returns 0, or -1 with a message in `error`.
#ifndef DEEPDREAM_OPTICAL_FLOW_H
#define DEEPDREAM_OPTICAL_FLOW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddflow_estimator ddflow_estimator;

/// A DIS flow estimator (Kroeger et al., ECCV 2016). preset: 0 ultrafast, 1 fast, 2 medium. NULL if OpenCV fails.
ddflow_estimator *ddflow_create(int preset);
void ddflow_destroy(ddflow_estimator *estimator);

/// Dense flow between two 8-bit grey frames of width×height: `flow` (width·height·2 floats, interleaved dx, dy)
/// such that from(x) ≈ to(x + flow(x)). Frames larger than `max_side` on their longest side are scaled down
/// for the estimate and the field scaled back up.
int ddflow_calc(ddflow_estimator *estimator, const uint8_t *from, const uint8_t *to, int width, int height,
                int max_side, float *flow, char *error, int error_length);

/// dst[p](x, y) = src[p](map_x(x, y), map_y(x, y)) for each of `planes` float planes of width×height:
/// bicubic, mirrored borders.
int ddflow_remap(const float *src, int planes, int width, int height, const float *map_x, const float *map_y,
                 float *dst, char *error, int error_length);

#ifdef __cplusplus
}
#endif

#endif

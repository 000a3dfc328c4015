#include "optical_flow.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

struct ddflow_estimator {
    cv::Ptr<cv::DISOpticalFlow> dis;
};

static int fail(char *error, int length, const char *what) {
    if (error && length > 0) std::snprintf(error, (size_t)length, "%s", what);
    return -1;
}

ddflow_estimator *ddflow_create(int preset) {
    try {
        int p = preset == 0 ? cv::DISOpticalFlow::PRESET_ULTRAFAST
              : preset == 1 ? cv::DISOpticalFlow::PRESET_FAST : cv::DISOpticalFlow::PRESET_MEDIUM;
        return new ddflow_estimator{cv::DISOpticalFlow::create(p)};
    } catch (...) {
        return nullptr;
    }
}

void ddflow_destroy(ddflow_estimator *estimator) { delete estimator; }

int ddflow_calc(ddflow_estimator *estimator, const uint8_t *from, const uint8_t *to, int width, int height,
                int max_side, float *flow, char *error, int error_length) {
    try {
        // OpenCV does not write through these headers: they only wrap the caller's buffers.
        cv::Mat a(height, width, CV_8UC1, const_cast<uint8_t *>(from));
        cv::Mat b(height, width, CV_8UC1, const_cast<uint8_t *>(to));
        cv::Mat out(height, width, CV_32FC2, flow);
        int longest = std::max(width, height);
        if (max_side <= 0 || longest <= max_side) {
            estimator->dis->calc(a, b, out);   // writes into `flow`: same size and type
            return 0;
        }
        double scale = (double)max_side / longest;
        cv::Size small(std::max(1, (int)std::lround(width * scale)), std::max(1, (int)std::lround(height * scale)));
        cv::Mat sa, sb, coarse;
        cv::resize(a, sa, small, 0, 0, cv::INTER_AREA);
        cv::resize(b, sb, small, 0, 0, cv::INTER_AREA);
        estimator->dis->calc(sa, sb, coarse);
        cv::resize(coarse, out, out.size(), 0, 0, cv::INTER_LINEAR);   // same size and type: stays in `flow`
        float sx = (float)width / small.width, sy = (float)height / small.height;
        for (size_t i = 0, n = (size_t)width * height; i < n; i++) {
            flow[2 * i] *= sx;
            flow[2 * i + 1] *= sy;
        }
        return 0;
    } catch (const std::exception &e) {
        return fail(error, error_length, e.what());
    } catch (...) {
        return fail(error, error_length, "optical flow: unknown OpenCV error");
    }
}

int ddflow_remap(const float *src, int planes, int width, int height, const float *map_x, const float *map_y,
                 float *dst, char *error, int error_length) {
    try {
        cv::Mat mx(height, width, CV_32FC1, const_cast<float *>(map_x));
        cv::Mat my(height, width, CV_32FC1, const_cast<float *>(map_y));
        size_t plane = (size_t)width * height;
        for (int p = 0; p < planes; p++) {
            cv::Mat in(height, width, CV_32FC1, const_cast<float *>(src + p * plane));
            cv::Mat out(height, width, CV_32FC1, dst + p * plane);
            cv::remap(in, out, mx, my, cv::INTER_CUBIC, cv::BORDER_REFLECT);
        }
        return 0;
    } catch (const std::exception &e) {
        return fail(error, error_length, e.what());
    } catch (...) {
        return fail(error, error_length, "remap: unknown OpenCV error");
    }
}

#ifndef DEEPDREAM_CFFMPEG_SHIM_H
#define DEEPDREAM_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/display.h>
#include <libavutil/hash.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

// Function-like and FFERRTAG macros do not import into Swift.
static inline int dd_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int dd_averror_eof(void) { return AVERROR_EOF; }
static inline int dd_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t dd_nopts_value(void) { return AV_NOPTS_VALUE; }

// AVFrame.data and linesize are fixed C arrays: Swift sees tuples without a runtime subscript.
static inline uint8_t *dd_frame_plane(const AVFrame *frame, int plane) { return frame->data[plane]; }
static inline int dd_frame_linesize(const AVFrame *frame, int plane) { return frame->linesize[plane]; }

#endif

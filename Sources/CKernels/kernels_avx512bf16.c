// The kernels for avx512bf16: the *_body.h files built for this instruction set.
#include "kernels_common.h"

#define ISA_SUFFIX avx512bf16
#define VW 16
#define MR 8
#define NR 32
#define DD_BF16 1
#if defined(__x86_64__)   // vdpbf16ps: x86 only

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,bmi,bmi2,lzcnt,popcnt,movbe,avx512f,avx512vl,avx512bw,avx512dq,avx512cd,avx512bf16,evex512"))), apply_to = function)

#include "winograd4_body.h"
#include "winograd6_body.h"
#include "products_body.h"
#include "pool2x2_body.h"
#include "conv3x3_rows_body.h"

#pragma clang attribute pop
#endif

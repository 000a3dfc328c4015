// The kernels for generic: the *_body.h files built for this instruction set.
#include "kernels_common.h"

#define ISA_SUFFIX generic
#define VW 4
#define MR 4
#define NR 8

#include "winograd4_body.h"
#include "winograd6_body.h"
#include "products_body.h"
#include "pool2x2_body.h"
#include "conv3x3_rows_body.h"

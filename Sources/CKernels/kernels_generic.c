// The kernels for generic: winograd4_body.h, winograd6_body.h and products_body.h built for this instruction set.
#include "kernels_common.h"

#define ISA_SUFFIX generic
#define VW 4
#define MR 4
#define NR 8

#include "winograd4_body.h"
#include "winograd6_body.h"
#include "products_body.h"

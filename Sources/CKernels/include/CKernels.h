#include "conv3x3_rows.h"
#include "winograd.h"
#include "pool2x2.h"

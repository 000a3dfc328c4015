#include "conv3x3_rows.h"
#include "winograd4.h"
#include "pool2x2.h"

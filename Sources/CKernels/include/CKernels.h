#include "conv3x3_rows.h"
#include "winograd4.h"

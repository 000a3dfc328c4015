#ifndef DEEPDREAM_COPENBLAS_SHIM_H
#define DEEPDREAM_COPENBLAS_SHIM_H

#include <cblas.h>

#endif

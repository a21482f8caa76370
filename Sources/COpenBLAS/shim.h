#ifndef HUMORGYM_COPENBLAS_SHIM_H
#define HUMORGYM_COPENBLAS_SHIM_H
#include <cblas.h>
#endif

#ifndef HUMORGYM_COPENBLAS_SHIM_H
#define HUMORGYM_COPENBLAS_SHIM_H
#include <cblas.h>
#include <malloc.h>

// glibc's mallopt through a function: its M_* constants are macros Swift does not import.
static inline void humorgym_retain_freed_memory(int bytes) {
    mallopt(M_MMAP_THRESHOLD, bytes);
    mallopt(M_TRIM_THRESHOLD, bytes);
}
#endif

#ifndef HUMORGYM_CGSL_SHIM_H
#define HUMORGYM_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

// gsl_rng_mt19937 is a C global; Swift 6 rejects it as shared mutable state, so hand it out through a function.
static inline const gsl_rng_type *humorgym_rng_mt19937(void) { return gsl_rng_mt19937; }
#endif

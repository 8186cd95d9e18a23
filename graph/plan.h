/* The memory planner: given each intermediate value's size and lifetime (the steps of the
 * executor loop at which it is produced and last read), places them in one arena so that
 * values alive at the same time never overlap. */
#ifndef DNNX_GRAPH_PLAN_H
#define DNNX_GRAPH_PLAN_H

#include <stddef.h>

#include "dnnx.h"

#define PLAN_NOT_PLACED ((size_t)-1)
/* Offsets are multiples of this, so every tensor starts on a cache line (and suits SIMD). */
#define PLAN_ALIGNMENT 64

typedef struct plan_request {
    size_t bytes;   /* 0 = the value is not placed in the arena */
    int first_step; /* the step that writes it */
    int last_step;  /* the last step that reads it (>= first_step) */
} plan_request;

typedef struct plan {
    size_t *offsets;    /* per value: offset in the arena, or PLAN_NOT_PLACED */
    size_t n_values;
    size_t arena_bytes; /* the peak: size of the one buffer the plan needs */
} plan;

/* Best fit, largest values first: each value goes at the lowest aligned offset where it
 * overlaps no placed value whose lifetime intersects its own. */
dnnx_status plan_build(const plan_request *requests, size_t n_values, plan *out);
void plan_clear(plan *p);

#endif

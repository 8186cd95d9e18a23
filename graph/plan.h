/* The memory planner: given each intermediate value's size and lifetime (the steps of the
 * executor loop at which it is produced and last read), places them in one arena so that
 * values alive at the same time never overlap. A value may instead share the bytes of another
 * (a Reshape's output viewing its input, an elementwise output written over an input that dies
 * there): the two are then one block whose lifetime covers both. */
#ifndef DNNX_GRAPH_PLAN_H
#define DNNX_GRAPH_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "dnnx.h"
#include "graph.h"

#define PLAN_NOT_PLACED ((size_t)-1)
/* Offsets are multiples of this, so every tensor starts on a cache line (and suits SIMD). */
#define PLAN_ALIGNMENT 64

/* With shares set, the value uses the bytes of value `shared` instead of its own: it is placed
 * where that one is (nowhere if that one is not placed), and keeps the block alive until its own
 * last step. */
typedef struct plan_request {
    size_t bytes;   /* 0 = the value is not placed in the arena */
    int first_step; /* the step that writes it */
    int last_step;  /* the last step that reads it (>= first_step) */
    bool shares;
    int shared;
} plan_request;

typedef struct plan {
    size_t *offsets; /* per value: offset in the arena, or PLAN_NOT_PLACED */
    int *owners;     /* per value: the value whose bytes it uses (itself, or the head of its sharing chain) */
    size_t n_values;
    size_t arena_bytes; /* the peak: size of the one buffer the plan needs */
} plan;

/* Best fit, largest blocks first: each block (a value with those sharing its bytes) goes at the
 * lowest aligned offset where it overlaps no placed block whose lifetime intersects its own.
 * Fails if sharing refers outside the values or goes round in a circle. */
dnnx_status plan_build(const plan_request *requests, size_t n_values, plan *out);
void plan_clear(plan *p);

/* What the executor saw of a value on the run that records sizes for a plan. */
typedef struct plan_value {
    size_t bytes; /* its size if the arena may hold it (made by a node, not a graph output), else 0 */
    dnnx_dtype dtype;
} plan_value;

/* How an op's output may reuse an input's bytes. */
typedef enum plan_alias {
    PLAN_ALIAS_NONE,
    PLAN_ALIAS_VIEW,     /* output 0 is input 0's bytes unchanged: the executor skips the kernel */
    PLAN_ALIAS_IN_PLACE, /* the kernel may write output 0 over input 0 (it reads each element first) */
    PLAN_ALIAS_BINARY,   /* the same, over the first input shaped like the output (input 0, else input 1) */
} plan_alias;

/* The op's way of reusing input bytes: the one list of ops whose every kernel (the reference,
 * and any backend's) computes correctly with the output over that input. */
plan_alias plan_op_alias(const graph_node *node);

/* Whether the executor keeps value v's tensor for the whole run: a graph input, an initializer
 * or constant, an outer-scope value, or a graph output (handed to the caller at the end). */
bool plan_value_is_pinned(const graph *g, const int *first_step, int v);

/* The plan of g's values (steps index g->order; first_step and last_step per value as the
 * executor computes them, values as recorded). Besides plan_build, decides sharing:
 *  - a view op's output shares its input when the input's bytes are in the arena or pinned
 *    (the arena block then lives as long as the view does; a chain of views follows to its head);
 *  - an in-place op's output shares the input plan_op_alias names when that input's block is
 *    in the arena, has the output's size and dtype, is read by no later step and by no other
 *    input of the node.
 * Values of pinned blocks (views of graph inputs, say) are not placed. */
dnnx_status plan_graph(const graph *g, const int *first_step, const int *last_step, const plan_value *values,
                       plan *out);

#endif

/* Graph passes, in the order the session runs them. Each takes a sorted, bound graph and
 * leaves it sorted; nodes it makes redundant are marked dead for DCE. */
#ifndef DNNX_GRAPH_PASSES_PASS_H
#define DNNX_GRAPH_PASSES_PASS_H

#include <stddef.h>

#include "graph/graph.h"
#include "graph/op.h"

/* Computes, once at load with each op's reference kernel, every node whose inputs are all
 * constants and whose outputs together take at most max_bytes, turning its outputs into
 * constants. A node that fails (or asks for more) is left for run time, which reports it. */
dnnx_status pass_fold_constants(graph *g, size_t max_bytes, int *folded);

/* Replaces each decomposed GELU (erf or tanh form) whose interior values nothing else reads by
 * one dnnx.Gelu node, or, with the MatMul + constant bias that makes its input, by one
 * dnnx.FusedMatMul; needs inferred value types (float32 only). *fused counts the rewrites. */
dnnx_status pass_fuse_gelu(graph *g, const op_registry *registry, int *fused);

#endif

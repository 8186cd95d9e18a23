#include <stdlib.h>
#include <string.h>

#include "graph/error.h"
#include "graph/op.h"
#include "graph/passes/pass.h"

#define MAX_IO GRAPH_MAX_NODE_IO

/* Ops whose outputs must not be computed once for all runs. */
static bool is_foldable(const graph_node *node)
{
    static const char *const random_ops[] = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                                             "Bernoulli", "Multinomial"};
    for (size_t k = 0; k < sizeof random_ops / sizeof random_ops[0]; k++)
        if (!strcmp(node->op_type, random_ops[k]))
            return false;
    for (int a = 0; a < node->n_attrs; a++)
        if (node->attrs[a].type == ATTR_GRAPH || node->attrs[a].type == ATTR_GRAPHS)
            return false; /* subgraphs may read values that are not constants */
    if (node->n_inputs > MAX_IO || node->n_outputs > MAX_IO || !node->schema->run)
        return false;
    return true;
}

static bool inputs_are_constant(const graph *g, const graph_node *node)
{
    for (int k = 0; k < node->n_inputs; k++)
        if (node->inputs[k] != VALUE_NONE && !g->values[node->inputs[k]].constant)
            return false;
    return true;
}

static void free_outputs(dnnx_tensor **outputs, int n)
{
    for (int k = 0; k < n; k++)
        dnnx_tensor_free(outputs[k]);
}

/* Runs one node on constant inputs; true if its outputs became constants. */
static bool fold_node(graph *g, graph_node *node, size_t max_bytes)
{
    const dnnx_tensor *inputs[MAX_IO];
    dnnx_tensor *outputs[MAX_IO] = {NULL};
    for (int k = 0; k < node->n_inputs; k++)
        inputs[k] = node->inputs[k] == VALUE_NONE ? NULL : g->values[node->inputs[k]].constant;
    for (int k = 0; k < node->n_outputs; k++)
        if (node->outputs[k] != VALUE_NONE && !(outputs[k] = calloc(1, sizeof *outputs[k]))) {
            free_outputs(outputs, node->n_outputs);
            return false;
        }
    op_ctx ctx = {.node = node,
                  .graph = g,
                  .opset = node->opset,
                  .n_inputs = node->n_inputs,
                  .inputs = inputs,
                  .n_outputs = node->n_outputs,
                  .outputs = outputs,
                  .concrete = true};
    bool ok = !node->schema->infer(&ctx) && !ctx.status;
    size_t total = 0, bytes;
    for (int k = 0; ok && k < node->n_outputs; k++) {
        if (!outputs[k])
            continue;
        ok = !tensor_bytes_checked(outputs[k]->dtype, outputs[k]->rank, outputs[k]->dims, &bytes) &&
             bytes <= max_bytes - total && !tensor_alloc_data(outputs[k]);
        total += ok ? bytes : 0;
    }
    ok = ok && !node->schema->run(&ctx) && !ctx.status;
    if (!ok) {
        free_outputs(outputs, node->n_outputs);
        dnnx_error_clear();
        return false;
    }
    for (int k = 0; k < node->n_outputs; k++) {
        if (!outputs[k])
            continue;
        graph_value *value = &g->values[node->outputs[k]];
        value->constant = outputs[k];
        value->info.dtype = outputs[k]->dtype;
        value->info.rank = outputs[k]->rank;
        memcpy(value->info.dims, outputs[k]->dims, sizeof value->info.dims);
    }
    node->dead = true;
    return true;
}

dnnx_status pass_fold_constants(graph *g, size_t max_bytes, int *folded)
{
    *folded = 0;
    /* In topological order, so a chain of constant nodes folds in one sweep. */
    for (int i = 0; i < g->n_order; i++) {
        graph_node *node = &g->nodes[g->order[i]];
        if (!node->dead && is_foldable(node) && inputs_are_constant(g, node) && fold_node(g, node, max_bytes))
            (*folded)++;
    }
    return *folded ? graph_sort(g) : DNNX_OK;
}

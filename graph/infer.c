/* Load-time type and shape inference: runs each op's infer() over the graph in
 * topological order with symbolic dims, so a malformed model fails at load, naming the
 * node, rather than at run. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "op.h"

/* Keeps what the model declares where inference could not tell (graph outputs). */
static dnnx_status merge_declared(const graph_node *node, graph_value *value, const dnnx_tensor *inferred)
{
    /* A declared graph output type the node cannot produce is a broken model (ONNX Runtime
     * refuses it too); callers would otherwise read a buffer of another type. */
    if (value->shape_declared && value->is_graph_output && value->info.dtype != DNNX_DTYPE_UNDEFINED &&
        inferred->dtype != DNNX_DTYPE_UNDEFINED && value->info.dtype != inferred->dtype)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph output '%s' is declared %s, but node '%s' (%s) makes %s",
                         value->name, dnnx_dtype_name(value->info.dtype), node->name, node->op_type,
                         dnnx_dtype_name(inferred->dtype));
    if (!value->shape_declared || value->info.rank < 0 || inferred->rank != value->info.rank) {
        value->info.dtype = inferred->dtype;
        value->info.rank = inferred->rank;
        memcpy(value->info.dims, inferred->dims, sizeof value->info.dims);
        return DNNX_OK;
    }
    for (int d = 0; d < inferred->rank; d++)
        if (inferred->dims[d] >= 0 || value->info.dims[d] == DIM_UNKNOWN)
            value->info.dims[d] = inferred->dims[d];
    value->info.dtype = inferred->dtype;
    return DNNX_OK;
}

/* Gives the node's outputs an unknown type and rank (some input's rank is unknown). */
static void mark_outputs_unknown(graph *g, const graph_node *node)
{
    for (int k = 0; k < node->n_outputs; k++) {
        if (node->outputs[k] == VALUE_NONE)
            continue;
        graph_value *value = &g->values[node->outputs[k]];
        if (!value->shape_declared) {
            value->info.dtype = DNNX_DTYPE_UNDEFINED;
            value->info.rank = -1;
        }
    }
}

/* Forgets what inference found in sub: every value a node makes gets an unknown type, unless
 * the model declares one. */
static void forget_inferred(graph *sub)
{
    for (int i = 0; i < sub->n_order; i++)
        mark_outputs_unknown(sub, &sub->nodes[sub->order[i]]);
}

/* Infers a subgraph of a node of g: its outer references take the types of the values of g
 * they name (whose inference is done: they are the node's implicit inputs), its inputs keep
 * their declared types. A subgraph that fails to infer is not an invalid model yet: an If
 * branch may be written for shapes it is never taken with (ONNX's own function expansions
 * are), so its values stay unknown and the executor checks each node when it runs. */
static dnnx_status infer_subgraph(const graph *g, graph *sub)
{
    for (int k = 0; k < sub->n_outer_refs; k++) {
        const graph_value *source = &g->values[sub->outer_sources[k]];
        const dnnx_tensor *info = source->constant ? source->constant : &source->info;
        graph_value *ref = &sub->values[sub->outer_refs[k]];
        tensor_clear(&ref->info);
        tensor_init_shape(&ref->info, info->dtype, info->rank < 0 ? 0 : info->rank, info->dims);
        ref->info.rank = info->rank;
    }
    dnnx_status status = graph_infer(sub);
    if (status == DNNX_ERR_INVALID_MODEL || status == DNNX_ERR_UNSUPPORTED) {
        dnnx_error_clear();
        forget_inferred(sub);
        status = DNNX_OK;
    }
    return status;
}

dnnx_status graph_infer_node(graph *g, graph_node *node)
{
    for (int k = 0; k < graph_node_subgraph_count(node); k++) {
        dnnx_status status = infer_subgraph(g, graph_node_subgraph(node, k));
        if (status)
            return status;
    }
    const dnnx_tensor *inputs[GRAPH_MAX_NODE_IO];
    dnnx_tensor *outputs[GRAPH_MAX_NODE_IO];
    if (node->n_inputs > GRAPH_MAX_NODE_IO || node->n_outputs > GRAPH_MAX_NODE_IO)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "node '%s' (%s) has more than %d inputs or outputs", node->name,
                         node->op_type, GRAPH_MAX_NODE_IO);
    dnnx_tensor *output_infos = calloc((size_t)node->n_outputs + 1, sizeof *output_infos);
    if (!output_infos)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    for (int k = 0; k < node->n_inputs; k++) {
        int v = node->inputs[k];
        if (v == VALUE_NONE) {
            inputs[k] = NULL;
            continue;
        }
        const graph_value *value = &g->values[v];
        inputs[k] = value->constant ? value->constant : &value->info;
        if (inputs[k]->rank < 0 || inputs[k]->dtype == DNNX_DTYPE_UNDEFINED) {
            mark_outputs_unknown(g, node);
            free(output_infos);
            return DNNX_OK;
        }
    }
    for (int k = 0; k < node->n_outputs; k++) {
        memset(&output_infos[k], 0, sizeof output_infos[k]);
        outputs[k] = node->outputs[k] == VALUE_NONE ? NULL : &output_infos[k];
    }
    op_ctx ctx = {
        .node = node,
        .graph = g,
        .opset = node->opset,
        .n_inputs = node->n_inputs,
        .inputs = inputs,
        .n_outputs = node->n_outputs,
        .outputs = outputs,
        .concrete = false,
    };
    dnnx_status status = node->schema->infer(&ctx);
    if (!status)
        status = ctx.status;
    for (int k = 0; k < node->n_outputs; k++) {
        /* infer() describes outputs; it must not leave buffers behind. */
        if (outputs[k] && outputs[k]->owns_data)
            tensor_clear(outputs[k]);
        if (!status && outputs[k])
            status = merge_declared(node, &g->values[node->outputs[k]], outputs[k]);
    }
    free(output_infos);
    return status;
}

dnnx_status graph_infer(graph *g)
{
    for (int i = 0; i < g->n_order; i++) {
        dnnx_status status = graph_infer_node(g, &g->nodes[g->order[i]]);
        if (status)
            return status;
    }
    return DNNX_OK;
}

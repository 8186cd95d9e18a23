/* Dead-code elimination: nodes that no graph output depends on are marked dead, in the graph
 * and in the subgraphs of its live nodes. */
#include <stdlib.h>

#include "graph/error.h"
#include "graph/graph.h"

/* Walks g's sorted order backwards: a node is live if any of its outputs is a graph output
 * or read (as an input or from a subgraph) by a live node. */
static dnnx_status mark_dead(graph *g)
{
    bool *needed = calloc((size_t)g->n_values + 1, sizeof *needed);
    if (!needed)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    for (int k = 0; k < g->n_outputs; k++)
        needed[g->outputs[k]] = true;
    for (int i = g->n_order - 1; i >= 0; i--) {
        graph_node *node = &g->nodes[g->order[i]];
        bool live = false;
        for (int k = 0; k < node->n_outputs && !live; k++)
            live = node->outputs[k] != VALUE_NONE && needed[node->outputs[k]];
        if (!live) {
            node->dead = true;
            continue;
        }
        for (int k = 0; k < node->n_inputs; k++)
            if (node->inputs[k] != VALUE_NONE)
                needed[node->inputs[k]] = true;
        for (int k = 0; k < node->n_implicit_inputs; k++)
            needed[node->implicit_inputs[k]] = true;
    }
    free(needed);
    return DNNX_OK;
}

/* Innermost subgraphs first: what they no longer read leaves the implicit inputs of their
 * nodes before the enclosing graph decides what is live. g must be sorted. */
static dnnx_status mark_dead_tree(graph *g)
{
    dnnx_status status = DNNX_OK;
    for (int i = 0; i < g->n_order && !status; i++) {
        const graph_node *node = &g->nodes[g->order[i]];
        for (int k = 0; k < graph_node_subgraph_count(node) && !status; k++)
            status = mark_dead_tree(graph_node_subgraph(node, k));
    }
    if (!status)
        status = graph_collect_outer_refs(g);
    return status ? status : mark_dead(g);
}

dnnx_status graph_remove_dead_nodes(graph *g)
{
    dnnx_status status = mark_dead_tree(g);
    return status ? status : graph_sort(g);
}

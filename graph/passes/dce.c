/* Dead-code elimination: nodes that no graph output depends on are marked dead. */
#include <stdlib.h>

#include "graph/error.h"
#include "graph/graph.h"

dnnx_status graph_remove_dead_nodes(graph *g)
{
    /* Walk the sorted order backwards: a node is live if any of its outputs is a graph
     * output or read by a live node. */
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
    }
    free(needed);
    return graph_sort(g);
}

#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Open-addressing hash of value names -> value indices, so graphs of 100k+ nodes load in
 * linear time. Capacity is a power of two kept at most half full. */
struct graph_name_index {
    int *slots; /* value index + 1; 0 = empty */
    size_t capacity;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static int index_lookup(const graph *g, const char *name)
{
    const struct graph_name_index *index = g->index;
    if (!index || !index->capacity)
        return -1;
    size_t mask = index->capacity - 1;
    for (size_t slot = hash_name(name) & mask;; slot = (slot + 1) & mask) {
        int entry = index->slots[slot];
        if (!entry)
            return -1;
        if (!strcmp(g->values[entry - 1].name, name))
            return entry - 1;
    }
}

static void index_place(struct graph_name_index *index, const char *name, int value)
{
    size_t mask = index->capacity - 1;
    size_t slot = hash_name(name) & mask;
    while (index->slots[slot])
        slot = (slot + 1) & mask;
    index->slots[slot] = value + 1;
}

static int index_grow(graph *g)
{
    struct graph_name_index *index = g->index;
    size_t capacity = index->capacity ? index->capacity * 2 : 64;
    int *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    free(index->slots);
    index->slots = slots;
    index->capacity = capacity;
    for (int v = 0; v < g->n_values; v++)
        index_place(index, g->values[v].name, v);
    return 0;
}

graph *graph_create(void)
{
    graph *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->index = calloc(1, sizeof *g->index);
    if (!g->index) {
        free(g);
        return NULL;
    }
    return g;
}

static void attr_clear(graph_attr *attr)
{
    free(attr->name);
    free(attr->s);
    free(attr->floats);
    free(attr->ints);
    for (size_t k = 0; attr->strings && k < attr->count; k++)
        free(attr->strings[k]);
    free(attr->strings);
    if (attr->t) {
        tensor_clear(attr->t);
        free(attr->t);
    }
    for (size_t k = 0; attr->tensors && k < attr->count; k++) {
        tensor_clear(attr->tensors[k]);
        free(attr->tensors[k]);
    }
    free(attr->tensors);
    graph_free(attr->g);
    for (size_t k = 0; attr->graphs && k < attr->count; k++)
        graph_free(attr->graphs[k]);
    free(attr->graphs);
}

void graph_free(graph *g)
{
    if (!g)
        return;
    for (int v = 0; v < g->n_values; v++) {
        free(g->values[v].name);
        tensor_clear(&g->values[v].info);
        if (g->values[v].constant) {
            tensor_clear(g->values[v].constant);
            free(g->values[v].constant);
        }
    }
    free(g->values);
    for (int n = 0; n < g->n_nodes; n++) {
        graph_node *node = &g->nodes[n];
        free(node->name);
        free(node->op_type);
        free(node->domain);
        free(node->inputs);
        free(node->outputs);
        free(node->implicit_inputs);
        for (int a = 0; a < node->n_attrs; a++)
            attr_clear(&node->attrs[a]);
        free(node->attrs);
    }
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    for (int k = 0; k < g->n_opsets; k++)
        free(g->opsets[k].domain);
    free(g->opsets);
    for (int k = 0; k < g->n_symbols; k++)
        free(g->symbols[k]);
    free(g->symbols);
    free(g->order);
    free(g->name);
    free(g->producer_name);
    free(g->producer_version);
    if (g->index)
        free(g->index->slots);
    free(g->index);
    free(g->outer_refs);
    free(g->outer_sources);
    free(g);
}

int graph_value_find(const graph *g, const char *name) { return index_lookup(g, name); }

int graph_value_intern(graph *g, const char *name)
{
    int found = index_lookup(g, name);
    if (found >= 0)
        return found;
    if (g->n_values == g->cap_values) {
        int cap = g->cap_values ? g->cap_values * 2 : 64;
        graph_value *values = realloc(g->values, (size_t)cap * sizeof *values);
        if (!values)
            return -1;
        g->values = values;
        g->cap_values = cap;
    }
    if ((size_t)(g->n_values + 1) * 2 > g->index->capacity && index_grow(g))
        return -1;
    graph_value *value = &g->values[g->n_values];
    memset(value, 0, sizeof *value);
    value->name = strdup(name);
    if (!value->name)
        return -1;
    value->info.rank = -1;
    value->producer = -1;
    index_place(g->index, name, g->n_values);
    return g->n_values++;
}

int graph_node_add(graph *g, const char *name, const char *op_type, const char *domain)
{
    if (g->n_nodes == g->cap_nodes) {
        int cap = g->cap_nodes ? g->cap_nodes * 2 : 64;
        graph_node *nodes = realloc(g->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes)
            return -1;
        g->nodes = nodes;
        g->cap_nodes = cap;
    }
    graph_node *node = &g->nodes[g->n_nodes];
    memset(node, 0, sizeof *node);
    node->name = strdup(name);
    node->op_type = strdup(op_type);
    node->domain = strdup(domain ? domain : "");
    if (!node->name || !node->op_type || !node->domain) {
        free(node->name);
        free(node->op_type);
        free(node->domain);
        return -1;
    }
    return g->n_nodes++;
}

static dnnx_status intern_names(graph *g, const char *const *names, int n, int **out)
{
    int *indices = calloc(n ? (size_t)n : 1, sizeof *indices);
    if (!indices)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    for (int k = 0; k < n; k++) {
        if (!names[k] || !names[k][0]) {
            indices[k] = VALUE_NONE;
            continue;
        }
        indices[k] = graph_value_intern(g, names[k]);
        if (indices[k] < 0) {
            free(indices);
            return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        }
    }
    *out = indices;
    return DNNX_OK;
}

dnnx_status graph_node_set_io(graph *g, int node_index, const char *const *inputs, int n_inputs,
                              const char *const *outputs, int n_outputs)
{
    int *in = NULL, *out = NULL;
    dnnx_status status = intern_names(g, inputs, n_inputs, &in);
    if (status)
        return status;
    status = intern_names(g, outputs, n_outputs, &out);
    if (status) {
        free(in);
        return status;
    }
    graph_node *node = &g->nodes[node_index];
    free(node->inputs);
    free(node->outputs);
    node->inputs = in;
    node->n_inputs = n_inputs;
    node->outputs = out;
    node->n_outputs = n_outputs;
    return DNNX_OK;
}

int64_t graph_opset_version(const graph *g, const char *domain)
{
    if (!strcmp(domain, "ai.onnx"))
        domain = "";
    for (; g; g = g->parent)
        for (int k = 0; k < g->n_opsets; k++)
            if (!strcmp(g->opsets[k].domain, domain))
                return g->opsets[k].version;
    return -1;
}

int64_t graph_symbol(graph *g, const char *name)
{
    for (int k = 0; k < g->n_symbols; k++)
        if (!strcmp(g->symbols[k], name))
            return DIM_SYMBOL_BASE - k;
    char **symbols = realloc(g->symbols, (size_t)(g->n_symbols + 1) * sizeof *symbols);
    if (!symbols)
        return DIM_UNKNOWN;
    g->symbols = symbols;
    g->symbols[g->n_symbols] = strdup(name);
    if (!g->symbols[g->n_symbols])
        return DIM_UNKNOWN;
    return DIM_SYMBOL_BASE - g->n_symbols++;
}

const char *graph_symbol_name(const graph *g, int64_t dim)
{
    if (!DIM_IS_SYMBOL(dim))
        return NULL;
    int64_t id = DIM_SYMBOL_BASE - dim;
    return id < g->n_symbols ? g->symbols[id] : NULL;
}

/* True if the name is defined in an enclosing graph (subgraphs may read outer values). */
static bool defined_in_outer_scope(const graph *g, const char *name)
{
    for (const graph *outer = g->parent; outer; outer = outer->parent)
        if (graph_value_find(outer, name) >= 0)
            return true;
    return false;
}

int graph_node_subgraph_count(const graph_node *node)
{
    int count = 0;
    for (int a = 0; a < node->n_attrs; a++) {
        const graph_attr *attr = &node->attrs[a];
        if (attr->type == ATTR_GRAPH && attr->g)
            count++;
        else if (attr->type == ATTR_GRAPHS && attr->graphs)
            count += (int)attr->count;
    }
    return count;
}

graph *graph_node_subgraph(const graph_node *node, int k)
{
    for (int a = 0; a < node->n_attrs && k >= 0; a++) {
        const graph_attr *attr = &node->attrs[a];
        if (attr->type == ATTR_GRAPH && attr->g) {
            if (k-- == 0)
                return attr->g;
        } else if (attr->type == ATTR_GRAPHS && attr->graphs) {
            if ((size_t)k < attr->count)
                return attr->graphs[k];
            k -= (int)attr->count;
        }
    }
    return NULL;
}

/* The k-th value a node reads: its inputs, then its implicit inputs. */
static int node_read(const graph_node *node, int k)
{
    return k < node->n_inputs ? node->inputs[k] : node->implicit_inputs[k - node->n_inputs];
}

static int node_read_count(const graph_node *node) { return node->n_inputs + node->n_implicit_inputs; }

/* Lists sub's outer references: values its live nodes or its outputs read that no live node of
 * sub produces and that are neither its inputs nor its constants; each is interned in parent. */
static dnnx_status find_outer_refs(graph *parent, graph *sub)
{
    dnnx_status status = DNNX_OK;
    size_t n = (size_t)sub->n_values + 1;
    bool *defined = calloc(n, sizeof *defined), *listed = calloc(n, sizeof *listed);
    int *refs = realloc(sub->outer_refs, n * sizeof *refs);
    if (refs)
        sub->outer_refs = refs;
    int *sources = refs ? realloc(sub->outer_sources, n * sizeof *sources) : NULL;
    if (sources)
        sub->outer_sources = sources;
    sub->n_outer_refs = 0;
    if (!defined || !listed || !refs || !sources) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory resolving outer-scope names");
        goto free_marks;
    }
    for (int v = 0; v < sub->n_values; v++)
        defined[v] = sub->values[v].constant || sub->values[v].is_graph_input;
    for (int n_index = 0; n_index < sub->n_nodes; n_index++) {
        const graph_node *node = &sub->nodes[n_index];
        for (int k = 0; !node->dead && k < node->n_outputs; k++)
            if (node->outputs[k] != VALUE_NONE)
                defined[node->outputs[k]] = true;
    }
    /* Reads of each live node, then (n_index == n_nodes) the graph outputs. */
    for (int n_index = 0; n_index <= sub->n_nodes; n_index++) {
        const graph_node *node = n_index < sub->n_nodes ? &sub->nodes[n_index] : NULL;
        int count = node ? (node->dead ? 0 : node_read_count(node)) : sub->n_outputs;
        for (int k = 0; k < count; k++) {
            int v = node ? node_read(node, k) : sub->outputs[k];
            if (v == VALUE_NONE || defined[v] || listed[v])
                continue;
            listed[v] = true;
            int source = graph_value_intern(parent, sub->values[v].name);
            if (source < 0) {
                status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory resolving outer-scope names");
                goto free_marks;
            }
            sub->outer_refs[sub->n_outer_refs] = v;
            sub->outer_sources[sub->n_outer_refs++] = source;
        }
    }
free_marks:
    free(defined);
    free(listed);
    return status;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

dnnx_status graph_collect_outer_refs(graph *g)
{
    for (int n = 0; n < g->n_nodes; n++) {
        graph_node *node = &g->nodes[n];
        free(node->implicit_inputs);
        node->implicit_inputs = NULL;
        node->n_implicit_inputs = 0;
        int n_subgraphs = graph_node_subgraph_count(node);
        if (node->dead || !n_subgraphs)
            continue;
        size_t total = 0;
        for (int k = 0; k < n_subgraphs; k++) {
            graph *sub = graph_node_subgraph(node, k);
            dnnx_status status = find_outer_refs(g, sub);
            if (status)
                return status;
            total += (size_t)sub->n_outer_refs;
        }
        if (!total)
            continue;
        int *reads = malloc(total * sizeof *reads);
        if (!reads)
            return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory resolving outer-scope names");
        size_t used = 0;
        for (int k = 0; k < n_subgraphs; k++) {
            const graph *sub = graph_node_subgraph(node, k);
            memcpy(reads + used, sub->outer_sources, (size_t)sub->n_outer_refs * sizeof *reads);
            used += (size_t)sub->n_outer_refs;
        }
        qsort(reads, total, sizeof *reads, compare_ints);
        size_t unique = 0;
        for (size_t k = 0; k < total; k++)
            if (!unique || reads[unique - 1] != reads[k])
                reads[unique++] = reads[k];
        node->implicit_inputs = reads;
        node->n_implicit_inputs = (int)unique;
    }
    return DNNX_OK;
}

static dnnx_status collect_outer_refs_tree(graph *g)
{
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *node = &g->nodes[n];
        int n_subgraphs = node->dead ? 0 : graph_node_subgraph_count(node);
        for (int k = 0; k < n_subgraphs; k++) {
            dnnx_status status = collect_outer_refs_tree(graph_node_subgraph(node, k));
            if (status)
                return status;
        }
    }
    return graph_collect_outer_refs(g);
}

static dnnx_status sort_one(graph *g)
{
    int *pending = NULL, *ready = NULL, *consumer_start = NULL, *consumers = NULL;
    dnnx_status status = DNNX_OK;

    for (int v = 0; v < g->n_values; v++) {
        g->values[v].producer = -1;
        g->values[v].consumer_count = 0;
    }
    for (int k = 0; k < g->n_outputs; k++)
        g->values[g->outputs[k]].consumer_count++;
    size_t n_edges = 0;
    for (int n = 0; n < g->n_nodes; n++) {
        graph_node *node = &g->nodes[n];
        if (node->dead)
            continue;
        for (int k = 0; k < node->n_outputs; k++) {
            int v = node->outputs[k];
            if (v == VALUE_NONE)
                continue;
            graph_value *value = &g->values[v];
            if (value->producer >= 0)
                return dnnx_fail(DNNX_ERR_INVALID_MODEL, "value '%s' is produced by two nodes, '%s' and '%s'",
                                 value->name, g->nodes[value->producer].name, node->name);
            if (value->constant || value->is_graph_input)
                return dnnx_fail(DNNX_ERR_INVALID_MODEL, "node '%s' (%s) writes '%s', which is a graph %s", node->name,
                                 node->op_type, value->name, value->constant ? "initializer" : "input");
            value->producer = n;
        }
        for (int k = 0; k < node_read_count(node); k++)
            if (node_read(node, k) != VALUE_NONE) {
                g->values[node_read(node, k)].consumer_count++;
                n_edges++;
            }
    }

    /* Kahn's algorithm over node -> consumer-node edges: no recursion, so deep graphs are
     * fine, and whatever is left unsorted lies on a cycle. */
    pending = calloc((size_t)g->n_nodes + 1, sizeof *pending);
    ready = calloc((size_t)g->n_nodes + 1, sizeof *ready);
    consumer_start = calloc((size_t)g->n_values + 1, sizeof *consumer_start);
    consumers = calloc(n_edges + 1, sizeof *consumers);
    if (!pending || !ready || !consumer_start || !consumers) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory sorting the graph");
        goto free_work;
    }
    for (int n = 0; n < g->n_nodes; n++) {
        graph_node *node = &g->nodes[n];
        if (node->dead)
            continue;
        for (int k = 0; k < node_read_count(node); k++) {
            int v = node_read(node, k);
            if (v == VALUE_NONE)
                continue;
            graph_value *value = &g->values[v];
            if (value->producer >= 0) {
                pending[n]++;
                consumer_start[v + 1]++;
            } else if (!value->constant && !value->is_graph_input && !defined_in_outer_scope(g, value->name)) {
                status = dnnx_fail(DNNX_ERR_INVALID_MODEL,
                                   "node '%s' (%s) reads '%s'%s, which no node, input or initializer defines",
                                   node->name, node->op_type, value->name, k < node->n_inputs ? "" : " in a subgraph");
                goto free_work;
            }
        }
    }
    for (int v = 0; v < g->n_values; v++)
        consumer_start[v + 1] += consumer_start[v];
    {
        int *fill = calloc((size_t)g->n_values + 1, sizeof *fill);
        if (!fill) {
            status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory sorting the graph");
            goto free_work;
        }
        for (int n = 0; n < g->n_nodes; n++) {
            graph_node *node = &g->nodes[n];
            if (node->dead)
                continue;
            for (int k = 0; k < node_read_count(node); k++) {
                int v = node_read(node, k);
                if (v != VALUE_NONE && g->values[v].producer >= 0)
                    consumers[consumer_start[v] + fill[v]++] = n;
            }
        }
        free(fill);
    }
    for (int k = 0; k < g->n_outputs; k++) {
        graph_value *value = &g->values[g->outputs[k]];
        if (value->producer < 0 && !value->constant && !value->is_graph_input &&
            !defined_in_outer_scope(g, value->name)) {
            status = dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph output '%s' is not produced by any node", value->name);
            goto free_work;
        }
    }

    int *order = realloc(g->order, ((size_t)g->n_nodes + 1) * sizeof *order);
    if (!order) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory sorting the graph");
        goto free_work;
    }
    g->order = order;
    int head = 0, tail = 0, live = 0;
    for (int n = 0; n < g->n_nodes; n++) {
        if (g->nodes[n].dead)
            continue;
        live++;
        if (!pending[n])
            ready[tail++] = n;
    }
    g->n_order = 0;
    while (head < tail) {
        int n = ready[head++];
        g->order[g->n_order++] = n;
        graph_node *node = &g->nodes[n];
        for (int k = 0; k < node->n_outputs; k++) {
            int v = node->outputs[k];
            if (v == VALUE_NONE)
                continue;
            for (int e = consumer_start[v]; e < consumer_start[v + 1]; e++)
                if (--pending[consumers[e]] == 0)
                    ready[tail++] = consumers[e];
        }
    }
    if (g->n_order != live) {
        for (int n = 0; n < g->n_nodes; n++)
            if (!g->nodes[n].dead && pending[n]) {
                status = dnnx_fail(DNNX_ERR_INVALID_MODEL, "the graph has a cycle through node '%s' (%s)",
                                   g->nodes[n].name, g->nodes[n].op_type);
                break;
            }
    }

free_work:
    free(pending);
    free(ready);
    free(consumer_start);
    free(consumers);
    return status;
}

static dnnx_status sort_tree(graph *g)
{
    dnnx_status status = sort_one(g);
    for (int i = 0; i < g->n_order && !status; i++) {
        const graph_node *node = &g->nodes[g->order[i]];
        for (int k = 0; k < graph_node_subgraph_count(node) && !status; k++)
            status = sort_tree(graph_node_subgraph(node, k));
    }
    return status;
}

dnnx_status graph_sort(graph *g)
{
    dnnx_status status = collect_outer_refs_tree(g);
    return status ? status : sort_tree(g);
}

void graph_format_shape(const graph *g, const dnnx_tensor *info, char *buf, size_t size)
{
    size_t used = 0;
#define APPEND(...) used += (size_t)snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__)
    if (info->rank < 0) {
        APPEND("[?...]");
        return;
    }
    APPEND("[");
    for (int i = 0; i < info->rank; i++) {
        int64_t d = info->dims[i];
        const char *symbol = graph_symbol_name(g, d);
        if (i)
            APPEND(",");
        if (d >= 0)
            APPEND("%lld", (long long)d);
        else if (symbol)
            APPEND("%s", symbol);
        else
            APPEND("?");
    }
    APPEND("]");
#undef APPEND
}

const graph_attr *graph_node_attr(const graph_node *node, const char *name)
{
    for (int a = 0; a < node->n_attrs; a++)
        if (!strcmp(node->attrs[a].name, name))
            return &node->attrs[a];
    return NULL;
}

#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

typedef struct placed {
    size_t begin, end; /* [begin, end) in the arena */
    int first_step, last_step;
} placed;

static size_t align_up(size_t bytes) { return (bytes + PLAN_ALIGNMENT - 1) / PLAN_ALIGNMENT * PLAN_ALIGNMENT; }

static int larger_first(const void *a, const void *b, void *context)
{
    const plan_request *blocks = context;
    const plan_request *ra = &blocks[*(const size_t *)a], *rb = &blocks[*(const size_t *)b];
    if (ra->bytes != rb->bytes)
        return ra->bytes > rb->bytes ? -1 : 1;
    return ra->first_step - rb->first_step;
}

static bool lifetimes_meet(const placed *p, const plan_request *r)
{
    return p->first_step <= r->last_step && r->first_step <= p->last_step;
}

/* The lowest offset where size bytes fit between the placed values alive with r (placed is
 * sorted by begin). */
static size_t lowest_fit(const placed *list, size_t n, const plan_request *r, size_t size)
{
    size_t offset = 0;
    for (size_t k = 0; k < n; k++) {
        if (!lifetimes_meet(&list[k], r))
            continue;
        if (list[k].begin >= offset + size)
            break;
        if (list[k].end > offset)
            offset = list[k].end;
    }
    return offset;
}

/* owners[v]: the head of v's sharing chain. Fails on a chain that leaves the values or loops. */
static dnnx_status resolve_owners(const plan_request *requests, size_t n_values, int *owners)
{
    for (size_t v = 0; v < n_values; v++)
        owners[v] = -1;
    for (size_t v = 0; v < n_values; v++) {
        size_t u = v, steps = 0;
        while (owners[u] < 0 && requests[u].shares) {
            int next = requests[u].shared;
            if (next < 0 || (size_t)next >= n_values || ++steps > n_values)
                return dnnx_fail(DNNX_ERR_INTERNAL, "value %zu shares the bytes of an invalid or circular chain", v);
            u = (size_t)next;
        }
        int head = owners[u] >= 0 ? owners[u] : (int)u;
        for (u = v; owners[u] < 0; u = (size_t)requests[u].shared) {
            owners[u] = head;
            if (!requests[u].shares)
                break;
        }
    }
    return DNNX_OK;
}

dnnx_status plan_build(const plan_request *requests, size_t n_values, plan *out)
{
    size_t *order = malloc((n_values + 1) * sizeof *order);
    placed *list = malloc((n_values + 1) * sizeof *list);
    size_t *offsets = malloc((n_values + 1) * sizeof *offsets);
    int *owners = malloc((n_values + 1) * sizeof *owners);
    plan_request *blocks = malloc((n_values + 1) * sizeof *blocks); /* per head: its block's size and lifetime */
    dnnx_status status = DNNX_OK;
    if (!order || !list || !offsets || !owners || !blocks) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory planning the arena");
        goto fail;
    }
    if ((status = resolve_owners(requests, n_values, owners)))
        goto fail;
    for (size_t v = 0; v < n_values; v++)
        blocks[v] = requests[v];
    for (size_t v = 0; v < n_values; v++) {
        plan_request *block = &blocks[owners[v]];
        if ((size_t)owners[v] == v)
            continue;
        if (block->bytes && requests[v].bytes > block->bytes)
            block->bytes = requests[v].bytes;
        if (requests[v].first_step < block->first_step)
            block->first_step = requests[v].first_step;
        if (requests[v].last_step > block->last_step)
            block->last_step = requests[v].last_step;
    }
    size_t n_order = 0, n_placed = 0, arena = 0;
    for (size_t v = 0; v < n_values; v++) {
        offsets[v] = PLAN_NOT_PLACED;
        if ((size_t)owners[v] == v && blocks[v].bytes)
            order[n_order++] = v;
    }
    qsort_r(order, n_order, sizeof *order, larger_first, blocks);
    for (size_t k = 0; k < n_order; k++) {
        const plan_request *r = &blocks[order[k]];
        size_t size = align_up(r->bytes);
        size_t offset = lowest_fit(list, n_placed, r, size);
        offsets[order[k]] = offset;
        /* Keep the list sorted by begin: insert in place. */
        size_t at = n_placed;
        while (at > 0 && list[at - 1].begin > offset) {
            list[at] = list[at - 1];
            at--;
        }
        list[at] = (placed){offset, offset + size, r->first_step, r->last_step};
        n_placed++;
        if (offset + size > arena)
            arena = offset + size;
    }
    for (size_t v = 0; v < n_values; v++)
        offsets[v] = offsets[owners[v]];
    free(order);
    free(list);
    free(blocks);
    out->offsets = offsets;
    out->owners = owners;
    out->n_values = n_values;
    out->arena_bytes = arena;
    return DNNX_OK;
fail:
    free(order);
    free(list);
    free(offsets);
    free(owners);
    free(blocks);
    return status;
}

void plan_clear(plan *p)
{
    if (!p)
        return;
    free(p->offsets);
    free(p->owners);
    p->offsets = NULL;
    p->owners = NULL;
    p->n_values = 0;
    p->arena_bytes = 0;
}

typedef struct alias_op {
    const char *op_type;
    plan_alias alias;
} alias_op;

/* Ops of the default domain whose output may take an input's bytes. The in-place ones are
 * checked against every kernel that can run them: the reference kernels of ops/elementwise.c
 * and ops/activation.c compute each output element from the input elements at the same index
 * (BLOCKED_LOOP reads them first), the reference Softmax reads a row before writing it; the
 * oneDNN eltwise, softmax and binary primitives support dst == src (binary: dst == src0, and
 * the input the oneDNN kernel passes as src0 is the first one shaped like the output). */
static const alias_op alias_ops[] = {
    {"Reshape", PLAN_ALIAS_VIEW},        {"Squeeze", PLAN_ALIAS_VIEW},
    {"Unsqueeze", PLAN_ALIAS_VIEW},      {"Flatten", PLAN_ALIAS_VIEW},
    {"Identity", PLAN_ALIAS_VIEW},       {"Add", PLAN_ALIAS_BINARY},
    {"Sub", PLAN_ALIAS_BINARY},          {"Mul", PLAN_ALIAS_BINARY},
    {"Div", PLAN_ALIAS_BINARY},          {"Pow", PLAN_ALIAS_BINARY},
    {"Relu", PLAN_ALIAS_IN_PLACE},       {"LeakyRelu", PLAN_ALIAS_IN_PLACE},
    {"Elu", PLAN_ALIAS_IN_PLACE},        {"Selu", PLAN_ALIAS_IN_PLACE},
    {"Celu", PLAN_ALIAS_IN_PLACE},       {"Softplus", PLAN_ALIAS_IN_PLACE},
    {"Softsign", PLAN_ALIAS_IN_PLACE},   {"HardSigmoid", PLAN_ALIAS_IN_PLACE},
    {"HardSwish", PLAN_ALIAS_IN_PLACE},  {"ThresholdedRelu", PLAN_ALIAS_IN_PLACE},
    {"Mish", PLAN_ALIAS_IN_PLACE},       {"Gelu", PLAN_ALIAS_IN_PLACE},
    {"Shrink", PLAN_ALIAS_IN_PLACE},     {"Sqrt", PLAN_ALIAS_IN_PLACE},
    {"Reciprocal", PLAN_ALIAS_IN_PLACE}, {"Neg", PLAN_ALIAS_IN_PLACE},
    {"Abs", PLAN_ALIAS_IN_PLACE},        {"Exp", PLAN_ALIAS_IN_PLACE},
    {"Log", PLAN_ALIAS_IN_PLACE},        {"Erf", PLAN_ALIAS_IN_PLACE},
    {"Tanh", PLAN_ALIAS_IN_PLACE},       {"Sigmoid", PLAN_ALIAS_IN_PLACE},
    {"Sin", PLAN_ALIAS_IN_PLACE},        {"Cos", PLAN_ALIAS_IN_PLACE},
    {"Tan", PLAN_ALIAS_IN_PLACE},        {"Asin", PLAN_ALIAS_IN_PLACE},
    {"Acos", PLAN_ALIAS_IN_PLACE},       {"Atan", PLAN_ALIAS_IN_PLACE},
    {"Sinh", PLAN_ALIAS_IN_PLACE},       {"Cosh", PLAN_ALIAS_IN_PLACE},
    {"Asinh", PLAN_ALIAS_IN_PLACE},      {"Acosh", PLAN_ALIAS_IN_PLACE},
    {"Atanh", PLAN_ALIAS_IN_PLACE},      {"Floor", PLAN_ALIAS_IN_PLACE},
    {"Ceil", PLAN_ALIAS_IN_PLACE},       {"Round", PLAN_ALIAS_IN_PLACE},
    {"Sign", PLAN_ALIAS_IN_PLACE},       {"Clip", PLAN_ALIAS_IN_PLACE},
    {"Softmax", PLAN_ALIAS_IN_PLACE},    {"LogSoftmax", PLAN_ALIAS_IN_PLACE},
};

plan_alias plan_op_alias(const graph_node *node)
{
    if (node->domain[0] || node->n_outputs < 1 || node->n_inputs < 1)
        return PLAN_ALIAS_NONE;
    for (size_t k = 0; k < sizeof alias_ops / sizeof alias_ops[0]; k++)
        if (!strcmp(node->op_type, alias_ops[k].op_type))
            return alias_ops[k].alias;
    return PLAN_ALIAS_NONE;
}

bool plan_value_is_pinned(const graph *g, const int *first_step, int v)
{
    return first_step[v] < 0 || g->values[v].is_graph_output;
}

/* What plan_graph tracks while it walks the steps: each value's block head and, per head, the
 * last step that reads any value of the block. */
typedef struct sharing {
    const graph *g;
    const int *first_step;
    const plan_value *values;
    int *owner;
    int *block_last;
} sharing;

static bool same_layout(const plan_value *values, int a, int b)
{
    return values[a].bytes == values[b].bytes && values[a].dtype == values[b].dtype;
}

/* The input a view node's output may share, or -1. */
static int view_source(const sharing *s, const graph_node *node)
{
    int output = node->outputs[0], input = node->inputs[0];
    if (input == VALUE_NONE || s->g->values[output].is_graph_output)
        return -1;
    int head = s->owner[input];
    if (s->values[head].bytes)
        return s->values[output].bytes == s->values[head].bytes ? input : -1;
    return plan_value_is_pinned(s->g, s->first_step, head) ? input : -1;
}

/* The input an in-place node at step may write its output over, or -1. */
static int in_place_source(const sharing *s, const graph_node *node, plan_alias alias, int step)
{
    int output = node->outputs[0], chosen = 0;
    if (!s->values[output].bytes)
        return -1;
    if (alias == PLAN_ALIAS_BINARY && node->n_inputs == 2 &&
        (node->inputs[0] == VALUE_NONE || !same_layout(s->values, node->inputs[0], output)))
        chosen = 1;
    int input = node->inputs[chosen];
    if (input == VALUE_NONE || !same_layout(s->values, input, output))
        return -1;
    int head = s->owner[input];
    if (!s->values[head].bytes || s->block_last[head] != step)
        return -1;
    for (int k = 0; k < node->n_inputs; k++)
        if (k != chosen && node->inputs[k] != VALUE_NONE && s->owner[node->inputs[k]] == head)
            return -1;
    return input;
}

dnnx_status plan_graph(const graph *g, const int *first_step, const int *last_step, const plan_value *values, plan *out)
{
    size_t n = (size_t)g->n_values + 1;
    plan_request *requests = calloc(n, sizeof *requests);
    sharing s = {g, first_step, values, malloc(n * sizeof *s.owner), malloc(n * sizeof *s.block_last)};
    dnnx_status status;
    if (!requests || !s.owner || !s.block_last) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory planning the arena");
        goto done;
    }
    for (int v = 0; v < g->n_values; v++) {
        requests[v] = (plan_request){values[v].bytes, first_step[v], last_step[v], false, 0};
        s.owner[v] = v;
        s.block_last[v] = last_step[v];
    }
    for (int step = 0; step < g->n_order; step++) {
        const graph_node *node = &g->nodes[g->order[step]];
        plan_alias alias = plan_op_alias(node);
        if (alias == PLAN_ALIAS_NONE || node->outputs[0] == VALUE_NONE)
            continue;
        int output = node->outputs[0];
        int input = alias == PLAN_ALIAS_VIEW ? view_source(&s, node) : in_place_source(&s, node, alias, step);
        if (input < 0)
            continue;
        int head = s.owner[input];
        requests[output].shares = true;
        requests[output].shared = input;
        if (!values[head].bytes)
            requests[output].bytes = 0; /* a view of a pinned value takes no arena bytes */
        s.owner[output] = head;
        if (last_step[output] > s.block_last[head])
            s.block_last[head] = last_step[output];
    }
    status = plan_build(requests, (size_t)g->n_values, out);
done:
    free(requests);
    free(s.owner);
    free(s.block_last);
    return status;
}

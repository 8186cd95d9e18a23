/* The executor: runs a compiled session's nodes in order. The first run at a new input-shape
 * signature allocates each intermediate tensor on its own and records its size; from those
 * sizes and the values' lifetimes graph/plan.c places every intermediate tensor in one arena
 * (views sharing their input's bytes, elementwise outputs written over inputs that die), and
 * later runs at that signature carve their tensors from a block taken from the session's
 * spares: the arena and the run's own bookkeeping, so that such a run allocates nothing but
 * the outputs it returns. Each run keeps its tensors to itself, so runs may overlap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"
#include "graph/error.h"
#include "graph/graph.h"
#include "graph/op.h"
#include "graph/plan.h"
#include "graph/session_internal.h"

/* Per-run state of one graph: the tensor of every value and how many reads of it remain. A
 * control-flow node's subgraph runs get their own, next to the enclosing run's. */
typedef struct run_state {
    dnnx_session *session;
    const session_graph *sg;
    const dnnx_tensor **values; /* what each value holds in this run */
    dnnx_tensor **owned;        /* tensors this run made (a slot or, for graph outputs, the heap) */
    dnnx_tensor *slots;         /* tensor structs of the values that are not graph outputs */
    int *reads_left;
    plan_value *recorded;   /* the planning run: what each plannable value held */
    const shape_plan *plan; /* NULL on the planning run */
    char *block;            /* a planned run's memory: see block_layout */
    size_t block_capacity;
    char *arena;
    size_t live_bytes; /* bytes of the tensors in owned */
    size_t max_bytes;  /* the memory limit of this run */
} run_state;

static bool may_add_plan(const dnnx_session *session, const session_graph *sg)
{
    return sg->n_plans < (sg == &session->main ? RUN_MAIN_MAX_PLANS : RUN_SUBGRAPH_MAX_PLANS);
}

dnnx_status run_prepare(session_graph *sg)
{
    const graph *g = sg->graph;
    sg->first_step = malloc(((size_t)g->n_values + 1) * sizeof *sg->first_step);
    sg->last_step = malloc(((size_t)g->n_values + 1) * sizeof *sg->last_step);
    if (!sg->first_step || !sg->last_step)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    for (int v = 0; v < g->n_values; v++)
        sg->first_step[v] = sg->last_step[v] = -1;
    for (int step = 0; step < g->n_order; step++) {
        const graph_node *node = &g->nodes[g->order[step]];
        for (int k = 0; k < node->n_outputs; k++)
            if (node->outputs[k] != VALUE_NONE)
                sg->first_step[node->outputs[k]] = sg->last_step[node->outputs[k]] = step;
        for (int k = 0; k < node->n_inputs + node->n_implicit_inputs; k++) {
            int v = k < node->n_inputs ? node->inputs[k] : node->implicit_inputs[k - node->n_inputs];
            if (v != VALUE_NONE && step > sg->last_step[v])
                sg->last_step[v] = step;
        }
    }
    return DNNX_OK;
}

void run_graph_free(session_graph *sg)
{
    for (shape_plan *p = sg->plans, *next; p; p = next) {
        next = p->next;
        plan_clear(&p->plan);
        free(p->signature);
        free(p->planned_bytes);
        free(p);
    }
    sg->plans = NULL;
    free(sg->first_step);
    free(sg->last_step);
    sg->first_step = sg->last_step = NULL;
}

/* A spare block's header lives in its own first bytes (so keeping it allocates nothing). */
void run_cache_free(dnnx_session *session)
{
    for (spare_arena *a = session->spare_arenas, *next; a; a = next) {
        next = a->next;
        free(a->memory);
    }
    session->spare_arenas = NULL;
}

/* Whether a value's tensor may live in the arena: produced by a node, and not handed to the
 * caller (graph outputs are pinned to their own buffers). */
static bool plannable(const session_graph *sg, int v)
{
    const graph_value *value = &sg->graph->values[v];
    return sg->first_step[v] >= 0 && !value->is_graph_output && !value->constant;
}

/* The size the first use of symbol (a dim value) among the caller's inputs before input index
 * dim before_dim gives it; false if it has none yet. Earlier inputs passed check_input. */
static bool symbol_bound(const graph *g, const dnnx_tensor *const *inputs, size_t index, int before_dim, int64_t symbol,
                         int64_t *size)
{
    for (size_t i = 0; i <= index; i++) {
        const graph_value *value = &g->values[g->inputs[i]];
        if (!inputs[i] || value->info.rank < 0)
            continue;
        for (int d = 0; d < value->info.rank && (i < index || d < before_dim); d++)
            if (value->info.dims[d] == symbol) {
                *size = inputs[i]->dims[d];
                return true;
            }
    }
    return false;
}

/* Checks a caller's input against the graph input's declared type and shape; symbolic dims
 * must be bound consistently across inputs. */
static dnnx_status check_input(const graph *g, size_t index, const dnnx_tensor *const *inputs)
{
    const dnnx_tensor *tensor = inputs[index];
    const graph_value *value = &g->values[g->inputs[index]];
    if (tensor->dtype != value->info.dtype && value->info.dtype != DNNX_DTYPE_UNDEFINED)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "input '%s' must be %s, not %s", value->name,
                         dnnx_dtype_name(value->info.dtype), dnnx_dtype_name(tensor->dtype));
    if (!tensor_dtype_is_valid((int)tensor->dtype))
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "input '%s' has unsupported dtype %d", value->name,
                         (int)tensor->dtype);
    if (!tensor->data)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "input '%s' has no data", value->name);
    if (value->info.rank < 0)
        return DNNX_OK;
    char expected[256], got[256];
    graph_format_shape(g, &value->info, expected, sizeof expected);
    tensor_format_shape(tensor, got, sizeof got);
    if (tensor->rank != value->info.rank)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "input '%s' must have rank %d %s, not rank %d %s", value->name,
                         value->info.rank, expected, tensor->rank, got);
    for (int d = 0; d < tensor->rank; d++) {
        int64_t want = value->info.dims[d], have = tensor->dims[d];
        if (want >= 0 && want != have)
            return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "input '%s' must have shape %s, not %s (dim %d)", value->name,
                             expected, got, d);
        int64_t bound;
        if (DIM_IS_SYMBOL(want) && symbol_bound(g, inputs, index, d, want, &bound) && bound != have) {
            int64_t id = DIM_SYMBOL_BASE - want;
            return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT,
                             "input '%s' dim %d ('%s') is %lld, but another input gives '%s' = %lld", value->name, d,
                             g->symbols[id], (long long)have, g->symbols[id], (long long)bound);
        }
    }
    return DNNX_OK;
}

static dnnx_status check_inputs(const graph *g, const dnnx_tensor *const *inputs, size_t n_inputs)
{
    if (n_inputs != (size_t)g->n_inputs)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "the model has %d inputs, %zu were given", g->n_inputs, n_inputs);
    if (n_inputs && !inputs)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "inputs is NULL");
    dnnx_status status = DNNX_OK;
    for (size_t i = 0; i < n_inputs && !status; i++)
        if (inputs[i])
            status = check_input(g, i, inputs);
    return status;
}

/* The tensor a run of g starts from at position i of its signature: graph input i, then
 * the outer references (NULL when not given). */
static const dnnx_tensor *start_tensor(const graph *g, const dnnx_tensor *const *outer,
                                       const dnnx_tensor *const *inputs, size_t i)
{
    if (i < (size_t)g->n_inputs)
        return inputs[i];
    return outer ? outer[g->outer_sources[i - (size_t)g->n_inputs]] : NULL;
}

/* The shapes a run's plan depends on, flattened: rank then dims of each graph input and,
 * for a subgraph, of each outer reference; -1 for a value not given. */
static int64_t *run_signature(const graph *g, const dnnx_tensor *const *outer, const dnnx_tensor *const *inputs,
                              size_t *len)
{
    size_t n = (size_t)g->n_inputs + (size_t)g->n_outer_refs;
    int64_t *signature = malloc((n * (DNNX_MAX_RANK + 1) + 1) * sizeof *signature);
    size_t used = 0;
    if (!signature)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const dnnx_tensor *t = start_tensor(g, outer, inputs, i);
        signature[used++] = t ? t->rank : -1;
        for (int d = 0; t && d < t->rank; d++)
            signature[used++] = t->dims[d];
    }
    *len = used;
    return signature;
}

/* Whether p was planned for the shapes a run of g starts from (run_signature, compared
 * without building it, so that finding a plan allocates nothing). */
static bool plan_fits(const shape_plan *p, const graph *g, const dnnx_tensor *const *outer,
                      const dnnx_tensor *const *inputs)
{
    size_t n = (size_t)g->n_inputs + (size_t)g->n_outer_refs, used = 0;
    for (size_t i = 0; i < n; i++) {
        const dnnx_tensor *t = start_tensor(g, outer, inputs, i);
        int rank = t ? t->rank : -1;
        if (used + 1 + (size_t)(rank > 0 ? rank : 0) > p->signature_len || p->signature[used++] != rank)
            return false;
        for (int d = 0; d < rank; d++)
            if (p->signature[used++] != t->dims[d])
                return false;
    }
    return used == p->signature_len;
}

static shape_plan *find_plan(shape_plan *plans, const graph *g, const dnnx_tensor *const *outer,
                             const dnnx_tensor *const *inputs)
{
    for (shape_plan *p = plans; p; p = p->next)
        if (plan_fits(p, g, outer, inputs))
            return p;
    return NULL;
}

static bool has_plan(const shape_plan *plans, const int64_t *signature, size_t len)
{
    for (const shape_plan *p = plans; p; p = p->next)
        if (p->signature_len == len && !memcmp(p->signature, signature, len * sizeof *signature))
            return true;
    return false;
}

static size_t round_up(size_t bytes) { return (bytes + PLAN_ALIGNMENT - 1) / PLAN_ALIGNMENT * PLAN_ALIGNMENT; }

/* The memory of a planned run, one block: the spare_arena header while the block waits in the
 * session's spares, the arena, then the run's per-value arrays. Offsets from the block start. */
typedef struct block_layout {
    size_t arena, values, owned, slots, reads_left, results, total;
} block_layout;

static void layout_block(const graph *g, size_t arena_bytes, block_layout *out)
{
    size_t n = (size_t)g->n_values + 1, at = round_up(sizeof(spare_arena));
    out->arena = at;
    at += round_up(arena_bytes);
    out->values = at;
    at += round_up(n * sizeof(const dnnx_tensor *));
    out->owned = at;
    at += round_up(n * sizeof(dnnx_tensor *));
    out->slots = at;
    at += round_up(n * sizeof(dnnx_tensor));
    out->reads_left = at;
    at += round_up(n * sizeof(int));
    out->results = at;
    at += round_up(((size_t)g->n_outputs + 1) * sizeof(dnnx_tensor *));
    out->total = at;
}

/* The smallest spare block of at least bytes (a loop body's small block should not take the
 * main graph's big one), or a new one; NULL on out of memory. */
static char *take_block(dnnx_session *session, size_t bytes, size_t *capacity)
{
    pthread_mutex_lock(&session->run_cache_lock);
    spare_arena **best = NULL;
    for (spare_arena **link = &session->spare_arenas; *link; link = &(*link)->next)
        if ((*link)->bytes >= bytes && (!best || (*link)->bytes < (*best)->bytes))
            best = link;
    spare_arena *found = best ? *best : NULL;
    if (found)
        *best = found->next;
    pthread_mutex_unlock(&session->run_cache_lock);
    if (found) {
        *capacity = found->bytes;
        return found->memory;
    }
    *capacity = bytes;
    return aligned_alloc(PLAN_ALIGNMENT, round_up(bytes));
}

static void return_block(dnnx_session *session, char *block, size_t capacity)
{
    spare_arena *spare = (spare_arena *)block;
    *spare = (spare_arena){block, capacity, NULL};
    pthread_mutex_lock(&session->run_cache_lock);
    spare->next = session->spare_arenas;
    session->spare_arenas = spare;
    int count = 0;
    spare_arena **smallest = NULL;
    for (spare_arena **link = &session->spare_arenas; *link; link = &(*link)->next, count++)
        if (!smallest || (*link)->bytes < (*smallest)->bytes)
            smallest = link;
    spare_arena *dropped = NULL;
    if (count > RUN_MAX_SPARE_BLOCKS) {
        dropped = *smallest;
        *smallest = dropped->next;
    }
    pthread_mutex_unlock(&session->run_cache_lock);
    if (dropped)
        free(dropped->memory);
}

/* After a successful planning run: plans the arena for its signature (unless another run
 * did so meanwhile) and leaves a block for it among the spares, so that the next run at these
 * shapes allocates nothing. A failure here only means later runs keep allocating. */
static void remember_plan(dnnx_session *session, session_graph *sg, int64_t *signature, size_t len,
                          const plan_value *recorded)
{
    const graph *g = sg->graph;
    shape_plan *entry = calloc(1, sizeof *entry);
    size_t *planned = malloc(((size_t)g->n_values + 1) * sizeof *planned);
    if (!entry || !planned || plan_graph(g, sg->first_step, sg->last_step, recorded, &entry->plan)) {
        free(entry);
        free(planned);
        free(signature);
        return;
    }
    for (int v = 0; v < g->n_values; v++)
        planned[v] = recorded[v].bytes;
    entry->signature = signature;
    entry->signature_len = len;
    entry->planned_bytes = planned;
    block_layout layout;
    layout_block(g, entry->plan.arena_bytes, &layout);
    pthread_mutex_lock(&session->run_cache_lock);
    if (!has_plan(sg->plans, signature, len) && may_add_plan(session, sg)) {
        entry->next = sg->plans;
        sg->plans = entry;
        sg->n_plans++;
        if (sg == &session->main)
            session->last_arena_bytes = entry->plan.arena_bytes;
        entry = NULL;
    }
    pthread_mutex_unlock(&session->run_cache_lock);
    if (entry) {
        plan_clear(&entry->plan);
        free(entry->planned_bytes);
        free(entry->signature);
        free(entry);
        return;
    }
    char *block = aligned_alloc(PLAN_ALIGNMENT, layout.total);
    if (block)
        return_block(session, block, layout.total);
}

/* The tensor struct a node output is written into: a per-run slot, or for graph outputs a
 * heap tensor that can be handed to the caller. */
static dnnx_tensor *output_struct(run_state *run, int v)
{
    if (run->sg->graph->values[v].is_graph_output)
        return calloc(1, sizeof(dnnx_tensor));
    memset(&run->slots[v], 0, sizeof run->slots[v]);
    return &run->slots[v];
}

static void drop_tensor(run_state *run, int v, dnnx_tensor *tensor)
{
    if (tensor == &run->slots[v])
        tensor_clear(tensor);
    else
        dnnx_tensor_free(tensor);
}

/* Counts bytes against the run's memory limit; fails naming the node's output if they do not fit. */
static dnnx_status reserve_bytes(run_state *run, const graph_node *node, int k, size_t bytes)
{
    if (bytes > run->max_bytes - run->live_bytes) {
        /* A subgraph's run may hold what the runs around it leave of the session's limit. */
        size_t limit = run->session->options.max_memory, outside = limit - run->max_bytes;
        dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "needs %zu bytes, past the memory limit of %zu bytes (%zu already in use)",
                  bytes, limit, outside + run->live_bytes);
        dnnx_error_prefix("node '%s' (%s-%d) output %d", node->name, node->op_type, node->schema->since_version, k);
        return DNNX_ERR_OUT_OF_MEMORY;
    }
    run->live_bytes += bytes;
    return DNNX_OK;
}

/* The input of node whose bytes its output 0 takes on this run (a view of it, or written
 * over it), or -1. A planned run follows its plan's sharing, but only while the shared block
 * is where the plan put it (or, for a pinned head, is the head's own tensor) and the sizes are
 * the plan's; other runs make views of pinned values only, which outlive any reader. */
static int shared_input(const run_state *run, const graph_node *node, plan_alias alias, size_t bytes)
{
    const session_graph *sg = run->sg;
    const graph *g = sg->graph;
    int output = node->outputs[0];
    if (alias == PLAN_ALIAS_NONE || g->values[output].is_graph_output)
        return -1;
    if (!run->plan) {
        int input = node->inputs[0];
        if (alias != PLAN_ALIAS_VIEW || input == VALUE_NONE || !plan_value_is_pinned(g, sg->first_step, input))
            return -1;
        const dnnx_tensor *source = run->values[input];
        return source && source->data && source->dtype == run->owned[output]->dtype && tensor_bytes(source) == bytes
                   ? input
                   : -1;
    }
    const plan *p = &run->plan->plan;
    int head = p->owners[output], input = -1;
    if (head == output)
        return -1;
    for (int k = 0; k < node->n_inputs && input < 0; k++)
        if (node->inputs[k] != VALUE_NONE && p->owners[node->inputs[k]] == head)
            input = node->inputs[k];
    const dnnx_tensor *source = input >= 0 ? run->values[input] : NULL;
    if (!source || !source->data)
        return -1;
    const void *expected = NULL; /* where the block's bytes are this run */
    if (p->offsets[head] != PLAN_NOT_PLACED)
        expected = run->arena + p->offsets[head];
    else if (run->values[head])
        expected = run->values[head]->data;
    if (source->data != expected || source->dtype != run->owned[output]->dtype || tensor_bytes(source) != bytes)
        return -1;
    return input;
}

/* Gives an output its buffer within the run's memory limit (checked before anything is
 * allocated, so a model asking for terabytes gets a message): the bytes of the input it
 * shares (shared_input; *viewed is set for a view, whose kernel need not run), the planned
 * place in the arena when the plan has one of that size, else its own zeroed allocation. */
static dnnx_status alloc_output(run_state *run, const graph_node *node, int k, bool *viewed)
{
    int v = node->outputs[k];
    dnnx_tensor *output = run->owned[v];
    if (output->owns_data) { /* infer() describes outputs; a buffer it left is not counted */
        free(output->data);
        output->data = NULL;
        output->owns_data = false;
    }
    size_t bytes;
    dnnx_status status = tensor_bytes_checked(output->dtype, output->rank, output->dims, &bytes);
    if (status) {
        dnnx_error_prefix("node '%s' (%s-%d) output %d", node->name, node->op_type, node->schema->since_version, k);
        return status;
    }
    if ((status = reserve_bytes(run, node, k, bytes)))
        return status;
    const shape_plan *plan = run->plan;
    plan_alias alias = k == 0 ? plan_op_alias(node) : PLAN_ALIAS_NONE;
    int source = shared_input(run, node, alias, bytes);
    if (source >= 0) {
        output->data = (void *)run->values[source]->data;
        *viewed = alias == PLAN_ALIAS_VIEW;
    } else if (plan && plan->plan.offsets[v] != PLAN_NOT_PLACED && plan->plan.owners[v] == v &&
               plan->planned_bytes[v] == bytes) {
        output->data = run->arena + plan->plan.offsets[v];
        memset(output->data, 0, bytes);
    } else if ((status = tensor_alloc_data(output))) {
        run->live_bytes -= bytes;
        dnnx_error_prefix("node '%s' (%s-%d) output %d", node->name, node->op_type, node->schema->since_version, k);
        return status;
    }
    if (run->recorded && plannable(run->sg, v))
        run->recorded[v] = (plan_value){bytes, output->dtype};
    return DNNX_OK;
}

/* After run() of a node that allocates its own outputs: checks what it made and counts it
 * against the memory limit. An output not counted is emptied, so it is freed uncounted. */
static dnnx_status adopt_run_outputs(run_state *run, const graph_node *node, dnnx_tensor *const *outputs)
{
    dnnx_status status = DNNX_OK;
    for (int k = 0; k < node->n_outputs; k++) {
        dnnx_tensor *output = outputs[k];
        if (!output)
            continue;
        size_t bytes = 0;
        if (!status &&
            (!tensor_dtype_is_valid((int)output->dtype) || output->rank < 0 || output->rank > DNNX_MAX_RANK ||
             tensor_bytes_checked(output->dtype, output->rank, output->dims, &bytes)))
            status = dnnx_fail(DNNX_ERR_INTERNAL, "node '%s' (%s-%d): run() left output %d without a valid shape",
                               node->name, node->op_type, node->schema->since_version, k);
        if (!status && !bytes && !output->data)
            status = tensor_alloc_data(output); /* empty tensors have a buffer, as alloc_output gives them */
        if (!status && (!output->data || !output->owns_data))
            status = dnnx_fail(DNNX_ERR_INTERNAL, "node '%s' (%s-%d): run() left output %d without a valid buffer",
                               node->name, node->op_type, node->schema->since_version, k);
        if (!status)
            status = reserve_bytes(run, node, k, bytes);
        if (status)
            tensor_clear(output);
    }
    return status;
}

static void free_value(run_state *run, int v)
{
    if (!run->owned[v])
        return;
    if (run->owned[v]->data)
        run->live_bytes -= tensor_bytes(run->owned[v]);
    drop_tensor(run, v, run->owned[v]);
    run->owned[v] = NULL;
    run->values[v] = NULL;
}

/* Releases a value's tensor once its last reader has run. */
static void release_read(run_state *run, int v)
{
    if (--run->reads_left[v] == 0)
        free_value(run, v);
}

static dnnx_status run_subgraph(op_ctx *ctx, const graph *body, const dnnx_tensor *const *inputs, int n_inputs,
                                dnnx_tensor **outputs, int n_outputs);

static dnnx_status run_node(run_state *run, int n)
{
    const session_graph *sg = run->sg;
    const graph *g = sg->graph;
    const graph_node *node = &g->nodes[n];
    const dnnx_tensor *inputs[SESSION_MAX_NODE_IO];
    dnnx_tensor *outputs[SESSION_MAX_NODE_IO];
    dnnx_status status = DNNX_OK;

    for (int k = 0; k < node->n_inputs; k++) {
        int v = node->inputs[k];
        inputs[k] = v == VALUE_NONE ? NULL : run->values[v];
        if (v != VALUE_NONE && !inputs[k])
            return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "node '%s' (%s): input '%s' was not given", node->name,
                             node->op_type, g->values[v].name);
    }
    for (int k = 0; k < node->n_outputs; k++) {
        int v = node->outputs[k];
        outputs[k] = v == VALUE_NONE ? NULL : output_struct(run, v);
        if (v != VALUE_NONE && !outputs[k]) {
            status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
            break;
        }
        if (outputs[k])
            run->owned[v] = outputs[k];
    }
    op_ctx ctx;
    session_ctx_for_node(g, node, inputs, outputs, true, &ctx);
    ctx.run_subgraph = run_subgraph;
    ctx.executor = run;
    if (!status)
        status = node->schema->infer(&ctx);
    if (!status)
        status = ctx.status;
    bool viewed = false;
    for (int k = 0; k < node->n_outputs && !status && !ctx.run_allocates_outputs; k++)
        if (outputs[k])
            status = alloc_output(run, node, k, &viewed);
    if (!status && !viewed) {
        const node_binding *binding = &sg->bindings[n];
        ctx.memory_left = run->max_bytes - run->live_bytes;
        status = binding->backend->run(binding->kernel, &ctx);
        if (!status)
            status = ctx.status; /* an attribute of the wrong type read only by run() */
        if (ctx.run_allocates_outputs && !status)
            status = adopt_run_outputs(run, node, outputs);
        else if (ctx.run_allocates_outputs)
            for (int k = 0; k < node->n_outputs; k++)
                tensor_clear(outputs[k]); /* whatever run() made was never counted */
    }
    if (status) {
        for (int k = 0; k < node->n_outputs; k++)
            if (node->outputs[k] != VALUE_NONE)
                free_value(run, node->outputs[k]);
        return status;
    }
    for (int k = 0; k < node->n_outputs; k++) {
        int v = node->outputs[k];
        if (v == VALUE_NONE)
            continue;
        run->values[v] = outputs[k];
        if (run->reads_left[v] == 0) /* an output nothing reads, e.g. an unused optional one */
            free_value(run, v);
    }
    for (int k = 0; k < node->n_inputs; k++)
        if (node->inputs[k] != VALUE_NONE)
            release_read(run, node->inputs[k]);
    for (int k = 0; k < node->n_implicit_inputs; k++)
        release_read(run, node->implicit_inputs[k]);
    return DNNX_OK;
}

/* Hands graph output j to the caller: the run's own tensor when nothing else needs it,
 * else a copy (outputs that are inputs, constants, outer values, or listed twice). */
static dnnx_status take_output(const graph *g, run_state *run, int j, dnnx_tensor **out)
{
    int v = g->outputs[j];
    const dnnx_tensor *result = run->values[v];
    dnnx_status status;
    if (!result)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "output '%s' depends on an input that was not given",
                         g->values[v].name);
    if (run->owned[v] && run->reads_left[v] == 1) {
        *out = run->owned[v];
        run->live_bytes -= tensor_bytes(*out);
        run->owned[v] = NULL;
        run->values[v] = NULL;
    } else if ((status = tensor_clone(result, out))) {
        return status;
    } else {
        run->reads_left[v]--;
    }
    return dnnx_tensor_set_name(*out, g->values[v].name);
}

static void run_state_free(run_state *run, int n_values, dnnx_tensor **results)
{
    if (run->owned)
        for (int v = 0; v < n_values; v++)
            if (run->owned[v])
                drop_tensor(run, v, run->owned[v]);
    free(run->recorded);
    if (run->block) {
        return_block(run->session, run->block, run->block_capacity);
        return;
    }
    free(run->values);
    free(run->owned);
    free(run->slots);
    free(run->reads_left);
    free(results);
}

/* The run's arrays: carved from a block taken for plan (then only reset), else allocated. */
static dnnx_status run_state_alloc(run_state *run, const shape_plan *plan, size_t n_outputs, dnnx_tensor ***results)
{
    const graph *g = run->sg->graph;
    size_t n_values = (size_t)g->n_values + 1;
    if (!plan) {
        *results = calloc(n_outputs + 1, sizeof **results);
        run->values = calloc(n_values, sizeof *run->values);
        run->owned = calloc(n_values, sizeof *run->owned);
        run->slots = calloc(n_values, sizeof *run->slots);
        run->reads_left = calloc(n_values, sizeof *run->reads_left);
        if (!*results || !run->values || !run->owned || !run->slots || !run->reads_left)
            return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        return DNNX_OK;
    }
    block_layout layout;
    layout_block(g, plan->plan.arena_bytes, &layout);
    if (!(run->block = take_block(run->session, layout.total, &run->block_capacity)))
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "cannot allocate the %zu-byte arena", plan->plan.arena_bytes);
    run->plan = plan;
    run->arena = run->block + layout.arena;
    run->values = (const dnnx_tensor **)(run->block + layout.values);
    run->owned = (dnnx_tensor **)(run->block + layout.owned);
    run->slots = (dnnx_tensor *)(run->block + layout.slots); /* each slot is reset when its value is made */
    run->reads_left = (int *)(run->block + layout.reads_left);
    *results = (dnnx_tensor **)(run->block + layout.results);
    memset(run->values, 0, n_values * sizeof *run->values);
    memset(run->owned, 0, n_values * sizeof *run->owned);
    memset(run->reads_left, 0, n_values * sizeof *run->reads_left);
    memset(*results, 0, (n_outputs + 1) * sizeof **results);
    return DNNX_OK;
}

/* Runs sg's graph: inputs[i] for its i-th input, outer[v] for the value v of the enclosing
 * graph that an outer reference names (subgraphs only). On success outputs[j] receives a new
 * tensor for each of the first n_outputs graph outputs; on failure nothing is written. */
static dnnx_status run_graph(dnnx_session *session, session_graph *sg, const dnnx_tensor *const *outer,
                             const dnnx_tensor *const *inputs, dnnx_tensor **outputs, size_t n_outputs,
                             size_t max_bytes)
{
    const graph *g = sg->graph;
    run_state run = {.session = session, .sg = sg, .max_bytes = max_bytes};
    size_t signature_len = 0;
    int64_t *signature = NULL;
    dnnx_tensor **results = NULL;
    pthread_mutex_lock(&session->run_cache_lock);
    const shape_plan *plan = find_plan(sg->plans, g, outer, inputs);
    bool may_plan = may_add_plan(session, sg);
    pthread_mutex_unlock(&session->run_cache_lock);
    dnnx_status status = run_state_alloc(&run, plan, n_outputs, &results);
    if (status)
        goto free_run;
    if (!plan && may_plan) {
        run.recorded = calloc((size_t)g->n_values + 1, sizeof *run.recorded);
        if (!run.recorded || !(signature = run_signature(g, outer, inputs, &signature_len))) {
            status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
            goto free_run;
        }
    }
    for (int v = 0; v < g->n_values; v++) {
        run.values[v] = g->values[v].constant;
        /* Graph outputs hold one read per listing, released as they go to the caller. */
        run.reads_left[v] = g->values[v].consumer_count;
    }
    for (int i = 0; i < g->n_inputs; i++)
        run.values[g->inputs[i]] = inputs[i];
    for (int k = 0; outer && k < g->n_outer_refs; k++)
        run.values[g->outer_refs[k]] = outer[g->outer_sources[k]];

    for (int i = 0; i < g->n_order; i++)
        if ((status = run_node(&run, g->order[i])))
            goto free_run;
    for (size_t j = 0; j < n_outputs; j++)
        if ((status = take_output(g, &run, (int)j, &results[j])))
            goto free_run;
    for (size_t j = 0; j < n_outputs; j++) {
        outputs[j] = results[j];
        results[j] = NULL;
    }
    if (run.recorded) {
        remember_plan(session, sg, signature, signature_len, run.recorded);
        signature = NULL; /* owned by the plan now, or freed */
    }

free_run:
    for (size_t j = 0; results && j < n_outputs; j++)
        dnnx_tensor_free(results[j]);
    run_state_free(&run, g->n_values, results);
    free(signature);
    return status;
}

/* op_ctx.run_subgraph: runs body, a subgraph of the node ctx describes, inside the run that
 * is running the node (ctx->executor), whose values the body's outer references read. */
static dnnx_status run_subgraph(op_ctx *ctx, const graph *body, const dnnx_tensor *const *inputs, int n_inputs,
                                dnnx_tensor **outputs, int n_outputs)
{
    run_state *run = ctx->executor;
    const session_graph *sg = run->sg;
    ptrdiff_t n = ctx->node - sg->graph->nodes;
    session_graph *sub = NULL;
    if (n < 0 || n >= sg->graph->n_nodes)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "runs a subgraph outside the run of its graph");
    for (int k = sg->node_subgraphs[n]; k < sg->node_subgraphs[n + 1] && !sub; k++)
        if (sg->subgraphs[k].graph == body)
            sub = &sg->subgraphs[k];
    if (!sub)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "runs a graph that is not one of its subgraphs");
    const char *name = body->name ? body->name : "";
    if (n_inputs != body->n_inputs || n_outputs != body->n_outputs)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "subgraph '%s' has %d inputs and %d outputs, not %d and %d", name,
                       body->n_inputs, body->n_outputs, n_inputs, n_outputs);
    for (int i = 0; i < n_inputs; i++) {
        const graph_value *value = &body->values[body->inputs[i]];
        if (!inputs[i])
            return op_fail(ctx, DNNX_ERR_INTERNAL, "gives subgraph '%s' no tensor for input '%s'", name, value->name);
        if (value->info.dtype != DNNX_DTYPE_UNDEFINED && inputs[i]->dtype != value->info.dtype)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "subgraph '%s' input '%s' is declared %s but receives %s", name,
                           value->name, dnnx_dtype_name(value->info.dtype), dnnx_dtype_name(inputs[i]->dtype));
    }
    dnnx_status status =
        run_graph(run->session, sub, run->values, inputs, outputs, (size_t)n_outputs, ctx->memory_left);
    if (status)
        dnnx_error_prefix("in subgraph '%s' of node '%s' (%s-%d)", name, ctx->node->name, ctx->node->op_type,
                          op_version(ctx));
    return status;
}

dnnx_status dnnx_session_run(dnnx_session *session, const dnnx_tensor *const *inputs, size_t n_inputs,
                             dnnx_tensor **outputs, size_t n_outputs)
{
    if (!session)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_session_run: session is NULL");
    const graph *g = session->main.graph;
    if (n_outputs > (size_t)g->n_outputs)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "the model has %d outputs, %zu were asked for", g->n_outputs,
                         n_outputs);
    if (n_outputs && !outputs)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "outputs is NULL");
    dnnx_status status = check_inputs(g, inputs, n_inputs);
    if (status)
        return status;
    return run_graph(session, &session->main, NULL, inputs, outputs, n_outputs, session->options.max_memory);
}

size_t dnnx_session_arena_bytes(const dnnx_session *session)
{
    if (!session)
        return 0;
    /* The lock only orders this read after a concurrent plan's write. */
    pthread_mutex_t *lock = (pthread_mutex_t *)&session->run_cache_lock;
    pthread_mutex_lock(lock);
    size_t bytes = session->last_arena_bytes;
    pthread_mutex_unlock(lock);
    return bytes;
}

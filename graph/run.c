/* The executor: runs a compiled session's nodes in order. The first run at a new input-shape
 * signature allocates each intermediate tensor on its own and records its size; from those
 * sizes and the values' lifetimes graph/plan.c places every intermediate tensor in one arena,
 * and later runs at that signature carve their tensors from an arena taken from the
 * session's spares. Each run keeps its tensors to itself, so runs may overlap. */
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
    size_t *recorded_bytes; /* the planning run: each planned value's size */
    const shape_plan *plan; /* NULL on the planning run */
    char *arena;
    size_t arena_capacity;
    size_t live_bytes; /* bytes of the tensors in owned */
    size_t max_bytes;  /* the memory limit of this run */
} run_state;

/* The most arena plans kept per subgraph: a loop whose carried values change shape on every
 * iteration would otherwise add one per iteration. Later signatures allocate per tensor. */
#define SUBGRAPH_MAX_PLANS 8

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

void run_cache_free(dnnx_session *session)
{
    for (spare_arena *a = session->spare_arenas, *next; a; a = next) {
        next = a->next;
        free(a->memory);
        free(a);
    }
    session->spare_arenas = NULL;
}

/* Whether a value's tensor may live in the arena: produced by a node, and not handed to the
 * caller (graph outputs are pinned to their own buffers). */
/* Whether a value's tensor may live in the arena: produced by a node, and not handed to the
 * caller (graph outputs are pinned to their own buffers). */
static bool plannable(const session_graph *sg, int v)
{
    const graph_value *value = &sg->graph->values[v];
    return sg->first_step[v] >= 0 && !value->is_graph_output && !value->constant;
}

/* Checks a caller's input against the graph input's declared type and shape; symbolic dims
 * must be bound consistently across inputs (symbol_sizes: per symbol id, -1 = unbound). */
static dnnx_status check_input(const graph *g, size_t index, const dnnx_tensor *tensor, int64_t *symbol_sizes)
{
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
        if (DIM_IS_SYMBOL(want)) {
            int64_t id = DIM_SYMBOL_BASE - want;
            if (symbol_sizes[id] >= 0 && symbol_sizes[id] != have)
                return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT,
                                 "input '%s' dim %d ('%s') is %lld, but another input gives '%s' = %lld", value->name,
                                 d, g->symbols[id], (long long)have, g->symbols[id], (long long)symbol_sizes[id]);
            symbol_sizes[id] = have;
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
    int64_t *symbol_sizes = malloc(((size_t)g->n_symbols + 1) * sizeof *symbol_sizes);
    if (!symbol_sizes)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    for (int k = 0; k < g->n_symbols; k++)
        symbol_sizes[k] = -1;
    dnnx_status status = DNNX_OK;
    for (size_t i = 0; i < n_inputs && !status; i++)
        if (inputs[i])
            status = check_input(g, i, inputs[i], symbol_sizes);
    free(symbol_sizes);
    return status;
}

/* The shapes a run's plan depends on, flattened: rank then dims of each graph input and,
 * for a subgraph, of each outer reference; -1 for a value not given. */
static int64_t *run_signature(const graph *g, const dnnx_tensor *const *values, size_t *len)
{
    size_t n = (size_t)g->n_inputs + (size_t)g->n_outer_refs;
    int64_t *signature = malloc((n * (DNNX_MAX_RANK + 1) + 1) * sizeof *signature);
    size_t used = 0;
    if (!signature)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const dnnx_tensor *t = values[i < (size_t)g->n_inputs ? g->inputs[i] : g->outer_refs[i - g->n_inputs]];
        signature[used++] = t ? t->rank : -1;
        for (int d = 0; t && d < t->rank; d++)
            signature[used++] = t->dims[d];
    }
    *len = used;
    return signature;
}

static shape_plan *find_plan(shape_plan *plans, const int64_t *signature, size_t len)
{
    for (shape_plan *p = plans; p; p = p->next)
        if (p->signature_len == len && !memcmp(p->signature, signature, len * sizeof *signature))
            return p;
    return NULL;
}

/* The smallest spare arena of at least bytes (a loop body's small arena should not take the
 * main graph's big one), or a new one; NULL on out of memory. */
static char *take_arena(dnnx_session *session, size_t bytes, size_t *capacity)
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
        char *memory = found->memory;
        *capacity = found->bytes;
        free(found);
        return memory;
    }
    *capacity = bytes;
    return aligned_alloc(PLAN_ALIGNMENT,
                         bytes ? (bytes + PLAN_ALIGNMENT - 1) / PLAN_ALIGNMENT * PLAN_ALIGNMENT : PLAN_ALIGNMENT);
}

static void return_arena(dnnx_session *session, char *memory, size_t capacity)
{
    spare_arena *spare = malloc(sizeof *spare);
    if (!spare) {
        free(memory);
        return;
    }
    *spare = (spare_arena){memory, capacity, NULL};
    pthread_mutex_lock(&session->run_cache_lock);
    spare->next = session->spare_arenas;
    session->spare_arenas = spare;
    pthread_mutex_unlock(&session->run_cache_lock);
}

/* After a successful planning run: plans the arena for its signature (unless another run
 * did so meanwhile). A failure here only means later runs keep allocating per tensor. */
static void remember_plan(dnnx_session *session, session_graph *sg, int64_t *signature, size_t len,
                          const size_t *recorded)
{
    const graph *g = sg->graph;
    shape_plan *entry = calloc(1, sizeof *entry);
    plan_request *requests = calloc((size_t)g->n_values + 1, sizeof *requests);
    size_t *planned = malloc(((size_t)g->n_values + 1) * sizeof *planned);
    if (!entry || !requests || !planned)
        goto discard;
    for (int v = 0; v < g->n_values; v++) {
        planned[v] = recorded[v];
        requests[v] = (plan_request){recorded[v], sg->first_step[v], sg->last_step[v]};
    }
    if (plan_build(requests, (size_t)g->n_values, &entry->plan))
        goto discard;
    free(requests);
    entry->signature = signature;
    entry->signature_len = len;
    entry->planned_bytes = planned;
    pthread_mutex_lock(&session->run_cache_lock);
    if (!find_plan(sg->plans, signature, len) && (sg == &session->main || sg->n_plans < SUBGRAPH_MAX_PLANS)) {
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
    }
    return;
discard:
    free(entry);
    free(requests);
    free(planned);
    free(signature);
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

/* Gives an output its buffer within the run's memory limit (checked before anything is
 * allocated, so a model asking for terabytes gets a message): the planned place in the
 * arena when the plan has one of that size, else its own zeroed allocation. */
static dnnx_status alloc_output(run_state *run, const graph_node *node, int k)
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
    if (plan && plan->plan.offsets[v] != PLAN_NOT_PLACED && plan->planned_bytes[v] == bytes) {
        output->data = run->arena + plan->plan.offsets[v];
        memset(output->data, 0, bytes);
    } else if ((status = tensor_alloc_data(output))) {
        run->live_bytes -= bytes;
        dnnx_error_prefix("node '%s' (%s-%d) output %d", node->name, node->op_type, node->schema->since_version, k);
        return status;
    }
    if (run->recorded_bytes && plannable(run->sg, v))
        run->recorded_bytes[v] = bytes;
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
    for (int k = 0; k < node->n_outputs && !status && !ctx.run_allocates_outputs; k++)
        if (outputs[k])
            status = alloc_output(run, node, k);
    if (!status) {
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

static void run_state_free(run_state *run, int n_values)
{
    if (run->owned)
        for (int v = 0; v < n_values; v++)
            if (run->owned[v])
                drop_tensor(run, v, run->owned[v]);
    free(run->values);
    free(run->owned);
    free(run->slots);
    free(run->reads_left);
    free(run->recorded_bytes);
    if (run->arena)
        return_arena(run->session, run->arena, run->arena_capacity);
}

/* Runs sg's graph: inputs[i] for its i-th input, outer[v] for the value v of the enclosing
 * graph that an outer reference names (subgraphs only). On success outputs[j] receives a new
 * tensor for each of the first n_outputs graph outputs; on failure nothing is written. */
static dnnx_status run_graph(dnnx_session *session, session_graph *sg, const dnnx_tensor *const *outer,
                             const dnnx_tensor *const *inputs, dnnx_tensor **outputs, size_t n_outputs,
                             size_t max_bytes)
{
    const graph *g = sg->graph;
    dnnx_status status = DNNX_OK;
    run_state run = {.session = session, .sg = sg, .max_bytes = max_bytes};
    size_t n_values = (size_t)g->n_values + 1, signature_len = 0;
    int64_t *signature = NULL;
    dnnx_tensor **results = calloc(n_outputs + 1, sizeof *results);
    run.values = calloc(n_values, sizeof *run.values);
    run.owned = calloc(n_values, sizeof *run.owned);
    run.slots = calloc(n_values, sizeof *run.slots);
    run.reads_left = calloc(n_values, sizeof *run.reads_left);
    if (!results || !run.values || !run.owned || !run.slots || !run.reads_left) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        goto free_run;
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
    if (!(signature = run_signature(g, run.values, &signature_len))) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        goto free_run;
    }
    pthread_mutex_lock(&session->run_cache_lock);
    run.plan = find_plan(sg->plans, signature, signature_len);
    bool may_plan = sg == &session->main || sg->n_plans < SUBGRAPH_MAX_PLANS;
    pthread_mutex_unlock(&session->run_cache_lock);
    if (run.plan) {
        if (!(run.arena = take_arena(session, run.plan->plan.arena_bytes, &run.arena_capacity))) {
            status =
                dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "cannot allocate the %zu-byte arena", run.plan->plan.arena_bytes);
            goto free_run;
        }
    } else if (may_plan && !(run.recorded_bytes = calloc(n_values, sizeof *run.recorded_bytes))) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        goto free_run;
    }

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
    if (run.recorded_bytes) {
        remember_plan(session, sg, signature, signature_len, run.recorded_bytes);
        signature = NULL; /* owned by the plan now, or freed */
    }

free_run:
    for (size_t j = 0; results && j < n_outputs; j++)
        dnnx_tensor_free(results[j]);
    free(results);
    run_state_free(&run, g->n_values);
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

/* Control flow: If, Loop and Scan. Their bodies are subgraphs the executor compiles like the
 * main graph (sorted, inferred, bound to backends) and runs through ctx->run_subgraph, with the
 * enclosing graphs' values visible to them. Output shapes are known only once the bodies have
 * run, so infer() at run time sets ctx->run_allocates_outputs and run() gives each output its
 * buffer. Values are tensors only: sequence and optional types are refused at load.
 *
 * A Loop ends when its condition turns false or after M iterations. Whether a body ever turns
 * its condition false is undecidable in general, so such loops run as long as they say; only
 * what is decidable is refused: a loop with no trip count (or M = INT64_MAX, which exporters
 * write for "no limit") whose body hands its condition through unchanged or returns a
 * constant true never ends, and fails at once instead of hanging. Scan outputs accumulate
 * against the run's memory limit, so a runaway loop that produces them fails on memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* A body's output k as inference sees it (a constant's own shape if it is one). */
static const dnnx_tensor *body_output_info(const graph *body, int k)
{
    const graph_value *value = &body->values[body->outputs[k]];
    return value->constant ? value->constant : &value->info;
}

/* A body's dim as the enclosing graph may use it: symbols the body itself introduced mean
 * nothing outside. */
static int64_t outer_dim(const op_ctx *ctx, int64_t d)
{
    if (DIM_IS_SYMBOL(d) && DIM_SYMBOL_BASE - d >= ctx->graph->n_symbols)
        return DIM_UNKNOWN;
    return d;
}

/* Sets output i (load time) to what both a and b allow: their dtype, which must agree (what
 * names them in the message); their rank if it is the same, else unknown; dims where equal. */
static dnnx_status set_output_merged(op_ctx *ctx, int i, const dnnx_tensor *a, const dnnx_tensor *b, const char *what)
{
    dnnx_tensor *out = op_output(ctx, i);
    if (!out)
        return DNNX_OK;
    if (a->dtype != DNNX_DTYPE_UNDEFINED && b->dtype != DNNX_DTYPE_UNDEFINED && a->dtype != b->dtype)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s: %s and %s", what, dnnx_dtype_name(a->dtype),
                       dnnx_dtype_name(b->dtype));
    out->dtype = a->dtype != DNNX_DTYPE_UNDEFINED ? a->dtype : b->dtype;
    out->rank = a->rank >= 0 && a->rank == b->rank && out->dtype != DNNX_DTYPE_UNDEFINED ? a->rank : -1;
    for (int d = 0; d < out->rank; d++)
        out->dims[d] = a->dims[d] == b->dims[d] ? outer_dim(ctx, a->dims[d]) : DIM_UNKNOWN;
    return DNNX_OK;
}

/* Moves t (a new tensor owning its buffer, from run_subgraph or a clone) into output i, or
 * frees it if output i is omitted. */
static void give_output(op_ctx *ctx, int i, dnnx_tensor *t)
{
    dnnx_tensor *out = op_output(ctx, i);
    if (out) {
        op_set_output(ctx, i, t->dtype, t->rank, t->dims);
        out->data = t->data;
        out->owns_data = t->owns_data;
        t->data = NULL;
        t->owns_data = false;
    }
    dnnx_tensor_free(t);
}

/* Gives output i a buffer made by this op (at least one byte, so empty tensors have one). */
static void give_output_buffer(op_ctx *ctx, int i, dnnx_dtype dtype, int rank, const int64_t *dims, void *data)
{
    dnnx_tensor *out = op_output(ctx, i);
    if (!out) {
        free(data);
        return;
    }
    op_set_output(ctx, i, dtype, rank, dims);
    out->data = data;
    out->owns_data = true;
}

static dnnx_status check_executor(op_ctx *ctx)
{
    if (!ctx->run_subgraph)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "runs only inside a session (it has no executor for its subgraphs)");
    return DNNX_OK;
}

/* The one element of a bool tensor (what names it in the message). */
static dnnx_status read_bool(op_ctx *ctx, const dnnx_tensor *t, const char *what, bool *out)
{
    if (t->dtype != DNNX_DTYPE_BOOL || tensor_count(t) != 1) {
        char shape[128];
        tensor_format_shape(t, shape, sizeof shape);
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be one bool, not %s %s", what, dnnx_dtype_name(t->dtype),
                       shape);
    }
    *out = ((const uint8_t *)t->data)[0] != 0;
    return DNNX_OK;
}

/* The graph attribute name, which the op requires. */
static dnnx_status required_graph(op_ctx *ctx, const char *name, const graph **out)
{
    *out = op_attr_graph(ctx, name);
    if (ctx->status)
        return ctx->status;
    if (!*out)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' (a graph) is required", name);
    return DNNX_OK;
}

/* Frees the first n tensors of a list and the list. */
static void free_tensors(dnnx_tensor **tensors, int n)
{
    for (int k = 0; tensors && k < n; k++)
        dnnx_tensor_free(tensors[k]);
    free(tensors);
}

static dnnx_status if_branches(op_ctx *ctx, const graph *branches[2])
{
    static const char *const names[2] = {"then_branch", "else_branch"};
    for (int b = 0; b < 2; b++) {
        dnnx_status status = required_graph(ctx, names[b], &branches[b]);
        if (status)
            return status;
        if (branches[b]->n_inputs)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s takes %d inputs; If branches take none", names[b],
                           branches[b]->n_inputs);
        if (branches[b]->n_outputs != ctx->n_outputs)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s has %d outputs, the node %d", names[b],
                           branches[b]->n_outputs, ctx->n_outputs);
    }
    return DNNX_OK;
}

static dnnx_status if_infer(op_ctx *ctx)
{
    const graph *branches[2];
    dnnx_status status = if_branches(ctx, branches);
    if (status)
        return status;
    const dnnx_tensor *cond = op_input(ctx, 0);
    if (cond->dtype != DNNX_DTYPE_BOOL)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the condition must be bool, not %s", dnnx_dtype_name(cond->dtype));
    if (ctx->concrete) {
        bool taken;
        if ((status = read_bool(ctx, cond, "the condition", &taken)))
            return status;
        ctx->run_allocates_outputs = true;
        return DNNX_OK;
    }
    /* A constant condition decides the branch already. */
    int only = -1;
    if (cond->data && cond->rank >= 0) {
        size_t count;
        if (!tensor_element_count_checked(cond->rank, cond->dims, &count) && count == 1)
            only = ((const uint8_t *)cond->data)[0] ? 0 : 1;
    }
    for (int k = 0; k < ctx->n_outputs && !status; k++) {
        char what[96];
        snprintf(what, sizeof what, "the branches give output %d different dtypes", k);
        const dnnx_tensor *a = body_output_info(branches[only == 1 ? 1 : 0], k);
        const dnnx_tensor *b = body_output_info(branches[only == 0 ? 0 : 1], k);
        status = set_output_merged(ctx, k, a, b, what);
    }
    return status;
}

static dnnx_status if_run(op_ctx *ctx)
{
    const graph *branches[2];
    bool taken;
    dnnx_status status = check_executor(ctx);
    if (!status)
        status = if_branches(ctx, branches);
    if (!status)
        status = read_bool(ctx, op_input(ctx, 0), "the condition", &taken);
    if (status)
        return status;
    int n = ctx->n_outputs;
    dnnx_tensor **results = calloc((size_t)n + 1, sizeof *results);
    if (!results)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    status = ctx->run_subgraph(ctx, taken ? branches[0] : branches[1], NULL, 0, results, n);
    if (!status)
        for (int k = 0; k < n; k++) {
            give_output(ctx, k, results[k]);
            results[k] = NULL;
        }
    free_tensors(results, n);
    return status;
}

typedef struct loop_shape {
    const graph *body;
    int n_carried; /* loop-carried values: inputs 2.., outputs 0.. of the node */
    int n_scan;    /* scan outputs: the node's outputs after the carried values */
} loop_shape;

static dnnx_status loop_check(op_ctx *ctx, loop_shape *shape)
{
    dnnx_status status = required_graph(ctx, "body", &shape->body);
    if (status)
        return status;
    const graph *body = shape->body;
    if (ctx->n_inputs < 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "has %d inputs; it needs at least M and cond (either may be empty)",
                       ctx->n_inputs);
    shape->n_carried = ctx->n_inputs - 2;
    shape->n_scan = ctx->n_outputs - shape->n_carried;
    if (shape->n_scan < 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "has %d loop-carried inputs but only %d outputs", shape->n_carried,
                       ctx->n_outputs);
    if (body->n_inputs != shape->n_carried + 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "the body has %d inputs, expected %d (iteration number, condition, %d loop-carried)",
                       body->n_inputs, shape->n_carried + 2, shape->n_carried);
    if (body->n_outputs != 1 + shape->n_carried + shape->n_scan)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "the body has %d outputs, expected %d (condition, %d loop-carried, %d scan outputs)",
                       body->n_outputs, 1 + shape->n_carried + shape->n_scan, shape->n_carried, shape->n_scan);
    const dnnx_tensor *trips = op_input(ctx, 0), *cond = op_input(ctx, 1);
    if (trips && trips->dtype != DNNX_DTYPE_INT64)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the trip count M must be int64, not %s",
                       dnnx_dtype_name(trips->dtype));
    if (cond && cond->dtype != DNNX_DTYPE_BOOL)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the condition must be bool, not %s", dnnx_dtype_name(cond->dtype));
    for (int k = 0; k < shape->n_carried; k++)
        if (!op_input(ctx, 2 + k))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "loop-carried input %d is missing", k);
    return DNNX_OK;
}

static dnnx_status loop_infer(op_ctx *ctx)
{
    loop_shape shape;
    dnnx_status status = loop_check(ctx, &shape);
    if (status)
        return status;
    if (ctx->concrete) {
        const dnnx_tensor *trips = op_input(ctx, 0);
        bool cond;
        if (trips && tensor_count(trips) != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the trip count M must hold one element, not %zu",
                           tensor_count(trips));
        if (op_input(ctx, 1) && (status = read_bool(ctx, op_input(ctx, 1), "the condition", &cond)))
            return status;
        ctx->run_allocates_outputs = true;
        return DNNX_OK;
    }
    for (int k = 0; k < shape.n_carried && !status; k++) {
        char what[96];
        snprintf(what, sizeof what, "loop-carried value %d starts and continues with different dtypes", k);
        status = set_output_merged(ctx, k, op_input(ctx, 2 + k), body_output_info(shape.body, 1 + k), what);
    }
    for (int j = 0; j < shape.n_scan && !status; j++) {
        const dnnx_tensor *element = body_output_info(shape.body, 1 + shape.n_carried + j);
        dnnx_tensor *out = op_output(ctx, shape.n_carried + j);
        if (!out)
            continue;
        out->dtype = element->dtype;
        out->rank = element->rank >= 0 && element->rank < DNNX_MAX_RANK && element->dtype != DNNX_DTYPE_UNDEFINED
                        ? element->rank + 1
                        : -1;
        for (int d = 1; d < out->rank; d++)
            out->dims[d] = outer_dim(ctx, element->dims[d - 1]);
        if (out->rank > 0)
            out->dims[0] = DIM_UNKNOWN;
    }
    return status;
}

static bool constant_is_true(const dnnx_tensor *t)
{
    return t && t->dtype == DNNX_DTYPE_BOOL && t->data && tensor_count(t) == 1 && ((const uint8_t *)t->data)[0];
}

/* Whether the body's condition output is provably true whenever its condition input is: the
 * input itself (through Identity nodes) or a constant true. */
static bool body_condition_stays_true(const graph *body)
{
    int v = body->outputs[0];
    for (int steps = 0; steps <= body->n_nodes; steps++) {
        const graph_value *value = &body->values[v];
        if (v == body->inputs[1])
            return true;
        if (value->constant)
            return constant_is_true(value->constant);
        if (value->producer < 0)
            return false;
        const graph_node *node = &body->nodes[value->producer];
        if (node->domain[0])
            return false;
        if (!strcmp(node->op_type, "Constant")) {
            const graph_attr *attr = graph_node_attr(node, "value");
            return attr && attr->type == ATTR_TENSOR && constant_is_true(attr->t);
        }
        if (strcmp(node->op_type, "Identity") || node->n_inputs != 1 || node->inputs[0] == VALUE_NONE)
            return false;
        v = node->inputs[0];
    }
    return false;
}

/* A scan output of a Loop: the elements of every iteration, stacked along a new first axis. */
typedef struct stack {
    dnnx_dtype dtype;
    int rank; /* of one element */
    int64_t dims[DNNX_MAX_RANK];
    size_t element_bytes;
    char *data;
    size_t used, capacity;
} stack;

/* Appends one iteration's element; *held counts the bytes every stack holds, which must stay
 * within budget. */
static dnnx_status stack_push(op_ctx *ctx, stack *s, int index, int64_t trips, const dnnx_tensor *element, size_t *held,
                              size_t budget)
{
    if (!trips) {
        if (element->rank >= DNNX_MAX_RANK)
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "scan output %d has rank %d, too many to stack", index,
                           element->rank);
        s->dtype = element->dtype;
        s->rank = element->rank;
        memcpy(s->dims, element->dims, sizeof s->dims);
        s->element_bytes = tensor_bytes(element);
    } else if (element->dtype != s->dtype || element->rank != s->rank ||
               memcmp(element->dims, s->dims, (size_t)s->rank * sizeof *s->dims)) {
        char first[128], now[128];
        dnnx_tensor stacked = {.dtype = s->dtype, .rank = s->rank};
        memcpy(stacked.dims, s->dims, sizeof s->dims);
        tensor_format_shape(&stacked, first, sizeof first);
        tensor_format_shape(element, now, sizeof now);
        return op_fail(ctx, DNNX_ERR_RUNTIME, "scan output %d is %s %s in iteration 0 but %s %s in iteration %lld",
                       index, dnnx_dtype_name(s->dtype), first, dnnx_dtype_name(element->dtype), now, (long long)trips);
    }
    if (s->element_bytes > s->capacity - s->used) {
        size_t room = budget - *held; /* bytes the stacks may still grow by */
        if (s->element_bytes > SIZE_MAX - s->used)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "scan output %d outgrows the address space", index);
        size_t need = s->used + s->element_bytes;
        size_t capacity = s->capacity <= SIZE_MAX / 2 ? s->capacity * 2 : need;
        if (capacity < need || capacity - s->capacity > room)
            capacity = need;
        if (capacity - s->capacity > room)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY,
                           "scan output %d needs %zu bytes after %lld iterations, past the memory limit", index, need,
                           (long long)trips + 1);
        char *data = realloc(s->data, capacity ? capacity : 1);
        if (!data)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes for scan output %d", capacity,
                           index);
        *held += capacity - s->capacity;
        s->data = data;
        s->capacity = capacity;
    }
    if (s->element_bytes)
        memcpy(s->data + s->used, element->data, s->element_bytes);
    s->used += s->element_bytes;
    return DNNX_OK;
}

/* After the loop: the stack of trips elements as output i. With no iteration, the element
 * shape is the body's declared one, unknown sizes taken as 0. */
static dnnx_status stack_finish(op_ctx *ctx, stack *s, int i, int index, int64_t trips, const dnnx_tensor *declared)
{
    int64_t dims[DNNX_MAX_RANK];
    if (!trips) {
        if (declared->dtype == DNNX_DTYPE_UNDEFINED)
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED,
                           "scan output %d has no iteration and the body does not declare its type", index);
        s->dtype = declared->dtype;
        s->rank = declared->rank >= 0 && declared->rank < DNNX_MAX_RANK ? declared->rank : 0;
        for (int d = 0; d < s->rank; d++)
            s->dims[d] = declared->dims[d] >= 0 ? declared->dims[d] : 0;
    }
    dims[0] = trips;
    memcpy(dims + 1, s->dims, (size_t)s->rank * sizeof *dims);
    char *data = s->data ? s->data : calloc(1, 1);
    if (!data)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    s->data = NULL;
    give_output_buffer(ctx, i, s->dtype, s->rank + 1, dims, data);
    return DNNX_OK;
}

static dnnx_status loop_run(op_ctx *ctx)
{
    loop_shape shape;
    dnnx_status status = check_executor(ctx);
    if (!status)
        status = loop_check(ctx, &shape);
    if (status)
        return status;
    const graph *body = shape.body;
    int n_carried = shape.n_carried, n_scan = shape.n_scan, n_results = 1 + n_carried + n_scan;
    const dnnx_tensor *trips_input = op_input(ctx, 0), *cond_input = op_input(ctx, 1);
    int64_t max_trips = trips_input ? tensor_get_i64(trips_input, 0) : INT64_MAX;
    bool cond = true;
    if (cond_input && (status = read_bool(ctx, cond_input, "the condition", &cond)))
        return status;
    if (max_trips == INT64_MAX && cond && body_condition_stays_true(body))
        return op_fail(ctx, DNNX_ERR_RUNTIME,
                       "the loop never ends: it has no trip count (or INT64_MAX) and its body keeps the condition "
                       "true");

    size_t budget = ctx->memory_left, held = 0;
    const dnnx_tensor **inputs = calloc((size_t)n_carried + 2, sizeof *inputs);
    const dnnx_tensor **carried = calloc((size_t)n_carried + 1, sizeof *carried);
    dnnx_tensor **owned = calloc((size_t)n_carried + 1, sizeof *owned); /* carried values made by the body */
    dnnx_tensor **results = calloc((size_t)n_results, sizeof *results);
    stack *stacks = calloc((size_t)n_scan + 1, sizeof *stacks);
    if (!inputs || !carried || !owned || !results || !stacks) {
        status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        goto free_state;
    }
    for (int k = 0; k < n_carried; k++)
        carried[k] = op_input(ctx, 2 + k);

    int64_t iteration = 0;
    uint8_t cond_byte = 1;
    dnnx_tensor iteration_tensor = {.dtype = DNNX_DTYPE_INT64, .rank = 0, .data = &iteration};
    dnnx_tensor cond_tensor = {.dtype = DNNX_DTYPE_BOOL, .rank = 0, .data = &cond_byte};
    for (; iteration < max_trips && cond; iteration++) {
        inputs[0] = &iteration_tensor;
        inputs[1] = &cond_tensor;
        for (int k = 0; k < n_carried; k++)
            inputs[2 + k] = carried[k];
        ctx->memory_left = budget - held;
        if ((status = ctx->run_subgraph(ctx, body, inputs, n_carried + 2, results, n_results)))
            goto free_state;
        if ((status = read_bool(ctx, results[0], "the body's condition output", &cond)))
            goto free_results;
        cond_byte = cond;
        for (int k = 0; k < n_carried; k++) {
            dnnx_tensor *next = results[1 + k];
            if (next->dtype != carried[k]->dtype) {
                status = op_fail(ctx, DNNX_ERR_RUNTIME, "loop-carried value %d changes dtype from %s to %s", k,
                                 dnnx_dtype_name(carried[k]->dtype), dnnx_dtype_name(next->dtype));
                goto free_results;
            }
            if (owned[k])
                held -= tensor_bytes(owned[k]);
            dnnx_tensor_free(owned[k]);
            owned[k] = next;
            carried[k] = next;
            results[1 + k] = NULL;
            held += tensor_bytes(next);
        }
        for (int j = 0; j < n_scan && !status; j++)
            status = stack_push(ctx, &stacks[j], j, iteration, results[1 + n_carried + j], &held, budget);
        if (!status && held > budget)
            status =
                op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "holds %zu bytes after %lld iterations, past the memory limit",
                        held, (long long)iteration + 1);
    free_results:
        for (int k = 0; k < n_results; k++) {
            dnnx_tensor_free(results[k]);
            results[k] = NULL;
        }
        if (status)
            goto free_state;
    }

    for (int k = 0; k < n_carried && !status; k++) {
        dnnx_tensor *final = owned[k];
        if (!final && (status = tensor_clone(carried[k], &final)))
            break;
        owned[k] = NULL;
        give_output(ctx, k, final);
    }
    for (int j = 0; j < n_scan && !status; j++)
        status = stack_finish(ctx, &stacks[j], n_carried + j, j, iteration, body_output_info(body, 1 + n_carried + j));

free_state:
    for (int k = 0; owned && k < n_carried; k++)
        dnnx_tensor_free(owned[k]);
    for (int j = 0; stacks && j < n_scan; j++)
        free(stacks[j].data);
    free(inputs);
    free(carried);
    free(owned);
    free(results);
    free(stacks);
    return status;
}

typedef struct scan_shape {
    const graph *body;
    int n_state, n_in, n_out;                 /* state variables, scan inputs, scan outputs */
    const int64_t *in_axes, *in_directions;   /* per scan input; NULL = all 0 */
    const int64_t *out_axes, *out_directions; /* per scan output; NULL = all 0 */
} scan_shape;

/* An ints attribute with one value per scan input or output, or absent. */
static dnnx_status scan_list(op_ctx *ctx, const char *name, int expected, bool directions, const int64_t **out)
{
    size_t count;
    *out = op_attr_ints(ctx, name, &count);
    if (ctx->status)
        return ctx->status;
    if (*out && count != (size_t)expected)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' has %zu values, expected %d", name, count,
                       expected);
    for (int k = 0; *out && k < expected; k++) {
        if (directions && (*out)[k] != 0 && (*out)[k] != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' value %lld is neither 0 nor 1", name,
                           (long long)(*out)[k]);
        if (!directions && (*out)[k] < 0 && op_version(ctx) < 11)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' value %lld is negative (allowed from Scan-11)",
                           name, (long long)(*out)[k]);
    }
    return DNNX_OK;
}

static dnnx_status scan_check(op_ctx *ctx, scan_shape *shape)
{
    dnnx_status status = required_graph(ctx, "body", &shape->body);
    if (status)
        return status;
    if (!op_has_attr(ctx, "num_scan_inputs"))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'num_scan_inputs' is required");
    int64_t n_in = op_attr_int(ctx, "num_scan_inputs", 0);
    if (ctx->status)
        return ctx->status;
    if (n_in < 1 || n_in > ctx->n_inputs)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "num_scan_inputs is %lld, outside 1..%d (the inputs)",
                       (long long)n_in, ctx->n_inputs);
    shape->n_in = (int)n_in;
    shape->n_state = ctx->n_inputs - shape->n_in;
    shape->n_out = ctx->n_outputs - shape->n_state;
    if (shape->n_out < 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "has %d state variables but only %d outputs", shape->n_state,
                       ctx->n_outputs);
    if (shape->body->n_inputs != ctx->n_inputs || shape->body->n_outputs != ctx->n_outputs)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the body has %d inputs and %d outputs, the node %d and %d",
                       shape->body->n_inputs, shape->body->n_outputs, ctx->n_inputs, ctx->n_outputs);
    for (int k = 0; k < ctx->n_inputs; k++)
        if (!op_input(ctx, k))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d is missing", k);
    if ((status = scan_list(ctx, "scan_input_axes", shape->n_in, false, &shape->in_axes)) ||
        (status = scan_list(ctx, "scan_input_directions", shape->n_in, true, &shape->in_directions)) ||
        (status = scan_list(ctx, "scan_output_axes", shape->n_out, false, &shape->out_axes)) ||
        (status = scan_list(ctx, "scan_output_directions", shape->n_out, true, &shape->out_directions)))
        return status;
    return DNNX_OK;
}

/* The axis scan input m is iterated along, normalised. */
static dnnx_status scan_input_axis(op_ctx *ctx, const scan_shape *shape, int m, int *axis)
{
    const dnnx_tensor *input = op_input(ctx, shape->n_state + m);
    if (input->rank < 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "scan input %d is a scalar; it needs an axis to scan", m);
    return op_normalize_axis(ctx, shape->in_axes ? shape->in_axes[m] : 0, input->rank, axis);
}

/* The scan length: the size of every scan input along its axis (DIM_UNKNOWN if not known). */
static dnnx_status scan_length(op_ctx *ctx, const scan_shape *shape, int64_t *length)
{
    *length = DIM_UNKNOWN;
    for (int m = 0; m < shape->n_in; m++) {
        int axis;
        dnnx_status status = scan_input_axis(ctx, shape, m, &axis);
        if (status)
            return status;
        int64_t d = op_input(ctx, shape->n_state + m)->dims[axis];
        if (m == 0 || (*length < 0 && d >= 0))
            *length = d;
        else if (d >= 0 && *length >= 0 && d != *length)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "scan inputs have %lld and %lld elements along their axes",
                           (long long)*length, (long long)d);
    }
    return DNNX_OK;
}

static dnnx_status scan_infer(op_ctx *ctx)
{
    scan_shape shape;
    int64_t length;
    dnnx_status status = scan_check(ctx, &shape);
    if (!status)
        status = scan_length(ctx, &shape, &length);
    if (status)
        return status;
    if (ctx->concrete) {
        ctx->run_allocates_outputs = true;
        return DNNX_OK;
    }
    for (int k = 0; k < shape.n_state && !status; k++) {
        char what[96];
        snprintf(what, sizeof what, "state variable %d starts and continues with different dtypes", k);
        status = set_output_merged(ctx, k, op_input(ctx, k), body_output_info(shape.body, k), what);
    }
    for (int j = 0; j < shape.n_out && !status; j++) {
        const dnnx_tensor *element = body_output_info(shape.body, shape.n_state + j);
        dnnx_tensor *out = op_output(ctx, shape.n_state + j);
        if (!out)
            continue;
        out->dtype = element->dtype;
        out->rank = -1;
        if (element->rank < 0 || element->rank >= DNNX_MAX_RANK || element->dtype == DNNX_DTYPE_UNDEFINED)
            continue;
        int axis;
        if ((status = op_normalize_axis(ctx, shape.out_axes ? shape.out_axes[j] : 0, element->rank + 1, &axis)))
            return status;
        out->rank = element->rank + 1;
        for (int d = 0, e = 0; d < out->rank; d++)
            out->dims[d] = d == axis ? length : outer_dim(ctx, element->dims[e++]);
    }
    return status;
}

/* Copies element index of t along axis into a new tensor without that axis. */
static dnnx_status slice_along(op_ctx *ctx, const dnnx_tensor *t, int axis, int64_t index, dnnx_tensor **out)
{
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0, e = 0; d < t->rank; d++)
        if (d != axis)
            dims[e++] = t->dims[d];
    dnnx_status status = dnnx_tensor_create(t->dtype, t->rank - 1, dims, out);
    if (status)
        return op_fail(ctx, status, "cannot allocate a slice of scan input");
    size_t outer = 1, inner = tensor_dtype_size(t->dtype), length = (size_t)t->dims[axis];
    for (int d = 0; d < axis; d++)
        outer *= (size_t)t->dims[d];
    for (int d = axis + 1; d < t->rank; d++)
        inner *= (size_t)t->dims[d];
    const char *src = t->data;
    char *dst = (*out)->data;
    for (size_t o = 0; o < outer; o++)
        memcpy(dst + o * inner, src + (o * length + (size_t)index) * inner, inner);
    return DNNX_OK;
}

/* A Scan output: its full buffer, filled one element per iteration. */
typedef struct scan_output {
    dnnx_dtype dtype;
    int rank, axis; /* of the output (element rank + 1), and the scan axis in it */
    int64_t dims[DNNX_MAX_RANK];
    char *data;
} scan_output;

/* Places one iteration's element at position of output j (allocated at the first). */
static dnnx_status scan_output_put(op_ctx *ctx, const scan_shape *shape, scan_output *o, int j, int64_t length,
                                   int64_t t, const dnnx_tensor *element, size_t *held, size_t budget)
{
    if (!o->data) {
        if (element->rank >= DNNX_MAX_RANK)
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "scan output %d has rank %d, too many to stack", j,
                           element->rank);
        dnnx_status status =
            op_normalize_axis(ctx, shape->out_axes ? shape->out_axes[j] : 0, element->rank + 1, &o->axis);
        if (status)
            return status;
        o->dtype = element->dtype;
        o->rank = element->rank + 1;
        for (int d = 0, e = 0; d < o->rank; d++)
            o->dims[d] = d == o->axis ? length : element->dims[e++];
        size_t bytes;
        if ((status = tensor_bytes_checked(o->dtype, o->rank, o->dims, &bytes)) || bytes > budget - *held)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "scan output %d needs more bytes than the memory limit allows",
                           j);
        if (!(o->data = calloc(bytes ? bytes : 1, 1)))
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes for scan output %d", bytes, j);
        *held += bytes;
    } else {
        bool same = element->dtype == o->dtype && element->rank == o->rank - 1;
        for (int d = 0, e = 0; same && d < o->rank; d++)
            same = d == o->axis || element->dims[e++] == o->dims[d];
        if (!same) {
            char now[128];
            tensor_format_shape(element, now, sizeof now);
            return op_fail(ctx, DNNX_ERR_RUNTIME, "scan output %d changes to %s %s in iteration %lld", j,
                           dnnx_dtype_name(element->dtype), now, (long long)t);
        }
    }
    int64_t position = shape->out_directions && shape->out_directions[j] ? length - 1 - t : t;
    size_t outer = 1, inner = tensor_dtype_size(o->dtype);
    for (int d = 0; d < o->axis; d++)
        outer *= (size_t)o->dims[d];
    for (int d = o->axis + 1; d < o->rank; d++)
        inner *= (size_t)o->dims[d];
    const char *src = element->data;
    for (size_t i = 0; i < outer; i++)
        memcpy(o->data + (i * (size_t)length + (size_t)position) * inner, src + i * inner, inner);
    return DNNX_OK;
}

/* A scan output of a Scan that ran no iteration: the body's declared element shape, unknown
 * sizes taken as 0, with 0 along the scan axis. */
static dnnx_status scan_output_empty(op_ctx *ctx, const scan_shape *shape, scan_output *o, int j)
{
    const dnnx_tensor *declared = body_output_info(shape->body, shape->n_state + j);
    if (declared->dtype == DNNX_DTYPE_UNDEFINED)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED,
                       "scan output %d has no iteration and the body does not declare its type", j);
    int element_rank = declared->rank >= 0 && declared->rank < DNNX_MAX_RANK ? declared->rank : 0;
    dnnx_status status = op_normalize_axis(ctx, shape->out_axes ? shape->out_axes[j] : 0, element_rank + 1, &o->axis);
    if (status)
        return status;
    o->dtype = declared->dtype;
    o->rank = element_rank + 1;
    for (int d = 0, e = 0; d < o->rank; d++) {
        if (d == o->axis) {
            o->dims[d] = 0;
            continue;
        }
        int64_t size = declared->dims[e++];
        o->dims[d] = size >= 0 ? size : 0;
    }
    if (!(o->data = calloc(1, 1)))
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    return DNNX_OK;
}

static dnnx_status scan_run(op_ctx *ctx)
{
    scan_shape shape;
    int64_t length;
    dnnx_status status = check_executor(ctx);
    if (!status)
        status = scan_check(ctx, &shape);
    if (!status)
        status = scan_length(ctx, &shape, &length);
    if (status)
        return status;
    int n_state = shape.n_state, n_in = shape.n_in, n_out = shape.n_out;
    size_t budget = ctx->memory_left, held = 0;
    const dnnx_tensor **inputs = calloc((size_t)ctx->n_inputs, sizeof *inputs);
    dnnx_tensor **owned = calloc((size_t)n_state + 1, sizeof *owned); /* state values made by the body */
    dnnx_tensor **slices = calloc((size_t)n_in, sizeof *slices);
    dnnx_tensor **results = calloc((size_t)ctx->n_outputs + 1, sizeof *results);
    scan_output *outputs = calloc((size_t)n_out + 1, sizeof *outputs);
    int *axes = calloc((size_t)n_in, sizeof *axes);
    if (!inputs || !owned || !slices || !results || !outputs || !axes) {
        status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        goto free_state;
    }
    for (int m = 0; m < n_in && !status; m++)
        status = scan_input_axis(ctx, &shape, m, &axes[m]);
    for (int k = 0; k < n_state; k++)
        inputs[k] = op_input(ctx, k);

    for (int64_t t = 0; t < length && !status; t++) {
        for (int m = 0; m < n_in && !status; m++) {
            const dnnx_tensor *input = op_input(ctx, n_state + m);
            int64_t index = shape.in_directions && shape.in_directions[m] ? length - 1 - t : t;
            status = slice_along(ctx, input, axes[m], index, &slices[m]);
            inputs[n_state + m] = slices[m];
        }
        ctx->memory_left = budget - held;
        if (!status)
            status = ctx->run_subgraph(ctx, shape.body, inputs, ctx->n_inputs, results, ctx->n_outputs);
        for (int m = 0; m < n_in; m++) {
            dnnx_tensor_free(slices[m]);
            slices[m] = NULL;
        }
        if (status)
            break;
        for (int k = 0; k < n_state && !status; k++) {
            if (results[k]->dtype != op_input(ctx, k)->dtype) {
                status = op_fail(ctx, DNNX_ERR_RUNTIME, "state variable %d changes dtype from %s to %s", k,
                                 dnnx_dtype_name(op_input(ctx, k)->dtype), dnnx_dtype_name(results[k]->dtype));
                break;
            }
            if (owned[k])
                held -= tensor_bytes(owned[k]);
            dnnx_tensor_free(owned[k]);
            owned[k] = results[k];
            inputs[k] = results[k];
            results[k] = NULL;
            held += tensor_bytes(owned[k]);
        }
        for (int j = 0; j < n_out && !status; j++)
            status = scan_output_put(ctx, &shape, &outputs[j], j, length, t, results[n_state + j], &held, budget);
        if (!status && held > budget)
            status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY,
                             "holds %zu bytes after %lld iterations, past the memory limit", held, (long long)t + 1);
        for (int k = 0; k < ctx->n_outputs; k++) {
            dnnx_tensor_free(results[k]);
            results[k] = NULL;
        }
    }

    for (int k = 0; k < n_state && !status; k++) {
        dnnx_tensor *final = owned[k];
        if (!final && (status = tensor_clone(op_input(ctx, k), &final)))
            break;
        owned[k] = NULL;
        give_output(ctx, k, final);
    }
    for (int j = 0; j < n_out && !status; j++) {
        if (!length)
            status = scan_output_empty(ctx, &shape, &outputs[j], j);
        if (!status) {
            give_output_buffer(ctx, n_state + j, outputs[j].dtype, outputs[j].rank, outputs[j].dims, outputs[j].data);
            outputs[j].data = NULL;
        }
    }

free_state:
    for (int k = 0; owned && k < n_state; k++)
        dnnx_tensor_free(owned[k]);
    for (int j = 0; outputs && j < n_out; j++)
        free(outputs[j].data);
    free(inputs);
    free(owned);
    free(slices);
    free(results);
    free(outputs);
    free(axes);
    return status;
}

/* Versions after 11 (If, Loop) and 9 (Scan) only widen the value types. Inputs and outputs:
 * If (cond) -> branch outputs; Loop (M, cond, carried...) -> carried...,
 * scan outputs... (M and cond may be empty, so none is required); Scan (state..., scan
 * inputs...) -> state..., scan outputs.... */
const op_schema ops_control_schemas[] = {
    {"", "If", 1, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "If", 11, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "If", 13, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "If", 16, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "If", 19, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "If", 21, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "If", 23, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "If", 24, 1, 1, 1, OP_VARIADIC, if_infer, if_run},
    {"", "Loop", 1, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Loop", 11, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Loop", 13, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Loop", 16, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Loop", 19, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Loop", 21, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Loop", 23, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Loop", 24, 0, OP_VARIADIC, 1, OP_VARIADIC, loop_infer, loop_run},
    {"", "Scan", 9, 1, OP_VARIADIC, 1, OP_VARIADIC, scan_infer, scan_run},
    {"", "Scan", 11, 1, OP_VARIADIC, 1, OP_VARIADIC, scan_infer, scan_run},
    {"", "Scan", 16, 1, OP_VARIADIC, 1, OP_VARIADIC, scan_infer, scan_run},
    {"", "Scan", 19, 1, OP_VARIADIC, 1, OP_VARIADIC, scan_infer, scan_run},
    {"", "Scan", 21, 1, OP_VARIADIC, 1, OP_VARIADIC, scan_infer, scan_run},
    {"", "Scan", 23, 1, OP_VARIADIC, 1, OP_VARIADIC, scan_infer, scan_run},
    {"", "Scan", 24, 1, OP_VARIADIC, 1, OP_VARIADIC, scan_infer, scan_run},
};
OPS_FAMILY_COUNT(control);

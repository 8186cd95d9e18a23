/* The top of the house: implements the session part of dnnx.h except running (run.c).
 * Compile = load, sort, bind schemas, remove dead nodes, infer, bind kernels. With run.c,
 * the only place that names proto/ and backends/. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "graph/error.h"
#include "graph/graph.h"
#include "graph/op.h"
#include "graph/passes/pass.h"
#include "graph/session_internal.h"
#include "ops/ops.h"
#include "proto/proto.h"

dnnx_status dnnx_options_create(dnnx_options **out)
{
    if (!out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_options_create: out is NULL");
    dnnx_options *options = calloc(1, sizeof *options);
    if (!options)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    options->optimization_level = 1;
    strcpy(options->backends, "all");
    *out = options;
    return DNNX_OK;
}

void dnnx_options_free(dnnx_options *options) { free(options); }

dnnx_status dnnx_options_set_threads(dnnx_options *options, int threads)
{
    if (!options)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_options_set_threads: options is NULL");
    if (threads < 0 || threads > 4096)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "thread count %d is outside 0..4096", threads);
    options->threads = threads;
    return DNNX_OK;
}

dnnx_status dnnx_options_set_optimization_level(dnnx_options *options, int level)
{
    if (!options)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_options_set_optimization_level: options is NULL");
    if (level < 0 || level > 1)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "optimization level %d is outside 0..1", level);
    options->optimization_level = level;
    return DNNX_OK;
}

dnnx_status dnnx_options_set_max_memory(dnnx_options *options, size_t bytes)
{
    if (!options)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_options_set_max_memory: options is NULL");
    options->max_memory = bytes;
    return DNNX_OK;
}

/* The default memory limit: the machine's physical memory, so a model asking for more
 * fails with a message instead of meeting the OOM killer. */
static size_t physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0)
        return SIZE_MAX;
    return (size_t)pages > SIZE_MAX / (size_t)page_size ? SIZE_MAX : (size_t)pages * (size_t)page_size;
}

dnnx_status dnnx_options_set_fpmath(dnnx_options *options, const char *fpmath)
{
    if (!options || !fpmath)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_options_set_fpmath: %s is NULL",
                         options ? "fpmath" : "options");
    if (strcmp(fpmath, "strict") && strcmp(fpmath, "bf16"))
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "unknown fpmath '%s' (expected 'strict' or 'bf16')", fpmath);
    options->fpmath_bf16 = !strcmp(fpmath, "bf16");
    return DNNX_OK;
}

dnnx_status dnnx_options_set_backends(dnnx_options *options, const char *backends)
{
    if (!options || !backends)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_options_set_backends: %s is NULL",
                         options ? "backends" : "options");
    if (strcmp(backends, "ref") && strcmp(backends, "all"))
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "unknown backends '%s' (expected 'ref' or 'all')", backends);
    strcpy(options->backends, backends);
    return DNNX_OK;
}

void session_ctx_for_node(const graph *g, const graph_node *node, const dnnx_tensor **inputs, dnnx_tensor **outputs,
                          bool concrete, op_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->node = node;
    ctx->graph = g;
    ctx->opset = node->opset;
    ctx->n_inputs = node->n_inputs;
    ctx->inputs = inputs;
    ctx->n_outputs = node->n_outputs;
    ctx->outputs = outputs;
    ctx->concrete = concrete;
}

/* The backends a session may use, most specialised first; the reference backend, which
 * accepts every node, is always last. */
static int usable_backends(const dnnx_options *options, const backend **out)
{
    const char *choice = getenv("DNNX_BACKENDS");
    if (!choice || !*choice)
        choice = options->backends;
    int n = 0;
#ifdef DNNX_WITH_ONEDNN
    if (strcmp(choice, "ref") != 0)
        out[n++] = backend_onednn();
#endif
    out[n++] = backend_ref();
    return n;
}

static dnnx_status create_backend_sessions(dnnx_session *session)
{
    int threads = session->options.threads;
    if (threads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (int)cores : 1;
    }
    backend_options options = {threads, session->options.fpmath_bf16};
    session->n_backends = usable_backends(&session->options, session->backends);
    for (int b = 0; b < session->n_backends; b++) {
        dnnx_status status = session->backends[b]->session_create(&options, &session->backend_sessions[b]);
        if (status) {
            dnnx_error_prefix("backend %s", session->backends[b]->name);
            return status;
        }
    }
    return DNNX_OK;
}

/* Binds each live node of sg's graph to the first backend that supports it, keeping the
 * reasons of the ones that declined (dnnx_session_describe_backends shows them). */
static dnnx_status bind_kernels(dnnx_session *session, session_graph *sg)
{
    graph *g = sg->graph;
    sg->bindings = calloc((size_t)g->n_nodes + 1, sizeof *sg->bindings);
    if (!sg->bindings)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < g->n_order; i++) {
        graph_node *node = &g->nodes[g->order[i]];
        const dnnx_tensor *inputs[SESSION_MAX_NODE_IO];
        dnnx_tensor *outputs[SESSION_MAX_NODE_IO];
        if (node->n_inputs > SESSION_MAX_NODE_IO || node->n_outputs > SESSION_MAX_NODE_IO)
            return dnnx_fail(DNNX_ERR_UNSUPPORTED, "node '%s' (%s) has more than %d inputs or outputs", node->name,
                             node->op_type, SESSION_MAX_NODE_IO);
        for (int k = 0; k < node->n_inputs; k++) {
            int v = node->inputs[k];
            inputs[k] = v == VALUE_NONE ? NULL : g->values[v].constant ? g->values[v].constant : &g->values[v].info;
        }
        for (int k = 0; k < node->n_outputs; k++)
            outputs[k] = node->outputs[k] == VALUE_NONE ? NULL : &g->values[node->outputs[k]].info;
        op_ctx ctx;
        session_ctx_for_node(g, node, inputs, outputs, false, &ctx);
        node_binding *binding = &sg->bindings[g->order[i]];
        for (int b = 0; b < session->n_backends && !binding->backend; b++) {
            const backend *candidate = session->backends[b];
            char why[sizeof binding->declined] = "";
            if (!candidate->supports(session->backend_sessions[b], &ctx, why, sizeof why)) {
                if (!binding->declined[0])
                    snprintf(binding->declined, sizeof binding->declined, "%s: %s", candidate->name, why);
                continue;
            }
            dnnx_status status = candidate->compile(session->backend_sessions[b], &ctx, &binding->kernel);
            if (status)
                return status;
            binding->backend = candidate;
        }
        if (!binding->backend)
            return dnnx_fail(DNNX_ERR_UNSUPPORTED, "node '%s' (%s): no backend can run it (%s)", node->name,
                             node->op_type, binding->declined);
    }
    return DNNX_OK;
}

static void release_mapped(void *files, const void *data, size_t bytes) { proto_files_release(files, data, bytes); }

/* Hands each constant whose only reader is one input of one live node, bound to a kernel that
 * keeps it in a layout of its own, to that kernel (backend.h take_constant): no other node,
 * subgraph, graph output or reference kernel can read the graph's bytes, so the kernel's copy
 * can be the only one kept. Best effort: out of memory hands nothing. */
static void hand_weights_to_kernels(dnnx_session *session, session_graph *sg)
{
    graph *g = sg->graph;
    int *reads = calloc((size_t)g->n_values + 1, sizeof *reads);
    if (!reads)
        return;
    for (int i = 0; i < g->n_order; i++) {
        const graph_node *node = &g->nodes[g->order[i]];
        for (int k = 0; k < node->n_inputs + node->n_implicit_inputs; k++) {
            int v = k < node->n_inputs ? node->inputs[k] : node->implicit_inputs[k - node->n_inputs];
            if (v != VALUE_NONE)
                reads[v]++;
        }
    }
    for (int k = 0; k < g->n_outputs; k++)
        reads[g->outputs[k]]++;
    for (int i = 0; i < g->n_order; i++) {
        const graph_node *node = &g->nodes[g->order[i]];
        const node_binding *binding = &sg->bindings[g->order[i]];
        const backend *be = binding->backend;
        if (!be->takes_constant)
            continue;
        for (int k = 0; k < node->n_inputs; k++) {
            int v = node->inputs[k];
            if (v == VALUE_NONE || reads[v] != 1 || !g->values[v].constant || g->values[v].is_graph_output)
                continue;
            if (be->takes_constant(binding->kernel, k))
                be->take_constant(binding->kernel, k, g->values[v].constant, release_mapped, session->files);
        }
    }
    free(reads);
}

/* Compiles g into sg (zeroed): kernels for its live nodes, their subgraphs the same way,
 * value lifetimes. On failure sg holds what was made, for free_compiled_graph. */
static dnnx_status compile_graph(dnnx_session *session, session_graph *sg, graph *g)
{
    sg->graph = g;
    dnnx_status status = bind_kernels(session, sg);
    if (status)
        return status;
    hand_weights_to_kernels(session, sg);
    sg->node_subgraphs = calloc((size_t)g->n_nodes + 1, sizeof *sg->node_subgraphs);
    if (!sg->node_subgraphs)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    int count = 0;
    for (int n = 0; n < g->n_nodes; n++)
        if (!g->nodes[n].dead)
            count += graph_node_subgraph_count(&g->nodes[n]);
    if (count && !(sg->subgraphs = calloc((size_t)count, sizeof *sg->subgraphs)))
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    sg->n_subgraphs = count;
    int next = 0;
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *node = &g->nodes[n];
        sg->node_subgraphs[n] = next;
        for (int k = 0; !node->dead && k < graph_node_subgraph_count(node); k++)
            if ((status = compile_graph(session, &sg->subgraphs[next++], graph_node_subgraph(node, k))))
                return status;
    }
    sg->node_subgraphs[g->n_nodes] = next;
    return run_prepare(sg);
}

/* Frees what compile_graph made (not the graph). */
static void free_compiled_graph(session_graph *sg)
{
    if (sg->bindings)
        for (int n = 0; n < sg->graph->n_nodes; n++)
            if (sg->bindings[n].kernel)
                sg->bindings[n].backend->kernel_free(sg->bindings[n].kernel);
    free(sg->bindings);
    for (int k = 0; k < sg->n_subgraphs; k++)
        free_compiled_graph(&sg->subgraphs[k]);
    free(sg->subgraphs);
    free(sg->node_subgraphs);
    run_graph_free(sg);
}

/* The most bytes one node's outputs may take to be computed once at load: folding trades
 * session memory for run time, so huge constants stay computed per run. */
#define FOLD_MAX_BYTES ((size_t)64 << 20)

/* The graph passes of the optimization level, then DCE of what they orphaned. */
static dnnx_status optimize(dnnx_session *session, graph *g)
{
    if (session->options.optimization_level < 1)
        return DNNX_OK;
    int folded = 0;
    size_t limit = session->options.max_memory < FOLD_MAX_BYTES ? session->options.max_memory : FOLD_MAX_BYTES;
    dnnx_status status = pass_fold_constants(g, limit, &folded);
    /* Fusions check value types, which inference gives after folding made constants known. */
    int fused = 0;
    if (!status && !(status = graph_infer(g)))
        status = pass_fuse_gelu(g, ops_registry(), &fused);
    if (!status && (folded || fused))
        status = graph_remove_dead_nodes(g);
    return status;
}

/* Compiles a loaded graph (and the mappings its initializers point into, NULL if none) into a
 * session, which owns both from here, also on failure. */
static dnnx_status compile(graph *g, proto_files *files, const dnnx_options *options, dnnx_session **out)
{
    dnnx_session *session = calloc(1, sizeof *session);
    if (!session) {
        graph_free(g);
        proto_files_free(files);
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    }
    session->files = files;
    session->main.graph = g;
    pthread_mutex_init(&session->run_cache_lock, NULL);
    if (options) {
        session->options = *options;
    } else {
        session->options.optimization_level = 1;
        strcpy(session->options.backends, "all");
    }
    if (!session->options.max_memory)
        session->options.max_memory = physical_memory();
    dnnx_status status;
    if ((status = graph_sort(g)) || (status = graph_bind_schemas(g, ops_registry())) ||
        (status = graph_remove_dead_nodes(g)) || (status = optimize(session, g)) || (status = graph_infer(g)) ||
        (status = create_backend_sessions(session)) || (status = compile_graph(session, &session->main, g))) {
        dnnx_session_free(session);
        return status;
    }
    *out = session;
    return DNNX_OK;
}

dnnx_status dnnx_session_create(const char *path, const dnnx_options *options, dnnx_session **out)
{
    if (!path || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_session_create: %s is NULL", path ? "out" : "path");
    graph *g = NULL;
    proto_files *files = NULL;
    dnnx_status status = proto_load_model_file_mapped(path, &g, &files);
    if (status)
        return status;
    return compile(g, files, options, out);
}

dnnx_status dnnx_session_create_from_memory(const void *buf, size_t len, const dnnx_options *options,
                                            dnnx_session **out)
{
    if (!buf || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_session_create_from_memory: %s is NULL", buf ? "out" : "buf");
    graph *g = NULL;
    dnnx_status status = proto_load_model_memory(buf, len, NULL, &g);
    if (status)
        return status;
    return compile(g, NULL, options, out);
}

void dnnx_session_free(dnnx_session *session)
{
    if (!session)
        return;
    if (session->main.graph)
        free_compiled_graph(&session->main);
    run_cache_free(session);
    pthread_mutex_destroy(&session->run_cache_lock);
    for (int b = 0; b < session->n_backends; b++)
        session->backends[b]->session_free(session->backend_sessions[b]);
    graph_free(session->main.graph);
    proto_files_free(session->files);
    free(session);
}

/* Metadata ------------------------------------------------------------------------------ */

static const graph_value *io_value(const dnnx_session *session, size_t index, bool input)
{
    if (!session)
        return NULL;
    const graph *g = session->main.graph;
    size_t count = (size_t)(input ? g->n_inputs : g->n_outputs);
    if (index >= count)
        return NULL;
    return &g->values[input ? g->inputs[index] : g->outputs[index]];
}

size_t dnnx_session_input_count(const dnnx_session *s) { return s ? (size_t)s->main.graph->n_inputs : 0; }
size_t dnnx_session_output_count(const dnnx_session *s) { return s ? (size_t)s->main.graph->n_outputs : 0; }

#define IO_ACCESSORS(kind, is_input)                                                                                   \
    const char *dnnx_session_##kind##_name(const dnnx_session *s, size_t i)                                            \
    {                                                                                                                  \
        const graph_value *v = io_value(s, i, is_input);                                                               \
        return v ? v->name : NULL;                                                                                     \
    }                                                                                                                  \
    dnnx_dtype dnnx_session_##kind##_dtype(const dnnx_session *s, size_t i)                                            \
    {                                                                                                                  \
        const graph_value *v = io_value(s, i, is_input);                                                               \
        return v ? v->info.dtype : DNNX_DTYPE_UNDEFINED;                                                               \
    }                                                                                                                  \
    int dnnx_session_##kind##_rank(const dnnx_session *s, size_t i)                                                    \
    {                                                                                                                  \
        const graph_value *v = io_value(s, i, is_input);                                                               \
        return v ? v->info.rank : -1;                                                                                  \
    }                                                                                                                  \
    int64_t dnnx_session_##kind##_dim(const dnnx_session *s, size_t i, int axis)                                       \
    {                                                                                                                  \
        const graph_value *v = io_value(s, i, is_input);                                                               \
        if (!v || axis < 0 || axis >= v->info.rank)                                                                    \
            return -1;                                                                                                 \
        return v->info.dims[axis] >= 0 ? v->info.dims[axis] : -1;                                                      \
    }                                                                                                                  \
    const char *dnnx_session_##kind##_dim_name(const dnnx_session *s, size_t i, int axis)                              \
    {                                                                                                                  \
        const graph_value *v = io_value(s, i, is_input);                                                               \
        if (!v || axis < 0 || axis >= v->info.rank)                                                                    \
            return NULL;                                                                                               \
        return graph_symbol_name(s->main.graph, v->info.dims[axis]);                                                   \
    }

IO_ACCESSORS(input, true)
IO_ACCESSORS(output, false)

/* Description ---------------------------------------------------------------------------- */

typedef struct text {
    char *buf;
    size_t len, cap;
    bool failed;
} text;

static void text_append(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_append(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    va_list args;
    va_start(args, fmt);
    int need = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (need < 0 || t->len + (size_t)need + 1 > t->cap) {
        size_t cap = (t->cap ? t->cap * 2 : 1024) + (size_t)(need > 0 ? need : 0);
        char *buf = realloc(t->buf, cap);
        if (!buf || need < 0) {
            t->failed = true;
            return;
        }
        t->buf = buf;
        t->cap = cap;
    }
    va_start(args, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, args);
    va_end(args);
    t->len += (size_t)need;
}

static void describe_value(text *t, const graph *g, const graph_value *value)
{
    char shape[512];
    graph_format_shape(g, &value->info, shape, sizeof shape);
    text_append(t, "  %-32s %-8s %s\n", value->name, dnnx_dtype_name(value->info.dtype), shape);
}

/* Op types of live nodes with their counts, most frequent first. */
static void describe_histogram(text *t, const graph *g)
{
    int *counts = calloc((size_t)g->n_nodes + 1, sizeof *counts);
    int *first = calloc((size_t)g->n_nodes + 1, sizeof *first); /* node index naming each type */
    int n_types = 0;
    if (!counts || !first) {
        t->failed = true;
        goto free_lists;
    }
    for (int i = 0; i < g->n_order; i++) {
        const graph_node *node = &g->nodes[g->order[i]];
        int k = 0;
        while (k < n_types &&
               (strcmp(g->nodes[first[k]].op_type, node->op_type) || strcmp(g->nodes[first[k]].domain, node->domain)))
            k++;
        if (k == n_types)
            first[n_types++] = g->order[i];
        counts[k]++;
    }
    for (int printed = 0; printed < n_types; printed++) {
        int best = -1;
        for (int k = 0; k < n_types; k++)
            if (counts[k] > 0 && (best < 0 || counts[k] > counts[best]))
                best = k;
        const graph_node *node = &g->nodes[first[best]];
        text_append(t, "  %-32s %d\n", node->op_type, counts[best]);
        counts[best] = -counts[best];
    }
free_lists:
    free(counts);
    free(first);
}

char *dnnx_session_describe(const dnnx_session *session)
{
    if (!session) {
        dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_session_describe: session is NULL");
        return NULL;
    }
    const graph *g = session->main.graph;
    text t = {0};
    text_append(&t, "ir_version: %lld\nproducer: %s %s\nopsets:", (long long)g->ir_version,
                g->producer_name ? g->producer_name : "", g->producer_version ? g->producer_version : "");
    for (int k = 0; k < g->n_opsets; k++)
        text_append(&t, " %s=%lld", g->opsets[k].domain[0] ? g->opsets[k].domain : "ai.onnx",
                    (long long)g->opsets[k].version);
    text_append(&t, "\ninputs:\n");
    for (int i = 0; i < g->n_inputs; i++)
        describe_value(&t, g, &g->values[g->inputs[i]]);
    text_append(&t, "outputs:\n");
    for (int i = 0; i < g->n_outputs; i++)
        describe_value(&t, g, &g->values[g->outputs[i]]);
    size_t parameters = 0, parameter_bytes = 0, n_initializers = 0;
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].constant) {
            n_initializers++;
            parameters += tensor_count(g->values[v].constant);
            parameter_bytes += tensor_bytes(g->values[v].constant);
        }
    text_append(&t, "parameters: %zu in %zu initializers, %zu bytes\n", parameters, n_initializers, parameter_bytes);
    text_append(&t, "nodes: %d\n", g->n_order);
    describe_histogram(&t, g);
    if (t.failed) {
        free(t.buf);
        dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory describing the model");
        return NULL;
    }
    return t.buf;
}

/* One line per live node of sg in order, each followed by the lines of its subgraphs,
 * indented two spaces per level of nesting. */
static void describe_graph_backends(text *t, const session_graph *sg, int depth)
{
    const graph *g = sg->graph;
    for (int i = 0; i < g->n_order; i++) {
        int n = g->order[i];
        const graph_node *node = &g->nodes[n];
        const node_binding *binding = &sg->bindings[n];
        text_append(t, "%*s%-*s %-24s %-8s", 2 * depth, "", 40 - 2 * depth > 0 ? 40 - 2 * depth : 0, node->name,
                    node->op_type, binding->backend->name);
        if (binding->declined[0])
            text_append(t, "  (declined by %s)", binding->declined);
        text_append(t, "\n");
        for (int k = sg->node_subgraphs[n]; k < sg->node_subgraphs[n + 1]; k++)
            describe_graph_backends(t, &sg->subgraphs[k], depth + 1);
    }
}

char *dnnx_session_describe_backends(const dnnx_session *session)
{
    if (!session) {
        dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_session_describe_backends: session is NULL");
        return NULL;
    }
    text t = {0};
    describe_graph_backends(&t, &session->main, 0);
    if (t.failed || !t.buf) {
        free(t.buf);
        dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory describing the backends");
        return NULL;
    }
    return t.buf;
}

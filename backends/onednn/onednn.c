/* The oneDNN backend: the vtable of backends/backend.h, per-session state (engine, execution
 * slots, thread count, fpmath), the per-kernel cache of primitives by shape signature and the
 * helpers the kernel files build their entries with. See onednn_internal.h. */
#include <omp.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/onednn/onednn_internal.h"
#include "graph/error.h"
#include "graph/tensor.h"

static const onednn_op *const op_tables[] = {
    onednn_matmul_ops, onednn_softmax_ops, onednn_layernorm_ops, onednn_eltwise_ops,
    onednn_binary_ops, onednn_reduce_ops,  onednn_conv_ops,      onednn_reorder_ops,
};
static const size_t *const op_table_sizes[] = {
    &onednn_matmul_op_count, &onednn_softmax_op_count, &onednn_layernorm_op_count, &onednn_eltwise_op_count,
    &onednn_binary_op_count, &onednn_reduce_op_count,  &onednn_conv_op_count,      &onednn_reorder_op_count,
};

/* The inputs whose bytes, when constant, the op's build reads only through
 * onednn_constant_reordered (weights): a kernel may own those (backend.h take_constant). */
static const struct {
    const char *domain, *op_type;
    unsigned inputs;
} weight_inputs[] = {
    {"", "MatMul", 1u << 1},
    {"", "Gemm", 1u << 1},
    {"dnnx", "FusedMatMul", 1u << 1},
    {"", "Conv", 1u << 1},
};

static unsigned find_weight_inputs(const char *domain, const char *op_type)
{
    for (size_t k = 0; k < sizeof weight_inputs / sizeof weight_inputs[0]; k++)
        if (!strcmp(weight_inputs[k].domain, domain) && !strcmp(weight_inputs[k].op_type, op_type))
            return weight_inputs[k].inputs;
    return 0;
}

static const onednn_op *find_op(const char *domain, const char *op_type)
{
    for (size_t t = 0; t < sizeof op_tables / sizeof op_tables[0]; t++)
        for (size_t i = 0; i < *op_table_sizes[t]; i++)
            if (!strcmp(op_tables[t][i].domain, domain) && !strcmp(op_tables[t][i].op_type, op_type))
                return &op_tables[t][i];
    return NULL;
}

dnnx_status onednn_status(op_ctx *ctx, dnnl_status_t status, const char *what)
{
    dnnx_status mapped;
    switch (status) {
    case dnnl_success: return DNNX_OK;
    case dnnl_out_of_memory: mapped = DNNX_ERR_OUT_OF_MEMORY; break;
    case dnnl_unimplemented: mapped = DNNX_ERR_UNSUPPORTED; break;
    case dnnl_runtime_error: mapped = DNNX_ERR_RUNTIME; break;
    default: mapped = DNNX_ERR_INTERNAL; break; /* arguments we built were rejected: our bug */
    }
    return op_fail(ctx, mapped, "oneDNN %s: %s", what, dnnl_status2str(status));
}

bool onednn_decline(char *why, size_t why_size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(why, why_size, fmt, args);
    va_end(args);
    return false;
}

bool onednn_require_float(onednn_build *b, int n)
{
    for (int i = 0; i < n; i++) {
        const dnnx_tensor *t = op_input(b->ctx, i);
        if (t && t->dtype != DNNX_DTYPE_FLOAT) {
            b->entry->use_reference = true;
            return false;
        }
    }
    return true;
}

bool onednn_input_is_constant(const onednn_build *b, int i)
{
    return i >= 0 && i < ONEDNN_MAX_INPUTS && (b->kernel->constant_inputs >> i & 1u);
}

dnnl_status_t onednn_md_strided(dnnl_memory_desc_t *md, int rank, const int64_t *dims, const int64_t *strides,
                                dnnl_data_type_t dtype)
{
    dnnl_dims_t d, s;
    if (rank == 0) {
        d[0] = 1;
        s[0] = 1;
        return dnnl_memory_desc_init_by_strides(md, 1, d, dtype, s);
    }
    for (int k = 0; k < rank; k++) {
        d[k] = dims[k];
        s[k] = strides[k];
    }
    return dnnl_memory_desc_init_by_strides(md, rank, d, dtype, s);
}

dnnl_status_t onednn_md_plain(dnnl_memory_desc_t *md, int rank, const int64_t *dims, dnnl_data_type_t dtype)
{
    int64_t strides[DNNL_MAX_NDIMS];
    int64_t stride = 1;
    for (int k = rank - 1; k >= 0; k--) {
        strides[k] = stride;
        stride *= dims[k] > 1 ? dims[k] : 1;
    }
    return onednn_md_strided(md, rank, dims, strides, dtype);
}

dnnx_status onednn_attr_create(onednn_build *b, dnnl_primitive_attr_t *attr)
{
    dnnl_status_t status = dnnl_primitive_attr_create(attr);
    if (status == dnnl_success &&
        (status = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user))) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
    }
    return onednn_status(b->ctx, status, "creating primitive attributes");
}

/* Creates the primitive of pd as the entry's next step, with its scratchpad argument. */
static dnnx_status finish_step(onednn_build *b, dnnl_primitive_desc_t pd, onednn_step **out)
{
    onednn_entry *entry = b->entry;
    onednn_step *step = &entry->steps[entry->n_steps];
    memset(step, 0, sizeof *step);
    dnnl_status_t status = dnnl_primitive_create(&step->primitive, pd);
    if (status)
        return onednn_status(b->ctx, status, "creating a primitive");
    atomic_fetch_add(&b->kernel->session->primitives_created, 1);
    entry->n_steps++;
    const dnnl_memory_desc_t *scratchpad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t bytes = scratchpad ? dnnl_memory_desc_get_size(scratchpad) : 0;
    if (bytes) {
        onednn_arg *arg = &step->args[step->n_args++];
        memset(arg, 0, sizeof *arg);
        arg->id = DNNL_ARG_SCRATCHPAD;
        arg->source = ONEDNN_SCRATCHPAD;
        arg->md = *scratchpad;
        if (bytes > entry->scratchpad_bytes)
            entry->scratchpad_bytes = bytes;
    }
    *out = step;
    return DNNX_OK;
}

/* Whether oneDNN has only its reference implementation for pd ("ref:any"): a generic loop
 * nest slower than dnnx's own reference kernels, which then run instead. */
static bool is_reference_impl(const_dnnl_primitive_desc_t pd)
{
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) || !impl)
        return false;
    return !strncmp(impl, "ref", 3);
}

dnnx_status onednn_add_step(onednn_build *b, const_dnnl_op_desc_t desc, const_dnnl_primitive_attr_t attr,
                            onednn_step **step, dnnl_primitive_desc_t *pd_out)
{
    *step = NULL;
    if (pd_out)
        *pd_out = NULL;
    if (b->entry->n_steps == ONEDNN_MAX_STEPS)
        return op_fail(b->ctx, DNNX_ERR_INTERNAL, "more than %d oneDNN primitives for one node", ONEDNN_MAX_STEPS);
    dnnl_primitive_attr_t own = NULL;
    dnnx_status result;
    if (!attr) {
        if ((result = onednn_attr_create(b, &own)))
            return result;
        attr = own;
    }
    dnnl_primitive_desc_t pd;
    dnnl_status_t status = dnnl_primitive_desc_create(&pd, desc, attr, b->kernel->session->engine, NULL);
    dnnl_primitive_attr_destroy(own);
    if (status == dnnl_unimplemented) {
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    if (status)
        return onednn_status(b->ctx, status, "creating a primitive descriptor");
    if (is_reference_impl(pd)) {
        dnnl_primitive_desc_destroy(pd);
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    result = finish_step(b, pd, step);
    if (result || !pd_out)
        dnnl_primitive_desc_destroy(pd);
    else
        *pd_out = pd;
    return result;
}

static dnnl_status_t reorder_pd(onednn_build *b, const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *dst,
                                dnnl_primitive_desc_t *pd)
{
    dnnl_engine_t engine = b->kernel->session->engine;
    dnnl_primitive_attr_t attr;
    dnnl_status_t status = dnnl_primitive_attr_create(&attr);
    if (status)
        return status;
    if (!(status = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user)))
        status = dnnl_reorder_primitive_desc_create(pd, src, engine, dst, engine, attr);
    dnnl_primitive_attr_destroy(attr);
    return status;
}

dnnx_status onednn_add_reorder_step(onednn_build *b, const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *dst,
                                    onednn_step **step)
{
    *step = NULL;
    if (b->entry->n_steps == ONEDNN_MAX_STEPS)
        return op_fail(b->ctx, DNNX_ERR_INTERNAL, "more than %d oneDNN primitives for one node", ONEDNN_MAX_STEPS);
    dnnl_primitive_desc_t pd;
    dnnl_status_t status = reorder_pd(b, src, dst, &pd);
    if (status == dnnl_unimplemented) {
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    if (status)
        return onednn_status(b->ctx, status, "creating a reorder");
    dnnx_status result = finish_step(b, pd, step);
    dnnl_primitive_desc_destroy(pd);
    return result;
}

static onednn_arg *next_arg(onednn_step *step, int id, onednn_source source, const dnnl_memory_desc_t *md)
{
    onednn_arg *arg = &step->args[step->n_args++];
    memset(arg, 0, sizeof *arg);
    arg->id = id;
    arg->source = source;
    arg->md = *md;
    return arg;
}

void onednn_arg_input(onednn_step *step, int id, int input, const dnnl_memory_desc_t *md)
{
    next_arg(step, id, ONEDNN_INPUT, md)->index = input;
}

void onednn_arg_output(onednn_step *step, int id, int output, const dnnl_memory_desc_t *md)
{
    next_arg(step, id, ONEDNN_OUTPUT, md)->index = output;
}

void onednn_arg_fixed(onednn_step *step, int id, const void *data, const dnnl_memory_desc_t *md)
{
    next_arg(step, id, ONEDNN_FIXED, md)->fixed = data;
}

size_t onednn_temp_alloc(onednn_build *b, const dnnl_memory_desc_t *md)
{
    size_t offset = b->entry->temp_bytes;
    size_t bytes = dnnl_memory_desc_get_size(md);
    b->entry->temp_bytes += (bytes + ONEDNN_ALIGNMENT - 1) / ONEDNN_ALIGNMENT * ONEDNN_ALIGNMENT;
    return offset;
}

void onednn_arg_temp(onednn_step *step, int id, size_t offset, const dnnl_memory_desc_t *md)
{
    next_arg(step, id, ONEDNN_TEMP, md)->offset = offset;
}

static void *aligned_buffer(size_t bytes)
{
    size_t rounded = (bytes + ONEDNN_ALIGNMENT - 1) / ONEDNN_ALIGNMENT * ONEDNN_ALIGNMENT;
    return aligned_alloc(ONEDNN_ALIGNMENT, rounded ? rounded : ONEDNN_ALIGNMENT);
}

/* Runs a one-time reorder of src_data (src) into dst_data (dst) on the build's slot. */
static dnnx_status reorder_once(onednn_build *b, const dnnl_memory_desc_t *src, const void *src_data,
                                const dnnl_memory_desc_t *dst, void *dst_data)
{
    dnnl_engine_t engine = b->kernel->session->engine;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t primitive = NULL;
    dnnl_memory_t from = NULL, to = NULL, scratch = NULL;
    void *scratch_data = NULL;
    const dnnl_memory_desc_t *scratch_md = NULL;
    dnnl_exec_arg_t args[3];
    int n_args = 2;
    dnnl_status_t status = reorder_pd(b, src, dst, &pd);
    if (status)
        goto destroy;
    if ((status = dnnl_primitive_create(&primitive, pd)))
        goto destroy;
    atomic_fetch_add(&b->kernel->session->primitives_created, 1);
    scratch_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t scratch_bytes = scratch_md ? dnnl_memory_desc_get_size(scratch_md) : 0;
    if ((status = dnnl_memory_create(&from, src, engine, (void *)src_data)) ||
        (status = dnnl_memory_create(&to, dst, engine, dst_data)))
        goto destroy;
    args[0] = (dnnl_exec_arg_t){DNNL_ARG_FROM, from};
    args[1] = (dnnl_exec_arg_t){DNNL_ARG_TO, to};
    if (scratch_bytes) {
        if (!(scratch_data = aligned_buffer(scratch_bytes))) {
            status = dnnl_out_of_memory;
            goto destroy;
        }
        if ((status = dnnl_memory_create(&scratch, scratch_md, engine, scratch_data)))
            goto destroy;
        args[n_args++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratch};
    }
    if (!(status = dnnl_primitive_execute(primitive, b->slot->stream, n_args, args)))
        status = dnnl_stream_wait(b->slot->stream);
destroy:
    dnnl_memory_destroy(scratch);
    dnnl_memory_destroy(to);
    dnnl_memory_destroy(from);
    free(scratch_data);
    dnnl_primitive_destroy(primitive);
    dnnl_primitive_desc_destroy(pd);
    return onednn_status(b->ctx, status, "reordering a constant");
}

/* The reordered copy of held input `input` that its bytes can be rebuilt from, or NULL. */
static onednn_constant *reordered_copy(const backend_kernel *kernel, int input)
{
    for (onednn_constant *c = kernel->constants; c; c = c->next)
        if (c->input == input && c->md.ndims)
            return c;
    return NULL;
}

static onednn_held *held_input(backend_kernel *kernel, int input)
{
    return input >= 0 && input < ONEDNN_MAX_INPUTS && kernel->held[input].taken ? &kernel->held[input] : NULL;
}

/* Brings back the bytes of a held input that were let go: a borrowed mapping is simply read
 * again; owned bytes are rebuilt by reordering a copy back into the input's own layout. */
static dnnx_status restore_held(onednn_build *b, int input, onednn_held *h)
{
    if (h->borrowed) {
        h->present = true;
        return DNNX_OK;
    }
    onednn_constant *c = reordered_copy(b->kernel, input);
    if (!c)
        return op_fail(b->ctx, DNNX_ERR_INTERNAL, "the weights of input %d were let go with no copy left", input);
    void *buffer = aligned_buffer(h->bytes);
    if (!buffer)
        return op_fail(b->ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory rebuilding weights");
    dnnx_status status = reorder_once(b, &c->md, c->data, &c->from, buffer);
    if (status) {
        free(buffer);
        return status;
    }
    h->tensor.data = buffer;
    h->present = true;
    return DNNX_OK;
}

/* The bytes of constant input `input` as the model gives them: the node's tensor, or the ones
 * the kernel holds (brought back if they were let go). The caller holds the kernel's lock. */
static dnnx_status constant_bytes(onednn_build *b, int input, const void **data)
{
    onednn_held *h = held_input(b->kernel, input);
    if (!h) {
        *data = op_input(b->ctx, input)->data;
        return DNNX_OK;
    }
    dnnx_status status = h->present ? DNNX_OK : restore_held(b, input, h);
    *data = h->tensor.data;
    return status;
}

dnnx_status onednn_constant_reordered(onednn_build *b, int input, const dnnl_memory_desc_t *from,
                                      const dnnl_memory_desc_t *to, const void **data)
{
    if (dnnl_memory_desc_equal(from, to)) {
        b->entry->reads_original |= 1u << input;
        return constant_bytes(b, input, data);
    }
    backend_kernel *kernel = b->kernel;
    for (onednn_constant *c = kernel->constants; c; c = c->next)
        if (c->input == input && c->md.ndims && dnnl_memory_desc_equal(&c->md, to)) {
            *data = c->data;
            return DNNX_OK;
        }
    const void *source;
    dnnx_status status = constant_bytes(b, input, &source);
    if (status)
        return status;
    onednn_constant *c = calloc(1, sizeof *c);
    void *buffer = aligned_buffer(dnnl_memory_desc_get_size(to));
    if (!c || !buffer) {
        free(c);
        free(buffer);
        return op_fail(b->ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for reordered weights");
    }
    status = reorder_once(b, from, source, to, buffer);
    if (status) {
        free(c);
        free(buffer);
        return status;
    }
    c->input = input;
    c->scale = 1.0f;
    c->md = *to;
    c->from = *from;
    c->data = buffer;
    c->next = kernel->constants;
    kernel->constants = c;
    *data = buffer;
    return DNNX_OK;
}

dnnx_status onednn_constant_scaled(onednn_build *b, int input, float scale, const void **data)
{
    const dnnx_tensor *t = op_input(b->ctx, input);
    backend_kernel *kernel = b->kernel;
    for (onednn_constant *c = kernel->constants; c; c = c->next)
        if (c->input == input && !c->md.ndims && c->scale == scale) {
            *data = c->data;
            return DNNX_OK;
        }
    const void *source;
    dnnx_status status = constant_bytes(b, input, &source);
    if (status)
        return status;
    size_t count = tensor_count(t);
    onednn_constant *c = calloc(1, sizeof *c);
    float *buffer = aligned_buffer(count * sizeof *buffer);
    if (!c || !buffer) {
        free(c);
        free(buffer);
        return op_fail(b->ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for a scaled constant");
    }
    const float *values = source;
    for (size_t i = 0; i < count; i++)
        buffer[i] = scale * values[i];
    c->input = input;
    c->scale = scale;
    c->data = buffer;
    c->next = kernel->constants;
    kernel->constants = c;
    *data = buffer;
    return DNNX_OK;
}

static void session_free(backend_session *session)
{
    if (!session)
        return;
    for (int s = 0; s < ONEDNN_SLOTS; s++) {
        if (session->slots[s].stream)
            dnnl_stream_destroy(session->slots[s].stream);
        free(session->slots[s].scratch);
    }
    if (session->engine)
        dnnl_engine_destroy(session->engine);
    pthread_cond_destroy(&session->slot_freed);
    pthread_mutex_destroy(&session->lock);
    free(session);
}

static dnnx_status session_create(const backend_options *options, backend_session **out)
{
    backend_session *session = calloc(1, sizeof *session);
    if (!session)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    if (pthread_mutex_init(&session->lock, NULL)) {
        free(session);
        return dnnx_fail(DNNX_ERR_INTERNAL, "cannot initialise a mutex");
    }
    if (pthread_cond_init(&session->slot_freed, NULL)) {
        pthread_mutex_destroy(&session->lock);
        free(session);
        return dnnx_fail(DNNX_ERR_INTERNAL, "cannot initialise a condition variable");
    }
    session->threads = options->threads > 0 ? options->threads : 1;
    session->fpmath_bf16 = options->fpmath_bf16;
    atomic_init(&session->primitives_created, 0);
    dnnl_status_t status = dnnl_engine_create(&session->engine, dnnl_cpu, 0);
    for (int s = 0; s < ONEDNN_SLOTS && status == dnnl_success; s++)
        status = dnnl_stream_create(&session->slots[s].stream, session->engine, dnnl_stream_default_flags);
    if (status) {
        session_free(session);
        return dnnx_fail(status == dnnl_out_of_memory ? DNNX_ERR_OUT_OF_MEMORY : DNNX_ERR_INTERNAL,
                         "oneDNN cannot create its CPU engine and streams: %s", dnnl_status2str(status));
    }
    *out = session;
    return DNNX_OK;
}

size_t onednn_primitives_created(const backend_session *session)
{
    return session ? atomic_load(&((backend_session *)session)->primitives_created) : 0;
}

static int slot_acquire(backend_session *session)
{
    pthread_mutex_lock(&session->lock);
    for (;;) {
        for (int s = 0; s < ONEDNN_SLOTS; s++)
            if (!session->slots[s].busy) {
                session->slots[s].busy = true;
                pthread_mutex_unlock(&session->lock);
                return s;
            }
        pthread_cond_wait(&session->slot_freed, &session->lock);
    }
}

static void slot_release(backend_session *session, int s)
{
    pthread_mutex_lock(&session->lock);
    session->slots[s].busy = false;
    pthread_cond_signal(&session->slot_freed);
    pthread_mutex_unlock(&session->lock);
}

static bool supports(backend_session *session, const op_ctx *ctx, char *why, size_t why_size)
{
    (void)session;
    const graph_node *node = ctx->node;
    const onednn_op *op = find_op(node->domain, node->op_type);
    if (!op)
        return onednn_decline(why, why_size, "no oneDNN kernel for %s", node->op_type);
    if (!node->schema || !node->schema->run)
        return onednn_decline(why, why_size, "no reference kernel to fall back on");
    if (ctx->n_inputs > ONEDNN_MAX_INPUTS || ctx->n_outputs > ONEDNN_MAX_OUTPUTS)
        return onednn_decline(why, why_size, "%d inputs and %d outputs", ctx->n_inputs, ctx->n_outputs);
    op_ctx local = *ctx; /* attribute accessors record errors in the ctx */
    local.status = DNNX_OK;
    bool ok = op->supports(&local, why, why_size);
    if (ok && local.status) {
        dnnx_error_clear();
        return onednn_decline(why, why_size, "an attribute has the wrong type");
    }
    return ok;
}

static void entry_free(onednn_entry *entry)
{
    for (int slot = 0; slot < ONEDNN_SLOTS; slot++)
        for (int s = 0; s < ONEDNN_MAX_STEPS; s++)
            for (int a = 0; a < ONEDNN_MAX_ARGS; a++)
                if (entry->memory[slot][s][a])
                    dnnl_memory_destroy(entry->memory[slot][s][a]);
    for (int s = 0; s < entry->n_steps; s++)
        dnnl_primitive_destroy(entry->steps[s].primitive);
    free(entry->signature);
    free(entry);
}

static void kernel_free(backend_kernel *kernel)
{
    if (!kernel)
        return;
    for (onednn_entry *e = kernel->entries, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    for (onednn_constant *c = kernel->constants, *next; c; c = next) {
        next = c->next;
        free(c->data);
        free(c);
    }
    for (int i = 0; i < ONEDNN_MAX_INPUTS; i++)
        if (kernel->held[i].taken && !kernel->held[i].borrowed)
            free(kernel->held[i].tensor.data);
    pthread_mutex_destroy(&kernel->lock);
    free(kernel);
}

#define SIGNATURE_MAX ((ONEDNN_MAX_INPUTS + ONEDNN_MAX_OUTPUTS) * (DNNX_MAX_RANK + 1))

/* The concrete shapes of the node's inputs and outputs: rank then dims each, -1 if absent.
 * supports() bounds the counts, so the signature fits SIGNATURE_MAX. */
static size_t shape_signature(const op_ctx *ctx, int64_t *signature)
{
    size_t len = 0;
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? ctx->n_outputs : ctx->n_inputs;
        for (int i = 0; i < n && i < (pass ? ONEDNN_MAX_OUTPUTS : ONEDNN_MAX_INPUTS); i++) {
            const dnnx_tensor *t = pass ? ctx->outputs[i] : ctx->inputs[i];
            signature[len++] = t ? t->rank : -1;
            for (int d = 0; t && d < t->rank; d++)
                signature[len++] = t->dims[d];
        }
    }
    return len;
}

/* Whether a data tensor (a float input or any output) is empty: oneDNN has no use for those,
 * and reductions over empty axes give identities it does not; the reference handles them.
 * Integer inputs (axes lists) may be empty. */
static bool has_empty_tensor(const op_ctx *ctx)
{
    for (int i = 0; i < ctx->n_inputs; i++)
        if (ctx->inputs[i] && ctx->inputs[i]->dtype == DNNX_DTYPE_FLOAT && tensor_count(ctx->inputs[i]) == 0)
            return true;
    for (int i = 0; i < ctx->n_outputs; i++)
        if (ctx->outputs[i] && tensor_count(ctx->outputs[i]) == 0)
            return true;
    return false;
}

/* The link to the cached entry of this signature, or NULL. */
static onednn_entry **find_entry(backend_kernel *kernel, const int64_t *signature, size_t len)
{
    for (onednn_entry **link = &kernel->entries; *link; link = &(*link)->next)
        if ((*link)->signature_len == len && !memcmp((*link)->signature, signature, len * sizeof *signature))
            return link;
    return NULL;
}

/* Builds the entry for ctx's shapes (the reference's, for empty tensors); a reference entry
 * has the held inputs' bytes present. The caller holds the kernel's lock. */
static dnnx_status build_entry(backend_kernel *kernel, op_ctx *ctx, onednn_slot *slot, const int64_t *signature,
                               size_t len, onednn_entry **out)
{
    onednn_entry *entry = calloc(1, sizeof *entry);
    if (!entry || !(entry->signature = malloc(len * sizeof *signature))) {
        free(entry);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory building oneDNN primitives");
    }
    memcpy(entry->signature, signature, len * sizeof *signature);
    entry->signature_len = len;
    onednn_build b = {kernel, ctx, entry, slot};
    dnnx_status status = DNNX_OK;
    if (has_empty_tensor(ctx))
        entry->use_reference = true;
    else
        status = kernel->op->build(&b);
    for (int i = 0; i < ONEDNN_MAX_INPUTS && !status && entry->use_reference; i++) {
        onednn_held *h = held_input(kernel, i);
        if (h && !h->present)
            status = restore_held(&b, i, h);
    }
    if (status) {
        entry_free(entry);
        return status;
    }
    *out = entry;
    return DNNX_OK;
}

/* Whether a cached entry reads held input i's own bytes (a reference entry reads them all). */
static bool original_needed(const backend_kernel *kernel, int input)
{
    for (const onednn_entry *e = kernel->entries; e; e = e->next)
        if (e->use_reference || (e->reads_original >> input & 1u))
            return true;
    return false;
}

static bool constant_used(const backend_kernel *kernel, const onednn_constant *c)
{
    for (const onednn_entry *e = kernel->entries; e; e = e->next)
        for (int k = 0; k < e->n_steps; k++)
            for (int a = 0; a < e->steps[k].n_args; a++)
                if (e->steps[k].args[a].source == ONEDNN_FIXED && e->steps[k].args[a].fixed == c->data)
                    return true;
    return false;
}

/* After the cached entries changed: lets the held bytes that no cached entry reads go when a
 * reordered copy can stand in for them, and frees the prepared constants no cached entry
 * uses, but one copy of each held input whose owned bytes were let go (to rebuild them
 * from). The caller holds the kernel's lock. */
static void settle_constants(backend_kernel *kernel)
{
    const onednn_constant *stand_in[ONEDNN_MAX_INPUTS] = {0};
    for (int i = 0; i < ONEDNN_MAX_INPUTS; i++) {
        onednn_held *h = held_input(kernel, i);
        if (!h)
            continue;
        if (h->present && !original_needed(kernel, i) && reordered_copy(kernel, i)) {
            if (h->borrowed) {
                h->advise(h->advise_context, h->tensor.data, h->bytes);
            } else {
                free(h->tensor.data);
                h->tensor.data = NULL;
            }
            h->present = false;
        }
        if (h->present || h->borrowed)
            continue;
        for (const onednn_constant *c = kernel->constants; c && !stand_in[i]; c = c->next)
            if (c->input == i && c->md.ndims && constant_used(kernel, c))
                stand_in[i] = c;
        if (!stand_in[i])
            stand_in[i] = reordered_copy(kernel, i);
    }
    for (onednn_constant **link = &kernel->constants, *c; (c = *link);) {
        bool keep =
            constant_used(kernel, c) || (c->input >= 0 && c->input < ONEDNN_MAX_INPUTS && stand_in[c->input] == c);
        if (keep) {
            link = &c->next;
            continue;
        }
        *link = c->next;
        free(c->data);
        free(c);
    }
}

/* Drops the least recently used entries that no run is using until at most
 * ONEDNN_MAX_ENTRIES remain; true if it dropped any. The caller holds the kernel's lock. */
static bool evict_entries(backend_kernel *kernel)
{
    bool dropped = false;
    while (kernel->n_entries > ONEDNN_MAX_ENTRIES) {
        onednn_entry **victim = NULL;
        for (onednn_entry **link = &kernel->entries; *link; link = &(*link)->next)
            if (!(*link)->users)
                victim = link;
        if (!victim)
            break;
        onednn_entry *entry = *victim;
        *victim = entry->next;
        entry_free(entry);
        kernel->n_entries--;
        dropped = true;
    }
    return dropped;
}

static void *arg_data(const onednn_arg *arg, const op_ctx *ctx, const onednn_slot *slot, const onednn_entry *entry)
{
    size_t temps = (entry->scratchpad_bytes + ONEDNN_ALIGNMENT - 1) / ONEDNN_ALIGNMENT * ONEDNN_ALIGNMENT;
    switch (arg->source) {
    case ONEDNN_INPUT: return ctx->inputs[arg->index]->data;
    case ONEDNN_OUTPUT: return ctx->outputs[arg->index]->data;
    case ONEDNN_FIXED: return (void *)arg->fixed;
    case ONEDNN_TEMP: return (char *)slot->scratch + temps + arg->offset;
    case ONEDNN_SCRATCHPAD: return slot->scratch;
    }
    return NULL;
}

/* Executes the entry's steps on slot s, re-pointing the slot's memory objects at this run's
 * buffers. */
static dnnx_status execute(backend_session *session, onednn_entry *entry, int s, op_ctx *ctx)
{
    onednn_slot *slot = &session->slots[s];
    size_t need =
        (entry->scratchpad_bytes + ONEDNN_ALIGNMENT - 1) / ONEDNN_ALIGNMENT * ONEDNN_ALIGNMENT + entry->temp_bytes;
    if (need > slot->scratch_bytes) {
        void *scratch = aligned_buffer(need);
        if (!scratch)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of oneDNN scratch", need);
        free(slot->scratch);
        slot->scratch = scratch;
        slot->scratch_bytes = need;
    }
    dnnl_status_t status = dnnl_success;
    for (int k = 0; k < entry->n_steps && !status; k++) {
        onednn_step *step = &entry->steps[k];
        dnnl_exec_arg_t args[ONEDNN_MAX_ARGS];
        for (int a = 0; a < step->n_args && !status; a++) {
            dnnl_memory_t *memory = &entry->memory[s][k][a];
            void *data = arg_data(&step->args[a], ctx, slot, entry);
            if (*memory)
                status = dnnl_memory_set_data_handle(*memory, data);
            else
                status = dnnl_memory_create(memory, &step->args[a].md, session->engine, data);
            args[a] = (dnnl_exec_arg_t){step->args[a].id, *memory};
        }
        if (!status)
            status = dnnl_primitive_execute(step->primitive, slot->stream, step->n_args, args);
    }
    if (!status)
        status = dnnl_stream_wait(slot->stream);
    return onednn_status(ctx, status, "executing a primitive");
}

/* The kernel's entry for ctx's shapes, built on slot s when they are new, made the most
 * recently used and kept in use (not dropped) until put_entry. */
static dnnx_status get_entry(backend_kernel *kernel, op_ctx *ctx, int s, onednn_entry **out)
{
    int64_t signature[SIGNATURE_MAX];
    size_t len = shape_signature(ctx, signature);
    dnnx_status status = DNNX_OK;
    onednn_entry *entry = NULL;
    pthread_mutex_lock(&kernel->lock);
    onednn_entry **link = find_entry(kernel, signature, len);
    if (link) {
        entry = *link;
        *link = entry->next;
    } else if (!(status = build_entry(kernel, ctx, &kernel->session->slots[s], signature, len, &entry))) {
        kernel->n_entries++;
    }
    if (entry) {
        entry->next = kernel->entries;
        kernel->entries = entry;
        entry->users++;
    }
    if (!link) {
        evict_entries(kernel);
        settle_constants(kernel);
    }
    pthread_mutex_unlock(&kernel->lock);
    *out = entry;
    return status;
}

static void put_entry(backend_kernel *kernel, onednn_entry *entry)
{
    pthread_mutex_lock(&kernel->lock);
    entry->users--;
    if (evict_entries(kernel))
        settle_constants(kernel);
    pthread_mutex_unlock(&kernel->lock);
}

/* Runs the node's reference kernel on the bytes the kernel holds for the inputs it was handed
 * (present while the caller keeps a reference entry in use). */
static dnnx_status run_reference(backend_kernel *kernel, op_ctx *ctx)
{
    const dnnx_tensor *inputs[ONEDNN_MAX_INPUTS];
    const dnnx_tensor *const *given = ctx->inputs;
    for (int i = 0; i < ctx->n_inputs && i < ONEDNN_MAX_INPUTS; i++) {
        const onednn_held *h = held_input(kernel, i);
        inputs[i] = h ? &h->tensor : given[i];
    }
    ctx->inputs = inputs;
    dnnx_status status = ctx->node->schema->run(ctx);
    ctx->inputs = given;
    return status;
}

/* Below these a node runs on the calling thread alone: an OpenMP parallel region costs a few
 * microseconds to fork and join on idle cores and far more when other processes hold them
 * (libgomp splits the work statically, then waits for a descheduled thread), which is more
 * than such a node takes on one thread. Elements count what the node reads and writes;
 * matmul-like nodes are judged by multiply-adds. */
#define PARALLEL_MIN_ELEMENTS ((size_t)1 << 16)
#define PARALLEL_MIN_MACS ((size_t)1 << 20)

/* The threads a node gets at ctx's shapes. The count is a function of the shapes, so a cached
 * entry is always created and executed with the same one, as oneDNN requires (it fixes a
 * primitive's work split at creation, and keys its own cache on the count). */
static int node_threads(const backend_session *session, const op_ctx *ctx)
{
    if (session->threads <= 1)
        return 1;
    const char *op = ctx->node->op_type;
    const dnnx_tensor *weight = ctx->n_inputs > 1 ? ctx->inputs[1] : NULL;
    const dnnx_tensor *y = ctx->outputs[0];
    if (weight && y && y->rank >= 2 &&
        (!strcmp(op, "MatMul") || !strcmp(op, "FusedMatMul") || !strcmp(op, "Gemm") || !strcmp(op, "Conv"))) {
        /* Per output element, the weight's elements over the output channels: K for a matmul
         * (times B's batch, an overestimate), C/group x kernel size for a convolution. */
        int64_t channels = !strcmp(op, "Conv") ? y->dims[1] : y->dims[y->rank - 1];
        size_t per_output = channels > 0 ? tensor_count(weight) / (size_t)channels : 0;
        return (double)tensor_count(y) * (double)per_output >= (double)PARALLEL_MIN_MACS ? session->threads : 1;
    }
    size_t elements = 0;
    for (int i = 0; i < ctx->n_inputs; i++)
        if (ctx->inputs[i])
            elements += tensor_count(ctx->inputs[i]);
    for (int i = 0; i < ctx->n_outputs; i++)
        if (ctx->outputs[i])
            elements += tensor_count(ctx->outputs[i]);
    return elements >= PARALLEL_MIN_ELEMENTS ? session->threads : 1;
}

static dnnx_status run(backend_kernel *kernel, op_ctx *ctx)
{
    backend_session *session = kernel->session;
    /* oneDNN sizes its parallel work by the thread count both when it creates a primitive and
     * when it runs one; setting it on this thread only leaves other sessions alone. */
    int saved_threads = omp_get_max_threads();
    omp_set_num_threads(node_threads(session, ctx));
    int s = slot_acquire(session);
    onednn_entry *entry;
    dnnx_status status = get_entry(kernel, ctx, s, &entry);
    bool use_reference = !status && entry->use_reference;
    if (!status && !use_reference)
        status = execute(session, entry, s, ctx);
    slot_release(session, s);
    omp_set_num_threads(saved_threads);
    if (use_reference)
        status = run_reference(kernel, ctx);
    if (entry)
        put_entry(kernel, entry);
    return status;
}

/* Load-time shapes larger than this wait for the first run, where the executor's memory
 * limit judges them before any primitive is made for them. */
#define PREBUILD_MAX_BYTES ((size_t)1 << 36)

/* Whether every input and output of the load-time ctx has a known dtype and a concrete,
 * non-empty shape of a plausible size: the run-time shapes are then these. */
static bool static_shapes(const op_ctx *ctx)
{
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? ctx->n_outputs : ctx->n_inputs;
        for (int i = 0; i < n; i++) {
            const dnnx_tensor *t = pass ? ctx->outputs[i] : ctx->inputs[i];
            size_t bytes;
            if (!t)
                continue;
            if (t->rank < 0 || t->dtype == DNNX_DTYPE_UNDEFINED)
                return false;
            for (int d = 0; d < t->rank; d++)
                if (t->dims[d] <= 0)
                    return false;
            if (tensor_bytes_checked(t->dtype, t->rank, t->dims, &bytes) || bytes > PREBUILD_MAX_BYTES) {
                dnnx_error_clear();
                return false;
            }
        }
    }
    return true;
}

/* A kernel for the node; when its shapes are static, its primitives are created now rather
 * than on the first run. */
static dnnx_status compile(backend_session *session, const op_ctx *ctx, backend_kernel **out)
{
    backend_kernel *kernel = calloc(1, sizeof *kernel);
    if (!kernel)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory compiling node '%s'", ctx->node->name);
    if (pthread_mutex_init(&kernel->lock, NULL)) {
        free(kernel);
        return dnnx_fail(DNNX_ERR_INTERNAL, "cannot initialise a mutex compiling node '%s'", ctx->node->name);
    }
    kernel->session = session;
    kernel->op = find_op(ctx->node->domain, ctx->node->op_type);
    kernel->weight_inputs = find_weight_inputs(ctx->node->domain, ctx->node->op_type);
    for (int i = 0; i < ctx->n_inputs && i < ONEDNN_MAX_INPUTS; i++)
        if (op_input_has_data(ctx, i))
            kernel->constant_inputs |= 1u << i;
    if (static_shapes(ctx)) {
        op_ctx local = *ctx;
        local.status = DNNX_OK;
        int saved_threads = omp_get_max_threads();
        omp_set_num_threads(node_threads(session, &local));
        int s = slot_acquire(session);
        onednn_entry *entry;
        dnnx_status status = get_entry(kernel, &local, s, &entry);
        if (entry)
            put_entry(kernel, entry);
        slot_release(session, s);
        omp_set_num_threads(saved_threads);
        if (status) {
            kernel_free(kernel);
            return status;
        }
    }
    *out = kernel;
    return DNNX_OK;
}

int onednn_kernel_cached_entries(backend_kernel *kernel)
{
    if (!kernel)
        return 0;
    pthread_mutex_lock(&kernel->lock);
    int n = kernel->n_entries;
    pthread_mutex_unlock(&kernel->lock);
    return n;
}

bool onednn_kernel_holds_original(backend_kernel *kernel, int input)
{
    if (!kernel)
        return false;
    pthread_mutex_lock(&kernel->lock);
    const onednn_held *h = held_input(kernel, input);
    bool present = h && h->present;
    pthread_mutex_unlock(&kernel->lock);
    return present;
}

static bool takes_constant(const backend_kernel *kernel, int input)
{
    return kernel && input >= 0 && input < ONEDNN_MAX_INPUTS && (kernel->weight_inputs >> input & 1u) &&
           (kernel->constant_inputs >> input & 1u);
}

static void take_constant(backend_kernel *kernel, int input, dnnx_tensor *tensor, backend_advise_fn advise,
                          void *context)
{
    if (!takes_constant(kernel, input) || !tensor || !tensor->data || (!tensor->owns_data && !advise))
        return;
    pthread_mutex_lock(&kernel->lock);
    onednn_held *h = &kernel->held[input];
    if (!h->taken) {
        h->taken = h->present = true;
        h->borrowed = !tensor->owns_data;
        tensor_init_shape(&h->tensor, tensor->dtype, tensor->rank, tensor->dims);
        h->tensor.data = tensor->data;
        h->bytes = tensor_bytes(tensor);
        h->advise = advise;
        h->advise_context = context;
        if (tensor->owns_data) {
            tensor->data = NULL;
            tensor->owns_data = false;
        }
        settle_constants(kernel);
    }
    pthread_mutex_unlock(&kernel->lock);
}

static const backend onednn_backend = {
    BACKEND_ABI_VERSION, "onednn", session_create, session_free, supports, compile, run, kernel_free,
    takes_constant,      take_constant,
};

const backend *backend_onednn(void) { return &onednn_backend; }

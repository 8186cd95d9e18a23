/* The portable backend: binds every node to the reference kernel of its op. */
#include <stdlib.h>

#include "backends/backend.h"
#include "graph/error.h"

struct backend_kernel {
    op_run_fn run;
};

static dnnx_status ref_session_create(const backend_options *options, backend_session **out)
{
    (void)options;
    *out = NULL; /* the reference kernels keep no per-session state */
    return DNNX_OK;
}

static void ref_session_free(backend_session *session) { (void)session; }

static bool ref_supports(backend_session *session, const op_ctx *ctx, char *why, size_t why_size)
{
    (void)session;
    (void)why;
    (void)why_size;
    return ctx->node->schema && ctx->node->schema->run;
}

static dnnx_status ref_compile(backend_session *session, const op_ctx *ctx, backend_kernel **out)
{
    (void)session;
    backend_kernel *kernel = malloc(sizeof *kernel);
    if (!kernel)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory compiling node '%s'", ctx->node->name);
    kernel->run = ctx->node->schema->run;
    *out = kernel;
    return DNNX_OK;
}

static dnnx_status ref_run(backend_kernel *kernel, op_ctx *ctx) { return kernel->run(ctx); }

static void ref_kernel_free(backend_kernel *kernel) { free(kernel); }

static const backend ref_backend = {
    BACKEND_ABI_VERSION, "ref",   ref_session_create, ref_session_free, ref_supports,
    ref_compile,         ref_run, ref_kernel_free,    NULL,
    NULL,
};

const backend *backend_ref(void) { return &ref_backend; }

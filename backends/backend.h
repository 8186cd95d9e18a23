/* The interface between the session and a backend (how to run an op on a device). Every
 * live node is bound to exactly one backend's kernel at compile time. The vtable is
 * versioned and append-only: new slots go at the end and bump BACKEND_ABI_VERSION. */
#ifndef DNNX_BACKENDS_BACKEND_H
#define DNNX_BACKENDS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "graph/op.h"

#define BACKEND_ABI_VERSION 2

/* What a session asks of every backend it uses. */
typedef struct backend_options {
    int threads;      /* intra-op threads; >= 1 */
    bool fpmath_bf16; /* matmul-like ops may compute with bf16 operands, f32 accumulation */
} backend_options;

typedef struct backend_session backend_session; /* a backend's per-session state (engine, caches) */
typedef struct backend_kernel backend_kernel;   /* a backend's compiled form of one node */

/* Tells the owner of borrowed bytes (a read-only file mapping) that a kernel will not read
 * [data, data + bytes) for a while; they must stay readable. */
typedef void (*backend_advise_fn)(void *context, const void *data, size_t bytes);

typedef struct backend {
    int abi_version;
    const char *name;
    /* Per-session state; a backend without any may return NULL in *out. */
    dnnx_status (*session_create)(const backend_options *options, backend_session **out);
    void (*session_free)(backend_session *session);
    /* Whether this backend runs the node; ctx holds the node's load-time (possibly symbolic)
     * input and output infos. When it declines, why receives a short reason. */
    bool (*supports)(backend_session *session, const op_ctx *ctx, char *why, size_t why_size);
    /* Prepares a kernel for the node (once per session and node). Work that depends on
     * concrete shapes is done on the first run with each new shape signature and cached. */
    dnnx_status (*compile)(backend_session *session, const op_ctx *ctx, backend_kernel **out);
    /* Computes the node's outputs: buffers are allocated and shapes set (ctx->concrete).
     * May be called from several threads at once for the same kernel. */
    dnnx_status (*run)(backend_kernel *kernel, op_ctx *ctx);
    void (*kernel_free)(backend_kernel *kernel);
    /* ABI 2. Whether the kernel would own constant input `input` (a weight it keeps in a layout
     * of its own); NULL when it never does. The session then hands it over with take_constant
     * when no other node, subgraph or graph output reads it. A buffer the tensor owns moves to
     * the kernel (tensor->data becomes NULL); a borrowed one stays the tensor's, and the kernel
     * calls advise(context, data, bytes) where it would have freed it. From then on the
     * executor still passes the node this tensor, and the kernel reads only what it kept. */
    bool (*takes_constant)(const backend_kernel *kernel, int input);
    void (*take_constant)(backend_kernel *kernel, int input, dnnx_tensor *tensor, backend_advise_fn advise,
                          void *context);
} backend;

/* The portable backend: runs each op's reference kernel; supports every node. */
const backend *backend_ref(void);

#ifdef DNNX_WITH_ONEDNN
/* oneDNN primitives for the hot ops; declines what it does not cover. */
const backend *backend_onednn(void);
#endif

#endif

/* The interface between the session and a backend (how to run an op on a device). Every
 * live node is bound to exactly one backend's kernel at compile time. The vtable is
 * versioned and append-only: new slots go at the end and bump BACKEND_ABI_VERSION. */
#ifndef DNNX_BACKENDS_BACKEND_H
#define DNNX_BACKENDS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "graph/op.h"

#define BACKEND_ABI_VERSION 1

typedef struct backend_kernel backend_kernel; /* defined by each backend */

typedef struct backend {
    int abi_version;
    const char *name;
    /* Whether this backend runs the node; ctx holds the node's (possibly symbolic) input
     * and output infos. When it declines, why receives a short reason. */
    bool (*supports)(const op_ctx *ctx, char *why, size_t why_size);
    /* Prepares a kernel for the node (called once per session and node). */
    dnnx_status (*compile)(const op_ctx *ctx, backend_kernel **out);
    /* Computes the node's outputs: buffers are allocated and shapes set (ctx->concrete). */
    dnnx_status (*run)(backend_kernel *kernel, op_ctx *ctx);
    void (*kernel_free)(backend_kernel *kernel);
} backend;

/* The portable backend: runs each op's reference kernel; supports every node. */
const backend *backend_ref(void);

#endif

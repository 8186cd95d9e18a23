/* What the oneDNN backend shows the tests besides its vtable (backends/backend.h): counters
 * and the state of handed-over weights. Free of dnnl.h, so any module may include it. */
#ifndef DNNX_BACKENDS_ONEDNN_ONEDNN_H
#define DNNX_BACKENDS_ONEDNN_ONEDNN_H

#include <stdbool.h>
#include <stddef.h>

#include "backends/backend.h"

/* How many oneDNN primitives the session's kernels have created so far (compute primitives
 * and the one-time reorders of constant weights). A run at a shape signature seen before
 * creates none. */
size_t onednn_primitives_created(const backend_session *session);

/* The shape signatures a kernel keeps primitives for: a new one past these drops the least
 * recently used (a decoder run token by token sees a new signature at every step). */
#define ONEDNN_CACHED_SIGNATURES 8

/* How many shape signatures the kernel holds primitives for now. */
int onednn_kernel_cached_entries(backend_kernel *kernel);

/* Whether the kernel holds the original bytes of a constant input it was handed (it lets them
 * go while a reordered copy stands in for them). */
bool onednn_kernel_holds_original(backend_kernel *kernel, int input);

#endif

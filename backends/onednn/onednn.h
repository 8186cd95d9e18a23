/* What the oneDNN backend shows the rest of dnnx besides its vtable (backends/backend.h):
 * counters the tests read. Free of dnnl.h, so any module may include it. */
#ifndef DNNX_BACKENDS_ONEDNN_ONEDNN_H
#define DNNX_BACKENDS_ONEDNN_ONEDNN_H

#include <stddef.h>

#include "backends/backend.h"

/* How many oneDNN primitives the session's kernels have created so far (compute primitives
 * and the one-time reorders of constant weights). A run at a shape signature seen before
 * creates none. */
size_t onednn_primitives_created(const backend_session *session);

#endif

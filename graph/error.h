/* The error idiom of dnnx: fallible functions return dnnx_status; the message for the
 * calling thread is kept here and read through dnnx_last_error(). */
#ifndef DNNX_GRAPH_ERROR_H
#define DNNX_GRAPH_ERROR_H

#include "dnnx.h"

/* Sets the calling thread's message (printf format) and returns status, so callers can
 * write `return dnnx_fail(DNNX_ERR_INVALID_MODEL, "...", ...);`. */
dnnx_status dnnx_fail(dnnx_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to the calling thread's current message (adds context on the way up). */
void dnnx_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void dnnx_error_clear(void);

#endif

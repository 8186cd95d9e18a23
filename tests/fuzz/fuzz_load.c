/* libFuzzer harness: a serialized ModelProto -> session (load, sort, bind, infer, compile)
 * -> metadata and descriptions -> free. Any input must give a session or an error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnnx.h"

/* Written so the reads that feed it are not optimized away (ASan checks every one). */
static volatile size_t sink;

/* The length of a string that may be NULL. */
static size_t touch_string(const char *text) { return text ? strlen(text) : 0; }

/* Reads every piece of metadata the public API exposes for one input or output. */
static size_t touch_io(const dnnx_session *session, size_t index, int is_input)
{
    size_t total = 0;
    int rank = is_input ? dnnx_session_input_rank(session, index) : dnnx_session_output_rank(session, index);
    total +=
        touch_string(is_input ? dnnx_session_input_name(session, index) : dnnx_session_output_name(session, index));
    total += (size_t)(is_input ? dnnx_session_input_dtype(session, index) : dnnx_session_output_dtype(session, index));
    for (int axis = 0; axis < rank; axis++) {
        total += (size_t)(is_input ? dnnx_session_input_dim(session, index, axis)
                                   : dnnx_session_output_dim(session, index, axis));
        total += touch_string(is_input ? dnnx_session_input_dim_name(session, index, axis)
                                       : dnnx_session_output_dim_name(session, index, axis));
    }
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnnx_session *session = NULL;
    /* A zero-length model is a legitimate input; give a valid pointer for it. */
    static const uint8_t empty[1];
    if (dnnx_session_create_from_memory(size ? data : empty, size, NULL, &session) != DNNX_OK) {
        sink += touch_string(dnnx_last_error());
        return 0;
    }
    for (size_t i = 0; i < dnnx_session_input_count(session); i++)
        sink += touch_io(session, i, 1);
    for (size_t i = 0; i < dnnx_session_output_count(session); i++)
        sink += touch_io(session, i, 0);
    char *description = dnnx_session_describe(session);
    sink += touch_string(description);
    free(description);
    description = dnnx_session_describe_backends(session);
    sink += touch_string(description);
    free(description);
    sink += dnnx_session_arena_bytes(session);
    dnnx_session_free(session);
    return 0;
}

/* libFuzzer harness: load a model from the fuzz bytes, make inputs from its declared types
 * and shapes, run it, check and free the outputs. Any input must give outputs or an error.
 *
 * Input layout: [model][fill][fill_len: u16 LE][flags: u8][0xA5]. Without the trailing
 * 0xA5 the whole input is the model and the inputs are zero, so plain .onnx files are
 * valid seeds too. Inputs are filled from the fill bytes, repeated as needed.
 * flags: bit 0 optimization level 0 (else 1); bits 1-2 size of symbolic dims (2, 1, 3, 0);
 * bit 3 small finite values instead of raw bytes; bit 4 run twice; bit 5 omit the last input;
 * bit 6 fpmath "bf16". Runs are limited to MAX_RUN_MEMORY bytes of tensors, so a model that
 * asks for gigabytes fails quickly with DNNX_ERR_OUT_OF_MEMORY instead of timing out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnnx.h"

/* Written so the reads that feed it are not optimized away (ASan checks every one). */
static volatile size_t sink;

#define TRAILER_MAGIC 0xA5
#define TRAILER_BYTES 4
/* Caps that keep one execution short: inputs beyond them are skipped, not run. */
#define MAX_INPUTS 64
#define MAX_OUTPUTS 256
#define MAX_INPUT_ELEMENTS ((size_t)1 << 16)
#define MAX_RUN_MEMORY ((size_t)256 << 20)

enum {
    FLAG_NO_OPTIMIZATION = 1 << 0,
    FLAG_SMALL_VALUES = 1 << 3,
    FLAG_RUN_TWICE = 1 << 4,
    FLAG_OMIT_LAST = 1 << 5,
    FLAG_FPMATH_BF16 = 1 << 6,
};

typedef struct fuzz_case {
    const uint8_t *model;
    size_t model_size;
    const uint8_t *fill;
    size_t fill_size;
    uint8_t flags;
} fuzz_case;

static fuzz_case split_input(const uint8_t *data, size_t size)
{
    fuzz_case c = {data, size, NULL, 0, 0};
    if (size < TRAILER_BYTES || data[size - 1] != TRAILER_MAGIC)
        return c;
    size_t fill_size = (size_t)data[size - 4] | (size_t)data[size - 3] << 8;
    if (fill_size > size - TRAILER_BYTES)
        return c;
    c.flags = data[size - 2];
    c.model_size = size - TRAILER_BYTES - fill_size;
    c.fill = data + c.model_size;
    c.fill_size = fill_size;
    return c;
}

/* Cycles through the fill bytes; zero when there are none. */
typedef struct fill_stream {
    const uint8_t *bytes;
    size_t size, next;
} fill_stream;

static uint8_t fill_byte(fill_stream *stream)
{
    if (!stream->size)
        return 0;
    uint8_t b = stream->bytes[stream->next];
    stream->next = (stream->next + 1) % stream->size;
    return b;
}

/* A small finite value of the element type, from one fill byte. */
static void small_value(dnnx_dtype dtype, uint8_t b, uint8_t *out)
{
    int8_t k = (int8_t)b;
    switch (dtype) {
    case DNNX_DTYPE_FLOAT: {
        float f = (float)k / 8.0f;
        memcpy(out, &f, sizeof f);
        break;
    }
    case DNNX_DTYPE_DOUBLE: {
        double d = (double)k / 8.0;
        memcpy(out, &d, sizeof d);
        break;
    }
    case DNNX_DTYPE_FLOAT16: {
        /* Sign from the top bit, magnitude in [1/16, 1/8): always finite and normal. */
        uint16_t h = (uint16_t)(((b & 0x80u) << 8) | (0x2C00u + ((b & 0x7Fu) << 3)));
        memcpy(out, &h, sizeof h);
        break;
    }
    case DNNX_DTYPE_BFLOAT16: {
        float f = (float)k / 8.0f;
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        uint16_t h = (uint16_t)(bits >> 16);
        memcpy(out, &h, sizeof h);
        break;
    }
    case DNNX_DTYPE_BOOL: out[0] = b & 1; break;
    default: {
        /* Integers in -8..7: small enough to be valid indices, axes and counts. */
        int64_t v = k >> 4;
        size_t size = dnnx_dtype_size(dtype);
        for (size_t i = 0; i < size; i++)
            out[i] = (uint8_t)((uint64_t)v >> (8 * i));
        break;
    }
    }
}

static void fill_tensor(dnnx_tensor *tensor, fill_stream *stream, int small_values)
{
    dnnx_dtype dtype = dnnx_tensor_dtype(tensor);
    size_t count = dnnx_tensor_element_count(tensor), size = dnnx_dtype_size(dtype);
    uint8_t *data = dnnx_tensor_data(tensor);
    if (!stream->size)
        return;
    for (size_t e = 0; e < count; e++) {
        uint8_t *element = data + e * size;
        if (small_values) {
            small_value(dtype, fill_byte(stream), element);
            continue;
        }
        for (size_t i = 0; i < size; i++)
            element[i] = fill_byte(stream);
        if (dtype == DNNX_DTYPE_BOOL)
            element[0] = element[0] & 1;
    }
}

/* A tensor for graph input `index` with symbolic dims set to symbol_size, or NULL if the
 * input cannot be made within the element budget. */
static dnnx_tensor *make_input(const dnnx_session *session, size_t index, int64_t symbol_size, size_t *budget)
{
    dnnx_dtype dtype = dnnx_session_input_dtype(session, index);
    if (dtype == DNNX_DTYPE_UNDEFINED)
        dtype = DNNX_DTYPE_FLOAT;
    if (dnnx_dtype_size(dtype) == 0)
        return NULL;
    int rank = dnnx_session_input_rank(session, index);
    int64_t dims[DNNX_MAX_RANK];
    size_t count = 1;
    if (rank < 0) {
        rank = 1;
        dims[0] = symbol_size;
    } else if (rank > DNNX_MAX_RANK) {
        return NULL;
    }
    for (int axis = 0; axis < rank; axis++) {
        if (dnnx_session_input_rank(session, index) >= 0) {
            int64_t dim = dnnx_session_input_dim(session, index, axis);
            dims[axis] = dim < 0 ? symbol_size : dim;
        }
        if ((uint64_t)dims[axis] > MAX_INPUT_ELEMENTS)
            return NULL;
        count *= (size_t)dims[axis];
        if (count > *budget)
            return NULL;
    }
    dnnx_tensor *tensor = NULL;
    if (dnnx_tensor_create(dtype, rank, dims, &tensor) != DNNX_OK)
        return NULL;
    *budget -= count;
    return tensor;
}

/* Reads every byte of an output so a buffer shorter than its dims claim is caught by ASan. */
static void check_output(const dnnx_tensor *tensor)
{
    const uint8_t *data = dnnx_tensor_data_const(tensor);
    size_t bytes = dnnx_tensor_size_bytes(tensor);
    if (bytes != dnnx_tensor_element_count(tensor) * dnnx_dtype_size(dnnx_tensor_dtype(tensor)) || (bytes && !data))
        __builtin_trap();
    uint8_t fold = 0;
    for (size_t i = 0; i < bytes; i++)
        fold ^= data[i];
    sink = fold ^ (uint8_t)strlen(dnnx_tensor_name(tensor));
}

static void run_once(dnnx_session *session, const dnnx_tensor *const *inputs, size_t n_inputs, size_t n_outputs)
{
    dnnx_tensor **outputs = calloc(n_outputs + 1, sizeof *outputs);
    if (!outputs)
        return;
    if (dnnx_session_run(session, inputs, n_inputs, outputs, n_outputs) == DNNX_OK) {
        for (size_t j = 0; j < n_outputs; j++) {
            if (!outputs[j])
                __builtin_trap();
            check_output(outputs[j]);
            dnnx_tensor_free(outputs[j]);
        }
    } else {
        sink += strlen(dnnx_last_error());
    }
    free(outputs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t symbol_sizes[4] = {2, 1, 3, 0};
    static const uint8_t empty[1];
    fuzz_case c = split_input(data, size);
    dnnx_options *options = NULL;
    dnnx_session *session = NULL;
    if (dnnx_options_create(&options) != DNNX_OK)
        return 0;
    dnnx_options_set_threads(options, 1);
    dnnx_options_set_optimization_level(options, c.flags & FLAG_NO_OPTIMIZATION ? 0 : 1);
    dnnx_options_set_max_memory(options, MAX_RUN_MEMORY);
    dnnx_options_set_fpmath(options, c.flags & FLAG_FPMATH_BF16 ? "bf16" : "strict");
    dnnx_status status =
        dnnx_session_create_from_memory(c.model_size ? c.model : empty, c.model_size, options, &session);
    dnnx_options_free(options);
    if (status != DNNX_OK)
        return 0;

    size_t n_inputs = dnnx_session_input_count(session), n_outputs = dnnx_session_output_count(session);
    dnnx_tensor *inputs[MAX_INPUTS] = {0};
    size_t budget = MAX_INPUT_ELEMENTS, made = 0;
    int64_t symbol_size = symbol_sizes[(c.flags >> 1) & 3];
    fill_stream stream = {c.fill, c.fill_size, 0};
    if (n_inputs > MAX_INPUTS || n_outputs > MAX_OUTPUTS)
        goto free_session;
    for (; made < n_inputs; made++) {
        if (!(inputs[made] = make_input(session, made, symbol_size, &budget)))
            goto free_inputs;
        fill_tensor(inputs[made], &stream, c.flags & FLAG_SMALL_VALUES);
    }
    if (n_inputs && (c.flags & FLAG_OMIT_LAST)) {
        dnnx_tensor_free(inputs[n_inputs - 1]);
        inputs[n_inputs - 1] = NULL;
    }
    run_once(session, (const dnnx_tensor *const *)inputs, n_inputs, n_outputs);
    if (c.flags & FLAG_RUN_TWICE)
        run_once(session, (const dnnx_tensor *const *)inputs, n_inputs, n_outputs);

free_inputs:
    for (size_t i = 0; i < made && i < MAX_INPUTS; i++)
        dnnx_tensor_free(inputs[i]);
free_session:
    dnnx_session_free(session);
    return 0;
}

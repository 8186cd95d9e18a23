#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bcast_iter_init(bcast_iter *it, const dnnx_tensor *out, const dnnx_tensor *const *inputs, int n_inputs)
{
    memset(it, 0, sizeof *it);
    it->rank = out->rank;
    it->n_inputs = n_inputs;
    it->count = tensor_count(out);
    for (int d = 0; d < out->rank; d++)
        it->dims[d] = out->dims[d];
    for (int j = 0; j < n_inputs; j++) {
        const dnnx_tensor *in = inputs[j];
        int64_t stride = 1;
        /* Right-align the input's dims with the output's. */
        for (int d = out->rank - 1, k = in->rank - 1; d >= 0; d--, k--) {
            if (k >= 0 && in->dims[k] != 1) {
                it->strides[j][d] = stride;
                stride *= in->dims[k];
            } else {
                it->strides[j][d] = 0;
            }
        }
    }
}

void bcast_iter_next(bcast_iter *it)
{
    for (int d = it->rank - 1; d >= 0; d--) {
        it->index[d]++;
        for (int j = 0; j < it->n_inputs; j++)
            it->offset[j] += (size_t)it->strides[j][d];
        if (it->index[d] < it->dims[d])
            return;
        for (int j = 0; j < it->n_inputs; j++)
            it->offset[j] -= (size_t)(it->strides[j][d] * it->dims[d]);
        it->index[d] = 0;
    }
}

void ops_strides(const dnnx_tensor *tensor, int64_t *strides)
{
    int64_t stride = 1;
    for (int d = tensor->rank - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= tensor->dims[d];
    }
}

bool ops_dtype_is_float(dnnx_dtype dtype)
{
    return dtype == DNNX_DTYPE_FLOAT || dtype == DNNX_DTYPE_DOUBLE || dtype == DNNX_DTYPE_FLOAT16 ||
           dtype == DNNX_DTYPE_BFLOAT16;
}

bool ops_dtype_is_signed_int(dnnx_dtype dtype)
{
    return dtype == DNNX_DTYPE_INT8 || dtype == DNNX_DTYPE_INT16 || dtype == DNNX_DTYPE_INT32 ||
           dtype == DNNX_DTYPE_INT64;
}

bool ops_dtype_is_unsigned_int(dnnx_dtype dtype)
{
    return dtype == DNNX_DTYPE_UINT8 || dtype == DNNX_DTYPE_UINT16 || dtype == DNNX_DTYPE_UINT32 ||
           dtype == DNNX_DTYPE_UINT64 || dtype == DNNX_DTYPE_BOOL;
}

dnnx_status ops_read_int_list(op_ctx *ctx, int input, int64_t *values, size_t max, size_t *count)
{
    const dnnx_tensor *t = op_input(ctx, input);
    if (!t || !t->data)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "input %d has no data", input);
    if (t->dtype != DNNX_DTYPE_INT64 && t->dtype != DNNX_DTYPE_INT32)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d must be int32 or int64, not %s", input,
                       dnnx_dtype_name(t->dtype));
    if (t->rank > 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d must be 1-D, not rank %d", input, t->rank);
    size_t n = tensor_count(t);
    if (n > max)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d has %zu entries, more than %zu", input, n, max);
    for (size_t k = 0; k < n; k++)
        values[k] = tensor_get_i64(t, k);
    *count = n;
    return DNNX_OK;
}

dnnx_status ops_call_with_input1_at_axis(op_ctx *ctx, int axis, op_infer_fn fn)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1);
    if (!a || !b || ctx->n_inputs > 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "expects exactly two inputs");
    if (axis < 0 || axis + b->rank > a->rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 1 of rank %d does not fit at axis %d of rank %d", b->rank,
                       axis, a->rank);
    dnnx_tensor view = *b;
    view.owns_data = false;
    view.name = NULL;
    view.rank = a->rank;
    for (int d = 0; d < a->rank; d++)
        view.dims[d] = d >= axis && d < axis + b->rank ? b->dims[d - axis] : 1;
    const dnnx_tensor *inputs[2] = {a, &view};
    op_ctx aligned = *ctx;
    aligned.inputs = inputs;
    dnnx_status status = fn(&aligned);
    if (!ctx->status)
        ctx->status = aligned.status;
    return status;
}

dnnx_status ops_shape_status(const op_ctx *ctx)
{
    return ctx->concrete ? DNNX_ERR_INVALID_ARGUMENT : DNNX_ERR_INVALID_MODEL;
}

dnnx_status ops_shape_fail(op_ctx *ctx, const char *fmt, ...)
{
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return op_fail(ctx, ops_shape_status(ctx), "%s", message);
}

dnnx_status ops_check_dims_equal(op_ctx *ctx, int64_t a, int64_t b, const char *what)
{
    int64_t merged;
    return op_merge_dim(ctx, a, b, what, &merged);
}

size_t ops_dims_product(const int64_t *dims, int begin, int end)
{
    size_t product = 1;
    for (int d = begin; d < end; d++)
        product *= (size_t)dims[d];
    return product;
}

void ops_set_output_unknown_dims(op_ctx *ctx, int i, dnnx_dtype dtype, int rank)
{
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0; d < rank; d++)
        dims[d] = DIM_UNKNOWN;
    op_set_output(ctx, i, dtype, rank, dims);
}

void ops_format_shape(const op_ctx *ctx, const dnnx_tensor *t, char *buf, size_t size)
{
    if (ctx->graph)
        graph_format_shape(ctx->graph, t, buf, size);
    else
        tensor_format_shape(t, buf, size);
}

dnnx_status ops_element_size(op_ctx *ctx, const dnnx_tensor *t, size_t *size)
{
    *size = tensor_dtype_size(t->dtype);
    if (*size == 0)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "dtype %s is not supported", dnnx_dtype_name(t->dtype));
    return DNNX_OK;
}

/* Copies count elements of size bytes, step elements apart in src (negative walks backwards,
 * 0 repeats one element). */
static void copy_elements(char *dst, const char *src, int64_t count, int64_t step, size_t size)
{
    switch (size) {
    case 1:
        for (int64_t i = 0; i < count; i++)
            memcpy(dst + i, src + i * step, 1);
        break;
    case 2:
        for (int64_t i = 0; i < count; i++)
            memcpy(dst + i * 2, src + i * step * 2, 2);
        break;
    case 4:
        for (int64_t i = 0; i < count; i++)
            memcpy(dst + i * 4, src + i * step * 4, 4);
        break;
    case 8:
        for (int64_t i = 0; i < count; i++)
            memcpy(dst + i * 8, src + i * step * 8, 8);
        break;
    default:
        for (int64_t i = 0; i < count; i++)
            memcpy(dst + (size_t)i * size, src + i * step * (int64_t)size, size);
        break;
    }
}

/* Copies a rows x cols matrix whose source is stored transposed (row step 1, column step
 * col_step) in square tiles, so the strided reads of one tile reuse the same cache lines. */
static void copy_transposed(char *dst, const char *src, int64_t rows, int64_t cols, int64_t col_step, size_t size)
{
    enum { TILE = 32 };
    for (int64_t i0 = 0; i0 < rows; i0 += TILE) {
        int64_t i1 = i0 + TILE < rows ? i0 + TILE : rows;
        for (int64_t j0 = 0; j0 < cols; j0 += TILE) {
            int64_t width = j0 + TILE < cols ? TILE : cols - j0;
            for (int64_t i = i0; i < i1; i++)
                copy_elements(dst + (size_t)(i * cols + j0) * size, src + (i + j0 * col_step) * (int64_t)size, width,
                              col_step, size);
        }
    }
}

/* Dims that are contiguous in src are merged first, so a view whose inner dims are contiguous
 * moves as few long memcpy runs; a view whose last two dims are a transposed matrix is copied
 * in cache tiles. */
void ops_strided_copy(void *dst, const void *src, int rank, const int64_t *dims, const int64_t *strides, size_t size)
{
    int64_t d[DNNX_MAX_RANK], s[DNNX_MAX_RANK], index[DNNX_MAX_RANK] = {0};
    int n = 0;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 0)
            return;
        if (dims[i] == 1)
            continue;
        if (n > 0 && s[n - 1] == strides[i] * dims[i]) {
            d[n - 1] *= dims[i];
            s[n - 1] = strides[i];
        } else {
            d[n] = dims[i];
            s[n] = strides[i];
            n++;
        }
    }
    char *out = dst;
    const char *in = src;
    if (n == 0) {
        memcpy(out, in, size);
        return;
    }
    int64_t inner = d[n - 1], step = s[n - 1], offset = 0;
    bool transposed = n >= 2 && step != 1 && s[n - 2] == 1;
    int outer = transposed ? n - 2 : n - 1;
    size_t block_bytes = (size_t)inner * size * (transposed ? (size_t)d[n - 2] : 1);
    for (;;) {
        const char *block = in + offset * (int64_t)size;
        if (transposed)
            copy_transposed(out, block, d[n - 2], inner, step, size);
        else if (step == 1)
            memcpy(out, block, block_bytes);
        else
            copy_elements(out, block, inner, step, size);
        out += block_bytes;
        int k = outer - 1;
        for (; k >= 0; k--) {
            offset += s[k];
            if (++index[k] < d[k])
                break;
            offset -= s[k] * d[k];
            index[k] = 0;
        }
        if (k < 0)
            return;
    }
}

dnnx_status ops_check_kernel_dtype(op_ctx *ctx, int i, bool supported)
{
    const dnnx_tensor *t = op_input(ctx, i);
    if (supported)
        return DNNX_OK;
    if (t->dtype == DNNX_DTYPE_STRING)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "string tensors are not supported (input %d)", i);
    return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d has dtype %s, which %s does not accept", i,
                   dnnx_dtype_name(t->dtype), ctx->node->op_type);
}

void *ops_alloc_scratch(op_ctx *ctx, size_t count, size_t size)
{
    if (count > SIZE_MAX / size) {
        op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "scratch of %zu elements overflows", count);
        return NULL;
    }
    void *p = malloc(count ? count * size : 1);
    if (!p)
        op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of scratch", count * size);
    return p;
}

float *ops_half_to_float_copy(const dnnx_tensor *t)
{
    size_t count = tensor_count(t);
    if (count > SIZE_MAX / sizeof(float))
        return NULL;
    float *out = malloc((count ? count : 1) * sizeof *out);
    if (!out)
        return NULL;
    const uint16_t *in = t->data;
    for (size_t i = 0; i < count; i++)
        out[i] = t->dtype == DNNX_DTYPE_FLOAT16 ? tensor_half_to_float(in[i]) : tensor_bf16_to_float(in[i]);
    return out;
}

void ops_float_to_half_store(dnnx_tensor *t, const float *values)
{
    size_t count = tensor_count(t);
    uint16_t *out = t->data;
    for (size_t i = 0; i < count; i++)
        out[i] = t->dtype == DNNX_DTYPE_FLOAT16 ? tensor_float_to_half(values[i]) : tensor_float_to_bf16(values[i]);
}

void ops_load_f64(const dnnx_tensor *t, size_t start, size_t n, double *dst)
{
    const void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT:
        for (size_t i = 0; i < n; i++)
            dst[i] = ((const float *)d)[start + i];
        break;
    case DNNX_DTYPE_DOUBLE: memcpy(dst, (const double *)d + start, n * sizeof *dst); break;
    case DNNX_DTYPE_FLOAT16:
        for (size_t i = 0; i < n; i++)
            dst[i] = tensor_half_to_float(((const uint16_t *)d)[start + i]);
        break;
    case DNNX_DTYPE_BFLOAT16:
        for (size_t i = 0; i < n; i++)
            dst[i] = tensor_bf16_to_float(((const uint16_t *)d)[start + i]);
        break;
    default:
        for (size_t i = 0; i < n; i++)
            dst[i] = tensor_get_f64(t, start + i);
        break;
    }
}

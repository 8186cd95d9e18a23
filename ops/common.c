#include "common.h"

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

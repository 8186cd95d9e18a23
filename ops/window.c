#include "window.h"

#include <string.h>

#include "common.h"

dnnx_status window_read_ints(op_ctx *ctx, const char *name, int rank, int64_t def, int64_t min, int64_t *out)
{
    size_t count;
    const int64_t *values = op_attr_ints(ctx, name, &count);
    if (ctx->status)
        return ctx->status;
    if (!values) {
        for (int d = 0; d < rank; d++)
            out[d] = def;
        return DNNX_OK;
    }
    if (count != (size_t)rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' has %zu values, expected %d (one per spatial dim)",
                       name, count, rank);
    for (int d = 0; d < rank; d++) {
        if (values[d] < min)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' has %lld on spatial axis %d, must be >= %lld",
                           name, (long long)values[d], d, (long long)min);
        if (values[d] > WINDOW_ATTR_LIMIT)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' has %lld on spatial axis %d, more than %lld",
                           name, (long long)values[d], d, (long long)WINDOW_ATTR_LIMIT);
        out[d] = values[d];
    }
    return DNNX_OK;
}

dnnx_status window_read_pads(op_ctx *ctx, int rank, int64_t *begin, int64_t *end)
{
    size_t n_pads;
    const int64_t *pads = op_attr_ints(ctx, "pads", &n_pads);
    if (ctx->status)
        return ctx->status;
    if (pads && n_pads != 2 * (size_t)rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'pads' has %zu values, expected %d (2 per spatial dim)",
                       n_pads, 2 * rank);
    for (int d = 0; pads && d < 2 * rank; d++)
        if (pads[d] < 0 || pads[d] > WINDOW_ATTR_LIMIT)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'pads' has value %lld, outside 0..%lld",
                           (long long)pads[d], (long long)WINDOW_ATTR_LIMIT);
    for (int d = 0; d < rank; d++) {
        begin[d] = pads ? pads[d] : 0;
        end[d] = pads ? pads[rank + d] : 0;
    }
    return DNNX_OK;
}

dnnx_status window_read_auto_pad(op_ctx *ctx, window_auto_pad *mode)
{
    const char *s = op_attr_string(ctx, "auto_pad", "NOTSET");
    if (ctx->status)
        return ctx->status;
    if (!strcmp(s, "NOTSET"))
        *mode = WINDOW_PAD_NOTSET;
    else if (!strcmp(s, "SAME_UPPER"))
        *mode = WINDOW_PAD_SAME_UPPER;
    else if (!strcmp(s, "SAME_LOWER"))
        *mode = WINDOW_PAD_SAME_LOWER;
    else if (!strcmp(s, "VALID"))
        *mode = WINDOW_PAD_VALID;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", s);
    return DNNX_OK;
}

dnnx_status window_overflow(op_ctx *ctx, int axis)
{
    return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output size on spatial axis %d overflows", axis);
}

dnnx_status window_extent(op_ctx *ctx, int axis, int64_t kernel, int64_t dilation, int64_t *extent)
{
    if (__builtin_mul_overflow(kernel - 1, dilation, extent) || __builtin_add_overflow(*extent, 1, extent))
        return window_overflow(ctx, axis);
    return DNNX_OK;
}

dnnx_status window_out_size(op_ctx *ctx, int axis, int64_t in, int64_t extent, int64_t stride, window_auto_pad mode,
                            bool ceil_mode, int64_t *pad_begin, int64_t *pad_end, int64_t *out)
{
    int64_t n, total, padded;
    if (mode == WINDOW_PAD_SAME_UPPER || mode == WINDOW_PAD_SAME_LOWER) {
        n = in / stride + (in % stride != 0);
        if (__builtin_mul_overflow(n > 0 ? n - 1 : 0, stride, &total) ||
            __builtin_add_overflow(total, extent - in, &total))
            return window_overflow(ctx, axis);
        total = total > 0 ? total : 0;
        *pad_begin = mode == WINDOW_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *pad_end = total - *pad_begin;
        *out = n;
        return DNNX_OK;
    }
    if (__builtin_add_overflow(in, *pad_begin, &padded) || __builtin_add_overflow(padded, *pad_end, &padded))
        return window_overflow(ctx, axis);
    if (padded < extent)
        return op_fail(ctx, ops_shape_status(ctx),
                       "kernel extent %lld is larger than the padded input size %lld on spatial axis %d",
                       (long long)extent, (long long)padded, axis);
    n = (padded - extent) / stride + 1;
    if (ceil_mode && (padded - extent) % stride != 0) {
        n++;
        /* As PyTorch and ONNX Runtime do: no window may start in the end padding. */
        if ((n - 1) * stride >= in + *pad_begin)
            n--;
    }
    *out = n;
    return DNNX_OK;
}

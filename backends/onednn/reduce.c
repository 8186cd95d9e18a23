/* Float ReduceSum, ReduceMean and ReduceMax over constant axes as oneDNN reduction: the output
 * buffer is the input's shape with 1 on each reduced axis, whether or not keepdims drops them.
 * Axes come from the attribute, or from a constant input from opset 13 (ReduceSum) or 18
 * (the others); an empty list reduces everything unless noop_with_empty_axes, which is left
 * to the reference. */
#include <string.h>

#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

#define MAX_AXES DNNX_MAX_RANK

static dnnl_alg_kind_t alg_of(const op_ctx *ctx)
{
    const char *op_type = ctx->node->op_type;
    return !strcmp(op_type, "ReduceSum")    ? dnnl_reduction_sum
           : !strcmp(op_type, "ReduceMean") ? dnnl_reduction_mean
                                            : dnnl_reduction_max;
}

/* The reduced axes of x as a mask; false if they are not known (a non-constant axes input),
 * invalid, or none (noop_with_empty_axes). */
static bool reduced_axes(op_ctx *ctx, int rank, bool *mask)
{
    bool from_input = op_version(ctx) >= (alg_of(ctx) == dnnl_reduction_sum ? 13 : 18);
    int64_t list[MAX_AXES];
    size_t count = 0;
    memset(mask, 0, DNNX_MAX_RANK * sizeof *mask);
    if (!from_input) {
        const int64_t *attr = op_attr_ints(ctx, "axes", &count);
        if (ctx->status || count > MAX_AXES)
            return false;
        if (count)
            memcpy(list, attr, count * sizeof *list);
    } else {
        const dnnx_tensor *axes = op_input(ctx, 1);
        bool noop = op_attr_int(ctx, "noop_with_empty_axes", 0) != 0;
        if (ctx->status)
            return false;
        if (axes) {
            if (!axes->data || axes->dtype != DNNX_DTYPE_INT64 || axes->rank > 1)
                return false;
            count = tensor_count(axes);
            if (count > MAX_AXES)
                return false;
            if (count)
                memcpy(list, axes->data, count * sizeof *list);
        }
        if (count == 0 && noop)
            return false;
    }
    for (size_t k = 0; k < count; k++) {
        int64_t axis = list[k] < 0 ? list[k] + rank : list[k];
        if (axis < 0 || axis >= rank)
            return false;
        mask[axis] = true;
    }
    for (int d = 0; d < rank && count == 0; d++)
        mask[d] = true;
    return true;
}

static bool reduce_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    bool mask[DNNX_MAX_RANK];
    if (!onednn_maybe_float(x->dtype))
        return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(x->dtype));
    if (x->rank == 0)
        return onednn_decline(why, why_size, "a scalar input");
    /* With an unknown rank, axes are checked against a rank that fits any of them. */
    if (!reduced_axes(ctx, x->rank > 0 ? x->rank : DNNX_MAX_RANK, mask))
        return onednn_decline(why, why_size, "axes not constant, invalid, or empty with noop_with_empty_axes");
    return true;
}

static dnnx_status reduce_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    const dnnx_tensor *x = op_input(ctx, 0);
    bool mask[DNNX_MAX_RANK];
    if (!onednn_require_float(b, 1) || x->rank == 0 || !reduced_axes(ctx, x->rank, mask)) {
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    int64_t out_dims[DNNX_MAX_RANK];
    bool reduces = false;
    for (int d = 0; d < x->rank; d++) {
        out_dims[d] = mask[d] ? 1 : x->dims[d];
        reduces |= mask[d] && x->dims[d] != 1;
    }
    if (!reduces) { /* oneDNN rejects a reduction that reduces nothing: it is a copy */
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    dnnl_memory_desc_t src_md, dst_md;
    dnnl_reduction_desc_t desc;
    dnnl_status_t status;
    if ((status = onednn_md_plain(&src_md, x->rank, x->dims, dnnl_f32)) ||
        (status = onednn_md_plain(&dst_md, x->rank, out_dims, dnnl_f32)) ||
        (status = dnnl_reduction_desc_init(&desc, alg_of(ctx), &src_md, &dst_md, 0.0f, 0.0f)))
        return onednn_status(ctx, status, "describing a reduction");
    onednn_step *step;
    dnnx_status result = onednn_add_step(b, &desc, NULL, &step, NULL);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_SRC, 0, &src_md);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &dst_md);
    return DNNX_OK;
}

const onednn_op onednn_reduce_ops[] = {
    {"", "ReduceSum", reduce_supports, reduce_build},
    {"", "ReduceMean", reduce_supports, reduce_build},
    {"", "ReduceMax", reduce_supports, reduce_build},
};
ONEDNN_OP_COUNT(reduce);

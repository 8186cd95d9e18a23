/* Softmax and LogSoftmax as oneDNN softmax_v2. Before opset 13 the input is coerced to 2-D
 * at axis and the op runs over the flattened trailing block: the buffer is then viewed as
 * [rows, block] with the softmax along axis 1; from 13 it runs along the single axis. */
#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

static bool softmax_axis(op_ctx *ctx, int rank, int *axis)
{
    bool coerce = op_version(ctx) < 13;
    int64_t value = op_attr_int(ctx, "axis", coerce ? 1 : -1);
    if (value < 0)
        value += rank;
    *axis = (int)value;
    return !ctx->status && value >= 0 && (coerce ? value <= rank : value < rank);
}

static bool softmax_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    int axis;
    if (!onednn_maybe_float(x->dtype))
        return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(x->dtype));
    if (x->rank == 0)
        return onednn_decline(why, why_size, "a scalar input");
    if (x->rank > 0 && !softmax_axis(ctx, x->rank, &axis))
        return onednn_decline(why, why_size, "invalid axis");
    return true;
}

static dnnx_status build(onednn_build *b, dnnl_alg_kind_t alg)
{
    op_ctx *ctx = b->ctx;
    const dnnx_tensor *x = op_input(ctx, 0);
    int axis;
    if (!onednn_require_float(b, 1))
        return DNNX_OK;
    if (!softmax_axis(ctx, x->rank, &axis))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "invalid axis");
    int64_t dims[DNNX_MAX_RANK];
    int rank = x->rank;
    for (int d = 0; d < rank; d++)
        dims[d] = x->dims[d];
    if (op_version(ctx) < 13) {
        int64_t rows = 1, block = 1;
        for (int d = 0; d < rank; d++)
            *(d < axis ? &rows : &block) *= x->dims[d];
        dims[0] = rows;
        dims[1] = block;
        rank = 2;
        axis = 1;
    }
    dnnl_memory_desc_t md;
    dnnl_softmax_v2_desc_t desc;
    dnnl_status_t status;
    if ((status = onednn_md_plain(&md, rank, dims, dnnl_f32)) ||
        (status = dnnl_softmax_v2_forward_desc_init(&desc, dnnl_forward_inference, alg, &md, &md, axis)))
        return onednn_status(ctx, status, "describing a softmax");
    onednn_step *step;
    dnnx_status result = onednn_add_step(b, &desc, NULL, &step, NULL);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_SRC, 0, &md);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &md);
    return DNNX_OK;
}

static dnnx_status softmax_build(onednn_build *b) { return build(b, dnnl_softmax_accurate); }
static dnnx_status log_softmax_build(onednn_build *b) { return build(b, dnnl_softmax_log); }

const onednn_op onednn_softmax_ops[] = {
    {"", "Softmax", softmax_supports, softmax_build},
    {"", "LogSoftmax", softmax_supports, log_softmax_build},
};
ONEDNN_OP_COUNT(softmax);

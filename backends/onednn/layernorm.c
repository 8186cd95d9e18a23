/* LayerNormalization (17) as oneDNN layer normalization: the input is viewed as
 * [rows, block] where block is the product of the normalized trailing axes, scale and bias
 * as [block] vectors. Scale or bias that broadcast within the block, and the optional Mean and
 * InvStdDev outputs, are left to the reference. */
#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

static bool norm_axis(op_ctx *ctx, int rank, int *axis)
{
    int64_t value = op_attr_int(ctx, "axis", -1);
    if (value < 0)
        value += rank;
    *axis = (int)value;
    return !ctx->status && value >= 0 && value < rank;
}

/* Whether param, right-aligned against x's dims from axis on, holds exactly one value per
 * element of that block (no broadcasting within it); symbolic dims pass until run time. */
static bool fills_block(const dnnx_tensor *param, const dnnx_tensor *x, int axis)
{
    int block_rank = x->rank - axis;
    for (int i = 1; i <= param->rank || i <= block_rank; i++) {
        int64_t p = i <= param->rank ? param->dims[param->rank - i] : 1;
        int64_t t = i <= block_rank ? x->dims[x->rank - i] : 1;
        if (p >= 0 && t >= 0 && p != t)
            return false;
    }
    return true;
}

static bool layernorm_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *bias = op_input(ctx, 2);
    int axis;
    for (int i = 0; i < 3; i++)
        if (op_input(ctx, i) && !onednn_maybe_float(op_input(ctx, i)->dtype))
            return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(op_input(ctx, i)->dtype));
    if (op_output(ctx, 1) || op_output(ctx, 2))
        return onednn_decline(why, why_size, "Mean or InvStdDev output");
    if (x->rank < 0 || scale->rank < 0 || (bias && bias->rank < 0))
        return true; /* checked once the shapes are known */
    if (x->rank < 1 || !norm_axis(ctx, x->rank, &axis))
        return onednn_decline(why, why_size, "invalid axis");
    if (!fills_block(scale, x, axis) || (bias && !fills_block(bias, x, axis)))
        return onednn_decline(why, why_size, "scale or bias broadcast within the normalized axes");
    return true;
}

static dnnx_status layernorm_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *bias = op_input(ctx, 2);
    float epsilon = op_attr_float(ctx, "epsilon", 1e-5f);
    int axis;
    if (!onednn_require_float(b, 3))
        return DNNX_OK;
    if (!norm_axis(ctx, x->rank, &axis))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "invalid axis");
    int64_t dims[2] = {1, 1};
    for (int d = 0; d < x->rank; d++)
        dims[d >= axis] *= x->dims[d];
    if (!fills_block(scale, x, axis) || (bias && !fills_block(bias, x, axis))) {
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    dnnl_memory_desc_t data_md, param_md;
    dnnl_layer_normalization_desc_t desc;
    unsigned flags = dnnl_use_scale | (bias ? dnnl_use_shift : 0u);
    dnnl_status_t status;
    if ((status = onednn_md_plain(&data_md, 2, dims, dnnl_f32)) ||
        (status = onednn_md_plain(&param_md, 1, &dims[1], dnnl_f32)) ||
        (status =
             dnnl_layer_normalization_forward_desc_init(&desc, dnnl_forward_inference, &data_md, NULL, epsilon, flags)))
        return onednn_status(ctx, status, "describing a layer normalization");
    onednn_step *step;
    dnnx_status result = onednn_add_step(b, &desc, NULL, &step, NULL);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_SRC, 0, &data_md);
    onednn_arg_input(step, DNNL_ARG_SCALE, 1, &param_md);
    if (bias)
        onednn_arg_input(step, DNNL_ARG_SHIFT, 2, &param_md);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &data_md);
    return DNNX_OK;
}

const onednn_op onednn_layernorm_ops[] = {
    {"", "LayerNormalization", layernorm_supports, layernorm_build},
};
ONEDNN_OP_COUNT(layernorm);

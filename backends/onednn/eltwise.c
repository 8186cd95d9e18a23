/* Unary float ops as oneDNN eltwise over the flattened tensor: Relu, Tanh, Sigmoid, Exp, Log,
 * Sqrt, Abs, Clip (bounds from attributes, or constant inputs from opset 11) and Gelu (20,
 * erf or tanh; also dnnx.Gelu, which fuse_gelu makes). */
#include <math.h>
#include <string.h>

#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

typedef struct eltwise_kind {
    const char *op_type;
    dnnl_alg_kind_t alg;
} eltwise_kind;

static const eltwise_kind kinds[] = {
    {"Relu", dnnl_eltwise_relu}, {"Tanh", dnnl_eltwise_tanh}, {"Sigmoid", dnnl_eltwise_logistic},
    {"Exp", dnnl_eltwise_exp},   {"Log", dnnl_eltwise_log},   {"Sqrt", dnnl_eltwise_sqrt},
    {"Abs", dnnl_eltwise_abs},
};

/* Clip's bounds: attributes before opset 11, else constant scalar inputs; absent = infinite. */
static bool clip_bounds(op_ctx *ctx, float *lo, float *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    if (op_version(ctx) < 11) {
        *lo = op_attr_float(ctx, "min", -INFINITY);
        *hi = op_attr_float(ctx, "max", INFINITY);
        return !ctx->status;
    }
    for (int i = 1; i <= 2; i++) {
        const dnnx_tensor *bound = op_input(ctx, i);
        if (!bound)
            continue;
        if (!bound->data || bound->dtype != DNNX_DTYPE_FLOAT || tensor_count(bound) != 1)
            return false;
        *(i == 1 ? lo : hi) = *(const float *)bound->data;
    }
    return true;
}

/* The oneDNN algorithm and parameters of the node, or false if it has none. */
static bool eltwise_params(op_ctx *ctx, dnnl_alg_kind_t *alg, float *alpha, float *beta)
{
    const char *op_type = ctx->node->op_type;
    *alpha = *beta = 0.0f;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(op_type, kinds[k].op_type)) {
            *alg = kinds[k].alg;
            return true;
        }
    if (!strcmp(op_type, "Gelu")) {
        const char *approximate = op_attr_string(ctx, "approximate", "none");
        *alg = !strcmp(approximate, "tanh") ? dnnl_eltwise_gelu_tanh : dnnl_eltwise_gelu_erf;
        return !ctx->status && (!strcmp(approximate, "tanh") || !strcmp(approximate, "none"));
    }
    if (!strcmp(op_type, "Clip")) {
        *alg = dnnl_eltwise_clip;
        /* numpy.clip gives max everywhere when min > max; oneDNN's clip does not. */
        return clip_bounds(ctx, alpha, beta) && *alpha <= *beta;
    }
    return false;
}

static bool eltwise_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnl_alg_kind_t alg;
    float alpha, beta;
    if (!onednn_maybe_float(x->dtype))
        return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(x->dtype));
    if (!eltwise_params(ctx, &alg, &alpha, &beta))
        return onednn_decline(why, why_size, "attributes or bounds (non-constant, or min > max)");
    return true;
}

static dnnx_status eltwise_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    dnnl_alg_kind_t alg;
    float alpha, beta;
    if (!onednn_require_float(b, 1))
        return DNNX_OK;
    if (!eltwise_params(ctx, &alg, &alpha, &beta))
        return op_fail(ctx, DNNX_ERR_INTERNAL, "attributes changed after compile");
    int64_t count = (int64_t)tensor_count(op_input(ctx, 0));
    dnnl_memory_desc_t md;
    dnnl_eltwise_desc_t desc;
    dnnl_status_t status;
    if ((status = onednn_md_plain(&md, 1, &count, dnnl_f32)) ||
        (status = dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, alg, &md, alpha, beta)))
        return onednn_status(ctx, status, "describing an eltwise op");
    onednn_step *step;
    dnnx_status result = onednn_add_step(b, &desc, NULL, &step, NULL);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_SRC, 0, &md);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &md);
    return DNNX_OK;
}

const onednn_op onednn_eltwise_ops[] = {
    {"", "Relu", eltwise_supports, eltwise_build},    {"", "Tanh", eltwise_supports, eltwise_build},
    {"", "Sigmoid", eltwise_supports, eltwise_build}, {"", "Exp", eltwise_supports, eltwise_build},
    {"", "Log", eltwise_supports, eltwise_build},     {"", "Sqrt", eltwise_supports, eltwise_build},
    {"", "Abs", eltwise_supports, eltwise_build},     {"", "Clip", eltwise_supports, eltwise_build},
    {"", "Gelu", eltwise_supports, eltwise_build},    {"dnnx", "Gelu", eltwise_supports, eltwise_build},
};
ONEDNN_OP_COUNT(eltwise);

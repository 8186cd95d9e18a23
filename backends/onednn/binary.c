/* Float Add, Sub, Mul, Div, Max and Min (two inputs, numpy broadcasting) as oneDNN binary, and
 * Pow with a constant scalar exponent as eltwise pow. oneDNN broadcasts only its second source,
 * so when the first input is the broadcast one the operands swap (Sub then negates the result
 * with a post-op); when both broadcast, or Div's numerator does, the reference runs. Opset 6
 * Add/Sub/Mul/Div (broadcast and axis attributes) are left to the reference. */
#include <string.h>

#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

typedef struct binary_kind {
    const char *op_type;
    dnnl_alg_kind_t alg;
    bool commutes;
    int first_broadcast_version; /* the opset from which the op broadcasts numpy-style */
} binary_kind;

static const binary_kind kinds[] = {
    {"Add", dnnl_binary_add, true, 7},  {"Sub", dnnl_binary_sub, false, 7}, {"Mul", dnnl_binary_mul, true, 7},
    {"Div", dnnl_binary_div, false, 7}, {"Max", dnnl_binary_max, true, 6},  {"Min", dnnl_binary_min, true, 6},
};

static const binary_kind *kind_of(const op_ctx *ctx)
{
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(ctx->node->op_type, kinds[k].op_type))
            return &kinds[k];
    return NULL;
}

static bool binary_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const binary_kind *kind = kind_of(ctx);
    if (ctx->n_inputs != 2 || !op_input(ctx, 0) || !op_input(ctx, 1))
        return onednn_decline(why, why_size, "%d inputs (2 supported)", ctx->n_inputs);
    if (op_version(ctx) < kind->first_broadcast_version)
        return onednn_decline(why, why_size, "legacy broadcasting of opset %d", op_version(ctx));
    for (int i = 0; i < 2; i++)
        if (!onednn_maybe_float(op_input(ctx, i)->dtype))
            return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(op_input(ctx, i)->dtype));
    return true;
}

/* dims right-aligned into rank dims (leading 1s); rank 0 becomes [1]. */
static int aligned_dims(const dnnx_tensor *t, int rank, int64_t *out)
{
    int nd = rank > 0 ? rank : 1;
    for (int d = 0; d < nd; d++)
        out[d] = d < nd - t->rank ? 1 : t->dims[d - (nd - t->rank)];
    return nd;
}

static bool same_dims(int nd, const int64_t *a, const int64_t *b)
{
    for (int d = 0; d < nd; d++)
        if (a[d] != b[d])
            return false;
    return true;
}

static dnnx_status binary_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    const binary_kind *kind = kind_of(ctx);
    const dnnx_tensor *y = op_output(ctx, 0);
    if (!onednn_require_float(b, 2))
        return DNNX_OK;
    int64_t dims[2][DNNX_MAX_RANK], out_dims[DNNX_MAX_RANK];
    int nd = aligned_dims(y, y->rank, out_dims);
    aligned_dims(op_input(ctx, 0), y->rank, dims[0]);
    aligned_dims(op_input(ctx, 1), y->rank, dims[1]);
    int first = 0;
    bool negate = false;
    if (!same_dims(nd, dims[0], out_dims)) {
        if (!same_dims(nd, dims[1], out_dims) || !strcmp(kind->op_type, "Div")) {
            b->entry->use_reference = true;
            return DNNX_OK;
        }
        first = 1;
        negate = !kind->commutes; /* a - b = -(b - a), exactly */
    }
    dnnl_memory_desc_t md[2], dst_md;
    dnnl_binary_desc_t desc;
    dnnl_status_t status;
    if ((status = onednn_md_plain(&md[0], nd, dims[first], dnnl_f32)) ||
        (status = onednn_md_plain(&md[1], nd, dims[1 - first], dnnl_f32)) ||
        (status = onednn_md_plain(&dst_md, nd, out_dims, dnnl_f32)) ||
        (status = dnnl_binary_desc_init(&desc, kind->alg, &md[0], &md[1], &dst_md)))
        return onednn_status(ctx, status, "describing a binary op");
    dnnl_primitive_attr_t attr;
    dnnx_status result = onednn_attr_create(b, &attr);
    if (result)
        return result;
    if (negate) {
        dnnl_post_ops_t ops;
        if (!(status = dnnl_post_ops_create(&ops))) {
            if (!(status = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_linear, -1.0f, 0.0f)))
                status = dnnl_primitive_attr_set_post_ops(attr, ops);
            dnnl_post_ops_destroy(ops);
        }
    }
    onednn_step *step = NULL;
    result = status ? onednn_status(ctx, status, "setting post-ops") : onednn_add_step(b, &desc, attr, &step, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_SRC_0, first, &md[0]);
    onednn_arg_input(step, DNNL_ARG_SRC_1, 1 - first, &md[1]);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &dst_md);
    return DNNX_OK;
}

static bool pow_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *x = op_input(ctx, 0), *e = op_input(ctx, 1);
    if (!onednn_maybe_float(x->dtype))
        return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(x->dtype));
    if (op_version(ctx) < 7)
        return onednn_decline(why, why_size, "legacy broadcasting of opset %d", op_version(ctx));
    if (!e->data || tensor_count(e) != 1)
        return onednn_decline(why, why_size, "exponent is not a constant scalar");
    if (e->dtype != DNNX_DTYPE_FLOAT && e->dtype != DNNX_DTYPE_DOUBLE && e->dtype != DNNX_DTYPE_INT32 &&
        e->dtype != DNNX_DTYPE_INT64)
        return onednn_decline(why, why_size, "exponent dtype %s", dnnx_dtype_name(e->dtype));
    return true;
}

static dnnx_status pow_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    if (!onednn_require_float(b, 1))
        return DNNX_OK;
    int64_t count = (int64_t)tensor_count(op_input(ctx, 0));
    float exponent = (float)tensor_get_f64(op_input(ctx, 1), 0);
    dnnl_memory_desc_t md;
    dnnl_eltwise_desc_t desc;
    dnnl_status_t status;
    if ((status = onednn_md_plain(&md, 1, &count, dnnl_f32)) ||
        (status = dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, dnnl_eltwise_pow, &md, 1.0f, exponent)))
        return onednn_status(ctx, status, "describing a power");
    onednn_step *step;
    dnnx_status result = onednn_add_step(b, &desc, NULL, &step, NULL);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_SRC, 0, &md);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &md);
    return DNNX_OK;
}

const onednn_op onednn_binary_ops[] = {
    {"", "Add", binary_supports, binary_build}, {"", "Sub", binary_supports, binary_build},
    {"", "Mul", binary_supports, binary_build}, {"", "Div", binary_supports, binary_build},
    {"", "Max", binary_supports, binary_build}, {"", "Min", binary_supports, binary_build},
    {"", "Pow", pow_supports, pow_build},
};
ONEDNN_OP_COUNT(binary);

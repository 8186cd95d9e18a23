/* Float Conv over 1-D and 2-D spatial dims as one oneDNN convolution: groups, strides,
 * dilations, explicit pads or auto_pad resolved from the concrete shapes (as the reference
 * does), optional bias. Activations stay plain ([N, C, spatial...]); constant weights are
 * reordered once into the layout the primitive prefers. */
#include <string.h>

#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

#define CONV_MAX_SPATIAL 2

static bool conv_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *x = op_input(ctx, 0), *w = op_input(ctx, 1);
    for (int i = 0; i < 3; i++)
        if (op_input(ctx, i) && !onednn_maybe_float(op_input(ctx, i)->dtype))
            return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(op_input(ctx, i)->dtype));
    if ((x->rank >= 0 && (x->rank < 3 || x->rank > 2 + CONV_MAX_SPATIAL)) ||
        (w->rank >= 0 && x->rank >= 0 && w->rank != x->rank))
        return onednn_decline(why, why_size, "rank %d (1-D and 2-D convolutions supported)", x->rank);
    const char *auto_pad = op_attr_string(ctx, "auto_pad", "NOTSET");
    if (strcmp(auto_pad, "NOTSET") && strcmp(auto_pad, "SAME_UPPER") && strcmp(auto_pad, "SAME_LOWER") &&
        strcmp(auto_pad, "VALID"))
        return onednn_decline(why, why_size, "auto_pad '%s'", auto_pad);
    return true;
}

/* An ints attribute with one value per spatial dim, or def for each when absent. */
static void spatial_ints(op_ctx *ctx, const char *name, int rank, int64_t def, int64_t *out)
{
    size_t count;
    const int64_t *values = op_attr_ints(ctx, name, &count);
    for (int d = 0; d < rank; d++)
        out[d] = values && count == (size_t)rank ? values[d] : def;
}

static dnnx_status conv_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    const dnnx_tensor *x = op_input(ctx, 0), *w = op_input(ctx, 1), *bias = op_input(ctx, 2);
    const dnnx_tensor *y = op_output(ctx, 0);
    int rank = x->rank - 2;
    if (!onednn_require_float(b, 3))
        return DNNX_OK;
    if (rank < 1 || rank > CONV_MAX_SPATIAL) {
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    int64_t group = op_attr_int(ctx, "group", 1);
    int64_t stride[CONV_MAX_SPATIAL], dilation[CONV_MAX_SPATIAL], pads[2 * CONV_MAX_SPATIAL];
    spatial_ints(ctx, "strides", rank, 1, stride);
    spatial_ints(ctx, "dilations", rank, 1, dilation);
    size_t n_pads;
    const int64_t *pad_attr = op_attr_ints(ctx, "pads", &n_pads);
    const char *auto_pad = op_attr_string(ctx, "auto_pad", "NOTSET");
    if (ctx->status)
        return ctx->status;
    dnnl_dims_t strides, dilates, pad_l, pad_r;
    for (int d = 0; d < rank; d++) {
        int64_t in = x->dims[2 + d], out = y->dims[2 + d], extent = (w->dims[2 + d] - 1) * dilation[d] + 1;
        if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
            int64_t total = (out - 1) * stride[d] + extent - in;
            total = total > 0 ? total : 0;
            pads[d] = !strcmp(auto_pad, "SAME_UPPER") ? total / 2 : total - total / 2;
            pads[rank + d] = total - pads[d];
        } else if (!strcmp(auto_pad, "VALID") || !pad_attr || n_pads != 2 * (size_t)rank) {
            pads[d] = pads[rank + d] = 0;
        } else {
            pads[d] = pad_attr[d];
            pads[rank + d] = pad_attr[rank + d];
        }
        strides[d] = stride[d];
        dilates[d] = dilation[d] - 1;
        pad_l[d] = pads[d];
        pad_r[d] = pads[rank + d];
    }

    int64_t w_dims[DNNX_MAX_RANK];
    int w_rank = w->rank;
    memcpy(w_dims, w->dims, (size_t)w->rank * sizeof *w_dims);
    if (group > 1) { /* [M, C/g, k...] is [g, M/g, C/g, k...] in the same memory */
        w_dims[0] = group;
        w_dims[1] = w->dims[0] / group;
        memcpy(&w_dims[2], &w->dims[1], (size_t)(w->rank - 1) * sizeof *w_dims);
        w_rank++;
    }
    bool constant_weights = onednn_input_is_constant(b, 1);
    dnnl_memory_desc_t src_md, wei_user, wei_md, bias_md, dst_md;
    dnnl_status_t status;
    if ((status = onednn_md_plain(&src_md, x->rank, x->dims, dnnl_f32)) ||
        (status = onednn_md_plain(&wei_user, w_rank, w_dims, dnnl_f32)) ||
        (status = onednn_md_plain(&dst_md, y->rank, y->dims, dnnl_f32)) ||
        (bias && (status = onednn_md_plain(&bias_md, 1, bias->dims, dnnl_f32))))
        return onednn_status(ctx, status, "describing convolution operands");
    wei_md = wei_user;
    if (constant_weights) {
        dnnl_dims_t dims;
        memcpy(dims, w_dims, (size_t)w_rank * sizeof dims[0]);
        if ((status = dnnl_memory_desc_init_by_tag(&wei_md, w_rank, dims, dnnl_f32, dnnl_format_tag_any)))
            return onednn_status(ctx, status, "describing convolution weights");
    }
    dnnl_convolution_desc_t desc;
    if ((status = dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct,
                                                             &src_md, &wei_md, bias ? &bias_md : NULL, &dst_md, strides,
                                                             dilates, pad_l, pad_r)))
        return onednn_status(ctx, status, "describing a convolution");
    onednn_step *step;
    dnnl_primitive_desc_t pd;
    dnnx_status result = onednn_add_step(b, &desc, NULL, &step, &pd);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_SRC, 0, &src_md);
    if (constant_weights) {
        const dnnl_memory_desc_t *chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        const void *data;
        if ((result = onednn_constant_reordered(b, 1, &wei_user, chosen, &data))) {
            dnnl_primitive_desc_destroy(pd);
            return result;
        }
        onednn_arg_fixed(step, DNNL_ARG_WEIGHTS, data, chosen);
    } else {
        onednn_arg_input(step, DNNL_ARG_WEIGHTS, 1, &wei_md);
    }
    dnnl_primitive_desc_destroy(pd);
    if (bias)
        onednn_arg_input(step, DNNL_ARG_BIAS, 2, &bias_md);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &dst_md);
    return DNNX_OK;
}

const onednn_op onednn_conv_ops[] = {
    {"", "Conv", conv_supports, conv_build},
};
ONEDNN_OP_COUNT(conv);

/* Transpose as a oneDNN reorder: the input buffer is described in the output's dims with the
 * input's strides permuted (output axis i walks input axis perm[i]), the output as plain.
 * Element types oneDNN has (uint32 moves as int32) are copied without conversion. */
#include <string.h>

#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

static bool element_type(dnnx_dtype dtype, dnnl_data_type_t *out)
{
    switch (dtype) {
    case DNNX_DTYPE_FLOAT: *out = dnnl_f32; return true;
    case DNNX_DTYPE_INT32:
    case DNNX_DTYPE_UINT32: *out = dnnl_s32; return true; /* moved, never computed on */
    case DNNX_DTYPE_FLOAT16: *out = dnnl_f16; return true;
    case DNNX_DTYPE_BFLOAT16: *out = dnnl_bf16; return true;
    case DNNX_DTYPE_INT8: *out = dnnl_s8; return true;
    case DNNX_DTYPE_UINT8:
    case DNNX_DTYPE_BOOL: *out = dnnl_u8; return true;
    default: return false;
    }
}

/* The permutation of the node: the attribute, or reversed axes when absent. */
static bool permutation(op_ctx *ctx, int rank, int *perm)
{
    size_t count;
    const int64_t *values = op_attr_ints(ctx, "perm", &count);
    bool seen[DNNX_MAX_RANK] = {false};
    if (ctx->status || (values && count != (size_t)rank))
        return false;
    for (int d = 0; d < rank; d++) {
        int64_t p = values ? values[d] : rank - 1 - d;
        if (p < 0)
            p += rank;
        if (p < 0 || p >= rank || seen[p])
            return false;
        seen[p] = true;
        perm[d] = (int)p;
    }
    return true;
}

static bool transpose_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnl_data_type_t type;
    int perm[DNNX_MAX_RANK];
    if (x->dtype != DNNX_DTYPE_UNDEFINED && !element_type(x->dtype, &type))
        return onednn_decline(why, why_size, "dtype %s", dnnx_dtype_name(x->dtype));
    if (x->rank >= 0 && !permutation(ctx, x->rank, perm))
        return onednn_decline(why, why_size, "invalid perm");
    return true;
}

static dnnx_status transpose_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    const dnnx_tensor *x = op_input(ctx, 0), *y = op_output(ctx, 0);
    dnnl_data_type_t type;
    int perm[DNNX_MAX_RANK];
    if (!element_type(x->dtype, &type) || !permutation(ctx, x->rank, perm)) {
        b->entry->use_reference = true;
        return DNNX_OK;
    }
    int64_t in_strides[DNNX_MAX_RANK], strides[DNNX_MAX_RANK], stride = 1;
    for (int d = x->rank - 1; d >= 0; d--) {
        in_strides[d] = stride;
        stride *= x->dims[d];
    }
    for (int d = 0; d < x->rank; d++)
        strides[d] = in_strides[perm[d]];
    dnnl_memory_desc_t src_md, dst_md;
    dnnl_status_t status;
    if ((status = onednn_md_strided(&src_md, y->rank, y->dims, strides, type)) ||
        (status = onednn_md_plain(&dst_md, y->rank, y->dims, type)))
        return onednn_status(ctx, status, "describing a transpose");
    onednn_step *step;
    dnnx_status result = onednn_add_reorder_step(b, &src_md, &dst_md, &step);
    if (result || !step)
        return result;
    onednn_arg_input(step, DNNL_ARG_FROM, 0, &src_md);
    onednn_arg_output(step, DNNL_ARG_TO, 0, &dst_md);
    return DNNX_OK;
}

const onednn_op onednn_reorder_ops[] = {
    {"", "Transpose", transpose_supports, transpose_build},
};
ONEDNN_OP_COUNT(reorder);

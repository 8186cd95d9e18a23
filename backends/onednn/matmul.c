/* MatMul, Gemm and dnnx.FusedMatMul as one oneDNN matmul primitive each. Operands are the
 * executor's row-major buffers, transposed ones addressed through strides; constant weights
 * are reordered once into the layout the primitive prefers (in bf16 fpmath mode: into bf16,
 * with the activation converted by a reorder step before the matmul). Gemm's alpha and C and
 * FusedMatMul's bias, activation and residual are the primitive's bias and post-ops. */
#include <string.h>

#include "backends/onednn/onednn_internal.h"
#include "graph/tensor.h"

#define MM_MAX_RANK 4

/* One matmul: dims of every operand at rank nd (batch dims padded with leading 1s). */
typedef struct mm_problem {
    int nd;
    int64_t src_dims[MM_MAX_RANK], src_strides[MM_MAX_RANK];
    int64_t wei_dims[MM_MAX_RANK], wei_strides[MM_MAX_RANK];
    int64_t dst_dims[MM_MAX_RANK];
    int bias_input; /* -1: none */
    int64_t bias_dims[MM_MAX_RANK];
    float scale; /* applied after the product and bias (1: none) */
    bool has_activation;
    dnnl_alg_kind_t activation;
    int addend_input;         /* -1: none; added after the activation, broadcast to dst */
    const void *addend_fixed; /* data to use instead of the addend input (a scaled constant) */
    int64_t addend_dims[MM_MAX_RANK];
} mm_problem;

/* Row-major strides of dims (size-1 dims count as 1). */
static void plain_strides(int nd, const int64_t *dims, int64_t *strides)
{
    int64_t stride = 1;
    for (int d = nd - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= dims[d] > 1 ? dims[d] : 1;
    }
}

/* dims of a tensor right-aligned into nd dims, padded with leading 1s. */
static void pad_dims(int nd, int rank, const int64_t *dims, int64_t *out)
{
    for (int d = 0; d < nd; d++)
        out[d] = d < nd - rank ? 1 : dims[d - (nd - rank)];
}

static dnnx_status post_ops(onednn_build *b, const mm_problem *p, dnnl_primitive_attr_t attr)
{
    dnnl_post_ops_t ops;
    dnnl_status_t status = dnnl_post_ops_create(&ops);
    if (status)
        return onednn_status(b->ctx, status, "creating post-ops");
    if (p->scale != 1.0f)
        status = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_linear, p->scale, 0.0f);
    if (!status && p->has_activation)
        status = dnnl_post_ops_append_eltwise(ops, 1.0f, p->activation, 0.0f, 0.0f);
    if (!status && p->addend_input >= 0) {
        dnnl_memory_desc_t md;
        if (!(status = onednn_md_plain(&md, p->nd, p->addend_dims, dnnl_f32)))
            status = dnnl_post_ops_append_binary(ops, dnnl_binary_add, &md);
    }
    if (!status)
        status = dnnl_primitive_attr_set_post_ops(attr, ops);
    dnnl_post_ops_destroy(ops);
    return onednn_status(b->ctx, status, "setting post-ops");
}

static dnnx_status build_problem(onednn_build *b, const mm_problem *p)
{
    const int src_input = 0, wei_input = 1;
    bool constant_weights = onednn_input_is_constant(b, wei_input);
    bool bf16 = constant_weights && b->kernel->session->fpmath_bf16;
    dnnl_data_type_t compute = bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t src_user, wei_user, src_md, wei_md, dst_md, bias_md;
    dnnl_status_t status;
    if ((status = onednn_md_strided(&src_user, p->nd, p->src_dims, p->src_strides, dnnl_f32)) ||
        (status = onednn_md_strided(&wei_user, p->nd, p->wei_dims, p->wei_strides, dnnl_f32)) ||
        (status = onednn_md_plain(&dst_md, p->nd, p->dst_dims, dnnl_f32)) ||
        (status = onednn_md_plain(&src_md, p->nd, p->src_dims, compute)) ||
        (p->bias_input >= 0 && (status = onednn_md_plain(&bias_md, p->nd, p->bias_dims, dnnl_f32))))
        return onednn_status(b->ctx, status, "describing matmul operands");
    if (constant_weights) {
        dnnl_dims_t dims;
        memcpy(dims, p->wei_dims, (size_t)p->nd * sizeof dims[0]);
        status = dnnl_memory_desc_init_by_tag(&wei_md, p->nd, dims, compute, dnnl_format_tag_any);
    } else {
        wei_md = wei_user;
    }
    if (status)
        return onednn_status(b->ctx, status, "describing matmul weights");
    if (!bf16)
        src_md = src_user;

    dnnx_status result;
    size_t src_temp = 0;
    if (bf16) {
        onednn_step *convert;
        if ((result = onednn_add_reorder_step(b, &src_user, &src_md, &convert)) || !convert)
            return result;
        src_temp = onednn_temp_alloc(b, &src_md);
        onednn_arg_input(convert, DNNL_ARG_FROM, src_input, &src_user);
        onednn_arg_temp(convert, DNNL_ARG_TO, src_temp, &src_md);
    }

    dnnl_matmul_desc_t desc;
    if ((status = dnnl_matmul_desc_init(&desc, &src_md, &wei_md, p->bias_input >= 0 ? &bias_md : NULL, &dst_md)))
        return onednn_status(b->ctx, status, "describing a matmul");
    dnnl_primitive_attr_t attr;
    if ((result = onednn_attr_create(b, &attr)))
        return result;
    onednn_step *step = NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (!(result = post_ops(b, p, attr)))
        result = onednn_add_step(b, &desc, attr, &step, &pd);
    dnnl_primitive_attr_destroy(attr);
    if (result || !step)
        return result;

    if (bf16)
        onednn_arg_temp(step, DNNL_ARG_SRC, src_temp, &src_md);
    else
        onednn_arg_input(step, DNNL_ARG_SRC, src_input, &src_md);
    if (constant_weights) {
        const dnnl_memory_desc_t *chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        const void *data;
        if ((result = onednn_constant_reordered(b, wei_input, &wei_user, chosen, &data))) {
            dnnl_primitive_desc_destroy(pd);
            return result;
        }
        onednn_arg_fixed(step, DNNL_ARG_WEIGHTS, data, chosen);
    } else {
        onednn_arg_input(step, DNNL_ARG_WEIGHTS, wei_input, &wei_md);
    }
    dnnl_primitive_desc_destroy(pd);
    if (p->bias_input >= 0)
        onednn_arg_input(step, DNNL_ARG_BIAS, p->bias_input, &bias_md);
    onednn_arg_output(step, DNNL_ARG_DST, 0, &dst_md);
    if (p->addend_input >= 0) {
        dnnl_memory_desc_t md;
        int id = DNNL_ARG_ATTR_MULTIPLE_POST_OP((p->scale != 1.0f) + p->has_activation) | DNNL_ARG_SRC_1;
        if ((status = onednn_md_plain(&md, p->nd, p->addend_dims, dnnl_f32)))
            return onednn_status(b->ctx, status, "describing a matmul addend");
        if (p->addend_fixed)
            onednn_arg_fixed(step, id, p->addend_fixed, &md);
        else
            onednn_arg_input(step, id, p->addend_input, &md);
    }
    return DNNX_OK;
}

/* The numpy matmul of inputs 0 and 1 (B given as [.., N, K] when trans_b), into p. When B
 * has no batch dims and fold allows, A's batch dims fold into M. */
static void numpy_problem(const op_ctx *ctx, bool trans_b, bool fold, mm_problem *p)
{
    const dnnx_tensor *a = op_input(ctx, 0), *w = op_input(ctx, 1);
    int a_batch = a->rank > 2 ? a->rank - 2 : 0, w_batch = w->rank > 2 ? w->rank - 2 : 0;
    memset(p, 0, sizeof *p);
    p->bias_input = p->addend_input = -1;
    p->scale = 1.0f;
    int64_t a2[2] = {1, a->dims[a->rank - 1]}, w2[2];
    if (a->rank >= 2)
        a2[0] = a->dims[a->rank - 2];
    if (w_batch == 0 && fold) {
        /* [batch.., M, K] x [K, N] is one [batch * M, K] x [K, N] product: larger tiles, and
         * 2-D weights the primitive may prepack. */
        for (int d = 0; d < a_batch; d++)
            a2[0] *= a->dims[d];
        a_batch = 0;
    }
    int batch = a_batch > w_batch ? a_batch : w_batch;
    p->nd = batch + 2;
    if (w->rank == 1) {
        w2[0] = w->dims[0];
        w2[1] = 1;
        trans_b = false;
    } else {
        w2[0] = w->dims[w->rank - (trans_b ? 1 : 2)];
        w2[1] = w->dims[w->rank - (trans_b ? 2 : 1)];
    }
    pad_dims(batch, a_batch, a->dims, p->src_dims);
    pad_dims(batch, w_batch, w->dims, p->wei_dims);
    for (int d = 0; d < batch; d++)
        p->dst_dims[d] = p->src_dims[d] > p->wei_dims[d] ? p->src_dims[d] : p->wei_dims[d];
    p->src_dims[batch] = a2[0];
    p->src_dims[batch + 1] = a2[1];
    p->wei_dims[batch] = w2[0];
    p->wei_dims[batch + 1] = w2[1];
    p->dst_dims[batch] = a2[0];
    p->dst_dims[batch + 1] = w2[1];
    plain_strides(p->nd, p->src_dims, p->src_strides);
    if (trans_b) {
        /* B's memory is [.., N, K]: K steps by 1 and N by K. */
        int64_t stored[MM_MAX_RANK];
        memcpy(stored, p->wei_dims, sizeof stored);
        stored[batch] = w2[1];
        stored[batch + 1] = w2[0];
        plain_strides(p->nd, stored, p->wei_strides);
        int64_t n_stride = p->wei_strides[batch];
        p->wei_strides[batch] = p->wei_strides[batch + 1];
        p->wei_strides[batch + 1] = n_stride;
    } else {
        plain_strides(p->nd, p->wei_dims, p->wei_strides);
    }
}

static bool float_operands(op_ctx *ctx, int n, char *why, size_t why_size)
{
    for (int i = 0; i < n; i++) {
        const dnnx_tensor *t = op_input(ctx, i);
        if (t && !onednn_maybe_float(t->dtype))
            return onednn_decline(why, why_size, "input %d is %s, not float", i, dnnx_dtype_name(t->dtype));
    }
    return true;
}

static bool matmul_supports(op_ctx *ctx, char *why, size_t why_size)
{
    const dnnx_tensor *a = op_input(ctx, 0), *w = op_input(ctx, 1);
    if (!float_operands(ctx, 2, why, why_size))
        return false;
    if (a->rank > MM_MAX_RANK || w->rank > MM_MAX_RANK)
        return onednn_decline(why, why_size, "ranks %d and %d (1 to %d supported)", a->rank, w->rank, MM_MAX_RANK);
    return true;
}

/* Ranks unknown at load time are checked here (infer has checked the rest). */
static bool ranks_fit(onednn_build *b, int n)
{
    if (!onednn_require_float(b, n))
        return false;
    for (int i = 0; i < n; i++) {
        const dnnx_tensor *t = op_input(b->ctx, i);
        if (t && t->rank > MM_MAX_RANK) {
            b->entry->use_reference = true;
            return false;
        }
    }
    return true;
}

static dnnx_status matmul_build(onednn_build *b)
{
    if (!ranks_fit(b, 2))
        return DNNX_OK;
    mm_problem p;
    numpy_problem(b->ctx, false, true, &p);
    return build_problem(b, &p);
}

static bool gemm_supports(op_ctx *ctx, char *why, size_t why_size)
{
    if (!float_operands(ctx, 3, why, why_size))
        return false;
    const dnnx_tensor *c = op_input(ctx, 2);
    float beta = op_attr_float(ctx, "beta", 1.0f);
    if (c && beta != 0.0f && beta != 1.0f && !op_input_has_data(ctx, 2))
        return onednn_decline(why, why_size, "beta %g with a non-constant C", (double)beta);
    return true;
}

static dnnx_status gemm_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    const dnnx_tensor *a = op_input(ctx, 0), *w = op_input(ctx, 1), *c = op_input(ctx, 2);
    bool trans_a = op_attr_int(ctx, "transA", 0) != 0, trans_b = op_attr_int(ctx, "transB", 0) != 0;
    float alpha = op_attr_float(ctx, "alpha", 1.0f), beta = op_attr_float(ctx, "beta", 1.0f);
    if (ctx->status)
        return ctx->status;
    if (!onednn_require_float(b, 3))
        return DNNX_OK;
    mm_problem p;
    memset(&p, 0, sizeof p);
    p.nd = 2;
    p.bias_input = p.addend_input = -1;
    p.scale = alpha;
    int64_t m = a->dims[trans_a ? 1 : 0], k = a->dims[trans_a ? 0 : 1], n = w->dims[trans_b ? 0 : 1];
    p.src_dims[0] = m;
    p.src_dims[1] = k;
    p.src_strides[0] = trans_a ? 1 : k;
    p.src_strides[1] = trans_a ? m : 1;
    p.wei_dims[0] = k;
    p.wei_dims[1] = n;
    p.wei_strides[0] = trans_b ? 1 : n;
    p.wei_strides[1] = trans_b ? k : 1;
    p.dst_dims[0] = m;
    p.dst_dims[1] = n;
    if (c && beta != 0.0f) {
        int64_t cm = c->rank == 2 ? c->dims[0] : 1, cn = c->rank >= 1 ? c->dims[c->rank - 1] : 1;
        if (alpha == 1.0f && beta == 1.0f && cm == 1 && cn == n) {
            p.bias_input = 2;
            p.bias_dims[0] = 1;
            p.bias_dims[1] = n;
        } else {
            p.addend_input = 2;
            p.addend_dims[0] = cm;
            p.addend_dims[1] = cn;
            dnnx_status status;
            if (beta != 1.0f && (status = onednn_constant_scaled(b, 2, beta, &p.addend_fixed)))
                return status;
        }
    }
    return build_problem(b, &p);
}

static const char *const activation_names[] = {"", "Relu", "Tanh", "Gelu", "GeluTanh"};
static const dnnl_alg_kind_t activation_algs[] = {dnnl_alg_kind_undef, dnnl_eltwise_relu, dnnl_eltwise_tanh,
                                                  dnnl_eltwise_gelu_erf, dnnl_eltwise_gelu_tanh};

static int activation_index(op_ctx *ctx)
{
    const char *name = op_attr_string(ctx, "activation", "");
    for (int k = 0; k < (int)(sizeof activation_names / sizeof activation_names[0]); k++)
        if (!strcmp(name, activation_names[k]))
            return k;
    return -1;
}

static bool fused_matmul_supports(op_ctx *ctx, char *why, size_t why_size)
{
    if (!matmul_supports(ctx, why, why_size) || !float_operands(ctx, 4, why, why_size))
        return false;
    if (activation_index(ctx) < 0)
        return onednn_decline(why, why_size, "unknown activation");
    const dnnx_tensor *bias = op_input(ctx, 2), *residual = op_input(ctx, 3);
    if (bias && bias->rank > 1)
        return onednn_decline(why, why_size, "bias of rank %d", bias->rank);
    if (residual && residual->rank > MM_MAX_RANK)
        return onednn_decline(why, why_size, "residual of rank %d", residual->rank);
    return true;
}

/* Whether Y's leading dims (all but the last) may fold into one for a residual: it spans them
 * all (equal dims) or none (1s there). */
static bool folds_rows(const dnnx_tensor *residual, const dnnx_tensor *y, bool *spans)
{
    *spans = false;
    if (!residual || y->rank < 2)
        return true;
    bool all_full = true, all_one = true;
    for (int d = 0; d < y->rank - 1; d++) {
        int k = d - (y->rank - residual->rank);
        int64_t r = k >= 0 ? residual->dims[k] : 1;
        all_full &= r == y->dims[d];
        all_one &= r == 1;
    }
    *spans = all_full;
    return all_full || all_one;
}

static dnnx_status fused_matmul_build(onednn_build *b)
{
    op_ctx *ctx = b->ctx;
    bool trans_b = op_attr_int(ctx, "transB", 0) != 0;
    int activation = activation_index(ctx);
    if (ctx->status)
        return ctx->status;
    if (!ranks_fit(b, 4))
        return DNNX_OK;
    const dnnx_tensor *bias = op_input(ctx, 2), *residual = op_input(ctx, 3), *y = op_output(ctx, 0);
    if (residual && (op_input(ctx, 0)->rank == 1 || op_input(ctx, 1)->rank == 1)) {
        b->entry->use_reference = true; /* Y lacks the dim a 1-D operand drops: left to the reference */
        return DNNX_OK;
    }
    mm_problem p;
    bool residual_spans_rows;
    numpy_problem(ctx, trans_b, folds_rows(residual, y, &residual_spans_rows), &p);
    if (bias) {
        p.bias_input = 2;
        for (int d = 0; d < p.nd; d++)
            p.bias_dims[d] = d == p.nd - 1 ? bias->dims[0] : 1;
    }
    if (activation > 0) {
        p.has_activation = true;
        p.activation = activation_algs[activation];
    }
    if (residual && p.nd == 2 && y->rank > 2) {
        /* Folded rows: the residual is [rows, N] or [1, N] (folds_rows checked which). */
        p.addend_input = 3;
        p.addend_dims[0] = residual_spans_rows ? p.dst_dims[0] : 1;
        p.addend_dims[1] = residual->rank >= 1 ? residual->dims[residual->rank - 1] : 1;
    } else if (residual) {
        if (residual->rank > p.nd) { /* 1s in front of Y's dims (infer allows no more) */
            b->entry->use_reference = true;
            return DNNX_OK;
        }
        p.addend_input = 3;
        pad_dims(p.nd, residual->rank, residual->dims, p.addend_dims);
    }
    return build_problem(b, &p);
}

const onednn_op onednn_matmul_ops[] = {
    {"", "MatMul", matmul_supports, matmul_build},
    {"", "Gemm", gemm_supports, gemm_build},
    {"dnnx", "FusedMatMul", fused_matmul_supports, fused_matmul_build},
};
ONEDNN_OP_COUNT(matmul);

/* Fused ops of domain "dnnx" that graph passes create; each is an ordinary op with a
 * reference kernel, so a fusion is tested by running the graph before and after it.
 *
 * FusedMatMul (since 1): Y = activation(A @ op(B) + bias) + residual, with numpy matmul
 * semantics (1-D operands, batch broadcasting) as MatMul. Inputs: A, B, optional bias (1-D,
 * [N]), optional residual (broadcastable to Y, one way). Attributes: activation ("" = none,
 * "Relu", "Tanh", "Gelu" (erf), "GeluTanh"); transB (0 or 1: op(B) swaps B's last two axes,
 * which must then be [N, K]). float32 only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

typedef enum fused_activation { ACT_NONE, ACT_RELU, ACT_TANH, ACT_GELU, ACT_GELU_TANH } fused_activation;

static const dnnx_dtype float_only[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_UNDEFINED};

static dnnx_status read_activation(op_ctx *ctx, fused_activation *out)
{
    static const char *const names[] = {"", "Relu", "Tanh", "Gelu", "GeluTanh"};
    const char *name = op_attr_string(ctx, "activation", "");
    if (ctx->status)
        return ctx->status;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(name, names[k])) {
            *out = (fused_activation)k;
            return DNNX_OK;
        }
    return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                   "attribute 'activation' must be \"\", Relu, Tanh, Gelu or GeluTanh, not '%s'", name);
}

static dnnx_status read_trans_b(op_ctx *ctx, bool *trans_b)
{
    int64_t value = op_attr_int(ctx, "transB", 0);
    if (ctx->status)
        return ctx->status;
    if (value != 0 && value != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'transB' must be 0 or 1, not %lld", (long long)value);
    *trans_b = value == 1;
    return DNNX_OK;
}

/* B's K and N dims (K at index *k_axis) given transB; a 1-D B is [K]. */
static void b_dims(const dnnx_tensor *b, bool trans_b, int64_t *k, int64_t *n)
{
    if (b->rank == 1) {
        *k = b->dims[0];
        *n = 1;
        return;
    }
    *k = b->dims[b->rank - (trans_b ? 1 : 2)];
    *n = b->dims[b->rank - (trans_b ? 2 : 1)];
}

static dnnx_status fused_matmul_infer(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1), *bias = op_input(ctx, 2);
    const dnnx_tensor *residual = op_input(ctx, 3);
    dnnx_status status;
    fused_activation activation = ACT_NONE;
    bool trans_b = false;
    if ((status = op_check_dtype(ctx, 0, float_only)) || (status = op_check_same_dtype(ctx, 0, 1)) ||
        (bias && (status = op_check_same_dtype(ctx, 0, 2))) ||
        (residual && (status = op_check_same_dtype(ctx, 0, 3))) || (status = read_activation(ctx, &activation)) ||
        (status = read_trans_b(ctx, &trans_b)))
        return status;
    if (a->rank < 1 || b->rank < 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "A and B must have rank >= 1, not %d and %d", a->rank, b->rank);
    int64_t kb, n, k;
    b_dims(b, trans_b, &kb, &n);
    if ((status = op_merge_dim(ctx, a->dims[a->rank - 1], kb, "inner dims", &k)))
        return ctx->concrete ? op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "inner dims %lld and %lld do not match",
                                       (long long)a->dims[a->rank - 1], (long long)kb)
                             : status;
    dnnx_tensor a_batch, b_batch;
    tensor_init_shape(&a_batch, a->dtype, a->rank > 2 ? a->rank - 2 : 0, a->dims);
    tensor_init_shape(&b_batch, b->dtype, b->rank > 2 ? b->rank - 2 : 0, b->dims);
    const dnnx_tensor *batches[2] = {&a_batch, &b_batch};
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = op_broadcast_shapes(ctx, batches, 2, &rank, dims)))
        return status;
    if (a->rank >= 2)
        dims[rank++] = a->dims[a->rank - 2];
    if (b->rank >= 2)
        dims[rank++] = n;
    if (bias) {
        int64_t merged;
        if (bias->rank != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "bias must be 1-D, not rank %d", bias->rank);
        if ((status = op_merge_dim(ctx, bias->dims[0], n, "bias length and N", &merged)))
            return status;
    }
    if (residual) {
        bool fits = residual->rank <= rank;
        for (int d = 0; fits && d < residual->rank; d++) {
            int64_t r = residual->dims[d], y = dims[rank - residual->rank + d];
            fits = r == 1 || r == y || r < 0 || y < 0;
        }
        if (!fits) {
            char rs[128], ys[128];
            dnnx_tensor y;
            tensor_init_shape(&y, a->dtype, rank, dims);
            graph_format_shape(ctx->graph, residual, rs, sizeof rs);
            graph_format_shape(ctx->graph, &y, ys, sizeof ys);
            return op_fail(ctx, ctx->concrete ? DNNX_ERR_INVALID_ARGUMENT : DNNX_ERR_INVALID_MODEL,
                           "residual of shape %s does not broadcast to the output shape %s", rs, ys);
        }
    }
    op_set_output(ctx, 0, a->dtype, rank, dims);
    return DNNX_OK;
}

/* c[m x n] = a[m x k] @ b[k x n], all row-major; the inner loop runs along rows of b and c. */
static void gemm_rows(size_t m, size_t k, size_t n, const float *restrict a, const float *restrict b, float *restrict c)
{
    for (size_t i = 0; i < m; i++) {
        float *restrict crow = c + i * n;
        for (size_t j = 0; j < n; j++)
            crow[j] = 0.0f;
        for (size_t p = 0; p < k; p++) {
            const float av = a[i * k + p];
            const float *restrict brow = b + p * n;
            for (size_t j = 0; j < n; j++)
                crow[j] += av * brow[j];
        }
    }
}

static float activate(fused_activation activation, float x)
{
    switch (activation) {
    case ACT_NONE: return x;
    case ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ACT_TANH: return tanhf(x);
    case ACT_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case ACT_GELU_TANH: return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    }
    return x;
}

static dnnx_status fused_matmul_run(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1), *bias = op_input(ctx, 2);
    const dnnx_tensor *residual = op_input(ctx, 3);
    dnnx_tensor *y = op_output(ctx, 0);
    fused_activation activation = ACT_NONE;
    bool trans_b = false;
    dnnx_status status;
    if ((status = read_activation(ctx, &activation)) || (status = read_trans_b(ctx, &trans_b)))
        return status;
    int64_t k64, n64;
    b_dims(b, trans_b, &k64, &n64);
    size_t m = a->rank >= 2 ? (size_t)a->dims[a->rank - 2] : 1, k = (size_t)k64, n = (size_t)n64;
    size_t b_count = tensor_count(b), kn = k * n;
    const float *b_data = b->data;
    float *b_plain = NULL; /* op(B) row-major [.., K, N] when transB */
    if (trans_b && b->rank >= 2) {
        if (!(b_plain = malloc((b_count ? b_count : 1) * sizeof *b_plain)))
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory transposing B");
        for (size_t base = 0; base < b_count; base += kn)
            for (size_t j = 0; j < n; j++)
                for (size_t p = 0; p < k; p++)
                    b_plain[base + p * n + j] = b_data[base + j * k + p];
        b_data = b_plain;
    }
    dnnx_tensor a_batch, b_batch, y_batch;
    tensor_init_shape(&a_batch, a->dtype, a->rank > 2 ? a->rank - 2 : 0, a->dims);
    tensor_init_shape(&b_batch, b->dtype, b->rank > 2 ? b->rank - 2 : 0, b->dims);
    tensor_init_shape(&y_batch, y->dtype, y->rank - (a->rank >= 2) - (b->rank >= 2), y->dims);
    const dnnx_tensor *batches[2] = {&a_batch, &b_batch};
    bcast_iter it;
    bcast_iter_init(&it, &y_batch, batches, 2);
    float *out = y->data;
    for (size_t bi = 0; bi < it.count; bi++, bcast_iter_next(&it))
        gemm_rows(m, k, n, (const float *)a->data + it.offset[0] * m * k, b_data + it.offset[1] * kn, out + bi * m * n);
    free(b_plain);

    size_t count = tensor_count(y);
    const float *bias_data = bias ? bias->data : NULL;
    for (size_t i = 0; i < count; i += n)
        for (size_t j = 0; j < n; j++)
            out[i + j] = activate(activation, out[i + j] + (bias_data ? bias_data[j] : 0.0f));
    if (residual) {
        const float *r = residual->data;
        if (tensor_same_shape(residual, y)) {
            for (size_t i = 0; i < count; i++)
                out[i] += r[i];
        } else {
            const dnnx_tensor *inputs[1] = {residual};
            bcast_iter_init(&it, y, inputs, 1);
            for (size_t i = 0; i < count; i++, bcast_iter_next(&it))
                out[i] += r[it.offset[0]];
        }
    }
    return DNNX_OK;
}

const op_schema ops_fused_schemas[] = {
    {"dnnx", "FusedMatMul", 1, 2, 4, 1, 1, fused_matmul_infer, fused_matmul_run},
};
OPS_FAMILY_COUNT(fused);

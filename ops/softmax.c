/* Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at axis
 * (default 1) and the op runs over the flattened trailing block; from 13 it runs over the
 * single axis (default -1). All three subtract the maximum first, so large inputs are safe. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

typedef enum softmax_kind { SOFTMAX, LOG_SOFTMAX } softmax_kind;

static const dnnx_dtype float_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                         DNNX_DTYPE_UNDEFINED};

/* The op's view of its input: rows x n x inner, reducing over n (stride inner). */
typedef struct softmax_shape {
    size_t rows;
    size_t n;
    size_t inner;
} softmax_shape;

/* Normalises the axis attribute for the node's opset: [-r, r] when coercing to 2-D (axis r
 * gives a trailing block of one element), [-r, r) for the single-axis form. */
static dnnx_status softmax_axis(op_ctx *ctx, int rank, int *axis)
{
    bool coerce = op_version(ctx) < 13;
    int64_t value = op_attr_int(ctx, "axis", coerce ? 1 : -1);
    if (ctx->status)
        return ctx->status;
    if (coerce && value == rank) {
        *axis = rank;
        return DNNX_OK;
    }
    return op_normalize_axis(ctx, value, rank, axis);
}

static dnnx_status softmax_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status)
        return status;
    int axis;
    if ((status = softmax_axis(ctx, x->rank, &axis)))
        return status;
    op_set_output_like(ctx, 0, x);
    return DNNX_OK;
}

/* Reads the axis and gives the view of x the op reduces over. */
static dnnx_status softmax_view(op_ctx *ctx, const dnnx_tensor *x, softmax_shape *view)
{
    int axis;
    dnnx_status status = softmax_axis(ctx, x->rank, &axis);
    if (status)
        return status;
    view->rows = 1;
    view->n = 1;
    view->inner = 1;
    for (int d = 0; d < axis; d++)
        view->rows *= (size_t)x->dims[d];
    if (op_version(ctx) < 13) {
        for (int d = axis; d < x->rank; d++)
            view->n *= (size_t)x->dims[d];
        return DNNX_OK;
    }
    view->n = (size_t)x->dims[axis];
    for (int d = axis + 1; d < x->rank; d++)
        view->inner *= (size_t)x->dims[d];
    return DNNX_OK;
}

/* Softmax kernels over one compute type T: a contiguous fast path for the last axis and a
 * strided path that sweeps whole inner rows so memory is read in order. scratch holds
 * 2 * inner values. */
#define DEFINE_SOFTMAX(T, suffix, EXP, LOG)                                                                            \
    static void softmax_last_##suffix(const T *x, T *y, size_t rows, size_t n, softmax_kind kind)                      \
    {                                                                                                                  \
        for (size_t r = 0; r < rows; r++) {                                                                            \
            const T *in = x + r * n;                                                                                   \
            T *out = y + r * n;                                                                                        \
            T max = -INFINITY;                                                                                         \
            for (size_t k = 0; k < n; k++)                                                                             \
                max = in[k] > max ? in[k] : max;                                                                       \
            T sum = 0;                                                                                                 \
            if (kind == SOFTMAX) {                                                                                     \
                for (size_t k = 0; k < n; k++) {                                                                       \
                    out[k] = EXP(in[k] - max);                                                                         \
                    sum += out[k];                                                                                     \
                }                                                                                                      \
                T scale = 1 / sum;                                                                                     \
                for (size_t k = 0; k < n; k++)                                                                         \
                    out[k] *= scale;                                                                                   \
            } else {                                                                                                   \
                for (size_t k = 0; k < n; k++)                                                                         \
                    sum += EXP(in[k] - max);                                                                           \
                T shift = max + LOG(sum);                                                                              \
                for (size_t k = 0; k < n; k++)                                                                         \
                    out[k] = in[k] - shift;                                                                            \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
                                                                                                                       \
    static void softmax_strided_##suffix(const T *x, T *y, const softmax_shape *v, softmax_kind kind, T *scratch)      \
    {                                                                                                                  \
        T *max = scratch, *sum = scratch + v->inner;                                                                   \
        for (size_t r = 0; r < v->rows; r++) {                                                                         \
            const T *in = x + r * v->n * v->inner;                                                                     \
            T *out = y + r * v->n * v->inner;                                                                          \
            for (size_t s = 0; s < v->inner; s++) {                                                                    \
                max[s] = -INFINITY;                                                                                    \
                sum[s] = 0;                                                                                            \
            }                                                                                                          \
            for (size_t k = 0; k < v->n; k++)                                                                          \
                for (size_t s = 0; s < v->inner; s++)                                                                  \
                    max[s] = in[k * v->inner + s] > max[s] ? in[k * v->inner + s] : max[s];                            \
            for (size_t k = 0; k < v->n; k++)                                                                          \
                for (size_t s = 0; s < v->inner; s++) {                                                                \
                    T e = EXP(in[k * v->inner + s] - max[s]);                                                          \
                    if (kind == SOFTMAX)                                                                               \
                        out[k * v->inner + s] = e;                                                                     \
                    sum[s] += e;                                                                                       \
                }                                                                                                      \
            for (size_t s = 0; s < v->inner; s++)                                                                      \
                sum[s] = kind == SOFTMAX ? 1 / sum[s] : max[s] + LOG(sum[s]);                                          \
            for (size_t k = 0; k < v->n; k++)                                                                          \
                for (size_t s = 0; s < v->inner; s++) {                                                                \
                    size_t i = k * v->inner + s;                                                                       \
                    out[i] = kind == SOFTMAX ? out[i] * sum[s] : in[i] - sum[s];                                       \
                }                                                                                                      \
        }                                                                                                              \
    }                                                                                                                  \
                                                                                                                       \
    static dnnx_status softmax_##suffix(op_ctx *ctx, const T *x, T *y, const softmax_shape *v, softmax_kind kind)      \
    {                                                                                                                  \
        if (v->inner == 1) {                                                                                           \
            softmax_last_##suffix(x, y, v->rows, v->n, kind);                                                          \
            return DNNX_OK;                                                                                            \
        }                                                                                                              \
        T *scratch = malloc(2 * v->inner * sizeof *scratch);                                                           \
        if (!scratch)                                                                                                  \
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of scratch",                        \
                           2 * v->inner * sizeof *scratch);                                                            \
        softmax_strided_##suffix(x, y, v, kind, scratch);                                                              \
        free(scratch);                                                                                                 \
        return DNNX_OK;                                                                                                \
    }

DEFINE_SOFTMAX(float, f32, expf, logf)
DEFINE_SOFTMAX(double, f64, exp, log)

static dnnx_status softmax_common_run(op_ctx *ctx, softmax_kind kind)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    softmax_shape view;
    dnnx_status status = softmax_view(ctx, x, &view);
    if (status)
        return status;
    size_t count = tensor_count(x);
    if (count == 0)
        return DNNX_OK;
    switch (x->dtype) {
    case DNNX_DTYPE_FLOAT: return softmax_f32(ctx, x->data, y->data, &view, kind);
    case DNNX_DTYPE_DOUBLE: return softmax_f64(ctx, x->data, y->data, &view, kind);
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: {
        float *values = ops_half_to_float_copy(x);
        if (!values)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate a float copy of %zu elements", count);
        status = softmax_f32(ctx, values, values, &view, kind);
        if (!status)
            ops_float_to_half_store(y, values);
        free(values);
        return status;
    }
    default: return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "dtype %s is not supported", dnnx_dtype_name(x->dtype));
    }
}

static dnnx_status softmax_run(op_ctx *ctx) { return softmax_common_run(ctx, SOFTMAX); }

static dnnx_status log_softmax_run(op_ctx *ctx) { return softmax_common_run(ctx, LOG_SOFTMAX); }

/* Hardmax: 1 at the first maximum along the reduced extent, 0 elsewhere. */
static dnnx_status hardmax_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    softmax_shape v;
    dnnx_status status = softmax_view(ctx, x, &v);
    if (status || tensor_count(x) == 0)
        return status;
    memset(y->data, 0, tensor_bytes(y));
    for (size_t r = 0; r < v.rows; r++) {
        for (size_t s = 0; s < v.inner; s++) {
            size_t base = r * v.n * v.inner + s, best = base;
            double best_value = tensor_get_f64(x, base);
            for (size_t k = 1; k < v.n; k++) {
                double value = tensor_get_f64(x, base + k * v.inner);
                if (value > best_value) {
                    best_value = value;
                    best = base + k * v.inner;
                }
            }
            tensor_set_f64(y, best, 1.0);
        }
    }
    return DNNX_OK;
}

const op_schema ops_softmax_schemas[] = {
    {"", "Softmax", 1, 1, 1, 1, 1, softmax_infer, softmax_run},
    {"", "Softmax", 11, 1, 1, 1, 1, softmax_infer, softmax_run},
    {"", "Softmax", 13, 1, 1, 1, 1, softmax_infer, softmax_run},
    {"", "LogSoftmax", 1, 1, 1, 1, 1, softmax_infer, log_softmax_run},
    {"", "LogSoftmax", 11, 1, 1, 1, 1, softmax_infer, log_softmax_run},
    {"", "LogSoftmax", 13, 1, 1, 1, 1, softmax_infer, log_softmax_run},
    {"", "Hardmax", 1, 1, 1, 1, 1, softmax_infer, hardmax_run},
    {"", "Hardmax", 11, 1, 1, 1, 1, softmax_infer, hardmax_run},
    {"", "Hardmax", 13, 1, 1, 1, 1, softmax_infer, hardmax_run},
};
OPS_FAMILY_COUNT(softmax);

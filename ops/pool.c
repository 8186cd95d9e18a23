/* Pooling: MaxPool (with Indices), AveragePool, LpPool, their Global forms, and MaxUnpool.
 * All pools share one geometry (kernel, strides, dilations, pads, auto_pad, ceil_mode) and one
 * kernel: for each output position the valid kernel taps of each spatial dim form a box,
 * precomputed per dim and output coordinate, so the window walk has no bounds checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "graph/error.h"
#include "ops.h"
#include "window.h"

typedef enum pool_kind { POOL_MAX, POOL_AVERAGE, POOL_LP } pool_kind;

/* The geometry of a windowed pool over x = [N, C, D1..Dn]: reads kernel_shape (required),
 * strides, dilations (if has_dilations), pads, auto_pad and ceil_mode (if has_ceil), and gives
 * the output sizes (DIM_UNKNOWN where the input size is symbolic). */
static dnnx_status pool_geometry(op_ctx *ctx, const dnnx_tensor *x, bool has_dilations, bool has_ceil, window_geom *g)
{
    dnnx_status status;
    memset(g, 0, sizeof *g);
    if (x->rank < 3)
        return op_fail(ctx, ops_shape_status(ctx), "X must have rank >= 3 ([N, C, spatial...]), not %d", x->rank);
    int rank = g->rank = x->rank - 2;
    for (int d = 0; d < rank; d++)
        g->in[d] = x->dims[2 + d];
    if (!op_has_attr(ctx, "kernel_shape"))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'kernel_shape' is required");
    if ((status = window_read_ints(ctx, "kernel_shape", rank, 1, 1, g->kernel)) ||
        (status = window_read_ints(ctx, "strides", rank, 1, 1, g->stride)) ||
        (status = window_read_pads(ctx, rank, g->pad_begin, g->pad_end)))
        return status;
    for (int d = 0; d < rank; d++)
        g->dilation[d] = 1;
    if (has_dilations && (status = window_read_ints(ctx, "dilations", rank, 1, 1, g->dilation)))
        return status;
    bool ceil_mode = has_ceil && op_attr_int(ctx, "ceil_mode", 0) != 0;
    window_auto_pad mode = WINDOW_PAD_NOTSET;
    if ((status = window_read_auto_pad(ctx, &mode)))
        return status;
    for (int d = 0; d < rank; d++) {
        int64_t extent;
        if ((status = window_extent(ctx, d, g->kernel[d], g->dilation[d], &extent)))
            return status;
        if (mode != WINDOW_PAD_NOTSET)
            g->pad_begin[d] = g->pad_end[d] = 0;
        if (g->in[d] < 0)
            g->out[d] = DIM_UNKNOWN;
        else if ((status = window_out_size(ctx, d, g->in[d], extent, g->stride[d], mode, ceil_mode, &g->pad_begin[d],
                                           &g->pad_end[d], &g->out[d])))
            return status;
    }
    return DNNX_OK;
}

/* Per spatial dim and output coordinate: the valid taps [lo, hi) (inside the input) and the
 * number of taps inside the padded input (AveragePool's count_include_pad divisor). */
typedef struct pool_plan {
    size_t in_plane, out_plane;
    size_t in_strides[WINDOW_MAX_SPATIAL];
    size_t index_strides[WINDOW_MAX_SPATIAL]; /* MaxPool Indices: row- or column-major */
    int64_t *lo[WINDOW_MAX_SPATIAL], *hi[WINDOW_MAX_SPATIAL], *padded[WINDOW_MAX_SPATIAL];
    int64_t *storage;
} pool_plan;

static dnnx_status pool_plan_build(op_ctx *ctx, const window_geom *g, bool column_major, pool_plan *p)
{
    memset(p, 0, sizeof *p);
    size_t total_out = 0;
    p->in_plane = p->out_plane = 1;
    for (int d = g->rank - 1; d >= 0; d--) {
        p->in_strides[d] = p->in_plane;
        p->in_plane *= (size_t)g->in[d];
        p->out_plane *= (size_t)g->out[d];
        total_out += (size_t)g->out[d];
    }
    size_t column = 1;
    for (int d = 0; d < g->rank; d++) {
        p->index_strides[d] = column_major ? column : p->in_strides[d];
        column *= (size_t)g->in[d];
    }
    p->storage = malloc((3 * total_out + 1) * sizeof *p->storage);
    if (!p->storage)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory planning the pool");
    int64_t *next = p->storage;
    for (int d = 0; d < g->rank; d++) {
        p->lo[d] = next;
        p->hi[d] = next + g->out[d];
        p->padded[d] = next + 2 * g->out[d];
        next += 3 * g->out[d];
        for (int64_t o = 0; o < g->out[d]; o++) {
            int64_t start = o * g->stride[d] - g->pad_begin[d], dil = g->dilation[d];
            int64_t lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
            int64_t hi = g->in[d] - start <= 0 ? 0 : (g->in[d] - start - 1) / dil + 1;
            int64_t plo = start >= -g->pad_begin[d] ? 0 : (-g->pad_begin[d] - start + dil - 1) / dil;
            int64_t room = g->in[d] + g->pad_end[d] - start;
            int64_t phi = room <= 0 ? 0 : (room - 1) / dil + 1;
            hi = hi < g->kernel[d] ? hi : g->kernel[d];
            phi = phi < g->kernel[d] ? phi : g->kernel[d];
            p->lo[d][o] = lo;
            p->hi[d][o] = hi > lo ? hi : lo;
            p->padded[d][o] = phi > plo ? phi - plo : 0;
        }
    }
    return DNNX_OK;
}

/* The pool kernel for one element type over planes (N * C) of x into y; indices (MaxPool's
 * second output) may be NULL. Empty windows give lowest (max) or 0. */
#define DEFINE_POOL_KERNEL(name, T, LOWEST)                                                                            \
    static void name(const window_geom *g, const pool_plan *p, pool_kind kind, bool include_pad, int64_t lp,           \
                     size_t planes, const T *x, T *y, int64_t *indices)                                                \
    {                                                                                                                  \
        int rank = g->rank;                                                                                            \
        for (size_t plane = 0; plane < planes; plane++) {                                                              \
            const T *xp = x + plane * p->in_plane;                                                                     \
            int64_t o[WINDOW_MAX_SPATIAL] = {0};                                                                       \
            for (size_t oi = 0; oi < p->out_plane; oi++) {                                                             \
                int64_t j[WINDOW_MAX_SPATIAL], best_at[WINDOW_MAX_SPATIAL] = {0};                                      \
                int64_t valid = 1;                                                                                     \
                double in_padded = 1.0; /* attribute-sized counts: may exceed int64 */                                 \
                for (int d = 0; d < rank; d++) {                                                                       \
                    j[d] = p->lo[d][o[d]];                                                                             \
                    valid *= p->hi[d][o[d]] - j[d];                                                                    \
                    in_padded *= (double)p->padded[d][o[d]];                                                           \
                }                                                                                                      \
                double acc = 0.0;                                                                                      \
                bool found = false;                                                                                    \
                for (int64_t t = 0; t < valid; t++) {                                                                  \
                    size_t off = 0;                                                                                    \
                    for (int d = 0; d < rank; d++)                                                                     \
                        off += (size_t)(o[d] * g->stride[d] - g->pad_begin[d] + j[d] * g->dilation[d]) *               \
                               p->in_strides[d];                                                                       \
                    double v = (double)xp[off];                                                                        \
                    if (kind == POOL_MAX) {                                                                            \
                        if (!found || v > acc) {                                                                       \
                            acc = v;                                                                                   \
                            for (int d = 0; d < rank; d++)                                                             \
                                best_at[d] = o[d] * g->stride[d] - g->pad_begin[d] + j[d] * g->dilation[d];            \
                        }                                                                                              \
                    } else if (kind == POOL_AVERAGE) {                                                                 \
                        acc += v;                                                                                      \
                    } else {                                                                                           \
                        acc += lp == 1 ? fabs(v) : lp == 2 ? v * v : pow(fabs(v), (double)lp);                         \
                    }                                                                                                  \
                    found = true;                                                                                      \
                    for (int d = rank - 1; d >= 0; d--) {                                                              \
                        if (++j[d] < p->hi[d][o[d]])                                                                   \
                            break;                                                                                     \
                        j[d] = p->lo[d][o[d]];                                                                         \
                    }                                                                                                  \
                }                                                                                                      \
                size_t at = plane * p->out_plane + oi;                                                                 \
                if (kind == POOL_MAX) {                                                                                \
                    y[at] = found ? (T)acc : (LOWEST);                                                                 \
                    if (indices) {                                                                                     \
                        int64_t index = (int64_t)(plane * p->in_plane);                                                \
                        for (int d = 0; d < rank; d++)                                                                 \
                            index += best_at[d] * (int64_t)p->index_strides[d];                                        \
                        indices[at] = found ? index : -1;                                                              \
                    }                                                                                                  \
                } else if (kind == POOL_AVERAGE) {                                                                     \
                    double count = include_pad ? in_padded : (double)valid;                                            \
                    y[at] = (T)(count > 0 ? acc / count : 0.0);                                                        \
                } else {                                                                                               \
                    y[at] = (T)(lp == 1 ? acc : lp == 2 ? sqrt(acc) : pow(acc, 1.0 / (double)lp));                     \
                }                                                                                                      \
                for (int d = rank - 1; d >= 0; d--) {                                                                  \
                    if (++o[d] < g->out[d])                                                                            \
                        break;                                                                                         \
                    o[d] = 0;                                                                                          \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    }

DEFINE_POOL_KERNEL(pool_f32, float, -INFINITY)
DEFINE_POOL_KERNEL(pool_f64, double, -INFINITY)
DEFINE_POOL_KERNEL(pool_i8, int8_t, INT8_MIN)
DEFINE_POOL_KERNEL(pool_u8, uint8_t, 0)

/* What distinguishes the pool ops; the same infer and run serve all of them. */
typedef struct pool_op {
    pool_kind kind;
    bool global;
} pool_op;

static pool_op pool_op_of(const op_ctx *ctx)
{
    const char *type = ctx->node->op_type;
    pool_op op = {POOL_MAX, false};
    if (!strncmp(type, "Global", 6)) {
        op.global = true;
        type += 6;
    }
    op.kind = !strcmp(type, "MaxPool") ? POOL_MAX : !strcmp(type, "AveragePool") ? POOL_AVERAGE : POOL_LP;
    return op;
}

/* Global pools: one window over all of the spatial dims. */
static void global_geometry(const dnnx_tensor *x, window_geom *g)
{
    memset(g, 0, sizeof *g);
    g->rank = x->rank - 2;
    for (int d = 0; d < g->rank; d++) {
        g->in[d] = g->kernel[d] = x->dims[2 + d];
        g->out[d] = 1;
        g->stride[d] = g->dilation[d] = 1;
    }
}

/* Reads the geometry the op's version knows: dilations (MaxPool-10, AveragePool-19, LpPool-18)
 * and ceil_mode (MaxPool-10, AveragePool-10, LpPool-18). */
static dnnx_status pool_read(op_ctx *ctx, pool_op op, const dnnx_tensor *x, window_geom *g)
{
    if (op.global) {
        if (x->rank < 2)
            return op_fail(ctx, ops_shape_status(ctx), "X must have rank >= 2 ([N, C, spatial...]), not %d", x->rank);
        global_geometry(x, g);
        return DNNX_OK;
    }
    int version = op_version(ctx);
    bool dilations = op.kind == POOL_MAX ? version >= 10 : op.kind == POOL_AVERAGE ? version >= 19 : version >= 18;
    bool ceil = op.kind == POOL_LP ? version >= 18 : version >= 10;
    return pool_geometry(ctx, x, dilations, ceil, g);
}

static const dnnx_dtype max_pool_types[] = {DNNX_DTYPE_FLOAT,    DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,
                                            DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT8,   DNNX_DTYPE_UINT8,
                                            DNNX_DTYPE_UNDEFINED};
static const dnnx_dtype float_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                         DNNX_DTYPE_UNDEFINED};

static dnnx_status pool_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    pool_op op = pool_op_of(ctx);
    dnnx_status status = op_check_dtype(ctx, 0, op.kind == POOL_MAX && !op.global ? max_pool_types : float_types);
    if (status)
        return status;
    window_geom g;
    if ((status = pool_read(ctx, op, x, &g)))
        return status;
    if (op.kind == POOL_LP) {
        int64_t p = op_attr_int(ctx, "p", 2);
        if (ctx->status)
            return ctx->status;
        if (p < 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "p must be >= 1, not %lld", (long long)p);
    }
    if (op.kind == POOL_MAX && !op.global) {
        int64_t order = op_attr_int(ctx, "storage_order", 0);
        if (ctx->status)
            return ctx->status;
        if (order != 0 && order != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "storage_order must be 0 or 1, not %lld", (long long)order);
    }
    int64_t dims[DNNX_MAX_RANK];
    dims[0] = x->dims[0];
    dims[1] = x->dims[1];
    for (int d = 0; d < g.rank; d++)
        dims[2 + d] = g.out[d];
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    op_set_output(ctx, 1, DNNX_DTYPE_INT64, x->rank, dims);
    return DNNX_OK;
}

static dnnx_status pool_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0), *indices = op_output(ctx, 1);
    pool_op op = pool_op_of(ctx);
    window_geom g;
    pool_plan p;
    dnnx_status status;
    if ((status = pool_read(ctx, op, x, &g)))
        return status;
    bool include_pad = op.kind == POOL_AVERAGE && !op.global && op_attr_int(ctx, "count_include_pad", 0) != 0;
    bool column_major = op.kind == POOL_MAX && !op.global && op_attr_int(ctx, "storage_order", 0) == 1;
    int64_t lp = op.kind == POOL_LP ? op_attr_int(ctx, "p", 2) : 0;
    if ((status = pool_plan_build(ctx, &g, column_major, &p)))
        return status;
    size_t planes = (size_t)x->dims[0] * (size_t)(x->rank > 1 ? x->dims[1] : 1);
    int64_t *idx = indices ? indices->data : NULL;
    switch (x->dtype) {
    case DNNX_DTYPE_FLOAT: pool_f32(&g, &p, op.kind, include_pad, lp, planes, x->data, y->data, idx); break;
    case DNNX_DTYPE_DOUBLE: pool_f64(&g, &p, op.kind, include_pad, lp, planes, x->data, y->data, idx); break;
    case DNNX_DTYPE_INT8: pool_i8(&g, &p, op.kind, include_pad, lp, planes, x->data, y->data, idx); break;
    case DNNX_DTYPE_UINT8: pool_u8(&g, &p, op.kind, include_pad, lp, planes, x->data, y->data, idx); break;
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: {
        size_t y_count = tensor_count(y);
        float *xf = ops_half_to_float_copy(x), *yf = malloc((y_count ? y_count : 1) * sizeof *yf);
        if (xf && yf) {
            pool_f32(&g, &p, op.kind, include_pad, lp, planes, xf, yf, idx);
            ops_float_to_half_store(y, yf);
        } else {
            status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory widening float16 input");
        }
        free(xf);
        free(yf);
        break;
    }
    default: status = op_fail(ctx, DNNX_ERR_UNSUPPORTED, "dtype %s is not supported", dnnx_dtype_name(x->dtype));
    }
    free(p.storage);
    return status;
}

/* MaxUnpool's natural output dims [N, C, (in - 1) * stride + kernel - pads...]. */
static dnnx_status max_unpool_default_dims(op_ctx *ctx, const dnnx_tensor *x, int64_t *dims)
{
    int rank = x->rank - 2;
    int64_t kernel[WINDOW_MAX_SPATIAL], stride[WINDOW_MAX_SPATIAL], pad_begin[WINDOW_MAX_SPATIAL],
        pad_end[WINDOW_MAX_SPATIAL];
    dnnx_status status;
    if (!op_has_attr(ctx, "kernel_shape"))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'kernel_shape' is required");
    if ((status = window_read_ints(ctx, "kernel_shape", rank, 1, 1, kernel)) ||
        (status = window_read_ints(ctx, "strides", rank, 1, 1, stride)) ||
        (status = window_read_pads(ctx, rank, pad_begin, pad_end)))
        return status;
    dims[0] = x->dims[0];
    dims[1] = x->dims[1];
    for (int d = 0; d < rank; d++) {
        int64_t in = x->dims[2 + d], out;
        if (in < 0) {
            dims[2 + d] = DIM_UNKNOWN;
            continue;
        }
        if (__builtin_mul_overflow(in > 0 ? in - 1 : 0, stride[d], &out) ||
            __builtin_add_overflow(out, kernel[d], &out))
            return window_overflow(ctx, d);
        out -= pad_begin[d] + pad_end[d];
        if (out < 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "pads exceed the output size on spatial axis %d", d);
        dims[2 + d] = out;
    }
    return DNNX_OK;
}

/* MaxUnpool: inputs X, I (MaxPool's flat indices into the natural output), optional
 * output_shape. A given output_shape at least as large as the natural one pads it at the end
 * of each dim (the indices keep their coordinates), as the ONNX tests expect. */
static dnnx_status max_unpool_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *ind = op_input(ctx, 1), *shape = op_input(ctx, 2);
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status)
        return status;
    if (ind->dtype != DNNX_DTYPE_INT64)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "I must be int64, not %s", dnnx_dtype_name(ind->dtype));
    if (ind->rank != x->rank)
        return op_fail(ctx, ops_shape_status(ctx), "I has rank %d but X has rank %d", ind->rank, x->rank);
    for (int d = 0; d < x->rank; d++)
        if (x->dims[d] >= 0 && ind->dims[d] >= 0 && x->dims[d] != ind->dims[d])
            return op_fail(ctx, ops_shape_status(ctx), "I and X differ in dim %d: %lld and %lld", d,
                           (long long)ind->dims[d], (long long)x->dims[d]);
    if (x->rank < 3)
        return op_fail(ctx, ops_shape_status(ctx), "X must have rank >= 3 ([N, C, spatial...]), not %d", x->rank);
    int64_t dims[DNNX_MAX_RANK];
    if ((status = max_unpool_default_dims(ctx, x, dims)))
        return status;
    if (shape) {
        if (shape->rank != 1 || (shape->dims[0] >= 0 && shape->dims[0] != x->rank))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_shape must be 1-D with %d values", x->rank);
        if (!op_input_has_data(ctx, 2)) {
            for (int d = 2; d < x->rank; d++)
                dims[d] = DIM_UNKNOWN;
        } else {
            int64_t given[DNNX_MAX_RANK];
            size_t count;
            if ((status = ops_read_int_list(ctx, 2, given, DNNX_MAX_RANK, &count)))
                return status;
            if (count != (size_t)x->rank)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_shape has %zu values, expected %d", count, x->rank);
            for (int d = 0; d < x->rank; d++) {
                if (dims[d] >= 0 && given[d] < dims[d])
                    return op_fail(ctx, ops_shape_status(ctx),
                                   "output_shape[%d] is %lld, less than the unpooled size %lld", d, (long long)given[d],
                                   (long long)dims[d]);
                if (d < 2 && dims[d] >= 0 && given[d] != dims[d])
                    return op_fail(ctx, ops_shape_status(ctx), "output_shape[%d] is %lld but X has %lld", d,
                                   (long long)given[d], (long long)dims[d]);
                dims[d] = given[d];
            }
        }
    }
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    return DNNX_OK;
}

static dnnx_status max_unpool_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *ind = op_input(ctx, 1);
    dnnx_tensor *y = op_output(ctx, 0);
    dnnx_tensor natural;
    dnnx_status status;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = max_unpool_default_dims(ctx, x, dims)))
        return status;
    tensor_init_shape(&natural, x->dtype, x->rank, dims);
    bool padded = !tensor_same_shape(&natural, y);
    size_t count = tensor_count(x), natural_count = tensor_count(&natural), size = tensor_dtype_size(x->dtype);
    char *scatter = y->data;
    if (padded && !(scatter = calloc(natural_count ? natural_count : 1, size)))
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory unpooling");
    if (!padded)
        memset(y->data, 0, tensor_bytes(y));
    const int64_t *at = ind->data;
    for (size_t i = 0; i < count; i++) {
        if (at[i] < 0 || (uint64_t)at[i] >= natural_count) {
            if (padded)
                free(scatter);
            return op_fail(ctx, DNNX_ERR_RUNTIME, "index %lld at position %zu is outside the %zu unpooled elements",
                           (long long)at[i], i, natural_count);
        }
        memcpy(scatter + (size_t)at[i] * size, (const char *)x->data + i * size, size);
    }
    if (!padded)
        return DNNX_OK;
    /* Copy the natural tensor row by row into the corner of the larger output. */
    memset(y->data, 0, tensor_bytes(y));
    int last = x->rank - 1;
    int64_t y_strides[DNNX_MAX_RANK], index[DNNX_MAX_RANK] = {0};
    ops_strides(y, y_strides);
    size_t row = (size_t)dims[last] * size, rows = dims[last] ? natural_count / (size_t)dims[last] : 0;
    for (size_t r = 0; r < rows; r++) {
        size_t offset = 0;
        for (int d = 0; d < last; d++)
            offset += (size_t)index[d] * (size_t)y_strides[d];
        memcpy((char *)y->data + offset * size, scatter + r * row, row);
        for (int d = last - 1; d >= 0 && ++index[d] == dims[d]; d--)
            index[d] = 0;
    }
    free(scatter);
    return DNNX_OK;
}

const op_schema ops_pool_schemas[] = {
    {"", "MaxPool", 1, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "MaxPool", 8, 1, 1, 1, 2, pool_infer, pool_run},
    {"", "MaxPool", 10, 1, 1, 1, 2, pool_infer, pool_run},
    {"", "MaxPool", 11, 1, 1, 1, 2, pool_infer, pool_run},
    {"", "MaxPool", 12, 1, 1, 1, 2, pool_infer, pool_run},
    {"", "MaxPool", 22, 1, 1, 1, 2, pool_infer, pool_run},
    {"", "AveragePool", 1, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "AveragePool", 7, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "AveragePool", 10, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "AveragePool", 11, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "AveragePool", 19, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "AveragePool", 22, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "LpPool", 2, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "LpPool", 11, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "LpPool", 18, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "LpPool", 22, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "GlobalAveragePool", 1, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "GlobalAveragePool", 22, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "GlobalMaxPool", 1, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "GlobalMaxPool", 22, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "GlobalLpPool", 2, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "GlobalLpPool", 22, 1, 1, 1, 1, pool_infer, pool_run},
    {"", "MaxUnpool", 9, 2, 3, 1, 1, max_unpool_infer, max_unpool_run},
    {"", "MaxUnpool", 11, 2, 3, 1, 1, max_unpool_infer, max_unpool_run},
    {"", "MaxUnpool", 22, 2, 3, 1, 1, max_unpool_infer, max_unpool_run},
};
OPS_FAMILY_COUNT(pool);

/* Reductions: the Reduce* family, ArgMax / ArgMin, CumSum and TopK.
 *
 * Reduce* take their axes as an attribute before opset 18 (ReduceSum: before 13) and as an
 * optional input from then on, with noop_with_empty_axes. Floating inputs reduce in double;
 * integer inputs reduce exactly in 64-bit two's complement arithmetic (wrapping like the
 * input type would), so sums of int64 are not rounded through double. A reduction over an
 * empty set gives the identity of the reduction (0, 1, -inf/min, +inf/max, log 0 = -inf). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

/* The element types the kernels compute in; other dtypes are converted to one of these. */
typedef enum canon_type { CANON_F32, CANON_F64, CANON_I64, CANON_U64 } canon_type;

static canon_type canon_of(dnnx_dtype dtype)
{
    switch (dtype) {
    case DNNX_DTYPE_FLOAT:
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: return CANON_F32;
    case DNNX_DTYPE_DOUBLE: return CANON_F64;
    case DNNX_DTYPE_UINT64: return CANON_U64;
    default: return CANON_I64;
    }
}

/* True if a tensor of dtype already stores want's C type. int64 data may be read as uint64
 * bit patterns (C allows access through the unsigned variant of a type). */
static bool canon_native(dnnx_dtype dtype, canon_type want)
{
    switch (want) {
    case CANON_F32: return dtype == DNNX_DTYPE_FLOAT;
    case CANON_F64: return dtype == DNNX_DTYPE_DOUBLE;
    case CANON_I64: return dtype == DNNX_DTYPE_INT64;
    case CANON_U64: return dtype == DNNX_DTYPE_UINT64 || dtype == DNNX_DTYPE_INT64;
    }
    return false;
}

/* The tensor's elements as want's C type: its own buffer when it already is (*owned NULL),
 * else a converted copy the caller frees (*owned). */
static dnnx_status canon_load(op_ctx *ctx, const dnnx_tensor *t, canon_type want, const void **data, void **owned)
{
    *owned = NULL;
    if (canon_native(t->dtype, want)) {
        *data = t->data;
        return DNNX_OK;
    }
    size_t n = tensor_count(t);
    void *buf = ops_alloc_scratch(ctx, n, 8);
    if (!buf)
        return DNNX_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < n; i++) {
        switch (want) {
        case CANON_F32: ((float *)buf)[i] = (float)tensor_get_f64(t, i); break;
        case CANON_F64: ((double *)buf)[i] = tensor_get_f64(t, i); break;
        case CANON_I64: ((int64_t *)buf)[i] = tensor_get_i64(t, i); break;
        case CANON_U64: ((uint64_t *)buf)[i] = (uint64_t)tensor_get_i64(t, i); break;
        }
    }
    *data = buf;
    *owned = buf;
    return DNNX_OK;
}

/* Writes count canonical values of type have into t, converting to t's dtype. */
static void canon_store(dnnx_tensor *t, const void *data, canon_type have, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        switch (have) {
        case CANON_F32: tensor_set_f64(t, i, ((const float *)data)[i]); break;
        case CANON_F64: tensor_set_f64(t, i, ((const double *)data)[i]); break;
        case CANON_I64: tensor_set_i64(t, i, ((const int64_t *)data)[i]); break;
        case CANON_U64: tensor_set_i64(t, i, (int64_t)((const uint64_t *)data)[i]); break;
        }
    }
}

/* Output buffer in canonical form: t's own buffer when native (*owned NULL), else scratch. */
static void *canon_output(op_ctx *ctx, dnnx_tensor *t, canon_type have, void **owned)
{
    *owned = NULL;
    if (canon_native(t->dtype, have))
        return t->data;
    *owned = ops_alloc_scratch(ctx, tensor_count(t), 8);
    return *owned;
}

/* The range of an integer dtype, as int64 (signed) or uint64 bit patterns. */
static void int_dtype_limits(dnnx_dtype dtype, uint64_t *lowest, uint64_t *highest)
{
    switch (dtype) {
    case DNNX_DTYPE_INT8: *lowest = (uint64_t)(int64_t)INT8_MIN, *highest = INT8_MAX; break;
    case DNNX_DTYPE_INT16: *lowest = (uint64_t)(int64_t)INT16_MIN, *highest = INT16_MAX; break;
    case DNNX_DTYPE_INT32: *lowest = (uint64_t)(int64_t)INT32_MIN, *highest = INT32_MAX; break;
    case DNNX_DTYPE_INT64: *lowest = (uint64_t)INT64_MIN, *highest = INT64_MAX; break;
    case DNNX_DTYPE_UINT8: *lowest = 0, *highest = UINT8_MAX; break;
    case DNNX_DTYPE_UINT16: *lowest = 0, *highest = UINT16_MAX; break;
    case DNNX_DTYPE_UINT32: *lowest = 0, *highest = UINT32_MAX; break;
    case DNNX_DTYPE_BOOL: *lowest = 0, *highest = 1; break;
    default: *lowest = 0, *highest = UINT64_MAX; break;
    }
}

#define MAX_AXES_LIST 64

static const dnnx_dtype numeric_types[] = {
    DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,  DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT8,
    DNNX_DTYPE_UINT8, DNNX_DTYPE_INT16,  DNNX_DTYPE_UINT16,   DNNX_DTYPE_INT32,    DNNX_DTYPE_UINT32,
    DNNX_DTYPE_INT64, DNNX_DTYPE_UINT64, DNNX_DTYPE_UNDEFINED};

static const dnnx_dtype numeric_or_bool_types[] = {
    DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT8,
    DNNX_DTYPE_UINT8, DNNX_DTYPE_INT16,  DNNX_DTYPE_UINT16,  DNNX_DTYPE_INT32,    DNNX_DTYPE_UINT32,
    DNNX_DTYPE_INT64, DNNX_DTYPE_UINT64, DNNX_DTYPE_BOOL,    DNNX_DTYPE_UNDEFINED};

/* A single-axis view of a tensor: rows x n x inner, working along n (stride inner). */
typedef struct axis_view {
    size_t rows;
    size_t n;
    size_t inner;
} axis_view;

static void axis_view_of(const dnnx_tensor *t, int axis, axis_view *v)
{
    v->rows = 1;
    v->inner = 1;
    for (int d = 0; d < axis; d++)
        v->rows *= (size_t)t->dims[d];
    v->n = (size_t)t->dims[axis];
    for (int d = axis + 1; d < t->rank; d++)
        v->inner *= (size_t)t->dims[d];
}

typedef enum reduce_op {
    REDUCE_SUM,
    REDUCE_MEAN,
    REDUCE_MAX,
    REDUCE_MIN,
    REDUCE_PROD,
    REDUCE_L1,
    REDUCE_L2,
    REDUCE_LOG_SUM,
    REDUCE_LOG_SUM_EXP,
    REDUCE_SUM_SQUARE
} reduce_op;

/* What each element adds to its accumulator. */
typedef enum accum_kind { ACCUM_SUM, ACCUM_ABS, ACCUM_SQUARE, ACCUM_PROD, ACCUM_MAX, ACCUM_MIN } accum_kind;

/* The resolved axes of a Reduce* node. */
typedef struct reduce_axes {
    bool known;               /* false while an axes input has no data (load time) */
    bool mask[DNNX_MAX_RANK]; /* reduced axes, when known */
    int64_t n_listed;         /* entries in the axes list; -1 if not even that is known */
} reduce_axes;

/* ReduceSum took its axes as an input from opset 13, the others from 18. */
static bool axes_from_input(const op_ctx *ctx, reduce_op op) { return op_version(ctx) >= (op == REDUCE_SUM ? 13 : 18); }

static dnnx_status resolve_axes(op_ctx *ctx, reduce_op op, const dnnx_tensor *x, reduce_axes *r)
{
    int64_t list[MAX_AXES_LIST];
    size_t count = 0;
    bool noop = false;
    dnnx_status status;
    memset(r, 0, sizeof *r);
    r->known = true;
    if (!axes_from_input(ctx, op)) {
        const int64_t *attr = op_attr_ints(ctx, "axes", &count);
        if (count > MAX_AXES_LIST)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'axes' has %zu entries, more than %d", count,
                           MAX_AXES_LIST);
        if (count)
            memcpy(list, attr, count * sizeof *list);
    } else {
        noop = op_attr_int(ctx, "noop_with_empty_axes", 0) != 0;
        const dnnx_tensor *axes = op_input(ctx, 1);
        if (axes && axes->dtype != DNNX_DTYPE_INT64)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 'axes' must be int64, not %s",
                           dnnx_dtype_name(axes->dtype));
        if (axes && axes->rank > 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 'axes' must be 1-D, not rank %d", axes->rank);
        if (axes && !axes->data && !(axes->rank == 1 && axes->dims[0] == 0)) {
            r->known = false;
            r->n_listed = axes->rank == 0 ? 1 : axes->dims[0] >= 0 ? axes->dims[0] : -1;
            return ctx->status;
        }
        if (axes && axes->data && (status = ops_read_int_list(ctx, 1, list, MAX_AXES_LIST, &count)))
            return status;
    }
    if (ctx->status)
        return ctx->status;
    r->n_listed = (int64_t)count;
    if (count == 0) {
        for (int d = 0; d < x->rank; d++)
            r->mask[d] = !noop;
        return DNNX_OK;
    }
    for (size_t k = 0; k < count; k++) {
        int axis;
        if ((status = op_normalize_axis(ctx, list[k], x->rank, &axis)))
            return status;
        r->mask[axis] = true;
    }
    return DNNX_OK;
}

static dnnx_status reduce_infer(op_ctx *ctx, reduce_op op)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    bool bool_ok = (op == REDUCE_MAX || op == REDUCE_MIN) && op_version(ctx) >= 20;
    dnnx_status status = op_check_dtype(ctx, 0, bool_ok ? numeric_or_bool_types : numeric_types);
    if (status)
        return status;
    bool keepdims = op_attr_int(ctx, "keepdims", 1) != 0;
    reduce_axes r;
    if ((status = resolve_axes(ctx, op, x, &r)))
        return status;
    int64_t dims[DNNX_MAX_RANK];
    int rank = 0;
    if (r.known) {
        for (int d = 0; d < x->rank; d++) {
            if (!r.mask[d])
                dims[rank++] = x->dims[d];
            else if (keepdims)
                dims[rank++] = 1;
        }
    } else if (keepdims) {
        rank = x->rank;
        for (int d = 0; d < rank; d++)
            dims[d] = x->dims[d] == 1 ? 1 : DIM_UNKNOWN;
    } else if (r.n_listed > 0 && r.n_listed <= x->rank) {
        /* Assumes distinct axes, as ONNX requires. */
        rank = x->rank - (int)r.n_listed;
        for (int d = 0; d < rank; d++)
            dims[d] = DIM_UNKNOWN;
    } else {
        rank = -1;
    }
    op_set_output(ctx, 0, x->dtype, rank, dims);
    return DNNX_OK;
}

/* The input shape with size-1 axes dropped and neighbouring axes of the same kind
 * (reduced or kept) merged; the innermost group runs as one tight loop. */
typedef struct reduce_plan {
    int n_groups;
    size_t size[DNNX_MAX_RANK];
    bool reduced[DNNX_MAX_RANK];
    size_t out_stride[DNNX_MAX_RANK]; /* 0 for reduced groups */
    size_t outer;                     /* product of all groups but the innermost */
} reduce_plan;

static void reduce_plan_init(reduce_plan *p, const dnnx_tensor *x, const bool *mask)
{
    memset(p, 0, sizeof *p);
    for (int d = 0; d < x->rank; d++) {
        size_t size = (size_t)x->dims[d];
        if (size == 1)
            continue;
        if (p->n_groups > 0 && p->reduced[p->n_groups - 1] == mask[d]) {
            p->size[p->n_groups - 1] *= size;
        } else {
            p->size[p->n_groups] = size;
            p->reduced[p->n_groups] = mask[d];
            p->n_groups++;
        }
    }
    if (p->n_groups == 0) {
        p->size[0] = 1;
        p->n_groups = 1;
    }
    size_t stride = 1;
    for (int g = p->n_groups - 1; g >= 0; g--) {
        p->out_stride[g] = p->reduced[g] ? 0 : stride;
        if (!p->reduced[g])
            stride *= p->size[g];
    }
    p->outer = 1;
    for (int g = 0; g < p->n_groups - 1; g++)
        p->outer *= p->size[g];
}

/* Runs STMT for each element of the innermost group with v (the element) and r (its
 * accumulator): one accumulator for a reduced group, one per element for a kept one. */
#define REDUCE_INNER(ACC_T, STMT)                                                                                      \
    do {                                                                                                               \
        if (inner_reduced) {                                                                                           \
            ACC_T r = a[0];                                                                                            \
            for (size_t k = 0; k < inner; k++) {                                                                       \
                ACC_T v = (ACC_T)in[k];                                                                                \
                STMT;                                                                                                  \
            }                                                                                                          \
            a[0] = r;                                                                                                  \
        } else {                                                                                                       \
            for (size_t k = 0; k < inner; k++) {                                                                       \
                ACC_T v = (ACC_T)in[k], r = a[k];                                                                      \
                STMT;                                                                                                  \
                a[k] = r;                                                                                              \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

/* Steps the output offset to the next run of the innermost group. */
#define REDUCE_ADVANCE()                                                                                               \
    for (int g = p->n_groups - 2; g >= 0; g--) {                                                                       \
        out += p->out_stride[g];                                                                                       \
        if (++idx[g] < p->size[g])                                                                                     \
            break;                                                                                                     \
        out -= p->out_stride[g] * p->size[g];                                                                          \
        idx[g] = 0;                                                                                                    \
    }

#define DEFINE_REDUCE_FLOAT(suffix, IN_T)                                                                              \
    static void accumulate_##suffix(const IN_T *x, double *acc, const reduce_plan *p, accum_kind kind)                 \
    {                                                                                                                  \
        size_t inner = p->size[p->n_groups - 1], idx[DNNX_MAX_RANK] = {0}, out = 0;                                    \
        bool inner_reduced = p->reduced[p->n_groups - 1];                                                              \
        for (size_t o = 0; o < p->outer; o++) {                                                                        \
            const IN_T *in = x + o * inner;                                                                            \
            double *a = acc + out;                                                                                     \
            switch (kind) {                                                                                            \
            case ACCUM_SUM: REDUCE_INNER(double, r += v); break;                                                       \
            case ACCUM_ABS: REDUCE_INNER(double, r += fabs(v)); break;                                                 \
            case ACCUM_SQUARE: REDUCE_INNER(double, r += v * v); break;                                                \
            case ACCUM_PROD: REDUCE_INNER(double, r *= v); break;                                                      \
            case ACCUM_MAX: REDUCE_INNER(double, r = (v > r || isnan(v)) && !isnan(r) ? v : r); break;                 \
            case ACCUM_MIN: REDUCE_INNER(double, r = (v < r || isnan(v)) && !isnan(r) ? v : r); break;                 \
            }                                                                                                          \
            REDUCE_ADVANCE()                                                                                           \
        }                                                                                                              \
    }                                                                                                                  \
                                                                                                                       \
    /* acc += exp(x - shift) for the log-sum-exp's second pass. */                                                     \
    static void accumulate_exp_##suffix(const IN_T *x, double *acc, const double *shift, const reduce_plan *p)         \
    {                                                                                                                  \
        size_t inner = p->size[p->n_groups - 1], idx[DNNX_MAX_RANK] = {0}, out = 0;                                    \
        bool inner_reduced = p->reduced[p->n_groups - 1];                                                              \
        for (size_t o = 0; o < p->outer; o++) {                                                                        \
            const IN_T *in = x + o * inner;                                                                            \
            double *a = acc + out;                                                                                     \
            if (inner_reduced) {                                                                                       \
                double r = a[0], sh = shift[out];                                                                      \
                for (size_t k = 0; k < inner; k++)                                                                     \
                    r += exp((double)in[k] - sh);                                                                      \
                a[0] = r;                                                                                              \
            } else {                                                                                                   \
                for (size_t k = 0; k < inner; k++)                                                                     \
                    a[k] += exp((double)in[k] - shift[out + k]);                                                       \
            }                                                                                                          \
            REDUCE_ADVANCE()                                                                                           \
        }                                                                                                              \
    }

DEFINE_REDUCE_FLOAT(f32, float)
DEFINE_REDUCE_FLOAT(f64, double)

/* Integers accumulate as uint64 bit patterns (wrapping adds and multiplies are then
 * defined); is_signed selects signed comparison and absolute value. */
static void accumulate_int(const uint64_t *x, uint64_t *acc, const reduce_plan *p, accum_kind kind, bool is_signed)
{
    size_t inner = p->size[p->n_groups - 1], idx[DNNX_MAX_RANK] = {0}, out = 0;
    bool inner_reduced = p->reduced[p->n_groups - 1];
    for (size_t o = 0; o < p->outer; o++) {
        const uint64_t *in = x + o * inner;
        uint64_t *a = acc + out;
        switch (kind) {
        case ACCUM_SUM: REDUCE_INNER(uint64_t, r += v); break;
        case ACCUM_ABS: REDUCE_INNER(uint64_t, r += is_signed && (int64_t)v < 0 ? 0 - v : v); break;
        case ACCUM_SQUARE: REDUCE_INNER(uint64_t, r += v * v); break;
        case ACCUM_PROD: REDUCE_INNER(uint64_t, r *= v); break;
        case ACCUM_MAX: REDUCE_INNER(uint64_t, r = (is_signed ? (int64_t)v > (int64_t)r : v > r) ? v : r); break;
        case ACCUM_MIN: REDUCE_INNER(uint64_t, r = (is_signed ? (int64_t)v < (int64_t)r : v < r) ? v : r); break;
        }
        REDUCE_ADVANCE()
    }
}

static accum_kind accum_of(reduce_op op)
{
    switch (op) {
    case REDUCE_L1: return ACCUM_ABS;
    case REDUCE_L2:
    case REDUCE_SUM_SQUARE: return ACCUM_SQUARE;
    case REDUCE_PROD: return ACCUM_PROD;
    case REDUCE_MAX:
    case REDUCE_LOG_SUM_EXP: return ACCUM_MAX;
    case REDUCE_MIN: return ACCUM_MIN;
    default: return ACCUM_SUM;
    }
}

static double float_identity(accum_kind kind)
{
    switch (kind) {
    case ACCUM_PROD: return 1.0;
    case ACCUM_MAX: return -INFINITY;
    case ACCUM_MIN: return INFINITY;
    default: return 0.0;
    }
}

static dnnx_status reduce_float(op_ctx *ctx, reduce_op op, const reduce_plan *plan, size_t n_reduced, size_t count)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    size_t out_count = tensor_count(y);
    canon_type type = x->dtype == DNNX_DTYPE_FLOAT ? CANON_F32 : CANON_F64;
    const void *data;
    void *owned;
    dnnx_status status = canon_load(ctx, x, type, &data, &owned);
    if (status)
        return status;
    double *acc = ops_alloc_scratch(ctx, out_count, sizeof *acc);
    double *shift = op == REDUCE_LOG_SUM_EXP ? ops_alloc_scratch(ctx, out_count, sizeof *shift) : NULL;
    if (!acc || (op == REDUCE_LOG_SUM_EXP && !shift)) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_buffers;
    }
    accum_kind kind = accum_of(op);
    for (size_t o = 0; o < out_count; o++)
        acc[o] = float_identity(kind);
    if (count && type == CANON_F32)
        accumulate_f32(data, acc, plan, kind);
    else if (count)
        accumulate_f64(data, acc, plan, kind);
    if (op == REDUCE_LOG_SUM_EXP) {
        /* A non-finite maximum would turn x - max into NaN; shift by 0 then, as NumPy does. */
        for (size_t o = 0; o < out_count; o++) {
            shift[o] = isfinite(acc[o]) ? acc[o] : 0.0;
            acc[o] = 0.0;
        }
        if (count && type == CANON_F32)
            accumulate_exp_f32(data, acc, shift, plan);
        else if (count)
            accumulate_exp_f64(data, acc, shift, plan);
    }
    for (size_t o = 0; o < out_count; o++) {
        double value = acc[o];
        switch (op) {
        case REDUCE_MEAN: value /= (double)n_reduced; break;
        case REDUCE_L2: value = sqrt(value); break;
        case REDUCE_LOG_SUM: value = log(value); break;
        case REDUCE_LOG_SUM_EXP: value = log(value) + shift[o]; break;
        default: break;
        }
        tensor_set_f64(y, o, value);
    }
free_buffers:
    free(shift);
    free(acc);
    free(owned);
    return status;
}

static dnnx_status reduce_int(op_ctx *ctx, reduce_op op, const reduce_plan *plan, size_t n_reduced, size_t count)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    size_t out_count = tensor_count(y);
    bool is_signed = !ops_dtype_is_unsigned_int(x->dtype);
    const void *data;
    void *owned;
    dnnx_status status = canon_load(ctx, x, CANON_U64, &data, &owned);
    if (status)
        return status;
    uint64_t *acc = ops_alloc_scratch(ctx, out_count, sizeof *acc);
    if (!acc) {
        free(owned);
        return DNNX_ERR_OUT_OF_MEMORY;
    }
    uint64_t lowest, highest;
    int_dtype_limits(x->dtype, &lowest, &highest);
    accum_kind kind = accum_of(op);
    uint64_t identity = kind == ACCUM_PROD ? 1 : kind == ACCUM_MAX ? lowest : kind == ACCUM_MIN ? highest : 0;
    for (size_t o = 0; o < out_count; o++)
        acc[o] = identity;
    if (count)
        accumulate_int(data, acc, plan, kind, is_signed);
    for (size_t o = 0; o < out_count; o++) {
        uint64_t value = acc[o];
        if (op == REDUCE_MEAN)
            value = n_reduced == 0 ? 0
                    : is_signed    ? (uint64_t)((int64_t)value / (int64_t)n_reduced)
                                   : value / n_reduced;
        tensor_set_i64(y, o, (int64_t)value);
    }
    free(acc);
    free(owned);
    return DNNX_OK;
}

static dnnx_status reduce_run(op_ctx *ctx, reduce_op op)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    reduce_axes r;
    dnnx_status status = resolve_axes(ctx, op, x, &r);
    if (status)
        return status;
    if (!r.known)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "axes are unknown at run time");
    size_t count = tensor_count(x), n_reduced = 1;
    for (int d = 0; d < x->rank; d++)
        if (r.mask[d])
            n_reduced *= (size_t)x->dims[d];
    if (tensor_count(y) == 0)
        return DNNX_OK;
    reduce_plan plan;
    reduce_plan_init(&plan, x, r.mask);
    bool exact_int =
        !ops_dtype_is_float(x->dtype) && op != REDUCE_L2 && op != REDUCE_LOG_SUM && op != REDUCE_LOG_SUM_EXP;
    return exact_int ? reduce_int(ctx, op, &plan, n_reduced, count) : reduce_float(ctx, op, &plan, n_reduced, count);
}

#define REDUCE_OP(name, op)                                                                                            \
    static dnnx_status name##_infer(op_ctx *ctx) { return reduce_infer(ctx, op); }                                     \
    static dnnx_status name##_run(op_ctx *ctx) { return reduce_run(ctx, op); }

REDUCE_OP(reduce_sum, REDUCE_SUM)
REDUCE_OP(reduce_mean, REDUCE_MEAN)
REDUCE_OP(reduce_max, REDUCE_MAX)
REDUCE_OP(reduce_min, REDUCE_MIN)
REDUCE_OP(reduce_prod, REDUCE_PROD)
REDUCE_OP(reduce_l1, REDUCE_L1)
REDUCE_OP(reduce_l2, REDUCE_L2)
REDUCE_OP(reduce_log_sum, REDUCE_LOG_SUM)
REDUCE_OP(reduce_log_sum_exp, REDUCE_LOG_SUM_EXP)
REDUCE_OP(reduce_sum_square, REDUCE_SUM_SQUARE)

/* ArgMax / ArgMin: int64 indices of the first (or, with select_last_index, the last)
 * extreme along axis. NaN counts as the extreme, as in NumPy. */
static dnnx_status arg_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = op_check_dtype(ctx, 0, numeric_types);
    if (status)
        return status;
    int axis;
    bool keepdims = op_attr_int(ctx, "keepdims", 1) != 0;
    if ((status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), x->rank, &axis)))
        return status;
    if (ctx->status)
        return ctx->status;
    if (ctx->concrete && x->dims[axis] == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "axis %d of the input is empty", axis);
    int64_t dims[DNNX_MAX_RANK];
    int rank = 0;
    for (int d = 0; d < x->rank; d++) {
        if (d != axis)
            dims[rank++] = x->dims[d];
        else if (keepdims)
            dims[rank++] = 1;
    }
    op_set_output(ctx, 0, DNNX_DTYPE_INT64, rank, dims);
    return DNNX_OK;
}

#define FLOAT_IS_NAN(v) isnan(v)
#define INT_IS_NAN(v) false

#define DEFINE_ARG(suffix, T, IS_NAN)                                                                                  \
    static void arg_##suffix(const T *x, int64_t *y, const axis_view *v, bool is_max, bool last)                       \
    {                                                                                                                  \
        for (size_t r = 0; r < v->rows; r++) {                                                                         \
            for (size_t s = 0; s < v->inner; s++) {                                                                    \
                const T *in = x + r * v->n * v->inner + s;                                                             \
                size_t best = 0;                                                                                       \
                T best_value = in[0];                                                                                  \
                for (size_t k = 1; k < v->n && !IS_NAN(best_value); k++) {                                             \
                    T value = in[k * v->inner];                                                                        \
                    bool better = IS_NAN(value) || (is_max ? value > best_value : value < best_value) ||               \
                                  (last && value == best_value);                                                       \
                    if (better) {                                                                                      \
                        best = k;                                                                                      \
                        best_value = value;                                                                            \
                    }                                                                                                  \
                }                                                                                                      \
                y[r * v->inner + s] = (int64_t)best;                                                                   \
            }                                                                                                          \
        }                                                                                                              \
    }

DEFINE_ARG(f32, float, FLOAT_IS_NAN)
DEFINE_ARG(f64, double, FLOAT_IS_NAN)
DEFINE_ARG(i64, int64_t, INT_IS_NAN)
DEFINE_ARG(u64, uint64_t, INT_IS_NAN)

static dnnx_status arg_run(op_ctx *ctx, bool is_max)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    int axis;
    dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), x->rank, &axis);
    if (status)
        return status;
    bool last = op_version(ctx) >= 12 && op_attr_int(ctx, "select_last_index", 0) != 0;
    if (ctx->status)
        return ctx->status;
    axis_view v;
    axis_view_of(x, axis, &v);
    if (v.n == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "axis %d of the input is empty", axis);
    if (tensor_count(y) == 0)
        return DNNX_OK;
    canon_type type = canon_of(x->dtype);
    const void *data;
    void *owned;
    if ((status = canon_load(ctx, x, type, &data, &owned)))
        return status;
    switch (type) {
    case CANON_F32: arg_f32(data, y->data, &v, is_max, last); break;
    case CANON_F64: arg_f64(data, y->data, &v, is_max, last); break;
    case CANON_I64: arg_i64(data, y->data, &v, is_max, last); break;
    case CANON_U64: arg_u64(data, y->data, &v, is_max, last); break;
    }
    free(owned);
    return DNNX_OK;
}

static dnnx_status argmax_run(op_ctx *ctx) { return arg_run(ctx, true); }

static dnnx_status argmin_run(op_ctx *ctx) { return arg_run(ctx, false); }

/* CumSum: the axis comes from a scalar (or one-element 1-D) int32/int64 input. */
static dnnx_status cumsum_axis(op_ctx *ctx, const dnnx_tensor *x, int *axis)
{
    const dnnx_tensor *a = op_input(ctx, 1);
    if (a->dtype != DNNX_DTYPE_INT32 && a->dtype != DNNX_DTYPE_INT64)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 'axis' must be int32 or int64, not %s",
                       dnnx_dtype_name(a->dtype));
    if (a->rank > 1 || (a->rank == 1 && a->dims[0] >= 0 && a->dims[0] != 1))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 'axis' must be a scalar");
    *axis = -1;
    if (!a->data)
        return DNNX_OK;
    return op_normalize_axis(ctx, tensor_get_i64(a, 0), x->rank, axis);
}

static const dnnx_dtype cumsum_types[] = {DNNX_DTYPE_FLOAT,    DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,
                                          DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT32,  DNNX_DTYPE_INT64,
                                          DNNX_DTYPE_UINT32,   DNNX_DTYPE_UINT64, DNNX_DTYPE_UNDEFINED};

static dnnx_status cumsum_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = op_check_dtype(ctx, 0, cumsum_types);
    int axis;
    if (status || (status = cumsum_axis(ctx, x, &axis)))
        return status;
    op_set_output_like(ctx, 0, x);
    return DNNX_OK;
}

#define DEFINE_CUMSUM(suffix, T, ACC_T)                                                                                \
    static void cumsum_##suffix(const T *x, T *y, const axis_view *v, bool exclusive, bool reverse)                    \
    {                                                                                                                  \
        for (size_t r = 0; r < v->rows; r++) {                                                                         \
            for (size_t s = 0; s < v->inner; s++) {                                                                    \
                size_t base = r * v->n * v->inner + s;                                                                 \
                ACC_T acc = 0;                                                                                         \
                for (size_t j = 0; j < v->n; j++) {                                                                    \
                    size_t i = base + (reverse ? v->n - 1 - j : j) * v->inner;                                         \
                    ACC_T value = (ACC_T)x[i];                                                                         \
                    if (!exclusive)                                                                                    \
                        acc += value;                                                                                  \
                    y[i] = (T)acc;                                                                                     \
                    if (exclusive)                                                                                     \
                        acc += value;                                                                                  \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    }

DEFINE_CUMSUM(f32, float, double)
DEFINE_CUMSUM(f64, double, double)
DEFINE_CUMSUM(u64, uint64_t, uint64_t)

static dnnx_status cumsum_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    int axis;
    dnnx_status status = cumsum_axis(ctx, x, &axis);
    if (status)
        return status;
    bool exclusive = op_attr_int(ctx, "exclusive", 0) != 0;
    bool reverse = op_attr_int(ctx, "reverse", 0) != 0;
    if (ctx->status)
        return ctx->status;
    size_t count = tensor_count(x);
    if (count == 0)
        return DNNX_OK;
    axis_view v;
    axis_view_of(x, axis, &v);
    /* Integers sum as uint64 bit patterns: wrapping is defined and equals two's complement. */
    canon_type type = ops_dtype_is_float(x->dtype) ? canon_of(x->dtype) : CANON_U64;
    const void *data;
    void *owned_in, *owned_out;
    if ((status = canon_load(ctx, x, type, &data, &owned_in)))
        return status;
    void *out = canon_output(ctx, y, type, &owned_out);
    if (!out) {
        free(owned_in);
        return DNNX_ERR_OUT_OF_MEMORY;
    }
    switch (type) {
    case CANON_F32: cumsum_f32(data, out, &v, exclusive, reverse); break;
    case CANON_F64: cumsum_f64(data, out, &v, exclusive, reverse); break;
    default: cumsum_u64(data, out, &v, exclusive, reverse); break;
    }
    if (owned_out)
        canon_store(y, owned_out, type, count);
    free(owned_out);
    free(owned_in);
    return DNNX_OK;
}

/* TopK: k from the attribute (opset 1) or the K input (opset 10+). Output order is by value
 * (descending for largest), ties broken by the lower index, as ONNX Runtime does; NaN sorts
 * as the greatest value. */
static dnnx_status topk_k(op_ctx *ctx, bool *known, int64_t *k)
{
    *known = true;
    if (op_version(ctx) < 10) {
        if (!op_has_attr(ctx, "k"))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'k' is required");
        *k = op_attr_int(ctx, "k", 0);
        return ctx->status;
    }
    const dnnx_tensor *kt = op_input(ctx, 1);
    if (kt->dtype != DNNX_DTYPE_INT64)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 'K' must be int64, not %s", dnnx_dtype_name(kt->dtype));
    if (kt->rank > 1 || (kt->rank == 1 && kt->dims[0] >= 0 && kt->dims[0] != 1))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 'K' must hold exactly one value");
    if (!kt->data) {
        *known = false;
        return DNNX_OK;
    }
    *k = tensor_get_i64(kt, 0);
    return DNNX_OK;
}

static dnnx_status topk_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = op_check_dtype(ctx, 0, numeric_types);
    if (status)
        return status;
    int axis;
    if ((status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", -1), x->rank, &axis)))
        return status;
    bool known;
    int64_t k = 0;
    if ((status = topk_k(ctx, &known, &k)))
        return status;
    if (known && k < 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "k is %lld, it must not be negative", (long long)k);
    if (known && x->dims[axis] >= 0 && k > x->dims[axis])
        return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "k %lld is larger than axis %d of size %lld", (long long)k, axis,
                       (long long)x->dims[axis]);
    int64_t dims[DNNX_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = known ? k : DIM_UNKNOWN;
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    op_set_output(ctx, 1, DNNX_DTYPE_INT64, x->rank, dims);
    return DNNX_OK;
}

#define DEFINE_TOPK(suffix, T, IS_NAN)                                                                                 \
    typedef struct topk_pair_##suffix {                                                                                \
        T value;                                                                                                       \
        int64_t index;                                                                                                 \
    } topk_pair_##suffix;                                                                                              \
                                                                                                                       \
    /* Whether a sorts strictly before b; NaN is the greatest value. */                                                \
    static bool topk_before_##suffix(T a, T b, bool largest)                                                           \
    {                                                                                                                  \
        if (IS_NAN(a) || IS_NAN(b))                                                                                    \
            return largest ? IS_NAN(a) && !IS_NAN(b) : !IS_NAN(a) && IS_NAN(b);                                        \
        return largest ? a > b : a < b;                                                                                \
    }                                                                                                                  \
                                                                                                                       \
    /* Stable bottom-up merge sort, so equal values keep ascending indices. */                                         \
    static topk_pair_##suffix *topk_sort_##suffix(topk_pair_##suffix *p, topk_pair_##suffix *tmp, size_t n,            \
                                                  bool largest)                                                        \
    {                                                                                                                  \
        for (size_t width = 1; width < n; width *= 2) {                                                                \
            for (size_t lo = 0; lo < n; lo += 2 * width) {                                                             \
                size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;            \
                size_t i = lo, j = mid, o = lo;                                                                        \
                while (i < mid && j < hi)                                                                              \
                    tmp[o++] = topk_before_##suffix(p[j].value, p[i].value, largest) ? p[j++] : p[i++];                \
                while (i < mid)                                                                                        \
                    tmp[o++] = p[i++];                                                                                 \
                while (j < hi)                                                                                         \
                    tmp[o++] = p[j++];                                                                                 \
            }                                                                                                          \
            topk_pair_##suffix *swap = p;                                                                              \
            p = tmp;                                                                                                   \
            tmp = swap;                                                                                                \
        }                                                                                                              \
        return p;                                                                                                      \
    }                                                                                                                  \
                                                                                                                       \
    static dnnx_status topk_##suffix(op_ctx *ctx, const T *x, T *values, int64_t *indices, const axis_view *v,         \
                                     size_t k, bool largest)                                                           \
    {                                                                                                                  \
        topk_pair_##suffix *pairs = ops_alloc_scratch(ctx, 2 * v->n, sizeof *pairs);                                   \
        if (!pairs)                                                                                                    \
            return DNNX_ERR_OUT_OF_MEMORY;                                                                             \
        for (size_t r = 0; r < v->rows; r++) {                                                                         \
            for (size_t s = 0; s < v->inner; s++) {                                                                    \
                const T *in = x + r * v->n * v->inner + s;                                                             \
                for (size_t j = 0; j < v->n; j++) {                                                                    \
                    pairs[j].value = in[j * v->inner];                                                                 \
                    pairs[j].index = (int64_t)j;                                                                       \
                }                                                                                                      \
                topk_pair_##suffix *sorted = topk_sort_##suffix(pairs, pairs + v->n, v->n, largest);                   \
                for (size_t j = 0; j < k; j++) {                                                                       \
                    size_t o = (r * k + j) * v->inner + s;                                                             \
                    values[o] = sorted[j].value;                                                                       \
                    indices[o] = sorted[j].index;                                                                      \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        free(pairs);                                                                                                   \
        return DNNX_OK;                                                                                                \
    }

DEFINE_TOPK(f32, float, FLOAT_IS_NAN)
DEFINE_TOPK(f64, double, FLOAT_IS_NAN)
DEFINE_TOPK(i64, int64_t, INT_IS_NAN)
DEFINE_TOPK(u64, uint64_t, INT_IS_NAN)

static dnnx_status topk_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *values = op_output(ctx, 0), *indices = op_output(ctx, 1);
    int axis;
    dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", -1), x->rank, &axis);
    if (status)
        return status;
    bool known, largest = op_version(ctx) < 11 || op_attr_int(ctx, "largest", 1) != 0;
    int64_t k;
    if ((status = topk_k(ctx, &known, &k)))
        return status;
    if (ctx->status)
        return ctx->status;
    if (!known || k < 0 || k > x->dims[axis])
        return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "k must be in [0, %lld]", (long long)x->dims[axis]);
    axis_view v;
    axis_view_of(x, axis, &v);
    size_t out_count = v.rows * (size_t)k * v.inner;
    if (out_count == 0)
        return DNNX_OK;
    /* Either output may be omitted; compute both into scratch when so. */
    int64_t *index_out = indices ? indices->data : ops_alloc_scratch(ctx, out_count, sizeof *index_out);
    canon_type type = canon_of(x->dtype);
    const void *data;
    void *owned_in = NULL, *owned_values = NULL;
    void *value_out = NULL;
    if (!index_out)
        return DNNX_ERR_OUT_OF_MEMORY;
    if ((status = canon_load(ctx, x, type, &data, &owned_in)))
        goto free_scratch;
    if (values)
        value_out = canon_output(ctx, values, type, &owned_values);
    else
        value_out = owned_values = ops_alloc_scratch(ctx, out_count, 8);
    if (!value_out) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_scratch;
    }
    switch (type) {
    case CANON_F32: status = topk_f32(ctx, data, value_out, index_out, &v, (size_t)k, largest); break;
    case CANON_F64: status = topk_f64(ctx, data, value_out, index_out, &v, (size_t)k, largest); break;
    case CANON_I64: status = topk_i64(ctx, data, value_out, index_out, &v, (size_t)k, largest); break;
    case CANON_U64: status = topk_u64(ctx, data, value_out, index_out, &v, (size_t)k, largest); break;
    }
    if (!status && values && owned_values)
        canon_store(values, owned_values, type, out_count);
free_scratch:
    free(owned_values);
    free(owned_in);
    if (!indices)
        free(index_out);
    return status;
}

#define REDUCE_SCHEMAS(type, name)                                                                                     \
    {"", type, 1, 1, 1, 1, 1, name##_infer, name##_run}, {"", type, 11, 1, 1, 1, 1, name##_infer, name##_run},         \
        {"", type, 13, 1, 1, 1, 1, name##_infer, name##_run},                                                          \
    {                                                                                                                  \
        "", type, 18, 1, 2, 1, 1, name##_infer, name##_run                                                             \
    }

const op_schema ops_reduce_schemas[] = {
    {"", "ReduceSum", 1, 1, 1, 1, 1, reduce_sum_infer, reduce_sum_run},
    {"", "ReduceSum", 11, 1, 1, 1, 1, reduce_sum_infer, reduce_sum_run},
    {"", "ReduceSum", 13, 1, 2, 1, 1, reduce_sum_infer, reduce_sum_run},
    REDUCE_SCHEMAS("ReduceMean", reduce_mean),
    REDUCE_SCHEMAS("ReduceProd", reduce_prod),
    REDUCE_SCHEMAS("ReduceL1", reduce_l1),
    REDUCE_SCHEMAS("ReduceL2", reduce_l2),
    REDUCE_SCHEMAS("ReduceLogSum", reduce_log_sum),
    REDUCE_SCHEMAS("ReduceLogSumExp", reduce_log_sum_exp),
    REDUCE_SCHEMAS("ReduceSumSquare", reduce_sum_square),
    REDUCE_SCHEMAS("ReduceMax", reduce_max),
    {"", "ReduceMax", 12, 1, 1, 1, 1, reduce_max_infer, reduce_max_run},
    {"", "ReduceMax", 20, 1, 2, 1, 1, reduce_max_infer, reduce_max_run},
    REDUCE_SCHEMAS("ReduceMin", reduce_min),
    {"", "ReduceMin", 12, 1, 1, 1, 1, reduce_min_infer, reduce_min_run},
    {"", "ReduceMin", 20, 1, 2, 1, 1, reduce_min_infer, reduce_min_run},
    {"", "ArgMax", 1, 1, 1, 1, 1, arg_infer, argmax_run},
    {"", "ArgMax", 11, 1, 1, 1, 1, arg_infer, argmax_run},
    {"", "ArgMax", 12, 1, 1, 1, 1, arg_infer, argmax_run},
    {"", "ArgMax", 13, 1, 1, 1, 1, arg_infer, argmax_run},
    {"", "ArgMin", 1, 1, 1, 1, 1, arg_infer, argmin_run},
    {"", "ArgMin", 11, 1, 1, 1, 1, arg_infer, argmin_run},
    {"", "ArgMin", 12, 1, 1, 1, 1, arg_infer, argmin_run},
    {"", "ArgMin", 13, 1, 1, 1, 1, arg_infer, argmin_run},
    {"", "CumSum", 11, 2, 2, 1, 1, cumsum_infer, cumsum_run},
    {"", "CumSum", 14, 2, 2, 1, 1, cumsum_infer, cumsum_run},
    {"", "TopK", 1, 1, 1, 2, 2, topk_infer, topk_run},
    {"", "TopK", 10, 2, 2, 2, 2, topk_infer, topk_run},
    {"", "TopK", 11, 2, 2, 2, 2, topk_infer, topk_run},
};
OPS_FAMILY_COUNT(reduce);

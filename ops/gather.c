/* The indexing ops: Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND,
 * OneHot, NonZero, Compress and Unique. Every index is range-checked when the kernel runs;
 * a negative index counts from the end of its axis (wrapped once). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

static const dnnx_dtype index_dtypes[] = {DNNX_DTYPE_INT32, DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};

/* Element i of an int32 or int64 index tensor. */
static inline int64_t index_at(const dnnx_tensor *indices, size_t i)
{
    if (indices->dtype == DNNX_DTYPE_INT64)
        return ((const int64_t *)indices->data)[i];
    return ((const int32_t *)indices->data)[i];
}

/* Maps index in [-dim, dim) to [0, dim); fails naming the index, range and axis otherwise. */
static dnnx_status wrap_index(op_ctx *ctx, int64_t index, int64_t dim, int axis, int64_t *out)
{
    if (index < -dim || index >= dim)
        return op_fail(ctx, DNNX_ERR_RUNTIME, "index %lld is out of range [%lld, %lld) on axis %d", (long long)index,
                       (long long)-dim, (long long)dim, axis);
    *out = index < 0 ? index + dim : index;
    return DNNX_OK;
}

/* Rank check shared by the ops whose output rank is a sum of input ranks. */
static dnnx_status check_out_rank(op_ctx *ctx, int rank)
{
    if (rank < 0 || rank > DNNX_MAX_RANK)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "output rank %d is outside 0..%d", rank, DNNX_MAX_RANK);
    return DNNX_OK;
}

/* Whether element i of a tensor is not zero (NaN is not zero, -0.0 is). */
static bool element_is_nonzero(const dnnx_tensor *t, size_t i)
{
    if (ops_dtype_is_float(t->dtype))
        return tensor_get_f64(t, i) != 0.0;
    size_t size = tensor_dtype_size(t->dtype);
    const unsigned char *bytes = (const unsigned char *)t->data + i * size;
    for (size_t b = 0; b < size; b++)
        if (bytes[b])
            return true;
    return false;
}

/* ---- Gather ---- */

static dnnx_status gather_infer(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1);
    dnnx_status status = op_check_dtype(ctx, 1, index_dtypes);
    if (status)
        return status;
    if (data->rank < 1)
        return ops_shape_fail(ctx, "data must have rank >= 1, not a scalar");
    int axis;
    if ((status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), data->rank, &axis)))
        return status;
    int rank = data->rank - 1 + indices->rank;
    if ((status = check_out_rank(ctx, rank)))
        return status;
    int64_t dims[DNNX_MAX_RANK];
    int r = 0;
    for (int d = 0; d < axis; d++)
        dims[r++] = data->dims[d];
    for (int d = 0; d < indices->rank; d++)
        dims[r++] = indices->dims[d];
    for (int d = axis + 1; d < data->rank; d++)
        dims[r++] = data->dims[d];
    op_set_output(ctx, 0, data->dtype, rank, dims);
    return ctx->status;
}

static dnnx_status gather_run(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1);
    dnnx_tensor *out = op_output(ctx, 0);
    int axis;
    dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), data->rank, &axis);
    if (status)
        return status;
    int64_t axis_dim = data->dims[axis];
    size_t n_indices = tensor_count(indices);
    for (size_t j = 0; j < n_indices; j++) {
        int64_t index;
        if ((status = wrap_index(ctx, index_at(indices, j), axis_dim, axis, &index)))
            return status;
    }
    size_t outer = ops_dims_product(data->dims, 0, axis);
    size_t block = ops_dims_product(data->dims, axis + 1, data->rank) * tensor_dtype_size(data->dtype);
    const char *src = data->data;
    char *dst = out->data;
    for (size_t o = 0; o < outer; o++) {
        const char *slab = src + o * (size_t)axis_dim * block;
        for (size_t j = 0; j < n_indices; j++, dst += block) {
            int64_t index = index_at(indices, j);
            if (index < 0)
                index += axis_dim;
            memcpy(dst, slab + (size_t)index * block, block);
        }
    }
    return DNNX_OK;
}

/* ---- GatherElements, ScatterElements, Scatter ---- */

/* Shared checks: data and indices of equal rank >= 1, indices no larger than data off the axis. */
static dnnx_status elements_check(op_ctx *ctx, const dnnx_tensor *data, const dnnx_tensor *indices, int *axis)
{
    dnnx_status status = op_check_dtype(ctx, 1, index_dtypes);
    if (status)
        return status;
    if (data->rank < 1)
        return ops_shape_fail(ctx, "data must have rank >= 1, not a scalar");
    if (indices->rank != data->rank)
        return ops_shape_fail(ctx, "indices have rank %d but data has rank %d", indices->rank, data->rank);
    if ((status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), data->rank, axis)))
        return status;
    for (int d = 0; d < data->rank; d++)
        if (d != *axis && data->dims[d] >= 0 && indices->dims[d] > data->dims[d])
            return ops_shape_fail(ctx, "indices dim %d is %lld, larger than data's %lld", d,
                                  (long long)indices->dims[d], (long long)data->dims[d]);
    return DNNX_OK;
}

/* Calls visit(ctx, k, offset, arg) for each element k of indices with the element offset in
 * data that it addresses; stops at the first failure (an index out of range). */
typedef void (*element_visit_fn)(size_t k, size_t offset, void *arg);

static dnnx_status elements_walk(op_ctx *ctx, const dnnx_tensor *data, const dnnx_tensor *indices, int axis,
                                 element_visit_fn visit, void *arg)
{
    int64_t strides[DNNX_MAX_RANK], counter[DNNX_MAX_RANK] = {0};
    ops_strides(data, strides);
    size_t count = tensor_count(indices), base = 0;
    int rank = indices->rank;
    for (size_t k = 0; k < count; k++) {
        int64_t index = 0;
        dnnx_status status = wrap_index(ctx, index_at(indices, k), data->dims[axis], axis, &index);
        if (status)
            return status;
        visit(k, base + (size_t)index * (size_t)strides[axis], arg);
        for (int d = rank - 1; d >= 0; d--) {
            counter[d]++;
            if (d != axis)
                base += (size_t)strides[d];
            if (counter[d] < indices->dims[d])
                break;
            if (d != axis)
                base -= (size_t)strides[d] * (size_t)counter[d];
            counter[d] = 0;
        }
    }
    return DNNX_OK;
}

typedef struct copy_visit {
    const char *src;
    char *dst;
    size_t size;
} copy_visit;

static void gather_elements_visit(size_t k, size_t offset, void *arg)
{
    copy_visit *c = arg;
    memcpy(c->dst + k * c->size, c->src + offset * c->size, c->size);
}

static dnnx_status gather_elements_infer(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1);
    int axis;
    dnnx_status status = elements_check(ctx, data, indices, &axis);
    if (status)
        return status;
    op_set_output(ctx, 0, data->dtype, indices->rank, indices->dims);
    return ctx->status;
}

static dnnx_status gather_elements_run(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1);
    int axis;
    dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), data->rank, &axis);
    if (status)
        return status;
    copy_visit c = {data->data, op_output(ctx, 0)->data, tensor_dtype_size(data->dtype)};
    return elements_walk(ctx, data, indices, axis, gather_elements_visit, &c);
}

typedef enum scatter_reduction { REDUCE_NONE, REDUCE_ADD, REDUCE_MUL, REDUCE_MAX, REDUCE_MIN } scatter_reduction;

/* The reduction attribute of ScatterND / ScatterElements, checked against the op version. */
static dnnx_status scatter_reduction_attr(op_ctx *ctx, scatter_reduction *out)
{
    const char *name = op_attr_string(ctx, "reduction", "none");
    int version = op_version(ctx);
    if (ctx->status)
        return ctx->status;
    if (strcmp(name, "none") == 0)
        *out = REDUCE_NONE;
    else if (strcmp(name, "add") == 0 && version >= 16)
        *out = REDUCE_ADD;
    else if (strcmp(name, "mul") == 0 && version >= 16)
        *out = REDUCE_MUL;
    else if (strcmp(name, "max") == 0 && version >= 18)
        *out = REDUCE_MAX;
    else if (strcmp(name, "min") == 0 && version >= 18)
        *out = REDUCE_MIN;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "reduction '%s' is not one this version supports", name);
    return DNNX_OK;
}

static float reduce_float(float a, float b, scatter_reduction reduction)
{
    switch (reduction) {
    case REDUCE_ADD: return a + b;
    case REDUCE_MUL: return a * b;
    case REDUCE_MAX: return a > b ? a : b;
    case REDUCE_MIN: return a < b ? a : b;
    case REDUCE_NONE: break;
    }
    return b;
}

/* Combines n elements of src into dst with the reduction. Integer add and mul wrap around. */
#define REDUCE_LOOP(T, WIDE)                                                                                           \
    do {                                                                                                               \
        T *d = dst;                                                                                                    \
        const T *s = src;                                                                                              \
        for (size_t k = 0; k < n; k++) {                                                                               \
            switch (reduction) {                                                                                       \
            case REDUCE_ADD: d[k] = (T)((WIDE)d[k] + (WIDE)s[k]); break;                                               \
            case REDUCE_MUL: d[k] = (T)((WIDE)d[k] * (WIDE)s[k]); break;                                               \
            case REDUCE_MAX: d[k] = d[k] > s[k] ? d[k] : s[k]; break;                                                  \
            case REDUCE_MIN: d[k] = d[k] < s[k] ? d[k] : s[k]; break;                                                  \
            case REDUCE_NONE: d[k] = s[k]; break;                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

static dnnx_status reduce_into(op_ctx *ctx, dnnx_dtype dtype, void *dst, const void *src, size_t n,
                               scatter_reduction reduction)
{
    if (reduction == REDUCE_NONE) {
        memcpy(dst, src, n * tensor_dtype_size(dtype));
        return DNNX_OK;
    }
    switch (dtype) {
    case DNNX_DTYPE_FLOAT: REDUCE_LOOP(float, float); break;
    case DNNX_DTYPE_DOUBLE: REDUCE_LOOP(double, double); break;
    case DNNX_DTYPE_INT8: REDUCE_LOOP(int8_t, uint32_t); break;
    case DNNX_DTYPE_INT16: REDUCE_LOOP(int16_t, uint32_t); break;
    case DNNX_DTYPE_INT32: REDUCE_LOOP(int32_t, uint32_t); break;
    case DNNX_DTYPE_INT64: REDUCE_LOOP(int64_t, uint64_t); break;
    case DNNX_DTYPE_UINT8: REDUCE_LOOP(uint8_t, uint32_t); break;
    case DNNX_DTYPE_UINT16: REDUCE_LOOP(uint16_t, uint32_t); break;
    case DNNX_DTYPE_UINT32: REDUCE_LOOP(uint32_t, uint32_t); break;
    case DNNX_DTYPE_UINT64: REDUCE_LOOP(uint64_t, uint64_t); break;
    case DNNX_DTYPE_BOOL: {
        uint8_t *d = dst;
        const uint8_t *s = src;
        bool any = reduction == REDUCE_ADD || reduction == REDUCE_MAX;
        for (size_t k = 0; k < n; k++)
            d[k] = any ? (d[k] || s[k]) : (d[k] && s[k]);
        break;
    }
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: {
        uint16_t *d = dst;
        const uint16_t *s = src;
        bool half = dtype == DNNX_DTYPE_FLOAT16;
        for (size_t k = 0; k < n; k++) {
            float a = half ? tensor_half_to_float(d[k]) : tensor_bf16_to_float(d[k]);
            float b = half ? tensor_half_to_float(s[k]) : tensor_bf16_to_float(s[k]);
            float r = reduce_float(a, b, reduction);
            d[k] = half ? tensor_float_to_half(r) : tensor_float_to_bf16(r);
        }
        break;
    }
    default: return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "reduction on %s is not supported", dnnx_dtype_name(dtype));
    }
    return DNNX_OK;
}

static dnnx_status scatter_elements_infer(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1), *updates = op_input(ctx, 2);
    int axis;
    scatter_reduction reduction;
    dnnx_status status = elements_check(ctx, data, indices, &axis);
    if (status || (status = scatter_reduction_attr(ctx, &reduction)) || (status = op_check_same_dtype(ctx, 0, 2)))
        return status;
    if (updates->rank != indices->rank)
        return ops_shape_fail(ctx, "updates have rank %d but indices have rank %d", updates->rank, indices->rank);
    for (int d = 0; d < indices->rank; d++)
        if ((status = ops_check_dims_equal(ctx, updates->dims[d], indices->dims[d], "updates and indices dim")))
            return status;
    op_set_output_like(ctx, 0, data);
    return ctx->status;
}

typedef struct scatter_visit {
    op_ctx *ctx;
    const char *updates;
    char *dst;
    size_t size;
    dnnx_dtype dtype;
    scatter_reduction reduction;
    dnnx_status status;
} scatter_visit;

static void scatter_elements_visit(size_t k, size_t offset, void *arg)
{
    scatter_visit *s = arg;
    if (!s->status)
        s->status = reduce_into(s->ctx, s->dtype, s->dst + offset * s->size, s->updates + k * s->size, 1, s->reduction);
}

static dnnx_status scatter_elements_run(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1), *updates = op_input(ctx, 2);
    dnnx_tensor *out = op_output(ctx, 0);
    int axis;
    scatter_reduction reduction;
    dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), data->rank, &axis);
    if (status || (status = scatter_reduction_attr(ctx, &reduction)))
        return status;
    memcpy(out->data, data->data, tensor_bytes(data));
    scatter_visit s = {ctx, updates->data, out->data, tensor_dtype_size(data->dtype), data->dtype, reduction, DNNX_OK};
    if ((status = elements_walk(ctx, data, indices, axis, scatter_elements_visit, &s)))
        return status;
    return s.status;
}

/* ---- GatherND, ScatterND ---- */

static dnnx_status gather_nd_infer(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1);
    dnnx_status status = op_check_dtype(ctx, 1, index_dtypes);
    if (status)
        return status;
    int64_t batch_dims = op_version(ctx) >= 12 ? op_attr_int(ctx, "batch_dims", 0) : 0;
    if (data->rank < 1 || indices->rank < 1)
        return ops_shape_fail(ctx, "data and indices must have rank >= 1 (ranks %d and %d)", data->rank, indices->rank);
    if (batch_dims < 0 || batch_dims >= data->rank || batch_dims >= indices->rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "batch_dims %lld must be in [0, min(%d, %d))",
                       (long long)batch_dims, data->rank, indices->rank);
    int b = (int)batch_dims;
    for (int d = 0; d < b; d++)
        if ((status = ops_check_dims_equal(ctx, data->dims[d], indices->dims[d], "batch dim of data and indices")))
            return status;
    int64_t last = indices->dims[indices->rank - 1];
    if (last < 0) {
        /* The tuple length fixes the output rank; without it only the rank is unknown. */
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "the last dim of indices must be known to infer the output rank");
    }
    if (last < 1 || last > data->rank - b)
        return ops_shape_fail(ctx, "the last dim of indices is %lld, not in [1, %d]", (long long)last, data->rank - b);
    int rank = indices->rank - 1 + data->rank - b - (int)last;
    if ((status = check_out_rank(ctx, rank)))
        return status;
    int64_t dims[DNNX_MAX_RANK];
    int r = 0;
    for (int d = 0; d < indices->rank - 1; d++)
        dims[r++] = indices->dims[d];
    for (int d = b + (int)last; d < data->rank; d++)
        dims[r++] = data->dims[d];
    op_set_output(ctx, 0, data->dtype, rank, dims);
    return ctx->status;
}

/* The element offset within one batch slab of data of index tuple t (of length last). */
static dnnx_status nd_tuple_offset(op_ctx *ctx, const dnnx_tensor *data, const dnnx_tensor *indices, size_t t, int b,
                                   int last, size_t *offset)
{
    size_t off = 0;
    for (int k = 0; k < last; k++) {
        int64_t index = 0;
        int axis = b + k;
        dnnx_status status =
            wrap_index(ctx, index_at(indices, t * (size_t)last + (size_t)k), data->dims[axis], axis, &index);
        if (status)
            return status;
        off = off * (size_t)data->dims[axis] + (size_t)index;
    }
    *offset = off;
    return DNNX_OK;
}

static dnnx_status gather_nd_run(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1);
    dnnx_tensor *out = op_output(ctx, 0);
    int b = op_version(ctx) >= 12 ? (int)op_attr_int(ctx, "batch_dims", 0) : 0;
    int last = (int)indices->dims[indices->rank - 1];
    size_t esize = tensor_dtype_size(data->dtype);
    size_t batches = ops_dims_product(data->dims, 0, b);
    size_t tuples = ops_dims_product(indices->dims, b, indices->rank - 1);
    size_t block = ops_dims_product(data->dims, b + last, data->rank) * esize;
    size_t slab = ops_dims_product(data->dims, b, b + last) * block;
    const char *src = data->data;
    char *dst = out->data;
    for (size_t batch = 0; batch < batches; batch++) {
        for (size_t t = 0; t < tuples; t++, dst += block) {
            size_t offset;
            dnnx_status status = nd_tuple_offset(ctx, data, indices, batch * tuples + t, b, last, &offset);
            if (status)
                return status;
            memcpy(dst, src + batch * slab + offset * block, block);
        }
    }
    return DNNX_OK;
}

static dnnx_status scatter_nd_infer(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1), *updates = op_input(ctx, 2);
    scatter_reduction reduction;
    dnnx_status status = op_check_dtype(ctx, 1, index_dtypes);
    if (status || (status = scatter_reduction_attr(ctx, &reduction)) || (status = op_check_same_dtype(ctx, 0, 2)))
        return status;
    if (data->rank < 1 || indices->rank < 1)
        return ops_shape_fail(ctx, "data and indices must have rank >= 1 (ranks %d and %d)", data->rank, indices->rank);
    int64_t last = indices->dims[indices->rank - 1];
    if (last > data->rank)
        return ops_shape_fail(ctx, "the last dim of indices is %lld, more than the data rank %d", (long long)last,
                              data->rank);
    if (last >= 0) {
        int expected = indices->rank - 1 + data->rank - (int)last;
        if (updates->rank != expected)
            return ops_shape_fail(ctx, "updates have rank %d, expected %d", updates->rank, expected);
        for (int d = 0; d < indices->rank - 1; d++)
            if ((status = ops_check_dims_equal(ctx, updates->dims[d], indices->dims[d], "updates and indices dim")))
                return status;
        for (int d = (int)last; d < data->rank; d++)
            if ((status = ops_check_dims_equal(ctx, updates->dims[indices->rank - 1 + d - (int)last], data->dims[d],
                                               "updates and data dim")))
                return status;
    }
    op_set_output_like(ctx, 0, data);
    return ctx->status;
}

static dnnx_status scatter_nd_run(op_ctx *ctx)
{
    const dnnx_tensor *data = op_input(ctx, 0), *indices = op_input(ctx, 1), *updates = op_input(ctx, 2);
    dnnx_tensor *out = op_output(ctx, 0);
    scatter_reduction reduction;
    dnnx_status status = scatter_reduction_attr(ctx, &reduction);
    if (status)
        return status;
    int last = (int)indices->dims[indices->rank - 1];
    size_t esize = tensor_dtype_size(data->dtype);
    size_t tuples = ops_dims_product(indices->dims, 0, indices->rank - 1);
    size_t inner = ops_dims_product(data->dims, last, data->rank);
    memcpy(out->data, data->data, tensor_bytes(data));
    const char *src = updates->data;
    char *dst = out->data;
    for (size_t t = 0; t < tuples; t++, src += inner * esize) {
        size_t offset;
        if ((status = nd_tuple_offset(ctx, data, indices, t, 0, last, &offset)))
            return status;
        if ((status = reduce_into(ctx, data->dtype, dst + offset * inner * esize, src, inner, reduction)))
            return status;
    }
    return DNNX_OK;
}

/* ---- OneHot ---- */

/* OneHot's depth input (a scalar or one-element tensor of any numeric type), when known. */
static dnnx_status onehot_depth(op_ctx *ctx, int64_t *depth)
{
    const dnnx_tensor *t = op_input(ctx, 1);
    size_t count;
    if (t->rank > 1 || tensor_element_count_checked(t->rank, t->dims, &count) || count != 1)
        return ops_shape_fail(ctx, "depth must be a scalar or a one-element 1-D tensor");
    double value = tensor_get_f64(t, 0);
    if (!(value >= 1.0 && value <= 9.0e15))
        return op_fail(ctx, ctx->concrete ? DNNX_ERR_RUNTIME : DNNX_ERR_INVALID_MODEL,
                       "depth %g must be a positive count", value);
    *depth = (int64_t)value;
    return DNNX_OK;
}

static dnnx_status onehot_infer(op_ctx *ctx)
{
    const dnnx_tensor *indices = op_input(ctx, 0), *values = op_input(ctx, 2);
    if (values->rank != 1 || (values->dims[0] >= 0 && values->dims[0] != 2))
        return ops_shape_fail(ctx, "values must be a 1-D tensor of 2 elements [off, on]");
    int rank = indices->rank + 1;
    dnnx_status status = check_out_rank(ctx, rank);
    int axis;
    if (status || (status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", -1), rank, &axis)))
        return status;
    int64_t depth = DIM_UNKNOWN;
    if (op_input_has_data(ctx, 1) && (status = onehot_depth(ctx, &depth)))
        return status;
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0, k = 0; d < rank; d++)
        dims[d] = d == axis ? depth : indices->dims[k++];
    if (ctx->concrete) {
        size_t count;
        if (tensor_element_count_checked(rank, dims, &count) || count > SIZE_MAX / 16)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "the output of depth %lld is too large", (long long)depth);
    }
    op_set_output(ctx, 0, values->dtype, rank, dims);
    return ctx->status;
}

static dnnx_status onehot_run(op_ctx *ctx)
{
    const dnnx_tensor *indices = op_input(ctx, 0), *values = op_input(ctx, 2);
    dnnx_tensor *out = op_output(ctx, 0);
    int64_t depth;
    int axis;
    dnnx_status status = onehot_depth(ctx, &depth);
    if (status || (status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", -1), indices->rank + 1, &axis)))
        return status;
    size_t esize = tensor_dtype_size(values->dtype);
    const char *off = values->data, *on = off + esize;
    size_t outer = ops_dims_product(indices->dims, 0, axis);
    size_t inner = ops_dims_product(indices->dims, axis, indices->rank);
    char *dst = out->data;
    size_t total = tensor_count(out);
    for (size_t k = 0; k < total; k++)
        memcpy(dst + k * esize, off, esize);
    /* Opset 11 counts negative indices from the end; opset 9 leaves them all off. */
    bool wrap_negative = op_version(ctx) >= 11;
    for (size_t o = 0; o < outer; o++) {
        for (size_t i = 0; i < inner; i++) {
            int64_t index = tensor_get_i64(indices, o * inner + i);
            if (index < 0 && wrap_negative && index >= -depth)
                index += depth;
            if (index < 0 || index >= depth)
                continue;
            memcpy(dst + ((o * (size_t)depth + (size_t)index) * inner + i) * esize, on, esize);
        }
    }
    return DNNX_OK;
}

/* ---- NonZero ---- */

static dnnx_status nonzero_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    if (x->dtype == DNNX_DTYPE_STRING)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "string input is not supported");
    /* A scalar counts as a 1-D tensor of one element, as ONNX Runtime does. */
    int64_t dims[2] = {x->rank > 0 ? x->rank : 1, DIM_UNKNOWN};
    if (op_input_has_data(ctx, 0)) {
        size_t count = tensor_count(x), nonzero = 0;
        for (size_t i = 0; i < count; i++)
            nonzero += element_is_nonzero(x, i);
        dims[1] = (int64_t)nonzero;
    }
    op_set_output(ctx, 0, DNNX_DTYPE_INT64, 2, dims);
    return ctx->status;
}

static dnnx_status nonzero_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *out = op_output(ctx, 0);
    int64_t *coords = out->data;
    size_t count = tensor_count(x), n = (size_t)out->dims[1], k = 0;
    int64_t counter[DNNX_MAX_RANK] = {0};
    for (size_t i = 0; i < count; i++) {
        if (element_is_nonzero(x, i)) {
            if (k >= n)
                return op_fail(ctx, DNNX_ERR_INTERNAL, "more nonzero elements than the output holds");
            if (x->rank == 0)
                coords[k] = 0;
            for (int d = 0; d < x->rank; d++)
                coords[(size_t)d * n + k] = counter[d];
            k++;
        }
        for (int d = x->rank - 1; d >= 0; d--) {
            if (++counter[d] < x->dims[d])
                break;
            counter[d] = 0;
        }
    }
    if (k != n)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "fewer nonzero elements than the output holds");
    return DNNX_OK;
}

/* ---- Compress ---- */

static dnnx_status compress_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *condition = op_input(ctx, 1);
    static const dnnx_dtype bool_only[] = {DNNX_DTYPE_BOOL, DNNX_DTYPE_UNDEFINED};
    dnnx_status status = op_check_dtype(ctx, 1, bool_only);
    if (status)
        return status;
    if (condition->rank != 1)
        return ops_shape_fail(ctx, "condition must be 1-D, not rank %d", condition->rank);
    bool has_axis = op_has_attr(ctx, "axis");
    int axis = 0;
    if (has_axis && (status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), x->rank, &axis)))
        return status;
    int64_t limit = DIM_UNKNOWN;
    if (has_axis)
        limit = x->dims[axis];
    else if (ctx->concrete)
        limit = (int64_t)tensor_count(x);
    if (limit >= 0 && condition->dims[0] > limit)
        return ops_shape_fail(ctx, "condition has %lld entries, more than the %lld it selects from",
                              (long long)condition->dims[0], (long long)limit);
    int64_t selected = DIM_UNKNOWN;
    if (op_input_has_data(ctx, 1)) {
        const uint8_t *c = condition->data;
        selected = 0;
        for (int64_t i = 0; i < condition->dims[0]; i++)
            selected += c[i] != 0;
    }
    if (!has_axis) {
        op_set_output(ctx, 0, x->dtype, 1, &selected);
        return ctx->status;
    }
    int64_t dims[DNNX_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = selected;
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    return ctx->status;
}

static dnnx_status compress_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *condition = op_input(ctx, 1);
    dnnx_tensor *out = op_output(ctx, 0);
    bool has_axis = op_has_attr(ctx, "axis");
    int axis = 0;
    dnnx_status status;
    if (has_axis && (status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), x->rank, &axis)))
        return status;
    size_t esize = tensor_dtype_size(x->dtype);
    size_t outer = 1, axis_dim = tensor_count(x), block = esize;
    if (has_axis) {
        outer = ops_dims_product(x->dims, 0, axis);
        axis_dim = (size_t)x->dims[axis];
        block = ops_dims_product(x->dims, axis + 1, x->rank) * esize;
    }
    const uint8_t *c = condition->data;
    size_t n_condition = (size_t)condition->dims[0];
    const char *src = x->data;
    char *dst = out->data, *end = dst + tensor_bytes(out);
    for (size_t o = 0; o < outer; o++) {
        for (size_t i = 0; i < n_condition && i < axis_dim; i++) {
            if (!c[i])
                continue;
            if (dst + block > end)
                return op_fail(ctx, DNNX_ERR_INTERNAL, "more selected slices than the output holds");
            memcpy(dst, src + (o * axis_dim + i) * block, block);
            dst += block;
        }
    }
    return DNNX_OK;
}

/* ---- Unique ---- */

/* The slices Unique compares: item i is x[..., i, ...] along the axis (or element i of the
 * flattened x), read as outer blocks of inner elements. */
typedef struct unique_items {
    const dnnx_tensor *x;
    size_t n_items, outer, inner;
} unique_items;

static int compare_elements(const dnnx_tensor *x, size_t a, size_t b)
{
    switch (x->dtype) {
#define COMPARE_AS(DT, T)                                                                                              \
    case DT: {                                                                                                         \
        T va = ((const T *)x->data)[a], vb = ((const T *)x->data)[b];                                                  \
        return va < vb ? -1 : va > vb;                                                                                 \
    }
        COMPARE_AS(DNNX_DTYPE_INT8, int8_t)
        COMPARE_AS(DNNX_DTYPE_INT16, int16_t)
        COMPARE_AS(DNNX_DTYPE_INT32, int32_t)
        COMPARE_AS(DNNX_DTYPE_INT64, int64_t)
        COMPARE_AS(DNNX_DTYPE_UINT8, uint8_t)
        COMPARE_AS(DNNX_DTYPE_UINT16, uint16_t)
        COMPARE_AS(DNNX_DTYPE_UINT32, uint32_t)
        COMPARE_AS(DNNX_DTYPE_UINT64, uint64_t)
        COMPARE_AS(DNNX_DTYPE_BOOL, uint8_t)
#undef COMPARE_AS
    default: {
        /* Floats: NaNs are equal to each other and sort after every number, as numpy does. */
        double va = tensor_get_f64(x, a), vb = tensor_get_f64(x, b);
        if (isnan(va) || isnan(vb))
            return (isnan(va) != 0) - (isnan(vb) != 0);
        return va < vb ? -1 : va > vb;
    }
    }
}

static int compare_items(const unique_items *items, size_t a, size_t b)
{
    for (size_t o = 0; o < items->outer; o++) {
        size_t row = o * items->n_items;
        for (size_t i = 0; i < items->inner; i++) {
            int c = compare_elements(items->x, (row + a) * items->inner + i, (row + b) * items->inner + i);
            if (c)
                return c;
        }
    }
    return 0;
}

/* Stable merge sort of order[0..n) by item (ties keep their original order). */
static void sort_items(const unique_items *items, size_t *order, size_t *scratch, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                scratch[k++] = compare_items(items, order[j], order[i]) < 0 ? order[j++] : order[i++];
            while (i < mid)
                scratch[k++] = order[i++];
            while (j < hi)
                scratch[k++] = order[j++];
        }
        memcpy(order, scratch, n * sizeof *order);
    }
}

/* Unique's result: for each unique item u in output order, first[u] (its first occurrence)
 * and count[u]; for each item i, inverse[i]. */
typedef struct unique_result {
    size_t n_unique;
    size_t *first, *count, *inverse;
} unique_result;

static void unique_result_free(unique_result *r)
{
    free(r->first);
    free(r->count);
    free(r->inverse);
}

static dnnx_status unique_compute(op_ctx *ctx, unique_items *items, bool sorted, unique_result *r)
{
    size_t n = items->n_items, cap = n ? n : 1;
    size_t *order = malloc(cap * sizeof *order), *scratch = malloc(cap * sizeof *scratch);
    size_t *group_of = malloc(cap * sizeof *group_of), *position = malloc(cap * sizeof *position);
    memset(r, 0, sizeof *r);
    r->first = malloc(cap * sizeof *r->first);
    r->count = malloc(cap * sizeof *r->count);
    r->inverse = malloc(cap * sizeof *r->inverse);
    dnnx_status status = DNNX_OK;
    if (!order || !scratch || !group_of || !position || !r->first || !r->count || !r->inverse) {
        status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for %zu items", n);
        unique_result_free(r);
        goto free_scratch;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_items(items, order, scratch, n);
    /* Groups of equal items in sorted order; the stable sort puts each group's first
     * occurrence first. scratch now holds each group's first occurrence. */
    size_t groups = 0;
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || compare_items(items, order[k - 1], order[k]) != 0)
            scratch[groups++] = order[k];
        group_of[order[k]] = groups - 1;
    }
    r->n_unique = groups;
    /* position[g]: group g's place in the output, by value or by first occurrence. */
    if (sorted) {
        for (size_t g = 0; g < groups; g++)
            position[g] = g;
    } else {
        size_t next = 0;
        for (size_t g = 0; g < groups; g++)
            position[g] = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            if (position[group_of[i]] == SIZE_MAX)
                position[group_of[i]] = next++;
    }
    for (size_t g = 0; g < groups; g++) {
        r->first[position[g]] = scratch[g];
        r->count[position[g]] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        r->inverse[i] = position[group_of[i]];
        r->count[r->inverse[i]]++;
    }
free_scratch:
    free(order);
    free(scratch);
    free(group_of);
    free(position);
    return status;
}

static dnnx_status unique_items_of(op_ctx *ctx, const dnnx_tensor *x, unique_items *items, int *axis)
{
    items->x = x;
    *axis = -1;
    if (op_has_attr(ctx, "axis")) {
        dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", 0), x->rank, axis);
        if (status)
            return status;
    }
    if (!ctx->concrete && !x->data)
        return DNNX_OK;
    if (*axis < 0) {
        items->n_items = tensor_count(x);
        items->outer = 1;
        items->inner = 1;
    } else {
        items->n_items = (size_t)x->dims[*axis];
        items->outer = ops_dims_product(x->dims, 0, *axis);
        items->inner = ops_dims_product(x->dims, *axis + 1, x->rank);
    }
    return DNNX_OK;
}

static dnnx_status unique_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    if (x->dtype == DNNX_DTYPE_STRING)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "string input is not supported");
    unique_items items;
    int axis;
    dnnx_status status = unique_items_of(ctx, x, &items, &axis);
    if (status)
        return status;
    int64_t n_unique = DIM_UNKNOWN, n_items = axis >= 0 ? x->dims[axis] : DIM_UNKNOWN;
    if (axis < 0) {
        /* Flattened: as many items as elements, when every dim is known. */
        n_items = 1;
        for (int d = 0; d < x->rank && n_items >= 0; d++)
            n_items =
                x->dims[d] < 0 || (x->dims[d] && n_items > INT64_MAX / x->dims[d]) ? DIM_UNKNOWN : n_items * x->dims[d];
    }
    if (op_input_has_data(ctx, 0)) {
        unique_result r;
        if ((status = unique_compute(ctx, &items, op_attr_int(ctx, "sorted", 1) != 0, &r)))
            return status;
        n_unique = (int64_t)r.n_unique;
        n_items = (int64_t)items.n_items;
        unique_result_free(&r);
    }
    if (axis >= 0) {
        int64_t dims[DNNX_MAX_RANK];
        memcpy(dims, x->dims, sizeof dims);
        dims[axis] = n_unique;
        op_set_output(ctx, 0, x->dtype, x->rank, dims);
    } else {
        op_set_output(ctx, 0, x->dtype, 1, &n_unique);
    }
    op_set_output(ctx, 1, DNNX_DTYPE_INT64, 1, &n_unique);
    op_set_output(ctx, 2, DNNX_DTYPE_INT64, 1, &n_items);
    op_set_output(ctx, 3, DNNX_DTYPE_INT64, 1, &n_unique);
    return ctx->status;
}

static dnnx_status unique_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    unique_items items;
    unique_result r;
    int axis;
    dnnx_status status = unique_items_of(ctx, x, &items, &axis);
    if (status || (status = unique_compute(ctx, &items, op_attr_int(ctx, "sorted", 1) != 0, &r)))
        return status;
    dnnx_tensor *y = op_output(ctx, 0), *indices = op_output(ctx, 1), *inverse = op_output(ctx, 2),
                *counts = op_output(ctx, 3);
    size_t esize = tensor_dtype_size(x->dtype), block = items.inner * esize;
    for (size_t o = 0; o < items.outer; o++)
        for (size_t u = 0; u < r.n_unique; u++)
            memcpy((char *)y->data + (o * r.n_unique + u) * block,
                   (const char *)x->data + (o * items.n_items + r.first[u]) * block, block);
    for (size_t u = 0; u < r.n_unique; u++) {
        if (indices)
            ((int64_t *)indices->data)[u] = (int64_t)r.first[u];
        if (counts)
            ((int64_t *)counts->data)[u] = (int64_t)r.count[u];
    }
    if (inverse)
        for (size_t i = 0; i < items.n_items; i++)
            ((int64_t *)inverse->data)[i] = (int64_t)r.inverse[i];
    unique_result_free(&r);
    return DNNX_OK;
}

const op_schema ops_gather_schemas[] = {
    {"", "Gather", 1, 2, 2, 1, 1, gather_infer, gather_run},
    {"", "Gather", 11, 2, 2, 1, 1, gather_infer, gather_run},
    {"", "Gather", 13, 2, 2, 1, 1, gather_infer, gather_run},
    {"", "GatherElements", 11, 2, 2, 1, 1, gather_elements_infer, gather_elements_run},
    {"", "GatherElements", 13, 2, 2, 1, 1, gather_elements_infer, gather_elements_run},
    {"", "GatherND", 11, 2, 2, 1, 1, gather_nd_infer, gather_nd_run},
    {"", "GatherND", 12, 2, 2, 1, 1, gather_nd_infer, gather_nd_run},
    {"", "GatherND", 13, 2, 2, 1, 1, gather_nd_infer, gather_nd_run},
    {"", "Scatter", 9, 3, 3, 1, 1, scatter_elements_infer, scatter_elements_run},
    {"", "Scatter", 11, 3, 3, 1, 1, scatter_elements_infer, scatter_elements_run},
    {"", "ScatterElements", 11, 3, 3, 1, 1, scatter_elements_infer, scatter_elements_run},
    {"", "ScatterElements", 13, 3, 3, 1, 1, scatter_elements_infer, scatter_elements_run},
    {"", "ScatterElements", 16, 3, 3, 1, 1, scatter_elements_infer, scatter_elements_run},
    {"", "ScatterElements", 18, 3, 3, 1, 1, scatter_elements_infer, scatter_elements_run},
    {"", "ScatterND", 11, 3, 3, 1, 1, scatter_nd_infer, scatter_nd_run},
    {"", "ScatterND", 13, 3, 3, 1, 1, scatter_nd_infer, scatter_nd_run},
    {"", "ScatterND", 16, 3, 3, 1, 1, scatter_nd_infer, scatter_nd_run},
    {"", "ScatterND", 18, 3, 3, 1, 1, scatter_nd_infer, scatter_nd_run},
    {"", "OneHot", 9, 3, 3, 1, 1, onehot_infer, onehot_run},
    {"", "OneHot", 11, 3, 3, 1, 1, onehot_infer, onehot_run},
    {"", "NonZero", 9, 1, 1, 1, 1, nonzero_infer, nonzero_run},
    {"", "NonZero", 13, 1, 1, 1, 1, nonzero_infer, nonzero_run},
    {"", "Compress", 9, 2, 2, 1, 1, compress_infer, compress_run},
    {"", "Compress", 11, 2, 2, 1, 1, compress_infer, compress_run},
    {"", "Unique", 11, 1, 1, 1, 4, unique_infer, unique_run},
};
OPS_FAMILY_COUNT(gather);

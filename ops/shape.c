/* Ops that change a tensor's shape but not its elements' order, read shapes, or make
 * tensors from attributes and shapes: Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size,
 * Identity, Dropout (inference), Expand, ConstantOfShape, Constant, Range, EyeLike. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

/* Writes a list of requested values ("[2,-1,0]"), where negatives are values, not symbols. */
static void format_values(const int64_t *values, size_t count, char *buf, size_t size)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, size, "[");
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "," : "", (long long)values[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

/* Output rank cannot be known: rank -1 tells the inference driver the value's rank is unknown. */
static void set_unknown_rank(op_ctx *ctx, int i, dnnx_dtype dtype) { op_set_output(ctx, i, dtype, -1, NULL); }

/* The rank of a tensor whose shape is given by the 1-D input i without known data: its length,
 * or -1 if that is not concrete. Fails if the input is not 1-D or too long. */
static dnnx_status rank_from_shape_input(op_ctx *ctx, int i, int *rank)
{
    const dnnx_tensor *shape = op_input(ctx, i);
    if (shape->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d (a shape) must be 1-D, not rank %d", i, shape->rank);
    if (shape->dims[0] < 0) {
        *rank = -1;
        return DNNX_OK;
    }
    if (shape->dims[0] > DNNX_MAX_RANK)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "output rank %lld is more than the maximum %d",
                       (long long)shape->dims[0], DNNX_MAX_RANK);
    *rank = (int)shape->dims[0];
    return DNNX_OK;
}

/* Reads the known 1-D shape input i (at most DNNX_MAX_RANK entries). */
static dnnx_status read_shape_input(op_ctx *ctx, int i, int64_t *values, size_t *count)
{
    const dnnx_tensor *shape = op_input(ctx, i);
    if (shape->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d (a shape) must be 1-D, not rank %d", i, shape->rank);
    if (shape->dims[0] > DNNX_MAX_RANK)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "output rank %lld is more than the maximum %d",
                       (long long)shape->dims[0], DNNX_MAX_RANK);
    return ops_read_int_list(ctx, i, values, DNNX_MAX_RANK, count);
}

/* Copies a tensor's elements into an output of the same size. */
static void copy_data(dnnx_tensor *out, const dnnx_tensor *in)
{
    size_t bytes = tensor_bytes(in);
    if (bytes && out->data != in->data)
        memcpy(out->data, in->data, bytes);
}

/* Fills count elements of size bytes at dst with the element at value, doubling the copied span. */
static void fill_elements(void *dst, const void *value, size_t count, size_t size)
{
    if (count == 0)
        return;
    char *out = dst;
    memcpy(out, value, size);
    size_t done = 1;
    while (done < count) {
        size_t chunk = done < count - done ? done : count - done;
        memcpy(out + done * size, out, chunk * size);
        done += chunk;
    }
}

/* Product of dims[from..to): concrete if all are; the one symbolic dim if the others multiply
 * to 1; 0 if any is 0; else DIM_UNKNOWN. Fails on overflow. */
static dnnx_status dims_product(op_ctx *ctx, const int64_t *dims, int from, int to, int64_t *out)
{
    int64_t product = 1, symbolic = 0;
    int n_symbolic = 0;
    for (int i = from; i < to; i++) {
        if (dims[i] == 0) {
            *out = 0;
            return DNNX_OK;
        }
    }
    for (int i = from; i < to; i++) {
        if (dims[i] < 0) {
            symbolic = dims[i];
            n_symbolic++;
        } else if (product > INT64_MAX / dims[i]) {
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "dims product overflows");
        } else {
            product *= dims[i];
        }
    }
    if (n_symbolic == 0)
        *out = product;
    else if (n_symbolic == 1 && product == 1)
        *out = symbolic;
    else
        *out = DIM_UNKNOWN;
    return DNNX_OK;
}

/* Fails naming the input's shape, the requested shape and the problem. */
static dnnx_status reshape_fail(op_ctx *ctx, dnnx_status status, const dnnx_tensor *in, const int64_t *shape, size_t n,
                                const char *problem)
{
    char in_text[256], shape_text[256];
    ops_format_shape(ctx, in, in_text, sizeof in_text);
    format_values(shape, n, shape_text, sizeof shape_text);
    return op_fail(ctx, status, "cannot reshape input %s into shape %s: %s", in_text, shape_text, problem);
}

/* Reshape: the output dims for the requested shape. 0 copies the input dim (unless allowzero),
 * one -1 is inferred. With symbolic input dims, the -1 is found by cancelling the copied dims;
 * when a single unknown input dim remains and the known sizes match, the -1 is that dim. */
static dnnx_status reshape_dims(op_ctx *ctx, const dnnx_tensor *in, const int64_t *shape, size_t n, bool allowzero,
                                int64_t *out)
{
    bool copied[DNNX_MAX_RANK] = {false};
    int infer_at = -1;
    bool has_zero = false;
    char problem[128];
    for (size_t k = 0; k < n; k++) {
        int64_t v = shape[k];
        if (v == -1) {
            if (infer_at >= 0)
                return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, "more than one -1");
            infer_at = (int)k;
            out[k] = DIM_UNKNOWN;
        } else if (v < -1) {
            snprintf(problem, sizeof problem, "dim %zu is %lld", k, (long long)v);
            return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, problem);
        } else if (v == 0 && !allowzero) {
            if ((int)k >= in->rank) {
                snprintf(problem, sizeof problem, "dim %zu copies (0) an input dim that does not exist", k);
                return reshape_fail(ctx, ops_shape_status(ctx), in, shape, n, problem);
            }
            out[k] = in->dims[k];
            copied[k] = true;
        } else {
            has_zero |= v == 0;
            out[k] = v;
        }
    }
    if (allowzero && has_zero && infer_at >= 0)
        return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, "0 and -1 together with allowzero=1");

    bool in_concrete = true;
    for (int i = 0; i < in->rank; i++)
        in_concrete &= in->dims[i] >= 0;
    if (in_concrete) {
        size_t total = 0;
        if (tensor_element_count_checked(in->rank, in->dims, &total))
            return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, "the input has too many elements");
        uint64_t known = 1;
        for (size_t k = 0; k < n; k++) {
            if ((int)k == infer_at)
                continue;
            if (out[k] != 0 && known > UINT64_MAX / (uint64_t)out[k])
                return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, "the shape has too many elements");
            known *= (uint64_t)out[k];
        }
        if (infer_at >= 0) {
            if (known == 0)
                return reshape_fail(ctx, ops_shape_status(ctx), in, shape, n,
                                    "the -1 cannot be inferred when the other dims multiply to 0");
            if (total % known) {
                snprintf(problem, sizeof problem, "%zu elements do not divide by %llu", total,
                         (unsigned long long)known);
                return reshape_fail(ctx, ops_shape_status(ctx), in, shape, n, problem);
            }
            out[infer_at] = (int64_t)(total / known);
        } else if (known != total) {
            snprintf(problem, sizeof problem, "%zu elements, not %llu", total, (unsigned long long)known);
            return reshape_fail(ctx, ops_shape_status(ctx), in, shape, n, problem);
        }
        return DNNX_OK;
    }
    if (infer_at < 0)
        return DNNX_OK;

    /* Symbolic input: cancel copied dims, then compare what is left on both sides. */
    uint64_t in_known = 1, out_known = 1;
    int n_unknown = 0;
    int64_t unknown = DIM_UNKNOWN;
    bool zero = false;
    for (int i = 0; i < in->rank; i++) {
        if (copied[i])
            continue;
        if (in->dims[i] < 0) {
            n_unknown++;
            unknown = in->dims[i];
        } else if (in->dims[i] == 0) {
            zero = true;
        } else if (in_known > UINT64_MAX / (uint64_t)in->dims[i]) {
            return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, "the input has too many elements");
        } else {
            in_known *= (uint64_t)in->dims[i];
        }
    }
    for (size_t k = 0; k < n; k++) {
        if ((int)k == infer_at || copied[k])
            continue;
        if (out[k] == 0)
            zero = true;
        else if (out_known > UINT64_MAX / (uint64_t)out[k])
            return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, "the shape has too many elements");
        else
            out_known *= (uint64_t)out[k];
    }
    if (zero)
        return DNNX_OK;
    if (n_unknown == 0) {
        if (in_known % out_known)
            return reshape_fail(ctx, DNNX_ERR_INVALID_MODEL, in, shape, n, "the dims do not divide");
        out[infer_at] = (int64_t)(in_known / out_known);
    } else if (n_unknown == 1 && in_known == out_known) {
        out[infer_at] = unknown;
    }
    return DNNX_OK;
}

static dnnx_status reshape_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    bool allowzero = op_version(ctx) >= 14 && op_attr_int(ctx, "allowzero", 0) != 0;
    if (ctx->status)
        return ctx->status;
    if (!op_input_has_data(ctx, 1)) {
        int rank = 0;
        dnnx_status status = rank_from_shape_input(ctx, 1, &rank);
        if (status)
            return status;
        if (rank < 0)
            set_unknown_rank(ctx, 0, in->dtype);
        else
            ops_set_output_unknown_dims(ctx, 0, in->dtype, rank);
        return DNNX_OK;
    }
    int64_t shape[DNNX_MAX_RANK], dims[DNNX_MAX_RANK];
    size_t n = 0;
    dnnx_status status = read_shape_input(ctx, 1, shape, &n);
    if (status)
        return status;
    status = reshape_dims(ctx, in, shape, n, allowzero, dims);
    if (status)
        return status;
    op_set_output(ctx, 0, in->dtype, (int)n, dims);
    return DNNX_OK;
}

/* Reshape, Flatten, Squeeze, Unsqueeze, Identity: the elements are unchanged. */
static dnnx_status copy_run(op_ctx *ctx)
{
    copy_data(op_output(ctx, 0), op_input(ctx, 0));
    return DNNX_OK;
}

static dnnx_status flatten_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t axis = op_attr_int(ctx, "axis", 1);
    if (ctx->status)
        return ctx->status;
    int64_t lowest = op_version(ctx) >= 11 ? -(int64_t)in->rank : 0;
    if (axis < lowest || axis > in->rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axis %lld is outside [%lld, %d]", (long long)axis,
                       (long long)lowest, in->rank);
    if (axis < 0)
        axis += in->rank;
    int64_t dims[2];
    dnnx_status status = dims_product(ctx, in->dims, 0, (int)axis, &dims[0]);
    if (!status)
        status = dims_product(ctx, in->dims, (int)axis, in->rank, &dims[1]);
    if (status)
        return status;
    op_set_output(ctx, 0, in->dtype, 2, dims);
    return DNNX_OK;
}

/* Axes of Squeeze/Unsqueeze: the attribute before opset 13, input 1 from 13. *present is false
 * when no axes are given; *known is false when the input's data is not known yet (then
 * *count is its length, or -1 if that is unknown too). */
static dnnx_status read_axes(op_ctx *ctx, int64_t *axes, int *count, bool *present, bool *known)
{
    *present = false;
    *known = true;
    *count = 0;
    if (op_version(ctx) < 13) {
        size_t n = 0;
        const int64_t *values = op_attr_ints(ctx, "axes", &n);
        if (ctx->status)
            return ctx->status;
        if (!values)
            return DNNX_OK;
        if (n > DNNX_MAX_RANK)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%zu axes are more than the maximum rank %d", n, DNNX_MAX_RANK);
        memcpy(axes, values, n * sizeof *axes);
        *present = true;
        *count = (int)n;
        return DNNX_OK;
    }
    const dnnx_tensor *t = op_input(ctx, 1);
    if (!t)
        return DNNX_OK;
    *present = true;
    /* A scalar names one axis, as the ONNX reference implementation reads it. */
    if (t->rank > 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axes must be 1-D, not rank %d", t->rank);
    int64_t length = t->rank == 0 ? 1 : t->dims[0];
    if (length > DNNX_MAX_RANK)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%lld axes are more than the maximum rank %d", (long long)length,
                       DNNX_MAX_RANK);
    if (!op_input_has_data(ctx, 1)) {
        *known = false;
        *count = length < 0 ? -1 : (int)length;
        return DNNX_OK;
    }
    size_t n = 0;
    dnnx_status status = ops_read_int_list(ctx, 1, axes, DNNX_MAX_RANK, &n);
    *count = (int)n;
    return status;
}

/* Normalises axes against rank into a mask; fails on out-of-range or repeated axes. */
static dnnx_status axes_mask(op_ctx *ctx, const int64_t *axes, int count, int rank, bool *mask)
{
    for (int d = 0; d < rank; d++)
        mask[d] = false;
    for (int k = 0; k < count; k++) {
        int axis = 0;
        dnnx_status status = op_normalize_axis(ctx, axes[k], rank, &axis);
        if (status)
            return status;
        if (mask[axis])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axis %lld is given more than once", (long long)axes[k]);
        mask[axis] = true;
    }
    return DNNX_OK;
}

static dnnx_status squeeze_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t axes[DNNX_MAX_RANK], dims[DNNX_MAX_RANK];
    int count = 0, rank = 0;
    bool present = false, known = false, mask[DNNX_MAX_RANK];
    dnnx_status status = read_axes(ctx, axes, &count, &present, &known);
    if (status)
        return status;
    if (!known) {
        if (count < 0)
            set_unknown_rank(ctx, 0, in->dtype);
        else if (count > in->rank)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "cannot squeeze %d axes of a rank-%d input", count, in->rank);
        else
            ops_set_output_unknown_dims(ctx, 0, in->dtype, in->rank - count);
        return DNNX_OK;
    }
    if (!present) {
        /* Without axes every size-1 dim goes, so a dim not yet known leaves the rank unknown. */
        for (int d = 0; d < in->rank; d++) {
            if (in->dims[d] < 0) {
                set_unknown_rank(ctx, 0, in->dtype);
                return DNNX_OK;
            }
            if (in->dims[d] != 1)
                dims[rank++] = in->dims[d];
        }
        op_set_output(ctx, 0, in->dtype, rank, dims);
        return DNNX_OK;
    }
    status = axes_mask(ctx, axes, count, in->rank, mask);
    if (status)
        return status;
    for (int d = 0; d < in->rank; d++) {
        if (!mask[d]) {
            dims[rank++] = in->dims[d];
        } else if (in->dims[d] >= 0 && in->dims[d] != 1) {
            char text[256];
            ops_format_shape(ctx, in, text, sizeof text);
            return op_fail(ctx, ops_shape_status(ctx), "cannot squeeze axis %d of input %s: its size is %lld, not 1", d,
                           text, (long long)in->dims[d]);
        }
    }
    op_set_output(ctx, 0, in->dtype, rank, dims);
    return DNNX_OK;
}

static dnnx_status unsqueeze_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t axes[DNNX_MAX_RANK], dims[DNNX_MAX_RANK];
    int count = 0;
    bool present = false, known = false, mask[DNNX_MAX_RANK];
    dnnx_status status = read_axes(ctx, axes, &count, &present, &known);
    if (status)
        return status;
    if (!present)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axes are required");
    if (count >= 0 && in->rank + count > DNNX_MAX_RANK)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "output rank %d is more than the maximum %d", in->rank + count,
                       DNNX_MAX_RANK);
    if (!known) {
        if (count < 0)
            set_unknown_rank(ctx, 0, in->dtype);
        else
            ops_set_output_unknown_dims(ctx, 0, in->dtype, in->rank + count);
        return DNNX_OK;
    }
    int rank = in->rank + count;
    status = axes_mask(ctx, axes, count, rank, mask);
    if (status)
        return status;
    for (int d = 0, k = 0; d < rank; d++)
        dims[d] = mask[d] ? 1 : in->dims[k++];
    op_set_output(ctx, 0, in->dtype, rank, dims);
    return DNNX_OK;
}

/* Shape's [start, end) over the input's dims (attributes from opset 15, clamped to [0, rank]). */
static dnnx_status shape_range(op_ctx *ctx, int rank, int64_t *start, int64_t *end)
{
    *start = 0;
    *end = rank;
    if (op_version(ctx) >= 15) {
        *start = op_attr_int(ctx, "start", 0);
        *end = op_attr_int(ctx, "end", rank);
        if (ctx->status)
            return ctx->status;
    }
    if (*start < 0)
        *start += rank;
    if (*end < 0)
        *end += rank;
    *start = *start < 0 ? 0 : *start > rank ? rank : *start;
    *end = *end < 0 ? 0 : *end > rank ? rank : *end;
    if (*end < *start)
        *end = *start;
    return DNNX_OK;
}

static dnnx_status shape_infer(op_ctx *ctx)
{
    int64_t start = 0, end = 0;
    dnnx_status status = shape_range(ctx, op_input(ctx, 0)->rank, &start, &end);
    if (status)
        return status;
    int64_t length = end - start;
    op_set_output(ctx, 0, DNNX_DTYPE_INT64, 1, &length);
    return DNNX_OK;
}

static dnnx_status shape_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t start = 0, end = 0;
    dnnx_status status = shape_range(ctx, in->rank, &start, &end);
    if (status)
        return status;
    int64_t *out = op_output(ctx, 0)->data;
    for (int64_t d = start; d < end; d++)
        out[d - start] = in->dims[d];
    return DNNX_OK;
}

static dnnx_status size_infer(op_ctx *ctx)
{
    op_set_output(ctx, 0, DNNX_DTYPE_INT64, 0, NULL);
    return DNNX_OK;
}

static dnnx_status size_run(op_ctx *ctx)
{
    *(int64_t *)op_output(ctx, 0)->data = (int64_t)tensor_count(op_input(ctx, 0));
    return DNNX_OK;
}

static dnnx_status identity_infer(op_ctx *ctx)
{
    op_set_output_like(ctx, 0, op_input(ctx, 0));
    return DNNX_OK;
}

/* Dropout at inference copies its input. From opset 12 training_mode (input 2) may ask for real
 * dropout; that is rejected unless the ratio is 0, where training and inference agree. */
static dnnx_status dropout_check_mode(op_ctx *ctx)
{
    if (op_version(ctx) < 12 || !op_input_has_data(ctx, 2))
        return DNNX_OK;
    const dnnx_tensor *mode = op_input(ctx, 2), *ratio = op_input(ctx, 1);
    if (tensor_count(mode) != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "training_mode must be a scalar");
    if (tensor_get_i64(mode, 0) == 0 || (ratio && !op_input_has_data(ctx, 1)))
        return DNNX_OK;
    double rate = 0.5;
    if (ratio) {
        if (tensor_count(ratio) != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "ratio must be a scalar");
        rate = tensor_get_f64(ratio, 0);
    }
    if (rate != 0.0)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "training-mode dropout with ratio %g is not supported", rate);
    return DNNX_OK;
}

static dnnx_status dropout_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    dnnx_status status = dropout_check_mode(ctx);
    if (status)
        return status;
    op_set_output_like(ctx, 0, in);
    op_set_output(ctx, 1, op_version(ctx) >= 10 ? DNNX_DTYPE_BOOL : in->dtype, in->rank, in->dims);
    return DNNX_OK;
}

static dnnx_status dropout_run(op_ctx *ctx)
{
    dnnx_status status = dropout_check_mode(ctx);
    if (status)
        return status;
    copy_data(op_output(ctx, 0), op_input(ctx, 0));
    dnnx_tensor *mask = op_output(ctx, 1);
    if (mask) {
        size_t count = tensor_count(mask);
        for (size_t k = 0; k < count; k++)
            tensor_set_f64(mask, k, 1.0);
    }
    return DNNX_OK;
}

/* Expand's output dims: the input's dims broadcast (both ways) with the requested shape. */
static dnnx_status expand_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    if (!op_input_has_data(ctx, 1)) {
        int rank = 0;
        dnnx_status status = rank_from_shape_input(ctx, 1, &rank);
        if (status)
            return status;
        if (rank < 0)
            set_unknown_rank(ctx, 0, in->dtype);
        else
            ops_set_output_unknown_dims(ctx, 0, in->dtype, rank > in->rank ? rank : in->rank);
        return DNNX_OK;
    }
    dnnx_tensor requested;
    int64_t shape[DNNX_MAX_RANK], dims[DNNX_MAX_RANK];
    size_t n = 0;
    dnnx_status status = read_shape_input(ctx, 1, shape, &n);
    if (status)
        return status;
    for (size_t k = 0; k < n; k++) {
        if (shape[k] < 0) {
            char text[256];
            format_values(shape, n, text, sizeof text);
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "shape %s has a negative dim", text);
        }
    }
    tensor_init_shape(&requested, in->dtype, (int)n, shape);
    const dnnx_tensor *both[2] = {in, &requested};
    int rank = 0;
    status = op_broadcast_shapes(ctx, both, 2, &rank, dims);
    if (status)
        return status;
    op_set_output(ctx, 0, in->dtype, rank, dims);
    return DNNX_OK;
}

static dnnx_status expand_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    dnnx_tensor *out = op_output(ctx, 0);
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (status)
        return status;
    int64_t in_strides[DNNX_MAX_RANK], strides[DNNX_MAX_RANK];
    ops_strides(in, in_strides);
    for (int d = out->rank - 1, k = in->rank - 1; d >= 0; d--, k--)
        strides[d] = k >= 0 && in->dims[k] != 1 ? in_strides[k] : 0;
    ops_strided_copy(out->data, in->data, out->rank, out->dims, strides, size);
    return DNNX_OK;
}

/* ConstantOfShape's fill value: the one-element 'value' tensor, float 0 by default. */
static dnnx_status constant_of_shape_value(op_ctx *ctx, const dnnx_tensor **value)
{
    *value = op_attr_tensor(ctx, "value");
    if (ctx->status)
        return ctx->status;
    if (!*value)
        return DNNX_OK;
    if (tensor_dtype_size((*value)->dtype) == 0)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "value of dtype %s is not supported",
                       dnnx_dtype_name((*value)->dtype));
    size_t count = 0;
    if (tensor_element_count_checked((*value)->rank, (*value)->dims, &count) || count != 1 || !(*value)->data)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "value must hold exactly one element");
    return DNNX_OK;
}

static dnnx_status constant_of_shape_infer(op_ctx *ctx)
{
    const dnnx_tensor *value;
    dnnx_status status = constant_of_shape_value(ctx, &value);
    if (status)
        return status;
    dnnx_dtype dtype = value ? value->dtype : DNNX_DTYPE_FLOAT;
    if (!op_input_has_data(ctx, 0)) {
        int rank = 0;
        status = rank_from_shape_input(ctx, 0, &rank);
        if (status)
            return status;
        if (rank < 0)
            set_unknown_rank(ctx, 0, dtype);
        else
            ops_set_output_unknown_dims(ctx, 0, dtype, rank);
        return DNNX_OK;
    }
    int64_t dims[DNNX_MAX_RANK];
    size_t n = 0, bytes = 0;
    status = read_shape_input(ctx, 0, dims, &n);
    if (status)
        return status;
    for (size_t k = 0; k < n; k++) {
        if (dims[k] < 0) {
            char text[256];
            format_values(dims, n, text, sizeof text);
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "shape %s has a negative dim", text);
        }
    }
    if (tensor_bytes_checked(dtype, (int)n, dims, &bytes)) {
        char text[256];
        format_values(dims, n, text, sizeof text);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "shape %s is too large", text);
    }
    op_set_output(ctx, 0, dtype, (int)n, dims);
    return DNNX_OK;
}

static dnnx_status constant_of_shape_run(op_ctx *ctx)
{
    const dnnx_tensor *value;
    dnnx_status status = constant_of_shape_value(ctx, &value);
    if (status)
        return status;
    dnnx_tensor *out = op_output(ctx, 0);
    if (!value) {
        memset(out->data, 0, tensor_bytes(out));
        return DNNX_OK;
    }
    fill_elements(out->data, value->data, tensor_count(out), tensor_dtype_size(out->dtype));
    return DNNX_OK;
}

/* Constant's attribute: exactly one of the value attributes of its version. */
static const char *const constant_attrs[] = {"value",     "sparse_value", "value_float",  "value_floats",
                                             "value_int", "value_ints",   "value_string", "value_strings"};

static dnnx_status constant_attr(op_ctx *ctx, const char **name)
{
    int found = 0;
    *name = NULL;
    for (size_t k = 0; k < sizeof constant_attrs / sizeof constant_attrs[0]; k++) {
        if (op_has_attr(ctx, constant_attrs[k])) {
            *name = constant_attrs[k];
            found++;
        }
    }
    if (found != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "needs exactly one value attribute, not %d", found);
    if (strcmp(*name, "value") && op_version(ctx) < (strcmp(*name, "sparse_value") ? 12 : 11))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' is not defined before opset %d", *name,
                       strcmp(*name, "sparse_value") ? 12 : 11);
    if (!strcmp(*name, "sparse_value") || !strcmp(*name, "value_string") || !strcmp(*name, "value_strings"))
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "attribute '%s' is not supported", *name);
    return DNNX_OK;
}

static dnnx_status constant_infer(op_ctx *ctx)
{
    const char *name;
    dnnx_status status = constant_attr(ctx, &name);
    if (status)
        return status;
    if (!strcmp(name, "value")) {
        const dnnx_tensor *value = op_attr_tensor(ctx, "value");
        if (ctx->status)
            return ctx->status;
        size_t bytes = 0;
        if (tensor_dtype_size(value->dtype) == 0)
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "value of dtype %s is not supported",
                           dnnx_dtype_name(value->dtype));
        if (tensor_bytes_checked(value->dtype, value->rank, value->dims, &bytes) || (bytes && !value->data))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "value tensor has no valid data");
        op_set_output(ctx, 0, value->dtype, value->rank, value->dims);
        return DNNX_OK;
    }
    size_t count = 0;
    bool is_float = !strncmp(name, "value_float", 11);
    bool is_list = name[strlen(name) - 1] == 's';
    if (is_list && is_float)
        op_attr_floats(ctx, name, &count);
    else if (is_list)
        op_attr_ints(ctx, name, &count);
    else if (is_float)
        op_attr_float(ctx, name, 0.0f);
    else
        op_attr_int(ctx, name, 0);
    if (ctx->status)
        return ctx->status;
    int64_t dim = (int64_t)count;
    op_set_output(ctx, 0, is_float ? DNNX_DTYPE_FLOAT : DNNX_DTYPE_INT64, is_list ? 1 : 0, &dim);
    return DNNX_OK;
}

static dnnx_status constant_run(op_ctx *ctx)
{
    const char *name;
    dnnx_status status = constant_attr(ctx, &name);
    if (status)
        return status;
    dnnx_tensor *out = op_output(ctx, 0);
    size_t count = 0;
    if (!strcmp(name, "value")) {
        const dnnx_tensor *value = op_attr_tensor(ctx, "value");
        if (ctx->status)
            return ctx->status;
        copy_data(out, value);
    } else if (!strcmp(name, "value_float")) {
        *(float *)out->data = op_attr_float(ctx, name, 0.0f);
    } else if (!strcmp(name, "value_int")) {
        *(int64_t *)out->data = op_attr_int(ctx, name, 0);
    } else if (!strcmp(name, "value_floats")) {
        const float *values = op_attr_floats(ctx, name, &count);
        if (count)
            memcpy(out->data, values, count * sizeof *values);
    } else {
        const int64_t *values = op_attr_ints(ctx, name, &count);
        if (count)
            memcpy(out->data, values, count * sizeof *values);
    }
    return ctx->status;
}

/* Range's element count max(ceil((limit - start) / delta), 0), exact for integer types. */
static dnnx_status range_count(op_ctx *ctx, int64_t *count)
{
    const dnnx_tensor *start = op_input(ctx, 0), *limit = op_input(ctx, 1), *delta = op_input(ctx, 2);
    if (ops_dtype_is_float(start->dtype)) {
        double s = tensor_get_f64(start, 0), l = tensor_get_f64(limit, 0), d = tensor_get_f64(delta, 0);
        if (d == 0.0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "delta is 0");
        if (!isfinite(s) || !isfinite(l) || !isfinite(d))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "start %g, limit %g and delta %g must be finite", s, l, d);
        double n = ceil((l - s) / d);
        if (n > 9.0e18)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "range of %g elements is too large", n);
        *count = n > 0 ? (int64_t)n : 0;
        return DNNX_OK;
    }
    int64_t s = tensor_get_i64(start, 0), l = tensor_get_i64(limit, 0), d = tensor_get_i64(delta, 0);
    if (d == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "delta is 0");
    uint64_t span, step;
    if (d > 0 && l > s) {
        span = (uint64_t)l - (uint64_t)s;
        step = (uint64_t)d;
    } else if (d < 0 && l < s) {
        span = (uint64_t)s - (uint64_t)l;
        step = (uint64_t)0 - (uint64_t)d;
    } else {
        *count = 0;
        return DNNX_OK;
    }
    uint64_t n = span / step + (span % step != 0);
    *count = n > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)n; /* past any limit either way */
    return DNNX_OK;
}

static dnnx_status range_infer(op_ctx *ctx)
{
    static const dnnx_dtype allowed[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_INT16,
                                         DNNX_DTYPE_INT32, DNNX_DTYPE_INT64,  DNNX_DTYPE_UNDEFINED};
    static const char *const names[] = {"start", "limit", "delta"};
    dnnx_status status = op_check_dtype(ctx, 0, allowed);
    if (!status)
        status = op_check_same_dtype(ctx, 0, 1);
    if (!status)
        status = op_check_same_dtype(ctx, 0, 2);
    if (status)
        return status;
    bool known = true;
    for (int i = 0; i < 3; i++) {
        const dnnx_tensor *t = op_input(ctx, i);
        if (t->rank > 1 || (t->rank == 1 && t->dims[0] >= 0 && t->dims[0] != 1))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be a scalar", names[i]);
        known &= op_input_has_data(ctx, i) && (t->rank == 0 || t->dims[0] == 1);
    }
    int64_t count = DIM_UNKNOWN;
    if (known) {
        status = range_count(ctx, &count);
        if (status)
            return status;
        size_t bytes = 0;
        if (tensor_bytes_checked(op_input(ctx, 0)->dtype, 1, &count, &bytes))
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "range of %lld elements is too large", (long long)count);
    }
    op_set_output(ctx, 0, op_input(ctx, 0)->dtype, 1, &count);
    return DNNX_OK;
}

static dnnx_status range_run(op_ctx *ctx)
{
    const dnnx_tensor *start = op_input(ctx, 0), *delta = op_input(ctx, 2);
    dnnx_tensor *out = op_output(ctx, 0);
    size_t count = tensor_count(out);
    if (ops_dtype_is_float(out->dtype)) {
        double s = tensor_get_f64(start, 0), d = tensor_get_f64(delta, 0);
        for (size_t i = 0; i < count; i++)
            tensor_set_f64(out, i, s + (double)i * d);
    } else {
        /* Unsigned arithmetic wraps instead of overflowing; the values fit by construction. */
        uint64_t s = (uint64_t)tensor_get_i64(start, 0), d = (uint64_t)tensor_get_i64(delta, 0);
        for (size_t i = 0; i < count; i++)
            tensor_set_i64(out, i, (int64_t)(s + (uint64_t)i * d));
    }
    return DNNX_OK;
}

/* EyeLike's output dtype: the 'dtype' attribute, else the input's. */
static dnnx_status eye_like_dtype(op_ctx *ctx, dnnx_dtype *dtype)
{
    *dtype = op_input(ctx, 0)->dtype;
    if (!op_has_attr(ctx, "dtype"))
        return DNNX_OK;
    int64_t value = op_attr_int(ctx, "dtype", 0);
    if (ctx->status)
        return ctx->status;
    if (value < 0 || value > 1000 || !tensor_dtype_is_valid((int)value))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "dtype %lld is not a supported element type", (long long)value);
    *dtype = (dnnx_dtype)value;
    return DNNX_OK;
}

static dnnx_status eye_like_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    dnnx_dtype dtype = DNNX_DTYPE_UNDEFINED;
    op_attr_int(ctx, "k", 0);
    dnnx_status status = ctx->status ? ctx->status : eye_like_dtype(ctx, &dtype);
    if (status)
        return status;
    if (in->rank != 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input must be 2-D, not rank %d", in->rank);
    op_set_output(ctx, 0, dtype, 2, in->dims);
    return DNNX_OK;
}

static dnnx_status eye_like_run(op_ctx *ctx)
{
    dnnx_tensor *out = op_output(ctx, 0);
    int64_t k = op_attr_int(ctx, "k", 0), rows = out->dims[0], cols = out->dims[1];
    if (ctx->status)
        return ctx->status;
    memset(out->data, 0, tensor_bytes(out));
    /* Row i has its one at column i + k; only rows whose column is inside [0, cols) have one. */
    if (k >= cols || k <= -rows)
        return DNNX_OK;
    for (int64_t i = k < 0 ? -k : 0; i < rows && i + k < cols; i++)
        tensor_set_f64(out, (size_t)(i * cols + i + k), 1.0);
    return DNNX_OK;
}

const op_schema ops_shape_schemas[] = {
    {"", "Reshape", 5, 2, 2, 1, 1, reshape_infer, copy_run},
    {"", "Reshape", 13, 2, 2, 1, 1, reshape_infer, copy_run},
    {"", "Reshape", 14, 2, 2, 1, 1, reshape_infer, copy_run},
    {"", "Reshape", 19, 2, 2, 1, 1, reshape_infer, copy_run},
    {"", "Reshape", 21, 2, 2, 1, 1, reshape_infer, copy_run},
    {"", "Reshape", 23, 2, 2, 1, 1, reshape_infer, copy_run},
    {"", "Flatten", 1, 1, 1, 1, 1, flatten_infer, copy_run},
    {"", "Flatten", 9, 1, 1, 1, 1, flatten_infer, copy_run},
    {"", "Flatten", 11, 1, 1, 1, 1, flatten_infer, copy_run},
    {"", "Flatten", 13, 1, 1, 1, 1, flatten_infer, copy_run},
    {"", "Flatten", 21, 1, 1, 1, 1, flatten_infer, copy_run},
    {"", "Flatten", 23, 1, 1, 1, 1, flatten_infer, copy_run},
    {"", "Squeeze", 1, 1, 1, 1, 1, squeeze_infer, copy_run},
    {"", "Squeeze", 11, 1, 1, 1, 1, squeeze_infer, copy_run},
    {"", "Squeeze", 13, 1, 2, 1, 1, squeeze_infer, copy_run},
    {"", "Squeeze", 21, 1, 2, 1, 1, squeeze_infer, copy_run},
    {"", "Squeeze", 23, 1, 2, 1, 1, squeeze_infer, copy_run},
    {"", "Unsqueeze", 1, 1, 1, 1, 1, unsqueeze_infer, copy_run},
    {"", "Unsqueeze", 11, 1, 1, 1, 1, unsqueeze_infer, copy_run},
    {"", "Unsqueeze", 13, 2, 2, 1, 1, unsqueeze_infer, copy_run},
    {"", "Unsqueeze", 21, 2, 2, 1, 1, unsqueeze_infer, copy_run},
    {"", "Unsqueeze", 23, 2, 2, 1, 1, unsqueeze_infer, copy_run},
    {"", "Shape", 1, 1, 1, 1, 1, shape_infer, shape_run},
    {"", "Shape", 13, 1, 1, 1, 1, shape_infer, shape_run},
    {"", "Shape", 15, 1, 1, 1, 1, shape_infer, shape_run},
    {"", "Shape", 19, 1, 1, 1, 1, shape_infer, shape_run},
    {"", "Shape", 21, 1, 1, 1, 1, shape_infer, shape_run},
    {"", "Shape", 23, 1, 1, 1, 1, shape_infer, shape_run},
    {"", "Size", 1, 1, 1, 1, 1, size_infer, size_run},
    {"", "Size", 13, 1, 1, 1, 1, size_infer, size_run},
    {"", "Size", 19, 1, 1, 1, 1, size_infer, size_run},
    {"", "Size", 21, 1, 1, 1, 1, size_infer, size_run},
    {"", "Size", 23, 1, 1, 1, 1, size_infer, size_run},
    {"", "Identity", 1, 1, 1, 1, 1, identity_infer, copy_run},
    {"", "Identity", 13, 1, 1, 1, 1, identity_infer, copy_run},
    {"", "Identity", 14, 1, 1, 1, 1, identity_infer, copy_run},
    {"", "Identity", 16, 1, 1, 1, 1, identity_infer, copy_run},
    {"", "Identity", 19, 1, 1, 1, 1, identity_infer, copy_run},
    {"", "Identity", 21, 1, 1, 1, 1, identity_infer, copy_run},
    {"", "Identity", 23, 1, 1, 1, 1, identity_infer, copy_run},
    {"", "Dropout", 6, 1, 1, 1, 2, dropout_infer, dropout_run},
    {"", "Dropout", 7, 1, 1, 1, 2, dropout_infer, dropout_run},
    {"", "Dropout", 10, 1, 1, 1, 2, dropout_infer, dropout_run},
    {"", "Dropout", 12, 1, 3, 1, 2, dropout_infer, dropout_run},
    {"", "Dropout", 13, 1, 3, 1, 2, dropout_infer, dropout_run},
    {"", "Dropout", 22, 1, 3, 1, 2, dropout_infer, dropout_run},
    {"", "Expand", 8, 2, 2, 1, 1, expand_infer, expand_run},
    {"", "Expand", 13, 2, 2, 1, 1, expand_infer, expand_run},
    {"", "ConstantOfShape", 9, 1, 1, 1, 1, constant_of_shape_infer, constant_of_shape_run},
    {"", "ConstantOfShape", 20, 1, 1, 1, 1, constant_of_shape_infer, constant_of_shape_run},
    {"", "ConstantOfShape", 21, 1, 1, 1, 1, constant_of_shape_infer, constant_of_shape_run},
    {"", "ConstantOfShape", 23, 1, 1, 1, 1, constant_of_shape_infer, constant_of_shape_run},
    {"", "Constant", 1, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Constant", 9, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Constant", 11, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Constant", 12, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Constant", 13, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Constant", 19, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Constant", 21, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Constant", 23, 0, 0, 1, 1, constant_infer, constant_run},
    {"", "Range", 11, 3, 3, 1, 1, range_infer, range_run},
    {"", "EyeLike", 9, 1, 1, 1, 1, eye_like_infer, eye_like_run},
    {"", "EyeLike", 22, 1, 1, 1, 1, eye_like_infer, eye_like_run},
};
OPS_FAMILY_COUNT(shape);

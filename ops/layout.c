/* Ops that move elements to new positions: Transpose, Concat, Split, Slice, Tile, Pad,
 * Trilu, DepthToSpace, SpaceToDepth, ReverseSequence. Kernels move contiguous runs with
 * memcpy wherever the layout allows (Transpose, Concat and Slice are hot in Transformers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

/* a * b for dims that may be symbolic: concrete if both are, 0 if either is 0, the symbol when
 * the other is 1, else DIM_UNKNOWN. Fails on overflow. */
static dnnx_status dim_mul(op_ctx *ctx, int64_t a, int64_t b, int64_t *out)
{
    if (a == 0 || b == 0)
        *out = 0;
    else if (a == 1 || b == 1)
        *out = a == 1 ? b : a;
    else if (a < 0 || b < 0)
        *out = DIM_UNKNOWN;
    else if (a > INT64_MAX / b)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "dim %lld * %lld overflows", (long long)a, (long long)b);
    else
        *out = a * b;
    return DNNX_OK;
}

/* Writes src (rank, dims) transposed by perm into dst: output axis i is input axis perm[i]. */
static void transpose_copy(void *dst, const void *src, int rank, const int64_t *dims, const int *perm, size_t size)
{
    int64_t in_strides[DNNX_MAX_RANK], out_dims[DNNX_MAX_RANK], strides[DNNX_MAX_RANK], stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
        in_strides[d] = stride;
        stride *= dims[d];
    }
    for (int i = 0; i < rank; i++) {
        out_dims[i] = dims[perm[i]];
        strides[i] = in_strides[perm[i]];
    }
    ops_strided_copy(dst, src, rank, out_dims, strides, size);
}

/* Transpose's permutation: the 'perm' attribute (checked to be a permutation of the input's
 * axes) or the reversed axes. */
static dnnx_status transpose_perm(op_ctx *ctx, int rank, int *perm)
{
    size_t n = 0;
    const int64_t *values = op_attr_ints(ctx, "perm", &n);
    if (ctx->status)
        return ctx->status;
    if (!values) {
        for (int i = 0; i < rank; i++)
            perm[i] = rank - 1 - i;
        return DNNX_OK;
    }
    if (n != (size_t)rank)
        return op_fail(ctx, ops_shape_status(ctx), "perm has %zu entries for a rank-%d input", n, rank);
    bool seen[DNNX_MAX_RANK] = {false};
    for (int i = 0; i < rank; i++) {
        if (values[i] < 0 || values[i] >= rank || seen[values[i]])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "perm is not a permutation of 0..%d (entry %d is %lld)",
                           rank - 1, i, (long long)values[i]);
        seen[values[i]] = true;
        perm[i] = (int)values[i];
    }
    return DNNX_OK;
}

static dnnx_status transpose_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int perm[DNNX_MAX_RANK];
    int64_t dims[DNNX_MAX_RANK];
    dnnx_status status = transpose_perm(ctx, in->rank, perm);
    if (status)
        return status;
    for (int i = 0; i < in->rank; i++)
        dims[i] = in->dims[perm[i]];
    op_set_output(ctx, 0, in->dtype, in->rank, dims);
    return DNNX_OK;
}

static dnnx_status transpose_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int perm[DNNX_MAX_RANK];
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (!status)
        status = transpose_perm(ctx, in->rank, perm);
    if (status)
        return status;
    transpose_copy(op_output(ctx, 0)->data, in->data, in->rank, in->dims, perm, size);
    return DNNX_OK;
}

/* Concat's axis, normalised against the first input's rank. */
static dnnx_status concat_axis(op_ctx *ctx, int rank, int *axis)
{
    int64_t value = op_attr_int(ctx, "axis", op_version(ctx) < 4 ? 1 : INT64_MIN);
    if (ctx->status)
        return ctx->status;
    if (value == INT64_MIN)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'axis' is required");
    if (rank == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "cannot concatenate scalars");
    return op_normalize_axis(ctx, value, rank, axis);
}

static dnnx_status concat_infer(op_ctx *ctx)
{
    const dnnx_tensor *first = op_input(ctx, 0);
    int axis = 0;
    if (!first)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 0 is missing");
    dnnx_status status = concat_axis(ctx, first->rank, &axis);
    if (status)
        return status;
    int64_t dims[DNNX_MAX_RANK];
    memcpy(dims, first->dims, sizeof dims);
    for (int k = 1; k < ctx->n_inputs; k++) {
        const dnnx_tensor *t = op_input(ctx, k);
        if (!t)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d is missing", k);
        if (t->dtype != first->dtype)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d has dtype %s, input 0 has %s", k,
                           dnnx_dtype_name(t->dtype), dnnx_dtype_name(first->dtype));
        if (t->rank != first->rank) {
            char a[256], b[256];
            ops_format_shape(ctx, first, a, sizeof a);
            ops_format_shape(ctx, t, b, sizeof b);
            return op_fail(ctx, ops_shape_status(ctx), "input %d %s and input 0 %s have different ranks", k, b, a);
        }
        for (int d = 0; d < t->rank; d++) {
            if (d == axis) {
                if (dims[d] >= 0 && t->dims[d] >= 0) {
                    if (dims[d] > INT64_MAX - t->dims[d])
                        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "concatenated dim overflows");
                    dims[d] += t->dims[d];
                } else {
                    dims[d] = DIM_UNKNOWN;
                }
            } else if (dims[d] >= 0 && t->dims[d] >= 0 && dims[d] != t->dims[d]) {
                char a[256], b[256];
                ops_format_shape(ctx, first, a, sizeof a);
                ops_format_shape(ctx, t, b, sizeof b);
                return op_fail(ctx, ops_shape_status(ctx),
                               "input %d %s and input 0 %s differ on axis %d, not only on axis %d", k, b, a, d, axis);
            } else {
                status = op_merge_dim(ctx, dims[d], t->dims[d], "concatenated dims", &dims[d]);
                if (status)
                    return status;
            }
        }
    }
    op_set_output(ctx, 0, first->dtype, first->rank, dims);
    return DNNX_OK;
}

static dnnx_status concat_run(op_ctx *ctx)
{
    dnnx_tensor *out = op_output(ctx, 0);
    int axis = 0;
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, out, &size);
    if (!status)
        status = concat_axis(ctx, out->rank, &axis);
    if (status)
        return status;
    size_t outer = 1, inner = size;
    for (int d = 0; d < axis; d++)
        outer *= (size_t)out->dims[d];
    for (int d = axis + 1; d < out->rank; d++)
        inner *= (size_t)out->dims[d];
    size_t out_row = (size_t)out->dims[axis] * inner, offset = 0;
    for (int k = 0; k < ctx->n_inputs; k++) {
        const dnnx_tensor *in = op_input(ctx, k);
        size_t row = (size_t)in->dims[axis] * inner;
        if (row == 0)
            continue;
        const char *src = in->data;
        char *dst = (char *)out->data + offset;
        for (size_t o = 0; o < outer; o++)
            memcpy(dst + o * out_row, src + o * row, row);
        offset += row;
    }
    return DNNX_OK;
}

/* Split's axis and the size of each output along it; *known is false when the sizes cannot be
 * known yet (a split input without data, or a symbolic dim split evenly). sizes has one entry
 * per output. */
static dnnx_status split_sizes(op_ctx *ctx, int *axis, int64_t *sizes, bool *known)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int version = op_version(ctx), n = ctx->n_outputs;
    int64_t axis_value = op_attr_int(ctx, "axis", 0);
    int64_t num_outputs = version >= 18 ? op_attr_int(ctx, "num_outputs", 0) : 0;
    bool has_num_outputs = version >= 18 && op_has_attr(ctx, "num_outputs");
    if (ctx->status)
        return ctx->status;
    if (in->rank == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "cannot split a scalar");
    dnnx_status status = op_normalize_axis(ctx, axis_value, in->rank, axis);
    if (status)
        return status;
    int64_t dim = in->dims[*axis];
    *known = true;

    bool given = false;
    if (version < 13) {
        size_t count = 0;
        const int64_t *values = op_attr_ints(ctx, "split", &count);
        if (ctx->status)
            return ctx->status;
        if (values) {
            if (count != (size_t)n)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "split has %zu sizes for %d outputs", count, n);
            memcpy(sizes, values, count * sizeof *sizes);
            given = true;
        }
    } else if (op_input(ctx, 1)) {
        const dnnx_tensor *split = op_input(ctx, 1);
        if (split->rank != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "split must be 1-D, not rank %d", split->rank);
        if (split->dims[0] >= 0 && split->dims[0] != n)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "split has %lld sizes for %d outputs",
                           (long long)split->dims[0], n);
        if (!op_input_has_data(ctx, 1)) {
            *known = false;
            return DNNX_OK;
        }
        size_t count = 0;
        status = ops_read_int_list(ctx, 1, sizes, (size_t)n, &count);
        if (status)
            return status;
        given = true;
    }
    if (given && has_num_outputs)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "split and num_outputs are both given");
    if (given) {
        int64_t total = 0;
        for (int k = 0; k < n; k++) {
            if (sizes[k] < 0)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "split size %d is %lld", k, (long long)sizes[k]);
            if (sizes[k] > INT64_MAX - total)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "split sizes overflow");
            total += sizes[k];
        }
        if (dim >= 0 && total != dim)
            return op_fail(ctx, ops_shape_status(ctx), "split sizes add up to %lld, not to the dim %lld of axis %d",
                           (long long)total, (long long)dim, *axis);
        return DNNX_OK;
    }
    if (has_num_outputs && num_outputs != n)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "num_outputs is %lld but the node has %d outputs",
                       (long long)num_outputs, n);
    if (dim < 0) {
        *known = false;
        return DNNX_OK;
    }
    /* num_outputs (opset 18) allows a smaller last chunk; otherwise the split must be even. */
    int64_t chunk = dim / n + (has_num_outputs && dim % n != 0);
    if (!has_num_outputs && dim % n)
        return op_fail(ctx, ops_shape_status(ctx), "dim %lld of axis %d does not split evenly into %d outputs",
                       (long long)dim, *axis, n);
    if (n > 1 && chunk > dim / (n - 1))
        return op_fail(ctx, ops_shape_status(ctx), "dim %lld of axis %d cannot split into %d outputs of %lld",
                       (long long)dim, *axis, n, (long long)chunk);
    for (int k = 0; k < n; k++)
        sizes[k] = k < n - 1 ? chunk : dim - chunk * (n - 1);
    return DNNX_OK;
}

static dnnx_status split_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int axis = 0;
    bool known = false;
    int64_t *sizes = malloc((size_t)ctx->n_outputs * sizeof *sizes);
    if (!sizes)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    dnnx_status status = split_sizes(ctx, &axis, sizes, &known);
    if (!status) {
        int64_t dims[DNNX_MAX_RANK];
        memcpy(dims, in->dims, sizeof dims);
        for (int k = 0; k < ctx->n_outputs; k++) {
            dims[axis] = known ? sizes[k] : DIM_UNKNOWN;
            op_set_output(ctx, k, in->dtype, in->rank, dims);
        }
    }
    free(sizes);
    return status;
}

static dnnx_status split_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int axis = 0;
    bool known = false;
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (status)
        return status;
    int64_t *sizes = malloc((size_t)ctx->n_outputs * sizeof *sizes);
    if (!sizes)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    status = split_sizes(ctx, &axis, sizes, &known);
    if (!status) {
        size_t outer = 1, inner = size;
        for (int d = 0; d < axis; d++)
            outer *= (size_t)in->dims[d];
        for (int d = axis + 1; d < in->rank; d++)
            inner *= (size_t)in->dims[d];
        size_t in_row = (size_t)in->dims[axis] * inner, offset = 0;
        for (int k = 0; k < ctx->n_outputs; k++) {
            size_t row = (size_t)sizes[k] * inner;
            dnnx_tensor *out = op_output(ctx, k);
            if (out && row) {
                const char *src = (const char *)in->data + offset;
                char *dst = out->data;
                for (size_t o = 0; o < outer; o++)
                    memcpy(dst + o * row, src + o * in_row, row);
            }
            offset += row;
        }
    }
    free(sizes);
    return status;
}

/* One sliced axis: first index, step and output size, clamped as the ONNX spec says. */
static void slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first, int64_t *count)
{
    if (start < 0)
        start += dim;
    if (end < 0)
        end += dim;
    /* Counts are ceil(|end - start| / |step|), written so no step (even INT64_MIN) overflows. */
    if (step > 0) {
        start = start < 0 ? 0 : start > dim ? dim : start;
        end = end < 0 ? 0 : end > dim ? dim : end;
        *count = end > start ? (end - start - 1) / step + 1 : 0;
    } else {
        start = start < 0 ? 0 : start > dim - 1 ? dim - 1 : start;
        end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
        *count = dim > 0 && start > end ? (end - start + 1) / step + 1 : 0;
    }
    *first = *count ? start : 0;
}

/* Slice's parameters, from attributes before opset 10 and inputs from 10, per input axis:
 * sliced[d], start, end and step. *known is false when some are not known yet (then only
 * sliced[] is valid if *axes_known). */
typedef struct slice_params {
    bool sliced[DNNX_MAX_RANK];
    int64_t start[DNNX_MAX_RANK], end[DNNX_MAX_RANK], step[DNNX_MAX_RANK];
    bool known, axes_known;
} slice_params;

/* Reads a list from attribute name (before opset 10) or input i (from 10); *present false if
 * absent, *known false if the input's data is not known yet. */
static dnnx_status slice_list(op_ctx *ctx, const char *name, int i, int64_t *values, size_t *count, bool *present,
                              bool *known)
{
    *present = false;
    *known = true;
    *count = 0;
    if (op_version(ctx) < 10) {
        const int64_t *attr = op_attr_ints(ctx, name, count);
        if (ctx->status)
            return ctx->status;
        if (!attr)
            return DNNX_OK;
        if (*count > DNNX_MAX_RANK)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s has %zu entries, more than the maximum rank %d", name,
                           *count, DNNX_MAX_RANK);
        memcpy(values, attr, *count * sizeof *values);
        *present = true;
        return DNNX_OK;
    }
    const dnnx_tensor *t = op_input(ctx, i);
    if (!t)
        return DNNX_OK;
    *present = true;
    if (t->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be 1-D, not rank %d", name, t->rank);
    if (!op_input_has_data(ctx, i)) {
        *known = false;
        return DNNX_OK;
    }
    return ops_read_int_list(ctx, i, values, DNNX_MAX_RANK, count);
}

static dnnx_status slice_read(op_ctx *ctx, int rank, slice_params *p)
{
    static const char *const names[] = {"starts", "ends", "axes", "steps"};
    int64_t lists[4][DNNX_MAX_RANK];
    size_t counts[4];
    bool present[4], known[4];
    memset(p, 0, sizeof *p);
    for (int k = 0; k < 4; k++) {
        dnnx_status status = slice_list(ctx, names[k], k + 1, lists[k], &counts[k], &present[k], &known[k]);
        if (status)
            return status;
    }
    if (!present[0] || !present[1])
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "starts and ends are required");
    p->axes_known = known[2] && (present[2] || known[0]);
    p->known = known[0] && known[1] && known[2] && known[3];
    if (!p->axes_known)
        return DNNX_OK;
    size_t n = present[2] ? counts[2] : counts[0];
    for (int k = 0; k < 4; k++) {
        if (present[k] && known[k] && counts[k] != n)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s has %zu entries, %s has %zu", names[k], counts[k],
                           present[2] ? "axes" : "starts", n);
    }
    for (size_t j = 0; j < n; j++) {
        int64_t value = present[2] ? lists[2][j] : (int64_t)j;
        int axis = 0;
        dnnx_status status = op_normalize_axis(ctx, value, rank, &axis);
        if (status)
            return status;
        if (p->sliced[axis])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axis %lld is sliced more than once", (long long)value);
        p->sliced[axis] = true;
        if (!p->known)
            continue;
        p->start[axis] = lists[0][j];
        p->end[axis] = lists[1][j];
        p->step[axis] = present[3] ? lists[3][j] : 1;
        if (p->step[axis] == 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "step of axis %d is 0", axis);
    }
    return DNNX_OK;
}

static dnnx_status slice_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    slice_params p;
    dnnx_status status = slice_read(ctx, in->rank, &p);
    if (status)
        return status;
    if (!p.axes_known) {
        ops_set_output_unknown_dims(ctx, 0, in->dtype, in->rank);
        return DNNX_OK;
    }
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0; d < in->rank; d++) {
        int64_t first = 0;
        if (!p.sliced[d])
            dims[d] = in->dims[d];
        else if (!p.known)
            dims[d] = DIM_UNKNOWN;
        else if (in->dims[d] >= 0)
            slice_axis(in->dims[d], p.start[d], p.end[d], p.step[d], &first, &dims[d]);
        else
            /* A whole symbolic axis taken forwards keeps its symbol. */
            dims[d] = p.start[d] == 0 && p.end[d] == INT64_MAX && p.step[d] == 1 ? in->dims[d] : DIM_UNKNOWN;
    }
    op_set_output(ctx, 0, in->dtype, in->rank, dims);
    return DNNX_OK;
}

static dnnx_status slice_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    dnnx_tensor *out = op_output(ctx, 0);
    slice_params p;
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (!status)
        status = slice_read(ctx, in->rank, &p);
    if (status)
        return status;
    int64_t in_strides[DNNX_MAX_RANK], strides[DNNX_MAX_RANK], dims[DNNX_MAX_RANK], offset = 0;
    ops_strides(in, in_strides);
    for (int d = 0; d < in->rank; d++) {
        int64_t first = 0, step = 1;
        dims[d] = in->dims[d];
        if (p.sliced[d]) {
            slice_axis(in->dims[d], p.start[d], p.end[d], p.step[d], &first, &dims[d]);
            step = p.step[d];
        }
        if (dims[d] != out->dims[d])
            return op_fail(ctx, DNNX_ERR_INTERNAL, "output dim %d is %lld, expected %lld", d, (long long)out->dims[d],
                           (long long)dims[d]);
        offset += first * in_strides[d];
        /* With two or more elements taken, |step| * stride stays inside the input; with one the
         * stride is unused (and a huge step would overflow). */
        strides[d] = dims[d] > 1 ? step * in_strides[d] : 0;
    }
    if (tensor_count(out) == 0)
        return DNNX_OK;
    ops_strided_copy(out->data, (const char *)in->data + offset * (int64_t)size, in->rank, dims, strides, size);
    return DNNX_OK;
}

/* Tile's repeats (input 1): one non-negative count per input axis. */
static dnnx_status tile_repeats(op_ctx *ctx, int rank, int64_t *repeats)
{
    const dnnx_tensor *t = op_input(ctx, 1);
    if (t->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "repeats must be 1-D, not rank %d", t->rank);
    if (t->dims[0] >= 0 && t->dims[0] != rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "repeats has %lld entries for a rank-%d input",
                       (long long)t->dims[0], rank);
    size_t count = 0;
    dnnx_status status = ops_read_int_list(ctx, 1, repeats, DNNX_MAX_RANK, &count);
    if (status)
        return status;
    for (int d = 0; d < rank; d++)
        if (repeats[d] < 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "repeats[%d] is %lld", d, (long long)repeats[d]);
    return DNNX_OK;
}

static dnnx_status tile_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    if (!op_input_has_data(ctx, 1)) {
        ops_set_output_unknown_dims(ctx, 0, in->dtype, in->rank);
        return DNNX_OK;
    }
    int64_t repeats[DNNX_MAX_RANK], dims[DNNX_MAX_RANK];
    dnnx_status status = tile_repeats(ctx, in->rank, repeats);
    for (int d = 0; d < in->rank && !status; d++)
        status = dim_mul(ctx, in->dims[d], repeats[d], &dims[d]);
    if (status)
        return status;
    op_set_output(ctx, 0, in->dtype, in->rank, dims);
    return DNNX_OK;
}

typedef struct tile_job {
    int rank;
    const int64_t *dims, *repeats;
    int64_t in_strides[DNNX_MAX_RANK];  /* bytes */
    int64_t out_strides[DNNX_MAX_RANK]; /* bytes */
} tile_job;

/* Writes the tile of the input block at src (axes from axis on) at dst: each slice of this axis
 * is tiled recursively, then the whole block is repeated with memcpy. Depth is the rank. */
static void tile_axis(const tile_job *job, int axis, const char *src, char *dst)
{
    int64_t dim = job->dims[axis];
    if (axis == job->rank - 1) {
        size_t row = (size_t)job->in_strides[axis] * (size_t)dim;
        for (int64_t r = 0; r < job->repeats[axis]; r++)
            memcpy(dst + (size_t)r * row, src, row);
        return;
    }
    for (int64_t i = 0; i < dim; i++)
        tile_axis(job, axis + 1, src + i * job->in_strides[axis], dst + i * job->out_strides[axis]);
    size_t block = (size_t)(dim * job->out_strides[axis]);
    for (int64_t r = 1; r < job->repeats[axis]; r++)
        memcpy(dst + (size_t)r * block, dst, block);
}

static dnnx_status tile_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    dnnx_tensor *out = op_output(ctx, 0);
    tile_job job = {in->rank, in->dims, NULL, {0}, {0}};
    int64_t repeats[DNNX_MAX_RANK];
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (!status)
        status = tile_repeats(ctx, in->rank, repeats);
    if (status)
        return status;
    if (tensor_count(out) == 0)
        return DNNX_OK;
    if (in->rank == 0) {
        memcpy(out->data, in->data, size);
        return DNNX_OK;
    }
    job.repeats = repeats;
    int64_t in_stride = (int64_t)size, out_stride = (int64_t)size;
    for (int d = in->rank - 1; d >= 0; d--) {
        job.in_strides[d] = in_stride;
        job.out_strides[d] = out_stride;
        in_stride *= in->dims[d];
        out_stride *= out->dims[d];
    }
    tile_axis(&job, 0, in->data, out->data);
    return DNNX_OK;
}

typedef enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP } pad_mode;

/* Pad's mode and, per input axis, the pads before and after (negative pads crop). *known is
 * false when the pads (or axes) are inputs whose data is not known yet. */
typedef struct pad_params {
    pad_mode mode;
    int64_t before[DNNX_MAX_RANK], after[DNNX_MAX_RANK];
    bool known;
} pad_params;

static dnnx_status pad_read(op_ctx *ctx, int rank, pad_params *p)
{
    int version = op_version(ctx);
    const char *mode = op_attr_string(ctx, "mode", "constant");
    if (ctx->status)
        return ctx->status;
    memset(p, 0, sizeof *p);
    if (!strcmp(mode, "constant"))
        p->mode = PAD_CONSTANT;
    else if (!strcmp(mode, "reflect"))
        p->mode = PAD_REFLECT;
    else if (!strcmp(mode, "edge"))
        p->mode = PAD_EDGE;
    else if (!strcmp(mode, "wrap") && version >= 19)
        p->mode = PAD_WRAP;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "mode '%s' is not a pad mode", mode);

    int64_t pads[2 * DNNX_MAX_RANK];
    int axes[DNNX_MAX_RANK];
    size_t count, n_axes = (size_t)rank;
    for (int d = 0; d < rank; d++)
        axes[d] = d;
    if (version < 11) {
        const int64_t *values = op_attr_ints(ctx, "pads", &count);
        if (ctx->status)
            return ctx->status;
        if (!values)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'pads' is required");
        if (count != 2 * n_axes)
            return op_fail(ctx, ops_shape_status(ctx), "pads has %zu entries for a rank-%d input", count, rank);
        memcpy(pads, values, count * sizeof *pads);
    } else {
        const dnnx_tensor *pads_input = op_input(ctx, 1), *axes_input = version >= 18 ? op_input(ctx, 3) : NULL;
        if (pads_input->rank != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "pads must be 1-D, not rank %d", pads_input->rank);
        if (!op_input_has_data(ctx, 1) || (axes_input && !op_input_has_data(ctx, 3)))
            return DNNX_OK;
        if (axes_input) {
            int64_t values[DNNX_MAX_RANK];
            bool seen[DNNX_MAX_RANK] = {false};
            dnnx_status status = ops_read_int_list(ctx, 3, values, DNNX_MAX_RANK, &n_axes);
            for (size_t k = 0; k < n_axes && !status; k++) {
                status = op_normalize_axis(ctx, values[k], rank, &axes[k]);
                if (!status && seen[axes[k]])
                    status = op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axis %lld is padded more than once",
                                     (long long)values[k]);
                if (!status)
                    seen[axes[k]] = true;
            }
            if (status)
                return status;
        }
        if (tensor_count(pads_input) != 2 * n_axes)
            return op_fail(ctx, ops_shape_status(ctx), "pads has %zu entries for %zu axes", tensor_count(pads_input),
                           n_axes);
        dnnx_status status = ops_read_int_list(ctx, 1, pads, 2 * DNNX_MAX_RANK, &count);
        if (status)
            return status;
    }
    for (size_t k = 0; k < n_axes; k++) {
        p->before[axes[k]] = pads[k];
        p->after[axes[k]] = pads[k + n_axes];
    }
    p->known = true;
    return DNNX_OK;
}

static dnnx_status pad_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    pad_params p;
    dnnx_status status = pad_read(ctx, in->rank, &p);
    if (status)
        return status;
    if (op_version(ctx) >= 11 && op_input(ctx, 2)) {
        const dnnx_tensor *value = op_input(ctx, 2);
        if (value->dtype != in->dtype)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "constant_value has dtype %s, data has %s",
                           dnnx_dtype_name(value->dtype), dnnx_dtype_name(in->dtype));
        if (value->rank > 1 || (value->rank == 1 && value->dims[0] >= 0 && value->dims[0] != 1))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "constant_value must be a scalar");
    }
    if (!p.known) {
        ops_set_output_unknown_dims(ctx, 0, in->dtype, in->rank);
        return DNNX_OK;
    }
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0; d < in->rank; d++) {
        int64_t dim = in->dims[d], before = p.before[d], after = p.after[d];
        if (before > INT64_MAX / 4 || before < -(INT64_MAX / 4) || after > INT64_MAX / 4 || after < -(INT64_MAX / 4))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "pads of axis %d are out of range", d);
        if (dim < 0) {
            dims[d] = before == 0 && after == 0 ? dim : DIM_UNKNOWN;
            continue;
        }
        if (dim > INT64_MAX / 2)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "dim %d is too large to pad", d);
        dims[d] = dim + before + after;
        if (dims[d] < 0)
            return op_fail(ctx, ops_shape_status(ctx), "pads %lld and %lld crop axis %d of size %lld below 0",
                           (long long)before, (long long)after, d, (long long)dim);
        if (dim == 0 && dims[d] > 0 && p.mode != PAD_CONSTANT)
            return op_fail(ctx, ops_shape_status(ctx), "axis %d is empty: only constant mode can pad it", d);
    }
    op_set_output(ctx, 0, in->dtype, in->rank, dims);
    return DNNX_OK;
}

/* The input index an output index maps to along one axis (i is the output index minus the
 * pad before), or -1 for the constant. Reflect and wrap repeat as numpy.pad does. */
static int64_t pad_source(int64_t i, int64_t dim, pad_mode mode)
{
    if (i >= 0 && i < dim)
        return i;
    switch (mode) {
    case PAD_CONSTANT: return -1;
    case PAD_EDGE: return i < 0 ? 0 : dim - 1;
    case PAD_WRAP: {
        int64_t m = i % dim;
        return m < 0 ? m + dim : m;
    }
    case PAD_REFLECT: {
        if (dim == 1)
            return 0;
        int64_t period = 2 * (dim - 1), m = i % period;
        if (m < 0)
            m += period;
        return m < dim ? m : period - m;
    }
    }
    return -1;
}

static dnnx_status pad_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    dnnx_tensor *out = op_output(ctx, 0);
    pad_params p;
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (!status)
        status = pad_read(ctx, in->rank, &p);
    if (status)
        return status;
    size_t count = tensor_count(out);
    if (count == 0)
        return DNNX_OK;
    if (in->rank == 0) {
        memcpy(out->data, in->data, size);
        return DNNX_OK;
    }
    union {
        unsigned char bytes[16];
        double aligned;
    } constant = {{0}};
    const char *value = (const char *)constant.bytes;
    if (op_version(ctx) < 11) {
        dnnx_tensor scalar;
        tensor_init_shape(&scalar, in->dtype, 0, NULL);
        scalar.data = constant.bytes;
        tensor_set_f64(&scalar, 0, op_attr_float(ctx, "value", 0.0f));
    } else if (op_input(ctx, 2) && tensor_count(op_input(ctx, 2)) == 1) {
        memcpy(constant.bytes, op_input(ctx, 2)->data, size);
    }
    if (ctx->status)
        return ctx->status;

    /* Per axis, the input index of each output index (-1 = constant). */
    size_t total = 0;
    for (int d = 0; d < out->rank; d++)
        total += (size_t)out->dims[d];
    int64_t *maps = malloc(total * sizeof *maps), *map[DNNX_MAX_RANK];
    if (!maps)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    size_t used = 0;
    for (int d = 0; d < out->rank; used += (size_t)out->dims[d], d++) {
        map[d] = maps + used;
        for (int64_t o = 0; o < out->dims[d]; o++)
            map[d][o] = pad_source(o - p.before[d], in->dims[d], p.mode);
    }

    int rank = out->rank, last = rank - 1;
    int64_t in_strides[DNNX_MAX_RANK], index[DNNX_MAX_RANK] = {0};
    ops_strides(in, in_strides);
    int64_t width = out->dims[last], dim = in->dims[last];
    /* The output columns copied from the input in one run: those that map to i = o - before. */
    int64_t lo = p.before[last] > 0 ? p.before[last] : 0;
    int64_t hi = p.before[last] + dim < width ? p.before[last] + dim : width;
    const char *src = in->data;
    char *dst = out->data;
    size_t rows = count / (size_t)width;
    for (size_t r = 0; r < rows; r++) {
        int64_t base = 0;
        bool constant_row = false;
        for (int d = 0; d < last; d++) {
            int64_t i = map[d][index[d]];
            constant_row |= i < 0;
            base += i * in_strides[d];
        }
        if (constant_row) {
            for (int64_t o = 0; o < width; o++)
                memcpy(dst + (size_t)o * size, value, size);
        } else {
            const char *row = src + (size_t)base * size;
            int64_t copy_from = hi > lo ? lo : width, copy_to = hi > lo ? hi : width;
            for (int64_t o = 0; o < copy_from; o++) {
                int64_t i = map[last][o];
                memcpy(dst + (size_t)o * size, i < 0 ? value : row + (size_t)i * size, size);
            }
            if (hi > lo)
                memcpy(dst + (size_t)lo * size, row + (size_t)(lo - p.before[last]) * size, (size_t)(hi - lo) * size);
            for (int64_t o = copy_to; o < width; o++) {
                int64_t i = map[last][o];
                memcpy(dst + (size_t)o * size, i < 0 ? value : row + (size_t)i * size, size);
            }
        }
        dst += (size_t)width * size;
        for (int d = last - 1; d >= 0; d--) {
            if (++index[d] < out->dims[d])
                break;
            index[d] = 0;
        }
    }
    free(maps);
    return DNNX_OK;
}

/* Trilu's diagonal offset k (optional scalar input 1; 0 when absent or not known yet). */
static dnnx_status trilu_k(op_ctx *ctx, int64_t *k)
{
    *k = 0;
    const dnnx_tensor *t = op_input(ctx, 1);
    if (!t)
        return DNNX_OK;
    if (t->dtype != DNNX_DTYPE_INT64)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "k must be int64, not %s", dnnx_dtype_name(t->dtype));
    if (t->rank > 1 || (t->rank == 1 && t->dims[0] >= 0 && t->dims[0] != 1))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "k must be a scalar");
    if (!op_input_has_data(ctx, 1))
        return DNNX_OK;
    *k = ((const int64_t *)t->data)[0];
    return DNNX_OK;
}

static dnnx_status trilu_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t k = 0;
    op_attr_int(ctx, "upper", 1);
    if (ctx->status)
        return ctx->status;
    if (in->rank < 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input must have rank >= 2, not %d", in->rank);
    dnnx_status status = trilu_k(ctx, &k);
    if (status)
        return status;
    op_set_output_like(ctx, 0, in);
    return DNNX_OK;
}

static dnnx_status trilu_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    dnnx_tensor *out = op_output(ctx, 0);
    bool upper = op_attr_int(ctx, "upper", 1) != 0;
    int64_t k = 0;
    size_t size = 0;
    dnnx_status status = ctx->status ? ctx->status : ops_element_size(ctx, in, &size);
    if (!status)
        status = trilu_k(ctx, &k);
    if (status)
        return status;
    int64_t rows = in->dims[in->rank - 2], cols = in->dims[in->rank - 1];
    /* Beyond +-(rows + cols) every k means the same; clamping keeps i + k from overflowing. */
    k = k > rows + cols ? rows + cols : k < -(rows + cols) ? -(rows + cols) : k;
    size_t count = tensor_count(in);
    if (count == 0)
        return DNNX_OK;
    size_t matrices = count / (size_t)(rows * cols), row_bytes = (size_t)cols * size;
    const char *src = in->data;
    char *dst = out->data;
    for (size_t m = 0; m < matrices; m++) {
        for (int64_t i = 0; i < rows; i++) {
            /* Row i keeps columns j >= i + k (upper) or j <= i + k (lower). */
            int64_t from = upper ? i + k : 0, to = upper ? cols : i + k + 1;
            from = from < 0 ? 0 : from > cols ? cols : from;
            to = to < from ? from : to > cols ? cols : to;
            memset(dst, 0, row_bytes);
            memcpy(dst + (size_t)from * size, src + (size_t)from * size, (size_t)(to - from) * size);
            src += row_bytes;
            dst += row_bytes;
        }
    }
    return DNNX_OK;
}

/* DepthToSpace / SpaceToDepth: the blocksize attribute, checked against a rank-4 input. */
static dnnx_status block_size(op_ctx *ctx, const dnnx_tensor *in, int64_t *block)
{
    *block = op_attr_int(ctx, "blocksize", 0);
    if (ctx->status)
        return ctx->status;
    if (!op_has_attr(ctx, "blocksize"))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'blocksize' is required");
    if (*block <= 0 || *block > (1 << 20))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "blocksize %lld is invalid", (long long)*block);
    if (in->rank != 4)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input must be 4-D [N,C,H,W], not rank %d", in->rank);
    return DNNX_OK;
}

/* DepthToSpace's mode: DCR (column, row, depth order of the blocks) or CRD (from opset 11). */
static dnnx_status depth_to_space_crd(op_ctx *ctx, bool *crd)
{
    const char *mode = op_version(ctx) >= 11 ? op_attr_string(ctx, "mode", "DCR") : "DCR";
    if (ctx->status)
        return ctx->status;
    if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "mode '%s' is neither DCR nor CRD", mode);
    *crd = !strcmp(mode, "CRD");
    return DNNX_OK;
}

static dnnx_status depth_to_space_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t block, dims[4];
    bool crd = false;
    dnnx_status status = block_size(ctx, in, &block);
    if (!status)
        status = depth_to_space_crd(ctx, &crd);
    if (status)
        return status;
    int64_t channels = in->dims[1];
    if (channels >= 0 && channels % (block * block))
        return op_fail(ctx, ops_shape_status(ctx), "channels %lld do not divide by blocksize^2 %lld",
                       (long long)channels, (long long)(block * block));
    dims[0] = in->dims[0];
    dims[1] = block == 1 ? channels : channels >= 0 ? channels / (block * block) : DIM_UNKNOWN;
    status = dim_mul(ctx, in->dims[2], block, &dims[2]);
    if (!status)
        status = dim_mul(ctx, in->dims[3], block, &dims[3]);
    if (status)
        return status;
    op_set_output(ctx, 0, in->dtype, 4, dims);
    return DNNX_OK;
}

static dnnx_status depth_to_space_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t block = 0;
    bool crd = false;
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (!status)
        status = block_size(ctx, in, &block);
    if (!status)
        status = depth_to_space_crd(ctx, &crd);
    if (status)
        return status;
    int64_t n = in->dims[0], c = in->dims[1] / (block * block), h = in->dims[2], w = in->dims[3];
    /* DCR views the input as [N, b, b, C', H, W], CRD as [N, C', b, b, H, W]; both become
     * [N, C', H, b, W, b]. */
    static const int dcr_perm[6] = {0, 3, 4, 1, 5, 2}, crd_perm[6] = {0, 1, 4, 2, 5, 3};
    int64_t dcr_dims[6] = {n, block, block, c, h, w}, crd_dims[6] = {n, c, block, block, h, w};
    transpose_copy(op_output(ctx, 0)->data, in->data, 6, crd ? crd_dims : dcr_dims, crd ? crd_perm : dcr_perm, size);
    return DNNX_OK;
}

static dnnx_status space_to_depth_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t block, dims[4];
    dnnx_status status = block_size(ctx, in, &block);
    if (status)
        return status;
    for (int d = 2; d < 4; d++) {
        if (in->dims[d] >= 0 && in->dims[d] % block)
            return op_fail(ctx, ops_shape_status(ctx), "dim %d (%lld) does not divide by blocksize %lld", d,
                           (long long)in->dims[d], (long long)block);
        dims[d] = block == 1 ? in->dims[d] : in->dims[d] >= 0 ? in->dims[d] / block : DIM_UNKNOWN;
    }
    dims[0] = in->dims[0];
    status = dim_mul(ctx, in->dims[1], block * block, &dims[1]);
    if (status)
        return status;
    op_set_output(ctx, 0, in->dtype, 4, dims);
    return DNNX_OK;
}

static dnnx_status space_to_depth_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0);
    int64_t block = 0;
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (!status)
        status = block_size(ctx, in, &block);
    if (status)
        return status;
    /* [N, C, H/b, b, W/b, b] -> [N, b, b, C, H/b, W/b]. */
    static const int perm[6] = {0, 3, 5, 1, 2, 4};
    int64_t dims[6] = {in->dims[0], in->dims[1], in->dims[2] / block, block, in->dims[3] / block, block};
    transpose_copy(op_output(ctx, 0)->data, in->data, 6, dims, perm, size);
    return DNNX_OK;
}

/* ReverseSequence's time and batch axes: 0 and 1 in either order. */
static dnnx_status reverse_axes(op_ctx *ctx, const dnnx_tensor *in, int *time_axis, int *batch_axis)
{
    int64_t t = op_attr_int(ctx, "time_axis", 0), b = op_attr_int(ctx, "batch_axis", 1);
    if (ctx->status)
        return ctx->status;
    if (!((t == 0 && b == 1) || (t == 1 && b == 0)))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "time_axis %lld and batch_axis %lld must be 0 and 1", (long long)t,
                       (long long)b);
    if (in->rank < 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input must have rank >= 2, not %d", in->rank);
    *time_axis = (int)t;
    *batch_axis = (int)b;
    return DNNX_OK;
}

static dnnx_status reverse_sequence_infer(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0), *lens = op_input(ctx, 1);
    int time_axis = 0, batch_axis = 0;
    dnnx_status status = reverse_axes(ctx, in, &time_axis, &batch_axis);
    if (status)
        return status;
    if (lens->dtype != DNNX_DTYPE_INT64)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "sequence_lens must be int64, not %s",
                       dnnx_dtype_name(lens->dtype));
    if (lens->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "sequence_lens must be 1-D, not rank %d", lens->rank);
    int64_t batch = 0;
    status = op_merge_dim(ctx, lens->dims[0], in->dims[batch_axis], "sequence_lens length and batch size", &batch);
    if (status)
        return status;
    op_set_output_like(ctx, 0, in);
    return DNNX_OK;
}

static dnnx_status reverse_sequence_run(op_ctx *ctx)
{
    const dnnx_tensor *in = op_input(ctx, 0), *lens = op_input(ctx, 1);
    dnnx_tensor *out = op_output(ctx, 0);
    int time_axis = 0, batch_axis = 0;
    size_t size = 0;
    dnnx_status status = ops_element_size(ctx, in, &size);
    if (!status)
        status = reverse_axes(ctx, in, &time_axis, &batch_axis);
    if (status)
        return status;
    int64_t steps = in->dims[time_axis], batch = in->dims[batch_axis];
    const int64_t *len = lens->data;
    for (int64_t b = 0; b < batch; b++)
        if (len[b] < 0 || len[b] > steps)
            return op_fail(ctx, DNNX_ERR_RUNTIME, "sequence_lens[%lld] is %lld, outside [0, %lld]", (long long)b,
                           (long long)len[b], (long long)steps);
    size_t inner = size;
    for (int d = 2; d < in->rank; d++)
        inner *= (size_t)in->dims[d];
    /* Element (t, b) starts at (t * batch + b) * inner or (b * steps + t) * inner. */
    size_t time_stride = time_axis == 0 ? (size_t)batch * inner : inner;
    size_t batch_stride = time_axis == 0 ? inner : (size_t)steps * inner;
    const char *src = in->data;
    char *dst = out->data;
    for (int64_t b = 0; b < batch; b++) {
        for (int64_t t = 0; t < steps; t++) {
            int64_t from = t < len[b] ? len[b] - 1 - t : t;
            memcpy(dst + (size_t)b * batch_stride + (size_t)t * time_stride,
                   src + (size_t)b * batch_stride + (size_t)from * time_stride, inner);
        }
    }
    return DNNX_OK;
}

const op_schema ops_layout_schemas[] = {
    {"", "Transpose", 1, 1, 1, 1, 1, transpose_infer, transpose_run},
    {"", "Transpose", 13, 1, 1, 1, 1, transpose_infer, transpose_run},
    {"", "Transpose", 21, 1, 1, 1, 1, transpose_infer, transpose_run},
    {"", "Transpose", 23, 1, 1, 1, 1, transpose_infer, transpose_run},
    {"", "Concat", 4, 1, OP_VARIADIC, 1, 1, concat_infer, concat_run},
    {"", "Concat", 11, 1, OP_VARIADIC, 1, 1, concat_infer, concat_run},
    {"", "Concat", 13, 1, OP_VARIADIC, 1, 1, concat_infer, concat_run},
    {"", "Split", 2, 1, 1, 1, OP_VARIADIC, split_infer, split_run},
    {"", "Split", 11, 1, 1, 1, OP_VARIADIC, split_infer, split_run},
    {"", "Split", 13, 1, 2, 1, OP_VARIADIC, split_infer, split_run},
    {"", "Split", 18, 1, 2, 1, OP_VARIADIC, split_infer, split_run},
    {"", "Slice", 1, 1, 1, 1, 1, slice_infer, slice_run},
    {"", "Slice", 10, 3, 5, 1, 1, slice_infer, slice_run},
    {"", "Slice", 11, 3, 5, 1, 1, slice_infer, slice_run},
    {"", "Slice", 13, 3, 5, 1, 1, slice_infer, slice_run},
    {"", "Tile", 6, 2, 2, 1, 1, tile_infer, tile_run},
    {"", "Tile", 13, 2, 2, 1, 1, tile_infer, tile_run},
    {"", "Pad", 2, 1, 1, 1, 1, pad_infer, pad_run},
    {"", "Pad", 11, 2, 3, 1, 1, pad_infer, pad_run},
    {"", "Pad", 13, 2, 3, 1, 1, pad_infer, pad_run},
    {"", "Pad", 18, 2, 4, 1, 1, pad_infer, pad_run},
    {"", "Pad", 19, 2, 4, 1, 1, pad_infer, pad_run},
    {"", "Pad", 21, 2, 4, 1, 1, pad_infer, pad_run},
    {"", "Pad", 23, 2, 4, 1, 1, pad_infer, pad_run},
    {"", "Trilu", 14, 1, 2, 1, 1, trilu_infer, trilu_run},
    {"", "DepthToSpace", 1, 1, 1, 1, 1, depth_to_space_infer, depth_to_space_run},
    {"", "DepthToSpace", 11, 1, 1, 1, 1, depth_to_space_infer, depth_to_space_run},
    {"", "DepthToSpace", 13, 1, 1, 1, 1, depth_to_space_infer, depth_to_space_run},
    {"", "SpaceToDepth", 1, 1, 1, 1, 1, space_to_depth_infer, space_to_depth_run},
    {"", "SpaceToDepth", 13, 1, 1, 1, 1, space_to_depth_infer, space_to_depth_run},
    {"", "ReverseSequence", 10, 2, 2, 1, 1, reverse_sequence_infer, reverse_sequence_run},
};
OPS_FAMILY_COUNT(layout);

/* Ops that belong to no larger family: Resize and Upsample, Det, the training losses
 * NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, RoiAlign and NonMaxSuppression.
 * They compute in double and convert at the edges. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

static const dnnx_dtype float_dtypes[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                          DNNX_DTYPE_UNDEFINED};
static const dnnx_dtype index_dtypes[] = {DNNX_DTYPE_INT32, DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};

/* Number of elements of an optional input, or -1 if it is absent or its shape is unknown. */
static int64_t input_count_or_unknown(const op_ctx *ctx, int i)
{
    const dnnx_tensor *t = op_input(ctx, i);
    if (!t)
        return -1;
    size_t count;
    for (int d = 0; d < t->rank; d++)
        if (t->dims[d] < 0)
            return -1;
    if (tensor_element_count_checked(t->rank, t->dims, &count))
        return -1;
    return (int64_t)count;
}

/* Stores v into element i of an integer tensor rounded half away from zero and saturated,
 * or of a float tensor as is. */
static void store_rounded(dnnx_tensor *t, size_t i, double v)
{
    if (ops_dtype_is_float(t->dtype)) {
        tensor_set_f64(t, i, v);
        return;
    }
    double lo, hi;
    switch (t->dtype) {
    case DNNX_DTYPE_INT8: lo = INT8_MIN, hi = INT8_MAX; break;
    case DNNX_DTYPE_UINT8: lo = 0, hi = UINT8_MAX; break;
    case DNNX_DTYPE_INT16: lo = INT16_MIN, hi = INT16_MAX; break;
    case DNNX_DTYPE_UINT16: lo = 0, hi = UINT16_MAX; break;
    case DNNX_DTYPE_INT32: lo = INT32_MIN, hi = INT32_MAX; break;
    case DNNX_DTYPE_UINT32: lo = 0, hi = UINT32_MAX; break;
    case DNNX_DTYPE_BOOL: lo = 0, hi = 1; break;
    default: lo = -9.2233720368547748e18, hi = 9.2233720368547748e18; break;
    }
    v = isnan(v) ? 0.0 : round(v);
    v = v < lo ? lo : v > hi ? hi : v;
    if (t->dtype == DNNX_DTYPE_UINT64)
        ((uint64_t *)t->data)[i] = (uint64_t)v;
    else
        tensor_set_i64(t, i, (int64_t)v);
}

/* ---- Resize, Upsample ---- */

typedef enum resize_kind { KIND_UPSAMPLE, KIND_RESIZE } resize_kind;
typedef enum resize_mode { MODE_NEAREST, MODE_LINEAR, MODE_CUBIC } resize_mode;
typedef enum resize_coord {
    COORD_HALF_PIXEL,
    COORD_HALF_PIXEL_SYMMETRIC,
    COORD_PYTORCH_HALF_PIXEL,
    COORD_ALIGN_CORNERS,
    COORD_ASYMMETRIC,
    COORD_TF_HALF_PIXEL_FOR_NN,
    COORD_TF_CROP_AND_RESIZE
} resize_coord;
/* NEAREST_SIMPLE is the rounding of Upsample and Resize-10 (as ONNX Runtime does it): ceil
 * when downsampling, floor otherwise. */
typedef enum resize_nearest {
    NEAREST_ROUND_PREFER_FLOOR,
    NEAREST_ROUND_PREFER_CEIL,
    NEAREST_FLOOR,
    NEAREST_CEIL,
    NEAREST_SIMPLE
} resize_nearest;

typedef struct resize_params {
    resize_mode mode;
    resize_coord coord;
    resize_nearest nearest;
    double cubic_a, extrapolation;
    bool exclude_outside, antialias;
    bool dims_known; /* out_dims are all known */
    bool data_known; /* scales and roi are known (always at run time) */
    int rank;
    int64_t out_dims[DNNX_MAX_RANK]; /* DIM_UNKNOWN where not known */
    double scales[DNNX_MAX_RANK];
    double roi_start[DNNX_MAX_RANK], roi_end[DNNX_MAX_RANK];
} resize_params;

static const struct {
    const char *name;
    resize_coord coord;
    int since, until; /* the versions of Resize that accept it */
} resize_coord_names[] = {
    {"half_pixel", COORD_HALF_PIXEL, 11, 1000},
    {"half_pixel_symmetric", COORD_HALF_PIXEL_SYMMETRIC, 19, 1000},
    {"pytorch_half_pixel", COORD_PYTORCH_HALF_PIXEL, 11, 1000},
    {"align_corners", COORD_ALIGN_CORNERS, 11, 1000},
    {"asymmetric", COORD_ASYMMETRIC, 11, 1000},
    {"tf_half_pixel_for_nn", COORD_TF_HALF_PIXEL_FOR_NN, 11, 12},
    {"tf_crop_and_resize", COORD_TF_CROP_AND_RESIZE, 11, 1000},
};

static const struct {
    const char *name;
    resize_nearest nearest;
} resize_nearest_names[] = {
    {"round_prefer_floor", NEAREST_ROUND_PREFER_FLOOR},
    {"round_prefer_ceil", NEAREST_ROUND_PREFER_CEIL},
    {"floor", NEAREST_FLOOR},
    {"ceil", NEAREST_CEIL},
};

/* The string attributes of Resize / Upsample. */
static dnnx_status resize_read_modes(op_ctx *ctx, resize_kind kind, int version, resize_params *p)
{
    const char *mode = op_attr_string(ctx, "mode", "nearest");
    bool legacy = kind == KIND_UPSAMPLE || version < 11;
    if (strcmp(mode, "nearest") == 0)
        p->mode = MODE_NEAREST;
    else if (strcmp(mode, "linear") == 0)
        p->mode = MODE_LINEAR;
    else if (strcmp(mode, "cubic") == 0 && !legacy)
        p->mode = MODE_CUBIC;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "mode '%s' is not supported", mode);
    p->cubic_a = op_attr_float(ctx, "cubic_coeff_a", -0.75f);
    p->exclude_outside = op_attr_int(ctx, "exclude_outside", 0) != 0;
    p->extrapolation = op_attr_float(ctx, "extrapolation_value", 0.0f);
    p->antialias = version >= 18 && op_attr_int(ctx, "antialias", 0) != 0;
    if (legacy) {
        p->coord = COORD_ASYMMETRIC;
        p->nearest = NEAREST_SIMPLE;
        return ctx->status;
    }
    const char *coord = op_attr_string(ctx, "coordinate_transformation_mode", "half_pixel");
    size_t k;
    for (k = 0; k < sizeof resize_coord_names / sizeof resize_coord_names[0]; k++)
        if (strcmp(coord, resize_coord_names[k].name) == 0 && version >= resize_coord_names[k].since &&
            version <= resize_coord_names[k].until)
            break;
    if (k == sizeof resize_coord_names / sizeof resize_coord_names[0])
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "coordinate_transformation_mode '%s' is not supported", coord);
    p->coord = resize_coord_names[k].coord;
    const char *nearest = op_attr_string(ctx, "nearest_mode", "round_prefer_floor");
    for (k = 0; k < sizeof resize_nearest_names / sizeof resize_nearest_names[0]; k++)
        if (strcmp(nearest, resize_nearest_names[k].name) == 0)
            break;
    if (k == sizeof resize_nearest_names / sizeof resize_nearest_names[0])
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "nearest_mode '%s' is not supported", nearest);
    p->nearest = resize_nearest_names[k].nearest;
    return ctx->status;
}

/* The axes attribute of Resize-18+ (all axes otherwise), normalized and without repeats. */
static dnnx_status resize_read_axes(op_ctx *ctx, int version, int rank, int *axes, int *n_axes)
{
    size_t count = 0;
    const int64_t *values = version >= 18 ? op_attr_ints(ctx, "axes", &count) : NULL;
    if (!values) {
        for (int d = 0; d < rank; d++)
            axes[d] = d;
        *n_axes = rank;
        return ctx->status;
    }
    if (count > (size_t)rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axes has %zu entries for rank %d", count, rank);
    bool seen[DNNX_MAX_RANK] = {false};
    for (size_t k = 0; k < count; k++) {
        dnnx_status status = op_normalize_axis(ctx, values[k], rank, &axes[k]);
        if (status)
            return status;
        if (seen[axes[k]])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axis %lld is repeated in axes", (long long)values[k]);
        seen[axes[k]] = true;
    }
    *n_axes = (int)count;
    return ctx->status;
}

/* Reads a 1-D float input of exactly n entries into values. */
static dnnx_status read_float_list(op_ctx *ctx, int input, const char *what, int n, double *values)
{
    const dnnx_tensor *t = op_input(ctx, input);
    if (!ops_dtype_is_float(t->dtype))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be a float tensor, not %s", what,
                       dnnx_dtype_name(t->dtype));
    if (t->rank != 1 || t->dims[0] != n)
        return ops_shape_fail(ctx, "%s must have %d entries", what, n);
    for (int k = 0; k < n; k++)
        values[k] = tensor_get_f64(t, (size_t)k);
    return DNNX_OK;
}

/* Reads everything Resize / Upsample need: modes, per-axis scales and output dims (known
 * when the scales or sizes are), and the ROI. */
static dnnx_status resize_read_params(op_ctx *ctx, resize_kind kind, resize_params *p)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    int version = op_version(ctx), rank = x->rank, axes[DNNX_MAX_RANK], n_axes = 0;
    memset(p, 0, sizeof *p);
    p->rank = rank;
    dnnx_status status = resize_read_modes(ctx, kind, version, p);
    if (status || (status = resize_read_axes(ctx, version, rank, axes, &n_axes)))
        return status;
    if (rank < 1)
        return ops_shape_fail(ctx, "X must have rank >= 1, not a scalar");
    for (int d = 0; d < rank; d++) {
        p->out_dims[d] = x->dims[d];
        p->scales[d] = 1.0;
        p->roi_start[d] = 0.0;
        p->roi_end[d] = 1.0;
    }
    /* Where the scales come from: an attribute (Upsample-7), input 1 (Upsample-9,
     * Resize-10) or inputs 2 / 3 (Resize-11+, scales or sizes, an empty tensor = absent). */
    double values[DNNX_MAX_RANK];
    int64_t sizes[DNNX_MAX_RANK];
    bool have_scales = false, have_sizes = false, unknown = false;
    if (kind == KIND_UPSAMPLE && version < 9) {
        size_t count;
        const float *attr = op_attr_floats(ctx, "scales", &count);
        if (!attr || count != (size_t)rank)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the scales attribute must have %d entries", rank);
        for (int d = 0; d < rank; d++)
            values[d] = attr[d];
        have_scales = true;
    } else if (kind == KIND_UPSAMPLE || version < 11) {
        if (!op_input(ctx, 1))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the scales input is required");
        if (op_input_has_data(ctx, 1) && (status = read_float_list(ctx, 1, "scales", rank, values)))
            return status;
        have_scales = true;
        unknown = !op_input_has_data(ctx, 1);
    } else {
        int64_t n_scales = input_count_or_unknown(ctx, 2), n_sizes = input_count_or_unknown(ctx, 3);
        bool scales_present = op_input(ctx, 2) && n_scales != 0, sizes_present = op_input(ctx, 3) && n_sizes != 0;
        if (scales_present && sizes_present && (n_scales < 0 || n_sizes < 0) && !ctx->concrete) {
            /* One of them may turn out empty at run time. */
            for (int k = 0; k < n_axes; k++)
                p->out_dims[axes[k]] = DIM_UNKNOWN;
            return ctx->status;
        }
        if (scales_present == sizes_present)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "exactly one of scales and sizes must be given");
        if (scales_present) {
            have_scales = true;
            unknown = !op_input_has_data(ctx, 2);
            if (!unknown && (status = read_float_list(ctx, 2, "scales", n_axes, values)))
                return status;
        } else {
            size_t count;
            have_sizes = true;
            unknown = !op_input_has_data(ctx, 3);
            if (!unknown && (status = ops_read_int_list(ctx, 3, sizes, DNNX_MAX_RANK, &count)))
                return status;
            if (!unknown && count != (size_t)n_axes)
                return ops_shape_fail(ctx, "sizes has %zu entries, expected %d", count, n_axes);
        }
    }
    p->data_known = !unknown;
    if (unknown) {
        for (int k = 0; k < n_axes; k++)
            p->out_dims[axes[k]] = DIM_UNKNOWN;
        return ctx->status;
    }
    if (have_scales) {
        int n = (kind == KIND_UPSAMPLE || version < 11) ? rank : n_axes;
        for (int k = 0; k < n; k++) {
            int d = axes[k];
            if (!(values[k] > 0.0) || !isfinite(values[k]))
                return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "scale %g on axis %d must be positive", values[k], d);
            p->scales[d] = values[k];
            if (x->dims[d] >= 0) {
                double out = floor((double)x->dims[d] * values[k]);
                if (out > 4.0e18)
                    return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "scale %g makes axis %d too large", values[k], d);
                p->out_dims[d] = (int64_t)out;
            }
        }
    }
    if (have_sizes) {
        const char *policy = version >= 18 ? op_attr_string(ctx, "keep_aspect_ratio_policy", "stretch") : "stretch";
        bool stretch = strcmp(policy, "stretch") == 0, not_larger = strcmp(policy, "not_larger") == 0;
        if (!stretch && !not_larger && strcmp(policy, "not_smaller") != 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "keep_aspect_ratio_policy '%s' is not supported", policy);
        double common = not_larger ? INFINITY : 0.0;
        for (int k = 0; k < n_axes; k++) {
            int d = axes[k];
            if (sizes[k] < 0)
                return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "size %lld on axis %d is negative", (long long)sizes[k],
                               d);
            if (x->dims[d] < 0) {
                p->out_dims[d] = stretch ? sizes[k] : DIM_UNKNOWN;
                p->data_known = false;
                continue;
            }
            double in = (double)x->dims[d], ratio = in > 0 ? (double)sizes[k] / in : 1.0;
            p->out_dims[d] = sizes[k];
            p->scales[d] = ratio;
            if (not_larger ? ratio < common : ratio > common)
                common = ratio;
        }
        if (!stretch && p->data_known) {
            /* One scale for every resized axis: the output keeps the input's aspect ratio. */
            for (int k = 0; k < n_axes; k++) {
                int d = axes[k];
                double out = floor(common * (double)x->dims[d] + 0.5);
                if (!(common > 0.0) || out > 4.0e18)
                    return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "sizes give axis %d a scale of %g", d, common);
                p->scales[d] = common;
                p->out_dims[d] = (int64_t)out;
            }
        }
    }
    if (p->coord == COORD_TF_CROP_AND_RESIZE) {
        double roi[2 * DNNX_MAX_RANK];
        if (!op_input(ctx, 1) || input_count_or_unknown(ctx, 1) == 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "tf_crop_and_resize needs the roi input");
        if (!op_input_has_data(ctx, 1)) {
            p->data_known = false;
        } else {
            if ((status = read_float_list(ctx, 1, "roi", 2 * n_axes, roi)))
                return status;
            for (int k = 0; k < 2 * n_axes; k++)
                if (!isfinite(roi[k]))
                    return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "roi entry %d is not finite", k);
            for (int k = 0; k < n_axes; k++) {
                p->roi_start[axes[k]] = roi[k];
                p->roi_end[axes[k]] = roi[n_axes + k];
            }
        }
    }
    p->dims_known = true;
    for (int d = 0; d < rank; d++)
        p->dims_known = p->dims_known && p->out_dims[d] >= 0;
    return ctx->status;
}

static dnnx_status resize_infer_kind(op_ctx *ctx, resize_kind kind)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    if (x->dtype == DNNX_DTYPE_STRING)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "string input is not supported");
    resize_params p;
    dnnx_status status = resize_read_params(ctx, kind, &p);
    if (status)
        return status;
    if (ctx->concrete) {
        size_t bytes;
        if (!p.dims_known)
            return op_fail(ctx, DNNX_ERR_INTERNAL, "the output shape is not known at run time");
        if (tensor_bytes_checked(x->dtype, p.rank, p.out_dims, &bytes))
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "the output is too large");
        for (int d = 0; d < p.rank; d++)
            if (x->dims[d] == 0 && p.out_dims[d] > 0)
                return ops_shape_fail(ctx, "axis %d of size 0 cannot be resized to %lld", d, (long long)p.out_dims[d]);
    }
    op_set_output(ctx, 0, x->dtype, p.rank, p.out_dims);
    return ctx->status;
}

/* The source coordinate of output index x along axis d; *outside is set when
 * tf_crop_and_resize samples outside the input. */
static double resize_coordinate(const resize_params *p, int d, int64_t in_len, int64_t out_len, double x, bool *outside)
{
    double scale = p->scales[d], in = (double)in_len, out = (double)out_len;
    *outside = false;
    switch (p->coord) {
    case COORD_HALF_PIXEL: return (x + 0.5) / scale - 0.5;
    case COORD_HALF_PIXEL_SYMMETRIC: {
        double adjustment = out / (scale * in), offset = in / 2.0 * (1.0 - adjustment);
        return offset + (x + 0.5) / scale - 0.5;
    }
    case COORD_PYTORCH_HALF_PIXEL: return out_len > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case COORD_ALIGN_CORNERS: {
        /* The length of the resized axis before flooring, as the ONNX reference computes it. */
        double resized = scale * in;
        return resized == 1.0 ? 0.0 : x * (in - 1.0) / (resized - 1.0);
    }
    case COORD_ASYMMETRIC: return x / scale;
    case COORD_TF_HALF_PIXEL_FOR_NN: return (x + 0.5) / scale;
    case COORD_TF_CROP_AND_RESIZE: {
        double start = p->roi_start[d], end = p->roi_end[d], source;
        if (out_len > 1)
            source = start * (in - 1.0) + x * (end - start) * (in - 1.0) / (out - 1.0);
        else
            source = 0.5 * (start + end) * (in - 1.0);
        *outside = source < 0.0 || source > in - 1.0;
        return source;
    }
    }
    return x;
}

static int64_t clamp_index(int64_t index, int64_t len) { return index < 0 ? 0 : index >= len ? len - 1 : index; }

static int64_t resize_nearest_index(const resize_params *p, int d, double x, int64_t in_len)
{
    /* Keep x in a range where the conversion to an integer is defined. */
    x = isnan(x) ? 0.0 : x < -1.0 ? -1.0 : x > (double)in_len ? (double)in_len : x;
    double f = floor(x), t = x - f;
    int64_t index;
    switch (p->nearest) {
    case NEAREST_ROUND_PREFER_FLOOR: index = (int64_t)(t <= 0.5 ? f : f + 1.0); break;
    case NEAREST_ROUND_PREFER_CEIL: index = (int64_t)(t < 0.5 ? f : f + 1.0); break;
    case NEAREST_FLOOR: index = (int64_t)f; break;
    case NEAREST_CEIL: index = (int64_t)ceil(x); break;
    default: index = p->scales[d] < 1.0 ? (int64_t)ceil(x) : (int64_t)x; break;
    }
    return clamp_index(index, in_len);
}

/* Nearest: every output element copies one input element (or is the extrapolation value). */
static dnnx_status resize_nearest_run(op_ctx *ctx, const resize_params *p)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    int rank = p->rank;
    int64_t strides[DNNX_MAX_RANK], *source[DNNX_MAX_RANK] = {NULL};
    dnnx_status status = DNNX_OK;
    ops_strides(x, strides);
    for (int d = 0; d < rank; d++) {
        int64_t out_len = y->dims[d];
        source[d] = malloc((size_t)(out_len ? out_len : 1) * sizeof *source[d]);
        if (!source[d]) {
            status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
            goto free_tables;
        }
        for (int64_t o = 0; o < out_len; o++) {
            bool outside;
            double coord = resize_coordinate(p, d, x->dims[d], out_len, (double)o, &outside);
            source[d][o] = outside ? -1 : resize_nearest_index(p, d, coord, x->dims[d]);
        }
    }
    size_t count = tensor_count(y), esize = tensor_dtype_size(x->dtype);
    int64_t counter[DNNX_MAX_RANK] = {0};
    for (size_t k = 0; k < count; k++) {
        size_t offset = 0;
        bool outside = false;
        for (int d = 0; d < rank; d++) {
            int64_t s = source[d][counter[d]];
            outside = outside || s < 0;
            offset += (size_t)(s < 0 ? 0 : s) * (size_t)strides[d];
        }
        if (outside)
            store_rounded(y, k, p->extrapolation);
        else
            memcpy((char *)y->data + k * esize, (const char *)x->data + offset * esize, esize);
        for (int d = rank - 1; d >= 0; d--) {
            if (++counter[d] < y->dims[d])
                break;
            counter[d] = 0;
        }
    }
free_tables:
    for (int d = 0; d < rank; d++)
        free(source[d]);
    return status;
}

static double cubic_kernel(double x, double a)
{
    x = fabs(x);
    if (x <= 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0)
        return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
    return 0.0;
}

/* The interpolation taps of one axis: for output index o, taps input indices index[o*n + k]
 * with weights weight[o*n + k]; outside[o] marks tf_crop_and_resize extrapolation. */
typedef struct resize_taps {
    int64_t n;
    int64_t *index;
    double *weight;
    bool *outside;
    bool identity;
} resize_taps;

static void resize_taps_free(resize_taps *t)
{
    free(t->index);
    free(t->weight);
    free(t->outside);
}

/* Linear and cubic filters; with antialias and a downscale, the filter is stretched by 1/scale
 * so that every input element contributes. */
static dnnx_status resize_make_taps(op_ctx *ctx, const resize_params *p, int d, int64_t in_len, int64_t out_len,
                                    resize_taps *t)
{
    double scale = p->scales[d];
    double stretch = p->antialias && scale < 1.0 ? scale : 1.0;
    double support = p->mode == MODE_CUBIC ? 2.0 : 1.0;
    double start_real = floor(-support / stretch) + 1.0;
    memset(t, 0, sizeof *t);
    if (2.0 - 2.0 * start_real > 4.0 * (double)in_len + 16.0)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "the filter for scale %g on axis %d is too wide", scale, d);
    int64_t start = (int64_t)start_real, n = 2 - 2 * start;
    size_t slots = (size_t)(out_len ? out_len : 1) * (size_t)n;
    t->n = n;
    t->index = malloc(slots * sizeof *t->index);
    t->weight = malloc(slots * sizeof *t->weight);
    t->outside = calloc((size_t)(out_len ? out_len : 1), sizeof *t->outside);
    if (!t->index || !t->weight || !t->outside) {
        resize_taps_free(t);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for resize taps");
    }
    bool normalize = p->exclude_outside || stretch < 1.0;
    t->identity = in_len == out_len;
    for (int64_t o = 0; o < out_len; o++) {
        double x = resize_coordinate(p, d, in_len, out_len, (double)o, &t->outside[o]);
        x = isnan(x) ? 0.0 : x < -2.0 ? -2.0 : x > (double)in_len + 1.0 ? (double)in_len + 1.0 : x;
        double f = floor(x), frac = x - f, sum = 0.0;
        int64_t *index = t->index + o * n;
        double *weight = t->weight + o * n;
        for (int64_t k = 0; k < n; k++) {
            int64_t i = start + k, j = (int64_t)f + i;
            double arg = ((double)i - frac) * stretch;
            double w = p->mode == MODE_CUBIC ? cubic_kernel(arg, p->cubic_a) : fmax(0.0, 1.0 - fabs(arg));
            if (p->exclude_outside && (j < 0 || j >= in_len))
                w = 0.0;
            index[k] = clamp_index(j, in_len);
            weight[k] = w;
            sum += w;
        }
        if (normalize && sum != 0.0)
            for (int64_t k = 0; k < n; k++)
                weight[k] /= sum;
        for (int64_t k = 0; k < n; k++)
            if (weight[k] != 0.0 && (index[k] != o || weight[k] != 1.0))
                t->identity = false;
        if (t->outside[o])
            t->identity = false;
    }
    return DNNX_OK;
}

/* One separable pass along axis d: src has dims, dst the same dims with out_len on d. */
static void resize_pass(const resize_params *p, const resize_taps *t, const int64_t *dims, int d, int64_t out_len,
                        const double *src, double *dst)
{
    size_t outer = ops_dims_product(dims, 0, d), inner = ops_dims_product(dims, d + 1, p->rank);
    size_t in_len = (size_t)dims[d];
    for (size_t o = 0; o < outer; o++) {
        const double *slab = src + o * in_len * inner;
        for (int64_t r = 0; r < out_len; r++) {
            double *row = dst + (o * (size_t)out_len + (size_t)r) * inner;
            if (t->outside[r]) {
                for (size_t i = 0; i < inner; i++)
                    row[i] = p->extrapolation;
                continue;
            }
            for (size_t i = 0; i < inner; i++)
                row[i] = 0.0;
            for (int64_t k = 0; k < t->n; k++) {
                double w = t->weight[r * t->n + k];
                if (w == 0.0)
                    continue;
                const double *in_row = slab + (size_t)t->index[r * t->n + k] * inner;
                for (size_t i = 0; i < inner; i++)
                    row[i] += w * in_row[i];
            }
        }
    }
}

/* Linear and cubic: separable passes over double buffers, shrinking axes first so that no
 * intermediate is larger than the larger of input and output. */
static dnnx_status resize_filter_run(op_ctx *ctx, const resize_params *p)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    int rank = p->rank, order[DNNX_MAX_RANK], n_order = 0;
    resize_taps taps[DNNX_MAX_RANK];
    dnnx_status status = DNNX_OK;
    double *buffers[2] = {NULL, NULL};
    int made = 0;
    for (; made < rank; made++)
        if ((status = resize_make_taps(ctx, p, made, x->dims[made], y->dims[made], &taps[made])))
            goto free_taps;
    for (int pass = 0; pass < 2; pass++)
        for (int d = 0; d < rank; d++)
            if (!taps[d].identity && ((y->dims[d] < x->dims[d]) == (pass == 0)))
                order[n_order++] = d;
    int64_t dims[DNNX_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    size_t largest = tensor_count(x) > tensor_count(y) ? tensor_count(x) : tensor_count(y);
    for (int b = 0; b < 2; b++) {
        buffers[b] = malloc((largest ? largest : 1) * sizeof(double));
        if (!buffers[b]) {
            status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for %zu resize elements", largest);
            goto free_buffers;
        }
    }
    size_t in_count = tensor_count(x);
    for (size_t i = 0; i < in_count; i++)
        buffers[0][i] = tensor_get_f64(x, i);
    int current = 0;
    for (int k = 0; k < n_order; k++) {
        int d = order[k];
        resize_pass(p, &taps[d], dims, d, y->dims[d], buffers[current], buffers[1 - current]);
        dims[d] = y->dims[d];
        current = 1 - current;
    }
    size_t out_count = tensor_count(y);
    for (size_t i = 0; i < out_count; i++)
        store_rounded(y, i, buffers[current][i]);
free_buffers:
    free(buffers[0]);
    free(buffers[1]);
free_taps:
    for (int d = 0; d < made; d++)
        resize_taps_free(&taps[d]);
    return status;
}

static dnnx_status resize_run_kind(op_ctx *ctx, resize_kind kind)
{
    resize_params p;
    dnnx_status status = resize_read_params(ctx, kind, &p);
    if (status)
        return status;
    if (!p.data_known || !p.dims_known)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "scales, sizes or roi are not known at run time");
    if (tensor_count(op_output(ctx, 0)) == 0)
        return DNNX_OK;
    return p.mode == MODE_NEAREST ? resize_nearest_run(ctx, &p) : resize_filter_run(ctx, &p);
}

static dnnx_status resize_infer(op_ctx *ctx) { return resize_infer_kind(ctx, KIND_RESIZE); }
static dnnx_status resize_run(op_ctx *ctx) { return resize_run_kind(ctx, KIND_RESIZE); }
static dnnx_status upsample_infer(op_ctx *ctx) { return resize_infer_kind(ctx, KIND_UPSAMPLE); }
static dnnx_status upsample_run(op_ctx *ctx) { return resize_run_kind(ctx, KIND_UPSAMPLE); }

/* ---- Det ---- */

static dnnx_status det_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = op_check_dtype(ctx, 0, float_dtypes);
    if (status)
        return status;
    if (x->rank < 2)
        return ops_shape_fail(ctx, "X must have rank >= 2, not %d", x->rank);
    if ((status = ops_check_dims_equal(ctx, x->dims[x->rank - 2], x->dims[x->rank - 1], "rows and columns")))
        return status;
    op_set_output(ctx, 0, x->dtype, x->rank - 2, x->dims);
    return ctx->status;
}

/* Determinants by LU decomposition with partial pivoting. */
static dnnx_status det_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    size_t n = (size_t)x->dims[x->rank - 1], batches = tensor_count(y);
    double *a = malloc((n > 0 ? n * n : 1) * sizeof *a);
    if (!a)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for a %zux%zu matrix", n, n);
    for (size_t b = 0; b < batches; b++) {
        for (size_t i = 0; i < n * n; i++)
            a[i] = tensor_get_f64(x, b * n * n + i);
        double det = 1.0;
        for (size_t c = 0; c < n && det != 0.0; c++) {
            size_t pivot = c;
            for (size_t r = c + 1; r < n; r++)
                if (fabs(a[r * n + c]) > fabs(a[pivot * n + c]))
                    pivot = r;
            if (a[pivot * n + c] == 0.0) {
                det = 0.0;
                break;
            }
            if (pivot != c) {
                for (size_t k = 0; k < n; k++) {
                    double swap = a[c * n + k];
                    a[c * n + k] = a[pivot * n + k];
                    a[pivot * n + k] = swap;
                }
                det = -det;
            }
            det *= a[c * n + c];
            for (size_t r = c + 1; r < n; r++) {
                double factor = a[r * n + c] / a[c * n + c];
                for (size_t k = c; k < n; k++)
                    a[r * n + k] -= factor * a[c * n + k];
            }
        }
        tensor_set_f64(y, b, det);
    }
    free(a);
    return DNNX_OK;
}

/* ---- NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ---- */

typedef enum loss_reduction { LOSS_NONE, LOSS_SUM, LOSS_MEAN } loss_reduction;

static dnnx_status loss_reduction_attr(op_ctx *ctx, loss_reduction *out)
{
    const char *name = op_attr_string(ctx, "reduction", "mean");
    if (strcmp(name, "none") == 0)
        *out = LOSS_NONE;
    else if (strcmp(name, "sum") == 0)
        *out = LOSS_SUM;
    else if (strcmp(name, "mean") == 0)
        *out = LOSS_MEAN;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "reduction '%s' is not none, sum or mean", name);
    return ctx->status;
}

/* Input 0 scores [N, C, d...], input 1 target [N, d...], optional input 2 weight [C]. */
static dnnx_status loss_infer(op_ctx *ctx)
{
    const dnnx_tensor *scores = op_input(ctx, 0), *target = op_input(ctx, 1), *weight = op_input(ctx, 2);
    loss_reduction reduction = LOSS_MEAN;
    dnnx_status status = op_check_dtype(ctx, 0, float_dtypes);
    if (status || (status = op_check_dtype(ctx, 1, index_dtypes)) || (status = loss_reduction_attr(ctx, &reduction)))
        return status;
    if (scores->rank < 2)
        return ops_shape_fail(ctx, "scores must have rank >= 2 [N, C, ...], not %d", scores->rank);
    if (target->rank != scores->rank - 1)
        return ops_shape_fail(ctx, "target has rank %d, expected %d", target->rank, scores->rank - 1);
    for (int d = 0; d < target->rank; d++)
        if ((status = ops_check_dims_equal(ctx, target->dims[d], scores->dims[d ? d + 1 : 0], "target and scores dim")))
            return status;
    if (weight) {
        if ((status = op_check_same_dtype(ctx, 0, 2)))
            return status;
        if (weight->rank != 1)
            return ops_shape_fail(ctx, "weight must be 1-D [C], not rank %d", weight->rank);
        if ((status = ops_check_dims_equal(ctx, weight->dims[0], scores->dims[1], "weight and class count")))
            return status;
    }
    if (reduction == LOSS_NONE)
        op_set_output(ctx, 0, scores->dtype, target->rank, target->dims);
    else
        op_set_output(ctx, 0, scores->dtype, 0, NULL);
    op_set_output_like(ctx, 1, scores);
    return ctx->status;
}

/* The loss from log-probabilities logp [N, C, D] (doubles). */
static dnnx_status loss_compute(op_ctx *ctx, const double *logp, size_t batch, size_t classes, size_t inner)
{
    const dnnx_tensor *target = op_input(ctx, 1), *weight = op_input(ctx, 2);
    dnnx_tensor *loss = op_output(ctx, 0);
    loss_reduction reduction = LOSS_MEAN;
    dnnx_status status = loss_reduction_attr(ctx, &reduction);
    if (status)
        return status;
    bool has_ignore = op_has_attr(ctx, "ignore_index");
    int64_t ignore = op_attr_int(ctx, "ignore_index", 0);
    double total = 0.0, total_weight = 0.0;
    for (size_t n = 0; n < batch; n++) {
        for (size_t d = 0; d < inner; d++) {
            size_t k = n * inner + d;
            int64_t t = tensor_get_i64(target, k);
            double value = 0.0, w = 0.0;
            if (!has_ignore || t != ignore) {
                if (t < 0 || (uint64_t)t >= classes)
                    return op_fail(ctx, DNNX_ERR_RUNTIME, "target %lld is out of range [0, %zu)", (long long)t,
                                   classes);
                w = weight ? tensor_get_f64(weight, (size_t)t) : 1.0;
                value = -logp[(n * classes + (size_t)t) * inner + d] * w;
            }
            if (reduction == LOSS_NONE)
                tensor_set_f64(loss, k, value);
            total += value;
            total_weight += w;
        }
    }
    if (reduction == LOSS_SUM)
        tensor_set_f64(loss, 0, total);
    else if (reduction == LOSS_MEAN)
        tensor_set_f64(loss, 0, total / total_weight);
    return DNNX_OK;
}

/* Reads scores [N, C, d...] into doubles; with log_softmax, normalizes over C. */
static dnnx_status loss_run_common(op_ctx *ctx, bool log_softmax)
{
    const dnnx_tensor *scores = op_input(ctx, 0);
    size_t batch = (size_t)scores->dims[0], classes = (size_t)scores->dims[1];
    size_t inner = ops_dims_product(scores->dims, 2, scores->rank), count = tensor_count(scores);
    double *logp = malloc((count ? count : 1) * sizeof *logp);
    if (!logp)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for %zu scores", count);
    for (size_t i = 0; i < count; i++)
        logp[i] = tensor_get_f64(scores, i);
    if (log_softmax) {
        for (size_t n = 0; n < batch; n++) {
            for (size_t d = 0; d < inner; d++) {
                double *v = logp + n * classes * inner + d, max = -INFINITY, sum = 0.0;
                for (size_t c = 0; c < classes; c++)
                    max = v[c * inner] > max ? v[c * inner] : max;
                for (size_t c = 0; c < classes; c++)
                    sum += exp(v[c * inner] - max);
                double shift = max + log(sum);
                for (size_t c = 0; c < classes; c++)
                    v[c * inner] -= shift;
            }
        }
        dnnx_tensor *log_prob = op_output(ctx, 1);
        if (log_prob)
            for (size_t i = 0; i < count; i++)
                tensor_set_f64(log_prob, i, logp[i]);
    }
    dnnx_status status = loss_compute(ctx, logp, batch, classes, inner);
    free(logp);
    return status;
}

static dnnx_status nll_run(op_ctx *ctx) { return loss_run_common(ctx, false); }
static dnnx_status sce_run(op_ctx *ctx) { return loss_run_common(ctx, true); }

/* ---- RoiAlign ---- */

typedef struct roi_params {
    bool max_mode, half_pixel;
    int64_t out_h, out_w, sampling_ratio;
    double spatial_scale;
} roi_params;

static dnnx_status roi_read_params(op_ctx *ctx, roi_params *p)
{
    const char *mode = op_attr_string(ctx, "mode", "avg");
    const char *coord = op_version(ctx) >= 16 ? op_attr_string(ctx, "coordinate_transformation_mode", "half_pixel")
                                              : "output_half_pixel";
    if (strcmp(mode, "avg") != 0 && strcmp(mode, "max") != 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "mode '%s' is not avg or max", mode);
    if (strcmp(coord, "half_pixel") != 0 && strcmp(coord, "output_half_pixel") != 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "coordinate_transformation_mode '%s' is not supported", coord);
    p->max_mode = strcmp(mode, "max") == 0;
    p->half_pixel = strcmp(coord, "half_pixel") == 0;
    p->out_h = op_attr_int(ctx, "output_height", 1);
    p->out_w = op_attr_int(ctx, "output_width", 1);
    p->sampling_ratio = op_attr_int(ctx, "sampling_ratio", 0);
    p->spatial_scale = op_attr_float(ctx, "spatial_scale", 1.0f);
    if (p->out_h < 1 || p->out_w < 1 || p->out_h > (1 << 20) || p->out_w > (1 << 20) || p->sampling_ratio < 0 ||
        p->sampling_ratio > (1 << 10))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_height, output_width or sampling_ratio is invalid");
    return ctx->status;
}

static dnnx_status roi_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *rois = op_input(ctx, 1), *batch = op_input(ctx, 2);
    roi_params p;
    dnnx_status status = op_check_dtype(ctx, 0, float_dtypes);
    if (status || (status = op_check_same_dtype(ctx, 0, 1)) || (status = op_check_dtype(ctx, 2, index_dtypes)) ||
        (status = roi_read_params(ctx, &p)))
        return status;
    if (x->rank != 4 || rois->rank != 2 || batch->rank != 1)
        return ops_shape_fail(ctx, "X, rois and batch_indices must have ranks 4, 2 and 1, not %d, %d and %d", x->rank,
                              rois->rank, batch->rank);
    if ((status = ops_check_dims_equal(ctx, rois->dims[1], 4, "rois columns")) ||
        (status = ops_check_dims_equal(ctx, rois->dims[0], batch->dims[0], "roi count")))
        return status;
    int64_t dims[4] = {rois->dims[0] >= 0 ? rois->dims[0] : batch->dims[0], x->dims[1], p.out_h, p.out_w};
    op_set_output(ctx, 0, x->dtype, 4, dims);
    return ctx->status;
}

/* The bilinear sample of one plane at (y, x), as ONNX Runtime computes it: its four corner
 * offsets and weights (all zero outside the plane). */
typedef struct roi_sample {
    size_t pos[4];
    double w[4];
} roi_sample;

static void roi_bilinear(double y, double x, int64_t height, int64_t width, roi_sample *s)
{
    memset(s, 0, sizeof *s);
    if (y < -1.0 || y > (double)height || x < -1.0 || x > (double)width)
        return;
    y = y <= 0.0 ? 0.0 : y;
    x = x <= 0.0 ? 0.0 : x;
    int64_t y_low = (int64_t)y, x_low = (int64_t)x, y_high, x_high;
    if (y_low >= height - 1) {
        y_high = y_low = height - 1;
        y = (double)y_low;
    } else {
        y_high = y_low + 1;
    }
    if (x_low >= width - 1) {
        x_high = x_low = width - 1;
        x = (double)x_low;
    } else {
        x_high = x_low + 1;
    }
    double ly = y - (double)y_low, lx = x - (double)x_low, hy = 1.0 - ly, hx = 1.0 - lx;
    s->pos[0] = (size_t)(y_low * width + x_low);
    s->pos[1] = (size_t)(y_low * width + x_high);
    s->pos[2] = (size_t)(y_high * width + x_low);
    s->pos[3] = (size_t)(y_high * width + x_high);
    s->w[0] = hy * hx;
    s->w[1] = hy * lx;
    s->w[2] = ly * hx;
    s->w[3] = ly * lx;
}

static dnnx_status roi_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *rois = op_input(ctx, 1), *batch = op_input(ctx, 2);
    dnnx_tensor *y = op_output(ctx, 0);
    roi_params p;
    dnnx_status status = roi_read_params(ctx, &p);
    if (status)
        return status;
    int64_t n_batch = x->dims[0], channels = x->dims[1], height = x->dims[2], width = x->dims[3];
    size_t plane = (size_t)(height * width), n_rois = (size_t)rois->dims[0];
    double offset = p.half_pixel ? 0.5 : 0.0;
    size_t out_index = 0;
    for (size_t r = 0; r < n_rois; r++) {
        int64_t b = tensor_get_i64(batch, r);
        if (b < 0 || b >= n_batch)
            return op_fail(ctx, DNNX_ERR_RUNTIME, "batch index %lld of roi %zu is out of range [0, %lld)", (long long)b,
                           r, (long long)n_batch);
        if (plane == 0) {
            /* An empty plane has nothing to sample: the output stays zero. */
            out_index += (size_t)(channels * p.out_h * p.out_w);
            continue;
        }
        double box[4];
        for (int k = 0; k < 4; k++) {
            box[k] = tensor_get_f64(rois, r * 4 + (size_t)k) * p.spatial_scale - offset;
            if (!isfinite(box[k]))
                return op_fail(ctx, DNNX_ERR_RUNTIME, "roi %zu has a coordinate that is not finite", r);
        }
        double roi_w = box[2] - box[0], roi_h = box[3] - box[1];
        if (!p.half_pixel) {
            roi_w = fmax(roi_w, 1.0);
            roi_h = fmax(roi_h, 1.0);
        }
        double bin_h = roi_h / (double)p.out_h, bin_w = roi_w / (double)p.out_w;
        double grid_h_real = p.sampling_ratio > 0 ? (double)p.sampling_ratio : ceil(roi_h / (double)p.out_h);
        double grid_w_real = p.sampling_ratio > 0 ? (double)p.sampling_ratio : ceil(roi_w / (double)p.out_w);
        if (grid_h_real > 65536.0 || grid_w_real > 65536.0)
            return op_fail(ctx, DNNX_ERR_RUNTIME, "roi %zu needs a sampling grid of %gx%g", r, grid_h_real,
                           grid_w_real);
        int64_t grid_h = grid_h_real > 0 ? (int64_t)grid_h_real : 0,
                grid_w = grid_w_real > 0 ? (int64_t)grid_w_real : 0;
        double count = (double)(grid_h * grid_w > 1 ? grid_h * grid_w : 1);
        for (int64_t c = 0; c < channels; c++) {
            size_t base = ((size_t)b * (size_t)channels + (size_t)c) * plane;
            for (int64_t ph = 0; ph < p.out_h; ph++) {
                for (int64_t pw = 0; pw < p.out_w; pw++) {
                    double acc = 0.0;
                    bool first = true;
                    for (int64_t iy = 0; iy < grid_h; iy++) {
                        double yy = box[1] + (double)ph * bin_h + ((double)iy + 0.5) * bin_h / (double)grid_h;
                        for (int64_t ix = 0; ix < grid_w; ix++) {
                            double xx = box[0] + (double)pw * bin_w + ((double)ix + 0.5) * bin_w / (double)grid_w;
                            roi_sample s;
                            roi_bilinear(yy, xx, height, width, &s);
                            double v[4];
                            for (int k = 0; k < 4; k++)
                                v[k] = s.w[k] * tensor_get_f64(x, base + s.pos[k]);
                            if (!p.max_mode) {
                                acc += v[0] + v[1] + v[2] + v[3];
                                continue;
                            }
                            double m = fmax(fmax(v[0], v[1]), fmax(v[2], v[3]));
                            acc = first ? m : fmax(acc, m);
                            first = false;
                        }
                    }
                    tensor_set_f64(y, out_index++, p.max_mode ? acc : acc / count);
                }
            }
        }
    }
    return DNNX_OK;
}

/* ---- NonMaxSuppression ---- */

typedef struct nms_candidate {
    double score;
    int64_t index;
} nms_candidate;

/* Higher scores first; equal scores by box index. */
static int nms_compare(const void *a, const void *b)
{
    const nms_candidate *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Box corners as (y_min, x_min, y_max, x_max). */
static void nms_corners(const dnnx_tensor *boxes, size_t box, bool center, double *c)
{
    double v[4];
    for (int k = 0; k < 4; k++)
        v[k] = tensor_get_f64(boxes, box * 4 + (size_t)k);
    if (center) {
        c[0] = v[1] - v[3] / 2.0;
        c[1] = v[0] - v[2] / 2.0;
        c[2] = v[1] + v[3] / 2.0;
        c[3] = v[0] + v[2] / 2.0;
    } else {
        c[0] = fmin(v[0], v[2]);
        c[1] = fmin(v[1], v[3]);
        c[2] = fmax(v[0], v[2]);
        c[3] = fmax(v[1], v[3]);
    }
}

static bool nms_suppresses(const double *a, const double *b, double iou_threshold)
{
    double y_min = fmax(a[0], b[0]), x_min = fmax(a[1], b[1]), y_max = fmin(a[2], b[2]), x_max = fmin(a[3], b[3]);
    if (x_max <= x_min || y_max <= y_min)
        return false;
    double area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
    if (area_a <= 0.0 || area_b <= 0.0)
        return false;
    double intersection = (y_max - y_min) * (x_max - x_min), union_area = area_a + area_b - intersection;
    if (union_area <= 0.0)
        return false;
    return intersection / union_area > iou_threshold;
}

static dnnx_status nms_check_shapes(op_ctx *ctx)
{
    const dnnx_tensor *boxes = op_input(ctx, 0), *scores = op_input(ctx, 1);
    dnnx_status status = op_check_dtype(ctx, 0, float_dtypes);
    if (status || (status = op_check_same_dtype(ctx, 0, 1)))
        return status;
    if (boxes->rank != 3 || scores->rank != 3)
        return ops_shape_fail(ctx, "boxes and scores must have rank 3, not %d and %d", boxes->rank, scores->rank);
    if ((status = ops_check_dims_equal(ctx, boxes->dims[2], 4, "box coordinates")) ||
        (status = ops_check_dims_equal(ctx, boxes->dims[0], scores->dims[0], "batch of boxes and scores")) ||
        (status = ops_check_dims_equal(ctx, boxes->dims[1], scores->dims[2], "box count of boxes and scores")))
        return status;
    for (int i = 2; i < 5; i++) {
        const dnnx_tensor *t = op_input(ctx, i);
        if (t && (t->rank > 1 || (t->rank == 1 && t->dims[0] >= 0 && t->dims[0] != 1)))
            return ops_shape_fail(ctx, "input %d must be a scalar or a one-element 1-D tensor", i);
    }
    if (op_input(ctx, 2)) {
        static const dnnx_dtype int64_only[] = {DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};
        if ((status = op_check_dtype(ctx, 2, int64_only)))
            return status;
    }
    for (int i = 3; i < 5; i++)
        if (op_input(ctx, i) && (status = op_check_dtype(ctx, i, float_dtypes)))
            return status;
    int64_t center = op_attr_int(ctx, "center_point_box", 0);
    if (center != 0 && center != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "center_point_box must be 0 or 1, not %lld", (long long)center);
    return ctx->status;
}

/* Runs the selection; writes [batch, class, box] triples to selected (when not NULL) and
 * their number to *count. */
static dnnx_status nms_select(op_ctx *ctx, int64_t *selected, size_t *count)
{
    const dnnx_tensor *boxes = op_input(ctx, 0), *scores = op_input(ctx, 1);
    const dnnx_tensor *max_t = op_input(ctx, 2), *iou_t = op_input(ctx, 3), *score_t = op_input(ctx, 4);
    size_t batches = (size_t)boxes->dims[0], n_boxes = (size_t)boxes->dims[1], classes = (size_t)scores->dims[1];
    int64_t max_per_class = max_t && tensor_count(max_t) ? tensor_get_i64(max_t, 0) : 0;
    double iou_threshold = iou_t && tensor_count(iou_t) ? tensor_get_f64(iou_t, 0) : 0.0;
    bool has_score_threshold = score_t && tensor_count(score_t);
    double score_threshold = has_score_threshold ? tensor_get_f64(score_t, 0) : 0.0;
    bool center = op_attr_int(ctx, "center_point_box", 0) != 0;
    size_t limit = max_per_class > 0 ? ((uint64_t)max_per_class < n_boxes ? (size_t)max_per_class : n_boxes) : 0;
    *count = 0;
    if (limit == 0 || n_boxes == 0)
        return DNNX_OK;
    nms_candidate *candidates = malloc(n_boxes * sizeof *candidates);
    double *corners = malloc(n_boxes * 4 * sizeof *corners);
    size_t *kept = malloc(limit * sizeof *kept);
    if (!candidates || !corners || !kept) {
        free(candidates);
        free(corners);
        free(kept);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for %zu boxes", n_boxes);
    }
    for (size_t b = 0; b < batches; b++) {
        for (size_t i = 0; i < n_boxes; i++)
            nms_corners(boxes, b * n_boxes + i, center, corners + i * 4);
        for (size_t c = 0; c < classes; c++) {
            size_t n = 0, n_kept = 0;
            for (size_t i = 0; i < n_boxes; i++) {
                double score = tensor_get_f64(scores, (b * classes + c) * n_boxes + i);
                if (!isnan(score) && (!has_score_threshold || score > score_threshold))
                    candidates[n++] = (nms_candidate){score, (int64_t)i};
            }
            qsort(candidates, n, sizeof *candidates, nms_compare);
            for (size_t k = 0; k < n && n_kept < limit; k++) {
                size_t box = (size_t)candidates[k].index;
                bool keep = true;
                for (size_t j = 0; j < n_kept && keep; j++)
                    keep = !nms_suppresses(corners + box * 4, corners + kept[j] * 4, iou_threshold);
                if (!keep)
                    continue;
                kept[n_kept++] = box;
                if (selected) {
                    selected[*count * 3] = (int64_t)b;
                    selected[*count * 3 + 1] = (int64_t)c;
                    selected[*count * 3 + 2] = (int64_t)box;
                }
                (*count)++;
            }
        }
    }
    free(candidates);
    free(corners);
    free(kept);
    return DNNX_OK;
}

static dnnx_status nms_infer(op_ctx *ctx)
{
    dnnx_status status = nms_check_shapes(ctx);
    if (status)
        return status;
    int64_t dims[2] = {DIM_UNKNOWN, 3};
    bool known = true;
    for (int i = 0; i < ctx->n_inputs && i < 5; i++)
        if (op_input(ctx, i) && !op_input_has_data(ctx, i))
            known = false;
    if (known) {
        size_t count;
        if ((status = nms_select(ctx, NULL, &count)))
            return status;
        dims[0] = (int64_t)count;
    }
    op_set_output(ctx, 0, DNNX_DTYPE_INT64, 2, dims);
    return ctx->status;
}

static dnnx_status nms_run(op_ctx *ctx)
{
    dnnx_tensor *out = op_output(ctx, 0);
    size_t count;
    dnnx_status status = nms_select(ctx, out->data, &count);
    if (status)
        return status;
    if ((int64_t)count != out->dims[0])
        return op_fail(ctx, DNNX_ERR_INTERNAL, "selected %zu boxes, not the %lld inferred", count,
                       (long long)out->dims[0]);
    return DNNX_OK;
}

const op_schema ops_misc_schemas[] = {
    {"", "Resize", 10, 2, 2, 1, 1, resize_infer, resize_run},
    {"", "Resize", 11, 1, 4, 1, 1, resize_infer, resize_run},
    {"", "Resize", 13, 1, 4, 1, 1, resize_infer, resize_run},
    {"", "Resize", 18, 1, 4, 1, 1, resize_infer, resize_run},
    {"", "Resize", 19, 1, 4, 1, 1, resize_infer, resize_run},
    {"", "Upsample", 7, 1, 1, 1, 1, upsample_infer, upsample_run},
    {"", "Upsample", 9, 2, 2, 1, 1, upsample_infer, upsample_run},
    {"", "Det", 11, 1, 1, 1, 1, det_infer, det_run},
    {"", "Det", 22, 1, 1, 1, 1, det_infer, det_run},
    {"", "NegativeLogLikelihoodLoss", 12, 2, 3, 1, 1, loss_infer, nll_run},
    {"", "NegativeLogLikelihoodLoss", 13, 2, 3, 1, 1, loss_infer, nll_run},
    {"", "NegativeLogLikelihoodLoss", 22, 2, 3, 1, 1, loss_infer, nll_run},
    {"", "SoftmaxCrossEntropyLoss", 12, 2, 3, 1, 2, loss_infer, sce_run},
    {"", "SoftmaxCrossEntropyLoss", 13, 2, 3, 1, 2, loss_infer, sce_run},
    {"", "RoiAlign", 10, 3, 3, 1, 1, roi_infer, roi_run},
    {"", "RoiAlign", 16, 3, 3, 1, 1, roi_infer, roi_run},
    {"", "RoiAlign", 22, 3, 3, 1, 1, roi_infer, roi_run},
    {"", "NonMaxSuppression", 10, 2, 5, 1, 1, nms_infer, nms_run},
    {"", "NonMaxSuppression", 11, 2, 5, 1, 1, nms_infer, nms_run},
};
OPS_FAMILY_COUNT(misc);

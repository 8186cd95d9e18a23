/* Image and geometry ops: GridSample (16, 20 N-D, 22), AffineGrid (20), CenterCropPad (18),
 * Col2Im (18), DeformConv (19, 22) and TfIdfVectorizer (9, integer inputs).
 *
 * The sampling ops follow the ONNX reference implementation (which follows PyTorch): they
 * compute in double on copies of their inputs widened to double and round once on store.
 * Integer outputs are rounded to nearest and saturated. Every size an op derives from
 * attributes or input data is bounded by MAX_EXTENT so that sums and products of a few of
 * them cannot overflow int64; element counts are overflow-checked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

static const dnnx_dtype float_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                         DNNX_DTYPE_UNDEFINED};
static const dnnx_dtype index_types[] = {DNNX_DTYPE_INT32, DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};

#define MAX_EXTENT ((int64_t)1 << 31)

/* A shape problem is the model's fault at load and the caller's (its inputs) at run time. */
static dnnx_status shape_status(const op_ctx *ctx)
{
    return ctx->concrete ? DNNX_ERR_INVALID_ARGUMENT : DNNX_ERR_INVALID_MODEL;
}

/* A 0/1 attribute. */
static dnnx_status read_flag(op_ctx *ctx, const char *name, bool *value)
{
    int64_t v = op_attr_int(ctx, name, 0);
    *value = false;
    if (ctx->status)
        return ctx->status;
    if (v != 0 && v != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' is %lld, not 0 or 1", name, (long long)v);
    *value = v != 0;
    return DNNX_OK;
}

/* Fails unless the input's dtype has a fixed element size (rules out strings). */
static dnnx_status check_numeric(op_ctx *ctx, int i)
{
    const dnnx_tensor *t = op_input(ctx, i);
    if (t && tensor_dtype_size(t->dtype) == 0)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "input %d has dtype %s, which this op does not support", i,
                       dnnx_dtype_name(t->dtype));
    return DNNX_OK;
}

/* Product of count dims (all concrete, >= 0) into *out; fails naming what on overflow. */
static dnnx_status checked_product(op_ctx *ctx, const int64_t *dims, int count, const char *what, size_t *out)
{
    if (tensor_element_count_checked(count, dims, out))
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "%s overflows", what);
    return DNNX_OK;
}

/* A double copy of a numeric tensor's elements (NULL when t is NULL or out of memory). */
static double *widen(const dnnx_tensor *t)
{
    if (!t)
        return NULL;
    size_t count = tensor_count(t);
    double *out = malloc((count ? count : 1) * sizeof *out);
    if (!out)
        return NULL;
    if (t->dtype == DNNX_DTYPE_FLOAT) {
        const float *src = t->data;
        for (size_t i = 0; i < count; i++)
            out[i] = src[i];
    } else {
        for (size_t i = 0; i < count; i++)
            out[i] = tensor_get_f64(t, i);
    }
    return out;
}

/* Writes v to element i: as is for floating dtypes, rounded to nearest and saturated to the
 * dtype's range for integer ones (NaN becomes 0). */
static void store(dnnx_tensor *t, size_t i, double v)
{
    double lo, hi;
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: ((float *)t->data)[i] = (float)v; return;
    case DNNX_DTYPE_UINT8: lo = 0, hi = 255; break;
    case DNNX_DTYPE_INT8: lo = -128, hi = 127; break;
    case DNNX_DTYPE_UINT16: lo = 0, hi = 65535; break;
    case DNNX_DTYPE_INT16: lo = -32768, hi = 32767; break;
    case DNNX_DTYPE_UINT32: lo = 0, hi = 4294967295.0; break;
    case DNNX_DTYPE_INT32: lo = -2147483648.0, hi = 2147483647.0; break;
    /* The largest doubles below 2^63 and 2^64. */
    case DNNX_DTYPE_INT64: lo = -9223372036854775808.0, hi = 9223372036854774784.0; break;
    case DNNX_DTYPE_UINT64: lo = 0, hi = 18446744073709549568.0; break;
    default: tensor_set_f64(t, i, v); return;
    }
    v = isnan(v) ? 0.0 : nearbyint(v);
    v = v < lo ? lo : v > hi ? hi : v;
    if (t->dtype == DNNX_DTYPE_UINT64)
        ((uint64_t *)t->data)[i] = (uint64_t)v;
    else
        tensor_set_i64(t, i, (int64_t)v);
}

/* Reads a 1-D int32/int64 input with known data into values (at most DNNX_MAX_RANK entries,
 * exactly `expected` unless it is -1), each checked to lie in [min, MAX_EXTENT]. */
static dnnx_status read_extent_list(op_ctx *ctx, int input, const char *what, int expected, int64_t min,
                                    int64_t *values, int *count)
{
    size_t n;
    dnnx_status status = ops_read_int_list(ctx, input, values, DNNX_MAX_RANK, &n);
    if (status)
        return status;
    if (op_input(ctx, input)->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be 1-D, not rank %d", what, op_input(ctx, input)->rank);
    if (expected >= 0 && n != (size_t)expected)
        return op_fail(ctx, shape_status(ctx), "%s has %zu values, expected %d", what, n, expected);
    for (size_t k = 0; k < n; k++)
        if (values[k] < min || values[k] > MAX_EXTENT)
            return op_fail(ctx, shape_status(ctx), "%s[%zu] is %lld, outside %lld..%lld", what, k, (long long)values[k],
                           (long long)min, (long long)MAX_EXTENT);
    *count = (int)n;
    return DNNX_OK;
}

/* An ints attribute with `count` values (def for each when absent), each in [min, MAX_EXTENT]. */
static dnnx_status read_ints_attr(op_ctx *ctx, const char *name, int count, int64_t def, int64_t min, int64_t *out)
{
    size_t n;
    const int64_t *v = op_attr_ints(ctx, name, &n);
    if (ctx->status)
        return ctx->status;
    if (!v) {
        for (int k = 0; k < count; k++)
            out[k] = def;
        return DNNX_OK;
    }
    if (n != (size_t)count)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' has %zu values, expected %d", name, n, count);
    for (int k = 0; k < count; k++) {
        if (v[k] < min || v[k] > MAX_EXTENT)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s'[%d] is %lld, outside %lld..%lld", name, k,
                           (long long)v[k], (long long)min, (long long)MAX_EXTENT);
        out[k] = v[k];
    }
    return DNNX_OK;
}

/* GridSample. X [N, C, d_1..d_r] is sampled at grid [N, o_1..o_r, r], whose last axis holds
 * normalized coordinates in reverse axis order (x = d_r first). */
typedef enum sample_mode { SAMPLE_NEAREST, SAMPLE_LINEAR, SAMPLE_CUBIC } sample_mode;
typedef enum sample_padding { PAD_ZEROS, PAD_BORDER, PAD_REFLECTION } sample_padding;

typedef struct grid_sample_config {
    sample_mode mode;
    sample_padding padding;
    bool align_corners;
} grid_sample_config;

/* Most taps one output point may combine (cubic sampling takes 4^r). */
#define MAX_SAMPLE_TAPS ((size_t)1 << 20)

static dnnx_status grid_sample_config_read(op_ctx *ctx, grid_sample_config *cfg)
{
    bool v20 = op_version(ctx) >= 20;
    const char *linear = v20 ? "linear" : "bilinear", *cubic = v20 ? "cubic" : "bicubic";
    const char *mode = op_attr_string(ctx, "mode", linear);
    const char *padding = op_attr_string(ctx, "padding_mode", "zeros");
    dnnx_status status;
    if (ctx->status)
        return ctx->status;
    if ((status = read_flag(ctx, "align_corners", &cfg->align_corners)))
        return status;
    if (!strcmp(mode, linear))
        cfg->mode = SAMPLE_LINEAR;
    else if (!strcmp(mode, "nearest"))
        cfg->mode = SAMPLE_NEAREST;
    else if (!strcmp(mode, cubic))
        cfg->mode = SAMPLE_CUBIC;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "mode '%s' is not %s, nearest or %s", mode, linear, cubic);
    if (!strcmp(padding, "zeros"))
        cfg->padding = PAD_ZEROS;
    else if (!strcmp(padding, "border"))
        cfg->padding = PAD_BORDER;
    else if (!strcmp(padding, "reflection"))
        cfg->padding = PAD_REFLECTION;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "padding_mode '%s' is not zeros, border or reflection", padding);
    return DNNX_OK;
}

static dnnx_status grid_sample_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *grid = op_input(ctx, 1);
    grid_sample_config cfg;
    dnnx_status status;
    if ((status = grid_sample_config_read(ctx, &cfg)) || (status = check_numeric(ctx, 0)) ||
        (status = op_check_dtype(ctx, 1, float_types)))
        return status;
    if (op_version(ctx) < 20 && x->rank != 4)
        return op_fail(ctx, shape_status(ctx), "X must be 4-D (N, C, H, W) before opset 20, not rank %d", x->rank);
    if (x->rank < 3)
        return op_fail(ctx, shape_status(ctx), "X must have rank >= 3 (N, C, spatial...), not %d", x->rank);
    if (grid->rank != x->rank)
        return op_fail(ctx, shape_status(ctx), "grid has rank %d but X has rank %d", grid->rank, x->rank);
    int r = x->rank - 2;
    int64_t last = grid->dims[grid->rank - 1];
    if (last >= 0 && last != r)
        return op_fail(ctx, shape_status(ctx), "grid's last dim is %lld, expected %d (one coordinate per spatial dim)",
                       (long long)last, r);
    int64_t dims[DNNX_MAX_RANK];
    if ((status = op_merge_dim(ctx, x->dims[0], grid->dims[0], "the batch sizes of X and grid", &dims[0])))
        return status;
    dims[1] = x->dims[1];
    for (int i = 0; i < r; i++) {
        dims[2 + i] = grid->dims[1 + i];
        if (x->dims[2 + i] == 0)
            return op_fail(ctx, shape_status(ctx), "X's spatial dim %d is 0: there is nothing to sample", i);
    }
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    return DNNX_OK;
}

/* Maps a normalized coordinate in [-1, 1] to a pixel coordinate of an axis of size d. */
static double grid_denormalize(double v, int64_t d, bool align_corners)
{
    return align_corners ? (v + 1.0) / 2.0 * (double)(d - 1) : ((v + 1.0) * (double)d - 1.0) / 2.0;
}

/* Reflects x by the nearer border until it lies in [lo, hi]. */
static double grid_reflect(double x, double lo, double hi)
{
    double range = hi - lo;
    if (range <= 0)
        return lo;
    if (x < lo) {
        double dx = lo - x, n = floor(dx / range), rest = dx - n * range;
        return fmod(n, 2.0) == 0 ? lo + rest : hi - rest;
    }
    if (x > hi) {
        double dx = x - hi, n = floor(dx / range), rest = dx - n * range;
        return fmod(n, 2.0) == 0 ? hi - rest : lo + rest;
    }
    return x;
}

/* The taps of one axis of one sample point: element indices along the axis and weights. */
typedef struct axis_taps {
    int count;
    int64_t index[4];
    double weight[4];
} axis_taps;

/* Adds tap i (an integer position on an axis of size d) with weight w, resolved by the padding
 * mode: dropped outside the image for zeros, clamped for border, reflected for reflection. */
static void add_tap(axis_taps *taps, const grid_sample_config *cfg, int64_t i, int64_t d, double w)
{
    if (cfg->padding == PAD_ZEROS) {
        if (i < 0 || i >= d)
            return;
    } else if (cfg->padding == PAD_BORDER) {
        i = i < 0 ? 0 : i >= d ? d - 1 : i;
    } else {
        double lo = cfg->align_corners ? 0.0 : -0.5, hi = cfg->align_corners ? (double)d - 1.0 : (double)d - 0.5;
        i = (int64_t)grid_reflect((double)i, lo, hi);
        i = i < 0 ? 0 : i >= d ? d - 1 : i;
    }
    taps->index[taps->count] = i;
    taps->weight[taps->count++] = w;
}

/* Keys' cubic convolution weights (alpha -0.75) of the 4 taps around a point t in [0, 1) past
 * the second tap. */
static void cubic_weights(double t, double *w)
{
    const double a = -0.75;
    double t1 = t + 1.0, t2 = 1.0 - t, t3 = 2.0 - t;
    w[0] = ((a * t1 - 5.0 * a) * t1 + 8.0 * a) * t1 - 4.0 * a;
    w[1] = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0;
    w[2] = ((a + 2.0) * t2 - (a + 3.0)) * t2 * t2 + 1.0;
    w[3] = ((a * t3 - 5.0 * a) * t3 + 8.0 * a) * t3 - 4.0 * a;
}

/* The taps of a normalized coordinate v on an axis of size d. Returns false if the coordinate
 * is NaN (the sample is then NaN). */
static bool axis_taps_compute(axis_taps *taps, const grid_sample_config *cfg, double v, int64_t d)
{
    double x = grid_denormalize(v, d, cfg->align_corners);
    double lo = cfg->align_corners ? 0.0 : -0.5, hi = cfg->align_corners ? (double)d - 1.0 : (double)d - 0.5;
    taps->count = 0;
    if (cfg->mode == SAMPLE_NEAREST)
        x = nearbyint(x);
    if (x < lo || x > hi) {
        if (cfg->padding == PAD_BORDER)
            x = x < 0 ? 0 : x > (double)(d - 1) ? (double)(d - 1) : x;
        else if (cfg->padding == PAD_REFLECTION)
            x = grid_reflect(x, lo, hi);
    }
    if (isnan(x))
        return false;
    /* Past these bounds every tap is outside the image (zeros padding), and floor() stays in range. */
    if (x < -8.0)
        x = -8.0;
    if (x > (double)d + 8.0)
        x = (double)d + 8.0;
    double base = floor(x), t = x - base;
    int64_t i0 = (int64_t)base;
    if (cfg->mode == SAMPLE_NEAREST) {
        add_tap(taps, cfg, (int64_t)x, d, 1.0);
    } else if (cfg->mode == SAMPLE_LINEAR) {
        add_tap(taps, cfg, i0, d, 1.0 - t);
        add_tap(taps, cfg, i0 + 1, d, t);
    } else {
        double w[4];
        cubic_weights(t, w);
        for (int k = 0; k < 4; k++)
            add_tap(taps, cfg, i0 - 1 + k, d, w[k]);
    }
    return true;
}

static dnnx_status grid_sample_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *grid = op_input(ctx, 1);
    dnnx_tensor *y = op_output(ctx, 0);
    grid_sample_config cfg;
    dnnx_status status = grid_sample_config_read(ctx, &cfg);
    if (status)
        return status;
    int r = x->rank - 2;
    size_t batch = (size_t)x->dims[0], channels = (size_t)x->dims[1], in_plane, out_plane;
    if ((status = checked_product(ctx, x->dims + 2, r, "X's spatial size", &in_plane)) ||
        (status = checked_product(ctx, y->dims + 2, r, "the output's spatial size", &out_plane)))
        return status;
    if (tensor_count(y) == 0)
        return DNNX_OK;
    size_t per_axis = cfg.mode == SAMPLE_NEAREST ? 1 : cfg.mode == SAMPLE_LINEAR ? 2 : 4, max_taps = 1;
    for (int i = 0; i < r; i++) {
        if (max_taps > MAX_SAMPLE_TAPS / per_axis)
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "sampling in %d dims needs more than %zu taps per point", r,
                           MAX_SAMPLE_TAPS);
        max_taps *= per_axis;
    }
    size_t strides[DNNX_MAX_RANK];
    for (int i = r - 1; i >= 0; i--)
        strides[i] = i == r - 1 ? 1 : strides[i + 1] * (size_t)x->dims[3 + i];

    double *xd = widen(x), *gd = widen(grid), *tap_weight = malloc(max_taps * sizeof *tap_weight);
    size_t *tap_offset = malloc(max_taps * sizeof *tap_offset);
    if (!xd || !gd || !tap_weight || !tap_offset) {
        status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory sampling the grid");
        goto free_buffers;
    }
    for (size_t n = 0; n < batch; n++) {
        for (size_t o = 0; o < out_plane; o++) {
            const double *coords = gd + (n * out_plane + o) * (size_t)r;
            bool is_nan = false;
            size_t count = 1;
            tap_offset[0] = 0;
            tap_weight[0] = 1.0;
            for (int i = 0; i < r && count; i++) {
                axis_taps taps;
                if (!axis_taps_compute(&taps, &cfg, coords[r - 1 - i], x->dims[2 + i])) {
                    is_nan = true;
                    break;
                }
                /* Expand the tap set by this axis in place, last entries first. */
                size_t m = (size_t)taps.count;
                for (size_t j = count; j-- > 0;) {
                    size_t offset = tap_offset[j];
                    double weight = tap_weight[j];
                    for (size_t k = m; k-- > 0;) {
                        tap_offset[j * m + k] = offset + (size_t)taps.index[k] * strides[i];
                        tap_weight[j * m + k] = weight * taps.weight[k];
                    }
                }
                count *= m;
            }
            for (size_t c = 0; c < channels; c++) {
                const double *plane = xd + (n * channels + c) * in_plane;
                double sum = 0;
                for (size_t k = 0; k < count; k++)
                    sum += tap_weight[k] * plane[tap_offset[k]];
                store(y, (n * channels + c) * out_plane + o, is_nan ? NAN : sum);
            }
        }
    }
free_buffers:
    free(xd);
    free(gd);
    free(tap_weight);
    free(tap_offset);
    return status;
}

/* AffineGrid: theta [N, 2, 3] with size (N, C, H, W) gives grid [N, H, W, 2]; theta [N, 3, 4]
 * with size (N, C, D, H, W) gives grid [N, D, H, W, 3]. */
static dnnx_status affine_grid_infer(op_ctx *ctx)
{
    const dnnx_tensor *theta = op_input(ctx, 0), *size = op_input(ctx, 1);
    bool align_corners;
    dnnx_status status;
    if ((status = read_flag(ctx, "align_corners", &align_corners)) || (status = op_check_dtype(ctx, 0, float_types)) ||
        (status = op_check_dtype(ctx, 1, index_types)))
        return status;
    if (theta->rank != 3)
        return op_fail(ctx, shape_status(ctx), "theta must be 3-D ([N, 2, 3] or [N, 3, 4]), not rank %d", theta->rank);
    if (size->rank != 1)
        return op_fail(ctx, shape_status(ctx), "size must be 1-D, not rank %d", size->rank);
    int64_t rows = theta->dims[1], cols = theta->dims[2], spatial = -1;
    if (rows >= 0 && rows != 2 && rows != 3)
        return op_fail(ctx, shape_status(ctx), "theta has %lld rows, expected 2 (2-D) or 3 (3-D)", (long long)rows);
    if (rows >= 0 && cols >= 0 && cols != rows + 1)
        return op_fail(ctx, shape_status(ctx), "theta is [N, %lld, %lld], expected [N, 2, 3] or [N, 3, 4]",
                       (long long)rows, (long long)cols);
    if (rows >= 0)
        spatial = rows;
    else if (cols >= 0)
        spatial = cols - 1;
    int64_t n_size = size->dims[0];
    if (n_size >= 0 && n_size != 4 && n_size != 5)
        return op_fail(ctx, shape_status(ctx), "size has %lld values, expected 4 (N, C, H, W) or 5 (N, C, D, H, W)",
                       (long long)n_size);
    if (n_size >= 0 && spatial >= 0 && n_size - 2 != spatial)
        return op_fail(ctx, shape_status(ctx), "size has %lld values but theta is for %lld-D grids", (long long)n_size,
                       (long long)spatial);
    if (spatial < 0 && n_size >= 0)
        spatial = n_size - 2;
    if (spatial < 0) {
        op_set_output(ctx, 0, theta->dtype, -1, NULL);
        return DNNX_OK;
    }
    int64_t dims[DNNX_MAX_RANK];
    dims[0] = theta->dims[0];
    for (int i = 0; i < spatial; i++)
        dims[1 + i] = DIM_UNKNOWN;
    dims[1 + spatial] = spatial;
    if (op_input_has_data(ctx, 1)) {
        int64_t values[DNNX_MAX_RANK];
        int count;
        if ((status = read_extent_list(ctx, 1, "size", (int)spatial + 2, 0, values, &count)) ||
            (status = op_merge_dim(ctx, theta->dims[0], values[0], "the batch sizes of theta and size", &dims[0])))
            return status;
        for (int i = 0; i < spatial; i++)
            dims[1 + i] = values[2 + i];
    }
    op_set_output(ctx, 0, theta->dtype, (int)spatial + 2, dims);
    return DNNX_OK;
}

/* Position k of an axis of n evenly spaced points spanning [-1, 1] (align_corners: the end
 * points are pixel centers) or [-1 + 1/n, 1 - 1/n] (the end points are pixel edges). */
static double affine_base(int64_t k, int64_t n, bool align_corners)
{
    if (n <= 1)
        return 0.0;
    if (align_corners)
        return -1.0 + 2.0 * (double)k / (double)(n - 1);
    return -1.0 + (2.0 * (double)k + 1.0) / (double)n;
}

static dnnx_status affine_grid_run(op_ctx *ctx)
{
    const dnnx_tensor *theta = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    bool align_corners;
    dnnx_status status = read_flag(ctx, "align_corners", &align_corners);
    if (status)
        return status;
    int spatial = y->rank - 2;
    size_t batch = (size_t)y->dims[0];
    double *t = widen(theta);
    if (!t)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory reading theta");
    /* Homogeneous base point (x, y[, z], 1) with x along the last axis. */
    int64_t dims[3] = {1, 1, 1};
    for (int i = 0; i < spatial; i++)
        dims[3 - spatial + i] = y->dims[1 + i];
    size_t out = 0;
    for (size_t n = 0; n < batch; n++) {
        const double *m = t + n * (size_t)(spatial * (spatial + 1));
        for (int64_t d = 0; d < dims[0]; d++) {
            for (int64_t h = 0; h < dims[1]; h++) {
                for (int64_t w = 0; w < dims[2]; w++) {
                    double base[4] = {affine_base(w, dims[2], align_corners), affine_base(h, dims[1], align_corners),
                                      affine_base(d, dims[0], align_corners), 1.0};
                    if (spatial == 2)
                        base[2] = 1.0;
                    for (int k = 0; k < spatial; k++) {
                        double v = 0;
                        for (int j = 0; j <= spatial; j++)
                            v += m[k * (spatial + 1) + j] * base[j];
                        store(y, out++, v);
                    }
                }
            }
        }
    }
    free(t);
    return DNNX_OK;
}

/* CenterCropPad: crops (window start rounded down) or zero-pads (extra pixel on the right)
 * each listed axis to the size in the shape input. */
typedef struct crop_config {
    int n_axes;
    int axes[DNNX_MAX_RANK];
} crop_config;

static dnnx_status crop_config_read(op_ctx *ctx, int rank, crop_config *cfg)
{
    size_t n;
    const int64_t *axes = op_attr_ints(ctx, "axes", &n);
    cfg->n_axes = 0;
    if (ctx->status)
        return ctx->status;
    if (!axes) {
        cfg->n_axes = rank;
        for (int i = 0; i < rank; i++)
            cfg->axes[i] = i;
        return DNNX_OK;
    }
    if (n > (size_t)rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'axes' has %zu values for a rank-%d input", n, rank);
    bool seen[DNNX_MAX_RANK] = {false};
    for (size_t k = 0; k < n; k++) {
        int axis;
        dnnx_status status = op_normalize_axis(ctx, axes[k], rank, &axis);
        if (status)
            return status;
        if (seen[axis])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'axes' lists axis %d twice", axis);
        seen[axis] = true;
        cfg->axes[k] = axis;
    }
    cfg->n_axes = (int)n;
    return DNNX_OK;
}

static dnnx_status center_crop_pad_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *shape = op_input(ctx, 1);
    crop_config cfg;
    dnnx_status status;
    if ((status = check_numeric(ctx, 0)) || (status = op_check_dtype(ctx, 1, index_types)) ||
        (status = crop_config_read(ctx, x->rank, &cfg)))
        return status;
    if (shape->rank != 1)
        return op_fail(ctx, shape_status(ctx), "shape must be 1-D, not rank %d", shape->rank);
    if (shape->dims[0] >= 0 && shape->dims[0] != cfg.n_axes)
        return op_fail(ctx, shape_status(ctx), "shape has %lld values but there are %d axes", (long long)shape->dims[0],
                       cfg.n_axes);
    int64_t dims[DNNX_MAX_RANK], values[DNNX_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    if (op_input_has_data(ctx, 1)) {
        int count;
        if ((status = read_extent_list(ctx, 1, "shape", cfg.n_axes, 0, values, &count)))
            return status;
        for (int k = 0; k < cfg.n_axes; k++)
            dims[cfg.axes[k]] = values[k];
    } else {
        for (int k = 0; k < cfg.n_axes; k++)
            dims[cfg.axes[k]] = DIM_UNKNOWN;
    }
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    return DNNX_OK;
}

static dnnx_status center_crop_pad_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    int rank = x->rank;
    if (tensor_count(y) == 0 || tensor_count(x) == 0)
        return DNNX_OK;
    if (rank == 0) {
        memcpy(y->data, x->data, tensor_dtype_size(x->dtype));
        return DNNX_OK;
    }
    /* Output index o on axis a reads input index o + shift[a] (crop: > 0, pad: < 0). */
    int64_t shift[DNNX_MAX_RANK], in_strides[DNNX_MAX_RANK], index[DNNX_MAX_RANK] = {0};
    for (int a = 0; a < rank; a++)
        shift[a] = x->dims[a] >= y->dims[a] ? (x->dims[a] - y->dims[a]) / 2 : -((y->dims[a] - x->dims[a]) / 2);
    ops_strides(x, in_strides);
    size_t elem = tensor_dtype_size(x->dtype), rows = tensor_count(y) / (size_t)y->dims[rank - 1];
    int64_t last_out = y->dims[rank - 1], last_in = x->dims[rank - 1], s = shift[rank - 1];
    /* The run of the last axis that maps inside the input: o in [o_begin, o_end). */
    int64_t o_begin = s < 0 ? -s : 0, o_end = last_in - s < last_out ? last_in - s : last_out;
    char *out = y->data;
    const char *in = x->data;
    for (size_t row = 0; row < rows; row++) {
        bool inside = true;
        int64_t offset = 0;
        for (int a = 0; a < rank - 1; a++) {
            int64_t i = index[a] + shift[a];
            if (i < 0 || i >= x->dims[a]) {
                inside = false;
                break;
            }
            offset += i * in_strides[a];
        }
        if (inside && o_end > o_begin)
            memcpy(out + (row * (size_t)last_out + (size_t)o_begin) * elem, in + (size_t)(offset + o_begin + s) * elem,
                   (size_t)(o_end - o_begin) * elem);
        for (int a = rank - 2; a >= 0; a--) {
            if (++index[a] < y->dims[a])
                break;
            index[a] = 0;
        }
    }
    return DNNX_OK;
}

/* Col2Im: input [N, C * prod(block), L] with L = prod(blocks per axis) sums its columns back
 * into an image [N, C, image...]. */
typedef struct col2im_geometry {
    int r;
    int64_t image[DNNX_MAX_RANK], block[DNNX_MAX_RANK], blocks[DNNX_MAX_RANK];
    int64_t strides[DNNX_MAX_RANK], dilations[DNNX_MAX_RANK], pads[2 * DNNX_MAX_RANK];
    size_t kernel_size, block_count;
} col2im_geometry;

/* Reads attributes, image_shape and block_shape (whose data must be known) and checks them
 * against the input's shape where it is known. */
static dnnx_status col2im_geometry_read(op_ctx *ctx, col2im_geometry *g)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    int count;
    dnnx_status status;
    if ((status = read_extent_list(ctx, 1, "image_shape", -1, 1, g->image, &g->r)) ||
        (status = read_extent_list(ctx, 2, "block_shape", g->r, 1, g->block, &count)))
        return status;
    if (g->r < 1 || g->r > DNNX_MAX_RANK - 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "image_shape has %d values, expected 1..%d", g->r,
                       DNNX_MAX_RANK - 2);
    if ((status = read_ints_attr(ctx, "strides", g->r, 1, 1, g->strides)) ||
        (status = read_ints_attr(ctx, "dilations", g->r, 1, 1, g->dilations)) ||
        (status = read_ints_attr(ctx, "pads", 2 * g->r, 0, 0, g->pads)) ||
        (status = checked_product(ctx, g->block, g->r, "the block size", &g->kernel_size)))
        return status;
    g->block_count = 1;
    for (int i = 0; i < g->r; i++) {
        int64_t extent = g->dilations[i] * (g->block[i] - 1) + 1;
        int64_t span = g->image[i] + g->pads[i] + g->pads[g->r + i] - extent;
        if (span < 0)
            return op_fail(ctx, shape_status(ctx),
                           "on spatial axis %d the block (extent %lld) does not fit the padded image (size %lld)", i,
                           (long long)extent, (long long)(g->image[i] + g->pads[i] + g->pads[g->r + i]));
        g->blocks[i] = span / g->strides[i] + 1;
    }
    if ((status = checked_product(ctx, g->blocks, g->r, "the block count", &g->block_count)))
        return status;
    if (x->dims[1] >= 0 && (uint64_t)x->dims[1] % g->kernel_size != 0)
        return op_fail(ctx, shape_status(ctx), "input dim 1 (%lld) is not a multiple of the block size %zu",
                       (long long)x->dims[1], g->kernel_size);
    if (x->dims[2] >= 0 && (uint64_t)x->dims[2] != g->block_count)
        return op_fail(ctx, shape_status(ctx), "input dim 2 is %lld but the image holds %zu blocks",
                       (long long)x->dims[2], g->block_count);
    return DNNX_OK;
}

static dnnx_status col2im_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *image = op_input(ctx, 1), *block = op_input(ctx, 2);
    dnnx_status status;
    static const dnnx_dtype int64_only[] = {DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};
    if ((status = check_numeric(ctx, 0)) || (status = op_check_dtype(ctx, 1, int64_only)) ||
        (status = op_check_dtype(ctx, 2, int64_only)))
        return status;
    if (x->rank != 3)
        return op_fail(ctx, shape_status(ctx), "input must be 3-D ([N, C * prod(block_shape), L]), not rank %d",
                       x->rank);
    if (image->rank != 1 || block->rank != 1)
        return op_fail(ctx, shape_status(ctx), "image_shape and block_shape must be 1-D, not rank %d and %d",
                       image->rank, block->rank);
    int64_t dims[DNNX_MAX_RANK];
    dims[0] = x->dims[0];
    if (!op_input_has_data(ctx, 1) || !op_input_has_data(ctx, 2)) {
        int64_t r = image->dims[0] >= 0 ? image->dims[0] : block->dims[0];
        if (r > DNNX_MAX_RANK - 2)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "image_shape has %lld values, at most %d are supported",
                           (long long)r, DNNX_MAX_RANK - 2);
        dims[1] = DIM_UNKNOWN;
        for (int64_t i = 0; i < r; i++)
            dims[2 + i] = DIM_UNKNOWN;
        op_set_output(ctx, 0, x->dtype, r < 1 ? -1 : (int)r + 2, dims);
        return DNNX_OK;
    }
    col2im_geometry g;
    if ((status = col2im_geometry_read(ctx, &g)))
        return status;
    dims[1] = x->dims[1] >= 0 ? x->dims[1] / (int64_t)g.kernel_size : DIM_UNKNOWN;
    for (int i = 0; i < g.r; i++)
        dims[2 + i] = g.image[i];
    op_set_output(ctx, 0, x->dtype, g.r + 2, dims);
    return DNNX_OK;
}

static dnnx_status col2im_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    col2im_geometry g;
    dnnx_status status = col2im_geometry_read(ctx, &g);
    if (status)
        return status;
    size_t planes = (size_t)y->dims[0] * (size_t)y->dims[1], image_size = tensor_count(y) / (planes ? planes : 1);
    if (tensor_count(y) == 0)
        return DNNX_OK;
    double *xd = widen(x), *acc = calloc(tensor_count(y), sizeof *acc);
    if (!xd || !acc) {
        free(xd);
        free(acc);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory folding columns");
    }
    int r = g.r;
    int64_t image_strides[DNNX_MAX_RANK];
    for (int i = r - 1; i >= 0; i--)
        image_strides[i] = i == r - 1 ? 1 : image_strides[i + 1] * g.image[i + 1];
    for (size_t plane = 0; plane < planes; plane++) {
        const double *cols = xd + plane * g.kernel_size * g.block_count;
        double *image = acc + plane * image_size;
        int64_t kernel[DNNX_MAX_RANK] = {0};
        for (size_t k = 0; k < g.kernel_size; k++) {
            int64_t block[DNNX_MAX_RANK] = {0};
            for (size_t b = 0; b < g.block_count; b++) {
                int64_t offset = 0;
                bool inside = true;
                for (int i = 0; i < r && inside; i++) {
                    int64_t at = block[i] * g.strides[i] - g.pads[i] + kernel[i] * g.dilations[i];
                    inside = at >= 0 && at < g.image[i];
                    offset += at * image_strides[i];
                }
                if (inside)
                    image[offset] += cols[k * g.block_count + b];
                for (int i = r - 1; i >= 0 && ++block[i] == g.blocks[i]; i--)
                    block[i] = 0;
            }
            for (int i = r - 1; i >= 0 && ++kernel[i] == g.block[i]; i--)
                kernel[i] = 0;
        }
    }
    for (size_t i = 0; i < tensor_count(y); i++)
        store(y, i, acc[i]);
    free(xd);
    free(acc);
    return DNNX_OK;
}

/* DeformConv: a convolution whose kernel taps are displaced by per-position offsets (bilinear
 * sampling, zero outside the image) and optionally scaled by a mask. X [N, C, d...],
 * W [M, C/group, k...], offset [N, offset_group * prod(k) * r, o...], B [M],
 * mask [N, offset_group * prod(k), o...]. */
typedef struct deform_geometry {
    int r;
    int64_t group, offset_group;
    int64_t kernel[DNNX_MAX_RANK], strides[DNNX_MAX_RANK], dilations[DNNX_MAX_RANK], pads[2 * DNNX_MAX_RANK];
    int64_t out[DNNX_MAX_RANK]; /* output spatial dims, DIM_UNKNOWN where X's are unknown */
    int64_t kernel_size;        /* prod(kernel) */
} deform_geometry;

static dnnx_status deform_check_dim(op_ctx *ctx, const char *what, int axis, int64_t have, int64_t want)
{
    if (have >= 0 && want >= 0 && have != want)
        return op_fail(ctx, shape_status(ctx), "%s dim %d is %lld, expected %lld", what, axis, (long long)have,
                       (long long)want);
    return DNNX_OK;
}

static dnnx_status deform_geometry_read(op_ctx *ctx, deform_geometry *g)
{
    const dnnx_tensor *x = op_input(ctx, 0), *w = op_input(ctx, 1), *offset = op_input(ctx, 2);
    const dnnx_tensor *bias = op_input(ctx, 3), *mask = op_input(ctx, 4);
    dnnx_status status;
    if (x->rank < 3)
        return op_fail(ctx, shape_status(ctx), "X must have rank >= 3 (N, C, spatial...), not %d", x->rank);
    int r = g->r = x->rank - 2;
    if (w->rank != x->rank || offset->rank != x->rank || (mask && mask->rank != x->rank))
        return op_fail(ctx, shape_status(ctx), "W, offset and mask must have X's rank %d, not %d, %d and %d", x->rank,
                       w->rank, offset->rank, mask ? mask->rank : x->rank);
    if (bias && bias->rank != 1)
        return op_fail(ctx, shape_status(ctx), "B must be 1-D, not rank %d", bias->rank);
    g->group = op_attr_int(ctx, "group", 1);
    g->offset_group = op_attr_int(ctx, "offset_group", 1);
    if (ctx->status)
        return ctx->status;
    if (g->group < 1 || g->group > MAX_EXTENT || g->offset_group < 1 || g->offset_group > MAX_EXTENT)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "group (%lld) and offset_group (%lld) must be in 1..%lld",
                       (long long)g->group, (long long)g->offset_group, (long long)MAX_EXTENT);
    if ((status = read_ints_attr(ctx, "strides", r, 1, 1, g->strides)) ||
        (status = read_ints_attr(ctx, "dilations", r, 1, 1, g->dilations)) ||
        (status = read_ints_attr(ctx, "pads", 2 * r, 0, 0, g->pads)))
        return status;
    if (op_has_attr(ctx, "kernel_shape")) {
        if ((status = read_ints_attr(ctx, "kernel_shape", r, 1, 1, g->kernel)))
            return status;
        for (int i = 0; i < r; i++)
            if ((status = deform_check_dim(ctx, "W's spatial", i, w->dims[2 + i], g->kernel[i])))
                return status;
    } else {
        for (int i = 0; i < r; i++) {
            g->kernel[i] = w->dims[2 + i];
            if (g->kernel[i] == 0 || g->kernel[i] > MAX_EXTENT)
                return op_fail(ctx, shape_status(ctx), "W's spatial dim %d is %lld, outside 1..%lld", i,
                               (long long)g->kernel[i], (long long)MAX_EXTENT);
        }
    }
    g->kernel_size = 1;
    for (int i = 0; i < r; i++) {
        if (g->kernel[i] < 0 || g->kernel_size < 0) {
            g->kernel_size = DIM_UNKNOWN;
        } else if (g->kernel_size > MAX_EXTENT / g->kernel[i]) {
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the kernel size overflows");
        } else {
            g->kernel_size *= g->kernel[i];
        }
    }
    for (int i = 0; i < r; i++) {
        g->out[i] = DIM_UNKNOWN;
        if (x->dims[2 + i] < 0 || g->kernel[i] < 0)
            continue;
        if (x->dims[2 + i] > MAX_EXTENT)
            return op_fail(ctx, shape_status(ctx), "X's spatial dim %d is larger than %lld", i, (long long)MAX_EXTENT);
        int64_t extent = g->dilations[i] * (g->kernel[i] - 1) + 1;
        int64_t span = x->dims[2 + i] + g->pads[i] + g->pads[r + i] - extent;
        if (span < 0)
            return op_fail(ctx, shape_status(ctx),
                           "on spatial axis %d the kernel (extent %lld) does not fit the padded input (size %lld)", i,
                           (long long)extent, (long long)(x->dims[2 + i] + g->pads[i] + g->pads[r + i]));
        g->out[i] = span / g->strides[i] + 1;
    }
    int64_t c = x->dims[1], m = w->dims[0];
    if (c >= 0 && c % g->offset_group != 0)
        return op_fail(ctx, shape_status(ctx), "offset_group %lld does not divide the %lld input channels",
                       (long long)g->offset_group, (long long)c);
    if (c >= 0 && w->dims[1] >= 0 && w->dims[1] * g->group != c)
        return op_fail(ctx, shape_status(ctx),
                       "W has %lld input channels per group, X has %lld channels in %lld groups", (long long)w->dims[1],
                       (long long)c, (long long)g->group);
    if (m >= 0 && m % g->group != 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "group %lld does not divide the %lld output channels",
                       (long long)g->group, (long long)m);
    if (bias && (status = deform_check_dim(ctx, "B's", 0, bias->dims[0], m)))
        return status;
    if (g->kernel_size > 0 && g->offset_group > MAX_EXTENT / g->kernel_size)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "offset_group %lld times the kernel size %lld overflows",
                       (long long)g->offset_group, (long long)g->kernel_size);
    int64_t taps = g->kernel_size < 0 ? DIM_UNKNOWN : g->offset_group * g->kernel_size;
    if ((status = deform_check_dim(ctx, "offset's", 0, offset->dims[0], x->dims[0])) ||
        (status = deform_check_dim(ctx, "offset's", 1, offset->dims[1], taps < 0 ? taps : taps * r)))
        return status;
    if (mask && ((status = deform_check_dim(ctx, "mask's", 0, mask->dims[0], x->dims[0])) ||
                 (status = deform_check_dim(ctx, "mask's", 1, mask->dims[1], taps))))
        return status;
    for (int i = 0; i < r; i++) {
        if ((status = deform_check_dim(ctx, "offset's", 2 + i, offset->dims[2 + i], g->out[i])) ||
            (mask && (status = deform_check_dim(ctx, "mask's", 2 + i, mask->dims[2 + i], g->out[i]))))
            return status;
        if (g->out[i] < 0)
            g->out[i] = offset->dims[2 + i] >= 0 ? offset->dims[2 + i] : mask ? mask->dims[2 + i] : DIM_UNKNOWN;
    }
    return DNNX_OK;
}

static dnnx_status deform_conv_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *w = op_input(ctx, 1);
    deform_geometry g;
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, float_types)))
        return status;
    for (int i = 1; i < 5; i++)
        if ((status = op_check_same_dtype(ctx, 0, i)))
            return status;
    if ((status = deform_geometry_read(ctx, &g)))
        return status;
    int64_t dims[DNNX_MAX_RANK];
    dims[0] = x->dims[0];
    dims[1] = w->dims[0];
    for (int i = 0; i < g.r; i++)
        dims[2 + i] = g.out[i];
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    return DNNX_OK;
}

/* One DeformConv sampling step: the value of an image plane (dims d[0..r-1], row-major) at the
 * kernel tap `tap` of output point `pos` displaced by offsets (r values, out_plane apart),
 * bilinear with zeros outside. NaN positions give NaN. */
static double deform_sample(const deform_geometry *g, const int64_t *d, const double *plane, const int64_t *pos,
                            const int64_t *tap, const double *offsets, size_t out_plane)
{
    int r = g->r;
    size_t offset[1 << (DNNX_MAX_RANK - 2)];
    double weight[1 << (DNNX_MAX_RANK - 2)];
    size_t count = 1, stride = 1;
    offset[0] = 0;
    weight[0] = 1.0;
    for (int i = r - 1; i >= 0 && count; i--) {
        double p =
            (double)(pos[i] * g->strides[i] - g->pads[i] + tap[i] * g->dilations[i]) + offsets[(size_t)i * out_plane];
        if (isnan(p))
            return NAN;
        /* Beyond these bounds both corners are outside the image (and floor() stays in range). */
        p = p < -2.0 ? -2.0 : p > (double)d[i] + 1.0 ? (double)d[i] + 1.0 : p;
        double base = floor(p), t = p - base;
        int64_t lo = (int64_t)base, index[2];
        double w[2];
        size_t m = 0;
        if (lo >= 0 && lo < d[i])
            index[m] = lo, w[m++] = 1.0 - t;
        if (lo + 1 >= 0 && lo + 1 < d[i])
            index[m] = lo + 1, w[m++] = t;
        /* Expand the corner set by this axis in place, last entries first. */
        for (size_t j = count; j-- > 0;) {
            size_t at = offset[j];
            double cw = weight[j];
            for (size_t c = m; c-- > 0;) {
                offset[j * m + c] = at + (size_t)index[c] * stride;
                weight[j * m + c] = cw * w[c];
            }
        }
        count *= m;
        stride *= (size_t)d[i];
    }
    double sum = 0;
    for (size_t j = 0; j < count; j++)
        sum += weight[j] * plane[offset[j]];
    return sum;
}

static dnnx_status deform_conv_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *w = op_input(ctx, 1), *offset_t = op_input(ctx, 2);
    const dnnx_tensor *bias_t = op_input(ctx, 3), *mask_t = op_input(ctx, 4);
    dnnx_tensor *y = op_output(ctx, 0);
    deform_geometry g;
    dnnx_status status = deform_geometry_read(ctx, &g);
    if (status)
        return status;
    int r = g.r;
    size_t batch = (size_t)x->dims[0], channels = (size_t)x->dims[1], out_channels = (size_t)w->dims[0];
    size_t kernel_size = (size_t)g.kernel_size, in_plane, out_plane, col_count, acc_count;
    size_t group_in = channels / (size_t)g.group, group_out = out_channels / (size_t)g.group;
    size_t offset_group_in = channels / (size_t)g.offset_group, taps = (size_t)g.offset_group * kernel_size;
    if ((status = checked_product(ctx, x->dims + 2, r, "X's spatial size", &in_plane)) ||
        (status = checked_product(ctx, y->dims + 2, r, "the output's spatial size", &out_plane)))
        return status;
    if (tensor_count(y) == 0)
        return DNNX_OK;
    /* Both buffers are no larger than the offset input and the output. */
    col_count = kernel_size * out_plane;
    acc_count = out_channels * out_plane;

    double *xd = widen(x), *wd = widen(w), *od = widen(offset_t), *bd = widen(bias_t), *md = widen(mask_t);
    double *col = malloc(col_count * sizeof *col), *acc = malloc(acc_count * sizeof *acc);
    if (!xd || !wd || !od || (bias_t && !bd) || (mask_t && !md) || !col || !acc) {
        status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for the deformable convolution");
        goto free_buffers;
    }
    for (size_t n = 0; n < batch; n++) {
        for (size_t m = 0; m < out_channels; m++)
            for (size_t o = 0; o < out_plane; o++)
                acc[m * out_plane + o] = bd ? bd[m] : 0.0;
        for (size_t c = 0; c < channels; c++) {
            /* col[k][o]: channel c sampled at kernel tap k displaced for output point o. */
            const double *plane = xd + (n * channels + c) * in_plane;
            size_t og = c / offset_group_in;
            int64_t tap[DNNX_MAX_RANK] = {0};
            for (size_t k = 0; k < kernel_size; k++) {
                size_t tap_index = n * taps + og * kernel_size + k;
                const double *offsets = od + tap_index * (size_t)r * out_plane;
                const double *mask = md ? md + tap_index * out_plane : NULL;
                int64_t pos[DNNX_MAX_RANK] = {0};
                for (size_t o = 0; o < out_plane; o++) {
                    double v = deform_sample(&g, x->dims + 2, plane, pos, tap, offsets + o, out_plane);
                    col[k * out_plane + o] = mask ? v * mask[o] : v;
                    for (int i = r - 1; i >= 0 && ++pos[i] == g.out[i]; i--)
                        pos[i] = 0;
                }
                for (int i = r - 1; i >= 0 && ++tap[i] == g.kernel[i]; i--)
                    tap[i] = 0;
            }
            size_t group = c / group_in, c_in_group = c % group_in;
            for (size_t m = group * group_out; m < (group + 1) * group_out; m++) {
                double *out = acc + m * out_plane;
                for (size_t k = 0; k < kernel_size; k++) {
                    double weight = wd[(m * group_in + c_in_group) * kernel_size + k];
                    const double *src = col + k * out_plane;
                    for (size_t o = 0; o < out_plane; o++)
                        out[o] += weight * src[o];
                }
            }
        }
        for (size_t i = 0; i < acc_count; i++)
            store(y, n * acc_count + i, acc[i]);
    }
free_buffers:
    free(xd);
    free(wd);
    free(od);
    free(bd);
    free(md);
    free(col);
    free(acc);
    return status;
}

/* TfIdfVectorizer over integer tokens: counts, per row, the pool's n-grams of lengths
 * min_gram_length..max_gram_length found with 0..max_skip_count tokens skipped between items
 * (unigrams once), into column ngram_indexes[i] for the pool's i-th n-gram, then weighs them. */
typedef enum tfidf_mode { TFIDF_TF, TFIDF_IDF, TFIDF_TFIDF } tfidf_mode;

/* One pool n-gram of a length that is counted. */
typedef struct tfidf_entry {
    const int64_t *tokens;
    int64_t length;
    size_t ordinal; /* its place among all the pool's n-grams: later duplicates win */
    int64_t column;
} tfidf_entry;

typedef struct tfidf_config {
    tfidf_mode mode;
    int64_t min_length, max_length, max_skip;
    const int64_t *counts, *indexes, *pool;
    size_t n_counts, n_indexes, n_pool, n_weights;
    const float *weights;
    int64_t output_size;
} tfidf_config;

static dnnx_status tfidf_config_read(op_ctx *ctx, tfidf_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    const char *mode = op_attr_string(ctx, "mode", NULL);
    cfg->min_length = op_attr_int(ctx, "min_gram_length", 0);
    cfg->max_length = op_attr_int(ctx, "max_gram_length", 0);
    cfg->max_skip = op_attr_int(ctx, "max_skip_count", -1);
    cfg->counts = op_attr_ints(ctx, "ngram_counts", &cfg->n_counts);
    cfg->indexes = op_attr_ints(ctx, "ngram_indexes", &cfg->n_indexes);
    cfg->pool = op_attr_ints(ctx, "pool_int64s", &cfg->n_pool);
    cfg->weights = op_attr_floats(ctx, "weights", &cfg->n_weights);
    if (ctx->status)
        return ctx->status;
    if (op_has_attr(ctx, "pool_strings"))
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "string pools (pool_strings) are not supported");
    if (!mode || !op_has_attr(ctx, "min_gram_length") || !op_has_attr(ctx, "max_gram_length") ||
        !op_has_attr(ctx, "max_skip_count") || !cfg->counts || !cfg->indexes)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "attributes mode, min_gram_length, max_gram_length, "
                       "max_skip_count, ngram_counts and ngram_indexes are required");
    if (!cfg->pool)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'pool_int64s' is required");
    if (!strcmp(mode, "TF"))
        cfg->mode = TFIDF_TF;
    else if (!strcmp(mode, "IDF"))
        cfg->mode = TFIDF_IDF;
    else if (!strcmp(mode, "TFIDF"))
        cfg->mode = TFIDF_TFIDF;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "mode '%s' is not TF, IDF or TFIDF", mode);
    if (cfg->min_length < 1 || cfg->max_length < cfg->min_length)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "gram lengths %lld..%lld are not 1 <= min <= max",
                       (long long)cfg->min_length, (long long)cfg->max_length);
    if (cfg->max_skip < 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "max_skip_count is %lld, not >= 0", (long long)cfg->max_skip);
    size_t grams = 0;
    for (size_t i = 0; i < cfg->n_counts; i++) {
        int64_t start = cfg->counts[i], end = i + 1 < cfg->n_counts ? cfg->counts[i + 1] : (int64_t)cfg->n_pool;
        if (start < 0 || start > end || end > (int64_t)cfg->n_pool)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                           "ngram_counts[%zu] is %lld: the starts must be non-decreasing within the pool of %zu", i,
                           (long long)start, cfg->n_pool);
        grams += (size_t)(end - start) / (i + 1);
    }
    if (cfg->n_indexes < grams)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "ngram_indexes has %zu values for %zu n-grams in the pool",
                       cfg->n_indexes, grams);
    if (cfg->n_indexes == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "ngram_indexes is empty");
    cfg->output_size = 0;
    for (size_t i = 0; i < cfg->n_indexes; i++) {
        if (cfg->indexes[i] < 0 || cfg->indexes[i] >= MAX_EXTENT)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "ngram_indexes[%zu] is %lld, outside 0..%lld", i,
                           (long long)cfg->indexes[i], (long long)MAX_EXTENT - 1);
        if (cfg->indexes[i] + 1 > cfg->output_size)
            cfg->output_size = cfg->indexes[i] + 1;
    }
    if (cfg->mode != TFIDF_TF && cfg->weights && cfg->n_weights < (size_t)cfg->output_size)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "weights has %zu values for %lld output columns", cfg->n_weights,
                       (long long)cfg->output_size);
    return DNNX_OK;
}

static dnnx_status tfidf_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    tfidf_config cfg;
    dnnx_status status;
    if (x->dtype == DNNX_DTYPE_STRING)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "string inputs are not supported");
    if ((status = op_check_dtype(ctx, 0, index_types)) || (status = tfidf_config_read(ctx, &cfg)))
        return status;
    if (x->rank > 2)
        return op_fail(ctx, shape_status(ctx), "input must be [C] or [N, C], not rank %d", x->rank);
    int64_t dims[2] = {x->dims[0], cfg.output_size};
    if (x->rank == 2)
        op_set_output(ctx, 0, DNNX_DTYPE_FLOAT, 2, dims);
    else
        op_set_output(ctx, 0, DNNX_DTYPE_FLOAT, 1, dims + 1);
    return DNNX_OK;
}

static int tfidf_entry_compare(const void *pa, const void *pb)
{
    const tfidf_entry *a = pa, *b = pb;
    if (a->length != b->length)
        return a->length < b->length ? -1 : 1;
    for (int64_t i = 0; i < a->length; i++)
        if (a->tokens[i] != b->tokens[i])
            return a->tokens[i] < b->tokens[i] ? -1 : 1;
    return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
}

/* The column of the n-gram gram (of length n) in the sorted entries, or -1 if the pool lacks it. */
static int64_t tfidf_lookup(const tfidf_entry *entries, size_t count, const int64_t *gram, int64_t n)
{
    /* Upper bound of gram: the last matching entry is the last duplicate in the pool. */
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const tfidf_entry *e = &entries[mid];
        int cmp = e->length < n ? -1 : e->length > n ? 1 : 0;
        for (int64_t i = 0; i < n && !cmp; i++)
            cmp = e->tokens[i] < gram[i] ? -1 : e->tokens[i] > gram[i] ? 1 : 0;
        if (cmp <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    const tfidf_entry *e = &entries[lo - 1];
    if (e->length != n)
        return -1;
    for (int64_t i = 0; i < n; i++)
        if (e->tokens[i] != gram[i])
            return -1;
    return e->column;
}

static dnnx_status tfidf_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    tfidf_config cfg;
    dnnx_status status = tfidf_config_read(ctx, &cfg);
    if (status)
        return status;
    size_t rows = x->rank == 2 ? (size_t)x->dims[0] : 1, width = x->rank == 0 ? 1 : (size_t)x->dims[x->rank - 1];
    size_t columns = (size_t)cfg.output_size;
    float *out = y->data;
    /* The pool's n-grams of counted lengths; a length never exceeds the number of count groups. */
    int64_t longest = cfg.max_length < (int64_t)cfg.n_counts ? cfg.max_length : (int64_t)cfg.n_counts;
    tfidf_entry *entries = malloc((cfg.n_pool ? cfg.n_pool : 1) * sizeof *entries);
    int64_t *gram = malloc((size_t)(longest > 0 ? longest : 1) * sizeof *gram);
    if (!entries || !gram) {
        free(entries);
        free(gram);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory building the n-gram pool");
    }
    size_t n_entries = 0, ordinal = 0;
    for (size_t i = 0; i < cfg.n_counts; i++) {
        int64_t length = (int64_t)i + 1;
        size_t start = (size_t)cfg.counts[i];
        size_t end = i + 1 < cfg.n_counts ? (size_t)cfg.counts[i + 1] : cfg.n_pool;
        for (size_t at = start; at + (size_t)length <= end; at += (size_t)length, ordinal++) {
            if (length < cfg.min_length || length > cfg.max_length)
                continue;
            entries[n_entries++] = (tfidf_entry){cfg.pool + at, length, ordinal, cfg.indexes[ordinal]};
        }
    }
    qsort(entries, n_entries, sizeof *entries, tfidf_entry_compare);

    for (size_t row = 0; row < rows; row++) {
        float *counts = out + row * columns;
        for (size_t start = 0; start < width && n_entries; start++) {
            for (int64_t n = cfg.min_length; n <= longest; n++) {
                /* Skips s with start + (s + 1) * (n - 1) < width; unigrams are counted once. */
                int64_t max_skip = n == 1 ? 0 : (int64_t)((width - 1 - start) / (size_t)(n - 1)) - 1;
                if (max_skip > cfg.max_skip)
                    max_skip = cfg.max_skip;
                for (int64_t skip = 0; skip <= max_skip; skip++) {
                    for (int64_t j = 0; j < n; j++)
                        gram[j] = tensor_get_i64(x, row * width + start + (size_t)(j * (skip + 1)));
                    int64_t column = tfidf_lookup(entries, n_entries, gram, n);
                    if (column >= 0)
                        counts[column] += 1.0f;
                }
            }
        }
        for (size_t c = 0; c < columns; c++) {
            float w = cfg.weights ? cfg.weights[c] : 1.0f;
            if (cfg.mode == TFIDF_IDF)
                counts[c] = counts[c] > 0 ? w : 0.0f;
            else if (cfg.mode == TFIDF_TFIDF)
                counts[c] *= w;
        }
    }
    free(entries);
    free(gram);
    return DNNX_OK;
}

const op_schema ops_image_schemas[] = {
    {"", "GridSample", 16, 2, 2, 1, 1, grid_sample_infer, grid_sample_run},
    {"", "GridSample", 20, 2, 2, 1, 1, grid_sample_infer, grid_sample_run},
    {"", "GridSample", 22, 2, 2, 1, 1, grid_sample_infer, grid_sample_run},
    {"", "AffineGrid", 20, 2, 2, 1, 1, affine_grid_infer, affine_grid_run},
    {"", "CenterCropPad", 18, 2, 2, 1, 1, center_crop_pad_infer, center_crop_pad_run},
    {"", "Col2Im", 18, 3, 3, 1, 1, col2im_infer, col2im_run},
    {"", "DeformConv", 19, 3, 5, 1, 1, deform_conv_infer, deform_conv_run},
    {"", "DeformConv", 22, 3, 5, 1, 1, deform_conv_infer, deform_conv_run},
    {"", "TfIdfVectorizer", 9, 1, 1, 1, 1, tfidf_infer, tfidf_run},
};
OPS_FAMILY_COUNT(image);

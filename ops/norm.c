/* Normalizations: LayerNormalization, RMSNormalization, BatchNormalization (inference, and
 * training-mode batch statistics), InstanceNormalization, GroupNormalization,
 * LpNormalization and MeanVarianceNormalization.
 *
 * Every kernel loads one row at a time into double, computes its statistics there (two
 * passes: mean, then the centred sum of squares) and stores back in the tensor's dtype, so
 * float16 and bfloat16 need no separate code and float32 results are as exact as float32
 * storage allows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

static const dnnx_dtype float_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                         DNNX_DTYPE_UNDEFINED};

static void store_row(dnnx_tensor *t, size_t offset, size_t n, const double *src)
{
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: {
        float *dst = (float *)t->data + offset;
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)src[i];
        break;
    }
    case DNNX_DTYPE_DOUBLE: memcpy((double *)t->data + offset, src, n * sizeof *src); break;
    default:
        for (size_t i = 0; i < n; i++)
            tensor_set_f64(t, offset + i, src[i]);
        break;
    }
}

/* Mean and 1 / sqrt(variance + epsilon) of n values (population variance). */
static void mean_inv_std(const double *v, size_t n, double epsilon, double *mean, double *inv_std)
{
    double sum = 0, squares = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    double m = n ? sum / (double)n : NAN;
    for (size_t i = 0; i < n; i++)
        squares += (v[i] - m) * (v[i] - m);
    *mean = m;
    *inv_std = 1.0 / sqrt((n ? squares / (double)n : NAN) + epsilon);
}

static size_t product(const int64_t *dims, int from, int to)
{
    size_t p = 1;
    for (int d = from; d < to; d++)
        p *= (size_t)dims[d];
    return p;
}

/* Whether dims (rank) broadcast one way to target (target_rank), numpy-style, right-aligned;
 * symbolic dims are given the benefit of the doubt. */
static bool broadcasts_to(int rank, const int64_t *dims, int target_rank, const int64_t *target)
{
    if (rank > target_rank)
        return false;
    for (int i = 1; i <= rank; i++) {
        int64_t d = dims[rank - i], t = target[target_rank - i];
        if (d != 1 && d != t && d >= 0 && t >= 0)
            return false;
    }
    return true;
}

/* A scale or bias input as seen by broadcasting: its shape without leading 1s. */
static void strip_leading_ones(const dnnx_tensor *t, int *rank, const int64_t **dims)
{
    int skip = 0;
    while (skip < t->rank && t->dims[skip] == 1)
        skip++;
    *rank = t->rank - skip;
    *dims = t->dims + skip;
}

/* Checks that param (named what) broadcasts to x: to x's trailing dims from axis on, or to
 * all of x. */
static dnnx_status check_param_broadcast(op_ctx *ctx, const dnnx_tensor *param, const dnnx_tensor *x, const char *what)
{
    int rank;
    const int64_t *dims;
    strip_leading_ones(param, &rank, &dims);
    if (broadcasts_to(rank, dims, x->rank, x->dims))
        return DNNX_OK;
    char ps[128], xs[128];
    graph_format_shape(ctx->graph, param, ps, sizeof ps);
    graph_format_shape(ctx->graph, x, xs, sizeof xs);
    return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s of shape %s does not broadcast to the input shape %s", what, ps,
                   xs);
}

/* param broadcast to x's dims from axis `from` on, as doubles (*per_row false: the values
 * repeat for every row), or, when param varies along earlier axes, to all of x's dims
 * (*per_row true). The caller frees *out. */
static dnnx_status expand_param(op_ctx *ctx, const dnnx_tensor *param, const dnnx_tensor *x, int from, const char *what,
                                double **out, bool *per_row)
{
    int rank;
    const int64_t *dims;
    dnnx_status status = check_param_broadcast(ctx, param, x, what);
    if (status)
        return status;
    strip_leading_ones(param, &rank, &dims);
    dnnx_tensor target, view;
    *per_row = !broadcasts_to(rank, dims, x->rank - from, x->dims + from);
    if (*per_row)
        tensor_init_shape(&target, x->dtype, x->rank, x->dims);
    else
        tensor_init_shape(&target, x->dtype, x->rank - from, x->dims + from);
    tensor_init_shape(&view, param->dtype, rank, dims);
    view.data = param->data;
    const dnnx_tensor *views[1] = {&view};
    bcast_iter it;
    bcast_iter_init(&it, &target, views, 1);
    double *values = ops_alloc_scratch(ctx, it.count, sizeof(double));
    if (!values)
        return DNNX_ERR_OUT_OF_MEMORY;
    for (size_t k = 0; k < it.count; k++, bcast_iter_next(&it))
        values[k] = tensor_get_f64(param, it.offset[0]);
    *out = values;
    return DNNX_OK;
}

/* The dtype of LayerNormalization's Mean and InvStdDev outputs. */
static dnnx_status stash_dtype(op_ctx *ctx, dnnx_dtype *dtype)
{
    int64_t stash = op_attr_int(ctx, "stash_type", DNNX_DTYPE_FLOAT);
    if (ctx->status)
        return ctx->status;
    if (stash != DNNX_DTYPE_FLOAT && stash != DNNX_DTYPE_DOUBLE && stash != DNNX_DTYPE_FLOAT16 &&
        stash != DNNX_DTYPE_BFLOAT16)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "stash_type %lld is not a floating-point type", (long long)stash);
    *dtype = (dnnx_dtype)stash;
    return DNNX_OK;
}

/* LayerNormalization (17) and RMSNormalization (23) normalize over the axes from `axis`
 * to the last. */
static dnnx_status trailing_norm_infer(op_ctx *ctx, bool rms)
{
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *bias = op_input(ctx, 2);
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status || (status = op_check_dtype(ctx, 1, float_types)))
        return status;
    if (!rms && ((status = op_check_same_dtype(ctx, 0, 1)) || (status = op_check_same_dtype(ctx, 0, 2))))
        return status;
    int axis;
    dnnx_dtype stash = DNNX_DTYPE_FLOAT;
    float epsilon = op_attr_float(ctx, "epsilon", 1e-5f);
    if ((status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", -1), x->rank, &axis)) ||
        (status = stash_dtype(ctx, &stash)))
        return status;
    if (!(epsilon >= 0))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "epsilon must not be negative");
    if ((status = check_param_broadcast(ctx, scale, x, "scale")) ||
        (bias && (status = check_param_broadcast(ctx, bias, x, "bias"))))
        return status;
    /* RMSNormalization's Y has the scale's type (V); LayerNormalization's the input's. */
    op_set_output(ctx, 0, rms ? scale->dtype : x->dtype, x->rank, x->dims);
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0; d < x->rank; d++)
        dims[d] = d < axis ? x->dims[d] : 1;
    op_set_output(ctx, 1, stash, x->rank, dims);
    op_set_output(ctx, 2, stash, x->rank, dims);
    return ctx->status;
}

/* Whether param is float32 with one value per element of the normalized block, the same for
 * every row (x's dims from axis on): the case of every exported Transformer. */
static bool plain_f32_param(const dnnx_tensor *param, const dnnx_tensor *x, int axis, size_t len)
{
    int rank;
    const int64_t *dims;
    strip_leading_ones(param, &rank, &dims);
    return param->dtype == DNNX_DTYPE_FLOAT && tensor_count(param) == len &&
           broadcasts_to(rank, dims, x->rank - axis, x->dims + axis);
}

/* The float32 case of trailing_norm_run, reading the tensors in place instead of through
 * double copies (which a run would have to allocate): the same arithmetic in double. */
static void trailing_norm_f32(const dnnx_tensor *x, const float *scale, const float *bias, size_t rows, size_t len,
                              double epsilon, bool rms, dnnx_tensor *y, dnnx_tensor *mean_out, dnnx_tensor *inv_out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *in = (const float *)x->data + r * len;
        float *out = (float *)y->data + r * len;
        double mean = 0, inv, sum = 0, squares = 0;
        if (rms) {
            for (size_t i = 0; i < len; i++)
                squares += (double)in[i] * (double)in[i];
        } else {
            for (size_t i = 0; i < len; i++)
                sum += in[i];
            mean = len ? sum / (double)len : NAN;
            for (size_t i = 0; i < len; i++)
                squares += ((double)in[i] - mean) * ((double)in[i] - mean);
        }
        inv = 1.0 / sqrt((len ? squares / (double)len : NAN) + epsilon);
        for (size_t i = 0; i < len; i++)
            out[i] = (float)(((double)in[i] - mean) * inv * (double)scale[i] + (bias ? (double)bias[i] : 0.0));
        if (mean_out)
            tensor_set_f64(mean_out, r, mean);
        if (inv_out)
            tensor_set_f64(inv_out, r, inv);
    }
}

static dnnx_status trailing_norm_run(op_ctx *ctx, bool rms)
{
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *bias = op_input(ctx, 2);
    dnnx_tensor *y = op_output(ctx, 0), *mean_out = op_output(ctx, 1), *inv_out = op_output(ctx, 2);
    int axis;
    double epsilon = op_attr_float(ctx, "epsilon", 1e-5f);
    dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", -1), x->rank, &axis);
    if (status || (status = ctx->status))
        return status;
    size_t rows = product(x->dims, 0, axis), len = product(x->dims, axis, x->rank);
    double *scales = NULL, *biases = NULL, *row = NULL;
    bool scale_per_row = false, bias_per_row = false;
    if (x->dtype == DNNX_DTYPE_FLOAT && y->dtype == DNNX_DTYPE_FLOAT && plain_f32_param(scale, x, axis, len) &&
        (!bias || plain_f32_param(bias, x, axis, len))) {
        trailing_norm_f32(x, scale->data, bias ? bias->data : NULL, rows, len, epsilon, rms, y, mean_out, inv_out);
        return DNNX_OK;
    }
    if ((status = expand_param(ctx, scale, x, axis, "scale", &scales, &scale_per_row)))
        return status;
    if (bias && (status = expand_param(ctx, bias, x, axis, "bias", &biases, &bias_per_row)))
        goto free_buffers;
    if (!(row = ops_alloc_scratch(ctx, len, sizeof(double)))) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_buffers;
    }
    for (size_t r = 0; r < rows; r++) {
        const double *s = scales + (scale_per_row ? r * len : 0);
        const double *b = biases ? biases + (bias_per_row ? r * len : 0) : NULL;
        double mean = 0, inv;
        ops_load_f64(x, r * len, len, row);
        if (rms) {
            double squares = 0;
            for (size_t i = 0; i < len; i++)
                squares += row[i] * row[i];
            inv = 1.0 / sqrt((len ? squares / (double)len : NAN) + epsilon);
        } else {
            mean_inv_std(row, len, epsilon, &mean, &inv);
        }
        for (size_t i = 0; i < len; i++)
            row[i] = (row[i] - mean) * inv * s[i] + (b ? b[i] : 0.0);
        store_row(y, r * len, len, row);
        if (mean_out)
            tensor_set_f64(mean_out, r, mean);
        if (inv_out)
            tensor_set_f64(inv_out, r, inv);
    }
free_buffers:
    free(row);
    free(biases);
    free(scales);
    return status;
}

static dnnx_status layer_norm_infer(op_ctx *ctx) { return trailing_norm_infer(ctx, false); }
static dnnx_status layer_norm_run(op_ctx *ctx) { return trailing_norm_run(ctx, false); }
static dnnx_status rms_norm_infer(op_ctx *ctx) { return trailing_norm_infer(ctx, true); }
static dnnx_status rms_norm_run(op_ctx *ctx) { return trailing_norm_run(ctx, true); }

/* Checks that a per-channel (or per-group: unit) parameter is 1-D of size n. */
static dnnx_status check_vector(op_ctx *ctx, int input, int64_t n, const char *what, const char *unit)
{
    const dnnx_tensor *t = op_input(ctx, input);
    if (!t)
        return DNNX_OK;
    if (t->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be 1-D, not rank %d", what, t->rank);
    if (t->dims[0] >= 0 && n >= 0 && t->dims[0] != n)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s has %lld values, expected %lld (one per %s)", what,
                       (long long)t->dims[0], (long long)n, unit);
    return DNNX_OK;
}

/* A 1-D input's n values as doubles; the caller frees. */
static double *load_vector(op_ctx *ctx, int input, size_t n)
{
    double *values = ops_alloc_scratch(ctx, n, sizeof(double));
    if (values)
        ops_load_f64(op_input(ctx, input), 0, n, values);
    return values;
}

static dnnx_status check_channels_input(op_ctx *ctx, const dnnx_tensor *x)
{
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status)
        return status;
    if (x->rank < 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input must have rank >= 2 (N x C x ...), not %d", x->rank);
    return DNNX_OK;
}

/* BatchNormalization. Training mode is the training_mode attribute from opset 14 and, before
 * it, the presence of the optional statistics outputs (as in ONNX Runtime). spatial = 0
 * (opsets 6 and 7) means one set of statistics per element of C x D1 x ... */
static bool batch_norm_training(op_ctx *ctx)
{
    if (op_version(ctx) >= 14)
        return op_attr_int(ctx, "training_mode", 0) != 0;
    for (int k = 1; k < ctx->n_outputs; k++)
        if (op_output(ctx, k))
            return true;
    return false;
}

static bool batch_norm_spatial(op_ctx *ctx) { return op_version(ctx) >= 9 || op_attr_int(ctx, "spatial", 1) != 0; }

static dnnx_status batch_norm_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *mean = op_input(ctx, 3);
    dnnx_status status = check_channels_input(ctx, x);
    for (int k = 1; k < 5 && !status; k++)
        status = op_check_dtype(ctx, k, float_types);
    if (status)
        return status;
    bool spatial = batch_norm_spatial(ctx);
    int64_t features = x->dims[1];
    if (!spatial) {
        for (int d = 2; d < x->rank && features >= 0; d++)
            features = x->dims[d] < 0 ? DIM_UNKNOWN : features * x->dims[d];
        for (int k = 1; k < 5; k++)
            if (ctx->concrete && (int64_t)tensor_count(op_input(ctx, k)) != features)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d must hold C x D1 x ... = %lld values", k,
                               (long long)features);
    } else {
        static const char *const names[] = {"", "scale", "B", "input_mean", "input_var"};
        for (int k = 1; k < 5; k++)
            if ((status = check_vector(ctx, k, features, names[k], "channel")))
                return status;
    }
    if (ctx->status)
        return ctx->status;
    op_set_output_like(ctx, 0, x);
    for (int k = 1; k < 5; k++)
        op_set_output_like(ctx, k, mean);
    return DNNX_OK;
}

static dnnx_status batch_norm_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    double epsilon = op_attr_float(ctx, "epsilon", 1e-5f), momentum = op_attr_float(ctx, "momentum", 0.9f);
    bool training = batch_norm_training(ctx), spatial = batch_norm_spatial(ctx);
    if (ctx->status)
        return ctx->status;
    /* x as [N, C, S]; with spatial = 0 every element of a sample is its own channel. */
    size_t n = (size_t)x->dims[0], c = (size_t)x->dims[1], s = product(x->dims, 2, x->rank);
    if (!spatial) {
        c *= s;
        s = 1;
    }
    dnnx_status status = DNNX_OK;
    double *params[5] = {NULL}, *row = ops_alloc_scratch(ctx, s, sizeof(double));
    for (int k = 1; k < 5 && row; k++)
        if (!(params[k] = load_vector(ctx, k, c)))
            break;
    if (!row || !params[4]) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_buffers;
    }
    double *scale = params[1], *bias = params[2], *mean = params[3], *var = params[4];
    for (size_t ch = 0; ch < c; ch++) {
        double batch_mean = mean[ch], batch_var = var[ch];
        if (training) {
            double sum = 0, squares = 0, count = (double)(n * s);
            for (size_t b = 0; b < n; b++) {
                ops_load_f64(x, (b * c + ch) * s, s, row);
                for (size_t i = 0; i < s; i++)
                    sum += row[i];
            }
            batch_mean = count ? sum / count : NAN;
            for (size_t b = 0; b < n; b++) {
                ops_load_f64(x, (b * c + ch) * s, s, row);
                for (size_t i = 0; i < s; i++)
                    squares += (row[i] - batch_mean) * (row[i] - batch_mean);
            }
            batch_var = count ? squares / count : NAN;
            double outputs[5] = {0, mean[ch] * momentum + batch_mean * (1 - momentum),
                                 var[ch] * momentum + batch_var * (1 - momentum), batch_mean, batch_var};
            for (int k = 1; k < 5; k++)
                if (op_output(ctx, k))
                    tensor_set_f64(op_output(ctx, k), ch, outputs[k]);
        } else {
            for (int k = 1; k < 5; k++)
                if (op_output(ctx, k))
                    tensor_set_f64(op_output(ctx, k), ch, k == 2 || k == 4 ? var[ch] : mean[ch]);
        }
        double a = scale[ch] / sqrt(batch_var + epsilon), shift = bias[ch] - batch_mean * a;
        for (size_t b = 0; b < n; b++) {
            ops_load_f64(x, (b * c + ch) * s, s, row);
            for (size_t i = 0; i < s; i++)
                row[i] = row[i] * a + shift;
            store_row(y, (b * c + ch) * s, s, row);
        }
    }
free_buffers:
    for (int k = 1; k < 5; k++)
        free(params[k]);
    free(row);
    return status;
}

/* InstanceNormalization and GroupNormalization: x as [N, C, S] normalized over groups of
 * C / groups channels; scale and bias per channel, or per group (GroupNormalization-18). */
static dnnx_status group_norm_shape(op_ctx *ctx, const dnnx_tensor *x, bool instance, int64_t *groups)
{
    if (instance) {
        *groups = x->dims[1];
        return DNNX_OK;
    }
    if (!op_has_attr(ctx, "num_groups"))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'num_groups' is required");
    *groups = op_attr_int(ctx, "num_groups", 1);
    if (ctx->status)
        return ctx->status;
    if (*groups <= 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "num_groups must be positive, not %lld", (long long)*groups);
    if (x->dims[1] >= 0 && x->dims[1] % *groups != 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "num_groups %lld does not divide the %lld channels",
                       (long long)*groups, (long long)x->dims[1]);
    return DNNX_OK;
}

static bool per_group_params(op_ctx *ctx, bool instance) { return !instance && op_version(ctx) < 21; }

static dnnx_status group_norm_common_infer(op_ctx *ctx, bool instance)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = check_channels_input(ctx, x);
    int64_t groups;
    if (status || (status = op_check_same_dtype(ctx, 0, 1)) || (status = op_check_same_dtype(ctx, 0, 2)) ||
        (status = group_norm_shape(ctx, x, instance, &groups)))
        return status;
    int64_t n = per_group_params(ctx, instance) ? groups : x->dims[1];
    const char *unit = per_group_params(ctx, instance) ? "group" : "channel";
    if ((status = check_vector(ctx, 1, n, "scale", unit)) || (status = check_vector(ctx, 2, n, "bias", unit)))
        return status;
    if (!instance && op_version(ctx) >= 21) {
        dnnx_dtype stash = DNNX_DTYPE_FLOAT;
        if ((status = stash_dtype(ctx, &stash)))
            return status;
    }
    op_set_output_like(ctx, 0, x);
    return ctx->status;
}

static dnnx_status group_norm_common_run(op_ctx *ctx, bool instance)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    double epsilon = op_attr_float(ctx, "epsilon", 1e-5f);
    int64_t groups;
    dnnx_status status = group_norm_shape(ctx, x, instance, &groups);
    if (status || tensor_count(x) == 0)
        return status;
    size_t n = (size_t)x->dims[0], c = (size_t)x->dims[1], s = product(x->dims, 2, x->rank);
    size_t g_count = (size_t)groups, per_group = c / g_count, len = per_group * s;
    bool per_group_param = per_group_params(ctx, instance);
    size_t n_params = per_group_param ? g_count : c;
    double *scale = load_vector(ctx, 1, n_params), *bias = scale ? load_vector(ctx, 2, n_params) : NULL;
    double *row = bias ? ops_alloc_scratch(ctx, len, sizeof(double)) : NULL;
    if (!row) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_buffers;
    }
    for (size_t b = 0; b < n; b++) {
        for (size_t g = 0; g < g_count; g++) {
            size_t offset = (b * g_count + g) * len;
            double mean, inv;
            ops_load_f64(x, offset, len, row);
            mean_inv_std(row, len, epsilon, &mean, &inv);
            for (size_t ch = 0; ch < per_group; ch++) {
                size_t p = per_group_param ? g : g * per_group + ch;
                double a = inv * scale[p], shift = bias[p] - mean * a;
                for (size_t i = ch * s; i < (ch + 1) * s; i++)
                    row[i] = row[i] * a + shift;
            }
            store_row(y, offset, len, row);
        }
    }
free_buffers:
    free(row);
    free(bias);
    free(scale);
    return status;
}

static dnnx_status instance_norm_infer(op_ctx *ctx) { return group_norm_common_infer(ctx, true); }
static dnnx_status instance_norm_run(op_ctx *ctx) { return group_norm_common_run(ctx, true); }
static dnnx_status group_norm_infer(op_ctx *ctx) { return group_norm_common_infer(ctx, false); }
static dnnx_status group_norm_run(op_ctx *ctx) { return group_norm_common_run(ctx, false); }

/* LpNormalization: x / ||x||_p along axis, p in {1, 2}; a zero norm gives 0. */
static dnnx_status lp_norm_params(op_ctx *ctx, const dnnx_tensor *x, int *axis, int64_t *p)
{
    dnnx_status status = op_normalize_axis(ctx, op_attr_int(ctx, "axis", -1), x->rank, axis);
    *p = op_attr_int(ctx, "p", 2);
    if (status || (status = ctx->status))
        return status;
    if (*p != 1 && *p != 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "p must be 1 or 2, not %lld", (long long)*p);
    return DNNX_OK;
}

static dnnx_status lp_norm_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    int axis;
    int64_t p;
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status || (status = lp_norm_params(ctx, x, &axis, &p)))
        return status;
    op_set_output_like(ctx, 0, x);
    return DNNX_OK;
}

static dnnx_status lp_norm_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    int axis;
    int64_t p;
    dnnx_status status = lp_norm_params(ctx, x, &axis, &p);
    if (status)
        return status;
    size_t rows = product(x->dims, 0, axis), n = (size_t)x->dims[axis], inner = product(x->dims, axis + 1, x->rank);
    size_t block = n * inner;
    double *values = ops_alloc_scratch(ctx, block, sizeof(double)),
           *norms = values ? ops_alloc_scratch(ctx, inner, sizeof(double)) : NULL;
    if (!norms) {
        free(values);
        return DNNX_ERR_OUT_OF_MEMORY;
    }
    for (size_t r = 0; r < rows; r++) {
        ops_load_f64(x, r * block, block, values);
        memset(norms, 0, inner * sizeof *norms);
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; i < inner; i++)
                norms[i] += p == 1 ? fabs(values[k * inner + i]) : values[k * inner + i] * values[k * inner + i];
        for (size_t i = 0; i < inner; i++)
            norms[i] = p == 1 ? norms[i] : sqrt(norms[i]);
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; i < inner; i++)
                values[k * inner + i] = norms[i] != 0 ? values[k * inner + i] / norms[i] : 0.0;
        store_row(y, r * block, block, values);
    }
    free(norms);
    free(values);
    return DNNX_OK;
}

/* MeanVarianceNormalization: (x - mean) / (std + 1e-9) over the axes (default 0, 2, 3), as
 * the ONNX function body defines it. */
static dnnx_status mvn_axes(op_ctx *ctx, const dnnx_tensor *x, bool *mask)
{
    static const int64_t default_axes[] = {0, 2, 3};
    size_t count;
    const int64_t *axes = op_attr_ints(ctx, "axes", &count);
    if (ctx->status)
        return ctx->status;
    if (!axes) {
        axes = default_axes;
        count = 3;
    }
    memset(mask, 0, DNNX_MAX_RANK * sizeof *mask);
    for (size_t k = 0; k < count; k++) {
        int axis;
        dnnx_status status = op_normalize_axis(ctx, axes[k], x->rank, &axis);
        if (status)
            return status;
        mask[axis] = true;
    }
    return DNNX_OK;
}

static dnnx_status mvn_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    bool mask[DNNX_MAX_RANK];
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status || (status = mvn_axes(ctx, x, mask)))
        return status;
    op_set_output_like(ctx, 0, x);
    return DNNX_OK;
}

static dnnx_status mvn_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    bool mask[DNNX_MAX_RANK];
    dnnx_status status = mvn_axes(ctx, x, mask);
    if (status)
        return status;
    size_t count = tensor_count(x);
    if (count == 0)
        return DNNX_OK;
    /* The statistics live in a keepdims-shaped tensor; a broadcast iterator maps each
     * element of x to its slot. */
    dnnx_tensor stats_shape;
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0; d < x->rank; d++)
        dims[d] = mask[d] ? 1 : x->dims[d];
    tensor_init_shape(&stats_shape, DNNX_DTYPE_DOUBLE, x->rank, dims);
    size_t n_stats = tensor_count(&stats_shape), per_slot = count / n_stats;
    double *values = ops_alloc_scratch(ctx, count, sizeof(double)),
           *mean = values ? ops_alloc_scratch(ctx, n_stats, sizeof(double)) : NULL;
    double *scale = mean ? ops_alloc_scratch(ctx, n_stats, sizeof(double)) : NULL;
    if (!scale) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_buffers;
    }
    ops_load_f64(x, 0, count, values);
    memset(mean, 0, n_stats * sizeof *mean);
    memset(scale, 0, n_stats * sizeof *scale);
    const dnnx_tensor *stats[1] = {&stats_shape};
    bcast_iter it;
    bcast_iter_init(&it, x, stats, 1);
    for (size_t k = 0; k < count; k++, bcast_iter_next(&it))
        mean[it.offset[0]] += values[k];
    for (size_t i = 0; i < n_stats; i++)
        mean[i] /= (double)per_slot;
    bcast_iter_init(&it, x, stats, 1);
    for (size_t k = 0; k < count; k++, bcast_iter_next(&it))
        scale[it.offset[0]] += (values[k] - mean[it.offset[0]]) * (values[k] - mean[it.offset[0]]);
    for (size_t i = 0; i < n_stats; i++)
        scale[i] = 1.0 / (sqrt(scale[i] / (double)per_slot) + 1e-9);
    bcast_iter_init(&it, x, stats, 1);
    for (size_t k = 0; k < count; k++, bcast_iter_next(&it))
        values[k] = (values[k] - mean[it.offset[0]]) * scale[it.offset[0]];
    store_row(y, 0, count, values);
free_buffers:
    free(scale);
    free(mean);
    free(values);
    return status;
}

const op_schema ops_norm_schemas[] = {
    {"", "LayerNormalization", 17, 2, 3, 1, 3, layer_norm_infer, layer_norm_run},
    {"", "RMSNormalization", 23, 2, 2, 1, 1, rms_norm_infer, rms_norm_run},
    {"", "BatchNormalization", 6, 5, 5, 1, 5, batch_norm_infer, batch_norm_run},
    {"", "BatchNormalization", 7, 5, 5, 1, 5, batch_norm_infer, batch_norm_run},
    {"", "BatchNormalization", 9, 5, 5, 1, 5, batch_norm_infer, batch_norm_run},
    {"", "BatchNormalization", 14, 5, 5, 1, 3, batch_norm_infer, batch_norm_run},
    {"", "BatchNormalization", 15, 5, 5, 1, 3, batch_norm_infer, batch_norm_run},
    {"", "InstanceNormalization", 6, 3, 3, 1, 1, instance_norm_infer, instance_norm_run},
    {"", "InstanceNormalization", 22, 3, 3, 1, 1, instance_norm_infer, instance_norm_run},
    {"", "GroupNormalization", 18, 3, 3, 1, 1, group_norm_infer, group_norm_run},
    {"", "GroupNormalization", 21, 3, 3, 1, 1, group_norm_infer, group_norm_run},
    {"", "LpNormalization", 1, 1, 1, 1, 1, lp_norm_infer, lp_norm_run},
    {"", "LpNormalization", 22, 1, 1, 1, 1, lp_norm_infer, lp_norm_run},
    {"", "MeanVarianceNormalization", 9, 1, 1, 1, 1, mvn_infer, mvn_run},
    {"", "MeanVarianceNormalization", 13, 1, 1, 1, 1, mvn_infer, mvn_run},
};
OPS_FAMILY_COUNT(norm);

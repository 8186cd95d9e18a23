/* Signal processing: DFT (17, and 20 where the axis became an input), STFT, the Hann,
 * Hamming and Blackman windows, and MelWeightMatrix.
 *
 * Complex tensors are real tensors whose last dim is 2 (real, imaginary); a last dim of 1
 * is a real signal. Transforms run in double on one line at a time: a radix-2 FFT when the
 * length is a power of two, else a direct DFT over a precomputed twiddle table (exact
 * angles, no accumulated rounding of the phase). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

static const dnnx_dtype float_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                         DNNX_DTYPE_UNDEFINED};
static const dnnx_dtype int_types[] = {DNNX_DTYPE_INT32, DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};

#define TWO_PI 6.28318530717958647692528676655900577

/* Largest transform length accepted (the direct DFT is quadratic in it). */
#define MAX_DFT_LENGTH ((int64_t)1 << 24)

/* The value of a scalar (or one-element) integer input whose data is known. */
static dnnx_status read_int_scalar(op_ctx *ctx, int i, const char *what, int64_t *value)
{
    const dnnx_tensor *t = op_input(ctx, i);
    dnnx_status status = op_check_dtype(ctx, i, int_types);
    if (status)
        return status;
    if (t->rank > 1 || (t->rank == 1 && t->dims[0] != 1))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be a scalar", what);
    *value = tensor_get_i64(t, 0);
    return DNNX_OK;
}

static dnnx_status read_float_scalar(op_ctx *ctx, int i, const char *what, double *value)
{
    const dnnx_tensor *t = op_input(ctx, i);
    dnnx_status status = op_check_dtype(ctx, i, float_types);
    if (status)
        return status;
    if (t->rank > 1 || (t->rank == 1 && t->dims[0] != 1))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be a scalar", what);
    *value = tensor_get_f64(t, 0);
    return DNNX_OK;
}

/* A 0/1 attribute. */
static dnnx_status read_flag(op_ctx *ctx, const char *name, int64_t def, bool *value)
{
    int64_t v = op_attr_int(ctx, name, def);
    if (ctx->status)
        return ctx->status;
    if (v != 0 && v != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s %lld is not 0 or 1", name, (long long)v);
    *value = v != 0;
    return DNNX_OK;
}

/* Transforms of one length n: cos / sin of 2 pi k / n and scratch for one complex line. */
typedef struct dft_plan {
    size_t n;
    bool power_of_two;
    double *cos_table, *sin_table;
    double *re, *im, *out_re, *out_im;
} dft_plan;

static void dft_plan_free(dft_plan *plan)
{
    free(plan->cos_table);
    memset(plan, 0, sizeof *plan);
}

static dnnx_status dft_plan_init(op_ctx *ctx, dft_plan *plan, size_t n)
{
    memset(plan, 0, sizeof *plan);
    plan->n = n;
    plan->power_of_two = n && !(n & (n - 1));
    /* One block: cos, sin, re, im, out_re, out_im (n each); n <= MAX_DFT_LENGTH. */
    plan->cos_table = malloc((n ? n : 1) * 6 * sizeof(double));
    if (!plan->cos_table)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate a transform of length %zu", n);
    plan->sin_table = plan->cos_table + n;
    plan->re = plan->sin_table + n;
    plan->im = plan->re + n;
    plan->out_re = plan->im + n;
    plan->out_im = plan->out_re + n;
    for (size_t k = 0; k < n; k++) {
        double angle = TWO_PI * (double)k / (double)n;
        plan->cos_table[k] = cos(angle);
        plan->sin_table[k] = sin(angle);
    }
    return DNNX_OK;
}

/* Transforms plan->re / plan->im into plan->out_re / plan->out_im: forward uses e^{-2 pi i jk/n},
 * inverse e^{+2 pi i jk/n} and divides by n. */
static void dft_line(dft_plan *plan, bool inverse)
{
    size_t n = plan->n;
    double sign = inverse ? 1.0 : -1.0;
    double *ore = plan->out_re, *oim = plan->out_im;
    if (plan->power_of_two) {
        for (size_t i = 0, j = 0; i < n; i++) {
            ore[j] = plan->re[i];
            oim[j] = plan->im[i];
            size_t bit = n >> 1;
            for (; bit && (j & bit); bit >>= 1)
                j ^= bit;
            j |= bit;
        }
        for (size_t len = 2; len <= n; len <<= 1) {
            size_t half = len / 2, stride = n / len;
            for (size_t start = 0; start < n; start += len) {
                for (size_t k = 0; k < half; k++) {
                    double wr = plan->cos_table[k * stride], wi = sign * plan->sin_table[k * stride];
                    size_t a = start + k, b = a + half;
                    double vr = ore[b] * wr - oim[b] * wi, vi = ore[b] * wi + oim[b] * wr;
                    ore[b] = ore[a] - vr;
                    oim[b] = oim[a] - vi;
                    ore[a] += vr;
                    oim[a] += vi;
                }
            }
        }
    } else {
        for (size_t k = 0; k < n; k++) {
            double sr = 0, si = 0;
            size_t index = 0; /* j * k mod n, advanced without division */
            for (size_t j = 0; j < n; j++) {
                double wr = plan->cos_table[index], wi = sign * plan->sin_table[index];
                sr += plan->re[j] * wr - plan->im[j] * wi;
                si += plan->re[j] * wi + plan->im[j] * wr;
                index += k;
                if (index >= n)
                    index -= n;
            }
            ore[k] = sr;
            oim[k] = si;
        }
    }
    if (inverse) {
        double scale = 1.0 / (double)n;
        for (size_t k = 0; k < n; k++) {
            ore[k] *= scale;
            oim[k] *= scale;
        }
    }
}

/* DFT's settings; axis is normalized, n is the transform length (-1 when unknown). */
typedef struct dft_config {
    int axis; /* -1 when unknown (DFT-20 axis input without data) */
    int64_t n;
    bool onesided, inverse;
} dft_config;

static dnnx_status dft_config_read(op_ctx *ctx, dft_config *cfg)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    bool v20 = op_version(ctx) >= 20;
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status || (status = read_flag(ctx, "onesided", 0, &cfg->onesided)) ||
        (status = read_flag(ctx, "inverse", 0, &cfg->inverse)))
        return status;
    if (cfg->onesided && cfg->inverse)
        return op_fail(ctx, v20 ? DNNX_ERR_UNSUPPORTED : DNNX_ERR_INVALID_MODEL,
                       v20 ? "onesided inverse transforms are not supported"
                           : "onesided and inverse cannot both be set");
    if (x->rank < 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input must have rank >= 2 (signal dims and a last dim of 1 or 2)");
    int64_t comps = x->dims[x->rank - 1];
    if (comps >= 0 && comps != 1 && comps != 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the last dim of the input is %lld, not 1 (real) or 2 (complex)",
                       (long long)comps);
    if (cfg->onesided && comps == 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "a onesided transform needs a real input (last dim 1)");

    /* DFT-20 reads the axis from input 2 (default -2); without its data the axis is unknown. */
    int64_t axis = v20 ? -2 : op_attr_int(ctx, "axis", 1);
    bool axis_known = !v20 || !op_input(ctx, 2) || op_input_has_data(ctx, 2);
    if (ctx->status)
        return ctx->status;
    if (v20 && op_input(ctx, 2) && axis_known && (status = read_int_scalar(ctx, 2, "axis", &axis)))
        return status;
    cfg->axis = -1;
    if (axis_known) {
        if (axis < -(int64_t)x->rank || axis >= (int64_t)x->rank - 1 || axis == -1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axis %lld is not a signal axis of a rank-%d input",
                           (long long)axis, x->rank);
        cfg->axis = (int)(axis < 0 ? axis + x->rank : axis);
    }
    cfg->n = cfg->axis >= 0 ? x->dims[cfg->axis] : DIM_UNKNOWN;
    if (op_input(ctx, 1)) {
        if (!op_input_has_data(ctx, 1)) {
            cfg->n = DIM_UNKNOWN;
            return DNNX_OK;
        }
        if ((status = read_int_scalar(ctx, 1, "dft_length", &cfg->n)))
            return status;
        if (cfg->n < 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "dft_length %lld must be positive", (long long)cfg->n);
    }
    if (cfg->n == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the transform length is 0");
    if (cfg->n > MAX_DFT_LENGTH)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "transform length %lld is above %lld", (long long)cfg->n,
                       (long long)MAX_DFT_LENGTH);
    return DNNX_OK;
}

static dnnx_status dft_infer(op_ctx *ctx)
{
    dft_config cfg;
    dnnx_status status = dft_config_read(ctx, &cfg);
    if (status)
        return status;
    const dnnx_tensor *x = op_input(ctx, 0);
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0; d < x->rank; d++)
        dims[d] = cfg.axis >= 0 ? x->dims[d] : DIM_UNKNOWN;
    if (cfg.axis >= 0)
        dims[cfg.axis] = cfg.n < 0 ? DIM_UNKNOWN : cfg.onesided ? cfg.n / 2 + 1 : cfg.n;
    dims[x->rank - 1] = 2;
    if (ctx->concrete && (cfg.axis < 0 || cfg.n < 0))
        return op_fail(ctx, DNNX_ERR_INTERNAL, "axis or length unknown at run time");
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    return ctx->status;
}

static dnnx_status dft_run(op_ctx *ctx)
{
    dft_config cfg;
    dnnx_status status = dft_config_read(ctx, &cfg);
    if (status)
        return status;
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    size_t comps = (size_t)x->dims[x->rank - 1], length = (size_t)x->dims[cfg.axis], n = (size_t)cfg.n;
    size_t bins = (size_t)y->dims[cfg.axis], outer = 1, inner = 1;
    for (int d = 0; d < cfg.axis; d++)
        outer *= (size_t)x->dims[d];
    for (int d = cfg.axis + 1; d < x->rank - 1; d++)
        inner *= (size_t)x->dims[d];
    size_t used = length < n ? length : n;
    dft_plan plan;
    if ((status = dft_plan_init(ctx, &plan, n)))
        return status;
    for (size_t o = 0; o < outer; o++) {
        for (size_t i = 0; i < inner; i++) {
            for (size_t j = 0; j < n; j++) {
                size_t at = ((o * length + j) * inner + i) * comps;
                plan.re[j] = j < used ? tensor_get_f64(x, at) : 0.0;
                plan.im[j] = j < used && comps == 2 ? tensor_get_f64(x, at + 1) : 0.0;
            }
            dft_line(&plan, cfg.inverse);
            for (size_t k = 0; k < bins; k++) {
                size_t at = ((o * bins + k) * inner + i) * 2;
                tensor_set_f64(y, at, plan.out_re[k]);
                tensor_set_f64(y, at + 1, plan.out_im[k]);
            }
        }
    }
    dft_plan_free(&plan);
    return DNNX_OK;
}

/* STFT's settings: frame length n (-1 unknown), step, frame count (-1 unknown). */
typedef struct stft_config {
    int64_t n, step, frames;
    bool onesided;
} stft_config;

static dnnx_status stft_config_read(op_ctx *ctx, stft_config *cfg)
{
    const dnnx_tensor *signal = op_input(ctx, 0), *window = op_input(ctx, 2), *frame_length = op_input(ctx, 3);
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status || (status = op_check_same_dtype(ctx, 0, 2)) || (status = op_check_dtype(ctx, 1, int_types)) ||
        (status = op_check_dtype(ctx, 3, int_types)) || (status = read_flag(ctx, "onesided", 1, &cfg->onesided)))
        return status;
    if (signal->rank != 3)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "signal must have rank 3 ([batch, length, 1 or 2]), not %d",
                       signal->rank);
    int64_t comps = signal->dims[2];
    if (comps >= 0 && comps != 1 && comps != 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the last dim of the signal is %lld, not 1 (real) or 2 (complex)",
                       (long long)comps);
    if (cfg->onesided && comps == 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "a onesided transform needs a real signal (last dim 1)");
    if (window && window->rank != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "window must have rank 1, not %d", window->rank);
    if (!window && !frame_length)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "one of window and frame_length is needed");
    cfg->step = cfg->n = cfg->frames = DIM_UNKNOWN;
    if (op_input_has_data(ctx, 1)) {
        if ((status = read_int_scalar(ctx, 1, "frame_step", &cfg->step)))
            return status;
        if (cfg->step < 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "frame_step %lld must be positive", (long long)cfg->step);
    }
    if (window)
        cfg->n = window->dims[0];
    if (frame_length && op_input_has_data(ctx, 3)) {
        int64_t length;
        if ((status = read_int_scalar(ctx, 3, "frame_length", &length)))
            return status;
        if (length < 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "frame_length %lld must be positive", (long long)length);
        if ((status = op_merge_dim(ctx, cfg->n, length, "window length and frame_length", &cfg->n)))
            return status;
    } else if (frame_length) {
        cfg->n = DIM_UNKNOWN;
    }
    if (cfg->n == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the frame length is 0");
    if (cfg->n > MAX_DFT_LENGTH)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "frame length %lld is above %lld", (long long)cfg->n,
                       (long long)MAX_DFT_LENGTH);
    int64_t length = signal->dims[1];
    if (cfg->n >= 0 && length >= 0 && length < cfg->n)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the signal length %lld is shorter than the frame length %lld",
                       (long long)length, (long long)cfg->n);
    if (cfg->n >= 0 && length >= 0 && cfg->step > 0)
        cfg->frames = (length - cfg->n) / cfg->step + 1;
    return DNNX_OK;
}

static dnnx_status stft_infer(op_ctx *ctx)
{
    stft_config cfg;
    dnnx_status status = stft_config_read(ctx, &cfg);
    if (status)
        return status;
    if (ctx->concrete && cfg.frames < 0)
        return op_fail(ctx, DNNX_ERR_INTERNAL, "frame count unknown at run time");
    int64_t bins = cfg.n < 0 ? DIM_UNKNOWN : cfg.onesided ? cfg.n / 2 + 1 : cfg.n;
    int64_t dims[] = {op_input(ctx, 0)->dims[0], cfg.frames, bins, 2};
    op_set_output(ctx, 0, op_input(ctx, 0)->dtype, 4, dims);
    return ctx->status;
}

static dnnx_status stft_run(op_ctx *ctx)
{
    stft_config cfg;
    dnnx_status status = stft_config_read(ctx, &cfg);
    if (status)
        return status;
    const dnnx_tensor *signal = op_input(ctx, 0), *window = op_input(ctx, 2);
    dnnx_tensor *y = op_output(ctx, 0);
    size_t batch = (size_t)signal->dims[0], length = (size_t)signal->dims[1], comps = (size_t)signal->dims[2];
    size_t n = (size_t)cfg.n, frames = (size_t)cfg.frames, bins = (size_t)y->dims[2], step = (size_t)cfg.step;
    dft_plan plan;
    if ((status = dft_plan_init(ctx, &plan, n)))
        return status;
    for (size_t b = 0; b < batch; b++) {
        for (size_t f = 0; f < frames; f++) {
            for (size_t j = 0; j < n; j++) {
                size_t at = (b * length + f * step + j) * comps;
                double w = window ? tensor_get_f64(window, j) : 1.0;
                plan.re[j] = w * tensor_get_f64(signal, at);
                plan.im[j] = comps == 2 ? w * tensor_get_f64(signal, at + 1) : 0.0;
            }
            dft_line(&plan, false);
            for (size_t k = 0; k < bins; k++) {
                size_t at = ((b * frames + f) * bins + k) * 2;
                tensor_set_f64(y, at, plan.out_re[k]);
                tensor_set_f64(y, at + 1, plan.out_im[k]);
            }
        }
    }
    dft_plan_free(&plan);
    return DNNX_OK;
}

/* output_datatype of the generator ops: any numeric type. */
static dnnx_status output_dtype_read(op_ctx *ctx, dnnx_dtype *dtype)
{
    int64_t v = op_attr_int(ctx, "output_datatype", DNNX_DTYPE_FLOAT);
    if (ctx->status)
        return ctx->status;
    if (v < 0 || v > INT32_MAX || !tensor_dtype_is_valid((int)v) || v == DNNX_DTYPE_UNDEFINED ||
        v == DNNX_DTYPE_STRING || v == DNNX_DTYPE_BOOL)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_datatype %lld is not a numeric tensor type", (long long)v);
    *dtype = (dnnx_dtype)v;
    return DNNX_OK;
}

/* Generalized cosine windows a0 - a1 cos(x) + a2 cos(2x), x = 2 pi k / N. */
typedef struct window_coefficients {
    double a0, a1, a2;
} window_coefficients;

static const window_coefficients hann = {0.5, 0.5, 0.0};
static const window_coefficients hamming = {25.0 / 46.0, 21.0 / 46.0, 0.0};
static const window_coefficients blackman = {0.42, 0.5, 0.08};

static dnnx_status window_read(op_ctx *ctx, int64_t *size, bool *periodic, dnnx_dtype *dtype)
{
    dnnx_status status = op_check_dtype(ctx, 0, int_types);
    if (status || (status = read_flag(ctx, "periodic", 1, periodic)) || (status = output_dtype_read(ctx, dtype)))
        return status;
    const dnnx_tensor *t = op_input(ctx, 0);
    if (t->rank > 1 || (t->rank == 1 && t->dims[0] >= 0 && t->dims[0] != 1))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "size must be a scalar");
    *size = DIM_UNKNOWN;
    if (op_input_has_data(ctx, 0)) {
        if ((status = read_int_scalar(ctx, 0, "size", size)))
            return status;
        if (*size < 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "size %lld must be positive", (long long)*size);
    }
    return DNNX_OK;
}

static dnnx_status window_infer(op_ctx *ctx)
{
    int64_t size;
    bool periodic;
    dnnx_dtype dtype;
    dnnx_status status = window_read(ctx, &size, &periodic, &dtype);
    if (status)
        return status;
    op_set_output(ctx, 0, dtype, 1, &size);
    return ctx->status;
}

/* A periodic window of size N is the first N points of a symmetric one of size N + 1. A
 * symmetric window of size 1 is [1] (as numpy, scipy and torch give it). */
static dnnx_status window_run(op_ctx *ctx, const window_coefficients *wc)
{
    int64_t size;
    bool periodic;
    dnnx_dtype dtype;
    dnnx_status status = window_read(ctx, &size, &periodic, &dtype);
    if (status)
        return status;
    dnnx_tensor *y = op_output(ctx, 0);
    int64_t period = periodic ? size : size - 1;
    for (int64_t k = 0; k < size; k++) {
        double v = 1.0;
        if (period > 0) {
            double x = TWO_PI * (double)k / (double)period;
            v = wc->a0 - wc->a1 * cos(x) + wc->a2 * cos(2.0 * x);
        }
        tensor_set_f64(y, (size_t)k, v);
    }
    return DNNX_OK;
}

static dnnx_status hann_run(op_ctx *ctx) { return window_run(ctx, &hann); }
static dnnx_status hamming_run(op_ctx *ctx) { return window_run(ctx, &hamming); }
static dnnx_status blackman_run(op_ctx *ctx) { return window_run(ctx, &blackman); }

/* Upper bound on MelWeightMatrix's inputs that size the output. */
#define MAX_MEL_SIZE ((int64_t)1 << 24)

typedef struct mel_config {
    int64_t bins, dft_length; /* -1 when unknown */
    dnnx_dtype dtype;
} mel_config;

static dnnx_status mel_config_read(op_ctx *ctx, mel_config *cfg)
{
    dnnx_status status = output_dtype_read(ctx, &cfg->dtype);
    for (int i = 0; i < 5 && !status; i++) {
        const dnnx_tensor *t = op_input(ctx, i);
        status = op_check_dtype(ctx, i, i < 3 ? int_types : float_types);
        if (!status && (t->rank > 1 || (t->rank == 1 && t->dims[0] >= 0 && t->dims[0] != 1)))
            status = op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d must be a scalar", i);
    }
    if (status)
        return status;
    cfg->bins = cfg->dft_length = DIM_UNKNOWN;
    if (op_input_has_data(ctx, 0) && (status = read_int_scalar(ctx, 0, "num_mel_bins", &cfg->bins)))
        return status;
    if (op_input_has_data(ctx, 1) && (status = read_int_scalar(ctx, 1, "dft_length", &cfg->dft_length)))
        return status;
    if (op_input_has_data(ctx, 0) && (cfg->bins < 1 || cfg->bins > MAX_MEL_SIZE))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "num_mel_bins %lld is not in 1..%lld", (long long)cfg->bins,
                       (long long)MAX_MEL_SIZE);
    if (op_input_has_data(ctx, 1) && (cfg->dft_length < 1 || cfg->dft_length > MAX_MEL_SIZE))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "dft_length %lld is not in 1..%lld", (long long)cfg->dft_length,
                       (long long)MAX_MEL_SIZE);
    return DNNX_OK;
}

static dnnx_status mel_infer(op_ctx *ctx)
{
    mel_config cfg;
    dnnx_status status = mel_config_read(ctx, &cfg);
    if (status)
        return status;
    int64_t dims[] = {cfg.dft_length < 0 ? DIM_UNKNOWN : cfg.dft_length / 2 + 1, cfg.bins};
    op_set_output(ctx, 0, cfg.dtype, 2, dims);
    return ctx->status;
}

/* Triangular filters of peak 1 between num_mel_bins + 2 points equally spaced on the mel
 * scale mel(f) = 2595 log10(1 + f / 700), spaced by (high - low) / (num_mel_bins + 2) as
 * ONNX's reference does. Each point maps to spectrogram bin floor((dft_length + 1) f / rate),
 * computed in double as the reference does (the flooring is sensitive to rounding). */
static dnnx_status mel_run(op_ctx *ctx)
{
    mel_config cfg;
    dnnx_status status = mel_config_read(ctx, &cfg);
    int64_t rate;
    double lower, upper;
    if (status || (status = read_int_scalar(ctx, 2, "sample_rate", &rate)) ||
        (status = read_float_scalar(ctx, 3, "lower_edge_hertz", &lower)) ||
        (status = read_float_scalar(ctx, 4, "upper_edge_hertz", &upper)))
        return status;
    if (rate < 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "sample_rate %lld must be positive", (long long)rate);
    if (!(lower >= 0 && lower < upper && upper <= (double)rate / 2))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "the edges %g and %g hertz must satisfy 0 <= lower < upper <= sample_rate / 2 = %g", lower,
                       upper, (double)rate / 2);
    dnnx_tensor *y = op_output(ctx, 0);
    if (y->data)
        memset(y->data, 0, tensor_bytes(y)); /* all-zero bits are 0 in every numeric type */
    size_t mel_bins = (size_t)cfg.bins, spectrum_bins = (size_t)(cfg.dft_length / 2 + 1), points = mel_bins + 2;
    int64_t *edges = malloc(points * sizeof *edges);
    if (!edges)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu mel points", points);
    double low_mel = 2595.0 * log10(1.0 + lower / 700.0), high_mel = 2595.0 * log10(1.0 + upper / 700.0);
    double mel_step = (high_mel - low_mel) / (double)points;
    for (size_t k = 0; k < points; k++) {
        double mel = (double)k * mel_step + low_mel;
        double hertz = 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
        edges[k] = (int64_t)floor((double)(cfg.dft_length + 1) * hertz / (double)rate);
    }
    /* Edges beyond the spectrum (rounding at the Nyquist bin) are left out. */
    for (size_t m = 0; m < mel_bins; m++) {
        int64_t left = edges[m], center = edges[m + 1], right = edges[m + 2];
        if (center == left) {
            if (center >= 0 && center < (int64_t)spectrum_bins)
                tensor_set_f64(y, (size_t)center * mel_bins + m, 1.0);
        } else {
            for (int64_t j = left; j <= center; j++)
                if (j >= 0 && j < (int64_t)spectrum_bins)
                    tensor_set_f64(y, (size_t)j * mel_bins + m, (double)(j - left) / (double)(center - left));
        }
        for (int64_t j = center; j < right; j++)
            if (j >= 0 && j < (int64_t)spectrum_bins)
                tensor_set_f64(y, (size_t)j * mel_bins + m, (double)(right - j) / (double)(right - center));
    }
    free(edges);
    return DNNX_OK;
}

const op_schema ops_signal_schemas[] = {
    {"", "DFT", 17, 1, 2, 1, 1, dft_infer, dft_run},
    {"", "DFT", 20, 1, 3, 1, 1, dft_infer, dft_run},
    {"", "STFT", 17, 2, 4, 1, 1, stft_infer, stft_run},
    {"", "HannWindow", 17, 1, 1, 1, 1, window_infer, hann_run},
    {"", "HammingWindow", 17, 1, 1, 1, 1, window_infer, hamming_run},
    {"", "BlackmanWindow", 17, 1, 1, 1, 1, window_infer, blackman_run},
    {"", "MelWeightMatrix", 17, 5, 5, 1, 1, mel_infer, mel_run},
};
OPS_FAMILY_COUNT(signal);

/* Recurrent ops: RNN, GRU and LSTM (one layer; forward, reverse or bidirectional; optional
 * bias, sequence_lens, initial states and peepholes; clip; the activation functions of the
 * ONNX RNN family with their activation_alpha / activation_beta), and LRN.
 *
 * The recurrent kernels load weights and inputs into double once, compute the input
 * projection X * W^T + Wb for every time step of a direction up front, then walk the time
 * steps. A step at or past a batch entry's sequence length keeps that entry's state and
 * leaves zeros in Y, so Y_h / Y_c hold the state after the entry's last valid step (for the
 * reverse direction the walk starts at the entry's last valid step). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

typedef enum cell_kind { CELL_RNN, CELL_GRU, CELL_LSTM } cell_kind;

typedef enum act_kind {
    ACT_RELU,
    ACT_TANH,
    ACT_SIGMOID,
    ACT_AFFINE,
    ACT_LEAKY_RELU,
    ACT_THRESHOLDED_RELU,
    ACT_SCALED_TANH,
    ACT_HARD_SIGMOID,
    ACT_ELU,
    ACT_SOFTSIGN,
    ACT_SOFTPLUS
} act_kind;

typedef struct activation {
    act_kind kind;
    double alpha, beta;
} activation;

/* The activation functions of the RNN family; n_params says whether the function takes alpha
 * (1) or alpha and beta (2); the defaults are those of the matching ONNX operators. */
static const struct act_info {
    const char *name;
    act_kind kind;
    int n_params;
    double alpha, beta;
} act_table[] = {
    {"Relu", ACT_RELU, 0, 0.0, 0.0},
    {"Tanh", ACT_TANH, 0, 0.0, 0.0},
    {"Sigmoid", ACT_SIGMOID, 0, 0.0, 0.0},
    {"Affine", ACT_AFFINE, 2, 1.0, 0.0},
    {"LeakyRelu", ACT_LEAKY_RELU, 1, 0.01, 0.0},
    {"ThresholdedRelu", ACT_THRESHOLDED_RELU, 1, 1.0, 0.0},
    {"ScaledTanh", ACT_SCALED_TANH, 2, 1.0, 1.0},
    {"HardSigmoid", ACT_HARD_SIGMOID, 2, 0.2, 0.5},
    {"Elu", ACT_ELU, 1, 1.0, 0.0},
    {"Softsign", ACT_SOFTSIGN, 0, 0.0, 0.0},
    {"Softplus", ACT_SOFTPLUS, 0, 0.0, 0.0},
};

/* Per cell kind: gates in W/R, activations per direction and their defaults. */
static const struct cell_info {
    int gates;
    int n_acts;
    const char *default_acts[3];
} cell_table[] = {
    [CELL_RNN] = {1, 1, {"Tanh"}},
    [CELL_GRU] = {3, 2, {"Sigmoid", "Tanh"}},
    [CELL_LSTM] = {4, 3, {"Sigmoid", "Tanh", "Tanh"}},
};

/* Largest hidden_size accepted: keeps 8 * hidden_size and friends far from overflow. */
#define MAX_HIDDEN ((int64_t)1 << 40)

typedef struct rnn_config {
    cell_kind kind;
    int gates;
    int num_dirs;
    bool reverse;   /* direction "reverse" (num_dirs 1) */
    int64_t hidden; /* hidden_size attribute, or -1 when absent */
    int layout;     /* 0: [seq, batch, ...]; 1: [batch, seq, ...] */
    bool has_clip;
    double clip;
    bool linear_before_reset;
    bool input_forget;
    activation acts[2][3];
} rnn_config;

enum { IN_X, IN_W, IN_R, IN_B, IN_SEQ_LENS, IN_INITIAL_H, IN_INITIAL_C, IN_P };
enum { OUT_Y, OUT_Y_H, OUT_Y_C };

static bool same_name_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (ca != cb)
            return false;
    }
    return *a == *b;
}

/* Activations of every direction from activations / activation_alpha / activation_beta.
 * A single set of names serves both directions of a bidirectional op; the alpha and beta
 * lists are consumed in order by the functions that take them (as ONNX Runtime does), and a
 * function finds its default when they run out. */
static dnnx_status parse_activations(op_ctx *ctx, rnn_config *cfg)
{
    const struct cell_info *info = &cell_table[cfg->kind];
    size_t n_names, n_alphas, n_betas;
    const char *const *names = op_attr_strings(ctx, "activations", &n_names);
    const float *alphas = op_attr_floats(ctx, "activation_alpha", &n_alphas);
    const float *betas = op_attr_floats(ctx, "activation_beta", &n_betas);
    if (ctx->status)
        return ctx->status;
    size_t needed = (size_t)info->n_acts * (size_t)cfg->num_dirs;
    bool shared = names && n_names == (size_t)info->n_acts && cfg->num_dirs == 2;
    /* RNN's schema default lists two names even for one direction; the first one applies. */
    bool rnn_pair = names && cfg->kind == CELL_RNN && cfg->num_dirs == 1 && n_names == 2;
    if (names && n_names != needed && !shared && !rnn_pair)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "activations has %zu names; %d per direction (%zu in all) are needed", n_names, info->n_acts,
                       needed);
    size_t next_alpha = 0, next_beta = 0;
    for (int d = 0; d < cfg->num_dirs; d++) {
        for (int k = 0; k < info->n_acts; k++) {
            const char *name = names ? names[shared ? k : d * info->n_acts + k] : info->default_acts[k];
            const struct act_info *found = NULL;
            for (size_t a = 0; a < sizeof act_table / sizeof act_table[0] && !found; a++)
                if (same_name_ignoring_case(name, act_table[a].name))
                    found = &act_table[a];
            if (!found)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "unknown activation function '%s'", name);
            activation *act = &cfg->acts[d][k];
            act->kind = found->kind;
            act->alpha = found->alpha;
            act->beta = found->beta;
            if (found->n_params >= 1 && next_alpha < n_alphas)
                act->alpha = alphas[next_alpha++];
            if (found->n_params >= 2 && next_beta < n_betas)
                act->beta = betas[next_beta++];
        }
    }
    return DNNX_OK;
}

static dnnx_status parse_config(op_ctx *ctx, cell_kind kind, rnn_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = kind;
    cfg->gates = cell_table[kind].gates;
    const char *direction = op_attr_string(ctx, "direction", "forward");
    int64_t hidden = op_attr_int(ctx, "hidden_size", -1);
    bool has_hidden = op_has_attr(ctx, "hidden_size");
    int64_t layout = op_version(ctx) >= 14 ? op_attr_int(ctx, "layout", 0) : 0;
    cfg->has_clip = op_has_attr(ctx, "clip");
    cfg->clip = op_attr_float(ctx, "clip", 0.0f);
    int64_t linear_before_reset = kind == CELL_GRU ? op_attr_int(ctx, "linear_before_reset", 0) : 0;
    int64_t input_forget = kind == CELL_LSTM ? op_attr_int(ctx, "input_forget", 0) : 0;
    if (ctx->status)
        return ctx->status;
    if (!strcmp(direction, "forward") || !strcmp(direction, "reverse")) {
        cfg->num_dirs = 1;
        cfg->reverse = direction[0] == 'r';
    } else if (!strcmp(direction, "bidirectional")) {
        cfg->num_dirs = 2;
    } else {
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "direction '%s' is not one of 'forward', 'reverse' and 'bidirectional'", direction);
    }
    if (has_hidden && (hidden <= 0 || hidden > MAX_HIDDEN))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "hidden_size %lld is not in 1..%lld", (long long)hidden,
                       (long long)MAX_HIDDEN);
    cfg->hidden = has_hidden ? hidden : -1;
    if (layout != 0 && layout != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "layout %lld is not 0 or 1", (long long)layout);
    cfg->layout = (int)layout;
    if (cfg->has_clip && !(cfg->clip > 0))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "clip %g must be positive", cfg->clip);
    if (input_forget != 0 && input_forget != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input_forget %lld is not 0 or 1", (long long)input_forget);
    cfg->linear_before_reset = linear_before_reset != 0;
    cfg->input_forget = input_forget != 0;
    return parse_activations(ctx, cfg);
}

/* k * d for a concrete dim d, else unknown. */
static int64_t dim_times(int64_t d, int64_t k) { return d >= 0 ? d * k : DIM_UNKNOWN; }

/* Checks input i's rank and each of its dims against expected[] (what names each dim). */
static dnnx_status check_input_shape(op_ctx *ctx, int i, const char *input_name, int rank, const int64_t *expected,
                                     const char *const *what)
{
    const dnnx_tensor *t = op_input(ctx, i);
    if (!t)
        return DNNX_OK;
    if (t->rank != rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must have rank %d, not %d", input_name, rank, t->rank);
    for (int d = 0; d < rank; d++) {
        char label[96];
        snprintf(label, sizeof label, "%s's %s", input_name, what[d]);
        int64_t merged;
        dnnx_status status = op_merge_dim(ctx, t->dims[d], expected[d], label, &merged);
        if (status)
            return status;
    }
    return DNNX_OK;
}

/* Sizes of one RNN node: every dim is concrete at run time, possibly symbolic at load. */
typedef struct rnn_dims {
    int64_t seq, batch, input, hidden;
} rnn_dims;

static dnnx_status rnn_check(op_ctx *ctx, const rnn_config *cfg, rnn_dims *dims)
{
    static const dnnx_dtype float_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,
                                             DNNX_DTYPE_UNDEFINED};
    static const dnnx_dtype float_types_22[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,
                                                DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_UNDEFINED};
    static const dnnx_dtype length_types[] = {DNNX_DTYPE_INT32, DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};
    dnnx_status status = op_check_dtype(ctx, IN_X, op_version(ctx) >= 22 ? float_types_22 : float_types);
    if (status)
        return status;
    static const int same_type[] = {IN_W, IN_R, IN_B, IN_INITIAL_H, IN_INITIAL_C, IN_P};
    for (size_t k = 0; k < sizeof same_type / sizeof same_type[0]; k++)
        if ((status = op_check_same_dtype(ctx, IN_X, same_type[k])))
            return status;
    if ((status = op_check_dtype(ctx, IN_SEQ_LENS, length_types)))
        return status;

    const dnnx_tensor *x = op_input(ctx, IN_X), *w = op_input(ctx, IN_W), *r = op_input(ctx, IN_R);
    if (!x || !w || !r)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "inputs X, W and R are required");
    if (x->rank != 3)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "X must have rank 3, not %d", x->rank);
    if (r->rank != 3)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "R must have rank 3, not %d", r->rank);
    dims->seq = x->dims[cfg->layout ? 1 : 0];
    dims->batch = x->dims[cfg->layout ? 0 : 1];
    dims->input = x->dims[2];
    if ((status = op_merge_dim(ctx, cfg->hidden, r->dims[2], "hidden_size and R's last dim", &dims->hidden)))
        return status;
    if (dims->hidden > MAX_HIDDEN)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "hidden_size %lld is too large", (long long)dims->hidden);

    int64_t dirs = cfg->num_dirs, gh = dim_times(dims->hidden, cfg->gates);
    static const char *const w_what[] = {"num_directions", "gates * hidden_size", "input_size"};
    static const char *const r_what[] = {"num_directions", "gates * hidden_size", "hidden_size"};
    static const char *const b_what[] = {"num_directions", "2 * gates * hidden_size"};
    static const char *const p_what[] = {"num_directions", "3 * hidden_size"};
    static const char *const seq_what[] = {"batch_size"};
    static const char *const state_what[] = {"num_directions", "batch_size", "hidden_size"};
    static const char *const state_what_1[] = {"batch_size", "num_directions", "hidden_size"};
    int64_t w_dims[] = {dirs, gh, dims->input};
    int64_t r_dims[] = {dirs, gh, dims->hidden};
    int64_t b_dims[] = {dirs, dim_times(gh, 2)};
    int64_t p_dims[] = {dirs, dim_times(dims->hidden, 3)};
    int64_t state_dims[] = {dirs, dims->batch, dims->hidden};
    int64_t state_dims_1[] = {dims->batch, dirs, dims->hidden};
    const int64_t *sd = cfg->layout ? state_dims_1 : state_dims;
    const char *const *sw = cfg->layout ? state_what_1 : state_what;
    if ((status = check_input_shape(ctx, IN_W, "W", 3, w_dims, w_what)) ||
        (status = check_input_shape(ctx, IN_R, "R", 3, r_dims, r_what)) ||
        (status = check_input_shape(ctx, IN_B, "B", 2, b_dims, b_what)) ||
        (status = check_input_shape(ctx, IN_SEQ_LENS, "sequence_lens", 1, &dims->batch, seq_what)) ||
        (status = check_input_shape(ctx, IN_INITIAL_H, "initial_h", 3, sd, sw)))
        return status;
    if (cfg->kind == CELL_LSTM && ((status = check_input_shape(ctx, IN_INITIAL_C, "initial_c", 3, sd, sw)) ||
                                   (status = check_input_shape(ctx, IN_P, "P", 2, p_dims, p_what))))
        return status;
    /* The input size may be known only from W when X's is symbolic. */
    return op_merge_dim(ctx, dims->input, w->dims[2], "X's input_size and W's", &dims->input);
}

static dnnx_status rnn_infer(op_ctx *ctx, cell_kind kind)
{
    rnn_config cfg;
    rnn_dims dims;
    dnnx_status status = parse_config(ctx, kind, &cfg);
    if (status || (status = rnn_check(ctx, &cfg, &dims)))
        return status;
    dnnx_dtype dtype = op_input(ctx, IN_X)->dtype;
    int64_t dirs = cfg.num_dirs;
    if (cfg.layout) {
        int64_t y[] = {dims.batch, dims.seq, dirs, dims.hidden}, state[] = {dims.batch, dirs, dims.hidden};
        op_set_output(ctx, OUT_Y, dtype, 4, y);
        op_set_output(ctx, OUT_Y_H, dtype, 3, state);
        op_set_output(ctx, OUT_Y_C, dtype, 3, state);
    } else {
        int64_t y[] = {dims.seq, dirs, dims.batch, dims.hidden}, state[] = {dirs, dims.batch, dims.hidden};
        op_set_output(ctx, OUT_Y, dtype, 4, y);
        op_set_output(ctx, OUT_Y_H, dtype, 3, state);
        op_set_output(ctx, OUT_Y_C, dtype, 3, state);
    }
    return ctx->status;
}

static dnnx_status rnn_infer_rnn(op_ctx *ctx) { return rnn_infer(ctx, CELL_RNN); }
static dnnx_status rnn_infer_gru(op_ctx *ctx) { return rnn_infer(ctx, CELL_GRU); }
static dnnx_status rnn_infer_lstm(op_ctx *ctx) { return rnn_infer(ctx, CELL_LSTM); }

/* count doubles, or NULL after op_fail; count is overflow-checked by the caller's products. */
static double *alloc_doubles(op_ctx *ctx, size_t count)
{
    if (count > SIZE_MAX / sizeof(double)) {
        op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "scratch of %zu doubles overflows", count);
        return NULL;
    }
    double *p = calloc(count ? count : 1, sizeof(double));
    if (!p)
        op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of scratch", count * sizeof(double));
    return p;
}

/* A whole tensor as doubles (NULL tensor: count zeros). */
static double *load_doubles(op_ctx *ctx, const dnnx_tensor *t, size_t count)
{
    double *v = alloc_doubles(ctx, count);
    if (!v || !t)
        return v;
    if (t->dtype == DNNX_DTYPE_FLOAT) {
        const float *src = t->data;
        for (size_t i = 0; i < count; i++)
            v[i] = src[i];
    } else if (t->dtype == DNNX_DTYPE_DOUBLE) {
        memcpy(v, t->data, count * sizeof *v);
    } else {
        for (size_t i = 0; i < count; i++)
            v[i] = tensor_get_f64(t, i);
    }
    return v;
}

static void store_doubles(dnnx_tensor *t, size_t offset, const double *src, size_t n)
{
    if (t->dtype == DNNX_DTYPE_FLOAT) {
        float *dst = (float *)t->data + offset;
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)src[i];
    } else {
        for (size_t i = 0; i < n; i++)
            tensor_set_f64(t, offset + i, src[i]);
    }
}

/* v = f(v) over n values; the switch stays outside the loops. */
static void activate(const activation *a, double *v, size_t n)
{
    switch (a->kind) {
    case ACT_RELU:
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] > 0 ? v[i] : 0;
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            v[i] = tanh(v[i]);
        break;
    case ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] >= 0 ? 1.0 / (1.0 + exp(-v[i])) : exp(v[i]) / (1.0 + exp(v[i]));
        break;
    case ACT_AFFINE:
        for (size_t i = 0; i < n; i++)
            v[i] = a->alpha * v[i] + a->beta;
        break;
    case ACT_LEAKY_RELU:
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] >= 0 ? v[i] : a->alpha * v[i];
        break;
    case ACT_THRESHOLDED_RELU:
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] >= a->alpha ? v[i] : 0;
        break;
    case ACT_SCALED_TANH:
        for (size_t i = 0; i < n; i++)
            v[i] = a->alpha * tanh(a->beta * v[i]);
        break;
    case ACT_HARD_SIGMOID:
        for (size_t i = 0; i < n; i++)
            v[i] = fmin(fmax(a->alpha * v[i] + a->beta, 0.0), 1.0);
        break;
    case ACT_ELU:
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] >= 0 ? v[i] : a->alpha * (exp(v[i]) - 1.0);
        break;
    case ACT_SOFTSIGN:
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] / (1.0 + fabs(v[i]));
        break;
    case ACT_SOFTPLUS:
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] > 0 ? v[i] + log1p(exp(-v[i])) : log1p(exp(v[i]));
        break;
    }
}

static void clip_values(const rnn_config *cfg, double *v, size_t n)
{
    if (!cfg->has_clip)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = v[i] < -cfg->clip ? -cfg->clip : v[i] > cfg->clip ? cfg->clip : v[i];
}

/* out[j] = bias[j] + sum_k m[j, k] * v[k] for rows j < rows of the row-major matrix m. */
static void matvec(const double *m, const double *v, const double *bias, size_t rows, size_t cols, double *out)
{
    for (size_t j = 0; j < rows; j++) {
        const double *row = m + j * cols;
        double sum = bias ? bias[j] : 0.0;
        for (size_t k = 0; k < cols; k++)
            sum += row[k] * v[k];
        out[j] = sum;
    }
}

/* Everything one direction needs, as doubles; the state arrays are [batch, hidden]. */
typedef struct rnn_direction {
    const rnn_config *cfg;
    const activation *acts;
    size_t seq, batch, input, hidden;
    const double *w, *r, *wb, *rb, *p; /* p NULL without peepholes */
    const double *x;                   /* X as loaded, in its layout */
    const int64_t *lengths;            /* per batch entry */
    double *h, *c;                     /* state; c only for LSTM */
    double *xw;                        /* [seq, batch, gates * hidden] scratch */
    double *gates;                     /* [gates * hidden] scratch */
    double *tmp;                       /* [hidden] scratch */
} rnn_direction;

static const double *x_row(const rnn_direction *rd, size_t t, size_t b)
{
    size_t row = rd->cfg->layout ? b * rd->seq + t : t * rd->batch + b;
    return rd->x + row * rd->input;
}

/* One step of batch entry b: updates rd->h (and rd->c) in place. */
static void rnn_cell(rnn_direction *rd, size_t t, size_t b)
{
    const rnn_config *cfg = rd->cfg;
    size_t nh = rd->hidden, ng = (size_t)cfg->gates * nh;
    const double *xw = rd->xw + (t * rd->batch + b) * ng;
    double *h = rd->h + b * nh, *g = rd->gates;
    if (cfg->kind == CELL_RNN) {
        matvec(rd->r, h, rd->rb, nh, nh, g);
        for (size_t i = 0; i < nh; i++)
            g[i] += xw[i];
        clip_values(cfg, g, nh);
        activate(&rd->acts[0], g, nh);
        memcpy(h, g, nh * sizeof *h);
    } else if (cfg->kind == CELL_GRU) {
        /* Gates z, r, h: z and r first, from the old state. */
        double *z = g, *rg = g + nh, *hh = g + 2 * nh;
        matvec(rd->r, h, rd->rb, 2 * nh, nh, g);
        for (size_t i = 0; i < 2 * nh; i++)
            g[i] += xw[i];
        clip_values(cfg, g, 2 * nh);
        activate(&rd->acts[0], g, 2 * nh);
        const double *rh = rd->r + 2 * nh * nh, *rbh = rd->rb + 2 * nh;
        if (cfg->linear_before_reset) {
            matvec(rh, h, rbh, nh, nh, hh);
            for (size_t i = 0; i < nh; i++)
                hh[i] = xw[2 * nh + i] + rg[i] * hh[i];
        } else {
            for (size_t i = 0; i < nh; i++)
                rd->tmp[i] = rg[i] * h[i];
            matvec(rh, rd->tmp, rbh, nh, nh, hh);
            for (size_t i = 0; i < nh; i++)
                hh[i] += xw[2 * nh + i];
        }
        clip_values(cfg, hh, nh);
        activate(&rd->acts[1], hh, nh);
        for (size_t i = 0; i < nh; i++)
            h[i] = (1.0 - z[i]) * hh[i] + z[i] * h[i];
    } else {
        /* Gates i, o, f, c; peepholes P[i, o, f]. */
        double *c = rd->c + b * nh;
        double *gi = g, *go = g + nh, *gf = g + 2 * nh, *gc = g + 3 * nh;
        matvec(rd->r, h, rd->rb, ng, nh, g);
        for (size_t i = 0; i < ng; i++)
            g[i] += xw[i];
        if (rd->p) {
            for (size_t i = 0; i < nh; i++) {
                gi[i] += rd->p[i] * c[i];
                gf[i] += rd->p[2 * nh + i] * c[i];
            }
        }
        clip_values(cfg, gi, nh);
        clip_values(cfg, gf, nh);
        clip_values(cfg, gc, nh);
        activate(&rd->acts[0], gi, nh);
        if (cfg->input_forget) {
            for (size_t i = 0; i < nh; i++)
                gf[i] = 1.0 - gi[i];
        } else {
            activate(&rd->acts[0], gf, nh);
        }
        activate(&rd->acts[1], gc, nh);
        for (size_t i = 0; i < nh; i++)
            c[i] = gf[i] * c[i] + gi[i] * gc[i];
        if (rd->p)
            for (size_t i = 0; i < nh; i++)
                go[i] += rd->p[nh + i] * c[i];
        clip_values(cfg, go, nh);
        activate(&rd->acts[0], go, nh);
        memcpy(rd->tmp, c, nh * sizeof *c);
        activate(&rd->acts[2], rd->tmp, nh);
        for (size_t i = 0; i < nh; i++)
            h[i] = go[i] * rd->tmp[i];
    }
}

/* Runs direction d over all steps, writing Y (if wanted) as it goes. */
static void rnn_run_direction(rnn_direction *rd, int d, bool backwards, dnnx_tensor *y)
{
    const rnn_config *cfg = rd->cfg;
    size_t nh = rd->hidden, ng = (size_t)cfg->gates * nh, dirs = (size_t)cfg->num_dirs;
    for (size_t t = 0; t < rd->seq; t++)
        for (size_t b = 0; b < rd->batch; b++)
            matvec(rd->w, x_row(rd, t, b), rd->wb, ng, rd->input, rd->xw + (t * rd->batch + b) * ng);
    for (size_t step = 0; step < rd->seq; step++) {
        size_t t = backwards ? rd->seq - 1 - step : step;
        for (size_t b = 0; b < rd->batch; b++) {
            if ((int64_t)t >= rd->lengths[b])
                continue;
            rnn_cell(rd, t, b);
            if (y) {
                size_t offset = cfg->layout ? ((b * rd->seq + t) * dirs + (size_t)d) * nh
                                            : ((t * dirs + (size_t)d) * rd->batch + b) * nh;
                store_doubles(y, offset, rd->h + b * nh, nh);
            }
        }
    }
}

/* Offset of (direction d, batch b) in initial_h / Y_h-shaped tensors. */
static size_t state_offset(const rnn_config *cfg, size_t d, size_t b, size_t batch, size_t hidden)
{
    return (cfg->layout ? b * (size_t)cfg->num_dirs + d : d * batch + b) * hidden;
}

/* Copies the [batch, hidden] state of direction d from / to a state-shaped tensor. */
static void copy_state(const rnn_config *cfg, const double *all, double *state, size_t d, size_t batch, size_t hidden)
{
    for (size_t b = 0; b < batch; b++)
        memcpy(state + b * hidden, all + state_offset(cfg, d, b, batch, hidden), hidden * sizeof *state);
}

static void store_state(const rnn_config *cfg, dnnx_tensor *out, const double *state, size_t d, size_t batch,
                        size_t hidden)
{
    if (!out)
        return;
    for (size_t b = 0; b < batch; b++)
        store_doubles(out, state_offset(cfg, d, b, batch, hidden), state + b * hidden, hidden);
}

/* Overflow-checked product of n sizes. */
static bool size_product(size_t *out, int n, const size_t *factors)
{
    size_t p = 1;
    for (int i = 0; i < n; i++) {
        if (factors[i] && p > SIZE_MAX / factors[i])
            return false;
        p *= factors[i];
    }
    *out = p;
    return true;
}

static dnnx_status rnn_run(op_ctx *ctx, cell_kind kind)
{
    rnn_config cfg;
    rnn_dims dims;
    dnnx_status status = parse_config(ctx, kind, &cfg);
    if (status || (status = rnn_check(ctx, &cfg, &dims)))
        return status;
    size_t seq = (size_t)dims.seq, batch = (size_t)dims.batch, input = (size_t)dims.input;
    size_t nh = (size_t)dims.hidden, dirs = (size_t)cfg.num_dirs, ng = (size_t)cfg.gates * nh;
    size_t n_x, n_w, n_r, n_xw, n_state;
    if (!size_product(&n_x, 3, (size_t[]){seq, batch, input}) || !size_product(&n_w, 3, (size_t[]){dirs, ng, input}) ||
        !size_product(&n_r, 3, (size_t[]){dirs, ng, nh}) || !size_product(&n_xw, 3, (size_t[]){seq, batch, ng}) ||
        !size_product(&n_state, 3, (size_t[]){dirs, batch, nh}))
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "sizes overflow");
    const dnnx_tensor *seq_lens = op_input(ctx, IN_SEQ_LENS);
    int64_t *lengths = malloc((batch ? batch : 1) * sizeof *lengths);
    if (!lengths)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "cannot allocate sequence lengths");
    for (size_t b = 0; b < batch; b++) {
        lengths[b] = seq_lens ? tensor_get_i64(seq_lens, b) : (int64_t)seq;
        if (lengths[b] < 0 || lengths[b] > (int64_t)seq) {
            status = op_fail(ctx, DNNX_ERR_RUNTIME, "sequence_lens[%zu] = %lld is outside 0..%zu", b,
                             (long long)lengths[b], seq);
            goto free_lengths;
        }
    }
    bool lstm = kind == CELL_LSTM;
    const dnnx_tensor *peepholes = lstm ? op_input(ctx, IN_P) : NULL;
    double *x = load_doubles(ctx, op_input(ctx, IN_X), n_x);
    double *w = load_doubles(ctx, op_input(ctx, IN_W), n_w);
    double *r = load_doubles(ctx, op_input(ctx, IN_R), n_r);
    double *bias = load_doubles(ctx, op_input(ctx, IN_B), dirs * 2 * ng);
    double *p = peepholes ? load_doubles(ctx, peepholes, dirs * 3 * nh) : NULL;
    double *h0 = load_doubles(ctx, op_input(ctx, IN_INITIAL_H), n_state);
    double *c0 = lstm ? load_doubles(ctx, op_input(ctx, IN_INITIAL_C), n_state) : NULL;
    double *h = alloc_doubles(ctx, batch * nh), *c = lstm ? alloc_doubles(ctx, batch * nh) : NULL;
    double *xw = alloc_doubles(ctx, n_xw), *gates = alloc_doubles(ctx, ng), *tmp = alloc_doubles(ctx, nh);
    if (!x || !w || !r || !bias || (peepholes && !p) || !h0 || (lstm && (!c0 || !c)) || !h || !xw || !gates || !tmp) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_buffers;
    }
    dnnx_tensor *y = op_output(ctx, OUT_Y), *y_h = op_output(ctx, OUT_Y_H),
                *y_c = lstm ? op_output(ctx, OUT_Y_C) : NULL;
    /* Steps past a sequence's length stay zero in Y (all-zero bits are 0 in every float type). */
    if (y && y->data)
        memset(y->data, 0, tensor_bytes(y));
    for (size_t d = 0; d < dirs; d++) {
        rnn_direction rd = {
            .cfg = &cfg,
            .acts = cfg.acts[d],
            .seq = seq,
            .batch = batch,
            .input = input,
            .hidden = nh,
            .w = w + d * ng * input,
            .r = r + d * ng * nh,
            .wb = bias + d * 2 * ng,
            .rb = bias + d * 2 * ng + ng,
            .p = p ? p + d * 3 * nh : NULL,
            .x = x,
            .lengths = lengths,
            .h = h,
            .c = c,
            .xw = xw,
            .gates = gates,
            .tmp = tmp,
        };
        copy_state(&cfg, h0, h, d, batch, nh);
        if (lstm)
            copy_state(&cfg, c0, c, d, batch, nh);
        rnn_run_direction(&rd, (int)d, d == 1 || cfg.reverse, y);
        store_state(&cfg, y_h, h, d, batch, nh);
        if (lstm)
            store_state(&cfg, y_c, c, d, batch, nh);
    }
    status = DNNX_OK;
free_buffers:
    free(x);
    free(w);
    free(r);
    free(bias);
    free(p);
    free(h0);
    free(c0);
    free(h);
    free(c);
    free(xw);
    free(gates);
    free(tmp);
free_lengths:
    free(lengths);
    return status;
}

static dnnx_status rnn_run_rnn(op_ctx *ctx) { return rnn_run(ctx, CELL_RNN); }
static dnnx_status rnn_run_gru(op_ctx *ctx) { return rnn_run(ctx, CELL_GRU); }
static dnnx_status rnn_run_lstm(op_ctx *ctx) { return rnn_run(ctx, CELL_LSTM); }

typedef struct lrn_params {
    int64_t size;
    double alpha, beta, bias;
} lrn_params;

static dnnx_status lrn_params_read(op_ctx *ctx, lrn_params *lp)
{
    bool has_size = op_has_attr(ctx, "size");
    lp->size = op_attr_int(ctx, "size", 0);
    lp->alpha = op_attr_float(ctx, "alpha", 1e-4f);
    lp->beta = op_attr_float(ctx, "beta", 0.75f);
    lp->bias = op_attr_float(ctx, "bias", 1.0f);
    if (ctx->status)
        return ctx->status;
    if (!has_size)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'size' is required");
    if (lp->size <= 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "size %lld must be positive", (long long)lp->size);
    if (!isfinite(lp->alpha) || !isfinite(lp->beta) || !isfinite(lp->bias))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "alpha, beta and bias must be finite");
    return DNNX_OK;
}

static dnnx_status lrn_infer(op_ctx *ctx)
{
    static const dnnx_dtype types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                       DNNX_DTYPE_UNDEFINED};
    lrn_params lp;
    dnnx_status status = op_check_dtype(ctx, 0, types);
    if (status || (status = lrn_params_read(ctx, &lp)))
        return status;
    const dnnx_tensor *x = op_input(ctx, 0);
    if (x->dtype == DNNX_DTYPE_BFLOAT16 && op_version(ctx) < 13)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "bfloat16 input needs LRN-13");
    if (x->rank < 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input must have rank >= 2 ([N, C, ...]), not %d", x->rank);
    op_set_output_like(ctx, 0, x);
    return ctx->status;
}

/* Y = X / (bias + alpha / size * sum of X^2 over channels [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta */
static dnnx_status lrn_run(op_ctx *ctx)
{
    lrn_params lp;
    dnnx_status status = lrn_params_read(ctx, &lp);
    if (status)
        return status;
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    size_t n = (size_t)x->dims[0], channels = (size_t)x->dims[1], inner = 1;
    for (int d = 2; d < x->rank; d++)
        inner *= (size_t)x->dims[d];
    size_t count = tensor_count(x);
    double *v = load_doubles(ctx, x, count);
    double *out = alloc_doubles(ctx, channels);
    if (!v || !out) {
        free(v);
        free(out);
        return DNNX_ERR_OUT_OF_MEMORY;
    }
    int64_t before = (lp.size - 1) / 2, after = lp.size - 1 - before;
    double scale = lp.alpha / (double)lp.size;
    for (size_t b = 0; b < n; b++) {
        for (size_t i = 0; i < inner; i++) {
            const double *base = v + b * channels * inner + i;
            for (size_t c = 0; c < channels; c++) {
                int64_t lo = (int64_t)c - before, hi = (int64_t)c + after;
                lo = lo < 0 ? 0 : lo;
                hi = hi > (int64_t)channels - 1 ? (int64_t)channels - 1 : hi;
                double squares = 0;
                for (int64_t k = lo; k <= hi; k++)
                    squares += base[(size_t)k * inner] * base[(size_t)k * inner];
                out[c] = base[c * inner] / pow(lp.bias + scale * squares, lp.beta);
            }
            for (size_t c = 0; c < channels; c++)
                tensor_set_f64(y, b * channels * inner + c * inner + i, out[c]);
        }
    }
    free(v);
    free(out);
    return DNNX_OK;
}

const op_schema ops_recurrent_schemas[] = {
    {"", "RNN", 7, 3, 6, 0, 2, rnn_infer_rnn, rnn_run_rnn},
    {"", "RNN", 14, 3, 6, 0, 2, rnn_infer_rnn, rnn_run_rnn},
    {"", "RNN", 22, 3, 6, 0, 2, rnn_infer_rnn, rnn_run_rnn},
    {"", "GRU", 7, 3, 6, 0, 2, rnn_infer_gru, rnn_run_gru},
    {"", "GRU", 14, 3, 6, 0, 2, rnn_infer_gru, rnn_run_gru},
    {"", "GRU", 22, 3, 6, 0, 2, rnn_infer_gru, rnn_run_gru},
    {"", "LSTM", 7, 3, 8, 0, 3, rnn_infer_lstm, rnn_run_lstm},
    {"", "LSTM", 14, 3, 8, 0, 3, rnn_infer_lstm, rnn_run_lstm},
    {"", "LSTM", 22, 3, 8, 0, 3, rnn_infer_lstm, rnn_run_lstm},
    {"", "LRN", 1, 1, 1, 1, 1, lrn_infer, lrn_run},
    {"", "LRN", 13, 1, 1, 1, 1, lrn_infer, lrn_run},
};
OPS_FAMILY_COUNT(recurrent);

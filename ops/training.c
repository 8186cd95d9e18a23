/* The optimizers of the ai.onnx.preview.training domain: Adagrad, Adam and Momentum
 * (standard and Nesterov), each updating any number of tensors in one node, exactly as the
 * pseudo code of their ONNX specs. Inputs are R (learning rate), T (update count), then the
 * groups [X..., G..., state...]; outputs are [X_new..., state_new...]. Each group member
 * must have its X's shape; the arithmetic runs in double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

#define TRAINING_DOMAIN "ai.onnx.preview.training"

typedef enum optimizer { OPT_ADAGRAD, OPT_ADAM, OPT_MOMENTUM } optimizer;

/* Tensors per optimized X among the inputs (X, G and the states). */
static int groups_of(optimizer opt) { return opt == OPT_ADAM ? 4 : 3; }

/* Checks R, T and the tensor groups; *count is the number of optimized tensors. */
static dnnx_status optimizer_check(op_ctx *ctx, optimizer opt, int *count)
{
    static const dnnx_dtype float_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_UNDEFINED};
    static const dnnx_dtype count_types[] = {DNNX_DTYPE_INT64, DNNX_DTYPE_UNDEFINED};
    int groups = groups_of(opt), tensors = ctx->n_inputs - 2;
    static const char *const group_names[] = {
        [OPT_ADAGRAD] = "X, G, H", [OPT_ADAM] = "X, G, V, H", [OPT_MOMENTUM] = "X, G, V"};
    if (tensors < groups || tensors % groups)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "after R and T the inputs must be %d lists of equal length (%s), not %d tensors", groups,
                       group_names[opt], tensors);
    int n = tensors / groups;
    if (ctx->n_outputs > (groups - 1) * n)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%d outputs, more than the %d updated tensors", ctx->n_outputs,
                       (groups - 1) * n);
    dnnx_status status = op_check_dtype(ctx, 0, float_types);
    if (status || (status = op_check_dtype(ctx, 1, count_types)))
        return status;
    for (int i = 0; i < 2; i++) {
        const dnnx_tensor *t = op_input(ctx, i);
        if (!t)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %s is required", i ? "T" : "R");
        if (t->rank > 1 || (t->rank == 1 && t->dims[0] >= 0 && t->dims[0] != 1))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be a scalar", i ? "T" : "R");
    }
    for (int k = 0; k < n; k++) {
        const dnnx_tensor *x = op_input(ctx, 2 + k);
        for (int g = 0; g < groups; g++) {
            int i = 2 + g * n + k;
            const dnnx_tensor *t = op_input(ctx, i);
            if (!t)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d is required", i);
            if ((status = op_check_dtype(ctx, i, float_types)) || (status = op_check_same_dtype(ctx, 2 + k, i)))
                return status;
            if (t->rank != x->rank)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d has rank %d, its X (input %d) rank %d", i,
                               t->rank, 2 + k, x->rank);
            for (int d = 0; d < x->rank; d++) {
                int64_t merged;
                if ((status = op_merge_dim(ctx, t->dims[d], x->dims[d], "a dim of X and of its G or state", &merged)))
                    return status;
            }
        }
    }
    *count = n;
    return DNNX_OK;
}

static dnnx_status optimizer_infer(op_ctx *ctx, optimizer opt)
{
    int n;
    dnnx_status status = optimizer_check(ctx, opt, &n);
    if (status)
        return status;
    /* X_new is shaped like X, each state output like its state input (inputs 2 + 2n, ...). */
    for (int o = 0; o < ctx->n_outputs; o++)
        op_set_output_like(ctx, o, op_input(ctx, o < n ? 2 + o : 2 + n + o));
    return ctx->status;
}

/* The attributes of one optimizer; Momentum's have no defaults. */
typedef struct optimizer_params {
    double epsilon, decay_factor, norm_coefficient, norm_coefficient_post, alpha, beta;
    bool nesterov;
} optimizer_params;

static dnnx_status required_float(op_ctx *ctx, const char *name, double *value)
{
    if (!op_has_attr(ctx, name))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' is required", name);
    *value = op_attr_float(ctx, name, 0.0f);
    return ctx->status;
}

static dnnx_status params_read(op_ctx *ctx, optimizer opt, optimizer_params *p)
{
    memset(p, 0, sizeof *p);
    dnnx_status status = DNNX_OK;
    if (opt == OPT_ADAGRAD) {
        p->epsilon = op_attr_float(ctx, "epsilon", 1e-6f);
        p->decay_factor = op_attr_float(ctx, "decay_factor", 0.0f);
        p->norm_coefficient = op_attr_float(ctx, "norm_coefficient", 0.0f);
    } else if (opt == OPT_ADAM) {
        p->alpha = op_attr_float(ctx, "alpha", 0.9f);
        p->beta = op_attr_float(ctx, "beta", 0.999f);
        p->norm_coefficient = op_attr_float(ctx, "norm_coefficient", 0.0f);
        p->norm_coefficient_post = op_attr_float(ctx, "norm_coefficient_post", 0.0f);
        p->epsilon = op_attr_float(ctx, "epsilon", 1e-6f);
    } else {
        if ((status = required_float(ctx, "alpha", &p->alpha)) || (status = required_float(ctx, "beta", &p->beta)) ||
            (status = required_float(ctx, "norm_coefficient", &p->norm_coefficient)))
            return status;
        if (!op_has_attr(ctx, "mode"))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'mode' is required");
        const char *mode = op_attr_string(ctx, "mode", "");
        if (ctx->status)
            return ctx->status;
        if (strcmp(mode, "standard") && strcmp(mode, "nesterov"))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "mode '%s' is not 'standard' or 'nesterov'", mode);
        p->nesterov = !strcmp(mode, "nesterov");
    }
    if (ctx->status)
        return ctx->status;
    double values[] = {p->epsilon, p->decay_factor, p->norm_coefficient, p->norm_coefficient_post, p->alpha, p->beta};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (!isfinite(values[i]))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the attributes must be finite");
    return DNNX_OK;
}

/* Element e of input i. */
static double in_at(const op_ctx *ctx, int i, size_t e) { return tensor_get_f64(op_input(ctx, i), e); }

/* Sets element e of output o unless the output is omitted. */
static void out_set(const op_ctx *ctx, int o, size_t e, double v)
{
    dnnx_tensor *t = op_output(ctx, o);
    if (t)
        tensor_set_f64(t, e, v);
}

static dnnx_status optimizer_run(op_ctx *ctx, optimizer opt)
{
    int n;
    optimizer_params p;
    dnnx_status status = optimizer_check(ctx, opt, &n);
    if (status || (status = params_read(ctx, opt, &p)))
        return status;
    double r = in_at(ctx, 0, 0);
    int64_t t = tensor_get_i64(op_input(ctx, 1), 0);
    if (t < 0)
        return op_fail(ctx, DNNX_ERR_RUNTIME, "the update count T is negative (%lld)", (long long)t);
    double rate = r;
    if (opt == OPT_ADAGRAD)
        rate = r / (1.0 + (double)t * p.decay_factor);
    else if (opt == OPT_ADAM && t > 0)
        rate = r * sqrt(1.0 - pow(p.beta, (double)t)) / (1.0 - pow(p.alpha, (double)t));
    double beta_adjusted = t > 0 ? p.beta : 1.0;
    for (int k = 0; k < n; k++) {
        int ix = 2 + k, ig = 2 + n + k, is = 2 + 2 * n + k, ih = 2 + 3 * n + k;
        size_t count = tensor_count(op_input(ctx, ix));
        for (size_t e = 0; e < count; e++) {
            double x = in_at(ctx, ix, e), g = p.norm_coefficient * x + in_at(ctx, ig, e), s = in_at(ctx, is, e);
            if (opt == OPT_ADAGRAD) {
                double h_new = s + g * g;
                out_set(ctx, k, e, x - rate * g / (sqrt(h_new) + p.epsilon));
                out_set(ctx, n + k, e, h_new);
            } else if (opt == OPT_ADAM) {
                double v_new = p.alpha * s + (1.0 - p.alpha) * g;
                double h_new = p.beta * in_at(ctx, ih, e) + (1.0 - p.beta) * g * g;
                double x_new = x - rate * v_new / (sqrt(h_new) + p.epsilon);
                out_set(ctx, k, e, (1.0 - p.norm_coefficient_post) * x_new);
                out_set(ctx, n + k, e, v_new);
                out_set(ctx, 2 * n + k, e, h_new);
            } else {
                double v_new = p.alpha * s + beta_adjusted * g;
                out_set(ctx, k, e, p.nesterov ? x - r * (g + p.alpha * v_new) : x - r * v_new);
                out_set(ctx, n + k, e, v_new);
            }
        }
    }
    return DNNX_OK;
}

static dnnx_status adagrad_infer(op_ctx *ctx) { return optimizer_infer(ctx, OPT_ADAGRAD); }
static dnnx_status adagrad_run(op_ctx *ctx) { return optimizer_run(ctx, OPT_ADAGRAD); }
static dnnx_status adam_infer(op_ctx *ctx) { return optimizer_infer(ctx, OPT_ADAM); }
static dnnx_status adam_run(op_ctx *ctx) { return optimizer_run(ctx, OPT_ADAM); }
static dnnx_status momentum_infer(op_ctx *ctx) { return optimizer_infer(ctx, OPT_MOMENTUM); }
static dnnx_status momentum_run(op_ctx *ctx) { return optimizer_run(ctx, OPT_MOMENTUM); }

const op_schema ops_training_schemas[] = {
    {TRAINING_DOMAIN, "Adagrad", 1, 5, OP_VARIADIC, 1, OP_VARIADIC, adagrad_infer, adagrad_run},
    {TRAINING_DOMAIN, "Adam", 1, 6, OP_VARIADIC, 1, OP_VARIADIC, adam_infer, adam_run},
    {TRAINING_DOMAIN, "Momentum", 1, 5, OP_VARIADIC, 1, OP_VARIADIC, momentum_infer, momentum_run},
};
OPS_FAMILY_COUNT(training);

/* Activation functions: Relu and its relatives, PRelu (slope broadcast to X), Gelu (also as
 * dnnx.Gelu, since 1), Mish and Shrink. Each kernel is generated per dtype from one C
 * expression in x and the op's attributes alpha, beta, gamma; float16 and bfloat16 compute in
 * float, double in double, integers (Relu, PRelu, Shrink) as their own type or through double. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common.h"
#include "dtype_kernels.h"
#include "ops.h"

/* fn of v in the precision of x. */
#define MATH1(fn, v) GFN(fn, x)(v)

#define SQRT_2_OVER_PI 0.7978845608028654
#define SQRT_1_2 0.7071067811865476

typedef struct act_params {
    float alpha, beta, gamma;
} act_params;

typedef void (*act_kernel)(const void *x, void *y, size_t n, const act_params *p);

/* y[i] = EXPR over n elements; EXPR sees x, alpha, beta, gamma and a scratch t. */
#define DEF_ACT(op, EXPR, t) DEF_ACT_(op, EXPR, t)
#define DEF_ACT_(op, EXPR, sfx, T, CT, WT, LD, ST)                                                                     \
    static void op##_##sfx(const void *x_, void *y_, size_t n, const act_params *p)                                    \
    {                                                                                                                  \
        typedef CT ctype_t;                                                                                            \
        typedef WT wide_t;                                                                                             \
        const T *in = x_;                                                                                              \
        T *out = y_;                                                                                                   \
        const ctype_t alpha = (ctype_t)p->alpha, beta = (ctype_t)p->beta, gamma = (ctype_t)p->gamma;                   \
        (void)sizeof(wide_t);                                                                                          \
        (void)alpha;                                                                                                   \
        (void)beta;                                                                                                    \
        (void)gamma;                                                                                                   \
        BLOCKED_LOOP(T, out, n, ctype_t x = LD(in[k]); ctype_t t = 0; (void)t;, ST(EXPR));                             \
    }

#define SOFTPLUS(v) ((v) > 0 ? (v) + MATH1(log1p, MATH1(exp, -(v))) : MATH1(log1p, MATH1(exp, (v))))

/* Relu keeps NaN (x < 0 is false for it), as numpy.maximum(x, 0) does. */
/* clang-format off */
FLOAT_TYPES(DEF_ACT, relu, x < 0 ? (ctype_t)0 : x)
SINT_TYPES(DEF_ACT, relu, x < 0 ? (ctype_t)0 : x)
FLOAT_TYPES(DEF_ACT, leaky_relu, x < 0 ? alpha * x : x)
FLOAT_TYPES(DEF_ACT, elu, x < 0 ? alpha * MATH1(expm1, x) : x)
FLOAT_TYPES(DEF_ACT, selu, x <= 0 ? gamma * (alpha * MATH1(expm1, x)) : gamma * x)
/* Celu for alpha > 0: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). */
FLOAT_TYPES(DEF_ACT, celu, x > 0 ? x : alpha * MATH1(expm1, x / alpha))
FLOAT_TYPES(DEF_ACT, softplus, SOFTPLUS(x))
FLOAT_TYPES(DEF_ACT, softsign, x / (1 + MATH1(fabs, x)))
FLOAT_TYPES(DEF_ACT, hard_sigmoid, (t = alpha * x + beta, t < 0 ? (ctype_t)0 : t > 1 ? (ctype_t)1 : t))
FLOAT_TYPES(DEF_ACT, hard_swish,
            (t = x * (ctype_t)(1.0 / 6.0) + (ctype_t)0.5, x * (t < 0 ? (ctype_t)0 : t > 1 ? (ctype_t)1 : t)))
FLOAT_TYPES(DEF_ACT, thresholded_relu, x > alpha ? x : (ctype_t)0)
FLOAT_TYPES(DEF_ACT, mish, (t = SOFTPLUS(x), x * MATH1(tanh, t)))
FLOAT_TYPES(DEF_ACT, gelu, (ctype_t)0.5 * x * (1 + MATH1(erf, x * (ctype_t)SQRT_1_2)))
FLOAT_TYPES(DEF_ACT, gelu_tanh,
            (ctype_t)0.5 * x * (1 + MATH1(tanh, (ctype_t)SQRT_2_OVER_PI * (x + (ctype_t)0.044715 * x * x * x))))
/* Shrink: alpha is lambd, beta is bias. */
FLOAT_TYPES(DEF_ACT, shrink, x < -alpha ? x + beta : x > alpha ? x - beta : (ctype_t)0)
SINT_VIA_F64_TYPES(DEF_ACT, shrink, x < -alpha ? x + beta : x > alpha ? x - beta : (ctype_t)0)
UINT_VIA_F64_TYPES(DEF_ACT, shrink, x < -alpha ? x + beta : x > alpha ? x - beta : (ctype_t)0)
/* clang-format on */

typedef struct act_desc {
    act_kernel kernel[DTYPE_SLOTS];
} act_desc;

static const act_desc relu_desc = {{K_FLOAT(relu), K_SINT(relu)}};
static const act_desc leaky_relu_desc = {{K_FLOAT(leaky_relu)}};
static const act_desc elu_desc = {{K_FLOAT(elu)}};
static const act_desc selu_desc = {{K_FLOAT(selu)}};
static const act_desc celu_desc = {{K_FLOAT(celu)}};
static const act_desc softplus_desc = {{K_FLOAT(softplus)}};
static const act_desc softsign_desc = {{K_FLOAT(softsign)}};
static const act_desc hard_sigmoid_desc = {{K_FLOAT(hard_sigmoid)}};
static const act_desc hard_swish_desc = {{K_FLOAT(hard_swish)}};
static const act_desc thresholded_relu_desc = {{K_FLOAT(thresholded_relu)}};
static const act_desc mish_desc = {{K_FLOAT(mish)}};
static const act_desc gelu_desc = {{K_FLOAT(gelu)}};
static const act_desc gelu_tanh_desc = {{K_FLOAT(gelu_tanh)}};
static const act_desc shrink_desc = {{K_FLOAT(shrink), K_SINT(shrink), K_UINT(shrink)}};

/* Reads an op's attributes into params (with the op's defaults) and picks its kernel table. */
typedef dnnx_status (*act_setup_fn)(op_ctx *ctx, act_params *params, const act_desc **desc);

static dnnx_status act_infer(op_ctx *ctx, act_setup_fn setup)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    act_params params = {0};
    const act_desc *desc = NULL;
    dnnx_status status = setup(ctx, &params, &desc);
    if (status || (status = ctx->status))
        return status;
    if ((status = ops_check_kernel_dtype(ctx, 0, HAS_KERNEL(desc->kernel, x->dtype))))
        return status;
    op_set_output_like(ctx, 0, x);
    return DNNX_OK;
}

static dnnx_status act_run(op_ctx *ctx, act_setup_fn setup)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    act_params params = {0};
    const act_desc *desc = NULL;
    dnnx_status status = setup(ctx, &params, &desc);
    if (status || (status = ctx->status))
        return status;
    desc->kernel[x->dtype](x->data, y->data, tensor_count(x), &params);
    return DNNX_OK;
}

#define ACTIVATION(name)                                                                                               \
    static dnnx_status name##_infer(op_ctx *ctx) { return act_infer(ctx, name##_setup); }                              \
    static dnnx_status name##_run(op_ctx *ctx) { return act_run(ctx, name##_setup); }

/* An activation without attributes. */
#define PLAIN_SETUP(name)                                                                                              \
    static dnnx_status name##_setup(op_ctx *ctx, act_params *params, const act_desc **desc)                            \
    {                                                                                                                  \
        *desc = &name##_desc;                                                                                          \
        return DNNX_OK;                                                                                                \
    }

PLAIN_SETUP(relu)
PLAIN_SETUP(softplus)
PLAIN_SETUP(softsign)
PLAIN_SETUP(hard_swish)
PLAIN_SETUP(mish)

static dnnx_status leaky_relu_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    params->alpha = op_attr_float(ctx, "alpha", 0.01f);
    *desc = &leaky_relu_desc;
    return DNNX_OK;
}

static dnnx_status elu_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    params->alpha = op_attr_float(ctx, "alpha", 1.0f);
    *desc = &elu_desc;
    return DNNX_OK;
}

static dnnx_status selu_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    params->alpha = op_attr_float(ctx, "alpha", 1.67326319217681884765625f);
    params->gamma = op_attr_float(ctx, "gamma", 1.05070102214813232421875f);
    *desc = &selu_desc;
    return DNNX_OK;
}

static dnnx_status celu_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    params->alpha = op_attr_float(ctx, "alpha", 1.0f);
    *desc = &celu_desc;
    if (!ctx->status && !(params->alpha > 0))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'alpha' must be positive, not %g", params->alpha);
    return DNNX_OK;
}

static dnnx_status hard_sigmoid_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    params->alpha = op_attr_float(ctx, "alpha", 0.2f);
    params->beta = op_attr_float(ctx, "beta", 0.5f);
    *desc = &hard_sigmoid_desc;
    return DNNX_OK;
}

static dnnx_status thresholded_relu_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    params->alpha = op_attr_float(ctx, "alpha", 1.0f);
    *desc = &thresholded_relu_desc;
    return DNNX_OK;
}

static dnnx_status gelu_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    const char *approximate = op_attr_string(ctx, "approximate", "none");
    if (ctx->status)
        return ctx->status;
    if (!strcmp(approximate, "none"))
        *desc = &gelu_desc;
    else if (!strcmp(approximate, "tanh"))
        *desc = &gelu_tanh_desc;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'approximate' must be none or tanh, not '%s'",
                       approximate);
    return DNNX_OK;
}

static dnnx_status shrink_setup(op_ctx *ctx, act_params *params, const act_desc **desc)
{
    params->alpha = op_attr_float(ctx, "lambd", 0.5f);
    params->beta = op_attr_float(ctx, "bias", 0.0f);
    *desc = &shrink_desc;
    return DNNX_OK;
}

ACTIVATION(relu)
ACTIVATION(leaky_relu)
ACTIVATION(elu)
ACTIVATION(selu)
ACTIVATION(celu)
ACTIVATION(softplus)
ACTIVATION(softsign)
ACTIVATION(hard_sigmoid)
ACTIVATION(hard_swish)
ACTIVATION(thresholded_relu)
ACTIVATION(mish)
ACTIVATION(gelu)
ACTIVATION(shrink)

/* PRelu kernels: y = x < 0 ? slope * x : x, slope advancing by ss (0 or 1). */
typedef void (*prelu_kernel)(const void *x, const void *slope, int64_t ss, void *y, size_t n);

#define DEF_PRELU(op, EXPR, t) DEF_PRELU_(op, EXPR, t)
#define DEF_PRELU_(op, EXPR, sfx, T, CT, WT, LD, ST)                                                                   \
    static void op##_##sfx(const void *x_, const void *s_, int64_t ss, void *y_, size_t n)                             \
    {                                                                                                                  \
        typedef CT ctype_t;                                                                                            \
        typedef WT wide_t;                                                                                             \
        const T *in = x_, *slope = s_;                                                                                 \
        T *out = y_;                                                                                                   \
        (void)sizeof(ctype_t);                                                                                         \
        (void)sizeof(wide_t);                                                                                          \
        if (ss) {                                                                                                      \
            BLOCKED_LOOP(T, out, n, ctype_t x = LD(in[k]); ctype_t s = LD(slope[k]); (void)s;, ST(EXPR));              \
        } else {                                                                                                       \
            const ctype_t s = LD(slope[0]);                                                                            \
            (void)s;                                                                                                   \
            BLOCKED_LOOP(T, out, n, ctype_t x = LD(in[k]);, ST(EXPR));                                                 \
        }                                                                                                              \
    }

FLOAT_TYPES(DEF_PRELU, prelu, x < 0 ? s * x : x)
SINT_TYPES(DEF_PRELU, prelu, x < 0 ? (ctype_t)((wide_t)s * (wide_t)x) : x)
UINT_TYPES(DEF_PRELU, prelu, x)

static const prelu_kernel prelu_kernels[DTYPE_SLOTS] = {K_FLOAT(prelu), K_SINT(prelu), K_UINT(prelu)};

/* PRelu broadcasts slope to X's shape (unidirectionally): the output has X's shape. */
static dnnx_status prelu_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *slope = op_input(ctx, 1);
    dnnx_status status = op_check_same_dtype(ctx, 0, 1);
    if (status || (status = ops_check_kernel_dtype(ctx, 0, HAS_KERNEL(prelu_kernels, x->dtype))))
        return status;
    bool fits = slope->rank <= x->rank;
    for (int k = 0; k < slope->rank && fits; k++) {
        int64_t s = slope->dims[k], d = x->dims[x->rank - slope->rank + k];
        fits = s == 1 || s == d || s < 0 || d < 0;
    }
    if (!fits) {
        char xs[160], ss[160];
        tensor_format_shape(x, xs, sizeof xs);
        tensor_format_shape(slope, ss, sizeof ss);
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "slope of shape %s cannot be broadcast to X of shape %s", ss, xs);
    }
    op_set_output_like(ctx, 0, x);
    return DNNX_OK;
}

/* Rows over X's last axis: slope is either constant along it or follows it. */
static dnnx_status prelu_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *slope = op_input(ctx, 1);
    dnnx_tensor *y = op_output(ctx, 0);
    prelu_kernel kernel = prelu_kernels[x->dtype];
    size_t count = tensor_count(x), slope_count = tensor_count(slope), size = tensor_dtype_size(x->dtype);
    if (slope_count == 1 || slope_count == count) {
        kernel(x->data, slope->data, slope_count == count, y->data, count);
        return DNNX_OK;
    }
    if (x->rank == 0 || count == 0)
        return DNNX_OK;
    size_t inner = (size_t)x->dims[x->rank - 1];
    int64_t step = slope->rank > 0 && slope->dims[slope->rank - 1] != 1;
    dnnx_tensor rows, slope_rows;
    tensor_init_shape(&rows, x->dtype, x->rank - 1, x->dims);
    tensor_init_shape(&slope_rows, x->dtype, slope->rank > 0 ? slope->rank - 1 : 0, slope->dims);
    const dnnx_tensor *slope_ptr = &slope_rows;
    bcast_iter it;
    bcast_iter_init(&it, &rows, &slope_ptr, 1);
    const char *px = x->data, *ps = slope->data;
    char *py = y->data;
    size_t slope_row = step ? inner : 1;
    for (size_t r = 0; r < it.count; r++, bcast_iter_next(&it))
        kernel(px + r * inner * size, ps + it.offset[0] * slope_row * size, step, py + r * inner * size, inner);
    return DNNX_OK;
}

/* PRelu before opset 7: a 1-D slope holds one value per channel (axis 1). */
static int legacy_slope_axis(const op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *slope = op_input(ctx, 1);
    return slope->rank == 1 && x->rank >= 2 && slope->dims[0] != 1 ? 1 : x->rank - slope->rank;
}

static dnnx_status prelu_legacy_infer(op_ctx *ctx)
{
    return ops_call_with_input1_at_axis(ctx, legacy_slope_axis(ctx), prelu_infer);
}

static dnnx_status prelu_legacy_run(op_ctx *ctx)
{
    return ops_call_with_input1_at_axis(ctx, legacy_slope_axis(ctx), prelu_run);
}

const op_schema ops_activation_schemas[] = {
    OPS_SCHEMA("Relu", 6, 1, 1, relu),
    OPS_SCHEMA("Relu", 13, 1, 1, relu),
    OPS_SCHEMA("Relu", 14, 1, 1, relu),
    OPS_SCHEMA("LeakyRelu", 6, 1, 1, leaky_relu),
    OPS_SCHEMA("LeakyRelu", 16, 1, 1, leaky_relu),
    OPS_SCHEMA("Elu", 6, 1, 1, elu),
    OPS_SCHEMA("Elu", 22, 1, 1, elu),
    OPS_SCHEMA("Selu", 6, 1, 1, selu),
    OPS_SCHEMA("Selu", 22, 1, 1, selu),
    OPS_SCHEMA("Celu", 12, 1, 1, celu),
    OPS_SCHEMA("Softplus", 1, 1, 1, softplus),
    OPS_SCHEMA("Softplus", 22, 1, 1, softplus),
    OPS_SCHEMA("Softsign", 1, 1, 1, softsign),
    OPS_SCHEMA("Softsign", 22, 1, 1, softsign),
    OPS_SCHEMA("HardSigmoid", 6, 1, 1, hard_sigmoid),
    OPS_SCHEMA("HardSigmoid", 22, 1, 1, hard_sigmoid),
    OPS_SCHEMA("HardSwish", 14, 1, 1, hard_swish),
    OPS_SCHEMA("HardSwish", 22, 1, 1, hard_swish),
    OPS_SCHEMA("ThresholdedRelu", 10, 1, 1, thresholded_relu),
    OPS_SCHEMA("ThresholdedRelu", 22, 1, 1, thresholded_relu),
    OPS_SCHEMA("PRelu", 6, 2, 2, prelu_legacy),
    OPS_SCHEMA("PRelu", 7, 2, 2, prelu),
    OPS_SCHEMA("PRelu", 9, 2, 2, prelu),
    OPS_SCHEMA("PRelu", 16, 2, 2, prelu),
    OPS_SCHEMA("Mish", 18, 1, 1, mish),
    OPS_SCHEMA("Mish", 22, 1, 1, mish),
    OPS_SCHEMA("Gelu", 20, 1, 1, gelu),
    /* What pass fuse_gelu makes of a decomposed GELU, in any opset: ONNX Gelu-20's meaning. */
    {"dnnx", "Gelu", 1, 1, 1, 1, 1, gelu_infer, gelu_run},
    OPS_SCHEMA("Shrink", 9, 1, 1, shrink),
};
OPS_FAMILY_COUNT(activation);

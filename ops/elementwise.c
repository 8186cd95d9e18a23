/* Elementwise ops: arithmetic, math functions, comparisons, logic, bitwise ops, the variadic
 * Min/Max/Sum/Mean, Where and Clip, with ONNX multidirectional broadcasting.
 *
 * Each kernel is generated per dtype from one C expression in x and y. Integers compute in
 * their own type and wrap around (through unsigned arithmetic, never signed overflow);
 * float16 and bfloat16 compute in float, one element at a time; double in double. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common.h"
#include "dtype_kernels.h"
#include "ops.h"

/* The extremes of a compute type (infinities for floats), for absent Clip bounds. */
/* clang-format off */
#define TYPE_LOWEST(x)                                                                                                 \
    _Generic((x), float: -INFINITY, double: -(double)INFINITY, int8_t: INT8_MIN, int16_t: INT16_MIN,                  \
             int32_t: INT32_MIN, int64_t: INT64_MIN, default: 0)
#define TYPE_HIGHEST(x)                                                                                                \
    _Generic((x), float: INFINITY, double: (double)INFINITY, int8_t: INT8_MAX, int16_t: INT16_MAX,                    \
             int32_t: INT32_MAX, int64_t: INT64_MAX, uint8_t: UINT8_MAX, uint16_t: UINT16_MAX,                        \
             uint32_t: UINT32_MAX, uint64_t: UINT64_MAX, default: 0)
/* clang-format on */

/* exp(-x) overflowing to inf gives 0, not NaN, so no branch on the sign is needed. */
static inline double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }
static inline float logisticf(float x) { return 1.0f / (1.0f + expf(-x)); }

/* Signed integer division and remainders in int64; x / -1 wraps instead of trapping. */
static inline int64_t sdiv64(int64_t x, int64_t y) { return y == -1 ? (int64_t)(0 - (uint64_t)x) : x / y; }
static inline int64_t srem64(int64_t x, int64_t y) { return y == -1 ? 0 : x % y; }
/* Python's remainder: the result takes the sign of the divisor. */
static inline int64_t pymod64(int64_t x, int64_t y)
{
    int64_t r = srem64(x, y);
    return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
}

/* Row-wise iteration of broadcasting: a row is the longest run of output elements in which
 * every input either advances by one element (step 1) or stays put (step 0). */
typedef struct row_plan {
    bcast_iter rows; /* over rows; offsets count in rows of each input */
    size_t inner;    /* output elements per row */
    int64_t step[BCAST_MAX_INPUTS];
    size_t row_len[BCAST_MAX_INPUTS]; /* input elements per unit of rows.offset */
} row_plan;

/* Plans out (concrete dims) from n <= BCAST_MAX_INPUTS inputs that broadcast to it: size-1
 * output axes are dropped and neighbouring axes that each input either spans or broadcasts
 * are merged, so equal shapes become one row and a bias add becomes rows of the bias. */
static void row_plan_init(row_plan *plan, const dnnx_tensor *out, const dnnx_tensor *const *inputs, int n)
{
    int64_t dims[DNNX_MAX_RANK], in_dims[BCAST_MAX_INPUTS][DNNX_MAX_RANK];
    int rank = 0;
    memset(plan, 0, sizeof *plan);
    if (tensor_count(out) == 0)
        return;
    for (int d = 0; d < out->rank; d++) {
        int64_t here[BCAST_MAX_INPUTS];
        bool merge = rank > 0;
        if (out->dims[d] == 1)
            continue;
        for (int j = 0; j < n; j++) {
            int k = d - (out->rank - inputs[j]->rank);
            here[j] = k >= 0 ? inputs[j]->dims[k] : 1;
            if (merge && (here[j] == 1) != (in_dims[j][rank - 1] == 1))
                merge = false;
        }
        if (!merge) {
            dims[rank] = 1;
            for (int j = 0; j < n; j++)
                in_dims[j][rank] = 1;
            rank++;
        }
        dims[rank - 1] *= out->dims[d];
        for (int j = 0; j < n; j++)
            in_dims[j][rank - 1] *= here[j];
    }
    dnnx_tensor outer, outer_inputs[BCAST_MAX_INPUTS];
    const dnnx_tensor *outer_ptrs[BCAST_MAX_INPUTS];
    int outer_rank = rank > 0 ? rank - 1 : 0;
    plan->inner = rank > 0 ? (size_t)dims[rank - 1] : 1;
    tensor_init_shape(&outer, out->dtype, outer_rank, dims);
    for (int j = 0; j < n; j++) {
        plan->row_len[j] = rank > 0 ? (size_t)in_dims[j][rank - 1] : 1;
        plan->step[j] = plan->row_len[j] > 1;
        tensor_init_shape(&outer_inputs[j], inputs[j]->dtype, outer_rank, in_dims[j]);
        outer_ptrs[j] = &outer_inputs[j];
    }
    bcast_iter_init(&plan->rows, &outer, outer_ptrs, n);
}

/* Element offset of input j at the start of the current row. */
static inline size_t row_offset(const row_plan *plan, int j) { return plan->rows.offset[j] * plan->row_len[j]; }

/* Binary kernels: y[i] = EXPR over n elements, a and b advancing by sa, sb (0 or 1). They
 * return nonzero if an integer division by zero occurred. */
typedef int (*binary_kernel)(const void *a, int64_t sa, const void *b, int64_t sb, void *y, size_t n);

#define DEF_BIN(name, T, TY, CT, WT, LD, ST, EXPR)                                                                     \
    static int name(const void *a_, int64_t sa, const void *b_, int64_t sb, void *y_, size_t n)                        \
    {                                                                                                                  \
        typedef CT ctype_t;                                                                                            \
        typedef WT wide_t;                                                                                             \
        const T *a = a_, *b = b_;                                                                                      \
        TY *out = y_;                                                                                                  \
        int err = 0;                                                                                                   \
        (void)sizeof(ctype_t);                                                                                         \
        (void)sizeof(wide_t);                                                                                          \
        if (sa && sb) {                                                                                                \
            BLOCKED_LOOP(TY, out, n, ctype_t x = LD(a[k]); ctype_t y = LD(b[k]);, ST(EXPR));                           \
        } else if (sa) {                                                                                               \
            const ctype_t y = LD(b[0]);                                                                                \
            BLOCKED_LOOP(TY, out, n, ctype_t x = LD(a[k]);, ST(EXPR));                                                 \
        } else if (sb) {                                                                                               \
            const ctype_t x = LD(a[0]);                                                                                \
            BLOCKED_LOOP(TY, out, n, ctype_t y = LD(b[k]);, ST(EXPR));                                                 \
        } else {                                                                                                       \
            const ctype_t x = LD(a[0]), y = LD(b[0]);                                                                  \
            const TY value = ST(EXPR);                                                                                 \
            for (size_t i = 0; i < n; i++)                                                                             \
                out[i] = value;                                                                                        \
        }                                                                                                              \
        return err;                                                                                                    \
    }

/* Same-type result, and bool result (comparisons). */
#define DEF_SAME(op, EXPR, t) DEF_SAME_(op, EXPR, t)
#define DEF_SAME_(op, EXPR, sfx, T, CT, WT, LD, ST) DEF_BIN(op##_##sfx, T, T, CT, WT, LD, ST, EXPR)
#define DEF_CMP(op, EXPR, t) DEF_CMP_(op, EXPR, t)
#define DEF_CMP_(op, EXPR, sfx, T, CT, WT, LD, ST) DEF_BIN(op##_##sfx, T, uint8_t, CT, WT, LD, ST_ID, EXPR)

/* clang-format off */
#define WRAP(OP) (ctype_t)((wide_t)x OP (wide_t)y)
/* clang-format on */
#define DIV_BY_ZERO (err = 1, (ctype_t)0)

FLOAT_TYPES(DEF_SAME, add, x + y)
SINT_TYPES(DEF_SAME, add, WRAP(+))
UINT_TYPES(DEF_SAME, add, WRAP(+))
FLOAT_TYPES(DEF_SAME, sub, x - y)
SINT_TYPES(DEF_SAME, sub, WRAP(-))
UINT_TYPES(DEF_SAME, sub, WRAP(-))
FLOAT_TYPES(DEF_SAME, mul, (x * y))
SINT_TYPES(DEF_SAME, mul, WRAP(*))
UINT_TYPES(DEF_SAME, mul, WRAP(*))
FLOAT_TYPES(DEF_SAME, div, x / y)
SINT_TYPES(DEF_SAME, div, y == 0 ? DIV_BY_ZERO : (ctype_t)sdiv64(x, y))
UINT_TYPES(DEF_SAME, div, y == 0 ? DIV_BY_ZERO : (ctype_t)(x / y))
FLOAT_TYPES(DEF_SAME, fmod, GFN(fmod, x)(x, y))
SINT_TYPES(DEF_SAME, cmod, y == 0 ? DIV_BY_ZERO : (ctype_t)srem64(x, y))
SINT_TYPES(DEF_SAME, pymod, y == 0 ? DIV_BY_ZERO : (ctype_t)pymod64(x, y))
UINT_TYPES(DEF_SAME, umod, y == 0 ? DIV_BY_ZERO : (ctype_t)(x % y))
/* Min and Max propagate NaN, as numpy.minimum / maximum do. */
FLOAT_TYPES(DEF_SAME, min, isnan(x) ? x : isnan(y) ? y : x < y ? x : y)
SINT_TYPES(DEF_SAME, min, x < y ? x : y)
UINT_TYPES(DEF_SAME, min, x < y ? x : y)
FLOAT_TYPES(DEF_SAME, max, isnan(x) ? x : isnan(y) ? y : x > y ? x : y)
SINT_TYPES(DEF_SAME, max, x > y ? x : y)
UINT_TYPES(DEF_SAME, max, x > y ? x : y)
FLOAT_TYPES(DEF_CMP, eq, x == y)
SINT_TYPES(DEF_CMP, eq, x == y)
UINT_TYPES(DEF_CMP, eq, x == y)
BOOL_TYPES(DEF_CMP, eq, !x == !y)
FLOAT_TYPES(DEF_CMP, lt, x < y)
SINT_TYPES(DEF_CMP, lt, x < y)
UINT_TYPES(DEF_CMP, lt, x < y)
FLOAT_TYPES(DEF_CMP, le, x <= y)
SINT_TYPES(DEF_CMP, le, x <= y)
UINT_TYPES(DEF_CMP, le, x <= y)
FLOAT_TYPES(DEF_CMP, gt, x > y)
SINT_TYPES(DEF_CMP, gt, x > y)
UINT_TYPES(DEF_CMP, gt, x > y)
FLOAT_TYPES(DEF_CMP, ge, x >= y)
SINT_TYPES(DEF_CMP, ge, x >= y)
UINT_TYPES(DEF_CMP, ge, x >= y)
BOOL_TYPES(DEF_CMP, land, x != 0 && y != 0)
BOOL_TYPES(DEF_CMP, lor, x || y)
BOOL_TYPES(DEF_CMP, lxor, !x != !y)
/* Shifting by the width or more gives 0 (C leaves it undefined). */
UINT_TYPES(DEF_SAME, shl, (uint64_t)y >= 8 * sizeof(ctype_t) ? (ctype_t)0 : (ctype_t)((wide_t)x << y))
UINT_TYPES(DEF_SAME, shr, (uint64_t)y >= 8 * sizeof(ctype_t) ? (ctype_t)0 : (ctype_t)(x >> y))
SINT_TYPES(DEF_SAME, band, (ctype_t)((x) & (y)))
UINT_TYPES(DEF_SAME, band, (ctype_t)((x) & (y)))
SINT_TYPES(DEF_SAME, bor, (ctype_t)((x) | (y)))
UINT_TYPES(DEF_SAME, bor, (ctype_t)((x) | (y)))
SINT_TYPES(DEF_SAME, bxor, (ctype_t)((x) ^ (y)))
UINT_TYPES(DEF_SAME, bxor, (ctype_t)((x) ^ (y)))

/* Squaring is Pow's common case (variance in decomposed LayerNorm); exact like powf. */
static int pow_f32(const void *a_, int64_t sa, const void *b_, int64_t sb, void *y_, size_t n)
{
    const float *a = a_, *b = b_;
    float *out = y_;
    if (!sb && b[0] == 2.0f) {
        for (size_t i = 0; i < n; i++)
            out[i] = a[i * (size_t)sa] * a[i * (size_t)sa];
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = powf(a[i * (size_t)sa], b[i * (size_t)sb]);
    return 0;
}

typedef struct binary_desc {
    binary_kernel kernel[DTYPE_SLOTS];
    bool to_bool;
} binary_desc;

static const binary_desc add_desc = {{K_FLOAT(add), K_SINT(add), K_UINT(add)}, false};
static const binary_desc sub_desc = {{K_FLOAT(sub), K_SINT(sub), K_UINT(sub)}, false};
static const binary_desc mul_desc = {{K_FLOAT(mul), K_SINT(mul), K_UINT(mul)}, false};
static const binary_desc div_desc = {{K_FLOAT(div), K_SINT(div), K_UINT(div)}, false};
static const binary_desc fmod_desc = {{K_FLOAT(fmod), K_SINT(cmod), K_UINT(umod)}, false};
static const binary_desc pymod_desc = {{K_SINT(pymod), K_UINT(umod)}, false};
static const binary_desc min_desc = {{K_FLOAT(min), K_SINT(min), K_UINT(min)}, false};
static const binary_desc max_desc = {{K_FLOAT(max), K_SINT(max), K_UINT(max)}, false};
static const binary_desc sum_desc = {{K_FLOAT(add), K_SINT(add), K_UINT(add)}, false};
static const binary_desc mean_desc = {{K_FLOAT(add)}, false};
static const binary_desc equal_desc = {{K_FLOAT(eq), K_SINT(eq), K_UINT(eq), K_BOOL(eq)}, true};
static const binary_desc less_desc = {{K_FLOAT(lt), K_SINT(lt), K_UINT(lt)}, true};
static const binary_desc less_equal_desc = {{K_FLOAT(le), K_SINT(le), K_UINT(le)}, true};
static const binary_desc greater_desc = {{K_FLOAT(gt), K_SINT(gt), K_UINT(gt)}, true};
static const binary_desc greater_equal_desc = {{K_FLOAT(ge), K_SINT(ge), K_UINT(ge)}, true};
static const binary_desc land_desc = {{K_BOOL(land)}, true};
static const binary_desc lor_desc = {{K_BOOL(lor)}, true};
static const binary_desc lxor_desc = {{K_BOOL(lxor)}, true};
static const binary_desc shl_desc = {{K_UINT(shl)}, false};
static const binary_desc shr_desc = {{K_UINT(shr)}, false};
static const binary_desc bitwise_and_desc = {{K_SINT(band), K_UINT(band)}, false};
static const binary_desc bitwise_or_desc = {{K_SINT(bor), K_UINT(bor)}, false};
static const binary_desc bitwise_xor_desc = {{K_SINT(bxor), K_UINT(bxor)}, false};

/* Checks that all inputs are present, share a dtype the op has a kernel for, and broadcast;
 * sets output 0 to the broadcast shape. */
static dnnx_status binary_infer(op_ctx *ctx, const binary_desc *desc)
{
    dnnx_status status;
    for (int k = 0; k < ctx->n_inputs; k++) {
        if (!op_input(ctx, k))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d is missing", k);
        if (k > 0 && (status = op_check_same_dtype(ctx, 0, k)))
            return status;
    }
    dnnx_dtype dtype = op_input(ctx, 0)->dtype;
    if ((status = ops_check_kernel_dtype(ctx, 0, HAS_KERNEL(desc->kernel, dtype))))
        return status;
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = op_broadcast_shapes(ctx, ctx->inputs, ctx->n_inputs, &rank, dims)))
        return status;
    op_set_output(ctx, 0, desc->to_bool ? DNNX_DTYPE_BOOL : dtype, rank, dims);
    return DNNX_OK;
}

/* out = a (op) b, broadcasting; returns the kernel's division-by-zero flag. out may be a. */
static int apply_binary(binary_kernel kernel, const dnnx_tensor *a, const dnnx_tensor *b, dnnx_tensor *out)
{
    const dnnx_tensor *inputs[2] = {a, b};
    row_plan plan;
    row_plan_init(&plan, out, inputs, 2);
    size_t size_a = tensor_dtype_size(a->dtype), size_b = tensor_dtype_size(b->dtype);
    size_t size_y = tensor_dtype_size(out->dtype);
    const char *pa = a->data, *pb = b->data;
    char *py = out->data;
    for (size_t r = 0; r < plan.rows.count; r++, bcast_iter_next(&plan.rows)) {
        int err = kernel(pa + row_offset(&plan, 0) * size_a, plan.step[0], pb + row_offset(&plan, 1) * size_b,
                         plan.step[1], py + r * plan.inner * size_y, plan.inner);
        if (err)
            return err;
    }
    return 0;
}

/* Binary ops and the variadic folds (Min, Max, Sum, Mean): out = in0 op in1 op in2 ... */
static dnnx_status fold_run(op_ctx *ctx, const binary_desc *desc)
{
    const dnnx_tensor *first = op_input(ctx, 0);
    dnnx_tensor *out = op_output(ctx, 0);
    binary_kernel kernel = desc->kernel[first->dtype];
    if (ctx->n_inputs == 1) {
        memcpy(out->data, first->data, tensor_bytes(out));
        return DNNX_OK;
    }
    int err = apply_binary(kernel, first, op_input(ctx, 1), out);
    for (int k = 2; k < ctx->n_inputs && !err; k++)
        err = apply_binary(kernel, out, op_input(ctx, k), out);
    if (err)
        return op_fail(ctx, DNNX_ERR_RUNTIME, "division by zero");
    return DNNX_OK;
}

#define BINARY_OP(name, desc)                                                                                          \
    static dnnx_status name##_infer(op_ctx *ctx) { return binary_infer(ctx, &desc); }                                  \
    static dnnx_status name##_run(op_ctx *ctx) { return fold_run(ctx, &desc); }

BINARY_OP(add, add_desc)
BINARY_OP(sub, sub_desc)
BINARY_OP(mul, mul_desc)
BINARY_OP(div, div_desc)
BINARY_OP(min, min_desc)
BINARY_OP(max, max_desc)
BINARY_OP(sum, sum_desc)
BINARY_OP(equal, equal_desc)
BINARY_OP(less, less_desc)
BINARY_OP(less_equal, less_equal_desc)
BINARY_OP(greater, greater_desc)
BINARY_OP(greater_equal, greater_equal_desc)
BINARY_OP(land, land_desc)
BINARY_OP(lor, lor_desc)
BINARY_OP(lxor, lxor_desc)
BINARY_OP(bitwise_and, bitwise_and_desc)
BINARY_OP(bitwise_or, bitwise_or_desc)
BINARY_OP(bitwise_xor, bitwise_xor_desc)

static dnnx_status mean_infer(op_ctx *ctx) { return binary_infer(ctx, &mean_desc); }

static dnnx_status mean_run(op_ctx *ctx)
{
    dnnx_status status = fold_run(ctx, &mean_desc);
    if (status)
        return status;
    dnnx_tensor *out = op_output(ctx, 0);
    size_t count = tensor_count(out);
    if (out->dtype == DNNX_DTYPE_FLOAT) {
        float *y = out->data;
        for (size_t i = 0; i < count; i++)
            y[i] /= (float)ctx->n_inputs;
    } else {
        for (size_t i = 0; i < count; i++)
            tensor_set_f64(out, i, tensor_get_f64(out, i) / ctx->n_inputs);
    }
    return DNNX_OK;
}

/* Mod: fmod=1 is C's fmod / truncated remainder; fmod=0 is Python's integer modulo, which
 * ONNX does not define for floats. */
static dnnx_status mod_mode(op_ctx *ctx, const binary_desc **desc)
{
    int64_t fmod_attr = op_attr_int(ctx, "fmod", 0);
    if (ctx->status)
        return ctx->status;
    if (fmod_attr != 0 && fmod_attr != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'fmod' must be 0 or 1, not %lld", (long long)fmod_attr);
    const dnnx_tensor *x = op_input(ctx, 0);
    if (!fmod_attr && ops_dtype_is_float(x->dtype))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "fmod must be 1 for %s inputs", dnnx_dtype_name(x->dtype));
    *desc = fmod_attr ? &fmod_desc : &pymod_desc;
    return DNNX_OK;
}

static dnnx_status mod_infer(op_ctx *ctx)
{
    const binary_desc *desc = NULL;
    dnnx_status status = op_check_same_dtype(ctx, 0, 1);
    if (status || (status = mod_mode(ctx, &desc)))
        return status;
    return binary_infer(ctx, desc);
}

static dnnx_status mod_run(op_ctx *ctx)
{
    const binary_desc *desc = NULL;
    dnnx_status status = mod_mode(ctx, &desc);
    return status ? status : fold_run(ctx, desc);
}

static dnnx_status bitshift_desc(op_ctx *ctx, const binary_desc **desc)
{
    const char *direction = op_attr_string(ctx, "direction", "");
    if (ctx->status)
        return ctx->status;
    if (!strcmp(direction, "LEFT"))
        *desc = &shl_desc;
    else if (!strcmp(direction, "RIGHT"))
        *desc = &shr_desc;
    else
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'direction' must be LEFT or RIGHT, not '%s'", direction);
    return DNNX_OK;
}

static dnnx_status bitshift_infer(op_ctx *ctx)
{
    const binary_desc *desc = NULL;
    dnnx_status status = bitshift_desc(ctx, &desc);
    return status ? status : binary_infer(ctx, desc);
}

static dnnx_status bitshift_run(op_ctx *ctx)
{
    const binary_desc *desc = NULL;
    dnnx_status status = bitshift_desc(ctx, &desc);
    return status ? status : fold_run(ctx, desc);
}

static bool pow_base_dtype(dnnx_dtype dtype)
{
    return ops_dtype_is_float(dtype) || dtype == DNNX_DTYPE_INT32 || dtype == DNNX_DTYPE_INT64;
}

static bool pow_exponent_dtype(dnnx_dtype dtype)
{
    return ops_dtype_is_float(dtype) || ops_dtype_is_signed_int(dtype) ||
           (ops_dtype_is_unsigned_int(dtype) && dtype != DNNX_DTYPE_BOOL);
}

/* Pow: the output has the base's dtype; since Pow-12 the exponent may have another. */
static dnnx_status pow_infer(op_ctx *ctx)
{
    const dnnx_tensor *base = op_input(ctx, 0), *exponent = op_input(ctx, 1);
    dnnx_status status;
    if ((status = ops_check_kernel_dtype(ctx, 0, pow_base_dtype(base->dtype))) ||
        (status = ops_check_kernel_dtype(ctx, 1, pow_exponent_dtype(exponent->dtype))))
        return status;
    if (op_version(ctx) < 12 && (status = op_check_same_dtype(ctx, 0, 1)))
        return status;
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = op_broadcast_shapes(ctx, ctx->inputs, 2, &rank, dims)))
        return status;
    op_set_output(ctx, 0, base->dtype, rank, dims);
    return DNNX_OK;
}

/* Exact integer power with wrap-around; negative exponents truncate 1/b^-e toward zero. */
static int64_t ipow(int64_t base, int64_t exponent)
{
    if (exponent < 0)
        return base == 1 ? 1 : base == -1 ? (exponent & 1 ? -1 : 1) : 0;
    uint64_t result = 1, b = (uint64_t)base;
    for (uint64_t e = (uint64_t)exponent; e; e >>= 1) {
        if (e & 1)
            result *= b;
        b *= b;
    }
    return (int64_t)result;
}

static dnnx_status pow_run(op_ctx *ctx)
{
    const dnnx_tensor *base = op_input(ctx, 0), *exponent = op_input(ctx, 1);
    dnnx_tensor *out = op_output(ctx, 0);
    if (base->dtype == DNNX_DTYPE_FLOAT && exponent->dtype == DNNX_DTYPE_FLOAT) {
        apply_binary(pow_f32, base, exponent, out);
        return DNNX_OK;
    }
    bool int_base = !ops_dtype_is_float(base->dtype), int_exponent = !ops_dtype_is_float(exponent->dtype);
    row_plan plan;
    row_plan_init(&plan, out, ctx->inputs, 2);
    size_t i = 0;
    for (size_t r = 0; r < plan.rows.count; r++, bcast_iter_next(&plan.rows)) {
        size_t ia = row_offset(&plan, 0), ib = row_offset(&plan, 1);
        for (size_t k = 0; k < plan.inner; k++, i++, ia += (size_t)plan.step[0], ib += (size_t)plan.step[1]) {
            if (int_base && int_exponent)
                tensor_set_i64(out, i, ipow(tensor_get_i64(base, ia), tensor_get_i64(exponent, ib)));
            else if (int_base)
                tensor_set_i64(out, i, double_to_i64(pow(tensor_get_f64(base, ia), tensor_get_f64(exponent, ib))));
            else
                tensor_set_f64(out, i, pow(tensor_get_f64(base, ia), tensor_get_f64(exponent, ib)));
        }
    }
    return DNNX_OK;
}

/* Unary kernels: y[i] = EXPR(x) over n contiguous elements. */
typedef struct unary_params {
    bool detect_positive, detect_negative;
} unary_params;

typedef void (*unary_kernel)(const void *x, void *y, size_t n, const unary_params *p);

#define DEF_UN(name, T, TY, CT, WT, LD, ST, EXPR)                                                                      \
    static void name(const void *x_, void *y_, size_t n, const unary_params *p)                                        \
    {                                                                                                                  \
        typedef CT ctype_t;                                                                                            \
        typedef WT wide_t;                                                                                             \
        const T *in = x_;                                                                                              \
        TY *out = y_;                                                                                                  \
        (void)sizeof(ctype_t);                                                                                         \
        (void)sizeof(wide_t);                                                                                          \
        (void)p;                                                                                                       \
        BLOCKED_LOOP(TY, out, n, ctype_t x = LD(in[k]);, ST(EXPR));                                                    \
    }

#define DEF_USAME(op, EXPR, t) DEF_USAME_(op, EXPR, t)
#define DEF_USAME_(op, EXPR, sfx, T, CT, WT, LD, ST) DEF_UN(op##_##sfx, T, T, CT, WT, LD, ST, EXPR)
#define DEF_UBOOL(op, EXPR, t) DEF_UBOOL_(op, EXPR, t)
#define DEF_UBOOL_(op, EXPR, sfx, T, CT, WT, LD, ST) DEF_UN(op##_##sfx, T, uint8_t, CT, WT, LD, ST_ID, EXPR)

#define MATH1(fn) GFN(fn, x)(x)

FLOAT_TYPES(DEF_USAME, sqrt, MATH1(sqrt))
FLOAT_TYPES(DEF_USAME, reciprocal, (ctype_t)1 / x)
FLOAT_TYPES(DEF_USAME, neg, -x)
SINT_TYPES(DEF_USAME, neg, (ctype_t)(0 - (wide_t)x))
FLOAT_TYPES(DEF_USAME, abs, MATH1(fabs))
SINT_TYPES(DEF_USAME, abs, x < 0 ? (ctype_t)(0 - (wide_t)x) : x)
UINT_TYPES(DEF_USAME, abs, x)
FLOAT_TYPES(DEF_USAME, exp, MATH1(exp))
FLOAT_TYPES(DEF_USAME, log, MATH1(log))
FLOAT_TYPES(DEF_USAME, erf, MATH1(erf))
FLOAT_TYPES(DEF_USAME, tanh, MATH1(tanh))
FLOAT_TYPES(DEF_USAME, sigmoid, MATH1(logistic))
FLOAT_TYPES(DEF_USAME, sin, MATH1(sin))
FLOAT_TYPES(DEF_USAME, cos, MATH1(cos))
FLOAT_TYPES(DEF_USAME, tan, MATH1(tan))
FLOAT_TYPES(DEF_USAME, asin, MATH1(asin))
FLOAT_TYPES(DEF_USAME, acos, MATH1(acos))
FLOAT_TYPES(DEF_USAME, atan, MATH1(atan))
FLOAT_TYPES(DEF_USAME, sinh, MATH1(sinh))
FLOAT_TYPES(DEF_USAME, cosh, MATH1(cosh))
FLOAT_TYPES(DEF_USAME, asinh, MATH1(asinh))
FLOAT_TYPES(DEF_USAME, acosh, MATH1(acosh))
FLOAT_TYPES(DEF_USAME, atanh, MATH1(atanh))
FLOAT_TYPES(DEF_USAME, floor, MATH1(floor))
FLOAT_TYPES(DEF_USAME, ceil, MATH1(ceil))
/* nearbyint rounds halves to even in the default rounding mode, as ONNX Round requires. */
FLOAT_TYPES(DEF_USAME, round, MATH1(nearbyint))
FLOAT_TYPES(DEF_USAME, sign, x > 0 ? (ctype_t)1 : x < 0 ? (ctype_t)-1 : x)
SINT_TYPES(DEF_USAME, sign, (ctype_t)((x > 0) - (x < 0)))
UINT_TYPES(DEF_USAME, sign, (ctype_t)(x != 0))
FLOAT_TYPES(DEF_UBOOL, isnan, isnan(x))
FLOAT_TYPES(DEF_UBOOL, isinf, isinf(x) && (x > 0 ? p->detect_positive : p->detect_negative))
BOOL_TYPES(DEF_UBOOL, lnot, !x)
SINT_TYPES(DEF_USAME, bnot, (ctype_t)~x)
UINT_TYPES(DEF_USAME, bnot, (ctype_t)~x)

typedef struct unary_desc {
    unary_kernel kernel[DTYPE_SLOTS];
    bool to_bool;
} unary_desc;

static const unary_desc sqrt_desc = {{K_FLOAT(sqrt)}, false};
static const unary_desc reciprocal_desc = {{K_FLOAT(reciprocal)}, false};
static const unary_desc neg_desc = {{K_FLOAT(neg), K_SINT(neg)}, false};
static const unary_desc abs_desc = {{K_FLOAT(abs), K_SINT(abs), K_UINT(abs)}, false};
static const unary_desc exp_desc = {{K_FLOAT(exp)}, false};
static const unary_desc log_desc = {{K_FLOAT(log)}, false};
static const unary_desc erf_desc = {{K_FLOAT(erf)}, false};
static const unary_desc tanh_desc = {{K_FLOAT(tanh)}, false};
static const unary_desc sigmoid_desc = {{K_FLOAT(sigmoid)}, false};
static const unary_desc sin_desc = {{K_FLOAT(sin)}, false};
static const unary_desc cos_desc = {{K_FLOAT(cos)}, false};
static const unary_desc tan_desc = {{K_FLOAT(tan)}, false};
static const unary_desc asin_desc = {{K_FLOAT(asin)}, false};
static const unary_desc acos_desc = {{K_FLOAT(acos)}, false};
static const unary_desc atan_desc = {{K_FLOAT(atan)}, false};
static const unary_desc sinh_desc = {{K_FLOAT(sinh)}, false};
static const unary_desc cosh_desc = {{K_FLOAT(cosh)}, false};
static const unary_desc asinh_desc = {{K_FLOAT(asinh)}, false};
static const unary_desc acosh_desc = {{K_FLOAT(acosh)}, false};
static const unary_desc atanh_desc = {{K_FLOAT(atanh)}, false};
static const unary_desc floor_desc = {{K_FLOAT(floor)}, false};
static const unary_desc ceil_desc = {{K_FLOAT(ceil)}, false};
static const unary_desc round_desc = {{K_FLOAT(round)}, false};
static const unary_desc sign_desc = {{K_FLOAT(sign), K_SINT(sign), K_UINT(sign)}, false};
static const unary_desc isnan_desc = {{K_FLOAT(isnan)}, true};
static const unary_desc isinf_desc = {{K_FLOAT(isinf)}, true};
static const unary_desc lnot_desc = {{K_BOOL(lnot)}, true};
static const unary_desc bitwise_not_desc = {{K_SINT(bnot), K_UINT(bnot)}, false};

static dnnx_status unary_infer(op_ctx *ctx, const unary_desc *desc)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = ops_check_kernel_dtype(ctx, 0, HAS_KERNEL(desc->kernel, x->dtype));
    if (status)
        return status;
    op_set_output(ctx, 0, desc->to_bool ? DNNX_DTYPE_BOOL : x->dtype, x->rank, x->dims);
    return DNNX_OK;
}

static dnnx_status unary_apply(op_ctx *ctx, const unary_desc *desc, const unary_params *params)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    desc->kernel[x->dtype](x->data, y->data, tensor_count(x), params);
    return DNNX_OK;
}

static dnnx_status unary_run(op_ctx *ctx, const unary_desc *desc)
{
    const unary_params params = {true, true};
    return unary_apply(ctx, desc, &params);
}

#define UNARY_OP(name, desc)                                                                                           \
    static dnnx_status name##_infer(op_ctx *ctx) { return unary_infer(ctx, &desc); }                                   \
    static dnnx_status name##_run(op_ctx *ctx) { return unary_run(ctx, &desc); }

UNARY_OP(sqrt, sqrt_desc)
UNARY_OP(reciprocal, reciprocal_desc)
UNARY_OP(neg, neg_desc)
UNARY_OP(abs, abs_desc)
UNARY_OP(exp, exp_desc)
UNARY_OP(log, log_desc)
UNARY_OP(erf, erf_desc)
UNARY_OP(tanh, tanh_desc)
UNARY_OP(sigmoid, sigmoid_desc)
UNARY_OP(sin, sin_desc)
UNARY_OP(cos, cos_desc)
UNARY_OP(tan, tan_desc)
UNARY_OP(asin, asin_desc)
UNARY_OP(acos, acos_desc)
UNARY_OP(atan, atan_desc)
UNARY_OP(sinh, sinh_desc)
UNARY_OP(cosh, cosh_desc)
UNARY_OP(asinh, asinh_desc)
UNARY_OP(acosh, acosh_desc)
UNARY_OP(atanh, atanh_desc)
UNARY_OP(floor, floor_desc)
UNARY_OP(ceil, ceil_desc)
UNARY_OP(round, round_desc)
UNARY_OP(sign, sign_desc)
UNARY_OP(isnan, isnan_desc)
UNARY_OP(lnot, lnot_desc)
UNARY_OP(bitwise_not, bitwise_not_desc)

static dnnx_status isinf_params(op_ctx *ctx, unary_params *params)
{
    params->detect_positive = op_attr_int(ctx, "detect_positive", 1) != 0;
    params->detect_negative = op_attr_int(ctx, "detect_negative", 1) != 0;
    return ctx->status;
}

static dnnx_status isinf_infer(op_ctx *ctx)
{
    unary_params params;
    dnnx_status status = isinf_params(ctx, &params);
    return status ? status : unary_infer(ctx, &isinf_desc);
}

static dnnx_status isinf_run(op_ctx *ctx)
{
    unary_params params;
    dnnx_status status = isinf_params(ctx, &params);
    return status ? status : unary_apply(ctx, &isinf_desc, &params);
}

/* Clip kernels: lo and hi point to one element of the tensor's own type, or are NULL for no
 * bound. min > max gives max everywhere, as numpy.clip does. */
typedef void (*clip_kernel)(const void *x, void *y, size_t n, const void *lo, const void *hi);

#define DEF_CLIP(op, EXPR, t) DEF_CLIP_(op, t)
#define DEF_CLIP_(op, sfx, T, CT, WT, LD, ST)                                                                          \
    static void op##_##sfx(const void *x_, void *y_, size_t n, const void *lo_, const void *hi_)                       \
    {                                                                                                                  \
        const T *in = x_;                                                                                              \
        T *out = y_;                                                                                                   \
        CT lo = 0, hi = 0;                                                                                             \
        lo = lo_ ? LD(*(const T *)lo_) : TYPE_LOWEST(lo);                                                              \
        hi = hi_ ? LD(*(const T *)hi_) : TYPE_HIGHEST(hi);                                                             \
        BLOCKED_LOOP(T, out, n, CT v = LD(in[k]); v = v < lo ? lo : v;, ST(v > hi ? hi : v));                          \
    }

FLOAT_TYPES(DEF_CLIP, clip, )
SINT_TYPES(DEF_CLIP, clip, )
UINT_TYPES(DEF_CLIP, clip, )

static const clip_kernel clip_kernels[DTYPE_SLOTS] = {K_FLOAT(clip), K_SINT(clip), K_UINT(clip)};

/* Clip-11+ bounds are optional inputs that must be scalars of x's dtype. */
static dnnx_status check_clip_bound(op_ctx *ctx, int i)
{
    const dnnx_tensor *bound = op_input(ctx, i);
    if (!bound)
        return DNNX_OK;
    dnnx_status status = op_check_same_dtype(ctx, 0, i);
    if (status)
        return status;
    for (int d = 0; d < bound->rank; d++) {
        if (bound->dims[d] >= 0 && bound->dims[d] != 1) {
            char shape[128];
            tensor_format_shape(bound, shape, sizeof shape);
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d (%s) must be a scalar, not shape %s", i,
                           i == 1 ? "min" : "max", shape);
        }
    }
    return DNNX_OK;
}

static dnnx_status clip_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status = ops_check_kernel_dtype(ctx, 0, HAS_KERNEL(clip_kernels, x->dtype));
    if (status)
        return status;
    if (op_version(ctx) < 11) {
        if (!ops_dtype_is_float(x->dtype))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input 0 has dtype %s; Clip-6 takes only floats",
                           dnnx_dtype_name(x->dtype));
        op_attr_float(ctx, "min", 0.0f);
        op_attr_float(ctx, "max", 0.0f);
        if (ctx->status)
            return ctx->status;
    } else if ((status = check_clip_bound(ctx, 1)) || (status = check_clip_bound(ctx, 2))) {
        return status;
    }
    op_set_output_like(ctx, 0, x);
    return DNNX_OK;
}

static dnnx_status clip_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    const void *lo = NULL, *hi = NULL;
    uint64_t lo_value = 0, hi_value = 0; /* storage for attribute bounds in x's dtype */
    if (op_version(ctx) < 11) {
        dnnx_tensor scalar;
        tensor_init_shape(&scalar, x->dtype, 0, NULL);
        if (op_has_attr(ctx, "min")) {
            scalar.data = &lo_value;
            tensor_set_f64(&scalar, 0, op_attr_float(ctx, "min", 0.0f));
            lo = &lo_value;
        }
        if (op_has_attr(ctx, "max")) {
            scalar.data = &hi_value;
            tensor_set_f64(&scalar, 0, op_attr_float(ctx, "max", 0.0f));
            hi = &hi_value;
        }
        if (ctx->status)
            return ctx->status;
    } else {
        lo = op_input(ctx, 1) ? op_input(ctx, 1)->data : NULL;
        hi = op_input(ctx, 2) ? op_input(ctx, 2)->data : NULL;
    }
    clip_kernels[x->dtype](x->data, y->data, tensor_count(x), lo, hi);
    return DNNX_OK;
}

/* Where selects by element size: it copies and never computes. */
#define DEF_WHERE(T)                                                                                                   \
    static void where_##T(const uint8_t *c, int64_t sc, const void *a_, int64_t sa, const void *b_, int64_t sb,        \
                          void *y_, size_t n)                                                                          \
    {                                                                                                                  \
        const T *a = a_, *b = b_;                                                                                      \
        T *out = y_;                                                                                                   \
        for (size_t i = 0; i < n; i++)                                                                                 \
            out[i] = c[i * (size_t)sc] ? a[i * (size_t)sa] : b[i * (size_t)sb];                                        \
    }

DEF_WHERE(uint8_t)
DEF_WHERE(uint16_t)
DEF_WHERE(uint32_t)
DEF_WHERE(uint64_t)

static dnnx_status where_infer(op_ctx *ctx)
{
    const dnnx_tensor *cond = op_input(ctx, 0), *x = op_input(ctx, 1);
    dnnx_status status;
    if (cond->dtype != DNNX_DTYPE_BOOL)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "condition must be bool, not %s", dnnx_dtype_name(cond->dtype));
    if ((status = op_check_same_dtype(ctx, 1, 2)))
        return status;
    if ((status = ops_check_kernel_dtype(ctx, 1, tensor_dtype_size(x->dtype) != 0)))
        return status;
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = op_broadcast_shapes(ctx, ctx->inputs, 3, &rank, dims)))
        return status;
    op_set_output(ctx, 0, x->dtype, rank, dims);
    return DNNX_OK;
}

static dnnx_status where_run(op_ctx *ctx)
{
    const dnnx_tensor *cond = op_input(ctx, 0), *x = op_input(ctx, 1), *y = op_input(ctx, 2);
    dnnx_tensor *out = op_output(ctx, 0);
    size_t size = tensor_dtype_size(x->dtype);
    row_plan plan;
    row_plan_init(&plan, out, ctx->inputs, 3);
    const uint8_t *pc = cond->data;
    const char *px = x->data, *py = y->data;
    char *po = out->data;
    for (size_t r = 0; r < plan.rows.count; r++, bcast_iter_next(&plan.rows)) {
        const uint8_t *c = pc + row_offset(&plan, 0);
        const char *a = px + row_offset(&plan, 1) * size, *b = py + row_offset(&plan, 2) * size;
        void *o = po + r * plan.inner * size;
        switch (size) {
        case 1: where_uint8_t(c, plan.step[0], a, plan.step[1], b, plan.step[2], o, plan.inner); break;
        case 2: where_uint16_t(c, plan.step[0], a, plan.step[1], b, plan.step[2], o, plan.inner); break;
        case 4: where_uint32_t(c, plan.step[0], a, plan.step[1], b, plan.step[2], o, plan.inner); break;
        case 8: where_uint64_t(c, plan.step[0], a, plan.step[1], b, plan.step[2], o, plan.inner); break;
        default: return op_fail(ctx, DNNX_ERR_INTERNAL, "element size %zu", size);
        }
    }
    return DNNX_OK;
}

/* Opset 1-6 arithmetic: without broadcast=1 the shapes must match; with it, B's dims align
 * at `axis` of A (default: the trailing axes). */
static dnnx_status legacy_axis(op_ctx *ctx, int *axis)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1);
    if (!op_attr_int(ctx, "broadcast", 0)) {
        if (!tensor_same_shape(a, b) && a->rank >= 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "inputs must have the same shape unless broadcast=1");
        *axis = 0;
        return DNNX_OK;
    }
    int64_t attr = op_attr_int(ctx, "axis", a->rank - b->rank);
    if (attr < 0)
        attr += a->rank;
    *axis = (int)(attr < 0 || attr > a->rank ? -1 : attr);
    return ctx->status;
}

#define LEGACY_BINARY_OP(name)                                                                                         \
    static dnnx_status name##_legacy_infer(op_ctx *ctx)                                                                \
    {                                                                                                                  \
        int axis = 0;                                                                                                  \
        dnnx_status status = legacy_axis(ctx, &axis);                                                                  \
        return status ? status : ops_call_with_input1_at_axis(ctx, axis, name##_infer);                                \
    }                                                                                                                  \
    static dnnx_status name##_legacy_run(op_ctx *ctx)                                                                  \
    {                                                                                                                  \
        int axis = 0;                                                                                                  \
        dnnx_status status = legacy_axis(ctx, &axis);                                                                  \
        return status ? status : ops_call_with_input1_at_axis(ctx, axis, name##_run);                                  \
    }

LEGACY_BINARY_OP(add)
LEGACY_BINARY_OP(sub)
LEGACY_BINARY_OP(mul)
LEGACY_BINARY_OP(div)
LEGACY_BINARY_OP(pow)

const op_schema ops_elementwise_schemas[] = {
    OPS_SCHEMA("Add", 6, 2, 2, add_legacy),
    OPS_SCHEMA("Sub", 6, 2, 2, sub_legacy),
    OPS_SCHEMA("Mul", 6, 2, 2, mul_legacy),
    OPS_SCHEMA("Div", 6, 2, 2, div_legacy),
    OPS_SCHEMA("Pow", 1, 2, 2, pow_legacy),
    OPS_SCHEMA("Add", 7, 2, 2, add),
    OPS_SCHEMA("Add", 13, 2, 2, add),
    OPS_SCHEMA("Add", 14, 2, 2, add),
    OPS_SCHEMA("Sub", 7, 2, 2, sub),
    OPS_SCHEMA("Sub", 13, 2, 2, sub),
    OPS_SCHEMA("Sub", 14, 2, 2, sub),
    OPS_SCHEMA("Mul", 7, 2, 2, mul),
    OPS_SCHEMA("Mul", 13, 2, 2, mul),
    OPS_SCHEMA("Mul", 14, 2, 2, mul),
    OPS_SCHEMA("Div", 7, 2, 2, div),
    OPS_SCHEMA("Div", 13, 2, 2, div),
    OPS_SCHEMA("Div", 14, 2, 2, div),
    OPS_SCHEMA("Pow", 7, 2, 2, pow),
    OPS_SCHEMA("Pow", 12, 2, 2, pow),
    OPS_SCHEMA("Pow", 13, 2, 2, pow),
    OPS_SCHEMA("Pow", 15, 2, 2, pow),
    OPS_SCHEMA("Mod", 10, 2, 2, mod),
    OPS_SCHEMA("Mod", 13, 2, 2, mod),
    OPS_SCHEMA("Sqrt", 6, 1, 1, sqrt),
    OPS_SCHEMA("Sqrt", 13, 1, 1, sqrt),
    OPS_SCHEMA("Reciprocal", 6, 1, 1, reciprocal),
    OPS_SCHEMA("Reciprocal", 13, 1, 1, reciprocal),
    OPS_SCHEMA("Neg", 6, 1, 1, neg),
    OPS_SCHEMA("Neg", 13, 1, 1, neg),
    OPS_SCHEMA("Abs", 6, 1, 1, abs),
    OPS_SCHEMA("Abs", 13, 1, 1, abs),
    OPS_SCHEMA("Exp", 6, 1, 1, exp),
    OPS_SCHEMA("Exp", 13, 1, 1, exp),
    OPS_SCHEMA("Log", 6, 1, 1, log),
    OPS_SCHEMA("Log", 13, 1, 1, log),
    OPS_SCHEMA("Erf", 9, 1, 1, erf),
    OPS_SCHEMA("Erf", 13, 1, 1, erf),
    OPS_SCHEMA("Tanh", 6, 1, 1, tanh),
    OPS_SCHEMA("Tanh", 13, 1, 1, tanh),
    OPS_SCHEMA("Sigmoid", 6, 1, 1, sigmoid),
    OPS_SCHEMA("Sigmoid", 13, 1, 1, sigmoid),
    OPS_SCHEMA("Sin", 7, 1, 1, sin),
    OPS_SCHEMA("Sin", 22, 1, 1, sin),
    OPS_SCHEMA("Cos", 7, 1, 1, cos),
    OPS_SCHEMA("Cos", 22, 1, 1, cos),
    OPS_SCHEMA("Tan", 7, 1, 1, tan),
    OPS_SCHEMA("Tan", 22, 1, 1, tan),
    OPS_SCHEMA("Asin", 7, 1, 1, asin),
    OPS_SCHEMA("Asin", 22, 1, 1, asin),
    OPS_SCHEMA("Acos", 7, 1, 1, acos),
    OPS_SCHEMA("Acos", 22, 1, 1, acos),
    OPS_SCHEMA("Atan", 7, 1, 1, atan),
    OPS_SCHEMA("Atan", 22, 1, 1, atan),
    OPS_SCHEMA("Sinh", 9, 1, 1, sinh),
    OPS_SCHEMA("Sinh", 22, 1, 1, sinh),
    OPS_SCHEMA("Cosh", 9, 1, 1, cosh),
    OPS_SCHEMA("Cosh", 22, 1, 1, cosh),
    OPS_SCHEMA("Asinh", 9, 1, 1, asinh),
    OPS_SCHEMA("Asinh", 22, 1, 1, asinh),
    OPS_SCHEMA("Acosh", 9, 1, 1, acosh),
    OPS_SCHEMA("Acosh", 22, 1, 1, acosh),
    OPS_SCHEMA("Atanh", 9, 1, 1, atanh),
    OPS_SCHEMA("Atanh", 22, 1, 1, atanh),
    OPS_SCHEMA("Floor", 6, 1, 1, floor),
    OPS_SCHEMA("Floor", 13, 1, 1, floor),
    OPS_SCHEMA("Ceil", 6, 1, 1, ceil),
    OPS_SCHEMA("Ceil", 13, 1, 1, ceil),
    OPS_SCHEMA("Round", 11, 1, 1, round),
    OPS_SCHEMA("Round", 22, 1, 1, round),
    OPS_SCHEMA("Sign", 9, 1, 1, sign),
    OPS_SCHEMA("Sign", 13, 1, 1, sign),
    OPS_SCHEMA("IsNaN", 9, 1, 1, isnan),
    OPS_SCHEMA("IsNaN", 13, 1, 1, isnan),
    OPS_SCHEMA("IsNaN", 20, 1, 1, isnan),
    OPS_SCHEMA("IsInf", 10, 1, 1, isinf),
    OPS_SCHEMA("IsInf", 20, 1, 1, isinf),
    OPS_SCHEMA("Equal", 7, 2, 2, equal),
    OPS_SCHEMA("Equal", 11, 2, 2, equal),
    OPS_SCHEMA("Equal", 13, 2, 2, equal),
    OPS_SCHEMA("Equal", 19, 2, 2, equal),
    OPS_SCHEMA("Less", 7, 2, 2, less),
    OPS_SCHEMA("Less", 9, 2, 2, less),
    OPS_SCHEMA("Less", 13, 2, 2, less),
    OPS_SCHEMA("LessOrEqual", 12, 2, 2, less_equal),
    OPS_SCHEMA("LessOrEqual", 16, 2, 2, less_equal),
    OPS_SCHEMA("Greater", 7, 2, 2, greater),
    OPS_SCHEMA("Greater", 9, 2, 2, greater),
    OPS_SCHEMA("Greater", 13, 2, 2, greater),
    OPS_SCHEMA("GreaterOrEqual", 12, 2, 2, greater_equal),
    OPS_SCHEMA("GreaterOrEqual", 16, 2, 2, greater_equal),
    OPS_SCHEMA("Not", 1, 1, 1, lnot),
    OPS_SCHEMA("And", 7, 2, 2, land),
    OPS_SCHEMA("Or", 7, 2, 2, lor),
    OPS_SCHEMA("Xor", 7, 2, 2, lxor),
    OPS_SCHEMA("Where", 9, 3, 3, where),
    OPS_SCHEMA("Where", 16, 3, 3, where),
    OPS_SCHEMA("BitShift", 11, 2, 2, bitshift),
    OPS_SCHEMA("BitwiseAnd", 18, 2, 2, bitwise_and),
    OPS_SCHEMA("BitwiseOr", 18, 2, 2, bitwise_or),
    OPS_SCHEMA("BitwiseXor", 18, 2, 2, bitwise_xor),
    OPS_SCHEMA("BitwiseNot", 18, 1, 1, bitwise_not),
    OPS_SCHEMA("Min", 6, 1, OP_VARIADIC, min),
    OPS_SCHEMA("Min", 8, 1, OP_VARIADIC, min),
    OPS_SCHEMA("Min", 12, 1, OP_VARIADIC, min),
    OPS_SCHEMA("Min", 13, 1, OP_VARIADIC, min),
    OPS_SCHEMA("Max", 6, 1, OP_VARIADIC, max),
    OPS_SCHEMA("Max", 8, 1, OP_VARIADIC, max),
    OPS_SCHEMA("Max", 12, 1, OP_VARIADIC, max),
    OPS_SCHEMA("Max", 13, 1, OP_VARIADIC, max),
    OPS_SCHEMA("Mean", 6, 1, OP_VARIADIC, mean),
    OPS_SCHEMA("Mean", 8, 1, OP_VARIADIC, mean),
    OPS_SCHEMA("Mean", 13, 1, OP_VARIADIC, mean),
    OPS_SCHEMA("Sum", 6, 1, OP_VARIADIC, sum),
    OPS_SCHEMA("Sum", 8, 1, OP_VARIADIC, sum),
    OPS_SCHEMA("Sum", 13, 1, OP_VARIADIC, sum),
    OPS_SCHEMA("Clip", 6, 1, 1, clip),
    OPS_SCHEMA("Clip", 11, 1, 3, clip),
    OPS_SCHEMA("Clip", 12, 1, 3, clip),
    OPS_SCHEMA("Clip", 13, 1, 3, clip),
};
OPS_FAMILY_COUNT(elementwise);

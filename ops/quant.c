/* Linear quantization: QuantizeLinear and DequantizeLinear (per-tensor, per-axis and blocked
 * scales) and DynamicQuantizeLinear. The quantized types are uint8/int8 and, from opset 21,
 * uint16/int16; float8, 4-bit and float4 types are rejected as unsupported. MatMulInteger and
 * QLinearMatMul live in matmul.c, ConvInteger and QLinearConv in conv.c. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "common.h"
#include "ops.h"

/* ONNX TensorProto element types beyond bfloat16 that dnnx has no dtype for. */
enum { ONNX_FLOAT8E4M3FN = 17, ONNX_FLOAT4E2M1 = 23 };

/* How the elements of x map to their scale and zero point: x is viewed as [outer, axis_len,
 * inner], and element (o, a, j) uses parameter o * param_outer + (a / block) * param_axis +
 * j * param_inner. Per-tensor, per-axis and blocked quantization differ only in these numbers. */
typedef struct quant_layout {
    size_t outer, axis_len, inner, block;
    size_t param_outer, param_axis, param_inner;
} quant_layout;

/* The name of an ONNX element type number, including the ones dnnx cannot represent. */
static const char *onnx_type_name(int64_t type)
{
    static const char *const narrow[] = {"float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz",
                                         "uint4",        "int4",           "float4e2m1"};
    if (type >= ONNX_FLOAT8E4M3FN && type <= ONNX_FLOAT4E2M1)
        return narrow[type - ONNX_FLOAT8E4M3FN];
    if (type > 0 && type < ONNX_FLOAT8E4M3FN && tensor_dtype_is_valid((int)type))
        return dnnx_dtype_name((dnnx_dtype)type);
    return "an unknown type";
}

static bool is_narrow_type(int64_t type) { return type >= ONNX_FLOAT8E4M3FN && type <= ONNX_FLOAT4E2M1; }

/* The integer types a version of QuantizeLinear/DequantizeLinear quantizes to. */
static bool is_quantized_type(int64_t type, int version)
{
    if (type == DNNX_DTYPE_UINT8 || type == DNNX_DTYPE_INT8)
        return true;
    return version >= 21 && (type == DNNX_DTYPE_UINT16 || type == DNNX_DTYPE_INT16);
}

static bool is_real_type(dnnx_dtype type)
{
    return type == DNNX_DTYPE_FLOAT || type == DNNX_DTYPE_FLOAT16 || type == DNNX_DTYPE_BFLOAT16;
}

static void quant_range(dnnx_dtype type, int64_t *lo, int64_t *hi)
{
    switch (type) {
    case DNNX_DTYPE_INT8: *lo = INT8_MIN, *hi = INT8_MAX; break;
    case DNNX_DTYPE_UINT16: *lo = 0, *hi = UINT16_MAX; break;
    case DNNX_DTYPE_INT16: *lo = INT16_MIN, *hi = INT16_MAX; break;
    default: *lo = 0, *hi = UINT8_MAX; break;
    }
}

/* "[2,3,4]" of a tensor's shape in buf (64 bytes), for messages. */
static const char *shape_text(const dnnx_tensor *tensor, char *buf)
{
    tensor_format_shape(tensor, buf, 64);
    return buf;
}

/* Checks the shapes of scale and zero point against x (all concrete) and derives the layout.
 * The scale's shape selects the granularity: one element is per-tensor, a 1-D scale is per-axis
 * (opset >= 13), and with block_size > 0 (opset >= 21) the scale has x's rank with the blocked
 * axis shrunk to ceil(dim / block_size). */
static dnnx_status quant_layout_make(op_ctx *ctx, const dnnx_tensor *x, const dnnx_tensor *scale,
                                     const dnnx_tensor *zero_point, quant_layout *l)
{
    int version = op_version(ctx);
    int64_t axis_attr = version >= 13 ? op_attr_int(ctx, "axis", 1) : 1;
    int64_t block = version >= 21 ? op_attr_int(ctx, "block_size", 0) : 0;
    if (ctx->status)
        return ctx->status;
    char scale_shape[64], x_shape[64];
    if (block < 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "block_size must be >= 0, not %lld", (long long)block);
    size_t scale_count = tensor_count(scale);
    if (zero_point && !tensor_same_shape(zero_point, scale) && !(scale_count == 1 && tensor_count(zero_point) == 1)) {
        char zp_shape[64];
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "zero point of shape %s does not match scale of shape %s",
                       shape_text(zero_point, zp_shape), shape_text(scale, scale_shape));
    }
    memset(l, 0, sizeof *l);
    l->block = 1;
    if (block == 0 && scale->rank <= 1 && scale_count == 1) {
        l->outer = 1;
        l->axis_len = 1;
        l->inner = tensor_count(x);
        return DNNX_OK;
    }
    if (block == 0 && (scale->rank != 1 || version < 13))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "scale of shape %s must be a scalar%s",
                       shape_text(scale, scale_shape),
                       version < 13 ? " (per-axis scales need opset 13)" : " or 1-D (per-axis)");
    int axis;
    dnnx_status status = op_normalize_axis(ctx, axis_attr, x->rank, &axis);
    if (status)
        return status;
    l->outer = ops_dims_product(x->dims, 0, axis);
    l->axis_len = (size_t)x->dims[axis];
    l->inner = ops_dims_product(x->dims, axis + 1, x->rank);
    if (block == 0) {
        if (scale->dims[0] != x->dims[axis])
            return op_fail(ctx, ops_shape_status(ctx), "per-axis scale of shape %s does not match axis %d of x %s",
                           shape_text(scale, scale_shape), axis, shape_text(x, x_shape));
        l->param_axis = 1;
        return DNNX_OK;
    }
    if (scale->rank != x->rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "blocked scale of shape %s must have the rank of x %s",
                       shape_text(scale, scale_shape), shape_text(x, x_shape));
    for (int d = 0; d < x->rank; d++) {
        int64_t expected = d == axis ? x->dims[d] / block + (x->dims[d] % block != 0) : x->dims[d];
        if (scale->dims[d] != expected)
            return op_fail(ctx, ops_shape_status(ctx),
                           "blocked scale of shape %s does not fit x %s with block_size %lld on axis %d",
                           shape_text(scale, scale_shape), shape_text(x, x_shape), (long long)block, axis);
    }
    l->block = (size_t)block;
    l->param_outer = (size_t)scale->dims[axis] * l->inner;
    l->param_axis = l->inner;
    l->param_inner = 1;
    return DNNX_OK;
}

/* QuantizeLinear's output type: y_zero_point's type, else output_dtype (opset >= 21), else uint8. */
static dnnx_status quantize_output_dtype(op_ctx *ctx, const dnnx_tensor *zero_point, dnnx_dtype *out)
{
    int version = op_version(ctx);
    int64_t attr = version >= 21 ? op_attr_int(ctx, "output_dtype", 0) : 0;
    if (ctx->status)
        return ctx->status;
    if (attr != 0 && is_narrow_type(attr))
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "quantization to %s is not supported (only 8- and 16-bit integers)",
                       onnx_type_name(attr));
    if (attr != 0 && !is_quantized_type(attr, version))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_dtype %lld (%s) is not a quantized type", (long long)attr,
                       onnx_type_name(attr));
    if (zero_point && attr != 0 && attr != (int64_t)zero_point->dtype)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_dtype %s does not match y_zero_point type %s",
                       onnx_type_name(attr), dnnx_dtype_name(zero_point->dtype));
    dnnx_dtype type = zero_point ? zero_point->dtype : attr != 0 ? (dnnx_dtype)attr : DNNX_DTYPE_UINT8;
    if (!is_quantized_type(type, version))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "y_zero_point type %s is not %s", dnnx_dtype_name(type),
                       version >= 21 ? "uint8, int8, uint16 or int16" : "uint8 or int8");
    *out = type;
    return DNNX_OK;
}

/* The type in which x / y_scale is rounded: the precision attribute (opset 23), else y_scale's type. */
static dnnx_status quantize_division_dtype(op_ctx *ctx, const dnnx_tensor *scale, dnnx_dtype *out)
{
    int64_t precision = op_version(ctx) >= 23 ? op_attr_int(ctx, "precision", 0) : 0;
    if (ctx->status)
        return ctx->status;
    if (precision == 0) {
        *out = scale->dtype;
        return DNNX_OK;
    }
    if (precision < 0 || precision >= ONNX_FLOAT8E4M3FN || !is_real_type((dnnx_dtype)precision))
        return op_fail(ctx, is_narrow_type(precision) ? DNNX_ERR_UNSUPPORTED : DNNX_ERR_INVALID_MODEL,
                       "precision %s is not supported (float, float16 or bfloat16)", onnx_type_name(precision));
    *out = (dnnx_dtype)precision;
    return DNNX_OK;
}

/* Inputs: x, y_scale, y_zero_point (optional); the types allowed follow each version's schema. */
static dnnx_status quantize_linear_infer(op_ctx *ctx)
{
    int version = op_version(ctx);
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *zero_point = op_input(ctx, 2);
    static const dnnx_dtype x_old[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_INT32, DNNX_DTYPE_UNDEFINED};
    static const dnnx_dtype x_new[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT32,
                                       DNNX_DTYPE_UNDEFINED};
    static const dnnx_dtype scale_old[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_UNDEFINED};
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, version >= 19 ? x_new : x_old)) ||
        (status = op_check_dtype(ctx, 1, version >= 19 ? x_new : scale_old)))
        return status;
    if (version >= 19 && version < 23 && (status = op_check_same_dtype(ctx, 0, 1)))
        return status;
    dnnx_dtype out_type = DNNX_DTYPE_UNDEFINED, division_type = DNNX_DTYPE_UNDEFINED;
    if ((status = quantize_output_dtype(ctx, zero_point, &out_type)) ||
        (status = quantize_division_dtype(ctx, scale, &division_type)))
        return status;
    if (ctx->concrete) {
        quant_layout l;
        if ((status = quant_layout_make(ctx, x, scale, zero_point, &l)))
            return status;
    }
    op_set_output(ctx, 0, out_type, x->rank, x->dims);
    return DNNX_OK;
}

/* Rounds a quotient to the precision the division is specified in (float keeps it finite-safe). */
static double round_to_precision(double value, dnnx_dtype type)
{
    if (type != DNNX_DTYPE_FLOAT && type != DNNX_DTYPE_FLOAT16 && type != DNNX_DTYPE_BFLOAT16)
        return value;
    if (!(fabs(value) <= FLT_MAX))
        return isnan(value) ? value : copysign(INFINITY, value);
    float f = (float)value;
    if (type == DNNX_DTYPE_FLOAT16)
        return tensor_half_to_float(tensor_float_to_half(f));
    if (type == DNNX_DTYPE_BFLOAT16)
        return tensor_bf16_to_float(tensor_float_to_bf16(f));
    return f;
}

/* saturate(round_half_even(quotient) + zero_point); a NaN quotient counts as 0. */
static int64_t round_saturate(double quotient, int64_t zero_point, int64_t lo, int64_t hi)
{
    double v = (isnan(quotient) ? 0.0 : nearbyint(quotient)) + (double)zero_point;
    return v <= (double)lo ? lo : v >= (double)hi ? hi : (int64_t)v;
}

static void store_quantized(void *data, dnnx_dtype type, size_t i, int64_t v)
{
    switch (type) {
    case DNNX_DTYPE_INT8: ((int8_t *)data)[i] = (int8_t)v; break;
    case DNNX_DTYPE_UINT16: ((uint16_t *)data)[i] = (uint16_t)v; break;
    case DNNX_DTYPE_INT16: ((int16_t *)data)[i] = (int16_t)v; break;
    default: ((uint8_t *)data)[i] = (uint8_t)v; break;
    }
}

/* One run of n elements of x from start that share one scale and zero point. A float32 x with
 * float32 precision divides in float: the same correctly rounded quotient as the general path. */
static void quantize_span(const dnnx_tensor *x, dnnx_tensor *y, size_t start, size_t n, double scale,
                          int64_t zero_point, dnnx_dtype division_type, int64_t lo, int64_t hi)
{
    if (x->dtype == DNNX_DTYPE_FLOAT && division_type == DNNX_DTYPE_FLOAT) {
        const float *in = (const float *)x->data + start;
        float s = (float)scale;
        for (size_t k = 0; k < n; k++)
            store_quantized(y->data, y->dtype, start + k, round_saturate(in[k] / s, zero_point, lo, hi));
        return;
    }
    for (size_t k = 0; k < n; k++) {
        double quotient = round_to_precision(tensor_get_f64(x, start + k) / scale, division_type);
        store_quantized(y->data, y->dtype, start + k, round_saturate(quotient, zero_point, lo, hi));
    }
}

static dnnx_status quantize_linear_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *zero_point = op_input(ctx, 2);
    dnnx_tensor *y = op_output(ctx, 0);
    quant_layout l;
    dnnx_dtype division_type = DNNX_DTYPE_UNDEFINED;
    dnnx_status status;
    if ((status = quant_layout_make(ctx, x, scale, zero_point, &l)) ||
        (status = quantize_division_dtype(ctx, scale, &division_type)))
        return status;
    int64_t lo, hi;
    quant_range(y->dtype, &lo, &hi);
    for (size_t o = 0; o < l.outer; o++)
        for (size_t a = 0; a < l.axis_len; a++) {
            size_t row = (o * l.axis_len + a) * l.inner;
            size_t param = o * l.param_outer + (a / l.block) * l.param_axis;
            size_t span = l.param_inner ? 1 : l.inner;
            for (size_t j = 0; j < l.inner; j += span, param += l.param_inner) {
                double s = round_to_precision(tensor_get_f64(scale, param), division_type);
                int64_t z = zero_point ? tensor_get_i64(zero_point, param) : 0;
                quantize_span(x, y, row + j, span, s, z, division_type, lo, hi);
            }
        }
    return DNNX_OK;
}

/* The output type of DequantizeLinear: output_dtype (opset 23), else x_scale's type. */
static dnnx_status dequantize_output_dtype(op_ctx *ctx, const dnnx_tensor *scale, dnnx_dtype *out)
{
    int64_t attr = op_version(ctx) >= 23 ? op_attr_int(ctx, "output_dtype", 0) : 0;
    if (ctx->status)
        return ctx->status;
    if (attr != 0 && (attr < 0 || attr >= ONNX_FLOAT8E4M3FN || !is_real_type((dnnx_dtype)attr)))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_dtype %s is not float, float16 or bfloat16",
                       onnx_type_name(attr));
    *out = attr != 0 ? (dnnx_dtype)attr : scale->dtype;
    return DNNX_OK;
}

/* Inputs: x, x_scale, x_zero_point (optional). An int32 x has no zero point (or an all-zero one). */
static dnnx_status dequantize_linear_infer(op_ctx *ctx)
{
    int version = op_version(ctx);
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *zero_point = op_input(ctx, 2);
    if (!is_quantized_type(x->dtype, version) && x->dtype != DNNX_DTYPE_INT32)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "x type %s is not %s", dnnx_dtype_name(x->dtype),
                       version >= 21 ? "uint8, int8, uint16, int16 or int32" : "uint8, int8 or int32");
    static const dnnx_dtype scale_old[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_UNDEFINED};
    static const dnnx_dtype scale_new[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                           DNNX_DTYPE_UNDEFINED};
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 1, version >= 19 ? scale_new : scale_old)))
        return status;
    if (zero_point && (status = op_check_same_dtype(ctx, 0, 2)))
        return status;
    dnnx_dtype out_type = DNNX_DTYPE_UNDEFINED;
    if ((status = dequantize_output_dtype(ctx, scale, &out_type)))
        return status;
    if (ctx->concrete) {
        quant_layout l;
        if ((status = quant_layout_make(ctx, x, scale, zero_point, &l)))
            return status;
        for (size_t i = 0; x->dtype == DNNX_DTYPE_INT32 && zero_point && i < tensor_count(zero_point); i++)
            if (tensor_get_i64(zero_point, i) != 0)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "an int32 x must have a zero point of 0, not %lld",
                               (long long)tensor_get_i64(zero_point, i));
    }
    op_set_output(ctx, 0, out_type, x->rank, x->dims);
    return DNNX_OK;
}

/* One run of n elements sharing a scale and zero point: y = float(x - zero_point) * scale, rounded
 * once to y's type. */
static void dequantize_span(const dnnx_tensor *x, dnnx_tensor *y, size_t start, size_t n, float scale,
                            int64_t zero_point)
{
    if (y->dtype == DNNX_DTYPE_FLOAT && (x->dtype == DNNX_DTYPE_UINT8 || x->dtype == DNNX_DTYPE_INT8)) {
        float *out = (float *)y->data + start;
        int32_t z = (int32_t)zero_point;
        if (x->dtype == DNNX_DTYPE_UINT8)
            for (size_t k = 0; k < n; k++)
                out[k] = (float)(((const uint8_t *)x->data)[start + k] - z) * scale;
        else
            for (size_t k = 0; k < n; k++)
                out[k] = (float)(((const int8_t *)x->data)[start + k] - z) * scale;
        return;
    }
    for (size_t k = 0; k < n; k++)
        tensor_set_f64(y, start + k, (float)(tensor_get_i64(x, start + k) - zero_point) * scale);
}

static dnnx_status dequantize_linear_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *scale = op_input(ctx, 1), *zero_point = op_input(ctx, 2);
    dnnx_tensor *y = op_output(ctx, 0);
    quant_layout l;
    dnnx_status status = quant_layout_make(ctx, x, scale, zero_point, &l);
    if (status)
        return status;
    for (size_t o = 0; o < l.outer; o++)
        for (size_t a = 0; a < l.axis_len; a++) {
            size_t row = (o * l.axis_len + a) * l.inner;
            size_t param = o * l.param_outer + (a / l.block) * l.param_axis;
            size_t span = l.param_inner ? 1 : l.inner;
            for (size_t j = 0; j < l.inner; j += span, param += l.param_inner) {
                float s = (float)tensor_get_f64(scale, param);
                int64_t z = zero_point ? tensor_get_i64(zero_point, param) : 0;
                dequantize_span(x, y, row + j, span, s, z);
            }
        }
    return DNNX_OK;
}

/* Outputs: y (uint8, x's shape), y_scale (float scalar), y_zero_point (uint8 scalar). */
static dnnx_status dynamic_quantize_linear_infer(op_ctx *ctx)
{
    static const dnnx_dtype x_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_UNDEFINED};
    dnnx_status status = op_check_dtype(ctx, 0, x_types);
    if (status)
        return status;
    const dnnx_tensor *x = op_input(ctx, 0);
    op_set_output(ctx, 0, DNNX_DTYPE_UINT8, x->rank, x->dims);
    op_set_output(ctx, 1, DNNX_DTYPE_FLOAT, 0, NULL);
    op_set_output(ctx, 2, DNNX_DTYPE_UINT8, 0, NULL);
    return DNNX_OK;
}

/* The range [min(x), max(x)] widened to contain 0 maps onto [0, 255]; an all-zero x (an empty
 * range) gets scale 1, as in ONNX's reference and ONNX Runtime. NaNs do not move the range. */
static dnnx_status dynamic_quantize_linear_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0), *y_scale = op_output(ctx, 1), *y_zero_point = op_output(ctx, 2);
    const float *in = x->data;
    size_t n = tensor_count(x);
    float lo = 0.0f, hi = 0.0f;
    for (size_t k = 0; k < n; k++) {
        lo = fminf(lo, in[k]);
        hi = fmaxf(hi, in[k]);
    }
    float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
    float zero_point = nearbyintf(fminf(255.0f, fmaxf(0.0f, 0.0f - lo / scale)));
    if (y_scale)
        *(float *)y_scale->data = scale;
    if (y_zero_point)
        *(uint8_t *)y_zero_point->data = (uint8_t)zero_point;
    if (!y)
        return DNNX_OK;
    uint8_t *out = y->data;
    for (size_t k = 0; k < n; k++) {
        float v = isnan(in[k]) ? zero_point : nearbyintf(in[k] / scale) + zero_point;
        out[k] = v >= 255.0f ? 255 : v > 0.0f ? (uint8_t)v : 0;
    }
    return DNNX_OK;
}

const op_schema ops_quant_schemas[] = {
    {"", "QuantizeLinear", 10, 2, 3, 1, 1, quantize_linear_infer, quantize_linear_run},
    {"", "QuantizeLinear", 13, 2, 3, 1, 1, quantize_linear_infer, quantize_linear_run},
    {"", "QuantizeLinear", 19, 2, 3, 1, 1, quantize_linear_infer, quantize_linear_run},
    {"", "QuantizeLinear", 21, 2, 3, 1, 1, quantize_linear_infer, quantize_linear_run},
    {"", "QuantizeLinear", 23, 2, 3, 1, 1, quantize_linear_infer, quantize_linear_run},
    {"", "DequantizeLinear", 10, 2, 3, 1, 1, dequantize_linear_infer, dequantize_linear_run},
    {"", "DequantizeLinear", 13, 2, 3, 1, 1, dequantize_linear_infer, dequantize_linear_run},
    {"", "DequantizeLinear", 19, 2, 3, 1, 1, dequantize_linear_infer, dequantize_linear_run},
    {"", "DequantizeLinear", 21, 2, 3, 1, 1, dequantize_linear_infer, dequantize_linear_run},
    {"", "DequantizeLinear", 23, 2, 3, 1, 1, dequantize_linear_infer, dequantize_linear_run},
    {"", "DynamicQuantizeLinear", 11, 1, 1, 1, 3, dynamic_quantize_linear_infer, dynamic_quantize_linear_run},
};
OPS_FAMILY_COUNT(quant);

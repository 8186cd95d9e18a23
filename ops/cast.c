/* Cast and CastLike between the numeric dtypes, bool, float16, bfloat16 and double.
 *
 * Values go through double (float sources) or int64 (integer and bool sources), a chunk at a
 * time, so every pair of dtypes is one read and one write. Float to integer truncates toward
 * zero and wraps into the target's width like a C cast on x86 (numpy's astype), without the
 * undefined behaviour: NaN gives 0 and values beyond int64 saturate. To bool is x != 0. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common.h"
#include "ops.h"

#define CHUNK 256

/* ONNX dtypes dnnx does not store: complex (14, 15), float8 (17-20), 4-bit (21-23). */
static const char *unsupported_dtype_name(int dtype)
{
    switch (dtype) {
    case DNNX_DTYPE_STRING: return "string";
    case 14: return "complex64";
    case 15: return "complex128";
    case 17: return "float8e4m3fn";
    case 18: return "float8e4m3fnuz";
    case 19: return "float8e5m2";
    case 20: return "float8e5m2fnuz";
    case 21: return "uint4";
    case 22: return "int4";
    case 23: return "float4e2m1";
    default: return NULL;
    }
}

/* what is "input" or "target" for the message. */
static dnnx_status check_cast_dtype(op_ctx *ctx, int64_t dtype, const char *what)
{
    const char *name = dtype >= 0 && dtype <= 64 ? unsupported_dtype_name((int)dtype) : NULL;
    if (name)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "casts with %s dtype %s are not supported", what, name);
    if (dtype < 0 || dtype > 64 || !tensor_dtype_is_valid((int)dtype))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s dtype %lld is not an ONNX tensor type", what, (long long)dtype);
    return DNNX_OK;
}

/* The target dtype: Cast's 'to' attribute or CastLike's second input. */
static dnnx_status cast_target(op_ctx *ctx, dnnx_dtype *target)
{
    int64_t to;
    if (!strcmp(ctx->node->op_type, "CastLike")) {
        to = op_input(ctx, 1)->dtype;
    } else {
        if (!op_has_attr(ctx, "to"))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'to' is missing");
        to = op_attr_int(ctx, "to", 0);
    }
    /* 'saturate' (Cast-19+) only affects float8 targets, which are rejected below. */
    op_attr_int(ctx, "saturate", 1);
    if (ctx->status)
        return ctx->status;
    dnnx_status status = check_cast_dtype(ctx, to, "target");
    if (status)
        return status;
    *target = (dnnx_dtype)to;
    return DNNX_OK;
}

static dnnx_status cast_infer(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_dtype target = DNNX_DTYPE_UNDEFINED;
    dnnx_status status = check_cast_dtype(ctx, x->dtype, "input");
    if (status || (status = cast_target(ctx, &target)))
        return status;
    op_set_output(ctx, 0, target, x->rank, x->dims);
    return DNNX_OK;
}

#define READ_INT(T)                                                                                                    \
    for (size_t i = 0; i < n; i++)                                                                                     \
        v[i] = (int64_t)((const T *)d)[start + i];                                                                     \
    break;

/* uint64 values above INT64_MAX come out negative; the caller knows the source was uint64. */
static void read_i64(const dnnx_tensor *t, size_t start, size_t n, int64_t *v)
{
    const void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_INT8: READ_INT(int8_t)
    case DNNX_DTYPE_INT16: READ_INT(int16_t)
    case DNNX_DTYPE_INT32: READ_INT(int32_t)
    case DNNX_DTYPE_INT64: READ_INT(int64_t)
    case DNNX_DTYPE_UINT8: READ_INT(uint8_t)
    case DNNX_DTYPE_UINT16: READ_INT(uint16_t)
    case DNNX_DTYPE_UINT32: READ_INT(uint32_t)
    case DNNX_DTYPE_UINT64: READ_INT(uint64_t)
    case DNNX_DTYPE_BOOL:
        for (size_t i = 0; i < n; i++)
            v[i] = ((const uint8_t *)d)[start + i] != 0;
        break;
    default: break;
    }
}

/* Truncates toward zero as an int64 bit pattern to wrap into narrower types; values at or
 * above 2^63 keep their uint64 pattern, NaN gives 0. */
static int64_t float_to_int_bits(double v)
{
    if (isnan(v))
        return 0;
    if (v >= 9223372036854775808.0)
        return v >= 18446744073709551616.0 ? -1 : (int64_t)(uint64_t)v;
    if (v < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}

#define WRITE_F64(T, EXPR)                                                                                             \
    for (size_t i = 0; i < n; i++)                                                                                     \
        ((T *)d)[start + i] = EXPR;                                                                                    \
    break;

static void write_from_f64(dnnx_tensor *t, size_t start, size_t n, const double *v)
{
    void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: WRITE_F64(float, (float)v[i])
    case DNNX_DTYPE_DOUBLE: WRITE_F64(double, v[i])
    case DNNX_DTYPE_FLOAT16: WRITE_F64(uint16_t, tensor_float_to_half((float)v[i]))
    case DNNX_DTYPE_BFLOAT16: WRITE_F64(uint16_t, tensor_float_to_bf16((float)v[i]))
    case DNNX_DTYPE_BOOL: WRITE_F64(uint8_t, v[i] != 0)
    case DNNX_DTYPE_INT8: WRITE_F64(int8_t, (int8_t)float_to_int_bits(v[i]))
    case DNNX_DTYPE_INT16: WRITE_F64(int16_t, (int16_t)float_to_int_bits(v[i]))
    case DNNX_DTYPE_INT32: WRITE_F64(int32_t, (int32_t)float_to_int_bits(v[i]))
    case DNNX_DTYPE_INT64: WRITE_F64(int64_t, float_to_int_bits(v[i]))
    case DNNX_DTYPE_UINT8: WRITE_F64(uint8_t, (uint8_t)float_to_int_bits(v[i]))
    case DNNX_DTYPE_UINT16: WRITE_F64(uint16_t, (uint16_t)float_to_int_bits(v[i]))
    case DNNX_DTYPE_UINT32: WRITE_F64(uint32_t, (uint32_t)float_to_int_bits(v[i]))
    case DNNX_DTYPE_UINT64: WRITE_F64(uint64_t, (uint64_t)float_to_int_bits(v[i]))
    default: break;
    }
}

/* An integer value as a float: unsigned64 says the int64 holds a uint64 bit pattern. */
#define INT_AS(T, value) (unsigned64 ? (T)(uint64_t)(value) : (T)(value))

static void write_from_i64(dnnx_tensor *t, size_t start, size_t n, const int64_t *v, bool unsigned64)
{
    void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: WRITE_F64(float, INT_AS(float, v[i]))
    case DNNX_DTYPE_DOUBLE: WRITE_F64(double, INT_AS(double, v[i]))
    case DNNX_DTYPE_FLOAT16: WRITE_F64(uint16_t, tensor_float_to_half(INT_AS(float, v[i])))
    case DNNX_DTYPE_BFLOAT16: WRITE_F64(uint16_t, tensor_float_to_bf16(INT_AS(float, v[i])))
    case DNNX_DTYPE_BOOL: WRITE_F64(uint8_t, v[i] != 0)
    case DNNX_DTYPE_INT8: WRITE_F64(int8_t, (int8_t)v[i])
    case DNNX_DTYPE_INT16: WRITE_F64(int16_t, (int16_t)v[i])
    case DNNX_DTYPE_INT32: WRITE_F64(int32_t, (int32_t)v[i])
    case DNNX_DTYPE_INT64: WRITE_F64(int64_t, v[i])
    case DNNX_DTYPE_UINT8: WRITE_F64(uint8_t, (uint8_t)v[i])
    case DNNX_DTYPE_UINT16: WRITE_F64(uint16_t, (uint16_t)v[i])
    case DNNX_DTYPE_UINT32: WRITE_F64(uint32_t, (uint32_t)v[i])
    case DNNX_DTYPE_UINT64: WRITE_F64(uint64_t, (uint64_t)v[i])
    default: break;
    }
}

static dnnx_status cast_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_tensor *y = op_output(ctx, 0);
    size_t count = tensor_count(x);
    if (x->dtype == y->dtype) {
        memcpy(y->data, x->data, tensor_bytes(x));
        return DNNX_OK;
    }
    bool from_float = ops_dtype_is_float(x->dtype), unsigned64 = x->dtype == DNNX_DTYPE_UINT64;
    for (size_t start = 0; start < count; start += CHUNK) {
        size_t n = count - start < CHUNK ? count - start : CHUNK;
        if (from_float) {
            double values[CHUNK];
            ops_load_f64(x, start, n, values);
            write_from_f64(y, start, n, values);
        } else {
            int64_t values[CHUNK];
            read_i64(x, start, n, values);
            write_from_i64(y, start, n, values, unsigned64);
        }
    }
    return DNNX_OK;
}

#define CAST(version)                                                                                                  \
    {                                                                                                                  \
        "", "Cast", version, 1, 1, 1, 1, cast_infer, cast_run                                                          \
    }
#define CAST_LIKE(version)                                                                                             \
    {                                                                                                                  \
        "", "CastLike", version, 2, 2, 1, 1, cast_infer, cast_run                                                      \
    }

const op_schema ops_cast_schemas[] = {
    CAST(6),  CAST(9),       CAST(13),      CAST(19),      CAST(21),
    CAST(23), CAST_LIKE(15), CAST_LIKE(19), CAST_LIKE(21), CAST_LIKE(23),
};
OPS_FAMILY_COUNT(cast);

/* Macros that generate one kernel per dtype from a single C expression, shared by the
 * elementwise ops and the activations. A type descriptor T_* lists: suffix, storage type,
 * compute type, wrap-around type (integers compute through it without signed overflow), load
 * and store; float16 and bfloat16 compute in float. *_TYPES(M, op, EXPR) instantiates
 * M(op, EXPR, descriptor) per type of a group; K_*(op) are the matching kernel-table
 * initialisers, indexed by dnnx_dtype. */
#ifndef DNNX_OPS_DTYPE_KERNELS_H
#define DNNX_OPS_DTYPE_KERNELS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "graph/tensor.h"

/* Kernel tables are indexed by dnnx_dtype, whose values are all below this. */
#define DTYPE_SLOTS 17

#define HAS_KERNEL(table, dtype) ((int)(dtype) > 0 && (int)(dtype) < DTYPE_SLOTS && (table)[dtype] != NULL)

/* Truncates toward zero, saturating; NaN gives 0 (a C cast would be undefined). */
static inline int64_t double_to_i64(double v)
{
    if (isnan(v))
        return 0;
    if (v >= 9223372036854775808.0)
        return INT64_MAX;
    if (v < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}

static inline uint64_t double_to_u64(double v)
{
    if (isnan(v) || v <= 0)
        return 0;
    if (v >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)v;
}

#define LD_ID(v) (v)
#define ST_ID(v) (v)
#define LD_F16(v) tensor_half_to_float(v)
#define ST_F16(v) tensor_float_to_half(v)
#define LD_BF16(v) tensor_bf16_to_float(v)
#define ST_BF16(v) tensor_float_to_bf16(v)
#define ST_I8(v) ((int8_t)double_to_i64(v))
#define ST_I16(v) ((int16_t)double_to_i64(v))
#define ST_I32(v) ((int32_t)double_to_i64(v))
#define ST_I64(v) (double_to_i64(v))
#define ST_U8(v) ((uint8_t)double_to_u64(v))
#define ST_U16(v) ((uint16_t)double_to_u64(v))
#define ST_U32(v) ((uint32_t)double_to_u64(v))
#define ST_U64(v) (double_to_u64(v))

#define T_F32 f32, float, float, float, LD_ID, ST_ID
#define T_F64 f64, double, double, double, LD_ID, ST_ID
#define T_F16 f16, uint16_t, float, float, LD_F16, ST_F16
#define T_BF16 bf16, uint16_t, float, float, LD_BF16, ST_BF16
#define T_I8 i8, int8_t, int8_t, uint32_t, LD_ID, ST_ID
#define T_I16 i16, int16_t, int16_t, uint32_t, LD_ID, ST_ID
#define T_I32 i32, int32_t, int32_t, uint32_t, LD_ID, ST_ID
#define T_I64 i64, int64_t, int64_t, uint64_t, LD_ID, ST_ID
#define T_U8 u8, uint8_t, uint8_t, uint32_t, LD_ID, ST_ID
#define T_U16 u16, uint16_t, uint16_t, uint32_t, LD_ID, ST_ID
#define T_U32 u32, uint32_t, uint32_t, uint32_t, LD_ID, ST_ID
#define T_U64 u64, uint64_t, uint64_t, uint64_t, LD_ID, ST_ID
#define T_BOOL b8, uint8_t, uint8_t, uint32_t, LD_ID, ST_ID
/* Integers computed through double (for float attributes), saturating back. */
#define T_I8_F64 i8, int8_t, double, double, LD_ID, ST_I8
#define T_I16_F64 i16, int16_t, double, double, LD_ID, ST_I16
#define T_I32_F64 i32, int32_t, double, double, LD_ID, ST_I32
#define T_I64_F64 i64, int64_t, double, double, LD_ID, ST_I64
#define T_U8_F64 u8, uint8_t, double, double, LD_ID, ST_U8
#define T_U16_F64 u16, uint16_t, double, double, LD_ID, ST_U16
#define T_U32_F64 u32, uint32_t, double, double, LD_ID, ST_U32
#define T_U64_F64 u64, uint64_t, double, double, LD_ID, ST_U64

#define FLOAT_TYPES(M, op, EXPR) M(op, EXPR, T_F32) M(op, EXPR, T_F64) M(op, EXPR, T_F16) M(op, EXPR, T_BF16)
#define SINT_TYPES(M, op, EXPR) M(op, EXPR, T_I8) M(op, EXPR, T_I16) M(op, EXPR, T_I32) M(op, EXPR, T_I64)
#define UINT_TYPES(M, op, EXPR) M(op, EXPR, T_U8) M(op, EXPR, T_U16) M(op, EXPR, T_U32) M(op, EXPR, T_U64)
#define BOOL_TYPES(M, op, EXPR) M(op, EXPR, T_BOOL)
#define SINT_VIA_F64_TYPES(M, op, EXPR)                                                                                \
    M(op, EXPR, T_I8_F64) M(op, EXPR, T_I16_F64) M(op, EXPR, T_I32_F64) M(op, EXPR, T_I64_F64)
#define UINT_VIA_F64_TYPES(M, op, EXPR)                                                                                \
    M(op, EXPR, T_U8_F64) M(op, EXPR, T_U16_F64) M(op, EXPR, T_U32_F64) M(op, EXPR, T_U64_F64)

#define K_FLOAT(op)                                                                                                    \
    [DNNX_DTYPE_FLOAT] = op##_f32, [DNNX_DTYPE_DOUBLE] = op##_f64, [DNNX_DTYPE_FLOAT16] = op##_f16,                    \
    [DNNX_DTYPE_BFLOAT16] = op##_bf16
#define K_SINT(op)                                                                                                     \
    [DNNX_DTYPE_INT8] = op##_i8, [DNNX_DTYPE_INT16] = op##_i16, [DNNX_DTYPE_INT32] = op##_i32,                         \
    [DNNX_DTYPE_INT64] = op##_i64
#define K_UINT(op)                                                                                                     \
    [DNNX_DTYPE_UINT8] = op##_u8, [DNNX_DTYPE_UINT16] = op##_u16, [DNNX_DTYPE_UINT32] = op##_u32,                      \
    [DNNX_DTYPE_UINT64] = op##_u64
#define K_BOOL(op) [DNNX_DTYPE_BOOL] = op##_b8

/* The float or double variant of a libm function, chosen by the type of x. */
#define GFN(name, x) _Generic((x), double : name, default : name##f)

/* out[k] = VALUE for k < n, after the statements DECL (which see k). Full blocks go through a
 * local buffer: the compiler may then vectorize without proving out distinct from the inputs
 * (it is not, when an op works in place or a fold accumulates into its output). */
#define BLOCK 64
#define BLOCKED_LOOP(TY, out, n, DECL, VALUE)                                                                          \
    do {                                                                                                               \
        size_t i_ = 0;                                                                                                 \
        for (; i_ + BLOCK <= (n); i_ += BLOCK) {                                                                       \
            TY block_[BLOCK];                                                                                          \
            for (size_t j_ = 0; j_ < BLOCK; j_++) {                                                                    \
                size_t k = i_ + j_;                                                                                    \
                DECL block_[j_] = VALUE;                                                                               \
            }                                                                                                          \
            memcpy((out) + i_, block_, sizeof block_);                                                                 \
        }                                                                                                              \
        for (; i_ < (n); i_++) {                                                                                       \
            size_t k = i_;                                                                                             \
            DECL(out)[k] = VALUE;                                                                                      \
        }                                                                                                              \
    } while (0)

#endif

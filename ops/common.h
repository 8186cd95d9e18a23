/* Helpers shared by the reference kernels of ops/: broadcasting iteration and dtype
 * dispatch. Reference kernels favour clarity over speed; they are the oracle. */
#ifndef DNNX_OPS_COMMON_H
#define DNNX_OPS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/op.h"
#include "graph/tensor.h"

/* Iterates the elements of an output shape while tracking, for up to BCAST_MAX_INPUTS
 * inputs broadcast to it, each input's element offset. Usage:
 *   bcast_iter it; bcast_iter_init(&it, out, inputs, n);
 *   for (size_t k = 0; k < it.count; k++, bcast_iter_next(&it)) use it.offset[j];    */
#define BCAST_MAX_INPUTS 8

typedef struct bcast_iter {
    int rank;
    int n_inputs;
    size_t count;
    int64_t dims[DNNX_MAX_RANK];
    int64_t index[DNNX_MAX_RANK];
    int64_t strides[BCAST_MAX_INPUTS][DNNX_MAX_RANK]; /* 0 on broadcast axes */
    size_t offset[BCAST_MAX_INPUTS];
} bcast_iter;

void bcast_iter_init(bcast_iter *it, const dnnx_tensor *out, const dnnx_tensor *const *inputs, int n_inputs);
void bcast_iter_next(bcast_iter *it);

/* Row-major strides (in elements) of a tensor's dims. */
void ops_strides(const dnnx_tensor *tensor, int64_t *strides);

bool ops_dtype_is_float(dnnx_dtype dtype);   /* float, double, float16, bfloat16 */
bool ops_dtype_is_signed_int(dnnx_dtype dtype);
bool ops_dtype_is_unsigned_int(dnnx_dtype dtype); /* includes bool */

/* Reads a 1-D (or scalar) integer input (int32/int64) with known data into values (at most
 * max entries); fails naming the input if it is not integer or too long. */
dnnx_status ops_read_int_list(op_ctx *ctx, int input, int64_t *values, size_t max, size_t *count);

/* Calls fn (an infer or run function) with input 1 viewed at input 0's rank, its dims placed
 * from axis on and 1 elsewhere: how opset 1-6 ops broadcast (Add with broadcast=1 and axis,
 * PRelu's per-channel slope), expressed so the numpy-broadcasting kernels serve unchanged. */
dnnx_status ops_call_with_input1_at_axis(op_ctx *ctx, int axis, op_infer_fn fn);

#endif

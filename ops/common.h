/* Helpers shared by the reference kernels of ops/: broadcasting iteration and dtype
 * dispatch. Reference kernels favour clarity over speed; they are the oracle. */
#ifndef DNNX_OPS_COMMON_H
#define DNNX_OPS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/op.h"
#include "graph/tensor.h"

/* A schema entry of the default domain with one output, run by fn##_infer and fn##_run. */
#define OPS_SCHEMA(name, version, min_in, max_in, fn)                                                                  \
    {                                                                                                                  \
        "", name, version, min_in, max_in, 1, 1, fn##_infer, fn##_run                                                  \
    }

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

/* The status of a shape mismatch: INVALID_ARGUMENT at run time (the caller's inputs are wrong),
 * INVALID_MODEL at load (the model is). */
dnnx_status ops_shape_status(const op_ctx *ctx);
/* op_fail with ops_shape_status(ctx). */
dnnx_status ops_shape_fail(op_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Dims a and b (what names them in the message) must be equal when both are known. */
dnnx_status ops_check_dims_equal(op_ctx *ctx, int64_t a, int64_t b, const char *what);

/* Product of dims[begin, end) of concrete dims whose product is known to fit (a tensor's). */
size_t ops_dims_product(const int64_t *dims, int begin, int end);
/* Sets output i to the given rank with every dim DIM_UNKNOWN. */
void ops_set_output_unknown_dims(op_ctx *ctx, int i, dnnx_dtype dtype, int rank);
/* Writes "[2,batch,?]": symbol names when the graph is known. */
void ops_format_shape(const op_ctx *ctx, const dnnx_tensor *t, char *buf, size_t size);

/* Element size of a tensor whose elements are moved as bytes; fails for string tensors. */
dnnx_status ops_element_size(op_ctx *ctx, const dnnx_tensor *t, size_t *size);
/* Copies the view (dims, element strides: negative walks backwards, 0 repeats) of src densely
 * into dst in row-major order; contiguous runs move with memcpy, transposed matrices in tiles. */
void ops_strided_copy(void *dst, const void *src, int rank, const int64_t *dims, const int64_t *strides, size_t size);

/* Fails unless input i's dtype has a kernel (supported): a string input is valid ONNX dnnx does
 * not run (UNSUPPORTED); any other dtype outside the op's constraint is an invalid model. */
dnnx_status ops_check_kernel_dtype(op_ctx *ctx, int i, bool supported);

/* malloc of count elements of size bytes (never of 0 bytes); on overflow or failure fails ctx
 * with OUT_OF_MEMORY and returns NULL. */
void *ops_alloc_scratch(op_ctx *ctx, size_t count, size_t size);

/* A float32 copy (malloc'd) of a float16 / bfloat16 tensor's elements; NULL when out of memory. */
float *ops_half_to_float_copy(const dnnx_tensor *t);
/* Stores tensor_count(t) float32 values into a float16 / bfloat16 tensor. */
void ops_float_to_half_store(dnnx_tensor *t, const float *values);
/* Elements [start, start + n) of a numeric tensor as double (the dtype switch outside the loop). */
void ops_load_f64(const dnnx_tensor *t, size_t start, size_t n, double *dst);

#endif

/* The tensor of the IR and of the public API. At load time a tensor may describe only a
 * type and shape (data == NULL) and its dims may be symbolic (see graph/shape.h). */
#ifndef DNNX_GRAPH_TENSOR_H
#define DNNX_GRAPH_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnnx.h"

struct dnnx_tensor {
    dnnx_dtype dtype;
    int rank;                     /* 0 = scalar */
    int64_t dims[DNNX_MAX_RANK];  /* >= 0 concrete; < 0 symbolic (graph/shape.h) */
    void *data;                   /* NULL when only the type and shape are known */
    bool owns_data;
    char *name;                   /* owned; NULL = unnamed */
};

/* Bytes per element as stored by dnnx (bool = 1 byte, float16/bfloat16 = uint16_t). */
size_t tensor_dtype_size(dnnx_dtype dtype);
bool tensor_dtype_is_valid(int dtype);

/* Product of dims into *count; fails on a symbolic or negative dim, or on overflow. */
dnnx_status tensor_element_count_checked(int rank, const int64_t *dims, size_t *count);
/* Element count times element size, overflow-checked. */
dnnx_status tensor_bytes_checked(dnnx_dtype dtype, int rank, const int64_t *dims, size_t *bytes);

/* Count and bytes of a tensor whose dims are known valid (e.g. after a successful alloc). */
size_t tensor_count(const dnnx_tensor *tensor);
size_t tensor_bytes(const dnnx_tensor *tensor);

/* Initialises a struct in place (no allocation): dtype, shape, no data. */
void tensor_init_shape(dnnx_tensor *tensor, dnnx_dtype dtype, int rank, const int64_t *dims);

/* Allocates a zeroed buffer for a tensor whose dtype and concrete dims are set. Frees any
 * buffer it owned before. */
dnnx_status tensor_alloc_data(dnnx_tensor *tensor);

/* Releases what the struct owns (buffer, name) and leaves it empty; the struct itself
 * is not freed (for tensors embedded in other structs). */
void tensor_clear(dnnx_tensor *tensor);

/* A new heap tensor, deep copy of src (data copied if present). */
dnnx_status tensor_clone(const dnnx_tensor *src, dnnx_tensor **out);

/* Same shape (rank and dims). */
bool tensor_same_shape(const dnnx_tensor *a, const dnnx_tensor *b);

/* Reads element i of a numeric tensor as double / int64 (for attributes, shape inputs). */
double tensor_get_f64(const dnnx_tensor *tensor, size_t index);
int64_t tensor_get_i64(const dnnx_tensor *tensor, size_t index);
/* Writes element i of a numeric tensor from double / int64 (converted to its dtype). */
void tensor_set_f64(dnnx_tensor *tensor, size_t index, double value);
void tensor_set_i64(dnnx_tensor *tensor, size_t index, int64_t value);

/* IEEE half and bfloat16 conversions (round to nearest even). */
float tensor_half_to_float(uint16_t h);
uint16_t tensor_float_to_half(float f);
float tensor_bf16_to_float(uint16_t b);
uint16_t tensor_float_to_bf16(float f);

/* Writes "[2,3,seq]"-style text of the shape into buf. */
void tensor_format_shape(const dnnx_tensor *tensor, char *buf, size_t size);

#endif

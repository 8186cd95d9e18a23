#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

size_t tensor_dtype_size(dnnx_dtype dtype)
{
    switch (dtype) {
    case DNNX_DTYPE_FLOAT: return 4;
    case DNNX_DTYPE_UINT8: return 1;
    case DNNX_DTYPE_INT8: return 1;
    case DNNX_DTYPE_UINT16: return 2;
    case DNNX_DTYPE_INT16: return 2;
    case DNNX_DTYPE_INT32: return 4;
    case DNNX_DTYPE_INT64: return 8;
    case DNNX_DTYPE_BOOL: return 1;
    case DNNX_DTYPE_FLOAT16: return 2;
    case DNNX_DTYPE_DOUBLE: return 8;
    case DNNX_DTYPE_UINT32: return 4;
    case DNNX_DTYPE_UINT64: return 8;
    case DNNX_DTYPE_BFLOAT16: return 2;
    case DNNX_DTYPE_STRING:
    case DNNX_DTYPE_UNDEFINED: return 0;
    }
    return 0;
}

bool tensor_dtype_is_valid(int dtype) { return tensor_dtype_size((dnnx_dtype)dtype) != 0; }

size_t dnnx_dtype_size(dnnx_dtype dtype) { return tensor_dtype_size(dtype); }

const char *dnnx_dtype_name(dnnx_dtype dtype)
{
    switch (dtype) {
    case DNNX_DTYPE_FLOAT: return "float";
    case DNNX_DTYPE_UINT8: return "uint8";
    case DNNX_DTYPE_INT8: return "int8";
    case DNNX_DTYPE_UINT16: return "uint16";
    case DNNX_DTYPE_INT16: return "int16";
    case DNNX_DTYPE_INT32: return "int32";
    case DNNX_DTYPE_INT64: return "int64";
    case DNNX_DTYPE_STRING: return "string";
    case DNNX_DTYPE_BOOL: return "bool";
    case DNNX_DTYPE_FLOAT16: return "float16";
    case DNNX_DTYPE_DOUBLE: return "double";
    case DNNX_DTYPE_UINT32: return "uint32";
    case DNNX_DTYPE_UINT64: return "uint64";
    case DNNX_DTYPE_BFLOAT16: return "bfloat16";
    case DNNX_DTYPE_UNDEFINED: break;
    }
    return "undefined";
}

/* The largest product of a shape's non-zero dims: strides and byte offsets (up to 8-byte
 * elements) then fit in int64 even for empty tensors, whose element count alone proves
 * nothing ([0, 2^40, 2^40] holds no element but has strides past 2^64). */
#define MAX_DIMS_PRODUCT (INT64_MAX / 8)

dnnx_status tensor_element_count_checked(int rank, const int64_t *dims, size_t *count)
{
    uint64_t nonzero_product = 1;
    bool empty = false;
    if (rank < 0 || rank > DNNX_MAX_RANK)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "rank %d is outside 0..%d", rank, DNNX_MAX_RANK);
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dim %d is %s", i, "not a concrete size");
        if (dims[i] == 0) {
            empty = true;
            continue;
        }
        if (nonzero_product > (uint64_t)MAX_DIMS_PRODUCT / (uint64_t)dims[i])
            return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "the dims multiply past 2^60 (element count overflows)");
        nonzero_product *= (uint64_t)dims[i];
    }
    if (nonzero_product > SIZE_MAX)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "element count overflows");
    *count = empty ? 0 : (size_t)nonzero_product;
    return DNNX_OK;
}

dnnx_status tensor_bytes_checked(dnnx_dtype dtype, int rank, const int64_t *dims, size_t *bytes)
{
    size_t count, size = tensor_dtype_size(dtype);
    if (size == 0)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "dtype %s (%d) is not supported", dnnx_dtype_name(dtype),
                         (int)dtype);
    dnnx_status status = tensor_element_count_checked(rank, dims, &count);
    if (status)
        return status;
    if (count > SIZE_MAX / size)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "tensor size overflows");
    *bytes = count * size;
    return DNNX_OK;
}

size_t tensor_count(const dnnx_tensor *tensor)
{
    size_t total = 1;
    for (int i = 0; i < tensor->rank; i++)
        total *= (size_t)tensor->dims[i];
    return total;
}

size_t tensor_bytes(const dnnx_tensor *tensor) { return tensor_count(tensor) * tensor_dtype_size(tensor->dtype); }

void tensor_init_shape(dnnx_tensor *tensor, dnnx_dtype dtype, int rank, const int64_t *dims)
{
    memset(tensor, 0, sizeof *tensor);
    tensor->dtype = dtype;
    tensor->rank = rank;
    for (int i = 0; i < rank; i++)
        tensor->dims[i] = dims[i];
}

dnnx_status tensor_alloc_data(dnnx_tensor *tensor)
{
    size_t bytes = 0;
    dnnx_status status = tensor_bytes_checked(tensor->dtype, tensor->rank, tensor->dims, &bytes);
    if (status)
        return status;
    /* calloc(0) may return NULL; keep a valid pointer for empty tensors. */
    void *data = calloc(bytes ? bytes : 1, 1);
    if (!data)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes", bytes);
    if (tensor->owns_data)
        free(tensor->data);
    tensor->data = data;
    tensor->owns_data = true;
    return DNNX_OK;
}

void tensor_clear(dnnx_tensor *tensor)
{
    if (!tensor)
        return;
    if (tensor->owns_data)
        free(tensor->data);
    free(tensor->name);
    memset(tensor, 0, sizeof *tensor);
}

dnnx_status tensor_clone(const dnnx_tensor *src, dnnx_tensor **out)
{
    dnnx_tensor *copy = calloc(1, sizeof *copy);
    if (!copy)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    tensor_init_shape(copy, src->dtype, src->rank, src->dims);
    if (src->name && !(copy->name = strdup(src->name)))
        goto fail_copy;
    if (src->data) {
        if (tensor_alloc_data(copy))
            goto fail_copy;
        memcpy(copy->data, src->data, tensor_bytes(src));
    }
    *out = copy;
    return DNNX_OK;
fail_copy:
    tensor_clear(copy);
    free(copy);
    return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory copying a tensor");
}

bool tensor_same_shape(const dnnx_tensor *a, const dnnx_tensor *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

/* The float with these IEEE bits, and back (memcpy: no aliasing rules broken). */
static float bits_to_float(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint32_t float_to_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

float tensor_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            /* Subnormal half: normalise into a float. */
            int shift = 0;
            while (!(mantissa & 0x400)) {
                mantissa <<= 1;
                shift++;
            }
            mantissa &= 0x3ff;
            bits = sign | ((uint32_t)(127 - 15 + 1 - shift) << 23) | (mantissa << 13);
        }
    } else if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    return bits_to_float(bits);
}

uint16_t tensor_float_to_half(float f)
{
    uint32_t bits = float_to_bits(f);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
    uint32_t abs_bits = bits & 0x7fffffffu;
    if (abs_bits >= 0x7f800000u) /* inf or nan */
        return sign | 0x7c00 | (abs_bits > 0x7f800000u ? 0x200 : 0);
    if (abs_bits >= 0x477ff000u) /* rounds past the largest half */
        return sign | 0x7c00;
    if (abs_bits < 0x38800000u) { /* subnormal half or zero */
        if (abs_bits < 0x33000000u)
            return sign;
        uint32_t exponent = abs_bits >> 23;
        uint32_t mantissa = (abs_bits & 0x7fffff) | 0x800000;
        uint32_t shift = 126 - exponent; /* 14 + (113 - exponent) - 1 */
        uint32_t half_mantissa = mantissa >> (shift);
        uint32_t remainder = mantissa & ((1u << shift) - 1);
        uint32_t halfway = 1u << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (half_mantissa & 1)))
            half_mantissa++;
        return sign | (uint16_t)half_mantissa;
    }
    uint32_t rounded = abs_bits + 0xfff + ((abs_bits >> 13) & 1);
    return sign | (uint16_t)((rounded - 0x38000000u) >> 13);
}

float tensor_bf16_to_float(uint16_t b) { return bits_to_float((uint32_t)b << 16); }

uint16_t tensor_float_to_bf16(float f)
{
    uint32_t bits = float_to_bits(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((bits >> 16) | 0x40);
    bits += 0x7fff + ((bits >> 16) & 1);
    return (uint16_t)(bits >> 16);
}

/* double -> int64 without undefined behaviour: NaN is 0, out-of-range values saturate. */
static int64_t saturate_to_i64(double v)
{
    if (isnan(v))
        return 0;
    if (v >= 9.2233720368547758e18)
        return INT64_MAX;
    if (v <= -9.2233720368547758e18)
        return INT64_MIN;
    return (int64_t)v;
}

double tensor_get_f64(const dnnx_tensor *t, size_t i)
{
    const void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: return ((const float *)d)[i];
    case DNNX_DTYPE_DOUBLE: return ((const double *)d)[i];
    case DNNX_DTYPE_FLOAT16: return tensor_half_to_float(((const uint16_t *)d)[i]);
    case DNNX_DTYPE_BFLOAT16: return tensor_bf16_to_float(((const uint16_t *)d)[i]);
    case DNNX_DTYPE_UINT8: return ((const uint8_t *)d)[i];
    case DNNX_DTYPE_INT8: return ((const int8_t *)d)[i];
    case DNNX_DTYPE_UINT16: return ((const uint16_t *)d)[i];
    case DNNX_DTYPE_INT16: return ((const int16_t *)d)[i];
    case DNNX_DTYPE_INT32: return ((const int32_t *)d)[i];
    case DNNX_DTYPE_INT64: return (double)((const int64_t *)d)[i];
    case DNNX_DTYPE_UINT32: return ((const uint32_t *)d)[i];
    case DNNX_DTYPE_UINT64: return (double)((const uint64_t *)d)[i];
    case DNNX_DTYPE_BOOL: return ((const uint8_t *)d)[i] != 0;
    default: return 0.0;
    }
}

int64_t tensor_get_i64(const dnnx_tensor *t, size_t i)
{
    const void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_INT64: return ((const int64_t *)d)[i];
    case DNNX_DTYPE_INT32: return ((const int32_t *)d)[i];
    case DNNX_DTYPE_UINT64: return (int64_t)((const uint64_t *)d)[i];
    case DNNX_DTYPE_UINT32: return ((const uint32_t *)d)[i];
    case DNNX_DTYPE_UINT8: return ((const uint8_t *)d)[i];
    case DNNX_DTYPE_INT8: return ((const int8_t *)d)[i];
    case DNNX_DTYPE_UINT16: return ((const uint16_t *)d)[i];
    case DNNX_DTYPE_INT16: return ((const int16_t *)d)[i];
    case DNNX_DTYPE_BOOL: return ((const uint8_t *)d)[i] != 0;
    default: return saturate_to_i64(tensor_get_f64(t, i));
    }
}

void tensor_set_f64(dnnx_tensor *t, size_t i, double v)
{
    void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: ((float *)d)[i] = (float)v; break;
    case DNNX_DTYPE_DOUBLE: ((double *)d)[i] = v; break;
    case DNNX_DTYPE_FLOAT16: ((uint16_t *)d)[i] = tensor_float_to_half((float)v); break;
    case DNNX_DTYPE_BFLOAT16: ((uint16_t *)d)[i] = tensor_float_to_bf16((float)v); break;
    case DNNX_DTYPE_BOOL: ((uint8_t *)d)[i] = v != 0.0; break;
    default: tensor_set_i64(t, i, saturate_to_i64(v)); break;
    }
}

void tensor_set_i64(dnnx_tensor *t, size_t i, int64_t v)
{
    void *d = t->data;
    switch (t->dtype) {
    case DNNX_DTYPE_INT64: ((int64_t *)d)[i] = v; break;
    case DNNX_DTYPE_INT32: ((int32_t *)d)[i] = (int32_t)v; break;
    case DNNX_DTYPE_UINT64: ((uint64_t *)d)[i] = (uint64_t)v; break;
    case DNNX_DTYPE_UINT32: ((uint32_t *)d)[i] = (uint32_t)v; break;
    case DNNX_DTYPE_UINT8: ((uint8_t *)d)[i] = (uint8_t)v; break;
    case DNNX_DTYPE_INT8: ((int8_t *)d)[i] = (int8_t)v; break;
    case DNNX_DTYPE_UINT16: ((uint16_t *)d)[i] = (uint16_t)v; break;
    case DNNX_DTYPE_INT16: ((int16_t *)d)[i] = (int16_t)v; break;
    case DNNX_DTYPE_BOOL: ((uint8_t *)d)[i] = v != 0; break;
    default: tensor_set_f64(t, i, (double)v); break;
    }
}

void tensor_format_shape(const dnnx_tensor *tensor, char *buf, size_t size)
{
    size_t used = 0;
    used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "[");
    for (int i = 0; i < tensor->rank; i++) {
        const char *sep = i ? "," : "";
        if (tensor->dims[i] >= 0)
            used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%lld", sep,
                                     (long long)tensor->dims[i]);
        else
            used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s?", sep);
    }
    snprintf(buf + used, used < size ? size - used : 0, "]");
}

/* The public tensor API of dnnx.h. */

static dnnx_status check_public_shape(dnnx_dtype dtype, int rank, const int64_t *dims)
{
    if (!tensor_dtype_is_valid((int)dtype))
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dtype %d is not a supported tensor type", (int)dtype);
    if (rank < 0 || rank > DNNX_MAX_RANK)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "rank %d is outside 0..%d", rank, DNNX_MAX_RANK);
    if (rank > 0 && !dims)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dims is NULL for rank %d", rank);
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0)
            return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dim %d is negative (%lld)", i, (long long)dims[i]);
    size_t bytes;
    return tensor_bytes_checked(dtype, rank, dims, &bytes);
}

/* A heap tensor of a checked caller-given shape, without data. */
static dnnx_status public_tensor_new(dnnx_dtype dtype, int rank, const int64_t *dims, dnnx_tensor **out)
{
    dnnx_status status = check_public_shape(dtype, rank, dims);
    if (status)
        return status;
    dnnx_tensor *tensor = malloc(sizeof *tensor);
    if (!tensor)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    tensor_init_shape(tensor, dtype, rank, dims);
    *out = tensor;
    return DNNX_OK;
}

dnnx_status dnnx_tensor_create(dnnx_dtype dtype, int rank, const int64_t *dims, dnnx_tensor **out)
{
    if (!out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_create: out is NULL");
    dnnx_tensor *tensor = NULL;
    dnnx_status status = public_tensor_new(dtype, rank, dims, &tensor);
    if (status)
        return status;
    if ((status = tensor_alloc_data(tensor))) {
        free(tensor);
        return status;
    }
    *out = tensor;
    return DNNX_OK;
}

dnnx_status dnnx_tensor_wrap(dnnx_dtype dtype, int rank, const int64_t *dims, void *data, dnnx_tensor **out)
{
    if (!out || !data)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_wrap: %s is NULL", out ? "data" : "out");
    dnnx_tensor *tensor = NULL;
    dnnx_status status = public_tensor_new(dtype, rank, dims, &tensor);
    if (status)
        return status;
    tensor->data = data;
    *out = tensor;
    return DNNX_OK;
}

void dnnx_tensor_free(dnnx_tensor *tensor)
{
    if (!tensor)
        return;
    tensor_clear(tensor);
    free(tensor);
}

dnnx_dtype dnnx_tensor_dtype(const dnnx_tensor *tensor) { return tensor ? tensor->dtype : DNNX_DTYPE_UNDEFINED; }
int dnnx_tensor_rank(const dnnx_tensor *tensor) { return tensor ? tensor->rank : 0; }
const int64_t *dnnx_tensor_dims(const dnnx_tensor *tensor) { return tensor ? tensor->dims : NULL; }
size_t dnnx_tensor_element_count(const dnnx_tensor *tensor) { return tensor ? tensor_count(tensor) : 0; }
size_t dnnx_tensor_size_bytes(const dnnx_tensor *tensor) { return tensor ? tensor_bytes(tensor) : 0; }
void *dnnx_tensor_data(dnnx_tensor *tensor) { return tensor ? tensor->data : NULL; }
const void *dnnx_tensor_data_const(const dnnx_tensor *tensor) { return tensor ? tensor->data : NULL; }
const char *dnnx_tensor_name(const dnnx_tensor *tensor) { return tensor && tensor->name ? tensor->name : ""; }

dnnx_status dnnx_tensor_set_name(dnnx_tensor *tensor, const char *name)
{
    if (!tensor || !name)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_set_name: %s is NULL", tensor ? "name" : "tensor");
    char *copy = strdup(name);
    if (!copy)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    free(tensor->name);
    tensor->name = copy;
    return DNNX_OK;
}

const char *dnnx_version(void) { return "0.1.0"; }

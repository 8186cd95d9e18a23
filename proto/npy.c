#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/error.h"
#include "proto_internal.h"

/* .npy files are read whole through a mapping; this bounds only what the address space
 * can take, since the tensor is exactly as big as the file. */
#define NPY_MAX_FILE_BYTES ((size_t)1 << 40)
#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy aligns the start of the data to this many bytes. */
#define NPY_ALIGN 64

typedef struct npy_type {
    const char *code; /* descr without its byte-order character */
    dnnx_dtype dtype;
} npy_type;

static const npy_type npy_types[] = {
    {"f4", DNNX_DTYPE_FLOAT},  {"f8", DNNX_DTYPE_DOUBLE}, {"f2", DNNX_DTYPE_FLOAT16}, {"i8", DNNX_DTYPE_INT64},
    {"i4", DNNX_DTYPE_INT32},  {"i2", DNNX_DTYPE_INT16},  {"i1", DNNX_DTYPE_INT8},    {"u1", DNNX_DTYPE_UINT8},
    {"u2", DNNX_DTYPE_UINT16}, {"u4", DNNX_DTYPE_UINT32}, {"u8", DNNX_DTYPE_UINT64},  {"b1", DNNX_DTYPE_BOOL},
};

/* A cursor over the header text, a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
typedef struct cursor {
    const char *p;
    const char *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool take(cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool take_word(cursor *c, const char *word)
{
    size_t len = strlen(word);
    skip_space(c);
    if ((size_t)(c->end - c->p) >= len && !memcmp(c->p, word, len)) {
        c->p += len;
        return true;
    }
    return false;
}

/* A quoted string without escapes, copied into buf (at most size - 1 characters). */
static bool take_string(cursor *c, char *buf, size_t size)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return false;
    char quote = *c->p++;
    size_t len = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || len + 1 >= size)
            return false;
        buf[len++] = *c->p++;
    }
    if (c->p >= c->end)
        return false;
    c->p++;
    buf[len] = '\0';
    return true;
}

static bool take_dim(cursor *c, int64_t *dim)
{
    skip_space(c);
    int64_t value = 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        int digit = *c->p - '0';
        if (value > (INT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
        c->p++;
    }
    if (c->p == start)
        return false;
    if (c->p < c->end && *c->p == 'L') /* Python 2 long literals */
        c->p++;
    *dim = value;
    return true;
}

/* "()", "(n,)", "(a, b)" or "(a, b,)". */
static dnnx_status take_shape(cursor *c, int *rank, int64_t *dims)
{
    if (!take(c, '('))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "'shape' is not a tuple");
    *rank = 0;
    if (take(c, ')'))
        return DNNX_OK;
    for (;;) {
        int64_t dim;
        if (!take_dim(c, &dim))
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "'shape' holds something other than non-negative integers");
        if (*rank == DNNX_MAX_RANK)
            return dnnx_fail(DNNX_ERR_UNSUPPORTED, "'shape' has more than the %d dims dnnx supports", DNNX_MAX_RANK);
        dims[(*rank)++] = dim;
        bool comma = take(c, ',');
        if (take(c, ')'))
            return (*rank == 1 && !comma) ? dnnx_fail(DNNX_ERR_INVALID_MODEL, "'shape' (n) is not a tuple") : DNNX_OK;
        if (!comma)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "'shape' is not a well-formed tuple");
    }
}

static dnnx_status parse_descr(const char *descr, dnnx_dtype *dtype)
{
    char order = descr[0];
    if (order == '<' || order == '|' || order == '=' || order == '>') {
        for (size_t k = 0; k < sizeof npy_types / sizeof npy_types[0]; k++) {
            if (strcmp(descr + 1, npy_types[k].code))
                continue;
            bool one_byte = tensor_dtype_size(npy_types[k].dtype) == 1;
            /* '=' is native order, little-endian on every host dnnx reads .npy files on. */
            if (!one_byte && order == '>')
                return dnnx_fail(DNNX_ERR_UNSUPPORTED, "big-endian data ('%s') is not supported", descr);
            *dtype = npy_types[k].dtype;
            return DNNX_OK;
        }
    }
    if (!strcmp(descr, "?")) {
        *dtype = DNNX_DTYPE_BOOL;
        return DNNX_OK;
    }
    return dnnx_fail(DNNX_ERR_UNSUPPORTED, "element type '%s' is not supported", descr);
}

static dnnx_status parse_header(cursor *c, dnnx_dtype *dtype, int *rank, int64_t *dims)
{
    bool have_descr = false, have_order = false, have_shape = false;
    if (!take(c, '{'))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "header is not a dict");
    while (!take(c, '}')) {
        char key[32], descr[32];
        if (!take_string(c, key, sizeof key) || !take(c, ':'))
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "header is not a well-formed dict");
        dnnx_status status = DNNX_OK;
        if (!strcmp(key, "descr") && !have_descr) {
            have_descr = true;
            if (!take_string(c, descr, sizeof descr))
                return dnnx_fail(DNNX_ERR_UNSUPPORTED,
                                 "'descr' is not a simple type string (structured arrays are not supported)");
            status = parse_descr(descr, dtype);
        } else if (!strcmp(key, "fortran_order") && !have_order) {
            have_order = true;
            if (take_word(c, "True"))
                return dnnx_fail(DNNX_ERR_UNSUPPORTED, "fortran_order True is not supported (save with C order)");
            if (!take_word(c, "False"))
                return dnnx_fail(DNNX_ERR_INVALID_MODEL, "'fortran_order' is not True or False");
        } else if (!strcmp(key, "shape") && !have_shape) {
            have_shape = true;
            status = take_shape(c, rank, dims);
        } else {
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "header has an unexpected or repeated key '%s'", key);
        }
        if (status)
            return status;
        if (!take(c, ',')) {
            if (!take(c, '}'))
                return dnnx_fail(DNNX_ERR_INVALID_MODEL, "header is not a well-formed dict");
            break;
        }
    }
    skip_space(c);
    if (c->p != c->end)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "header has text after the dict");
    if (!have_descr || !have_order || !have_shape)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "header lacks '%s'",
                         !have_descr   ? "descr"
                         : !have_order ? "fortran_order"
                                       : "shape");
    return DNNX_OK;
}

static dnnx_status parse_npy(const uint8_t *buf, size_t len, dnnx_tensor **out)
{
    if (len < 10 || memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "not a .npy file (no \\x93NUMPY magic)");
    uint8_t major = buf[6], minor = buf[7];
    size_t header_start, header_len;
    if (major == 1) {
        header_start = 10;
        header_len = (size_t)buf[8] | (size_t)buf[9] << 8;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "file ends inside the header");
        header_start = 12;
        header_len = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    } else {
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "format version %d.%d is not supported (1.0 to 3.0 are)", major, minor);
    }
    if (header_len > len - header_start)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "header of %zu bytes runs past the end of the file (%zu bytes)",
                         header_len, len);

    dnnx_dtype dtype = DNNX_DTYPE_UNDEFINED;
    int rank = 0;
    int64_t dims[DNNX_MAX_RANK] = {0};
    cursor c = {(const char *)buf + header_start, (const char *)buf + header_start + header_len};
    dnnx_status status = parse_header(&c, &dtype, &rank, dims);
    if (status)
        return status;

    char dims_text[DNNX_MAX_RANK * 22 + 4];
    proto_format_dims(dims, (size_t)rank, dims_text, sizeof dims_text);
    size_t bytes;
    if (tensor_bytes_checked(dtype, rank, dims, &bytes))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "shape %s of %s overflows the addressable size", dims_text,
                         dnnx_dtype_name(dtype));
    size_t data_len = len - header_start - header_len;
    if (data_len != bytes)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "data has %zu bytes, shape %s of %s needs %zu", data_len, dims_text,
                         dnnx_dtype_name(dtype), bytes);

    dnnx_tensor *tensor = calloc(1, sizeof *tensor);
    if (!tensor)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    tensor_init_shape(tensor, dtype, rank, dims);
    status = tensor_alloc_data(tensor);
    if (status) {
        proto_tensor_destroy(tensor);
        return status;
    }
    size_t count = bytes / tensor_dtype_size(dtype);
    if (count)
        proto_copy_from_le(tensor->data, buf + header_start + header_len, count, tensor_dtype_size(dtype));
    if (dtype == DNNX_DTYPE_BOOL)
        for (size_t i = 0; i < count; i++)
            ((uint8_t *)tensor->data)[i] = ((uint8_t *)tensor->data)[i] != 0;
    *out = tensor;
    return DNNX_OK;
}

dnnx_status dnnx_tensor_read_npy(const char *path, dnnx_tensor **out)
{
    if (!path || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_read_npy: path and out must not be NULL");
    proto_mapped_file file;
    dnnx_status status = proto_map_file(path, NPY_MAX_FILE_BYTES, ".npy", &file);
    if (status)
        return status;
    status = parse_npy(file.data, file.size, out);
    if (status)
        dnnx_error_prefix("%s", path);
    proto_unmap_file(&file);
    return status;
}

static const char *descr_of(dnnx_dtype dtype)
{
    for (size_t k = 0; k < sizeof npy_types / sizeof npy_types[0]; k++)
        if (npy_types[k].dtype == dtype)
            return npy_types[k].code;
    return NULL;
}

dnnx_status dnnx_tensor_write_npy(const dnnx_tensor *tensor, const char *path)
{
    if (!tensor || !path)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_write_npy: tensor and path must not be NULL");
    const char *code = descr_of(tensor->dtype);
    if (!code)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "cannot write a %s tensor as .npy: numpy has no such type",
                         dnnx_dtype_name(tensor->dtype));
    size_t bytes;
    dnnx_status status = tensor_bytes_checked(tensor->dtype, tensor->rank, tensor->dims, &bytes);
    if (status) {
        dnnx_error_prefix("cannot write tensor as .npy");
        return status;
    }
    if (!tensor->data && bytes)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "cannot write tensor as .npy: it has no data");

    /* Preamble (10 bytes) + dict + space padding + '\n', a multiple of NPY_ALIGN in all. */
    char header[10 + 64 + DNNX_MAX_RANK * 22 + NPY_ALIGN + 2];
    size_t size_elem = tensor_dtype_size(tensor->dtype);
    int used = snprintf(header + 10, sizeof header - 10, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                        size_elem == 1 ? '|' : '<', code);
    for (int i = 0; i < tensor->rank; i++)
        used += snprintf(header + 10 + used, sizeof header - 10 - (size_t)used, "%s%lld", i ? ", " : "",
                         (long long)tensor->dims[i]);
    used += snprintf(header + 10 + used, sizeof header - 10 - (size_t)used, "%s), }", tensor->rank == 1 ? "," : "");
    size_t total = 10 + (size_t)used + 1;
    total = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    memset(header + 10 + used, ' ', total - 10 - (size_t)used - 1);
    header[total - 1] = '\n';
    size_t header_len = total - 10;
    memcpy(header, NPY_MAGIC, NPY_MAGIC_LEN);
    header[6] = 1;
    header[7] = 0;
    header[8] = (char)(header_len & 0xff);
    header[9] = (char)(header_len >> 8);

    void *le_copy = NULL;
    const void *data = tensor->data;
    if (!PROTO_HOST_IS_LITTLE_ENDIAN && bytes && size_elem > 1) {
        if (!(le_copy = malloc(bytes)))
            return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        proto_copy_to_le(le_copy, tensor->data, bytes / size_elem, size_elem);
        data = le_copy;
    }
    FILE *stream = fopen(path, "wb");
    if (!stream) {
        status = dnnx_fail(DNNX_ERR_IO, "cannot open '%s' for writing: %s", path, strerror(errno));
        goto free_copy;
    }
    bool ok = fwrite(header, 1, total, stream) == total && (!bytes || fwrite(data, 1, bytes, stream) == bytes);
    int err = errno;
    if (fclose(stream) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        status = dnnx_fail(DNNX_ERR_IO, "cannot write '%s': %s", path, strerror(err));
        remove(path);
    }
free_copy:
    free(le_copy);
    return status;
}

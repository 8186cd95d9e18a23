#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/error.h"
#include "proto/proto.h"
#include "proto_internal.h"

static void copy_swapped(void *dst, const void *src, size_t count, size_t elem_size)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (PROTO_HOST_IS_LITTLE_ENDIAN || elem_size == 1) {
        memcpy(d, s, count * elem_size);
        return;
    }
    /* Through a temporary so that dst may equal src. */
    uint8_t element[16];
    for (size_t i = 0; i < count; i++, d += elem_size, s += elem_size) {
        memcpy(element, s, elem_size);
        for (size_t b = 0; b < elem_size; b++)
            d[b] = element[elem_size - 1 - b];
    }
}

void proto_copy_from_le(void *dst, const void *src, size_t count, size_t elem_size)
{
    copy_swapped(dst, src, count, elem_size);
}

void proto_copy_to_le(void *dst, const void *src, size_t count, size_t elem_size)
{
    copy_swapped(dst, src, count, elem_size);
}

void proto_format_dims(const int64_t *dims, size_t rank, char *buf, size_t size)
{
    size_t used = 0;
#define APPEND(...) used += (size_t)snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__)
    APPEND("[");
    for (size_t i = 0; i < rank; i++)
        APPEND("%s%lld", i ? "," : "", (long long)dims[i]);
    APPEND("]");
#undef APPEND
}

const char *proto_elem_type_name(int32_t elem_type)
{
    switch (elem_type) {
    case 14: return "complex64";
    case 15: return "complex128";
    case 17: return "float8e4m3fn";
    case 18: return "float8e4m3fnuz";
    case 19: return "float8e5m2";
    case 20: return "float8e5m2fnuz";
    case 21: return "uint4";
    case 22: return "int4";
    case 23: return "float4e2m1";
    default: break;
    }
    if (elem_type == DNNX_DTYPE_UNDEFINED || elem_type == DNNX_DTYPE_STRING || tensor_dtype_is_valid(elem_type))
        return dnnx_dtype_name((dnnx_dtype)elem_type);
    return "unknown";
}

dnnx_status proto_check_elem_type(int32_t elem_type)
{
    if (elem_type == DNNX_DTYPE_UNDEFINED)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "element type is undefined (0)");
    if (tensor_dtype_is_valid(elem_type))
        return DNNX_OK;
    if (!strcmp(proto_elem_type_name(elem_type), "unknown"))
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "element type %d is unknown", (int)elem_type);
    return dnnx_fail(DNNX_ERR_UNSUPPORTED, "element type %s (%d) is not supported", proto_elem_type_name(elem_type),
                     (int)elem_type);
}

bool proto_read_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *value)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t byte = buf[(*pos)++];
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = result;
            return true;
        }
    }
    return false;
}

bool proto_nesting_ok(const ProtobufCMessageDescriptor *descriptor, const uint8_t *buf, size_t len, int max_depth)
{
    size_t pos = 0;
    while (pos < len) {
        uint64_t key, skip;
        if (!proto_read_varint(buf, len, &pos, &key))
            return true;
        switch (key & 7) {
        case 0:
            if (!proto_read_varint(buf, len, &pos, &skip))
                return true;
            break;
        case 1:
            if (len - pos < 8)
                return true;
            pos += 8;
            break;
        case 5:
            if (len - pos < 4)
                return true;
            pos += 4;
            break;
        case 2: {
            if (!proto_read_varint(buf, len, &pos, &skip) || skip > len - pos)
                return true;
            uint64_t number = key >> 3;
            const ProtobufCFieldDescriptor *field =
                number <= UINT_MAX ? protobuf_c_message_descriptor_get_field(descriptor, (unsigned)number) : NULL;
            if (field && field->type == PROTOBUF_C_TYPE_MESSAGE) {
                if (max_depth <= 0)
                    return false;
                if (!proto_nesting_ok(field->descriptor, buf + pos, (size_t)skip, max_depth - 1))
                    return false;
            }
            pos += (size_t)skip;
            break;
        }
        default: return true;
        }
    }
    return true;
}

/* Maps size bytes of the open file fd read-only (nothing for an empty file). */
static dnnx_status map_fd(int fd, size_t size, const char *what, const char *path, proto_mapped_file *file)
{
    file->data = NULL;
    file->size = 0;
    if (!size)
        return DNNX_OK;
    void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED)
        return dnnx_fail(DNNX_ERR_IO, "cannot map %s file '%s': %s", what, path, strerror(errno));
    file->data = data;
    file->size = size;
    return DNNX_OK;
}

dnnx_status proto_map_file(const char *path, size_t max_bytes, const char *what, proto_mapped_file *file)
{
    struct stat st;
    file->data = NULL;
    file->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dnnx_fail(DNNX_ERR_IO, "cannot open %s file '%s': %s", what, path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return dnnx_fail(DNNX_ERR_IO, "cannot stat %s file '%s': %s", what, path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return dnnx_fail(DNNX_ERR_IO, "%s file '%s' is not a regular file", what, path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "%s file '%s' has %lld bytes, more than the %zu allowed", what, path,
                         (long long)st.st_size, max_bytes);
    }
    dnnx_status status = map_fd(fd, (size_t)st.st_size, what, path, file);
    close(fd);
    return status;
}

void proto_unmap_file(proto_mapped_file *file)
{
    if (file->data)
        munmap((void *)file->data, file->size);
    file->data = NULL;
    file->size = 0;
}

dnnx_status proto_files_create(bool in_place, proto_files **out)
{
    proto_files *files = calloc(1, sizeof *files);
    if (!files)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    files->in_place = in_place;
    *out = files;
    return DNNX_OK;
}

dnnx_status proto_files_add(proto_files *files, const char *path, proto_mapped_file *map)
{
    char *copy = NULL;
    if (files->n_maps == files->cap_maps) {
        size_t cap = files->cap_maps ? 2 * files->cap_maps : 4;
        proto_mapped_file *maps = realloc(files->maps, cap * sizeof *maps);
        if (maps)
            files->maps = maps;
        char **paths = maps ? realloc(files->paths, cap * sizeof *paths) : NULL;
        if (paths)
            files->paths = paths;
        if (!maps || !paths)
            goto out_of_memory;
        files->cap_maps = cap;
    }
    if (path && !(copy = strdup(path)))
        goto out_of_memory;
    files->maps[files->n_maps] = *map;
    files->paths[files->n_maps++] = copy;
    return DNNX_OK;
out_of_memory:
    proto_unmap_file(map);
    return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
}

/* The mapping holding all of [data, data + bytes), or NULL. */
static const proto_mapped_file *mapping_of(const proto_files *files, const void *data, size_t bytes)
{
    uintptr_t start = (uintptr_t)data;
    for (size_t k = 0; files && k < files->n_maps; k++) {
        uintptr_t base = (uintptr_t)files->maps[k].data;
        if (base && start >= base && start - base <= files->maps[k].size &&
            bytes <= files->maps[k].size - (start - base))
            return &files->maps[k];
    }
    return NULL;
}

void proto_files_release(proto_files *files, const void *data, size_t bytes)
{
    if (!bytes || !mapping_of(files, data, bytes))
        return;
    /* Whole pages, rounded outwards: the mappings are read-only and never written, so a
     * neighbour's pages dropped with them are simply read back from the file. */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)data / page * page, end = ((uintptr_t)data + bytes + page - 1) / page * page;
    madvise((void *)start, end - start, MADV_DONTNEED);
}

size_t proto_files_in_place(const proto_files *files) { return files ? files->n_in_place : 0; }

void proto_files_free(proto_files *files)
{
    if (!files)
        return;
    for (size_t k = 0; k < files->n_maps; k++) {
        proto_unmap_file(&files->maps[k]);
        free(files->paths[k]);
    }
    free(files->maps);
    free(files->paths);
    free(files);
}

/* Gives tensor (dtype and dims set) the bytes at data: in place when they lie in a mapping
 * of files that allows it, are aligned for the dtype and need no conversion; else a copy,
 * after which the mapping's pages are let go. */
static dnnx_status take_bytes(proto_files *files, const uint8_t *data, size_t bytes, dnnx_tensor *tensor)
{
    size_t elem_size = tensor_dtype_size(tensor->dtype);
    bool mapped = mapping_of(files, data, bytes) != NULL;
    if (mapped && files->in_place && bytes && PROTO_HOST_IS_LITTLE_ENDIAN && tensor->dtype != DNNX_DTYPE_BOOL &&
        (uintptr_t)data % elem_size == 0) {
        /* Read-only memory: dnnx never writes into constants. */
        tensor->data = (void *)data;
        tensor->owns_data = false;
        files->n_in_place++;
        return DNNX_OK;
    }
    dnnx_status status = tensor_alloc_data(tensor);
    if (status)
        return status;
    if (bytes)
        proto_copy_from_le(tensor->data, data, bytes / elem_size, elem_size);
    if (mapped)
        proto_files_release(files, data, bytes);
    return DNNX_OK;
}

char *proto_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

void proto_tensor_destroy(dnnx_tensor *tensor)
{
    if (!tensor)
        return;
    tensor_clear(tensor);
    free(tensor);
}

/* Strict decimal: digits only, no sign or spaces, no overflow. */
static bool parse_u64(const char *text, uint64_t *value)
{
    uint64_t result = 0;
    if (!text || !*text)
        return false;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        unsigned digit = (unsigned)(*c - '0');
        if (result > (UINT64_MAX - digit) / 10)
            return false;
        result = result * 10 + digit;
    }
    *value = result;
    return true;
}

/* The location must be relative and free of ".." so it names a file under base_dir; the
 * real path is checked too, since a symbolic link inside the directory may point out. */
static dnnx_status resolve_external_path(const char *base_dir, const char *location, char **resolved)
{
    if (!location[0])
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data location is empty");
    if (location[0] == '/')
        return dnnx_fail(DNNX_ERR_INVALID_MODEL,
                         "external data path '%s' is absolute; it must be relative to the model directory", location);
    for (const char *part = location; *part;) {
        size_t part_len = strcspn(part, "/");
        if (part_len == 2 && part[0] == '.' && part[1] == '.')
            return dnnx_fail(DNNX_ERR_INVALID_MODEL,
                             "external data path '%s' contains '..'; it must stay inside the model directory",
                             location);
        part += part_len;
        while (*part == '/')
            part++;
    }

    char *real_dir = realpath(base_dir, NULL);
    if (!real_dir)
        return dnnx_fail(DNNX_ERR_IO, "cannot resolve the model directory '%s': %s", base_dir, strerror(errno));
    size_t joined_len = strlen(base_dir) + 1 + strlen(location) + 1;
    char *joined = malloc(joined_len);
    if (!joined) {
        free(real_dir);
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    }
    snprintf(joined, joined_len, "%s/%s", base_dir, location);
    char *real_file = realpath(joined, NULL);
    int err = errno;
    free(joined);
    if (!real_file) {
        free(real_dir);
        return dnnx_fail(DNNX_ERR_IO, "cannot open external data file '%s': %s", location, strerror(err));
    }
    size_t dir_len = strlen(real_dir);
    /* real_dir "/" is the one real path that already ends in a separator. */
    bool inside =
        dir_len == 1 ? real_file[0] == '/' : !strncmp(real_file, real_dir, dir_len) && real_file[dir_len] == '/';
    free(real_dir);
    if (!inside) {
        free(real_file);
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data path '%s' resolves outside the model directory",
                         location);
    }
    *resolved = real_file;
    return DNNX_OK;
}

/* The mapping of the external data file at the real path path, or NULL. */
static const proto_mapped_file *find_mapping(const proto_files *files, const char *path)
{
    for (size_t k = 0; files && k < files->n_maps; k++)
        if (files->paths[k] && !strcmp(files->paths[k], path))
            return &files->maps[k];
    return NULL;
}

/* Reads the tensor's bytes from its external data file: through a mapping of source->files
 * when there are mappings (in place when take_bytes allows), else into a buffer allocated
 * only once the file is known to hold all of it, so a forged shape cannot ask for a huge
 * allocation. */
static dnnx_status read_external(const Onnx__TensorProto *message, const proto_tensor_source *source,
                                 const char *dims_text, size_t bytes, dnnx_tensor *tensor)
{
    const char *location = NULL, *offset_text = NULL, *length_text = NULL;
    for (size_t k = 0; k < message->n_external_data; k++) {
        const Onnx__StringStringEntryProto *entry = message->external_data[k];
        const char *key = entry->key ? entry->key : "";
        const char *value = entry->value ? entry->value : "";
        const char **slot = !strcmp(key, "location") ? &location
                            : !strcmp(key, "offset") ? &offset_text
                            : !strcmp(key, "length") ? &length_text
                                                     : NULL;
        if (!slot)
            continue;
        if (*slot)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data key '%s' is given twice", key);
        *slot = value;
    }
    if (!location)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data has no 'location'");
    uint64_t offset = 0, length = 0;
    if (offset_text && !parse_u64(offset_text, &offset))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data offset '%s' is not a non-negative integer",
                         offset_text);
    if (length_text && !parse_u64(length_text, &length))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data length '%s' is not a non-negative integer",
                         length_text);
    if (!source->base_dir)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED,
                         "data is in external file '%s', which cannot be read when loading from memory", location);

    char *path = NULL;
    dnnx_status status = resolve_external_path(source->base_dir, location, &path);
    if (status)
        return status;
    proto_files *files = source->files;
    const proto_mapped_file *map = find_mapping(files, path);
    uint64_t file_size = map ? map->size : 0;
    int fd = -1;
    if (!map) {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            status = dnnx_fail(DNNX_ERR_IO, "cannot open external data file '%s': %s", location, strerror(errno));
            goto free_path;
        }
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            status = dnnx_fail(DNNX_ERR_IO, "external data file '%s' is not a readable regular file", location);
            goto close_file;
        }
        file_size = (uint64_t)st.st_size;
        proto_mapped_file mapped;
        if (files && file_size && file_size <= SIZE_MAX) {
            /* A file that cannot be mapped is read instead. */
            if (map_fd(fd, (size_t)file_size, "external data", location, &mapped))
                dnnx_error_clear();
            else if ((status = proto_files_add(files, path, &mapped)))
                goto close_file;
            else
                map = &files->maps[files->n_maps - 1];
        }
    }
    if (offset > file_size) {
        status = dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data offset %llu is past the end of '%s' (%llu bytes)",
                           (unsigned long long)offset, location, (unsigned long long)file_size);
        goto close_file;
    }
    if (!length_text)
        length = file_size - offset;
    if (length > file_size - offset) {
        status =
            dnnx_fail(DNNX_ERR_INVALID_MODEL,
                      "external data at offset %llu with length %llu runs past the end of '%s' (%llu bytes)",
                      (unsigned long long)offset, (unsigned long long)length, location, (unsigned long long)file_size);
        goto close_file;
    }
    if (length != bytes) {
        status =
            dnnx_fail(DNNX_ERR_INVALID_MODEL, "external data length is %llu bytes, dims %s of %s need %zu",
                      (unsigned long long)length, dims_text, dnnx_dtype_name((dnnx_dtype)message->data_type), bytes);
        goto close_file;
    }
    if (map) {
        status = take_bytes(files, map->data + offset, bytes, tensor);
        goto close_file;
    }
    status = tensor_alloc_data(tensor);
    if (status)
        goto close_file;
    for (size_t done = 0; done < bytes;) {
        ssize_t got = pread(fd, (uint8_t *)tensor->data + done, bytes - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            status = dnnx_fail(DNNX_ERR_IO, "cannot read external data file '%s': %s", location,
                               got < 0 ? strerror(errno) : "unexpected end of file");
            goto close_file;
        }
        done += (size_t)got;
    }
    if (!PROTO_HOST_IS_LITTLE_ENDIAN && bytes)
        proto_copy_from_le(tensor->data, tensor->data, bytes / tensor_dtype_size(tensor->dtype),
                           tensor_dtype_size(tensor->dtype));
close_file:
    if (fd >= 0)
        close(fd);
free_path:
    free(path);
    return status;
}

/* The typed repeated fields of a TensorProto, for checking that only the right one is used. */
typedef struct typed_field {
    const char *name;
    size_t count;
} typed_field;

static const char *typed_field_for(dnnx_dtype dtype)
{
    switch (dtype) {
    case DNNX_DTYPE_FLOAT: return "float_data";
    case DNNX_DTYPE_INT64: return "int64_data";
    case DNNX_DTYPE_DOUBLE: return "double_data";
    case DNNX_DTYPE_UINT32:
    case DNNX_DTYPE_UINT64: return "uint64_data";
    default: return "int32_data"; /* int32, int16, int8, uint16, uint8, bool, float16, bfloat16 */
    }
}

static void fill_from_typed(const Onnx__TensorProto *message, dnnx_tensor *tensor, size_t count)
{
    void *d = tensor->data;
    switch (tensor->dtype) {
    case DNNX_DTYPE_FLOAT: memcpy(d, message->float_data, count * sizeof(float)); break;
    case DNNX_DTYPE_DOUBLE: memcpy(d, message->double_data, count * sizeof(double)); break;
    case DNNX_DTYPE_INT64: memcpy(d, message->int64_data, count * sizeof(int64_t)); break;
    case DNNX_DTYPE_UINT64: memcpy(d, message->uint64_data, count * sizeof(uint64_t)); break;
    case DNNX_DTYPE_UINT32:
        for (size_t i = 0; i < count; i++)
            ((uint32_t *)d)[i] = (uint32_t)message->uint64_data[i];
        break;
    case DNNX_DTYPE_INT32: memcpy(d, message->int32_data, count * sizeof(int32_t)); break;
    case DNNX_DTYPE_INT16:
        for (size_t i = 0; i < count; i++)
            ((int16_t *)d)[i] = (int16_t)message->int32_data[i];
        break;
    case DNNX_DTYPE_INT8:
        for (size_t i = 0; i < count; i++)
            ((int8_t *)d)[i] = (int8_t)message->int32_data[i];
        break;
    case DNNX_DTYPE_UINT8:
        for (size_t i = 0; i < count; i++)
            ((uint8_t *)d)[i] = (uint8_t)message->int32_data[i];
        break;
    case DNNX_DTYPE_BOOL:
        for (size_t i = 0; i < count; i++)
            ((uint8_t *)d)[i] = message->int32_data[i] != 0;
        break;
    default: /* uint16, float16 and bfloat16 keep their 16 bits in the low half of an int32 */
        for (size_t i = 0; i < count; i++)
            ((uint16_t *)d)[i] = (uint16_t)message->int32_data[i];
        break;
    }
}

dnnx_status proto_tensor_from_message(Onnx__TensorProto *message, const char *base_dir, dnnx_tensor **out)
{
    proto_tensor_source source = {.base_dir = base_dir};
    return proto_tensor_from_source(message, &source, out);
}

dnnx_status proto_tensor_from_source(Onnx__TensorProto *message, const proto_tensor_source *source, dnnx_tensor **out)
{
    int32_t elem_type = message->has_data_type ? message->data_type : DNNX_DTYPE_UNDEFINED;
    dnnx_status status = proto_check_elem_type(elem_type);
    if (status)
        return status;
    dnnx_dtype dtype = (dnnx_dtype)elem_type;
    size_t elem_size = tensor_dtype_size(dtype);
    if (message->n_dims > DNNX_MAX_RANK)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "rank %zu is more than the %d dnnx supports", message->n_dims,
                         DNNX_MAX_RANK);
    char dims_text[DNNX_MAX_RANK * 22 + 4];
    proto_format_dims(message->dims, message->n_dims, dims_text, sizeof dims_text);
    size_t count = 1;
    for (size_t i = 0; i < message->n_dims; i++)
        if (message->dims[i] < 0)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "dims %s has a negative dim", dims_text);
    for (size_t i = 0; i < message->n_dims; i++) {
        uint64_t dim = (uint64_t)message->dims[i];
        if (dim && count > SIZE_MAX / elem_size / dim)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "dims %s of %s overflow the addressable size", dims_text,
                             dnnx_dtype_name(dtype));
        count *= (size_t)dim;
    }
    size_t bytes = count * elem_size;
    if (message->segment)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "segmented tensors are not supported");

    typed_field fields[] = {
        {"float_data", message->n_float_data},   {"int32_data", message->n_int32_data},
        {"int64_data", message->n_int64_data},   {"double_data", message->n_double_data},
        {"uint64_data", message->n_uint64_data}, {"string_data", message->n_string_data},
    };
    const char *typed_name = NULL;
    size_t typed_count = 0;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        if (!fields[k].count)
            continue;
        if (typed_name)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "both %s and %s are set", typed_name, fields[k].name);
        typed_name = fields[k].name;
        typed_count = fields[k].count;
    }
    bool external = message->has_data_location && message->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    if (message->has_data_location && !external && message->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "data_location %d is not valid", (int)message->data_location);
    bool raw = message->has_raw_data || source->has_raw;
    size_t raw_len = source->has_raw ? source->raw_len : message->raw_data.len;
    if (external && (raw || typed_name))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "data is marked external but %s is set too",
                         raw ? "raw_data" : typed_name);
    if (raw && typed_name)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "both raw_data and %s are set", typed_name);
    if (raw && raw_len != bytes)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "raw_data has %zu bytes, dims %s of %s need %zu", raw_len, dims_text,
                         dnnx_dtype_name(dtype), bytes);
    if (!external && !raw) {
        const char *expected = typed_field_for(dtype);
        if (typed_name && strcmp(typed_name, expected))
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "a %s tensor must keep its values in %s or raw_data, not %s",
                             dnnx_dtype_name(dtype), expected, typed_name);
        if (typed_count != count)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "%s has %zu values, dims %s need %zu", expected, typed_count,
                             dims_text, count);
    }

    dnnx_tensor *tensor = calloc(1, sizeof *tensor);
    if (!tensor)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    tensor->dtype = dtype;
    tensor->rank = (int)message->n_dims;
    for (size_t i = 0; i < message->n_dims; i++)
        tensor->dims[i] = message->dims[i];
    if (message->name && message->name[0] && !(tensor->name = strdup(message->name))) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        goto free_tensor;
    }
    if (source->has_raw) {
        if ((status = take_bytes(source->files, source->raw, bytes, tensor)))
            goto free_tensor;
    } else if (raw && bytes && PROTO_HOST_IS_LITTLE_ENDIAN) {
        /* protobuf-c gave raw_data its own malloc'd block of exactly the right size: keep it
         * rather than copy every weight of the model. */
        tensor->data = message->raw_data.data;
        tensor->owns_data = true;
        message->raw_data.data = NULL;
        message->raw_data.len = 0;
    } else if (external) {
        if ((status = read_external(message, source, dims_text, bytes, tensor)))
            goto free_tensor;
    } else {
        /* raw_data and the typed fields were checked to hold exactly count elements, so
         * this allocation is bounded by the message size. */
        status = tensor_alloc_data(tensor);
        if (status)
            goto free_tensor;
        if (count && raw)
            proto_copy_from_le(tensor->data, message->raw_data.data, count, elem_size);
        else if (count)
            fill_from_typed(message, tensor, count);
    }
    if (dtype == DNNX_DTYPE_BOOL)
        for (size_t i = 0; i < count; i++)
            ((uint8_t *)tensor->data)[i] = ((uint8_t *)tensor->data)[i] != 0;
    *out = tensor;
    return DNNX_OK;

free_tensor:
    proto_tensor_destroy(tensor);
    return status;
}

static dnnx_status decode_tensor(const void *buf, size_t len, const char *base_dir, dnnx_tensor **out)
{
    Onnx__TensorProto *message = onnx__tensor_proto__unpack(NULL, len, buf);
    if (!message)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "cannot parse tensor: not a valid ONNX TensorProto");
    dnnx_status status = proto_tensor_from_message(message, base_dir, out);
    if (status)
        dnnx_error_prefix("tensor '%s'", message->name ? message->name : "");
    onnx__tensor_proto__free_unpacked(message, NULL);
    return status;
}

dnnx_status proto_tensor_decode(const void *buf, size_t len, dnnx_tensor **out)
{
    if ((!buf && len) || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "proto_tensor_decode: buf and out must not be NULL");
    return decode_tensor(buf, len, NULL, out);
}

dnnx_status dnnx_tensor_read_pb_from_memory(const void *buf, size_t len, dnnx_tensor **out)
{
    if ((!buf && len) || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_read_pb_from_memory: buf and out must not be NULL");
    return decode_tensor(buf, len, NULL, out);
}

dnnx_status dnnx_tensor_read_pb(const char *path, dnnx_tensor **out)
{
    if (!path || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_read_pb: path and out must not be NULL");
    proto_mapped_file file;
    dnnx_status status = proto_map_file(path, PROTO_MAX_MESSAGE_BYTES, "tensor", &file);
    if (status)
        return status;
    char *dir = proto_parent_dir(path);
    if (!dir) {
        proto_unmap_file(&file);
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    }
    status = decode_tensor(file.data, file.size, dir, out);
    if (status)
        dnnx_error_prefix("%s", path);
    free(dir);
    proto_unmap_file(&file);
    return status;
}

/* A protobuf-c output buffer that streams the packed message into a file. */
typedef struct file_buffer {
    ProtobufCBuffer base;
    FILE *stream;
    bool failed;
} file_buffer;

static void file_buffer_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
    file_buffer *fb = (file_buffer *)buffer;
    if (!fb->failed && len && fwrite(data, 1, len, fb->stream) != len)
        fb->failed = true;
}

dnnx_status dnnx_tensor_write_pb(const dnnx_tensor *tensor, const char *path)
{
    if (!tensor || !path)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "dnnx_tensor_write_pb: tensor and path must not be NULL");
    size_t bytes;
    dnnx_status status = tensor_bytes_checked(tensor->dtype, tensor->rank, tensor->dims, &bytes);
    if (status) {
        dnnx_error_prefix("cannot write tensor '%s'", tensor->name ? tensor->name : "");
        return status;
    }
    if (!tensor->data && bytes)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "cannot write tensor '%s': it has no data",
                         tensor->name ? tensor->name : "");
    void *le_copy = NULL;
    if (!PROTO_HOST_IS_LITTLE_ENDIAN && bytes) {
        if (!(le_copy = malloc(bytes)))
            return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
        proto_copy_to_le(le_copy, tensor->data, bytes / tensor_dtype_size(tensor->dtype),
                         tensor_dtype_size(tensor->dtype));
    }
    Onnx__TensorProto message = ONNX__TENSOR_PROTO__INIT;
    message.n_dims = (size_t)tensor->rank;
    message.dims = (int64_t *)tensor->dims;
    message.has_data_type = 1;
    message.data_type = (int32_t)tensor->dtype;
    message.name = tensor->name;
    message.has_raw_data = 1;
    message.raw_data.len = bytes;
    message.raw_data.data = le_copy ? le_copy : tensor->data;

    file_buffer buffer = {.base = {file_buffer_append}, .stream = fopen(path, "wb"), .failed = false};
    if (!buffer.stream) {
        status = dnnx_fail(DNNX_ERR_IO, "cannot open '%s' for writing: %s", path, strerror(errno));
        goto free_copy;
    }
    protobuf_c_message_pack_to_buffer(&message.base, &buffer.base);
    int write_errno = buffer.failed ? errno : 0;
    if (fclose(buffer.stream) != 0 && !buffer.failed) {
        buffer.failed = true;
        write_errno = errno;
    }
    if (buffer.failed) {
        status = dnnx_fail(DNNX_ERR_IO, "cannot write '%s': %s", path, strerror(write_errno));
        remove(path);
    }
free_copy:
    free(le_copy);
    return status;
}

/* Shared by proto/model.c, tensor_proto.c and npy.c only: the protobuf-c side of decoding
 * and a few file helpers. Nothing outside proto/ includes this header. */
#ifndef DNNX_PROTO_PROTO_INTERNAL_H
#define DNNX_PROTO_PROTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/tensor.h"
#include "proto/onnx.pb-c.h"
#include "proto/proto.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PROTO_HOST_IS_LITTLE_ENDIAN 0
#else
#define PROTO_HOST_IS_LITTLE_ENDIAN 1
#endif

/* A ModelProto may not exceed 2 GiB (protobuf's own limit); neither may a TensorProto file. */
#define PROTO_MAX_MESSAGE_BYTES ((size_t)2 << 30)

/* Deepest nesting of messages accepted before unpacking: protobuf-c recurses once per level,
 * so a crafted file could otherwise exhaust the stack. A subgraph costs three levels
 * (attribute -> graph -> node), so this allows more than 40 levels of nested control flow. */
#define PROTO_MAX_NESTING 128

/* A whole file mapped read-only (data is NULL for an empty file). */
typedef struct proto_mapped_file {
    const uint8_t *data;
    size_t size;
} proto_mapped_file;

/* The mappings of one model load (proto.h): the model file and its external data files. */
struct proto_files {
    proto_mapped_file *maps;
    char **paths; /* real path of each mapped external data file; NULL for the model file */
    size_t n_maps, cap_maps;
    bool in_place;     /* tensors may point into the mappings */
    size_t n_in_place; /* tensors that do */
};

/* An empty set of mappings; in_place says whether tensors may point into them. */
dnnx_status proto_files_create(bool in_place, proto_files **out);
/* Adds a mapping to files, which then owns it (and a copy of path, NULL for the model file). */
dnnx_status proto_files_add(proto_files *files, const char *path, proto_mapped_file *map);

/* Where a TensorProto's bytes may come from besides its own fields. */
typedef struct proto_tensor_source {
    const char *base_dir; /* directory external data is resolved against; NULL refuses external data */
    proto_files *files;   /* mappings to read external data through and to point tensors into; NULL: copy */
    bool has_raw;         /* the message's raw_data was cut from it before unpacking: it is raw[0..raw_len) */
    const uint8_t *raw;
    size_t raw_len;
} proto_tensor_source;

/* Decodes an unpacked TensorProto into a new heap tensor (named as in the message). Bytes
 * that lie in a mapping of source->files are used in place when the mappings allow it and
 * they are aligned for the element type and need no conversion; otherwise they are copied
 * and the mapping's pages let go. The message's raw_data buffer may be moved into the tensor
 * (to avoid a copy of every weight), so the message must have been unpacked with the default
 * allocator. Failure messages are not prefixed: callers add "initializer 'W': " and the like. */
dnnx_status proto_tensor_from_source(Onnx__TensorProto *message, const proto_tensor_source *source, dnnx_tensor **out);
/* The same with only a base_dir (NULL refuses external data): every byte is copied. */
dnnx_status proto_tensor_from_message(Onnx__TensorProto *message, const char *base_dir, dnnx_tensor **out);

/* Frees a heap tensor made by this module (NULL is a no-op). */
void proto_tensor_destroy(dnnx_tensor *tensor);

/* Copies count little-endian elements of elem_size bytes into host order. */
void proto_copy_from_le(void *dst, const void *src, size_t count, size_t elem_size);
/* Copies count host-order elements of elem_size bytes into little-endian order. */
void proto_copy_to_le(void *dst, const void *src, size_t count, size_t elem_size);

/* True if the serialized message nests no deeper than max_depth messages. Malformed wire
 * data is left for protobuf-c to reject, so this returns true for it. */
bool proto_nesting_ok(const ProtobufCMessageDescriptor *descriptor, const uint8_t *buf, size_t len, int max_depth);

/* Reads a base-128 varint at *pos of buf[0..len), advancing *pos; false if it is cut short. */
bool proto_read_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *value);

/* Maps a regular file of at most max_bytes; what names its role in messages ("model"). */
dnnx_status proto_map_file(const char *path, size_t max_bytes, const char *what, proto_mapped_file *file);
void proto_unmap_file(proto_mapped_file *file);

/* "float", "float8e4m3fn", ... for any ONNX element type number; "unknown" otherwise. */
const char *proto_elem_type_name(int32_t elem_type);

/* OK if dnnx can hold the ONNX element type; else a message "element type X (N) is ...". */
dnnx_status proto_check_elem_type(int32_t elem_type);

/* The directory part of a file path ("." if none), malloc'd; NULL when out of memory. */
char *proto_parent_dir(const char *path);

/* Writes "[3,4]" into buf. */
void proto_format_dims(const int64_t *dims, size_t rank, char *buf, size_t size);

#endif

/* The file formats: ONNX ModelProto -> graph, TensorProto <-> tensor, .npy <-> tensor.
 * The only module that includes protobuf-c and onnx.pb-c.h. Every count, dim, offset and
 * length read from a file is checked before use: files are untrusted. */
#ifndef DNNX_PROTO_PROTO_H
#define DNNX_PROTO_PROTO_H

#include <stddef.h>

#include "graph/graph.h"

/* Limits on what a model may ask of the loader. */
typedef struct proto_limits {
    size_t max_file_bytes;   /* model and external data files */
} proto_limits;

/* Loads a model file; external data is resolved relative to the file's directory and may
 * not escape it. The caller frees *out with graph_free. */
dnnx_status proto_load_model_file(const char *path, graph **out);

/* The read-only mappings of a model file and its external data files that the initializers
 * of a loaded graph may point into. */
typedef struct proto_files proto_files;

/* Loads a model file like proto_load_model_file, but reads it and its external data through
 * read-only mappings and leaves an initializer in place when its bytes in the file are
 * aligned for its element type and need no conversion (little-endian host, not bool): its
 * data then points into the mapping (owns_data false) and is never copied. Every other
 * initializer is copied once, and the pages it was copied from are let go. *files holds the
 * mappings, to be freed with proto_files_free after graph_free; it is NULL when no
 * initializer points into a file. A file changed while mapped may kill the process (SIGBUS),
 * as with any mapped file. */
dnnx_status proto_load_model_file_mapped(const char *path, graph **out, proto_files **files);

/* Tells the kernel that the bytes [data, data + bytes) will not be read for a while, when
 * they lie in one of the mappings (else nothing happens): their pages leave the process's
 * resident memory and are read back from the file if they are touched again. */
void proto_files_release(proto_files *files, const void *data, size_t bytes);

/* How many initializers point into the mappings. */
size_t proto_files_in_place(const proto_files *files);

/* Unmaps the files (NULL is a no-op). */
void proto_files_free(proto_files *files);

/* Loads a serialized ModelProto from memory. base_dir is the directory external data is
 * resolved against, or NULL to reject external data. */
dnnx_status proto_load_model_memory(const void *buf, size_t len, const char *base_dir, graph **out);

/* Decodes a serialized TensorProto (raw_data or typed fields) into a new tensor. */
dnnx_status proto_tensor_decode(const void *buf, size_t len, dnnx_tensor **out);

#endif

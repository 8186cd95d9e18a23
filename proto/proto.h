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

/* Loads a serialized ModelProto from memory. base_dir is the directory external data is
 * resolved against, or NULL to reject external data. */
dnnx_status proto_load_model_memory(const void *buf, size_t len, const char *base_dir, graph **out);

/* Decodes a serialized TensorProto (raw_data or typed fields) into a new tensor. */
dnnx_status proto_tensor_decode(const void *buf, size_t len, dnnx_tensor **out);

#endif

/* dnnx — run ONNX models on the CPU from C.
 *
 * Conventions for every function in this header:
 *  - Fallible functions return dnnx_status; DNNX_OK (0) is success. On failure the
 *    message for the calling thread is dnnx_last_error(), valid until the next dnnx call
 *    that fails on the same thread.
 *  - The creator frees: every object made by dnnx_*_create / dnnx_*_read_* is released by
 *    the matching dnnx_*_free, and every free function accepts NULL.
 *  - Out-parameters are written only on success.
 */
#ifndef DNNX_H
#define DNNX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libdnnx is built with hidden visibility; everything declared here is exported. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define DNNX_VERSION_MAJOR 0
#define DNNX_VERSION_MINOR 1
#define DNNX_VERSION_PATCH 0

/* The largest tensor rank dnnx handles. */
#define DNNX_MAX_RANK 12

typedef enum dnnx_status {
    DNNX_OK = 0,
    DNNX_ERR_INVALID_ARGUMENT = 1, /* the caller passed something wrong */
    DNNX_ERR_INVALID_MODEL = 2,    /* the model file or graph is malformed */
    DNNX_ERR_UNSUPPORTED = 3,      /* valid ONNX that dnnx does not implement */
    DNNX_ERR_IO = 4,               /* a file could not be read or written */
    DNNX_ERR_OUT_OF_MEMORY = 5,    /* an allocation failed or would pass a limit */
    DNNX_ERR_RUNTIME = 6,          /* a kernel failed on the data (e.g. index out of range) */
    DNNX_ERR_INTERNAL = 7          /* a bug in dnnx */
} dnnx_status;

/* Element types; the values are those of onnx.TensorProto.DataType. */
typedef enum dnnx_dtype {
    DNNX_DTYPE_UNDEFINED = 0,
    DNNX_DTYPE_FLOAT = 1,
    DNNX_DTYPE_UINT8 = 2,
    DNNX_DTYPE_INT8 = 3,
    DNNX_DTYPE_UINT16 = 4,
    DNNX_DTYPE_INT16 = 5,
    DNNX_DTYPE_INT32 = 6,
    DNNX_DTYPE_INT64 = 7,
    DNNX_DTYPE_STRING = 8,
    DNNX_DTYPE_BOOL = 9,
    DNNX_DTYPE_FLOAT16 = 10,
    DNNX_DTYPE_DOUBLE = 11,
    DNNX_DTYPE_UINT32 = 12,
    DNNX_DTYPE_UINT64 = 13,
    DNNX_DTYPE_BFLOAT16 = 16
} dnnx_dtype;

/* "0.1.0" */
const char *dnnx_version(void);

/* The message of the last failure on the calling thread ("" if none). Thread-local. */
const char *dnnx_last_error(void);

/* Name of a dtype as ONNX spells it ("float", "int64", ...); "undefined" for unknown values. */
const char *dnnx_dtype_name(dnnx_dtype dtype);

/* Bytes per element; 0 for UNDEFINED, STRING and unknown values. */
size_t dnnx_dtype_size(dnnx_dtype dtype);

/* ---------------------------------------------------------------------------------------
 * Tensors: dtype, rank, dims and a dense row-major buffer. A tensor either owns its buffer
 * (dnnx_tensor_create, dnnx_tensor_read_*, outputs of dnnx_session_run) or wraps caller
 * memory (dnnx_tensor_wrap), which the caller keeps alive and frees itself.
 * Tensor objects are not thread-safe; distinct tensors may be used from distinct threads.
 * ------------------------------------------------------------------------------------- */
typedef struct dnnx_tensor dnnx_tensor;

/* A new tensor that owns a zero-filled buffer. rank 0 is a scalar (dims may be NULL). */
dnnx_status dnnx_tensor_create(dnnx_dtype dtype, int rank, const int64_t *dims, dnnx_tensor **out);

/* A tensor over caller memory of at least dnnx_tensor_size_bytes() bytes; not copied. */
dnnx_status dnnx_tensor_wrap(dnnx_dtype dtype, int rank, const int64_t *dims, void *data,
                             dnnx_tensor **out);

/* Frees the tensor, and its buffer if it owns it. NULL is a no-op. */
void dnnx_tensor_free(dnnx_tensor *tensor);

dnnx_dtype dnnx_tensor_dtype(const dnnx_tensor *tensor);
int dnnx_tensor_rank(const dnnx_tensor *tensor);
/* Pointer to rank dims, owned by the tensor. */
const int64_t *dnnx_tensor_dims(const dnnx_tensor *tensor);
size_t dnnx_tensor_element_count(const dnnx_tensor *tensor);
size_t dnnx_tensor_size_bytes(const dnnx_tensor *tensor);
/* The element buffer, owned by the tensor (or by the caller for wrapped tensors). */
void *dnnx_tensor_data(dnnx_tensor *tensor);
const void *dnnx_tensor_data_const(const dnnx_tensor *tensor);
/* The tensor's name ("" if none); the string is owned by the tensor. */
const char *dnnx_tensor_name(const dnnx_tensor *tensor);
/* Copies name into the tensor. */
dnnx_status dnnx_tensor_set_name(dnnx_tensor *tensor, const char *name);

/* Reads a serialized onnx.TensorProto (the input_K.pb / output_K.pb files of the ONNX
 * backend tests). The caller frees *out with dnnx_tensor_free. */
dnnx_status dnnx_tensor_read_pb(const char *path, dnnx_tensor **out);
dnnx_status dnnx_tensor_read_pb_from_memory(const void *buf, size_t len, dnnx_tensor **out);
/* Writes the tensor as a serialized onnx.TensorProto with raw_data and its name. */
dnnx_status dnnx_tensor_write_pb(const dnnx_tensor *tensor, const char *path);

/* Reads / writes NumPy .npy files (format 1.0-3.0, little-endian, C order). */
dnnx_status dnnx_tensor_read_npy(const char *path, dnnx_tensor **out);
dnnx_status dnnx_tensor_write_npy(const dnnx_tensor *tensor, const char *path);

/* ---------------------------------------------------------------------------------------
 * Options for creating a session. Copied by dnnx_session_create; free them any time after.
 * ------------------------------------------------------------------------------------- */
typedef struct dnnx_options dnnx_options;

dnnx_status dnnx_options_create(dnnx_options **out);
void dnnx_options_free(dnnx_options *options);
/* Intra-op threads for this session only; 0 (the default) means all cores. The reference
 * backend runs every node on the thread that called dnnx_session_run, so today the value
 * only bounds backends that parallelise inside a node. */
dnnx_status dnnx_options_set_threads(dnnx_options *options, int threads);
/* 0 = no graph optimization, 1 = basic (default). */
dnnx_status dnnx_options_set_optimization_level(dnnx_options *options, int level);
/* The most bytes of intermediate tensors one run may hold at once; an output that would
 * pass it fails the run with DNNX_ERR_OUT_OF_MEMORY before anything is allocated.
 * 0 (the default) means the machine's physical memory. */
dnnx_status dnnx_options_set_max_memory(dnnx_options *options, size_t bytes);
/* "strict" (the default): float32 arithmetic throughout. "bf16": MatMul/Gemm may run with
 * bfloat16 operands and float32 accumulation where the CPU supports it (faster, less exact). */
dnnx_status dnnx_options_set_fpmath(dnnx_options *options, const char *fpmath);
/* Which backends may run nodes: "ref" or "all" (the default). Nodes a backend declines
 * always fall back to the reference backend. Overridden by the DNNX_BACKENDS variable. */
dnnx_status dnnx_options_set_backends(dnnx_options *options, const char *backends);

/* ---------------------------------------------------------------------------------------
 * Sessions: a loaded, checked and compiled model. A session owns its graph, weights and
 * kernels. Thread safety:
 *  - dnnx_session_run may be called from any number of threads at once on one session:
 *    each run keeps its intermediate tensors to itself and reads the session only;
 *  - the metadata functions (dnnx_session_input_*, ..._output_*, _describe) may run
 *    concurrently with runs;
 *  - dnnx_session_free must not overlap any other call on the same session;
 *  - distinct sessions share nothing and may be used freely from different threads;
 *  - dnnx_last_error() is per thread.
 * ------------------------------------------------------------------------------------- */
typedef struct dnnx_session dnnx_session;

/* Loads the model at path (external data is resolved relative to its directory). options
 * may be NULL for the defaults. The caller frees *out with dnnx_session_free. */
dnnx_status dnnx_session_create(const char *path, const dnnx_options *options, dnnx_session **out);

/* Loads a model from a serialized ModelProto in memory (copied; buf may be freed after).
 * Models with external data cannot be loaded this way. */
dnnx_status dnnx_session_create_from_memory(const void *buf, size_t len, const dnnx_options *options,
                                            dnnx_session **out);

void dnnx_session_free(dnnx_session *session);

/* Graph inputs (excluding initializers) and outputs, in model order. Names and dim names
 * are owned by the session. A dim is -1 when it is symbolic or unknown; its name, if the
 * model gives one ("batch"), is returned by the *_dim_name functions (NULL if none). */
size_t dnnx_session_input_count(const dnnx_session *session);
const char *dnnx_session_input_name(const dnnx_session *session, size_t index);
dnnx_dtype dnnx_session_input_dtype(const dnnx_session *session, size_t index);
/* -1 if the rank is unknown. */
int dnnx_session_input_rank(const dnnx_session *session, size_t index);
int64_t dnnx_session_input_dim(const dnnx_session *session, size_t index, int axis);
const char *dnnx_session_input_dim_name(const dnnx_session *session, size_t index, int axis);

size_t dnnx_session_output_count(const dnnx_session *session);
const char *dnnx_session_output_name(const dnnx_session *session, size_t index);
dnnx_dtype dnnx_session_output_dtype(const dnnx_session *session, size_t index);
int dnnx_session_output_rank(const dnnx_session *session, size_t index);
int64_t dnnx_session_output_dim(const dnnx_session *session, size_t index, int axis);
const char *dnnx_session_output_dim_name(const dnnx_session *session, size_t index, int axis);

/* Runs the model. inputs[i] is the i-th graph input (n_inputs must equal the input count;
 * an optional input may be NULL). On success outputs[j] receives a new tensor for each of
 * the first n_outputs graph outputs, named as in the model, which the caller frees with
 * dnnx_tensor_free. On failure no output is written. */
dnnx_status dnnx_session_run(dnnx_session *session, const dnnx_tensor *const *inputs, size_t n_inputs,
                             dnnx_tensor **outputs, size_t n_outputs);

/* The arena planned for the most recently planned input-shape signature: the peak bytes of
 * intermediate tensors one run at those shapes holds (0 before the first run). The first
 * run at new shapes plans; later runs at the same shapes reuse the plan. */
size_t dnnx_session_arena_bytes(const dnnx_session *session);

/* One line per node in execution order: name, op type, the backend that runs it and, when a
 * preferred backend declined it, why. A new string the caller frees with free(). */
char *dnnx_session_describe_backends(const dnnx_session *session);

/* A one-paragraph description of the model for `dnnx inspect`: a newly allocated string
 * the caller frees with free(). */
char *dnnx_session_describe(const dnnx_session *session);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* DNNX_H */

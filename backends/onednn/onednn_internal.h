/* The oneDNN backend's shared machinery, private to backends/onednn/ (the only directory that
 * includes dnnl.h).
 *
 * A kernel is a node bound to an op descriptor (onednn_op). On the first run with a new
 * shape signature (the concrete dims of its inputs and outputs) the op's build function turns
 * the node into an entry: up to ONEDNN_MAX_STEPS primitives, each with its arguments, whose
 * data comes at run time from the node's inputs and outputs (plain row-major buffers of the
 * executor), from constants prepared once (weights reordered into the layout the primitive
 * prefers), or from the scratch buffer of the execution slot (scratchpads and temporaries).
 * Entries are cached in the kernel and reused by every later run with that signature; a kernel
 * keeps the ONEDNN_MAX_ENTRIES most recently used (a decoder run token by token sees a new
 * signature at every step).
 *
 * A constant weight the session hands to its only kernel (backend.h take_constant) is
 * owned by the kernel from then on: once a reordered copy exists and no cached entry reads
 * the original bytes (a step whose layout equals them, or a reference fallback), the kernel
 * lets the original go, and rebuilds it from a copy when a new shape needs it again.
 *
 * Runs of one session may overlap: each run of a kernel takes one of the session's execution
 * slots (a stream, a scratch buffer, and in each entry a set of memory objects that only the
 * slot's holder re-points), so no run allocates once its shapes have been seen. */
#ifndef DNNX_BACKENDS_ONEDNN_INTERNAL_H
#define DNNX_BACKENDS_ONEDNN_INTERNAL_H

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/backend.h"
#include "backends/onednn/onednn.h"
#include "graph/op.h"

#define ONEDNN_SLOTS 8       /* kernel runs of one session that may execute at the same time */
#define ONEDNN_MAX_STEPS 3   /* primitives per entry */
#define ONEDNN_MAX_ARGS 8    /* arguments per primitive */
#define ONEDNN_MAX_INPUTS 8  /* node inputs a kernel handles */
#define ONEDNN_MAX_OUTPUTS 4 /* node outputs a kernel handles */
/* Shape signatures cached per kernel; the least recently used go first. */
#define ONEDNN_MAX_ENTRIES ONEDNN_CACHED_SIGNATURES
#define ONEDNN_ALIGNMENT 64

typedef struct onednn_slot {
    dnnl_stream_t stream;
    void *scratch; /* scratchpads at offset 0, then the entry's temporaries */
    size_t scratch_bytes;
    bool busy;
} onednn_slot;

struct backend_session {
    dnnl_engine_t engine;
    int threads;
    bool fpmath_bf16;
    pthread_mutex_t lock; /* guards the slots' busy flags */
    pthread_cond_t slot_freed;
    onednn_slot slots[ONEDNN_SLOTS];
    atomic_size_t primitives_created;
};

/* Where an argument's data lives at run time. */
typedef enum onednn_source {
    ONEDNN_INPUT,      /* the node's input `index` */
    ONEDNN_OUTPUT,     /* the node's output `index` */
    ONEDNN_FIXED,      /* `fixed`: a constant input, or a buffer the kernel prepared from one */
    ONEDNN_TEMP,       /* `offset` bytes into the slot's temporaries */
    ONEDNN_SCRATCHPAD, /* the start of the slot's scratch */
} onednn_source;

typedef struct onednn_arg {
    int id; /* DNNL_ARG_* */
    onednn_source source;
    int index;
    size_t offset;
    const void *fixed;
    dnnl_memory_desc_t md;
} onednn_arg;

typedef struct onednn_step {
    dnnl_primitive_t primitive;
    int n_args;
    onednn_arg args[ONEDNN_MAX_ARGS];
} onednn_step;

typedef struct onednn_entry {
    int64_t *signature;
    size_t signature_len;
    bool use_reference;      /* oneDNN has no implementation for these shapes: the reference runs */
    unsigned reads_original; /* bit i: a step reads constant input i's own bytes */
    int users;               /* runs using the entry now; it stays cached while any does */
    int n_steps;
    onednn_step steps[ONEDNN_MAX_STEPS];
    size_t scratchpad_bytes; /* the largest step's scratchpad */
    size_t temp_bytes;       /* temporaries, placed after the scratchpad */
    dnnl_memory_t memory[ONEDNN_SLOTS][ONEDNN_MAX_STEPS][ONEDNN_MAX_ARGS];
    struct onednn_entry *next;
} onednn_entry;

/* A buffer made once from a constant input: reordered into md (from the input's own layout
 * `from`), or scaled (md.ndims 0). */
typedef struct onednn_constant {
    int input;
    float scale;
    dnnl_memory_desc_t md;
    dnnl_memory_desc_t from;
    void *data;
    struct onednn_constant *next;
} onednn_constant;

/* A constant input the kernel was handed: its own bytes, present or let go. */
typedef struct onednn_held {
    bool taken;
    bool present;       /* data holds the bytes (else they were let go) */
    bool borrowed;      /* the bytes are a file mapping's: let go by advising, never freed */
    dnnx_tensor tensor; /* dtype and dims; data = the bytes (owned unless borrowed) */
    size_t bytes;
    backend_advise_fn advise;
    void *advise_context;
} onednn_held;

typedef struct onednn_op onednn_op;

struct backend_kernel {
    backend_session *session;
    const onednn_op *op;
    unsigned constant_inputs; /* bit i: input i is a constant (initializer) */
    unsigned weight_inputs;   /* bit i: constant input i is a weight the kernel may own (onednn.c) */
    pthread_mutex_t lock;     /* guards entries, n_entries, constants and held */
    onednn_entry *entries;    /* most recently used first */
    int n_entries;
    onednn_constant *constants;
    onednn_held held[ONEDNN_MAX_INPUTS];
};

/* What an op's build function works with: the kernel, the node's concrete run-time ctx, the
 * entry to fill and the slot whose stream may run one-time reorders. */
typedef struct onednn_build {
    backend_kernel *kernel;
    op_ctx *ctx;
    onednn_entry *entry;
    onednn_slot *slot;
} onednn_build;

struct onednn_op {
    const char *domain;
    const char *op_type;
    /* Whether the node (load-time infos in ctx, attributes readable) can run here; else a
     * short reason in why. */
    bool (*supports)(op_ctx *ctx, char *why, size_t why_size);
    /* Fills b->entry for the concrete shapes of b->ctx, or sets b->entry->use_reference. */
    dnnx_status (*build)(onednn_build *b);
};

/* The op descriptors of each kernel file. */
extern const onednn_op onednn_matmul_ops[];
extern const size_t onednn_matmul_op_count;
extern const onednn_op onednn_softmax_ops[];
extern const size_t onednn_softmax_op_count;
extern const onednn_op onednn_layernorm_ops[];
extern const size_t onednn_layernorm_op_count;
extern const onednn_op onednn_eltwise_ops[];
extern const size_t onednn_eltwise_op_count;
extern const onednn_op onednn_binary_ops[];
extern const size_t onednn_binary_op_count;
extern const onednn_op onednn_reduce_ops[];
extern const size_t onednn_reduce_op_count;
extern const onednn_op onednn_conv_ops[];
extern const size_t onednn_conv_op_count;
extern const onednn_op onednn_reorder_ops[];
extern const size_t onednn_reorder_op_count;

#define ONEDNN_OP_COUNT(family)                                                                                        \
    const size_t onednn_##family##_op_count = sizeof onednn_##family##_ops / sizeof onednn_##family##_ops[0]

/* Maps a oneDNN status to a dnnx status, with "node 'X' (Op-V): oneDNN <what>: <status>"
 * as the thread's message. */
dnnx_status onednn_status(op_ctx *ctx, dnnl_status_t status, const char *what);

/* Writes a reason for declining into why and returns false (for supports functions). */
bool onednn_decline(char *why, size_t why_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* supports(): whether a load-time dtype may be float32 (it is, or is not known until run time). */
static inline bool onednn_maybe_float(dnnx_dtype dtype)
{
    return dtype == DNNX_DTYPE_FLOAT || dtype == DNNX_DTYPE_UNDEFINED;
}
/* build(): whether the present inputs among the first n are float32; if not, marks the entry
 * for the reference (dtypes unknown at load time are checked here). */
bool onednn_require_float(onednn_build *b, int n);

/* Whether input i of the node is a constant (its data known at load time). */
bool onednn_input_is_constant(const onednn_build *b, int i);

/* Plain row-major memory descriptor of float32 (or dtype) dims; rank 0 is viewed as [1]. */
dnnl_status_t onednn_md_plain(dnnl_memory_desc_t *md, int rank, const int64_t *dims, dnnl_data_type_t dtype);
/* A memory descriptor over dims with explicit strides (in elements). */
dnnl_status_t onednn_md_strided(dnnl_memory_desc_t *md, int rank, const int64_t *dims, const int64_t *strides,
                                dnnl_data_type_t dtype);

/* Primitive attributes with a user-managed scratchpad (every primitive here uses one). */
dnnx_status onednn_attr_create(onednn_build *b, dnnl_primitive_attr_t *attr);

/* Creates the primitive descriptor of desc (attr may be NULL) and, from it, the next step's
 * primitive with its scratchpad argument. When oneDNN has no implementation, sets
 * entry->use_reference and returns OK with *step NULL. When pd is not NULL the caller gets
 * the primitive descriptor (to query layouts) and destroys it. */
dnnx_status onednn_add_step(onednn_build *b, const_dnnl_op_desc_t desc, const_dnnl_primitive_attr_t attr,
                            onednn_step **step, dnnl_primitive_desc_t *pd);
/* The same for a reorder from src to dst; the caller adds the FROM and TO arguments. */
dnnx_status onednn_add_reorder_step(onednn_build *b, const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *dst,
                                    onednn_step **step);

/* Appends an argument to a step. */
void onednn_arg_input(onednn_step *step, int id, int input, const dnnl_memory_desc_t *md);
void onednn_arg_output(onednn_step *step, int id, int output, const dnnl_memory_desc_t *md);
void onednn_arg_fixed(onednn_step *step, int id, const void *data, const dnnl_memory_desc_t *md);
/* A temporary of md's size in the slot's scratch; returns its offset for the next step. */
size_t onednn_temp_alloc(onednn_build *b, const dnnl_memory_desc_t *md);
void onednn_arg_temp(onednn_step *step, int id, size_t offset, const dnnl_memory_desc_t *md);

/* Constant input `input` (laid out as from) in the layout to: its own data when the layouts
 * are equal (the entry then reads the original bytes), else a buffer reordered once and kept
 * by the kernel while a cached entry uses it. */
dnnx_status onednn_constant_reordered(onednn_build *b, int input, const dnnl_memory_desc_t *from,
                                      const dnnl_memory_desc_t *to, const void **data);
/* A float32 copy of constant input `input` multiplied by scale, kept by the kernel. */
dnnx_status onednn_constant_scaled(onednn_build *b, int input, float scale, const void **data);

#endif

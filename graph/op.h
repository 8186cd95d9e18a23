/* What an op is to the IR: a schema (domain, type, since_version, arity) with a shape
 * inference function and a reference kernel. ops/ fills the registry; the IR core and the
 * backends reach ops only through these types.
 *
 * One op_ctx serves both functions. infer() reads input dtypes and shapes (and input data
 * when known) and sets each output's dtype, rank and dims. run() computes outputs whose
 * buffers the executor has allocated from the shapes infer() set.
 *
 * At load time (ctx->concrete == false) dims may be symbolic (< 0, see graph.h) and input
 * data is NULL unless the input is a constant; infer() must then still give output dtypes
 * and ranks, using DIM_UNKNOWN where a size depends on unknown data (and rank -1 where even
 * the rank does: downstream nodes are then inferred at run time only). At run time
 * (ctx->concrete == true) every dim is concrete and every input has data, and infer() must
 * check everything that can be checked (a mismatch here is the caller's input error). */
#ifndef DNNX_GRAPH_OP_H
#define DNNX_GRAPH_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"

typedef struct op_ctx op_ctx;
typedef dnnx_status (*op_infer_fn)(op_ctx *ctx);
typedef dnnx_status (*op_run_fn)(op_ctx *ctx);

typedef struct op_schema {
    const char *domain;   /* "" = ai.onnx */
    const char *op_type;
    int since_version;    /* this entry applies to opsets >= since_version (until the next) */
    int min_inputs;
    int max_inputs;       /* OP_VARIADIC for no limit */
    int min_outputs;
    int max_outputs;
    op_infer_fn infer;
    op_run_fn run;
} op_schema;

#define OP_VARIADIC 1000000

struct op_ctx {
    const graph_node *node;
    const graph *graph;
    int opset;                          /* the model's opset for the node's domain */
    int n_inputs;
    const dnnx_tensor *const *inputs;   /* NULL = omitted optional input */
    int n_outputs;
    dnnx_tensor *const *outputs;        /* NULL = omitted optional output */
    bool concrete;                      /* run time: all dims concrete, all data present */
    dnnx_status status;                 /* sticky error from attribute accessors */
    /* Run time only (NULL at load): runs body, one of this node's subgraphs (op_attr_graph), on
     * n_inputs tensors for its inputs, the values of the enclosing graphs visible to it, and
     * stores its n_outputs outputs in outputs[] as new tensors with owned buffers that the
     * caller frees with dnnx_tensor_free. The run may hold at most memory_left bytes. */
    dnnx_status (*run_subgraph)(op_ctx *ctx, const graph *body, const dnnx_tensor *const *inputs, int n_inputs,
                                dnnx_tensor **outputs, int n_outputs);
    void *executor;                     /* the enclosing run, for run_subgraph */
    /* Set by infer() at run time when only run() can know the output shapes (control flow):
     * the executor then allocates no output buffers, and run() sets each present output's
     * dtype and shape and gives it a buffer it owns (tensor_alloc_data, or moved from a
     * run_subgraph output). */
    bool run_allocates_outputs;
    /* Run time: bytes the node may still hold at once (the run's memory limit minus what the
     * run holds). A node holding tensors across run_subgraph calls subtracts their bytes. */
    size_t memory_left;
};

/* The since_version of the schema entry the node was bound to. */
int op_version(const op_ctx *ctx);

/* Sets the thread's message to "node 'NAME' (OP-VERSION): <message>" and returns status. */
dnnx_status op_fail(op_ctx *ctx, dnnx_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Input i, or NULL if it is omitted or i >= n_inputs. */
const dnnx_tensor *op_input(const op_ctx *ctx, int i);
/* Output i, or NULL if it is omitted or i >= n_outputs. */
dnnx_tensor *op_output(const op_ctx *ctx, int i);
/* True if input i is present and its data is known (always, at run time). */
bool op_input_has_data(const op_ctx *ctx, int i);

/* infer(): sets output i's dtype and shape (no-op if output i is omitted). */
void op_set_output(op_ctx *ctx, int i, dnnx_dtype dtype, int rank, const int64_t *dims);
/* infer(): output i gets input j's dtype and shape. */
void op_set_output_like(op_ctx *ctx, int i, const dnnx_tensor *like);

/* Attributes. A missing attribute yields the default; an attribute of the wrong type
 * records an error in ctx->status (returned by the driver) and yields the default. */
bool op_has_attr(const op_ctx *ctx, const char *name);
int64_t op_attr_int(op_ctx *ctx, const char *name, int64_t def);
float op_attr_float(op_ctx *ctx, const char *name, float def);
/* NUL-terminated; def if absent. */
const char *op_attr_string(op_ctx *ctx, const char *name, const char *def);
/* NULL and *count = 0 if absent. */
const int64_t *op_attr_ints(op_ctx *ctx, const char *name, size_t *count);
const float *op_attr_floats(op_ctx *ctx, const char *name, size_t *count);
const char *const *op_attr_strings(op_ctx *ctx, const char *name, size_t *count);
const dnnx_tensor *op_attr_tensor(op_ctx *ctx, const char *name);
const graph *op_attr_graph(op_ctx *ctx, const char *name);

/* Normalises axis in [-rank, rank) to [0, rank); fails naming the axis otherwise. */
dnnx_status op_normalize_axis(op_ctx *ctx, int64_t axis, int rank, int *out);

/* Two dims that must be equal (what names them in the message): fails if both are
 * concrete and differ; *out is the more specific of the two (concrete beats symbolic). */
dnnx_status op_merge_dim(op_ctx *ctx, int64_t a, int64_t b, const char *what, int64_t *out);

/* Multidirectional (numpy) broadcasting of the present inputs' shapes into rank/dims;
 * handles symbolic dims; fails naming the shapes when they cannot broadcast. */
dnnx_status op_broadcast_shapes(op_ctx *ctx, const dnnx_tensor *const *tensors, int n, int *rank, int64_t *dims);

/* Checks that input i has one of the listed dtypes (terminated by DNNX_DTYPE_UNDEFINED). */
dnnx_status op_check_dtype(op_ctx *ctx, int i, const dnnx_dtype *allowed);
/* Checks that inputs i and j have the same dtype. */
dnnx_status op_check_same_dtype(op_ctx *ctx, int i, int j);

/* The registry: a list of schema tables. */
typedef struct op_registry {
    const op_schema *const *tables;
    const size_t *const *table_sizes; /* pointers: the sizes live in the family files */
    size_t n_tables;
} op_registry;

/* The schema for (domain, op_type) with the greatest since_version <= opset. On failure
 * sets a message naming op, domain and version and returns NULL. */
const op_schema *op_registry_find(const op_registry *registry, const char *domain, const char *op_type,
                                  int64_t opset);

/* Binds every live node to its schema and checks arity. */
dnnx_status graph_bind_schemas(graph *g, const op_registry *registry);

/* Symbolic type and shape inference over the whole graph in topological order. Checks
 * every node against its schema; sets value infos; keeps declared output types. */
dnnx_status graph_infer(graph *g);
/* Inference of one node (also used by passes that create nodes). */
dnnx_status graph_infer_node(graph *g, graph_node *node);

#endif

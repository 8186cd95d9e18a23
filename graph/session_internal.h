/* What session.c (compile, metadata) and run.c (the executor) share: the session itself.
 * Private to those two files. */
#ifndef DNNX_GRAPH_SESSION_INTERNAL_H
#define DNNX_GRAPH_SESSION_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "backends/backend.h"
#include "graph/graph.h"
#include "graph/op.h"
#include "graph/plan.h"

#define SESSION_MAX_BACKENDS 4
#define SESSION_MAX_NODE_IO GRAPH_MAX_NODE_IO

struct dnnx_options {
    int threads;
    int optimization_level;
    char backends[16];
    size_t max_memory; /* bytes of intermediate tensors one run may hold; 0 = physical memory */
    bool fpmath_bf16;
};

typedef struct node_binding {
    const backend *backend;
    backend_kernel *kernel;
    char declined[160]; /* why the first backend that declined the node did so */
} node_binding;

/* The arena plan of one input-shape signature (the concrete dims of every graph input). */
typedef struct shape_plan {
    int64_t *signature;
    size_t signature_len;
    size_t *planned_bytes; /* per value: its size on the planning run (plan offsets need it) */
    plan plan;
    struct shape_plan *next;
} shape_plan;

/* The most arena plans kept per graph: a decoder whose past grows by one token per step, or a
 * loop whose carried values change shape on every iteration, would otherwise add one per run.
 * Signatures past the limit run unplanned, allocating per tensor as a first run does. */
#define RUN_MAIN_MAX_PLANS 32
#define RUN_SUBGRAPH_MAX_PLANS 8
/* The most spare arenas a session keeps; past it the smallest is freed, since growing shapes
 * need ever bigger blocks and would otherwise leave every smaller one behind. */
#define RUN_MAX_SPARE_BLOCKS 8

/* An arena not in use by any run, kept for the next one. */
typedef struct spare_arena {
    void *memory;
    size_t bytes;
    struct spare_arena *next;
} spare_arena;

/* A graph as the executor runs it: the main graph, or a subgraph of one of its nodes (a
 * control-flow body), compiled the same way and run by run_subgraph. */
typedef struct session_graph {
    graph *graph;
    node_binding *bindings;          /* per node index; unused for dead nodes */
    int *first_step;                 /* per value: the step (index in graph order) that writes it, -1 if none */
    int *last_step;                  /* per value: the last step that reads it */
    struct session_graph *subgraphs; /* the live nodes' subgraphs, by node index, then attribute order */
    int n_subgraphs;
    int *node_subgraphs; /* node n's are subgraphs[node_subgraphs[n] .. node_subgraphs[n + 1]) */
    shape_plan *plans;   /* guarded by the session's run_cache_lock */
    int n_plans;
} session_graph;

struct dnnx_session {
    session_graph main;
    dnnx_options options;
    const backend *backends[SESSION_MAX_BACKENDS];
    backend_session *backend_sessions[SESSION_MAX_BACKENDS];
    int n_backends;
    pthread_mutex_t run_cache_lock; /* guards every session_graph's plans, spare_arenas and last_arena_bytes */
    spare_arena *spare_arenas;
    size_t last_arena_bytes;
    struct proto_files *files; /* read-only mappings of the model's files that initializers point into */
};

/* Fills an op_ctx for a node from per-value tensors (load-time infos or run-time tensors). */
void session_ctx_for_node(const graph *g, const graph_node *node, const dnnx_tensor **inputs, dnnx_tensor **outputs,
                          bool concrete, op_ctx *ctx);

/* run.c: computes a compiled graph's value lifetimes; frees its plans and lifetimes. */
dnnx_status run_prepare(session_graph *sg);
void run_graph_free(session_graph *sg);
/* Frees the session's spare arenas. */
void run_cache_free(dnnx_session *session);

#endif

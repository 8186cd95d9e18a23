/* The in-memory IR: values (typed, possibly symbolic shapes), nodes with typed attributes,
 * initializers, graph inputs and outputs. Built by proto/, checked by graph_infer, run by
 * the session. Knows nothing of protobuf or of kernels. */
#ifndef DNNX_GRAPH_GRAPH_H
#define DNNX_GRAPH_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnnx.h"
#include "tensor.h"

/* Dims in value shapes: >= 0 concrete; DIM_UNKNOWN an anonymous unknown size (never equal to
 * another); <= DIM_SYMBOL_BASE a named symbol (graph_symbol_name), equal iff equal ids. */
#define DIM_UNKNOWN (-1)
#define DIM_SYMBOL_BASE (-2)
#define DIM_IS_SYMBOL(d) ((d) <= DIM_SYMBOL_BASE)

/* The most inputs or outputs one node may have (Concat and Sum of many tensors exist). */
#define GRAPH_MAX_NODE_IO 512

/* No value (an omitted optional input is written "" in ONNX). */
#define VALUE_NONE (-1)

struct op_schema;
typedef struct graph graph;

typedef enum graph_attr_type {
    ATTR_UNDEFINED = 0,
    ATTR_FLOAT = 1,
    ATTR_INT = 2,
    ATTR_STRING = 3,
    ATTR_TENSOR = 4,
    ATTR_GRAPH = 5,
    ATTR_FLOATS = 6,
    ATTR_INTS = 7,
    ATTR_STRINGS = 8,
    ATTR_TENSORS = 9,
    ATTR_GRAPHS = 10
} graph_attr_type;

typedef struct graph_attr {
    char *name;
    graph_attr_type type;
    float f;
    int64_t i;
    char *s;            /* NUL-terminated copy; s_len bytes (strings may hold NUL) */
    size_t s_len;
    size_t count;       /* elements in floats / ints / strings / tensors / graphs */
    float *floats;
    int64_t *ints;
    char **strings;
    dnnx_tensor *t;     /* ATTR_TENSOR: owned */
    dnnx_tensor **tensors;
    graph *g;           /* ATTR_GRAPH: owned subgraph */
    graph **graphs;
} graph_attr;

typedef struct graph_value {
    char *name;
    dnnx_tensor info;     /* dtype and (symbolic) shape; rank -1 = unknown rank */
    dnnx_tensor *constant; /* initializer or folded constant (owned), else NULL */
    int producer;         /* node index, or -1 for graph inputs / constants */
    int consumer_count;   /* (node, input slot) uses plus appearances in the graph outputs */
    bool is_graph_input;
    bool is_graph_output;
    bool shape_declared;  /* graph input/output with a declared type in the model */
} graph_value;

typedef struct graph_node {
    char *name;           /* never NULL: proto/ names unnamed nodes "<op_type>_<index>" */
    char *op_type;
    char *domain;         /* "" for the default ONNX domain */
    int n_inputs;
    int *inputs;          /* value indices; VALUE_NONE for omitted optional inputs */
    int n_outputs;
    int *outputs;         /* value indices; VALUE_NONE for omitted optional outputs */
    int n_attrs;
    graph_attr *attrs;
    /* Filled by graph_bind_schemas: */
    const struct op_schema *schema;
    int opset;            /* the model's opset for this node's domain */
    bool dead;            /* removed by DCE; skipped everywhere */
    /* Filled by graph_sort: the values of this graph that the node's subgraphs read (outer-scope
     * references, through nested subgraphs too). They order, keep alive and keep live like
     * inputs: consumer_count counts them, the executor releases them after the node ran. */
    int n_implicit_inputs;
    int *implicit_inputs;
} graph_node;

typedef struct graph_opset {
    char *domain;
    int64_t version;
} graph_opset;

struct graph {
    graph_value *values;
    int n_values, cap_values;
    graph_node *nodes;
    int n_nodes, cap_nodes;
    int *inputs;            /* graph inputs that are not initializers, model order */
    int n_inputs;
    int *outputs;
    int n_outputs;
    graph_opset *opsets;
    int n_opsets;
    char **symbols;         /* names of symbolic dims; id k is dim value DIM_SYMBOL_BASE - k */
    int n_symbols;
    int *order;             /* topological order of live nodes (graph_sort) */
    int n_order;
    int64_t ir_version;
    char *name;
    char *producer_name;
    char *producer_version;
    graph *parent;          /* enclosing graph of a subgraph, for outer-scope names */
    struct graph_name_index *index; /* value name -> index */
    /* Filled by graph_sort on a subgraph: its values that are the parent's values of the same
     * name (outer-scope references), outer_refs[k] here being outer_sources[k] in parent. */
    int n_outer_refs;
    int *outer_refs;
    int *outer_sources;
};

graph *graph_create(void);
void graph_free(graph *g);

/* Value lookup / creation by name. graph_value_get returns the index or -1. */
int graph_value_find(const graph *g, const char *name);
/* Returns the index of the value named name, creating it if absent; -1 on out of memory. */
int graph_value_intern(graph *g, const char *name);

/* Appends a node; takes ownership of nothing: strings are copied. Returns node index or -1. */
int graph_node_add(graph *g, const char *name, const char *op_type, const char *domain);
/* Node inputs/outputs by value name ("" = omitted). */
dnnx_status graph_node_set_io(graph *g, int node, const char *const *inputs, int n_inputs,
                              const char *const *outputs, int n_outputs);

/* Opset import lookup; returns -1 if the domain is not imported. "ai.onnx" == "". */
int64_t graph_opset_version(const graph *g, const char *domain);

/* Symbol id for a dim name (interned). Returns the dim value to store. */
int64_t graph_symbol(graph *g, const char *name);
/* Name of a symbolic dim value, or NULL for concrete/unknown dims. */
const char *graph_symbol_name(const graph *g, int64_t dim);

/* The subgraphs a node's attributes hold, in attribute order (each GRAPHS attribute in list
 * order): how many, and the k-th. */
int graph_node_subgraph_count(const graph_node *node);
graph *graph_node_subgraph(const graph_node *node, int k);

/* Recomputes the implicit inputs of g's live nodes, and the outer references of their
 * subgraphs, from the subgraphs' live nodes (whose own implicit inputs must be current): a
 * name a subgraph reads but neither defines nor receives is interned in g. */
dnnx_status graph_collect_outer_refs(graph *g);

/* Collects outer references through all nested subgraphs (graph_collect_outer_refs, innermost
 * first); recomputes producers and consumer counts, checks that every value has at most one
 * producer, every node input is defined (graph input, initializer, node output or outer
 * scope), every graph output is produced; then topologically sorts live nodes without
 * recursion and rejects cycles; then sorts the subgraphs of live nodes the same way. */
dnnx_status graph_sort(graph *g);

/* Marks nodes dead that no graph output depends on, in g and in its live nodes' subgraphs
 * (innermost first, so outer values only dead code read are dropped too), and re-sorts. */
dnnx_status graph_remove_dead_nodes(graph *g);

/* Writes "[batch,seq,768]" into buf using symbol names. */
void graph_format_shape(const graph *g, const dnnx_tensor *info, char *buf, size_t size);

/* Attribute lookup; NULL if the node has no attribute of that name. */
const graph_attr *graph_node_attr(const graph_node *node, const char *name);

#endif

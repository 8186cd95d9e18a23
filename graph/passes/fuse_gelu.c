/* GELU fusion: the decomposed GELU that exporters emit becomes one node.
 *
 * Erf form: the product of x, 0.5 and (1 + erf(x / sqrt 2)) as two Muls in any association and
 * operand order, the erf argument as Div(x, sqrt 2) or Mul(x, 1 / sqrt 2), the (1 + erf) as
 * Add(Erf, 1) either way round or as tf2onnx's Sub(1, Erf(Neg(x) / sqrt 2)).
 * Tanh form (GPT-2): the product of x, 0.5 and (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))),
 * x^3 as Pow(x, 3) or Mul(x, Mul(x, x)).
 *
 * When x is Add(MatMul(A, B), bias) with B a constant 2-D weight and bias a constant [N], the
 * whole chain becomes dnnx.FusedMatMul(A, B, bias) with activation Gelu or GeluTanh; otherwise
 * the GELU alone becomes dnnx.Gelu(x). The new node writes the pattern's output value. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/error.h"
#include "graph/op.h"
#include "graph/passes/pass.h"

#define CONST_TOLERANCE 1e-5
#define SQRT_2_OVER_PI 0.7978845608028654
/* Nodes of the largest pattern: tanh form with x^3 as two Muls, plus MatMul and Add. */
#define MAX_PATTERN_NODES 12

typedef struct gelu_match {
    int x;      /* value the GELU is applied to */
    int output; /* value the pattern's last node writes */
    bool tanh;
    int n_nodes;
    int nodes[MAX_PATTERN_NODES]; /* the GELU's nodes, the last node first */
    int matmul, bias_add;         /* node indices when x is MatMul + bias, else -1 */
} gelu_match;

static bool near(double value, double expected) { return fabs(value - expected) <= CONST_TOLERANCE * fabs(expected); }

/* True if v is a constant float32 tensor of one element (a scalar in any rank), its value in *out. */
static bool float_scalar(const graph *g, int v, double *out)
{
    const dnnx_tensor *t = v == VALUE_NONE ? NULL : g->values[v].constant;
    if (!t || t->dtype != DNNX_DTYPE_FLOAT || tensor_count(t) != 1 || !t->data)
        return false;
    *out = *(const float *)t->data;
    return true;
}

static bool is_float_const(const graph *g, int v, double expected)
{
    double value;
    return float_scalar(g, v, &value) && near(value, expected);
}

/* Pow's exponent may be of another type than its base. */
static bool is_exponent_three(const graph *g, int v)
{
    const dnnx_tensor *t = v == VALUE_NONE ? NULL : g->values[v].constant;
    if (!t || tensor_count(t) != 1 || !t->data)
        return false;
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: return *(const float *)t->data == 3.0f;
    case DNNX_DTYPE_DOUBLE: return *(const double *)t->data == 3.0;
    case DNNX_DTYPE_INT32: return *(const int32_t *)t->data == 3;
    case DNNX_DTYPE_INT64: return *(const int64_t *)t->data == 3;
    default: return false;
    }
}

/* The live ai.onnx node of type op_type with n_inputs inputs and one output that writes v, if
 * v is read exactly once and is no graph output (an interior value of a pattern), else -1. */
static int private_producer(const graph *g, int v, const char *op_type, int n_inputs)
{
    if (v == VALUE_NONE)
        return -1;
    const graph_value *value = &g->values[v];
    if (value->producer < 0 || value->consumer_count != 1 || value->is_graph_output || value->constant)
        return -1;
    const graph_node *node = &g->nodes[value->producer];
    if (node->dead || node->domain[0] || strcmp(node->op_type, op_type) || node->n_inputs != n_inputs ||
        node->n_outputs != 1 || node->n_implicit_inputs)
        return -1;
    for (int k = 0; k < n_inputs; k++)
        if (node->inputs[k] == VALUE_NONE)
            return -1;
    return value->producer;
}

static bool add_node(gelu_match *m, int node)
{
    if (node < 0 || m->n_nodes == MAX_PATTERN_NODES)
        return false;
    m->nodes[m->n_nodes++] = node;
    return true;
}

/* For a binary node with a constant operand c (is_float_const), the index of the other operand. */
static int other_than_const(const graph *g, const graph_node *node, double c)
{
    if (is_float_const(g, node->inputs[1], c))
        return node->inputs[0];
    if (is_float_const(g, node->inputs[0], c))
        return node->inputs[1];
    return VALUE_NONE;
}

/* u == x / sqrt 2 (Div or Mul by the reciprocal), or (negated) == -x / sqrt 2 through Neg(x). */
static bool match_erf_argument(const graph *g, int u, int x, bool negated, gelu_match *m)
{
    int scaled = VALUE_NONE, node;
    if ((node = private_producer(g, u, "Div", 2)) >= 0 && is_float_const(g, g->nodes[node].inputs[1], sqrt(2.0)))
        scaled = g->nodes[node].inputs[0];
    else if ((node = private_producer(g, u, "Mul", 2)) >= 0)
        scaled = other_than_const(g, &g->nodes[node], sqrt(0.5));
    if (scaled == VALUE_NONE || !add_node(m, node))
        return false;
    if (!negated)
        return scaled == x;
    int neg = private_producer(g, scaled, "Neg", 1);
    return neg >= 0 && g->nodes[neg].inputs[0] == x && add_node(m, neg);
}

/* cube == x^3 as Pow(x, 3) or Mul(x, Mul(x, x)) in either operand order. */
static bool match_cube(const graph *g, int cube, int x, gelu_match *m)
{
    int node = private_producer(g, cube, "Pow", 2);
    if (node >= 0)
        return g->nodes[node].inputs[0] == x && is_exponent_three(g, g->nodes[node].inputs[1]) && add_node(m, node);
    if ((node = private_producer(g, cube, "Mul", 2)) < 0)
        return false;
    const graph_node *outer = &g->nodes[node];
    int square_value = outer->inputs[0] == x ? outer->inputs[1] : outer->inputs[1] == x ? outer->inputs[0] : VALUE_NONE;
    int square = private_producer(g, square_value, "Mul", 2);
    return square >= 0 && g->nodes[square].inputs[0] == x && g->nodes[square].inputs[1] == x && add_node(m, node) &&
           add_node(m, square);
}

/* u == sqrt(2 / pi) * (x + 0.044715 * x^3), all operand orders. */
static bool match_tanh_argument(const graph *g, int u, int x, gelu_match *m)
{
    int scale = private_producer(g, u, "Mul", 2);
    int inner = scale < 0 ? VALUE_NONE : other_than_const(g, &g->nodes[scale], SQRT_2_OVER_PI);
    int sum = private_producer(g, inner, "Add", 2);
    if (sum < 0 || !add_node(m, scale) || !add_node(m, sum))
        return false;
    const graph_node *sum_node = &g->nodes[sum];
    int term = sum_node->inputs[0] == x   ? sum_node->inputs[1]
               : sum_node->inputs[1] == x ? sum_node->inputs[0]
                                          : VALUE_NONE;
    int coefficient = private_producer(g, term, "Mul", 2);
    int cube = coefficient < 0 ? VALUE_NONE : other_than_const(g, &g->nodes[coefficient], 0.044715);
    return cube != VALUE_NONE && add_node(m, coefficient) && match_cube(g, cube, x, m);
}

/* v == 1 + erf(x / sqrt 2), 1 - erf(-x / sqrt 2) or 1 + tanh(...) of the tanh form. */
static bool match_one_plus(const graph *g, int v, int x, gelu_match *m)
{
    int node = private_producer(g, v, "Add", 2), inner;
    if (node >= 0) {
        int term = other_than_const(g, &g->nodes[node], 1.0);
        if (!add_node(m, node))
            return false;
        if ((inner = private_producer(g, term, "Erf", 1)) >= 0)
            return add_node(m, inner) && match_erf_argument(g, g->nodes[inner].inputs[0], x, false, m);
        if ((inner = private_producer(g, term, "Tanh", 1)) >= 0) {
            m->tanh = true;
            return add_node(m, inner) && match_tanh_argument(g, g->nodes[inner].inputs[0], x, m);
        }
        return false;
    }
    node = private_producer(g, v, "Sub", 2);
    if (node < 0 || !is_float_const(g, g->nodes[node].inputs[0], 1.0))
        return false;
    inner = private_producer(g, g->nodes[node].inputs[1], "Erf", 1);
    return inner >= 0 && add_node(m, node) && add_node(m, inner) &&
           match_erf_argument(g, g->nodes[inner].inputs[0], x, true, m);
}

static bool is_float_tensor(const graph_value *value)
{
    return value->info.dtype == DNNX_DTYPE_FLOAT && value->info.rank >= 0;
}

/* Matches the GELU whose last node is the Mul at index last: its three factors x, 0.5 and
 * (1 + ...) are the leaves of it and of the Mul that one of its operands comes from. */
static bool match_gelu(const graph *g, int last, gelu_match *m)
{
    const graph_node *node = &g->nodes[last];
    if (node->dead || node->domain[0] || strcmp(node->op_type, "Mul") || node->n_inputs != 2 || node->n_outputs != 1 ||
        node->outputs[0] == VALUE_NONE || node->inputs[0] == VALUE_NONE || node->inputs[1] == VALUE_NONE)
        return false;
    for (int side = 0; side < 2; side++) {
        int inner = private_producer(g, node->inputs[side], "Mul", 2);
        if (inner < 0)
            continue;
        const int leaves[3] = {node->inputs[1 - side], g->nodes[inner].inputs[0], g->nodes[inner].inputs[1]};
        for (int half = 0; half < 3; half++) {
            if (!is_float_const(g, leaves[half], 0.5))
                continue;
            for (int one_plus = 0; one_plus < 3; one_plus++) {
                if (one_plus == half)
                    continue;
                int x = leaves[3 - half - one_plus];
                *m = (gelu_match){.x = x, .output = node->outputs[0], .matmul = -1, .bias_add = -1};
                if (g->values[x].constant || !add_node(m, last) || !add_node(m, inner) ||
                    !match_one_plus(g, leaves[one_plus], x, m))
                    continue;
                /* Float32 throughout, and constants that do not broadcast x to a higher rank. */
                const graph_value *in = &g->values[x], *out = &g->values[m->output];
                if (is_float_tensor(in) && is_float_tensor(out) && in->info.rank == out->info.rank)
                    return true;
            }
        }
    }
    return false;
}

/* How many times the pattern's nodes read value v. */
static int pattern_reads(const graph *g, const gelu_match *m, int v)
{
    int reads = 0;
    for (int i = 0; i < m->n_nodes; i++)
        for (int k = 0; k < g->nodes[m->nodes[i]].n_inputs; k++)
            reads += g->nodes[m->nodes[i]].inputs[k] == v;
    return reads;
}

/* Sets m->matmul and m->bias_add when x is Add(MatMul(A, B), bias) read only by the GELU, with B
 * a constant float32 [K, N] and bias a constant float32 [N]. */
static void match_matmul_bias(const graph *g, gelu_match *m)
{
    const graph_value *x = &g->values[m->x];
    if (x->producer < 0 || x->is_graph_output || x->consumer_count != pattern_reads(g, m, m->x))
        return;
    const graph_node *add = &g->nodes[x->producer];
    if (add->dead || add->domain[0] || strcmp(add->op_type, "Add") || add->n_inputs != 2 || add->n_outputs != 1 ||
        add->n_implicit_inputs || add->inputs[0] == VALUE_NONE || add->inputs[1] == VALUE_NONE)
        return;
    for (int side = 0; side < 2; side++) {
        int matmul = private_producer(g, add->inputs[side], "MatMul", 2);
        const dnnx_tensor *bias = g->values[add->inputs[1 - side]].constant;
        if (matmul < 0 || !bias)
            continue;
        const graph_node *mm = &g->nodes[matmul];
        const dnnx_tensor *weight = g->values[mm->inputs[1]].constant;
        const graph_value *a = &g->values[mm->inputs[0]];
        if (!weight || weight->dtype != DNNX_DTYPE_FLOAT || weight->rank != 2 || bias->dtype != DNNX_DTYPE_FLOAT ||
            bias->rank != 1 || bias->dims[0] != weight->dims[1] || a->info.dtype != DNNX_DTYPE_FLOAT ||
            a->info.rank < 1 || a->info.rank != x->info.rank)
            continue;
        m->matmul = matmul;
        m->bias_add = x->producer;
        return;
    }
}

static dnnx_status set_string_attr(graph_node *node, const char *name, const char *value)
{
    node->attrs = calloc(1, sizeof *node->attrs);
    if (!node->attrs)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    node->n_attrs = 1;
    graph_attr *attr = node->attrs;
    attr->type = ATTR_STRING;
    attr->name = strdup(name);
    attr->s = strdup(value);
    attr->s_len = strlen(value);
    if (!attr->name || !attr->s)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    return DNNX_OK;
}

/* Adds the node that replaces the match and marks the match's nodes dead. */
static dnnx_status rewrite(graph *g, const op_registry *registry, const gelu_match *m)
{
    bool with_matmul = m->matmul >= 0;
    const char *op_type = with_matmul ? "FusedMatMul" : "Gelu";
    const op_schema *schema = op_registry_find(registry, "dnnx", op_type, 1);
    if (!schema)
        return DNNX_ERR_UNSUPPORTED;
    const graph_node *first = &g->nodes[with_matmul ? m->matmul : m->nodes[0]];
    char name[512];
    snprintf(name, sizeof name, "%s/gelu_fused", first->name);
    const char *inputs[3];
    int n_inputs = 1;
    if (with_matmul) {
        const graph_node *add = &g->nodes[m->bias_add];
        inputs[0] = g->values[first->inputs[0]].name;
        inputs[1] = g->values[first->inputs[1]].name;
        inputs[2] = g->values[add->inputs[add->inputs[0] == first->outputs[0] ? 1 : 0]].name;
        n_inputs = 3;
    } else {
        inputs[0] = g->values[m->x].name;
    }
    const char *outputs[1] = {g->values[m->output].name};
    int index = graph_node_add(g, name, op_type, "dnnx");
    if (index < 0)
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    graph_node *node = &g->nodes[index];
    node->schema = schema;
    node->opset = 1;
    dnnx_status status = graph_node_set_io(g, index, inputs, n_inputs, outputs, 1);
    if (!status)
        status = with_matmul ? set_string_attr(node, "activation", m->tanh ? "GeluTanh" : "Gelu")
                             : set_string_attr(node, "approximate", m->tanh ? "tanh" : "none");
    if (status) {
        node->dead = true; /* graph_free frees what it holds; it must never run */
        return status;
    }
    for (int i = 0; i < m->n_nodes; i++)
        g->nodes[m->nodes[i]].dead = true;
    if (with_matmul)
        g->nodes[m->matmul].dead = g->nodes[m->bias_add].dead = true;
    return DNNX_OK;
}

static bool overlaps(const gelu_match *m, const bool *claimed)
{
    for (int i = 0; i < m->n_nodes; i++)
        if (claimed[m->nodes[i]])
            return true;
    return (m->matmul >= 0 && claimed[m->matmul]) || (m->bias_add >= 0 && claimed[m->bias_add]);
}

static void claim(const gelu_match *m, bool *claimed)
{
    for (int i = 0; i < m->n_nodes; i++)
        claimed[m->nodes[i]] = true;
    if (m->matmul >= 0)
        claimed[m->matmul] = claimed[m->bias_add] = true;
}

dnnx_status pass_fuse_gelu(graph *g, const op_registry *registry, int *fused)
{
    *fused = 0;
    int n_nodes = g->n_nodes;
    bool *claimed = calloc((size_t)n_nodes + 1, sizeof *claimed);
    gelu_match *matches = calloc((size_t)n_nodes + 1, sizeof *matches);
    dnnx_status status = DNNX_OK;
    if (!claimed || !matches) {
        status = dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory fusing GELU");
        goto free_lists;
    }
    int n_matches = 0;
    for (int i = 0; i < g->n_order; i++) {
        gelu_match m;
        if (!match_gelu(g, g->order[i], &m))
            continue;
        match_matmul_bias(g, &m);
        if (overlaps(&m, claimed))
            continue;
        claim(&m, claimed);
        matches[n_matches++] = m;
    }
    for (int k = 0; k < n_matches && !status; k++)
        status = rewrite(g, registry, &matches[k]);
    *fused = n_matches;
    if (!status && n_matches)
        status = graph_sort(g);
free_lists:
    free(claimed);
    free(matches);
    return status;
}

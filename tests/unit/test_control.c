/* Control flow: If, Loop and Scan run through the session (models written by
 * unit/data/control/make_models.py), outer-scope references in the IR (implicit inputs, order,
 * dead-code elimination), loops that never end or run away, and runs from several threads. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnnx.h"
#include "graph/graph.h"
#include "graph/op.h"
#include "ops/ops.h"

#define DATA "unit/data/control/"

static dnnx_session *load(const char *name, const char *backends, size_t max_memory)
{
    dnnx_options *options = NULL;
    dnnx_session *session = NULL;
    char path[256];
    snprintf(path, sizeof path, DATA "%s.onnx", name);
    assert_int_equal(dnnx_options_create(&options), DNNX_OK);
    assert_int_equal(dnnx_options_set_threads(options, 1), DNNX_OK);
    if (backends)
        assert_int_equal(dnnx_options_set_backends(options, backends), DNNX_OK);
    if (max_memory)
        assert_int_equal(dnnx_options_set_max_memory(options, max_memory), DNNX_OK);
    dnnx_status status = dnnx_session_create(path, options, &session);
    dnnx_options_free(options);
    if (status)
        fail_msg("%s: %s", name, dnnx_last_error());
    return session;
}

/* The load error of a model that must not load. */
static dnnx_status load_error(const char *name)
{
    dnnx_session *session = NULL;
    char path[256];
    snprintf(path, sizeof path, DATA "%s.onnx", name);
    dnnx_status status = dnnx_session_create(path, NULL, &session);
    assert_null(session);
    return status;
}

/* The thread's last error must contain fragment. */
static void expect_error(const char *fragment)
{
    if (!strstr(dnnx_last_error(), fragment))
        fail_msg("error '%s' does not contain '%s'", dnnx_last_error(), fragment);
}

static dnnx_tensor *tensor(dnnx_dtype dtype, int rank, const int64_t *dims, const void *values)
{
    dnnx_tensor *t = NULL;
    assert_int_equal(dnnx_tensor_create(dtype, rank, dims, &t), DNNX_OK);
    memcpy(dnnx_tensor_data(t), values, dnnx_tensor_size_bytes(t));
    return t;
}

static dnnx_tensor *scalar_bool(bool value)
{
    uint8_t byte = value;
    return tensor(DNNX_DTYPE_BOOL, 0, NULL, &byte);
}

static dnnx_tensor *scalar_i64(int64_t value) { return tensor(DNNX_DTYPE_INT64, 0, NULL, &value); }

static void expect_f32(const dnnx_tensor *t, int rank, const int64_t *dims, const float *values, float tolerance)
{
    assert_non_null(t);
    assert_int_equal(dnnx_tensor_dtype(t), DNNX_DTYPE_FLOAT);
    assert_int_equal(dnnx_tensor_rank(t), rank);
    for (int d = 0; d < rank; d++)
        assert_int_equal(dnnx_tensor_dims(t)[d], dims[d]);
    const float *data = dnnx_tensor_data_const(t);
    for (size_t i = 0; i < dnnx_tensor_element_count(t); i++)
        if (fabsf(data[i] - values[i]) > tolerance)
            fail_msg("element %zu is %g, expected %g", i, data[i], values[i]);
}

static dnnx_status run(dnnx_session *session, dnnx_tensor **inputs, size_t n_inputs, dnnx_tensor **outputs,
                       size_t n_outputs)
{
    return dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, outputs, n_outputs);
}

static void free_all(dnnx_tensor **tensors, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        dnnx_tensor_free(tensors[k]);
        tensors[k] = NULL;
    }
}

static void run_if_outer(dnnx_session *session, bool cond)
{
    static const int64_t dims[2] = {2, 3};
    static const float x[6] = {-1, 2, -3, 4, -5, 6}, then_out[6] = {2, 8, 6, 10, 4, 18}, zeros[6] = {0};
    static const float else_out[1] = {24};
    dnnx_tensor *inputs[2] = {scalar_bool(cond), tensor(DNNX_DTYPE_FLOAT, 2, dims, x)};
    dnnx_tensor *outputs[2] = {NULL, NULL};
    if (run(session, inputs, 2, outputs, 2))
        fail_msg("%s", dnnx_last_error());
    if (cond)
        expect_f32(outputs[0], 2, dims, then_out, 0);
    else
        expect_f32(outputs[0], 0, NULL, else_out, 0);
    expect_f32(outputs[1], 2, dims, zeros, 0);
    free_all(outputs, 2);
    free_all(inputs, 2);
}

/* The branches read an initializer and a value the main graph computes after the If in the
 * file's node order; they give different ranks; the arena plan of each signature is reused. */
static void test_if_reads_outer_values(void **state)
{
    (void)state;
    dnnx_session *session = load("if_outer", NULL, 0);
    run_if_outer(session, true);
    assert_true(dnnx_session_arena_bytes(session) > 0);
    run_if_outer(session, false);
    run_if_outer(session, true);
    run_if_outer(session, false);
    assert_int_equal(dnnx_session_output_rank(session, 0), -1); /* the branches' ranks differ */
    dnnx_session_free(session);
}

static void test_if_opset21(void **state)
{
    (void)state;
    static const int64_t dims[1] = {3};
    static const float x[3] = {1, 2, 3}, plus[3] = {2, 3, 4}, minus[3] = {0, 1, 2};
    dnnx_session *session = load("if_opset21", NULL, 0);
    for (int c = 0; c < 2; c++) {
        dnnx_tensor *inputs[2] = {scalar_bool(c), tensor(DNNX_DTYPE_FLOAT, 1, dims, x)}, *y = NULL;
        assert_int_equal(run(session, inputs, 2, &y, 1), DNNX_OK);
        expect_f32(y, 1, dims, c ? plus : minus, 0);
        assert_string_equal(dnnx_tensor_name(y), "y");
        dnnx_tensor_free(y);
        free_all(inputs, 2);
    }
    dnnx_session_free(session);
}

/* A branch that is wrong for the shapes it would see loads, runs while not taken, and fails
 * naming its node when it is. */
static void test_if_untaken_bad_branch(void **state)
{
    (void)state;
    static const int64_t dims[2] = {2, 3};
    static const float x[6] = {1, 2, 3, 4, 5, 6}, negated[6] = {-1, -2, -3, -4, -5, -6};
    dnnx_session *session = load("if_untaken_bad_branch", NULL, 0);
    dnnx_tensor *inputs[2] = {scalar_bool(true), tensor(DNNX_DTYPE_FLOAT, 2, dims, x)}, *y = NULL;
    assert_int_equal(run(session, inputs, 2, &y, 1), DNNX_OK);
    expect_f32(y, 2, dims, negated, 0);
    dnnx_tensor_free(y);
    y = NULL;
    dnnx_tensor_free(inputs[0]);
    inputs[0] = scalar_bool(false);
    assert_int_not_equal(run(session, inputs, 2, &y, 1), DNNX_OK);
    assert_null(y);
    expect_error("bad_reshape");
    expect_error("in subgraph 'else' of node 'if'");
    free_all(inputs, 2);
    dnnx_session_free(session);
}

static void test_if_load_errors(void **state)
{
    (void)state;
    assert_int_equal(load_error("if_bad_cond"), DNNX_ERR_INVALID_MODEL);
    expect_error("node 'if' (If-16): the condition must be bool");
    assert_int_equal(load_error("subgraph_undefined"), DNNX_ERR_INVALID_MODEL);
    expect_error("reads 'nowhere' in a subgraph, which no node");
}

/* loop_nested with trip count m: (s_final, scans). */
static dnnx_status run_loop_nested(dnnx_session *session, int64_t m, dnnx_tensor **outputs)
{
    static const int64_t dims[1] = {2};
    static const float x[2] = {1, 2};
    dnnx_tensor *inputs[2] = {scalar_i64(m), tensor(DNNX_DTYPE_FLOAT, 1, dims, x)};
    dnnx_status status = run(session, inputs, 2, outputs, 2);
    free_all(inputs, 2);
    return status;
}

/* The body stops after 5 iterations by its condition, or earlier by M; it reads a value of the
 * main graph from an If inside it (two scopes up). */
static void test_loop_trip_count_and_condition(void **state)
{
    (void)state;
    static const float stacked[10] = {3, 6, 1, 2, 3, 6, 1, 2, 3, 6}, x[2] = {1, 2};
    static const int64_t final_dims[1] = {2};
    dnnx_session *session = load("loop_nested", NULL, 0);
    static const struct {
        int64_t m, trips;
    } cases[] = {{10, 5}, {3, 3}, {INT64_MAX, 5}, {5, 5}, {0, 0}, {-4, 0}, {3, 3}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        dnnx_tensor *outputs[2] = {NULL, NULL};
        if (run_loop_nested(session, cases[c].m, outputs))
            fail_msg("M = %lld: %s", (long long)cases[c].m, dnnx_last_error());
        int64_t scan_dims[2] = {cases[c].trips, 2};
        expect_f32(outputs[0], 1, final_dims, cases[c].trips ? stacked + 2 * (cases[c].trips - 1) : x, 0);
        expect_f32(outputs[1], 2, scan_dims, stacked, 0);
        free_all(outputs, 2);
    }
    dnnx_session_free(session);
}

static void test_loop_that_never_ends_fails(void **state)
{
    (void)state;
    static const int64_t dims[1] = {1};
    static const float x[1] = {5}, plus_three[1] = {8};
    dnnx_session *session = load("loop_forever", NULL, 0);
    dnnx_tensor *inputs[2] = {scalar_bool(true), tensor(DNNX_DTYPE_FLOAT, 1, dims, x)}, *y = NULL;
    assert_int_equal(run(session, inputs, 2, &y, 1), DNNX_ERR_RUNTIME);
    expect_error("node 'loop' (Loop-16): the loop never ends");
    dnnx_tensor_free(inputs[0]);
    inputs[0] = scalar_bool(false);
    assert_int_equal(run(session, inputs, 2, &y, 1), DNNX_OK);
    expect_f32(y, 1, dims, x, 0);
    dnnx_tensor_free(y);
    free_all(inputs, 2);
    dnnx_session_free(session);

    session = load("loop_forever_max", NULL, 0);
    inputs[0] = scalar_i64(INT64_MAX);
    inputs[1] = tensor(DNNX_DTYPE_FLOAT, 1, dims, x);
    y = NULL;
    assert_int_equal(run(session, inputs, 2, &y, 1), DNNX_ERR_RUNTIME);
    expect_error("never ends");
    dnnx_tensor_free(inputs[0]);
    inputs[0] = scalar_i64(3);
    assert_int_equal(run(session, inputs, 2, &y, 1), DNNX_OK);
    expect_f32(y, 1, dims, plus_three, 0);
    dnnx_tensor_free(y);
    free_all(inputs, 2);
    dnnx_session_free(session);
}

/* A loop whose condition stays true without being provably so, scanning 4 KiB out per
 * iteration, ends on the memory limit. */
static void test_runaway_loop_hits_the_memory_limit(void **state)
{
    (void)state;
    static const int64_t dims[1] = {1024};
    static float x[1024];
    dnnx_session *session = load("loop_runaway", NULL, 1 << 20);
    dnnx_tensor *input = tensor(DNNX_DTYPE_FLOAT, 1, dims, x), *y = NULL;
    assert_int_equal(run(session, &input, 1, &y, 1), DNNX_ERR_OUT_OF_MEMORY);
    assert_null(y);
    expect_error("memory limit");
    dnnx_tensor_free(input);
    dnnx_session_free(session);
}

/* The body's MatMul reads a main-graph initializer; with every backend it may run on oneDNN,
 * and describe_backends lists the body's nodes under the Loop. */
static void test_loop_body_on_every_backend(void **state)
{
    (void)state;
    static const int64_t dims[2] = {1, 16};
    float h[16], expected[16];
    for (int i = 0; i < 16; i++)
        h[i] = expected[i] = (float)(i - 8) / 10;
    for (int trip = 0; trip < 5; trip++) {
        float next[16];
        for (int j = 0; j < 16; j++) {
            double sum = 0;
            for (int i = 0; i < 16; i++)
                sum += (double)expected[i] * (((i * 16 + j) % 7) - 3) / 8.0;
            next[j] = (float)tanh(sum);
        }
        memcpy(expected, next, sizeof next);
    }
    const char *choices[2] = {"ref", "all"};
    for (int b = 0; b < 2; b++) {
        dnnx_session *session = load("loop_matmul", choices[b], 0);
        char *text = dnnx_session_describe_backends(session);
        assert_non_null(text);
        printf("%s", text);
        const char *line = strstr(text, "\n  MatMul_1 ");
        assert_non_null(line);
        /* Where oneDNN runs anything, it runs the body's MatMul too. */
        if (strstr(text, " onednn "))
            assert_true(strstr(line, " onednn ") && strstr(line, " onednn ") < strchr(line + 1, '\n'));
        free(text);
        for (int repeat = 0; repeat < 3; repeat++) {
            dnnx_tensor *input = tensor(DNNX_DTYPE_FLOAT, 2, dims, h), *y = NULL;
            assert_int_equal(run(session, &input, 1, &y, 1), DNNX_OK);
            expect_f32(y, 2, dims, expected, 1e-5f);
            dnnx_tensor_free(y);
            dnnx_tensor_free(input);
        }
        dnnx_session_free(session);
    }
}

typedef struct loop_fixture {
    dnnx_session *session;
    dnnx_tensor *expected[2];
} loop_fixture;

static bool same_bits(const dnnx_tensor *a, const dnnx_tensor *b)
{
    return dnnx_tensor_size_bytes(a) == dnnx_tensor_size_bytes(b) &&
           !memcmp(dnnx_tensor_data_const(a), dnnx_tensor_data_const(b), dnnx_tensor_size_bytes(a));
}

static void *run_loop_many(void *arg)
{
    loop_fixture *f = arg;
    uintptr_t bad = 0;
    for (int k = 0; k < 200; k++) {
        dnnx_tensor *outputs[2] = {NULL, NULL};
        if (run_loop_nested(f->session, k % 2 ? 10 : 3, outputs)) {
            bad++;
            continue;
        }
        if (k % 2)
            bad += !same_bits(outputs[0], f->expected[0]) || !same_bits(outputs[1], f->expected[1]);
        free_all(outputs, 2);
    }
    return (void *)bad;
}

/* One session runs its loop from 8 threads at once (two shape signatures interleaved). */
static void test_loop_from_many_threads(void **state)
{
    (void)state;
    loop_fixture f = {load("loop_nested", NULL, 0), {NULL, NULL}};
    assert_int_equal(run_loop_nested(f.session, 10, f.expected), DNNX_OK);
    pthread_t threads[8];
    for (int t = 0; t < 8; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, run_loop_many, &f), 0);
    uintptr_t bad = 0;
    for (int t = 0; t < 8; t++) {
        void *result;
        assert_int_equal(pthread_join(threads[t], &result), 0);
        bad += (uintptr_t)result;
    }
    assert_int_equal(bad, 0);
    free_all(f.expected, 2);
    dnnx_session_free(f.session);
}

static void test_scan_axes_and_directions(void **state)
{
    (void)state;
    static const int64_t s_dims[1] = {2}, x_dims[2] = {2, 4}, y_dims[2] = {4, 2};
    static const float s[2] = {1, 1}, x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8] = {1, 0, 0, 1, 2, 2, 3, -1};
    static const float final[2] = {17, 29}, runs[8] = {6, 9, 13, 17, 9, 17, 25, 29};
    static const float prods[8] = {3, -5, 4, 12, 0, 7, 4, 0};
    const char *choices[2] = {"ref", "all"};
    for (int b = 0; b < 2; b++) {
        dnnx_session *session = load("scan_axes", choices[b], 0);
        for (int repeat = 0; repeat < 2; repeat++) {
            dnnx_tensor *inputs[3] = {tensor(DNNX_DTYPE_FLOAT, 1, s_dims, s), tensor(DNNX_DTYPE_FLOAT, 2, x_dims, x),
                                      tensor(DNNX_DTYPE_FLOAT, 2, y_dims, y)};
            dnnx_tensor *outputs[3] = {NULL, NULL, NULL};
            if (run(session, inputs, 3, outputs, 3))
                fail_msg("%s", dnnx_last_error());
            expect_f32(outputs[0], 1, s_dims, final, 0);
            expect_f32(outputs[1], 2, x_dims, runs, 0);
            expect_f32(outputs[2], 2, y_dims, prods, 0);
            free_all(outputs, 3);
            free_all(inputs, 3);
        }
        dnnx_session_free(session);
    }
}

/* Negative scan axes are Scan-11's; Scan-9 refuses them. */
static void test_scan_negative_axis(void **state)
{
    (void)state;
    static const int64_t s_dims[1] = {2}, x_dims[2] = {2, 3};
    static const float s[2] = {0, 0}, x[6] = {1, 2, 3, 4, 5, 6}, sums[2] = {6, 15};
    assert_int_equal(load_error("scan9_negative_axis"), DNNX_ERR_INVALID_MODEL);
    expect_error("(Scan-9): attribute 'scan_input_axes' value -1 is negative");
    dnnx_session *session = load("scan11_negative_axis", NULL, 0);
    dnnx_tensor *inputs[2] = {tensor(DNNX_DTYPE_FLOAT, 1, s_dims, s), tensor(DNNX_DTYPE_FLOAT, 2, x_dims, x)};
    dnnx_tensor *y = NULL;
    assert_int_equal(run(session, inputs, 2, &y, 1), DNNX_OK);
    expect_f32(y, 1, s_dims, sums, 0);
    dnnx_tensor_free(y);
    free_all(inputs, 2);
    dnnx_session_free(session);
}

static int add_node(graph *g, const char *name, const char *op, const char *input, const char *output)
{
    int node = graph_node_add(g, name, op, "");
    assert_true(node >= 0);
    const char *in[1] = {input}, *out[1] = {output};
    assert_int_equal(graph_node_set_io(g, node, in, input ? 1 : 0, out, 1), DNNX_OK);
    return node;
}

static void add_io(graph *g, const char *name, bool input)
{
    int v = graph_value_intern(g, name);
    assert_true(v >= 0);
    int **list = input ? &g->inputs : &g->outputs;
    int *count = input ? &g->n_inputs : &g->n_outputs;
    *list = realloc(*list, (size_t)(*count + 1) * sizeof **list);
    (*list)[(*count)++] = v;
    if (input)
        g->values[v].is_graph_input = true;
    else
        g->values[v].is_graph_output = true;
}

/* A subgraph of g: output = op(input), op reading a name of an enclosing graph. */
static graph *branch(graph *g, const char *op, const char *input, const char *output)
{
    graph *sub = graph_create();
    assert_non_null(sub);
    sub->parent = g;
    add_node(sub, op, op, input, output);
    add_io(sub, output, false);
    return sub;
}

static void attach(graph *g, int node, const char *name, graph *sub)
{
    graph_node *n = &g->nodes[node];
    n->attrs = realloc(n->attrs, (size_t)(n->n_attrs + 1) * sizeof *n->attrs);
    graph_attr *attr = &n->attrs[n->n_attrs++];
    memset(attr, 0, sizeof *attr);
    attr->name = strdup(name);
    attr->type = ATTR_GRAPH;
    attr->g = sub;
}

static int value(const graph *g, const char *name)
{
    int v = graph_value_find(g, name);
    assert_true(v >= 0);
    return v;
}

/* The If is added first and reads 'a' (made by a later node) only from a branch; 'b' is read
 * only by a dead node of the other branch, so DCE drops its producer too. */
static void test_outer_refs_order_liveness_and_dce(void **state)
{
    (void)state;
    graph *g = graph_create();
    add_io(g, "c", true);
    add_io(g, "x", true);
    int if_node = add_node(g, "if", "If", "c", "y");
    attach(g, if_node, "then_branch", branch(g, "Neg", "a", "t"));
    graph *els = branch(g, "Identity", "x", "e");
    add_node(els, "unused", "Relu", "b", "u");
    attach(g, if_node, "else_branch", els);
    int make_a = add_node(g, "make_a", "Relu", "x", "a");
    int make_b = add_node(g, "make_b", "Relu", "x", "b");
    add_io(g, "y", false);

    assert_int_equal(graph_sort(g), DNNX_OK);
    const graph_node *n = &g->nodes[if_node];
    assert_int_equal(n->n_implicit_inputs, 3); /* a, b and x */
    assert_int_equal(g->values[value(g, "a")].consumer_count, 1);
    assert_int_equal(g->values[value(g, "x")].consumer_count, 3);
    assert_int_equal(g->n_order, 3);
    assert_int_equal(g->order[2], if_node); /* after both producers */
    const graph *then = g->nodes[if_node].attrs[0].g;
    assert_int_equal(then->n_outer_refs, 1);
    assert_int_equal(then->outer_sources[0], value(g, "a"));
    assert_string_equal(then->values[then->outer_refs[0]].name, "a");

    assert_int_equal(graph_remove_dead_nodes(g), DNNX_OK);
    assert_int_equal(n->n_implicit_inputs, 2); /* a and x: b was read only by dead code */
    assert_true(g->nodes[make_b].dead);
    assert_false(g->nodes[make_a].dead);
    assert_int_equal(g->n_order, 2);
    assert_true(els->nodes[1].dead);
    assert_int_equal(els->n_order, 1);
    graph_free(g);
}

/* A value read two scopes down is an implicit input of the outer node and an outer
 * reference of the middle graph, so the inner one resolves through it. */
static void test_outer_refs_through_nested_subgraphs(void **state)
{
    (void)state;
    graph *g = graph_create();
    add_io(g, "x", true);
    add_node(g, "make_w", "Relu", "x", "w");
    int loop = add_node(g, "outer", "Wrapper", NULL, "y");
    graph *middle = graph_create();
    middle->parent = g;
    int inner_node = add_node(middle, "inner", "Wrapper", NULL, "m");
    add_io(middle, "m", false);
    attach(middle, inner_node, "body", branch(middle, "Neg", "w", "deep"));
    attach(g, loop, "body", middle);
    add_io(g, "y", false);

    assert_int_equal(graph_sort(g), DNNX_OK);
    assert_int_equal(g->nodes[loop].n_implicit_inputs, 1);
    assert_int_equal(g->nodes[loop].implicit_inputs[0], value(g, "w"));
    assert_int_equal(middle->n_outer_refs, 1);
    assert_int_equal(middle->outer_sources[0], value(g, "w"));
    assert_int_equal(middle->nodes[inner_node].n_implicit_inputs, 1);
    assert_int_equal(middle->nodes[inner_node].implicit_inputs[0], middle->outer_refs[0]);
    assert_int_equal(g->order[0], 0);
    graph_free(g);
}

/* A branch reading its own node's output is a cycle; a name no scope defines is named. */
static void test_outer_refs_cycle_and_undefined(void **state)
{
    (void)state;
    graph *g = graph_create();
    add_io(g, "c", true);
    int if_node = add_node(g, "if", "If", "c", "y");
    attach(g, if_node, "then_branch", branch(g, "Neg", "y", "t"));
    add_io(g, "y", false);
    assert_int_equal(graph_sort(g), DNNX_ERR_INVALID_MODEL);
    expect_error("the graph has a cycle through node 'if' (If)");
    graph_free(g);

    g = graph_create();
    add_io(g, "c", true);
    if_node = add_node(g, "if", "If", "c", "y");
    graph *outer_branch = graph_create();
    outer_branch->parent = g;
    int inner = add_node(outer_branch, "inner", "If", "c", "m");
    add_io(outer_branch, "m", false);
    attach(outer_branch, inner, "then_branch", branch(outer_branch, "Neg", "ghost", "deep"));
    attach(g, if_node, "then_branch", outer_branch);
    add_io(g, "y", false);
    assert_int_equal(graph_sort(g), DNNX_ERR_INVALID_MODEL);
    expect_error("node 'if' (If) reads 'ghost' in a subgraph, which no node, input or initializer defines");
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_if_reads_outer_values),
        cmocka_unit_test(test_if_opset21),
        cmocka_unit_test(test_if_untaken_bad_branch),
        cmocka_unit_test(test_if_load_errors),
        cmocka_unit_test(test_loop_trip_count_and_condition),
        cmocka_unit_test(test_loop_that_never_ends_fails),
        cmocka_unit_test(test_runaway_loop_hits_the_memory_limit),
        cmocka_unit_test(test_loop_body_on_every_backend),
        cmocka_unit_test(test_loop_from_many_threads),
        cmocka_unit_test(test_scan_axes_and_directions),
        cmocka_unit_test(test_scan_negative_axis),
        cmocka_unit_test(test_outer_refs_order_liveness_and_dce),
        cmocka_unit_test(test_outer_refs_through_nested_subgraphs),
        cmocka_unit_test(test_outer_refs_cycle_and_undefined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

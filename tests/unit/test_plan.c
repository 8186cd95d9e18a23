/* The arena planner: values alive at the same time never share bytes, offsets are aligned, and
 * values with disjoint lifetimes do share, so the arena is smaller than the sum. Sharing:
 * plan_graph lets a view use its input's bytes and an elementwise op write over an input that
 * dies there, never over one read later (directly or through a view), never over a value the run
 * does not own (graph inputs, constants) and never into a graph output; the shared block lives as
 * long as its last user. Then the same through sessions (models of unit/data/plan/, written by
 * make_models.py there), on every backend, each shape run twice so the second run follows the plan. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnnx.h"
#include "graph/graph.h"
#include "graph/op.h"
#include "graph/plan.h"
#include "graph/session_internal.h"

#define DATA "unit/data/plan/"

static void test_chain_reuses_memory(void **state)
{
    (void)state;
    /* A chain a -> b -> c -> d: each value dies when the next is made, so two buffers suffice. */
    plan_request requests[4] = {{.bytes = 1000, .first_step = 0, .last_step = 1},
                                {.bytes = 1000, .first_step = 1, .last_step = 2},
                                {.bytes = 1000, .first_step = 2, .last_step = 3},
                                {.bytes = 1000, .first_step = 3, .last_step = 3}};
    plan p;
    assert_int_equal(plan_build(requests, 4, &p), DNNX_OK);
    assert_int_equal(p.arena_bytes, 2 * 1024);
    for (int v = 0; v < 4; v++) {
        assert_int_equal(p.offsets[v] % PLAN_ALIGNMENT, 0);
        assert_int_equal(p.owners[v], v);
    }
    assert_int_not_equal(p.offsets[0], p.offsets[1]);
    assert_int_equal(p.offsets[0], p.offsets[2]);
    plan_clear(&p);
}

static void test_unplaced_values(void **state)
{
    (void)state;
    plan_request requests[3] = {{.bytes = 0, .first_step = 0, .last_step = 5},
                                {.bytes = 64, .first_step = 0, .last_step = 1},
                                {.bytes = 0, .first_step = -1, .last_step = -1}};
    plan p;
    assert_int_equal(plan_build(requests, 3, &p), DNNX_OK);
    assert_true(p.offsets[0] == PLAN_NOT_PLACED && p.offsets[2] == PLAN_NOT_PLACED);
    assert_int_equal(p.offsets[1], 0);
    assert_int_equal(p.arena_bytes, 64);
    plan_clear(&p);
}

/* A value sharing another's bytes is placed with it, and the block stays taken until the last of
 * them is read: value 2, made after value 0's last read but while value 1 (sharing it) lives,
 * must go elsewhere. A chain of sharing ends at its head; sharing an unplaced value places nothing. */
static void test_shared_block_lives_until_its_last_user(void **state)
{
    (void)state;
    plan_request requests[6] = {
        {.bytes = 256, .first_step = 0, .last_step = 1},
        {.bytes = 256, .first_step = 1, .last_step = 4, .shares = true, .shared = 0},
        {.bytes = 256, .first_step = 2, .last_step = 3},
        {.bytes = 256, .first_step = 4, .last_step = 6, .shares = true, .shared = 1},
        {.bytes = 0, .first_step = -1, .last_step = -1},
        {.bytes = 0, .first_step = 5, .last_step = 6, .shares = true, .shared = 4},
    };
    plan p;
    assert_int_equal(plan_build(requests, 6, &p), DNNX_OK);
    assert_int_equal(p.owners[1], 0);
    assert_int_equal(p.owners[3], 0);
    assert_int_equal(p.owners[5], 4);
    assert_int_equal(p.offsets[1], p.offsets[0]);
    assert_int_equal(p.offsets[3], p.offsets[0]);
    assert_int_not_equal(p.offsets[2], p.offsets[0]);
    assert_true(p.offsets[4] == PLAN_NOT_PLACED && p.offsets[5] == PLAN_NOT_PLACED);
    assert_int_equal(p.arena_bytes, 512);
    plan_clear(&p);
}

static void test_bad_sharing_is_refused(void **state)
{
    (void)state;
    plan_request circle[2] = {{.bytes = 64, .first_step = 0, .last_step = 1, .shares = true, .shared = 1},
                              {.bytes = 64, .first_step = 1, .last_step = 2, .shares = true, .shared = 0}};
    plan_request outside[1] = {{.bytes = 64, .first_step = 0, .last_step = 1, .shares = true, .shared = 7}};
    plan p;
    assert_int_equal(plan_build(circle, 2, &p), DNNX_ERR_INTERNAL);
    assert_int_equal(plan_build(outside, 1, &p), DNNX_ERR_INTERNAL);
}

static void test_random_lifetimes_never_overlap(void **state)
{
    (void)state;
    enum { VALUES = 400, TRIALS = 50 };
    srand(7);
    for (int trial = 0; trial < TRIALS; trial++) {
        plan_request requests[VALUES];
        int first[VALUES], last[VALUES]; /* of each value's block */
        size_t total = 0;
        for (int v = 0; v < VALUES; v++) {
            int begin = rand() % 300;
            requests[v] =
                (plan_request){(size_t)(rand() % 5000) * (rand() % 4 != 0), begin, begin + rand() % 40, false, 0};
            /* Now and then v shares an earlier placed value of its size, as a view would. */
            int earlier = v > 0 ? rand() % v : 0;
            if (v > 0 && rand() % 5 == 0 && requests[earlier].bytes) {
                requests[v].shares = true;
                requests[v].shared = earlier;
                requests[v].bytes = requests[earlier].bytes;
            }
            total += requests[v].bytes;
        }
        plan p;
        assert_int_equal(plan_build(requests, VALUES, &p), DNNX_OK);
        for (int v = 0; v < VALUES; v++)
            first[v] = last[v] = -2;
        for (int v = 0; v < VALUES; v++) {
            int head = p.owners[v];
            assert_int_equal(p.offsets[v], p.offsets[head]);
            if (first[head] == -2 || requests[v].first_step < first[head])
                first[head] = requests[v].first_step;
            if (requests[v].last_step > last[head])
                last[head] = requests[v].last_step;
        }
        for (int a = 0; a < VALUES; a++) {
            if (!requests[a].bytes || p.owners[a] != a)
                continue;
            assert_true(p.offsets[a] + requests[a].bytes <= p.arena_bytes);
            for (int b = a + 1; b < VALUES; b++) {
                if (!requests[b].bytes || p.owners[b] != b || last[a] < first[b] || last[b] < first[a])
                    continue;
                int apart = p.offsets[a] + requests[a].bytes <= p.offsets[b] ||
                            p.offsets[b] + requests[b].bytes <= p.offsets[a];
                if (!apart)
                    fail_msg("blocks of values %d and %d are alive together but overlap", a, b);
            }
        }
        assert_true(p.arena_bytes < total);
        plan_clear(&p);
    }
}

/* Hand-built graphs for plan_graph: every value a float of the same size unless told. */

typedef struct test_graph {
    graph *g;
    session_graph sg; /* for run_prepare's lifetimes */
    plan_value values[32];
    plan p;
} test_graph;

static void add_node(graph *g, const char *op, const char *inputs, const char *output)
{
    const char *in[4];
    char buf[128];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", inputs);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
        in[n++] = tok;
    int node = graph_node_add(g, output, op, "");
    assert_true(node >= 0);
    assert_int_equal(graph_node_set_io(g, node, in, n, &output, 1), DNNX_OK);
}

static int value(const test_graph *t, const char *name)
{
    int v = graph_value_find(t->g, name);
    assert_true(v >= 0);
    return v;
}

static void mark_input(graph *g, const char *name)
{
    int v = graph_value_intern(g, name);
    g->values[v].is_graph_input = true;
    g->inputs = realloc(g->inputs, (size_t)(g->n_inputs + 1) * sizeof *g->inputs);
    g->inputs[g->n_inputs++] = v;
}

static void mark_output(graph *g, const char *name)
{
    int v = graph_value_intern(g, name);
    g->values[v].is_graph_output = true;
    g->outputs = realloc(g->outputs, (size_t)(g->n_outputs + 1) * sizeof *g->outputs);
    g->outputs[g->n_outputs++] = v;
}

static void mark_constant(graph *g, const char *name)
{
    int v = graph_value_intern(g, name);
    const int64_t dims[1] = {1};
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_INT64, 1, dims, &g->values[v].constant), DNNX_OK);
}

/* Sorts, computes lifetimes and plans: values made by nodes (not outputs) get bytes. */
static void plan_test_graph(test_graph *t, size_t bytes)
{
    graph *g = t->g;
    assert_int_equal(graph_sort(g), DNNX_OK);
    assert_true(g->n_values <= 32);
    memset(&t->sg, 0, sizeof t->sg);
    t->sg.graph = g;
    assert_int_equal(run_prepare(&t->sg), DNNX_OK);
    for (int v = 0; v < g->n_values; v++) {
        bool made = t->sg.first_step[v] >= 0 && !g->values[v].is_graph_output;
        t->values[v] = (plan_value){made ? bytes : 0, DNNX_DTYPE_FLOAT};
    }
}

static void plan_and_check(test_graph *t)
{
    assert_int_equal(plan_graph(t->g, t->sg.first_step, t->sg.last_step, t->values, &t->p), DNNX_OK);
}

static void free_test_graph(test_graph *t)
{
    plan_clear(&t->p);
    run_graph_free(&t->sg);
    graph_free(t->g);
}

static void test_in_place_not_over_input_read_later(void **state)
{
    (void)state;
    test_graph t = {.g = graph_create()};
    mark_input(t.g, "x");
    add_node(t.g, "Relu", "x", "a");
    add_node(t.g, "Exp", "a", "b");
    add_node(t.g, "Add", "b,a", "c");
    add_node(t.g, "Neg", "c", "d");
    add_node(t.g, "Abs", "d", "y");
    mark_output(t.g, "y");
    plan_test_graph(&t, 256);
    plan_and_check(&t);
    int a = value(&t, "a"), b = value(&t, "b"), c = value(&t, "c"), d = value(&t, "d"), y = value(&t, "y");
    assert_int_equal(t.p.owners[b], b); /* a is read after the Exp */
    assert_int_not_equal(t.p.offsets[b], t.p.offsets[a]);
    assert_int_equal(t.p.owners[c], b); /* both inputs die at the Add: over its first */
    assert_int_equal(t.p.owners[d], b);
    assert_int_equal(t.p.owners[y], y); /* a graph output has its own buffer */
    assert_int_equal(t.p.arena_bytes, 512);
    free_test_graph(&t);
}

static void test_in_place_not_over_block_read_later_through_view(void **state)
{
    (void)state;
    test_graph t = {.g = graph_create()};
    mark_input(t.g, "x");
    mark_constant(t.g, "shape");
    add_node(t.g, "Relu", "x", "a");
    add_node(t.g, "Reshape", "a,shape", "v");
    add_node(t.g, "Exp", "a", "b");   /* a's last read, but its bytes live on as v */
    add_node(t.g, "Add", "v,b", "c"); /* v's block (a's) dies here */
    add_node(t.g, "Neg", "c", "y");
    mark_output(t.g, "y");
    plan_test_graph(&t, 256);
    plan_and_check(&t);
    int a = value(&t, "a"), v = value(&t, "v"), b = value(&t, "b"), c = value(&t, "c");
    assert_int_equal(t.p.owners[v], a);
    assert_int_equal(t.p.offsets[v], t.p.offsets[a]);
    assert_int_equal(t.p.owners[b], b);
    assert_int_not_equal(t.p.offsets[b], t.p.offsets[a]);
    assert_int_equal(t.p.owners[c], a);
    free_test_graph(&t);
}

static void test_view_keeps_its_source_block_alive(void **state)
{
    (void)state;
    test_graph t = {.g = graph_create()};
    mark_input(t.g, "x");
    mark_constant(t.g, "shape");
    add_node(t.g, "Relu", "x", "a");
    add_node(t.g, "Neg", "x", "k");
    add_node(t.g, "Reshape", "a,shape", "v"); /* a's last read */
    add_node(t.g, "Exp", "k", "b");           /* made after it, while v lives (not over k, read again) */
    add_node(t.g, "Add", "v,b", "c");
    add_node(t.g, "Add", "c,k", "d");
    add_node(t.g, "Neg", "d", "y");
    mark_output(t.g, "y");
    plan_test_graph(&t, 256);
    plan_and_check(&t);
    int a = value(&t, "a"), v = value(&t, "v"), b = value(&t, "b");
    assert_true(t.sg.first_step[b] > t.sg.last_step[a]);
    assert_int_equal(t.p.owners[v], a);
    assert_int_not_equal(t.p.offsets[b], t.p.offsets[a]);
    free_test_graph(&t);
}

static void test_in_place_not_when_another_input_shares_the_block(void **state)
{
    (void)state;
    test_graph t = {.g = graph_create()};
    mark_input(t.g, "x");
    mark_constant(t.g, "shape");
    add_node(t.g, "Relu", "x", "a");
    add_node(t.g, "Reshape", "a,shape", "v");
    add_node(t.g, "Mul", "a,v", "c");
    add_node(t.g, "Neg", "c", "y");
    mark_output(t.g, "y");
    plan_test_graph(&t, 256);
    plan_and_check(&t);
    int a = value(&t, "a"), v = value(&t, "v"), c = value(&t, "c");
    assert_int_equal(t.p.owners[v], a);
    assert_int_equal(t.p.owners[c], c);
    assert_int_not_equal(t.p.offsets[c], t.p.offsets[a]);
    free_test_graph(&t);
}

static void test_views_of_graph_inputs_take_no_arena_and_are_never_written(void **state)
{
    (void)state;
    test_graph t = {.g = graph_create()};
    mark_input(t.g, "x");
    mark_constant(t.g, "shape");
    mark_constant(t.g, "axes");
    add_node(t.g, "Reshape", "x,shape", "v1");
    add_node(t.g, "Unsqueeze", "v1,axes", "v2");
    add_node(t.g, "Relu", "v2", "r");
    add_node(t.g, "Identity", "r", "i");
    add_node(t.g, "Flatten", "i", "f");
    add_node(t.g, "Squeeze", "f", "y");
    mark_output(t.g, "y");
    plan_test_graph(&t, 256);
    plan_and_check(&t);
    int x = value(&t, "x"), v1 = value(&t, "v1"), v2 = value(&t, "v2"), r = value(&t, "r");
    int i = value(&t, "i"), f = value(&t, "f"), y = value(&t, "y");
    assert_int_equal(t.p.owners[v1], x);
    assert_int_equal(t.p.owners[v2], x); /* a view of a view follows the chain to its head */
    assert_true(t.p.offsets[v1] == PLAN_NOT_PLACED && t.p.offsets[v2] == PLAN_NOT_PLACED);
    assert_int_equal(t.p.owners[r], r); /* the Relu may not write over the caller's x */
    assert_true(t.p.offsets[r] != PLAN_NOT_PLACED);
    assert_int_equal(t.p.owners[i], r);
    assert_int_equal(t.p.owners[f], r);
    assert_int_equal(t.p.owners[y], y); /* a graph output is never a view */
    assert_int_equal(t.p.arena_bytes, 256);
    free_test_graph(&t);
}

static void test_binary_writes_over_its_full_shaped_input(void **state)
{
    (void)state;
    test_graph t = {.g = graph_create()};
    mark_input(t.g, "x");
    add_node(t.g, "Relu", "x", "a");
    add_node(t.g, "Relu", "x", "k"); /* a smaller value, broadcast by the Sub */
    add_node(t.g, "Sub", "k,a", "s");
    add_node(t.g, "Neg", "s", "y");
    mark_output(t.g, "y");
    plan_test_graph(&t, 256);
    int a = value(&t, "a"), k = value(&t, "k"), s = value(&t, "s");
    t.values[k].bytes = 64;
    plan_and_check(&t);
    assert_int_equal(t.p.owners[s], a);
    plan_clear(&t.p);
    t.values[k].dtype = DNNX_DTYPE_INT32; /* sizes alone do not make an output fit over an input */
    t.values[k].bytes = 256;
    t.values[a].dtype = DNNX_DTYPE_INT32;
    plan_and_check(&t);
    assert_int_equal(t.p.owners[s], s);
    free_test_graph(&t);
}

static void test_ops_that_may_alias(void **state)
{
    (void)state;
    graph_node node = {.name = "n", .domain = "", .n_inputs = 1, .n_outputs = 1};
    const char *none[] = {"MatMul", "Cast", "Transpose", "Concat", "LayerNormalization", "Equal", "Where"};
    for (size_t k = 0; k < sizeof none / sizeof none[0]; k++) {
        node.op_type = (char *)none[k];
        assert_int_equal(plan_op_alias(&node), PLAN_ALIAS_NONE);
    }
    node.op_type = "Reshape";
    assert_int_equal(plan_op_alias(&node), PLAN_ALIAS_VIEW);
    node.op_type = "Gelu";
    assert_int_equal(plan_op_alias(&node), PLAN_ALIAS_IN_PLACE);
    node.op_type = "Add";
    assert_int_equal(plan_op_alias(&node), PLAN_ALIAS_BINARY);
    node.domain = "com.microsoft";
    assert_int_equal(plan_op_alias(&node), PLAN_ALIAS_NONE);
}

/* Sessions on the models of unit/data/plan: correct on the recording run and on the planned runs
 * after it, at two shapes, on each backend, and the caller's input untouched. */

typedef void (*reference_fn)(const float *x, size_t count, float *y);

static dnnx_session *open_model(const char *name, const char *backends)
{
    char path[256];
    dnnx_options *options = NULL;
    dnnx_session *session = NULL;
    snprintf(path, sizeof path, DATA "%s.onnx", name);
    assert_int_equal(dnnx_options_create(&options), DNNX_OK);
    assert_int_equal(dnnx_options_set_backends(options, backends), DNNX_OK);
    assert_int_equal(dnnx_options_set_threads(options, 1), DNNX_OK);
    dnnx_status status = dnnx_session_create(path, options, &session);
    dnnx_options_free(options);
    if (status)
        fail_msg("%s: %s", name, dnnx_last_error());
    return session;
}

/* Runs the session on an [rows, cols] input of mixed signs and checks output 0 against fn. */
static void run_and_check(dnnx_session *session, const char *name, int64_t rows, int64_t cols, reference_fn fn)
{
    const int64_t dims[2] = {rows, cols};
    size_t count = (size_t)(rows * cols);
    dnnx_tensor *x = NULL, *y = NULL;
    float expected[256], copy[256];
    assert_true(count <= 256);
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 2, dims, &x), DNNX_OK);
    float *data = dnnx_tensor_data(x);
    for (size_t i = 0; i < count; i++)
        data[i] = copy[i] = (float)((int)(i * 7 % 11) - 5) / 4.0f;
    fn(copy, count, expected);
    const dnnx_tensor *inputs[1] = {x};
    if (dnnx_session_run(session, inputs, 1, &y, 1))
        fail_msg("%s [%lld, %lld]: %s", name, (long long)rows, (long long)cols, dnnx_last_error());
    assert_int_equal(dnnx_tensor_element_count(y), count);
    const float *got = dnnx_tensor_data_const(y);
    for (size_t i = 0; i < count; i++) {
        if (fabsf(got[i] - expected[i]) > 1e-5f * (1.0f + fabsf(expected[i])))
            fail_msg("%s [%lld, %lld]: y[%zu] is %g, expected %g", name, (long long)rows, (long long)cols, i, got[i],
                     expected[i]);
        if (data[i] != copy[i])
            fail_msg("%s: the run wrote over its input x[%zu]", name, i);
    }
    dnnx_tensor_free(y);
    dnnx_tensor_free(x);
}

static float relu(float v) { return v > 0 ? v : 0; }

static void reuse_after_reference(const float *x, size_t count, float *y)
{
    for (size_t i = 0; i < count; i++)
        y[i] = -(expf(relu(x[i])) + relu(x[i]));
}

static void views_reference(const float *x, size_t count, float *y)
{
    for (size_t i = 0; i < count; i++)
        y[i] = -(expf(relu(x[i])) + x[i]);
}

static void view_lifetime_reference(const float *x, size_t count, float *y)
{
    for (size_t i = 0; i < count; i++)
        y[i] = 1.0f / (1.0f + expf(-(-x[i] + expf(relu(x[i])) + relu(x[i]))));
}

static void chain_reference(const float *x, size_t count, float *y)
{
    for (size_t r = 0; r < count / 16; r++) {
        float s[16], max = -INFINITY, sum = 0;
        for (int j = 0; j < 16; j++) {
            float k = -1.0f + 3.0f * (float)j / 15.0f;
            s[j] = k - sqrtf(1.0f / (1.0f + expf(-tanhf(expf(-x[r * 16 + j])))));
            max = s[j] > max ? s[j] : max;
        }
        for (int j = 0; j < 16; j++)
            sum += expf(s[j] - max);
        for (int j = 0; j < 16; j++)
            y[r * 16 + j] = fabsf(expf(s[j] - max) / sum);
    }
}

static void loop_views_reference(const float *x, size_t count, float *y)
{
    float carried[4];
    memcpy(carried, x, sizeof carried);
    for (int trip = 0; trip < 3; trip++)
        for (size_t i = 0; i < count; i++)
            carried[i] = 0.5f * (relu(-carried[i]) + expf(x[i]));
    for (size_t i = 0; i < count; i++)
        y[i] = -(expf(x[i]) * carried[i]);
}

static const char *const backends[] = {"ref", "all"};

static void check_model(const char *name, int64_t cols, bool symbolic_rows, reference_fn fn)
{
    for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
        dnnx_session *session = open_model(name, backends[b]);
        const int64_t rows[] = {2, 2, 3, 3, 2};
        for (size_t k = 0; k < (symbolic_rows ? 5u : 2u); k++)
            run_and_check(session, name, rows[k], cols, fn);
        dnnx_session_free(session);
    }
}

static void test_session_in_place_input_read_later(void **state)
{
    (void)state;
    check_model("reuse_after", 3, true, reuse_after_reference);
}

static void test_session_views_of_input_and_arena(void **state)
{
    (void)state;
    check_model("views", 4, true, views_reference);
}

static void test_session_view_outlives_its_source(void **state)
{
    (void)state;
    check_model("view_lifetime", 4, true, view_lifetime_reference);
}

static void test_session_loop_body_views_and_outer_values(void **state)
{
    (void)state;
    check_model("loop_views", 2, false, loop_views_reference);
}

/* The whole chain runs in one block: each op writes over the value before it. */
static void test_session_in_place_chain_takes_one_block(void **state)
{
    (void)state;
    check_model("chain", 16, true, chain_reference);
    for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
        dnnx_session *session = open_model("chain", backends[b]);
        run_and_check(session, "chain", 3, 16, chain_reference);
        assert_int_equal(dnnx_session_arena_bytes(session), 3 * 16 * sizeof(float));
        dnnx_session_free(session);
    }
}

/* A session whose input shape changes on every run (as a decoder's past grows) keeps at most
 * RUN_MAIN_MAX_PLANS plans and RUN_MAX_SPARE_BLOCKS spare arenas, and stays correct both for
 * signatures past the limit (unplanned) and for planned ones run again. */
static void test_session_plans_and_spares_stay_bounded(void **state)
{
    (void)state;
    for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
        dnnx_session *session = open_model("views", backends[b]);
        for (int64_t rows = 1; rows <= RUN_MAIN_MAX_PLANS + 16; rows++)
            run_and_check(session, "views", rows, 4, views_reference);
        run_and_check(session, "views", RUN_MAIN_MAX_PLANS + 10, 4, views_reference);
        run_and_check(session, "views", 3, 4, views_reference);
        assert_int_equal(session->main.n_plans, RUN_MAIN_MAX_PLANS);
        int spares = 0;
        for (const spare_arena *a = session->spare_arenas; a; a = a->next)
            spares++;
        assert_in_range(spares, 1, RUN_MAX_SPARE_BLOCKS);
        dnnx_session_free(session);
    }
}

/* dnnx inspect --shapes prints the arena the library plans for those shapes. The tool is built
 * next to this test. */
static void test_inspect_prints_the_planned_arena(void **state)
{
    (void)state;
    char tool[4096], command[8192], output[16384];
    ssize_t n = readlink("/proc/self/exe", tool, sizeof tool - 8);
    assert_true(n > 0);
    tool[n] = '\0';
    strcpy(strrchr(tool, '/') + 1, "dnnx");
    if (access(tool, X_OK) != 0)
        skip();
    snprintf(command, sizeof command, "'%s' inspect " DATA "chain.onnx --shapes n=3 2>&1", tool);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t used = fread(output, 1, sizeof output - 1, pipe);
    output[used] = '\0';
    int status = pclose(pipe);
    if (status != 0 || !strstr(output, "planned arena: 192 bytes (0.00 MiB) for x [3,16] (planned by one run)\n"))
        fail_msg("dnnx inspect printed (status %d):\n%s", status, output);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_reuses_memory),
        cmocka_unit_test(test_unplaced_values),
        cmocka_unit_test(test_shared_block_lives_until_its_last_user),
        cmocka_unit_test(test_bad_sharing_is_refused),
        cmocka_unit_test(test_random_lifetimes_never_overlap),
        cmocka_unit_test(test_in_place_not_over_input_read_later),
        cmocka_unit_test(test_in_place_not_over_block_read_later_through_view),
        cmocka_unit_test(test_view_keeps_its_source_block_alive),
        cmocka_unit_test(test_in_place_not_when_another_input_shares_the_block),
        cmocka_unit_test(test_views_of_graph_inputs_take_no_arena_and_are_never_written),
        cmocka_unit_test(test_binary_writes_over_its_full_shaped_input),
        cmocka_unit_test(test_ops_that_may_alias),
        cmocka_unit_test(test_session_in_place_input_read_later),
        cmocka_unit_test(test_session_views_of_input_and_arena),
        cmocka_unit_test(test_session_view_outlives_its_source),
        cmocka_unit_test(test_session_loop_body_views_and_outer_values),
        cmocka_unit_test(test_session_in_place_chain_takes_one_block),
        cmocka_unit_test(test_session_plans_and_spares_stay_bounded),
        cmocka_unit_test(test_inspect_prints_the_planned_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

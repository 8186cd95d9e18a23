/* Unit tests of the IR core: values, topological order, cycles, DCE, symbols, broadcasting
 * and registry lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/op.h"
#include "ops/ops.h"

/* Adds node name: op(inputs) -> outputs, inputs/outputs comma-separated ("" = none). */
static int add_node(graph *g, const char *name, const char *op, const char *inputs, const char *outputs)
{
    const char *in[8], *out[8];
    char in_buf[256], out_buf[256];
    int n_in = 0, n_out = 0;
    snprintf(in_buf, sizeof in_buf, "%s", inputs);
    snprintf(out_buf, sizeof out_buf, "%s", outputs);
    for (char *tok = strtok(in_buf, ","); tok; tok = strtok(NULL, ","))
        in[n_in++] = tok;
    for (char *tok = strtok(out_buf, ","); tok; tok = strtok(NULL, ","))
        out[n_out++] = tok;
    int node = graph_node_add(g, name, op, "");
    assert_true(node >= 0);
    assert_int_equal(graph_node_set_io(g, node, in, n_in, out, n_out), DNNX_OK);
    return node;
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

static void test_sort_orders_producers_first(void **state)
{
    (void)state;
    graph *g = graph_create();
    mark_input(g, "x");
    /* Declared out of order on purpose. */
    add_node(g, "c", "Relu", "b", "y");
    add_node(g, "b", "Relu", "a", "b");
    add_node(g, "a", "Relu", "x", "a");
    mark_output(g, "y");
    assert_int_equal(graph_sort(g), DNNX_OK);
    assert_int_equal(g->n_order, 3);
    assert_string_equal(g->nodes[g->order[0]].name, "a");
    assert_string_equal(g->nodes[g->order[1]].name, "b");
    assert_string_equal(g->nodes[g->order[2]].name, "c");
    assert_int_equal(g->values[graph_value_find(g, "y")].consumer_count, 1);
    graph_free(g);
}

static void test_sort_rejects_cycle(void **state)
{
    (void)state;
    graph *g = graph_create();
    mark_input(g, "x");
    add_node(g, "a", "Add", "x,c", "a");
    add_node(g, "b", "Relu", "a", "b");
    add_node(g, "c", "Relu", "b", "c");
    mark_output(g, "c");
    assert_int_equal(graph_sort(g), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "cycle"));
    graph_free(g);
}

static void test_sort_rejects_two_producers(void **state)
{
    (void)state;
    graph *g = graph_create();
    mark_input(g, "x");
    add_node(g, "a", "Relu", "x", "y");
    add_node(g, "b", "Relu", "x", "y");
    mark_output(g, "y");
    assert_int_equal(graph_sort(g), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "produced by two nodes"));
    graph_free(g);
}

static void test_sort_rejects_undefined_input(void **state)
{
    (void)state;
    graph *g = graph_create();
    mark_input(g, "x");
    add_node(g, "a", "Add", "x,ghost", "y");
    mark_output(g, "y");
    assert_int_equal(graph_sort(g), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "'ghost'"));
    graph_free(g);
}

static void test_sort_rejects_unproduced_output(void **state)
{
    (void)state;
    graph *g = graph_create();
    mark_input(g, "x");
    add_node(g, "a", "Relu", "x", "y");
    mark_output(g, "nowhere");
    assert_int_equal(graph_sort(g), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "graph output 'nowhere'"));
    graph_free(g);
}

static void test_long_chain_sorts_without_recursion(void **state)
{
    (void)state;
    enum { CHAIN = 150000 };
    graph *g = graph_create();
    mark_input(g, "v0");
    /* Reverse declaration order is the worst case for a naive sort. */
    for (int k = CHAIN; k >= 1; k--) {
        char name[32], in[32], out[32];
        snprintf(name, sizeof name, "n%d", k);
        snprintf(in, sizeof in, "v%d", k - 1);
        snprintf(out, sizeof out, "v%d", k);
        add_node(g, name, "Relu", in, out);
    }
    char last[32];
    snprintf(last, sizeof last, "v%d", CHAIN);
    mark_output(g, last);
    assert_int_equal(graph_sort(g), DNNX_OK);
    assert_int_equal(g->n_order, CHAIN);
    assert_string_equal(g->nodes[g->order[0]].name, "n1");
    graph_free(g);
}

static void test_dead_nodes_removed(void **state)
{
    (void)state;
    graph *g = graph_create();
    mark_input(g, "x");
    add_node(g, "used", "Relu", "x", "y");
    add_node(g, "unused", "Relu", "x", "z");
    add_node(g, "unused_too", "Relu", "z", "w");
    mark_output(g, "y");
    assert_int_equal(graph_sort(g), DNNX_OK);
    assert_int_equal(graph_remove_dead_nodes(g), DNNX_OK);
    assert_int_equal(g->n_order, 1);
    assert_string_equal(g->nodes[g->order[0]].name, "used");
    graph_free(g);
}

static void test_symbols_are_interned(void **state)
{
    (void)state;
    graph *g = graph_create();
    int64_t batch = graph_symbol(g, "batch");
    int64_t seq = graph_symbol(g, "seq");
    assert_true(DIM_IS_SYMBOL(batch));
    assert_int_not_equal(batch, seq);
    assert_int_equal(graph_symbol(g, "batch"), batch);
    assert_string_equal(graph_symbol_name(g, seq), "seq");
    assert_null(graph_symbol_name(g, 7));
    dnnx_tensor info;
    int64_t dims[3] = {batch, seq, 768};
    tensor_init_shape(&info, DNNX_DTYPE_FLOAT, 3, dims);
    char text[64];
    graph_format_shape(g, &info, text, sizeof text);
    assert_string_equal(text, "[batch,seq,768]");
    graph_free(g);
}

static op_ctx ctx_for(graph *g, graph_node *node)
{
    op_ctx ctx = {.node = node, .graph = g};
    return ctx;
}

static void test_broadcast_shapes(void **state)
{
    (void)state;
    graph *g = graph_create();
    int node = graph_node_add(g, "add", "Add", "");
    op_ctx ctx = ctx_for(g, &g->nodes[node]);
    int64_t batch = graph_symbol(g, "batch");
    dnnx_tensor a, b;
    int64_t da[3] = {batch, 1, 4}, db[2] = {3, 1};
    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, 3, da);
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 2, db);
    const dnnx_tensor *both[2] = {&a, &b};
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    assert_int_equal(op_broadcast_shapes(&ctx, both, 2, &rank, dims), DNNX_OK);
    assert_int_equal(rank, 3);
    assert_int_equal(dims[0], batch);
    assert_int_equal(dims[1], 3);
    assert_int_equal(dims[2], 4);

    int64_t bad[1] = {5};
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 1, bad);
    assert_int_equal(op_broadcast_shapes(&ctx, both, 2, &rank, dims), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "node 'add'"));
    assert_non_null(strstr(dnnx_last_error(), "cannot be broadcast"));
    graph_free(g);
}

static void test_attribute_of_wrong_type_is_an_error(void **state)
{
    (void)state;
    graph *g = graph_create();
    int node = graph_node_add(g, "sm", "Softmax", "");
    graph_node *n = &g->nodes[node];
    n->attrs = calloc(1, sizeof *n->attrs);
    n->n_attrs = 1;
    n->attrs[0].name = strdup("axis");
    n->attrs[0].type = ATTR_FLOAT;
    n->attrs[0].f = 1.0f;
    op_ctx ctx = ctx_for(g, n);
    assert_int_equal(op_attr_int(&ctx, "axis", -1), -1);
    assert_int_equal(ctx.status, DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "attribute 'axis' must be of type int, not float"));
    graph_free(g);
}

static void test_registry_lookup(void **state)
{
    (void)state;
    const op_registry *registry = ops_registry();
    assert_null(op_registry_find(registry, "", "NoSuchOp", 13));
    assert_non_null(strstr(dnnx_last_error(), "NoSuchOp"));
    assert_non_null(strstr(dnnx_last_error(), "ai.onnx"));
    assert_non_null(strstr(dnnx_last_error(), "13"));
    assert_null(op_registry_find(registry, "com.example", "Add", 1));
    assert_non_null(strstr(dnnx_last_error(), "com.example"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_orders_producers_first),
        cmocka_unit_test(test_sort_rejects_cycle),
        cmocka_unit_test(test_sort_rejects_two_producers),
        cmocka_unit_test(test_sort_rejects_undefined_input),
        cmocka_unit_test(test_sort_rejects_unproduced_output),
        cmocka_unit_test(test_long_chain_sorts_without_recursion),
        cmocka_unit_test(test_dead_nodes_removed),
        cmocka_unit_test(test_symbols_are_interned),
        cmocka_unit_test(test_broadcast_shapes),
        cmocka_unit_test(test_attribute_of_wrong_type_is_an_error),
        cmocka_unit_test(test_registry_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

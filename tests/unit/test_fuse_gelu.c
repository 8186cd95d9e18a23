/* pass fuse_gelu on small hand-written models: every GELU form exporters emit becomes one
 * dnnx.Gelu (or, after MatMul + bias, one dnnx.FusedMatMul); patterns whose interior values are
 * read elsewhere or whose constants are wrong stay as they are; and every model computes the
 * same at optimization level 0 (no passes) and 1, on the reference backend and on all. */
#include <math.h>
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
#include "support/pb_writer.h"

/* onnx.proto field numbers. */
enum {
    TP_DIMS = 1,
    TP_DATA_TYPE = 2,
    TP_NAME = 8,
    TP_RAW_DATA = 9,
    MP_IR_VERSION = 1,
    MP_GRAPH = 7,
    MP_OPSET_IMPORT = 8,
    GP_NODE = 1,
    GP_NAME = 2,
    GP_INITIALIZER = 5,
    GP_INPUT = 11,
    GP_OUTPUT = 12,
    NP_INPUT = 1,
    NP_OUTPUT = 2,
    NP_NAME = 3,
    NP_OP_TYPE = 4,
};

#define ROWS 6
#define K 8
#define N 16

/* A graph being written: input X [2, 3, K] (float), the caller's nodes and initializers. */
typedef struct model {
    pb body;
    int n_nodes;
} model;

static void add_initializer(model *m, const char *name, int dtype, int rank, const int64_t *dims, const void *data,
                            size_t bytes)
{
    pb t = {0};
    for (int i = 0; i < rank; i++)
        pb_int(&t, TP_DIMS, dims[i]);
    pb_int(&t, TP_DATA_TYPE, dtype);
    pb_str(&t, TP_NAME, name);
    pb_bytes(&t, TP_RAW_DATA, data, bytes);
    pb_sub(&m->body, GP_INITIALIZER, &t);
}

/* A one-element float constant of rank 0 or 1 ([1]). */
static void add_scalar(model *m, const char *name, float value, int rank)
{
    const int64_t one = 1;
    add_initializer(m, name, DNNX_DTYPE_FLOAT, rank, &one, &value, sizeof value);
}

/* Constants the GELU forms use, the 0.5 and the sqrt 2 given (to make them wrong). */
static void add_gelu_constants(model *m, float half, float sqrt2, int rank)
{
    add_scalar(m, "half", half, rank);
    add_scalar(m, "one", 1.0f, rank);
    add_scalar(m, "sqrt2", sqrt2, rank);
    add_scalar(m, "rsqrt2", 1.0f / sqrt2, rank);
    add_scalar(m, "s2pi", 0.7978845608f, rank);
    add_scalar(m, "coef", 0.044715f, rank);
    add_scalar(m, "three", 3.0f, rank);
}

/* W [K, N] and bias [N] of smooth values. */
static void add_weights(model *m)
{
    float w[K * N], b[N];
    for (int i = 0; i < K * N; i++)
        w[i] = (float)sin(0.37 * i) * 0.5f;
    for (int j = 0; j < N; j++)
        b[j] = (float)cos(0.9 * j) * 0.3f;
    const int64_t wdims[2] = {K, N}, bdims[1] = {N};
    add_initializer(m, "W", DNNX_DTYPE_FLOAT, 2, wdims, w, sizeof w);
    add_initializer(m, "B", DNNX_DTYPE_FLOAT, 1, bdims, b, sizeof b);
}

/* A node of op_type with comma-separated inputs and outputs. */
static void add_node(model *m, const char *op_type, const char *inputs, const char *outputs)
{
    pb node = {0};
    char buf[256], name[64];
    for (int pass = 0; pass < 2; pass++) {
        snprintf(buf, sizeof buf, "%s", pass ? outputs : inputs);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            pb_str(&node, pass ? NP_OUTPUT : NP_INPUT, tok);
    }
    snprintf(name, sizeof name, "%s_%d", op_type, m->n_nodes++);
    pb_str(&node, NP_NAME, name);
    pb_str(&node, NP_OP_TYPE, op_type);
    pb_sub(&m->body, GP_NODE, &node);
}

static void value_info(pb *body, int field, const char *name, int rank, const int64_t *dims)
{
    pb vi = {0}, type = {0}, tensor_type = {0}, shape = {0};
    pb_str(&vi, 1, name);
    pb_int(&tensor_type, 1, DNNX_DTYPE_FLOAT);
    if (rank >= 0) {
        for (int i = 0; i < rank; i++) {
            pb dim = {0};
            pb_int(&dim, 1, dims[i]);
            pb_sub(&shape, 1, &dim);
        }
        pb_sub(&tensor_type, 2, &shape);
    }
    pb_sub(&type, 1, &tensor_type);
    pb_sub(&vi, 2, &type);
    pb_sub(body, field, &vi);
}

/* The model's bytes, with graph outputs the comma-separated names in outputs. */
static pb finish(model *m, const char *outputs)
{
    const int64_t x_dims[3] = {2, 3, K};
    char buf[256];
    pb_str(&m->body, GP_NAME, "gelu");
    value_info(&m->body, GP_INPUT, "X", 3, x_dims);
    snprintf(buf, sizeof buf, "%s", outputs);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        value_info(&m->body, GP_OUTPUT, tok, -1, NULL);
    pb bytes = {0}, opset = {0};
    pb_int(&bytes, MP_IR_VERSION, 8);
    pb_int(&opset, 2, 17);
    pb_sub(&bytes, MP_OPSET_IMPORT, &opset);
    pb_sub(&bytes, MP_GRAPH, &m->body);
    return bytes;
}

static dnnx_session *open_session(const pb *bytes, int level, const char *backends)
{
    dnnx_options *options = NULL;
    dnnx_session *session = NULL;
    assert_int_equal(dnnx_options_create(&options), DNNX_OK);
    assert_int_equal(dnnx_options_set_optimization_level(options, level), DNNX_OK);
    assert_int_equal(dnnx_options_set_backends(options, backends), DNNX_OK);
    assert_int_equal(dnnx_options_set_threads(options, 1), DNNX_OK);
    dnnx_status status = dnnx_session_create_from_memory(bytes->data, bytes->len, options, &session);
    dnnx_options_free(options);
    if (status)
        fail_msg("level %d, backends %s: %s", level, backends, dnnx_last_error());
    return session;
}

/* The count of op_type in the session's node histogram (0 if absent), and the node total. */
static int count_ops(const dnnx_session *session, const char *op_type, int *total)
{
    char *text = dnnx_session_describe(session);
    assert_non_null(text);
    const char *nodes = strstr(text, "nodes: ");
    assert_non_null(nodes);
    *total = atoi(nodes + 7);
    int count = 0;
    for (const char *line = strchr(nodes, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char name[64];
        int n;
        if (sscanf(line + 1, " %63s %d", name, &n) == 2 && !strcmp(name, op_type))
            count = n;
    }
    free(text);
    return count;
}

/* Runs the session on a fixed X of mixed signs; returns its n outputs. */
static void run(dnnx_session *session, dnnx_tensor **outputs, size_t n)
{
    const int64_t dims[3] = {2, 3, K};
    dnnx_tensor *x = NULL;
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 3, dims, &x), DNNX_OK);
    float *data = dnnx_tensor_data(x);
    for (int i = 0; i < ROWS * K; i++)
        data[i] = (float)sin(1.3 * i) * 3.0f;
    const dnnx_tensor *inputs[1] = {x};
    if (dnnx_session_run(session, inputs, 1, outputs, n))
        fail_msg("run: %s", dnnx_last_error());
    dnnx_tensor_free(x);
}

/* Compiles the model at level 1 and checks what it became: expect_op appearing expect_count
 * times among expect_total nodes; then checks level 1 against level 0 on both backends. */
static void check_model(model *m, const char *outputs, const char *expect_op, int expect_count, int expect_total)
{
    size_t n_outputs = 1;
    for (const char *c = outputs; *c; c++)
        n_outputs += *c == ',';
    assert_true(n_outputs <= 2);
    pb bytes = finish(m, outputs);
    static const char *const backends[] = {"ref", "all"};
    for (int b = 0; b < 2; b++) {
        dnnx_session *plain = open_session(&bytes, 0, backends[b]);
        dnnx_session *fused = open_session(&bytes, 1, backends[b]);
        int total = 0;
        int count = count_ops(fused, expect_op, &total);
        if (count != expect_count || total != expect_total)
            fail_msg("%s: %d %s in %d nodes, expected %d in %d", backends[b], count, expect_op, total, expect_count,
                     expect_total);
        dnnx_tensor *want[2] = {NULL, NULL}, *got[2] = {NULL, NULL};
        run(plain, want, n_outputs);
        run(fused, got, n_outputs);
        for (size_t o = 0; o < n_outputs; o++) {
            size_t count_out = dnnx_tensor_element_count(want[o]);
            assert_int_equal(dnnx_tensor_element_count(got[o]), count_out);
            const float *w = dnnx_tensor_data_const(want[o]), *g = dnnx_tensor_data_const(got[o]);
            for (size_t i = 0; i < count_out; i++)
                if (!(fabsf(g[i] - w[i]) <= 2e-5f * (1.0f + fabsf(w[i]))))
                    fail_msg("%s: output %zu [%zu] is %.8g at level 1, %.8g at level 0", backends[b], o, i, g[i], w[i]);
            dnnx_tensor_free(want[o]);
            dnnx_tensor_free(got[o]);
        }
        dnnx_session_free(plain);
        dnnx_session_free(fused);
    }
    pb_free(&bytes);
}

/* H = X @ W + B (bias first or second). */
static void add_dense(model *m, bool bias_first)
{
    add_weights(m);
    add_node(m, "MatMul", "X,W", "mm");
    add_node(m, "Add", bias_first ? "B,mm" : "mm,B", "H");
}

/* PyTorch (torch.onnx, opset 13-17): ((x * (erf(x / sqrt2) + 1)) * 0.5), on input x. */
static void add_torch_erf(model *m, const char *x)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s,sqrt2", x);
    add_node(m, "Div", buf, "d");
    add_node(m, "Erf", "d", "e");
    add_node(m, "Add", "e,one", "a");
    snprintf(buf, sizeof buf, "%s,a", x);
    add_node(m, "Mul", buf, "p");
    add_node(m, "Mul", "p,half", "Y");
}

static void test_torch_erf_after_dense_becomes_fused_matmul(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_dense(&m, true);
    add_torch_erf(&m, "H");
    check_model(&m, "Y", "FusedMatMul", 1, 1);
}

static void test_erf_half_first_reciprocal_and_rank1_constants(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 1);
    add_dense(&m, false);
    add_node(&m, "Mul", "rsqrt2,H", "d");
    add_node(&m, "Erf", "d", "e");
    add_node(&m, "Add", "one,e", "a");
    add_node(&m, "Mul", "half,H", "p");
    add_node(&m, "Mul", "a,p", "Y");
    check_model(&m, "Y", "FusedMatMul", 1, 1);
}

/* torch.onnx.dynamo_export: x * (0.5 * (erf(x / sqrt2) + 1)). */
static void test_erf_half_on_the_erf_side(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_dense(&m, false);
    add_node(&m, "Div", "H,sqrt2", "d");
    add_node(&m, "Erf", "d", "e");
    add_node(&m, "Add", "e,one", "a");
    add_node(&m, "Mul", "half,a", "q");
    add_node(&m, "Mul", "H,q", "Y");
    check_model(&m, "Y", "FusedMatMul", 1, 1);
}

/* tf2onnx: (0.5 * x) * (1 - erf(-x * (1 / sqrt2))), on the graph input. */
static void test_tf_erfc_form_becomes_gelu(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_node(&m, "Neg", "X", "n");
    add_node(&m, "Mul", "n,rsqrt2", "d");
    add_node(&m, "Erf", "d", "e");
    add_node(&m, "Sub", "one,e", "a");
    add_node(&m, "Mul", "half,X", "p");
    add_node(&m, "Mul", "p,a", "Y");
    check_model(&m, "Y", "Gelu", 1, 1);
}

static void test_erf_without_dense_becomes_gelu(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_node(&m, "Relu", "X", "r");
    add_torch_erf(&m, "r");
    check_model(&m, "Y", "Gelu", 1, 2);
}

/* GPT-2: (0.5 * x) * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))), x^3 = Pow(x, 3). */
static void test_tanh_pow_becomes_gelu(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_node(&m, "Pow", "X,three", "c");
    add_node(&m, "Mul", "c,coef", "t");
    add_node(&m, "Add", "X,t", "s");
    add_node(&m, "Mul", "s,s2pi", "u");
    add_node(&m, "Tanh", "u", "h");
    add_node(&m, "Add", "h,one", "a");
    add_node(&m, "Mul", "X,half", "p");
    add_node(&m, "Mul", "p,a", "Y");
    check_model(&m, "Y", "Gelu", 1, 1);
}

/* x^3 as Mul(x, Mul(x, x)), after MatMul + bias: one FusedMatMul (GeluTanh). */
static void test_tanh_cube_by_muls_after_dense(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 1);
    add_dense(&m, true);
    add_node(&m, "Mul", "H,H", "sq");
    add_node(&m, "Mul", "sq,H", "c");
    add_node(&m, "Mul", "coef,c", "t");
    add_node(&m, "Add", "t,H", "s");
    add_node(&m, "Mul", "s2pi,s", "u");
    add_node(&m, "Tanh", "u", "h");
    add_node(&m, "Add", "one,h", "a");
    add_node(&m, "Mul", "H,a", "p");
    add_node(&m, "Mul", "half,p", "Y");
    check_model(&m, "Y", "FusedMatMul", 1, 1);
}

/* The MatMul's output is read elsewhere: the GELU fuses alone, MatMul and Add stay. */
static void test_matmul_read_elsewhere_keeps_dense(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_dense(&m, true);
    add_torch_erf(&m, "H");
    add_node(&m, "Relu", "mm", "Z");
    check_model(&m, "Y,Z", "Gelu", 1, 4);
}

/* The bias is no constant (computed from X): the GELU fuses alone. */
static void test_computed_bias_keeps_dense(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_weights(&m);
    add_node(&m, "MatMul", "X,W", "mm");
    add_node(&m, "Relu", "mm", "bias");
    add_node(&m, "Add", "mm,bias", "H");
    add_torch_erf(&m, "H");
    check_model(&m, "Y", "Gelu", 1, 4);
}

static void test_intermediate_graph_output_does_not_fuse(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_dense(&m, true);
    add_torch_erf(&m, "H");
    check_model(&m, "Y,a", "Erf", 1, 7);
}

static void test_intermediate_read_elsewhere_does_not_fuse(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_dense(&m, true);
    add_torch_erf(&m, "H");
    add_node(&m, "Relu", "e", "Z");
    check_model(&m, "Y,Z", "Erf", 1, 8);
}

static void test_wrong_half_does_not_fuse(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.6f, sqrtf(2.0f), 0);
    add_dense(&m, true);
    add_torch_erf(&m, "H");
    check_model(&m, "Y", "Erf", 1, 7);
}

static void test_wrong_sqrt2_does_not_fuse(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, 1.5f, 0);
    add_dense(&m, true);
    add_torch_erf(&m, "H");
    check_model(&m, "Y", "Erf", 1, 7);
}

/* x / sqrt 2 of another value than the one multiplied: not a GELU. */
static void test_two_different_inputs_do_not_fuse(void **state)
{
    (void)state;
    model m = {0};
    add_gelu_constants(&m, 0.5f, sqrtf(2.0f), 0);
    add_node(&m, "Relu", "X", "r");
    add_node(&m, "Div", "X,sqrt2", "d");
    add_node(&m, "Erf", "d", "e");
    add_node(&m, "Add", "e,one", "a");
    add_node(&m, "Mul", "r,a", "p");
    add_node(&m, "Mul", "p,half", "Y");
    check_model(&m, "Y", "Erf", 1, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torch_erf_after_dense_becomes_fused_matmul),
        cmocka_unit_test(test_erf_half_first_reciprocal_and_rank1_constants),
        cmocka_unit_test(test_erf_half_on_the_erf_side),
        cmocka_unit_test(test_tf_erfc_form_becomes_gelu),
        cmocka_unit_test(test_erf_without_dense_becomes_gelu),
        cmocka_unit_test(test_tanh_pow_becomes_gelu),
        cmocka_unit_test(test_tanh_cube_by_muls_after_dense),
        cmocka_unit_test(test_matmul_read_elsewhere_keeps_dense),
        cmocka_unit_test(test_computed_bias_keeps_dense),
        cmocka_unit_test(test_intermediate_graph_output_does_not_fuse),
        cmocka_unit_test(test_intermediate_read_elsewhere_does_not_fuse),
        cmocka_unit_test(test_wrong_half_does_not_fuse),
        cmocka_unit_test(test_wrong_sqrt2_does_not_fuse),
        cmocka_unit_test(test_two_different_inputs_do_not_fuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

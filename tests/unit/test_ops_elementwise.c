/* Unit tests of ops/elementwise.c: broadcasting (against a naive index computation),
 * symbolic shape inference, dtype errors, integer division semantics, float16, and the
 * registered versions; the activations (ops/activation.c) and Cast / CastLike (ops/cast.c)
 * are tested here too, with the same helpers. Nodes are built by hand and run through their schema's infer and
 * run, as the executor does. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/error.h"
#include "graph/op.h"
#include "graph/tensor.h"
#include "ops/ops.h"
#include "support/op_harness.h"

static const op_schema *const family_tables[] = {ops_elementwise_schemas, ops_activation_schemas, ops_cast_schemas};
static const size_t *const family_sizes[] = {&ops_elementwise_count, &ops_activation_count, &ops_cast_count};
static const op_registry registry = {family_tables, family_sizes, 3};

static graph *test_graph;

static int setup_graph(void **state)
{
    (void)state;
    test_graph = graph_create();
    return test_graph ? 0 : -1;
}

static int teardown_graph(void **state)
{
    (void)state;
    graph_free(test_graph);
    return 0;
}

static dnnx_tensor *make_tensor(dnnx_dtype dtype, int rank, const int64_t *dims, const void *data)
{
    dnnx_tensor *t = calloc(1, sizeof *t);
    assert_non_null(t);
    tensor_init_shape(t, dtype, rank, dims);
    assert_int_equal(tensor_alloc_data(t), DNNX_OK);
    if (data)
        memcpy(t->data, data, tensor_bytes(t));
    return t;
}

static dnnx_tensor *make_f32(int rank, const int64_t *dims, const float *data)
{
    return make_tensor(DNNX_DTYPE_FLOAT, rank, dims, data);
}

static void free_tensor(dnnx_tensor *t)
{
    tensor_clear(t);
    free(t);
}

static graph_attr attr_int(const char *name, int64_t value)
{
    graph_attr a = {0};
    a.name = (char *)name;
    a.type = ATTR_INT;
    a.i = value;
    return a;
}

static graph_attr attr_float(const char *name, float value)
{
    graph_attr a = {0};
    a.name = (char *)name;
    a.type = ATTR_FLOAT;
    a.f = value;
    return a;
}

static graph_attr attr_string(const char *name, const char *value)
{
    graph_attr a = {0};
    a.name = (char *)name;
    a.type = ATTR_STRING;
    a.s = (char *)value;
    a.s_len = strlen(value);
    return a;
}

/* A harness for op_type over the caller's inputs (NULL = omitted) and attributes; the symbols
 * of these tests are test_graph's. */
static harness *harness_over(const char *op_type, int opset, const graph_attr *attrs, int n_attrs,
                             const dnnx_tensor **inputs, int n_inputs)
{
    harness *h = harness_new(op_type, opset, n_inputs, 1);
    h->ctx.graph = test_graph;
    for (int k = 0; k < n_attrs; k++)
        *harness_attr(h, attrs[k].name, attrs[k].type) = attrs[k];
    for (int k = 0; k < n_inputs; k++)
        h->input_ptrs[k] = inputs[k];
    return h;
}

/* Runs infer (concrete) then run on a fresh output, as the executor does. On success *out
 * receives the output, which the caller frees. */
static dnnx_status run_op_attrs(const char *op_type, int opset, const graph_attr *attrs, int n_attrs,
                                const dnnx_tensor **inputs, int n_inputs, dnnx_tensor **out)
{
    harness *h = harness_over(op_type, opset, attrs, n_attrs, inputs, n_inputs);
    dnnx_status status = harness_run(h);
    if (!status) {
        *out = calloc(1, sizeof **out);
        assert_non_null(*out);
        **out = h->outputs[0];
        memset(&h->outputs[0], 0, sizeof h->outputs[0]);
    }
    harness_free(h);
    return status;
}

static dnnx_status run_op(const char *op_type, int opset, const dnnx_tensor **inputs, int n_inputs, dnnx_tensor **out)
{
    return run_op_attrs(op_type, opset, NULL, 0, inputs, n_inputs, out);
}

/* Runs load-time inference only (symbolic dims allowed) into *out. */
static dnnx_status infer_op(const char *op_type, int opset, const dnnx_tensor **inputs, int n_inputs, dnnx_tensor *out)
{
    harness *h = harness_over(op_type, opset, NULL, 0, inputs, n_inputs);
    dnnx_status status = harness_infer(h, false);
    *out = h->outputs[0];
    harness_free(h);
    return status;
}

static void assert_error_contains(const char *needle)
{
    const char *message = dnnx_last_error();
    if (!strstr(message, needle))
        fail_msg("error '%s' does not contain '%s'", message, needle);
}

static void fill_f32(dnnx_tensor *t, float start, float step)
{
    float *d = t->data;
    for (size_t i = 0; i < tensor_count(t); i++)
        d[i] = start + step * (float)i;
}

/* Offset in t of the output element with multi-index idx (numpy broadcasting). */
static size_t naive_offset(const dnnx_tensor *t, const dnnx_tensor *out, const int64_t *idx)
{
    size_t offset = 0;
    for (int k = 0; k < t->rank; k++) {
        int64_t i = t->dims[k] == 1 ? 0 : idx[out->rank - t->rank + k];
        offset = offset * (size_t)t->dims[k] + (size_t)i;
    }
    return offset;
}

/* Checks Add, Sub, Mul and Div of two f32 shapes against a per-element broadcast. */
static void check_broadcast_f32(int rank_a, const int64_t *dims_a, int rank_b, const int64_t *dims_b, int rank_out,
                                const int64_t *dims_out)
{
    static const char *const ops[] = {"Add", "Sub", "Mul", "Div"};
    dnnx_tensor *a = make_f32(rank_a, dims_a, NULL), *b = make_f32(rank_b, dims_b, NULL);
    fill_f32(a, -3.5f, 0.25f);
    fill_f32(b, 0.75f, 0.5f);
    const dnnx_tensor *inputs[] = {a, b};
    for (int o = 0; o < 4; o++) {
        dnnx_tensor *out;
        assert_int_equal(run_op(ops[o], 14, inputs, 2, &out), DNNX_OK);
        assert_int_equal(out->rank, rank_out);
        for (int d = 0; d < rank_out; d++)
            assert_int_equal(out->dims[d], dims_out[d]);
        int64_t idx[DNNX_MAX_RANK] = {0};
        for (size_t i = 0; i < tensor_count(out); i++) {
            float x = ((float *)a->data)[naive_offset(a, out, idx)];
            float y = ((float *)b->data)[naive_offset(b, out, idx)];
            float want = o == 0 ? x + y : o == 1 ? x - y : o == 2 ? x * y : x / y;
            assert_float_equal(((float *)out->data)[i], want, 0);
            for (int d = rank_out - 1; d >= 0 && ++idx[d] == dims_out[d]; d--)
                idx[d] = 0;
        }
        free_tensor(out);
    }
    free_tensor(a);
    free_tensor(b);
}

static void test_broadcast_shapes(void **state)
{
    (void)state;
    check_broadcast_f32(2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3});
    check_broadcast_f32(3, (int64_t[]){2, 3, 5}, 1, (int64_t[]){5}, 3, (int64_t[]){2, 3, 5});
    check_broadcast_f32(3, (int64_t[]){2, 3, 4}, 2, (int64_t[]){3, 1}, 3, (int64_t[]){2, 3, 4});
    check_broadcast_f32(3, (int64_t[]){2, 1, 4}, 3, (int64_t[]){1, 3, 1}, 3, (int64_t[]){2, 3, 4});
    check_broadcast_f32(0, NULL, 2, (int64_t[]){3, 2}, 2, (int64_t[]){3, 2});
    check_broadcast_f32(2, (int64_t[]){3, 2}, 0, NULL, 2, (int64_t[]){3, 2});
    check_broadcast_f32(4, (int64_t[]){2, 3, 2, 2}, 4, (int64_t[]){1, 3, 1, 1}, 4, (int64_t[]){2, 3, 2, 2});
    check_broadcast_f32(4, (int64_t[]){1, 1, 3, 3}, 4, (int64_t[]){2, 2, 3, 3}, 4, (int64_t[]){2, 2, 3, 3});
    check_broadcast_f32(3, (int64_t[]){4, 1, 3}, 2, (int64_t[]){2, 1}, 3, (int64_t[]){4, 2, 3});
    check_broadcast_f32(2, (int64_t[]){0, 3}, 1, (int64_t[]){3}, 2, (int64_t[]){0, 3});
    /* Rows longer than the kernels' block of 64, with a remainder. */
    check_broadcast_f32(2, (int64_t[]){3, 150}, 1, (int64_t[]){150}, 2, (int64_t[]){3, 150});
    check_broadcast_f32(2, (int64_t[]){2, 67}, 2, (int64_t[]){2, 67}, 2, (int64_t[]){2, 67});
    check_broadcast_f32(1, (int64_t[]){130}, 0, NULL, 1, (int64_t[]){130});
    check_broadcast_f32(0, NULL, 2, (int64_t[]){2, 129}, 2, (int64_t[]){2, 129});
    /* Random compatible pairs up to rank 5 (a fixed LCG, so failures reproduce). */
    uint32_t seed = 12345;
    for (int trial = 0; trial < 300; trial++) {
        int64_t dims_out[5], dims_a[5], dims_b[5];
        seed = seed * 1103515245u + 12345u;
        int rank_out = (int)(seed >> 16) % 6, rank_a = rank_out, rank_b = rank_out;
        seed = seed * 1103515245u + 12345u;
        if (rank_out > 0 && (seed >> 16) % 2)
            rank_a -= (int)((seed >> 20) % (uint32_t)(rank_out + 1));
        else if (rank_out > 0)
            rank_b -= (int)((seed >> 20) % (uint32_t)(rank_out + 1));
        for (int d = 0; d < rank_out; d++) {
            seed = seed * 1103515245u + 12345u;
            dims_out[d] = 1 + (int64_t)((seed >> 16) % 4);
            int ka = d - (rank_out - rank_a), kb = d - (rank_out - rank_b);
            bool a_full = (seed >> 20) % 3 != 0, b_full = !a_full || (seed >> 24) % 2;
            if (ka >= 0)
                dims_a[ka] = a_full ? dims_out[d] : 1;
            if (kb >= 0)
                dims_b[kb] = b_full ? dims_out[d] : 1;
            if (!(ka >= 0 && a_full) && !(kb >= 0 && b_full))
                dims_out[d] = 1;
        }
        check_broadcast_f32(rank_a, dims_a, rank_b, dims_b, rank_out, dims_out);
    }
}

/* Unary kernels and Clip over more than one block, against libm. */
static void test_long_unary(void **state)
{
    (void)state;
    dnnx_tensor *x = make_f32(1, (int64_t[]){200}, NULL), *out;
    fill_f32(x, -5, 0.05f);
    const dnnx_tensor *inputs[] = {x};
    const float *v = x->data;
    assert_int_equal(run_op("Abs", 13, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 200; i++)
        assert_float_equal(((float *)out->data)[i], fabsf(v[i]), 0);
    free_tensor(out);
    assert_int_equal(run_op("Exp", 13, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 200; i++)
        assert_float_equal(((float *)out->data)[i], expf(v[i]), 0);
    free_tensor(out);
    assert_int_equal(run_op("Relu", 14, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 200; i++)
        assert_float_equal(((float *)out->data)[i], v[i] < 0 ? 0 : v[i], 0);
    free_tensor(out);
    dnnx_tensor *lo = make_f32(0, NULL, (float[]){-1}), *hi = make_f32(0, NULL, (float[]){2});
    const dnnx_tensor *clip_inputs[] = {x, lo, hi};
    assert_int_equal(run_op("Clip", 13, clip_inputs, 3, &out), DNNX_OK);
    for (int i = 0; i < 200; i++)
        assert_float_equal(((float *)out->data)[i], fminf(2, fmaxf(-1, v[i])), 0);
    free_tensor(out);
    dnnx_tensor *slope = make_f32(0, NULL, (float[]){0.5f});
    const dnnx_tensor *prelu_inputs[] = {x, slope};
    assert_int_equal(run_op("PRelu", 16, prelu_inputs, 2, &out), DNNX_OK);
    for (int i = 0; i < 200; i++)
        assert_float_equal(((float *)out->data)[i], v[i] < 0 ? 0.5f * v[i] : v[i], 0);
    free_tensor(out);
    free_tensor(slope);
    free_tensor(lo);
    free_tensor(hi);
    free_tensor(x);
}

static void test_broadcast_mismatch(void **state)
{
    (void)state;
    dnnx_tensor *a = make_f32(2, (int64_t[]){2, 3}, NULL), *b = make_f32(1, (int64_t[]){4}, NULL), *out;
    const dnnx_tensor *inputs[] = {a, b};
    assert_int_equal(run_op("Add", 14, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("cannot be broadcast");
    free_tensor(a);
    free_tensor(b);
}

static void test_symbolic_inference(void **state)
{
    (void)state;
    int64_t batch = graph_symbol(test_graph, "batch"), seq = graph_symbol(test_graph, "seq");
    dnnx_tensor a, b, c, out;
    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, 1, 4});
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 2, (int64_t[]){3, 1});
    const dnnx_tensor *inputs[] = {&a, &b};
    assert_int_equal(infer_op("Mul", 14, inputs, 2, &out), DNNX_OK);
    assert_int_equal(out.dtype, DNNX_DTYPE_FLOAT);
    assert_int_equal(out.rank, 3);
    assert_int_equal(out.dims[0], batch);
    assert_int_equal(out.dims[1], 3);
    assert_int_equal(out.dims[2], 4);

    tensor_init_shape(&a, DNNX_DTYPE_INT64, 2, (int64_t[]){batch, seq});
    tensor_init_shape(&b, DNNX_DTYPE_INT64, 2, (int64_t[]){batch, 1});
    assert_int_equal(infer_op("Less", 13, inputs, 2, &out), DNNX_OK);
    assert_int_equal(out.dtype, DNNX_DTYPE_BOOL);
    assert_int_equal(out.rank, 2);
    assert_int_equal(out.dims[0], batch);
    assert_int_equal(out.dims[1], seq);

    tensor_init_shape(&a, DNNX_DTYPE_BOOL, 4, (int64_t[]){1, 1, seq, seq});
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 4, (int64_t[]){batch, 12, seq, seq});
    tensor_init_shape(&c, DNNX_DTYPE_FLOAT, 0, NULL);
    const dnnx_tensor *where_inputs[] = {&a, &b, &c};
    assert_int_equal(infer_op("Where", 16, where_inputs, 3, &out), DNNX_OK);
    assert_int_equal(out.dtype, DNNX_DTYPE_FLOAT);
    assert_int_equal(out.rank, 4);
    assert_int_equal(out.dims[0], batch);
    assert_int_equal(out.dims[1], 12);
    assert_int_equal(out.dims[2], seq);

    tensor_init_shape(&a, DNNX_DTYPE_FLOAT16, 2, (int64_t[]){seq, DIM_UNKNOWN});
    const dnnx_tensor *unary[] = {&a};
    assert_int_equal(infer_op("Sqrt", 13, unary, 1, &out), DNNX_OK);
    assert_int_equal(out.dtype, DNNX_DTYPE_FLOAT16);
    assert_int_equal(out.dims[0], seq);
    assert_int_equal(out.dims[1], DIM_UNKNOWN);
    assert_int_equal(infer_op("IsNaN", 13, unary, 1, &out), DNNX_OK);
    assert_int_equal(out.dtype, DNNX_DTYPE_BOOL);

    /* Concrete sizes that differ fail at load even next to symbols. */
    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, 2, (int64_t[]){batch, 3});
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 2, (int64_t[]){batch, 4});
    assert_int_equal(infer_op("Add", 14, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
}

static void test_dtype_errors(void **state)
{
    (void)state;
    dnnx_tensor a, b, out;
    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3});
    tensor_init_shape(&b, DNNX_DTYPE_INT64, 1, (int64_t[]){3});
    const dnnx_tensor *inputs[] = {&a, &b};
    assert_int_equal(infer_op("Add", 14, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("float");
    assert_error_contains("int64");
    assert_error_contains("Add");

    tensor_init_shape(&a, DNNX_DTYPE_BOOL, 1, (int64_t[]){3});
    tensor_init_shape(&b, DNNX_DTYPE_BOOL, 1, (int64_t[]){3});
    assert_int_equal(infer_op("Add", 14, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("bool");
    assert_int_equal(infer_op("And", 7, inputs, 2, &out), DNNX_OK);
    assert_int_equal(infer_op("Equal", 13, inputs, 2, &out), DNNX_OK);

    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3});
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3});
    assert_int_equal(infer_op("And", 7, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_int_equal(infer_op("BitwiseAnd", 18, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    const dnnx_tensor *unary[] = {&a};
    assert_int_equal(infer_op("Not", 1, unary, 1, &out), DNNX_ERR_INVALID_MODEL);

    tensor_init_shape(&a, DNNX_DTYPE_INT32, 1, (int64_t[]){3});
    assert_int_equal(infer_op("Sqrt", 13, unary, 1, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("int32");
    tensor_init_shape(&a, DNNX_DTYPE_STRING, 1, (int64_t[]){3});
    assert_int_equal(infer_op("Abs", 13, unary, 1, &out), DNNX_ERR_UNSUPPORTED);

    /* Where: the condition must be bool, the branches must agree. */
    dnnx_tensor c;
    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3});
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3});
    tensor_init_shape(&c, DNNX_DTYPE_INT64, 1, (int64_t[]){3});
    const dnnx_tensor *where_bad_cond[] = {&a, &a, &b};
    assert_int_equal(infer_op("Where", 16, where_bad_cond, 3, &out), DNNX_ERR_INVALID_MODEL);
    tensor_init_shape(&a, DNNX_DTYPE_BOOL, 1, (int64_t[]){3});
    const dnnx_tensor *where_mixed[] = {&a, &b, &c};
    assert_int_equal(infer_op("Where", 16, where_mixed, 3, &out), DNNX_ERR_INVALID_MODEL);
}

static void test_int_division(void **state)
{
    (void)state;
    int32_t xs[] = {7, -7, 7, -7, INT32_MIN, 0};
    int32_t ys[] = {2, 2, -2, -2, -1, 5};
    dnnx_tensor *x = make_tensor(DNNX_DTYPE_INT32, 1, (int64_t[]){6}, xs);
    dnnx_tensor *y = make_tensor(DNNX_DTYPE_INT32, 1, (int64_t[]){6}, ys);
    const dnnx_tensor *inputs[] = {x, y};
    dnnx_tensor *out;
    assert_int_equal(run_op("Div", 14, inputs, 2, &out), DNNX_OK);
    int32_t want_div[] = {3, -3, -3, 3, INT32_MIN, 0};
    assert_memory_equal(out->data, want_div, sizeof want_div);
    free_tensor(out);

    assert_int_equal(run_op("Mod", 13, inputs, 2, &out), DNNX_OK);
    int32_t want_mod[] = {1, 1, -1, -1, 0, 0};
    assert_memory_equal(out->data, want_mod, sizeof want_mod);
    free_tensor(out);

    graph_attr fmod = attr_int("fmod", 1);
    assert_int_equal(run_op_attrs("Mod", 13, &fmod, 1, inputs, 2, &out), DNNX_OK);
    int32_t want_fmod[] = {1, -1, 1, -1, 0, 0};
    assert_memory_equal(out->data, want_fmod, sizeof want_fmod);
    free_tensor(out);

    ((int32_t *)y->data)[5] = 0;
    assert_int_equal(run_op("Div", 14, inputs, 2, &out), DNNX_ERR_RUNTIME);
    assert_error_contains("division by zero");
    assert_error_contains("node 'n'");
    assert_int_equal(run_op("Mod", 13, inputs, 2, &out), DNNX_ERR_RUNTIME);
    assert_int_equal(run_op_attrs("Mod", 13, &fmod, 1, inputs, 2, &out), DNNX_ERR_RUNTIME);
    free_tensor(x);
    free_tensor(y);

    uint8_t ux[] = {200, 7}, uy[] = {0, 2};
    x = make_tensor(DNNX_DTYPE_UINT8, 1, (int64_t[]){2}, ux);
    y = make_tensor(DNNX_DTYPE_UINT8, 1, (int64_t[]){2}, uy);
    const dnnx_tensor *u_inputs[] = {x, y};
    assert_int_equal(run_op("Div", 14, u_inputs, 2, &out), DNNX_ERR_RUNTIME);
    free_tensor(x);
    free_tensor(y);

    /* int64 Div broadcasting a scalar divisor, and wrap-around of Add / Mul. */
    int64_t lx[] = {-9, 9, INT64_MAX}, ly = 4;
    x = make_tensor(DNNX_DTYPE_INT64, 1, (int64_t[]){3}, lx);
    y = make_tensor(DNNX_DTYPE_INT64, 0, NULL, &ly);
    const dnnx_tensor *l_inputs[] = {x, y};
    assert_int_equal(run_op("Div", 14, l_inputs, 2, &out), DNNX_OK);
    int64_t want_l[] = {-2, 2, INT64_MAX / 4};
    assert_memory_equal(out->data, want_l, sizeof want_l);
    free_tensor(out);
    assert_int_equal(run_op("Add", 14, l_inputs, 2, &out), DNNX_OK);
    assert_true(((int64_t *)out->data)[2] == INT64_MIN + 3);
    free_tensor(out);
    free_tensor(x);
    free_tensor(y);
}

static void test_float_division_and_mod(void **state)
{
    (void)state;
    float xs[] = {1, -1, 0, 5.5f}, ys[] = {0, 0, 0, -2};
    dnnx_tensor *x = make_f32(1, (int64_t[]){4}, xs), *y = make_f32(1, (int64_t[]){4}, ys), *out;
    const dnnx_tensor *inputs[] = {x, y};
    assert_int_equal(run_op("Div", 14, inputs, 2, &out), DNNX_OK);
    float *o = out->data;
    assert_true(isinf(o[0]) && o[0] > 0);
    assert_true(isinf(o[1]) && o[1] < 0);
    assert_true(isnan(o[2]));
    assert_float_equal(o[3], -2.75f, 0);
    free_tensor(out);

    assert_int_equal(run_op("Mod", 13, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("fmod");
    graph_attr fmod = attr_int("fmod", 1);
    assert_int_equal(run_op_attrs("Mod", 13, &fmod, 1, inputs, 2, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[3], 1.5f, 0);
    free_tensor(out);
    free_tensor(x);
    free_tensor(y);
}

static dnnx_tensor *make_f16(int rank, const int64_t *dims, const float *values)
{
    dnnx_tensor *t = make_tensor(DNNX_DTYPE_FLOAT16, rank, dims, NULL);
    for (size_t i = 0; i < tensor_count(t); i++)
        ((uint16_t *)t->data)[i] = tensor_float_to_half(values[i]);
    return t;
}

static float f16_at(const dnnx_tensor *t, size_t i) { return tensor_half_to_float(((const uint16_t *)t->data)[i]); }

static void test_float16(void **state)
{
    (void)state;
    dnnx_tensor *a = make_f16(2, (int64_t[]){2, 2}, (float[]){1.5f, -2.0f, 65504.0f, 0.25f});
    dnnx_tensor *b = make_f16(1, (int64_t[]){2}, (float[]){0.5f, 3.0f});
    const dnnx_tensor *inputs[] = {a, b};
    dnnx_tensor *out;
    assert_int_equal(run_op("Add", 14, inputs, 2, &out), DNNX_OK);
    assert_int_equal(out->dtype, DNNX_DTYPE_FLOAT16);
    assert_float_equal(f16_at(out, 0), 2.0f, 0);
    assert_float_equal(f16_at(out, 1), 1.0f, 0);
    assert_float_equal(f16_at(out, 2), 65504.0f, 0); /* 65504.5 rounds back to the largest half */
    assert_float_equal(f16_at(out, 3), 3.25f, 0);
    free_tensor(out);

    assert_int_equal(run_op("Max", 13, inputs, 2, &out), DNNX_OK);
    assert_float_equal(f16_at(out, 0), 1.5f, 0);
    assert_float_equal(f16_at(out, 1), 3.0f, 0);
    free_tensor(out);

    assert_int_equal(run_op("Greater", 13, inputs, 2, &out), DNNX_OK);
    assert_int_equal(out->dtype, DNNX_DTYPE_BOOL);
    uint8_t want_gt[] = {1, 0, 1, 0};
    assert_memory_equal(out->data, want_gt, sizeof want_gt);
    free_tensor(out);

    const dnnx_tensor *unary[] = {a};
    assert_int_equal(run_op("Neg", 13, unary, 1, &out), DNNX_OK);
    assert_float_equal(f16_at(out, 1), 2.0f, 0);
    free_tensor(out);
    assert_int_equal(run_op("Sqrt", 13, unary, 1, &out), DNNX_OK);
    assert_float_equal(f16_at(out, 3), 0.5f, 0);
    assert_true(isnan(f16_at(out, 1)));
    free_tensor(out);
    free_tensor(a);
    free_tensor(b);
}

static void test_variadic(void **state)
{
    (void)state;
    dnnx_tensor *a = make_f32(2, (int64_t[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6});
    dnnx_tensor *b = make_f32(1, (int64_t[]){3}, (float[]){10, 20, 30});
    dnnx_tensor *c = make_f32(2, (int64_t[]){2, 1}, (float[]){100, 200});
    const dnnx_tensor *inputs[] = {a, b, c};
    dnnx_tensor *out;
    assert_int_equal(run_op("Sum", 13, inputs, 3, &out), DNNX_OK);
    float want_sum[] = {111, 122, 133, 214, 225, 236};
    assert_memory_equal(out->data, want_sum, sizeof want_sum);
    free_tensor(out);

    assert_int_equal(run_op("Mean", 13, inputs, 3, &out), DNNX_OK);
    for (int i = 0; i < 6; i++)
        assert_float_equal(((float *)out->data)[i], want_sum[i] / 3, 1e-5);
    free_tensor(out);

    assert_int_equal(run_op("Min", 13, inputs, 3, &out), DNNX_OK);
    float want_min[] = {1, 2, 3, 4, 5, 6};
    assert_memory_equal(out->data, want_min, sizeof want_min);
    free_tensor(out);

    assert_int_equal(run_op("Max", 13, inputs, 1, &out), DNNX_OK);
    assert_memory_equal(out->data, a->data, 6 * sizeof(float));
    free_tensor(out);

    ((float *)a->data)[4] = NAN;
    assert_int_equal(run_op("Max", 8, inputs, 3, &out), DNNX_OK);
    assert_true(isnan(((float *)out->data)[4]));
    assert_float_equal(((float *)out->data)[0], 100, 0);
    free_tensor(out);
    free_tensor(a);
    free_tensor(b);
    free_tensor(c);
}

static void test_compare_logic_where(void **state)
{
    (void)state;
    int64_t xs[] = {1, 5, 3, 2}, ys[] = {2, 3};
    dnnx_tensor *x = make_tensor(DNNX_DTYPE_INT64, 2, (int64_t[]){2, 2}, xs);
    dnnx_tensor *y = make_tensor(DNNX_DTYPE_INT64, 2, (int64_t[]){2, 1}, ys);
    const dnnx_tensor *inputs[] = {x, y};
    dnnx_tensor *out;
    struct {
        const char *op;
        int opset;
        uint8_t want[4];
    } cases[] = {
        {"Equal", 13, {0, 0, 1, 0}},   {"Less", 13, {1, 0, 0, 1}},           {"LessOrEqual", 16, {1, 0, 1, 1}},
        {"Greater", 13, {0, 1, 0, 0}}, {"GreaterOrEqual", 16, {0, 1, 1, 0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        assert_int_equal(run_op(cases[k].op, cases[k].opset, inputs, 2, &out), DNNX_OK);
        assert_int_equal(out->dtype, DNNX_DTYPE_BOOL);
        assert_memory_equal(out->data, cases[k].want, 4);
        free_tensor(out);
    }

    uint8_t ps[] = {1, 0, 1, 0}, qs[] = {1, 1, 0, 0};
    dnnx_tensor *p = make_tensor(DNNX_DTYPE_BOOL, 1, (int64_t[]){4}, ps);
    dnnx_tensor *q = make_tensor(DNNX_DTYPE_BOOL, 1, (int64_t[]){4}, qs);
    const dnnx_tensor *bools[] = {p, q};
    uint8_t want_and[] = {1, 0, 0, 0}, want_or[] = {1, 1, 1, 0}, want_xor[] = {0, 1, 1, 0}, want_not[] = {0, 1, 0, 1};
    assert_int_equal(run_op("And", 7, bools, 2, &out), DNNX_OK);
    assert_memory_equal(out->data, want_and, 4);
    free_tensor(out);
    assert_int_equal(run_op("Or", 7, bools, 2, &out), DNNX_OK);
    assert_memory_equal(out->data, want_or, 4);
    free_tensor(out);
    assert_int_equal(run_op("Xor", 7, bools, 2, &out), DNNX_OK);
    assert_memory_equal(out->data, want_xor, 4);
    free_tensor(out);
    assert_int_equal(run_op("Not", 1, bools, 1, &out), DNNX_OK);
    assert_memory_equal(out->data, want_not, 4);
    free_tensor(out);

    /* Where with a [2,1] condition, a [2] branch and a scalar branch. */
    uint8_t cs[] = {1, 0};
    dnnx_tensor *cond = make_tensor(DNNX_DTYPE_BOOL, 2, (int64_t[]){2, 1}, cs);
    dnnx_tensor *a = make_f32(1, (int64_t[]){2}, (float[]){1, 2});
    dnnx_tensor *b = make_f32(0, NULL, (float[]){-1});
    const dnnx_tensor *where_inputs[] = {cond, a, b};
    assert_int_equal(run_op("Where", 16, where_inputs, 3, &out), DNNX_OK);
    assert_int_equal(out->rank, 2);
    float want_where[] = {1, 2, -1, -1};
    assert_memory_equal(out->data, want_where, sizeof want_where);
    free_tensor(out);
    free_tensor(cond);
    free_tensor(a);
    free_tensor(b);
    free_tensor(p);
    free_tensor(q);
    free_tensor(x);
    free_tensor(y);
}

static void test_pow(void **state)
{
    (void)state;
    dnnx_tensor *base = make_f32(1, (int64_t[]){3}, (float[]){-1.5f, 2, 3});
    dnnx_tensor *two = make_f32(0, NULL, (float[]){2});
    const dnnx_tensor *inputs[] = {base, two};
    dnnx_tensor *out;
    assert_int_equal(run_op("Pow", 15, inputs, 2, &out), DNNX_OK);
    float want_sq[] = {2.25f, 4, 9};
    assert_memory_equal(out->data, want_sq, sizeof want_sq);
    free_tensor(out);

    int64_t e[] = {3, -1, 0};
    dnnx_tensor *ie = make_tensor(DNNX_DTYPE_INT64, 1, (int64_t[]){3}, e);
    const dnnx_tensor *mixed[] = {base, ie};
    assert_int_equal(run_op("Pow", 15, mixed, 2, &out), DNNX_OK);
    assert_int_equal(out->dtype, DNNX_DTYPE_FLOAT);
    float want_mixed[] = {-3.375f, 0.5f, 1};
    assert_memory_equal(out->data, want_mixed, sizeof want_mixed);
    free_tensor(out);
    /* Pow-7 needs one dtype. */
    assert_int_equal(run_op("Pow", 7, mixed, 2, &out), DNNX_ERR_INVALID_MODEL);

    int32_t ib[] = {2, -3, 7};
    dnnx_tensor *ibase = make_tensor(DNNX_DTYPE_INT32, 1, (int64_t[]){3}, ib);
    const dnnx_tensor *ints[] = {ibase, ie};
    assert_int_equal(run_op("Pow", 15, ints, 2, &out), DNNX_OK);
    assert_int_equal(out->dtype, DNNX_DTYPE_INT32);
    int32_t want_int[] = {8, 0, 1};
    assert_memory_equal(out->data, want_int, sizeof want_int);
    free_tensor(out);

    dnnx_tensor *fe = make_f32(1, (int64_t[]){3}, (float[]){10, 2.5f, 0.5f});
    const dnnx_tensor *int_float[] = {ibase, fe};
    assert_int_equal(run_op("Pow", 15, int_float, 2, &out), DNNX_OK);
    int32_t want_if[] = {1024, 0, 2}; /* (-3)^2.5 is NaN -> 0; sqrt(7) truncates to 2 */
    assert_memory_equal(out->data, want_if, sizeof want_if);
    free_tensor(out);
    free_tensor(base);
    free_tensor(two);
    free_tensor(ie);
    free_tensor(ibase);
    free_tensor(fe);
}

static void test_clip(void **state)
{
    (void)state;
    dnnx_tensor *x = make_f32(1, (int64_t[]){5}, (float[]){-3, -1, 0, 2, NAN});
    dnnx_tensor *lo = make_f32(0, NULL, (float[]){-1.5f});
    dnnx_tensor *hi = make_f32(1, (int64_t[]){1}, (float[]){1});
    dnnx_tensor *out;
    const dnnx_tensor *both[] = {x, lo, hi};
    assert_int_equal(run_op("Clip", 13, both, 3, &out), DNNX_OK);
    float *o = out->data;
    assert_float_equal(o[0], -1.5f, 0);
    assert_float_equal(o[1], -1, 0);
    assert_float_equal(o[3], 1, 0);
    assert_true(isnan(o[4]));
    free_tensor(out);

    const dnnx_tensor *max_only[] = {x, NULL, hi};
    assert_int_equal(run_op("Clip", 13, max_only, 3, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], -3, 0);
    assert_float_equal(((float *)out->data)[3], 1, 0);
    free_tensor(out);

    graph_attr attrs[] = {attr_float("min", -2), attr_float("max", 0.5f)};
    const dnnx_tensor *x_only[] = {x};
    assert_int_equal(run_op_attrs("Clip", 6, attrs, 2, x_only, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], -2, 0);
    assert_float_equal(((float *)out->data)[3], 0.5f, 0);
    free_tensor(out);

    int8_t xi[] = {-128, -5, 0, 5, 127}, li = -4;
    dnnx_tensor *x8 = make_tensor(DNNX_DTYPE_INT8, 1, (int64_t[]){5}, xi);
    dnnx_tensor *l8 = make_tensor(DNNX_DTYPE_INT8, 0, NULL, &li);
    const dnnx_tensor *ints[] = {x8, l8};
    assert_int_equal(run_op("Clip", 13, ints, 2, &out), DNNX_OK);
    int8_t want8[] = {-4, -4, 0, 5, 127};
    assert_memory_equal(out->data, want8, sizeof want8);
    free_tensor(out);

    /* A bound of another dtype or a non-scalar bound is an error. */
    const dnnx_tensor *mixed[] = {x8, lo};
    assert_int_equal(run_op("Clip", 13, mixed, 2, &out), DNNX_ERR_INVALID_MODEL);
    dnnx_tensor *wide = make_f32(1, (int64_t[]){2}, (float[]){0, 1});
    const dnnx_tensor *bad_shape[] = {x, wide};
    assert_int_equal(run_op("Clip", 13, bad_shape, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("scalar");
    free_tensor(wide);
    free_tensor(x8);
    free_tensor(l8);
    free_tensor(x);
    free_tensor(lo);
    free_tensor(hi);
}

static void test_unary_math(void **state)
{
    (void)state;
    dnnx_tensor *x = make_f32(1, (int64_t[]){8}, (float[]){0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 2.4f, -0.0f, 3.5f});
    const dnnx_tensor *inputs[] = {x};
    dnnx_tensor *out;
    assert_int_equal(run_op("Round", 11, inputs, 1, &out), DNNX_OK);
    float want_round[] = {0, 2, 2, -0.0f, -2, 2, -0.0f, 4};
    for (int i = 0; i < 8; i++)
        assert_float_equal(((float *)out->data)[i], want_round[i], 0);
    free_tensor(out);
    assert_int_equal(run_op("Sign", 13, inputs, 1, &out), DNNX_OK);
    float want_sign[] = {1, 1, 1, -1, -1, 1, 0, 1};
    for (int i = 0; i < 8; i++)
        assert_float_equal(((float *)out->data)[i], want_sign[i], 0);
    free_tensor(out);
    assert_int_equal(run_op("Sigmoid", 13, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 8; i++) {
        float v = ((float *)x->data)[i];
        assert_float_equal(((float *)out->data)[i], 1 / (1 + expf(-v)), 1e-6);
    }
    free_tensor(out);
    free_tensor(x);

    dnnx_tensor *big = make_f32(1, (int64_t[]){2}, (float[]){-1000, 1000});
    const dnnx_tensor *big_inputs[] = {big};
    assert_int_equal(run_op("Sigmoid", 13, big_inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], 0, 0);
    assert_float_equal(((float *)out->data)[1], 1, 0);
    free_tensor(out);
    free_tensor(big);

    dnnx_tensor *inf = make_f32(1, (int64_t[]){4}, (float[]){INFINITY, -INFINITY, NAN, 1});
    const dnnx_tensor *inf_inputs[] = {inf};
    graph_attr no_negative = attr_int("detect_negative", 0);
    assert_int_equal(run_op_attrs("IsInf", 10, &no_negative, 1, inf_inputs, 1, &out), DNNX_OK);
    uint8_t want_inf[] = {1, 0, 0, 0};
    assert_memory_equal(out->data, want_inf, 4);
    free_tensor(out);
    assert_int_equal(run_op("IsNaN", 13, inf_inputs, 1, &out), DNNX_OK);
    uint8_t want_nan[] = {0, 0, 1, 0};
    assert_memory_equal(out->data, want_nan, 4);
    free_tensor(out);
    free_tensor(inf);

    int8_t ix[] = {-128, -3, 0, 4};
    dnnx_tensor *i8 = make_tensor(DNNX_DTYPE_INT8, 1, (int64_t[]){4}, ix);
    const dnnx_tensor *i8_inputs[] = {i8};
    assert_int_equal(run_op("Abs", 13, i8_inputs, 1, &out), DNNX_OK);
    int8_t want_abs[] = {-128, 3, 0, 4};
    assert_memory_equal(out->data, want_abs, 4);
    free_tensor(out);
    assert_int_equal(run_op("Neg", 13, i8_inputs, 1, &out), DNNX_OK);
    int8_t want_neg[] = {-128, 3, 0, -4};
    assert_memory_equal(out->data, want_neg, 4);
    free_tensor(out);
    assert_int_equal(run_op("BitwiseNot", 18, i8_inputs, 1, &out), DNNX_OK);
    int8_t want_bnot[] = {127, 2, -1, -5};
    assert_memory_equal(out->data, want_bnot, 4);
    free_tensor(out);
    free_tensor(i8);
}

static void test_bit_ops(void **state)
{
    (void)state;
    uint32_t xs[] = {16, 4, 1, 0xF0F0F0F0u}, ys[] = {1, 2, 40, 4};
    dnnx_tensor *x = make_tensor(DNNX_DTYPE_UINT32, 1, (int64_t[]){4}, xs);
    dnnx_tensor *y = make_tensor(DNNX_DTYPE_UINT32, 1, (int64_t[]){4}, ys);
    const dnnx_tensor *inputs[] = {x, y};
    dnnx_tensor *out;
    graph_attr left = attr_string("direction", "LEFT"), right = attr_string("direction", "RIGHT");
    graph_attr bad = attr_string("direction", "UP");
    assert_int_equal(run_op_attrs("BitShift", 11, &left, 1, inputs, 2, &out), DNNX_OK);
    uint32_t want_left[] = {32, 16, 0, 0x0F0F0F00u};
    assert_memory_equal(out->data, want_left, sizeof want_left);
    free_tensor(out);
    assert_int_equal(run_op_attrs("BitShift", 11, &right, 1, inputs, 2, &out), DNNX_OK);
    uint32_t want_right[] = {8, 1, 0, 0x0F0F0F0Fu};
    assert_memory_equal(out->data, want_right, sizeof want_right);
    free_tensor(out);
    assert_int_equal(run_op_attrs("BitShift", 11, &bad, 1, inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_int_equal(run_op("BitwiseXor", 18, inputs, 2, &out), DNNX_OK);
    uint32_t want_xor[] = {17, 6, 41, 0xF0F0F0F4u};
    assert_memory_equal(out->data, want_xor, sizeof want_xor);
    free_tensor(out);
    free_tensor(x);
    free_tensor(y);
}

static void test_relu_family(void **state)
{
    (void)state;
    dnnx_tensor *x = make_f32(1, (int64_t[]){5}, (float[]){-2, -0.5f, 0, 1.5f, NAN});
    const dnnx_tensor *inputs[] = {x};
    dnnx_tensor *out;
    assert_int_equal(run_op("Relu", 14, inputs, 1, &out), DNNX_OK);
    float *o = out->data;
    assert_float_equal(o[0], 0, 0);
    assert_float_equal(o[3], 1.5f, 0);
    assert_true(isnan(o[4]));
    free_tensor(out);

    assert_int_equal(run_op("LeakyRelu", 16, inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], -0.02f, 1e-7);
    free_tensor(out);

    graph_attr alpha = attr_float("alpha", 2.0f);
    assert_int_equal(run_op_attrs("Elu", 6, &alpha, 1, inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], 2 * (expf(-2) - 1), 1e-6);
    assert_float_equal(((float *)out->data)[3], 1.5f, 0);
    free_tensor(out);

    assert_int_equal(run_op("Selu", 6, inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], 1.0507010f * 1.6732632f * (expf(-2) - 1), 1e-6);
    assert_float_equal(((float *)out->data)[3], 1.0507010f * 1.5f, 1e-6);
    free_tensor(out);

    assert_int_equal(run_op_attrs("ThresholdedRelu", 10, &alpha, 1, inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[3], 0, 0);
    free_tensor(out);

    graph_attr zero = attr_float("alpha", 0.0f);
    assert_int_equal(run_op_attrs("Celu", 12, &zero, 1, inputs, 1, &out), DNNX_ERR_INVALID_MODEL);
    assert_int_equal(run_op_attrs("Celu", 12, &alpha, 1, inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], 2 * (expf(-1) - 1), 1e-6);
    free_tensor(out);

    graph_attr wrong_type = attr_int("alpha", 1);
    assert_int_equal(run_op_attrs("LeakyRelu", 16, &wrong_type, 1, inputs, 1, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("alpha");
    free_tensor(x);

    int32_t xi[] = {-5, 0, 7};
    dnnx_tensor *x32 = make_tensor(DNNX_DTYPE_INT32, 1, (int64_t[]){3}, xi);
    const dnnx_tensor *int_inputs[] = {x32};
    assert_int_equal(run_op("Relu", 14, int_inputs, 1, &out), DNNX_OK);
    int32_t want_relu[] = {0, 0, 7};
    assert_memory_equal(out->data, want_relu, sizeof want_relu);
    free_tensor(out);
    assert_int_equal(run_op("Elu", 6, int_inputs, 1, &out), DNNX_ERR_INVALID_MODEL);

    graph_attr shrink[] = {attr_float("lambd", 1.5f), attr_float("bias", 1.5f)};
    assert_int_equal(run_op_attrs("Shrink", 9, shrink, 2, int_inputs, 1, &out), DNNX_OK);
    int32_t want_shrink[] = {-3, 0, 5};
    assert_memory_equal(out->data, want_shrink, sizeof want_shrink);
    free_tensor(out);
    free_tensor(x32);
}

static void test_smooth_activations(void **state)
{
    (void)state;
    float xs[] = {-100, -3, -0.5f, 0, 0.5f, 3, 100};
    dnnx_tensor *x = make_f32(1, (int64_t[]){7}, xs);
    const dnnx_tensor *inputs[] = {x};
    dnnx_tensor *out;
    graph_attr tanh_attr = attr_string("approximate", "tanh"), bad = attr_string("approximate", "fast");
    assert_int_equal(run_op("Gelu", 20, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 7; i++)
        assert_float_equal(((float *)out->data)[i], 0.5 * xs[i] * (1 + erf(xs[i] / sqrt(2.0))), 1e-5);
    free_tensor(out);
    assert_int_equal(run_op_attrs("Gelu", 20, &tanh_attr, 1, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 7; i++) {
        double v = xs[i];
        double want = 0.5 * v * (1 + tanh(sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        assert_float_equal(((float *)out->data)[i], want, 1e-4);
    }
    free_tensor(out);
    assert_int_equal(run_op_attrs("Gelu", 20, &bad, 1, inputs, 1, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("approximate");

    assert_int_equal(run_op("Softplus", 1, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 7; i++)
        assert_float_equal(((float *)out->data)[i], log1p(exp((double)xs[i])), 1e-5);
    free_tensor(out);
    assert_int_equal(run_op("Mish", 18, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 7; i++)
        assert_float_equal(((float *)out->data)[i], xs[i] * tanh(log1p(exp((double)xs[i]))), 1e-5);
    free_tensor(out);
    assert_int_equal(run_op("HardSwish", 14, inputs, 1, &out), DNNX_OK);
    for (int i = 0; i < 7; i++)
        assert_float_equal(((float *)out->data)[i], xs[i] * fmin(1, fmax(0, xs[i] / 6.0 + 0.5)), 1e-6);
    free_tensor(out);
    assert_int_equal(run_op("Softsign", 1, inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[1], -0.75f, 1e-7);
    free_tensor(out);
    graph_attr hs[] = {attr_float("alpha", 0.5f), attr_float("beta", 0.6f)};
    assert_int_equal(run_op_attrs("HardSigmoid", 6, hs, 2, inputs, 1, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[2], 0.35f, 1e-6);
    assert_float_equal(((float *)out->data)[5], 1, 0);
    free_tensor(out);
    free_tensor(x);

    dnnx_tensor *h = make_f16(1, (int64_t[]){3}, (float[]){-1, 0, 2});
    const dnnx_tensor *half_inputs[] = {h};
    assert_int_equal(run_op("Elu", 6, half_inputs, 1, &out), DNNX_OK);
    assert_int_equal(out->dtype, DNNX_DTYPE_FLOAT16);
    assert_float_equal(f16_at(out, 0), expf(-1) - 1, 1e-3);
    assert_float_equal(f16_at(out, 2), 2, 0);
    free_tensor(out);
    free_tensor(h);
}

static void test_prelu(void **state)
{
    (void)state;
    dnnx_tensor *x = make_f32(3, (int64_t[]){2, 3, 2}, NULL);
    fill_f32(x, -6, 1);
    dnnx_tensor *channel = make_f32(2, (int64_t[]){3, 1}, (float[]){0.1f, 0.2f, 0.3f});
    dnnx_tensor *last = make_f32(1, (int64_t[]){2}, (float[]){0.5f, 0.25f});
    dnnx_tensor *scalar = make_f32(1, (int64_t[]){1}, (float[]){0.01f});
    dnnx_tensor *slopes[] = {channel, last, scalar};
    for (int s = 0; s < 3; s++) {
        const dnnx_tensor *inputs[] = {x, slopes[s]};
        dnnx_tensor *out;
        assert_int_equal(run_op("PRelu", 16, inputs, 2, &out), DNNX_OK);
        assert_int_equal(out->rank, 3);
        int64_t idx[3] = {0};
        for (size_t i = 0; i < 12; i++) {
            float v = ((float *)x->data)[i];
            float slope = ((float *)slopes[s]->data)[naive_offset(slopes[s], out, idx)];
            assert_float_equal(((float *)out->data)[i], v < 0 ? slope * v : v, 0);
            for (int d = 2; d >= 0 && ++idx[d] == out->dims[d]; d--)
                idx[d] = 0;
        }
        free_tensor(out);
    }
    /* The slope broadcasts to X only, not the other way. */
    dnnx_tensor *bad = make_f32(1, (int64_t[]){3}, (float[]){1, 2, 3});
    const dnnx_tensor *bad_inputs[] = {x, bad};
    dnnx_tensor *out;
    assert_int_equal(run_op("PRelu", 16, bad_inputs, 2, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("slope");
    free_tensor(bad);
    free_tensor(x);
    free_tensor(channel);
    free_tensor(last);
    free_tensor(scalar);
}

static dnnx_status cast_to(const dnnx_tensor *x, int64_t to, dnnx_tensor **out)
{
    graph_attr attr = attr_int("to", to);
    const dnnx_tensor *inputs[] = {x};
    return run_op_attrs("Cast", 13, &attr, 1, inputs, 1, out);
}

static void test_cast(void **state)
{
    (void)state;
    float xs[] = {300.7f, -1.9f, NAN, 0.5f, -0.0f, 65520.0f, 1e-8f};
    dnnx_tensor *x = make_f32(1, (int64_t[]){7}, xs), *out;
    assert_int_equal(cast_to(x, DNNX_DTYPE_INT8, &out), DNNX_OK);
    assert_int_equal(out->dtype, DNNX_DTYPE_INT8);
    int8_t want_i8[] = {44, -1, 0, 0, 0, -16, 0};
    assert_memory_equal(out->data, want_i8, sizeof want_i8);
    free_tensor(out);
    assert_int_equal(cast_to(x, DNNX_DTYPE_UINT8, &out), DNNX_OK);
    uint8_t want_u8[] = {44, 255, 0, 0, 0, 240, 0};
    assert_memory_equal(out->data, want_u8, sizeof want_u8);
    free_tensor(out);
    assert_int_equal(cast_to(x, DNNX_DTYPE_BOOL, &out), DNNX_OK);
    uint8_t want_bool[] = {1, 1, 1, 1, 0, 1, 1};
    assert_memory_equal(out->data, want_bool, sizeof want_bool);
    free_tensor(out);

    assert_int_equal(cast_to(x, DNNX_DTYPE_FLOAT16, &out), DNNX_OK);
    assert_float_equal(f16_at(out, 0), 300.75f, 0);
    assert_true(isnan(f16_at(out, 2)));
    assert_true(isinf(f16_at(out, 5))); /* 65520 rounds up past the largest half */
    dnnx_tensor *back;
    assert_int_equal(cast_to(out, DNNX_DTYPE_FLOAT, &back), DNNX_OK);
    assert_float_equal(((float *)back->data)[3], 0.5f, 0);
    free_tensor(back);
    free_tensor(out);

    assert_int_equal(cast_to(x, DNNX_DTYPE_BFLOAT16, &out), DNNX_OK);
    assert_float_equal(tensor_bf16_to_float(((uint16_t *)out->data)[0]), 300.0f, 0);
    free_tensor(out);
    assert_int_equal(cast_to(x, DNNX_DTYPE_DOUBLE, &out), DNNX_OK);
    assert_true(((double *)out->data)[0] == (double)300.7f);
    free_tensor(out);
    free_tensor(x);

    uint64_t big[] = {UINT64_MAX, 3};
    dnnx_tensor *u = make_tensor(DNNX_DTYPE_UINT64, 1, (int64_t[]){2}, big);
    assert_int_equal(cast_to(u, DNNX_DTYPE_FLOAT, &out), DNNX_OK);
    assert_float_equal(((float *)out->data)[0], 18446744073709551616.0f, 0);
    free_tensor(out);
    assert_int_equal(cast_to(u, DNNX_DTYPE_INT32, &out), DNNX_OK);
    int32_t want_i32[] = {-1, 3};
    assert_memory_equal(out->data, want_i32, sizeof want_i32);
    free_tensor(out);
    free_tensor(u);

    uint8_t flags[] = {0, 1};
    dnnx_tensor *b = make_tensor(DNNX_DTYPE_BOOL, 1, (int64_t[]){2}, flags);
    assert_int_equal(cast_to(b, DNNX_DTYPE_FLOAT, &out), DNNX_OK);
    float want_f[] = {0, 1};
    assert_memory_equal(out->data, want_f, sizeof want_f);
    free_tensor(out);

    /* CastLike takes the dtype of its second input. */
    int64_t like_value = 0;
    dnnx_tensor *like = make_tensor(DNNX_DTYPE_INT64, 0, NULL, &like_value);
    const dnnx_tensor *like_inputs[] = {b, like};
    assert_int_equal(run_op("CastLike", 15, like_inputs, 2, &out), DNNX_OK);
    assert_int_equal(out->dtype, DNNX_DTYPE_INT64);
    int64_t want_i64[] = {0, 1};
    assert_memory_equal(out->data, want_i64, sizeof want_i64);
    free_tensor(out);
    free_tensor(like);

    assert_int_equal(cast_to(b, DNNX_DTYPE_STRING, &out), DNNX_ERR_UNSUPPORTED);
    assert_error_contains("string");
    assert_int_equal(cast_to(b, 17, &out), DNNX_ERR_UNSUPPORTED);
    assert_error_contains("float8e4m3fn");
    assert_int_equal(cast_to(b, 99, &out), DNNX_ERR_INVALID_MODEL);
    const dnnx_tensor *b_only[] = {b};
    assert_int_equal(run_op("Cast", 19, b_only, 1, &out), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("'to'");
    free_tensor(b);

    harness *text = harness_new("Cast", 13, 1, 1);
    harness_attr_int(text, "to", DNNX_DTYPE_FLOAT);
    harness_input(text, 0, DNNX_DTYPE_STRING, 1, (int64_t[]){2}, NULL);
    assert_int_equal(harness_infer(text, false), DNNX_ERR_UNSUPPORTED);
    harness_free(text);
}

/* Every op the family registers resolves for every opset from its first to 23. */
static void test_registered_versions(void **state)
{
    (void)state;
    static const struct {
        const char *op;
        int first, newest_at_23;
    } expect[] = {
        {"Add", 6, 14},      {"Pow", 1, 15},         {"Mod", 10, 13},      {"Sin", 7, 22},   {"Acosh", 9, 22},
        {"Round", 11, 22},   {"IsNaN", 9, 20},       {"IsInf", 10, 20},    {"Equal", 7, 19}, {"LessOrEqual", 12, 16},
        {"Where", 9, 16},    {"BitwiseNot", 18, 18}, {"Max", 6, 13},       {"Sum", 6, 13},   {"Clip", 6, 13},
        {"Not", 1, 1},       {"Relu", 6, 14},        {"Gelu", 20, 20},     {"Mish", 18, 22}, {"PRelu", 6, 16},
        {"Softplus", 1, 22}, {"Cast", 6, 23},        {"CastLike", 15, 23},
    };
    for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++) {
        const op_schema *schema = op_registry_find(&registry, "", expect[k].op, 23);
        assert_non_null(schema);
        assert_int_equal(schema->since_version, expect[k].newest_at_23);
        for (int opset = expect[k].first; opset <= 23; opset++)
            assert_non_null(op_registry_find(&registry, "", expect[k].op, opset));
        if (expect[k].first > 1)
            assert_null(op_registry_find(&registry, "", expect[k].op, expect[k].first - 1));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broadcast_shapes),
        cmocka_unit_test(test_long_unary),
        cmocka_unit_test(test_broadcast_mismatch),
        cmocka_unit_test(test_symbolic_inference),
        cmocka_unit_test(test_dtype_errors),
        cmocka_unit_test(test_int_division),
        cmocka_unit_test(test_float_division_and_mod),
        cmocka_unit_test(test_float16),
        cmocka_unit_test(test_variadic),
        cmocka_unit_test(test_compare_logic_where),
        cmocka_unit_test(test_pow),
        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_unary_math),
        cmocka_unit_test(test_bit_ops),
        cmocka_unit_test(test_relu_family),
        cmocka_unit_test(test_smooth_activations),
        cmocka_unit_test(test_prelu),
        cmocka_unit_test(test_cast),
        cmocka_unit_test(test_registered_versions),
    };
    return cmocka_run_group_tests(tests, setup_graph, teardown_graph);
}

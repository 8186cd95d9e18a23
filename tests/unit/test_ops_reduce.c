/* Unit tests of ops/reduce.c: Reduce* axes in both opset styles, keepdims, negative and
 * out-of-range axes, empty reductions, exact integer sums, ArgMax/ArgMin, CumSum and TopK
 * ordering. Each test binds a hand-built node to its registry schema and runs infer + run. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/op.h"
#include "graph/tensor.h"
#include "ops/ops.h"

#define MAX_IO 6
#define MAX_ATTRS 8

/* One node, its attributes, inputs and outputs, ready for infer() and run(). */
typedef struct harness {
    graph *g;
    graph_node node;
    graph_attr attrs[MAX_ATTRS];
    int64_t attr_ints[MAX_ATTRS][8];
    dnnx_tensor inputs[MAX_IO];
    const dnnx_tensor *input_ptrs[MAX_IO];
    dnnx_tensor outputs[MAX_IO];
    dnnx_tensor *output_ptrs[MAX_IO];
    op_ctx ctx;
} harness;

static void h_init(harness *h, const char *op_type, int opset)
{
    memset(h, 0, sizeof *h);
    h->g = graph_create();
    assert_non_null(h->g);
    h->node.name = (char *)"n";
    h->node.op_type = (char *)op_type;
    h->node.domain = (char *)"";
    h->node.opset = opset;
    h->node.attrs = h->attrs;
    h->node.schema = op_registry_find(ops_registry(), "", op_type, opset);
    assert_non_null(h->node.schema);
}

static void h_attr_int(harness *h, const char *name, int64_t value)
{
    graph_attr *a = &h->attrs[h->node.n_attrs++];
    a->name = (char *)name;
    a->type = ATTR_INT;
    a->i = value;
}

static void h_attr_ints(harness *h, const char *name, const int64_t *values, size_t count)
{
    int k = h->node.n_attrs++;
    graph_attr *a = &h->attrs[k];
    memcpy(h->attr_ints[k], values, count * sizeof *values);
    a->name = (char *)name;
    a->type = ATTR_INTS;
    a->ints = h->attr_ints[k];
    a->count = count;
}

/* Appends an input; data NULL makes it shape-only (unknown at load). */
static void h_input(harness *h, dnnx_dtype dtype, int rank, const int64_t *dims, const void *data)
{
    int k = h->ctx.n_inputs++;
    tensor_init_shape(&h->inputs[k], dtype, rank, dims);
    h->inputs[k].data = (void *)data;
    h->input_ptrs[k] = &h->inputs[k];
}

static void h_omit_input(harness *h) { h->input_ptrs[h->ctx.n_inputs++] = NULL; }

static void h_prepare(harness *h, int n_outputs, bool concrete)
{
    for (int k = 0; k < n_outputs; k++) {
        tensor_clear(&h->outputs[k]);
        h->output_ptrs[k] = &h->outputs[k];
    }
    h->ctx.node = &h->node;
    h->ctx.graph = h->g;
    h->ctx.opset = h->node.opset;
    h->ctx.inputs = h->input_ptrs;
    h->ctx.n_outputs = n_outputs;
    h->ctx.outputs = h->output_ptrs;
    h->ctx.concrete = concrete;
    h->ctx.status = DNNX_OK;
}

/* Load-time inference only. */
static dnnx_status h_infer(harness *h, int n_outputs)
{
    h_prepare(h, n_outputs, false);
    dnnx_status status = h->node.schema->infer(&h->ctx);
    return status ? status : h->ctx.status;
}

/* Run-time inference, output allocation and the reference kernel, as the executor does. */
static dnnx_status h_run(harness *h, int n_outputs)
{
    h_prepare(h, n_outputs, true);
    dnnx_status status = h->node.schema->infer(&h->ctx);
    if (!status)
        status = h->ctx.status;
    for (int k = 0; k < n_outputs && !status; k++)
        status = tensor_alloc_data(&h->outputs[k]);
    return status ? status : h->node.schema->run(&h->ctx);
}

static void h_free(harness *h)
{
    for (int k = 0; k < MAX_IO; k++)
        tensor_clear(&h->outputs[k]);
    graph_free(h->g);
}

static void assert_dims(const dnnx_tensor *t, int rank, const int64_t *dims)
{
    assert_int_equal(t->rank, rank);
    for (int d = 0; d < rank; d++)
        assert_int_equal(t->dims[d], dims[d]);
}

static void assert_floats_near(const float *actual, const float *expected, size_t n, float tolerance)
{
    for (size_t i = 0; i < n; i++)
        assert_float_equal(actual[i], expected[i], tolerance);
}

static const int64_t dims_234[] = {2, 3, 4};
static float data_234[24];

static int setup_data(void **state)
{
    (void)state;
    for (int i = 0; i < 24; i++)
        data_234[i] = (float)(i % 7) - 2.5f + 0.25f * (float)i;
    return 0;
}

/* ReduceMean of data_234 over axis 1 computed by hand: [2, 4]. */
static void mean_over_axis1(float *expected)
{
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 4; c++) {
            float sum = 0;
            for (int b = 0; b < 3; b++)
                sum += data_234[a * 12 + b * 4 + c];
            expected[a * 4 + c] = sum / 3;
        }
}

static void test_reduce_axes_attribute_and_input_agree(void **state)
{
    (void)state;
    float expected[8];
    mean_over_axis1(expected);
    static const int64_t axes[] = {1}, axes_dims[] = {1};

    harness attr_style;
    h_init(&attr_style, "ReduceMean", 13);
    h_attr_ints(&attr_style, "axes", axes, 1);
    h_input(&attr_style, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&attr_style, 1), DNNX_OK);
    assert_dims(&attr_style.outputs[0], 3, (const int64_t[]){2, 1, 4});
    assert_floats_near(attr_style.outputs[0].data, expected, 8, 1e-5f);
    h_free(&attr_style);

    harness input_style;
    h_init(&input_style, "ReduceMean", 18);
    h_input(&input_style, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&input_style, DNNX_DTYPE_INT64, 1, axes_dims, axes);
    assert_int_equal(h_run(&input_style, 1), DNNX_OK);
    assert_dims(&input_style.outputs[0], 3, (const int64_t[]){2, 1, 4});
    assert_floats_near(input_style.outputs[0].data, expected, 8, 1e-5f);
    h_free(&input_style);
}

static void test_reduce_sum_axes_input_from_opset13(void **state)
{
    (void)state;
    static const int64_t axes[] = {-1}, axes_dims[] = {1};
    harness h;
    h_init(&h, "ReduceSum", 13);
    h_attr_int(&h, "keepdims", 0);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&h, DNNX_DTYPE_INT64, 1, axes_dims, axes);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    assert_dims(&h.outputs[0], 2, (const int64_t[]){2, 3});
    const float *y = h.outputs[0].data;
    for (int r = 0; r < 6; r++) {
        float sum = 0;
        for (int c = 0; c < 4; c++)
            sum += data_234[r * 4 + c];
        assert_float_equal(y[r], sum, 1e-5f);
    }
    h_free(&h);

    /* ReduceSum-11 takes no axes input: the schema's arity says so. */
    const op_schema *old = op_registry_find(ops_registry(), "", "ReduceSum", 12);
    assert_non_null(old);
    assert_int_equal(old->since_version, 11);
    assert_int_equal(old->max_inputs, 1);
}

static void test_reduce_keepdims_and_negative_axes(void **state)
{
    (void)state;
    static const int64_t axes[] = {-3, -1};
    harness h;
    h_init(&h, "ReduceMax", 13);
    h_attr_ints(&h, "axes", axes, 2);
    h_attr_int(&h, "keepdims", 0);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    assert_dims(&h.outputs[0], 1, (const int64_t[]){3});
    const float *y = h.outputs[0].data;
    for (int b = 0; b < 3; b++) {
        float max = -INFINITY;
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 4; c++)
                max = fmaxf(max, data_234[a * 12 + b * 4 + c]);
        assert_float_equal(y[b], max, 0);
    }
    h_free(&h);

    harness all;
    h_init(&all, "ReduceL2", 13);
    h_input(&all, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&all, 1), DNNX_OK);
    assert_dims(&all.outputs[0], 3, (const int64_t[]){1, 1, 1});
    double squares = 0;
    for (int i = 0; i < 24; i++)
        squares += (double)data_234[i] * data_234[i];
    assert_float_equal(((float *)all.outputs[0].data)[0], sqrt(squares), 1e-4);
    h_free(&all);
}

static void test_reduce_out_of_range_axis_fails(void **state)
{
    (void)state;
    static const int64_t axes[] = {3};
    harness h;
    h_init(&h, "ReduceSum", 11);
    h_attr_ints(&h, "axes", axes, 1);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_infer(&h, 1), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "axis 3 is out of range"));
    assert_non_null(strstr(dnnx_last_error(), "(ReduceSum-11)"));
    h_free(&h);

    static const int64_t bad[] = {-4}, bad_dims[] = {1};
    harness input_style;
    h_init(&input_style, "ReduceProd", 18);
    h_input(&input_style, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&input_style, DNNX_DTYPE_INT64, 1, bad_dims, bad);
    assert_int_equal(h_run(&input_style, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&input_style);

    harness arg;
    h_init(&arg, "ArgMax", 13);
    h_attr_int(&arg, "axis", -4);
    h_input(&arg, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_infer(&arg, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&arg);
}

static void test_reduce_empty_axes_input(void **state)
{
    (void)state;
    static const int64_t empty_dims[] = {0};
    static const int64_t no_axes[1];
    /* noop_with_empty_axes: the input passes through (ReduceSumSquare still squares). */
    harness noop;
    h_init(&noop, "ReduceSumSquare", 18);
    h_attr_int(&noop, "noop_with_empty_axes", 1);
    h_input(&noop, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&noop, DNNX_DTYPE_INT64, 1, empty_dims, no_axes);
    assert_int_equal(h_run(&noop, 1), DNNX_OK);
    assert_dims(&noop.outputs[0], 3, dims_234);
    for (int i = 0; i < 24; i++)
        assert_float_equal(((float *)noop.outputs[0].data)[i], data_234[i] * data_234[i], 1e-5);
    h_free(&noop);

    /* Without it (or with the input omitted), empty axes reduce everything. */
    harness all;
    h_init(&all, "ReduceSum", 13);
    h_attr_int(&all, "keepdims", 0);
    h_input(&all, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_omit_input(&all);
    assert_int_equal(h_run(&all, 1), DNNX_OK);
    assert_int_equal(all.outputs[0].rank, 0);
    float sum = 0;
    for (int i = 0; i < 24; i++)
        sum += data_234[i];
    assert_float_equal(((float *)all.outputs[0].data)[0], sum, 1e-4);
    h_free(&all);
}

static void test_reduce_unknown_axes_at_load(void **state)
{
    (void)state;
    static const int64_t axes_dims[] = {2};
    harness keep;
    h_init(&keep, "ReduceMean", 18);
    h_input(&keep, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 1, 4}, NULL);
    h_input(&keep, DNNX_DTYPE_INT64, 1, axes_dims, NULL);
    assert_int_equal(h_infer(&keep, 1), DNNX_OK);
    assert_dims(&keep.outputs[0], 3, (const int64_t[]){DIM_UNKNOWN, 1, DIM_UNKNOWN});
    h_free(&keep);

    harness drop;
    h_init(&drop, "ReduceMean", 18);
    h_attr_int(&drop, "keepdims", 0);
    h_input(&drop, DNNX_DTYPE_FLOAT, 3, dims_234, NULL);
    h_input(&drop, DNNX_DTYPE_INT64, 1, axes_dims, NULL);
    assert_int_equal(h_infer(&drop, 1), DNNX_OK);
    assert_int_equal(drop.outputs[0].rank, 1);
    h_free(&drop);
}

static void test_reduce_over_empty_set(void **state)
{
    (void)state;
    static const int64_t dims[] = {2, 0, 3}, axes[] = {1};
    static const float nothing[1];
    struct {
        const char *op;
        float expected;
    } cases[] = {
        {"ReduceSum", 0.0f},      {"ReduceProd", 1.0f}, {"ReduceMax", -INFINITY},    {"ReduceMin", INFINITY},
        {"ReduceL1", 0.0f},       {"ReduceL2", 0.0f},   {"ReduceLogSum", -INFINITY}, {"ReduceLogSumExp", -INFINITY},
        {"ReduceSumSquare", 0.0f}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        harness h;
        h_init(&h, cases[c].op, 11);
        h_attr_ints(&h, "axes", axes, 1);
        h_input(&h, DNNX_DTYPE_FLOAT, 3, dims, nothing);
        assert_int_equal(h_run(&h, 1), DNNX_OK);
        assert_dims(&h.outputs[0], 3, (const int64_t[]){2, 1, 3});
        for (int i = 0; i < 6; i++) {
            float y = ((float *)h.outputs[0].data)[i];
            if (isinf(cases[c].expected))
                assert_true(isinf(y) && (y > 0) == (cases[c].expected > 0));
            else
                assert_float_equal(y, cases[c].expected, 0);
        }
        h_free(&h);
    }

    harness min_int;
    h_init(&min_int, "ReduceMin", 13);
    h_attr_ints(&min_int, "axes", axes, 1);
    h_input(&min_int, DNNX_DTYPE_INT32, 3, dims, nothing);
    assert_int_equal(h_run(&min_int, 1), DNNX_OK);
    assert_int_equal(((int32_t *)min_int.outputs[0].data)[0], INT32_MAX);
    h_free(&min_int);
}

static void test_reduce_integers_are_exact(void **state)
{
    (void)state;
    static const int64_t big[] = {(INT64_C(1) << 60) + 1, (INT64_C(1) << 60) + 2, -3, 7}, dims[] = {4};
    harness sum;
    h_init(&sum, "ReduceSum", 11);
    h_input(&sum, DNNX_DTYPE_INT64, 1, dims, big);
    assert_int_equal(h_run(&sum, 1), DNNX_OK);
    assert_int_equal(((int64_t *)sum.outputs[0].data)[0], (INT64_C(1) << 61) + 7);
    h_free(&sum);

    static const int32_t small[] = {-5, 3, -9, 2};
    harness max;
    h_init(&max, "ReduceMax", 18);
    h_attr_int(&max, "keepdims", 0);
    h_input(&max, DNNX_DTYPE_INT32, 1, dims, small);
    assert_int_equal(h_run(&max, 1), DNNX_OK);
    assert_int_equal(((int32_t *)max.outputs[0].data)[0], 3);
    h_free(&max);

    harness l1;
    h_init(&l1, "ReduceL1", 13);
    h_input(&l1, DNNX_DTYPE_INT32, 1, dims, small);
    assert_int_equal(h_run(&l1, 1), DNNX_OK);
    assert_int_equal(((int32_t *)l1.outputs[0].data)[0], 19);
    h_free(&l1);

    static const uint8_t flags[] = {0, 1, 0, 0};
    harness any;
    h_init(&any, "ReduceMax", 20);
    h_input(&any, DNNX_DTYPE_BOOL, 1, dims, flags);
    assert_int_equal(h_run(&any, 1), DNNX_OK);
    assert_int_equal(any.outputs[0].dtype, DNNX_DTYPE_BOOL);
    assert_int_equal(((uint8_t *)any.outputs[0].data)[0], 1);
    h_free(&any);

    /* Before opset 20 bool is not a ReduceMax type. */
    harness old;
    h_init(&old, "ReduceMax", 18);
    h_input(&old, DNNX_DTYPE_BOOL, 1, dims, flags);
    assert_int_equal(h_infer(&old, 1), DNNX_ERR_UNSUPPORTED);
    h_free(&old);
}

static void test_reduce_log_sum_exp_is_stable(void **state)
{
    (void)state;
    static const float big[] = {1000.0f, 1000.0f, -INFINITY};
    harness h;
    h_init(&h, "ReduceLogSumExp", 13);
    h_input(&h, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, big);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    assert_float_equal(((float *)h.outputs[0].data)[0], 1000.0f + logf(2.0f), 1e-3);
    h_free(&h);
}

static void test_argmax_select_last_index(void **state)
{
    (void)state;
    static const float x[] = {1, 5, 5, 2, 7, 7, 7, 0};
    static const int64_t dims[] = {2, 4};
    harness first;
    h_init(&first, "ArgMax", 13);
    h_attr_int(&first, "axis", -1);
    h_attr_int(&first, "keepdims", 0);
    h_input(&first, DNNX_DTYPE_FLOAT, 2, dims, x);
    assert_int_equal(h_run(&first, 1), DNNX_OK);
    assert_dims(&first.outputs[0], 1, (const int64_t[]){2});
    assert_int_equal(((int64_t *)first.outputs[0].data)[0], 1);
    assert_int_equal(((int64_t *)first.outputs[0].data)[1], 0);
    h_free(&first);

    harness last;
    h_init(&last, "ArgMax", 12);
    h_attr_int(&last, "axis", 1);
    h_attr_int(&last, "select_last_index", 1);
    h_input(&last, DNNX_DTYPE_FLOAT, 2, dims, x);
    assert_int_equal(h_run(&last, 1), DNNX_OK);
    assert_dims(&last.outputs[0], 2, (const int64_t[]){2, 1});
    assert_int_equal(((int64_t *)last.outputs[0].data)[0], 2);
    assert_int_equal(((int64_t *)last.outputs[0].data)[1], 2);
    h_free(&last);

    static const int32_t ints[] = {4, -1, 3, -1, 8, -1};
    harness min;
    h_init(&min, "ArgMin", 13);
    h_attr_int(&min, "axis", 0);
    h_input(&min, DNNX_DTYPE_INT32, 2, (const int64_t[]){2, 3}, ints);
    assert_int_equal(h_run(&min, 1), DNNX_OK);
    const int64_t *y = min.outputs[0].data;
    assert_int_equal(y[0], 1);
    assert_int_equal(y[1], 0);
    assert_int_equal(y[2], 1);
    h_free(&min);
}

static void test_cumsum_exclusive_reverse(void **state)
{
    (void)state;
    static const int32_t x[] = {1, 2, 3, 4, 5, 6};
    static const int64_t dims[] = {2, 3};
    static const int32_t axis[] = {1};
    harness h;
    h_init(&h, "CumSum", 14);
    h_attr_int(&h, "exclusive", 1);
    h_attr_int(&h, "reverse", 1);
    h_input(&h, DNNX_DTYPE_INT32, 2, dims, x);
    h_input(&h, DNNX_DTYPE_INT32, 0, NULL, axis);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    static const int32_t expected[] = {5, 3, 0, 11, 6, 0};
    assert_memory_equal(h.outputs[0].data, expected, sizeof expected);
    h_free(&h);

    static const double xd[] = {1, 2, 3, 4, 5, 6};
    static const int64_t axis0[] = {0};
    harness d;
    h_init(&d, "CumSum", 11);
    h_input(&d, DNNX_DTYPE_DOUBLE, 2, dims, xd);
    h_input(&d, DNNX_DTYPE_INT64, 1, (const int64_t[]){1}, axis0);
    assert_int_equal(h_run(&d, 1), DNNX_OK);
    static const double expected_d[] = {1, 2, 3, 5, 7, 9};
    assert_memory_equal(d.outputs[0].data, expected_d, sizeof expected_d);
    h_free(&d);
}

static void test_topk_ties_keep_lower_index_first(void **state)
{
    (void)state;
    static const float x[] = {1, 3, 3, 2, 3, 1};
    static const int64_t dims[] = {6}, k_dims[] = {1}, k[] = {4};
    harness largest;
    h_init(&largest, "TopK", 11);
    h_input(&largest, DNNX_DTYPE_FLOAT, 1, dims, x);
    h_input(&largest, DNNX_DTYPE_INT64, 1, k_dims, k);
    assert_int_equal(h_run(&largest, 2), DNNX_OK);
    assert_dims(&largest.outputs[0], 1, (const int64_t[]){4});
    static const float values[] = {3, 3, 3, 2};
    static const int64_t indices[] = {1, 2, 4, 3};
    assert_memory_equal(largest.outputs[0].data, values, sizeof values);
    assert_memory_equal(largest.outputs[1].data, indices, sizeof indices);
    h_free(&largest);

    harness smallest;
    h_init(&smallest, "TopK", 11);
    h_attr_int(&smallest, "largest", 0);
    h_input(&smallest, DNNX_DTYPE_FLOAT, 1, dims, x);
    h_input(&smallest, DNNX_DTYPE_INT64, 1, k_dims, k);
    assert_int_equal(h_run(&smallest, 2), DNNX_OK);
    static const float small_values[] = {1, 1, 2, 3};
    static const int64_t small_indices[] = {0, 5, 3, 1};
    assert_memory_equal(smallest.outputs[0].data, small_values, sizeof small_values);
    assert_memory_equal(smallest.outputs[1].data, small_indices, sizeof small_indices);
    h_free(&smallest);
}

static void test_topk_axis_and_k_checks(void **state)
{
    (void)state;
    static const int64_t x[] = {5, 1, 9, 9, 2, 8};
    static const int64_t dims[] = {2, 3}, k_dims[] = {1}, k[] = {1}, too_big[] = {4};
    harness h;
    h_init(&h, "TopK", 10);
    h_attr_int(&h, "axis", 0);
    h_input(&h, DNNX_DTYPE_INT64, 2, dims, x);
    h_input(&h, DNNX_DTYPE_INT64, 1, k_dims, k);
    assert_int_equal(h_run(&h, 2), DNNX_OK);
    assert_dims(&h.outputs[0], 2, (const int64_t[]){1, 3});
    static const int64_t values[] = {9, 2, 9}, indices[] = {1, 1, 0};
    assert_memory_equal(h.outputs[0].data, values, sizeof values);
    assert_memory_equal(h.outputs[1].data, indices, sizeof indices);
    h_free(&h);

    harness big;
    h_init(&big, "TopK", 11);
    h_input(&big, DNNX_DTYPE_INT64, 2, dims, x);
    h_input(&big, DNNX_DTYPE_INT64, 1, k_dims, too_big);
    assert_int_equal(h_run(&big, 2), DNNX_ERR_INVALID_ARGUMENT);
    h_free(&big);

    /* K unknown at load: the axis size is unknown, the rank is not. */
    harness load;
    h_init(&load, "TopK", 11);
    h_input(&load, DNNX_DTYPE_FLOAT, 2, dims, NULL);
    h_input(&load, DNNX_DTYPE_INT64, 1, k_dims, NULL);
    assert_int_equal(h_infer(&load, 2), DNNX_OK);
    assert_dims(&load.outputs[1], 2, (const int64_t[]){2, DIM_UNKNOWN});
    assert_int_equal(load.outputs[1].dtype, DNNX_DTYPE_INT64);
    h_free(&load);

    harness v1;
    h_init(&v1, "TopK", 1);
    h_attr_int(&v1, "k", 2);
    h_input(&v1, DNNX_DTYPE_INT64, 2, dims, x);
    assert_int_equal(h_run(&v1, 2), DNNX_OK);
    static const int64_t v1_values[] = {9, 5, 9, 8};
    assert_memory_equal(v1.outputs[0].data, v1_values, sizeof v1_values);
    h_free(&v1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduce_axes_attribute_and_input_agree),
        cmocka_unit_test(test_reduce_sum_axes_input_from_opset13),
        cmocka_unit_test(test_reduce_keepdims_and_negative_axes),
        cmocka_unit_test(test_reduce_out_of_range_axis_fails),
        cmocka_unit_test(test_reduce_empty_axes_input),
        cmocka_unit_test(test_reduce_unknown_axes_at_load),
        cmocka_unit_test(test_reduce_over_empty_set),
        cmocka_unit_test(test_reduce_integers_are_exact),
        cmocka_unit_test(test_reduce_log_sum_exp_is_stable),
        cmocka_unit_test(test_argmax_select_last_index),
        cmocka_unit_test(test_cumsum_exclusive_reverse),
        cmocka_unit_test(test_topk_ties_keep_lower_index_first),
        cmocka_unit_test(test_topk_axis_and_k_checks),
    };
    return cmocka_run_group_tests(tests, setup_data, NULL);
}

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
#include "support/op_harness.h"

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

    harness *attr_style = harness_new("ReduceMean", 13, 1, 1);
    harness_attr_ints(attr_style, "axes", axes, 1);
    harness_input(attr_style, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(attr_style), DNNX_OK);
    assert_dims(&attr_style->outputs[0], 3, (const int64_t[]){2, 1, 4});
    assert_floats_near(attr_style->outputs[0].data, expected, 8, 1e-5f);
    harness_free(attr_style);

    harness *input_style = harness_new("ReduceMean", 18, 2, 1);
    harness_input(input_style, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(input_style, 1, DNNX_DTYPE_INT64, 1, axes_dims, axes);
    assert_int_equal(harness_run(input_style), DNNX_OK);
    assert_dims(&input_style->outputs[0], 3, (const int64_t[]){2, 1, 4});
    assert_floats_near(input_style->outputs[0].data, expected, 8, 1e-5f);
    harness_free(input_style);
}

static void test_reduce_sum_axes_input_from_opset13(void **state)
{
    (void)state;
    static const int64_t axes[] = {-1}, axes_dims[] = {1};
    harness *h = harness_new("ReduceSum", 13, 2, 1);
    harness_attr_int(h, "keepdims", 0);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, axes_dims, axes);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 2, (const int64_t[]){2, 3});
    const float *y = h->outputs[0].data;
    for (int r = 0; r < 6; r++) {
        float sum = 0;
        for (int c = 0; c < 4; c++)
            sum += data_234[r * 4 + c];
        assert_float_equal(y[r], sum, 1e-5f);
    }
    harness_free(h);

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
    harness *h = harness_new("ReduceMax", 13, 1, 1);
    harness_attr_ints(h, "axes", axes, 2);
    harness_attr_int(h, "keepdims", 0);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 1, (const int64_t[]){3});
    const float *y = h->outputs[0].data;
    for (int b = 0; b < 3; b++) {
        float max = -INFINITY;
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 4; c++)
                max = fmaxf(max, data_234[a * 12 + b * 4 + c]);
        assert_float_equal(y[b], max, 0);
    }
    harness_free(h);

    harness *all = harness_new("ReduceL2", 13, 1, 1);
    harness_input(all, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(all), DNNX_OK);
    assert_dims(&all->outputs[0], 3, (const int64_t[]){1, 1, 1});
    double squares = 0;
    for (int i = 0; i < 24; i++)
        squares += (double)data_234[i] * data_234[i];
    assert_float_equal(((float *)all->outputs[0].data)[0], sqrt(squares), 1e-4);
    harness_free(all);
}

static void test_reduce_out_of_range_axis_fails(void **state)
{
    (void)state;
    static const int64_t axes[] = {3};
    harness *h = harness_new("ReduceSum", 11, 1, 1);
    harness_attr_ints(h, "axes", axes, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_infer(h, false), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "axis 3 is out of range"));
    assert_non_null(strstr(dnnx_last_error(), "(ReduceSum-11)"));
    harness_free(h);

    static const int64_t bad[] = {-4}, bad_dims[] = {1};
    harness *input_style = harness_new("ReduceProd", 18, 2, 1);
    harness_input(input_style, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(input_style, 1, DNNX_DTYPE_INT64, 1, bad_dims, bad);
    assert_int_equal(harness_run(input_style), DNNX_ERR_INVALID_MODEL);
    harness_free(input_style);

    harness *arg = harness_new("ArgMax", 13, 1, 1);
    harness_attr_int(arg, "axis", -4);
    harness_input(arg, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_infer(arg, false), DNNX_ERR_INVALID_MODEL);
    harness_free(arg);
}

static void test_reduce_empty_axes_input(void **state)
{
    (void)state;
    static const int64_t empty_dims[] = {0};
    static const int64_t no_axes[1];
    /* noop_with_empty_axes: the input passes through (ReduceSumSquare still squares). */
    harness *noop = harness_new("ReduceSumSquare", 18, 2, 1);
    harness_attr_int(noop, "noop_with_empty_axes", 1);
    harness_input(noop, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(noop, 1, DNNX_DTYPE_INT64, 1, empty_dims, no_axes);
    assert_int_equal(harness_run(noop), DNNX_OK);
    assert_dims(&noop->outputs[0], 3, dims_234);
    for (int i = 0; i < 24; i++)
        assert_float_equal(((float *)noop->outputs[0].data)[i], data_234[i] * data_234[i], 1e-5);
    harness_free(noop);

    /* Without it (or with the input omitted), empty axes reduce everything. */
    harness *all = harness_new("ReduceSum", 13, 2, 1);
    harness_attr_int(all, "keepdims", 0);
    harness_input(all, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_omit_input(all, 1);
    assert_int_equal(harness_run(all), DNNX_OK);
    assert_int_equal(all->outputs[0].rank, 0);
    float sum = 0;
    for (int i = 0; i < 24; i++)
        sum += data_234[i];
    assert_float_equal(((float *)all->outputs[0].data)[0], sum, 1e-4);
    harness_free(all);
}

static void test_reduce_unknown_axes_at_load(void **state)
{
    (void)state;
    static const int64_t axes_dims[] = {2};
    harness *keep = harness_new("ReduceMean", 18, 2, 1);
    harness_input(keep, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 1, 4}, NULL);
    harness_input(keep, 1, DNNX_DTYPE_INT64, 1, axes_dims, NULL);
    assert_int_equal(harness_infer(keep, false), DNNX_OK);
    assert_dims(&keep->outputs[0], 3, (const int64_t[]){DIM_UNKNOWN, 1, DIM_UNKNOWN});
    harness_free(keep);

    harness *drop = harness_new("ReduceMean", 18, 2, 1);
    harness_attr_int(drop, "keepdims", 0);
    harness_input(drop, 0, DNNX_DTYPE_FLOAT, 3, dims_234, NULL);
    harness_input(drop, 1, DNNX_DTYPE_INT64, 1, axes_dims, NULL);
    assert_int_equal(harness_infer(drop, false), DNNX_OK);
    assert_int_equal(drop->outputs[0].rank, 1);
    harness_free(drop);
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
        harness *h = harness_new(cases[c].op, 11, 1, 1);
        harness_attr_ints(h, "axes", axes, 1);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims, nothing);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 3, (const int64_t[]){2, 1, 3});
        for (int i = 0; i < 6; i++) {
            float y = ((float *)h->outputs[0].data)[i];
            if (isinf(cases[c].expected))
                assert_true(isinf(y) && (y > 0) == (cases[c].expected > 0));
            else
                assert_float_equal(y, cases[c].expected, 0);
        }
        harness_free(h);
    }

    harness *min_int = harness_new("ReduceMin", 13, 1, 1);
    harness_attr_ints(min_int, "axes", axes, 1);
    harness_input(min_int, 0, DNNX_DTYPE_INT32, 3, dims, nothing);
    assert_int_equal(harness_run(min_int), DNNX_OK);
    assert_int_equal(((int32_t *)min_int->outputs[0].data)[0], INT32_MAX);
    harness_free(min_int);
}

static void test_reduce_integers_are_exact(void **state)
{
    (void)state;
    static const int64_t big[] = {(INT64_C(1) << 60) + 1, (INT64_C(1) << 60) + 2, -3, 7}, dims[] = {4};
    harness *sum = harness_new("ReduceSum", 11, 1, 1);
    harness_input(sum, 0, DNNX_DTYPE_INT64, 1, dims, big);
    assert_int_equal(harness_run(sum), DNNX_OK);
    assert_int_equal(((int64_t *)sum->outputs[0].data)[0], (INT64_C(1) << 61) + 7);
    harness_free(sum);

    static const int32_t small[] = {-5, 3, -9, 2};
    harness *max = harness_new("ReduceMax", 18, 1, 1);
    harness_attr_int(max, "keepdims", 0);
    harness_input(max, 0, DNNX_DTYPE_INT32, 1, dims, small);
    assert_int_equal(harness_run(max), DNNX_OK);
    assert_int_equal(((int32_t *)max->outputs[0].data)[0], 3);
    harness_free(max);

    harness *l1 = harness_new("ReduceL1", 13, 1, 1);
    harness_input(l1, 0, DNNX_DTYPE_INT32, 1, dims, small);
    assert_int_equal(harness_run(l1), DNNX_OK);
    assert_int_equal(((int32_t *)l1->outputs[0].data)[0], 19);
    harness_free(l1);

    static const uint8_t flags[] = {0, 1, 0, 0};
    harness *any = harness_new("ReduceMax", 20, 1, 1);
    harness_input(any, 0, DNNX_DTYPE_BOOL, 1, dims, flags);
    assert_int_equal(harness_run(any), DNNX_OK);
    assert_int_equal(any->outputs[0].dtype, DNNX_DTYPE_BOOL);
    assert_int_equal(((uint8_t *)any->outputs[0].data)[0], 1);
    harness_free(any);

    /* Before opset 20 bool is not a ReduceMax type. */
    harness *old = harness_new("ReduceMax", 18, 1, 1);
    harness_input(old, 0, DNNX_DTYPE_BOOL, 1, dims, flags);
    assert_int_equal(harness_infer(old, false), DNNX_ERR_UNSUPPORTED);
    harness_free(old);
}

static void test_reduce_log_sum_exp_is_stable(void **state)
{
    (void)state;
    static const float big[] = {1000.0f, 1000.0f, -INFINITY};
    harness *h = harness_new("ReduceLogSumExp", 13, 1, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, big);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_float_equal(((float *)h->outputs[0].data)[0], 1000.0f + logf(2.0f), 1e-3);
    harness_free(h);
}

static void test_argmax_select_last_index(void **state)
{
    (void)state;
    static const float x[] = {1, 5, 5, 2, 7, 7, 7, 0};
    static const int64_t dims[] = {2, 4};
    harness *first = harness_new("ArgMax", 13, 1, 1);
    harness_attr_int(first, "axis", -1);
    harness_attr_int(first, "keepdims", 0);
    harness_input(first, 0, DNNX_DTYPE_FLOAT, 2, dims, x);
    assert_int_equal(harness_run(first), DNNX_OK);
    assert_dims(&first->outputs[0], 1, (const int64_t[]){2});
    assert_int_equal(((int64_t *)first->outputs[0].data)[0], 1);
    assert_int_equal(((int64_t *)first->outputs[0].data)[1], 0);
    harness_free(first);

    harness *last = harness_new("ArgMax", 12, 1, 1);
    harness_attr_int(last, "axis", 1);
    harness_attr_int(last, "select_last_index", 1);
    harness_input(last, 0, DNNX_DTYPE_FLOAT, 2, dims, x);
    assert_int_equal(harness_run(last), DNNX_OK);
    assert_dims(&last->outputs[0], 2, (const int64_t[]){2, 1});
    assert_int_equal(((int64_t *)last->outputs[0].data)[0], 2);
    assert_int_equal(((int64_t *)last->outputs[0].data)[1], 2);
    harness_free(last);

    static const int32_t ints[] = {4, -1, 3, -1, 8, -1};
    harness *min = harness_new("ArgMin", 13, 1, 1);
    harness_attr_int(min, "axis", 0);
    harness_input(min, 0, DNNX_DTYPE_INT32, 2, (const int64_t[]){2, 3}, ints);
    assert_int_equal(harness_run(min), DNNX_OK);
    const int64_t *y = min->outputs[0].data;
    assert_int_equal(y[0], 1);
    assert_int_equal(y[1], 0);
    assert_int_equal(y[2], 1);
    harness_free(min);
}

static void test_cumsum_exclusive_reverse(void **state)
{
    (void)state;
    static const int32_t x[] = {1, 2, 3, 4, 5, 6};
    static const int64_t dims[] = {2, 3};
    static const int32_t axis[] = {1};
    harness *h = harness_new("CumSum", 14, 2, 1);
    harness_attr_int(h, "exclusive", 1);
    harness_attr_int(h, "reverse", 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 2, dims, x);
    harness_input(h, 1, DNNX_DTYPE_INT32, 0, NULL, axis);
    assert_int_equal(harness_run(h), DNNX_OK);
    static const int32_t expected[] = {5, 3, 0, 11, 6, 0};
    assert_memory_equal(h->outputs[0].data, expected, sizeof expected);
    harness_free(h);

    static const double xd[] = {1, 2, 3, 4, 5, 6};
    static const int64_t axis0[] = {0};
    harness *d = harness_new("CumSum", 11, 2, 1);
    harness_input(d, 0, DNNX_DTYPE_DOUBLE, 2, dims, xd);
    harness_input(d, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){1}, axis0);
    assert_int_equal(harness_run(d), DNNX_OK);
    static const double expected_d[] = {1, 2, 3, 5, 7, 9};
    assert_memory_equal(d->outputs[0].data, expected_d, sizeof expected_d);
    harness_free(d);
}

static void test_topk_ties_keep_lower_index_first(void **state)
{
    (void)state;
    static const float x[] = {1, 3, 3, 2, 3, 1};
    static const int64_t dims[] = {6}, k_dims[] = {1}, k[] = {4};
    harness *largest = harness_new("TopK", 11, 2, 2);
    harness_input(largest, 0, DNNX_DTYPE_FLOAT, 1, dims, x);
    harness_input(largest, 1, DNNX_DTYPE_INT64, 1, k_dims, k);
    assert_int_equal(harness_run(largest), DNNX_OK);
    assert_dims(&largest->outputs[0], 1, (const int64_t[]){4});
    static const float values[] = {3, 3, 3, 2};
    static const int64_t indices[] = {1, 2, 4, 3};
    assert_memory_equal(largest->outputs[0].data, values, sizeof values);
    assert_memory_equal(largest->outputs[1].data, indices, sizeof indices);
    harness_free(largest);

    harness *smallest = harness_new("TopK", 11, 2, 2);
    harness_attr_int(smallest, "largest", 0);
    harness_input(smallest, 0, DNNX_DTYPE_FLOAT, 1, dims, x);
    harness_input(smallest, 1, DNNX_DTYPE_INT64, 1, k_dims, k);
    assert_int_equal(harness_run(smallest), DNNX_OK);
    static const float small_values[] = {1, 1, 2, 3};
    static const int64_t small_indices[] = {0, 5, 3, 1};
    assert_memory_equal(smallest->outputs[0].data, small_values, sizeof small_values);
    assert_memory_equal(smallest->outputs[1].data, small_indices, sizeof small_indices);
    harness_free(smallest);
}

static void test_topk_axis_and_k_checks(void **state)
{
    (void)state;
    static const int64_t x[] = {5, 1, 9, 9, 2, 8};
    static const int64_t dims[] = {2, 3}, k_dims[] = {1}, k[] = {1}, too_big[] = {4};
    harness *h = harness_new("TopK", 10, 2, 2);
    harness_attr_int(h, "axis", 0);
    harness_input(h, 0, DNNX_DTYPE_INT64, 2, dims, x);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, k_dims, k);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 2, (const int64_t[]){1, 3});
    static const int64_t values[] = {9, 2, 9}, indices[] = {1, 1, 0};
    assert_memory_equal(h->outputs[0].data, values, sizeof values);
    assert_memory_equal(h->outputs[1].data, indices, sizeof indices);
    harness_free(h);

    harness *big = harness_new("TopK", 11, 2, 2);
    harness_input(big, 0, DNNX_DTYPE_INT64, 2, dims, x);
    harness_input(big, 1, DNNX_DTYPE_INT64, 1, k_dims, too_big);
    assert_int_equal(harness_run(big), DNNX_ERR_INVALID_ARGUMENT);
    harness_free(big);

    /* K unknown at load: the axis size is unknown, the rank is not. */
    harness *load = harness_new("TopK", 11, 2, 2);
    harness_input(load, 0, DNNX_DTYPE_FLOAT, 2, dims, NULL);
    harness_input(load, 1, DNNX_DTYPE_INT64, 1, k_dims, NULL);
    assert_int_equal(harness_infer(load, false), DNNX_OK);
    assert_dims(&load->outputs[1], 2, (const int64_t[]){2, DIM_UNKNOWN});
    assert_int_equal(load->outputs[1].dtype, DNNX_DTYPE_INT64);
    harness_free(load);

    harness *v1 = harness_new("TopK", 1, 1, 2);
    harness_attr_int(v1, "k", 2);
    harness_input(v1, 0, DNNX_DTYPE_INT64, 2, dims, x);
    assert_int_equal(harness_run(v1), DNNX_OK);
    static const int64_t v1_values[] = {9, 5, 9, 8};
    assert_memory_equal(v1->outputs[0].data, v1_values, sizeof v1_values);
    harness_free(v1);
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

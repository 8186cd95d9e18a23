/* Unit tests of ops/gather.c: each op's infer and reference kernel on a hand-built op_ctx,
 * index range errors, batch_dims, every scatter reduction and NonZero's data-dependent shape. */
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

static const float data_5x2[] = {0, 1, 10, 11, 20, 21, 30, 31, 40, 41};
static const int64_t dims_5x2[] = {5, 2};

static void test_gather_axis0_negative(void **state)
{
    harness *h = harness_new("Gather", 13, 2, 1);
    const int64_t indices[] = {4, -1, 0, -5}, idims[] = {2, 2};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims_5x2, data_5x2);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t out_dims[] = {2, 2, 2};
    assert_dims(&h->outputs[0], 3, out_dims);
    const float expected[] = {40, 41, 40, 41, 0, 1, 0, 1};
    assert_tensor_floats(&h->outputs[0], expected, 8, 1e-6);
    harness_free(h);
}

static void test_gather_axis1_int32(void **state)
{
    harness *h = harness_new("Gather", 11, 2, 1);
    const int32_t indices[] = {1, 0, 1};
    const int64_t idims[] = {3};
    harness_attr_int(h, "axis", -1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims_5x2, data_5x2);
    harness_input(h, 1, DNNX_DTYPE_INT32, 1, idims, indices);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t out_dims[] = {5, 3};
    assert_dims(&h->outputs[0], 2, out_dims);
    const float expected[] = {1, 0, 1, 11, 10, 11, 21, 20, 21, 31, 30, 31, 41, 40, 41};
    assert_tensor_floats(&h->outputs[0], expected, 15, 1e-6);
    harness_free(h);
}

static void test_gather_scalar_index_int64_data(void **state)
{
    harness *h = harness_new("Gather", 13, 2, 1);
    const int64_t data[] = {7, 8, 9}, dims[] = {3}, index = -2;
    harness_input(h, 0, DNNX_DTYPE_INT64, 1, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 0, NULL, &index);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 0);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_INT64);
    assert_int_equal(((int64_t *)h->outputs[0].data)[0], 8);
    harness_free(h);
}

static void test_gather_out_of_range(void **state)
{
    const int64_t idims[] = {2};
    const int64_t too_big[] = {0, 7}, too_small[] = {-6, 0};
    harness *h = harness_new("Gather", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims_5x2, data_5x2);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, idims, too_big);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "node 'n' (Gather-13): index 7 is out of range [-5, 5) on axis 0");
    harness_free(h);
    h = harness_new("Gather", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims_5x2, data_5x2);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, idims, too_small);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "index -6 is out of range [-5, 5) on axis 0");
    harness_free(h);
    h = harness_new("Gather", 13, 2, 1);
    const int32_t on_axis1[] = {2, 0};
    harness_attr_int(h, "axis", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims_5x2, data_5x2);
    harness_input(h, 1, DNNX_DTYPE_INT32, 1, idims, on_axis1);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "index 2 is out of range [-2, 2) on axis 1");
    harness_free(h);
}

static void test_gather_symbolic_and_bad_axis(void **state)
{
    harness *h = harness_new("Gather", 13, 2, 1);
    const int64_t ddims[] = {-2, 4, 6}, idims[] = {DIM_UNKNOWN, 3};
    harness_attr_int(h, "axis", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT16, 3, ddims, NULL);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    const int64_t out_dims[] = {-2, DIM_UNKNOWN, 3, 6};
    assert_dims(&h->outputs[0], 4, out_dims);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_FLOAT16);
    harness_free(h);
    h = harness_new("Gather", 13, 2, 1);
    harness_attr_int(h, "axis", 3);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, ddims, NULL);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "axis 3");
    harness_free(h);
    h = harness_new("Gather", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, ddims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, idims, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_UNSUPPORTED, "dtype float");
    harness_free(h);
}

static void test_gather_elements(void **state)
{
    harness *h = harness_new("GatherElements", 13, 2, 1);
    const float data[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int64_t dims[] = {3, 3}, idims[] = {2, 3}, indices[] = {-1, -2, 0, -3, 0, 0};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {7, 5, 3, 1, 2, 3};
    assert_tensor_floats(&h->outputs[0], expected, 6, 1e-6);
    harness_free(h);
    h = harness_new("GatherElements", 13, 2, 1);
    const int64_t bad[] = {0, 1, 0, 1, 3, 0};
    harness_attr_int(h, "axis", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, bad);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "index 3 is out of range [-3, 3) on axis 1");
    harness_free(h);
}

static void test_gather_nd_batch_dims(void **state)
{
    harness *h = harness_new("GatherND", 13, 2, 1);
    const int32_t data[] = {0, 1, 2, 3, 4, 5, 6, 7};
    const int64_t dims[] = {2, 2, 2}, idims[] = {2, 1}, indices[] = {1, 0};
    harness_attr_int(h, "batch_dims", 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 3, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t out_dims[] = {2, 2};
    assert_dims(&h->outputs[0], 2, out_dims);
    const int32_t *out = h->outputs[0].data;
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 3);
    assert_int_equal(out[2], 4);
    assert_int_equal(out[3], 5);
    harness_free(h);

    h = harness_new("GatherND", 13, 2, 1);
    const int64_t idims2[] = {2, 1, 2}, pairs[] = {0, 1, 1, -1};
    harness_input(h, 0, DNNX_DTYPE_INT32, 3, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 3, idims2, pairs);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t out_dims2[] = {2, 1, 2};
    assert_dims(&h->outputs[0], 3, out_dims2);
    out = h->outputs[0].data;
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 3);
    assert_int_equal(out[2], 6);
    assert_int_equal(out[3], 7);
    harness_free(h);

    h = harness_new("GatherND", 13, 2, 1);
    const int64_t bad[] = {0, 2};
    harness_attr_int(h, "batch_dims", 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 3, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, bad);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "index 2 is out of range [-2, 2) on axis 1");
    harness_free(h);

    h = harness_new("GatherND", 13, 2, 1);
    harness_attr_int(h, "batch_dims", 3);
    harness_input(h, 0, DNNX_DTYPE_INT32, 3, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "batch_dims 3");
    harness_free(h);
}

/* ScatterND on [4] with updates at [1] and [1] (a duplicate) and [3]. */
static void scatter_nd_case(int opset, const char *reduction, dnnx_status expected_status, const float *expected)
{
    harness *h = harness_new("ScatterND", opset, 3, 1);
    const float data[] = {1, 2, 3, 4}, updates[] = {5, 6, 7};
    const int64_t dims[] = {4}, idims[] = {3, 1}, indices[] = {1, -3, 3}, udims[] = {3};
    if (reduction)
        harness_attr_string(h, "reduction", reduction);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, udims, updates);
    dnnx_status status = harness_run(h);
    assert_int_equal(status, expected_status);
    if (!status)
        assert_tensor_floats(&h->outputs[0], expected, 4, 1e-6);
    harness_free(h);
}

static void test_scatter_nd_reductions(void **state)
{
    const float none[] = {1, 6, 3, 7}, add[] = {1, 13, 3, 11}, mul[] = {1, 60, 3, 28}, max[] = {1, 6, 3, 7},
                min[] = {1, 2, 3, 4};
    scatter_nd_case(13, NULL, DNNX_OK, none);
    scatter_nd_case(16, "add", DNNX_OK, add);
    scatter_nd_case(16, "mul", DNNX_OK, mul);
    scatter_nd_case(18, "max", DNNX_OK, max);
    scatter_nd_case(18, "min", DNNX_OK, min);
    scatter_nd_case(16, "max", DNNX_ERR_INVALID_MODEL, NULL);
    scatter_nd_case(13, "add", DNNX_ERR_INVALID_MODEL, NULL);
}

static void test_scatter_nd_slices_and_range(void **state)
{
    harness *h = harness_new("ScatterND", 16, 3, 1);
    const int64_t data[] = {1, 2, 3, 4, 5, 6}, dims[] = {3, 2}, idims[] = {1, 1}, indices[] = {2}, udims[] = {1, 2};
    const int64_t updates[] = {10, 20};
    harness_attr_string(h, "reduction", "add");
    harness_input(h, 0, DNNX_DTYPE_INT64, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    harness_input(h, 2, DNNX_DTYPE_INT64, 2, udims, updates);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t expected[] = {1, 2, 3, 4, 15, 26};
    assert_tensor_int64s(&h->outputs[0], expected, 6);
    harness_free(h);

    h = harness_new("ScatterND", 16, 3, 1);
    const int64_t bad[] = {-4};
    harness_input(h, 0, DNNX_DTYPE_INT64, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, bad);
    harness_input(h, 2, DNNX_DTYPE_INT64, 2, udims, updates);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "index -4 is out of range [-3, 3) on axis 0");
    harness_free(h);

    h = harness_new("ScatterND", 16, 3, 1);
    const int64_t wrong_udims[] = {1, 3};
    harness_input(h, 0, DNNX_DTYPE_INT64, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    harness_input(h, 2, DNNX_DTYPE_INT64, 2, wrong_udims, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "updates and data dim 3 and 2");
    harness_free(h);
}

static void scatter_elements_case(const char *op, int opset, const char *reduction, const float *expected)
{
    harness *h = harness_new(op, opset, 3, 1);
    const float data[] = {1, 2, 3, 4, 5, 6}, updates[] = {10, 20, 30};
    const int64_t dims[] = {2, 3}, idims[] = {1, 3}, indices[] = {1, 0, -1}, udims[] = {1, 3};
    harness_attr_int(h, "axis", 1);
    if (reduction)
        harness_attr_string(h, "reduction", reduction);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 2, udims, updates);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_tensor_floats(&h->outputs[0], expected, 6, 1e-6);
    harness_free(h);
}

static void test_scatter_elements_reductions(void **state)
{
    const float none[] = {20, 10, 30, 4, 5, 6}, add[] = {21, 12, 33, 4, 5, 6}, mul[] = {20, 20, 90, 4, 5, 6};
    const float max[] = {20, 10, 30, 4, 5, 6}, min[] = {1, 2, 3, 4, 5, 6};
    scatter_elements_case("Scatter", 9, NULL, none);
    scatter_elements_case("ScatterElements", 11, NULL, none);
    scatter_elements_case("ScatterElements", 16, "add", add);
    scatter_elements_case("ScatterElements", 16, "mul", mul);
    scatter_elements_case("ScatterElements", 18, "max", max);
    scatter_elements_case("ScatterElements", 18, "min", min);
}

static void test_scatter_elements_duplicates_and_range(void **state)
{
    harness *h = harness_new("ScatterElements", 16, 3, 1);
    const float data[] = {1, 2, 3, 4, 5}, updates[] = {1.1f, 2.1f};
    const int64_t dims[] = {1, 5}, idims[] = {1, 2}, indices[] = {1, 1};
    harness_attr_int(h, "axis", 1);
    harness_attr_string(h, "reduction", "add");
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, idims, indices);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 2, idims, updates);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {1, 5.2f, 3, 4, 5};
    assert_tensor_floats(&h->outputs[0], expected, 5, 1e-6);
    harness_free(h);

    h = harness_new("ScatterElements", 16, 3, 1);
    const int32_t bad[] = {0, -6};
    harness_attr_int(h, "axis", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_INT32, 2, idims, bad);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 2, idims, updates);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "index -6 is out of range [-5, 5) on axis 1");
    harness_free(h);
}

static void test_nonzero_shapes(void **state)
{
    const uint8_t cond[] = {1, 0, 1, 1, 0, 0};
    const int64_t dims[] = {2, 3};
    /* At load, an input without data gives an unknown count. */
    harness *h = harness_new("NonZero", 13, 1, 1);
    harness_input(h, 0, DNNX_DTYPE_BOOL, 2, dims, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    const int64_t unknown[] = {2, DIM_UNKNOWN};
    assert_dims(&h->outputs[0], 2, unknown);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_INT64);
    /* A constant input gives the count at load already. */
    h->inputs[0].data = (void *)cond;
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    const int64_t known[] = {2, 3};
    assert_dims(&h->outputs[0], 2, known);
    /* At run time the kernel writes the coordinates. */
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t expected[] = {0, 0, 1, 0, 2, 0};
    assert_tensor_int64s(&h->outputs[0], expected, 6);
    harness_free(h);

    h = harness_new("NonZero", 9, 1, 1);
    const float values[] = {0.0f, -0.0f, 3.0f};
    const int64_t vdims[] = {3};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, vdims, values);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t one[] = {1, 1}, at[] = {2};
    assert_dims(&h->outputs[0], 2, one);
    assert_tensor_int64s(&h->outputs[0], at, 1);
    harness_free(h);
}

static void test_onehot(void **state)
{
    harness *h = harness_new("OneHot", 11, 3, 1);
    const int64_t indices[] = {0, -1, 7, -4}, idims[] = {4}, two[] = {2};
    const float depth = 3, values[] = {-1, 5};
    harness_attr_int(h, "axis", 0);
    harness_input(h, 0, DNNX_DTYPE_INT64, 1, idims, indices);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &depth);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, two, values);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t out_dims[] = {3, 4};
    assert_dims(&h->outputs[0], 2, out_dims);
    const float expected[] = {5, -1, -1, -1, -1, -1, -1, -1, -1, 5, -1, -1};
    assert_tensor_floats(&h->outputs[0], expected, 12, 1e-6);
    harness_free(h);

    h = harness_new("OneHot", 11, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_INT64, 1, idims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, two, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    const int64_t load_dims[] = {4, DIM_UNKNOWN};
    assert_dims(&h->outputs[0], 2, load_dims);
    harness_free(h);
}

static void test_compress(void **state)
{
    const float data[] = {1, 2, 3, 4, 5, 6};
    const int64_t dims[] = {3, 2}, cdims[] = {3}, cdims2[] = {5};
    const uint8_t cond[] = {0, 1, 1}, cond2[] = {0, 1, 0, 0, 1};
    harness *h = harness_new("Compress", 11, 2, 1);
    harness_attr_int(h, "axis", 0);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_BOOL, 1, cdims, cond);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {3, 4, 5, 6};
    assert_tensor_floats(&h->outputs[0], expected, 4, 1e-6);
    harness_free(h);

    h = harness_new("Compress", 11, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_BOOL, 1, cdims2, cond2);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float flat[] = {2, 5};
    assert_tensor_floats(&h->outputs[0], flat, 2, 1e-6);
    harness_free(h);

    h = harness_new("Compress", 11, 2, 1);
    harness_attr_int(h, "axis", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(h, 1, DNNX_DTYPE_BOOL, 1, cdims, cond);
    assert_error(harness_run(h), DNNX_ERR_INVALID_ARGUMENT, "condition has 3 entries");
    harness_free(h);
}

static void test_unique(void **state)
{
    const float x[] = {2, 1, 1, 3, 4, 3};
    const int64_t dims[] = {6};
    harness *h = harness_new("Unique", 11, 1, 4);
    harness_attr_int(h, "sorted", 0);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, x);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_int_equal(h->outputs[0].dims[0], 4);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float y[] = {2, 1, 3, 4};
    const int64_t first[] = {0, 1, 3, 4}, inverse[] = {0, 1, 1, 2, 3, 2}, counts[] = {1, 2, 2, 1};
    assert_tensor_floats(&h->outputs[0], y, 4, 1e-6);
    assert_tensor_int64s(&h->outputs[1], first, 4);
    assert_tensor_int64s(&h->outputs[2], inverse, 6);
    assert_tensor_int64s(&h->outputs[3], counts, 4);
    harness_free(h);

    /* Rows along axis 0, sorted: [[1,0,0],[1,0,0],[2,3,4]] -> two unique rows. */
    const int64_t rows[] = {2, 3, 4, 1, 0, 0, 1, 0, 0}, rdims[] = {3, 3};
    h = harness_new("Unique", 11, 1, 4);
    harness_attr_int(h, "axis", 0);
    harness_input(h, 0, DNNX_DTYPE_INT64, 2, rdims, rows);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t y_rows[] = {1, 0, 0, 2, 3, 4}, first_rows[] = {1, 0}, inverse_rows[] = {1, 0, 0},
                  count_rows[] = {2, 1}, out_dims[] = {2, 3};
    assert_dims(&h->outputs[0], 2, out_dims);
    assert_tensor_int64s(&h->outputs[0], y_rows, 6);
    assert_tensor_int64s(&h->outputs[1], first_rows, 2);
    assert_tensor_int64s(&h->outputs[2], inverse_rows, 3);
    assert_tensor_int64s(&h->outputs[3], count_rows, 2);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gather_axis0_negative),
        cmocka_unit_test(test_gather_axis1_int32),
        cmocka_unit_test(test_gather_scalar_index_int64_data),
        cmocka_unit_test(test_gather_out_of_range),
        cmocka_unit_test(test_gather_symbolic_and_bad_axis),
        cmocka_unit_test(test_gather_elements),
        cmocka_unit_test(test_gather_nd_batch_dims),
        cmocka_unit_test(test_scatter_nd_reductions),
        cmocka_unit_test(test_scatter_nd_slices_and_range),
        cmocka_unit_test(test_scatter_elements_reductions),
        cmocka_unit_test(test_scatter_elements_duplicates_and_range),
        cmocka_unit_test(test_nonzero_shapes),
        cmocka_unit_test(test_onehot),
        cmocka_unit_test(test_compress),
        cmocka_unit_test(test_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

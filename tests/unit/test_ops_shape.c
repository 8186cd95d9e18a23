/* Unit tests of ops/shape.c: load-time (symbolic) shape inference, run-time kernels and the
 * error of each check, on op contexts built by hand and on one small graph. */
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
#include "ops/ops.h"
#include "support/op_harness.h"

static void test_reshape_copies_symbolic_dims(void **state)
{
    (void)state;
    harness *c = harness_new("Reshape", 14, 2, 1);
    int64_t batch = graph_symbol(c->g, "batch"), seq = graph_symbol(c->g, "seq");
    int64_t in_dims[] = {batch, seq, 768}, shape_dims[] = {4}, shape[] = {0, 0, 12, 64};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, in_dims, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, shape_dims, shape);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){batch, seq, 12, 64});
    assert_int_equal(c->outputs[0].dtype, DNNX_DTYPE_FLOAT);

    /* The -1 is the one input dim left after cancelling the copied ones and equal sizes. */
    int64_t minus_one[] = {0, -1, 12, 64};
    c->inputs[1].data = minus_one;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){batch, seq, 12, 64});

    int64_t merge_heads[] = {0, 0, -1}, head_dims[] = {batch, seq, 12, 64}, three[] = {3};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, head_dims, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, merge_heads);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){batch, seq, 768});

    /* batch * seq is no single symbol. */
    int64_t flatten[] = {-1, 768}, two[] = {2};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, in_dims, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, flatten);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){DIM_UNKNOWN, 768});
    harness_free(c);
}

static void test_reshape_unknown_shape_keeps_rank(void **state)
{
    (void)state;
    harness *c = harness_new("Reshape", 13, 2, 1);
    int64_t in_dims[] = {2, 3}, shape_dims[] = {3};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, in_dims, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, shape_dims, NULL);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN});

    c->inputs[1].dims[0] = graph_symbol(c->g, "n");
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_int_equal(c->outputs[0].rank, -1);
    harness_free(c);
}

static void test_reshape_runs(void **state)
{
    (void)state;
    harness *c = harness_new("Reshape", 14, 2, 1);
    float data[24];
    for (int k = 0; k < 24; k++)
        data[k] = (float)k;
    int64_t in_dims[] = {2, 3, 4}, shape_dims[] = {2}, shape[] = {4, -1};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, in_dims, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, shape_dims, shape);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){4, 6});
    assert_memory_equal(c->outputs[0].data, data, sizeof data);

    /* allowzero keeps a 0 as a 0 instead of copying the input dim. */
    int64_t empty_dims[] = {0, 3, 4}, three[] = {3}, zero_last[] = {3, 4, 0};
    harness_attr_int(c, "allowzero", 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, empty_dims, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, zero_last);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){3, 4, 0});
    harness_free(c);
}

static void test_reshape_errors(void **state)
{
    (void)state;
    harness *c = harness_new("Reshape", 14, 2, 1);
    float data[24] = {0};
    int64_t in_dims[] = {2, 3, 4}, two[] = {2}, three[] = {3};
    int64_t two_minus[] = {-1, -1}, five_five[] = {5, 5}, not_dividing[] = {5, -1}, below[] = {2, -2};
    int64_t copy_beyond[] = {2, 3, 4, 0};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, in_dims, data);

    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, two_minus);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "more than one -1");
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, five_five);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "[2,3,4] into shape [5,5]");
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "24 elements, not 25");
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, not_dividing);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "[2,3,4] into shape [5,-1]");
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, below);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "dim 1 is -2");
    int64_t four[] = {4};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, four, copy_beyond);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "does not exist");

    int64_t zero_and_minus[] = {0, -1, 4};
    harness_attr_int(c, "allowzero", 1);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, zero_and_minus);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "0 and -1");
    assert_non_null(strstr(dnnx_last_error(), "node 'n' (Reshape-14)"));
    harness_free(c);
}

static void test_flatten(void **state)
{
    (void)state;
    harness *c = harness_new("Flatten", 13, 1, 1);
    int64_t batch = graph_symbol(c->g, "batch");
    int64_t dims[] = {batch, 3, 4};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, dims, NULL);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){batch, 12});
    harness_attr_int(c, "axis", -1);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){DIM_UNKNOWN, 4});
    c->attrs[0].i = 4;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "axis 4");
    harness_free(c);

    c = harness_new("Flatten", 9, 1, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}, NULL);
    harness_attr_int(c, "axis", -1);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "axis -1");
    c->attrs[0].i = 0;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){1, 24});
    harness_free(c);
}

static void test_squeeze(void **state)
{
    (void)state;
    harness *c = harness_new("Squeeze", 13, 2, 1);
    int64_t batch = graph_symbol(c->g, "batch");
    int64_t dims[] = {batch, 1, 5}, one[] = {1}, axis[] = {-2};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, dims, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, one, axis);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){batch, 5});

    /* Without axes, a symbolic dim might be 1: the rank is unknown until run time. */
    c->input_ptrs[1] = NULL;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_int_equal(c->outputs[0].rank, -1);
    c->inputs[0].dims[0] = 1;
    assert_int_equal(harness_infer(c, true), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){5});

    int64_t not_one[] = {2}, outside[] = {3}, twice_dims[] = {2}, twice[] = {1, -2};
    c->input_ptrs[1] = &c->inputs[1];
    c->inputs[1].data = not_one;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "cannot squeeze axis 2");
    c->inputs[1].data = outside;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "axis 3 is out of range");
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, twice_dims, twice);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "more than once");
    harness_free(c);

    c = harness_new("Squeeze", 11, 1, 1);
    int64_t attr_axes[] = {0, 2};
    float data[3] = {1, 2, 3};
    harness_attr_ints(c, "axes", attr_axes, 2);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){1, 3, 1}, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){3});
    assert_memory_equal(c->outputs[0].data, data, sizeof data);
    harness_free(c);
}

static void test_unsqueeze(void **state)
{
    (void)state;
    harness *c = harness_new("Unsqueeze", 13, 2, 1);
    int64_t batch = graph_symbol(c->g, "batch"), seq = graph_symbol(c->g, "seq");
    int64_t dims[] = {batch, seq}, two[] = {2}, axes[] = {1, 2};
    harness_input(c, 0, DNNX_DTYPE_INT64, 2, dims, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, axes);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){batch, 1, 1, seq});

    int64_t negative[] = {-1, 0};
    c->inputs[1].data = negative;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){1, batch, seq, 1});

    /* Axes not known yet: the rank still is. */
    c->inputs[1].data = NULL;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN});

    int64_t twice[] = {1, -3}, outside[] = {0, 4};
    c->inputs[1].data = twice;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "more than once");
    c->inputs[1].data = outside;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "axis 4 is out of range");
    harness_free(c);

    c = harness_new("Unsqueeze", 11, 1, 1);
    int64_t attr_axes[] = {0};
    harness_attr_ints(c, "axes", attr_axes, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){1});
    harness_free(c);
}

static void test_shape_and_size(void **state)
{
    (void)state;
    harness *c = harness_new("Shape", 15, 1, 1);
    int64_t batch = graph_symbol(c->g, "batch");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){batch, 3, 4, 5}, NULL);
    harness_attr_int(c, "start", 1);
    harness_attr_int(c, "end", -1);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){2});
    float data[120] = {0};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){2, 3, 4, 5}, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(((int64_t *)c->outputs[0].data)[0], 3);
    assert_int_equal(((int64_t *)c->outputs[0].data)[1], 4);
    /* Out-of-range start and end clamp. */
    c->attrs[0].i = -10;
    c->attrs[1].i = 10;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){4});
    harness_free(c);

    c = harness_new("Size", 13, 1, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){2, 3, 4, 5}, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[0].rank, 0);
    assert_int_equal(*(int64_t *)c->outputs[0].data, 120);
    harness_free(c);
}

static void test_dropout(void **state)
{
    (void)state;
    harness *c = harness_new("Dropout", 13, 3, 2);
    float data[4] = {1, 2, 3, 4}, ratio = 0.5f;
    uint8_t training = 1;
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){4}, data);
    harness_input(c, 1, DNNX_DTYPE_FLOAT, 0, NULL, &ratio);
    harness_input(c, 2, DNNX_DTYPE_BOOL, 0, NULL, &training);
    assert_error(harness_infer(c, false), DNNX_ERR_UNSUPPORTED, "training-mode dropout");
    c->input_ptrs[1] = NULL;
    assert_error(harness_run(c), DNNX_ERR_UNSUPPORTED, "ratio 0.5");
    ratio = 0.0f;
    c->input_ptrs[1] = &c->inputs[1];
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, data, sizeof data);
    assert_int_equal(c->outputs[1].dtype, DNNX_DTYPE_BOOL);
    assert_memory_equal(c->outputs[1].data, ((uint8_t[]){1, 1, 1, 1}), 4);
    training = 0;
    ratio = 0.5f;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, data, sizeof data);
    harness_free(c);

    /* Before opset 10 the mask has the input's type. */
    c = harness_new("Dropout", 7, 1, 2);
    harness_attr_float(c, "ratio", 0.3f);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){4}, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[1].dtype, DNNX_DTYPE_FLOAT);
    assert_memory_equal(c->outputs[1].data, ((float[]){1, 1, 1, 1}), sizeof data);
    harness_free(c);
}

static void test_expand(void **state)
{
    (void)state;
    harness *c = harness_new("Expand", 13, 2, 1);
    float data[3] = {1, 2, 3};
    int64_t three[] = {3}, shape[] = {2, 1, 4};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){3, 1}, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, shape);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){2, 3, 4});
    const float *out = c->outputs[0].data;
    for (int k = 0; k < 24; k++)
        assert_true(out[k] == data[(k / 4) % 3]);

    int64_t batch = graph_symbol(c->g, "batch"), seq = graph_symbol(c->g, "seq");
    int64_t heads[] = {1, 12, 1};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, 1, seq}, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, heads);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){batch, 12, seq});

    c->inputs[1].data = NULL;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_int_equal(c->outputs[0].rank, 3);

    int64_t one[] = {1}, four[] = {4}, negative[] = {-2};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 1, three, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, one, four);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "cannot be broadcast");
    c->inputs[1].data = negative;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "negative");
    harness_free(c);
}

static void test_constant_of_shape(void **state)
{
    (void)state;
    harness *c = harness_new("ConstantOfShape", 9, 1, 1);
    int64_t two[] = {2}, shape[] = {2, 3}, seven = 7, one[] = {1};
    harness_input(c, 0, DNNX_DTYPE_INT64, 1, two, shape);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[0].dtype, DNNX_DTYPE_FLOAT);
    assert_memory_equal(c->outputs[0].data, ((float[6]){0}), 6 * sizeof(float));

    dnnx_tensor value;
    tensor_init_shape(&value, DNNX_DTYPE_INT64, 1, one);
    value.data = &seven;
    harness_attr_tensor(c, "value", &value);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[0].dtype, DNNX_DTYPE_INT64);
    assert_dims(&c->outputs[0], 2, shape);
    for (int k = 0; k < 6; k++)
        assert_int_equal(((int64_t *)c->outputs[0].data)[k], 7);

    c->inputs[0].data = NULL;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN});

    int64_t huge[] = {INT64_C(1) << 40, INT64_C(1) << 40}, negative[] = {2, -1};
    c->inputs[0].data = huge;
    assert_error(harness_infer(c, false), DNNX_ERR_OUT_OF_MEMORY, "too large");
    c->inputs[0].data = negative;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "negative");
    harness_free(c);
}

static void test_constant(void **state)
{
    (void)state;
    harness *c = harness_new("Constant", 13, 0, 1);
    float floats[] = {1.5f, -2.0f};
    harness_attr_floats(c, "value_floats", floats, 2);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[0].dtype, DNNX_DTYPE_FLOAT);
    assert_dims(&c->outputs[0], 1, (int64_t[]){2});
    assert_memory_equal(c->outputs[0].data, floats, sizeof floats);
    harness_free(c);

    c = harness_new("Constant", 13, 0, 1);
    harness_attr_int(c, "value_int", -3);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[0].rank, 0);
    assert_int_equal(*(int64_t *)c->outputs[0].data, -3);
    harness_attr_int(c, "value_float", 1);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "exactly one value attribute, not 2");
    harness_free(c);

    c = harness_new("Constant", 13, 0, 1);
    harness_attr(c, "sparse_value", ATTR_UNDEFINED);
    assert_error(harness_infer(c, false), DNNX_ERR_UNSUPPORTED, "sparse_value");
    c->attrs[0].name = (char *)"value_strings";
    assert_error(harness_infer(c, false), DNNX_ERR_UNSUPPORTED, "value_strings");
    harness_free(c);

    c = harness_new("Constant", 11, 0, 1);
    harness_attr_int(c, "value_int", 1);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "before opset 12");
    harness_free(c);

    c = harness_new("Constant", 9, 0, 1);
    int32_t values[] = {4, 5, 6};
    dnnx_tensor value;
    tensor_init_shape(&value, DNNX_DTYPE_INT32, 1, (int64_t[]){3});
    value.data = values;
    harness_attr_tensor(c, "value", &value);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[0].dtype, DNNX_DTYPE_INT32);
    assert_memory_equal(c->outputs[0].data, values, sizeof values);
    harness_free(c);
}

static void test_range(void **state)
{
    (void)state;
    harness *c = harness_new("Range", 11, 3, 1);
    int32_t start = 10, limit = 4, delta = -3;
    harness_input(c, 0, DNNX_DTYPE_INT32, 0, NULL, &start);
    harness_input(c, 1, DNNX_DTYPE_INT32, 0, NULL, &limit);
    harness_input(c, 2, DNNX_DTYPE_INT32, 0, NULL, &delta);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){2});
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((int32_t[]){10, 7}), 2 * sizeof(int32_t));
    limit = 11;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){0});
    delta = 0;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "delta is 0");
    c->inputs[1].data = NULL;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){DIM_UNKNOWN});
    harness_free(c);

    /* Full int64 span: no overflow in the count or the values. */
    c = harness_new("Range", 11, 3, 1);
    int64_t lo = INT64_MIN, hi = INT64_MAX, step = INT64_MAX;
    harness_input(c, 0, DNNX_DTYPE_INT64, 0, NULL, &lo);
    harness_input(c, 1, DNNX_DTYPE_INT64, 0, NULL, &hi);
    harness_input(c, 2, DNNX_DTYPE_INT64, 0, NULL, &step);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){3});
    assert_memory_equal(c->outputs[0].data, ((int64_t[]){INT64_MIN, -1, INT64_MAX - 1}), 3 * sizeof(int64_t));
    harness_free(c);

    c = harness_new("Range", 11, 3, 1);
    float fstart = 1.0f, flimit = 5.0f, fdelta = 1.5f;
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 0, NULL, &fstart);
    harness_input(c, 1, DNNX_DTYPE_FLOAT, 0, NULL, &flimit);
    harness_input(c, 2, DNNX_DTYPE_FLOAT, 0, NULL, &fdelta);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[]){1.0f, 2.5f, 4.0f}), 3 * sizeof(float));
    harness_input(c, 2, DNNX_DTYPE_INT64, 0, NULL, &step);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "same dtype");
    harness_free(c);
}

static void test_eye_like(void **state)
{
    (void)state;
    harness *c = harness_new("EyeLike", 9, 1, 1);
    float data[12] = {0};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){3, 4}, data);
    harness_attr_int(c, "k", 1);
    harness_attr_int(c, "dtype", DNNX_DTYPE_INT32);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_int_equal(c->outputs[0].dtype, DNNX_DTYPE_INT32);
    assert_memory_equal(c->outputs[0].data, ((int32_t[]){0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}), 12 * sizeof(int32_t));
    c->attrs[0].i = -2;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((int32_t[]){0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}), 12 * sizeof(int32_t));
    c->attrs[1].i = DNNX_DTYPE_STRING;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "dtype 8");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3}, data);
    c->attrs[1].i = DNNX_DTYPE_FLOAT;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "2-D");
    harness_free(c);
}

/* A BERT-style head split x[batch,seq,768] -> Reshape [0,0,12,64] -> Transpose [0,2,1,3]
 * through graph_infer: the symbols reach the graph output. */
static void test_graph_propagates_symbols(void **state)
{
    (void)state;
    graph *g = graph_create();
    g->opsets = calloc(1, sizeof *g->opsets);
    g->opsets[0].domain = strdup("");
    g->opsets[0].version = 17;
    g->n_opsets = 1;
    int64_t batch = graph_symbol(g, "batch"), seq = graph_symbol(g, "seq");

    int x = graph_value_intern(g, "x"), shape = graph_value_intern(g, "shape");
    g->values[x].is_graph_input = true;
    g->values[x].shape_declared = true;
    tensor_init_shape(&g->values[x].info, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, seq, 768});
    g->inputs = malloc(sizeof *g->inputs);
    g->inputs[g->n_inputs++] = x;
    dnnx_tensor shape_value;
    tensor_init_shape(&shape_value, DNNX_DTYPE_INT64, 1, (int64_t[]){4});
    shape_value.data = (int64_t[]){0, 0, 12, 64};
    assert_int_equal(tensor_clone(&shape_value, &g->values[shape].constant), DNNX_OK);
    tensor_init_shape(&g->values[shape].info, DNNX_DTYPE_INT64, 1, (int64_t[]){4});

    int reshape = graph_node_add(g, "split_heads", "Reshape", "");
    assert_int_equal(graph_node_set_io(g, reshape, (const char *[]){"x", "shape"}, 2, (const char *[]){"heads"}, 1),
                     DNNX_OK);
    int transpose = graph_node_add(g, "to_bhsd", "Transpose", "");
    assert_int_equal(graph_node_set_io(g, transpose, (const char *[]){"heads"}, 1, (const char *[]){"y"}, 1), DNNX_OK);
    graph_node *node = &g->nodes[transpose];
    node->attrs = calloc(1, sizeof *node->attrs);
    node->n_attrs = 1;
    node->attrs[0].name = strdup("perm");
    node->attrs[0].type = ATTR_INTS;
    node->attrs[0].count = 4;
    node->attrs[0].ints = malloc(4 * sizeof(int64_t));
    memcpy(node->attrs[0].ints, (int64_t[]){0, 2, 1, 3}, 4 * sizeof(int64_t));
    int y = graph_value_find(g, "y");
    g->values[y].is_graph_output = true;
    g->outputs = malloc(sizeof *g->outputs);
    g->outputs[g->n_outputs++] = y;

    assert_int_equal(graph_sort(g), DNNX_OK);
    assert_int_equal(graph_bind_schemas(g, ops_registry()), DNNX_OK);
    assert_int_equal(graph_infer(g), DNNX_OK);
    assert_dims(&g->values[graph_value_find(g, "heads")].info, 4, (int64_t[]){batch, seq, 12, 64});
    assert_dims(&g->values[y].info, 4, (int64_t[]){batch, 12, seq, 64});
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reshape_copies_symbolic_dims),
        cmocka_unit_test(test_reshape_unknown_shape_keeps_rank),
        cmocka_unit_test(test_reshape_runs),
        cmocka_unit_test(test_reshape_errors),
        cmocka_unit_test(test_flatten),
        cmocka_unit_test(test_squeeze),
        cmocka_unit_test(test_unsqueeze),
        cmocka_unit_test(test_shape_and_size),
        cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_constant_of_shape),
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_eye_like),
        cmocka_unit_test(test_graph_propagates_symbols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of ops/layout.c: load-time (symbolic) shape inference, run-time kernels checked
 * against naive index arithmetic, and the error of each check, on op contexts built by hand. */
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

/* Fills a float buffer with 0, 1, 2, ... */
static float *iota(float *data, int count)
{
    for (int k = 0; k < count; k++)
        data[k] = (float)k;
    return data;
}

static void test_transpose_symbolic(void **state)
{
    (void)state;
    harness *c = harness_new("Transpose", 13, 1, 1);
    int64_t batch = graph_symbol(c->g, "batch"), seq = graph_symbol(c->g, "seq");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){batch, seq, 12, 64}, NULL);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){64, 12, seq, batch});
    int64_t perm[] = {0, 2, 1, 3};
    harness_attr_ints(c, "perm", perm, 4);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){batch, 12, seq, 64});
    harness_free(c);
}

/* Every permutation of a rank-4 tensor (with a size-1 axis, so dims merge) against index math. */
static void test_transpose_all_permutations(void **state)
{
    (void)state;
    const int64_t dims[4] = {2, 1, 3, 4};
    float data[24], expected[24];
    iota(data, 24);
    int64_t perm[4];
    for (int p = 0; p < 256; p++) {
        bool used[4] = {false}, valid = true;
        for (int i = 0; i < 4; i++) {
            perm[i] = (p >> (2 * i)) & 3;
            valid &= !used[perm[i]];
            used[perm[i]] = true;
        }
        if (!valid)
            continue;
        harness *c = harness_new("Transpose", 13, 1, 1);
        harness_attr_ints(c, "perm", perm, 4);
        harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, dims, data);
        assert_int_equal(harness_run(c), DNNX_OK);
        int64_t out_dims[4], in_strides[4] = {12, 12, 4, 1}, index[4];
        for (int i = 0; i < 4; i++)
            out_dims[i] = dims[perm[i]];
        for (int k = 0; k < 24; k++) {
            int rest = k, offset = 0;
            for (int i = 3; i >= 0; i--) {
                index[i] = rest % out_dims[i];
                rest /= (int)out_dims[i];
            }
            for (int i = 0; i < 4; i++)
                offset += (int)(index[i] * in_strides[perm[i]]);
            expected[k] = data[offset];
        }
        assert_dims(&c->outputs[0], 4, out_dims);
        assert_memory_equal(c->outputs[0].data, expected, sizeof expected);
        harness_free(c);
    }
}

/* A matrix larger than the copy tile, with ragged edges, transposed both ways. */
static void test_transpose_tiles(void **state)
{
    (void)state;
    static float data[70 * 45];
    iota(data, 70 * 45);
    harness *c = harness_new("Transpose", 13, 1, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){70, 1, 45}, data);
    int64_t perm[] = {2, 1, 0};
    harness_attr_ints(c, "perm", perm, 3);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){45, 1, 70});
    const float *out = c->outputs[0].data;
    for (int i = 0; i < 45; i++)
        for (int j = 0; j < 70; j++)
            assert_true(out[i * 70 + j] == data[j * 45 + i]);
    harness_free(c);
}

static void test_transpose_errors(void **state)
{
    (void)state;
    harness *c = harness_new("Transpose", 13, 1, 1);
    int64_t repeated[] = {0, 0, 1}, outside[] = {0, 1, 3};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}, NULL);
    harness_attr_ints(c, "perm", repeated, 3);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "not a permutation");
    c->attrs[0].ints = outside;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "entry 2 is 3");
    c->attrs[0].count = 2;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "perm has 2 entries");
    harness_free(c);
}

static void test_concat_symbolic(void **state)
{
    (void)state;
    harness *c = harness_new("Concat", 13, 2, 1);
    int64_t batch = graph_symbol(c->g, "batch"), seq = graph_symbol(c->g, "seq");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, seq, 64}, NULL);
    harness_input(c, 1, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, seq, 64}, NULL);
    harness_attr_int(c, "axis", -1);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){batch, seq, 128});
    c->attrs[0].i = 1;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){batch, DIM_UNKNOWN, 64});
    /* A concrete dim on one side settles the symbol on the other. */
    c->inputs[1].dims[0] = 2;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){2, DIM_UNKNOWN, 64});
    harness_free(c);
}

static void test_concat_runs(void **state)
{
    (void)state;
    harness *c = harness_new("Concat", 11, 3, 1);
    int64_t a[] = {1, 2}, b[] = {0}, d[] = {3, 4, 5, 6, 7, 8};
    harness_input(c, 0, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 1}, a);
    harness_input(c, 1, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 0}, b);
    harness_input(c, 2, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 3}, d);
    harness_attr_int(c, "axis", 1);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){2, 4});
    assert_memory_equal(c->outputs[0].data, ((int64_t[]){1, 3, 4, 5, 2, 6, 7, 8}), 8 * sizeof(int64_t));

    harness_input(c, 0, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, a);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){0}, b);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, (int64_t[]){6}, d);
    c->attrs[0].i = 0;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((int64_t[]){1, 2, 3, 4, 5, 6, 7, 8}), 8 * sizeof(int64_t));
    harness_free(c);
}

static void test_concat_errors(void **state)
{
    (void)state;
    harness *c = harness_new("Concat", 13, 2, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 3}, NULL);
    harness_input(c, 1, DNNX_DTYPE_FLOAT, 2, (int64_t[]){4, 3}, NULL);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "'axis' is required");
    harness_attr_int(c, "axis", 1);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "input 1 [4,3] and input 0 [2,3] differ on axis 0");
    c->attrs[0].i = 2;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "axis 2 is out of range");
    c->attrs[0].i = 0;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){6, 3});
    harness_input(c, 1, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3}, NULL);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "different ranks");
    harness_input(c, 1, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 3}, NULL);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "dtype int64");
    harness_free(c);
}

static void test_split(void **state)
{
    (void)state;
    float data[7];
    iota(data, 7);
    harness *c = harness_new("Split", 13, 2, 2);
    int64_t sizes[] = {2, 4};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){6}, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, sizes);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){2});
    assert_dims(&c->outputs[1], 1, (int64_t[]){4});
    assert_memory_equal(c->outputs[0].data, data, 2 * sizeof(float));
    assert_memory_equal(c->outputs[1].data, data + 2, 4 * sizeof(float));
    c->inputs[0].dims[0] = 7;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "add up to 6, not to the dim 7");
    c->input_ptrs[1] = NULL;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "does not split evenly");
    int64_t batch = graph_symbol(c->g, "batch");
    c->inputs[0].dims[0] = batch;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[1], 1, (int64_t[]){DIM_UNKNOWN});
    c->input_ptrs[1] = &c->inputs[1];
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[1], 1, (int64_t[]){4});
    int64_t three[] = {1, 2, 3};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){3}, three);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "3 sizes for 2 outputs");
    harness_free(c);

    /* num_outputs (opset 18) leaves the last chunk smaller. */
    c = harness_new("Split", 18, 1, 3);
    harness_attr_int(c, "num_outputs", 3);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){7}, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 1, (int64_t[]){3});
    assert_dims(&c->outputs[1], 1, (int64_t[]){3});
    assert_dims(&c->outputs[2], 1, (int64_t[]){1});
    assert_true(((float *)c->outputs[2].data)[0] == 6.0f);
    c->inputs[0].dims[0] = 5;
    c->attrs[0].i = 3;
    assert_int_equal(harness_infer(c, true), DNNX_OK);
    assert_dims(&c->outputs[2], 1, (int64_t[]){1});
    c->attrs[0].i = 2;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "num_outputs is 2 but the node has 3 outputs");
    harness_free(c);

    c = harness_new("Split", 2, 1, 2);
    int64_t attr_sizes[] = {1, 2};
    harness_attr_int(c, "axis", 1);
    harness_attr_ints(c, "split", attr_sizes, 2);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 3}, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[]){0, 3}), 2 * sizeof(float));
    assert_memory_equal(c->outputs[1].data, ((float[]){1, 2, 4, 5}), 4 * sizeof(float));
    harness_free(c);
}

/* y = x[starts:ends:steps] on a 3-D tensor, computed naively from the already clamped bounds. */
static void naive_slice(const float *x, const int64_t *dims, const int64_t *first, const int64_t *step,
                        const int64_t *count, float *y)
{
    int k = 0;
    for (int64_t i = 0; i < count[0]; i++)
        for (int64_t j = 0; j < count[1]; j++)
            for (int64_t l = 0; l < count[2]; l++) {
                int64_t a = first[0] + i * step[0], b = first[1] + j * step[1], c = first[2] + l * step[2];
                y[k++] = x[(a * dims[1] + b) * dims[2] + c];
            }
}

static void test_slice_runs(void **state)
{
    (void)state;
    static float data[1000], expected[1000];
    iota(data, 1000);
    int64_t dims[] = {20, 10, 5}, three[] = {3};
    harness *c = harness_new("Slice", 13, 5, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, dims, data);
    int64_t starts[] = {20, 10, 4}, ends[] = {0, 0, 1}, axes[] = {0, 1, 2}, steps[] = {-1, -3, -2};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, starts);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, three, ends);
    harness_input(c, 3, DNNX_DTYPE_INT64, 1, three, axes);
    harness_input(c, 4, DNNX_DTYPE_INT64, 1, three, steps);
    assert_int_equal(harness_run(c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){19, 9, 4}, steps, (int64_t[]){19, 3, 2}, expected);
    assert_dims(&c->outputs[0], 3, (int64_t[]){19, 3, 2});
    assert_memory_equal(c->outputs[0].data, expected, 19 * 3 * 2 * sizeof(float));

    /* [::-1] written with INT64_MIN, out-of-range starts clamp, and a huge step takes one element. */
    int64_t one[] = {1}, rev_start[] = {-1}, rev_end[] = {INT64_MIN}, rev_axis[] = {1}, rev_step[] = {-1};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, one, rev_start);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, one, rev_end);
    harness_input(c, 3, DNNX_DTYPE_INT64, 1, one, rev_axis);
    harness_input(c, 4, DNNX_DTYPE_INT64, 1, one, rev_step);
    assert_int_equal(harness_run(c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){0, 9, 0}, (int64_t[]){1, -1, 1}, (int64_t[]){20, 10, 5}, expected);
    assert_memory_equal(c->outputs[0].data, expected, sizeof data);
    rev_start[0] = -100;
    rev_end[0] = 100;
    rev_step[0] = INT64_MAX;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){20, 1, 5});
    rev_step[0] = INT64_MIN;
    rev_start[0] = INT64_MAX;
    rev_end[0] = INT64_MIN;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){20, 1, 5});
    naive_slice(data, dims, (int64_t[]){0, 9, 0}, (int64_t[]){1, 1, 1}, (int64_t[]){20, 1, 5}, expected);
    assert_memory_equal(c->outputs[0].data, expected, 100 * sizeof(float));

    /* Default axes and steps, and an empty result. */
    int64_t two[] = {2}, start2[] = {1, 1}, end2[] = {3, 1};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, start2);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, two, end2);
    c->input_ptrs[3] = c->input_ptrs[4] = NULL;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){2, 0, 5});
    end2[1] = 3;
    assert_int_equal(harness_run(c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){1, 1, 0}, (int64_t[]){1, 1, 1}, (int64_t[]){2, 2, 5}, expected);
    assert_memory_equal(c->outputs[0].data, expected, 20 * sizeof(float));
    harness_free(c);

    c = harness_new("Slice", 1, 1, 1);
    int64_t attr_starts[] = {1}, attr_ends[] = {-1}, attr_axes[] = {2};
    harness_attr_ints(c, "starts", attr_starts, 1);
    harness_attr_ints(c, "ends", attr_ends, 1);
    harness_attr_ints(c, "axes", attr_axes, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, dims, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){0, 0, 1}, (int64_t[]){1, 1, 1}, (int64_t[]){20, 10, 3}, expected);
    assert_memory_equal(c->outputs[0].data, expected, 600 * sizeof(float));
    harness_free(c);
}

static void test_slice_symbolic_and_errors(void **state)
{
    (void)state;
    harness *c = harness_new("Slice", 13, 5, 1);
    int64_t batch = graph_symbol(c->g, "batch"), seq = graph_symbol(c->g, "seq");
    int64_t three[] = {3}, starts[] = {0, 0, 1}, ends[] = {INT64_MAX, 64, INT64_MAX}, axes[] = {1, 2, 0};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, seq, 768}, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, starts);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, three, ends);
    harness_input(c, 3, DNNX_DTYPE_INT64, 1, three, axes);
    c->input_ptrs[4] = NULL;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){DIM_UNKNOWN, seq, 64});

    /* Starts not known yet: only the sliced axes become unknown. */
    int64_t one[] = {1}, axis2[] = {2};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, one, NULL);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, one, NULL);
    harness_input(c, 3, DNNX_DTYPE_INT64, 1, one, axis2);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){batch, seq, DIM_UNKNOWN});

    int64_t start1[] = {0}, end1[] = {4}, step0[] = {0}, twice[] = {0, -3}, two[] = {2}, far[] = {3};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, one, start1);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, one, end1);
    harness_input(c, 4, DNNX_DTYPE_INT64, 1, one, step0);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "step of axis 2 is 0");
    c->input_ptrs[4] = NULL;
    harness_input(c, 3, DNNX_DTYPE_INT64, 1, one, far);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "axis 3 is out of range");
    harness_input(c, 3, DNNX_DTYPE_INT64, 1, two, twice);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "starts has 1 entries, axes has 2");
    int64_t start2[] = {0, 0}, end2[] = {1, 1};
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, start2);
    harness_input(c, 2, DNNX_DTYPE_INT64, 1, two, end2);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "sliced more than once");
    harness_free(c);
}

static void test_tile(void **state)
{
    (void)state;
    float data[24], expected[144];
    iota(data, 24);
    harness *c = harness_new("Tile", 13, 2, 1);
    int64_t three[] = {3}, repeats[] = {2, 1, 3};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, three, repeats);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){4, 3, 12});
    for (int i = 0, k = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            for (int l = 0; l < 12; l++)
                expected[k++] = data[((i % 2) * 3 + j) * 4 + l % 4];
    assert_memory_equal(c->outputs[0].data, expected, 144 * sizeof(float));

    int64_t batch = graph_symbol(c->g, "batch");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, 3, 4}, NULL);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){DIM_UNKNOWN, 3, 12});
    repeats[0] = 1;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 3, (int64_t[]){batch, 3, 12});
    repeats[1] = -1;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "repeats[1] is -1");
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, repeats);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "2 entries for a rank-3 input");
    harness_free(c);
}

static void test_pad_modes(void **state)
{
    (void)state;
    float data[12];
    iota(data, 12);
    int64_t dims[] = {3, 4}, four[] = {4};
    harness *c = harness_new("Pad", 19, 3, 1);
    int64_t pads[] = {1, 0, 0, 2};
    float nine = 9.0f;
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, four, pads);
    harness_input(c, 2, DNNX_DTYPE_FLOAT, 0, NULL, &nine);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){4, 6});
    assert_memory_equal(c->outputs[0].data,
                        ((float[]){9, 9, 9, 9, 9, 9, 0, 1, 2, 3, 9, 9, 4, 5, 6, 7, 9, 9, 8, 9, 10, 11, 9, 9}),
                        24 * sizeof(float));

    /* Expected values from numpy.pad. */
    int64_t reflect_pads[] = {0, 2, 0, 1};
    harness_attr_string(c, "mode", "reflect");
    c->inputs[1].data = reflect_pads;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data,
                        ((float[]){2, 1, 0, 1, 2, 3, 2, 6, 5, 4, 5, 6, 7, 6, 10, 9, 8, 9, 10, 11, 10}),
                        21 * sizeof(float));
    int64_t edge_pads[] = {1, 0, 0, 0};
    c->attrs[0].s = (char *)"edge";
    c->inputs[1].data = edge_pads;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[]){0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}),
                        16 * sizeof(float));
    /* wrap is a torus: index i reads i mod 4, also for pads wider than the axis. */
    int64_t wrap_pads[] = {0, 5, 0, 1};
    c->attrs[0].s = (char *)"wrap";
    c->inputs[1].data = wrap_pads;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[]){3, 0, 1, 2, 3, 0, 1, 2, 3, 0}), 10 * sizeof(float));

    /* Negative pads crop. */
    int64_t crop[] = {-1, -1, 0, -1};
    c->attrs[0].s = (char *)"constant";
    c->inputs[1].data = crop;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){2, 2});
    assert_memory_equal(c->outputs[0].data, ((float[]){5, 6, 9, 10}), 4 * sizeof(float));
    harness_free(c);

    /* Opset 18 axes, and opset 2 attributes. */
    c = harness_new("Pad", 18, 4, 1);
    int64_t two[] = {2}, one[] = {1}, axis_pads[] = {1, 1}, last[] = {-1};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, axis_pads);
    c->input_ptrs[2] = NULL;
    harness_input(c, 3, DNNX_DTYPE_INT64, 1, one, last);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){3, 6});
    assert_memory_equal(c->outputs[0].data, ((float[]){0, 0, 1, 2, 3, 0}), 6 * sizeof(float));
    harness_free(c);

    c = harness_new("Pad", 2, 1, 1);
    int64_t attr_pads[] = {0, 1, 0, 0};
    harness_attr_ints(c, "pads", attr_pads, 4);
    harness_attr_float(c, "value", -1.5f);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[]){-1.5f, 0, 1, 2, 3}), 5 * sizeof(float));
    harness_free(c);
}

static void test_pad_symbolic_and_errors(void **state)
{
    (void)state;
    harness *c = harness_new("Pad", 13, 2, 1);
    int64_t batch = graph_symbol(c->g, "batch"), seq = graph_symbol(c->g, "seq");
    int64_t four[] = {4}, pads[] = {0, 1, 0, 1};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){batch, seq}, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, four, pads);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){batch, DIM_UNKNOWN});
    c->inputs[1].data = NULL;
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 2, (int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN});

    int64_t crop[] = {0, -3, 0, 0};
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 2}, NULL);
    c->inputs[1].data = crop;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "below 0");
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, pads);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "pads has 2 entries for 2 axes");
    harness_attr_string(c, "mode", "wrap");
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "'wrap' is not a pad mode");
    c->attrs[0].s = (char *)"reflect";
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 0}, NULL);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, four, pads);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "axis 1 is empty");
    harness_free(c);
}

static void test_trilu(void **state)
{
    (void)state;
    float data[24];
    iota(data, 24);
    int64_t k = 1;
    harness *c = harness_new("Trilu", 14, 2, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 0, NULL, &k);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data,
                        ((float[]){0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11, 0, 13, 14, 15, 0, 0, 18, 19, 0, 0, 0, 23}),
                        sizeof data);
    k = -1;
    harness_attr_int(c, "upper", 0);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data,
                        ((float[]){0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 20, 21, 0, 0}),
                        sizeof data);
    k = INT64_MIN;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[24]){0}), sizeof data);
    k = INT64_MAX;
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, data, sizeof data);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){4}, data);
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "rank >= 2");
    harness_free(c);
}

/* DepthToSpace by its definition: out[n][c][h*b+i][w*b+j] = in[n][channel][h][w]. */
static void naive_depth_to_space(const float *in, int64_t n, int64_t ch, int64_t h, int64_t w, int64_t b, bool crd,
                                 float *out)
{
    int64_t oc = ch / (b * b), oh = h * b, ow = w * b;
    for (int64_t q = 0; q < n; q++)
        for (int64_t c = 0; c < oc; c++)
            for (int64_t y = 0; y < oh; y++)
                for (int64_t x = 0; x < ow; x++) {
                    int64_t i = y % b, j = x % b;
                    int64_t channel = crd ? c * b * b + i * b + j : (i * b + j) * oc + c;
                    out[((q * oc + c) * oh + y) * ow + x] = in[((q * ch + channel) * h + y / b) * w + x / b];
                }
}

static void test_depth_and_space(void **state)
{
    (void)state;
    harness *c, *back;
    static float data[2 * 8 * 2 * 3], expected[2 * 8 * 2 * 3];
    iota(data, 96);
    int64_t dims[] = {2, 8, 2, 3};
    c = harness_new("DepthToSpace", 13, 1, 1);
    harness_attr_int(c, "blocksize", 2);
    harness_attr_string(c, "mode", "DCR");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, dims, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){2, 2, 4, 6});
    naive_depth_to_space(data, 2, 8, 2, 3, 2, false, expected);
    assert_memory_equal(c->outputs[0].data, expected, sizeof data);

    /* SpaceToDepth undoes DCR DepthToSpace. */
    back = harness_new("SpaceToDepth", 13, 1, 1);
    harness_attr_int(back, "blocksize", 2);
    harness_input(back, 0, DNNX_DTYPE_FLOAT, 4, c->outputs[0].dims, c->outputs[0].data);
    assert_int_equal(harness_run(back), DNNX_OK);
    assert_dims(&back->outputs[0], 4, dims);
    assert_memory_equal(back->outputs[0].data, data, sizeof data);
    harness_free(back);

    c->attrs[1].s = (char *)"CRD";
    assert_int_equal(harness_run(c), DNNX_OK);
    naive_depth_to_space(data, 2, 8, 2, 3, 2, true, expected);
    assert_memory_equal(c->outputs[0].data, expected, sizeof data);

    int64_t batch = graph_symbol(c->g, "batch");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){batch, 8, 2, DIM_UNKNOWN}, NULL);
    assert_int_equal(harness_infer(c, false), DNNX_OK);
    assert_dims(&c->outputs[0], 4, (int64_t[]){batch, 2, 4, DIM_UNKNOWN});
    c->attrs[1].s = (char *)"RCD";
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "neither DCR nor CRD");
    c->attrs[1].s = (char *)"DCR";
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){1, 6, 2, 2}, NULL);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "channels 6 do not divide");
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){1, 8, 2}, NULL);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "4-D");
    c->attrs[0].i = 0;
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "blocksize 0");
    harness_free(c);

    c = harness_new("SpaceToDepth", 13, 1, 1);
    harness_attr_int(c, "blocksize", 2);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){1, 1, 4, 3}, NULL);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_ARGUMENT, "dim 3 (3) does not divide");
    harness_free(c);
}

static void test_reverse_sequence(void **state)
{
    (void)state;
    float data[8];
    iota(data, 8);
    int64_t lens[] = {4, 2}, two[] = {2};
    harness *c = harness_new("ReverseSequence", 10, 2, 1);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){4, 2}, data);
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, two, lens);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[]){6, 3, 4, 1, 2, 5, 0, 7}), sizeof data);

    harness_attr_int(c, "time_axis", 1);
    harness_attr_int(c, "batch_axis", 0);
    harness_input(c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 4}, data);
    assert_int_equal(harness_run(c), DNNX_OK);
    assert_memory_equal(c->outputs[0].data, ((float[]){3, 2, 1, 0, 5, 4, 6, 7}), sizeof data);

    lens[1] = 5;
    assert_error(harness_run(c), DNNX_ERR_RUNTIME, "sequence_lens[1] is 5");
    c->attrs[1].i = 1;
    assert_error(harness_infer(c, false), DNNX_ERR_INVALID_MODEL, "must be 0 and 1");
    c->attrs[1].i = 0;
    harness_input(c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){3}, NULL);
    assert_error(harness_infer(c, true), DNNX_ERR_INVALID_MODEL, "3 and 2 do not match");
    harness_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transpose_symbolic),
        cmocka_unit_test(test_transpose_all_permutations),
        cmocka_unit_test(test_transpose_tiles),
        cmocka_unit_test(test_transpose_errors),
        cmocka_unit_test(test_concat_symbolic),
        cmocka_unit_test(test_concat_runs),
        cmocka_unit_test(test_concat_errors),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_slice_runs),
        cmocka_unit_test(test_slice_symbolic_and_errors),
        cmocka_unit_test(test_tile),
        cmocka_unit_test(test_pad_modes),
        cmocka_unit_test(test_pad_symbolic_and_errors),
        cmocka_unit_test(test_trilu),
        cmocka_unit_test(test_depth_and_space),
        cmocka_unit_test(test_reverse_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

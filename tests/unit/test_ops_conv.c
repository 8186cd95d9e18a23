/* Unit tests of ops/conv.c and ops/pool.c on hand-built op_ctx: Conv and ConvTranspose (1-D
 * to 3-D, grouped, strided, dilated, padded, auto_pad) against naive loops, attribute checks
 * and their messages, symbolic shape inference, and the pools (MaxPool with Indices,
 * AveragePool with and without pads counted, LpPool, ceil_mode, Global*) against naive loops. */
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

#define SP 3 /* spatial rank the naive loops handle */

/* The state of random_floats in this file. */
static uint32_t rng_state = 2024;

/* A convolution problem; unused spatial dims are 1 so the naive loops are always 3-D. */
typedef struct conv_case {
    int rank;
    int64_t n, c, m, group;
    int64_t in[SP], kernel[SP], stride[SP], dilation[SP], pad_begin[SP], pad_end[SP], out_padding[SP];
    int64_t out[SP];
} conv_case;

static int64_t product(const int64_t *v, int n)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        p *= v[i];
    return p;
}

static void fill_unused(conv_case *c)
{
    for (int d = c->rank; d < SP; d++) {
        c->in[d] = c->kernel[d] = c->stride[d] = c->dilation[d] = 1;
        c->pad_begin[d] = c->pad_end[d] = c->out_padding[d] = 0;
    }
}

static void naive_conv(conv_case *c, const float *x, const float *w, const float *b, float *y)
{
    fill_unused(c);
    for (int d = 0; d < SP; d++)
        c->out[d] =
            (c->in[d] + c->pad_begin[d] + c->pad_end[d] - (c->kernel[d] - 1) * c->dilation[d] - 1) / c->stride[d] + 1;
    int64_t cg = c->c / c->group, mg = c->m / c->group;
    for (int64_t n = 0; n < c->n; n++)
        for (int64_t oc = 0; oc < c->m; oc++)
            for (int64_t o0 = 0; o0 < c->out[0]; o0++)
                for (int64_t o1 = 0; o1 < c->out[1]; o1++)
                    for (int64_t o2 = 0; o2 < c->out[2]; o2++) {
                        double sum = b ? b[oc] : 0.0;
                        for (int64_t ic = 0; ic < cg; ic++)
                            for (int64_t k0 = 0; k0 < c->kernel[0]; k0++)
                                for (int64_t k1 = 0; k1 < c->kernel[1]; k1++)
                                    for (int64_t k2 = 0; k2 < c->kernel[2]; k2++) {
                                        int64_t i0 = o0 * c->stride[0] - c->pad_begin[0] + k0 * c->dilation[0];
                                        int64_t i1 = o1 * c->stride[1] - c->pad_begin[1] + k1 * c->dilation[1];
                                        int64_t i2 = o2 * c->stride[2] - c->pad_begin[2] + k2 * c->dilation[2];
                                        if (i0 < 0 || i0 >= c->in[0] || i1 < 0 || i1 >= c->in[1] || i2 < 0 ||
                                            i2 >= c->in[2])
                                            continue;
                                        int64_t cin = (oc / mg) * cg + ic;
                                        double xv =
                                            x[(((n * c->c + cin) * c->in[0] + i0) * c->in[1] + i1) * c->in[2] + i2];
                                        double wv = w[(((oc * cg + ic) * c->kernel[0] + k0) * c->kernel[1] + k1) *
                                                          c->kernel[2] +
                                                      k2];
                                        sum += xv * wv;
                                    }
                        y[(((n * c->m + oc) * c->out[0] + o0) * c->out[1] + o1) * c->out[2] + o2] = (float)sum;
                    }
}

static void naive_conv_transpose(conv_case *c, const float *x, const float *w, const float *b, float *y)
{
    fill_unused(c);
    for (int d = 0; d < SP; d++)
        c->out[d] = c->stride[d] * (c->in[d] - 1) + c->out_padding[d] + (c->kernel[d] - 1) * c->dilation[d] + 1 -
                    c->pad_begin[d] - c->pad_end[d];
    int64_t cg = c->c / c->group, mg = c->m / c->group, out_plane = product(c->out, SP);
    for (int64_t i = 0; i < c->n * c->m; i++)
        for (int64_t j = 0; j < out_plane; j++)
            y[i * out_plane + j] = b ? b[i % c->m] : 0.0f;
    for (int64_t n = 0; n < c->n; n++)
        for (int64_t cin = 0; cin < c->c; cin++)
            for (int64_t i0 = 0; i0 < c->in[0]; i0++)
                for (int64_t i1 = 0; i1 < c->in[1]; i1++)
                    for (int64_t i2 = 0; i2 < c->in[2]; i2++) {
                        float xv = x[(((n * c->c + cin) * c->in[0] + i0) * c->in[1] + i1) * c->in[2] + i2];
                        for (int64_t om = 0; om < mg; om++)
                            for (int64_t k0 = 0; k0 < c->kernel[0]; k0++)
                                for (int64_t k1 = 0; k1 < c->kernel[1]; k1++)
                                    for (int64_t k2 = 0; k2 < c->kernel[2]; k2++) {
                                        int64_t o0 = i0 * c->stride[0] - c->pad_begin[0] + k0 * c->dilation[0];
                                        int64_t o1 = i1 * c->stride[1] - c->pad_begin[1] + k1 * c->dilation[1];
                                        int64_t o2 = i2 * c->stride[2] - c->pad_begin[2] + k2 * c->dilation[2];
                                        if (o0 < 0 || o0 >= c->out[0] || o1 < 0 || o1 >= c->out[1] || o2 < 0 ||
                                            o2 >= c->out[2])
                                            continue;
                                        int64_t oc = (cin / cg) * mg + om;
                                        float wv = w[(((cin * mg + om) * c->kernel[0] + k0) * c->kernel[1] + k1) *
                                                         c->kernel[2] +
                                                     k2];
                                        y[(((n * c->m + oc) * c->out[0] + o0) * c->out[1] + o1) * c->out[2] + o2] +=
                                            xv * wv;
                                    }
                    }
}

/* Runs Conv or ConvTranspose with explicit attributes on random data against the naive loop. */
static void check_conv(conv_case c, bool transpose, bool bias)
{
    int rank = c.rank;
    int64_t x_dims[2 + SP] = {c.n, c.c}, w_dims[2 + SP], b_dims[1] = {c.m}, pads[2 * SP];
    w_dims[0] = transpose ? c.c : c.m;
    w_dims[1] = transpose ? c.m / c.group : c.c / c.group;
    for (int d = 0; d < rank; d++) {
        x_dims[2 + d] = c.in[d];
        w_dims[2 + d] = c.kernel[d];
        pads[d] = c.pad_begin[d];
        pads[rank + d] = c.pad_end[d];
    }
    float *x = random_floats(&rng_state, (size_t)product(x_dims, 2 + rank)),
          *w = random_floats(&rng_state, (size_t)product(w_dims, 2 + rank));
    float *b = bias ? random_floats(&rng_state, (size_t)c.m) : NULL;
    harness *h = harness_new(transpose ? "ConvTranspose" : "Conv", 11, bias ? 3 : 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2 + rank, x_dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2 + rank, w_dims, w);
    if (bias)
        harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, b_dims, b);
    harness_attr_ints(h, "strides", c.stride, (size_t)rank);
    harness_attr_ints(h, "dilations", c.dilation, (size_t)rank);
    harness_attr_ints(h, "pads", pads, 2 * (size_t)rank);
    harness_attr_int(h, "group", c.group);
    if (transpose)
        harness_attr_ints(h, "output_padding", c.out_padding, (size_t)rank);
    else
        harness_attr_ints(h, "kernel_shape", c.kernel, (size_t)rank);
    dnnx_status status = harness_run(h);
    if (status)
        fail_msg("%s", dnnx_last_error());
    int64_t y_dims[2 + SP] = {c.n, c.m};
    size_t y_count = (size_t)(c.n * c.m);
    conv_case ref_case = c;
    float *ref;
    if (transpose) {
        fill_unused(&ref_case);
        for (int d = 0; d < SP; d++)
            y_count *= (size_t)(ref_case.stride[d] * (ref_case.in[d] - 1) + ref_case.out_padding[d] +
                                (ref_case.kernel[d] - 1) * ref_case.dilation[d] + 1 - ref_case.pad_begin[d] -
                                ref_case.pad_end[d]);
        ref = malloc(y_count * sizeof *ref);
        naive_conv_transpose(&ref_case, x, w, b, ref);
    } else {
        ref = malloc(tensor_count(&h->outputs[0]) * sizeof *ref);
        naive_conv(&ref_case, x, w, b, ref);
        y_count = tensor_count(&h->outputs[0]);
    }
    for (int d = 0; d < rank; d++)
        y_dims[2 + d] = ref_case.out[d];
    assert_dims(&h->outputs[0], 2 + rank, y_dims);
    assert_int_equal(tensor_count(&h->outputs[0]), y_count);
    assert_close(h->outputs[0].data, ref, y_count, 1e-4f);
    harness_free(h);
    free(x);
    free(w);
    free(b);
    free(ref);
}

static void test_conv_matches_naive(void **state)
{
    (void)state;
    /* 2-D grouped, strided, dilated, asymmetric pads. */
    check_conv((conv_case){2, 2, 6, 4, 2, {9, 11}, {3, 2}, {2, 3}, {2, 1}, {1, 0}, {2, 1}, {0}, {0}}, false, true);
    /* 1-D, unit stride (the vectorized row path), dilation 3. */
    check_conv((conv_case){1, 1, 3, 5, 1, {40}, {4}, {1}, {3}, {2}, {1}, {0}, {0}}, false, false);
    /* 3-D. */
    check_conv((conv_case){3, 1, 2, 3, 1, {5, 6, 7}, {2, 3, 2}, {1, 2, 1}, {1, 1, 2}, {1, 0, 1}, {0, 1, 1}, {0}, {0}},
               false, true);
    /* Depthwise 2-D. */
    check_conv((conv_case){2, 1, 4, 4, 4, {6, 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0}, {0}}, false, true);
    /* Patch embedding: kernel == stride, no overlap. */
    check_conv((conv_case){2, 1, 3, 8, 1, {32, 32}, {8, 8}, {8, 8}, {1, 1}, {0, 0}, {0, 0}, {0}, {0}}, false, true);
}

static void test_conv_transpose_matches_naive(void **state)
{
    (void)state;
    check_conv((conv_case){2, 1, 4, 6, 2, {4, 5}, {3, 3}, {2, 3}, {1, 2}, {1, 0}, {0, 2}, {1, 2}, {0}}, true, true);
    check_conv((conv_case){1, 2, 3, 2, 1, {7}, {3}, {1}, {1}, {0}, {0}, {0}, {0}}, true, false);
    check_conv(
        (conv_case){3, 1, 2, 2, 1, {3, 2, 4}, {2, 2, 3}, {2, 1, 2}, {1, 1, 1}, {0, 0, 1}, {1, 0, 0}, {1, 0, 0}, {0}},
        true, true);
}

/* SAME_UPPER puts the odd pad at the end, SAME_LOWER at the start: compare with explicit pads. */
static void test_conv_auto_pad(void **state)
{
    (void)state;
    static const struct {
        const char *mode;
        int64_t in, pad_begin, pad_end;
    } cases[] = {{"SAME_UPPER", 8, 0, 1}, {"SAME_LOWER", 8, 1, 0}, {"SAME_UPPER", 7, 1, 1}, {"VALID", 8, 0, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t in = cases[k].in;
        int64_t x_dims[3] = {1, 2, in}, w_dims[3] = {3, 2, 3}, stride[1] = {2};
        float *x = random_floats(&rng_state, (size_t)(2 * in)), *w = random_floats(&rng_state, 18);
        harness *h = harness_new("Conv", 11, 2, 1);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, x_dims, x);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, w_dims, w);
        harness_attr_ints(h, "strides", stride, 1);
        harness_attr_string(h, "auto_pad", cases[k].mode);
        assert_int_equal(harness_run(h), DNNX_OK);
        conv_case c = {1, 1, 2, 3, 1, {in}, {3}, {2}, {1}, {cases[k].pad_begin}, {cases[k].pad_end}, {0}, {0}};
        float ref[3 * 8];
        naive_conv(&c, x, w, NULL, ref);
        int64_t y_dims[3] = {1, 3, c.out[0]};
        assert_dims(&h->outputs[0], 3, y_dims);
        if (strcmp(cases[k].mode, "VALID"))
            assert_int_equal(c.out[0], (in + 1) / 2);
        assert_close(h->outputs[0].data, ref, (size_t)(3 * c.out[0]), 1e-5f);
        harness_free(h);
        free(x);
        free(w);
    }
}

/* output_shape larger than the natural size pads at the end (ONNX test semantics). */
static void test_conv_transpose_output_shape(void **state)
{
    (void)state;
    static const float x[4] = {1, 2, 3, 4}, w[2] = {1, 10};
    int64_t x_dims[3] = {1, 1, 4}, w_dims[3] = {1, 1, 2}, stride[1] = {2}, shape[1] = {9};
    harness *h = harness_new("ConvTranspose", 11, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, x_dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, w_dims, w);
    harness_attr_ints(h, "strides", stride, 1);
    harness_attr_ints(h, "output_shape", shape, 1);
    assert_int_equal(harness_run(h), DNNX_OK);
    int64_t y_dims[3] = {1, 1, 9};
    assert_dims(&h->outputs[0], 3, y_dims);
    static const float expect[9] = {1, 10, 2, 20, 3, 30, 4, 40, 0};
    assert_close(h->outputs[0].data, expect, 9, 1e-6f);
    harness_free(h);
}

typedef struct attr_case {
    const char *name;
    size_t count;
    int64_t values[4];
    const char *fragment;
} attr_case;

static void test_conv_attribute_checks(void **state)
{
    (void)state;
    static const attr_case cases[] = {
        {"kernel_shape", 1, {3}, "attribute 'kernel_shape' has 1 values, expected 2"},
        {"kernel_shape", 2, {3, 2}, "kernel_shape[1] is 2 but W's spatial dim 1 is 3"},
        {"pads", 3, {1, 1, 1}, "attribute 'pads' has 3 values, expected 4"},
        {"pads", 4, {1, -1, 1, 1}, "attribute 'pads' has value -1, outside 0..2147483647"},
        {"strides", 2, {1, 0}, "attribute 'strides' has 0 on spatial axis 1, must be >= 1"},
        {"dilations", 2, {-1, 1}, "attribute 'dilations' has -1 on spatial axis 0, must be >= 1"},
        {"dilations",
         2,
         {INT64_MAX / 2 + 1, 1},
         "attribute 'dilations' has 4611686018427387904 on spatial axis 0, more"},
        {"pads", 4, {INT64_MAX, 0, 0, 0}, "attribute 'pads' has value 9223372036854775807, outside"},
    };
    int64_t x_dims[4] = {1, 6, 10, 10}, w_dims[4] = {4, 6, 3, 3};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness *h = harness_new("Conv", 11, 2, 1);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w_dims, NULL);
        harness_attr_ints(h, cases[k].name, cases[k].values, cases[k].count);
        assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, cases[k].fragment);
        harness_free(h);
    }

    harness *h = harness_new("Conv", 11, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w_dims, NULL);
    harness_attr_int(h, "group", 4);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "group 4 does not divide the 6 input channels");
    h->attrs[0].i = 0;
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "group must be >= 1, not 0");
    h->attrs[0].i = 2;
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL,
                 "W has 6 input channels per group and group is 2, but X has 6 channels");
    h->attrs[0].i = 1;
    int64_t w_bad[4] = {4, 5, 3, 3};
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w_bad, NULL);
    assert_error(harness_infer(h, true), DNNX_ERR_INVALID_ARGUMENT,
                 "W has 5 input channels per group and group is 1, but X has 6 channels");
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w_dims, NULL);
    int64_t b_dims[1] = {5};
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, b_dims, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "B has 5 elements but there are 4 output channels");
    h->input_ptrs[2] = NULL;
    int64_t x_small[4] = {1, 6, 2, 10};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_small, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL,
                 "kernel extent 3 is larger than the padded input size 2 on spatial axis 0");
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_attr_string(h, "auto_pad", "SAME");
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "auto_pad 'SAME' is not NOTSET");
    harness_free(h);

    /* Declared sizes (load time, no data) whose output would overflow int64. */
    h = harness_new("Conv", 11, 2, 1);
    int64_t x_huge[4] = {1, 6, INT64_MAX - 1, 10}, pads[4] = {2, 0, 2, 0};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_huge, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w_dims, NULL);
    harness_attr_ints(h, "pads", pads, 4);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "output size on spatial axis 0 overflows");
    harness_free(h);
    h = harness_new("ConvTranspose", 11, 2, 1);
    int64_t x_long[4] = {1, 6, (int64_t)1 << 40, 10}, w_t[4] = {6, 2, 3, 3}, big_strides[2] = {(int64_t)1 << 30, 1};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_long, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w_t, NULL);
    harness_attr_ints(h, "strides", big_strides, 2);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "output size on spatial axis 0 overflows");
    harness_free(h);

    h = harness_new("Conv", 11, 2, 1);
    int64_t w3[3] = {4, 6, 3};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, w3, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "W has rank 3 but X has rank 4");
    harness_free(h);

    h = harness_new("ConvTranspose", 11, 2, 1);
    int64_t wt[4] = {6, 2, 3, 3}, strides[2] = {2, 2}, out_pad[2] = {2, 0};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, wt, NULL);
    harness_attr_ints(h, "strides", strides, 2);
    harness_attr_ints(h, "output_padding", out_pad, 2);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL,
                 "output_padding 2 on spatial axis 0 must be less than");
    h->attrs[1].ints[0] = 1;
    harness_attr_int(h, "group", 3);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t y_dims[4] = {1, 6, 22, 21};
    assert_dims(&h->outputs[0], 4, y_dims);
    int64_t wt_bad[4] = {5, 2, 3, 3};
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, wt_bad, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "W has 5 input channels but X has 6");
    harness_free(h);
}

/* [batch, 3, H, 224] * [16, 3, 3, 3] stride 2 pad 1 -> [batch, 16, ?, 112]; W's symbolic
 * output channels stay unknown. */
static void test_conv_symbolic_shapes(void **state)
{
    (void)state;
    harness *h = harness_new("Conv", 11, 2, 1);
    int64_t batch = graph_symbol(h->g, "batch"), height = graph_symbol(h->g, "height");
    int64_t x_dims[4] = {batch, 3, height, 224}, w_dims[4] = {16, 3, 3, 3};
    int64_t strides[2] = {2, 2}, pads[4] = {1, 1, 1, 1};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w_dims, NULL);
    harness_attr_ints(h, "strides", strides, 2);
    harness_attr_ints(h, "pads", pads, 4);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t y_dims[4] = {batch, 16, DIM_UNKNOWN, 112};
    assert_dims(&h->outputs[0], 4, y_dims);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_FLOAT);

    int64_t x2[4] = {batch, DIM_UNKNOWN, 32, 32}, w2[4] = {DIM_UNKNOWN, 3, 3, 3};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x2, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, w2, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t y2[4] = {batch, DIM_UNKNOWN, 16, 16};
    assert_dims(&h->outputs[0], 4, y2);
    harness_free(h);

    h = harness_new("MaxPool", 12, 1, 2);
    int64_t kernel[2] = {3, 3};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_attr_ints(h, "kernel_shape", kernel, 2);
    harness_attr_ints(h, "strides", strides, 2);
    harness_attr_string(h, "auto_pad", "SAME_UPPER");
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t p_dims[4] = {batch, 3, DIM_UNKNOWN, 112};
    assert_dims(&h->outputs[0], 4, p_dims);
    assert_dims(&h->outputs[1], 4, p_dims);
    assert_int_equal(h->outputs[1].dtype, DNNX_DTYPE_INT64);
    harness_free(h);
}

typedef struct pool_case {
    int64_t in[2], kernel[2], stride[2], dilation[2], pad_begin[2], pad_end[2];
    bool ceil_mode;
} pool_case;

/* Output size of one pool dim, ceil mode dropping a window that would start in the end pad. */
static int64_t pool_out(const pool_case *c, int d)
{
    int64_t span = c->in[d] + c->pad_begin[d] + c->pad_end[d] - (c->kernel[d] - 1) * c->dilation[d] - 1;
    int64_t out = span / c->stride[d] + 1;
    if (c->ceil_mode && span % c->stride[d]) {
        out++;
        if ((out - 1) * c->stride[d] >= c->in[d] + c->pad_begin[d])
            out--;
    }
    return out;
}

/* Naive 2-D pools over planes of x; kind 0 max (with row- and column-major indices), 1 average,
 * 2 average counting pads, 3 Lp with p = 3. */
static void naive_pool(const pool_case *c, int kind, int64_t planes, const float *x, float *y, int64_t *rows,
                       int64_t *cols)
{
    int64_t oh = pool_out(c, 0), ow = pool_out(c, 1);
    for (int64_t p = 0; p < planes; p++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                double acc = kind == 0 ? -INFINITY : 0.0;
                int64_t count = 0, padded = 0, best_h = 0, best_w = 0;
                for (int64_t a = 0; a < c->kernel[0]; a++)
                    for (int64_t b = 0; b < c->kernel[1]; b++) {
                        int64_t hh = i * c->stride[0] - c->pad_begin[0] + a * c->dilation[0];
                        int64_t ww = j * c->stride[1] - c->pad_begin[1] + b * c->dilation[1];
                        if (hh >= -c->pad_begin[0] && hh < c->in[0] + c->pad_end[0] && ww >= -c->pad_begin[1] &&
                            ww < c->in[1] + c->pad_end[1])
                            padded++;
                        if (hh < 0 || hh >= c->in[0] || ww < 0 || ww >= c->in[1])
                            continue;
                        double v = x[(p * c->in[0] + hh) * c->in[1] + ww];
                        count++;
                        if (kind == 0 && v > acc) {
                            acc = v;
                            best_h = hh;
                            best_w = ww;
                        } else if (kind == 1 || kind == 2) {
                            acc += v;
                        } else if (kind == 3) {
                            acc += pow(fabs(v), 3.0);
                        }
                    }
                size_t at = (size_t)((p * oh + i) * ow + j);
                if (kind == 0) {
                    y[at] = (float)acc;
                    rows[at] = p * c->in[0] * c->in[1] + best_h * c->in[1] + best_w;
                    cols[at] = p * c->in[0] * c->in[1] + best_w * c->in[0] + best_h;
                } else if (kind == 3) {
                    y[at] = (float)pow(acc, 1.0 / 3.0);
                } else {
                    y[at] = (float)(acc / (double)(kind == 2 ? padded : count));
                }
            }
}

static void check_pool(const pool_case *c, int kind, int storage_order)
{
    static const char *const types[] = {"MaxPool", "AveragePool", "AveragePool", "LpPool"};
    const int64_t planes = 6;
    int64_t x_dims[4] = {2, 3, c->in[0], c->in[1]},
            pads[4] = {c->pad_begin[0], c->pad_begin[1], c->pad_end[0], c->pad_end[1]};
    size_t x_count = (size_t)(planes * c->in[0] * c->in[1]);
    float *x = random_floats(&rng_state, x_count);
    harness *h = harness_new(types[kind], kind == 3 ? 18 : 19, 1, kind == 0 ? 2 : 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, x);
    harness_attr_ints(h, "kernel_shape", c->kernel, 2);
    harness_attr_ints(h, "strides", c->stride, 2);
    harness_attr_ints(h, "dilations", c->dilation, 2);
    harness_attr_ints(h, "pads", pads, 4);
    harness_attr_int(h, "ceil_mode", c->ceil_mode);
    if (kind == 0)
        harness_attr_int(h, "storage_order", storage_order);
    if (kind == 2)
        harness_attr_int(h, "count_include_pad", 1);
    if (kind == 3)
        harness_attr_int(h, "p", 3);
    dnnx_status status = harness_run(h);
    if (status)
        fail_msg("%s", dnnx_last_error());
    int64_t y_dims[4] = {2, 3, pool_out(c, 0), pool_out(c, 1)};
    assert_dims(&h->outputs[0], 4, y_dims);
    size_t y_count = (size_t)(planes * y_dims[2] * y_dims[3]);
    float *ref = malloc(y_count * sizeof *ref);
    int64_t *rows = malloc(y_count * sizeof *rows), *cols = malloc(y_count * sizeof *cols);
    naive_pool(c, kind, planes, x, ref, rows, cols);
    assert_close(h->outputs[0].data, ref, y_count, 1e-5f);
    if (kind == 0) {
        assert_dims(&h->outputs[1], 4, y_dims);
        const int64_t *indices = h->outputs[1].data, *expect = storage_order ? cols : rows;
        for (size_t i = 0; i < y_count; i++)
            assert_int_equal(indices[i], expect[i]);
    }
    harness_free(h);
    free(x);
    free(ref);
    free(rows);
    free(cols);
}

static void test_pools_match_naive(void **state)
{
    (void)state;
    static const pool_case cases[] = {
        {{7, 9}, {3, 2}, {2, 3}, {1, 1}, {1, 0}, {1, 1}, false},
        {{8, 8}, {3, 3}, {2, 2}, {2, 1}, {0, 1}, {2, 0}, true},
        {{5, 5}, {2, 2}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true}, /* ceil drops a window in the pad */
        {{6, 10}, {1, 4}, {1, 3}, {1, 2}, {0, 2}, {0, 1}, false},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int kind = 0; kind < 4; kind++)
            check_pool(&cases[k], kind, 0);
    check_pool(&cases[0], 0, 1);
    check_pool(&cases[1], 0, 1);
}

static void test_pool_ceil_mode_shapes(void **state)
{
    (void)state;
    static const struct {
        int64_t in, kernel, stride, pad;
        int ceil;
        int64_t out;
    } cases[] = {{6, 3, 2, 0, 0, 2}, {6, 3, 2, 0, 1, 3}, {5, 2, 2, 1, 1, 3}, {5, 2, 2, 1, 0, 3}, {4, 2, 2, 0, 1, 2}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness *h = harness_new("MaxPool", 12, 1, 1);
        int64_t x_dims[3] = {1, 1, cases[k].in}, kernel[1] = {cases[k].kernel}, stride[1] = {cases[k].stride};
        int64_t pads[2] = {cases[k].pad, cases[k].pad};
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, x_dims, NULL);
        harness_attr_ints(h, "kernel_shape", kernel, 1);
        harness_attr_ints(h, "strides", stride, 1);
        harness_attr_ints(h, "pads", pads, 2);
        harness_attr_int(h, "ceil_mode", cases[k].ceil);
        assert_int_equal(harness_infer(h, false), DNNX_OK);
        if (h->outputs[0].dims[2] != cases[k].out)
            fail_msg("case %zu: %lld, expected %lld", k, (long long)h->outputs[0].dims[2], (long long)cases[k].out);
        harness_free(h);
    }
}

static void test_global_pools(void **state)
{
    (void)state;
    static const float x[2 * 2 * 3] = {1, -2, 3, 4, 5, -6, 0, 0, 2, -1, -1, -1};
    int64_t x_dims[4] = {2, 2, 1, 3}, y_dims[4] = {2, 2, 1, 1};
    const struct {
        const char *op;
        float expect[4];
    } cases[] = {{"GlobalAveragePool", {2.0f / 3, 1, 2.0f / 3, -1}},
                 {"GlobalMaxPool", {3, 5, 2, -1}},
                 {"GlobalLpPool", {sqrtf(14), sqrtf(77), 2, sqrtf(3)}}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness *h = harness_new(cases[k].op, 2, 1, 1);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, x);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 4, y_dims);
        assert_close(h->outputs[0].data, cases[k].expect, 4, 1e-6f);
        harness_free(h);
    }
}

static void test_pool_checks(void **state)
{
    (void)state;
    int64_t x_dims[4] = {1, 1, 5, 5}, kernel[2] = {2, 2}, kernel1[1] = {2};
    harness *h = harness_new("MaxPool", 12, 1, 2);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "attribute 'kernel_shape' is required");
    harness_attr_ints(h, "kernel_shape", kernel1, 1);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "attribute 'kernel_shape' has 1 values, expected 2");
    h->attrs[0].ints[0] = 2;
    h->attrs[0].ints[1] = 2;
    h->attrs[0].count = 2;
    harness_attr_int(h, "storage_order", 2);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "storage_order must be 0 or 1, not 2");
    harness_free(h);

    h = harness_new("AveragePool", 11, 1, 1);
    int64_t big[2] = {6, 6}, zero_stride[2] = {1, 0};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_attr_ints(h, "kernel_shape", big, 2);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL,
                 "kernel extent 6 is larger than the padded input size 5");
    h->attrs[0].ints[0] = h->attrs[0].ints[1] = 2;
    harness_attr_ints(h, "strides", zero_stride, 2);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "attribute 'strides' has 0 on spatial axis 1");
    harness_free(h);

    h = harness_new("LpPool", 18, 1, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_attr_ints(h, "kernel_shape", kernel, 2);
    harness_attr_int(h, "p", 0);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "p must be >= 1, not 0");
    harness_free(h);

    h = harness_new("MaxPool", 12, 1, 1);
    int64_t x2[2] = {1, 5};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, x2, NULL);
    harness_attr_ints(h, "kernel_shape", kernel, 2);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "X must have rank >= 3");
    harness_free(h);

    assert_int_equal(op_registry_find(ops_registry(), "", "MaxPool", 23)->since_version, 22);
    assert_int_equal(op_registry_find(ops_registry(), "", "AveragePool", 18)->since_version, 11);
    assert_int_equal(op_registry_find(ops_registry(), "", "Conv", 21)->since_version, 11);
    assert_int_equal(op_registry_find(ops_registry(), "", "LpPool", 20)->since_version, 18);
}

/* MaxUnpool scatters values back to MaxPool's indices; a bad index is a run-time error. */
static void test_max_unpool(void **state)
{
    (void)state;
    static const float x[4] = {5, 6, 7, 8};
    int64_t indices[4] = {5, 7, 13, 15};
    int64_t dims[4] = {1, 1, 2, 2}, kernel[2] = {2, 2}, strides[2] = {2, 2};
    harness *h = harness_new("MaxUnpool", 11, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims, x);
    harness_input(h, 1, DNNX_DTYPE_INT64, 4, dims, indices);
    harness_attr_ints(h, "kernel_shape", kernel, 2);
    harness_attr_ints(h, "strides", strides, 2);
    assert_int_equal(harness_run(h), DNNX_OK);
    int64_t y_dims[4] = {1, 1, 4, 4};
    assert_dims(&h->outputs[0], 4, y_dims);
    const float *y = h->outputs[0].data;
    assert_float_equal(y[5], 5, 0);
    assert_float_equal(y[15], 8, 0);
    assert_float_equal(y[0], 0, 0);
    tensor_clear(&h->outputs[0]);
    indices[2] = 16;
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "index 16 at position 2 is outside the 16 unpooled elements");
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_matches_naive),
        cmocka_unit_test(test_conv_transpose_matches_naive),
        cmocka_unit_test(test_conv_auto_pad),
        cmocka_unit_test(test_conv_transpose_output_shape),
        cmocka_unit_test(test_conv_attribute_checks),
        cmocka_unit_test(test_conv_symbolic_shapes),
        cmocka_unit_test(test_pools_match_naive),
        cmocka_unit_test(test_pool_ceil_mode_shapes),
        cmocka_unit_test(test_global_pools),
        cmocka_unit_test(test_pool_checks),
        cmocka_unit_test(test_max_unpool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of ops/misc.c: Resize and Upsample (modes, coordinate transforms, shapes at load
 * and run), Det, the losses, RoiAlign and NonMaxSuppression on hand-built op_ctx. */
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

#define MAX_IO 5
#define MAX_ATTRS 6

/* One node with its inputs, outputs and attributes, bound to the registry's schema. */
typedef struct harness {
    graph *g;
    graph_node node;
    graph_attr attrs[MAX_ATTRS];
    int64_t ints[MAX_ATTRS][DNNX_MAX_RANK];
    dnnx_tensor inputs[MAX_IO], outputs[MAX_IO];
    const dnnx_tensor *input_ptrs[MAX_IO];
    dnnx_tensor *output_ptrs[MAX_IO];
    op_ctx ctx;
} harness;

static harness *h_new(const char *op_type, int opset, int n_inputs, int n_outputs)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->g = graph_create();
    assert_non_null(h->g);
    h->node.name = "n";
    h->node.op_type = (char *)op_type;
    h->node.domain = "";
    h->node.attrs = h->attrs;
    h->node.opset = opset;
    h->node.schema = op_registry_find(ops_registry(), "", op_type, opset);
    assert_non_null(h->node.schema);
    for (int i = 0; i < n_outputs; i++)
        h->output_ptrs[i] = &h->outputs[i];
    h->ctx.node = &h->node;
    h->ctx.graph = h->g;
    h->ctx.opset = opset;
    h->ctx.n_inputs = n_inputs;
    h->ctx.inputs = h->input_ptrs;
    h->ctx.n_outputs = n_outputs;
    h->ctx.outputs = h->output_ptrs;
    return h;
}

static void h_free(harness *h)
{
    for (int i = 0; i < MAX_IO; i++)
        tensor_clear(&h->outputs[i]);
    graph_free(h->g);
    free(h);
}

static graph_attr *h_attr(harness *h, const char *name, graph_attr_type type)
{
    assert_true(h->node.n_attrs < MAX_ATTRS);
    graph_attr *a = &h->attrs[h->node.n_attrs++];
    a->name = (char *)name;
    a->type = type;
    return a;
}

static void h_int(harness *h, const char *name, int64_t value) { h_attr(h, name, ATTR_INT)->i = value; }

static void h_string(harness *h, const char *name, const char *value)
{
    graph_attr *a = h_attr(h, name, ATTR_STRING);
    a->s = (char *)value;
    a->s_len = strlen(value);
}

/* Input i over caller memory (data may be NULL: shape only). */
static void h_input(harness *h, int i, dnnx_dtype dtype, int rank, const int64_t *dims, const void *data)
{
    tensor_init_shape(&h->inputs[i], dtype, rank, dims);
    h->inputs[i].data = (void *)data;
    h->input_ptrs[i] = &h->inputs[i];
}

static dnnx_status h_infer(harness *h, bool concrete)
{
    h->ctx.concrete = concrete;
    h->ctx.status = DNNX_OK;
    return h->node.schema->infer(&h->ctx);
}

/* Run-time inference, output allocation and the reference kernel. */
static dnnx_status h_run(harness *h)
{
    dnnx_status status = h_infer(h, true);
    if (status)
        return status;
    for (int i = 0; i < h->ctx.n_outputs; i++)
        if (h->output_ptrs[i])
            assert_int_equal(tensor_alloc_data(&h->outputs[i]), DNNX_OK);
    return h->node.schema->run(&h->ctx);
}

static void assert_dims(const dnnx_tensor *t, int rank, const int64_t *dims)
{
    assert_int_equal(t->rank, rank);
    for (int d = 0; d < rank; d++)
        assert_int_equal(t->dims[d], dims[d]);
}

static void assert_floats(const dnnx_tensor *t, const float *expected, size_t n)
{
    assert_int_equal(tensor_count(t), n);
    for (size_t i = 0; i < n; i++)
        assert_float_equal(((const float *)t->data)[i], expected[i], 1e-6);
}

static void assert_int64s(const dnnx_tensor *t, const int64_t *expected, size_t n)
{
    assert_int_equal(tensor_count(t), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(((const int64_t *)t->data)[i], expected[i]);
}

static void assert_error(dnnx_status status, dnnx_status expected, const char *fragment)
{
    assert_int_equal(status, expected);
    if (!strstr(dnnx_last_error(), fragment))
        fail_msg("message '%s' lacks '%s'", dnnx_last_error(), fragment);
}

static void h_ints(harness *h, const char *name, const int64_t *values, size_t count)
{
    int slot = h->node.n_attrs;
    graph_attr *a = h_attr(h, name, ATTR_INTS);
    memcpy(h->ints[slot], values, count * sizeof *values);
    a->ints = h->ints[slot];
    a->count = count;
}

static void h_floats(harness *h, const char *name, float *values, size_t count)
{
    graph_attr *a = h_attr(h, name, ATTR_FLOATS);
    a->floats = values;
    a->count = count;
}

static void assert_floats_near(const dnnx_tensor *t, const float *expected, size_t n, double tolerance)
{
    assert_int_equal(tensor_count(t), n);
    for (size_t i = 0; i < n; i++)
        assert_float_equal(((const float *)t->data)[i], expected[i], tolerance);
}

static const float image_2x2[] = {1, 2, 3, 4};
static const int64_t dims_2x2[] = {1, 1, 2, 2};
static const float image_4x4[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const int64_t dims_4x4[] = {1, 1, 4, 4};

/* Resize-13 of X with scales (input 2) or sizes (input 3). */
static harness *resize_new(int opset, const float *x, const int64_t *x_dims, const float *scales, const int64_t *sizes,
                           int n)
{
    harness *h = h_new("Resize", opset, 4, 1);
    static const int64_t empty[] = {0};
    int64_t count[] = {n};
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, x);
    h_input(h, 1, DNNX_DTYPE_FLOAT, 1, empty, image_2x2);
    if (scales)
        h_input(h, 2, DNNX_DTYPE_FLOAT, 1, count, scales);
    if (sizes)
        h_input(h, 3, DNNX_DTYPE_INT64, 1, count, sizes);
    return h;
}

static void test_resize_nearest_and_linear(void **state)
{
    const float scales[] = {1, 1, 2, 3};
    harness *h = resize_new(13, image_2x2, dims_2x2, scales, NULL, 4);
    assert_int_equal(h_run(h), DNNX_OK);
    const int64_t out_dims[] = {1, 1, 4, 6};
    assert_dims(&h->outputs[0], 4, out_dims);
    const float nearest[] = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
    assert_floats(&h->outputs[0], nearest, 24);
    h_free(h);

    const float double_scale[] = {1, 1, 2, 2};
    h = resize_new(13, image_2x2, dims_2x2, double_scale, NULL, 4);
    h_string(h, "mode", "linear");
    assert_int_equal(h_run(h), DNNX_OK);
    const float linear[] = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
    assert_floats(&h->outputs[0], linear, 16);
    h_free(h);

    /* align_corners measures the resized length before flooring (2.4 here), as ONNX's reference does. */
    const float x[] = {1, 2, 3, 4, 5, 6, 7, 8}, down[] = {1, 1, 0.6f, 0.6f};
    const int64_t x_dims[] = {1, 1, 2, 4};
    h = resize_new(13, x, x_dims, down, NULL, 4);
    h_string(h, "mode", "linear");
    h_string(h, "coordinate_transformation_mode", "align_corners");
    assert_int_equal(h_run(h), DNNX_OK);
    const float aligned[] = {1, 3.142857f};
    assert_floats_near(&h->outputs[0], aligned, 2, 1e-5);
    h_free(h);
}

static void test_resize_cubic(void **state)
{
    const float scales[] = {1, 1, 0.8f, 0.8f};
    harness *h = resize_new(13, image_4x4, dims_4x4, scales, NULL, 4);
    h_string(h, "mode", "cubic");
    assert_int_equal(h_run(h), DNNX_OK);
    const float expected[] = {1.4711914f, 2.78125f,   4.0825195f,  6.711426f, 8.021484f,
                              9.322754f,  11.916504f, 13.2265625f, 14.527832f};
    assert_floats_near(&h->outputs[0], expected, 9, 1e-4);
    h_free(h);
}

static void test_resize_nearest_modes(void **state)
{
    /* 1-D view: 4 -> 8 with asymmetric coordinates x/2: 0, .5, 1, 1.5, ... */
    const float x[] = {10, 20, 30, 40};
    const int64_t x_dims[] = {1, 1, 1, 4}, sizes[] = {1, 1, 1, 8};
    const char *modes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    const float expected[4][8] = {
        {10, 10, 20, 20, 30, 30, 40, 40},
        {10, 20, 20, 30, 30, 40, 40, 40},
        {10, 10, 20, 20, 30, 30, 40, 40},
        {10, 20, 20, 30, 30, 40, 40, 40},
    };
    for (int m = 0; m < 4; m++) {
        harness *h = resize_new(13, x, x_dims, NULL, sizes, 4);
        h_string(h, "coordinate_transformation_mode", "asymmetric");
        h_string(h, "nearest_mode", modes[m]);
        assert_int_equal(h_run(h), DNNX_OK);
        assert_floats(&h->outputs[0], expected[m], 8);
        h_free(h);
    }
}

static void test_resize_shapes_at_load(void **state)
{
    const int64_t four[] = {4}, sym_dims[] = {-2, 3, 8, 8};
    harness *h = h_new("Resize", 13, 4, 1);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, sym_dims, NULL);
    h_input(h, 3, DNNX_DTYPE_INT64, 1, four, NULL);
    assert_int_equal(h_infer(h, false), DNNX_OK);
    const int64_t unknown[] = {DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN};
    assert_dims(&h->outputs[0], 4, unknown);
    const int64_t sizes[] = {1, 3, 16, 4};
    h->inputs[3].data = (void *)sizes;
    assert_int_equal(h_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 4, sizes);
    h_free(h);

    /* Resize-18 with axes and keep_aspect_ratio_policy: only the listed axes change. */
    const int64_t two[] = {2}, axes[] = {3, 2}, x_dims[] = {2, 3, 10, 20}, target[] = {10, 10};
    h = h_new("Resize", 18, 4, 1);
    h_ints(h, "axes", axes, 2);
    h_string(h, "keep_aspect_ratio_policy", "not_larger");
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    h_input(h, 3, DNNX_DTYPE_INT64, 1, two, target);
    assert_int_equal(h_infer(h, false), DNNX_OK);
    const int64_t kept[] = {2, 3, 5, 10};
    assert_dims(&h->outputs[0], 4, kept);
    h_free(h);

    h = h_new("Resize", 13, 4, 1);
    const float scales[] = {1, 1, 2, 2};
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    h_input(h, 2, DNNX_DTYPE_FLOAT, 1, four, scales);
    h_input(h, 3, DNNX_DTYPE_INT64, 1, four, sizes);
    assert_error(h_infer(h, false), DNNX_ERR_INVALID_MODEL, "exactly one of scales and sizes");
    h_free(h);
}

static void test_resize_tf_crop_and_resize(void **state)
{
    const float roi[] = {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f};
    const int64_t eight[] = {8}, four[] = {4}, sizes[] = {1, 1, 3, 3};
    harness *h = h_new("Resize", 13, 4, 1);
    h_string(h, "mode", "linear");
    h_string(h, "coordinate_transformation_mode", "tf_crop_and_resize");
    h_attr(h, "extrapolation_value", ATTR_FLOAT)->f = 10.0f;
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims_4x4, image_4x4);
    h_input(h, 1, DNNX_DTYPE_FLOAT, 1, eight, roi);
    h_input(h, 3, DNNX_DTYPE_INT64, 1, four, sizes);
    assert_int_equal(h_run(h), DNNX_OK);
    const float expected[] = {7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10};
    assert_floats_near(&h->outputs[0], expected, 9, 1e-4);
    h_free(h);
}

static void test_resize_antialias(void **state)
{
    /* Linear, half_pixel, 4 -> 2 with antialias: the filter is twice as wide, edges replicate. */
    const float x[] = {1, 2, 3, 4};
    const int64_t x_dims[] = {1, 1, 1, 4}, sizes[] = {1, 1, 1, 2};
    harness *h = resize_new(18, x, x_dims, NULL, sizes, 4);
    h_string(h, "mode", "linear");
    h_int(h, "antialias", 1);
    assert_int_equal(h_run(h), DNNX_OK);
    const float expected[] = {1.625f, 3.375f};
    assert_floats_near(&h->outputs[0], expected, 2, 1e-6);
    h_free(h);
    h = resize_new(18, x, x_dims, NULL, sizes, 4);
    h_string(h, "mode", "linear");
    assert_int_equal(h_run(h), DNNX_OK);
    const float plain[] = {1.5f, 3.5f};
    assert_floats_near(&h->outputs[0], plain, 2, 1e-6);
    h_free(h);
}

static void test_upsample(void **state)
{
    const float scales[] = {1, 1, 2, 3};
    const int64_t four[] = {4};
    harness *h = h_new("Upsample", 9, 2, 1);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims_2x2, image_2x2);
    h_input(h, 1, DNNX_DTYPE_FLOAT, 1, four, scales);
    assert_int_equal(h_run(h), DNNX_OK);
    const float expected[] = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
    assert_floats(&h->outputs[0], expected, 24);
    h_free(h);

    float attr_scales[] = {1, 1, 2, 2};
    const uint8_t bytes[] = {0, 100, 200, 250};
    h = h_new("Upsample", 7, 1, 1);
    h_string(h, "mode", "linear");
    h_floats(h, "scales", attr_scales, 4);
    h_input(h, 0, DNNX_DTYPE_UINT8, 4, dims_2x2, bytes);
    assert_int_equal(h_run(h), DNNX_OK);
    const uint8_t *out = h->outputs[0].data;
    const uint8_t linear[] = {0, 50, 100, 100, 100, 138, 175, 175, 200, 225, 250, 250, 200, 225, 250, 250};
    for (int i = 0; i < 16; i++)
        assert_int_equal(out[i], linear[i]);
    h_free(h);
}

static void test_det(void **state)
{
    const float m[] = {1, 2, 3, 4, 0, 2, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 2, 5, 0, 1};
    const int64_t dims[] = {5, 2, 2};
    harness *h = h_new("Det", 11, 1, 1);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims, m);
    assert_int_equal(h_run(h), DNNX_OK);
    const float expected[] = {-2, -2, 0, 0, 2};
    assert_floats_near(&h->outputs[0], expected, 5, 1e-6);
    h_free(h);

    const double m3[] = {0, 2, 1, 1, 1, 1, 2, 0, 3};
    const int64_t dims3[] = {3, 3};
    h = h_new("Det", 22, 1, 1);
    h_input(h, 0, DNNX_DTYPE_DOUBLE, 2, dims3, m3);
    assert_int_equal(h_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 0);
    assert_float_equal(((double *)h->outputs[0].data)[0], -4.0, 1e-12);
    h_free(h);
}

/* scores [2, 3] as log-probabilities, targets [2]. */
static harness *loss_new(const char *op, const char *reduction, const int64_t *target, const float *weight)
{
    static const float scores[] = {-1, -2, -3, -4, -5, -6};
    static const int64_t dims[] = {2, 3}, tdims[] = {2}, wdims[] = {3};
    harness *h = h_new(op, 13, weight ? 3 : 2, 2);
    h_string(h, "reduction", reduction);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, scores);
    h_input(h, 1, DNNX_DTYPE_INT64, 1, tdims, target);
    if (weight)
        h_input(h, 2, DNNX_DTYPE_FLOAT, 1, wdims, weight);
    if (strcmp(op, "NegativeLogLikelihoodLoss") == 0)
        h->ctx.n_outputs = 1;
    return h;
}

static void test_nll_loss(void **state)
{
    const int64_t target[] = {2, 0}, ignored[] = {2, -1}, bad[] = {3, 0};
    const float weight[] = {0.5f, 1, 2};
    harness *h = loss_new("NegativeLogLikelihoodLoss", "none", target, NULL);
    assert_int_equal(h_run(h), DNNX_OK);
    const float none[] = {3, 4};
    assert_floats(&h->outputs[0], none, 2);
    h_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "mean", target, weight);
    assert_int_equal(h_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 0);
    assert_float_equal(((float *)h->outputs[0].data)[0], (3 * 2 + 4 * 0.5) / 2.5, 1e-6);
    h_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "mean", ignored, NULL);
    h_int(h, "ignore_index", -1);
    assert_int_equal(h_run(h), DNNX_OK);
    assert_float_equal(((float *)h->outputs[0].data)[0], 3.0, 1e-6);
    h_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "sum", bad, NULL);
    assert_error(h_run(h), DNNX_ERR_RUNTIME, "target 3 is out of range [0, 3)");
    h_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "average", target, NULL);
    assert_error(h_infer(h, false), DNNX_ERR_INVALID_MODEL, "reduction 'average'");
    h_free(h);
}

static void test_softmax_cross_entropy(void **state)
{
    const int64_t target[] = {0, 1};
    harness *h = loss_new("SoftmaxCrossEntropyLoss", "sum", target, NULL);
    assert_int_equal(h_run(h), DNNX_OK);
    double lse0 = log(exp(-1.0) + exp(-2.0) + exp(-3.0)), lse1 = log(exp(-4.0) + exp(-5.0) + exp(-6.0));
    double loss = (lse0 + 1.0) + (lse1 + 5.0);
    assert_float_equal(((float *)h->outputs[0].data)[0], loss, 1e-5);
    const float log_prob[] = {(float)(-1 - lse0), (float)(-2 - lse0), (float)(-3 - lse0),
                              (float)(-4 - lse1), (float)(-5 - lse1), (float)(-6 - lse1)};
    assert_floats_near(&h->outputs[1], log_prob, 6, 1e-5);
    h_free(h);
}

static void test_roi_align(void **state)
{
    /* A constant plane averages to the constant wherever the ROI lies inside it. */
    float plane[36];
    for (int i = 0; i < 36; i++)
        plane[i] = 2.5f;
    const float rois[] = {0, 0, 4, 4, 1, 1, 3, 5};
    const int64_t dims[] = {1, 1, 6, 6}, rdims[] = {2, 4}, bdims[] = {2}, batch[] = {0, 0}, bad_batch[] = {0, 1};
    harness *h = h_new("RoiAlign", 16, 3, 1);
    h_int(h, "output_height", 2);
    h_int(h, "output_width", 3);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims, plane);
    h_input(h, 1, DNNX_DTYPE_FLOAT, 2, rdims, rois);
    h_input(h, 2, DNNX_DTYPE_INT64, 1, bdims, batch);
    assert_int_equal(h_run(h), DNNX_OK);
    const int64_t out_dims[] = {2, 1, 2, 3};
    assert_dims(&h->outputs[0], 4, out_dims);
    for (int i = 0; i < 12; i++)
        assert_float_equal(((float *)h->outputs[0].data)[i], 2.5, 1e-6);
    h_free(h);

    h = h_new("RoiAlign", 16, 3, 1);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims, plane);
    h_input(h, 1, DNNX_DTYPE_FLOAT, 2, rdims, rois);
    h_input(h, 2, DNNX_DTYPE_INT64, 1, bdims, bad_batch);
    assert_error(h_run(h), DNNX_ERR_RUNTIME, "batch index 1 of roi 1 is out of range [0, 1)");
    h_free(h);
}

static void test_non_max_suppression(void **state)
{
    const float boxes[] = {0, 0,  1, 1,  0, 0.1f,  1, 1.1f,  0, -0.1f, 1, 0.9f,
                           0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100,   1, 101};
    const float scores[] = {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}, iou = 0.5f, score_threshold = 0.0f;
    const int64_t bdims[] = {1, 6, 4}, sdims[] = {1, 1, 6}, one[] = {1}, max_boxes = 3;
    harness *h = h_new("NonMaxSuppression", 11, 5, 1);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 3, bdims, boxes);
    h_input(h, 1, DNNX_DTYPE_FLOAT, 3, sdims, scores);
    h_input(h, 2, DNNX_DTYPE_INT64, 1, one, &max_boxes);
    h_input(h, 3, DNNX_DTYPE_FLOAT, 1, one, &iou);
    h_input(h, 4, DNNX_DTYPE_FLOAT, 1, one, &score_threshold);
    assert_int_equal(h_run(h), DNNX_OK);
    const int64_t expected[] = {0, 0, 3, 0, 0, 0, 0, 0, 5};
    assert_int64s(&h->outputs[0], expected, 9);
    h_free(h);

    h = h_new("NonMaxSuppression", 11, 5, 1);
    h_input(h, 0, DNNX_DTYPE_FLOAT, 3, bdims, boxes);
    h_input(h, 1, DNNX_DTYPE_FLOAT, 3, sdims, NULL);
    assert_int_equal(h_infer(h, false), DNNX_OK);
    const int64_t unknown[] = {DIM_UNKNOWN, 3};
    assert_dims(&h->outputs[0], 2, unknown);
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resize_nearest_and_linear),
        cmocka_unit_test(test_resize_cubic),
        cmocka_unit_test(test_resize_nearest_modes),
        cmocka_unit_test(test_resize_shapes_at_load),
        cmocka_unit_test(test_resize_tf_crop_and_resize),
        cmocka_unit_test(test_resize_antialias),
        cmocka_unit_test(test_upsample),
        cmocka_unit_test(test_det),
        cmocka_unit_test(test_nll_loss),
        cmocka_unit_test(test_softmax_cross_entropy),
        cmocka_unit_test(test_roi_align),
        cmocka_unit_test(test_non_max_suppression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

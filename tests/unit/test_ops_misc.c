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
#include "support/op_harness.h"

static const float image_2x2[] = {1, 2, 3, 4};
static const int64_t dims_2x2[] = {1, 1, 2, 2};
static const float image_4x4[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const int64_t dims_4x4[] = {1, 1, 4, 4};

/* Resize-13 of X with scales (input 2) or sizes (input 3). */
static harness *resize_new(int opset, const float *x, const int64_t *x_dims, const float *scales, const int64_t *sizes,
                           int n)
{
    harness *h = harness_new("Resize", opset, 4, 1);
    static const int64_t empty[] = {0};
    int64_t count[] = {n};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, empty, image_2x2);
    if (scales)
        harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, count, scales);
    if (sizes)
        harness_input(h, 3, DNNX_DTYPE_INT64, 1, count, sizes);
    return h;
}

static void test_resize_nearest_and_linear(void **state)
{
    const float scales[] = {1, 1, 2, 3};
    harness *h = resize_new(13, image_2x2, dims_2x2, scales, NULL, 4);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t out_dims[] = {1, 1, 4, 6};
    assert_dims(&h->outputs[0], 4, out_dims);
    const float nearest[] = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
    assert_tensor_floats(&h->outputs[0], nearest, 24, 1e-6);
    harness_free(h);

    const float double_scale[] = {1, 1, 2, 2};
    h = resize_new(13, image_2x2, dims_2x2, double_scale, NULL, 4);
    harness_attr_string(h, "mode", "linear");
    assert_int_equal(harness_run(h), DNNX_OK);
    const float linear[] = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
    assert_tensor_floats(&h->outputs[0], linear, 16, 1e-6);
    harness_free(h);

    /* align_corners measures the resized length before flooring (2.4 here), as ONNX's reference does. */
    const float x[] = {1, 2, 3, 4, 5, 6, 7, 8}, down[] = {1, 1, 0.6f, 0.6f};
    const int64_t x_dims[] = {1, 1, 2, 4};
    h = resize_new(13, x, x_dims, down, NULL, 4);
    harness_attr_string(h, "mode", "linear");
    harness_attr_string(h, "coordinate_transformation_mode", "align_corners");
    assert_int_equal(harness_run(h), DNNX_OK);
    const float aligned[] = {1, 3.142857f};
    assert_tensor_floats(&h->outputs[0], aligned, 2, 1e-5);
    harness_free(h);
}

static void test_resize_cubic(void **state)
{
    const float scales[] = {1, 1, 0.8f, 0.8f};
    harness *h = resize_new(13, image_4x4, dims_4x4, scales, NULL, 4);
    harness_attr_string(h, "mode", "cubic");
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {1.4711914f, 2.78125f,   4.0825195f,  6.711426f, 8.021484f,
                              9.322754f,  11.916504f, 13.2265625f, 14.527832f};
    assert_tensor_floats(&h->outputs[0], expected, 9, 1e-4);
    harness_free(h);
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
        harness_attr_string(h, "coordinate_transformation_mode", "asymmetric");
        harness_attr_string(h, "nearest_mode", modes[m]);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_tensor_floats(&h->outputs[0], expected[m], 8, 1e-6);
        harness_free(h);
    }
}

static void test_resize_shapes_at_load(void **state)
{
    const int64_t four[] = {4}, sym_dims[] = {-2, 3, 8, 8};
    harness *h = harness_new("Resize", 13, 4, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, sym_dims, NULL);
    harness_input(h, 3, DNNX_DTYPE_INT64, 1, four, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    const int64_t unknown[] = {DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN};
    assert_dims(&h->outputs[0], 4, unknown);
    const int64_t sizes[] = {1, 3, 16, 4};
    h->inputs[3].data = (void *)sizes;
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 4, sizes);
    harness_free(h);

    /* Resize-18 with axes and keep_aspect_ratio_policy: only the listed axes change. */
    const int64_t two[] = {2}, axes[] = {3, 2}, x_dims[] = {2, 3, 10, 20}, target[] = {10, 10};
    h = harness_new("Resize", 18, 4, 1);
    harness_attr_ints(h, "axes", axes, 2);
    harness_attr_string(h, "keep_aspect_ratio_policy", "not_larger");
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_input(h, 3, DNNX_DTYPE_INT64, 1, two, target);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    const int64_t kept[] = {2, 3, 5, 10};
    assert_dims(&h->outputs[0], 4, kept);
    harness_free(h);

    h = harness_new("Resize", 13, 4, 1);
    const float scales[] = {1, 1, 2, 2};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, x_dims, NULL);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, four, scales);
    harness_input(h, 3, DNNX_DTYPE_INT64, 1, four, sizes);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "exactly one of scales and sizes");
    harness_free(h);
}

static void test_resize_tf_crop_and_resize(void **state)
{
    const float roi[] = {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f};
    const int64_t eight[] = {8}, four[] = {4}, sizes[] = {1, 1, 3, 3};
    harness *h = harness_new("Resize", 13, 4, 1);
    harness_attr_string(h, "mode", "linear");
    harness_attr_string(h, "coordinate_transformation_mode", "tf_crop_and_resize");
    harness_attr(h, "extrapolation_value", ATTR_FLOAT)->f = 10.0f;
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims_4x4, image_4x4);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, eight, roi);
    harness_input(h, 3, DNNX_DTYPE_INT64, 1, four, sizes);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10};
    assert_tensor_floats(&h->outputs[0], expected, 9, 1e-4);
    harness_free(h);
}

static void test_resize_antialias(void **state)
{
    /* Linear, half_pixel, 4 -> 2 with antialias: the filter is twice as wide, edges replicate. */
    const float x[] = {1, 2, 3, 4};
    const int64_t x_dims[] = {1, 1, 1, 4}, sizes[] = {1, 1, 1, 2};
    harness *h = resize_new(18, x, x_dims, NULL, sizes, 4);
    harness_attr_string(h, "mode", "linear");
    harness_attr_int(h, "antialias", 1);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {1.625f, 3.375f};
    assert_tensor_floats(&h->outputs[0], expected, 2, 1e-6);
    harness_free(h);
    h = resize_new(18, x, x_dims, NULL, sizes, 4);
    harness_attr_string(h, "mode", "linear");
    assert_int_equal(harness_run(h), DNNX_OK);
    const float plain[] = {1.5f, 3.5f};
    assert_tensor_floats(&h->outputs[0], plain, 2, 1e-6);
    harness_free(h);
}

static void test_upsample(void **state)
{
    const float scales[] = {1, 1, 2, 3};
    const int64_t four[] = {4};
    harness *h = harness_new("Upsample", 9, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims_2x2, image_2x2);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, four, scales);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
    assert_tensor_floats(&h->outputs[0], expected, 24, 1e-6);
    harness_free(h);

    float attr_scales[] = {1, 1, 2, 2};
    const uint8_t bytes[] = {0, 100, 200, 250};
    h = harness_new("Upsample", 7, 1, 1);
    harness_attr_string(h, "mode", "linear");
    harness_attr_floats(h, "scales", attr_scales, 4);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 4, dims_2x2, bytes);
    assert_int_equal(harness_run(h), DNNX_OK);
    const uint8_t *out = h->outputs[0].data;
    const uint8_t linear[] = {0, 50, 100, 100, 100, 138, 175, 175, 200, 225, 250, 250, 200, 225, 250, 250};
    for (int i = 0; i < 16; i++)
        assert_int_equal(out[i], linear[i]);
    harness_free(h);
}

static void test_det(void **state)
{
    const float m[] = {1, 2, 3, 4, 0, 2, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 2, 5, 0, 1};
    const int64_t dims[] = {5, 2, 2};
    harness *h = harness_new("Det", 11, 1, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims, m);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float expected[] = {-2, -2, 0, 0, 2};
    assert_tensor_floats(&h->outputs[0], expected, 5, 1e-6);
    harness_free(h);

    const double m3[] = {0, 2, 1, 1, 1, 1, 2, 0, 3};
    const int64_t dims3[] = {3, 3};
    h = harness_new("Det", 22, 1, 1);
    harness_input(h, 0, DNNX_DTYPE_DOUBLE, 2, dims3, m3);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 0);
    assert_float_equal(((double *)h->outputs[0].data)[0], -4.0, 1e-12);
    harness_free(h);
}

/* scores [2, 3] as log-probabilities, targets [2]. */
static harness *loss_new(const char *op, const char *reduction, const int64_t *target, const float *weight)
{
    static const float scores[] = {-1, -2, -3, -4, -5, -6};
    static const int64_t dims[] = {2, 3}, tdims[] = {2}, wdims[] = {3};
    harness *h = harness_new(op, 13, weight ? 3 : 2, 2);
    harness_attr_string(h, "reduction", reduction);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, scores);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, tdims, target);
    if (weight)
        harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, wdims, weight);
    if (strcmp(op, "NegativeLogLikelihoodLoss") == 0)
        h->ctx.n_outputs = 1;
    return h;
}

static void test_nll_loss(void **state)
{
    const int64_t target[] = {2, 0}, ignored[] = {2, -1}, bad[] = {3, 0};
    const float weight[] = {0.5f, 1, 2};
    harness *h = loss_new("NegativeLogLikelihoodLoss", "none", target, NULL);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float none[] = {3, 4};
    assert_tensor_floats(&h->outputs[0], none, 2, 1e-6);
    harness_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "mean", target, weight);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 0);
    assert_float_equal(((float *)h->outputs[0].data)[0], (3 * 2 + 4 * 0.5) / 2.5, 1e-6);
    harness_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "mean", ignored, NULL);
    harness_attr_int(h, "ignore_index", -1);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_float_equal(((float *)h->outputs[0].data)[0], 3.0, 1e-6);
    harness_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "sum", bad, NULL);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "target 3 is out of range [0, 3)");
    harness_free(h);

    h = loss_new("NegativeLogLikelihoodLoss", "average", target, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "reduction 'average'");
    harness_free(h);
}

static void test_softmax_cross_entropy(void **state)
{
    const int64_t target[] = {0, 1};
    harness *h = loss_new("SoftmaxCrossEntropyLoss", "sum", target, NULL);
    assert_int_equal(harness_run(h), DNNX_OK);
    double lse0 = log(exp(-1.0) + exp(-2.0) + exp(-3.0)), lse1 = log(exp(-4.0) + exp(-5.0) + exp(-6.0));
    double loss = (lse0 + 1.0) + (lse1 + 5.0);
    assert_float_equal(((float *)h->outputs[0].data)[0], loss, 1e-5);
    const float log_prob[] = {(float)(-1 - lse0), (float)(-2 - lse0), (float)(-3 - lse0),
                              (float)(-4 - lse1), (float)(-5 - lse1), (float)(-6 - lse1)};
    assert_tensor_floats(&h->outputs[1], log_prob, 6, 1e-5);
    harness_free(h);
}

static void test_roi_align(void **state)
{
    /* A constant plane averages to the constant wherever the ROI lies inside it. */
    float plane[36];
    for (int i = 0; i < 36; i++)
        plane[i] = 2.5f;
    const float rois[] = {0, 0, 4, 4, 1, 1, 3, 5};
    const int64_t dims[] = {1, 1, 6, 6}, rdims[] = {2, 4}, bdims[] = {2}, batch[] = {0, 0}, bad_batch[] = {0, 1};
    harness *h = harness_new("RoiAlign", 16, 3, 1);
    harness_attr_int(h, "output_height", 2);
    harness_attr_int(h, "output_width", 3);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims, plane);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, rdims, rois);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, bdims, batch);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t out_dims[] = {2, 1, 2, 3};
    assert_dims(&h->outputs[0], 4, out_dims);
    for (int i = 0; i < 12; i++)
        assert_float_equal(((float *)h->outputs[0].data)[i], 2.5, 1e-6);
    harness_free(h);

    h = harness_new("RoiAlign", 16, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, dims, plane);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, rdims, rois);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, bdims, bad_batch);
    assert_error(harness_run(h), DNNX_ERR_RUNTIME, "batch index 1 of roi 1 is out of range [0, 1)");
    harness_free(h);
}

static void test_non_max_suppression(void **state)
{
    const float boxes[] = {0, 0,  1, 1,  0, 0.1f,  1, 1.1f,  0, -0.1f, 1, 0.9f,
                           0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100,   1, 101};
    const float scores[] = {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}, iou = 0.5f, score_threshold = 0.0f;
    const int64_t bdims[] = {1, 6, 4}, sdims[] = {1, 1, 6}, one[] = {1}, max_boxes = 3;
    harness *h = harness_new("NonMaxSuppression", 11, 5, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, bdims, boxes);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, sdims, scores);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, one, &max_boxes);
    harness_input(h, 3, DNNX_DTYPE_FLOAT, 1, one, &iou);
    harness_input(h, 4, DNNX_DTYPE_FLOAT, 1, one, &score_threshold);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t expected[] = {0, 0, 3, 0, 0, 0, 0, 0, 5};
    assert_tensor_int64s(&h->outputs[0], expected, 9);
    harness_free(h);

    h = harness_new("NonMaxSuppression", 11, 5, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, bdims, boxes);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, sdims, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    const int64_t unknown[] = {DIM_UNKNOWN, 3};
    assert_dims(&h->outputs[0], 2, unknown);
    harness_free(h);
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

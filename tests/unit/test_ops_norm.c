/* Unit tests of ops/norm.c and ops/softmax.c: LayerNormalization over several trailing axes
 * with its statistics outputs, RMSNormalization, Batch/Instance/Group normalization (the
 * opset 18 and 21 meanings of GroupNormalization), Lp and mean-variance normalization, and
 * Softmax / LogSoftmax / Hardmax in both axis conventions. Each test binds a hand-built node
 * to its registry schema and runs infer + run, comparing with values computed here. */
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
        data_234[i] = (float)((i * 7) % 11) - 4.0f + 0.1f * (float)i;
    return 0;
}

/* Mean and 1/sqrt(var + eps) of n floats, in double. */
static void stats(const float *x, size_t n, double eps, double *mean, double *inv_std)
{
    double sum = 0, squares = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    *mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        squares += (x[i] - *mean) * (x[i] - *mean);
    *inv_std = 1.0 / sqrt(squares / (double)n + eps);
}

static void test_layer_norm_over_two_trailing_axes(void **state)
{
    (void)state;
    float scale[12], bias[12];
    for (int i = 0; i < 12; i++) {
        scale[i] = 0.5f + 0.1f * (float)i;
        bias[i] = (float)i - 6.0f;
    }
    harness *h = harness_new("LayerNormalization", 17, 3, 3);
    harness_attr_int(h, "axis", -2);
    harness_attr_float(h, "epsilon", 1e-3f);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){3, 4}, scale);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){3, 4}, bias);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 3, dims_234);
    assert_dims(&h->outputs[1], 3, (const int64_t[]){2, 1, 1});
    assert_dims(&h->outputs[2], 3, (const int64_t[]){2, 1, 1});
    assert_int_equal(h->outputs[1].dtype, DNNX_DTYPE_FLOAT);
    const float *y = h->outputs[0].data, *mean = h->outputs[1].data, *inv = h->outputs[2].data;
    for (int r = 0; r < 2; r++) {
        double m, is;
        stats(data_234 + r * 12, 12, 1e-3, &m, &is);
        assert_float_equal(mean[r], m, 1e-5);
        assert_float_equal(inv[r], is, 1e-5);
        for (int i = 0; i < 12; i++)
            assert_float_equal(y[r * 12 + i], (data_234[r * 12 + i] - m) * is * scale[i] + bias[i], 1e-4);
    }
    harness_free(h);
}

static void test_layer_norm_broadcast_scale_and_no_bias(void **state)
{
    (void)state;
    static const float scale[] = {2.0f};
    harness *h = harness_new("LayerNormalization", 17, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){1}, scale);
    harness_omit_input(h, 2);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float *y = h->outputs[0].data;
    for (int r = 0; r < 6; r++) {
        double m, is;
        stats(data_234 + r * 4, 4, 1e-5, &m, &is);
        for (int i = 0; i < 4; i++)
            assert_float_equal(y[r * 4 + i], 2.0 * (data_234[r * 4 + i] - m) * is, 1e-4);
    }
    harness_free(h);

    static const float wrong[] = {1, 2, 3};
    harness *bad = harness_new("LayerNormalization", 17, 2, 1);
    harness_input(bad, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(bad, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, wrong);
    assert_int_equal(harness_infer(bad, false), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "scale of shape [3] does not broadcast"));
    harness_free(bad);

    harness *axis = harness_new("LayerNormalization", 17, 2, 1);
    harness_attr_int(axis, "axis", 3);
    harness_input(axis, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(axis, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){1}, scale);
    assert_int_equal(harness_infer(axis, false), DNNX_ERR_INVALID_MODEL);
    harness_free(axis);
}

static void test_rms_norm(void **state)
{
    (void)state;
    static const float scale[] = {1, 2, 3, 4};
    harness *h = harness_new("RMSNormalization", 23, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, scale);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float *y = h->outputs[0].data;
    for (int r = 0; r < 6; r++) {
        double squares = 0;
        for (int i = 0; i < 4; i++)
            squares += (double)data_234[r * 4 + i] * data_234[r * 4 + i];
        double inv = 1.0 / sqrt(squares / 4 + 1e-5);
        for (int i = 0; i < 4; i++)
            assert_float_equal(y[r * 4 + i], data_234[r * 4 + i] * inv * scale[i], 1e-4);
    }
    harness_free(h);
}

static void test_batch_norm_inference_and_training(void **state)
{
    (void)state;
    static const float scale[] = {1, 2, 0.5f}, bias[] = {0, 1, -1}, mean[] = {0.5f, -1, 2}, var[] = {1, 4, 0.25f};
    static const int64_t c_dims[] = {3};
    harness *h = harness_new("BatchNormalization", 15, 5, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, c_dims, scale);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    harness_input(h, 3, DNNX_DTYPE_FLOAT, 1, c_dims, mean);
    harness_input(h, 4, DNNX_DTYPE_FLOAT, 1, c_dims, var);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float *y = h->outputs[0].data;
    for (int i = 0; i < 24; i++) {
        int c = (i / 4) % 3;
        assert_float_equal(y[i], scale[c] * (data_234[i] - mean[c]) / sqrt(var[c] + 1e-5) + bias[c], 1e-4);
    }
    harness_free(h);

    harness *t = harness_new("BatchNormalization", 15, 5, 3);
    harness_attr_int(t, "training_mode", 1);
    harness_attr_float(t, "momentum", 0.75f);
    harness_input(t, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(t, 1, DNNX_DTYPE_FLOAT, 1, c_dims, scale);
    harness_input(t, 2, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    harness_input(t, 3, DNNX_DTYPE_FLOAT, 1, c_dims, mean);
    harness_input(t, 4, DNNX_DTYPE_FLOAT, 1, c_dims, var);
    assert_int_equal(harness_run(t), DNNX_OK);
    for (int c = 0; c < 3; c++) {
        float channel[8];
        for (int n = 0; n < 2; n++)
            memcpy(channel + n * 4, data_234 + n * 12 + c * 4, 4 * sizeof(float));
        double m, is;
        stats(channel, 8, 0, &m, &is);
        double batch_var = 1.0 / (is * is);
        assert_float_equal(((float *)t->outputs[1].data)[c], mean[c] * 0.75 + m * 0.25, 1e-4);
        assert_float_equal(((float *)t->outputs[2].data)[c], var[c] * 0.75 + batch_var * 0.25, 1e-4);
        double y0 = scale[c] * (channel[0] - m) / sqrt(batch_var + 1e-5) + bias[c];
        assert_float_equal(((float *)t->outputs[0].data)[c * 4], y0, 1e-4);
    }
    harness_free(t);

    static const float short_scale[] = {1, 2};
    harness *bad = harness_new("BatchNormalization", 9, 5, 1);
    harness_input(bad, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    harness_input(bad, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, short_scale);
    harness_input(bad, 2, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    harness_input(bad, 3, DNNX_DTYPE_FLOAT, 1, c_dims, mean);
    harness_input(bad, 4, DNNX_DTYPE_FLOAT, 1, c_dims, var);
    assert_int_equal(harness_infer(bad, false), DNNX_ERR_INVALID_MODEL);
    harness_free(bad);
}

/* GroupNormalization on [1, 4, 3] with 2 groups: the expected output for per-group
 * (opset 18) or per-channel (opset 21) scale and bias. */
static void group_norm_expected(const float *x, const float *scale, const float *bias, bool per_group, float *y)
{
    for (int g = 0; g < 2; g++) {
        double m, is;
        stats(x + g * 6, 6, 1e-5, &m, &is);
        for (int i = 0; i < 6; i++) {
            int p = per_group ? g : g * 2 + i / 3;
            y[g * 6 + i] = (float)((x[g * 6 + i] - m) * is * scale[p] + bias[p]);
        }
    }
}

static void test_group_norm_18_and_21(void **state)
{
    (void)state;
    static const int64_t dims[] = {1, 4, 3};
    static const float group_scale[] = {2, -1}, group_bias[] = {1, 3};
    static const float channel_scale[] = {2, 0.5f, -1, 3}, channel_bias[] = {1, 0, 3, -2};
    float expected[12];

    harness *v18 = harness_new("GroupNormalization", 18, 3, 1);
    harness_attr_int(v18, "num_groups", 2);
    harness_input(v18, 0, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    harness_input(v18, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_scale);
    harness_input(v18, 2, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_bias);
    assert_int_equal(harness_run(v18), DNNX_OK);
    group_norm_expected(data_234, group_scale, group_bias, true, expected);
    assert_floats_near(v18->outputs[0].data, expected, 12, 1e-4f);
    harness_free(v18);

    harness *v21 = harness_new("GroupNormalization", 21, 3, 1);
    harness_attr_int(v21, "num_groups", 2);
    harness_input(v21, 0, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    harness_input(v21, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, channel_scale);
    harness_input(v21, 2, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, channel_bias);
    assert_int_equal(harness_run(v21), DNNX_OK);
    group_norm_expected(data_234, channel_scale, channel_bias, false, expected);
    assert_floats_near(v21->outputs[0].data, expected, 12, 1e-4f);
    harness_free(v21);

    /* Per-group parameters are the wrong size for opset 21, and 3 groups do not divide 4. */
    harness *wrong = harness_new("GroupNormalization", 21, 3, 1);
    harness_attr_int(wrong, "num_groups", 2);
    harness_input(wrong, 0, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    harness_input(wrong, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_scale);
    harness_input(wrong, 2, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_bias);
    assert_int_equal(harness_infer(wrong, false), DNNX_ERR_INVALID_MODEL);
    harness_free(wrong);

    harness *groups = harness_new("GroupNormalization", 18, 3, 1);
    harness_attr_int(groups, "num_groups", 3);
    harness_input(groups, 0, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    harness_input(groups, 1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, channel_scale);
    harness_input(groups, 2, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, channel_bias);
    assert_int_equal(harness_infer(groups, false), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "does not divide"));
    harness_free(groups);
}

static void test_instance_norm_matches_group_norm_per_channel(void **state)
{
    (void)state;
    static const int64_t dims[] = {2, 3, 4}, c_dims[] = {3};
    static const float scale[] = {1, -2, 0.5f}, bias[] = {0, 1, 2};
    harness *inst = harness_new("InstanceNormalization", 6, 3, 1);
    harness_input(inst, 0, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    harness_input(inst, 1, DNNX_DTYPE_FLOAT, 1, c_dims, scale);
    harness_input(inst, 2, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    assert_int_equal(harness_run(inst), DNNX_OK);
    const float *y = inst->outputs[0].data;
    for (int row = 0; row < 6; row++) {
        double m, is;
        stats(data_234 + row * 4, 4, 1e-5, &m, &is);
        for (int i = 0; i < 4; i++)
            assert_float_equal(y[row * 4 + i], (data_234[row * 4 + i] - m) * is * scale[row % 3] + bias[row % 3], 1e-4);
    }
    harness_free(inst);
}

static void test_lp_and_mean_variance_normalization(void **state)
{
    (void)state;
    harness *l1 = harness_new("LpNormalization", 1, 1, 1);
    harness_attr_int(l1, "axis", 1);
    harness_attr_int(l1, "p", 1);
    harness_input(l1, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(l1), DNNX_OK);
    const float *y = l1->outputs[0].data;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 4; c++) {
            double norm = 0;
            for (int b = 0; b < 3; b++)
                norm += fabs(data_234[a * 12 + b * 4 + c]);
            for (int b = 0; b < 3; b++)
                assert_float_equal(y[a * 12 + b * 4 + c], data_234[a * 12 + b * 4 + c] / norm, 1e-5);
        }
    harness_free(l1);

    harness *p3 = harness_new("LpNormalization", 22, 1, 1);
    harness_attr_int(p3, "p", 3);
    harness_input(p3, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_infer(p3, false), DNNX_ERR_INVALID_MODEL);
    harness_free(p3);

    static const int64_t axes[] = {0, 2};
    harness *mvn = harness_new("MeanVarianceNormalization", 13, 1, 1);
    harness_attr_ints(mvn, "axes", axes, 2);
    harness_input(mvn, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(mvn), DNNX_OK);
    y = mvn->outputs[0].data;
    for (int b = 0; b < 3; b++) {
        float slot[8];
        for (int a = 0; a < 2; a++)
            memcpy(slot + a * 4, data_234 + a * 12 + b * 4, 4 * sizeof(float));
        double m, is;
        stats(slot, 8, 0, &m, &is);
        assert_float_equal(y[b * 4 + 1], (data_234[b * 4 + 1] - m) / (1.0 / is + 1e-9), 1e-4);
        assert_float_equal(y[12 + b * 4 + 3], (data_234[12 + b * 4 + 3] - m) / (1.0 / is + 1e-9), 1e-4);
    }
    harness_free(mvn);

    /* The default axes (0, 2, 3) need a 4-D input. */
    harness *rank = harness_new("MeanVarianceNormalization", 9, 1, 1);
    harness_input(rank, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_infer(rank, false), DNNX_ERR_INVALID_MODEL);
    harness_free(rank);
}

static void softmax_expected(const float *x, size_t n, size_t stride, bool log_form, float *y)
{
    double max = -INFINITY, sum = 0;
    for (size_t k = 0; k < n; k++)
        max = fmax(max, x[k * stride]);
    for (size_t k = 0; k < n; k++)
        sum += exp(x[k * stride] - max);
    for (size_t k = 0; k < n; k++)
        y[k * stride] = (float)(log_form ? x[k * stride] - max - log(sum) : exp(x[k * stride] - max) / sum);
}

static void test_softmax_on_middle_axis(void **state)
{
    (void)state;
    float expected[24];
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 4; c++)
            softmax_expected(data_234 + a * 12 + c, 3, 4, false, expected + a * 12 + c);
    harness *h = harness_new("Softmax", 13, 1, 1);
    harness_attr_int(h, "axis", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_floats_near(h->outputs[0].data, expected, 24, 1e-6f);
    harness_free(h);

    /* Opset 11 coerces to [2, 12] at axis 1: one softmax over each trailing block. */
    for (int a = 0; a < 2; a++)
        softmax_expected(data_234 + a * 12, 12, 1, false, expected + a * 12);
    harness *old = harness_new("Softmax", 11, 1, 1);
    harness_attr_int(old, "axis", 1);
    harness_input(old, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(old), DNNX_OK);
    assert_floats_near(old->outputs[0].data, expected, 24, 1e-6f);
    harness_free(old);

    /* The default axis is 1 before opset 13 and -1 from it. */
    for (int r = 0; r < 6; r++)
        softmax_expected(data_234 + r * 4, 4, 1, true, expected + r * 4);
    harness *log_default = harness_new("LogSoftmax", 13, 1, 1);
    harness_input(log_default, 0, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(harness_run(log_default), DNNX_OK);
    assert_floats_near(log_default->outputs[0].data, expected, 24, 1e-5f);
    harness_free(log_default);
}

static void test_softmax_large_inputs_and_bad_axis(void **state)
{
    (void)state;
    static const float x[] = {1000, 1001, 1002, -1000, -1001, -1002};
    harness *h = harness_new("Softmax", 13, 1, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){2, 3}, x);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float *y = h->outputs[0].data;
    for (int i = 0; i < 6; i++)
        assert_true(isfinite(y[i]));
    assert_float_equal(y[2], 1.0 / (1.0 + exp(-1.0) + exp(-2.0)), 1e-6);
    assert_float_equal(y[3], 1.0 / (1.0 + exp(-1.0) + exp(-2.0)), 1e-6);
    harness_free(h);

    harness *bad = harness_new("Softmax", 13, 1, 1);
    harness_attr_int(bad, "axis", 2);
    harness_input(bad, 0, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){2, 3}, x);
    assert_int_equal(harness_infer(bad, false), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "(Softmax-13)"));
    harness_free(bad);

    harness *ints = harness_new("Softmax", 13, 1, 1);
    harness_input(ints, 0, DNNX_DTYPE_INT32, 2, (const int64_t[]){2, 3}, x);
    assert_int_equal(harness_infer(ints, false), DNNX_ERR_UNSUPPORTED);
    harness_free(ints);
}

static void test_softmax_float16_and_hardmax(void **state)
{
    (void)state;
    uint16_t x[4];
    static const float values[] = {0.5f, -1.0f, 2.0f, 2.0f};
    for (int i = 0; i < 4; i++)
        x[i] = tensor_float_to_half(values[i]);
    harness *h = harness_new("Softmax", 13, 1, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT16, 1, (const int64_t[]){4}, x);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_FLOAT16);
    float expected[4];
    softmax_expected(values, 4, 1, false, expected);
    for (int i = 0; i < 4; i++)
        assert_float_equal(tensor_half_to_float(((uint16_t *)h->outputs[0].data)[i]), expected[i], 1e-3);
    harness_free(h);

    /* Hardmax marks the first of the tied maxima. */
    harness *hard = harness_new("Hardmax", 13, 1, 1);
    harness_input(hard, 0, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){1, 4}, values);
    assert_int_equal(harness_run(hard), DNNX_OK);
    static const float one_hot[] = {0, 0, 1, 0};
    assert_memory_equal(hard->outputs[0].data, one_hot, sizeof one_hot);
    harness_free(hard);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_norm_over_two_trailing_axes),
        cmocka_unit_test(test_layer_norm_broadcast_scale_and_no_bias),
        cmocka_unit_test(test_rms_norm),
        cmocka_unit_test(test_batch_norm_inference_and_training),
        cmocka_unit_test(test_group_norm_18_and_21),
        cmocka_unit_test(test_instance_norm_matches_group_norm_per_channel),
        cmocka_unit_test(test_lp_and_mean_variance_normalization),
        cmocka_unit_test(test_softmax_on_middle_axis),
        cmocka_unit_test(test_softmax_large_inputs_and_bad_axis),
        cmocka_unit_test(test_softmax_float16_and_hardmax),
    };
    return cmocka_run_group_tests(tests, setup_data, NULL);
}

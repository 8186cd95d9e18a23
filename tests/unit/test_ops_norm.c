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

static void h_attr_float(harness *h, const char *name, float value)
{
    graph_attr *a = &h->attrs[h->node.n_attrs++];
    a->name = (char *)name;
    a->type = ATTR_FLOAT;
    a->f = value;
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
    harness h;
    h_init(&h, "LayerNormalization", 17);
    h_attr_int(&h, "axis", -2);
    h_attr_float(&h, "epsilon", 1e-3f);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&h, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){3, 4}, scale);
    h_input(&h, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){3, 4}, bias);
    assert_int_equal(h_run(&h, 3), DNNX_OK);
    assert_dims(&h.outputs[0], 3, dims_234);
    assert_dims(&h.outputs[1], 3, (const int64_t[]){2, 1, 1});
    assert_dims(&h.outputs[2], 3, (const int64_t[]){2, 1, 1});
    assert_int_equal(h.outputs[1].dtype, DNNX_DTYPE_FLOAT);
    const float *y = h.outputs[0].data, *mean = h.outputs[1].data, *inv = h.outputs[2].data;
    for (int r = 0; r < 2; r++) {
        double m, is;
        stats(data_234 + r * 12, 12, 1e-3, &m, &is);
        assert_float_equal(mean[r], m, 1e-5);
        assert_float_equal(inv[r], is, 1e-5);
        for (int i = 0; i < 12; i++)
            assert_float_equal(y[r * 12 + i], (data_234[r * 12 + i] - m) * is * scale[i] + bias[i], 1e-4);
    }
    h_free(&h);
}

static void test_layer_norm_broadcast_scale_and_no_bias(void **state)
{
    (void)state;
    static const float scale[] = {2.0f};
    harness h;
    h_init(&h, "LayerNormalization", 17);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&h, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){1}, scale);
    h_omit_input(&h);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    const float *y = h.outputs[0].data;
    for (int r = 0; r < 6; r++) {
        double m, is;
        stats(data_234 + r * 4, 4, 1e-5, &m, &is);
        for (int i = 0; i < 4; i++)
            assert_float_equal(y[r * 4 + i], 2.0 * (data_234[r * 4 + i] - m) * is, 1e-4);
    }
    h_free(&h);

    static const float wrong[] = {1, 2, 3};
    harness bad;
    h_init(&bad, "LayerNormalization", 17);
    h_input(&bad, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&bad, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, wrong);
    assert_int_equal(h_infer(&bad, 1), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "scale of shape [3] does not broadcast"));
    h_free(&bad);

    harness axis;
    h_init(&axis, "LayerNormalization", 17);
    h_attr_int(&axis, "axis", 3);
    h_input(&axis, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&axis, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){1}, scale);
    assert_int_equal(h_infer(&axis, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&axis);
}

static void test_rms_norm(void **state)
{
    (void)state;
    static const float scale[] = {1, 2, 3, 4};
    harness h;
    h_init(&h, "RMSNormalization", 23);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&h, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, scale);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    const float *y = h.outputs[0].data;
    for (int r = 0; r < 6; r++) {
        double squares = 0;
        for (int i = 0; i < 4; i++)
            squares += (double)data_234[r * 4 + i] * data_234[r * 4 + i];
        double inv = 1.0 / sqrt(squares / 4 + 1e-5);
        for (int i = 0; i < 4; i++)
            assert_float_equal(y[r * 4 + i], data_234[r * 4 + i] * inv * scale[i], 1e-4);
    }
    h_free(&h);
}

static void test_batch_norm_inference_and_training(void **state)
{
    (void)state;
    static const float scale[] = {1, 2, 0.5f}, bias[] = {0, 1, -1}, mean[] = {0.5f, -1, 2}, var[] = {1, 4, 0.25f};
    static const int64_t c_dims[] = {3};
    harness h;
    h_init(&h, "BatchNormalization", 15);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&h, DNNX_DTYPE_FLOAT, 1, c_dims, scale);
    h_input(&h, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    h_input(&h, DNNX_DTYPE_FLOAT, 1, c_dims, mean);
    h_input(&h, DNNX_DTYPE_FLOAT, 1, c_dims, var);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    const float *y = h.outputs[0].data;
    for (int i = 0; i < 24; i++) {
        int c = (i / 4) % 3;
        assert_float_equal(y[i], scale[c] * (data_234[i] - mean[c]) / sqrt(var[c] + 1e-5) + bias[c], 1e-4);
    }
    h_free(&h);

    harness t;
    h_init(&t, "BatchNormalization", 15);
    h_attr_int(&t, "training_mode", 1);
    h_attr_float(&t, "momentum", 0.75f);
    h_input(&t, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&t, DNNX_DTYPE_FLOAT, 1, c_dims, scale);
    h_input(&t, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    h_input(&t, DNNX_DTYPE_FLOAT, 1, c_dims, mean);
    h_input(&t, DNNX_DTYPE_FLOAT, 1, c_dims, var);
    assert_int_equal(h_run(&t, 3), DNNX_OK);
    for (int c = 0; c < 3; c++) {
        float channel[8];
        for (int n = 0; n < 2; n++)
            memcpy(channel + n * 4, data_234 + n * 12 + c * 4, 4 * sizeof(float));
        double m, is;
        stats(channel, 8, 0, &m, &is);
        double batch_var = 1.0 / (is * is);
        assert_float_equal(((float *)t.outputs[1].data)[c], mean[c] * 0.75 + m * 0.25, 1e-4);
        assert_float_equal(((float *)t.outputs[2].data)[c], var[c] * 0.75 + batch_var * 0.25, 1e-4);
        double y0 = scale[c] * (channel[0] - m) / sqrt(batch_var + 1e-5) + bias[c];
        assert_float_equal(((float *)t.outputs[0].data)[c * 4], y0, 1e-4);
    }
    h_free(&t);

    static const float short_scale[] = {1, 2};
    harness bad;
    h_init(&bad, "BatchNormalization", 9);
    h_input(&bad, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    h_input(&bad, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, short_scale);
    h_input(&bad, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    h_input(&bad, DNNX_DTYPE_FLOAT, 1, c_dims, mean);
    h_input(&bad, DNNX_DTYPE_FLOAT, 1, c_dims, var);
    assert_int_equal(h_infer(&bad, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&bad);
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

    harness v18;
    h_init(&v18, "GroupNormalization", 18);
    h_attr_int(&v18, "num_groups", 2);
    h_input(&v18, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    h_input(&v18, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_scale);
    h_input(&v18, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_bias);
    assert_int_equal(h_run(&v18, 1), DNNX_OK);
    group_norm_expected(data_234, group_scale, group_bias, true, expected);
    assert_floats_near(v18.outputs[0].data, expected, 12, 1e-4f);
    h_free(&v18);

    harness v21;
    h_init(&v21, "GroupNormalization", 21);
    h_attr_int(&v21, "num_groups", 2);
    h_input(&v21, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    h_input(&v21, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, channel_scale);
    h_input(&v21, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, channel_bias);
    assert_int_equal(h_run(&v21, 1), DNNX_OK);
    group_norm_expected(data_234, channel_scale, channel_bias, false, expected);
    assert_floats_near(v21.outputs[0].data, expected, 12, 1e-4f);
    h_free(&v21);

    /* Per-group parameters are the wrong size for opset 21, and 3 groups do not divide 4. */
    harness wrong;
    h_init(&wrong, "GroupNormalization", 21);
    h_attr_int(&wrong, "num_groups", 2);
    h_input(&wrong, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    h_input(&wrong, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_scale);
    h_input(&wrong, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2}, group_bias);
    assert_int_equal(h_infer(&wrong, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&wrong);

    harness groups;
    h_init(&groups, "GroupNormalization", 18);
    h_attr_int(&groups, "num_groups", 3);
    h_input(&groups, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    h_input(&groups, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, channel_scale);
    h_input(&groups, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){3}, channel_bias);
    assert_int_equal(h_infer(&groups, 1), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "does not divide"));
    h_free(&groups);
}

static void test_instance_norm_matches_group_norm_per_channel(void **state)
{
    (void)state;
    static const int64_t dims[] = {2, 3, 4}, c_dims[] = {3};
    static const float scale[] = {1, -2, 0.5f}, bias[] = {0, 1, 2};
    harness inst;
    h_init(&inst, "InstanceNormalization", 6);
    h_input(&inst, DNNX_DTYPE_FLOAT, 3, dims, data_234);
    h_input(&inst, DNNX_DTYPE_FLOAT, 1, c_dims, scale);
    h_input(&inst, DNNX_DTYPE_FLOAT, 1, c_dims, bias);
    assert_int_equal(h_run(&inst, 1), DNNX_OK);
    const float *y = inst.outputs[0].data;
    for (int row = 0; row < 6; row++) {
        double m, is;
        stats(data_234 + row * 4, 4, 1e-5, &m, &is);
        for (int i = 0; i < 4; i++)
            assert_float_equal(y[row * 4 + i], (data_234[row * 4 + i] - m) * is * scale[row % 3] + bias[row % 3], 1e-4);
    }
    h_free(&inst);
}

static void test_lp_and_mean_variance_normalization(void **state)
{
    (void)state;
    harness l1;
    h_init(&l1, "LpNormalization", 1);
    h_attr_int(&l1, "axis", 1);
    h_attr_int(&l1, "p", 1);
    h_input(&l1, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&l1, 1), DNNX_OK);
    const float *y = l1.outputs[0].data;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 4; c++) {
            double norm = 0;
            for (int b = 0; b < 3; b++)
                norm += fabs(data_234[a * 12 + b * 4 + c]);
            for (int b = 0; b < 3; b++)
                assert_float_equal(y[a * 12 + b * 4 + c], data_234[a * 12 + b * 4 + c] / norm, 1e-5);
        }
    h_free(&l1);

    harness p3;
    h_init(&p3, "LpNormalization", 22);
    h_attr_int(&p3, "p", 3);
    h_input(&p3, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_infer(&p3, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&p3);

    static const int64_t axes[] = {0, 2};
    harness mvn;
    h_init(&mvn, "MeanVarianceNormalization", 13);
    h_attr_ints(&mvn, "axes", axes, 2);
    h_input(&mvn, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&mvn, 1), DNNX_OK);
    y = mvn.outputs[0].data;
    for (int b = 0; b < 3; b++) {
        float slot[8];
        for (int a = 0; a < 2; a++)
            memcpy(slot + a * 4, data_234 + a * 12 + b * 4, 4 * sizeof(float));
        double m, is;
        stats(slot, 8, 0, &m, &is);
        assert_float_equal(y[b * 4 + 1], (data_234[b * 4 + 1] - m) / (1.0 / is + 1e-9), 1e-4);
        assert_float_equal(y[12 + b * 4 + 3], (data_234[12 + b * 4 + 3] - m) / (1.0 / is + 1e-9), 1e-4);
    }
    h_free(&mvn);

    /* The default axes (0, 2, 3) need a 4-D input. */
    harness rank;
    h_init(&rank, "MeanVarianceNormalization", 9);
    h_input(&rank, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_infer(&rank, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&rank);
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
    harness h;
    h_init(&h, "Softmax", 13);
    h_attr_int(&h, "axis", 1);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    assert_floats_near(h.outputs[0].data, expected, 24, 1e-6f);
    h_free(&h);

    /* Opset 11 coerces to [2, 12] at axis 1: one softmax over each trailing block. */
    for (int a = 0; a < 2; a++)
        softmax_expected(data_234 + a * 12, 12, 1, false, expected + a * 12);
    harness old;
    h_init(&old, "Softmax", 11);
    h_attr_int(&old, "axis", 1);
    h_input(&old, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&old, 1), DNNX_OK);
    assert_floats_near(old.outputs[0].data, expected, 24, 1e-6f);
    h_free(&old);

    /* The default axis is 1 before opset 13 and -1 from it. */
    for (int r = 0; r < 6; r++)
        softmax_expected(data_234 + r * 4, 4, 1, true, expected + r * 4);
    harness log_default;
    h_init(&log_default, "LogSoftmax", 13);
    h_input(&log_default, DNNX_DTYPE_FLOAT, 3, dims_234, data_234);
    assert_int_equal(h_run(&log_default, 1), DNNX_OK);
    assert_floats_near(log_default.outputs[0].data, expected, 24, 1e-5f);
    h_free(&log_default);
}

static void test_softmax_large_inputs_and_bad_axis(void **state)
{
    (void)state;
    static const float x[] = {1000, 1001, 1002, -1000, -1001, -1002};
    harness h;
    h_init(&h, "Softmax", 13);
    h_input(&h, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){2, 3}, x);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    const float *y = h.outputs[0].data;
    for (int i = 0; i < 6; i++)
        assert_true(isfinite(y[i]));
    assert_float_equal(y[2], 1.0 / (1.0 + exp(-1.0) + exp(-2.0)), 1e-6);
    assert_float_equal(y[3], 1.0 / (1.0 + exp(-1.0) + exp(-2.0)), 1e-6);
    h_free(&h);

    harness bad;
    h_init(&bad, "Softmax", 13);
    h_attr_int(&bad, "axis", 2);
    h_input(&bad, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){2, 3}, x);
    assert_int_equal(h_infer(&bad, 1), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "(Softmax-13)"));
    h_free(&bad);

    harness ints;
    h_init(&ints, "Softmax", 13);
    h_input(&ints, DNNX_DTYPE_INT32, 2, (const int64_t[]){2, 3}, x);
    assert_int_equal(h_infer(&ints, 1), DNNX_ERR_UNSUPPORTED);
    h_free(&ints);
}

static void test_softmax_float16_and_hardmax(void **state)
{
    (void)state;
    uint16_t x[4];
    static const float values[] = {0.5f, -1.0f, 2.0f, 2.0f};
    for (int i = 0; i < 4; i++)
        x[i] = tensor_float_to_half(values[i]);
    harness h;
    h_init(&h, "Softmax", 13);
    h_input(&h, DNNX_DTYPE_FLOAT16, 1, (const int64_t[]){4}, x);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    assert_int_equal(h.outputs[0].dtype, DNNX_DTYPE_FLOAT16);
    float expected[4];
    softmax_expected(values, 4, 1, false, expected);
    for (int i = 0; i < 4; i++)
        assert_float_equal(tensor_half_to_float(((uint16_t *)h.outputs[0].data)[i]), expected[i], 1e-3);
    h_free(&h);

    /* Hardmax marks the first of the tied maxima. */
    harness hard;
    h_init(&hard, "Hardmax", 13);
    h_input(&hard, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){1, 4}, values);
    assert_int_equal(h_run(&hard, 1), DNNX_OK);
    static const float one_hot[] = {0, 0, 1, 0};
    assert_memory_equal(hard.outputs[0].data, one_hot, sizeof one_hot);
    h_free(&hard);
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

/* Unit tests of ops/recurrent.c: RNN, GRU and LSTM in the configurations the ONNX node tests
 * leave out (bidirectional, reverse with sequence_lens, layout 1, clip, both GRU reset
 * placements, input_forget, activation functions with alpha / beta, Y_c), their load-time
 * shape inference and their errors, and LRN. The expected values come from a NumPy
 * transcription of the ONNX equations, fed the same inputs fill() makes here. */
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

#define MAX_IO 8
#define MAX_ATTRS 10

/* One node, its attributes, inputs and outputs, ready for infer() and run(). */
typedef struct harness {
    graph *g;
    graph_node node;
    graph_attr attrs[MAX_ATTRS];
    dnnx_tensor inputs[MAX_IO];
    const dnnx_tensor *input_ptrs[MAX_IO];
    dnnx_tensor outputs[MAX_IO];
    dnnx_tensor *output_ptrs[MAX_IO];
    unsigned omitted_outputs; /* bit k: output k is omitted */
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

static graph_attr *h_attr(harness *h, const char *name, graph_attr_type type)
{
    assert_true(h->node.n_attrs < MAX_ATTRS);
    graph_attr *a = &h->attrs[h->node.n_attrs++];
    a->name = (char *)name;
    a->type = type;
    return a;
}

static void h_attr_int(harness *h, const char *name, int64_t value) { h_attr(h, name, ATTR_INT)->i = value; }
static void h_attr_float(harness *h, const char *name, float value) { h_attr(h, name, ATTR_FLOAT)->f = value; }

static void h_attr_string(harness *h, const char *name, const char *value)
{
    graph_attr *a = h_attr(h, name, ATTR_STRING);
    a->s = (char *)value;
    a->s_len = strlen(value);
}

static void h_attr_strings(harness *h, const char *name, const char *const *values, size_t count)
{
    graph_attr *a = h_attr(h, name, ATTR_STRINGS);
    a->strings = (char **)values;
    a->count = count;
}

static void h_attr_floats(harness *h, const char *name, const float *values, size_t count)
{
    graph_attr *a = h_attr(h, name, ATTR_FLOATS);
    a->floats = (float *)values;
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
        h->output_ptrs[k] = h->omitted_outputs & (1u << k) ? NULL : &h->outputs[k];
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
        if (h->output_ptrs[k])
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

static void assert_floats_near(const dnnx_tensor *t, const float *expected, size_t n, double tolerance)
{
    assert_int_equal(tensor_count(t), n);
    const float *actual = t->data;
    for (size_t i = 0; i < n; i++)
        assert_float_equal(actual[i], expected[i], tolerance);
}

static void assert_error_contains(const char *text) { assert_non_null(strstr(dnnx_last_error(), text)); }

/* v[i] = scale * sin(a * i + b) rounded to float, as the NumPy generator makes it. */
static void fill(float *v, size_t n, double a, double b, double scale)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(sin(a * (double)i + b) * scale);
}

/* The inputs of the generated cases: seq 3, batch 2, input 2, hidden 2. */
enum { SEQ = 3, BATCH = 2, INPUT = 2, HIDDEN = 2 };

typedef struct rnn_inputs {
    float x[SEQ * BATCH * INPUT];
    float w[2 * 4 * HIDDEN * INPUT];
    float r[2 * 4 * HIDDEN * HIDDEN];
    float b[2 * 8 * HIDDEN];
    float p[2 * 3 * HIDDEN];
    float h0[2 * BATCH * HIDDEN];
    float c0[2 * BATCH * HIDDEN];
} rnn_inputs;

static void make_inputs(rnn_inputs *in, int gates, int dirs)
{
    fill(in->x, SEQ * BATCH * INPUT, 0.37, 0.1, 0.8);
    fill(in->w, (size_t)(dirs * gates * HIDDEN * INPUT), 0.11, 0.3, 0.5);
    fill(in->r, (size_t)(dirs * gates * HIDDEN * HIDDEN), 0.23, 0.7, 0.4);
    fill(in->b, (size_t)(dirs * 2 * gates * HIDDEN), 0.31, 0.2, 0.3);
    fill(in->p, (size_t)(dirs * 3 * HIDDEN), 0.19, 0.5, 0.6);
    fill(in->h0, (size_t)(dirs * BATCH * HIDDEN), 0.41, 0.9, 0.5);
    fill(in->c0, (size_t)(dirs * BATCH * HIDDEN), 0.29, 0.4, 0.5);
}

/* X, W, R, B of a generated case; layout picks X's and the states' shape. */
static void add_core_inputs(harness *h, const rnn_inputs *in, int gates, int dirs, int layout)
{
    int64_t x_dims[] = {layout ? BATCH : SEQ, layout ? SEQ : BATCH, INPUT};
    h_input(h, DNNX_DTYPE_FLOAT, 3, x_dims, in->x);
    h_input(h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){dirs, gates * HIDDEN, INPUT}, in->w);
    h_input(h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){dirs, gates * HIDDEN, HIDDEN}, in->r);
    h_input(h, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){dirs, 2 * gates * HIDDEN}, in->b);
}

static const float lstm_bidi_y[] = {
    1.00228069e-01f, 5.83324196e-02f,  4.37040746e-01f, 3.87908281e-01f, 1.94556120e-01f, 1.39483096e-01f,
    8.07053388e-02f, -4.22081322e-02f, 3.35377004e-01f, 2.94395352e-01f, 4.37494685e-01f, 3.11728437e-01f,
    2.30454071e-01f, 1.54344948e-01f,  1.24309630e-01f, 1.20300929e-02f, 1.00076511e-01f, 8.61636047e-03f,
    0.00000000e+00f, 0.00000000e+00f,  2.41688354e-01f, 2.51348790e-01f, 0.00000000e+00f, 0.00000000e+00f};
static const float lstm_bidi_yh[] = {1.00076511e-01f, 8.61636047e-03f, 4.37494685e-01f, 3.11728437e-01f,
                                     1.94556120e-01f, 1.39483096e-01f, 8.07053388e-02f, -4.22081322e-02f};
static const float lstm_bidi_yc[] = {1.66522511e-01f, 1.51627489e-02f, 6.60696723e-01f, 4.50880777e-01f,
                                     3.49893146e-01f, 2.48179016e-01f, 1.29205670e-01f, -7.22462816e-02f};

/* Bidirectional LSTM with peepholes, initial states and sequence_lens {3, 2}: the reverse
 * direction of the short entry starts at its step 1, and its step 2 stays zero in Y. */
static void test_lstm_bidirectional_with_lengths_and_peepholes(void **state)
{
    (void)state;
    rnn_inputs in;
    make_inputs(&in, 4, 2);
    static const int32_t lengths[] = {3, 2};
    harness h;
    h_init(&h, "LSTM", 14);
    h_attr_string(&h, "direction", "bidirectional");
    h_attr_int(&h, "hidden_size", HIDDEN);
    add_core_inputs(&h, &in, 4, 2, 0);
    h_input(&h, DNNX_DTYPE_INT32, 1, (const int64_t[]){BATCH}, lengths);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.h0);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.c0);
    h_input(&h, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){2, 3 * HIDDEN}, in.p);
    assert_int_equal(h_run(&h, 3), DNNX_OK);
    assert_dims(&h.outputs[0], 4, (const int64_t[]){SEQ, 2, BATCH, HIDDEN});
    assert_dims(&h.outputs[2], 3, (const int64_t[]){2, BATCH, HIDDEN});
    assert_floats_near(&h.outputs[0], lstm_bidi_y, 24, 1e-5);
    assert_floats_near(&h.outputs[1], lstm_bidi_yh, 8, 1e-5);
    assert_floats_near(&h.outputs[2], lstm_bidi_yc, 8, 1e-5);
    h_free(&h);

    /* Lengths past seq_length are a runtime error. */
    static const int32_t too_long[] = {3, 4};
    harness bad;
    h_init(&bad, "LSTM", 14);
    h_attr_string(&bad, "direction", "bidirectional");
    add_core_inputs(&bad, &in, 4, 2, 0);
    h_input(&bad, DNNX_DTYPE_INT32, 1, (const int64_t[]){BATCH}, too_long);
    assert_int_equal(h_run(&bad, 2), DNNX_ERR_RUNTIME);
    assert_error_contains("sequence_lens[1] = 4");
    h_free(&bad);
}

static const float gru_rev_lbr_y[] = {4.34819477e-01f, 4.50474035e-01f, 4.18262597e-01f, 4.75173447e-01f,
                                      0.00000000e+00f, 0.00000000e+00f, 3.12408739e-01f, 2.51433178e-01f,
                                      2.21605993e-01f, 1.23646886e-01f, 2.18835638e-01f, 1.14188191e-01f};
static const float gru_rev_lbr_yh[] = {4.34819477e-01f, 4.50474035e-01f, 3.12408739e-01f, 2.51433178e-01f};
static const float gru_rev_y[] = {4.34819477e-01f, 4.34080949e-01f, 4.18262597e-01f, 4.75173447e-01f,
                                  0.00000000e+00f, 0.00000000e+00f, 3.03712284e-01f, 2.29655781e-01f,
                                  2.07634872e-01f, 8.86608286e-02f, 2.09865097e-01f, 9.21629389e-02f};
static const float gru_rev_yh[] = {4.34819477e-01f, 4.34080949e-01f, 3.03712284e-01f, 2.29655781e-01f};

/* Reverse GRU, layout 1 (batch first), clip 0.5, sequence_lens {2, 3}, initial_h; both
 * placements of the reset gate. */
static void test_gru_reverse_batch_first_with_clip(void **state)
{
    (void)state;
    rnn_inputs in;
    make_inputs(&in, 3, 1);
    static const int32_t lengths[] = {2, 3};
    for (int lbr = 0; lbr < 2; lbr++) {
        harness h;
        h_init(&h, "GRU", 14);
        h_attr_string(&h, "direction", "reverse");
        h_attr_int(&h, "layout", 1);
        h_attr_float(&h, "clip", 0.5f);
        h_attr_int(&h, "linear_before_reset", lbr);
        add_core_inputs(&h, &in, 3, 1, 1);
        h_input(&h, DNNX_DTYPE_INT32, 1, (const int64_t[]){BATCH}, lengths);
        h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){BATCH, 1, HIDDEN}, in.h0);
        assert_int_equal(h_run(&h, 2), DNNX_OK);
        assert_dims(&h.outputs[0], 4, (const int64_t[]){BATCH, SEQ, 1, HIDDEN});
        assert_dims(&h.outputs[1], 3, (const int64_t[]){BATCH, 1, HIDDEN});
        assert_floats_near(&h.outputs[0], lbr ? gru_rev_lbr_y : gru_rev_y, 12, 1e-5);
        assert_floats_near(&h.outputs[1], lbr ? gru_rev_lbr_yh : gru_rev_yh, 4, 1e-5);
        h_free(&h);
    }
}

static const float rnn_acts_y[] = {6.18784791e-01f, 8.78063859e-01f, 7.79460639e-01f, 1.13435720e+00f, 8.21067511e-01f,
                                   7.76227556e-01f, 8.89645692e-01f, 8.68148171e-01f, 9.86266675e-01f, 1.40785954e+00f,
                                   9.99667602e-01f, 1.39834224e+00f, 8.70052381e-01f, 8.60015092e-01f, 7.56557652e-01f,
                                   7.42868041e-01f, 9.48804354e-01f, 1.28259835e+00f, 7.76034981e-01f, 1.01115251e+00f,
                                   5.94526801e-01f, 5.67478536e-01f, 3.95061774e-01f, 3.63592984e-01f};
static const float rnn_acts_yh[] = {9.48804354e-01f, 1.28259835e+00f, 7.76034981e-01f, 1.01115251e+00f,
                                    8.21067511e-01f, 7.76227556e-01f, 8.89645692e-01f, 8.68148171e-01f};

/* Bidirectional RNN with LeakyRelu(0.2) forward and HardSigmoid(0.3, 0.4) backward: the
 * alpha and beta lists are consumed in order by the functions that take them. Y omitted. */
static void test_rnn_activation_parameters(void **state)
{
    (void)state;
    rnn_inputs in;
    make_inputs(&in, 1, 2);
    static const char *const acts[] = {"LeakyRelu", "hardsigmoid"};
    static const float alphas[] = {0.2f, 0.3f}, betas[] = {0.4f};
    harness h;
    h_init(&h, "RNN", 14);
    h_attr_string(&h, "direction", "bidirectional");
    h_attr_int(&h, "hidden_size", HIDDEN);
    h_attr_strings(&h, "activations", acts, 2);
    h_attr_floats(&h, "activation_alpha", alphas, 2);
    h_attr_floats(&h, "activation_beta", betas, 1);
    add_core_inputs(&h, &in, 1, 2, 0);
    h_omit_input(&h);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.h0);
    assert_int_equal(h_run(&h, 2), DNNX_OK);
    assert_floats_near(&h.outputs[0], rnn_acts_y, 24, 1e-5);
    assert_floats_near(&h.outputs[1], rnn_acts_yh, 8, 1e-5);
    h_free(&h);

    harness only_h;
    h_init(&only_h, "RNN", 7);
    h_attr_string(&only_h, "direction", "bidirectional");
    h_attr_strings(&only_h, "activations", acts, 2);
    h_attr_floats(&only_h, "activation_alpha", alphas, 2);
    h_attr_floats(&only_h, "activation_beta", betas, 1);
    add_core_inputs(&only_h, &in, 1, 2, 0);
    h_omit_input(&only_h);
    h_input(&only_h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.h0);
    only_h.omitted_outputs = 1u;
    assert_int_equal(h_run(&only_h, 2), DNNX_OK);
    assert_floats_near(&only_h.outputs[1], rnn_acts_yh, 8, 1e-5);
    h_free(&only_h);
}

static const float lstm_if_y[] = {6.16265719e-02f, 3.97818095e-02f, 2.52577663e-01f, 2.23898653e-01f,
                                  3.60789744e-01f, 3.01582290e-01f, 1.49262196e-01f, 1.30959457e-01f,
                                  1.04551986e-02f, 0.00000000e+00f, 0.00000000e+00f, 0.00000000e+00f};
static const float lstm_if_yh[] = {3.60789744e-01f, 3.01582290e-01f, 0.00000000e+00f, 0.00000000e+00f};
static const float lstm_if_yc[] = {5.06323463e-01f, 4.18930330e-01f, -2.62466501e-01f, -2.90214528e-01f};

/* Forward LSTM, batch first, input_forget (f = 1 - i), Relu as h, zero initial states. */
static void test_lstm_input_forget_batch_first(void **state)
{
    (void)state;
    rnn_inputs in;
    make_inputs(&in, 4, 1);
    static const char *const acts[] = {"Sigmoid", "Tanh", "Relu"};
    harness h;
    h_init(&h, "LSTM", 14);
    h_attr_int(&h, "layout", 1);
    h_attr_int(&h, "input_forget", 1);
    h_attr_strings(&h, "activations", acts, 3);
    add_core_inputs(&h, &in, 4, 1, 1);
    assert_int_equal(h_run(&h, 3), DNNX_OK);
    assert_dims(&h.outputs[0], 4, (const int64_t[]){BATCH, SEQ, 1, HIDDEN});
    assert_dims(&h.outputs[2], 3, (const int64_t[]){BATCH, 1, HIDDEN});
    assert_floats_near(&h.outputs[0], lstm_if_y, 12, 1e-5);
    assert_floats_near(&h.outputs[1], lstm_if_yh, 4, 1e-5);
    assert_floats_near(&h.outputs[2], lstm_if_yc, 4, 1e-5);
    h_free(&h);
}

/* A double GRU and a float16 RNN give the float results (to their precision). */
static void test_double_and_half_inputs(void **state)
{
    (void)state;
    rnn_inputs in;
    make_inputs(&in, 3, 1);
    double xd[SEQ * BATCH * INPUT], wd[3 * HIDDEN * INPUT], rd[3 * HIDDEN * HIDDEN], bd[6 * HIDDEN], hd[BATCH * HIDDEN];
    for (size_t i = 0; i < sizeof xd / sizeof xd[0]; i++)
        xd[i] = in.x[i];
    for (size_t i = 0; i < sizeof wd / sizeof wd[0]; i++)
        wd[i] = in.w[i];
    for (size_t i = 0; i < sizeof rd / sizeof rd[0]; i++)
        rd[i] = in.r[i];
    for (size_t i = 0; i < sizeof bd / sizeof bd[0]; i++)
        bd[i] = in.b[i];
    for (size_t i = 0; i < sizeof hd / sizeof hd[0]; i++)
        hd[i] = in.h0[i];
    harness h;
    h_init(&h, "GRU", 14);
    h_attr_string(&h, "direction", "reverse");
    h_attr_int(&h, "layout", 1);
    h_attr_float(&h, "clip", 0.5f);
    h_attr_int(&h, "linear_before_reset", 1);
    h_input(&h, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){BATCH, SEQ, INPUT}, xd);
    h_input(&h, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){1, 3 * HIDDEN, INPUT}, wd);
    h_input(&h, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){1, 3 * HIDDEN, HIDDEN}, rd);
    h_input(&h, DNNX_DTYPE_DOUBLE, 2, (const int64_t[]){1, 6 * HIDDEN}, bd);
    h_input(&h, DNNX_DTYPE_INT64, 1, (const int64_t[]){BATCH}, (const int64_t[]){2, 3});
    h_input(&h, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){BATCH, 1, HIDDEN}, hd);
    assert_int_equal(h_run(&h, 2), DNNX_OK);
    assert_int_equal(h.outputs[0].dtype, DNNX_DTYPE_DOUBLE);
    const double *y = h.outputs[0].data;
    for (int i = 0; i < 12; i++)
        assert_float_equal(y[i], gru_rev_lbr_y[i], 1e-6);
    h_free(&h);

    make_inputs(&in, 1, 2);
    uint16_t xh[SEQ * BATCH * INPUT], wh[2 * HIDDEN * INPUT], rh[2 * HIDDEN * HIDDEN], bh[4 * HIDDEN];
    for (size_t i = 0; i < sizeof xh / sizeof xh[0]; i++)
        xh[i] = tensor_float_to_half(in.x[i]);
    for (size_t i = 0; i < sizeof wh / sizeof wh[0]; i++)
        wh[i] = tensor_float_to_half(in.w[i]);
    for (size_t i = 0; i < sizeof rh / sizeof rh[0]; i++)
        rh[i] = tensor_float_to_half(in.r[i]);
    for (size_t i = 0; i < sizeof bh / sizeof bh[0]; i++)
        bh[i] = tensor_float_to_half(in.b[i]);
    harness half;
    h_init(&half, "RNN", 14);
    h_input(&half, DNNX_DTYPE_FLOAT16, 3, (const int64_t[]){SEQ, BATCH, INPUT}, xh);
    h_input(&half, DNNX_DTYPE_FLOAT16, 3, (const int64_t[]){2, HIDDEN, INPUT}, wh);
    h_input(&half, DNNX_DTYPE_FLOAT16, 3, (const int64_t[]){2, HIDDEN, HIDDEN}, rh);
    h_input(&half, DNNX_DTYPE_FLOAT16, 2, (const int64_t[]){2, 2 * HIDDEN}, bh);
    h_attr_string(&half, "direction", "bidirectional");
    assert_int_equal(h_run(&half, 2), DNNX_OK);
    assert_int_equal(half.outputs[1].dtype, DNNX_DTYPE_FLOAT16);
    harness full;
    h_init(&full, "RNN", 14);
    add_core_inputs(&full, &in, 1, 2, 0);
    h_attr_string(&full, "direction", "bidirectional");
    assert_int_equal(h_run(&full, 2), DNNX_OK);
    for (int i = 0; i < 2 * BATCH * HIDDEN; i++)
        assert_float_equal(tensor_half_to_float(((uint16_t *)half.outputs[1].data)[i]),
                           ((float *)full.outputs[1].data)[i], 5e-3);
    h_free(&half);
    h_free(&full);
}

/* At load, symbolic seq and batch flow to the outputs; hidden_size comes from R when absent. */
static void test_load_time_shapes(void **state)
{
    (void)state;
    harness h;
    h_init(&h, "LSTM", 14);
    int64_t seq = graph_symbol(h.g, "seq"), batch = graph_symbol(h.g, "batch");
    h_attr_string(&h, "direction", "bidirectional");
    h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){seq, batch, 5}, NULL);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 12, 5}, NULL);
    h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 12, 3}, NULL);
    assert_int_equal(h_infer(&h, 3), DNNX_OK);
    assert_dims(&h.outputs[0], 4, (const int64_t[]){seq, 2, batch, 3});
    assert_dims(&h.outputs[1], 3, (const int64_t[]){2, batch, 3});
    assert_dims(&h.outputs[2], 3, (const int64_t[]){2, batch, 3});
    h_free(&h);

    harness batch_first;
    h_init(&batch_first, "GRU", 14);
    h_attr_int(&batch_first, "layout", 1);
    h_attr_int(&batch_first, "hidden_size", 4);
    h_input(&batch_first, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){DIM_UNKNOWN, 7, 5}, NULL);
    h_input(&batch_first, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 12, 5}, NULL);
    h_input(&batch_first, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 12, 4}, NULL);
    assert_int_equal(h_infer(&batch_first, 2), DNNX_OK);
    assert_dims(&batch_first.outputs[0], 4, (const int64_t[]){DIM_UNKNOWN, 7, 1, 4});
    assert_dims(&batch_first.outputs[1], 3, (const int64_t[]){DIM_UNKNOWN, 1, 4});
    h_free(&batch_first);
}

/* One attribute or shape problem per case, each caught by load-time inference. */
static void test_invalid_models(void **state)
{
    (void)state;
    static const char *const three[] = {"Sigmoid", "Tanh", "Tanh"};
    static const char *const unknown[] = {"Sigmoid", "Swish"};
    static const struct {
        const char *op;
        const char *attr; /* string attribute to set, or NULL */
        const char *value;
        const char *int_attr;
        int64_t int_value;
        int64_t w_rows; /* W's dim 1 */
        int64_t r_cols; /* R's dim 2 */
        const char *message;
    } cases[] = {
        {"GRU", "direction", "sideways", NULL, 0, 6, 2, "direction 'sideways'"},
        {"GRU", NULL, NULL, "layout", 2, 6, 2, "layout 2"},
        {"GRU", NULL, NULL, "hidden_size", 3, 6, 2, "hidden_size and R's last dim 3 and 2"},
        {"GRU", NULL, NULL, "hidden_size", -1, 6, 2, "hidden_size -1"},
        {"GRU", NULL, NULL, NULL, 0, 8, 2, "W's gates * hidden_size 8 and 6"},
        {"LSTM", NULL, NULL, "input_forget", 2, 8, 2, "input_forget 2"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness h;
        h_init(&h, cases[k].op, 14);
        if (cases[k].attr)
            h_attr_string(&h, cases[k].attr, cases[k].value);
        if (cases[k].int_attr)
            h_attr_int(&h, cases[k].int_attr, cases[k].int_value);
        int gates = !strcmp(cases[k].op, "GRU") ? 3 : 4;
        h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){4, 1, 3}, NULL);
        h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, cases[k].w_rows, 3}, NULL);
        h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, gates * 2, cases[k].r_cols}, NULL);
        assert_int_equal(h_infer(&h, 2), DNNX_ERR_INVALID_MODEL);
        assert_error_contains(cases[k].message);
        h_free(&h);
    }

    harness acts;
    h_init(&acts, "GRU", 14);
    h_attr_strings(&acts, "activations", three, 3);
    h_input(&acts, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){4, 1, 3}, NULL);
    h_input(&acts, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 6, 3}, NULL);
    h_input(&acts, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 6, 2}, NULL);
    assert_int_equal(h_infer(&acts, 2), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("activations has 3 names");
    h_free(&acts);

    harness swish;
    h_init(&swish, "GRU", 14);
    h_attr_strings(&swish, "activations", unknown, 2);
    h_input(&swish, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){4, 1, 3}, NULL);
    h_input(&swish, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 6, 3}, NULL);
    h_input(&swish, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 6, 2}, NULL);
    assert_int_equal(h_infer(&swish, 2), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("unknown activation function 'Swish'");
    h_free(&swish);

    harness clip;
    h_init(&clip, "RNN", 14);
    h_attr_float(&clip, "clip", -1.0f);
    h_input(&clip, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){4, 1, 3}, NULL);
    h_input(&clip, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 2, 3}, NULL);
    h_input(&clip, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 2, 2}, NULL);
    assert_int_equal(h_infer(&clip, 2), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("clip");
    h_free(&clip);

    harness state_shape;
    h_init(&state_shape, "RNN", 14);
    h_input(&state_shape, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){4, 1, 3}, NULL);
    h_input(&state_shape, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 2, 3}, NULL);
    h_input(&state_shape, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 2, 2}, NULL);
    h_omit_input(&state_shape);
    h_omit_input(&state_shape);
    h_input(&state_shape, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 5, 2}, NULL);
    assert_int_equal(h_infer(&state_shape, 2), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("initial_h's batch_size 5 and 1");
    h_free(&state_shape);

    harness dtype;
    h_init(&dtype, "RNN", 14);
    h_input(&dtype, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){4, 1, 3}, NULL);
    h_input(&dtype, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){1, 2, 3}, NULL);
    h_input(&dtype, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 2, 2}, NULL);
    assert_int_equal(h_infer(&dtype, 2), DNNX_ERR_INVALID_MODEL);
    h_free(&dtype);
}

/* LRN over 4 channels with size 3 (window [c - 1, c + 1]) and size 2 (window [c, c + 1]). */
static void test_lrn(void **state)
{
    (void)state;
    float x[2 * 4 * 3];
    fill(x, 24, 0.7, 0.2, 2.0);
    static const int64_t dims[] = {2, 4, 3};
    for (int size = 2; size <= 3; size++) {
        harness h;
        h_init(&h, "LRN", 13);
        h_attr_int(&h, "size", size);
        h_attr_float(&h, "alpha", 0.5f);
        h_attr_float(&h, "beta", 0.6f);
        h_attr_float(&h, "bias", 1.5f);
        h_input(&h, DNNX_DTYPE_FLOAT, 3, dims, x);
        assert_int_equal(h_run(&h, 1), DNNX_OK);
        const float *y = h.outputs[0].data;
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 4; c++) {
                for (int i = 0; i < 3; i++) {
                    int lo = size == 3 ? c - 1 : c, hi = c + 1;
                    double squares = 0;
                    for (int k = lo < 0 ? 0 : lo; k <= (hi > 3 ? 3 : hi); k++)
                        squares += (double)x[(n * 4 + k) * 3 + i] * x[(n * 4 + k) * 3 + i];
                    double expected = x[(n * 4 + c) * 3 + i] / pow(1.5 + 0.5 / size * squares, 0.6);
                    assert_float_equal(y[(n * 4 + c) * 3 + i], expected, 1e-5);
                }
            }
        }
        h_free(&h);
    }

    harness no_size;
    h_init(&no_size, "LRN", 1);
    h_input(&no_size, DNNX_DTYPE_FLOAT, 3, dims, NULL);
    assert_int_equal(h_infer(&no_size, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("'size' is required");
    h_free(&no_size);

    harness rank1;
    h_init(&rank1, "LRN", 13);
    h_attr_int(&rank1, "size", 3);
    h_input(&rank1, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, NULL);
    assert_int_equal(h_infer(&rank1, 1), DNNX_ERR_INVALID_MODEL);
    h_free(&rank1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lstm_bidirectional_with_lengths_and_peepholes),
        cmocka_unit_test(test_gru_reverse_batch_first_with_clip),
        cmocka_unit_test(test_rnn_activation_parameters),
        cmocka_unit_test(test_lstm_input_forget_batch_first),
        cmocka_unit_test(test_double_and_half_inputs),
        cmocka_unit_test(test_load_time_shapes),
        cmocka_unit_test(test_invalid_models),
        cmocka_unit_test(test_lrn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

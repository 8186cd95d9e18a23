/* Unit tests of ops/recurrent.c: RNN, GRU and LSTM in the configurations the ONNX node tests
 * leave out (bidirectional, reverse with sequence_lens, layout 1, clip, both GRU reset
 * placements, input_forget, activation functions with alpha / beta, Y_c), their load-time
 * shape inference and their errors, and LRN. The expected values come from a NumPy
 * transcription of the ONNX equations, fed the same inputs fill_sine() makes here. */
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
    fill_sine(in->x, SEQ * BATCH * INPUT, 0.37, 0.1, 0.8);
    fill_sine(in->w, (size_t)(dirs * gates * HIDDEN * INPUT), 0.11, 0.3, 0.5);
    fill_sine(in->r, (size_t)(dirs * gates * HIDDEN * HIDDEN), 0.23, 0.7, 0.4);
    fill_sine(in->b, (size_t)(dirs * 2 * gates * HIDDEN), 0.31, 0.2, 0.3);
    fill_sine(in->p, (size_t)(dirs * 3 * HIDDEN), 0.19, 0.5, 0.6);
    fill_sine(in->h0, (size_t)(dirs * BATCH * HIDDEN), 0.41, 0.9, 0.5);
    fill_sine(in->c0, (size_t)(dirs * BATCH * HIDDEN), 0.29, 0.4, 0.5);
}

/* X, W, R, B (inputs 0-3) of a generated case; layout picks X's and the states' shape. */
static void add_core_inputs(harness *h, const rnn_inputs *in, int gates, int dirs, int layout)
{
    int64_t x_dims[] = {layout ? BATCH : SEQ, layout ? SEQ : BATCH, INPUT};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, x_dims, in->x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){dirs, gates * HIDDEN, INPUT}, in->w);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){dirs, gates * HIDDEN, HIDDEN}, in->r);
    harness_input(h, 3, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){dirs, 2 * gates * HIDDEN}, in->b);
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
    harness *h = harness_new("LSTM", 14, 0, 3);
    harness_attr_string(h, "direction", "bidirectional");
    harness_attr_int(h, "hidden_size", HIDDEN);
    add_core_inputs(h, &in, 4, 2, 0);
    harness_input(h, 4, DNNX_DTYPE_INT32, 1, (const int64_t[]){BATCH}, lengths);
    harness_input(h, 5, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.h0);
    harness_input(h, 6, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.c0);
    harness_input(h, 7, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){2, 3 * HIDDEN}, in.p);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){SEQ, 2, BATCH, HIDDEN});
    assert_dims(&h->outputs[2], 3, (const int64_t[]){2, BATCH, HIDDEN});
    assert_tensor_floats(&h->outputs[0], lstm_bidi_y, 24, 1e-5);
    assert_tensor_floats(&h->outputs[1], lstm_bidi_yh, 8, 1e-5);
    assert_tensor_floats(&h->outputs[2], lstm_bidi_yc, 8, 1e-5);
    harness_free(h);

    /* Lengths past seq_length are a runtime error. */
    static const int32_t too_long[] = {3, 4};
    harness *bad = harness_new("LSTM", 14, 0, 2);
    harness_attr_string(bad, "direction", "bidirectional");
    add_core_inputs(bad, &in, 4, 2, 0);
    harness_input(bad, 4, DNNX_DTYPE_INT32, 1, (const int64_t[]){BATCH}, too_long);
    assert_error(harness_run(bad), DNNX_ERR_RUNTIME, "sequence_lens[1] = 4");
    harness_free(bad);
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
        harness *h = harness_new("GRU", 14, 0, 2);
        harness_attr_string(h, "direction", "reverse");
        harness_attr_int(h, "layout", 1);
        harness_attr_float(h, "clip", 0.5f);
        harness_attr_int(h, "linear_before_reset", lbr);
        add_core_inputs(h, &in, 3, 1, 1);
        harness_input(h, 4, DNNX_DTYPE_INT32, 1, (const int64_t[]){BATCH}, lengths);
        harness_input(h, 5, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){BATCH, 1, HIDDEN}, in.h0);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 4, (const int64_t[]){BATCH, SEQ, 1, HIDDEN});
        assert_dims(&h->outputs[1], 3, (const int64_t[]){BATCH, 1, HIDDEN});
        assert_tensor_floats(&h->outputs[0], lbr ? gru_rev_lbr_y : gru_rev_y, 12, 1e-5);
        assert_tensor_floats(&h->outputs[1], lbr ? gru_rev_lbr_yh : gru_rev_yh, 4, 1e-5);
        harness_free(h);
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
    harness *h = harness_new("RNN", 14, 0, 2);
    harness_attr_string(h, "direction", "bidirectional");
    harness_attr_int(h, "hidden_size", HIDDEN);
    harness_attr_strings(h, "activations", acts, 2);
    harness_attr_floats(h, "activation_alpha", alphas, 2);
    harness_attr_floats(h, "activation_beta", betas, 1);
    add_core_inputs(h, &in, 1, 2, 0);
    harness_omit_input(h, 4);
    harness_input(h, 5, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.h0);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_tensor_floats(&h->outputs[0], rnn_acts_y, 24, 1e-5);
    assert_tensor_floats(&h->outputs[1], rnn_acts_yh, 8, 1e-5);
    harness_free(h);

    harness *only_h = harness_new("RNN", 7, 0, 2);
    harness_attr_string(only_h, "direction", "bidirectional");
    harness_attr_strings(only_h, "activations", acts, 2);
    harness_attr_floats(only_h, "activation_alpha", alphas, 2);
    harness_attr_floats(only_h, "activation_beta", betas, 1);
    add_core_inputs(only_h, &in, 1, 2, 0);
    harness_omit_input(only_h, 4);
    harness_input(only_h, 5, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, BATCH, HIDDEN}, in.h0);
    harness_omit_output(only_h, 0);
    assert_int_equal(harness_run(only_h), DNNX_OK);
    assert_tensor_floats(&only_h->outputs[1], rnn_acts_yh, 8, 1e-5);
    harness_free(only_h);
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
    harness *h = harness_new("LSTM", 14, 0, 3);
    harness_attr_int(h, "layout", 1);
    harness_attr_int(h, "input_forget", 1);
    harness_attr_strings(h, "activations", acts, 3);
    add_core_inputs(h, &in, 4, 1, 1);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){BATCH, SEQ, 1, HIDDEN});
    assert_dims(&h->outputs[2], 3, (const int64_t[]){BATCH, 1, HIDDEN});
    assert_tensor_floats(&h->outputs[0], lstm_if_y, 12, 1e-5);
    assert_tensor_floats(&h->outputs[1], lstm_if_yh, 4, 1e-5);
    assert_tensor_floats(&h->outputs[2], lstm_if_yc, 4, 1e-5);
    harness_free(h);
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
    harness *h = harness_new("GRU", 14, 0, 2);
    harness_attr_string(h, "direction", "reverse");
    harness_attr_int(h, "layout", 1);
    harness_attr_float(h, "clip", 0.5f);
    harness_attr_int(h, "linear_before_reset", 1);
    harness_input(h, 0, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){BATCH, SEQ, INPUT}, xd);
    harness_input(h, 1, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){1, 3 * HIDDEN, INPUT}, wd);
    harness_input(h, 2, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){1, 3 * HIDDEN, HIDDEN}, rd);
    harness_input(h, 3, DNNX_DTYPE_DOUBLE, 2, (const int64_t[]){1, 6 * HIDDEN}, bd);
    harness_input(h, 4, DNNX_DTYPE_INT64, 1, (const int64_t[]){BATCH}, (const int64_t[]){2, 3});
    harness_input(h, 5, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){BATCH, 1, HIDDEN}, hd);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_DOUBLE);
    const double *y = h->outputs[0].data;
    for (int i = 0; i < 12; i++)
        assert_float_equal(y[i], gru_rev_lbr_y[i], 1e-6);
    harness_free(h);

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
    harness *half = harness_new("RNN", 14, 0, 2);
    harness_input(half, 0, DNNX_DTYPE_FLOAT16, 3, (const int64_t[]){SEQ, BATCH, INPUT}, xh);
    harness_input(half, 1, DNNX_DTYPE_FLOAT16, 3, (const int64_t[]){2, HIDDEN, INPUT}, wh);
    harness_input(half, 2, DNNX_DTYPE_FLOAT16, 3, (const int64_t[]){2, HIDDEN, HIDDEN}, rh);
    harness_input(half, 3, DNNX_DTYPE_FLOAT16, 2, (const int64_t[]){2, 2 * HIDDEN}, bh);
    harness_attr_string(half, "direction", "bidirectional");
    assert_int_equal(harness_run(half), DNNX_OK);
    assert_int_equal(half->outputs[1].dtype, DNNX_DTYPE_FLOAT16);
    harness *full = harness_new("RNN", 14, 0, 2);
    add_core_inputs(full, &in, 1, 2, 0);
    harness_attr_string(full, "direction", "bidirectional");
    assert_int_equal(harness_run(full), DNNX_OK);
    for (int i = 0; i < 2 * BATCH * HIDDEN; i++)
        assert_float_equal(tensor_half_to_float(((uint16_t *)half->outputs[1].data)[i]),
                           ((float *)full->outputs[1].data)[i], 5e-3);
    harness_free(half);
    harness_free(full);
}

/* At load, symbolic seq and batch flow to the outputs; hidden_size comes from R when absent. */
static void test_load_time_shapes(void **state)
{
    (void)state;
    harness *h = harness_new("LSTM", 14, 0, 3);
    int64_t seq = graph_symbol(h->g, "seq"), batch = graph_symbol(h->g, "batch");
    harness_attr_string(h, "direction", "bidirectional");
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){seq, batch, 5}, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 12, 5}, NULL);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 12, 3}, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){seq, 2, batch, 3});
    assert_dims(&h->outputs[1], 3, (const int64_t[]){2, batch, 3});
    assert_dims(&h->outputs[2], 3, (const int64_t[]){2, batch, 3});
    harness_free(h);

    harness *batch_first = harness_new("GRU", 14, 0, 2);
    harness_attr_int(batch_first, "layout", 1);
    harness_attr_int(batch_first, "hidden_size", 4);
    harness_input(batch_first, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){DIM_UNKNOWN, 7, 5}, NULL);
    harness_input(batch_first, 1, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 12, 5}, NULL);
    harness_input(batch_first, 2, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 12, 4}, NULL);
    assert_int_equal(harness_infer(batch_first, false), DNNX_OK);
    assert_dims(&batch_first->outputs[0], 4, (const int64_t[]){DIM_UNKNOWN, 7, 1, 4});
    assert_dims(&batch_first->outputs[1], 3, (const int64_t[]){DIM_UNKNOWN, 1, 4});
    harness_free(batch_first);
}

/* X [4, 1, 3], W [1, w_rows, 3] and R [1, r_rows, r_cols] as shapes only (inputs 0-2). */
static void add_shape_inputs(harness *h, int64_t w_rows, int64_t r_rows, int64_t r_cols)
{
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){4, 1, 3}, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, w_rows, 3}, NULL);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, r_rows, r_cols}, NULL);
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
        harness *h = harness_new(cases[k].op, 14, 0, 2);
        if (cases[k].attr)
            harness_attr_string(h, cases[k].attr, cases[k].value);
        if (cases[k].int_attr)
            harness_attr_int(h, cases[k].int_attr, cases[k].int_value);
        int gates = !strcmp(cases[k].op, "GRU") ? 3 : 4;
        add_shape_inputs(h, cases[k].w_rows, gates * 2, cases[k].r_cols);
        assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, cases[k].message);
        harness_free(h);
    }

    harness *acts = harness_new("GRU", 14, 0, 2);
    harness_attr_strings(acts, "activations", three, 3);
    add_shape_inputs(acts, 6, 6, 2);
    assert_error(harness_infer(acts, false), DNNX_ERR_INVALID_MODEL, "activations has 3 names");
    harness_free(acts);

    harness *swish = harness_new("GRU", 14, 0, 2);
    harness_attr_strings(swish, "activations", unknown, 2);
    add_shape_inputs(swish, 6, 6, 2);
    assert_error(harness_infer(swish, false), DNNX_ERR_INVALID_MODEL, "unknown activation function 'Swish'");
    harness_free(swish);

    harness *clip = harness_new("RNN", 14, 0, 2);
    harness_attr_float(clip, "clip", -1.0f);
    add_shape_inputs(clip, 2, 2, 2);
    assert_error(harness_infer(clip, false), DNNX_ERR_INVALID_MODEL, "clip");
    harness_free(clip);

    harness *state_shape = harness_new("RNN", 14, 0, 2);
    add_shape_inputs(state_shape, 2, 2, 2);
    harness_omit_input(state_shape, 3);
    harness_omit_input(state_shape, 4);
    harness_input(state_shape, 5, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 5, 2}, NULL);
    assert_error(harness_infer(state_shape, false), DNNX_ERR_INVALID_MODEL, "initial_h's batch_size 5 and 1");
    harness_free(state_shape);

    harness *dtype = harness_new("RNN", 14, 0, 2);
    add_shape_inputs(dtype, 2, 2, 2);
    harness_input(dtype, 1, DNNX_DTYPE_DOUBLE, 3, (const int64_t[]){1, 2, 3}, NULL);
    assert_int_equal(harness_infer(dtype, false), DNNX_ERR_INVALID_MODEL);
    harness_free(dtype);
}

/* LRN over 4 channels with size 3 (window [c - 1, c + 1]) and size 2 (window [c, c + 1]). */
static void test_lrn(void **state)
{
    (void)state;
    float x[2 * 4 * 3];
    fill_sine(x, 24, 0.7, 0.2, 2.0);
    static const int64_t dims[] = {2, 4, 3};
    for (int size = 2; size <= 3; size++) {
        harness *h = harness_new("LRN", 13, 0, 1);
        harness_attr_int(h, "size", size);
        harness_attr_float(h, "alpha", 0.5f);
        harness_attr_float(h, "beta", 0.6f);
        harness_attr_float(h, "bias", 1.5f);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, dims, x);
        assert_int_equal(harness_run(h), DNNX_OK);
        const float *y = h->outputs[0].data;
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
        harness_free(h);
    }

    harness *no_size = harness_new("LRN", 1, 0, 1);
    harness_input(no_size, 0, DNNX_DTYPE_FLOAT, 3, dims, NULL);
    assert_error(harness_infer(no_size, false), DNNX_ERR_INVALID_MODEL, "'size' is required");
    harness_free(no_size);

    harness *rank1 = harness_new("LRN", 13, 0, 1);
    harness_attr_int(rank1, "size", 3);
    harness_input(rank1, 0, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){4}, NULL);
    assert_int_equal(harness_infer(rank1, false), DNNX_ERR_INVALID_MODEL);
    harness_free(rank1);
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

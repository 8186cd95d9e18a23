/* Unit tests of ops/signal.c: DFT (both the radix-2 and the direct path, padding and
 * truncation by dft_length, onesided, inverse, complex input, DFT-20's axis input), STFT with
 * and without a window, the three cosine windows (periodic and symmetric, output_datatype),
 * MelWeightMatrix, load-time shapes and the errors. Transforms are checked against a direct
 * evaluation of the DFT sum written out here. */
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

static void assert_error_contains(const char *text) { assert_non_null(strstr(dnnx_last_error(), text)); }

/* v[i] = scale * sin(a * i + b) rounded to float. */
static void fill(float *v, size_t n, double a, double b, double scale)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(sin(a * (double)i + b) * scale);
}

/* Bin k of the DFT of n complex values (stride apart in re / im), by the defining sum,
 * zero-padded past `used`; inverse flips the sign and divides by n. */
static void dft_bin(const float *re, const float *im, size_t stride, size_t used, size_t n, size_t k, bool inverse,
                    double *out_re, double *out_im)
{
    double sr = 0, si = 0, sign = inverse ? 1.0 : -1.0;
    for (size_t j = 0; j < used && j < n; j++) {
        double angle = sign * 2.0 * 3.14159265358979323846 * (double)((j * k) % n) / (double)n;
        double xr = re[j * stride], xi = im ? im[j * stride] : 0.0;
        sr += xr * cos(angle) - xi * sin(angle);
        si += xr * sin(angle) + xi * cos(angle);
    }
    *out_re = inverse ? sr / (double)n : sr;
    *out_im = inverse ? si / (double)n : si;
}

/* DFT of a real [2, L, 1] signal along axis 1 for lengths that take the FFT (8, 16) and the
 * direct path (6), padded (n > L) or truncated (n < L), full and onesided. */
static void test_dft_real_lengths_and_onesided(void **state)
{
    (void)state;
    enum { L = 12 };
    float x[2 * L];
    fill(x, 2 * L, 0.9, 0.3, 2.0);
    static const int64_t lengths[] = {6, 8, 12, 16};
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        for (int onesided = 0; onesided < 2; onesided++) {
            int64_t n = lengths[li];
            harness h;
            h_init(&h, "DFT", 17);
            h_attr_int(&h, "onesided", onesided);
            h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, L, 1}, x);
            h_input(&h, DNNX_DTYPE_INT64, 0, NULL, &n);
            assert_int_equal(h_run(&h, 1), DNNX_OK);
            int64_t bins = onesided ? n / 2 + 1 : n;
            assert_dims(&h.outputs[0], 3, (const int64_t[]){2, bins, 2});
            const float *y = h.outputs[0].data;
            for (int b = 0; b < 2; b++) {
                for (int64_t k = 0; k < bins; k++) {
                    double re, im;
                    dft_bin(x + b * L, NULL, 1, L, (size_t)n, (size_t)k, false, &re, &im);
                    assert_float_equal(y[(b * bins + k) * 2], re, 1e-4);
                    assert_float_equal(y[(b * bins + k) * 2 + 1], im, 1e-4);
                }
            }
            h_free(&h);
        }
    }
}

/* A complex [1, 3, 8, 2] input transformed along axis 2 and back gives the input again; the
 * forward result matches the direct sum. */
static void test_dft_complex_inverse_round_trip(void **state)
{
    (void)state;
    float x[3 * 8 * 2];
    fill(x, 48, 0.57, 0.8, 1.5);
    static const int64_t dims[] = {1, 3, 8, 2};
    harness fwd;
    h_init(&fwd, "DFT", 17);
    h_attr_int(&fwd, "axis", 2);
    h_input(&fwd, DNNX_DTYPE_FLOAT, 4, dims, x);
    assert_int_equal(h_run(&fwd, 1), DNNX_OK);
    assert_dims(&fwd.outputs[0], 4, dims);
    const float *y = fwd.outputs[0].data;
    for (int r = 0; r < 3; r++) {
        for (int k = 0; k < 8; k++) {
            double re, im;
            dft_bin(x + r * 16, x + r * 16 + 1, 2, 8, 8, (size_t)k, false, &re, &im);
            assert_float_equal(y[r * 16 + k * 2], re, 1e-4);
            assert_float_equal(y[r * 16 + k * 2 + 1], im, 1e-4);
        }
    }
    harness inv;
    h_init(&inv, "DFT", 17);
    h_attr_int(&inv, "axis", -2);
    h_attr_int(&inv, "inverse", 1);
    h_input(&inv, DNNX_DTYPE_FLOAT, 4, dims, y);
    assert_int_equal(h_run(&inv, 1), DNNX_OK);
    const float *back = inv.outputs[0].data;
    for (int i = 0; i < 48; i++)
        assert_float_equal(back[i], x[i], 1e-5);
    h_free(&fwd);
    h_free(&inv);
}

/* DFT-20 takes the axis from input 2 (default -2, the last signal axis). */
static void test_dft_20_axis_input(void **state)
{
    (void)state;
    float x[2 * 5 * 1];
    fill(x, 10, 0.4, 0.0, 1.0);
    for (int with_axis = 0; with_axis < 2; with_axis++) {
        static const int64_t axis = 0;
        harness h;
        h_init(&h, "DFT", 20);
        h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 5, 1}, x);
        h_omit_input(&h);
        if (with_axis)
            h_input(&h, DNNX_DTYPE_INT64, 0, NULL, &axis);
        assert_int_equal(h_run(&h, 1), DNNX_OK);
        assert_dims(&h.outputs[0], 3, (const int64_t[]){2, 5, 2});
        const float *y = h.outputs[0].data;
        if (with_axis) {
            for (int i = 0; i < 5; i++) {
                for (int k = 0; k < 2; k++) {
                    double re, im;
                    dft_bin(x + i, NULL, 5, 2, 2, (size_t)k, false, &re, &im);
                    assert_float_equal(y[(k * 5 + i) * 2], re, 1e-5);
                    assert_float_equal(y[(k * 5 + i) * 2 + 1], im, 1e-5);
                }
            }
        } else {
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < 5; k++) {
                    double re, im;
                    dft_bin(x + b * 5, NULL, 1, 5, 5, (size_t)k, false, &re, &im);
                    assert_float_equal(y[(b * 5 + k) * 2], re, 1e-5);
                    assert_float_equal(y[(b * 5 + k) * 2 + 1], im, 1e-5);
                }
            }
        }
        h_free(&h);
    }

    /* Without the axis's data the output keeps only its rank and last dim. */
    harness unknown;
    h_init(&unknown, "DFT", 20);
    h_input(&unknown, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 5, 1}, NULL);
    h_omit_input(&unknown);
    h_input(&unknown, DNNX_DTYPE_INT64, 0, NULL, NULL);
    assert_int_equal(h_infer(&unknown, 1), DNNX_OK);
    assert_dims(&unknown.outputs[0], 3, (const int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN, 2});
    h_free(&unknown);
}

static void test_dft_errors(void **state)
{
    (void)state;
    static const struct {
        int version;
        int64_t last_dim;
        int64_t axis, onesided, inverse;
        dnnx_status status;
        const char *message;
    } cases[] = {
        {17, 1, 1, 1, 1, DNNX_ERR_INVALID_MODEL, "onesided and inverse cannot both be set"},
        {20, 2, 1, 1, 1, DNNX_ERR_UNSUPPORTED, "onesided inverse"},
        {17, 3, 1, 0, 0, DNNX_ERR_INVALID_MODEL, "last dim of the input is 3"},
        {17, 2, 1, 1, 0, DNNX_ERR_INVALID_MODEL, "needs a real input"},
        {17, 1, 2, 0, 0, DNNX_ERR_INVALID_MODEL, "axis 2 is not a signal axis"},
        {17, 1, -1, 0, 0, DNNX_ERR_INVALID_MODEL, "axis -1 is not a signal axis"},
        {17, 1, -4, 0, 0, DNNX_ERR_INVALID_MODEL, "axis -4 is not a signal axis"},
        {17, 1, 1, 2, 0, DNNX_ERR_INVALID_MODEL, "onesided 2"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness h;
        h_init(&h, "DFT", cases[k].version);
        if (cases[k].version == 17)
            h_attr_int(&h, "axis", cases[k].axis);
        h_attr_int(&h, "onesided", cases[k].onesided);
        h_attr_int(&h, "inverse", cases[k].inverse);
        h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 4, cases[k].last_dim}, NULL);
        assert_int_equal(h_infer(&h, 1), cases[k].status);
        assert_non_null(strstr(dnnx_last_error(), cases[k].message));
        h_free(&h);
    }

    static const int64_t zero = 0;
    harness length;
    h_init(&length, "DFT", 17);
    h_input(&length, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 4, 1}, NULL);
    h_input(&length, DNNX_DTYPE_INT64, 0, NULL, &zero);
    assert_int_equal(h_infer(&length, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("dft_length 0 must be positive");
    h_free(&length);
}

/* STFT of a [2, 40, 1] signal in frames of 16 every 6 samples (5 frames, the last 4 samples
 * unused), with a window and without (frame_length), onesided and full. */
static void test_stft(void **state)
{
    (void)state;
    enum { LEN = 40, N = 16, STEP = 6, FRAMES = 5 };
    float signal[2 * LEN], window[N];
    fill(signal, 2 * LEN, 0.35, 0.6, 1.0);
    fill(window, N, 0.2, 0.1, 1.0);
    static const int64_t step = STEP, frame_length = N;
    for (int windowed = 0; windowed < 2; windowed++) {
        for (int onesided = 0; onesided < 2; onesided++) {
            harness h;
            h_init(&h, "STFT", 17);
            h_attr_int(&h, "onesided", onesided);
            h_input(&h, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, LEN, 1}, signal);
            h_input(&h, DNNX_DTYPE_INT64, 0, NULL, &step);
            if (windowed) {
                h_input(&h, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){N}, window);
            } else {
                h_omit_input(&h);
                h_input(&h, DNNX_DTYPE_INT64, 0, NULL, &frame_length);
            }
            assert_int_equal(h_run(&h, 1), DNNX_OK);
            int64_t bins = onesided ? N / 2 + 1 : N;
            assert_dims(&h.outputs[0], 4, (const int64_t[]){2, FRAMES, bins, 2});
            const float *y = h.outputs[0].data;
            for (int b = 0; b < 2; b++) {
                for (int f = 0; f < FRAMES; f++) {
                    float frame[N];
                    for (int j = 0; j < N; j++)
                        frame[j] = signal[b * LEN + f * STEP + j] * (windowed ? window[j] : 1.0f);
                    for (int64_t k = 0; k < bins; k++) {
                        double re, im;
                        dft_bin(frame, NULL, 1, N, N, (size_t)k, false, &re, &im);
                        size_t at = (size_t)(((b * FRAMES + f) * bins + k) * 2);
                        assert_float_equal(y[at], re, 1e-4);
                        assert_float_equal(y[at + 1], im, 1e-4);
                    }
                }
            }
            h_free(&h);
        }
    }

    static const int64_t other_length = 8;
    harness mismatch;
    h_init(&mismatch, "STFT", 17);
    h_input(&mismatch, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, LEN, 1}, NULL);
    h_input(&mismatch, DNNX_DTYPE_INT64, 0, NULL, &step);
    h_input(&mismatch, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){N}, NULL);
    h_input(&mismatch, DNNX_DTYPE_INT64, 0, NULL, &other_length);
    assert_int_equal(h_infer(&mismatch, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("window length and frame_length 16 and 8");
    h_free(&mismatch);

    harness short_signal;
    h_init(&short_signal, "STFT", 17);
    h_input(&short_signal, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 10, 1}, NULL);
    h_input(&short_signal, DNNX_DTYPE_INT64, 0, NULL, &step);
    h_omit_input(&short_signal);
    h_input(&short_signal, DNNX_DTYPE_INT64, 0, NULL, &frame_length);
    assert_int_equal(h_infer(&short_signal, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("shorter than the frame length");
    h_free(&short_signal);

    harness neither;
    h_init(&neither, "STFT", 17);
    h_input(&neither, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 10, 1}, NULL);
    h_input(&neither, DNNX_DTYPE_INT64, 0, NULL, &step);
    assert_int_equal(h_infer(&neither, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("one of window and frame_length");
    h_free(&neither);

    /* A frame_step known only at run time leaves the frame count unknown at load. */
    harness load;
    h_init(&load, "STFT", 17);
    h_input(&load, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, LEN, 1}, NULL);
    h_input(&load, DNNX_DTYPE_INT64, 0, NULL, NULL);
    h_input(&load, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){N}, NULL);
    assert_int_equal(h_infer(&load, 1), DNNX_OK);
    assert_dims(&load.outputs[0], 4, (const int64_t[]){2, DIM_UNKNOWN, N / 2 + 1, 2});
    h_free(&load);
}

static void run_window(const char *op, int64_t size, int periodic, dnnx_dtype dtype, harness *h)
{
    h_init(h, op, 17);
    h_attr_int(h, "periodic", periodic);
    h_attr_int(h, "output_datatype", dtype);
    h_input(h, DNNX_DTYPE_INT64, 0, NULL, &size);
    assert_int_equal(h_run(h, 1), DNNX_OK);
    assert_dims(&h->outputs[0], 1, &size);
    assert_int_equal(h->outputs[0].dtype, dtype);
}

static void test_windows(void **state)
{
    (void)state;
    static const struct {
        const char *op;
        int64_t size;
        int periodic;
        double expected[5];
    } cases[] = {
        {"HannWindow", 4, 1, {0.0, 0.5, 1.0, 0.5}},
        {"HannWindow", 5, 0, {0.0, 0.5, 1.0, 0.5, 0.0}},
        {"HammingWindow", 5, 0, {2.0 / 23.0, 12.5 / 23.0, 1.0, 12.5 / 23.0, 2.0 / 23.0}},
        {"HammingWindow", 4, 1, {2.0 / 23.0, 25.0 / 46.0, 1.0, 25.0 / 46.0}},
        {"BlackmanWindow", 5, 0, {0.0, 0.34, 1.0, 0.34, 0.0}},
        {"BlackmanWindow", 4, 1, {0.0, 0.34, 1.0, 0.34}},
        {"HannWindow", 1, 0, {1.0}},
        {"BlackmanWindow", 1, 1, {0.0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness h;
        run_window(cases[k].op, cases[k].size, cases[k].periodic, DNNX_DTYPE_DOUBLE, &h);
        const double *y = h.outputs[0].data;
        for (int64_t i = 0; i < cases[k].size; i++)
            assert_float_equal(y[i], cases[k].expected[i], 1e-12);
        h_free(&h);
    }

    harness ints;
    run_window("HannWindow", 5, 0, DNNX_DTYPE_INT32, &ints);
    const int32_t *iy = ints.outputs[0].data;
    assert_int_equal(iy[2], 1);
    assert_int_equal(iy[1], 0);
    h_free(&ints);

    static const int64_t zero = 0;
    harness empty;
    h_init(&empty, "HammingWindow", 17);
    h_input(&empty, DNNX_DTYPE_INT64, 0, NULL, &zero);
    assert_int_equal(h_infer(&empty, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("size 0 must be positive");
    h_free(&empty);

    harness bad_type;
    h_init(&bad_type, "HannWindow", 17);
    h_attr_int(&bad_type, "output_datatype", DNNX_DTYPE_STRING);
    h_input(&bad_type, DNNX_DTYPE_INT64, 0, NULL, NULL);
    assert_int_equal(h_infer(&bad_type, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("output_datatype 8");
    h_free(&bad_type);

    harness unknown;
    h_init(&unknown, "BlackmanWindow", 17);
    h_input(&unknown, DNNX_DTYPE_INT32, 0, NULL, NULL);
    assert_int_equal(h_infer(&unknown, 1), DNNX_OK);
    assert_dims(&unknown.outputs[0], 1, (const int64_t[]){DIM_UNKNOWN});
    assert_int_equal(unknown.outputs[0].dtype, DNNX_DTYPE_FLOAT);
    h_free(&unknown);
}

/* 3 mel bins over a 32-point DFT at 1000 Hz between 50 and 500 Hz: the edges fall on bins
 * 1, 4, 6, 9 and 12 (values from ONNX's reference algorithm). */
static const float mel_expected[17][3] = {{0, 0, 0},
                                          {0, 0, 0},
                                          {0.333333f, 0, 0},
                                          {0.666667f, 0, 0},
                                          {1, 0, 0},
                                          {0.5f, 0.5f, 0},
                                          {0, 1, 0},
                                          {0, 0.666667f, 0.333333f},
                                          {0, 0.333333f, 0.666667f},
                                          {0, 0, 1},
                                          {0, 0, 0.666667f},
                                          {0, 0, 0.333333f},
                                          {0, 0, 0},
                                          {0, 0, 0},
                                          {0, 0, 0},
                                          {0, 0, 0},
                                          {0, 0, 0}};

static void add_mel_inputs(harness *h, const int32_t *ints, const float *edges)
{
    for (int i = 0; i < 3; i++)
        h_input(h, DNNX_DTYPE_INT32, 0, NULL, ints ? &ints[i] : NULL);
    for (int i = 0; i < 2; i++)
        h_input(h, DNNX_DTYPE_FLOAT, 0, NULL, &edges[i]);
}

static void test_mel_weight_matrix(void **state)
{
    (void)state;
    static const int32_t ints[] = {3, 32, 1000};
    static const float edges[] = {50.0f, 500.0f};
    harness h;
    h_init(&h, "MelWeightMatrix", 17);
    add_mel_inputs(&h, ints, edges);
    assert_int_equal(h_run(&h, 1), DNNX_OK);
    assert_dims(&h.outputs[0], 2, (const int64_t[]){17, 3});
    const float *y = h.outputs[0].data;
    for (int i = 0; i < 17 * 3; i++)
        assert_float_equal(y[i], mel_expected[i / 3][i % 3], 1e-6);
    h_free(&h);

    harness load;
    h_init(&load, "MelWeightMatrix", 17);
    h_attr_int(&load, "output_datatype", DNNX_DTYPE_DOUBLE);
    add_mel_inputs(&load, NULL, edges);
    assert_int_equal(h_infer(&load, 1), DNNX_OK);
    assert_dims(&load.outputs[0], 2, (const int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN});
    assert_int_equal(load.outputs[0].dtype, DNNX_DTYPE_DOUBLE);
    h_free(&load);

    static const float reversed[] = {500.0f, 50.0f};
    harness bad;
    h_init(&bad, "MelWeightMatrix", 17);
    add_mel_inputs(&bad, ints, reversed);
    assert_int_equal(h_run(&bad, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("lower < upper");
    h_free(&bad);

    static const int32_t no_bins[] = {0, 32, 1000};
    harness zero;
    h_init(&zero, "MelWeightMatrix", 17);
    add_mel_inputs(&zero, no_bins, edges);
    assert_int_equal(h_infer(&zero, 1), DNNX_ERR_INVALID_MODEL);
    assert_error_contains("num_mel_bins 0");
    h_free(&zero);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dft_real_lengths_and_onesided),
        cmocka_unit_test(test_dft_complex_inverse_round_trip),
        cmocka_unit_test(test_dft_20_axis_input),
        cmocka_unit_test(test_dft_errors),
        cmocka_unit_test(test_stft),
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_mel_weight_matrix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

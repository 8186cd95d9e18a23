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
#include "support/op_harness.h"

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
    fill_sine(x, 2 * L, 0.9, 0.3, 2.0);
    static const int64_t lengths[] = {6, 8, 12, 16};
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        for (int onesided = 0; onesided < 2; onesided++) {
            int64_t n = lengths[li];
            harness *h = harness_new("DFT", 17, 0, 1);
            harness_attr_int(h, "onesided", onesided);
            harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, L, 1}, x);
            harness_input(h, 1, DNNX_DTYPE_INT64, 0, NULL, &n);
            assert_int_equal(harness_run(h), DNNX_OK);
            int64_t bins = onesided ? n / 2 + 1 : n;
            assert_dims(&h->outputs[0], 3, (const int64_t[]){2, bins, 2});
            const float *y = h->outputs[0].data;
            for (int b = 0; b < 2; b++) {
                for (int64_t k = 0; k < bins; k++) {
                    double re, im;
                    dft_bin(x + b * L, NULL, 1, L, (size_t)n, (size_t)k, false, &re, &im);
                    assert_float_equal(y[(b * bins + k) * 2], re, 1e-4);
                    assert_float_equal(y[(b * bins + k) * 2 + 1], im, 1e-4);
                }
            }
            harness_free(h);
        }
    }
}

/* A complex [1, 3, 8, 2] input transformed along axis 2 and back gives the input again; the
 * forward result matches the direct sum. */
static void test_dft_complex_inverse_round_trip(void **state)
{
    (void)state;
    float x[3 * 8 * 2];
    fill_sine(x, 48, 0.57, 0.8, 1.5);
    static const int64_t dims[] = {1, 3, 8, 2};
    harness *fwd = harness_new("DFT", 17, 0, 1);
    harness_attr_int(fwd, "axis", 2);
    harness_input(fwd, 0, DNNX_DTYPE_FLOAT, 4, dims, x);
    assert_int_equal(harness_run(fwd), DNNX_OK);
    assert_dims(&fwd->outputs[0], 4, dims);
    const float *y = fwd->outputs[0].data;
    for (int r = 0; r < 3; r++) {
        for (int k = 0; k < 8; k++) {
            double re, im;
            dft_bin(x + r * 16, x + r * 16 + 1, 2, 8, 8, (size_t)k, false, &re, &im);
            assert_float_equal(y[r * 16 + k * 2], re, 1e-4);
            assert_float_equal(y[r * 16 + k * 2 + 1], im, 1e-4);
        }
    }
    harness *inv = harness_new("DFT", 17, 0, 1);
    harness_attr_int(inv, "axis", -2);
    harness_attr_int(inv, "inverse", 1);
    harness_input(inv, 0, DNNX_DTYPE_FLOAT, 4, dims, y);
    assert_int_equal(harness_run(inv), DNNX_OK);
    const float *back = inv->outputs[0].data;
    for (int i = 0; i < 48; i++)
        assert_float_equal(back[i], x[i], 1e-5);
    harness_free(fwd);
    harness_free(inv);
}

/* DFT-20 takes the axis from input 2 (default -2, the last signal axis). */
static void test_dft_20_axis_input(void **state)
{
    (void)state;
    float x[2 * 5 * 1];
    fill_sine(x, 10, 0.4, 0.0, 1.0);
    for (int with_axis = 0; with_axis < 2; with_axis++) {
        static const int64_t axis = 0;
        harness *h = harness_new("DFT", 20, 0, 1);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 5, 1}, x);
        harness_omit_input(h, 1);
        if (with_axis)
            harness_input(h, 2, DNNX_DTYPE_INT64, 0, NULL, &axis);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 3, (const int64_t[]){2, 5, 2});
        const float *y = h->outputs[0].data;
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
        harness_free(h);
    }

    /* Without the axis's data the output keeps only its rank and last dim. */
    harness *unknown = harness_new("DFT", 20, 0, 1);
    harness_input(unknown, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 5, 1}, NULL);
    harness_omit_input(unknown, 1);
    harness_input(unknown, 2, DNNX_DTYPE_INT64, 0, NULL, NULL);
    assert_int_equal(harness_infer(unknown, false), DNNX_OK);
    assert_dims(&unknown->outputs[0], 3, (const int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN, 2});
    harness_free(unknown);
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
        harness *h = harness_new("DFT", cases[k].version, 0, 1);
        if (cases[k].version == 17)
            harness_attr_int(h, "axis", cases[k].axis);
        harness_attr_int(h, "onesided", cases[k].onesided);
        harness_attr_int(h, "inverse", cases[k].inverse);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 4, cases[k].last_dim}, NULL);
        assert_error(harness_infer(h, false), cases[k].status, cases[k].message);
        harness_free(h);
    }

    static const int64_t zero = 0;
    harness *length = harness_new("DFT", 17, 0, 1);
    harness_input(length, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 4, 1}, NULL);
    harness_input(length, 1, DNNX_DTYPE_INT64, 0, NULL, &zero);
    assert_error(harness_infer(length, false), DNNX_ERR_INVALID_MODEL, "dft_length 0 must be positive");
    harness_free(length);
}

/* STFT of a [2, 40, 1] signal in frames of 16 every 6 samples (5 frames, the last 4 samples
 * unused), with a window and without (frame_length), onesided and full. */
static void test_stft(void **state)
{
    (void)state;
    enum { LEN = 40, N = 16, STEP = 6, FRAMES = 5 };
    float signal[2 * LEN], window[N];
    fill_sine(signal, 2 * LEN, 0.35, 0.6, 1.0);
    fill_sine(window, N, 0.2, 0.1, 1.0);
    static const int64_t step = STEP, frame_length = N;
    for (int windowed = 0; windowed < 2; windowed++) {
        for (int onesided = 0; onesided < 2; onesided++) {
            harness *h = harness_new("STFT", 17, 0, 1);
            harness_attr_int(h, "onesided", onesided);
            harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, LEN, 1}, signal);
            harness_input(h, 1, DNNX_DTYPE_INT64, 0, NULL, &step);
            if (windowed) {
                harness_input(h, 2, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){N}, window);
            } else {
                harness_omit_input(h, 2);
                harness_input(h, 3, DNNX_DTYPE_INT64, 0, NULL, &frame_length);
            }
            assert_int_equal(harness_run(h), DNNX_OK);
            int64_t bins = onesided ? N / 2 + 1 : N;
            assert_dims(&h->outputs[0], 4, (const int64_t[]){2, FRAMES, bins, 2});
            const float *y = h->outputs[0].data;
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
            harness_free(h);
        }
    }

    static const int64_t other_length = 8;
    harness *mismatch = harness_new("STFT", 17, 0, 1);
    harness_input(mismatch, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, LEN, 1}, NULL);
    harness_input(mismatch, 1, DNNX_DTYPE_INT64, 0, NULL, &step);
    harness_input(mismatch, 2, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){N}, NULL);
    harness_input(mismatch, 3, DNNX_DTYPE_INT64, 0, NULL, &other_length);
    assert_error(harness_infer(mismatch, false), DNNX_ERR_INVALID_MODEL, "window length and frame_length 16 and 8");
    harness_free(mismatch);

    harness *short_signal = harness_new("STFT", 17, 0, 1);
    harness_input(short_signal, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 10, 1}, NULL);
    harness_input(short_signal, 1, DNNX_DTYPE_INT64, 0, NULL, &step);
    harness_omit_input(short_signal, 2);
    harness_input(short_signal, 3, DNNX_DTYPE_INT64, 0, NULL, &frame_length);
    assert_error(harness_infer(short_signal, false), DNNX_ERR_INVALID_MODEL, "shorter than the frame length");
    harness_free(short_signal);

    harness *neither = harness_new("STFT", 17, 0, 1);
    harness_input(neither, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 10, 1}, NULL);
    harness_input(neither, 1, DNNX_DTYPE_INT64, 0, NULL, &step);
    assert_error(harness_infer(neither, false), DNNX_ERR_INVALID_MODEL, "one of window and frame_length");
    harness_free(neither);

    /* A frame_step known only at run time leaves the frame count unknown at load. */
    harness *load = harness_new("STFT", 17, 0, 1);
    harness_input(load, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, LEN, 1}, NULL);
    harness_input(load, 1, DNNX_DTYPE_INT64, 0, NULL, NULL);
    harness_input(load, 2, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){N}, NULL);
    assert_int_equal(harness_infer(load, false), DNNX_OK);
    assert_dims(&load->outputs[0], 4, (const int64_t[]){2, DIM_UNKNOWN, N / 2 + 1, 2});
    harness_free(load);
}

/* A window op of the given size, run; its output checked for shape and dtype. */
static harness *run_window(const char *op, int64_t size, int periodic, dnnx_dtype dtype)
{
    harness *h = harness_new(op, 17, 0, 1);
    harness_attr_int(h, "periodic", periodic);
    harness_attr_int(h, "output_datatype", dtype);
    harness_input(h, 0, DNNX_DTYPE_INT64, 0, NULL, &size);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 1, &size);
    assert_int_equal(h->outputs[0].dtype, dtype);
    return h;
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
        harness *h = run_window(cases[k].op, cases[k].size, cases[k].periodic, DNNX_DTYPE_DOUBLE);
        const double *y = h->outputs[0].data;
        for (int64_t i = 0; i < cases[k].size; i++)
            assert_float_equal(y[i], cases[k].expected[i], 1e-12);
        harness_free(h);
    }

    harness *ints = run_window("HannWindow", 5, 0, DNNX_DTYPE_INT32);
    const int32_t *iy = ints->outputs[0].data;
    assert_int_equal(iy[2], 1);
    assert_int_equal(iy[1], 0);
    harness_free(ints);

    static const int64_t zero = 0;
    harness *empty = harness_new("HammingWindow", 17, 0, 1);
    harness_input(empty, 0, DNNX_DTYPE_INT64, 0, NULL, &zero);
    assert_error(harness_infer(empty, false), DNNX_ERR_INVALID_MODEL, "size 0 must be positive");
    harness_free(empty);

    harness *bad_type = harness_new("HannWindow", 17, 0, 1);
    harness_attr_int(bad_type, "output_datatype", DNNX_DTYPE_STRING);
    harness_input(bad_type, 0, DNNX_DTYPE_INT64, 0, NULL, NULL);
    assert_error(harness_infer(bad_type, false), DNNX_ERR_INVALID_MODEL, "output_datatype 8");
    harness_free(bad_type);

    harness *unknown = harness_new("BlackmanWindow", 17, 0, 1);
    harness_input(unknown, 0, DNNX_DTYPE_INT32, 0, NULL, NULL);
    assert_int_equal(harness_infer(unknown, false), DNNX_OK);
    assert_dims(&unknown->outputs[0], 1, (const int64_t[]){DIM_UNKNOWN});
    assert_int_equal(unknown->outputs[0].dtype, DNNX_DTYPE_FLOAT);
    harness_free(unknown);
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

/* A MelWeightMatrix node over num_mel_bins, dft_length, sample_rate (ints, NULL: data unknown)
 * and the lower and upper edge frequencies. */
static harness *mel_node(const int32_t *ints, const float *edges)
{
    harness *h = harness_new("MelWeightMatrix", 17, 0, 1);
    for (int i = 0; i < 3; i++)
        harness_input(h, i, DNNX_DTYPE_INT32, 0, NULL, ints ? &ints[i] : NULL);
    for (int i = 0; i < 2; i++)
        harness_input(h, 3 + i, DNNX_DTYPE_FLOAT, 0, NULL, &edges[i]);
    return h;
}

static void test_mel_weight_matrix(void **state)
{
    (void)state;
    static const int32_t ints[] = {3, 32, 1000};
    static const float edges[] = {50.0f, 500.0f};
    harness *h = mel_node(ints, edges);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 2, (const int64_t[]){17, 3});
    const float *y = h->outputs[0].data;
    for (int i = 0; i < 17 * 3; i++)
        assert_float_equal(y[i], mel_expected[i / 3][i % 3], 1e-6);
    harness_free(h);

    harness *load = mel_node(NULL, edges);
    harness_attr_int(load, "output_datatype", DNNX_DTYPE_DOUBLE);
    assert_int_equal(harness_infer(load, false), DNNX_OK);
    assert_dims(&load->outputs[0], 2, (const int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN});
    assert_int_equal(load->outputs[0].dtype, DNNX_DTYPE_DOUBLE);
    harness_free(load);

    static const float reversed[] = {500.0f, 50.0f};
    harness *bad = mel_node(ints, reversed);
    assert_error(harness_run(bad), DNNX_ERR_INVALID_MODEL, "lower < upper");
    harness_free(bad);

    static const int32_t no_bins[] = {0, 32, 1000};
    harness *zero = mel_node(no_bins, edges);
    assert_error(harness_infer(zero, false), DNNX_ERR_INVALID_MODEL, "num_mel_bins 0");
    harness_free(zero);
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

/* Unit tests of ops/image.c: GridSample (every mode and padding, align_corners, 2-D at 16 and
 * 3-D at 20, NaN coordinates, integer images), AffineGrid (2-D and 3-D against the defining
 * formula), CenterCropPad (crop, pad, axes), Col2Im (coverage counts and adjointness with an
 * im2col written here), DeformConv (zero offsets against a direct convolution, fractional
 * offsets, mask and bias), TfIdfVectorizer (TF, IDF, TFIDF with skips), load-time shapes and
 * the errors of each. */
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

/* GridSample of a 2x2 image [[1, 2], [3, 4]] at the given (x, y) points (opset 16 names), run;
 * the node is left in *out for the caller to check and free. */
static dnnx_status grid_sample_2x2(harness **out, const char *mode, const char *padding, int align, const float *grid,
                                   int64_t points)
{
    static const float x[] = {1, 2, 3, 4};
    harness *h = *out = harness_new("GridSample", 16, 0, 1);
    harness_attr_string(h, "mode", mode);
    harness_attr_string(h, "padding_mode", padding);
    harness_attr_int(h, "align_corners", align);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 2, 2}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, points, 2}, grid);
    return harness_run(h);
}

/* Bilinear sampling with align_corners: corners are pixel centers, the middle averages; the
 * grid's first coordinate is x (the last axis). */
static void test_grid_sample_bilinear(void **state)
{
    (void)state;
    static const float grid[] = {-1, -1, 1, 1, 0, 0, 1, -1, -1, 1, 0.5f, -1};
    harness *h;
    assert_int_equal(grid_sample_2x2(&h, "bilinear", "zeros", 1, grid, 6), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){1, 1, 1, 6});
    assert_tensor_floats_within(&h->outputs[0], (const float[]){1, 4, 2.5f, 2, 3, 1.75f}, 6, 1e-6);
    harness_free(h);

    /* Without align_corners (-1, -1) is the outer corner of pixel (0, 0): the padding decides. */
    static const float corner[] = {-1, -1, 1, 1, -0.5f, -0.5f};
    static const struct {
        const char *padding;
        float expected[3];
    } cases[] = {
        {"zeros", {0.25f, 1.0f, 1.0f}},
        {"border", {1.0f, 4.0f, 1.0f}},
        {"reflection", {1.0f, 4.0f, 1.0f}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        assert_int_equal(grid_sample_2x2(&h, "bilinear", cases[k].padding, 0, corner, 3), DNNX_OK);
        assert_tensor_floats_within(&h->outputs[0], cases[k].expected, 3, 1e-6);
        harness_free(h);
    }
}

/* Far outside the image: zeros gives 0, border the nearest edge pixel, reflection folds back. */
static void test_grid_sample_padding_far_out(void **state)
{
    (void)state;
    /* With align_corners on a 2-wide axis x = (n + 1) / 2: n = 2 is 1.5, n = -3 is -1. */
    static const float grid[] = {2, -1, -3, 1, 1e30f, -1};
    static const struct {
        const char *padding;
        float expected[3];
    } cases[] = {
        {"zeros", {1.0f, 0, 0}},
        {"border", {2, 3, 2}},
        {"reflection", {1.5f, 4, 2}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness *h;
        assert_int_equal(grid_sample_2x2(&h, "bilinear", cases[k].padding, 1, grid, 3), DNNX_OK);
        assert_tensor_floats_within(&h->outputs[0], cases[k].expected, 3, 1e-6);
        harness_free(h);
    }
}

/* Nearest rounds half to even; out of range with zeros padding gives 0. */
static void test_grid_sample_nearest(void **state)
{
    (void)state;
    static const float x[] = {10, 11, 12, 13};
    /* Width 4 without align_corners: x = ((n + 1) * 4 - 1) / 2; n = -0.5 -> 0.5 -> 0, n = 0 -> 1.5 -> 2. */
    static const float grid[] = {-0.5f, 0, 0, 0, 0.6f, 0, 1.2f, 0};
    harness *h = harness_new("GridSample", 16, 0, 1);
    harness_attr_string(h, "mode", "nearest");
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 1, 4}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 4, 2}, grid);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_tensor_floats_within(&h->outputs[0], (const float[]){10, 12, 13, 0}, 4, 0);
    harness_free(h);
}

/* Keys' cubic convolution kernel (alpha -0.75) in its piecewise form. */
static double keys(double s)
{
    const double a = -0.75;
    s = fabs(s);
    if (s <= 1)
        return ((a + 2) * s - (a + 3)) * s * s + 1;
    if (s < 2)
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
    return 0;
}

/* Cubic sampling of a row inside the image is the Keys-weighted sum of the 4 nearest pixels;
 * near the edge the zero padding supplies the missing ones. */
static void test_grid_sample_cubic(void **state)
{
    (void)state;
    static const float x[] = {0, 1, 4, 9, 16, 25};
    static const double at[] = {1.3, 2.5, 3.9, 0.2};
    float grid[2 * 4];
    float expected[4];
    for (int k = 0; k < 4; k++) {
        grid[2 * k] = (float)(at[k] / 5.0 * 2.0 - 1.0);
        grid[2 * k + 1] = 0.3f;
        double sum = 0;
        for (int i = 0; i < 6; i++)
            sum += x[i] * keys(at[k] - i);
        expected[k] = (float)sum;
    }
    for (int v20 = 0; v20 < 2; v20++) {
        harness *h = harness_new("GridSample", v20 ? 20 : 16, 0, 1);
        harness_attr_string(h, "mode", v20 ? "cubic" : "bicubic");
        harness_attr_int(h, "align_corners", 1);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 1, 6}, x);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 4, 2}, grid);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_tensor_floats_within(&h->outputs[0], expected, 4, 1e-5);
        harness_free(h);
    }
}

/* GridSample-20 in 3-D: the grid's coordinates are (x, y, z) for axes (W, H, D); several
 * channels and a batch of 2 share the sample points of their batch item. */
static void test_grid_sample_volumetric(void **state)
{
    (void)state;
    float x[2 * 2 * 8];
    for (int i = 0; i < 32; i++)
        x[i] = (float)i;
    static const float grid[] = {0, 0, 0, 1,  -1, -1, -1, 1, -1, -1, -1, 1,  /* batch 0 */
                                 1, 1, 1, -1, -1, -1, 0,  0, 0,  1,  -1, 1}; /* batch 1 */
    harness *h = harness_new("GridSample", 20, 0, 1);
    harness_attr_string(h, "mode", "linear");
    harness_attr_int(h, "align_corners", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 5, (const int64_t[]){2, 2, 2, 2, 2}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 5, (const int64_t[]){2, 1, 1, 4, 3}, grid);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 5, (const int64_t[]){2, 2, 1, 1, 4});
    /* Channel base b: center b + 3.5, (x=1) b + 1, (y=1) b + 2, (z=1) b + 4. */
    assert_tensor_floats_within(&h->outputs[0],
                                (const float[]){3.5f, 1, 2, 4, 11.5f, 9, 10, 12, 23, 16, 19.5f, 21, 31, 24, 27.5f, 29},
                                16, 1e-5);
    harness_free(h);

    h = harness_new("GridSample", 22, 0, 1);
    harness_attr_string(h, "mode", "nearest");
    harness_attr_int(h, "align_corners", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 5, (const int64_t[]){2, 2, 2, 2, 2}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 5, (const int64_t[]){2, 1, 1, 4, 3}, grid);
    assert_int_equal(harness_run(h), DNNX_OK);
    const float *y = h->outputs[0].data;
    assert_float_equal(y[1], 1, 0);
    assert_float_equal(y[3], 4, 0);
    assert_float_equal(y[8 + 0], 23, 0);
    harness_free(h);
}

/* NaN coordinates give NaN; integer images round and saturate; float16 grids are read. */
static void test_grid_sample_nan_and_dtypes(void **state)
{
    (void)state;
    static const float grid_nan[] = {NAN, 0, 0, 0};
    harness *h;
    assert_int_equal(grid_sample_2x2(&h, "bilinear", "border", 1, grid_nan, 2), DNNX_OK);
    const float *y = h->outputs[0].data;
    assert_true(isnan(y[0]));
    assert_float_equal(y[1], 2.5f, 1e-6);
    harness_free(h);

    static const uint8_t pixels[] = {0, 255, 255, 0};
    static const float grid[] = {0, 0, -0.5f, 0, -0.4f, -1};
    h = harness_new("GridSample", 20, 0, 1);
    harness_attr_string(h, "mode", "cubic");
    harness_attr_int(h, "align_corners", 1);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 4, (const int64_t[]){1, 1, 1, 4}, pixels);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 3, 2}, grid);
    assert_int_equal(harness_run(h), DNNX_OK);
    const uint8_t *q = h->outputs[0].data;
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_UINT8);
    assert_int_equal(q[0], 255); /* 302.8: Keys overshoots past 255 between two bright pixels */
    assert_int_equal(q[1], 197);
    assert_int_equal(q[2], 234);
    harness_free(h);

    uint16_t half_grid[2] = {tensor_float_to_half(1.0f), tensor_float_to_half(1.0f)};
    static const float x[] = {1, 2, 3, 4};
    h = harness_new("GridSample", 16, 0, 1);
    harness_attr_int(h, "align_corners", 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 2, 2}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT16, 4, (const int64_t[]){1, 1, 1, 2}, half_grid);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_tensor_floats_within(&h->outputs[0], (const float[]){4}, 1, 0);
    harness_free(h);
}

/* Infinite, NaN and huge coordinates in every mode, padding and alignment: zeros padding gives 0
 * (NaN for NaN), border the value of an edge pixel, reflection a finite value or NaN. */
static void test_grid_sample_extreme_coordinates(void **state)
{
    (void)state;
    static const float grid[] = {INFINITY, 0, -INFINITY, 0, 1e30f, -1e30f, -1e30f, 1e30f, 0, NAN, 3e9f, -3e9f};
    static const char *const modes[] = {"bilinear", "nearest", "bicubic"};
    static const char *const paddings[] = {"zeros", "border", "reflection"};
    for (int mode = 0; mode < 3; mode++)
        for (int padding = 0; padding < 3; padding++)
            for (int align = 0; align < 2; align++) {
                harness *h;
                assert_int_equal(grid_sample_2x2(&h, modes[mode], paddings[padding], align, grid, 6), DNNX_OK);
                const float *y = h->outputs[0].data;
                for (int k = 0; k < 6; k++) {
                    if (k == 4 || (padding == 2 && isnan(y[k])))
                        assert_true(isnan(y[k]));
                    else if (padding == 0)
                        assert_float_equal(y[k], 0, 0);
                    else
                        assert_true(y[k] >= 1 && y[k] <= 4);
                }
                harness_free(h);
            }
}

static void test_grid_sample_shapes_and_errors(void **state)
{
    (void)state;
    harness *h = harness_new("GridSample", 16, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){DIM_SYMBOL_BASE, 3, 5, 5}, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){DIM_UNKNOWN, 7, 9, 2}, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){DIM_SYMBOL_BASE, 3, 7, 9});
    harness_free(h);

    static const struct {
        int opset;
        const char *mode, *padding;
        int align;
        int x_rank;
        int64_t grid_last;
        dnnx_dtype grid_dtype;
        dnnx_status status;
        const char *message;
    } cases[] = {
        {16, "linear", "zeros", 0, 4, 2, DNNX_DTYPE_FLOAT, DNNX_ERR_INVALID_MODEL, "mode 'linear'"},
        {20, "bilinear", "zeros", 0, 4, 2, DNNX_DTYPE_FLOAT, DNNX_ERR_INVALID_MODEL, "mode 'bilinear'"},
        {22, "linear", "wrap", 0, 4, 2, DNNX_DTYPE_FLOAT, DNNX_ERR_INVALID_MODEL, "padding_mode 'wrap'"},
        {22, "linear", "zeros", 2, 4, 2, DNNX_DTYPE_FLOAT, DNNX_ERR_INVALID_MODEL, "align_corners"},
        {16, "bilinear", "zeros", 0, 5, 3, DNNX_DTYPE_FLOAT, DNNX_ERR_INVALID_MODEL, "4-D"},
        {20, "linear", "zeros", 0, 2, 0, DNNX_DTYPE_FLOAT, DNNX_ERR_INVALID_MODEL, "rank >= 3"},
        {20, "linear", "zeros", 0, 5, 2, DNNX_DTYPE_FLOAT, DNNX_ERR_INVALID_MODEL, "last dim is 2, expected 3"},
        {20, "linear", "zeros", 0, 4, 2, DNNX_DTYPE_INT32, DNNX_ERR_UNSUPPORTED, "input 1"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t x_dims[5] = {1, 1, 4, 4, 4}, grid_dims[5] = {1, 2, 2, 2, 2};
        grid_dims[cases[k].x_rank - 1] = cases[k].grid_last;
        h = harness_new("GridSample", cases[k].opset, 0, 1);
        harness_attr_string(h, "mode", cases[k].mode);
        harness_attr_string(h, "padding_mode", cases[k].padding);
        harness_attr_int(h, "align_corners", cases[k].align);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, cases[k].x_rank, x_dims, NULL);
        harness_input(h, 1, cases[k].grid_dtype, cases[k].x_rank, grid_dims, NULL);
        assert_error(harness_infer(h, false), cases[k].status, cases[k].message);
        harness_free(h);
    }

    /* A batch mismatch is the caller's error at run time. */
    static const float x[8] = {0}, grid[4] = {0};
    h = harness_new("GridSample", 16, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){2, 1, 2, 2}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 2, 2}, grid);
    assert_error(harness_run(h), DNNX_ERR_INVALID_MODEL, "batch sizes");
    harness_free(h);
}

/* grid[n, ..., k] = sum_j theta[n, k, j] * base[j], base = (x, y[, z], 1) from AffineGrid's spacing. */
static double affine_position(int64_t k, int64_t n, int align)
{
    if (n == 1)
        return 0.0;
    return align ? -1.0 + 2.0 * (double)k / (double)(n - 1) : -1.0 + (2.0 * (double)k + 1.0) / (double)n;
}

static void test_affine_grid(void **state)
{
    (void)state;
    for (int align = 0; align < 2; align++) {
        float theta2[2 * 6];
        fill_sine(theta2, 12, 0.7, 0.2, 1.5);
        static const int64_t size2[] = {2, 3, 3, 4};
        harness *h = harness_new("AffineGrid", 20, 0, 1);
        harness_attr_int(h, "align_corners", align);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 2, 3}, theta2);
        harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){4}, size2);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 4, (const int64_t[]){2, 3, 4, 2});
        const float *y = h->outputs[0].data;
        for (int n = 0; n < 2; n++)
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 4; c++)
                    for (int k = 0; k < 2; k++) {
                        const float *t = theta2 + n * 6 + k * 3;
                        double v = t[0] * affine_position(c, 4, align) + t[1] * affine_position(r, 3, align) + t[2];
                        assert_float_equal(y[((n * 3 + r) * 4 + c) * 2 + k], v, 1e-5);
                    }
        harness_free(h);

        float theta3[12];
        fill_sine(theta3, 12, 1.1, 0.5, 2.0);
        static const int64_t size3[] = {1, 1, 2, 3, 5};
        h = harness_new("AffineGrid", 20, 0, 1);
        harness_attr_int(h, "align_corners", align);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 3, 4}, theta3);
        harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){5}, size3);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 5, (const int64_t[]){1, 2, 3, 5, 3});
        y = h->outputs[0].data;
        for (int d = 0; d < 2; d++)
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 5; c++)
                    for (int k = 0; k < 3; k++) {
                        const float *t = theta3 + k * 4;
                        double v = t[0] * affine_position(c, 5, align) + t[1] * affine_position(r, 3, align) +
                                   t[2] * affine_position(d, 2, align) + t[3];
                        assert_float_equal(y[((d * 3 + r) * 5 + c) * 3 + k], v, 1e-5);
                    }
        harness_free(h);
    }
}

static void test_affine_grid_shapes_and_errors(void **state)
{
    (void)state;
    harness *h = harness_new("AffineGrid", 20, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){DIM_SYMBOL_BASE, 3, 4}, NULL);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){5}, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 5, (const int64_t[]){DIM_SYMBOL_BASE, DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN, 3});
    harness_free(h);

    static const float theta[24] = {0};
    static const struct {
        int64_t theta_dims[3];
        int64_t n_size;
        int64_t size[5];
        int align;
        dnnx_status status;
        const char *message;
    } cases[] = {
        {{1, 2, 4}, 4, {1, 1, 2, 2}, 0, DNNX_ERR_INVALID_ARGUMENT, "expected [N, 2, 3] or [N, 3, 4]"},
        {{1, 2, 3}, 5, {1, 1, 2, 2, 2}, 0, DNNX_ERR_INVALID_ARGUMENT, "theta is for 2-D grids"},
        {{1, 2, 3}, 4, {2, 1, 2, 2}, 0, DNNX_ERR_INVALID_MODEL, "batch sizes"},
        {{1, 2, 3}, 4, {1, 1, -2, 2}, 0, DNNX_ERR_INVALID_ARGUMENT, "size[2] is -2"},
        {{1, 2, 3}, 4, {1, 1, 2, 2}, 3, DNNX_ERR_INVALID_MODEL, "align_corners"},
        {{1, 4, 5}, 4, {1, 1, 2, 2}, 0, DNNX_ERR_INVALID_ARGUMENT, "4 rows"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        h = harness_new("AffineGrid", 20, 0, 1);
        harness_attr_int(h, "align_corners", cases[k].align);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, cases[k].theta_dims, theta);
        harness_input(h, 1, DNNX_DTYPE_INT64, 1, &cases[k].n_size, cases[k].size);
        assert_error(harness_run(h), cases[k].status, cases[k].message);
        harness_free(h);
    }
}

/* A 4x5 int32 image cropped to 2 rows (start 1) and padded to 8 columns (1 left, 2 right). */
static void test_center_crop_pad(void **state)
{
    (void)state;
    int32_t x[20];
    for (int i = 0; i < 20; i++)
        x[i] = i + 1;
    static const int64_t shape[] = {2, 8};
    harness *h = harness_new("CenterCropPad", 18, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 2, (const int64_t[]){4, 5}, x);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, shape);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 2, (const int64_t[]){2, 8});
    static const int32_t expected[] = {0, 6, 7, 8, 9, 10, 0, 0, 0, 11, 12, 13, 14, 15, 0, 0};
    assert_memory_equal(h->outputs[0].data, expected, sizeof expected);
    harness_free(h);

    /* Axes (negative allowed) on [2, 5, 3]: axis 1 cropped 5 -> 2 (start 1), axis 0 padded 2 -> 3. */
    float xf[30];
    for (int i = 0; i < 30; i++)
        xf[i] = (float)i;
    static const int64_t axes[] = {-2, 0};
    static const int32_t shape2[] = {2, 3};
    h = harness_new("CenterCropPad", 18, 0, 1);
    harness_attr_ints(h, "axes", axes, 2);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 5, 3}, xf);
    harness_input(h, 1, DNNX_DTYPE_INT32, 1, (const int64_t[]){2}, shape2);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 3, (const int64_t[]){3, 2, 3});
    assert_tensor_floats_within(&h->outputs[0],
                                (const float[]){3, 4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0}, 18, 0);
    harness_free(h);

    /* At load without the shape's data only the listed axes are unknown. */
    h = harness_new("CenterCropPad", 18, 0, 1);
    harness_attr_ints(h, "axes", axes, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){2, 5, 3}, NULL);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){1}, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 3, (const int64_t[]){2, DIM_UNKNOWN, 3});
    harness_free(h);
}

static void test_center_crop_pad_errors(void **state)
{
    (void)state;
    static const float x[6] = {0};
    static const struct {
        int64_t axes[3];
        size_t n_axes;
        int64_t shape[3];
        int64_t n_shape;
        dnnx_status status;
        const char *message;
    } cases[] = {
        {{0, 0}, 2, {1, 1}, 2, DNNX_ERR_INVALID_MODEL, "twice"},
        {{2}, 1, {1}, 1, DNNX_ERR_INVALID_MODEL, "axis"},
        {{0, 1, 1}, 3, {1, 1, 1}, 3, DNNX_ERR_INVALID_MODEL, "3 values"},
        {{0}, 1, {1, 2}, 2, DNNX_ERR_INVALID_ARGUMENT, "shape has 2 values but there are 1 axes"},
        {{0}, 1, {-1}, 1, DNNX_ERR_INVALID_ARGUMENT, "shape[0] is -1"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness *h = harness_new("CenterCropPad", 18, 0, 1);
        harness_attr_ints(h, "axes", cases[k].axes, cases[k].n_axes);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){2, 3}, x);
        harness_input(h, 1, DNNX_DTYPE_INT64, 1, &cases[k].n_shape, cases[k].shape);
        assert_error(harness_run(h), cases[k].status, cases[k].message);
        harness_free(h);
    }
}

/* Col2Im of all-ones columns counts how many 2x2 blocks cover each pixel of a 3x3 image. */
static void test_col2im_coverage(void **state)
{
    (void)state;
    float cols[2 * 4 * 4];
    for (int i = 0; i < 32; i++)
        cols[i] = i < 16 ? 1.0f : 2.0f;
    static const int64_t image[] = {3, 3}, block[] = {2, 2};
    harness *h = harness_new("Col2Im", 18, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 8, 4}, cols);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, image);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, block);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){1, 2, 3, 3});
    assert_tensor_floats_within(&h->outputs[0], (const float[]){1, 2, 1, 2, 4, 2, 1, 2, 1, 2, 4, 2, 4, 8, 4, 2, 4, 2},
                                18, 0);
    harness_free(h);
}

/* Col2Im is the adjoint of im2col: <im2col(z), cols> == <z, col2im(cols)> for any z, here with
 * strides, dilations and asymmetric pads; im2col is written out directly. */
static void test_col2im_adjoint(void **state)
{
    (void)state;
    enum { C = 2, H = 5, W = 6, KH = 2, KW = 3 };
    static const int64_t strides[] = {2, 1}, dilations[] = {1, 2}, pads[] = {1, 0, 0, 1};
    int64_t bh = (H + pads[0] + pads[2] - (dilations[0] * (KH - 1) + 1)) / strides[0] + 1;
    int64_t bw = (W + pads[1] + pads[3] - (dilations[1] * (KW - 1) + 1)) / strides[1] + 1;
    size_t n_cols = (size_t)(C * KH * KW * bh * bw);
    float *cols = malloc(n_cols * sizeof *cols), z[C * H * W];
    assert_non_null(cols);
    fill_sine(cols, n_cols, 0.37, 0.1, 1.0);
    fill_sine(z, C * H * W, 0.91, 0.4, 1.0);
    double lhs = 0;
    for (int c = 0; c < C; c++)
        for (int kh = 0; kh < KH; kh++)
            for (int kw = 0; kw < KW; kw++)
                for (int64_t i = 0; i < bh; i++)
                    for (int64_t j = 0; j < bw; j++) {
                        int64_t r = i * strides[0] - pads[0] + kh * dilations[0];
                        int64_t s = j * strides[1] - pads[1] + kw * dilations[1];
                        if (r < 0 || r >= H || s < 0 || s >= W)
                            continue;
                        size_t col =
                            ((size_t)((c * KH + kh) * KW + kw) * (size_t)bh + (size_t)i) * (size_t)bw + (size_t)j;
                        lhs += (double)cols[col] * z[(c * H + r) * W + s];
                    }
    static const int64_t image[] = {H, W}, block[] = {KH, KW};
    harness *h = harness_new("Col2Im", 18, 0, 1);
    harness_attr_ints(h, "strides", strides, 2);
    harness_attr_ints(h, "dilations", dilations, 2);
    harness_attr_ints(h, "pads", pads, 4);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, C * KH * KW, bh * bw}, cols);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, image);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, block);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){1, C, H, W});
    const float *y = h->outputs[0].data;
    double rhs = 0;
    for (int i = 0; i < C * H * W; i++)
        rhs += (double)y[i] * z[i];
    assert_float_equal(lhs, rhs, 1e-4);
    harness_free(h);
    free(cols);

    /* At load without image_shape's data: rank known, sizes unknown. */
    h = harness_new("Col2Im", 18, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, (const int64_t[]){1, 12, 10}, NULL);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){3}, NULL);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, (const int64_t[]){3}, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 5, (const int64_t[]){1, DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN, DIM_UNKNOWN});
    harness_free(h);
}

static void test_col2im_errors(void **state)
{
    (void)state;
    static const float x[64] = {0};
    static const int64_t zero_stride[] = {0, 1}, short_pads[] = {0, 0};
    static const struct {
        int64_t x_dims[3];
        int64_t image[2], block[2];
        const int64_t *strides, *pads;
        dnnx_status status;
        const char *message;
    } cases[] = {
        {{1, 8, 3}, {3, 3}, {2, 2}, NULL, NULL, DNNX_ERR_INVALID_ARGUMENT, "holds 4 blocks"},
        {{1, 6, 4}, {3, 3}, {2, 2}, NULL, NULL, DNNX_ERR_INVALID_ARGUMENT, "not a multiple of the block size 4"},
        {{1, 4, 1}, {1, 3}, {2, 2}, NULL, NULL, DNNX_ERR_INVALID_ARGUMENT, "does not fit"},
        {{1, 4, 4}, {3, 3}, {2, 2}, zero_stride, NULL, DNNX_ERR_INVALID_MODEL, "'strides'[0] is 0"},
        {{1, 4, 4}, {3, 3}, {2, 2}, NULL, short_pads, DNNX_ERR_INVALID_MODEL, "'pads' has 2 values"},
        {{1, 4, 4}, {3, 0}, {2, 2}, NULL, NULL, DNNX_ERR_INVALID_ARGUMENT, "image_shape[1] is 0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness *h = harness_new("Col2Im", 18, 0, 1);
        if (cases[k].strides)
            harness_attr_ints(h, "strides", cases[k].strides, 2);
        if (cases[k].pads)
            harness_attr_ints(h, "pads", cases[k].pads, 2);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, cases[k].x_dims, x);
        harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, cases[k].image);
        harness_input(h, 2, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, cases[k].block);
        assert_error(harness_run(h), cases[k].status, cases[k].message);
        harness_free(h);
    }
    harness *h = harness_new("Col2Im", 18, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, (const int64_t[]){4, 4}, x);
    harness_input(h, 1, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, NULL);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, (const int64_t[]){2}, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "3-D");
    harness_free(h);
}

/* With zero offsets and no mask DeformConv is an ordinary (grouped, strided, dilated, padded)
 * convolution, computed here directly. */
static void test_deform_conv_zero_offsets(void **state)
{
    (void)state;
    enum { N = 2, C = 4, H = 5, W = 6, M = 6, G = 2, KH = 2, KW = 3 };
    static const int64_t strides[] = {1, 2}, dilations[] = {2, 1}, pads[] = {1, 1, 0, 2};
    int64_t oh = (H + pads[0] + pads[2] - (dilations[0] * (KH - 1) + 1)) / strides[0] + 1;
    int64_t ow = (W + pads[1] + pads[3] - (dilations[1] * (KW - 1) + 1)) / strides[1] + 1;
    float x[N * C * H * W], w[M * (C / G) * KH * KW], b[M];
    fill_sine(x, N * C * H * W, 0.53, 0.2, 1.0);
    fill_sine(w, M * (C / G) * KH * KW, 0.71, 0.9, 1.0);
    fill_sine(b, M, 1.3, 0.0, 1.0);
    size_t n_offsets = (size_t)(N * 2 * KH * KW * 2 * oh * ow);
    float *offsets = calloc(n_offsets, sizeof *offsets);
    assert_non_null(offsets);
    static const int64_t kernel[] = {KH, KW};
    harness *h = harness_new("DeformConv", 19, 0, 1);
    harness_attr_ints(h, "strides", strides, 2);
    harness_attr_ints(h, "dilations", dilations, 2);
    harness_attr_ints(h, "pads", pads, 4);
    harness_attr_ints(h, "kernel_shape", kernel, 2);
    harness_attr_int(h, "group", G);
    harness_attr_int(h, "offset_group", 2);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){N, C, H, W}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){M, C / G, KH, KW}, w);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){N, 2 * KH * KW * 2, oh, ow}, offsets);
    harness_input(h, 3, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){M}, b);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 4, (const int64_t[]){N, M, oh, ow});
    const float *y = h->outputs[0].data;
    for (int n = 0; n < N; n++)
        for (int m = 0; m < M; m++)
            for (int64_t i = 0; i < oh; i++)
                for (int64_t j = 0; j < ow; j++) {
                    double sum = b[m];
                    int g = m / (M / G);
                    for (int c = 0; c < C / G; c++)
                        for (int kh = 0; kh < KH; kh++)
                            for (int kw = 0; kw < KW; kw++) {
                                int64_t r = i * strides[0] - pads[0] + kh * dilations[0];
                                int64_t s = j * strides[1] - pads[1] + kw * dilations[1];
                                if (r < 0 || r >= H || s < 0 || s >= W)
                                    continue;
                                sum += (double)w[((m * (C / G) + c) * KH + kh) * KW + kw] *
                                       x[((n * C + g * (C / G) + c) * H + r) * W + s];
                            }
                    assert_float_equal(y[((n * M + m) * oh + i) * ow + j], sum, 1e-4);
                }
    harness_free(h);
    free(offsets);
}

/* A 1x1 kernel displaced by half a pixel along x samples between neighbours (zero past the
 * edge); the mask scales each tap and the bias is added. */
static void test_deform_conv_offsets_mask_bias(void **state)
{
    (void)state;
    static const float x[] = {1, 2, 4};
    static const float w[] = {2};
    static const float offsets[] = {0, 0, 0, 0.5f, 0.5f, 0.5f}; /* dy for 3 outputs, then dx */
    static const float mask[] = {1, 0.5f, 2};
    static const float b[] = {10};
    harness *h = harness_new("DeformConv", 22, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 1, 3}, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 1, 1}, w);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 2, 1, 3}, offsets);
    harness_input(h, 3, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){1}, b);
    harness_input(h, 4, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 1, 1, 3}, mask);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_tensor_floats_within(&h->outputs[0], (const float[]){10 + 2 * 1.5f, 10 + 2 * 3 * 0.5f, 10 + 2 * 2 * 2}, 3,
                                1e-6);
    harness_free(h);

    /* Without bias and mask, in double. */
    static const double xd[] = {1, 2, 4}, wd[] = {2}, od[] = {0, 0, 0, -0.25, 1, -2.5};
    h = harness_new("DeformConv", 19, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_DOUBLE, 4, (const int64_t[]){1, 1, 1, 3}, xd);
    harness_input(h, 1, DNNX_DTYPE_DOUBLE, 4, (const int64_t[]){1, 1, 1, 1}, wd);
    harness_input(h, 2, DNNX_DTYPE_DOUBLE, 4, (const int64_t[]){1, 2, 1, 3}, od);
    assert_int_equal(harness_run(h), DNNX_OK);
    const double *y = h->outputs[0].data;
    assert_float_equal(y[0], 2 * 0.75, 1e-12); /* -0.25: 0.25 of the zero pixel at -1 */
    assert_float_equal(y[1], 2 * 4.0, 1e-12);
    assert_float_equal(y[2], 2 * 0.5 * 1.0, 1e-12); /* -0.5: halfway between the zero at -1 and 1 */
    harness_free(h);
}

static void test_deform_conv_errors(void **state)
{
    (void)state;
    static const struct {
        int64_t x[4], w[4], offset[4], mask[4];
        int64_t group, offset_group;
        dnnx_status status;
        const char *message;
    } cases[] = {
        {{1, 2, 4, 4}, {2, 2, 2, 2}, {1, 7, 3, 3}, {0}, 1, 1, DNNX_ERR_INVALID_MODEL, "dim 1 is 7, expected 8"},
        {{1, 2, 4, 4}, {2, 2, 2, 2}, {1, 8, 2, 3}, {0}, 1, 1, DNNX_ERR_INVALID_MODEL, "dim 2 is 2, expected 3"},
        {{1, 2, 4, 4}, {2, 2, 2, 2}, {1, 8, 3, 3}, {1, 3, 3, 3}, 1, 1, DNNX_ERR_INVALID_MODEL, "mask's dim 1"},
        {{1, 2, 4, 4}, {2, 2, 2, 2}, {1, 8, 3, 3}, {0}, 2, 1, DNNX_ERR_INVALID_MODEL, "input channels per group"},
        {{1, 3, 4, 4}, {2, 3, 2, 2}, {1, 8, 3, 3}, {0}, 1, 2, DNNX_ERR_INVALID_MODEL, "offset_group 2 does not divide"},
        {{1, 2, 4, 4}, {3, 1, 2, 2}, {1, 8, 3, 3}, {0}, 2, 1, DNNX_ERR_INVALID_MODEL, "does not divide the 3 output"},
        {{1, 2, 1, 4}, {2, 2, 2, 2}, {1, 8, 1, 3}, {0}, 1, 1, DNNX_ERR_INVALID_MODEL, "does not fit"},
        {{1, 2, 4, 4}, {2, 2, 2, 2}, {1, 8, 3, 3}, {0}, 0, 1, DNNX_ERR_INVALID_MODEL, "group (0)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        harness *h = harness_new("DeformConv", 22, 0, 1);
        harness_attr_int(h, "group", cases[k].group);
        harness_attr_int(h, "offset_group", cases[k].offset_group);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, cases[k].x, NULL);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, cases[k].w, NULL);
        harness_input(h, 2, DNNX_DTYPE_FLOAT, 4, cases[k].offset, NULL);
        if (cases[k].mask[0]) {
            harness_omit_input(h, 3);
            harness_input(h, 4, DNNX_DTYPE_FLOAT, 4, cases[k].mask, NULL);
        }
        assert_error(harness_infer(h, false), cases[k].status, cases[k].message);
        harness_free(h);
    }
    static const int64_t kernel[] = {3, 3};
    harness *h = harness_new("DeformConv", 22, 0, 1);
    harness_attr_ints(h, "kernel_shape", kernel, 2);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 2, 4, 4}, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){2, 2, 2, 2}, NULL);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 8, 3, 3}, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "W's spatial dim 0 is 2, expected 3");
    harness_free(h);

    h = harness_new("DeformConv", 22, 0, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 2, 4, 4}, NULL);
    harness_input(h, 1, DNNX_DTYPE_DOUBLE, 4, (const int64_t[]){2, 2, 2, 2}, NULL);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 4, (const int64_t[]){1, 8, 3, 3}, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "same dtype");
    harness_free(h);
}

/* Pool: unigrams "1", "3"; bigrams "1 2", "2 3", "1 1" (columns 0..4). Row [1, 2, 1, 2, 3]:
 * unigrams 1 x2, 3 x1; adjacent bigrams "1 2" x2, "2 3" x1; skip-1 bigrams "1 1" x1. Row
 * [3, 3, 0, 0, 0]: "3" x2 only. */
static harness *tfidf_setup(const char *mode, const void *x, dnnx_dtype dtype, int rank, const int64_t *dims)
{
    static const int64_t pool[] = {1, 3, 1, 2, 2, 3, 1, 1}, counts[] = {0, 2}, indexes[] = {0, 1, 2, 3, 4};
    static const float weights[] = {0.5f, 1, 2, 3, 4};
    harness *h = harness_new("TfIdfVectorizer", 9, 0, 1);
    harness_attr_string(h, "mode", mode);
    harness_attr_int(h, "min_gram_length", 1);
    harness_attr_int(h, "max_gram_length", 2);
    harness_attr_int(h, "max_skip_count", 1);
    harness_attr_ints(h, "pool_int64s", pool, 8);
    harness_attr_ints(h, "ngram_counts", counts, 2);
    harness_attr_ints(h, "ngram_indexes", indexes, 5);
    if (strcmp(mode, "TF"))
        harness_attr_floats(h, "weights", weights, 5);
    harness_input(h, 0, dtype, rank, dims, x);
    return h;
}

static void test_tfidf(void **state)
{
    (void)state;
    static const int64_t x64[] = {1, 2, 1, 2, 3, 3, 3, 0, 0, 0};
    static const int32_t x32[] = {1, 2, 1, 2, 3};
    harness *h = tfidf_setup("TF", x64, DNNX_DTYPE_INT64, 2, (const int64_t[]){2, 5});
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 2, (const int64_t[]){2, 5});
    assert_tensor_floats_within(&h->outputs[0], (const float[]){2, 1, 2, 1, 1, 0, 2, 0, 0, 0}, 10, 0);
    harness_free(h);

    h = tfidf_setup("TFIDF", x64, DNNX_DTYPE_INT64, 2, (const int64_t[]){2, 5});
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_tensor_floats_within(&h->outputs[0], (const float[]){1, 1, 4, 3, 4, 0, 2, 0, 0, 0}, 10, 0);
    harness_free(h);

    h = tfidf_setup("IDF", x32, DNNX_DTYPE_INT32, 1, (const int64_t[]){5});
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 1, (const int64_t[]){5});
    assert_tensor_floats_within(&h->outputs[0], (const float[]){0.5f, 1, 2, 3, 4}, 5, 0);
    harness_free(h);

    /* Only bigrams, no skips: "1 1" is not adjacent anywhere. */
    h = tfidf_setup("TF", x32, DNNX_DTYPE_INT32, 1, (const int64_t[]){5});
    h->attrs[1].i = 2;
    h->attrs[3].i = 0;
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_tensor_floats_within(&h->outputs[0], (const float[]){0, 0, 2, 1, 0}, 5, 0);
    harness_free(h);
}

static void test_tfidf_errors(void **state)
{
    (void)state;
    static const int64_t x[] = {1, 2};
    harness *h = tfidf_setup("TF", NULL, DNNX_DTYPE_STRING, 1, (const int64_t[]){2});
    assert_error(harness_infer(h, false), DNNX_ERR_UNSUPPORTED, "string");
    harness_free(h);

    h = tfidf_setup("TF", NULL, DNNX_DTYPE_FLOAT, 1, (const int64_t[]){2});
    assert_int_equal(harness_infer(h, false), DNNX_ERR_UNSUPPORTED);
    harness_free(h);

    h = tfidf_setup("BM25", x, DNNX_DTYPE_INT64, 1, (const int64_t[]){2});
    assert_error(harness_run(h), DNNX_ERR_INVALID_MODEL, "mode 'BM25'");
    harness_free(h);

    h = tfidf_setup("TF", x, DNNX_DTYPE_INT64, 3, (const int64_t[]){1, 1, 2});
    assert_error(harness_run(h), DNNX_ERR_INVALID_ARGUMENT, "[C] or [N, C]");
    harness_free(h);

    static const int64_t bad_counts[] = {3, 2}, short_indexes[] = {0, 1, 2}, negative_index[] = {0, 1, 2, 3, -4};
    h = tfidf_setup("TF", x, DNNX_DTYPE_INT64, 1, (const int64_t[]){2});
    h->attrs[5].ints = (int64_t *)bad_counts;
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "ngram_counts[0]");
    harness_free(h);

    h = tfidf_setup("TF", x, DNNX_DTYPE_INT64, 1, (const int64_t[]){2});
    h->attrs[6].ints = (int64_t *)short_indexes;
    h->attrs[6].count = 3;
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "3 values for 5 n-grams");
    harness_free(h);

    h = tfidf_setup("TF", x, DNNX_DTYPE_INT64, 1, (const int64_t[]){2});
    h->attrs[6].ints = (int64_t *)negative_index;
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "ngram_indexes[4] is -4");
    harness_free(h);

    h = tfidf_setup("IDF", x, DNNX_DTYPE_INT64, 1, (const int64_t[]){2});
    h->attrs[7].count = 4;
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "weights has 4 values");
    harness_free(h);

    h = tfidf_setup("TF", x, DNNX_DTYPE_INT64, 1, (const int64_t[]){2});
    h->attrs[1].i = 3;
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "gram lengths 3..2");
    harness_free(h);

    static const char *const strings[] = {"a"};
    h = tfidf_setup("TF", x, DNNX_DTYPE_INT64, 1, (const int64_t[]){2});
    harness_attr_strings(h, "pool_strings", strings, 1);
    assert_error(harness_infer(h, false), DNNX_ERR_UNSUPPORTED, "pool_strings");
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_sample_bilinear),
        cmocka_unit_test(test_grid_sample_padding_far_out),
        cmocka_unit_test(test_grid_sample_nearest),
        cmocka_unit_test(test_grid_sample_cubic),
        cmocka_unit_test(test_grid_sample_volumetric),
        cmocka_unit_test(test_grid_sample_nan_and_dtypes),
        cmocka_unit_test(test_grid_sample_extreme_coordinates),
        cmocka_unit_test(test_grid_sample_shapes_and_errors),
        cmocka_unit_test(test_affine_grid),
        cmocka_unit_test(test_affine_grid_shapes_and_errors),
        cmocka_unit_test(test_center_crop_pad),
        cmocka_unit_test(test_center_crop_pad_errors),
        cmocka_unit_test(test_col2im_coverage),
        cmocka_unit_test(test_col2im_adjoint),
        cmocka_unit_test(test_col2im_errors),
        cmocka_unit_test(test_deform_conv_zero_offsets),
        cmocka_unit_test(test_deform_conv_offsets_mask_bias),
        cmocka_unit_test(test_deform_conv_errors),
        cmocka_unit_test(test_tfidf),
        cmocka_unit_test(test_tfidf_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

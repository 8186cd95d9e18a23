/* Unit tests of ops/quant.c on hand-built op_ctx: QuantizeLinear's round-half-to-even and
 * saturation, per-axis and blocked scales, 16-bit types, output_dtype and precision, the
 * version gates and shape errors; DequantizeLinear likewise; DynamicQuantizeLinear's range. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/op.h"
#include "graph/tensor.h"
#include "ops/ops.h"
#include "support/op_harness.h"

/* Output 0's elements as int64 against expected. */
static void assert_output_ints(const harness *h, const int64_t *expected, size_t n)
{
    assert_int_equal(tensor_count(&h->outputs[0]), n);
    for (size_t i = 0; i < n; i++)
        if (tensor_get_i64(&h->outputs[0], i) != expected[i])
            fail_msg("element %zu: %lld, expected %lld", i, (long long)tensor_get_i64(&h->outputs[0], i),
                     (long long)expected[i]);
}

static void assert_output_floats(const harness *h, const float *expected, size_t n)
{
    assert_int_equal(tensor_count(&h->outputs[0]), n);
    for (size_t i = 0; i < n; i++)
        if (tensor_get_f64(&h->outputs[0], i) != (double)expected[i])
            fail_msg("element %zu: %g, expected %g", i, tensor_get_f64(&h->outputs[0], i), (double)expected[i]);
}

/* x / 2 lands on halves (rounded to even) and outside [0, 255] (saturated); NaN gives the zero point. */
static void test_quantize_rounds_half_to_even_and_saturates(void **state)
{
    (void)state;
    static const float x[] = {0.0f, 2.0f, 3.0f, 1000.0f, -254.0f, 5.0f, 7.0f, -3.0f, -1000.0f, NAN};
    static const float scale = 2.0f;
    static const uint8_t zero_point = 128;
    static const int64_t expected[] = {128, 129, 130, 255, 1, 130, 132, 126, 0, 128};
    int64_t dims[1] = {10};
    for (int opset = 10; opset <= 23; opset++) {
        harness *h = harness_new("QuantizeLinear", opset, 3, 1);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, x);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
        harness_input(h, 2, DNNX_DTYPE_UINT8, 0, NULL, &zero_point);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_UINT8);
        assert_output_ints(h, expected, 10);
        harness_free(h);
    }
}

/* Without a zero point the output is uint8 with zero point 0; an int8 zero point makes it int8. */
static void test_quantize_default_and_int8(void **state)
{
    (void)state;
    static const float x[] = {-1.0f, 0.4f, 0.6f, 300.0f};
    static const float scale = 1.0f;
    static const int8_t zero_point = -10;
    int64_t dims[1] = {4};
    harness *h = harness_new("QuantizeLinear", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_UINT8);
    static const int64_t unsigned_expected[] = {0, 0, 1, 255};
    assert_output_ints(h, unsigned_expected, 4);
    harness_free(h);

    h = harness_new("QuantizeLinear", 13, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    harness_input(h, 2, DNNX_DTYPE_INT8, 0, NULL, &zero_point);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_INT8);
    static const int64_t signed_expected[] = {-11, -10, -9, 127};
    assert_output_ints(h, signed_expected, 4);
    harness_free(h);
}

/* x [2, 3, 2] with axis 1: each of the three channels has its own scale and zero point. */
static void test_quantize_per_axis(void **state)
{
    (void)state;
    static const float x[] = {1, 2, 4, 6, 8, 12, -1, -2, -4, -6, -8, -12};
    static const float scales[] = {1.0f, 2.0f, 4.0f};
    static const int8_t zero_points[] = {0, -1, 1};
    static const int64_t expected[] = {1, 2, 1, 2, 3, 4, -1, -2, -3, -4, -1, -2};
    int64_t xd[3] = {2, 3, 2}, sd[1] = {3};
    for (int axis = 1; axis >= -2; axis -= 3) {
        harness *h = harness_new("QuantizeLinear", 13, 3, 1);
        harness_attr_int(h, "axis", axis);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, xd, x);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, sd, scales);
        harness_input(h, 2, DNNX_DTYPE_INT8, 1, sd, zero_points);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_output_ints(h, expected, 12);
        harness_free(h);
    }
}

/* x [2, 5], axis 1, block 2: scale [2, 3], the last block is short; int16 output. */
static void test_quantize_blocked_int16(void **state)
{
    (void)state;
    static const float x[] = {10, 20, 30, 40, 50, -10, -20, -30, -40, 50000};
    static const float scales[] = {1, 10, 0.5f, 2, 4, 1};
    static const int16_t zero_points[] = {0, 1, 2, 3, 4, 5};
    static const int64_t expected[] = {10, 20, 4, 5, 102, -2, -7, -4, -6, 32767};
    int64_t xd[2] = {2, 5}, sd[2] = {2, 3};
    harness *h = harness_new("QuantizeLinear", 21, 3, 1);
    harness_attr_int(h, "block_size", 2);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, xd, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, sd, scales);
    harness_input(h, 2, DNNX_DTYPE_INT16, 2, sd, zero_points);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_INT16);
    assert_output_ints(h, expected, 10);
    harness_free(h);

    /* A block size that does not give the scale's blocked dim is the caller's shape error. */
    h = harness_new("QuantizeLinear", 21, 3, 1);
    harness_attr_int(h, "block_size", 3);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, xd, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, sd, scales);
    harness_input(h, 2, DNNX_DTYPE_INT16, 2, sd, zero_points);
    assert_error(harness_run(h), DNNX_ERR_INVALID_ARGUMENT, "block_size 3");
    harness_free(h);
}

/* output_dtype picks the type without a zero point (opset 21); float8 is unsupported; a mismatch
 * with the zero point's type and 16-bit types before opset 21 are model errors. */
static void test_quantize_output_dtype(void **state)
{
    (void)state;
    static const float x[] = {-70000.0f, 1.5f, 70000.0f};
    static const float scale = 1.0f;
    static const uint8_t zero_point = 0;
    static const uint16_t zero_point16 = 0;
    int64_t dims[1] = {3};
    harness *h = harness_new("QuantizeLinear", 21, 2, 1);
    harness_attr_int(h, "output_dtype", DNNX_DTYPE_UINT16);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_UINT16);
    static const int64_t expected[] = {0, 2, 65535};
    assert_output_ints(h, expected, 3);
    harness_free(h);

    h = harness_new("QuantizeLinear", 21, 2, 1);
    harness_attr_int(h, "output_dtype", 17);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_UNSUPPORTED, "float8e4m3fn");
    harness_free(h);

    h = harness_new("QuantizeLinear", 23, 2, 1);
    harness_attr_int(h, "output_dtype", 22);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_UNSUPPORTED, "int4");
    harness_free(h);

    h = harness_new("QuantizeLinear", 21, 3, 1);
    harness_attr_int(h, "output_dtype", DNNX_DTYPE_INT8);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    harness_input(h, 2, DNNX_DTYPE_UINT8, 0, NULL, &zero_point);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "does not match y_zero_point type uint8");
    harness_free(h);

    h = harness_new("QuantizeLinear", 19, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    harness_input(h, 2, DNNX_DTYPE_UINT16, 0, NULL, &zero_point16);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "uint16 is not uint8 or int8");
    harness_free(h);
}

/* float16 x and scale (opset 19); and opset 23's precision: 4097 / 1 rounded in float16 is 4096. */
static void test_quantize_half_and_precision(void **state)
{
    (void)state;
    uint16_t x_half[3] = {tensor_float_to_half(-3.0f), tensor_float_to_half(2.5f), tensor_float_to_half(3.5f)};
    uint16_t scale_half = tensor_float_to_half(0.5f);
    int64_t dims[1] = {3};
    harness *h = harness_new("QuantizeLinear", 19, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT16, 1, dims, x_half);
    harness_input(h, 1, DNNX_DTYPE_FLOAT16, 0, NULL, &scale_half);
    assert_int_equal(harness_run(h), DNNX_OK);
    static const int64_t half_expected[] = {0, 5, 7};
    assert_output_ints(h, half_expected, 3);
    harness_free(h);

    static const float scale = 1.0f;
    h = harness_new("QuantizeLinear", 19, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT16, 1, dims, x_half);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "");
    harness_free(h);

    static const float x[] = {4097.0f};
    static const uint16_t zero_point = 0;
    int64_t one[1] = {1};
    for (int precision = 0; precision <= DNNX_DTYPE_FLOAT16; precision += DNNX_DTYPE_FLOAT16) {
        h = harness_new("QuantizeLinear", 23, 3, 1);
        if (precision)
            harness_attr_int(h, "precision", precision);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, one, x);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
        harness_input(h, 2, DNNX_DTYPE_UINT16, 0, NULL, &zero_point);
        assert_int_equal(harness_run(h), DNNX_OK);
        int64_t expected = precision ? 4096 : 4097;
        assert_output_ints(h, &expected, 1);
        harness_free(h);
    }

    h = harness_new("QuantizeLinear", 23, 2, 1);
    harness_attr_int(h, "precision", DNNX_DTYPE_INT64);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, one, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "precision int64");
    harness_free(h);
}

/* Per-axis scales need opset 13; a per-axis scale must match x on the axis; the axis must exist. */
static void test_quantize_shape_errors(void **state)
{
    (void)state;
    static const float x[6] = {0};
    static const float scales[3] = {1, 1, 1};
    static const uint8_t zero_points[2] = {0, 0};
    int64_t xd[2] = {2, 3}, sd[1] = {3}, zd[1] = {2}, wrong[1] = {2};
    harness *h = harness_new("QuantizeLinear", 10, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, xd, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, sd, scales);
    assert_error(harness_run(h), DNNX_ERR_INVALID_MODEL, "per-axis scales need opset 13");
    harness_free(h);

    h = harness_new("QuantizeLinear", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, xd, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, wrong, scales);
    assert_error(harness_run(h), DNNX_ERR_INVALID_ARGUMENT, "does not match axis 1 of x [2,3]");
    harness_free(h);

    h = harness_new("QuantizeLinear", 13, 2, 1);
    harness_attr_int(h, "axis", 2);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, xd, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, sd, scales);
    assert_error(harness_run(h), DNNX_ERR_INVALID_MODEL, "axis 2 is out of range");
    harness_free(h);

    h = harness_new("QuantizeLinear", 13, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, xd, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, sd, scales);
    harness_input(h, 2, DNNX_DTYPE_UINT8, 1, zd, zero_points);
    assert_error(harness_run(h), DNNX_ERR_INVALID_MODEL, "zero point of shape [2] does not match scale of shape [3]");
    harness_free(h);

    h = harness_new("QuantizeLinear", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_INT64, 2, xd, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    assert_int_not_equal(harness_infer(h, false), DNNX_OK);
    harness_free(h);
}

/* At load time dims may be symbolic: the output keeps x's dims and gets the zero point's type. */
static void test_quantize_symbolic_infer(void **state)
{
    (void)state;
    int64_t xd[3] = {DIM_UNKNOWN, 4, DIM_UNKNOWN}, sd[1] = {4};
    harness *h = harness_new("QuantizeLinear", 13, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, xd, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, sd, NULL);
    harness_input(h, 2, DNNX_DTYPE_INT8, 1, sd, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_INT8);
    assert_int_equal(h->outputs[0].rank, 3);
    for (int d = 0; d < 3; d++)
        assert_int_equal(h->outputs[0].dims[d], xd[d]);
    harness_free(h);
}

static void test_dequantize_per_tensor_and_axis(void **state)
{
    (void)state;
    static const uint8_t x[] = {0, 3, 128, 255};
    static const float scale = 2.0f;
    static const uint8_t zero_point = 128;
    static const float expected[] = {-256.0f, -250.0f, 0.0f, 254.0f};
    int64_t dims[1] = {4};
    harness *h = harness_new("DequantizeLinear", 10, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 1, dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    harness_input(h, 2, DNNX_DTYPE_UINT8, 0, NULL, &zero_point);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_FLOAT);
    assert_output_floats(h, expected, 4);
    harness_free(h);

    static const int8_t xa[] = {1, 2, 3, 4, 5, 6};
    static const float scales[] = {1.0f, 0.5f};
    static const int8_t zero_points[] = {1, -2};
    static const float axis_expected[] = {0.0f, 1.0f, 2.0f, 3.0f, 3.5f, 4.0f};
    int64_t xd[2] = {2, 3}, sd[1] = {2};
    h = harness_new("DequantizeLinear", 13, 3, 1);
    harness_attr_int(h, "axis", 0);
    harness_input(h, 0, DNNX_DTYPE_INT8, 2, xd, xa);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, sd, scales);
    harness_input(h, 2, DNNX_DTYPE_INT8, 1, sd, zero_points);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_output_floats(h, axis_expected, 6);
    harness_free(h);
}

/* Blocked int16 (opset 21); float16 output through output_dtype (opset 23). */
static void test_dequantize_blocked_and_output_dtype(void **state)
{
    (void)state;
    static const int16_t x[] = {1000, 2000, 3000, -1000, -2000, -3000};
    static const float scales[] = {0.5f, 0.25f, 2.0f, 1.0f};
    static const int16_t zero_points[] = {0, 1000, -1000, 0};
    static const float expected[] = {500.0f, 1000.0f, 500.0f, 0.0f, -2000.0f, -3000.0f};
    int64_t xd[2] = {2, 3}, sd[2] = {2, 2};
    harness *h = harness_new("DequantizeLinear", 21, 3, 1);
    harness_attr_int(h, "block_size", 2);
    harness_input(h, 0, DNNX_DTYPE_INT16, 2, xd, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, sd, scales);
    harness_input(h, 2, DNNX_DTYPE_INT16, 2, sd, zero_points);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_output_floats(h, expected, 6);
    harness_free(h);

    static const uint8_t xq[] = {0, 1, 255};
    static const float scale = 0.1f;
    int64_t dims[1] = {3};
    h = harness_new("DequantizeLinear", 23, 2, 1);
    harness_attr_int(h, "output_dtype", DNNX_DTYPE_FLOAT16);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 1, dims, xq);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_FLOAT16);
    const uint16_t *y = h->outputs[0].data;
    for (int i = 0; i < 3; i++)
        assert_int_equal(y[i], tensor_float_to_half((float)xq[i] * 0.1f));
    harness_free(h);

    h = harness_new("DequantizeLinear", 23, 2, 1);
    harness_attr_int(h, "output_dtype", DNNX_DTYPE_INT32);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 1, dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "output_dtype int32");
    harness_free(h);
}

/* int32 x has no zero point (or an all-zero one); 16-bit x needs opset 21. */
static void test_dequantize_int32_and_type_gates(void **state)
{
    (void)state;
    static const int32_t x[] = {-100000, 7};
    static const float scale = 0.5f;
    static const int32_t zero = 0, nonzero = 3;
    static const float expected[] = {-50000.0f, 3.5f};
    int64_t dims[1] = {2};
    harness *h = harness_new("DequantizeLinear", 13, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 1, dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    harness_input(h, 2, DNNX_DTYPE_INT32, 0, NULL, &zero);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_output_floats(h, expected, 2);
    harness_free(h);

    h = harness_new("DequantizeLinear", 13, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 1, dims, x);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, &scale);
    harness_input(h, 2, DNNX_DTYPE_INT32, 0, NULL, &nonzero);
    assert_error(harness_run(h), DNNX_ERR_INVALID_MODEL, "zero point of 0, not 3");
    harness_free(h);

    h = harness_new("DequantizeLinear", 19, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_UINT16, 1, dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "x type uint16");
    harness_free(h);

    h = harness_new("DequantizeLinear", 13, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 1, dims, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 0, NULL, NULL);
    harness_input(h, 2, DNNX_DTYPE_INT8, 0, NULL, NULL);
    assert_int_not_equal(harness_infer(h, false), DNNX_OK);
    harness_free(h);
}

/* The ONNX example: range [-3, 2] gives scale 5/255 and zero point 153. */
static void test_dynamic_quantize(void **state)
{
    (void)state;
    static const float x[] = {0.0f, 2.0f, -3.0f, -2.5f, 1.34f, 0.5f};
    static const int64_t expected[] = {153, 255, 0, 26, 221, 179};
    int64_t dims[2] = {2, 3};
    harness *h = harness_new("DynamicQuantizeLinear", 11, 1, 3);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, dims, x);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 2);
    assert_int_equal(h->outputs[1].rank, 0);
    assert_int_equal(h->outputs[2].rank, 0);
    assert_output_ints(h, expected, 6);
    assert_true(*(float *)h->outputs[1].data == 5.0f / 255.0f);
    assert_int_equal(*(uint8_t *)h->outputs[2].data, 153);
    harness_free(h);

    /* All zeros: an empty range gets scale 1 rather than a division by zero. */
    static const float zeros[3] = {0};
    int64_t three[1] = {3};
    h = harness_new("DynamicQuantizeLinear", 11, 1, 3);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, three, zeros);
    assert_int_equal(harness_run(h), DNNX_OK);
    static const int64_t zero_expected[] = {0, 0, 0};
    assert_output_ints(h, zero_expected, 3);
    assert_true(*(float *)h->outputs[1].data == 1.0f);
    assert_int_equal(*(uint8_t *)h->outputs[2].data, 0);
    harness_free(h);

    h = harness_new("DynamicQuantizeLinear", 11, 1, 3);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 1, three, NULL);
    assert_int_not_equal(harness_infer(h, false), DNNX_OK);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantize_rounds_half_to_even_and_saturates),
        cmocka_unit_test(test_quantize_default_and_int8),
        cmocka_unit_test(test_quantize_per_axis),
        cmocka_unit_test(test_quantize_blocked_int16),
        cmocka_unit_test(test_quantize_output_dtype),
        cmocka_unit_test(test_quantize_half_and_precision),
        cmocka_unit_test(test_quantize_shape_errors),
        cmocka_unit_test(test_quantize_symbolic_infer),
        cmocka_unit_test(test_dequantize_per_tensor_and_axis),
        cmocka_unit_test(test_dequantize_blocked_and_output_dtype),
        cmocka_unit_test(test_dequantize_int32_and_type_gates),
        cmocka_unit_test(test_dynamic_quantize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of ops/matmul.c and ops/einsum.c on hand-built op_ctx: numpy MatMul (batch
 * broadcasting, 1-D operands, the blocked float kernel against a naive loop), the inner-dim
 * error, symbolic shape inference, Gemm's transposes and C broadcasting, the integer ops,
 * and Einsum's equation forms and errors. */
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

/* The state of random_floats in this file. */
static uint32_t rng_state = 12345;

/* Naive [m x k] @ [k x n] in double. */
static void naive_matmul(const float *a, const float *b, float *c, size_t m, size_t k, size_t n)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double sum = 0.0;
            for (size_t p = 0; p < k; p++)
                sum += (double)a[i * k + p] * (double)b[p * n + j];
            c[i * n + j] = (float)sum;
        }
}

/* Sizes that cross the kernel's column (256), depth (128) and vector (8) tiles. */
static void test_matmul_blocked_kernel_matches_naive(void **state)
{
    (void)state;
    static const size_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {67, 300, 263}, {2, 129, 513}, {5, 0, 4}, {0, 4, 3}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        float *a = random_floats(&rng_state, m * k), *b = random_floats(&rng_state, k * n),
              *ref = random_floats(&rng_state, m * n);
        naive_matmul(a, b, ref, m, k, n);
        harness *h = harness_new("MatMul", 13, 2, 1);
        int64_t ad[2] = {(int64_t)m, (int64_t)k}, bd[2] = {(int64_t)k, (int64_t)n}, yd[2] = {(int64_t)m, (int64_t)n};
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, ad, a);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, bd, b);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 2, yd);
        assert_close(h->outputs[0].data, ref, m * n, 1e-4f);
        harness_free(h);
        free(a);
        free(b);
        free(ref);
    }
}

/* A [2, 1, 2, 3] @ B [3, 3, 2] -> [2, 3, 2, 2]: A's batch 1 and B's missing batch broadcast. */
static void test_matmul_broadcasts_batches(void **state)
{
    (void)state;
    float *a = random_floats(&rng_state, 2 * 1 * 2 * 3), *b = random_floats(&rng_state, 3 * 3 * 2);
    harness *h = harness_new("MatMul", 13, 2, 1);
    int64_t ad[4] = {2, 1, 2, 3}, bd[3] = {3, 3, 2}, yd[4] = {2, 3, 2, 2};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, ad, a);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, bd, b);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_dims(&h->outputs[0], 4, yd);
    const float *y = h->outputs[0].data;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            float ref[4];
            naive_matmul(a + i * 6, b + j * 6, ref, 2, 3, 2);
            assert_close(y + (i * 3 + j) * 4, ref, 4, 1e-5f);
        }
    harness_free(h);
    free(a);
    free(b);
}

/* numpy's 1-D rules: the added dim is removed from the result. */
static void test_matmul_one_dimensional_operands(void **state)
{
    (void)state;
    static const float v[3] = {1, 2, 3};
    static const float m[2 * 3 * 4] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10,  11,  12,
                                       -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12};
    int64_t vd[1] = {3}, md[3] = {2, 3, 4};

    harness *h = harness_new("MatMul", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, vd, v);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, vd, v);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 0);
    assert_float_equal(((float *)h->outputs[0].data)[0], 14.0f, 1e-6);
    harness_free(h);

    h = harness_new("MatMul", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, vd, v);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 3, md, m);
    assert_int_equal(harness_run(h), DNNX_OK);
    int64_t yd[2] = {2, 4};
    assert_dims(&h->outputs[0], 2, yd);
    static const float expect_vm[8] = {38, 44, 50, 56, -38, -44, -50, -56};
    assert_close(h->outputs[0].data, expect_vm, 8, 1e-6f);
    harness_free(h);

    static const float w[4] = {1, 0, -1, 2};
    int64_t wd[1] = {4};
    h = harness_new("MatMul", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, md, m);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, wd, w);
    assert_int_equal(harness_run(h), DNNX_OK);
    int64_t yd2[2] = {2, 3};
    assert_dims(&h->outputs[0], 2, yd2);
    static const float expect_mv[6] = {6, 14, 22, -6, -14, -22};
    assert_close(h->outputs[0].data, expect_mv, 6, 1e-6f);
    harness_free(h);
}

static void test_matmul_inner_dim_mismatch_names_both(void **state)
{
    (void)state;
    harness *h = harness_new("MatMul", 13, 2, 1);
    int64_t ad[3] = {2, 5, 64}, bd[2] = {96, 8};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, ad, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, bd, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "inner dims 64 and 96 do not match");
    assert_non_null(strstr(dnnx_last_error(), "node 'n' (MatMul-13)"));
    assert_error(harness_infer(h, true), DNNX_ERR_INVALID_ARGUMENT, "inner dims 64 and 96 do not match");
    harness_free(h);

    h = harness_new("MatMul", 13, 2, 1);
    int64_t vd[1] = {3};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 1, vd, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, bd, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "inner dims 3 and 96 do not match");
    harness_free(h);

    h = harness_new("MatMul", 13, 2, 1);
    int64_t a4[4] = {2, 3, 4, 5}, b4[4] = {3, 3, 5, 6};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, a4, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, b4, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "cannot be broadcast");
    harness_free(h);
}

/* [batch, seq, 64] @ [64, 128] -> [batch, seq, 128] keeps the symbols; a symbolic inner dim
 * merges with a concrete one; a symbolic batch against 1 keeps the symbol. */
static void test_matmul_symbolic_shapes(void **state)
{
    (void)state;
    harness *h = harness_new("MatMul", 13, 2, 1);
    int64_t batch = graph_symbol(h->g, "batch"), seq = graph_symbol(h->g, "seq"), hidden = graph_symbol(h->g, "h");
    int64_t ad[3] = {batch, seq, 64}, bd[2] = {64, 128};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, ad, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, bd, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t yd[3] = {batch, seq, 128};
    assert_dims(&h->outputs[0], 3, yd);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_FLOAT);

    int64_t ad2[4] = {batch, 12, seq, hidden}, bd2[4] = {1, 12, 64, seq};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 4, ad2, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 4, bd2, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t yd2[4] = {batch, 12, seq, seq};
    assert_dims(&h->outputs[0], 4, yd2);

    int64_t ad3[2] = {DIM_UNKNOWN, DIM_UNKNOWN}, bd3[1] = {7};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, ad3, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 1, bd3, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_int_equal(h->outputs[0].rank, 1);
    assert_int_equal(h->outputs[0].dims[0], DIM_UNKNOWN);
    harness_free(h);
}

static void test_matmul_other_dtypes(void **state)
{
    (void)state;
    static const double ad[6] = {1, 2, 3, 4, 5, 6}, bd[6] = {1, -1, 2, 0, 0.5, 3};
    static const int32_t ai[6] = {1, 2, 3, 4, 5, 6}, bi[6] = {1, -1, 2, 0, 7, 3};
    int64_t a_dims[2] = {2, 3}, b_dims[2] = {3, 2};
    harness *h = harness_new("MatMul", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_DOUBLE, 2, a_dims, ad);
    harness_input(h, 1, DNNX_DTYPE_DOUBLE, 2, b_dims, bd);
    assert_int_equal(harness_run(h), DNNX_OK);
    const double *yd = h->outputs[0].data;
    assert_float_equal(yd[0], 1 + 4 + 1.5, 1e-12);
    assert_float_equal(yd[3], -4 + 0 + 18, 1e-12);
    harness_free(h);

    h = harness_new("MatMul", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 2, a_dims, ai);
    harness_input(h, 1, DNNX_DTYPE_INT32, 2, b_dims, bi);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int32_t *yi = h->outputs[0].data;
    assert_int_equal(yi[0], 1 + 4 + 21);
    assert_int_equal(yi[1], -1 + 0 + 9);
    assert_int_equal(yi[3], -4 + 0 + 18);
    harness_free(h);

    uint16_t ah[6], bh[6];
    for (int i = 0; i < 6; i++) {
        ah[i] = tensor_float_to_half((float)ad[i]);
        bh[i] = tensor_float_to_half((float)bd[i]);
    }
    h = harness_new("MatMul", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_FLOAT16, 2, a_dims, ah);
    harness_input(h, 1, DNNX_DTYPE_FLOAT16, 2, b_dims, bh);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_FLOAT16);
    assert_float_equal(tensor_half_to_float(((uint16_t *)h->outputs[0].data)[0]), 6.5f, 1e-3);
    harness_free(h);

    h = harness_new("MatMul", 13, 2, 1);
    harness_input(h, 0, DNNX_DTYPE_INT32, 2, a_dims, ai);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, b_dims, bd);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "same dtype");
    harness_input(h, 0, DNNX_DTYPE_INT8, 2, a_dims, ai);
    harness_input(h, 1, DNNX_DTYPE_INT8, 2, b_dims, bi);
    assert_error(harness_infer(h, false), DNNX_ERR_UNSUPPORTED, "int8");
    harness_free(h);
}

/* Gemm against a naive loop for every transpose combination and each form of C. */
static void test_gemm_transposes_and_bias(void **state)
{
    (void)state;
    const size_t m = 5, k = 7, n = 9;
    float *a = random_floats(&rng_state, m * k), *b = random_floats(&rng_state, k * n),
          *c = random_floats(&rng_state, m * n);
    float *at = malloc(m * k * sizeof *at), *bt = malloc(k * n * sizeof *bt), *ref = malloc(m * n * sizeof *ref);
    for (size_t i = 0; i < m; i++)
        for (size_t p = 0; p < k; p++)
            at[p * m + i] = a[i * k + p];
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++)
            bt[j * k + p] = b[p * n + j];
    naive_matmul(a, b, ref, m, k, n);
    /* C forms: [m, n], [n], [m, 1], scalar. */
    int64_t c_dims[4][2] = {{5, 9}, {9, 0}, {5, 1}, {0, 0}};
    int c_ranks[4] = {2, 1, 2, 0};
    for (int form = 0; form < 4; form++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                harness *h = harness_new("Gemm", 13, 3, 1);
                int64_t ad[2] = {ta ? 7 : 5, ta ? 5 : 7}, bd[2] = {tb ? 9 : 7, tb ? 7 : 9};
                harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, ad, ta ? at : a);
                harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, bd, tb ? bt : b);
                harness_input(h, 2, DNNX_DTYPE_FLOAT, c_ranks[form], c_dims[form], c);
                harness_attr_int(h, "transA", ta);
                harness_attr_int(h, "transB", tb);
                harness_attr_float(h, "alpha", 0.5f);
                harness_attr_float(h, "beta", -2.0f);
                assert_int_equal(harness_run(h), DNNX_OK);
                int64_t yd[2] = {5, 9};
                assert_dims(&h->outputs[0], 2, yd);
                const float *y = h->outputs[0].data;
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < n; j++) {
                        size_t ci = form == 0 ? i * n + j : form == 1 ? j : form == 2 ? i : 0;
                        float expect = 0.5f * ref[i * n + j] - 2.0f * c[ci];
                        if (fabsf(y[i * n + j] - expect) > 1e-4f)
                            fail_msg("form %d transA %d transB %d [%zu,%zu]: %g, expected %g", form, ta, tb, i, j,
                                     (double)y[i * n + j], (double)expect);
                    }
                harness_free(h);
            }
    free(a);
    free(b);
    free(c);
    free(at);
    free(bt);
    free(ref);
}

static void test_gemm_checks(void **state)
{
    (void)state;
    harness *h = harness_new("Gemm", 13, 2, 1);
    int64_t ad[2] = {4, 3}, bd[2] = {4, 5};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, ad, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, bd, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "inner dims 3 and 4 do not match");
    harness_attr_int(h, "transA", 1);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t yd[2] = {3, 5};
    assert_dims(&h->outputs[0], 2, yd);
    harness_free(h);

    h = harness_new("Gemm", 11, 3, 1);
    int64_t a2[2] = {2, 3}, b2[2] = {3, 4}, c2[2] = {3, 4};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, a2, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, b2, NULL);
    harness_input(h, 2, DNNX_DTYPE_FLOAT, 2, c2, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "C of shape [3,4] cannot be broadcast to [2,4]");
    int64_t a3[3] = {1, 2, 3};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 3, a3, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "must be 2-D");
    harness_free(h);

    /* Gemm-7 and -9 require C, -11 and -13 do not. */
    assert_int_equal(op_registry_find(ops_registry(), "", "Gemm", 10)->min_inputs, 3);
    assert_int_equal(op_registry_find(ops_registry(), "", "Gemm", 12)->min_inputs, 2);
    assert_int_equal(op_registry_find(ops_registry(), "", "Gemm", 23)->since_version, 13);
    assert_int_equal(op_registry_find(ops_registry(), "", "MatMul", 23)->since_version, 13);
    assert_int_equal(op_registry_find(ops_registry(), "", "MatMul", 8)->since_version, 1);
}

static void test_gemm_integers(void **state)
{
    (void)state;
    static const int64_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, c[2] = {100, 200};
    int64_t dims[2] = {2, 2}, c_dims[1] = {2};
    harness *h = harness_new("Gemm", 13, 3, 1);
    harness_input(h, 0, DNNX_DTYPE_INT64, 2, dims, a);
    harness_input(h, 1, DNNX_DTYPE_INT64, 2, dims, b);
    harness_input(h, 2, DNNX_DTYPE_INT64, 1, c_dims, c);
    harness_attr_int(h, "transB", 1);
    assert_int_equal(harness_run(h), DNNX_OK);
    const int64_t *y = h->outputs[0].data;
    assert_int_equal(y[0], 1 * 5 + 2 * 6 + 100);
    assert_int_equal(y[1], 1 * 7 + 2 * 8 + 200);
    assert_int_equal(y[2], 3 * 5 + 4 * 6 + 100);
    assert_int_equal(y[3], 3 * 7 + 4 * 8 + 200);
    harness_free(h);
}

/* MatMulInteger with a per-row A zero point and a scalar B zero point. */
static void test_matmul_integer_zero_points(void **state)
{
    (void)state;
    static const uint8_t a[6] = {11, 12, 13, 24, 25, 26};
    static const int8_t b[6] = {1, -2, 3, 4, -5, 6};
    static const uint8_t a_zp[2] = {10, 20};
    static const int8_t b_zp[1] = {1};
    int64_t ad[2] = {2, 3}, bd[2] = {3, 2}, azd[1] = {2}, bzd[0];
    harness *h = harness_new("MatMulInteger", 10, 4, 1);
    harness_input(h, 0, DNNX_DTYPE_UINT8, 2, ad, a);
    harness_input(h, 1, DNNX_DTYPE_INT8, 2, bd, b);
    harness_input(h, 2, DNNX_DTYPE_UINT8, 1, azd, a_zp);
    harness_input(h, 3, DNNX_DTYPE_INT8, 0, bzd, b_zp);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_int_equal(h->outputs[0].dtype, DNNX_DTYPE_INT32);
    const int32_t *y = h->outputs[0].data;
    /* A - zp = [[1,2,3],[4,5,6]], B - zp = [[0,-3],[2,3],[-6,5]]. */
    assert_int_equal(y[0], 0 + 4 - 18);
    assert_int_equal(y[1], -3 + 6 + 15);
    assert_int_equal(y[2], 0 + 10 - 36);
    assert_int_equal(y[3], -12 + 15 + 30);
    int64_t bad_zp_dims[1] = {3};
    harness_input(h, 2, DNNX_DTYPE_UINT8, 1, bad_zp_dims, a);
    assert_error(harness_infer(h, true), DNNX_ERR_INVALID_MODEL, "a_zero_point must have one element");
    harness_free(h);
}

/* Runs Einsum on float inputs and compares with expected values. */
static void check_einsum(const char *equation, int n, const int64_t dims[][4], const int *ranks,
                         const float *const *data, int out_rank, const int64_t *out_dims, const float *expected)
{
    harness *h = harness_new("Einsum", 12, n, 1);
    harness_attr_string(h, "equation", equation);
    for (int i = 0; i < n; i++)
        harness_input(h, i, DNNX_DTYPE_FLOAT, ranks[i], dims[i], data[i]);
    dnnx_status status = harness_run(h);
    if (status)
        fail_msg("%s: %s", equation, dnnx_last_error());
    assert_dims(&h->outputs[0], out_rank, out_dims);
    assert_close(h->outputs[0].data, expected, tensor_count(&h->outputs[0]), 1e-5f);
    harness_free(h);
}

static void test_einsum_forms(void **state)
{
    (void)state;
    static const float m23[6] = {1, 2, 3, 4, 5, 6}, m33[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, v3[3] = {1, -1, 2};
    const int64_t d23[1][4] = {{2, 3}}, d33[1][4] = {{3, 3}};
    int r2[1] = {2};
    const float *p23[1] = {m23}, *p33[1] = {m33};

    static const float transposed[6] = {1, 4, 2, 5, 3, 6};
    int64_t o32[2] = {3, 2};
    check_einsum("ij->ji", 1, d23, r2, p23, 2, o32, transposed);
    check_einsum("ba", 1, d23, r2, p23, 2, o32, transposed); /* implicit: alphabetical */
    static const float trace[1] = {15};
    check_einsum("ii", 1, d33, r2, p33, 0, NULL, trace);
    static const float diagonal[3] = {1, 5, 9};
    int64_t o3[1] = {3};
    check_einsum("ii->i", 1, d33, r2, p33, 1, o3, diagonal);
    static const float row_sums[2] = {6, 15};
    int64_t o2[1] = {2};
    check_einsum("ij->i", 1, d23, r2, p23, 1, o2, row_sums);
    static const float total[1] = {21};
    check_einsum("ij->", 1, d23, r2, p23, 0, NULL, total);

    const int64_t mv_dims[2][4] = {{2, 3}, {3}};
    int mv_ranks[2] = {2, 1};
    const float *mv_data[2] = {m23, v3};
    static const float mv[2] = {1 - 2 + 6, 4 - 5 + 12};
    check_einsum("ij,j->i", 2, mv_dims, mv_ranks, mv_data, 1, o2, mv);
    static const float outer[6] = {1, -1, 2, 4, -4, 8};
    const int64_t outer_dims[2][4] = {{2}, {3}};
    int outer_ranks[2] = {1, 1};
    static const float v2[2] = {1, 4};
    const float *outer_data[2] = {v2, v3};
    int64_t o23[2] = {2, 3};
    check_einsum("i,j", 2, outer_dims, outer_ranks, outer_data, 2, o23, outer);

    /* Ellipsis with broadcasting: [2, 1, 2] x [3, 2] over "...j,...j->..." gives [2, 3]. */
    static const float e1[4] = {1, 2, 3, 4}, e2[6] = {1, 0, 0, 1, 1, 1};
    const int64_t e_dims[2][4] = {{2, 1, 2}, {3, 2}};
    int e_ranks[2] = {3, 2};
    const float *e_data[2] = {e1, e2};
    static const float e_out[6] = {1, 2, 3, 3, 4, 7};
    check_einsum("...j,...j->...", 2, e_dims, e_ranks, e_data, 2, o23, e_out);
}

/* "bhqd,bhkd->bhqk" (attention scores) against MatMul with B transposed. */
static void test_einsum_batch_matmul_matches_matmul(void **state)
{
    (void)state;
    const int64_t b = 2, heads = 3, q = 4, k = 5, d = 6;
    float *qd = random_floats(&rng_state, (size_t)(b * heads * q * d)),
          *kd = random_floats(&rng_state, (size_t)(b * heads * k * d));
    float *kt = malloc((size_t)(b * heads * k * d) * sizeof *kt);
    for (int64_t bh = 0; bh < b * heads; bh++)
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < d; j++)
                kt[bh * k * d + j * k + i] = kd[bh * k * d + i * d + j];
    harness *mm = harness_new("MatMul", 13, 2, 1);
    int64_t qdims[4] = {b, heads, q, d}, ktdims[4] = {b, heads, d, k};
    harness_input(mm, 0, DNNX_DTYPE_FLOAT, 4, qdims, qd);
    harness_input(mm, 1, DNNX_DTYPE_FLOAT, 4, ktdims, kt);
    assert_int_equal(harness_run(mm), DNNX_OK);
    const int64_t dims[2][4] = {{b, heads, q, d}, {b, heads, k, d}};
    int ranks[2] = {4, 4};
    const float *data[2] = {qd, kd};
    int64_t out[4] = {b, heads, q, k};
    check_einsum("bhqd,bhkd->bhqk", 2, dims, ranks, data, 4, out, mm->outputs[0].data);
    check_einsum("...qd,...kd->...qk", 2, dims, ranks, data, 4, out, mm->outputs[0].data);
    harness_free(mm);
    free(qd);
    free(kd);
    free(kt);
}

static void test_einsum_errors_and_symbols(void **state)
{
    (void)state;
    int64_t d23[2] = {2, 3}, d34[2] = {3, 4}, d44[2] = {4, 4};
    static const struct {
        const char *equation;
        const char *fragment;
    } cases[] = {
        {"ij,jk->ik,", "malformed output"}, {"ij,jk->ix", "'x' of 'ij,jk->ix' is not in any input"},
        {"ij,jk->ii", "appears twice"},     {"ijk,jk->ik", "has 3 labels but input 0 has rank 2"},
        {"ij", "one term for each"},        {"i1,jk", "invalid character '1'"},
        {"i..j,jk", "malformed ellipsis"},  {"...j,jk->k", "has no '...' for the 1 dims of the ellipsis"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        harness *h = harness_new("Einsum", 12, 2, 1);
        harness_attr_string(h, "equation", cases[c].equation);
        harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, d23, NULL);
        harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, d34, NULL);
        assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, cases[c].fragment);
        harness_free(h);
    }
    harness *h = harness_new("Einsum", 12, 2, 1);
    harness_attr_string(h, "equation", "ij,jk->ik");
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, d23, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, d44, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, "label 'j' has sizes 3 and 4");

    int64_t seq = graph_symbol(h->g, "seq");
    int64_t sd[2] = {seq, 3}, sd2[2] = {DIM_UNKNOWN, 7};
    harness_input(h, 0, DNNX_DTYPE_FLOAT, 2, sd, NULL);
    harness_input(h, 1, DNNX_DTYPE_FLOAT, 2, sd2, NULL);
    h->attrs[0].s = "ij,ik->jk";
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    int64_t expect[2] = {3, 7};
    assert_dims(&h->outputs[0], 2, expect);
    h->attrs[0].s = "ij,ik->ijk";
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_int_equal(h->outputs[0].dims[0], seq);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matmul_blocked_kernel_matches_naive),
        cmocka_unit_test(test_matmul_broadcasts_batches),
        cmocka_unit_test(test_matmul_one_dimensional_operands),
        cmocka_unit_test(test_matmul_inner_dim_mismatch_names_both),
        cmocka_unit_test(test_matmul_symbolic_shapes),
        cmocka_unit_test(test_matmul_other_dtypes),
        cmocka_unit_test(test_gemm_transposes_and_bias),
        cmocka_unit_test(test_gemm_checks),
        cmocka_unit_test(test_gemm_integers),
        cmocka_unit_test(test_matmul_integer_zero_points),
        cmocka_unit_test(test_einsum_forms),
        cmocka_unit_test(test_einsum_batch_matmul_matches_matmul),
        cmocka_unit_test(test_einsum_errors_and_symbols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of ops/attention.c: Attention against a plain double-precision formula (scale,
 * softcap, broadcast float mask, every qk_matmul_output mode), and the equivalences the kernel
 * must keep: grouped-query heads vs repeated key/value heads, is_causal vs an explicit lower-
 * triangular mask (with a past cache), 3-D vs 4-D inputs, float16 vs float, and opset 24's
 * nonpad_kv_seqlen and short masks vs explicit -inf masks; RotaryEmbedding against its
 * formula, 3-D vs 4-D, cached positions vs position_ids; and the shape errors of both. Each
 * test binds a hand-built node to its registry schema and runs infer + run. */
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

/* An Attention node whose outputs are those in the mask (bit k: output k present; outputs
 * between present ones are omitted). */
static harness *new_attention(int opset, unsigned outputs)
{
    int n = 0;
    for (int k = 0; k < 4; k++)
        if (outputs & (1u << k))
            n = k + 1;
    harness *h = harness_new("Attention", opset, 0, n);
    for (int k = 0; k < n; k++)
        if (!(outputs & (1u << k)))
            harness_omit_output(h, k);
    return h;
}

/* Input i: a float tensor over data (NULL: shape only). */
static void float_input(harness *h, int i, int rank, const int64_t *dims, const float *data)
{
    harness_input(h, i, DNNX_DTYPE_FLOAT, rank, dims, data);
}

/* [B, H, S, D] from [B, S, H * D] and back. */
static void heads_to_3d(const float *x4, int b_n, int h_n, int s_n, int d_n, float *x3)
{
    for (int b = 0; b < b_n; b++)
        for (int h = 0; h < h_n; h++)
            for (int s = 0; s < s_n; s++)
                for (int d = 0; d < d_n; d++)
                    x3[((b * s_n + s) * h_n + h) * d_n + d] = x4[((b * h_n + h) * s_n + s) * d_n + d];
}

/* Plain attention in double for one [b, h] block: q [sq, d], k [t, d], v [t, dv], bias
 * [sq, t] (additive, may be -inf). Writes y [sq, dv] and the four qk_matmul_output views. */
static void naive_attention(const float *q, const float *k, const float *v, const float *bias, int sq, int t, int d,
                            int dv, double scale, double softcap, float *y, float qk[4][64])
{
    for (int i = 0; i < sq; i++) {
        double s[16], max = -INFINITY, sum = 0;
        for (int j = 0; j < t; j++) {
            double dotp = 0;
            for (int c = 0; c < d; c++)
                dotp += (double)q[i * d + c] * k[j * d + c];
            s[j] = dotp * scale;
            qk[0][i * t + j] = (float)s[j];
            if (softcap > 0)
                s[j] = softcap * tanh(s[j] / softcap);
            qk[1][i * t + j] = (float)s[j];
            s[j] += bias ? bias[i * t + j] : 0.0;
            qk[2][i * t + j] = (float)s[j];
            max = s[j] > max ? s[j] : max;
        }
        for (int j = 0; j < t; j++)
            sum += exp(s[j] - max);
        for (int j = 0; j < t; j++)
            qk[3][i * t + j] = (float)(exp(s[j] - max) / sum);
        for (int c = 0; c < dv; c++) {
            double acc = 0;
            for (int j = 0; j < t; j++)
                acc += exp(s[j] - max) / sum * v[j * dv + c];
            y[i * dv + c] = (float)acc;
        }
    }
}

/* One batch, one head, 3 queries, 4 keys, head size 5, value size 2, with an explicit scale,
 * softcap and a float mask [1, 1, 3, 4] holding -inf, checked in every qk_matmul_output mode. */
static void test_attention_matches_formula(void **state)
{
    (void)state;
    static const int64_t q_dims[] = {1, 1, 3, 5}, k_dims[] = {1, 1, 4, 5}, v_dims[] = {1, 1, 4, 2};
    static const int64_t mask_dims[] = {3, 4};
    static const float mask[12] = {0, -1.5f, -INFINITY, 0.25f, 0, 0, 0, 0, -INFINITY, 2, 0, -INFINITY};
    float q[15], k[20], v[8], y[6], qk[4][64];
    fill_random(q, 15, 1);
    fill_random(k, 20, 2);
    fill_random(v, 8, 3);
    for (int i = 0; i < 15; i++)
        q[i] *= 4.0f;
    naive_attention(q, k, v, mask, 3, 4, 5, 2, 0.7, 1.5, y, qk);
    for (int mode = 0; mode < 4; mode++) {
        harness *h = new_attention(23, 1u | 8u);
        harness_attr_float(h, "scale", 0.7f);
        harness_attr_float(h, "softcap", 1.5f);
        harness_attr_int(h, "qk_matmul_output_mode", mode);
        float_input(h, 0, 4, q_dims, q);
        float_input(h, 1, 4, k_dims, k);
        float_input(h, 2, 4, v_dims, v);
        float_input(h, 3, 2, mask_dims, mask);
        assert_int_equal(harness_run(h), DNNX_OK);
        assert_dims(&h->outputs[0], 4, (const int64_t[]){1, 1, 3, 2});
        assert_dims(&h->outputs[3], 4, (const int64_t[]){1, 1, 3, 4});
        assert_floats_within(h->outputs[0].data, y, 6, 1e-5);
        assert_floats_within(h->outputs[3].data, qk[mode], 12, 1e-5);
        harness_free(h);
    }
    /* The default scale is 1 / sqrt(head_size). */
    naive_attention(q, k, v, NULL, 3, 4, 5, 2, 1.0 / sqrt(5.0), 0, y, qk);
    harness *h = new_attention(23, 1u);
    float_input(h, 0, 4, q_dims, q);
    float_input(h, 1, 4, k_dims, k);
    float_input(h, 2, 4, v_dims, v);
    assert_int_equal(harness_run(h), DNNX_OK);
    assert_floats_within(h->outputs[0].data, y, 6, 1e-5);
    harness_free(h);
}

/* 4 query heads over 2 key/value heads equal 4 heads over the key/value heads repeated as
 * [h0, h0, h1, h1]. */
static void test_gqa_matches_repeated_kv_heads(void **state)
{
    (void)state;
    enum { B = 2, HQ = 4, HKV = 2, SQ = 3, T = 6, D = 5, DV = 3 };
    static float q[B * HQ * SQ * D], k[B * HKV * T * D], v[B * HKV * T * DV];
    static float k_rep[B * HQ * T * D], v_rep[B * HQ * T * DV];
    fill_random(q, sizeof q / sizeof *q, 11);
    fill_random(k, sizeof k / sizeof *k, 12);
    fill_random(v, sizeof v / sizeof *v, 13);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < HQ; h++) {
            int src = b * HKV + h / (HQ / HKV), dst = b * HQ + h;
            memcpy(k_rep + dst * T * D, k + src * T * D, T * D * sizeof(float));
            memcpy(v_rep + dst * T * DV, v + src * T * DV, T * DV * sizeof(float));
        }
    harness *gqa = new_attention(23, 1u | 2u | 8u);
    harness_attr_int(gqa, "is_causal", 1);
    float_input(gqa, 0, 4, (const int64_t[]){B, HQ, SQ, D}, q);
    float_input(gqa, 1, 4, (const int64_t[]){B, HKV, T, D}, k);
    float_input(gqa, 2, 4, (const int64_t[]){B, HKV, T, DV}, v);
    assert_int_equal(harness_run(gqa), DNNX_OK);
    assert_dims(&gqa->outputs[0], 4, (const int64_t[]){B, HQ, SQ, DV});
    assert_dims(&gqa->outputs[1], 4, (const int64_t[]){B, HKV, T, D});
    assert_floats_within(gqa->outputs[1].data, k, sizeof k / sizeof *k, 0);

    harness *rep = new_attention(23, 1u | 8u);
    harness_attr_int(rep, "is_causal", 1);
    float_input(rep, 0, 4, (const int64_t[]){B, HQ, SQ, D}, q);
    float_input(rep, 1, 4, (const int64_t[]){B, HQ, T, D}, k_rep);
    float_input(rep, 2, 4, (const int64_t[]){B, HQ, T, DV}, v_rep);
    assert_int_equal(harness_run(rep), DNNX_OK);
    assert_floats_within(gqa->outputs[0].data, rep->outputs[0].data, B * HQ * SQ * DV, 1e-6);
    assert_floats_within(gqa->outputs[3].data, rep->outputs[3].data, B * HQ * SQ * T, 1e-6);
    harness_free(gqa);
    harness_free(rep);
}

/* is_causal with a past cache of 3 equals the bool mask "key j <= query i + 3" and the float
 * mask 0 / -inf; present_key/value are past ++ new. */
static void test_causal_matches_lower_triangular_mask(void **state)
{
    (void)state;
    enum { B = 1, H = 2, SQ = 4, P = 3, T = SQ + P, D = 3 };
    static const int64_t q_dims[] = {B, H, SQ, D}, past_dims[] = {B, H, P, D}, mask_dims[] = {SQ, T};
    float q[B * H * SQ * D], k[B * H * SQ * D], v[B * H * SQ * D], pk[B * H * P * D], pv[B * H * P * D];
    uint8_t bool_mask[SQ * T];
    float float_mask[SQ * T];
    fill_random(q, sizeof q / sizeof *q, 21);
    fill_random(k, sizeof k / sizeof *k, 22);
    fill_random(v, sizeof v / sizeof *v, 23);
    fill_random(pk, sizeof pk / sizeof *pk, 24);
    fill_random(pv, sizeof pv / sizeof *pv, 25);
    for (int i = 0; i < SQ; i++)
        for (int j = 0; j < T; j++) {
            bool_mask[i * T + j] = j <= i + P;
            float_mask[i * T + j] = j <= i + P ? 0.0f : -INFINITY;
        }
    harness *runs[3];
    for (int r = 0; r < 3; r++) {
        harness *h = runs[r] = new_attention(23, 15u);
        float_input(h, 0, 4, q_dims, q);
        float_input(h, 1, 4, q_dims, k);
        float_input(h, 2, 4, q_dims, v);
        if (r == 0)
            harness_attr_int(h, "is_causal", 1);
        else if (r == 1)
            harness_input(h, 3, DNNX_DTYPE_BOOL, 2, mask_dims, bool_mask);
        else
            float_input(h, 3, 2, mask_dims, float_mask);
        float_input(h, 4, 4, past_dims, pk);
        float_input(h, 5, 4, past_dims, pv);
        harness_attr_int(h, "qk_matmul_output_mode", 3);
        assert_int_equal(harness_run(h), DNNX_OK);
    }
    assert_dims(&runs[0]->outputs[1], 4, (const int64_t[]){B, H, T, D});
    const float *present_v = runs[0]->outputs[2].data, *probs = runs[0]->outputs[3].data;
    for (int h = 0; h < H; h++) {
        assert_floats_within(present_v + h * T * D, pv + h * P * D, P * D, 0);
        assert_floats_within(present_v + (h * T + P) * D, v + h * SQ * D, SQ * D, 0);
    }
    /* Future keys get exactly zero weight. */
    for (int i = 0; i < SQ; i++)
        for (int j = i + P + 1; j < T; j++)
            assert_true(probs[i * T + j] == 0.0f);
    for (int r = 1; r < 3; r++)
        for (int k_out = 0; k_out < 4; k_out++)
            assert_floats_within(runs[r]->outputs[k_out].data, runs[0]->outputs[k_out].data,
                                 tensor_count(&runs[0]->outputs[k_out]), 1e-6);
    for (int r = 0; r < 3; r++)
        harness_free(runs[r]);
}

/* 3-D [B, S, H * D] inputs with q_num_heads / kv_num_heads equal the 4-D inputs transposed,
 * with grouped heads, a value size that differs from the key size and a past cache. */
static void test_3d_matches_4d(void **state)
{
    (void)state;
    enum { B = 2, HQ = 3, HKV = 1, SQ = 4, SKV = 5, P = 2, D = 6, DV = 4 };
    static float q4[B * HQ * SQ * D], k4[B * HKV * SKV * D], v4[B * HKV * SKV * DV];
    static float q3[B * HQ * SQ * D], k3[B * HKV * SKV * D], v3[B * HKV * SKV * DV];
    static float pk[B * HKV * P * D], pv[B * HKV * P * DV], mask[SQ * (SKV + P)], y3[B * HQ * SQ * DV];
    fill_random(q4, sizeof q4 / sizeof *q4, 31);
    fill_random(k4, sizeof k4 / sizeof *k4, 32);
    fill_random(v4, sizeof v4 / sizeof *v4, 33);
    fill_random(pk, sizeof pk / sizeof *pk, 34);
    fill_random(pv, sizeof pv / sizeof *pv, 35);
    fill_random(mask, sizeof mask / sizeof *mask, 36);
    heads_to_3d(q4, B, HQ, SQ, D, q3);
    heads_to_3d(k4, B, HKV, SKV, D, k3);
    heads_to_3d(v4, B, HKV, SKV, DV, v3);
    harness *h4 = new_attention(23, 7u);
    float_input(h4, 0, 4, (const int64_t[]){B, HQ, SQ, D}, q4);
    float_input(h4, 1, 4, (const int64_t[]){B, HKV, SKV, D}, k4);
    float_input(h4, 2, 4, (const int64_t[]){B, HKV, SKV, DV}, v4);
    float_input(h4, 3, 2, (const int64_t[]){SQ, SKV + P}, mask);
    float_input(h4, 4, 4, (const int64_t[]){B, HKV, P, D}, pk);
    float_input(h4, 5, 4, (const int64_t[]){B, HKV, P, DV}, pv);
    assert_int_equal(harness_run(h4), DNNX_OK);

    harness *h3 = new_attention(23, 7u);
    harness_attr_int(h3, "q_num_heads", HQ);
    harness_attr_int(h3, "kv_num_heads", HKV);
    float_input(h3, 0, 3, (const int64_t[]){B, SQ, HQ * D}, q3);
    float_input(h3, 1, 3, (const int64_t[]){B, SKV, HKV * D}, k3);
    float_input(h3, 2, 3, (const int64_t[]){B, SKV, HKV * DV}, v3);
    float_input(h3, 3, 2, (const int64_t[]){SQ, SKV + P}, mask);
    float_input(h3, 4, 4, (const int64_t[]){B, HKV, P, D}, pk);
    float_input(h3, 5, 4, (const int64_t[]){B, HKV, P, DV}, pv);
    assert_int_equal(harness_run(h3), DNNX_OK);
    assert_dims(&h3->outputs[0], 3, (const int64_t[]){B, SQ, HQ * DV});
    heads_to_3d(h4->outputs[0].data, B, HQ, SQ, DV, y3);
    assert_floats_within(h3->outputs[0].data, y3, sizeof y3 / sizeof *y3, 1e-6);
    /* present is 4-D either way. */
    for (int k_out = 1; k_out < 3; k_out++)
        assert_floats_within(h3->outputs[k_out].data, h4->outputs[k_out].data, tensor_count(&h4->outputs[k_out]), 0);
    harness_free(h4);
    harness_free(h3);
}

/* float16 inputs (computed in float) agree with float inputs to float16 precision. */
static void test_float16_matches_float(void **state)
{
    (void)state;
    enum { N = 2 * 2 * 3 * 4 };
    static const int64_t dims[] = {2, 2, 3, 4};
    float x[3][N];
    uint16_t half[3][N];
    for (int t = 0; t < 3; t++) {
        fill_random(x[t], N, 41 + (uint32_t)t);
        for (int i = 0; i < N; i++) {
            half[t][i] = tensor_float_to_half(x[t][i]);
            x[t][i] = tensor_half_to_float(half[t][i]);
        }
    }
    harness *f = new_attention(23, 1u);
    harness *hf = new_attention(23, 3u);
    for (int t = 0; t < 3; t++) {
        float_input(f, t, 4, dims, x[t]);
        harness_input(hf, t, DNNX_DTYPE_FLOAT16, 4, dims, half[t]);
    }
    assert_int_equal(harness_run(f), DNNX_OK);
    assert_int_equal(harness_run(hf), DNNX_OK);
    assert_int_equal(hf->outputs[0].dtype, DNNX_DTYPE_FLOAT16);
    assert_int_equal(hf->outputs[1].dtype, DNNX_DTYPE_FLOAT16);
    assert_memory_equal(hf->outputs[1].data, half[1], sizeof half[1]);
    const uint16_t *y16 = hf->outputs[0].data;
    const float *y = f->outputs[0].data;
    for (int i = 0; i < N; i++)
        assert_float_equal(tensor_half_to_float(y16[i]), y[i], 1e-3);
    harness_free(f);
    harness_free(hf);
}

/* Opset 24: nonpad_kv_seqlen and a mask shorter than the keys equal an explicit full mask
 * with -inf on the padding; a bool mask of all false gives NaN rows, as the reference does. */
static void test_opset24_padding_matches_explicit_mask(void **state)
{
    (void)state;
    enum { B = 2, H = 2, SQ = 3, T = 6, D = 4, SHORT = 4 };
    static const int64_t q_dims[] = {B, H, SQ, D}, kv_dims[] = {B, H, T, D};
    static const int64_t nonpad[B] = {3, 5};
    float q[B * H * SQ * D], k[B * H * T * D], v[B * H * T * D], short_mask[SQ * SHORT], full_mask[B * SQ * T];
    fill_random(q, sizeof q / sizeof *q, 51);
    fill_random(k, sizeof k / sizeof *k, 52);
    fill_random(v, sizeof v / sizeof *v, 53);
    fill_random(short_mask, sizeof short_mask / sizeof *short_mask, 54);
    for (int b = 0; b < B; b++)
        for (int i = 0; i < SQ; i++)
            for (int j = 0; j < T; j++)
                full_mask[(b * SQ + i) * T + j] = j < SHORT && j < nonpad[b] ? short_mask[i * SHORT + j] : -INFINITY;
    harness *padded = new_attention(24, 9u);
    float_input(padded, 0, 4, q_dims, q);
    float_input(padded, 1, 4, kv_dims, k);
    float_input(padded, 2, 4, kv_dims, v);
    float_input(padded, 3, 2, (const int64_t[]){SQ, SHORT}, short_mask);
    harness_input(padded, 6, DNNX_DTYPE_INT64, 1, (const int64_t[]){B}, nonpad);
    harness_attr_int(padded, "qk_matmul_output_mode", 2);
    assert_int_equal(harness_run(padded), DNNX_OK);

    harness *full = new_attention(24, 9u);
    float_input(full, 0, 4, q_dims, q);
    float_input(full, 1, 4, kv_dims, k);
    float_input(full, 2, 4, kv_dims, v);
    float_input(full, 3, 4, (const int64_t[]){B, 1, SQ, T}, full_mask);
    harness_attr_int(full, "qk_matmul_output_mode", 2);
    assert_int_equal(harness_run(full), DNNX_OK);
    assert_floats_within(padded->outputs[0].data, full->outputs[0].data, B * H * SQ * D, 1e-6);
    assert_floats_within(padded->outputs[3].data, full->outputs[3].data, B * H * SQ * T, 1e-6);
    harness_free(padded);
    harness_free(full);

    /* Opset 23 has no padding: the short mask must broadcast, and does not. */
    harness *v23 = new_attention(23, 1u);
    float_input(v23, 0, 4, q_dims, q);
    float_input(v23, 1, 4, kv_dims, k);
    float_input(v23, 2, 4, kv_dims, v);
    float_input(v23, 3, 2, (const int64_t[]){SQ, SHORT}, short_mask);
    assert_error(harness_infer(v23, false), DNNX_ERR_INVALID_MODEL, "does not broadcast");
    harness_free(v23);

    /* A mask whose last dim is 1 broadcasts over the keys in opset 23 (a per-row constant,
     * which softmax ignores) but is padded in opset 24 (only key 0 is attended). */
    static const float column[SQ] = {0.5f, -2, 3};
    harness *bare = new_attention(23, 1u);
    harness *wide23 = new_attention(23, 1u);
    harness *short24 = new_attention(24, 1u);
    harness *one_column[3] = {bare, wide23, short24};
    for (int r = 0; r < 3; r++) {
        float_input(one_column[r], 0, 4, q_dims, q);
        float_input(one_column[r], 1, 4, kv_dims, k);
        float_input(one_column[r], 2, 4, kv_dims, v);
        if (r)
            float_input(one_column[r], 3, 2, (const int64_t[]){SQ, 1}, column);
        assert_int_equal(harness_run(one_column[r]), DNNX_OK);
    }
    assert_floats_within(wide23->outputs[0].data, bare->outputs[0].data, B * H * SQ * D, 1e-6);
    for (int bh = 0; bh < B * H; bh++)
        for (int i = 0; i < SQ; i++)
            assert_floats_within((const float *)short24->outputs[0].data + (bh * SQ + i) * D, v + bh * T * D, D, 1e-6);
    for (int r = 0; r < 3; r++)
        harness_free(one_column[r]);

    static const uint8_t none[T] = {0};
    harness *dead = new_attention(23, 1u);
    float_input(dead, 0, 4, q_dims, q);
    float_input(dead, 1, 4, kv_dims, k);
    float_input(dead, 2, 4, kv_dims, v);
    harness_input(dead, 3, DNNX_DTYPE_BOOL, 1, (const int64_t[]){T}, none);
    assert_int_equal(harness_run(dead), DNNX_OK);
    assert_true(isnan(((const float *)dead->outputs[0].data)[0]));
    harness_free(dead);

    static const int64_t too_long[B] = {3, 7};
    harness *range = new_attention(24, 1u);
    float_input(range, 0, 4, q_dims, q);
    float_input(range, 1, 4, kv_dims, k);
    float_input(range, 2, 4, kv_dims, v);
    harness_input(range, 6, DNNX_DTYPE_INT64, 1, (const int64_t[]){B}, too_long);
    assert_error(harness_run(range), DNNX_ERR_RUNTIME, "nonpad_kv_seqlen[1] = 7 is outside [0, 6]");
    harness_free(range);
}

/* Shapes with symbolic dims infer at load; Y of 3-D inputs is [batch, seq, q_heads * v_size]. */
static void test_attention_infers_symbolic_shapes(void **state)
{
    (void)state;
    harness *h = new_attention(23, 15u);
    harness_attr_int(h, "q_num_heads", 4);
    harness_attr_int(h, "kv_num_heads", 2);
    float_input(h, 0, 3, (const int64_t[]){-2, -3, 32}, NULL);
    float_input(h, 1, 3, (const int64_t[]){-2, -4, 16}, NULL);
    float_input(h, 2, 3, (const int64_t[]){-2, -4, 12}, NULL);
    float_input(h, 4, 4, (const int64_t[]){-2, 2, -5, 8}, NULL);
    float_input(h, 5, 4, (const int64_t[]){-2, 2, -5, 6}, NULL);
    assert_int_equal(harness_infer(h, false), DNNX_OK);
    assert_dims(&h->outputs[0], 3, (const int64_t[]){-2, -3, 24});
    assert_dims(&h->outputs[1], 4, (const int64_t[]){-2, 2, DIM_UNKNOWN, 8});
    assert_dims(&h->outputs[2], 4, (const int64_t[]){-2, 2, DIM_UNKNOWN, 6});
    assert_dims(&h->outputs[3], 4, (const int64_t[]){-2, 4, -3, DIM_UNKNOWN});
    harness_free(h);
}

/* Infers a 4-D or 3-D attention whose inputs and attributes are given, expecting an error. */
static void expect_attention_error(int rank, const int64_t *q, const int64_t *k, const int64_t *v, int64_t q_heads,
                                   int64_t kv_heads, const char *message)
{
    harness *h = new_attention(23, 1u);
    if (q_heads)
        harness_attr_int(h, "q_num_heads", q_heads);
    if (kv_heads)
        harness_attr_int(h, "kv_num_heads", kv_heads);
    float_input(h, 0, rank, q, NULL);
    float_input(h, 1, rank, k, NULL);
    float_input(h, 2, rank, v, NULL);
    assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, message);
    harness_free(h);
}

static void test_attention_errors(void **state)
{
    (void)state;
    static const int64_t q3[] = {1, 4, 24}, kv3[] = {1, 6, 24}, q4[] = {1, 3, 4, 8}, kv4[] = {1, 2, 6, 8};
    expect_attention_error(3, q3, kv3, kv3, 0, 3, "need the q_num_heads attribute");
    expect_attention_error(3, q3, kv3, kv3, 5, 3, "Q hidden size 24 is not divisible by q_num_heads 5");
    expect_attention_error(3, q3, kv3, kv3, 6, 4, "head sizes of Q and K 4 and 6 do not match");
    expect_attention_error(4, q4, kv4, kv4, 0, 0, "3 query heads are not a multiple of 2 key/value heads");
    expect_attention_error(4, q4, kv4, kv4, 4, 0, "q_num_heads 4 does not match the 3 heads of the 4-D Q");
    expect_attention_error(4, q4, (const int64_t[]){1, 3, 6, 7}, (const int64_t[]){1, 3, 6, 8}, 0, 0,
                           "head sizes of Q and K 8 and 7");
    expect_attention_error(4, q4, (const int64_t[]){1, 3, 5, 8}, (const int64_t[]){1, 3, 6, 8}, 0, 0,
                           "sequence lengths of K and V 5 and 6 do not match");
    expect_attention_error(4, q4, (const int64_t[]){2, 3, 6, 8}, (const int64_t[]){2, 3, 6, 8}, 0, 0,
                           "batch sizes of Q and K 1 and 2 do not match");

    static const int64_t q_ok[] = {1, 3, 4, 8}, kv_ok[] = {1, 3, 6, 8};
    harness *ranks = new_attention(23, 1u);
    float_input(ranks, 0, 4, q_ok, NULL);
    float_input(ranks, 1, 3, kv3, NULL);
    float_input(ranks, 2, 4, kv_ok, NULL);
    assert_error(harness_infer(ranks, false), DNNX_ERR_INVALID_MODEL,
                 "Q, K and V must have the same rank, not 4, 3 and 4");
    harness_free(ranks);
    struct {
        int input;
        int rank;
        int64_t dims[5];
        const char *message;
    } bad_extra[] = {
        {3, 2, {3, 6}, "attn_mask of shape [3,6] does not broadcast to [batch, q_heads, q_seq, total_seq] = [1,3,4,6]"},
        {3, 4, {1, 2, 4, 6}, "does not broadcast"},
        {3, 5, {1, 1, 3, 4, 6}, "does not broadcast"},
        {4, 4, {1, 3, 2, 8}, "past_key and past_value must be given together"},
    };
    for (size_t c = 0; c < sizeof bad_extra / sizeof bad_extra[0]; c++) {
        harness *h = new_attention(23, 1u);
        float_input(h, 0, 4, q_ok, NULL);
        float_input(h, 1, 4, kv_ok, NULL);
        float_input(h, 2, 4, kv_ok, NULL);
        float_input(h, bad_extra[c].input, bad_extra[c].rank, bad_extra[c].dims, NULL);
        assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, bad_extra[c].message);
        harness_free(h);
    }

    /* Past lengths that differ; a mask that spans only the new keys, not past + new. */
    harness *past = new_attention(23, 1u);
    float_input(past, 0, 4, q_ok, NULL);
    float_input(past, 1, 4, kv_ok, NULL);
    float_input(past, 2, 4, kv_ok, NULL);
    float_input(past, 4, 4, (const int64_t[]){1, 3, 2, 8}, NULL);
    float_input(past, 5, 4, (const int64_t[]){1, 3, 3, 8}, NULL);
    assert_error(harness_infer(past, false), DNNX_ERR_INVALID_MODEL,
                 "past sequence lengths of past_key and past_value 2 and 3 do not match");
    float_input(past, 5, 4, (const int64_t[]){1, 3, 2, 8}, NULL);
    float_input(past, 3, 2, (const int64_t[]){4, 6}, NULL);
    assert_error(harness_infer(past, false), DNNX_ERR_INVALID_MODEL, "= [1,3,4,8]");
    harness_free(past);

    struct {
        const char *name;
        int64_t value;
        const char *message;
    } bad_attrs[] = {
        {"qk_matmul_output_mode", 4, "qk_matmul_output_mode must be 0, 1, 2 or 3"},
        {"is_causal", 2, "is_causal must be 0 or 1"},
        {"softmax_precision", 7, "softmax_precision 7 is not a floating-point type"},
    };
    for (size_t c = 0; c < sizeof bad_attrs / sizeof bad_attrs[0]; c++) {
        harness *h = new_attention(23, 1u);
        harness_attr_int(h, bad_attrs[c].name, bad_attrs[c].value);
        float_input(h, 0, 4, q_ok, NULL);
        float_input(h, 1, 4, kv_ok, NULL);
        float_input(h, 2, 4, kv_ok, NULL);
        assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, bad_attrs[c].message);
        harness_free(h);
    }
    harness *cap = new_attention(23, 1u);
    harness_attr_float(cap, "softcap", -1.0f);
    float_input(cap, 0, 4, q_ok, NULL);
    float_input(cap, 1, 4, kv_ok, NULL);
    float_input(cap, 2, 4, kv_ok, NULL);
    assert_error(harness_infer(cap, false), DNNX_ERR_INVALID_MODEL, "softcap must be finite and not negative");
    harness_free(cap);
}

/* RotaryEmbedding of x [B, H, S, D] at the given per-(b, s) angles, as the spec writes it. */
static void rotary_expected(const float *x, const float *angles, int b_n, int h_n, int s_n, int d_n, int rot,
                            bool interleaved, float *y)
{
    int half = rot / 2;
    for (int b = 0; b < b_n; b++)
        for (int h = 0; h < h_n; h++)
            for (int s = 0; s < s_n; s++) {
                const float *row = x + ((b * h_n + h) * s_n + s) * d_n;
                float *out = y + ((b * h_n + h) * s_n + s) * d_n;
                memcpy(out, row, (size_t)d_n * sizeof *out);
                for (int k = 0; k < half; k++) {
                    float c = cosf(angles[(b * s_n + s) * half + k]), sn = sinf(angles[(b * s_n + s) * half + k]);
                    int i1 = interleaved ? 2 * k : k, i2 = interleaved ? 2 * k + 1 : k + half;
                    out[i1] = c * row[i1] - sn * row[i2];
                    out[i2] = sn * row[i1] + c * row[i2];
                }
            }
}

/* position_ids into [max_pos, half] caches vs the gathered [B, S, half] caches vs the formula,
 * for full and partial rotation, interleaved or not, and 3-D input with num_heads. */
static void test_rotary_embedding(void **state)
{
    (void)state;
    enum { B = 2, H = 3, S = 4, D = 8, MAXPOS = 10 };
    static const int64_t pos[B * S] = {0, 1, 2, 3, 7, 2, 9, 5};
    float x[B * H * S * D], x3[B * H * S * D], y[B * H * S * D], y3[B * H * S * D];
    fill_random(x, sizeof x / sizeof *x, 61);
    heads_to_3d(x, B, H, S, D, x3);
    for (int rot = 4; rot <= D; rot += 4)
        for (int interleaved = 0; interleaved < 2; interleaved++) {
            int half = rot / 2;
            float cos_cache[MAXPOS * D / 2], sin_cache[MAXPOS * D / 2], angles[B * S * D / 2];
            float cos3[B * S * D / 2], sin3[B * S * D / 2];
            for (int p = 0; p < MAXPOS; p++)
                for (int k = 0; k < half; k++) {
                    float angle = (float)p * powf(100.0f, -(float)k / (float)half);
                    cos_cache[p * half + k] = cosf(angle);
                    sin_cache[p * half + k] = sinf(angle);
                }
            for (int i = 0; i < B * S; i++)
                for (int k = 0; k < half; k++) {
                    angles[i * half + k] = (float)pos[i] * powf(100.0f, -(float)k / (float)half);
                    cos3[i * half + k] = cos_cache[pos[i] * half + k];
                    sin3[i * half + k] = sin_cache[pos[i] * half + k];
                }
            rotary_expected(x, angles, B, H, S, D, rot, interleaved, y);
            heads_to_3d(y, B, H, S, D, y3);
            for (int variant = 0; variant < 3; variant++) {
                harness *h = harness_new("RotaryEmbedding", 23, 0, 1);
                harness_attr_int(h, "interleaved", interleaved);
                if (rot != D)
                    harness_attr_int(h, "rotary_embedding_dim", rot);
                if (variant == 2) {
                    harness_attr_int(h, "num_heads", H);
                    float_input(h, 0, 3, (const int64_t[]){B, S, H * D}, x3);
                } else {
                    float_input(h, 0, 4, (const int64_t[]){B, H, S, D}, x);
                }
                if (variant == 1) {
                    float_input(h, 1, 3, (const int64_t[]){B, S, half}, cos3);
                    float_input(h, 2, 3, (const int64_t[]){B, S, half}, sin3);
                } else {
                    float_input(h, 1, 2, (const int64_t[]){MAXPOS, half}, cos_cache);
                    float_input(h, 2, 2, (const int64_t[]){MAXPOS, half}, sin_cache);
                    harness_input(h, 3, DNNX_DTYPE_INT64, 2, (const int64_t[]){B, S}, pos);
                }
                assert_int_equal(harness_run(h), DNNX_OK);
                assert_floats_within(h->outputs[0].data, variant == 2 ? y3 : y, B * H * S * D, 1e-5);
                harness_free(h);
            }
        }
}

static void test_rotary_errors(void **state)
{
    (void)state;
    static const int64_t x4[] = {1, 2, 3, 8}, pos_dims[] = {1, 3};
    static const float cache[40] = {0};
    static const int64_t bad_pos[] = {0, 1, 10};
    struct {
        int64_t rotary_dim;
        int x_rank;
        int64_t cache_last;
        const char *message;
    } cases[] = {
        {5, 4, 2, "the rotated part of each head (5) must have an even size"},
        {10, 4, 5, "rotary_embedding_dim 10 exceeds the head size 8"},
        {0, 4, 3, "last dim of cos_cache and rotary_dim / 2 3 and 4 do not match"},
        {0, 3, 4, "a 3-D input needs a positive num_heads attribute"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        harness *h = harness_new("RotaryEmbedding", 23, 0, 1);
        if (cases[c].rotary_dim)
            harness_attr_int(h, "rotary_embedding_dim", cases[c].rotary_dim);
        float_input(h, 0, cases[c].x_rank, cases[c].x_rank == 4 ? x4 : (const int64_t[]){1, 3, 16}, NULL);
        float_input(h, 1, 2, (const int64_t[]){10, cases[c].cache_last}, cache);
        float_input(h, 2, 2, (const int64_t[]){10, cases[c].cache_last}, cache);
        harness_input(h, 3, DNNX_DTYPE_INT64, 2, pos_dims, bad_pos);
        assert_error(harness_infer(h, false), DNNX_ERR_INVALID_MODEL, cases[c].message);
        harness_free(h);
    }
    float x[48] = {0};
    harness *range = harness_new("RotaryEmbedding", 23, 0, 1);
    float_input(range, 0, 4, x4, x);
    float_input(range, 1, 2, (const int64_t[]){10, 4}, cache);
    float_input(range, 2, 2, (const int64_t[]){10, 4}, cache);
    harness_input(range, 3, DNNX_DTYPE_INT64, 2, pos_dims, bad_pos);
    assert_error(harness_run(range), DNNX_ERR_RUNTIME, "position_ids[0][2] = 10 is outside [0, 10)");
    harness_free(range);

    harness *no_pos = harness_new("RotaryEmbedding", 23, 0, 1);
    float_input(no_pos, 0, 4, x4, x);
    float_input(no_pos, 1, 2, (const int64_t[]){10, 4}, cache);
    float_input(no_pos, 2, 2, (const int64_t[]){10, 4}, cache);
    assert_error(harness_infer(no_pos, false), DNNX_ERR_INVALID_MODEL, "must be 3-D [batch, seq, rotary_dim / 2]");
    harness_free(no_pos);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attention_matches_formula),
        cmocka_unit_test(test_gqa_matches_repeated_kv_heads),
        cmocka_unit_test(test_causal_matches_lower_triangular_mask),
        cmocka_unit_test(test_3d_matches_4d),
        cmocka_unit_test(test_float16_matches_float),
        cmocka_unit_test(test_opset24_padding_matches_explicit_mask),
        cmocka_unit_test(test_attention_infers_symbolic_shapes),
        cmocka_unit_test(test_attention_errors),
        cmocka_unit_test(test_rotary_embedding),
        cmocka_unit_test(test_rotary_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

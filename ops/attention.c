/* The attention family: ONNX Attention (opsets 23 and 24) and RotaryEmbedding (23).
 *
 * Attention runs one query row at a time: the row's scores against every key go into one
 * buffer of total_sequence_length floats, where they are capped, masked and soft-maxed; the
 * output row is then accumulated from the value rows. Heads are addressed through strides, so
 * 3-D [batch, seq, heads * head_size] and 4-D [batch, heads, seq, head_size] inputs share one
 * kernel and the key/value heads of grouped-query attention are never copied. Inputs are read
 * as float (float16, bfloat16 and double are converted once per run); dot products and the
 * softmax sum accumulate in double. Keys that causality or nonpad_kv_seqlen exclude are never
 * visited. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ops.h"

static const dnnx_dtype attention_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                             DNNX_DTYPE_DOUBLE, DNNX_DTYPE_UNDEFINED};
static const dnnx_dtype rotary_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                          DNNX_DTYPE_UNDEFINED};
static const dnnx_dtype index_types[] = {DNNX_DTYPE_INT64, DNNX_DTYPE_INT32, DNNX_DTYPE_UNDEFINED};

/* Elements [offset, offset + n) of t as float (the dtype switch stays outside the loop). */
static void load_floats(const dnnx_tensor *t, size_t offset, size_t n, float *dst)
{
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: memcpy(dst, (const float *)t->data + offset, n * sizeof *dst); break;
    case DNNX_DTYPE_FLOAT16: {
        const uint16_t *src = (const uint16_t *)t->data + offset;
        for (size_t i = 0; i < n; i++)
            dst[i] = tensor_half_to_float(src[i]);
        break;
    }
    case DNNX_DTYPE_BFLOAT16: {
        const uint16_t *src = (const uint16_t *)t->data + offset;
        for (size_t i = 0; i < n; i++)
            dst[i] = tensor_bf16_to_float(src[i]);
        break;
    }
    case DNNX_DTYPE_DOUBLE: {
        const double *src = (const double *)t->data + offset;
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)src[i];
        break;
    }
    default:
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)tensor_get_f64(t, offset + i);
        break;
    }
}

static void store_floats(dnnx_tensor *t, size_t offset, size_t n, const float *src)
{
    switch (t->dtype) {
    case DNNX_DTYPE_FLOAT: memcpy((float *)t->data + offset, src, n * sizeof *src); break;
    case DNNX_DTYPE_FLOAT16: {
        uint16_t *dst = (uint16_t *)t->data + offset;
        for (size_t i = 0; i < n; i++)
            dst[i] = tensor_float_to_half(src[i]);
        break;
    }
    default:
        for (size_t i = 0; i < n; i++)
            tensor_set_f64(t, offset + i, src[i]);
        break;
    }
}

/* The data of t as floats: t's own buffer when it is float32, else a converted copy that the
 * caller frees through *owned. NULL (with the message set) when out of memory. */
static const float *float_data(op_ctx *ctx, const dnnx_tensor *t, float **owned)
{
    *owned = NULL;
    if (t->dtype == DNNX_DTYPE_FLOAT)
        return t->data;
    size_t count = tensor_count(t);
    if (!(*owned = ops_alloc_scratch(ctx, count, sizeof(float))))
        return NULL;
    load_floats(t, 0, count, *owned);
    return *owned;
}

/* total / parts for a dim that may be symbolic; fails if a concrete total does not divide. */
static dnnx_status split_dim(op_ctx *ctx, int64_t total, int64_t parts, const char *what, const char *by, int64_t *out)
{
    if (total < 0 || parts <= 0) {
        *out = DIM_UNKNOWN;
        return DNNX_OK;
    }
    if (total % parts)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s %lld is not divisible by %s %lld", what, (long long)total, by,
                       (long long)parts);
    *out = total / parts;
    return DNNX_OK;
}

static int64_t add_dims(int64_t a, int64_t b) { return a >= 0 && b >= 0 && a <= INT64_MAX - b ? a + b : DIM_UNKNOWN; }

static int64_t mul_dims(int64_t a, int64_t b)
{
    return a >= 0 && b >= 0 && (b == 0 || a <= INT64_MAX / b) ? a * b : DIM_UNKNOWN;
}

enum { IN_Q, IN_K, IN_V, IN_MASK, IN_PAST_KEY, IN_PAST_VALUE, IN_NONPAD };
enum { OUT_Y, OUT_PRESENT_KEY, OUT_PRESENT_VALUE, OUT_QK };

/* The sizes of one Attention node; at load any of them may be symbolic or unknown. */
typedef struct attention_dims {
    bool is_3d;
    int64_t batch, q_heads, kv_heads, q_len, kv_len, past_len, total_len, head_size, v_head_size;
} attention_dims;

/* q_num_heads or kv_num_heads: required and positive for 3-D inputs; for 4-D inputs the head
 * dim of the tensor (named what), which the attribute must match when it is given and not 0. */
static dnnx_status heads_attr(op_ctx *ctx, const char *name, bool is_3d, int64_t dim, const char *what, int64_t *heads)
{
    bool has = op_has_attr(ctx, name);
    int64_t value = op_attr_int(ctx, name, 0);
    if (ctx->status)
        return ctx->status;
    if (is_3d) {
        if (!has)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "3-D Q, K and V need the %s attribute", name);
        if (value <= 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must be positive, not %lld", name, (long long)value);
        *heads = value;
        return DNNX_OK;
    }
    if (value != 0 && dim >= 0 && value != dim)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s %lld does not match the %lld heads of the 4-D %s", name,
                       (long long)value, (long long)dim, what);
    *heads = dim >= 0 || value <= 0 ? dim : value;
    return DNNX_OK;
}

static dnnx_status past_geometry(op_ctx *ctx, attention_dims *a)
{
    const dnnx_tensor *pk = op_input(ctx, IN_PAST_KEY), *pv = op_input(ctx, IN_PAST_VALUE);
    dnnx_status status;
    a->past_len = 0;
    if (!pk && !pv)
        return DNNX_OK;
    if (!pk || !pv)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "past_key and past_value must be given together");
    if (pk->rank != 4 || pv->rank != 4)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "past_key and past_value must be 4-D [batch, kv_heads, past_seq, head_size], not rank %d and %d",
                       pk->rank, pv->rank);
    if ((status = op_merge_dim(ctx, a->batch, pk->dims[0], "batch size of Q and past_key", &a->batch)) ||
        (status = op_merge_dim(ctx, a->batch, pv->dims[0], "batch size of Q and past_value", &a->batch)) ||
        (status = op_merge_dim(ctx, a->kv_heads, pk->dims[1], "kv heads of K and past_key", &a->kv_heads)) ||
        (status = op_merge_dim(ctx, a->kv_heads, pv->dims[1], "kv heads of V and past_value", &a->kv_heads)) ||
        (status = op_merge_dim(ctx, a->head_size, pk->dims[3], "head size of K and past_key", &a->head_size)) ||
        (status = op_merge_dim(ctx, a->v_head_size, pv->dims[3], "head size of V and past_value", &a->v_head_size)) ||
        (status = op_merge_dim(ctx, pk->dims[2], pv->dims[2], "past sequence lengths of past_key and past_value",
                               &a->past_len)))
        return status;
    return DNNX_OK;
}

/* Checks attn_mask against [batch, q_heads, q_seq, total_seq], right-aligned: every dim 1 or
 * equal; from opset 24 the last may also be shorter than total_seq (padded with -inf). */
static dnnx_status check_mask(op_ctx *ctx, const attention_dims *a)
{
    const dnnx_tensor *mask = op_input(ctx, IN_MASK);
    if (!mask)
        return DNNX_OK;
    if (mask->dtype != DNNX_DTYPE_BOOL && !ops_dtype_is_float(mask->dtype) && !ops_dtype_is_signed_int(mask->dtype) &&
        !ops_dtype_is_unsigned_int(mask->dtype))
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "attn_mask has dtype %s, which this op does not support",
                       dnnx_dtype_name(mask->dtype));
    dnnx_tensor target;
    tensor_init_shape(&target, mask->dtype, 4, (const int64_t[]){a->batch, a->q_heads, a->q_len, a->total_len});
    bool ok = mask->rank <= 4;
    for (int i = 1; ok && i <= mask->rank; i++) {
        int64_t d = mask->dims[mask->rank - i], t = target.dims[4 - i];
        bool padded = i == 1 && op_version(ctx) >= 24 && d >= 0 && t >= 0 && d < t;
        ok = d < 0 || t < 0 || d == 1 || d == t || padded;
    }
    if (ok)
        return DNNX_OK;
    char ms[128], ts[128];
    graph_format_shape(ctx->graph, mask, ms, sizeof ms);
    graph_format_shape(ctx->graph, &target, ts, sizeof ts);
    return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                   "attn_mask of shape %s does not broadcast to [batch, q_heads, q_seq, total_seq] = %s", ms, ts);
}

/* Checks Q, K, V, past, mask and nonpad_kv_seqlen against each other and gives the sizes. */
static dnnx_status attention_geometry(op_ctx *ctx, attention_dims *a)
{
    const dnnx_tensor *q = op_input(ctx, IN_Q), *k = op_input(ctx, IN_K), *v = op_input(ctx, IN_V);
    dnnx_status status;
    if (q->rank != 3 && q->rank != 4)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "Q must be 3-D [batch, seq, hidden] or 4-D [batch, heads, seq, head_size], not rank %d",
                       q->rank);
    if (k->rank != q->rank || v->rank != q->rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "Q, K and V must have the same rank, not %d, %d and %d", q->rank,
                       k->rank, v->rank);
    a->is_3d = q->rank == 3;
    int seq_axis = a->is_3d ? 1 : 2;
    a->q_len = q->dims[seq_axis];
    if ((status = op_merge_dim(ctx, q->dims[0], k->dims[0], "batch sizes of Q and K", &a->batch)) ||
        (status = op_merge_dim(ctx, a->batch, v->dims[0], "batch sizes of Q and V", &a->batch)) ||
        (status = op_merge_dim(ctx, k->dims[seq_axis], v->dims[seq_axis], "sequence lengths of K and V", &a->kv_len)) ||
        (status = heads_attr(ctx, "q_num_heads", a->is_3d, a->is_3d ? 0 : q->dims[1], "Q", &a->q_heads)) ||
        (status = heads_attr(ctx, "kv_num_heads", a->is_3d, a->is_3d ? 0 : k->dims[1], "K", &a->kv_heads)))
        return status;
    int64_t k_head_size = DIM_UNKNOWN;
    if (a->is_3d) {
        if ((status = split_dim(ctx, q->dims[2], a->q_heads, "Q hidden size", "q_num_heads", &a->head_size)) ||
            (status = split_dim(ctx, k->dims[2], a->kv_heads, "K hidden size", "kv_num_heads", &k_head_size)) ||
            (status = split_dim(ctx, v->dims[2], a->kv_heads, "V hidden size", "kv_num_heads", &a->v_head_size)))
            return status;
    } else {
        if ((status = op_merge_dim(ctx, a->kv_heads, v->dims[1], "head counts of K and V", &a->kv_heads)))
            return status;
        a->head_size = q->dims[3];
        k_head_size = k->dims[3];
        a->v_head_size = v->dims[3];
    }
    if ((status = op_merge_dim(ctx, a->head_size, k_head_size, "head sizes of Q and K", &a->head_size)))
        return status;
    if (a->kv_heads == 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "K and V must have at least one head");
    if (a->q_heads >= 0 && a->kv_heads > 0 && a->q_heads % a->kv_heads)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%lld query heads are not a multiple of %lld key/value heads",
                       (long long)a->q_heads, (long long)a->kv_heads);
    if ((status = past_geometry(ctx, a)))
        return status;
    a->total_len = add_dims(a->past_len, a->kv_len);
    if ((status = check_mask(ctx, a)))
        return status;
    const dnnx_tensor *nonpad = op_input(ctx, IN_NONPAD);
    if (nonpad) {
        if (nonpad->dtype != DNNX_DTYPE_INT64)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "nonpad_kv_seqlen must be int64, not %s",
                           dnnx_dtype_name(nonpad->dtype));
        if (nonpad->rank != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "nonpad_kv_seqlen must be 1-D [batch], not rank %d",
                           nonpad->rank);
        if ((status = op_merge_dim(ctx, a->batch, nonpad->dims[0], "batch size of Q and nonpad_kv_seqlen", &a->batch)))
            return status;
    }
    return DNNX_OK;
}

/* The attributes of Attention, checked. */
typedef struct attention_attrs {
    float scale;   /* NAN: the default 1 / sqrt(head_size) */
    float softcap; /* 0: none */
    bool is_causal;
    int64_t qk_mode; /* what qk_matmul_output holds: 0 raw, 1 capped, 2 masked, 3 softmax */
} attention_attrs;

static dnnx_status attention_read_attrs(op_ctx *ctx, attention_attrs *at)
{
    at->scale = op_has_attr(ctx, "scale") ? op_attr_float(ctx, "scale", 1.0f) : NAN;
    at->softcap = op_attr_float(ctx, "softcap", 0.0f);
    int64_t causal = op_attr_int(ctx, "is_causal", 0);
    at->qk_mode = op_attr_int(ctx, "qk_matmul_output_mode", 0);
    bool has_precision = op_has_attr(ctx, "softmax_precision");
    int64_t precision = op_attr_int(ctx, "softmax_precision", DNNX_DTYPE_FLOAT);
    if (ctx->status)
        return ctx->status;
    if (op_has_attr(ctx, "scale") && !isfinite(at->scale))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "scale must be finite");
    if (!(at->softcap >= 0) || !isfinite(at->softcap))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "softcap must be finite and not negative, not %g",
                       (double)at->softcap);
    if (causal != 0 && causal != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "is_causal must be 0 or 1, not %lld", (long long)causal);
    if (at->qk_mode < 0 || at->qk_mode > 3)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "qk_matmul_output_mode must be 0, 1, 2 or 3, not %lld",
                       (long long)at->qk_mode);
    /* Softmax always runs in float with a double sum, which is at least the precision asked
     * for except for double; the attribute is checked but needs no other handling. */
    if (has_precision && precision != DNNX_DTYPE_FLOAT && precision != DNNX_DTYPE_FLOAT16 &&
        precision != DNNX_DTYPE_BFLOAT16 && precision != DNNX_DTYPE_DOUBLE)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "softmax_precision %lld is not a floating-point type",
                       (long long)precision);
    at->is_causal = causal != 0;
    return DNNX_OK;
}

static dnnx_status attention_infer(op_ctx *ctx)
{
    const dnnx_tensor *q = op_input(ctx, IN_Q), *k = op_input(ctx, IN_K), *v = op_input(ctx, IN_V);
    attention_attrs at;
    attention_dims a;
    dnnx_status status;
    if ((status = op_check_dtype(ctx, IN_Q, attention_types)) ||
        (status = op_check_dtype(ctx, IN_V, attention_types)) || (status = op_check_same_dtype(ctx, IN_Q, IN_K)) ||
        (status = op_check_same_dtype(ctx, IN_K, IN_PAST_KEY)) ||
        (status = op_check_same_dtype(ctx, IN_V, IN_PAST_VALUE)) || (status = attention_read_attrs(ctx, &at)) ||
        (status = attention_geometry(ctx, &a)))
        return status;
    if (a.is_3d)
        op_set_output(ctx, OUT_Y, q->dtype, 3, (const int64_t[]){a.batch, a.q_len, mul_dims(a.q_heads, a.v_head_size)});
    else
        op_set_output(ctx, OUT_Y, q->dtype, 4, (const int64_t[]){a.batch, a.q_heads, a.q_len, a.v_head_size});
    op_set_output(ctx, OUT_PRESENT_KEY, k->dtype, 4, (const int64_t[]){a.batch, a.kv_heads, a.total_len, a.head_size});
    op_set_output(ctx, OUT_PRESENT_VALUE, v->dtype, 4,
                  (const int64_t[]){a.batch, a.kv_heads, a.total_len, a.v_head_size});
    op_set_output(ctx, OUT_QK, q->dtype, 4, (const int64_t[]){a.batch, a.q_heads, a.q_len, a.total_len});
    return ctx->status;
}

/* Element strides (batch, head, row) of one sequence of heads stored 3-D [batch, seq, heads *
 * size] or 4-D [batch, heads, seq, size]; a row's size elements are contiguous either way. */
typedef struct head_layout {
    size_t batch, head, row;
} head_layout;

static head_layout make_layout(bool is_3d, int64_t heads, int64_t len, int64_t size)
{
    size_t h = (size_t)heads, s = (size_t)len, d = (size_t)size;
    head_layout l = {h * s * d, s * d, d};
    if (is_3d) {
        l.head = d;
        l.row = h * d;
    }
    return l;
}

static size_t row_offset(const head_layout *l, size_t b, size_t h, size_t row)
{
    return b * l->batch + h * l->head + row * l->row;
}

/* Key or value row j of the concatenation past ++ now (past is always 4-D). */
static const float *cache_row(const float *past, const head_layout *past_layout, size_t past_len, const float *now,
                              const head_layout *now_layout, size_t b, size_t h, size_t j)
{
    if (j < past_len)
        return past + row_offset(past_layout, b, h, j);
    return now + row_offset(now_layout, b, h, j - past_len);
}

/* present = past ++ now along the sequence, copied bytewise (the dtypes are equal). */
static void write_present(dnnx_tensor *present, const dnnx_tensor *past, const dnnx_tensor *now, bool now_is_3d,
                          const attention_dims *a, int64_t size)
{
    size_t elem = tensor_dtype_size(present->dtype), bytes = (size_t)size * elem;
    size_t past_len = (size_t)a->past_len, total = (size_t)a->total_len;
    head_layout past_layout = make_layout(false, a->kv_heads, a->past_len, size);
    head_layout now_layout = make_layout(now_is_3d, a->kv_heads, a->kv_len, size);
    head_layout out_layout = make_layout(false, a->kv_heads, a->total_len, size);
    char *dst = present->data;
    for (size_t b = 0; b < (size_t)a->batch; b++)
        for (size_t h = 0; h < (size_t)a->kv_heads; h++)
            for (size_t j = 0; j < total; j++) {
                const char *src = j < past_len
                                      ? (const char *)past->data + row_offset(&past_layout, b, h, j) * elem
                                      : (const char *)now->data + row_offset(&now_layout, b, h, j - past_len) * elem;
                memcpy(dst + row_offset(&out_layout, b, h, j) * elem, src, bytes);
            }
}

/* attn_mask as an additive float bias (bool: 0 where true, -inf where false) and how a
 * [batch, head, query] row of scores finds its row of it. */
typedef struct mask_bias {
    float *bias;
    size_t stride[3];    /* elements per batch, head and query row; 0 where broadcast */
    size_t cols;         /* keys the mask covers; later keys are masked (opset 24 padding) */
    bool broadcast_cols; /* one value for every key */
} mask_bias;

static dnnx_status make_mask_bias(op_ctx *ctx, const attention_dims *a, mask_bias *m)
{
    const dnnx_tensor *mask = op_input(ctx, IN_MASK);
    memset(m, 0, sizeof *m);
    if (!mask)
        return DNNX_OK;
    size_t count = tensor_count(mask);
    if (!(m->bias = ops_alloc_scratch(ctx, count, sizeof(float))))
        return DNNX_ERR_OUT_OF_MEMORY;
    if (mask->dtype == DNNX_DTYPE_BOOL) {
        const uint8_t *flags = mask->data;
        for (size_t i = 0; i < count; i++)
            m->bias[i] = flags[i] ? 0.0f : -INFINITY;
    } else {
        load_floats(mask, 0, count, m->bias);
    }
    int64_t dims[4] = {1, 1, 1, 1};
    for (int i = 1; i <= mask->rank; i++)
        dims[4 - i] = mask->dims[mask->rank - i];
    const int64_t target[3] = {a->batch, a->q_heads, a->q_len};
    size_t stride = (size_t)dims[3];
    for (int d = 2; d >= 0; d--) {
        m->stride[d] = dims[d] == 1 && target[d] != 1 ? 0 : stride;
        stride *= (size_t)dims[d];
    }
    m->broadcast_cols = dims[3] == 1 && a->total_len != 1 && op_version(ctx) < 24;
    m->cols = m->broadcast_cols ? (size_t)a->total_len : (size_t)dims[3];
    return DNNX_OK;
}

/* Adds the mask to scores[0, n); keys the mask does not cover get -inf. */
static void add_mask(const mask_bias *m, size_t b, size_t h, size_t i, float *scores, size_t n)
{
    if (!m->bias)
        return;
    const float *row = m->bias + b * m->stride[0] + h * m->stride[1] + i * m->stride[2];
    size_t covered = n < m->cols ? n : m->cols;
    if (m->broadcast_cols) {
        for (size_t j = 0; j < covered; j++)
            scores[j] += row[0];
    } else {
        for (size_t j = 0; j < covered; j++)
            scores[j] += row[j];
    }
    for (size_t j = covered; j < n; j++)
        scores[j] = -INFINITY;
}

/* Four independent partial sums, so the additions do not wait on one another. */
static double dot(const float *x, const float *y, size_t n)
{
    double sum[4] = {0, 0, 0, 0};
    size_t d = 0;
    for (; d + 4 <= n; d += 4)
        for (size_t lane = 0; lane < 4; lane++)
            sum[lane] += (double)x[d + lane] * y[d + lane];
    for (; d < n; d++)
        sum[0] += (double)x[d] * y[d];
    return (sum[0] + sum[1]) + (sum[2] + sum[3]);
}

/* acc += p * x over n elements, in groups of four that the compiler can vectorize. */
static void accumulate(double *restrict acc, double p, const float *restrict x, size_t n)
{
    size_t d = 0;
    for (; d + 4 <= n; d += 4)
        for (size_t lane = 0; lane < 4; lane++)
            acc[d + lane] += p * x[d + lane];
    for (; d < n; d++)
        acc[d] += p * x[d];
}

/* Softmax of scores[0, n) in place, stable (the row maximum is subtracted). A row whose every
 * key is masked has no distribution: like the ONNX reference (softmax of all -inf) it becomes
 * NaN, and false is returned. */
static bool softmax_row(float *scores, size_t n)
{
    float max = -INFINITY;
    for (size_t j = 0; j < n; j++)
        if (scores[j] > max)
            max = scores[j];
    if (max == -INFINITY) {
        for (size_t j = 0; j < n; j++)
            scores[j] = NAN;
        return false;
    }
    double sum = 0;
    for (size_t j = 0; j < n; j++) {
        scores[j] = expf(scores[j] - max);
        sum += scores[j];
    }
    float inv = (float)(1.0 / sum);
    for (size_t j = 0; j < n; j++)
        scores[j] *= inv;
    return true;
}

/* The float views of the inputs and the scratch of one run. */
typedef struct attention_buffers {
    const float *q, *k, *v, *past_k, *past_v;
    float *owned[5];
    float *scores;  /* one row: total_len */
    float *out_row; /* v_head_size */
    double *acc;    /* v_head_size */
    mask_bias mask;
} attention_buffers;

static void free_buffers(attention_buffers *buf)
{
    for (int i = 0; i < 5; i++)
        free(buf->owned[i]);
    free(buf->scores);
    free(buf->out_row);
    free(buf->acc);
    free(buf->mask.bias);
}

static dnnx_status alloc_buffers(op_ctx *ctx, const attention_dims *a, attention_buffers *buf)
{
    memset(buf, 0, sizeof *buf);
    const float **views[5] = {&buf->q, &buf->k, &buf->v, &buf->past_k, &buf->past_v};
    const int inputs[5] = {IN_Q, IN_K, IN_V, IN_PAST_KEY, IN_PAST_VALUE};
    for (int i = 0; i < 5; i++)
        if (op_input(ctx, inputs[i]) && !(*views[i] = float_data(ctx, op_input(ctx, inputs[i]), &buf->owned[i])))
            return DNNX_ERR_OUT_OF_MEMORY;
    if (!(buf->scores = ops_alloc_scratch(ctx, (size_t)a->total_len, sizeof(float))) ||
        !(buf->out_row = ops_alloc_scratch(ctx, (size_t)a->v_head_size, sizeof(float))) ||
        !(buf->acc = ops_alloc_scratch(ctx, (size_t)a->v_head_size, sizeof(double))))
        return DNNX_ERR_OUT_OF_MEMORY;
    return make_mask_bias(ctx, a, &buf->mask);
}

/* nonpad_kv_seqlen[b], checked to lie in [0, total_len]; total_len when absent. */
static dnnx_status valid_keys(op_ctx *ctx, const attention_dims *a, size_t b, size_t *keys)
{
    const dnnx_tensor *nonpad = op_input(ctx, IN_NONPAD);
    *keys = (size_t)a->total_len;
    if (!nonpad)
        return DNNX_OK;
    int64_t n = ((const int64_t *)nonpad->data)[b];
    if (n < 0 || n > a->total_len)
        return op_fail(ctx, DNNX_ERR_RUNTIME, "nonpad_kv_seqlen[%zu] = %lld is outside [0, %lld]", b, (long long)n,
                       (long long)a->total_len);
    *keys = (size_t)n;
    return DNNX_OK;
}

static dnnx_status attention_run(op_ctx *ctx)
{
    attention_attrs at;
    attention_dims a;
    attention_buffers buf;
    dnnx_status status;
    if ((status = attention_read_attrs(ctx, &at)) || (status = attention_geometry(ctx, &a)))
        return status;
    dnnx_tensor *y = op_output(ctx, OUT_Y), *qk = op_output(ctx, OUT_QK);
    dnnx_tensor *present_k = op_output(ctx, OUT_PRESENT_KEY), *present_v = op_output(ctx, OUT_PRESENT_VALUE);
    if (present_k)
        write_present(present_k, op_input(ctx, IN_PAST_KEY), op_input(ctx, IN_K), a.is_3d, &a, a.head_size);
    if (present_v)
        write_present(present_v, op_input(ctx, IN_PAST_VALUE), op_input(ctx, IN_V), a.is_3d, &a, a.v_head_size);
    if ((status = alloc_buffers(ctx, &a, &buf)))
        goto free_scratch;

    const size_t head_size = (size_t)a.head_size, v_size = (size_t)a.v_head_size, total = (size_t)a.total_len;
    const size_t past_len = (size_t)a.past_len, group = (size_t)(a.q_heads / a.kv_heads);
    const float scale = isnan(at.scale) ? (head_size ? (float)(1.0 / sqrt((double)head_size)) : 1.0f) : at.scale;
    const float inv_softcap = at.softcap > 0 ? 1.0f / at.softcap : 0.0f;
    const head_layout q_layout = make_layout(a.is_3d, a.q_heads, a.q_len, a.head_size);
    const head_layout k_layout = make_layout(a.is_3d, a.kv_heads, a.kv_len, a.head_size);
    const head_layout v_layout = make_layout(a.is_3d, a.kv_heads, a.kv_len, a.v_head_size);
    const head_layout past_k_layout = make_layout(false, a.kv_heads, a.past_len, a.head_size);
    const head_layout past_v_layout = make_layout(false, a.kv_heads, a.past_len, a.v_head_size);
    const head_layout y_layout = make_layout(a.is_3d, a.q_heads, a.q_len, a.v_head_size);
    const head_layout qk_layout = make_layout(false, a.q_heads, a.q_len, a.total_len);
    float *scores = buf.scores;

    for (size_t b = 0; b < (size_t)a.batch; b++) {
        size_t keys;
        if ((status = valid_keys(ctx, &a, b, &keys)))
            goto free_scratch;
        for (size_t h = 0; h < (size_t)a.q_heads; h++) {
            size_t kv_h = h / group;
            for (size_t i = 0; i < (size_t)a.q_len; i++) {
                /* Keys from `end` on are masked by causality or padding and never visited,
                 * unless qk_matmul_output must show their raw or capped scores. */
                size_t end = keys;
                if (at.is_causal && past_len + i + 1 < end)
                    end = past_len + i + 1;
                size_t computed = qk && at.qk_mode <= 1 ? total : end;
                const float *q_row = buf.q + row_offset(&q_layout, b, h, i);
                for (size_t j = 0; j < computed; j++) {
                    const float *k_row = cache_row(buf.past_k, &past_k_layout, past_len, buf.k, &k_layout, b, kv_h, j);
                    scores[j] = (float)(scale * dot(q_row, k_row, head_size));
                }
                if (qk && at.qk_mode == 0)
                    store_floats(qk, row_offset(&qk_layout, b, h, i), total, scores);
                if (at.softcap > 0)
                    for (size_t j = 0; j < computed; j++)
                        scores[j] = at.softcap * tanhf(scores[j] * inv_softcap);
                if (qk && at.qk_mode == 1)
                    store_floats(qk, row_offset(&qk_layout, b, h, i), total, scores);
                add_mask(&buf.mask, b, h, i, scores, end);
                for (size_t j = end; j < total; j++)
                    scores[j] = -INFINITY;
                if (qk && at.qk_mode == 2)
                    store_floats(qk, row_offset(&qk_layout, b, h, i), total, scores);
                bool valid = softmax_row(scores, end);
                for (size_t j = end; j < total; j++)
                    scores[j] = valid ? 0.0f : NAN;
                if (qk && at.qk_mode == 3)
                    store_floats(qk, row_offset(&qk_layout, b, h, i), total, scores);

                for (size_t d = 0; d < v_size; d++)
                    buf.acc[d] = valid ? 0.0 : NAN;
                for (size_t j = 0; valid && j < end; j++) {
                    const float *v_row = cache_row(buf.past_v, &past_v_layout, past_len, buf.v, &v_layout, b, kv_h, j);
                    accumulate(buf.acc, scores[j], v_row, v_size);
                }
                for (size_t d = 0; d < v_size; d++)
                    buf.out_row[d] = (float)buf.acc[d];
                store_floats(y, row_offset(&y_layout, b, h, i), v_size, buf.out_row);
            }
        }
    }
free_scratch:
    free_buffers(&buf);
    return status;
}

/* The sizes of one RotaryEmbedding node (possibly symbolic at load). */
typedef struct rotary_dims {
    bool is_3d;
    int64_t batch, heads, seq, head_size, rotary_dim;
} rotary_dims;

/* cos_cache and sin_cache: [max_position, rotary_dim / 2] with position_ids, else
 * [batch, seq, rotary_dim / 2] (batch and seq may broadcast from 1). */
static dnnx_status check_caches(op_ctx *ctx, const rotary_dims *r)
{
    const dnnx_tensor *cos = op_input(ctx, 1), *sin = op_input(ctx, 2), *pos = op_input(ctx, 3);
    dnnx_status status;
    int rank = pos ? 2 : 3;
    if (cos->rank != rank || sin->rank != rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "cos_cache and sin_cache must be %d-D %s, not rank %d and %d", rank,
                       pos ? "[max_position, rotary_dim / 2] with position_ids"
                           : "[batch, seq, rotary_dim / 2] without position_ids",
                       cos->rank, sin->rank);
    int64_t merged;
    for (int d = 0; d < rank; d++)
        if ((status = op_merge_dim(ctx, cos->dims[d], sin->dims[d], "dims of cos_cache and sin_cache", &merged)))
            return status;
    int64_t half = r->rotary_dim >= 0 ? r->rotary_dim / 2 : DIM_UNKNOWN;
    if ((status = op_merge_dim(ctx, cos->dims[rank - 1], half, "last dim of cos_cache and rotary_dim / 2", &merged)))
        return status;
    const dnnx_tensor *rows = pos ? pos : cos;
    const char *name = pos ? "position_ids" : "cos_cache";
    if (pos) {
        if ((status = op_check_dtype(ctx, 3, index_types)))
            return status;
        if (pos->rank != 2)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "position_ids must be 2-D [batch, seq], not rank %d",
                           pos->rank);
    }
    const int64_t want[2] = {r->batch, r->seq};
    for (int d = 0; d < 2; d++) {
        int64_t have = rows->dims[d];
        if (have >= 0 && want[d] >= 0 && have != 1 && have != want[d])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s dim %d is %lld, expected %lld (the input's %s) or 1", name,
                           d, (long long)have, (long long)want[d], d ? "sequence length" : "batch size");
    }
    return DNNX_OK;
}

static dnnx_status rotary_geometry(op_ctx *ctx, rotary_dims *r)
{
    const dnnx_tensor *x = op_input(ctx, 0);
    dnnx_status status;
    if (x->rank != 3 && x->rank != 4)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "input must be 3-D [batch, seq, hidden] or 4-D [batch, heads, seq, head_size], not rank %d",
                       x->rank);
    int64_t num_heads = op_attr_int(ctx, "num_heads", 0), rotary_dim = op_attr_int(ctx, "rotary_embedding_dim", 0);
    int64_t interleaved = op_attr_int(ctx, "interleaved", 0);
    if (ctx->status)
        return ctx->status;
    if (interleaved != 0 && interleaved != 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "interleaved must be 0 or 1, not %lld", (long long)interleaved);
    r->is_3d = x->rank == 3;
    r->batch = x->dims[0];
    if (r->is_3d) {
        if (num_heads <= 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "a 3-D input needs a positive num_heads attribute, not %lld",
                           (long long)num_heads);
        r->heads = num_heads;
        r->seq = x->dims[1];
        if ((status = split_dim(ctx, x->dims[2], num_heads, "hidden size", "num_heads", &r->head_size)))
            return status;
    } else {
        r->heads = x->dims[1];
        r->seq = x->dims[2];
        r->head_size = x->dims[3];
    }
    if (rotary_dim < 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "rotary_embedding_dim must not be negative, not %lld",
                       (long long)rotary_dim);
    r->rotary_dim = rotary_dim ? rotary_dim : r->head_size;
    if (r->rotary_dim >= 0 && r->head_size >= 0 && r->rotary_dim > r->head_size)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "rotary_embedding_dim %lld exceeds the head size %lld",
                       (long long)r->rotary_dim, (long long)r->head_size);
    if (r->rotary_dim > 0 && r->rotary_dim % 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the rotated part of each head (%lld) must have an even size",
                       (long long)r->rotary_dim);
    return check_caches(ctx, r);
}

static dnnx_status rotary_infer(op_ctx *ctx)
{
    rotary_dims r;
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, rotary_types)) || (status = op_check_same_dtype(ctx, 0, 1)) ||
        (status = op_check_same_dtype(ctx, 0, 2)) || (status = rotary_geometry(ctx, &r)))
        return status;
    op_set_output_like(ctx, 0, op_input(ctx, 0));
    return ctx->status;
}

/* Rotates the first 2 * half elements of one head: pairs (x[k], x[k + half]), or (x[2k],
 * x[2k + 1]) when interleaved, by the angle whose cosine and sine are cos[k] and sin[k]. */
static void rotate_head(float *x, const float *cos, const float *sin, size_t half, bool interleaved)
{
    size_t step = interleaved ? 1 : half, stride = interleaved ? 2 : 1;
    for (size_t k = 0; k < half; k++) {
        float *first = x + k * stride, *second = first + step;
        float x1 = *first, x2 = *second;
        *first = cos[k] * x1 - sin[k] * x2;
        *second = sin[k] * x1 + cos[k] * x2;
    }
}

static dnnx_status rotary_run(op_ctx *ctx)
{
    const dnnx_tensor *x = op_input(ctx, 0), *cos_in = op_input(ctx, 1), *sin_in = op_input(ctx, 2);
    const dnnx_tensor *pos = op_input(ctx, 3);
    dnnx_tensor *out = op_output(ctx, 0);
    rotary_dims r;
    dnnx_status status = rotary_geometry(ctx, &r);
    if (status)
        return status;
    bool interleaved = op_attr_int(ctx, "interleaved", 0) != 0;
    size_t half = (size_t)r.rotary_dim / 2, head_size = (size_t)r.head_size;
    float *owned_cos = NULL, *owned_sin = NULL, *row = NULL;
    const float *cos = float_data(ctx, cos_in, &owned_cos), *sin = cos ? float_data(ctx, sin_in, &owned_sin) : NULL;
    if (!sin || !(row = ops_alloc_scratch(ctx, head_size, sizeof(float)))) {
        status = DNNX_ERR_OUT_OF_MEMORY;
        goto free_scratch;
    }
    const dnnx_tensor *rows = pos ? pos : cos_in;
    size_t rows_batch = rows->dims[0] == 1 ? 0 : 1, rows_seq = rows->dims[1] == 1 ? 0 : 1;
    size_t rows_stride = (size_t)rows->dims[1];
    int64_t max_position = pos ? cos_in->dims[0] : 0;
    const head_layout layout = make_layout(r.is_3d, r.heads, r.seq, r.head_size);
    for (size_t b = 0; b < (size_t)r.batch; b++)
        for (size_t s = 0; s < (size_t)r.seq; s++) {
            size_t index = b * rows_batch * rows_stride + s * rows_seq, cache_row = index;
            if (pos) {
                int64_t p = tensor_get_i64(pos, index);
                if (p < 0 || p >= max_position) {
                    status = op_fail(ctx, DNNX_ERR_RUNTIME, "position_ids[%zu][%zu] = %lld is outside [0, %lld)",
                                     b * rows_batch, s * rows_seq, (long long)p, (long long)max_position);
                    goto free_scratch;
                }
                cache_row = (size_t)p;
            }
            for (size_t h = 0; h < (size_t)r.heads; h++) {
                size_t offset = row_offset(&layout, b, h, s);
                load_floats(x, offset, head_size, row);
                rotate_head(row, cos + cache_row * half, sin + cache_row * half, half, interleaved);
                store_floats(out, offset, head_size, row);
            }
        }
free_scratch:
    free(row);
    free(owned_sin);
    free(owned_cos);
    return status;
}

const op_schema ops_attention_schemas[] = {
    {"", "Attention", 23, 3, 6, 1, 4, attention_infer, attention_run},
    {"", "Attention", 24, 3, 7, 1, 4, attention_infer, attention_run},
    {"", "RotaryEmbedding", 23, 3, 4, 1, 1, rotary_infer, rotary_run},
};
OPS_FAMILY_COUNT(attention);

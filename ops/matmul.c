/* Matrix products: MatMul (numpy semantics), Gemm, MatMulInteger and QLinearMatMul. The float32
 * kernel is the one the reference backend runs for every Transformer projection, so it is
 * blocked for the cache and written so the compiler vectorizes its inner loop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "graph/error.h"
#include "ops.h"

/* Column and depth tiles of the float32 kernel: a KB x NB panel of B (128 KiB) stays in L2
 * while every row of A streams past it. */
#define MM_NB 256
#define MM_KB 128
/* The inner loop runs over fixed chunks of this many columns so that GCC's -O2 cost model
 * (which refuses loops needing a scalar epilogue) still vectorizes it. */
#define MM_VEC 8

/* c[i][j] += sum over p < kp of a[i * lda + p] * b[p * ldb + j] for i < m, j < w (c's row
 * stride ldc): one panel of B against the rows of A. */
static void gemm_f32_panel(size_t m, size_t kp, size_t w, const float *restrict a, size_t lda, const float *restrict b,
                           size_t ldb, float *restrict c, size_t ldc)
{
    size_t wv = w / MM_VEC * MM_VEC;
    for (size_t i = 0; i < m; i++) {
        const float *arow = a + i * lda;
        float *restrict crow = c + i * ldc;
        size_t p = 0;
        for (; p + 4 <= kp; p += 4) {
            const float a0 = arow[p], a1 = arow[p + 1], a2 = arow[p + 2], a3 = arow[p + 3];
            const float *b0 = b + p * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
            size_t j = 0;
            for (; j < wv; j += MM_VEC)
                for (size_t v = 0; v < MM_VEC; v++)
                    crow[j + v] += a0 * b0[j + v] + a1 * b1[j + v] + a2 * b2[j + v] + a3 * b3[j + v];
            for (; j < w; j++)
                crow[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
        for (; p < kp; p++) {
            const float a0 = arow[p];
            const float *b0 = b + p * ldb;
            size_t j = 0;
            for (; j < wv; j += MM_VEC)
                for (size_t v = 0; v < MM_VEC; v++)
                    crow[j + v] += a0 * b0[j + v];
            for (; j < w; j++)
                crow[j] += a0 * b0[j];
        }
    }
}

/* Tiles of transposed operands, packed on the stack (16 KiB each) since a run allocates
 * nothing. Panels of any depth that is a multiple of 4 add each output's products in the same
 * order, so results do not depend on the tiling. */
#define MM_TILE 64

/* c[m x n] = op(a) @ op(b), op transposing when asked: a is [m x k] or, transposed, [k x m]; b
 * is [k x n] or [n x k]; all row-major and contiguous; c is overwritten. */
static void gemm_f32_ops(size_t m, size_t k, size_t n, const float *restrict a, bool trans_a, const float *restrict b,
                         bool trans_b, float *restrict c)
{
    float a_tile[MM_TILE * MM_TILE], b_tile[MM_TILE * MM_TILE];
    size_t nb = trans_a || trans_b ? MM_TILE : MM_NB, kb = trans_a || trans_b ? MM_TILE : MM_KB;
    size_t mb = trans_a ? MM_TILE : m;
    for (size_t i = 0; i < m * n; i++)
        c[i] = 0.0f;
    for (size_t j0 = 0; j0 < n; j0 += nb) {
        size_t w = j0 + nb < n ? nb : n - j0;
        for (size_t p0 = 0; p0 < k; p0 += kb) {
            size_t kp = p0 + kb < k ? kb : k - p0;
            const float *panel = b + p0 * n + j0;
            size_t ldb = n;
            if (trans_b) {
                for (size_t p = 0; p < kp; p++)
                    for (size_t j = 0; j < w; j++)
                        b_tile[p * MM_TILE + j] = b[(j0 + j) * k + p0 + p];
                panel = b_tile;
                ldb = MM_TILE;
            }
            for (size_t i0 = 0; i0 < m; i0 += mb) {
                size_t rows = i0 + mb < m ? mb : m - i0;
                const float *rows_of_a = a + i0 * k + p0;
                size_t lda = k;
                if (trans_a) {
                    for (size_t i = 0; i < rows; i++)
                        for (size_t p = 0; p < kp; p++)
                            a_tile[i * MM_TILE + p] = a[(p0 + p) * m + i0 + i];
                    rows_of_a = a_tile;
                    lda = MM_TILE;
                }
                gemm_f32_panel(rows, kp, w, rows_of_a, lda, panel, ldb, c + i0 * n + j0, n);
            }
        }
    }
}

/* c[m x n] = a[m x k] @ b[k x n]; all row-major and contiguous; c is overwritten. */
static void gemm_f32(size_t m, size_t k, size_t n, const float *restrict a, const float *restrict b, float *restrict c)
{
    gemm_f32_ops(m, k, n, a, false, b, false, c);
}

/* Plain i-k-j kernels for the other types. Integers wrap (computed in the unsigned type of the
 * same width, as numpy and ONNX Runtime wrap) instead of overflowing into undefined behaviour. */
#define DEFINE_GEMM_PLAIN(name, T, ACC)                                                                                \
    static void name(size_t m, size_t k, size_t n, const T *a, const T *b, T *c)                                       \
    {                                                                                                                  \
        for (size_t i = 0; i < m; i++) {                                                                               \
            T *crow = c + i * n;                                                                                       \
            for (size_t j = 0; j < n; j++)                                                                             \
                crow[j] = 0;                                                                                           \
            for (size_t p = 0; p < k; p++) {                                                                           \
                const ACC av = (ACC)a[i * k + p];                                                                      \
                const T *brow = b + p * n;                                                                             \
                for (size_t j = 0; j < n; j++)                                                                         \
                    crow[j] = (T)((ACC)crow[j] + av * (ACC)brow[j]);                                                   \
            }                                                                                                          \
        }                                                                                                              \
    }

DEFINE_GEMM_PLAIN(gemm_f64, double, double)
DEFINE_GEMM_PLAIN(gemm_i32, int32_t, uint32_t)
DEFINE_GEMM_PLAIN(gemm_u32, uint32_t, uint32_t)
DEFINE_GEMM_PLAIN(gemm_i64, int64_t, uint64_t)
DEFINE_GEMM_PLAIN(gemm_u64, uint64_t, uint64_t)

/* malloc for count elements of size bytes; never malloc(0); NULL on overflow or failure. */
static void *alloc_elems(size_t count, size_t size)
{
    if (count > SIZE_MAX / size)
        return NULL;
    return malloc(count ? count * size : 1);
}

/* The batch / matrix decomposition of a numpy matmul of a by b. */
typedef struct mm_layout {
    size_t m, k, n;
    dnnx_tensor a_batch, b_batch, y_batch; /* shape-only tensors of the batch dims */
} mm_layout;

/* Output shape of matmul(a, b) with numpy semantics: a 1-D a is [1, K] and a 1-D b is [K, 1],
 * the added dims are removed after; batch dims broadcast. Symbolic dims allowed. */
static dnnx_status matmul_shape(op_ctx *ctx, const dnnx_tensor *a, const dnnx_tensor *b, int *rank, int64_t *dims)
{
    if (a->rank < 1 || b->rank < 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "operands must have rank >= 1, not %d and %d", a->rank, b->rank);
    int64_t k1 = a->dims[a->rank - 1];
    int64_t k2 = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
    int64_t k;
    dnnx_status status = op_merge_dim(ctx, k1, k2, "inner dims", &k);
    if (status) {
        if (ctx->concrete)
            return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "inner dims %lld and %lld do not match", (long long)k1,
                           (long long)k2);
        return status;
    }
    dnnx_tensor a_batch, b_batch;
    tensor_init_shape(&a_batch, a->dtype, a->rank > 2 ? a->rank - 2 : 0, a->dims);
    tensor_init_shape(&b_batch, b->dtype, b->rank > 2 ? b->rank - 2 : 0, b->dims);
    const dnnx_tensor *batches[2] = {&a_batch, &b_batch};
    int out_rank;
    status = op_broadcast_shapes(ctx, batches, 2, &out_rank, dims);
    if (status)
        return status;
    if (a->rank >= 2)
        dims[out_rank++] = a->dims[a->rank - 2];
    if (b->rank >= 2)
        dims[out_rank++] = b->dims[b->rank - 1];
    *rank = out_rank;
    return DNNX_OK;
}

/* Decomposes a concrete matmul whose output y has the shape matmul_shape gave. */
static void matmul_layout(const dnnx_tensor *a, const dnnx_tensor *b, const dnnx_tensor *y, mm_layout *layout)
{
    layout->m = a->rank >= 2 ? (size_t)a->dims[a->rank - 2] : 1;
    layout->k = (size_t)a->dims[a->rank - 1];
    layout->n = b->rank >= 2 ? (size_t)b->dims[b->rank - 1] : 1;
    tensor_init_shape(&layout->a_batch, a->dtype, a->rank > 2 ? a->rank - 2 : 0, a->dims);
    tensor_init_shape(&layout->b_batch, b->dtype, b->rank > 2 ? b->rank - 2 : 0, b->dims);
    int y_batch_rank = y->rank - (a->rank >= 2) - (b->rank >= 2);
    tensor_init_shape(&layout->y_batch, y->dtype, y_batch_rank, y->dims);
}

static const dnnx_dtype matmul_types[] = {DNNX_DTYPE_FLOAT,    DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,
                                          DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT32,  DNNX_DTYPE_INT64,
                                          DNNX_DTYPE_UINT32,   DNNX_DTYPE_UINT64, DNNX_DTYPE_UNDEFINED};

static dnnx_status matmul_infer(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1);
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, matmul_types)) || (status = op_check_same_dtype(ctx, 0, 1)))
        return status;
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = matmul_shape(ctx, a, b, &rank, dims)))
        return status;
    op_set_output(ctx, 0, a->dtype, rank, dims);
    return DNNX_OK;
}

/* Runs one typed kernel over every batch of a numpy matmul, broadcasting the operands' batches. */
#define MATMUL_BATCHED(kernel, T, a_data, b_data, y_data, layout)                                                      \
    do {                                                                                                               \
        const dnnx_tensor *ins_[2] = {&(layout).a_batch, &(layout).b_batch};                                           \
        bcast_iter it_;                                                                                                \
        bcast_iter_init(&it_, &(layout).y_batch, ins_, 2);                                                             \
        size_t mk_ = (layout).m * (layout).k, kn_ = (layout).k * (layout).n, mn_ = (layout).m * (layout).n;            \
        for (size_t bi_ = 0; bi_ < it_.count; bi_++, bcast_iter_next(&it_))                                            \
            kernel((layout).m, (layout).k, (layout).n, (const T *)(a_data) + it_.offset[0] * mk_,                      \
                   (const T *)(b_data) + it_.offset[1] * kn_, (T *)(y_data) + bi_ * mn_);                              \
    } while (0)

static dnnx_status matmul_run(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1);
    dnnx_tensor *y = op_output(ctx, 0);
    mm_layout layout;
    matmul_layout(a, b, y, &layout);
    switch (y->dtype) {
    case DNNX_DTYPE_FLOAT: MATMUL_BATCHED(gemm_f32, float, a->data, b->data, y->data, layout); break;
    case DNNX_DTYPE_DOUBLE: MATMUL_BATCHED(gemm_f64, double, a->data, b->data, y->data, layout); break;
    case DNNX_DTYPE_INT32: MATMUL_BATCHED(gemm_i32, int32_t, a->data, b->data, y->data, layout); break;
    case DNNX_DTYPE_UINT32: MATMUL_BATCHED(gemm_u32, uint32_t, a->data, b->data, y->data, layout); break;
    case DNNX_DTYPE_INT64: MATMUL_BATCHED(gemm_i64, int64_t, a->data, b->data, y->data, layout); break;
    case DNNX_DTYPE_UINT64: MATMUL_BATCHED(gemm_u64, uint64_t, a->data, b->data, y->data, layout); break;
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: {
        float *af = ops_half_to_float_copy(a), *bf = ops_half_to_float_copy(b);
        size_t y_count = tensor_count(y);
        float *yf = alloc_elems(y_count, sizeof *yf);
        if (af && bf && yf) {
            MATMUL_BATCHED(gemm_f32, float, af, bf, yf, layout);
            ops_float_to_half_store(y, yf);
        }
        free(af);
        free(bf);
        free(yf);
        if (!af || !bf || !yf)
            return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for float16 operands");
        break;
    }
    default: return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "dtype %s is not supported", dnnx_dtype_name(y->dtype));
    }
    return DNNX_OK;
}

/* Gemm's C: unidirectionally broadcastable to [M, N]; row and column strides (0 = broadcast). */
static dnnx_status gemm_c_strides(op_ctx *ctx, const dnnx_tensor *c, int64_t m, int64_t n, size_t *row_stride,
                                  size_t *col_stride)
{
    if (c->rank > 2)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "C must have rank <= 2, not %d", c->rank);
    int64_t cm = c->rank == 2 ? c->dims[0] : 1;
    int64_t cn = c->rank >= 1 ? c->dims[c->rank - 1] : 1;
    if ((cm >= 0 && m >= 0 && cm != 1 && cm != m) || (cn >= 0 && n >= 0 && cn != 1 && cn != n))
        return op_fail(ctx, ops_shape_status(ctx), "C of shape [%lld,%lld] cannot be broadcast to [%lld,%lld]",
                       (long long)cm, (long long)cn, (long long)m, (long long)n);
    if (row_stride)
        *row_stride = cm == 1 ? 0 : (size_t)cn;
    if (col_stride)
        *col_stride = cn == 1 ? 0 : 1;
    return DNNX_OK;
}

static const dnnx_dtype gemm_types[] = {DNNX_DTYPE_FLOAT,    DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,
                                        DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT32,  DNNX_DTYPE_INT64,
                                        DNNX_DTYPE_UINT32,   DNNX_DTYPE_UINT64, DNNX_DTYPE_UNDEFINED};

static dnnx_status gemm_infer(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1), *c = op_input(ctx, 2);
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, gemm_types)) || (status = op_check_same_dtype(ctx, 0, 1)) ||
        (status = op_check_same_dtype(ctx, 0, 2)))
        return status;
    bool trans_a = op_attr_int(ctx, "transA", 0) != 0, trans_b = op_attr_int(ctx, "transB", 0) != 0;
    if (a->rank != 2 || b->rank != 2)
        return op_fail(ctx, ops_shape_status(ctx), "A and B must be 2-D, not rank %d and %d", a->rank, b->rank);
    int64_t m = a->dims[trans_a ? 1 : 0], ka = a->dims[trans_a ? 0 : 1];
    int64_t kb = b->dims[trans_b ? 1 : 0], n = b->dims[trans_b ? 0 : 1], k;
    if ((status = op_merge_dim(ctx, ka, kb, "inner dims", &k)))
        return ctx->concrete ? op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "inner dims %lld and %lld do not match",
                                       (long long)ka, (long long)kb)
                             : status;
    if (c && (status = gemm_c_strides(ctx, c, m, n, NULL, NULL)))
        return status;
    int64_t dims[2] = {m, n};
    op_set_output(ctx, 0, a->dtype, 2, dims);
    return DNNX_OK;
}

/* Float Gemm: y = alpha * op(a) @ op(b) + beta * c, through the blocked kernel. */
static dnnx_status gemm_run_f32(op_ctx *ctx, const float *a, const float *b, const float *c, float *y, size_t m,
                                size_t k, size_t n, const size_t *c_strides)
{
    bool trans_a = op_attr_int(ctx, "transA", 0) != 0, trans_b = op_attr_int(ctx, "transB", 0) != 0;
    float alpha = op_attr_float(ctx, "alpha", 1.0f), beta = op_attr_float(ctx, "beta", 1.0f);
    gemm_f32_ops(m, k, n, a, trans_a, b, trans_b, y);
    if (alpha != 1.0f)
        for (size_t i = 0; i < m * n; i++)
            y[i] *= alpha;
    if (c && beta != 0.0f)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                y[i * n + j] += beta * c[i * c_strides[0] + j * c_strides[1]];
    return DNNX_OK;
}

/* Gemm for double and the integer types: strided dot products; integers stay exact (wrapping)
 * for the default alpha = beta = 1, other alpha and beta are applied in double. */
#define DEFINE_GEMM_STRIDED(name, T, ACC)                                                                              \
    static void name(const T *a, const T *b, const T *c, T *y, size_t m, size_t k, size_t n, bool ta, bool tb,         \
                     double alpha, double beta, const size_t *cs)                                                      \
    {                                                                                                                  \
        size_t as_i = ta ? 1 : k, as_p = ta ? m : 1, bs_p = tb ? 1 : n, bs_j = tb ? k : 1;                             \
        for (size_t i = 0; i < m; i++)                                                                                 \
            for (size_t j = 0; j < n; j++) {                                                                           \
                ACC acc = 0;                                                                                           \
                for (size_t p = 0; p < k; p++)                                                                         \
                    acc += (ACC)a[i * as_i + p * as_p] * (ACC)b[p * bs_p + j * bs_j];                                  \
                T cv = c ? c[i * cs[0] + j * cs[1]] : 0;                                                               \
                if (alpha == 1.0 && (beta == 1.0 || !c))                                                               \
                    y[i * n + j] = (T)(acc + (ACC)cv);                                                                 \
                else                                                                                                   \
                    y[i * n + j] = (T)(alpha * (double)(T)acc + (c ? beta * (double)cv : 0.0));                        \
            }                                                                                                          \
    }

DEFINE_GEMM_STRIDED(gemm_strided_f64, double, double)
DEFINE_GEMM_STRIDED(gemm_strided_i32, int32_t, uint32_t)
DEFINE_GEMM_STRIDED(gemm_strided_u32, uint32_t, uint32_t)
DEFINE_GEMM_STRIDED(gemm_strided_i64, int64_t, uint64_t)
DEFINE_GEMM_STRIDED(gemm_strided_u64, uint64_t, uint64_t)

static dnnx_status gemm_run(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1), *c = op_input(ctx, 2);
    dnnx_tensor *y = op_output(ctx, 0);
    bool trans_a = op_attr_int(ctx, "transA", 0) != 0, trans_b = op_attr_int(ctx, "transB", 0) != 0;
    double alpha = op_attr_float(ctx, "alpha", 1.0f), beta = op_attr_float(ctx, "beta", 1.0f);
    size_t m = (size_t)y->dims[0], n = (size_t)y->dims[1], k = (size_t)a->dims[trans_a ? 0 : 1];
    size_t cs[2] = {0, 0};
    dnnx_status status;
    if (c && (status = gemm_c_strides(ctx, c, (int64_t)m, (int64_t)n, &cs[0], &cs[1])))
        return status;
    /* beta = 0 ignores C entirely (even NaNs in it), as ONNX Runtime does. */
    const void *cd = c && beta != 0.0 ? c->data : NULL;
    switch (y->dtype) {
    case DNNX_DTYPE_FLOAT: return gemm_run_f32(ctx, a->data, b->data, cd, y->data, m, k, n, cs);
    case DNNX_DTYPE_DOUBLE:
        gemm_strided_f64(a->data, b->data, cd, y->data, m, k, n, trans_a, trans_b, alpha, beta, cs);
        return DNNX_OK;
    case DNNX_DTYPE_INT32:
        gemm_strided_i32(a->data, b->data, cd, y->data, m, k, n, trans_a, trans_b, alpha, beta, cs);
        return DNNX_OK;
    case DNNX_DTYPE_UINT32:
        gemm_strided_u32(a->data, b->data, cd, y->data, m, k, n, trans_a, trans_b, alpha, beta, cs);
        return DNNX_OK;
    case DNNX_DTYPE_INT64:
        gemm_strided_i64(a->data, b->data, cd, y->data, m, k, n, trans_a, trans_b, alpha, beta, cs);
        return DNNX_OK;
    case DNNX_DTYPE_UINT64:
        gemm_strided_u64(a->data, b->data, cd, y->data, m, k, n, trans_a, trans_b, alpha, beta, cs);
        return DNNX_OK;
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: {
        float *af = ops_half_to_float_copy(a), *bf = ops_half_to_float_copy(b);
        float *cf = c ? ops_half_to_float_copy(c) : NULL;
        float *yf = alloc_elems(m * n, sizeof *yf);
        status = DNNX_OK;
        if (af && bf && yf && (!c || cf)) {
            status = gemm_run_f32(ctx, af, bf, cf, yf, m, k, n, cs);
            if (!status)
                ops_float_to_half_store(y, yf);
        } else {
            status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for float16 operands");
        }
        free(af);
        free(bf);
        free(cf);
        free(yf);
        return status;
    }
    default: return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "dtype %s is not supported", dnnx_dtype_name(y->dtype));
    }
}

/* Quantized operands: a value tensor with its zero point and (for QLinearMatMul) its scale. */
typedef struct quant_operand {
    const dnnx_tensor *data;
    const dnnx_tensor *zero_point; /* NULL = 0 */
    const dnnx_tensor *scale;      /* NULL = 1 */
} quant_operand;

static const dnnx_dtype quant_types[] = {DNNX_DTYPE_INT8, DNNX_DTYPE_UINT8, DNNX_DTYPE_UNDEFINED};

/* A zero point or scale applies per tensor (one element), per row of A / column of B (a 1-D
 * tensor of that length), or per row / column of each batch (the operand's shape with the
 * reduced dim set to 1). Returns the stride of the quantization parameter along rows (A) or
 * columns (B) and along the operand's own batches. */
static dnnx_status quant_param_layout(op_ctx *ctx, const char *what, const dnnx_tensor *param,
                                      const dnnx_tensor *operand, bool is_a, size_t *along, size_t *per_batch)
{
    *along = 0;
    *per_batch = 0;
    if (!param)
        return DNNX_OK;
    size_t count = tensor_count(param);
    int r = operand->rank;
    int64_t lines = is_a ? (r >= 2 ? operand->dims[r - 2] : 1) : (r >= 2 ? operand->dims[r - 1] : 1);
    if (count == 1)
        return DNNX_OK;
    if (param->rank == 1 && param->dims[0] == lines) {
        *along = 1;
        return DNNX_OK;
    }
    bool same = param->rank == r && r >= 2;
    for (int d = 0; same && d < r; d++) {
        int64_t want = d == (is_a ? r - 1 : r - 2) ? 1 : operand->dims[d];
        same = param->dims[d] == want;
    }
    if (!same)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                       "%s must have one element, one per %s, or the operand's shape with the %s dim 1", what,
                       is_a ? "row of A" : "column of B", is_a ? "last" : "second-to-last");
    *along = 1;
    *per_batch = (size_t)lines;
    return DNNX_OK;
}

static dnnx_status quant_check(op_ctx *ctx, const quant_operand *a, const quant_operand *b)
{
    size_t along, per_batch;
    dnnx_status status;
    if ((status = quant_param_layout(ctx, "a_zero_point", a->zero_point, a->data, true, &along, &per_batch)) ||
        (status = quant_param_layout(ctx, "b_zero_point", b->zero_point, b->data, false, &along, &per_batch)) ||
        (status = quant_param_layout(ctx, "a_scale", a->scale, a->data, true, &along, &per_batch)) ||
        (status = quant_param_layout(ctx, "b_scale", b->scale, b->data, false, &along, &per_batch)))
        return status;
    if (a->zero_point && a->zero_point->dtype != a->data->dtype)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "a_zero_point must have A's dtype %s, not %s",
                       dnnx_dtype_name(a->data->dtype), dnnx_dtype_name(a->zero_point->dtype));
    if (b->zero_point && b->zero_point->dtype != b->data->dtype)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "b_zero_point must have B's dtype %s, not %s",
                       dnnx_dtype_name(b->data->dtype), dnnx_dtype_name(b->zero_point->dtype));
    return DNNX_OK;
}

/* Integer value of element i of an int8 / uint8 tensor. */
static int32_t quant_get(const dnnx_tensor *t, size_t i)
{
    return t->dtype == DNNX_DTYPE_INT8 ? ((const int8_t *)t->data)[i] : ((const uint8_t *)t->data)[i];
}

/* The int32 accumulators of a quantized matmul of one batch into acc[m x n]: A and B with
 * their zero points removed, then the integer kernel. a_batch / b_batch index the operands'
 * own batches; a_tmp / b_tmp hold m*k and k*n int32. */
static void quant_batch(const quant_operand *a, const quant_operand *b, const mm_layout *l, size_t a_batch,
                        size_t b_batch, int32_t *a_tmp, int32_t *b_tmp, int32_t *acc, const size_t *zp_layout)
{
    size_t m = l->m, k = l->k, n = l->n;
    for (size_t i = 0; i < m; i++) {
        int32_t zp = a->zero_point ? quant_get(a->zero_point, a_batch * zp_layout[1] + i * zp_layout[0]) : 0;
        for (size_t p = 0; p < k; p++)
            a_tmp[i * k + p] = quant_get(a->data, (a_batch * m + i) * k + p) - zp;
    }
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++) {
            int32_t zp = b->zero_point ? quant_get(b->zero_point, b_batch * zp_layout[3] + j * zp_layout[2]) : 0;
            b_tmp[p * n + j] = quant_get(b->data, (b_batch * k + p) * n + j) - zp;
        }
    gemm_i32(m, k, n, a_tmp, b_tmp, acc);
}

/* Shared by MatMulInteger (y int32, no scales) and QLinearMatMul (y requantized). */
static dnnx_status quant_matmul_run(op_ctx *ctx, const quant_operand *a, const quant_operand *b,
                                    const dnnx_tensor *y_scale, const dnnx_tensor *y_zero_point, dnnx_tensor *y)
{
    mm_layout l;
    matmul_layout(a->data, b->data, y, &l);
    size_t zp_layout[4], scale_layout[4];
    quant_param_layout(ctx, "", a->zero_point, a->data, true, &zp_layout[0], &zp_layout[1]);
    quant_param_layout(ctx, "", b->zero_point, b->data, false, &zp_layout[2], &zp_layout[3]);
    quant_param_layout(ctx, "", a->scale, a->data, true, &scale_layout[0], &scale_layout[1]);
    quant_param_layout(ctx, "", b->scale, b->data, false, &scale_layout[2], &scale_layout[3]);
    bool requantize = y->dtype != DNNX_DTYPE_INT32;
    int32_t *a_tmp = alloc_elems(l.m * l.k, sizeof *a_tmp);
    int32_t *b_tmp = alloc_elems(l.k * l.n, sizeof *b_tmp);
    int32_t *acc_tmp = requantize ? alloc_elems(l.m * l.n, sizeof *acc_tmp) : NULL;
    if (!a_tmp || !b_tmp || (requantize && !acc_tmp)) {
        free(a_tmp);
        free(b_tmp);
        free(acc_tmp);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for quantized operands");
    }
    double y_inv_scale = y_scale ? 1.0 / tensor_get_f64(y_scale, 0) : 1.0;
    int64_t y_zp = y_zero_point ? tensor_get_i64(y_zero_point, 0) : 0;
    int64_t lo = y->dtype == DNNX_DTYPE_INT8 ? -128 : 0, hi = y->dtype == DNNX_DTYPE_INT8 ? 127 : 255;
    const dnnx_tensor *ins[2] = {&l.a_batch, &l.b_batch};
    bcast_iter it;
    bcast_iter_init(&it, &l.y_batch, ins, 2);
    for (size_t bi = 0; bi < it.count; bi++, bcast_iter_next(&it)) {
        int32_t *acc = requantize ? acc_tmp : (int32_t *)y->data + bi * l.m * l.n;
        quant_batch(a, b, &l, it.offset[0], it.offset[1], a_tmp, b_tmp, acc, zp_layout);
        if (!requantize)
            continue;
        for (size_t i = 0; i < l.m; i++) {
            double as = tensor_get_f64(a->scale, it.offset[0] * scale_layout[1] + i * scale_layout[0]);
            for (size_t j = 0; j < l.n; j++) {
                double bs = tensor_get_f64(b->scale, it.offset[1] * scale_layout[3] + j * scale_layout[2]);
                /* ONNX Runtime rounds the float32 product half to even before adding the zero point. */
                float scaled = (float)acc[i * l.n + j] * (float)(as * bs * y_inv_scale);
                int64_t q = (int64_t)nearbyintf(scaled) + y_zp;
                q = q < lo ? lo : q > hi ? hi : q;
                size_t at = bi * l.m * l.n + i * l.n + j;
                if (y->dtype == DNNX_DTYPE_INT8)
                    ((int8_t *)y->data)[at] = (int8_t)q;
                else
                    ((uint8_t *)y->data)[at] = (uint8_t)q;
            }
        }
    }
    free(a_tmp);
    free(b_tmp);
    free(acc_tmp);
    return DNNX_OK;
}

static dnnx_status matmul_integer_infer(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 1);
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, quant_types)) || (status = op_check_dtype(ctx, 1, quant_types)) ||
        (status = op_check_dtype(ctx, 2, quant_types)) || (status = op_check_dtype(ctx, 3, quant_types)))
        return status;
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = matmul_shape(ctx, a, b, &rank, dims)))
        return status;
    if (ctx->concrete) {
        quant_operand qa = {a, op_input(ctx, 2), NULL}, qb = {b, op_input(ctx, 3), NULL};
        if ((status = quant_check(ctx, &qa, &qb)))
            return status;
    }
    op_set_output(ctx, 0, DNNX_DTYPE_INT32, rank, dims);
    return DNNX_OK;
}

static dnnx_status matmul_integer_run(op_ctx *ctx)
{
    quant_operand qa = {op_input(ctx, 0), op_input(ctx, 2), NULL}, qb = {op_input(ctx, 1), op_input(ctx, 3), NULL};
    return quant_matmul_run(ctx, &qa, &qb, NULL, NULL, op_output(ctx, 0));
}

/* QLinearMatMul inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point. */
static dnnx_status qlinear_matmul_infer(op_ctx *ctx)
{
    const dnnx_tensor *a = op_input(ctx, 0), *b = op_input(ctx, 3), *y_zp = op_input(ctx, 7);
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, quant_types)) || (status = op_check_dtype(ctx, 3, quant_types)) ||
        (status = op_check_dtype(ctx, 7, quant_types)))
        return status;
    static const int scales[3] = {1, 4, 6};
    for (int s = 0; s < 3; s++)
        if (!ops_dtype_is_float(op_input(ctx, scales[s])->dtype))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d (a scale) must be a float type, not %s", scales[s],
                           dnnx_dtype_name(op_input(ctx, scales[s])->dtype));
    int rank;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = matmul_shape(ctx, a, b, &rank, dims)))
        return status;
    if (ctx->concrete) {
        quant_operand qa = {a, op_input(ctx, 2), op_input(ctx, 1)}, qb = {b, op_input(ctx, 5), op_input(ctx, 4)};
        if ((status = quant_check(ctx, &qa, &qb)))
            return status;
        if (tensor_count(op_input(ctx, 6)) != 1 || tensor_count(y_zp) != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "y_scale and y_zero_point must have one element");
        double ys = tensor_get_f64(op_input(ctx, 6), 0);
        if (!(ys > 0.0) || isinf(ys))
            return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "y_scale must be positive and finite, not %g", ys);
    }
    op_set_output(ctx, 0, y_zp->dtype, rank, dims);
    return DNNX_OK;
}

static dnnx_status qlinear_matmul_run(op_ctx *ctx)
{
    quant_operand qa = {op_input(ctx, 0), op_input(ctx, 2), op_input(ctx, 1)};
    quant_operand qb = {op_input(ctx, 3), op_input(ctx, 5), op_input(ctx, 4)};
    return quant_matmul_run(ctx, &qa, &qb, op_input(ctx, 6), op_input(ctx, 7), op_output(ctx, 0));
}

const op_schema ops_matmul_schemas[] = {
    {"", "MatMul", 1, 2, 2, 1, 1, matmul_infer, matmul_run},
    {"", "MatMul", 9, 2, 2, 1, 1, matmul_infer, matmul_run},
    {"", "MatMul", 13, 2, 2, 1, 1, matmul_infer, matmul_run},
    {"", "Gemm", 6, 3, 3, 1, 1, gemm_infer, gemm_run},
    {"", "Gemm", 7, 3, 3, 1, 1, gemm_infer, gemm_run},
    {"", "Gemm", 9, 3, 3, 1, 1, gemm_infer, gemm_run},
    {"", "Gemm", 11, 2, 3, 1, 1, gemm_infer, gemm_run},
    {"", "Gemm", 13, 2, 3, 1, 1, gemm_infer, gemm_run},
    {"", "MatMulInteger", 10, 2, 4, 1, 1, matmul_integer_infer, matmul_integer_run},
    {"", "QLinearMatMul", 10, 8, 8, 1, 1, qlinear_matmul_infer, qlinear_matmul_run},
    {"", "QLinearMatMul", 21, 8, 8, 1, 1, qlinear_matmul_infer, qlinear_matmul_run},
};
OPS_FAMILY_COUNT(matmul);

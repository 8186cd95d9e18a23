/* Convolutions: Conv, ConvTranspose, ConvInteger and QLinearConv over 1-D to N-D, direct (no
 * im2col). For each (input channel, output channel) pair the kernel walks the rows of the
 * last spatial dim: each kernel tap is one scalar times a strided row added into another row,
 * with the valid column range of each tap computed once per call, so the inner loop has no
 * bounds checks and no index division. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "graph/error.h"
#include "ops.h"
#include "window.h"

/* Reads and checks kernel_shape, strides, dilations, pads, auto_pad and group, and computes the
 * output spatial sizes (DIM_UNKNOWN where the input size is symbolic) and, when concrete, the
 * pads that auto_pad or output_shape imply. x is [N, C, D1..Dn]; w's spatial dims are the
 * kernel. */
static dnnx_status conv_geometry(op_ctx *ctx, const dnnx_tensor *x, const dnnx_tensor *w, bool transpose,
                                 window_geom *g)
{
    dnnx_status status;
    memset(g, 0, sizeof *g);
    if (x->rank < 3)
        return op_fail(ctx, ops_shape_status(ctx), "X must have rank >= 3 ([N, C, spatial...]), not %d", x->rank);
    if (w->rank != x->rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "W has rank %d but X has rank %d", w->rank, x->rank);
    int rank = g->rank = x->rank - 2;
    for (int d = 0; d < rank; d++)
        g->in[d] = x->dims[2 + d];
    g->group = op_attr_int(ctx, "group", 1);
    if (ctx->status)
        return ctx->status;
    if (g->group < 1)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "group must be >= 1, not %lld", (long long)g->group);
    int64_t kernel_attr[WINDOW_MAX_SPATIAL];
    bool has_kernel_attr = op_has_attr(ctx, "kernel_shape");
    if ((status = window_read_ints(ctx, "kernel_shape", rank, 1, 1, kernel_attr)) ||
        (status = window_read_ints(ctx, "strides", rank, 1, 1, g->stride)) ||
        (status = window_read_ints(ctx, "dilations", rank, 1, 1, g->dilation)))
        return status;
    for (int d = 0; d < rank; d++) {
        int64_t wk = w->dims[2 + d];
        if (has_kernel_attr && wk >= 0 && wk != kernel_attr[d])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "kernel_shape[%d] is %lld but W's spatial dim %d is %lld", d,
                           (long long)kernel_attr[d], d, (long long)wk);
        if (!has_kernel_attr && wk == 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "W's spatial dim %d is 0", d);
        g->kernel[d] = has_kernel_attr ? kernel_attr[d] : wk;
    }
    window_auto_pad mode = WINDOW_PAD_NOTSET;
    if ((status = window_read_pads(ctx, rank, g->pad_begin, g->pad_end)) || (status = window_read_auto_pad(ctx, &mode)))
        return status;
    if (mode != WINDOW_PAD_NOTSET)
        for (int d = 0; d < rank; d++)
            g->pad_begin[d] = g->pad_end[d] = 0;

    int64_t out_shape[WINDOW_MAX_SPATIAL];
    bool has_out_shape = false;
    if (transpose) {
        if ((status = window_read_ints(ctx, "output_padding", rank, 0, 0, g->out_padding)))
            return status;
        for (int d = 0; d < rank; d++) {
            int64_t limit = g->stride[d] > g->dilation[d] ? g->stride[d] : g->dilation[d];
            if (g->out_padding[d] >= limit)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                               "output_padding %lld on spatial axis %d must be less than its stride or dilation",
                               (long long)g->out_padding[d], d);
        }
        size_t n_shape;
        const int64_t *shape = op_attr_ints(ctx, "output_shape", &n_shape);
        if (ctx->status)
            return ctx->status;
        if (shape) {
            /* Spatial sizes; the full [N, M, spatial...] form is accepted too, as ONNX Runtime does. */
            if (n_shape == (size_t)rank + 2)
                shape += 2;
            else if (n_shape != (size_t)rank)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'output_shape' has %zu values, expected %d",
                               n_shape, rank);
            for (int d = 0; d < rank; d++) {
                if (shape[d] < 0)
                    return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output_shape has negative value %lld",
                                   (long long)shape[d]);
                out_shape[d] = shape[d];
            }
            has_out_shape = true;
        }
    }

    for (int d = 0; d < rank; d++) {
        int64_t in = g->in[d], k = g->kernel[d], s = g->stride[d], extent, out, total;
        if (k < 0) {
            g->out[d] = has_out_shape ? out_shape[d] : DIM_UNKNOWN;
            continue;
        }
        if ((status = window_extent(ctx, d, k, g->dilation[d], &extent)))
            return status;
        if (!transpose) {
            if (in < 0)
                g->out[d] = DIM_UNKNOWN;
            else if ((status = window_out_size(ctx, d, in, extent, s, mode, false, &g->pad_begin[d], &g->pad_end[d],
                                               &g->out[d])))
                return status;
            continue;
        }
        /* ConvTranspose: the natural output size is s * (in - 1) + output_padding + extent. */
        int64_t natural;
        if (in < 0) {
            g->out[d] = has_out_shape ? out_shape[d] : DIM_UNKNOWN;
            continue;
        }
        if (in == 0)
            return op_fail(ctx, ops_shape_status(ctx), "X's spatial dim %d is 0", d);
        if (__builtin_mul_overflow(s, in - 1, &natural) ||
            __builtin_add_overflow(natural, g->out_padding[d], &natural) ||
            __builtin_add_overflow(natural, extent, &natural))
            return window_overflow(ctx, d);
        if (has_out_shape || mode == WINDOW_PAD_SAME_UPPER || mode == WINDOW_PAD_SAME_LOWER) {
            if (has_out_shape)
                out = out_shape[d];
            else if (__builtin_mul_overflow(in, s, &out))
                return window_overflow(ctx, d);
            /* Halves round down (Python's //, as the ONNX tests do): a negative total, an output
             * larger than the natural size, grows the end. */
            total = natural - out;
            int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
            g->pad_begin[d] = mode == WINDOW_PAD_SAME_UPPER ? half : total - half;
            g->pad_end[d] = total - g->pad_begin[d];
        } else {
            out = natural - g->pad_begin[d] - g->pad_end[d];
            if (out < 0)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                               "pads %lld + %lld exceed the output size %lld on spatial axis %d",
                               (long long)g->pad_begin[d], (long long)g->pad_end[d], (long long)natural, d);
        }
        g->out[d] = out;
    }
    return DNNX_OK;
}

/* Checks channels and bias and gives the output dims [N, M, out...]. For Conv W is
 * [M, C / group, k...]; for ConvTranspose W is [C, M / group, k...]. */
static dnnx_status conv_check_channels(op_ctx *ctx, const dnnx_tensor *x, const dnnx_tensor *w, const dnnx_tensor *b,
                                       const window_geom *g, bool transpose, int64_t *out_dims)
{
    int64_t c = x->dims[1], m;
    if (!transpose) {
        m = w->dims[0];
        int64_t w_c = w->dims[1];
        if (c >= 0 && c % g->group != 0)
            return op_fail(ctx, ops_shape_status(ctx), "group %lld does not divide the %lld input channels",
                           (long long)g->group, (long long)c);
        if (c >= 0 && w_c >= 0 && w_c * g->group != c)
            return op_fail(ctx, ops_shape_status(ctx),
                           "W has %lld input channels per group and group is %lld, but X has %lld channels",
                           (long long)w_c, (long long)g->group, (long long)c);
        if (m >= 0 && m % g->group != 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "group %lld does not divide the %lld output channels",
                           (long long)g->group, (long long)m);
    } else {
        int64_t w_c = w->dims[0], m_per_group = w->dims[1];
        if (c >= 0 && w_c >= 0 && w_c != c)
            return op_fail(ctx, ops_shape_status(ctx), "W has %lld input channels but X has %lld", (long long)w_c,
                           (long long)c);
        if (c >= 0 && c % g->group != 0)
            return op_fail(ctx, ops_shape_status(ctx), "group %lld does not divide the %lld input channels",
                           (long long)g->group, (long long)c);
        if (m_per_group >= 0 && __builtin_mul_overflow(m_per_group, g->group, &m))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output channel count overflows");
        if (m_per_group < 0)
            m = DIM_UNKNOWN;
    }
    if (b) {
        if (b->rank != 1)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "B must be 1-D, not rank %d", b->rank);
        if (b->dims[0] >= 0 && m >= 0 && b->dims[0] != m)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "B has %lld elements but there are %lld output channels",
                           (long long)b->dims[0], (long long)m);
    }
    out_dims[0] = x->dims[0];
    out_dims[1] = m;
    for (int d = 0; d < g->rank; d++)
        out_dims[2 + d] = g->out[d];
    return DNNX_OK;
}

/* How one (input channel, output channel) pair is computed. The "iterated" side is the one
 * whose rows the outer loops walk (the output for Conv, the input for ConvTranspose); for a
 * kernel row and an iterated row, row_map gives the row of the other side or -1 when it falls
 * in the padding. Along the last dim, tap kl touches iterated columns [lo, hi) and other-side
 * column col * stride + offset. */
typedef struct conv_plan {
    size_t kernel_rows, iter_rows;
    size_t kernel_cols, iter_cols, other_cols;
    size_t stride;
    int64_t *row_map; /* kernel_rows * iter_rows */
    int64_t *offset;  /* kernel_cols each */
    size_t *lo, *hi;
    size_t in_plane, out_plane, kernel_size;
} conv_plan;

static void conv_plan_free(conv_plan *p)
{
    free(p->row_map);
    free(p->offset);
    free(p->lo);
    free(p->hi);
}

/* Builds the plan; iter / other are the spatial sizes of the iterated and the other side. */
static dnnx_status conv_plan_build(op_ctx *ctx, const window_geom *g, bool transpose, conv_plan *p)
{
    memset(p, 0, sizeof *p);
    int last = g->rank - 1;
    const int64_t *iter = transpose ? g->in : g->out, *other = transpose ? g->out : g->in;
    p->kernel_rows = p->iter_rows = 1;
    p->in_plane = p->out_plane = p->kernel_size = 1;
    for (int d = 0; d < g->rank; d++) {
        p->in_plane *= (size_t)g->in[d];
        p->out_plane *= (size_t)g->out[d];
        p->kernel_size *= (size_t)g->kernel[d];
        if (d < last) {
            p->kernel_rows *= (size_t)g->kernel[d];
            p->iter_rows *= (size_t)iter[d];
        }
    }
    p->kernel_cols = (size_t)g->kernel[last];
    p->iter_cols = (size_t)iter[last];
    p->other_cols = (size_t)other[last];
    p->stride = (size_t)g->stride[last];
    size_t map_size;
    if (__builtin_mul_overflow(p->kernel_rows, p->iter_rows, &map_size) || map_size > SIZE_MAX / sizeof(int64_t))
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "convolution row map is too large");
    p->row_map = malloc((map_size ? map_size : 1) * sizeof *p->row_map);
    p->offset = malloc(p->kernel_cols * sizeof *p->offset + 1);
    p->lo = malloc(p->kernel_cols * sizeof *p->lo + 1);
    p->hi = malloc(p->kernel_cols * sizeof *p->hi + 1);
    if (!p->row_map || !p->offset || !p->lo || !p->hi) {
        conv_plan_free(p);
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory planning the convolution");
    }
    int64_t kc[WINDOW_MAX_SPATIAL] = {0};
    for (size_t kr = 0; kr < p->kernel_rows; kr++) {
        int64_t ic[WINDOW_MAX_SPATIAL] = {0};
        for (size_t r = 0; r < p->iter_rows; r++) {
            int64_t row = 0;
            for (int d = 0; d < last && row >= 0; d++) {
                int64_t at = ic[d] * g->stride[d] - g->pad_begin[d] + kc[d] * g->dilation[d];
                row = at >= 0 && at < other[d] ? row * other[d] + at : -1;
            }
            p->row_map[kr * p->iter_rows + r] = row;
            for (int d = last - 1; d >= 0 && ++ic[d] == iter[d]; d--)
                ic[d] = 0;
        }
        for (int d = last - 1; d >= 0 && ++kc[d] == g->kernel[d]; d--)
            kc[d] = 0;
    }
    int64_t s = g->stride[last];
    for (size_t kl = 0; kl < p->kernel_cols; kl++) {
        int64_t off = (int64_t)kl * g->dilation[last] - g->pad_begin[last];
        int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
        int64_t room = other[last] - 1 - off;
        int64_t hi = room < 0 ? 0 : room / s + 1;
        if (hi > iter[last])
            hi = iter[last];
        p->offset[kl] = off;
        p->lo[kl] = (size_t)lo;
        p->hi[kl] = (size_t)(hi > lo ? hi : lo);
    }
    return DNNX_OK;
}

/* Conv tiles: the output plane is done CONV_CT positions at a time (across rows) for CONV_OB output channels,
 * whose accumulators (acc) stay in L1 while the taps (input channel x kernel position, in W's
 * own order) stream past CONV_TB at a time. Each tap block is gathered once into buf (strided
 * input, zeros in the padding) and reused by every output channel of the block, four taps per
 * pass over acc, in fixed chunks of 8 columns so GCC -O2 vectorizes the inner loop. */
#define CONV_CT 64
#define CONV_TB 16
#define CONV_OB 32

/* A run of a conv tile inside one output row: tile position at, output row, first column. */
typedef struct conv_segment {
    size_t at, row, col, len;
} conv_segment;

/* Splits the flat output positions [f0, f0 + width) into per-row runs; returns their count. */
static size_t conv_segments(size_t f0, size_t width, size_t cols, conv_segment *segments)
{
    size_t n = 0, row = f0 / cols, col = f0 % cols;
    for (size_t at = 0; at < width; n++) {
        size_t len = cols - col < width - at ? cols - col : width - at;
        segments[n] = (conv_segment){at, row, col, len};
        at += len;
        row++;
        col = 0;
    }
    return n;
}

/* ConvTranspose scatters instead: for each (input channel, output channel) pair and tap,
 * y[col * stride + off] += w * x[col] along a row. */
#define DEFINE_CONV_KERNEL(name, T)                                                                                    \
    static void name##_forward(const conv_plan *p, size_t batch, size_t c, size_t m, size_t group, const T *x,         \
                               const T *w, const T *bias, T *y)                                                        \
    {                                                                                                                  \
        size_t c_group = c / group, m_group = m / group, taps = c_group * p->kernel_size;                              \
        size_t out_cols = p->iter_cols, in_cols = p->other_cols;                                                       \
        T acc[CONV_OB][CONV_CT], buf[CONV_TB][CONV_CT];                                                                \
        conv_segment segments[CONV_CT];                                                                                \
        for (size_t n = 0; n < batch; n++)                                                                             \
            for (size_t g = 0; g < group; g++)                                                                         \
                for (size_t ob = 0; ob < m_group; ob += CONV_OB) {                                                     \
                    size_t n_oc = m_group - ob < CONV_OB ? m_group - ob : CONV_OB;                                     \
                    size_t oc0 = g * m_group + ob;                                                                     \
                    const T *x_group = x + (n * c + g * c_group) * p->in_plane;                                        \
                    for (size_t f0 = 0; f0 < p->out_plane; f0 += CONV_CT) {                                            \
                        size_t width = p->out_plane - f0 < CONV_CT ? p->out_plane - f0 : CONV_CT;                      \
                        size_t wv = width / 8 * 8, n_segments = conv_segments(f0, width, out_cols, segments);          \
                        for (size_t b = 0; b < n_oc; b++)                                                              \
                            for (size_t i = 0; i < width; i++)                                                         \
                                acc[b][i] = bias ? bias[oc0 + b] : (T)0;                                               \
                        size_t ic = 0, kr = 0, kl = 0;                                                                 \
                        for (size_t t0 = 0; t0 < taps; t0 += CONV_TB) {                                                \
                            size_t n_taps = taps - t0 < CONV_TB ? taps - t0 : CONV_TB;                                 \
                            for (size_t t = 0; t < n_taps; t++) {                                                      \
                                for (size_t s = 0; s < n_segments; s++) {                                              \
                                    const conv_segment *seg = &segments[s];                                            \
                                    T *row = buf[t] + seg->at - seg->col;                                              \
                                    int64_t other = p->row_map[kr * p->iter_rows + seg->row];                          \
                                    size_t end = seg->col + seg->len;                                                  \
                                    size_t lo = p->lo[kl] > seg->col ? p->lo[kl] : seg->col;                           \
                                    size_t hi = p->hi[kl] < end ? p->hi[kl] : end;                                     \
                                    if (other < 0 || hi <= lo) {                                                       \
                                        for (size_t i = seg->col; i < end; i++)                                        \
                                            row[i] = (T)0;                                                             \
                                        continue;                                                                      \
                                    }                                                                                  \
                                    const T *xr = x_group + ic * p->in_plane + (size_t)other * in_cols;                \
                                    const T *src = xr + (int64_t)(lo * p->stride) + p->offset[kl];                     \
                                    for (size_t i = seg->col; i < lo; i++)                                             \
                                        row[i] = (T)0;                                                                 \
                                    for (size_t i = 0; i < hi - lo; i++)                                               \
                                        row[lo + i] = src[i * p->stride];                                              \
                                    for (size_t i = hi; i < end; i++)                                                  \
                                        row[i] = (T)0;                                                                 \
                                }                                                                                      \
                                if (++kl == p->kernel_cols) {                                                          \
                                    kl = 0;                                                                            \
                                    if (++kr == p->kernel_rows) {                                                      \
                                        kr = 0;                                                                        \
                                        ic++;                                                                          \
                                    }                                                                                  \
                                }                                                                                      \
                            }                                                                                          \
                            for (size_t b = 0; b < n_oc; b++) {                                                        \
                                const T *wr = w + (oc0 + b) * taps + t0;                                               \
                                T *a = acc[b];                                                                         \
                                size_t t = 0;                                                                          \
                                for (; t + 4 <= n_taps; t += 4) {                                                      \
                                    const T w0 = wr[t], w1 = wr[t + 1], w2 = wr[t + 2], w3 = wr[t + 3];                \
                                    const T *b0 = buf[t], *b1 = buf[t + 1], *b2 = buf[t + 2], *b3 = buf[t + 3];        \
                                    size_t i = 0;                                                                      \
                                    for (; i < wv; i += 8)                                                             \
                                        for (size_t v = 0; v < 8; v++)                                                 \
                                            a[i + v] +=                                                                \
                                                w0 * b0[i + v] + w1 * b1[i + v] + w2 * b2[i + v] + w3 * b3[i + v];     \
                                    for (; i < width; i++)                                                             \
                                        a[i] += w0 * b0[i] + w1 * b1[i] + w2 * b2[i] + w3 * b3[i];                     \
                                }                                                                                      \
                                for (; t < n_taps; t++) {                                                              \
                                    const T w0 = wr[t], *b0 = buf[t];                                                  \
                                    for (size_t i = 0; i < width; i++)                                                 \
                                        a[i] += w0 * b0[i];                                                            \
                                }                                                                                      \
                            }                                                                                          \
                        }                                                                                              \
                        for (size_t b = 0; b < n_oc; b++)                                                              \
                            memcpy(y + (n * m + oc0 + b) * p->out_plane + f0, acc[b], width * sizeof(T));              \
                    }                                                                                                  \
                }                                                                                                      \
    }                                                                                                                  \
    static void name##_scatter_row(T *restrict y, size_t y_step, const T *restrict x, size_t n, T w)                   \
    {                                                                                                                  \
        for (size_t i = 0; i < n; i++)                                                                                 \
            y[i * y_step] += w * x[i];                                                                                 \
    }                                                                                                                  \
    static void name##_transpose(const conv_plan *p, size_t batch, size_t c, size_t m, size_t group, const T *x,       \
                                 const T *w, const T *bias, T *y)                                                      \
    {                                                                                                                  \
        size_t c_group = c / group, m_group = m / group;                                                               \
        for (size_t n = 0; n < batch; n++)                                                                             \
            for (size_t oc = 0; oc < m; oc++) {                                                                        \
                size_t g = oc / m_group;                                                                               \
                T *yp = y + (n * m + oc) * p->out_plane;                                                               \
                for (size_t i = 0; i < p->out_plane; i++)                                                              \
                    yp[i] = bias ? bias[oc] : (T)0;                                                                    \
                for (size_t ic = 0; ic < c_group; ic++) {                                                              \
                    size_t cin = g * c_group + ic;                                                                     \
                    const T *xp = x + (n * c + cin) * p->in_plane;                                                     \
                    const T *wp = w + (cin * m_group + (oc - g * m_group)) * p->kernel_size;                           \
                    for (size_t kr = 0; kr < p->kernel_rows; kr++)                                                     \
                        for (size_t r = 0; r < p->iter_rows; r++) {                                                    \
                            int64_t other = p->row_map[kr * p->iter_rows + r];                                         \
                            if (other < 0)                                                                             \
                                continue;                                                                              \
                            const T *xr = xp + r * p->iter_cols;                                                       \
                            T *yr = yp + (size_t)other * p->other_cols;                                                \
                            for (size_t kl = 0; kl < p->kernel_cols; kl++) {                                           \
                                size_t lo = p->lo[kl], len = p->hi[kl] - lo;                                           \
                                size_t at = (size_t)((int64_t)(lo * p->stride) + p->offset[kl]);                       \
                                name##_scatter_row(yr + at, p->stride, xr + lo, len, wp[kr * p->kernel_cols + kl]);    \
                            }                                                                                          \
                        }                                                                                              \
                }                                                                                                      \
            }                                                                                                          \
    }                                                                                                                  \
    static void name(const conv_plan *p, bool transpose, size_t batch, size_t c, size_t m, size_t group, const T *x,   \
                     const T *w, const T *bias, T *y)                                                                  \
    {                                                                                                                  \
        if (transpose)                                                                                                 \
            name##_transpose(p, batch, c, m, group, x, w, bias, y);                                                    \
        else                                                                                                           \
            name##_forward(p, batch, c, m, group, x, w, bias, y);                                                      \
    }

DEFINE_CONV_KERNEL(conv_f32, float)
DEFINE_CONV_KERNEL(conv_f64, double)
DEFINE_CONV_KERNEL(conv_i64, int64_t)

static const dnnx_dtype conv_types[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_BFLOAT16,
                                        DNNX_DTYPE_UNDEFINED};

static dnnx_status conv_infer_common(op_ctx *ctx, bool transpose)
{
    const dnnx_tensor *x = op_input(ctx, 0), *w = op_input(ctx, 1), *b = op_input(ctx, 2);
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, conv_types)) || (status = op_check_same_dtype(ctx, 0, 1)) ||
        (status = op_check_same_dtype(ctx, 0, 2)))
        return status;
    window_geom g;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = conv_geometry(ctx, x, w, transpose, &g)) ||
        (status = conv_check_channels(ctx, x, w, b, &g, transpose, dims)))
        return status;
    op_set_output(ctx, 0, x->dtype, x->rank, dims);
    return DNNX_OK;
}

static dnnx_status conv_infer(op_ctx *ctx) { return conv_infer_common(ctx, false); }
static dnnx_status conv_transpose_infer(op_ctx *ctx) { return conv_infer_common(ctx, true); }

static dnnx_status conv_run_common(op_ctx *ctx, bool transpose)
{
    const dnnx_tensor *x = op_input(ctx, 0), *w = op_input(ctx, 1), *b = op_input(ctx, 2);
    dnnx_tensor *y = op_output(ctx, 0);
    window_geom g;
    conv_plan p;
    dnnx_status status;
    if ((status = conv_geometry(ctx, x, w, transpose, &g)) || (status = conv_plan_build(ctx, &g, transpose, &p)))
        return status;
    size_t batch = (size_t)x->dims[0], c = (size_t)x->dims[1], m = (size_t)y->dims[1], group = (size_t)g.group;
    switch (y->dtype) {
    case DNNX_DTYPE_FLOAT:
        conv_f32(&p, transpose, batch, c, m, group, x->data, w->data, b ? b->data : NULL, y->data);
        break;
    case DNNX_DTYPE_DOUBLE:
        conv_f64(&p, transpose, batch, c, m, group, x->data, w->data, b ? b->data : NULL, y->data);
        break;
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: {
        float *xf = ops_half_to_float_copy(x), *wf = ops_half_to_float_copy(w);
        float *bf = b ? ops_half_to_float_copy(b) : NULL;
        size_t y_count = tensor_count(y);
        float *yf = malloc((y_count ? y_count : 1) * sizeof *yf);
        if (xf && wf && yf && (!b || bf)) {
            conv_f32(&p, transpose, batch, c, m, group, xf, wf, bf, yf);
            ops_float_to_half_store(y, yf);
        } else {
            status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory widening float16 operands");
        }
        free(xf);
        free(wf);
        free(bf);
        free(yf);
        break;
    }
    default: status = op_fail(ctx, DNNX_ERR_UNSUPPORTED, "dtype %s is not supported", dnnx_dtype_name(y->dtype));
    }
    conv_plan_free(&p);
    return status;
}

static dnnx_status conv_run(op_ctx *ctx) { return conv_run_common(ctx, false); }
static dnnx_status conv_transpose_run(op_ctx *ctx) { return conv_run_common(ctx, true); }

/* Quantized convolutions. ConvInteger: x, w, x_zero_point, w_zero_point -> int32.
 * QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B. */
typedef struct qconv_io {
    const dnnx_tensor *x, *x_zp, *x_scale, *w, *w_zp, *w_scale, *y_scale, *y_zp, *bias;
} qconv_io;

static qconv_io qconv_inputs(const op_ctx *ctx, bool qlinear)
{
    qconv_io io = {0};
    if (!qlinear) {
        io.x = op_input(ctx, 0);
        io.w = op_input(ctx, 1);
        io.x_zp = op_input(ctx, 2);
        io.w_zp = op_input(ctx, 3);
        return io;
    }
    io.x = op_input(ctx, 0);
    io.x_scale = op_input(ctx, 1);
    io.x_zp = op_input(ctx, 2);
    io.w = op_input(ctx, 3);
    io.w_scale = op_input(ctx, 4);
    io.w_zp = op_input(ctx, 5);
    io.y_scale = op_input(ctx, 6);
    io.y_zp = op_input(ctx, 7);
    io.bias = op_input(ctx, 8);
    return io;
}

static const dnnx_dtype quant_types[] = {DNNX_DTYPE_INT8, DNNX_DTYPE_UINT8, DNNX_DTYPE_UNDEFINED};

/* A per-tensor parameter has one element; a per-channel one has one per output channel m. */
static dnnx_status check_per_channel(op_ctx *ctx, const char *what, const dnnx_tensor *t, int64_t m, bool channel_ok)
{
    if (!t)
        return DNNX_OK;
    size_t count = tensor_count(t);
    if (count == 1 && t->rank <= 1)
        return DNNX_OK;
    if (channel_ok && t->rank == 1 && (int64_t)count == m)
        return DNNX_OK;
    return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s must have one element%s, not %zu", what,
                   channel_ok ? " or one per output channel" : "", count);
}

static dnnx_status qconv_infer_common(op_ctx *ctx, bool qlinear)
{
    qconv_io io = qconv_inputs(ctx, qlinear);
    dnnx_status status;
    int x_index = 0, w_index = qlinear ? 3 : 1;
    if ((status = op_check_dtype(ctx, x_index, quant_types)) || (status = op_check_dtype(ctx, w_index, quant_types)))
        return status;
    if (io.x_zp && io.x_zp->dtype != io.x->dtype)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "x_zero_point must have x's dtype %s, not %s",
                       dnnx_dtype_name(io.x->dtype), dnnx_dtype_name(io.x_zp->dtype));
    if (io.w_zp && io.w_zp->dtype != io.w->dtype)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "w_zero_point must have w's dtype %s, not %s",
                       dnnx_dtype_name(io.w->dtype), dnnx_dtype_name(io.w_zp->dtype));
    if (qlinear) {
        if ((status = op_check_dtype(ctx, 7, quant_types)))
            return status;
        if (io.bias && io.bias->dtype != DNNX_DTYPE_INT32)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "B must be int32, not %s", dnnx_dtype_name(io.bias->dtype));
        const dnnx_tensor *scales[3] = {io.x_scale, io.w_scale, io.y_scale};
        for (int s = 0; s < 3; s++)
            if (!ops_dtype_is_float(scales[s]->dtype))
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "scales must be a float type, not %s",
                               dnnx_dtype_name(scales[s]->dtype));
    }
    window_geom g;
    int64_t dims[DNNX_MAX_RANK];
    if ((status = conv_geometry(ctx, io.x, io.w, false, &g)) ||
        (status = conv_check_channels(ctx, io.x, io.w, io.bias, &g, false, dims)))
        return status;
    if (ctx->concrete) {
        if ((status = check_per_channel(ctx, "x_zero_point", io.x_zp, dims[1], false)) ||
            (status = check_per_channel(ctx, "w_zero_point", io.w_zp, dims[1], true)) ||
            (status = check_per_channel(ctx, "x_scale", io.x_scale, dims[1], false)) ||
            (status = check_per_channel(ctx, "w_scale", io.w_scale, dims[1], true)) ||
            (status = check_per_channel(ctx, "y_scale", io.y_scale, dims[1], false)) ||
            (status = check_per_channel(ctx, "y_zero_point", io.y_zp, dims[1], false)))
            return status;
        if (io.y_scale) {
            double ys = tensor_get_f64(io.y_scale, 0);
            if (!(ys > 0.0) || isinf(ys))
                return op_fail(ctx, DNNX_ERR_INVALID_ARGUMENT, "y_scale must be positive and finite, not %g", ys);
        }
    }
    op_set_output(ctx, 0, qlinear ? io.y_zp->dtype : DNNX_DTYPE_INT32, io.x->rank, dims);
    return DNNX_OK;
}

static dnnx_status conv_integer_infer(op_ctx *ctx) { return qconv_infer_common(ctx, false); }
static dnnx_status qlinear_conv_infer(op_ctx *ctx) { return qconv_infer_common(ctx, true); }

/* Element i of a per-tensor or per-channel parameter (0 / def when absent). */
static int64_t param_i64(const dnnx_tensor *t, size_t i)
{
    return t ? tensor_get_i64(t, tensor_count(t) == 1 ? 0 : i) : 0;
}

static double param_f64(const dnnx_tensor *t, size_t i) { return tensor_get_f64(t, tensor_count(t) == 1 ? 0 : i); }

/* Integer convolution in int64: x and w with their zero points removed (padding contributes
 * nothing, as if it held the zero point), plus the int32 bias; then either stored as int32
 * (ConvInteger) or requantized (QLinearConv: round half to even, saturate). */
static dnnx_status qconv_run_common(op_ctx *ctx, bool qlinear)
{
    qconv_io io = qconv_inputs(ctx, qlinear);
    dnnx_tensor *y = op_output(ctx, 0);
    window_geom g;
    conv_plan p;
    dnnx_status status;
    if ((status = conv_geometry(ctx, io.x, io.w, false, &g)) || (status = conv_plan_build(ctx, &g, false, &p)))
        return status;
    size_t batch = (size_t)io.x->dims[0], c = (size_t)io.x->dims[1], m = (size_t)y->dims[1];
    size_t x_count = tensor_count(io.x), w_count = tensor_count(io.w), y_count = tensor_count(y);
    int64_t *x64 = malloc((x_count ? x_count : 1) * sizeof *x64);
    int64_t *w64 = malloc((w_count ? w_count : 1) * sizeof *w64);
    int64_t *y64 = malloc((y_count ? y_count : 1) * sizeof *y64);
    int64_t *b64 = malloc((m ? m : 1) * sizeof *b64);
    if (!x64 || !w64 || !y64 || !b64) {
        status = op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory for quantized operands");
        goto free_buffers;
    }
    int64_t x_zp = param_i64(io.x_zp, 0);
    for (size_t i = 0; i < x_count; i++)
        x64[i] = tensor_get_i64(io.x, i) - x_zp;
    size_t per_channel = m ? w_count / m : 0;
    for (size_t oc = 0; oc < m; oc++) {
        int64_t w_zp = param_i64(io.w_zp, oc);
        for (size_t i = 0; i < per_channel; i++)
            w64[oc * per_channel + i] = tensor_get_i64(io.w, oc * per_channel + i) - w_zp;
        b64[oc] = io.bias ? tensor_get_i64(io.bias, oc) : 0;
    }
    conv_i64(&p, false, batch, c, m, (size_t)g.group, x64, w64, b64, y64);
    if (!qlinear) {
        for (size_t i = 0; i < y_count; i++)
            ((int32_t *)y->data)[i] = (int32_t)(uint32_t)(uint64_t)y64[i];
    } else {
        int64_t y_zp = param_i64(io.y_zp, 0);
        int64_t lo = y->dtype == DNNX_DTYPE_INT8 ? -128 : 0, hi = y->dtype == DNNX_DTYPE_INT8 ? 127 : 255;
        double xs_over_ys = param_f64(io.x_scale, 0) / param_f64(io.y_scale, 0);
        for (size_t n = 0; n < batch; n++)
            for (size_t oc = 0; oc < m; oc++) {
                float scale = (float)(xs_over_ys * param_f64(io.w_scale, oc));
                size_t base = (n * m + oc) * p.out_plane;
                for (size_t i = 0; i < p.out_plane; i++) {
                    int64_t q = (int64_t)nearbyintf((float)y64[base + i] * scale) + y_zp;
                    q = q < lo ? lo : q > hi ? hi : q;
                    if (y->dtype == DNNX_DTYPE_INT8)
                        ((int8_t *)y->data)[base + i] = (int8_t)q;
                    else
                        ((uint8_t *)y->data)[base + i] = (uint8_t)q;
                }
            }
    }
free_buffers:
    free(x64);
    free(w64);
    free(y64);
    free(b64);
    conv_plan_free(&p);
    return status;
}

static dnnx_status conv_integer_run(op_ctx *ctx) { return qconv_run_common(ctx, false); }
static dnnx_status qlinear_conv_run(op_ctx *ctx) { return qconv_run_common(ctx, true); }

const op_schema ops_conv_schemas[] = {
    {"", "Conv", 1, 2, 3, 1, 1, conv_infer, conv_run},
    {"", "Conv", 11, 2, 3, 1, 1, conv_infer, conv_run},
    {"", "Conv", 22, 2, 3, 1, 1, conv_infer, conv_run},
    {"", "ConvTranspose", 1, 2, 3, 1, 1, conv_transpose_infer, conv_transpose_run},
    {"", "ConvTranspose", 11, 2, 3, 1, 1, conv_transpose_infer, conv_transpose_run},
    {"", "ConvTranspose", 22, 2, 3, 1, 1, conv_transpose_infer, conv_transpose_run},
    {"", "ConvInteger", 10, 2, 4, 1, 1, conv_integer_infer, conv_integer_run},
    {"", "QLinearConv", 10, 8, 9, 1, 1, qlinear_conv_infer, qlinear_conv_run},
};
OPS_FAMILY_COUNT(conv);

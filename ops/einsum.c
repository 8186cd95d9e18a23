/* Einsum: the general reference. The equation is parsed into labels; every operand gets a
 * stride per label (repeated labels add their strides, which walks diagonals; broadcast
 * ellipsis dims get stride 0) and the kernel walks the full index space of all labels,
 * output labels outermost, accumulating products into the output. */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "graph/error.h"
#include "ops.h"

#define EIN_LETTERS 52 /* 'A'..'Z' then 'a'..'z': numpy's order for implicit output */
#define EIN_MAX_LABELS (EIN_LETTERS + DNNX_MAX_RANK)
#define EIN_MAX_OPERANDS 64

typedef struct einsum_plan {
    int n_operands;
    int ellipsis_rank;                           /* broadcast rank of all ellipses */
    int labels[EIN_MAX_OPERANDS][DNNX_MAX_RANK]; /* label of each operand axis */
    bool used[EIN_MAX_LABELS];
    int64_t dims[EIN_MAX_LABELS]; /* size of each used label (maybe symbolic) */
    int out_rank;
    int out_labels[DNNX_MAX_RANK];
} einsum_plan;

static int letter_label(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return 26 + (c - 'a');
    return -1;
}

static char label_letter(int label) { return (char)(label < 26 ? 'A' + label : 'a' + (label - 26)); }

/* One term of the equation (between commas / the arrow), spaces removed: its letters in order
 * and where the ellipsis sits among them (-1 if none). */
typedef struct einsum_term {
    int letters[DNNX_MAX_RANK];
    int n_letters;
    int ellipsis_at;
} einsum_term;

static dnnx_status parse_term(op_ctx *ctx, const char *begin, const char *end, einsum_term *term)
{
    term->n_letters = 0;
    term->ellipsis_at = -1;
    for (const char *p = begin; p < end; p++) {
        if (*p == ' ')
            continue;
        if (*p == '.') {
            if (end - p < 3 || p[1] != '.' || p[2] != '.' || term->ellipsis_at >= 0)
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "equation term '%.*s' has a malformed ellipsis",
                               (int)(end - begin), begin);
            term->ellipsis_at = term->n_letters;
            p += 2;
            continue;
        }
        int label = letter_label(*p);
        if (label < 0)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "equation has invalid character '%c'", *p);
        if (term->n_letters >= DNNX_MAX_RANK)
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "equation term '%.*s' has more than %d labels",
                           (int)(end - begin), begin, DNNX_MAX_RANK);
        term->letters[term->n_letters++] = label;
    }
    return DNNX_OK;
}

/* Merges a new size into an ellipsis dim (numpy broadcasting; symbolic dims allowed). */
static dnnx_status merge_broadcast(op_ctx *ctx, int64_t *have, int64_t next)
{
    if (*have == 1 || *have == next) {
        *have = next;
        return DNNX_OK;
    }
    if (next == 1)
        return DNNX_OK;
    if (*have >= 0 && next >= 0)
        return op_fail(ctx, ops_shape_status(ctx), "ellipsis dims %lld and %lld cannot be broadcast", (long long)*have,
                       (long long)next);
    if (next >= 0 || (*have < 0 && !DIM_IS_SYMBOL(*have)))
        *have = next;
    return DNNX_OK;
}

/* Merges a new size into a letter label's size; letters do not broadcast (as in ONNX Runtime). */
static dnnx_status merge_letter(op_ctx *ctx, int label, int64_t *have, int64_t next)
{
    if (*have >= 0 && next >= 0 && *have != next)
        return op_fail(ctx, ops_shape_status(ctx), "label '%c' has sizes %lld and %lld", label_letter(label),
                       (long long)*have, (long long)next);
    if (next >= 0 || (*have < 0 && !DIM_IS_SYMBOL(*have)))
        *have = next;
    return DNNX_OK;
}

/* Parses the output term (explicit) or derives it (implicit: the ellipsis dims, then the
 * letters used exactly once in alphabetical order, as numpy does). */
static dnnx_status parse_output(op_ctx *ctx, const char *equation, const char *rhs, const int *counts,
                                einsum_plan *plan)
{
    int out_rank = 0;
    if (!rhs) {
        for (int e = 0; e < plan->ellipsis_rank; e++)
            plan->out_labels[out_rank++] = EIN_LETTERS + e;
        for (int label = 0; label < EIN_LETTERS; label++) {
            if (counts[label] != 1)
                continue;
            if (out_rank >= DNNX_MAX_RANK)
                return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "output rank exceeds %d", DNNX_MAX_RANK);
            plan->out_labels[out_rank++] = label;
        }
        plan->out_rank = out_rank;
        return DNNX_OK;
    }
    if (strstr(rhs, "->") || strchr(rhs, ','))
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "equation '%s' has a malformed output", equation);
    einsum_term out;
    dnnx_status status = parse_term(ctx, rhs, rhs + strlen(rhs), &out);
    if (status)
        return status;
    if (out.ellipsis_at < 0 && plan->ellipsis_rank > 0)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "the output of '%s' has no '...' for the %d dims of the ellipsis",
                       equation, plan->ellipsis_rank);
    bool seen[EIN_LETTERS] = {false};
    for (int i = 0; i <= out.n_letters; i++) {
        if (i == out.ellipsis_at) {
            if (out_rank + plan->ellipsis_rank > DNNX_MAX_RANK)
                return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "output rank exceeds %d", DNNX_MAX_RANK);
            for (int e = 0; e < plan->ellipsis_rank; e++)
                plan->out_labels[out_rank++] = EIN_LETTERS + e;
        }
        if (i == out.n_letters)
            break;
        int label = out.letters[i];
        if (!counts[label])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output label '%c' of '%s' is not in any input",
                           label_letter(label), equation);
        if (seen[label])
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "output label '%c' of '%s' appears twice", label_letter(label),
                           equation);
        seen[label] = true;
        if (out_rank >= DNNX_MAX_RANK)
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "output rank exceeds %d", DNNX_MAX_RANK);
        plan->out_labels[out_rank++] = label;
    }
    plan->out_rank = out_rank;
    return DNNX_OK;
}

/* Parses the equation against the inputs' ranks and dims into plan. Ellipsis dims get labels
 * EIN_LETTERS + j, j counted from the left of the broadcast ellipsis; an operand whose ellipsis
 * covers ell dims holds the last ell of them. As in numpy, an explicit output must keep them
 * ("..."), and letter labels do not broadcast (as in ONNX Runtime: a size mismatch is an error). */
static dnnx_status einsum_parse(op_ctx *ctx, einsum_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    const char *equation = op_attr_string(ctx, "equation", NULL);
    if (ctx->status)
        return ctx->status;
    if (!equation)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute 'equation' is required");
    if (ctx->n_inputs > EIN_MAX_OPERANDS)
        return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "%d operands, more than %d", ctx->n_inputs, EIN_MAX_OPERANDS);
    plan->n_operands = ctx->n_inputs;
    const char *arrow = strstr(equation, "->");
    const char *lhs_end = arrow ? arrow : equation + strlen(equation);
    einsum_term terms[EIN_MAX_OPERANDS];
    const char *term_begin = equation;
    dnnx_status status;
    for (int t = 0; t < plan->n_operands; t++) {
        const char *term_end = memchr(term_begin, ',', (size_t)(lhs_end - term_begin));
        if (!term_end)
            term_end = lhs_end;
        if ((t == plan->n_operands - 1) != (term_end == lhs_end))
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL,
                           "equation '%s' does not have one term for each of the %d inputs", equation,
                           plan->n_operands);
        if ((status = parse_term(ctx, term_begin, term_end, &terms[t])))
            return status;
        const dnnx_tensor *x = op_input(ctx, t);
        if (!x)
            return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "input %d is missing", t);
        int ell = x->rank - terms[t].n_letters;
        if (terms[t].ellipsis_at < 0 ? ell != 0 : ell < 0)
            return op_fail(ctx, ops_shape_status(ctx), "term %d of '%s' has %d labels but input %d has rank %d", t,
                           equation, terms[t].n_letters, t, x->rank);
        if (ell > plan->ellipsis_rank)
            plan->ellipsis_rank = ell;
        term_begin = term_end + 1;
    }
    int counts[EIN_LETTERS] = {0};
    for (int e = 0; e < plan->ellipsis_rank; e++)
        plan->dims[EIN_LETTERS + e] = 1;
    for (int t = 0; t < plan->n_operands; t++) {
        const dnnx_tensor *x = op_input(ctx, t);
        const einsum_term *term = &terms[t];
        int ell = x->rank - term->n_letters, axis = 0;
        for (int i = 0; i <= term->n_letters; i++) {
            for (int e = 0; i == term->ellipsis_at && e < ell; e++, axis++) {
                int label = EIN_LETTERS + plan->ellipsis_rank - ell + e;
                plan->labels[t][axis] = label;
                plan->used[label] = true;
                if ((status = merge_broadcast(ctx, &plan->dims[label], x->dims[axis])))
                    return status;
            }
            if (i == term->n_letters)
                break;
            int label = term->letters[i];
            if (!plan->used[label])
                plan->dims[label] = x->dims[axis];
            else if ((status = merge_letter(ctx, label, &plan->dims[label], x->dims[axis])))
                return status;
            plan->used[label] = true;
            counts[label]++;
            plan->labels[t][axis++] = label;
        }
    }
    return parse_output(ctx, equation, arrow ? arrow + 2 : NULL, counts, plan);
}

static const dnnx_dtype einsum_types[] = {
    DNNX_DTYPE_FLOAT,  DNNX_DTYPE_DOUBLE, DNNX_DTYPE_FLOAT16,  DNNX_DTYPE_BFLOAT16, DNNX_DTYPE_INT8,
    DNNX_DTYPE_INT16,  DNNX_DTYPE_INT32,  DNNX_DTYPE_INT64,    DNNX_DTYPE_UINT8,    DNNX_DTYPE_UINT16,
    DNNX_DTYPE_UINT32, DNNX_DTYPE_UINT64, DNNX_DTYPE_UNDEFINED};

static dnnx_status einsum_infer(op_ctx *ctx)
{
    dnnx_status status;
    if ((status = op_check_dtype(ctx, 0, einsum_types)))
        return status;
    for (int t = 1; t < ctx->n_inputs; t++)
        if ((status = op_check_same_dtype(ctx, 0, t)))
            return status;
    einsum_plan plan;
    if ((status = einsum_parse(ctx, &plan)))
        return status;
    int64_t dims[DNNX_MAX_RANK];
    for (int d = 0; d < plan.out_rank; d++)
        dims[d] = plan.dims[plan.out_labels[d]];
    op_set_output(ctx, 0, op_input(ctx, 0)->dtype, plan.out_rank, dims);
    return DNNX_OK;
}

/* The iteration space: output labels in output order, then the summed labels; per loop dim
 * the stride of each operand (0 where the operand lacks the label or broadcasts it) and of
 * the output (0 for summed labels). The last dim is the kernel's inner loop. */
typedef struct einsum_loop {
    int n_dims;
    int n_operands;
    size_t rows; /* product of every dim but the last */
    size_t dims[EIN_MAX_LABELS];
    size_t strides[EIN_MAX_OPERANDS][EIN_MAX_LABELS];
    size_t out_strides[EIN_MAX_LABELS];
} einsum_loop;

/* Fills loop from a parsed plan of concrete inputs; fails if the index space overflows. */
static dnnx_status einsum_make_loop(op_ctx *ctx, const einsum_plan *plan, einsum_loop *loop)
{
    int loop_of_label[EIN_MAX_LABELS];
    int n = 0;
    for (int d = 0; d < plan->out_rank; d++)
        loop_of_label[plan->out_labels[d]] = n++;
    bool is_out[EIN_MAX_LABELS] = {false};
    for (int d = 0; d < plan->out_rank; d++)
        is_out[plan->out_labels[d]] = true;
    for (int label = 0; label < EIN_MAX_LABELS; label++)
        if (plan->used[label] && !is_out[label])
            loop_of_label[label] = n++;
    memset(loop, 0, sizeof *loop);
    loop->n_operands = plan->n_operands;
    for (int label = 0; label < EIN_MAX_LABELS; label++)
        if (plan->used[label])
            loop->dims[loop_of_label[label]] = (size_t)plan->dims[label];
    if (n == 0)
        loop->dims[n++] = 1; /* all operands scalars: one iteration */
    loop->n_dims = n;
    size_t stride = 1;
    for (int d = plan->out_rank - 1; d >= 0; d--) {
        loop->out_strides[d] = stride;
        stride *= (size_t)plan->dims[plan->out_labels[d]];
    }
    for (int t = 0; t < plan->n_operands; t++) {
        const dnnx_tensor *x = op_input(ctx, t);
        int64_t x_strides[DNNX_MAX_RANK];
        ops_strides(x, x_strides);
        for (int axis = 0; axis < x->rank; axis++) {
            int label = plan->labels[t][axis];
            if (x->dims[axis] == 1 && plan->dims[label] != 1)
                continue; /* broadcast ellipsis dim */
            loop->strides[t][loop_of_label[label]] += (size_t)x_strides[axis];
        }
    }
    size_t total = 1;
    for (int d = 0; d < n; d++) {
        if (loop->dims[d] && total > SIZE_MAX / loop->dims[d])
            return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "the index space of the equation overflows");
        total *= loop->dims[d];
    }
    loop->rows = loop->dims[n - 1] ? total / loop->dims[n - 1] : 0;
    return DNNX_OK;
}

/* The kernel for one element type: y (zeroed) += product of the operands at every point of
 * the index space. Integers wrap, computed in the unsigned type of the same width. */
#define DEFINE_EINSUM_KERNEL(name, T, ACC)                                                                             \
    static void name(const einsum_loop *loop, const void *const *inputs, void *output)                                 \
    {                                                                                                                  \
        const T *const *x = (const T *const *)inputs;                                                                  \
        T *y = output;                                                                                                 \
        int last = loop->n_dims - 1, n_ops = loop->n_operands;                                                         \
        size_t len = loop->dims[last], y_step = loop->out_strides[last];                                               \
        size_t index[EIN_MAX_LABELS] = {0}, off[EIN_MAX_OPERANDS] = {0}, y_off = 0;                                    \
        for (size_t row = 0; row < loop->rows; row++) {                                                                \
            if (y_step == 0) {                                                                                         \
                ACC acc = 0;                                                                                           \
                for (size_t i = 0; i < len; i++) {                                                                     \
                    ACC p = 1;                                                                                         \
                    for (int t = 0; t < n_ops; t++)                                                                    \
                        p *= (ACC)x[t][off[t] + i * loop->strides[t][last]];                                           \
                    acc += p;                                                                                          \
                }                                                                                                      \
                y[y_off] = (T)((ACC)y[y_off] + acc);                                                                   \
            } else {                                                                                                   \
                for (size_t i = 0; i < len; i++) {                                                                     \
                    ACC p = 1;                                                                                         \
                    for (int t = 0; t < n_ops; t++)                                                                    \
                        p *= (ACC)x[t][off[t] + i * loop->strides[t][last]];                                           \
                    y[y_off + i * y_step] = (T)((ACC)y[y_off + i * y_step] + p);                                       \
                }                                                                                                      \
            }                                                                                                          \
            for (int d = last - 1; d >= 0; d--) {                                                                      \
                index[d]++;                                                                                            \
                y_off += loop->out_strides[d];                                                                         \
                for (int t = 0; t < n_ops; t++)                                                                        \
                    off[t] += loop->strides[t][d];                                                                     \
                if (index[d] < loop->dims[d])                                                                          \
                    break;                                                                                             \
                y_off -= loop->out_strides[d] * loop->dims[d];                                                         \
                for (int t = 0; t < n_ops; t++)                                                                        \
                    off[t] -= loop->strides[t][d] * loop->dims[d];                                                     \
                index[d] = 0;                                                                                          \
            }                                                                                                          \
        }                                                                                                              \
    }

DEFINE_EINSUM_KERNEL(einsum_f32, float, double)
DEFINE_EINSUM_KERNEL(einsum_f64, double, double)
DEFINE_EINSUM_KERNEL(einsum_i8, int8_t, uint8_t)
DEFINE_EINSUM_KERNEL(einsum_i16, int16_t, uint16_t)
DEFINE_EINSUM_KERNEL(einsum_i32, int32_t, uint32_t)
DEFINE_EINSUM_KERNEL(einsum_i64, int64_t, uint64_t)
DEFINE_EINSUM_KERNEL(einsum_u8, uint8_t, uint8_t)
DEFINE_EINSUM_KERNEL(einsum_u16, uint16_t, uint16_t)
DEFINE_EINSUM_KERNEL(einsum_u32, uint32_t, uint32_t)
DEFINE_EINSUM_KERNEL(einsum_u64, uint64_t, uint64_t)

/* float16 / bfloat16: operands widened to float32, the result narrowed back. */
static dnnx_status einsum_run_half(op_ctx *ctx, const einsum_loop *loop, dnnx_tensor *y)
{
    const void *inputs[EIN_MAX_OPERANDS] = {NULL};
    float *widened[EIN_MAX_OPERANDS] = {NULL};
    size_t y_count = tensor_count(y);
    float *y_f32 = calloc(y_count ? y_count : 1, sizeof *y_f32);
    dnnx_status status = y_f32 ? DNNX_OK : DNNX_ERR_OUT_OF_MEMORY;
    for (int t = 0; t < loop->n_operands && !status; t++) {
        const dnnx_tensor *x = op_input(ctx, t);
        size_t count = tensor_count(x);
        widened[t] = malloc((count ? count : 1) * sizeof(float));
        if (!widened[t]) {
            status = DNNX_ERR_OUT_OF_MEMORY;
            break;
        }
        for (size_t i = 0; i < count; i++)
            widened[t][i] = (float)tensor_get_f64(x, i);
        inputs[t] = widened[t];
    }
    if (!status) {
        einsum_f32(loop, inputs, y_f32);
        for (size_t i = 0; i < y_count; i++)
            tensor_set_f64(y, i, y_f32[i]);
    }
    for (int t = 0; t < loop->n_operands; t++)
        free(widened[t]);
    free(y_f32);
    return status ? op_fail(ctx, status, "out of memory widening float16 operands") : DNNX_OK;
}

static dnnx_status einsum_run(op_ctx *ctx)
{
    einsum_plan plan;
    dnnx_status status = einsum_parse(ctx, &plan);
    if (status)
        return status;
    einsum_loop *loop = malloc(sizeof *loop);
    if (!loop)
        return op_fail(ctx, DNNX_ERR_OUT_OF_MEMORY, "out of memory");
    if ((status = einsum_make_loop(ctx, &plan, loop))) {
        free(loop);
        return status;
    }
    dnnx_tensor *y = op_output(ctx, 0);
    memset(y->data, 0, tensor_bytes(y));
    const void *inputs[EIN_MAX_OPERANDS];
    for (int t = 0; t < plan.n_operands; t++)
        inputs[t] = op_input(ctx, t)->data;
    switch (y->dtype) {
    case DNNX_DTYPE_FLOAT: einsum_f32(loop, inputs, y->data); break;
    case DNNX_DTYPE_DOUBLE: einsum_f64(loop, inputs, y->data); break;
    case DNNX_DTYPE_INT8: einsum_i8(loop, inputs, y->data); break;
    case DNNX_DTYPE_INT16: einsum_i16(loop, inputs, y->data); break;
    case DNNX_DTYPE_INT32: einsum_i32(loop, inputs, y->data); break;
    case DNNX_DTYPE_INT64: einsum_i64(loop, inputs, y->data); break;
    case DNNX_DTYPE_UINT8: einsum_u8(loop, inputs, y->data); break;
    case DNNX_DTYPE_UINT16: einsum_u16(loop, inputs, y->data); break;
    case DNNX_DTYPE_UINT32: einsum_u32(loop, inputs, y->data); break;
    case DNNX_DTYPE_UINT64: einsum_u64(loop, inputs, y->data); break;
    case DNNX_DTYPE_FLOAT16:
    case DNNX_DTYPE_BFLOAT16: status = einsum_run_half(ctx, loop, y); break;
    default: status = op_fail(ctx, DNNX_ERR_UNSUPPORTED, "dtype %s is not supported", dnnx_dtype_name(y->dtype));
    }
    free(loop);
    return status;
}

const op_schema ops_einsum_schemas[] = {
    {"", "Einsum", 12, 1, OP_VARIADIC, 1, 1, einsum_infer, einsum_run},
};
OPS_FAMILY_COUNT(einsum);

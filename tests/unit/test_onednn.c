/* The oneDNN backend against the reference: every kernel it accepts runs next to its op's
 * reference kernel on random inputs over many shapes (odd sizes, batch 1 and more,
 * broadcasting, every axis), and must match within float32 tolerances:
 *   - data movement (Transpose) and exact ops (Relu, Abs, Max, Min, Clip, Add, Sub, Mul):
 *     bit-exact up to rounding, |diff| <= 1e-6 * (1 + |expected|);
 *   - Div, Sqrt, Exp, Log, Tanh, Sigmoid, Gelu, Pow, Softmax, LayerNorm, reductions: oneDNN's
 *     vectorised approximations and summation orders, |diff| <= 1e-5 + 1e-4 * |expected|;
 *   - matrix products and convolutions: sums of K products in another order,
 *     |diff| <= 1e-5 * K + 1e-4 * |expected|;
 *   - bf16 fpmath: operands rounded to 8 significant bits, |diff| <= 2e-2 * (K^0.5 + |expected|).
 * A second run at the same shapes must create no primitive (the session's counter). A child
 * process checks that ONEDNN_VERBOSE names a jit/brg implementation for a BERT-size MatMul. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/backend.h"
#include "backends/onednn/onednn.h"
#include "dnnx.h"
#include "graph/graph.h"
#include "graph/op.h"
#include "graph/session_internal.h"
#include "graph/tensor.h"
#include "ops/ops.h"

/* The backend exists only in -DDNNX_WITH_ONEDNN=ON builds: weak references let this file link
 * (and skip) without it. The session's strong reference pulls the backend in when it is built. */
const backend *backend_onednn(void);
#pragma weak backend_onednn
#pragma weak onednn_primitives_created
#pragma weak onednn_kernel_cached_entries
#pragma weak onednn_kernel_holds_original

#define MAX_IO 6
#define MAX_ATTRS 8
#define MAX_ATTR_VALUES 24

/* Whether oneDNN runs a case: with its primitives; through the reference (declined shapes, or
 * oneDNN has only its own generic reference implementation); either (depends on oneDNN). */
typedef enum expectation { EXPECT_PRIMITIVES, EXPECT_REFERENCE, EXPECT_EITHER } expectation;

/* One node with concrete inputs, run by the oneDNN backend and by the reference. */
typedef struct node_case {
    graph *g;
    graph_node node;
    graph_attr attrs[MAX_ATTRS];
    int64_t ints[MAX_ATTRS][MAX_ATTR_VALUES];
    int n_inputs, n_outputs;
    dnnx_tensor inputs[MAX_IO]; /* concrete; data owned by the case */
    bool present[MAX_IO];
    bool constant[MAX_IO];
    bool output_present[MAX_IO];
    int threads;
    bool bf16;
    expectation expect; /* whether the backend runs these shapes with oneDNN primitives */
    bool symbolic;      /* non-constant inputs have unknown dims at load time */
    bool hidden_dims;   /* symbolic, and some dim was hidden (not all scalars) */
} node_case;

static uint32_t rng = 12345u;

static float random_float(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
}

static int random_int(int lo, int hi) /* [lo, hi] */
{
    rng = rng * 1664525u + 1013904223u;
    return lo + (int)((rng >> 8) % (uint32_t)(hi - lo + 1));
}

static node_case *case_new(const char *domain, const char *op_type, int opset, int n_outputs)
{
    node_case *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->g = graph_create();
    assert_non_null(c->g);
    c->node.name = (char *)"n";
    c->node.op_type = (char *)op_type;
    c->node.domain = (char *)domain;
    c->node.attrs = c->attrs;
    c->node.opset = opset;
    c->node.schema = op_registry_find(ops_registry(), domain, op_type, opset);
    assert_non_null(c->node.schema);
    c->n_outputs = n_outputs;
    for (int i = 0; i < n_outputs; i++)
        c->output_present[i] = true;
    c->threads = 1;
    c->expect = EXPECT_PRIMITIVES;
    return c;
}

static void case_free(node_case *c)
{
    for (int i = 0; i < MAX_IO; i++)
        free(c->inputs[i].data);
    graph_free(c->g);
    free(c);
}

/* Input i with a copy of data (random floats in [-1, 1) when data is NULL and dtype float). */
static void *case_input(node_case *c, int i, dnnx_dtype dtype, int rank, const int64_t *dims, const void *data,
                        bool constant)
{
    assert_true(i < MAX_IO);
    if (c->n_inputs <= i)
        c->n_inputs = i + 1;
    dnnx_tensor *t = &c->inputs[i];
    free(t->data);
    tensor_init_shape(t, dtype, rank, dims);
    size_t bytes = tensor_bytes(t);
    t->data = malloc(bytes ? bytes : 1);
    assert_non_null(t->data);
    if (data)
        memcpy(t->data, data, bytes);
    else
        for (size_t k = 0; k < tensor_count(t); k++)
            ((float *)t->data)[k] = random_float();
    c->present[i] = true;
    c->constant[i] = constant;
    return t->data;
}

static float *case_floats(node_case *c, int i, int rank, const int64_t *dims, bool constant)
{
    return case_input(c, i, DNNX_DTYPE_FLOAT, rank, dims, NULL, constant);
}

static void case_omit_input(node_case *c, int i)
{
    if (c->n_inputs <= i)
        c->n_inputs = i + 1;
    c->present[i] = false;
}

static graph_attr *case_attr(node_case *c, const char *name, graph_attr_type type)
{
    assert_true(c->node.n_attrs < MAX_ATTRS);
    graph_attr *a = &c->attrs[c->node.n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = (char *)name;
    a->type = type;
    return a;
}

static void case_attr_int(node_case *c, const char *name, int64_t v) { case_attr(c, name, ATTR_INT)->i = v; }
static void case_attr_float(node_case *c, const char *name, float v) { case_attr(c, name, ATTR_FLOAT)->f = v; }

static void case_attr_string(node_case *c, const char *name, const char *v)
{
    graph_attr *a = case_attr(c, name, ATTR_STRING);
    a->s = (char *)v;
    a->s_len = strlen(v);
}

static void case_attr_ints(node_case *c, const char *name, const int64_t *v, size_t count)
{
    assert_true(count <= MAX_ATTR_VALUES);
    int slot = c->node.n_attrs;
    graph_attr *a = case_attr(c, name, ATTR_INTS);
    memcpy(c->ints[slot], v, count * sizeof *v);
    a->ints = c->ints[slot];
    a->count = count;
}

static void make_ctx(node_case *c, op_ctx *ctx, const dnnx_tensor **inputs, dnnx_tensor *outputs,
                     dnnx_tensor **output_ptrs, bool concrete)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->node = &c->node;
    ctx->graph = c->g;
    ctx->opset = c->node.opset;
    ctx->n_inputs = c->n_inputs;
    ctx->inputs = inputs;
    ctx->n_outputs = c->n_outputs;
    ctx->outputs = output_ptrs;
    ctx->concrete = concrete;
    for (int i = 0; i < c->n_outputs; i++) {
        memset(&outputs[i], 0, sizeof outputs[i]);
        output_ptrs[i] = c->output_present[i] ? &outputs[i] : NULL;
    }
}

/* Runs infer (run time), allocates the outputs and runs either the reference or kernel. */
static dnnx_status run_once(node_case *c, const backend *be, backend_kernel *kernel, dnnx_tensor *outputs)
{
    const dnnx_tensor *inputs[MAX_IO];
    dnnx_tensor *output_ptrs[MAX_IO];
    for (int i = 0; i < c->n_inputs; i++)
        inputs[i] = c->present[i] ? &c->inputs[i] : NULL;
    op_ctx ctx;
    make_ctx(c, &ctx, inputs, outputs, output_ptrs, true);
    dnnx_status status = c->node.schema->infer(&ctx);
    if (!status)
        status = ctx.status;
    for (int i = 0; i < c->n_outputs && !status; i++)
        if (output_ptrs[i])
            status = tensor_alloc_data(output_ptrs[i]);
    if (!status)
        status = kernel ? be->run(kernel, &ctx) : c->node.schema->run(&ctx);
    return status ? status : ctx.status;
}

static void clear_outputs(node_case *c, dnnx_tensor *outputs)
{
    for (int i = 0; i < c->n_outputs; i++)
        tensor_clear(&outputs[i]);
}

/* The load-time view of the node: constants with data, other inputs as shapes only. */
static void load_ctx(node_case *c, op_ctx *ctx, const dnnx_tensor **inputs, dnnx_tensor *infos, dnnx_tensor *outputs,
                     dnnx_tensor **output_ptrs)
{
    for (int i = 0; i < c->n_inputs; i++) {
        infos[i] = c->inputs[i];
        if (!c->constant[i]) {
            infos[i].data = NULL;
            for (int d = 0; c->symbolic && d < infos[i].rank; d++) {
                infos[i].dims[d] = DIM_UNKNOWN;
                c->hidden_dims = true;
            }
        }
        inputs[i] = c->present[i] ? &infos[i] : NULL;
    }
    make_ctx(c, ctx, inputs, outputs, output_ptrs, false);
    assert_int_equal(c->node.schema->infer(ctx), DNNX_OK);
}

/* Whether the backend accepts the node; why gets its reason when not. */
static bool case_supported(node_case *c, char *why, size_t why_size)
{
    const backend *be = backend_onednn();
    backend_options options = {1, false};
    backend_session *session;
    assert_int_equal(be->session_create(&options, &session), DNNX_OK);
    const dnnx_tensor *inputs[MAX_IO];
    dnnx_tensor infos[MAX_IO], outputs[MAX_IO], *output_ptrs[MAX_IO];
    op_ctx ctx;
    load_ctx(c, &ctx, inputs, infos, outputs, output_ptrs);
    why[0] = '\0';
    bool ok = be->supports(session, &ctx, why, why_size);
    clear_outputs(c, outputs);
    be->session_free(session);
    return ok;
}

static bool near(float actual, float expected, double rtol, double atol)
{
    if (isnan(expected))
        return isnan(actual);
    if (isinf(expected))
        return actual == expected;
    return fabs((double)actual - (double)expected) <= atol + rtol * fabs((double)expected);
}

static void compare(const node_case *c, const dnnx_tensor *actual, const dnnx_tensor *expected, double rtol,
                    double atol)
{
    assert_int_equal(actual->dtype, expected->dtype);
    assert_true(tensor_same_shape(actual, expected));
    size_t n = tensor_count(expected);
    if (expected->dtype != DNNX_DTYPE_FLOAT) {
        assert_memory_equal(actual->data, expected->data, tensor_bytes(expected));
        return;
    }
    const float *a = actual->data, *e = expected->data;
    for (size_t k = 0; k < n; k++)
        if (!near(a[k], e[k], rtol, atol)) {
            char shape[128];
            tensor_format_shape(expected, shape, sizeof shape);
            fail_msg("%s%s%s-%d output %s element %zu: onednn %.9g, reference %.9g", c->node.domain,
                     c->node.domain[0] ? "." : "", c->node.op_type, c->node.opset, shape, k, (double)a[k],
                     (double)e[k]);
        }
}

/* Runs the node on the oneDNN backend twice and on the reference once; checks the outputs and
 * when primitives are created: at compile time for static shapes, else on the first run, and
 * never on the second. */
static void case_check(node_case *c, double rtol, double atol)
{
    const backend *be = backend_onednn();
    backend_options options = {c->threads, c->bf16};
    backend_session *session;
    assert_int_equal(be->session_create(&options, &session), DNNX_OK);
    const dnnx_tensor *inputs[MAX_IO];
    dnnx_tensor infos[MAX_IO], load_outputs[MAX_IO], *output_ptrs[MAX_IO];
    op_ctx ctx;
    load_ctx(c, &ctx, inputs, infos, load_outputs, output_ptrs);
    char why[160] = "";
    if (!be->supports(session, &ctx, why, sizeof why))
        fail_msg("%s-%d declined: %s", c->node.op_type, c->node.opset, why);
    backend_kernel *kernel;
    assert_int_equal(be->compile(session, &ctx, &kernel), DNNX_OK);
    clear_outputs(c, load_outputs);
    size_t at_compile = onednn_primitives_created(session);
    if (c->hidden_dims)
        assert_int_equal(at_compile, 0);

    dnnx_tensor expected[MAX_IO], actual[MAX_IO];
    assert_int_equal(run_once(c, be, NULL, expected), DNNX_OK);
    dnnx_status status = run_once(c, be, kernel, actual);
    if (status)
        fail_msg("%s: %s", c->node.op_type, dnnx_last_error());
    size_t created = onednn_primitives_created(session);
    if (!c->hidden_dims)
        assert_int_equal(created, at_compile);
    if (c->expect != EXPECT_EITHER && (c->expect == EXPECT_PRIMITIVES) != (created > 0)) {
        char shapes[2][128];
        tensor_format_shape(&c->inputs[0], shapes[0], sizeof shapes[0]);
        tensor_format_shape(&c->inputs[1], shapes[1], sizeof shapes[1]);
        fail_msg("%s-%d on %s and %s: %zu primitives created, expected %s", c->node.op_type, c->node.opset, shapes[0],
                 c->n_inputs > 1 ? shapes[1] : "-", created, c->expect == EXPECT_PRIMITIVES ? "some" : "none");
    }
    for (int i = 0; i < c->n_outputs; i++)
        if (c->output_present[i])
            compare(c, &actual[i], &expected[i], rtol, atol);
    clear_outputs(c, actual);
    assert_int_equal(run_once(c, be, kernel, actual), DNNX_OK);
    assert_int_equal(onednn_primitives_created(session), created);
    for (int i = 0; i < c->n_outputs; i++)
        if (c->output_present[i])
            compare(c, &actual[i], &expected[i], rtol, atol);
    clear_outputs(c, actual);
    clear_outputs(c, expected);
    be->kernel_free(kernel);
    be->session_free(session);
}

#define EXACT 1e-6, 1e-6
#define APPROX 1e-4, 1e-5

static void check_matmul(int ra, const int64_t *da, int rb, const int64_t *db, bool constant_b)
{
    for (int symbolic = 0; symbolic < 2; symbolic++) {
        node_case *c = case_new("", "MatMul", 13, 1);
        case_floats(c, 0, ra, da, false);
        case_floats(c, 1, rb, db, constant_b);
        c->symbolic = symbolic;
        int64_t k = da[ra - 1];
        case_check(c, 1e-4, 1e-5 * (double)k);
        case_free(c);
    }
}

static void test_matmul_shapes(void **state)
{
    (void)state;
    static const struct {
        int ra, rb;
        int64_t a[4], b[4];
    } shapes[] = {
        {2, 2, {1, 1}, {1, 1}},
        {2, 2, {3, 5}, {5, 7}},
        {2, 2, {17, 33}, {33, 9}},
        {2, 2, {64, 128}, {128, 96}},
        {3, 2, {2, 7, 16}, {16, 5}},
        {3, 3, {3, 4, 8}, {3, 8, 6}},
        {3, 3, {1, 4, 8}, {3, 8, 6}},
        {3, 3, {3, 4, 8}, {1, 8, 6}},
        {4, 4, {2, 3, 5, 7}, {2, 3, 7, 4}},
        {4, 4, {4, 1, 5, 7}, {1, 3, 7, 4}},
        {4, 2, {2, 3, 5, 7}, {7, 4}},
        {2, 4, {5, 7}, {2, 3, 7, 4}},
        {1, 3, {6}, {2, 6, 5}},
        {3, 1, {2, 5, 6}, {6}},
        {1, 1, {9}, {9}},
        {1, 2, {9}, {9, 3}},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int constant = 0; constant < 2; constant++)
            check_matmul(shapes[s].ra, shapes[s].a, shapes[s].rb, shapes[s].b, constant);
}

static void test_matmul_random_shapes(void **state)
{
    (void)state;
    for (int trial = 0; trial < 24; trial++) {
        int ra = random_int(2, 4), rb = random_int(2, 4);
        int64_t a[4], b[4], m = random_int(1, 40), k = random_int(1, 70), n = random_int(1, 50);
        int batch = (ra > rb ? ra : rb) - 2;
        for (int d = 0; d < batch; d++) {
            int64_t size = random_int(1, 3);
            int da = d - (batch - (ra - 2)), db = d - (batch - (rb - 2));
            bool a_one = random_int(0, 3) == 0, b_one = random_int(0, 3) == 0;
            if (da >= 0)
                a[da] = a_one ? 1 : size;
            if (db >= 0)
                b[db] = b_one && !a_one ? 1 : size;
        }
        a[ra - 2] = m;
        a[ra - 1] = k;
        b[rb - 2] = k;
        b[rb - 1] = n;
        check_matmul(ra, a, rb, b, random_int(0, 1));
    }
}

/* A BERT-size projection: [1, 128, 768] x [768, 3072] (B constant) and x [768, 768]. */
static void test_matmul_bert_size(void **state)
{
    (void)state;
    int64_t a[3] = {1, 128, 768}, b[2] = {768, 3072}, b2[2] = {768, 768}, b3[2] = {3072, 768};
    int64_t a3[3] = {2, 128, 3072};
    check_matmul(3, a, 2, b, true);
    check_matmul(3, a, 2, b2, true);
    check_matmul(3, a3, 2, b3, true);
}

static void test_matmul_threads_and_bf16(void **state)
{
    (void)state;
    int64_t a[3] = {2, 33, 96}, b[2] = {96, 80};
    node_case *c = case_new("", "MatMul", 13, 1);
    case_floats(c, 0, 3, a, false);
    case_floats(c, 1, 2, b, true);
    c->threads = 2;
    case_check(c, 1e-4, 1e-5 * 96);
    c->threads = 1;
    c->bf16 = true;
    case_check(c, 2e-2, 2e-2 * sqrt(96.0));
    case_free(c);
}

/* bf16 fpmath reaches the fused forms too: bias, activation and residual stay float32. */
static void test_fused_and_gemm_bf16(void **state)
{
    (void)state;
    int64_t a[3] = {2, 20, 64}, b[2] = {64, 48}, y[3] = {2, 20, 48}, n = 48;
    node_case *c = case_new("dnnx", "FusedMatMul", 1, 1);
    case_floats(c, 0, 3, a, false);
    case_floats(c, 1, 2, b, true);
    case_floats(c, 2, 1, &n, true);
    case_floats(c, 3, 3, y, false);
    case_attr_string(c, "activation", "Gelu");
    c->bf16 = true;
    case_check(c, 2e-2, 2e-2 * sqrt(64.0));
    case_free(c);
    int64_t ga[2] = {20, 64}, gb[2] = {48, 64};
    c = case_new("", "Gemm", 13, 1);
    case_floats(c, 0, 2, ga, false);
    case_floats(c, 1, 2, gb, true);
    case_floats(c, 2, 1, &n, true);
    case_attr_int(c, "transB", 1);
    c->bf16 = true;
    case_check(c, 2e-2, 2e-2 * sqrt(64.0));
    case_free(c);
}

static void test_matmul_declines(void **state)
{
    (void)state;
    char why[160];
    int64_t a[2] = {2, 3}, b[2] = {3, 4}, big[5] = {1, 1, 1, 2, 3};
    node_case *c = case_new("", "MatMul", 13, 1);
    case_input(c, 0, DNNX_DTYPE_INT64, 2, a, (int64_t[6]){0}, false);
    case_input(c, 1, DNNX_DTYPE_INT64, 2, b, (int64_t[12]){0}, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "int64"));
    case_free(c);
    c = case_new("", "MatMul", 13, 1);
    case_floats(c, 0, 5, big, false);
    case_floats(c, 1, 2, b, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "rank"));
    case_free(c);
}

static void check_gemm(int64_t m, int64_t k, int64_t n, int trans_a, int trans_b, float alpha, float beta, int c_rank,
                       const int64_t *c_dims, bool constant_b, bool constant_c)
{
    node_case *c = case_new("", "Gemm", 13, 1);
    int64_t a_dims[2] = {trans_a ? k : m, trans_a ? m : k}, b_dims[2] = {trans_b ? n : k, trans_b ? k : n};
    case_floats(c, 0, 2, a_dims, false);
    case_floats(c, 1, 2, b_dims, constant_b);
    if (c_rank >= 0)
        case_floats(c, 2, c_rank, c_dims, constant_c);
    if (trans_a)
        case_attr_int(c, "transA", 1);
    if (trans_b)
        case_attr_int(c, "transB", 1);
    if (alpha != 1.0f)
        case_attr_float(c, "alpha", alpha);
    if (beta != 1.0f)
        case_attr_float(c, "beta", beta);
    /* A C that varies along M only is a per-row post-op oneDNN's jit matmul lacks. */
    if (c_rank == 2 && c_dims[0] == m && c_dims[1] == 1 && m > 1 && beta != 0.0f)
        c->expect = EXPECT_EITHER;
    case_check(c, 1e-4, 1e-5 * (double)k);
    case_free(c);
}

static void test_gemm(void **state)
{
    (void)state;
    const int64_t m = 13, k = 29, n = 11;
    const int64_t c_shapes[][2] = {{n, 0}, {1, n}, {m, n}, {m, 1}, {1, 1}, {0, 0}};
    const int c_ranks[] = {1, 2, 2, 2, 2, 0};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int constant = 0; constant < 2; constant++) {
                check_gemm(m, k, n, ta, tb, 1.0f, 1.0f, -1, NULL, constant, false);
                for (size_t s = 0; s < sizeof c_ranks / sizeof c_ranks[0]; s++) {
                    check_gemm(m, k, n, ta, tb, 1.0f, 1.0f, c_ranks[s], c_shapes[s], constant, constant);
                    check_gemm(m, k, n, ta, tb, 0.5f, 1.0f, c_ranks[s], c_shapes[s], constant, false);
                    check_gemm(m, k, n, ta, tb, 2.0f, -0.25f, c_ranks[s], c_shapes[s], constant, true);
                    check_gemm(m, k, n, ta, tb, 1.5f, 0.0f, c_ranks[s], c_shapes[s], constant, false);
                }
            }
    check_gemm(1, 768, 768, 0, 1, 1.0f, 1.0f, 1, (int64_t[]){768}, true, true);
}

static void test_gemm_declines_scaled_variable_c(void **state)
{
    (void)state;
    char why[160];
    int64_t dims[2] = {4, 4};
    node_case *c = case_new("", "Gemm", 13, 1);
    case_floats(c, 0, 2, dims, false);
    case_floats(c, 1, 2, dims, true);
    case_floats(c, 2, 2, dims, false);
    case_attr_float(c, "beta", 0.5f);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "beta"));
    case_free(c);
}

static const char *const activations[] = {"", "Relu", "Tanh", "Gelu", "GeluTanh"};

static node_case *fused_case(int ra, const int64_t *a, int rb, const int64_t *b, int trans_b, bool bias,
                             int residual_rank, const int64_t *residual, const char *activation, bool constant_b)
{
    node_case *c = case_new("dnnx", "FusedMatMul", 1, 1);
    case_floats(c, 0, ra, a, false);
    case_floats(c, 1, rb, b, constant_b);
    int64_t n = rb == 1 ? 1 : b[rb - (trans_b ? 2 : 1)];
    if (bias)
        case_floats(c, 2, 1, &n, true);
    else if (residual_rank >= 0)
        case_omit_input(c, 2);
    if (residual_rank >= 0)
        case_floats(c, 3, residual_rank, residual, false);
    if (activation[0])
        case_attr_string(c, "activation", activation);
    if (trans_b)
        case_attr_int(c, "transB", 1);
    return c;
}

static void test_fused_matmul_onednn(void **state)
{
    (void)state;
    int64_t a[3] = {2, 9, 24}, b[2] = {24, 17}, bt[2] = {17, 24}, y[3] = {2, 9, 17}, row[1] = {17};
    int64_t a4[4] = {2, 3, 5, 8}, b4[4] = {2, 3, 8, 6}, b4t[4] = {2, 3, 6, 8}, y4[4] = {2, 3, 5, 6};
    for (size_t act = 0; act < sizeof activations / sizeof activations[0]; act++)
        for (int tb = 0; tb < 2; tb++)
            for (int bias = 0; bias < 2; bias++)
                for (int residual = 0; residual < 3; residual++)
                    for (int constant = 0; constant < 2; constant++) {
                        int rr = residual == 0 ? -1 : residual == 1 ? 3 : 1;
                        node_case *c = fused_case(3, a, 2, tb ? bt : b, tb, bias, rr, residual == 1 ? y : row,
                                                  activations[act], constant);
                        case_check(c, 1e-4, 1e-5 * 24);
                        case_free(c);
                    }
    node_case *c = fused_case(4, a4, 4, b4, 0, true, 4, y4, "Gelu", false);
    case_check(c, 1e-4, 1e-4);
    case_free(c);
    c = fused_case(4, a4, 4, b4t, 1, true, 4, y4, "Relu", true);
    case_check(c, 1e-4, 1e-4);
    case_free(c);
    /* Residuals that span Y's rows, broadcast over the batch, or over rows and batch. */
    int64_t a1[3] = {4, 1, 8}, b1[2] = {8, 5}, y1[3] = {4, 1, 5}, mn[2] = {9, 17}, one_row[3] = {1, 1, 17};
    c = fused_case(3, a1, 2, b1, 0, true, 3, y1, "Tanh", true);
    case_check(c, 1e-4, 1e-4);
    case_free(c);
    c = fused_case(3, a, 2, b, 0, false, 2, mn, "", true);
    c->expect = EXPECT_EITHER; /* a residual broadcast over the batch only */
    case_check(c, 1e-4, 1e-4);
    case_free(c);
    c = fused_case(3, a, 2, b, 0, true, 3, one_row, "Relu", false);
    case_check(c, 1e-4, 1e-4);
    case_free(c);
    /* A 1-D operand with a residual: the reference. */
    int64_t k1[1] = {24}, n1[1] = {17};
    c = fused_case(1, k1, 2, b, 0, true, 1, n1, "", true);
    c->expect = EXPECT_REFERENCE;
    case_check(c, 1e-4, 1e-4);
    case_free(c);
    int64_t big_a[3] = {1, 128, 768}, big_b[2] = {768, 3072}, big_y[3] = {1, 128, 3072};
    c = fused_case(3, big_a, 2, big_b, 0, true, 3, big_y, "Gelu", true);
    case_check(c, 1e-4, 1e-5 * 768);
    case_free(c);
}

/* Runs one op through its reference kernel on the given input tensors. */
static dnnx_tensor *reference(const char *op_type, int opset, const dnnx_tensor *const *inputs, int n_inputs,
                              const char *attr_name, const char *attr_value)
{
    node_case *c = case_new("", op_type, opset, 1);
    for (int i = 0; i < n_inputs; i++)
        case_input(c, i, inputs[i]->dtype, inputs[i]->rank, inputs[i]->dims, inputs[i]->data, false);
    if (attr_name)
        case_attr_string(c, attr_name, attr_value);
    dnnx_tensor out[MAX_IO];
    assert_int_equal(run_once(c, NULL, NULL, out), DNNX_OK);
    dnnx_tensor *result;
    assert_int_equal(tensor_clone(&out[0], &result), DNNX_OK);
    clear_outputs(c, out);
    case_free(c);
    return result;
}

/* The reference FusedMatMul equals the chain it replaces: MatMul (of B transposed by
 * Transpose when transB), Add bias, the activation, Add residual. */
static void test_fused_matmul_reference_is_the_chain(void **state)
{
    (void)state;
    int64_t a[3] = {3, 5, 12}, bt[2] = {7, 12}, y[3] = {3, 5, 7}, n = 7;
    for (size_t act = 0; act < sizeof activations / sizeof activations[0]; act++) {
        node_case *c = fused_case(3, a, 2, bt, 1, true, 3, y, activations[act], true);
        dnnx_tensor fused[MAX_IO];
        assert_int_equal(run_once(c, NULL, NULL, fused), DNNX_OK);

        const dnnx_tensor *x[2] = {&c->inputs[1], NULL};
        dnnx_tensor *b = reference("Transpose", 13, x, 1, NULL, NULL);
        x[0] = &c->inputs[0];
        x[1] = b;
        dnnx_tensor *t = reference("MatMul", 13, x, 2, NULL, NULL), *next;
        dnnx_tensor bias;
        tensor_init_shape(&bias, DNNX_DTYPE_FLOAT, 1, &n);
        bias.data = c->inputs[2].data;
        x[0] = t;
        x[1] = &bias;
        next = reference("Add", 14, x, 2, NULL, NULL);
        dnnx_tensor_free(t);
        t = next;
        x[0] = t;
        if (!strcmp(activations[act], "Relu") || !strcmp(activations[act], "Tanh"))
            next = reference(activations[act], 14 - (activations[act][0] == 'T'), x, 1, NULL, NULL);
        else if (activations[act][0])
            next = reference("Gelu", 20, x, 1, "approximate", strcmp(activations[act], "Gelu") ? "tanh" : "none");
        else
            next = NULL;
        if (next) {
            dnnx_tensor_free(t);
            t = next;
        }
        x[0] = t;
        x[1] = &c->inputs[3];
        next = reference("Add", 14, x, 2, NULL, NULL);
        compare(c, &fused[0], next, 1e-5, 1e-6);
        dnnx_tensor_free(next);
        dnnx_tensor_free(t);
        dnnx_tensor_free(b);
        clear_outputs(c, fused);
        case_free(c);
    }
}

static void test_fused_matmul_infer_errors(void **state)
{
    (void)state;
    int64_t a[2] = {2, 3}, b[2] = {3, 4}, bad_bias[1] = {5}, bad_residual[2] = {3, 4};
    node_case *c = fused_case(2, a, 2, b, 0, false, -1, NULL, "Swish", false);
    dnnx_tensor out[MAX_IO];
    assert_int_equal(run_once(c, NULL, NULL, out), DNNX_ERR_INVALID_MODEL);
    assert_non_null(strstr(dnnx_last_error(), "activation"));
    clear_outputs(c, out);
    case_free(c);
    c = fused_case(2, a, 2, b, 0, false, -1, NULL, "", false);
    case_floats(c, 2, 1, bad_bias, true);
    assert_int_not_equal(run_once(c, NULL, NULL, out), DNNX_OK);
    assert_non_null(strstr(dnnx_last_error(), "bias"));
    clear_outputs(c, out);
    case_free(c);
    c = fused_case(2, a, 2, b, 0, false, 2, bad_residual, "", false);
    assert_int_not_equal(run_once(c, NULL, NULL, out), DNNX_OK);
    assert_non_null(strstr(dnnx_last_error(), "residual"));
    clear_outputs(c, out);
    case_free(c);
}

static void test_softmax(void **state)
{
    (void)state;
    static const char *const ops[] = {"Softmax", "LogSoftmax"};
    static const int opsets[] = {11, 13};
    for (int op = 0; op < 2; op++)
        for (int o = 0; o < 2; o++)
            for (int rank = 1; rank <= 4; rank++) {
                int64_t dims[4];
                for (int d = 0; d < rank; d++)
                    dims[d] = random_int(1, 9) + (d == rank - 1) * 20;
                int last = opsets[o] < 13 ? rank : rank - 1;
                for (int axis = -rank; axis <= last; axis++) {
                    node_case *c = case_new("", ops[op], opsets[o], 1);
                    float *x = case_floats(c, 0, rank, dims, false);
                    for (size_t k = 0; k < tensor_count(&c->inputs[0]); k++)
                        x[k] *= 8.0f;
                    case_attr_int(c, "axis", axis);
                    c->symbolic = random_int(0, 1);
                    /* oneDNN has jit softmax along the innermost axis only. */
                    if (opsets[o] >= 13 && (axis + rank) % rank != rank - 1)
                        c->expect = EXPECT_EITHER;
                    case_check(c, APPROX);
                    case_free(c);
                }
            }
    int64_t scores[4] = {1, 12, 128, 128};
    node_case *c = case_new("", "Softmax", 13, 1);
    case_floats(c, 0, 4, scores, false);
    case_check(c, APPROX);
    case_free(c);
}

static void test_layernorm(void **state)
{
    (void)state;
    int64_t shapes[][4] = {{2, 7, 33, 0}, {1, 128, 768, 0}, {3, 4, 5, 6}, {5, 1, 1, 0}};
    int ranks[] = {3, 3, 4, 3};
    for (size_t s = 0; s < sizeof ranks / sizeof ranks[0]; s++)
        for (int axis = -1; axis >= -ranks[s]; axis--)
            for (int bias = 0; bias < 2; bias++)
                for (int leading_one = 0; leading_one < 2; leading_one++) {
                    int rank = ranks[s], from = rank + axis;
                    int64_t param[5] = {1};
                    memcpy(param + leading_one, shapes[s] + from, (size_t)(rank - from) * sizeof *param);
                    node_case *c = case_new("", "LayerNormalization", 17, 1);
                    float *x = case_floats(c, 0, rank, shapes[s], false);
                    for (size_t k = 0; k < tensor_count(&c->inputs[0]); k++)
                        x[k] = x[k] * 3.0f + 0.5f;
                    case_floats(c, 1, rank - from + leading_one, param, true);
                    if (bias)
                        case_floats(c, 2, rank - from + leading_one, param, leading_one);
                    if (axis != -1)
                        case_attr_int(c, "axis", axis);
                    case_attr_float(c, "epsilon", 1e-5f);
                    c->symbolic = random_int(0, 1);
                    case_check(c, 1e-4, 2e-5);
                    case_free(c);
                }
}

static void test_layernorm_declines(void **state)
{
    (void)state;
    char why[160];
    int64_t dims[2] = {4, 6}, one[1] = {1};
    node_case *c = case_new("", "LayerNormalization", 17, 3);
    case_floats(c, 0, 2, dims, false);
    case_floats(c, 1, 1, dims + 1, true);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "Mean"));
    case_free(c);
    c = case_new("", "LayerNormalization", 17, 1);
    case_floats(c, 0, 2, dims, false);
    case_floats(c, 1, 1, one, true);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "broadcast"));
    case_free(c);
}

static void check_unary(const char *op_type, int opset, int rank, const int64_t *dims, float scale, float offset,
                        bool positive)
{
    node_case *c = case_new("", op_type, opset, 1);
    float *x = case_floats(c, 0, rank, dims, false);
    for (size_t k = 0; k < tensor_count(&c->inputs[0]); k++)
        x[k] = (positive ? fabsf(x[k]) : x[k]) * scale + offset;
    c->symbolic = random_int(0, 1);
    case_check(c, APPROX);
    case_free(c);
}

static void test_eltwise(void **state)
{
    (void)state;
    int64_t shapes[][4] = {{1, 1, 1, 1}, {3, 5, 7, 0}, {2, 128, 77, 0}, {1001, 0, 0, 0}};
    int ranks[] = {4, 3, 3, 1};
    for (size_t s = 0; s < sizeof ranks / sizeof ranks[0]; s++) {
        check_unary("Relu", 14, ranks[s], shapes[s], 4.0f, 0.0f, false);
        check_unary("Relu", 6, ranks[s], shapes[s], 4.0f, 0.0f, false);
        check_unary("Tanh", 13, ranks[s], shapes[s], 6.0f, 0.0f, false);
        check_unary("Sigmoid", 13, ranks[s], shapes[s], 12.0f, 0.0f, false);
        check_unary("Exp", 13, ranks[s], shapes[s], 20.0f, 0.0f, false);
        check_unary("Log", 13, ranks[s], shapes[s], 50.0f, 1e-3f, true);
        check_unary("Sqrt", 13, ranks[s], shapes[s], 100.0f, 0.0f, true);
        check_unary("Abs", 13, ranks[s], shapes[s], 3.0f, 0.0f, false);
        check_unary("Gelu", 20, ranks[s], shapes[s], 5.0f, 0.0f, false);
    }
    int64_t dims[2] = {17, 19};
    node_case *c = case_new("", "Gelu", 20, 1);
    case_floats(c, 0, 2, dims, false);
    case_attr_string(c, "approximate", "tanh");
    case_check(c, APPROX);
    case_free(c);
}

static void test_clip(void **state)
{
    (void)state;
    int64_t dims[3] = {3, 9, 11};
    node_case *c = case_new("", "Clip", 6, 1);
    case_floats(c, 0, 3, dims, false);
    case_attr_float(c, "min", -0.25f);
    case_attr_float(c, "max", 0.5f);
    case_check(c, EXACT);
    case_free(c);
    c = case_new("", "Clip", 6, 1);
    case_floats(c, 0, 3, dims, false);
    case_attr_float(c, "max", 0.1f);
    case_check(c, EXACT);
    case_free(c);
    for (int bounds = 1; bounds < 4; bounds++) {
        float lo = -0.3f, hi = 0.2f;
        c = case_new("", "Clip", 13, 1);
        case_floats(c, 0, 3, dims, false);
        if (bounds & 1)
            case_input(c, 1, DNNX_DTYPE_FLOAT, 0, NULL, &lo, true);
        else
            case_omit_input(c, 1);
        if (bounds & 2)
            case_input(c, 2, DNNX_DTYPE_FLOAT, 0, NULL, &hi, true);
        case_check(c, EXACT);
        case_free(c);
    }
    char why[160];
    float lo = 1.0f, hi = -1.0f;
    c = case_new("", "Clip", 13, 1);
    case_floats(c, 0, 3, dims, false);
    case_input(c, 1, DNNX_DTYPE_FLOAT, 0, NULL, &lo, true);
    case_input(c, 2, DNNX_DTYPE_FLOAT, 0, NULL, &hi, true);
    assert_false(case_supported(c, why, sizeof why));
    case_free(c);
    c = case_new("", "Clip", 13, 1);
    case_floats(c, 0, 3, dims, false);
    case_input(c, 1, DNNX_DTYPE_FLOAT, 0, NULL, &lo, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "constant"));
    case_free(c);
}

static void check_binary(const char *op_type, int ra, const int64_t *a, int rb, const int64_t *b, bool accelerated)
{
    node_case *c = case_new("", op_type, strcmp(op_type, "Max") && strcmp(op_type, "Min") ? 14 : 13, 1);
    case_floats(c, 0, ra, a, false);
    float *y = case_floats(c, 1, rb, b, random_int(0, 1));
    if (!strcmp(op_type, "Div"))
        for (size_t k = 0; k < tensor_count(&c->inputs[1]); k++)
            y[k] = y[k] >= 0 ? y[k] + 0.25f : y[k] - 0.25f;
    c->expect = accelerated ? EXPECT_PRIMITIVES : EXPECT_REFERENCE;
    c->symbolic = random_int(0, 1);
    case_check(c, 1e-6, 1e-6);
    case_free(c);
}

static void test_binary(void **state)
{
    (void)state;
    static const char *const ops[] = {"Add", "Sub", "Mul", "Div", "Max", "Min"};
    int64_t full[3] = {4, 6, 35}, row[1] = {35}, col[3] = {4, 6, 1}, mid[3] = {1, 6, 1}, one[1] = {1};
    int64_t left[2] = {3, 1}, right[2] = {1, 5}, big[3] = {1, 128, 768}, bias[1] = {768};
    for (size_t op = 0; op < sizeof ops / sizeof ops[0]; op++) {
        check_binary(ops[op], 3, full, 3, full, true);
        check_binary(ops[op], 3, full, 1, row, true);
        check_binary(ops[op], 3, full, 3, col, true);
        check_binary(ops[op], 3, full, 3, mid, true);
        check_binary(ops[op], 3, full, 0, one, true);
        check_binary(ops[op], 3, full, 1, one, true);
        check_binary(ops[op], 0, one, 0, one, true);
        check_binary(ops[op], 3, big, 1, bias, true);
        /* The first input broadcast: swapped (Sub negated); Div goes to the reference. */
        check_binary(ops[op], 1, row, 3, full, strcmp(ops[op], "Div") != 0);
        check_binary(ops[op], 3, mid, 3, full, strcmp(ops[op], "Div") != 0);
        /* Both broadcast: the reference. */
        check_binary(ops[op], 2, left, 2, right, false);
    }
}

static void test_binary_declines(void **state)
{
    (void)state;
    char why[160];
    int64_t dims[2] = {2, 3};
    node_case *c = case_new("", "Max", 13, 1);
    case_floats(c, 0, 2, dims, false);
    case_floats(c, 1, 2, dims, false);
    case_floats(c, 2, 2, dims, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "inputs"));
    case_free(c);
    c = case_new("", "Add", 14, 1);
    case_input(c, 0, DNNX_DTYPE_INT32, 2, dims, (int32_t[6]){0}, false);
    case_input(c, 1, DNNX_DTYPE_INT32, 2, dims, (int32_t[6]){0}, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "int32"));
    case_free(c);
    c = case_new("", "Add", 6, 1);
    case_floats(c, 0, 2, dims, false);
    case_floats(c, 1, 2, dims, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "legacy"));
    case_free(c);
}

static void test_pow(void **state)
{
    (void)state;
    int64_t dims[3] = {3, 17, 5};
    const float exponents[] = {2.0f, 0.5f, 3.0f, -1.0f, 1.5f, 0.0f};
    for (size_t e = 0; e < sizeof exponents / sizeof exponents[0]; e++) {
        node_case *c = case_new("", "Pow", 15, 1);
        float *x = case_floats(c, 0, 3, dims, false);
        bool integral = exponents[e] == floorf(exponents[e]);
        for (size_t k = 0; k < tensor_count(&c->inputs[0]); k++)
            x[k] = integral ? x[k] * 3.0f : fabsf(x[k]) * 3.0f + 0.01f;
        case_input(c, 1, DNNX_DTYPE_FLOAT, 0, NULL, &exponents[e], true);
        case_check(c, APPROX);
        case_free(c);
    }
    int64_t two = 2, one = 1;
    node_case *c = case_new("", "Pow", 15, 1);
    case_floats(c, 0, 3, dims, false);
    case_input(c, 1, DNNX_DTYPE_INT64, 1, &one, &two, true);
    case_check(c, APPROX);
    case_free(c);
    char why[160];
    c = case_new("", "Pow", 15, 1);
    case_floats(c, 0, 3, dims, false);
    case_floats(c, 1, 0, NULL, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "constant"));
    case_free(c);
}

static void check_reduce(const char *op_type, int opset, int rank, const int64_t *dims, const int64_t *axes,
                         size_t n_axes, int keepdims, bool axes_input)
{
    node_case *c = case_new("", op_type, opset, 1);
    case_floats(c, 0, rank, dims, false);
    if (axes_input) {
        int64_t count = (int64_t)n_axes;
        if (n_axes)
            case_input(c, 1, DNNX_DTYPE_INT64, 1, &count, axes, true);
    } else if (n_axes) {
        case_attr_ints(c, "axes", axes, n_axes);
    }
    if (keepdims != 1)
        case_attr_int(c, "keepdims", keepdims);
    c->symbolic = random_int(0, 1);
    /* oneDNN's jit reductions cover trailing axes only. */
    bool trailing = n_axes > 0;
    for (size_t k = 0; k < n_axes; k++)
        trailing &= (axes[k] + rank) % rank >= rank - (int)n_axes;
    if (!trailing)
        c->expect = EXPECT_EITHER;
    case_check(c, APPROX);
    case_free(c);
}

static void test_reduce(void **state)
{
    (void)state;
    static const char *const ops[] = {"ReduceSum", "ReduceMean", "ReduceMax"};
    int64_t dims[4] = {3, 8, 5, 33};
    const int64_t axis_sets[][3] = {{-1}, {0}, {1, 2}, {0, 3}, {-3, -1}, {0, 1, 2}};
    const size_t counts[] = {1, 1, 2, 2, 2, 3};
    for (int op = 0; op < 3; op++) {
        int axes_from_input = op == 0 ? 13 : 18;
        for (size_t s = 0; s < sizeof counts / sizeof counts[0]; s++)
            for (int keep = 0; keep < 2; keep++) {
                check_reduce(ops[op], 11, 4, dims, axis_sets[s], counts[s], keep, false);
                check_reduce(ops[op], axes_from_input, 4, dims, axis_sets[s], counts[s], keep, true);
            }
        check_reduce(ops[op], 11, 4, dims, NULL, 0, 1, false);
        check_reduce(ops[op], axes_from_input, 4, dims, NULL, 0, 0, true);
    }
    int64_t hidden[3] = {1, 128, 768}, last = -1;
    check_reduce("ReduceMean", 13, 3, hidden, &last, 1, 1, false);
}

static void test_reduce_declines(void **state)
{
    (void)state;
    char why[160];
    int64_t dims[2] = {3, 4}, two = 2;
    node_case *c = case_new("", "ReduceSum", 13, 1);
    case_floats(c, 0, 2, dims, false);
    case_input(c, 1, DNNX_DTYPE_INT64, 1, &two, (int64_t[2]){0, 1}, false);
    assert_false(case_supported(c, why, sizeof why));
    assert_non_null(strstr(why, "axes"));
    case_free(c);
    c = case_new("", "ReduceSum", 13, 1);
    case_floats(c, 0, 2, dims, false);
    case_attr_int(c, "noop_with_empty_axes", 1);
    assert_false(case_supported(c, why, sizeof why));
    case_free(c);
}

typedef struct conv_spec {
    int spatial;
    int64_t n, c, m, group;
    int64_t in[2], kernel[2], stride[2], dilation[2], pads[4];
    const char *auto_pad;
    bool bias, constant;
} conv_spec;

static void check_conv(const conv_spec *s)
{
    node_case *c = case_new("", "Conv", 11, 1);
    int rank = s->spatial + 2;
    int64_t x[4] = {s->n, s->c}, w[4] = {s->m, s->c / s->group};
    for (int d = 0; d < s->spatial; d++) {
        x[2 + d] = s->in[d];
        w[2 + d] = s->kernel[d];
    }
    case_floats(c, 0, rank, x, false);
    case_floats(c, 1, rank, w, s->constant);
    if (s->bias)
        case_floats(c, 2, 1, &s->m, s->constant);
    if (s->group != 1)
        case_attr_int(c, "group", s->group);
    case_attr_ints(c, "strides", s->stride, (size_t)s->spatial);
    case_attr_ints(c, "dilations", s->dilation, (size_t)s->spatial);
    if (s->auto_pad)
        case_attr_string(c, "auto_pad", s->auto_pad);
    else
        case_attr_ints(c, "pads", s->pads, 2 * (size_t)s->spatial);
    int64_t k = s->c / s->group;
    for (int d = 0; d < s->spatial; d++)
        k *= s->kernel[d];
    c->symbolic = random_int(0, 1);
    case_check(c, 1e-4, 1e-5 * (double)k);
    case_free(c);
}

static void test_conv(void **state)
{
    (void)state;
    const conv_spec specs[] = {
        {2, 1, 3, 8, 1, {9, 11}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, true, true},
        {2, 2, 4, 6, 2, {10, 7}, {3, 2}, {2, 1}, {1, 1}, {0, 1, 2, 0}, NULL, false, true},
        {2, 1, 8, 8, 8, {12, 12}, {3, 3}, {1, 1}, {2, 2}, {2, 2, 2, 2}, NULL, true, false},
        {2, 1, 3, 16, 1, {32, 32}, {16, 16}, {16, 16}, {1, 1}, {0, 0, 0, 0}, NULL, true, true},
        {2, 1, 3, 5, 1, {9, 8}, {3, 3}, {2, 2}, {1, 1}, {0}, "SAME_UPPER", true, true},
        {2, 1, 3, 5, 1, {9, 8}, {4, 3}, {2, 3}, {1, 1}, {0}, "SAME_LOWER", false, false},
        {2, 3, 2, 4, 1, {7, 9}, {3, 3}, {1, 2}, {1, 1}, {0}, "VALID", true, true},
        {1, 2, 4, 6, 1, {20}, {5}, {2}, {1}, {2, 1}, NULL, true, true},
        {1, 1, 6, 6, 3, {17}, {3}, {1}, {3}, {3, 3}, NULL, false, false},
        {1, 1, 4, 4, 1, {13}, {4}, {3}, {1}, {0}, "SAME_UPPER", true, true},
    };
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++)
        check_conv(&specs[s]);
}

static void test_transpose(void **state)
{
    (void)state;
    const dnnx_dtype dtypes[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_INT32, DNNX_DTYPE_UINT8};
    for (int trial = 0; trial < 30; trial++) {
        int rank = random_int(1, 5);
        int64_t dims[5], perm[5];
        size_t count = 1;
        for (int d = 0; d < rank; d++) {
            dims[d] = random_int(1, 7);
            count *= (size_t)dims[d];
            perm[d] = d;
        }
        for (int d = rank - 1; d > 0; d--) {
            int j = random_int(0, d);
            int64_t t = perm[d];
            perm[d] = perm[j];
            perm[j] = t;
        }
        dnnx_dtype dtype = dtypes[trial % 3];
        uint8_t *data = malloc(count * 4);
        assert_non_null(data);
        for (size_t k = 0; k < count * 4; k++)
            data[k] = (uint8_t)random_int(0, 255);
        if (dtype == DNNX_DTYPE_FLOAT)
            for (size_t k = 0; k < count; k++)
                ((float *)data)[k] = random_float();
        node_case *c = case_new("", "Transpose", 13, 1);
        case_input(c, 0, dtype, rank, dims, data, false);
        if (trial % 4)
            case_attr_ints(c, "perm", perm, (size_t)rank);
        c->symbolic = random_int(0, 1);
        case_check(c, 0.0, 0.0);
        case_free(c);
        free(data);
    }
    int64_t heads[4] = {1, 128, 12, 64}, perm[4] = {0, 2, 1, 3};
    node_case *c = case_new("", "Transpose", 13, 1);
    case_floats(c, 0, 4, heads, false);
    case_attr_ints(c, "perm", perm, 4);
    case_check(c, 0.0, 0.0);
    case_free(c);
}

typedef struct concurrent_run {
    node_case *c;
    const backend *be;
    backend_kernel *kernel;
    const dnnx_tensor *expected;
    int bad;
} concurrent_run;

static void *run_repeatedly(void *arg)
{
    concurrent_run *r = arg;
    for (int k = 0; k < 50; k++) {
        dnnx_tensor out[MAX_IO];
        if (run_once(r->c, r->be, r->kernel, out) || memcmp(out[0].data, r->expected->data, tensor_bytes(r->expected)))
            r->bad++;
        clear_outputs(r->c, out);
    }
    return NULL;
}

/* One kernel run from several threads at once, at two shapes, gives the single-threaded
 * result every time and creates one set of primitives per shape. */
static void test_concurrent_runs_share_primitives(void **state)
{
    (void)state;
    enum { THREADS = 6 };
    const backend *be = backend_onednn();
    backend_options options = {1, false};
    backend_session *session;
    assert_int_equal(be->session_create(&options, &session), DNNX_OK);
    int64_t a[2][3] = {{2, 16, 40}, {1, 7, 40}}, b[2] = {40, 24};
    node_case *cases[2];
    dnnx_tensor expected[2][MAX_IO];
    backend_kernel *kernel = NULL;
    for (int s = 0; s < 2; s++) {
        cases[s] = case_new("dnnx", "FusedMatMul", 1, 1);
        case_floats(cases[s], 0, 3, a[s], false);
        rng = 99u; /* the same constant B in both cases */
        case_floats(cases[s], 1, 2, b, true);
        case_attr_string(cases[s], "activation", "Gelu");
        if (!kernel) {
            const dnnx_tensor *inputs[MAX_IO];
            dnnx_tensor infos[MAX_IO], outputs[MAX_IO], *output_ptrs[MAX_IO];
            op_ctx ctx;
            load_ctx(cases[s], &ctx, inputs, infos, outputs, output_ptrs);
            char why[160];
            assert_true(be->supports(session, &ctx, why, sizeof why));
            assert_int_equal(be->compile(session, &ctx, &kernel), DNNX_OK);
            clear_outputs(cases[s], outputs);
        }
        assert_int_equal(run_once(cases[s], be, kernel, expected[s]), DNNX_OK);
    }
    size_t created = onednn_primitives_created(session);
    assert_true(created >= 2);
    concurrent_run runs[THREADS];
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        runs[t] = (concurrent_run){cases[t % 2], be, kernel, &expected[t % 2][0], 0};
        assert_int_equal(pthread_create(&threads[t], NULL, run_repeatedly, &runs[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(threads[t], NULL), 0);
        assert_int_equal(runs[t].bad, 0);
    }
    assert_int_equal(onednn_primitives_created(session), created);
    for (int s = 0; s < 2; s++) {
        clear_outputs(cases[s], expected[s]);
        case_free(cases[s]);
    }
    be->kernel_free(kernel);
    be->session_free(session);
}

/* Runs a Relu kernel (compiled at symbolic shapes on the first call) on a new random [n]
 * input, checks it against the reference and returns how many primitives the run created. */
static size_t run_relu(backend_session *session, backend_kernel **kernel, int64_t n)
{
    const backend *be = backend_onednn();
    node_case *c = case_new("", "Relu", 14, 1);
    case_floats(c, 0, 1, &n, false);
    c->symbolic = true;
    if (!*kernel) {
        const dnnx_tensor *inputs[MAX_IO];
        dnnx_tensor infos[MAX_IO], outputs[MAX_IO], *output_ptrs[MAX_IO];
        op_ctx ctx;
        load_ctx(c, &ctx, inputs, infos, outputs, output_ptrs);
        assert_int_equal(be->compile(session, &ctx, kernel), DNNX_OK);
        clear_outputs(c, outputs);
    }
    size_t before = onednn_primitives_created(session);
    dnnx_tensor expected[MAX_IO], actual[MAX_IO];
    assert_int_equal(run_once(c, NULL, NULL, expected), DNNX_OK);
    assert_int_equal(run_once(c, be, *kernel, actual), DNNX_OK);
    compare(c, &actual[0], &expected[0], EXACT);
    clear_outputs(c, expected);
    clear_outputs(c, actual);
    case_free(c);
    return onednn_primitives_created(session) - before;
}

/* A decoder run token by token gives a node a new shape signature at every step: the kernel
 * keeps the primitives of the ONEDNN_CACHED_SIGNATURES most recently used ones only. A
 * signature used again recently creates nothing, a dropped one is built again. */
static void test_primitive_cache_keeps_recent_signatures(void **state)
{
    (void)state;
    enum { STEPS = 3 * ONEDNN_CACHED_SIGNATURES };
    const backend *be = backend_onednn();
    backend_options options = {1, false};
    backend_session *session;
    assert_int_equal(be->session_create(&options, &session), DNNX_OK);
    backend_kernel *kernel = NULL;
    for (int64_t n = 1; n <= STEPS; n++) {
        assert_int_equal(run_relu(session, &kernel, n), 1);
        assert_int_equal(onednn_kernel_cached_entries(kernel),
                         n < ONEDNN_CACHED_SIGNATURES ? n : ONEDNN_CACHED_SIGNATURES);
    }
    for (int64_t n = STEPS - ONEDNN_CACHED_SIGNATURES + 1; n <= STEPS; n++)
        assert_int_equal(run_relu(session, &kernel, n), 0);
    /* Least recently used now: STEPS - 7. A use of it keeps it; the next new one drops STEPS - 6. */
    int64_t oldest = STEPS - ONEDNN_CACHED_SIGNATURES + 1;
    assert_int_equal(run_relu(session, &kernel, oldest), 0);
    assert_int_equal(run_relu(session, &kernel, 1), 1);
    assert_int_equal(run_relu(session, &kernel, oldest), 0);
    assert_int_equal(run_relu(session, &kernel, oldest + 1), 1);
    assert_int_equal(onednn_kernel_cached_entries(kernel), ONEDNN_CACHED_SIGNATURES);
    be->kernel_free(kernel);
    be->session_free(session);
}

/* MatMul A x B with B a constant handed to the kernel, on A of dims a_dims (rank a_rank):
 * the kernel's output against the reference's on the untouched copy of B, within tol. */
static void check_owned_matmul(const backend *be, backend_kernel *kernel, graph *g, const graph_node *node,
                               const dnnx_tensor *handed, const dnnx_tensor *b, int a_rank, const int64_t *a_dims,
                               double tol)
{
    dnnx_tensor a, expected, actual;
    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, a_rank, a_dims);
    assert_int_equal(tensor_alloc_data(&a), DNNX_OK);
    for (size_t k = 0; k < tensor_count(&a); k++)
        ((float *)a.data)[k] = random_float();
    for (int pass = 0; pass < 2; pass++) {
        dnnx_tensor *y = pass ? &actual : &expected;
        memset(y, 0, sizeof *y);
        const dnnx_tensor *inputs[2] = {&a, pass ? handed : b};
        dnnx_tensor *outputs[1] = {y};
        op_ctx ctx = {.node = node,
                      .graph = g,
                      .opset = node->opset,
                      .n_inputs = 2,
                      .inputs = inputs,
                      .n_outputs = 1,
                      .outputs = outputs,
                      .concrete = true};
        assert_int_equal(node->schema->infer(&ctx), DNNX_OK);
        assert_int_equal(tensor_alloc_data(y), DNNX_OK);
        dnnx_status status = pass ? be->run(kernel, &ctx) : node->schema->run(&ctx);
        if (status)
            fail_msg("%s", dnnx_last_error());
    }
    assert_true(tensor_same_shape(&actual, &expected));
    for (size_t k = 0; k < tensor_count(&expected); k++)
        if (!near(((float *)actual.data)[k], ((float *)expected.data)[k], tol, tol))
            fail_msg("element %zu: onednn %.9g, reference %.9g", k, (double)((float *)actual.data)[k],
                     (double)((float *)expected.data)[k]);
    tensor_clear(&a);
    tensor_clear(&expected);
    tensor_clear(&actual);
}

/* A kernel handed its constant weights owns them: the tensor it was given loses its buffer,
 * and the kernel lets the bytes go once its reordered copy stands in for them. A shape the
 * reference must run (an A of rank 5 at run time) gets them rebuilt from the copy, exactly in
 * float32 (bf16-rounded in bf16 fpmath); once that shape's entry is dropped they go again.
 * MatMul's B is plain, FusedMatMul's with transB is read through strides. */
static void test_kernel_owns_handed_weights(void **state)
{
    (void)state;
    for (int variant = 0; variant < 4; variant++) {
        bool bf16 = variant & 1, trans_b = variant >> 1;
        const backend *be = backend_onednn();
        backend_options options = {1, bf16};
        backend_session *session;
        assert_int_equal(be->session_create(&options, &session), DNNX_OK);
        graph *g = graph_create();
        assert_non_null(g);
        graph_attr trans_attr = {.name = (char *)"transB", .type = ATTR_INT, .i = 1};
        graph_node node = {.name = (char *)"mm", .op_type = (char *)"MatMul", .domain = (char *)"", .opset = 13};
        if (trans_b) {
            node = (graph_node){.name = (char *)"mm",
                                .op_type = (char *)"FusedMatMul",
                                .domain = (char *)"dnnx",
                                .opset = 1,
                                .n_attrs = 1,
                                .attrs = &trans_attr};
        }
        node.schema = op_registry_find(ops_registry(), node.domain, node.op_type, node.opset);
        assert_non_null(node.schema);
        int64_t b_dims[2] = {trans_b ? 128 : 64, trans_b ? 64 : 128};
        dnnx_tensor b, handed, a_info, y_info;
        tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 2, b_dims);
        assert_int_equal(tensor_alloc_data(&b), DNNX_OK);
        for (size_t k = 0; k < tensor_count(&b); k++)
            ((float *)b.data)[k] = random_float();
        tensor_init_shape(&handed, DNNX_DTYPE_FLOAT, 2, b_dims);
        assert_int_equal(tensor_alloc_data(&handed), DNNX_OK);
        memcpy(handed.data, b.data, tensor_bytes(&b));
        tensor_init_shape(&a_info, DNNX_DTYPE_FLOAT, 0, NULL);
        a_info.rank = -1; /* A's rank is known only at run time */
        tensor_init_shape(&y_info, DNNX_DTYPE_FLOAT, 0, NULL);
        y_info.rank = -1;
        const dnnx_tensor *inputs[2] = {&a_info, &handed};
        dnnx_tensor *outputs[1] = {&y_info};
        op_ctx ctx = {.node = &node,
                      .graph = g,
                      .opset = node.opset,
                      .n_inputs = 2,
                      .inputs = inputs,
                      .n_outputs = 1,
                      .outputs = outputs};
        char why[160];
        assert_true(be->supports(session, &ctx, why, sizeof why));
        backend_kernel *kernel;
        assert_int_equal(be->compile(session, &ctx, &kernel), DNNX_OK);
        assert_false(be->takes_constant(kernel, 0));
        assert_true(be->takes_constant(kernel, 1));
        be->take_constant(kernel, 1, &handed, NULL, NULL);
        assert_null(handed.data);
        assert_false(handed.owns_data);
        assert_true(onednn_kernel_holds_original(kernel, 1));

        double tol = bf16 ? 5e-2 : 1e-4;
        int64_t a2[2] = {16, 64}, a5[5] = {1, 1, 2, 3, 64}, a3[3] = {2, 5, 64};
        check_owned_matmul(be, kernel, g, &node, &handed, &b, 2, a2, tol);
        assert_false(onednn_kernel_holds_original(kernel, 1));
        check_owned_matmul(be, kernel, g, &node, &handed, &b, 5, a5, bf16 ? tol : 1e-6);
        assert_true(onednn_kernel_holds_original(kernel, 1));
        check_owned_matmul(be, kernel, g, &node, &handed, &b, 3, a3, tol);
        for (int64_t m = 1; m <= ONEDNN_CACHED_SIGNATURES; m++) {
            int64_t am[2] = {m, 64};
            check_owned_matmul(be, kernel, g, &node, &handed, &b, 2, am, tol);
        }
        assert_false(onednn_kernel_holds_original(kernel, 1));
        check_owned_matmul(be, kernel, g, &node, &handed, &b, 5, a5, bf16 ? tol : 1e-6);
        check_owned_matmul(be, kernel, g, &node, &handed, &b, 2, a2, tol);
        be->kernel_free(kernel);
        be->session_free(session);
        tensor_clear(&b);
        tensor_clear(&y_info);
        graph_free(g);
    }
}

/* In a fresh process (oneDNN reads ONEDNN_VERBOSE once): runs a BERT-size MatMul with
 * verbose output on stdout; exits 0 after the run. */
static int verbose_child(void)
{
    setenv("ONEDNN_VERBOSE", "1", 1);
    const backend *be = backend_onednn();
    backend_options options = {1, false};
    backend_session *session;
    if (be->session_create(&options, &session))
        return 2;
    graph *g = graph_create();
    graph_node node = {.name = (char *)"bert", .op_type = (char *)"MatMul", .domain = (char *)"", .opset = 13};
    node.schema = op_registry_find(ops_registry(), "", "MatMul", 13);
    int64_t a_dims[3] = {1, 128, 768}, b_dims[2] = {768, 3072};
    dnnx_tensor a, b, y;
    tensor_init_shape(&a, DNNX_DTYPE_FLOAT, 3, a_dims);
    tensor_init_shape(&b, DNNX_DTYPE_FLOAT, 2, b_dims);
    memset(&y, 0, sizeof y);
    if (!g || !node.schema || tensor_alloc_data(&b))
        return 3;
    const dnnx_tensor *inputs[2] = {&a, &b};
    dnnx_tensor *outputs[1] = {&y};
    op_ctx ctx = {
        .node = &node, .graph = g, .opset = 13, .n_inputs = 2, .inputs = inputs, .n_outputs = 1, .outputs = outputs};
    backend_kernel *kernel;
    char why[160];
    if (node.schema->infer(&ctx) || !be->supports(session, &ctx, why, sizeof why) ||
        be->compile(session, &ctx, &kernel))
        return 4;
    ctx.concrete = true;
    if (tensor_alloc_data(&a) || node.schema->infer(&ctx) || tensor_alloc_data(&y) || be->run(kernel, &ctx))
        return 5;
    fflush(stdout);
    be->kernel_free(kernel);
    be->session_free(session);
    tensor_clear(&a);
    tensor_clear(&b);
    tensor_clear(&y);
    graph_free(g);
    return 0;
}

static void test_verbose_names_a_jit_matmul(void **state)
{
    (void)state;
    int out[2];
    assert_int_equal(pipe(out), 0);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execl("/proc/self/exe", "test_onednn", "--verbose-child", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char text[65536];
    size_t used = 0;
    ssize_t got;
    while ((got = read(out[0], text + used, sizeof text - 1 - used)) > 0)
        used += (size_t)got;
    close(out[0]);
    text[used] = '\0';
    int child_status;
    assert_int_equal(waitpid(pid, &child_status, 0), pid);
    assert_true(WIFEXITED(child_status));
    assert_int_equal(WEXITSTATUS(child_status), 0);
    const char *line = NULL;
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n"))
        if (strstr(p, "exec") && strstr(p, "matmul"))
            line = p;
    if (!line)
        fail_msg("no matmul exec line in the verbose output");
    printf("%s\n", line);
    const char *impl = strstr(line, "matmul,") + strlen("matmul,");
    assert_true(!strncmp(impl, "brg", 3) || !strncmp(impl, "jit", 3) || !strncmp(impl, "gemm:jit", 8));
}

/* A model session binds its matrix products to the backend, unless DNNX_BACKENDS=ref. */
static void test_session_binds_matmul_to_onednn(void **state)
{
    (void)state;
    const char *model = "models/bert_tiny_opset17/model.onnx";
    dnnx_session *session;
    assert_int_equal(dnnx_session_create(model, NULL, &session), DNNX_OK);
    char *text = dnnx_session_describe_backends(session);
    assert_non_null(text);
    bool matmul_on_onednn = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        matmul_on_onednn |= strstr(line, " MatMul ") && strstr(line, " onednn");
    assert_true(matmul_on_onednn);
    free(text);
    dnnx_session_free(session);
    setenv("DNNX_BACKENDS", "ref", 1);
    assert_int_equal(dnnx_session_create(model, NULL, &session), DNNX_OK);
    unsetenv("DNNX_BACKENDS");
    text = dnnx_session_describe_backends(session);
    assert_non_null(text);
    assert_null(strstr(text, " onednn"));
    free(text);
    dnnx_session_free(session);
}

/* A model session hands each MatMul weight that nothing else reads to its oneDNN kernel: the
 * graph keeps no buffer of its own for it (only, for a weight used in place, the file's), and
 * after a run the kernel keeps only its reordered copy. */
static void test_session_hands_weights_to_kernels(void **state)
{
    (void)state;
    dnnx_session *session;
    char *backends = getenv("DNNX_BACKENDS") ? strdup(getenv("DNNX_BACKENDS")) : NULL;
    unsetenv("DNNX_BACKENDS"); /* the test is about the oneDNN backend, whatever the suite runs with */
    assert_int_equal(dnnx_session_create("models/bert_tiny_opset17/model.onnx", NULL, &session), DNNX_OK);
    if (backends)
        setenv("DNNX_BACKENDS", backends, 1);
    free(backends);
    const session_graph *sg = &session->main;
    const graph *g = sg->graph;
    int handed = 0;
    for (int i = 0; i < g->n_order; i++) {
        const graph_node *node = &g->nodes[g->order[i]];
        const node_binding *binding = &sg->bindings[g->order[i]];
        if (strcmp(node->op_type, "MatMul") || strcmp(binding->backend->name, "onednn") ||
            !g->values[node->inputs[1]].constant)
            continue;
        const dnnx_tensor *weight = g->values[node->inputs[1]].constant;
        assert_true(!weight->data || !weight->owns_data);
        assert_true(onednn_kernel_holds_original(binding->kernel, 1));
        handed++;
    }
    assert_true(handed >= 4);
    int64_t dims[2] = {2, 9};
    dnnx_tensor *inputs[3], *outputs[2] = {NULL, NULL};
    for (int k = 0; k < 3; k++)
        assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_INT64, 2, dims, &inputs[k]), DNNX_OK);
    assert_int_equal(dnnx_session_run(session, (const dnnx_tensor *const *)inputs, 3, outputs, 2), DNNX_OK);
    for (int i = 0; i < g->n_order; i++) {
        const graph_node *node = &g->nodes[g->order[i]];
        const node_binding *binding = &sg->bindings[g->order[i]];
        if (!strcmp(node->op_type, "MatMul") && !strcmp(binding->backend->name, "onednn") &&
            g->values[node->inputs[1]].constant)
            assert_false(onednn_kernel_holds_original(binding->kernel, 1));
    }
    for (int k = 0; k < 3; k++)
        dnnx_tensor_free(inputs[k]);
    dnnx_tensor_free(outputs[0]);
    dnnx_tensor_free(outputs[1]);
    dnnx_session_free(session);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--verbose-child"))
        return verbose_child();
    if (!backend_onednn || !onednn_primitives_created) {
        printf("dnnx was built without the oneDNN backend (-DDNNX_WITH_ONEDNN=OFF): nothing to test\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verbose_names_a_jit_matmul),
        cmocka_unit_test(test_matmul_shapes),
        cmocka_unit_test(test_matmul_random_shapes),
        cmocka_unit_test(test_matmul_bert_size),
        cmocka_unit_test(test_matmul_threads_and_bf16),
        cmocka_unit_test(test_fused_and_gemm_bf16),
        cmocka_unit_test(test_matmul_declines),
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_gemm_declines_scaled_variable_c),
        cmocka_unit_test(test_fused_matmul_onednn),
        cmocka_unit_test(test_fused_matmul_reference_is_the_chain),
        cmocka_unit_test(test_fused_matmul_infer_errors),
        cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_layernorm),
        cmocka_unit_test(test_layernorm_declines),
        cmocka_unit_test(test_eltwise),
        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_binary_declines),
        cmocka_unit_test(test_pow),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_reduce_declines),
        cmocka_unit_test(test_conv),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_concurrent_runs_share_primitives),
        cmocka_unit_test(test_primitive_cache_keeps_recent_signatures),
        cmocka_unit_test(test_kernel_owns_handed_weights),
        cmocka_unit_test(test_session_binds_matmul_to_onednn),
        cmocka_unit_test(test_session_hands_weights_to_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

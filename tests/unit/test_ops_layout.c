/* Unit tests of ops/layout.c: load-time (symbolic) shape inference, run-time kernels checked
 * against naive index arithmetic, and the error of each check, on op contexts built by hand. */
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
#include "ops/ops.h"

#define MAX_IO 8

/* One node with its inputs, outputs and attributes, and the op_ctx over them. */
typedef struct op_case {
    graph *g;
    graph_node node;
    graph_attr attrs[MAX_IO];
    dnnx_tensor in[MAX_IO], out[MAX_IO];
    const dnnx_tensor *inputs[MAX_IO];
    dnnx_tensor *outputs[MAX_IO];
    op_ctx ctx;
} op_case;

static void case_init(op_case *c, const char *op_type, int opset, int n_inputs, int n_outputs)
{
    memset(c, 0, sizeof *c);
    c->g = graph_create();
    assert_non_null(c->g);
    c->node.name = (char *)"n";
    c->node.op_type = (char *)op_type;
    c->node.domain = (char *)"";
    c->node.schema = op_registry_find(ops_registry(), "", op_type, opset);
    assert_non_null(c->node.schema);
    c->node.opset = opset;
    c->node.attrs = c->attrs;
    for (int k = 0; k < n_outputs; k++)
        c->outputs[k] = &c->out[k];
    c->ctx.node = &c->node;
    c->ctx.graph = c->g;
    c->ctx.opset = opset;
    c->ctx.n_inputs = n_inputs;
    c->ctx.inputs = c->inputs;
    c->ctx.n_outputs = n_outputs;
    c->ctx.outputs = c->outputs;
}

static void case_free(op_case *c)
{
    for (int k = 0; k < MAX_IO; k++)
        tensor_clear(&c->out[k]);
    graph_free(c->g);
}

/* Input i: dtype and dims (symbols allowed), data borrowed from the caller (NULL = unknown). */
static void case_input(op_case *c, int i, dnnx_dtype dtype, int rank, const int64_t *dims, const void *data)
{
    tensor_init_shape(&c->in[i], dtype, rank, dims);
    c->in[i].data = (void *)data;
    c->inputs[i] = &c->in[i];
}

static graph_attr *case_attr(op_case *c, const char *name, graph_attr_type type)
{
    graph_attr *attr = &c->attrs[c->node.n_attrs++];
    attr->name = (char *)name;
    attr->type = type;
    return attr;
}

static void case_attr_int(op_case *c, const char *name, int64_t value) { case_attr(c, name, ATTR_INT)->i = value; }

static void case_attr_float(op_case *c, const char *name, float value) { case_attr(c, name, ATTR_FLOAT)->f = value; }

static void case_attr_string(op_case *c, const char *name, const char *value)
{
    graph_attr *attr = case_attr(c, name, ATTR_STRING);
    attr->s = (char *)value;
    attr->s_len = strlen(value);
}

static void case_attr_ints(op_case *c, const char *name, int64_t *values, size_t count)
{
    graph_attr *attr = case_attr(c, name, ATTR_INTS);
    attr->ints = values;
    attr->count = count;
}

static dnnx_status case_infer(op_case *c, bool concrete)
{
    for (int k = 0; k < c->ctx.n_outputs; k++)
        tensor_clear(&c->out[k]);
    c->ctx.concrete = concrete;
    c->ctx.status = DNNX_OK;
    dnnx_status status = c->node.schema->infer(&c->ctx);
    return status ? status : c->ctx.status;
}

/* Infers with concrete inputs, allocates the outputs and runs the reference kernel. */
static dnnx_status case_run(op_case *c)
{
    dnnx_status status = case_infer(c, true);
    for (int k = 0; k < c->ctx.n_outputs && !status; k++)
        if (c->outputs[k])
            status = tensor_alloc_data(c->outputs[k]);
    return status ? status : c->node.schema->run(&c->ctx);
}

static void assert_dims(const dnnx_tensor *t, int rank, const int64_t *dims)
{
    assert_int_equal(t->rank, rank);
    for (int d = 0; d < rank; d++)
        assert_int_equal(t->dims[d], dims[d]);
}

static void assert_error(dnnx_status status, dnnx_status expected, const char *text)
{
    assert_int_equal(status, expected);
    if (!strstr(dnnx_last_error(), text))
        fail_msg("error '%s' does not mention '%s'", dnnx_last_error(), text);
}

/* Fills a float buffer with 0, 1, 2, ... */
static float *iota(float *data, int count)
{
    for (int k = 0; k < count; k++)
        data[k] = (float)k;
    return data;
}

static void test_transpose_symbolic(void **state)
{
    (void)state;
    op_case c;
    case_init(&c, "Transpose", 13, 1, 1);
    int64_t batch = graph_symbol(c.g, "batch"), seq = graph_symbol(c.g, "seq");
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){batch, seq, 12, 64}, NULL);
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 4, (int64_t[]){64, 12, seq, batch});
    int64_t perm[] = {0, 2, 1, 3};
    case_attr_ints(&c, "perm", perm, 4);
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 4, (int64_t[]){batch, 12, seq, 64});
    case_free(&c);
}

/* Every permutation of a rank-4 tensor (with a size-1 axis, so dims merge) against index math. */
static void test_transpose_all_permutations(void **state)
{
    (void)state;
    const int64_t dims[4] = {2, 1, 3, 4};
    float data[24], expected[24];
    iota(data, 24);
    int64_t perm[4];
    for (int p = 0; p < 256; p++) {
        bool used[4] = {false}, valid = true;
        for (int i = 0; i < 4; i++) {
            perm[i] = (p >> (2 * i)) & 3;
            valid &= !used[perm[i]];
            used[perm[i]] = true;
        }
        if (!valid)
            continue;
        op_case c;
        case_init(&c, "Transpose", 13, 1, 1);
        case_attr_ints(&c, "perm", perm, 4);
        case_input(&c, 0, DNNX_DTYPE_FLOAT, 4, dims, data);
        assert_int_equal(case_run(&c), DNNX_OK);
        int64_t out_dims[4], in_strides[4] = {12, 12, 4, 1}, index[4];
        for (int i = 0; i < 4; i++)
            out_dims[i] = dims[perm[i]];
        for (int k = 0; k < 24; k++) {
            int rest = k, offset = 0;
            for (int i = 3; i >= 0; i--) {
                index[i] = rest % out_dims[i];
                rest /= (int)out_dims[i];
            }
            for (int i = 0; i < 4; i++)
                offset += (int)(index[i] * in_strides[perm[i]]);
            expected[k] = data[offset];
        }
        assert_dims(&c.out[0], 4, out_dims);
        assert_memory_equal(c.out[0].data, expected, sizeof expected);
        case_free(&c);
    }
}

/* A matrix larger than the copy tile, with ragged edges, transposed both ways. */
static void test_transpose_tiles(void **state)
{
    (void)state;
    static float data[70 * 45];
    iota(data, 70 * 45);
    op_case c;
    case_init(&c, "Transpose", 13, 1, 1);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){70, 1, 45}, data);
    int64_t perm[] = {2, 1, 0};
    case_attr_ints(&c, "perm", perm, 3);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){45, 1, 70});
    const float *out = c.out[0].data;
    for (int i = 0; i < 45; i++)
        for (int j = 0; j < 70; j++)
            assert_true(out[i * 70 + j] == data[j * 45 + i]);
    case_free(&c);
}

static void test_transpose_errors(void **state)
{
    (void)state;
    op_case c;
    case_init(&c, "Transpose", 13, 1, 1);
    int64_t repeated[] = {0, 0, 1}, outside[] = {0, 1, 3};
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}, NULL);
    case_attr_ints(&c, "perm", repeated, 3);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "not a permutation");
    c.attrs[0].ints = outside;
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "entry 2 is 3");
    c.attrs[0].count = 2;
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "perm has 2 entries");
    case_free(&c);
}

static void test_concat_symbolic(void **state)
{
    (void)state;
    op_case c;
    case_init(&c, "Concat", 13, 2, 1);
    int64_t batch = graph_symbol(c.g, "batch"), seq = graph_symbol(c.g, "seq");
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, seq, 64}, NULL);
    case_input(&c, 1, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, seq, 64}, NULL);
    case_attr_int(&c, "axis", -1);
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){batch, seq, 128});
    c.attrs[0].i = 1;
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){batch, DIM_UNKNOWN, 64});
    /* A concrete dim on one side settles the symbol on the other. */
    c.in[1].dims[0] = 2;
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){2, DIM_UNKNOWN, 64});
    case_free(&c);
}

static void test_concat_runs(void **state)
{
    (void)state;
    op_case c;
    case_init(&c, "Concat", 11, 3, 1);
    int64_t a[] = {1, 2}, b[] = {0}, d[] = {3, 4, 5, 6, 7, 8};
    case_input(&c, 0, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 1}, a);
    case_input(&c, 1, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 0}, b);
    case_input(&c, 2, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 3}, d);
    case_attr_int(&c, "axis", 1);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 2, (int64_t[]){2, 4});
    assert_memory_equal(c.out[0].data, ((int64_t[]){1, 3, 4, 5, 2, 6, 7, 8}), 8 * sizeof(int64_t));

    case_input(&c, 0, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, a);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){0}, b);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, (int64_t[]){6}, d);
    c.attrs[0].i = 0;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((int64_t[]){1, 2, 3, 4, 5, 6, 7, 8}), 8 * sizeof(int64_t));
    case_free(&c);
}

static void test_concat_errors(void **state)
{
    (void)state;
    op_case c;
    case_init(&c, "Concat", 13, 2, 1);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 3}, NULL);
    case_input(&c, 1, DNNX_DTYPE_FLOAT, 2, (int64_t[]){4, 3}, NULL);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "'axis' is required");
    case_attr_int(&c, "axis", 1);
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "input 1 [4,3] and input 0 [2,3] differ on axis 0");
    c.attrs[0].i = 2;
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "axis 2 is out of range");
    c.attrs[0].i = 0;
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 2, (int64_t[]){6, 3});
    case_input(&c, 1, DNNX_DTYPE_FLOAT, 1, (int64_t[]){3}, NULL);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "different ranks");
    case_input(&c, 1, DNNX_DTYPE_INT64, 2, (int64_t[]){2, 3}, NULL);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "dtype int64");
    case_free(&c);
}

static void test_split(void **state)
{
    (void)state;
    op_case c;
    float data[7];
    iota(data, 7);
    case_init(&c, "Split", 13, 2, 2);
    int64_t sizes[] = {2, 4};
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){6}, data);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, sizes);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 1, (int64_t[]){2});
    assert_dims(&c.out[1], 1, (int64_t[]){4});
    assert_memory_equal(c.out[0].data, data, 2 * sizeof(float));
    assert_memory_equal(c.out[1].data, data + 2, 4 * sizeof(float));
    c.in[0].dims[0] = 7;
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "add up to 6, not to the dim 7");
    c.inputs[1] = NULL;
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "does not split evenly");
    int64_t batch = graph_symbol(c.g, "batch");
    c.in[0].dims[0] = batch;
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[1], 1, (int64_t[]){DIM_UNKNOWN});
    c.inputs[1] = &c.in[1];
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[1], 1, (int64_t[]){4});
    int64_t three[] = {1, 2, 3};
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){3}, three);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "3 sizes for 2 outputs");
    case_free(&c);

    /* num_outputs (opset 18) leaves the last chunk smaller. */
    case_init(&c, "Split", 18, 1, 3);
    case_attr_int(&c, "num_outputs", 3);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){7}, data);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 1, (int64_t[]){3});
    assert_dims(&c.out[1], 1, (int64_t[]){3});
    assert_dims(&c.out[2], 1, (int64_t[]){1});
    assert_true(((float *)c.out[2].data)[0] == 6.0f);
    c.in[0].dims[0] = 5;
    c.attrs[0].i = 3;
    assert_int_equal(case_infer(&c, true), DNNX_OK);
    assert_dims(&c.out[2], 1, (int64_t[]){1});
    c.attrs[0].i = 2;
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_MODEL, "num_outputs is 2 but the node has 3 outputs");
    case_free(&c);

    case_init(&c, "Split", 2, 1, 2);
    int64_t attr_sizes[] = {1, 2};
    case_attr_int(&c, "axis", 1);
    case_attr_ints(&c, "split", attr_sizes, 2);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 3}, data);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[]){0, 3}), 2 * sizeof(float));
    assert_memory_equal(c.out[1].data, ((float[]){1, 2, 4, 5}), 4 * sizeof(float));
    case_free(&c);
}

/* y = x[starts:ends:steps] on a 3-D tensor, computed naively from the already clamped bounds. */
static void naive_slice(const float *x, const int64_t *dims, const int64_t *first, const int64_t *step,
                        const int64_t *count, float *y)
{
    int k = 0;
    for (int64_t i = 0; i < count[0]; i++)
        for (int64_t j = 0; j < count[1]; j++)
            for (int64_t l = 0; l < count[2]; l++) {
                int64_t a = first[0] + i * step[0], b = first[1] + j * step[1], c = first[2] + l * step[2];
                y[k++] = x[(a * dims[1] + b) * dims[2] + c];
            }
}

static void test_slice_runs(void **state)
{
    (void)state;
    op_case c;
    static float data[1000], expected[1000];
    iota(data, 1000);
    int64_t dims[] = {20, 10, 5}, three[] = {3};
    case_init(&c, "Slice", 13, 5, 1);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, dims, data);
    int64_t starts[] = {20, 10, 4}, ends[] = {0, 0, 1}, axes[] = {0, 1, 2}, steps[] = {-1, -3, -2};
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, three, starts);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, three, ends);
    case_input(&c, 3, DNNX_DTYPE_INT64, 1, three, axes);
    case_input(&c, 4, DNNX_DTYPE_INT64, 1, three, steps);
    assert_int_equal(case_run(&c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){19, 9, 4}, steps, (int64_t[]){19, 3, 2}, expected);
    assert_dims(&c.out[0], 3, (int64_t[]){19, 3, 2});
    assert_memory_equal(c.out[0].data, expected, 19 * 3 * 2 * sizeof(float));

    /* [::-1] written with INT64_MIN, out-of-range starts clamp, and a huge step takes one element. */
    int64_t one[] = {1}, rev_start[] = {-1}, rev_end[] = {INT64_MIN}, rev_axis[] = {1}, rev_step[] = {-1};
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, one, rev_start);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, one, rev_end);
    case_input(&c, 3, DNNX_DTYPE_INT64, 1, one, rev_axis);
    case_input(&c, 4, DNNX_DTYPE_INT64, 1, one, rev_step);
    assert_int_equal(case_run(&c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){0, 9, 0}, (int64_t[]){1, -1, 1}, (int64_t[]){20, 10, 5}, expected);
    assert_memory_equal(c.out[0].data, expected, sizeof data);
    rev_start[0] = -100;
    rev_end[0] = 100;
    rev_step[0] = INT64_MAX;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){20, 1, 5});
    rev_step[0] = INT64_MIN;
    rev_start[0] = INT64_MAX;
    rev_end[0] = INT64_MIN;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){20, 1, 5});
    naive_slice(data, dims, (int64_t[]){0, 9, 0}, (int64_t[]){1, 1, 1}, (int64_t[]){20, 1, 5}, expected);
    assert_memory_equal(c.out[0].data, expected, 100 * sizeof(float));

    /* Default axes and steps, and an empty result. */
    int64_t two[] = {2}, start2[] = {1, 1}, end2[] = {3, 1};
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, two, start2);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, two, end2);
    c.inputs[3] = c.inputs[4] = NULL;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){2, 0, 5});
    end2[1] = 3;
    assert_int_equal(case_run(&c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){1, 1, 0}, (int64_t[]){1, 1, 1}, (int64_t[]){2, 2, 5}, expected);
    assert_memory_equal(c.out[0].data, expected, 20 * sizeof(float));
    case_free(&c);

    case_init(&c, "Slice", 1, 1, 1);
    int64_t attr_starts[] = {1}, attr_ends[] = {-1}, attr_axes[] = {2};
    case_attr_ints(&c, "starts", attr_starts, 1);
    case_attr_ints(&c, "ends", attr_ends, 1);
    case_attr_ints(&c, "axes", attr_axes, 1);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, dims, data);
    assert_int_equal(case_run(&c), DNNX_OK);
    naive_slice(data, dims, (int64_t[]){0, 0, 1}, (int64_t[]){1, 1, 1}, (int64_t[]){20, 10, 3}, expected);
    assert_memory_equal(c.out[0].data, expected, 600 * sizeof(float));
    case_free(&c);
}

static void test_slice_symbolic_and_errors(void **state)
{
    (void)state;
    op_case c;
    case_init(&c, "Slice", 13, 5, 1);
    int64_t batch = graph_symbol(c.g, "batch"), seq = graph_symbol(c.g, "seq");
    int64_t three[] = {3}, starts[] = {0, 0, 1}, ends[] = {INT64_MAX, 64, INT64_MAX}, axes[] = {1, 2, 0};
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, seq, 768}, NULL);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, three, starts);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, three, ends);
    case_input(&c, 3, DNNX_DTYPE_INT64, 1, three, axes);
    c.inputs[4] = NULL;
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){DIM_UNKNOWN, seq, 64});

    /* Starts not known yet: only the sliced axes become unknown. */
    int64_t one[] = {1}, axis2[] = {2};
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, one, NULL);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, one, NULL);
    case_input(&c, 3, DNNX_DTYPE_INT64, 1, one, axis2);
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){batch, seq, DIM_UNKNOWN});

    int64_t start1[] = {0}, end1[] = {4}, step0[] = {0}, twice[] = {0, -3}, two[] = {2}, far[] = {3};
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, one, start1);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, one, end1);
    case_input(&c, 4, DNNX_DTYPE_INT64, 1, one, step0);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "step of axis 2 is 0");
    c.inputs[4] = NULL;
    case_input(&c, 3, DNNX_DTYPE_INT64, 1, one, far);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "axis 3 is out of range");
    case_input(&c, 3, DNNX_DTYPE_INT64, 1, two, twice);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "starts has 1 entries, axes has 2");
    int64_t start2[] = {0, 0}, end2[] = {1, 1};
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, two, start2);
    case_input(&c, 2, DNNX_DTYPE_INT64, 1, two, end2);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "sliced more than once");
    case_free(&c);
}

static void test_tile(void **state)
{
    (void)state;
    op_case c;
    float data[24], expected[144];
    iota(data, 24);
    case_init(&c, "Tile", 13, 2, 1);
    int64_t three[] = {3}, repeats[] = {2, 1, 3};
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}, data);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, three, repeats);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){4, 3, 12});
    for (int i = 0, k = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            for (int l = 0; l < 12; l++)
                expected[k++] = data[((i % 2) * 3 + j) * 4 + l % 4];
    assert_memory_equal(c.out[0].data, expected, 144 * sizeof(float));

    int64_t batch = graph_symbol(c.g, "batch");
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){batch, 3, 4}, NULL);
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){DIM_UNKNOWN, 3, 12});
    repeats[0] = 1;
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 3, (int64_t[]){batch, 3, 12});
    repeats[1] = -1;
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "repeats[1] is -1");
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, repeats);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "2 entries for a rank-3 input");
    case_free(&c);
}

static void test_pad_modes(void **state)
{
    (void)state;
    op_case c;
    float data[12];
    iota(data, 12);
    int64_t dims[] = {3, 4}, four[] = {4};
    case_init(&c, "Pad", 19, 3, 1);
    int64_t pads[] = {1, 0, 0, 2};
    float nine = 9.0f;
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, four, pads);
    case_input(&c, 2, DNNX_DTYPE_FLOAT, 0, NULL, &nine);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 2, (int64_t[]){4, 6});
    assert_memory_equal(c.out[0].data,
                        ((float[]){9, 9, 9, 9, 9, 9, 0, 1, 2, 3, 9, 9, 4, 5, 6, 7, 9, 9, 8, 9, 10, 11, 9, 9}),
                        24 * sizeof(float));

    /* Expected values from numpy.pad. */
    int64_t reflect_pads[] = {0, 2, 0, 1};
    case_attr_string(&c, "mode", "reflect");
    c.in[1].data = reflect_pads;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[]){2, 1, 0, 1, 2, 3, 2, 6, 5, 4, 5, 6, 7, 6, 10, 9, 8, 9, 10, 11, 10}),
                        21 * sizeof(float));
    int64_t edge_pads[] = {1, 0, 0, 0};
    c.attrs[0].s = (char *)"edge";
    c.in[1].data = edge_pads;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[]){0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}),
                        16 * sizeof(float));
    /* wrap is a torus: index i reads i mod 4, also for pads wider than the axis. */
    int64_t wrap_pads[] = {0, 5, 0, 1};
    c.attrs[0].s = (char *)"wrap";
    c.in[1].data = wrap_pads;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[]){3, 0, 1, 2, 3, 0, 1, 2, 3, 0}), 10 * sizeof(float));

    /* Negative pads crop. */
    int64_t crop[] = {-1, -1, 0, -1};
    c.attrs[0].s = (char *)"constant";
    c.in[1].data = crop;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 2, (int64_t[]){2, 2});
    assert_memory_equal(c.out[0].data, ((float[]){5, 6, 9, 10}), 4 * sizeof(float));
    case_free(&c);

    /* Opset 18 axes, and opset 2 attributes. */
    case_init(&c, "Pad", 18, 4, 1);
    int64_t two[] = {2}, one[] = {1}, axis_pads[] = {1, 1}, last[] = {-1};
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, two, axis_pads);
    c.inputs[2] = NULL;
    case_input(&c, 3, DNNX_DTYPE_INT64, 1, one, last);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 2, (int64_t[]){3, 6});
    assert_memory_equal(c.out[0].data, ((float[]){0, 0, 1, 2, 3, 0}), 6 * sizeof(float));
    case_free(&c);

    case_init(&c, "Pad", 2, 1, 1);
    int64_t attr_pads[] = {0, 1, 0, 0};
    case_attr_ints(&c, "pads", attr_pads, 4);
    case_attr_float(&c, "value", -1.5f);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, dims, data);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[]){-1.5f, 0, 1, 2, 3}), 5 * sizeof(float));
    case_free(&c);
}

static void test_pad_symbolic_and_errors(void **state)
{
    (void)state;
    op_case c;
    case_init(&c, "Pad", 13, 2, 1);
    int64_t batch = graph_symbol(c.g, "batch"), seq = graph_symbol(c.g, "seq");
    int64_t four[] = {4}, pads[] = {0, 1, 0, 1};
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){batch, seq}, NULL);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, four, pads);
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 2, (int64_t[]){batch, DIM_UNKNOWN});
    c.in[1].data = NULL;
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 2, (int64_t[]){DIM_UNKNOWN, DIM_UNKNOWN});

    int64_t crop[] = {0, -3, 0, 0};
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 2}, NULL);
    c.in[1].data = crop;
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "below 0");
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){2}, pads);
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "pads has 2 entries for 2 axes");
    case_attr_string(&c, "mode", "wrap");
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_MODEL, "'wrap' is not a pad mode");
    c.attrs[0].s = (char *)"reflect";
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 0}, NULL);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, four, pads);
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "axis 1 is empty");
    case_free(&c);
}

static void test_trilu(void **state)
{
    (void)state;
    op_case c;
    float data[24];
    iota(data, 24);
    int64_t k = 1;
    case_init(&c, "Trilu", 14, 2, 1);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}, data);
    case_input(&c, 1, DNNX_DTYPE_INT64, 0, NULL, &k);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data,
                        ((float[]){0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11, 0, 13, 14, 15, 0, 0, 18, 19, 0, 0, 0, 23}),
                        sizeof data);
    k = -1;
    case_attr_int(&c, "upper", 0);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data,
                        ((float[]){0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 20, 21, 0, 0}),
                        sizeof data);
    k = INT64_MIN;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[24]){0}), sizeof data);
    k = INT64_MAX;
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, data, sizeof data);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 1, (int64_t[]){4}, data);
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "rank >= 2");
    case_free(&c);
}

/* DepthToSpace by its definition: out[n][c][h*b+i][w*b+j] = in[n][channel][h][w]. */
static void naive_depth_to_space(const float *in, int64_t n, int64_t ch, int64_t h, int64_t w, int64_t b, bool crd,
                                 float *out)
{
    int64_t oc = ch / (b * b), oh = h * b, ow = w * b;
    for (int64_t q = 0; q < n; q++)
        for (int64_t c = 0; c < oc; c++)
            for (int64_t y = 0; y < oh; y++)
                for (int64_t x = 0; x < ow; x++) {
                    int64_t i = y % b, j = x % b;
                    int64_t channel = crd ? c * b * b + i * b + j : (i * b + j) * oc + c;
                    out[((q * oc + c) * oh + y) * ow + x] = in[((q * ch + channel) * h + y / b) * w + x / b];
                }
}

static void test_depth_and_space(void **state)
{
    (void)state;
    op_case c, back;
    static float data[2 * 8 * 2 * 3], expected[2 * 8 * 2 * 3];
    iota(data, 96);
    int64_t dims[] = {2, 8, 2, 3};
    case_init(&c, "DepthToSpace", 13, 1, 1);
    case_attr_int(&c, "blocksize", 2);
    case_attr_string(&c, "mode", "DCR");
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 4, dims, data);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_dims(&c.out[0], 4, (int64_t[]){2, 2, 4, 6});
    naive_depth_to_space(data, 2, 8, 2, 3, 2, false, expected);
    assert_memory_equal(c.out[0].data, expected, sizeof data);

    /* SpaceToDepth undoes DCR DepthToSpace. */
    case_init(&back, "SpaceToDepth", 13, 1, 1);
    case_attr_int(&back, "blocksize", 2);
    case_input(&back, 0, DNNX_DTYPE_FLOAT, 4, c.out[0].dims, c.out[0].data);
    assert_int_equal(case_run(&back), DNNX_OK);
    assert_dims(&back.out[0], 4, dims);
    assert_memory_equal(back.out[0].data, data, sizeof data);
    case_free(&back);

    c.attrs[1].s = (char *)"CRD";
    assert_int_equal(case_run(&c), DNNX_OK);
    naive_depth_to_space(data, 2, 8, 2, 3, 2, true, expected);
    assert_memory_equal(c.out[0].data, expected, sizeof data);

    int64_t batch = graph_symbol(c.g, "batch");
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){batch, 8, 2, DIM_UNKNOWN}, NULL);
    assert_int_equal(case_infer(&c, false), DNNX_OK);
    assert_dims(&c.out[0], 4, (int64_t[]){batch, 2, 4, DIM_UNKNOWN});
    c.attrs[1].s = (char *)"RCD";
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "neither DCR nor CRD");
    c.attrs[1].s = (char *)"DCR";
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){1, 6, 2, 2}, NULL);
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "channels 6 do not divide");
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 3, (int64_t[]){1, 8, 2}, NULL);
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_MODEL, "4-D");
    c.attrs[0].i = 0;
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_MODEL, "blocksize 0");
    case_free(&c);

    case_init(&c, "SpaceToDepth", 13, 1, 1);
    case_attr_int(&c, "blocksize", 2);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 4, (int64_t[]){1, 1, 4, 3}, NULL);
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_ARGUMENT, "dim 3 (3) does not divide");
    case_free(&c);
}

static void test_reverse_sequence(void **state)
{
    (void)state;
    op_case c;
    float data[8];
    iota(data, 8);
    int64_t lens[] = {4, 2}, two[] = {2};
    case_init(&c, "ReverseSequence", 10, 2, 1);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){4, 2}, data);
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, two, lens);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[]){6, 3, 4, 1, 2, 5, 0, 7}), sizeof data);

    case_attr_int(&c, "time_axis", 1);
    case_attr_int(&c, "batch_axis", 0);
    case_input(&c, 0, DNNX_DTYPE_FLOAT, 2, (int64_t[]){2, 4}, data);
    assert_int_equal(case_run(&c), DNNX_OK);
    assert_memory_equal(c.out[0].data, ((float[]){3, 2, 1, 0, 5, 4, 6, 7}), sizeof data);

    lens[1] = 5;
    assert_error(case_run(&c), DNNX_ERR_RUNTIME, "sequence_lens[1] is 5");
    c.attrs[1].i = 1;
    assert_error(case_infer(&c, false), DNNX_ERR_INVALID_MODEL, "must be 0 and 1");
    c.attrs[1].i = 0;
    case_input(&c, 1, DNNX_DTYPE_INT64, 1, (int64_t[]){3}, NULL);
    assert_error(case_infer(&c, true), DNNX_ERR_INVALID_MODEL, "3 and 2 do not match");
    case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transpose_symbolic),
        cmocka_unit_test(test_transpose_all_permutations),
        cmocka_unit_test(test_transpose_tiles),
        cmocka_unit_test(test_transpose_errors),
        cmocka_unit_test(test_concat_symbolic),
        cmocka_unit_test(test_concat_runs),
        cmocka_unit_test(test_concat_errors),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_slice_runs),
        cmocka_unit_test(test_slice_symbolic_and_errors),
        cmocka_unit_test(test_tile),
        cmocka_unit_test(test_pad_modes),
        cmocka_unit_test(test_pad_symbolic_and_errors),
        cmocka_unit_test(test_trilu),
        cmocka_unit_test(test_depth_and_space),
        cmocka_unit_test(test_reverse_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/op_harness.h"

#include "ops/ops.h"

harness *harness_new(const char *op_type, int opset, int n_inputs, int n_outputs)
{
    assert_true(n_inputs <= HARNESS_MAX_IO && n_outputs <= HARNESS_MAX_IO);
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->g = graph_create();
    assert_non_null(h->g);
    h->node.name = (char *)"n";
    h->node.op_type = (char *)op_type;
    h->node.domain = (char *)"";
    h->node.attrs = h->attrs;
    h->node.opset = opset;
    h->node.schema = op_registry_find(ops_registry(), "", op_type, opset);
    assert_non_null(h->node.schema);
    for (int i = 0; i < n_outputs; i++)
        h->output_ptrs[i] = &h->outputs[i];
    h->ctx.node = &h->node;
    h->ctx.graph = h->g;
    h->ctx.opset = opset;
    h->ctx.n_inputs = n_inputs;
    h->ctx.inputs = h->input_ptrs;
    h->ctx.n_outputs = n_outputs;
    h->ctx.outputs = h->output_ptrs;
    return h;
}

void harness_free(harness *h)
{
    for (int i = 0; i < HARNESS_MAX_IO; i++)
        tensor_clear(&h->outputs[i]);
    graph_free(h->g);
    free(h);
}

static void raise_input_count(harness *h, int i)
{
    assert_true(i >= 0 && i < HARNESS_MAX_IO);
    if (h->ctx.n_inputs <= i)
        h->ctx.n_inputs = i + 1;
}

void harness_input(harness *h, int i, dnnx_dtype dtype, int rank, const int64_t *dims, const void *data)
{
    raise_input_count(h, i);
    tensor_init_shape(&h->inputs[i], dtype, rank, dims);
    h->inputs[i].data = (void *)data;
    h->input_ptrs[i] = &h->inputs[i];
}

void harness_omit_input(harness *h, int i)
{
    raise_input_count(h, i);
    h->input_ptrs[i] = NULL;
}

void harness_omit_output(harness *h, int i)
{
    assert_true(i >= 0 && i < h->ctx.n_outputs);
    h->output_ptrs[i] = NULL;
}

graph_attr *harness_attr(harness *h, const char *name, graph_attr_type type)
{
    assert_true(h->node.n_attrs < HARNESS_MAX_ATTRS);
    graph_attr *a = &h->attrs[h->node.n_attrs++];
    a->name = (char *)name;
    a->type = type;
    return a;
}

void harness_attr_int(harness *h, const char *name, int64_t value) { harness_attr(h, name, ATTR_INT)->i = value; }

void harness_attr_float(harness *h, const char *name, float value) { harness_attr(h, name, ATTR_FLOAT)->f = value; }

void harness_attr_string(harness *h, const char *name, const char *value)
{
    graph_attr *a = harness_attr(h, name, ATTR_STRING);
    a->s = (char *)value;
    a->s_len = strlen(value);
}

void harness_attr_ints(harness *h, const char *name, const int64_t *values, size_t count)
{
    assert_true(count <= HARNESS_MAX_ATTR_VALUES);
    int slot = h->node.n_attrs;
    graph_attr *a = harness_attr(h, name, ATTR_INTS);
    if (count)
        memcpy(h->ints[slot], values, count * sizeof *values);
    a->ints = h->ints[slot];
    a->count = count;
}

void harness_attr_floats(harness *h, const char *name, const float *values, size_t count)
{
    assert_true(count <= HARNESS_MAX_ATTR_VALUES);
    int slot = h->node.n_attrs;
    graph_attr *a = harness_attr(h, name, ATTR_FLOATS);
    if (count)
        memcpy(h->floats[slot], values, count * sizeof *values);
    a->floats = h->floats[slot];
    a->count = count;
}

void harness_attr_strings(harness *h, const char *name, const char *const *values, size_t count)
{
    assert_true(count <= HARNESS_MAX_ATTR_VALUES);
    int slot = h->node.n_attrs;
    graph_attr *a = harness_attr(h, name, ATTR_STRINGS);
    for (size_t k = 0; k < count; k++)
        h->strings[slot][k] = (char *)values[k];
    a->strings = h->strings[slot];
    a->count = count;
}

void harness_attr_tensor(harness *h, const char *name, dnnx_tensor *value)
{
    harness_attr(h, name, ATTR_TENSOR)->t = value;
}

dnnx_status harness_infer(harness *h, bool concrete)
{
    for (int i = 0; i < h->ctx.n_outputs; i++)
        tensor_clear(&h->outputs[i]);
    h->ctx.concrete = concrete;
    h->ctx.status = DNNX_OK;
    dnnx_status status = h->node.schema->infer(&h->ctx);
    return status ? status : h->ctx.status;
}

dnnx_status harness_run(harness *h)
{
    dnnx_status status = harness_infer(h, true);
    for (int i = 0; i < h->ctx.n_outputs && !status; i++)
        if (h->output_ptrs[i])
            status = tensor_alloc_data(h->output_ptrs[i]);
    return status ? status : h->node.schema->run(&h->ctx);
}

void assert_dims(const dnnx_tensor *t, int rank, const int64_t *dims)
{
    assert_int_equal(t->rank, rank);
    for (int d = 0; d < rank; d++)
        if (t->dims[d] != dims[d])
            fail_msg("dim %d is %lld, expected %lld", d, (long long)t->dims[d], (long long)dims[d]);
}

void assert_error(dnnx_status status, dnnx_status expected, const char *fragment)
{
    assert_int_equal(status, expected);
    if (!strstr(dnnx_last_error(), fragment))
        fail_msg("message '%s' lacks '%s'", dnnx_last_error(), fragment);
}

void assert_floats_near(const float *actual, const float *expected, size_t n, float tolerance)
{
    for (size_t i = 0; i < n; i++)
        assert_float_equal(actual[i], expected[i], tolerance);
}

void assert_close(const float *actual, const float *expected, size_t n, float tolerance)
{
    for (size_t i = 0; i < n; i++)
        if (fabsf(actual[i] - expected[i]) > tolerance * (1.0f + fabsf(expected[i])))
            fail_msg("element %zu: %g, expected %g", i, (double)actual[i], (double)expected[i]);
}

void assert_tensor_floats(const dnnx_tensor *t, const float *expected, size_t n, double tolerance)
{
    assert_int_equal(t->dtype, DNNX_DTYPE_FLOAT);
    assert_int_equal(tensor_count(t), n);
    for (size_t i = 0; i < n; i++)
        assert_float_equal(((const float *)t->data)[i], expected[i], tolerance);
}

void assert_tensor_int64s(const dnnx_tensor *t, const int64_t *expected, size_t n)
{
    assert_int_equal(t->dtype, DNNX_DTYPE_INT64);
    assert_int_equal(tensor_count(t), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(((const int64_t *)t->data)[i], expected[i]);
}

void assert_floats_within(const float *actual, const float *expected, size_t n, double tolerance)
{
    for (size_t i = 0; i < n; i++) {
        /* NaN matches only NaN, an infinity only the same infinity. */
        bool off = isnan(expected[i])   ? !isnan(actual[i])
                   : isinf(expected[i]) ? !isinf(actual[i]) || (actual[i] > 0) != (expected[i] > 0)
                                        : !(fabs((double)actual[i] - (double)expected[i]) <= tolerance);
        if (off)
            fail_msg("element %zu: %.7g, expected %.7g", i, (double)actual[i], (double)expected[i]);
    }
}

void assert_tensor_floats_within(const dnnx_tensor *t, const float *expected, size_t n, double tolerance)
{
    assert_int_equal(t->dtype, DNNX_DTYPE_FLOAT);
    assert_int_equal(tensor_count(t), n);
    assert_floats_within(t->data, expected, n, tolerance);
}

/* One step of the linear congruential generator, as a float in [-1, 1). */
static float next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
}

float *random_floats(uint32_t *state, size_t n)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = next_random(state);
    return v;
}

void fill_random(float *v, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        v[i] = next_random(&seed);
}

void fill_sine(float *v, size_t n, double a, double b, double scale)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(sin(a * (double)i + b) * scale);
}

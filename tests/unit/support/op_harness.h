/* The unit tests' way to run one op: a node bound to its registry schema, attributes, inputs
 * over caller memory and outputs the harness owns, driven through infer and run as the
 * executor drives them; plus the assertions those tests share. Include after <cmocka.h>. */
#ifndef DNNX_TESTS_OP_HARNESS_H
#define DNNX_TESTS_OP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "graph/op.h"
#include "graph/tensor.h"

#define HARNESS_MAX_IO 12
#define HARNESS_MAX_ATTRS 12
#define HARNESS_MAX_ATTR_VALUES (2 * DNNX_MAX_RANK)

typedef struct harness {
    graph *g;
    graph_node node;
    graph_attr attrs[HARNESS_MAX_ATTRS];
    int64_t ints[HARNESS_MAX_ATTRS][HARNESS_MAX_ATTR_VALUES];  /* copies of ATTR_INTS values */
    float floats[HARNESS_MAX_ATTRS][HARNESS_MAX_ATTR_VALUES];  /* copies of ATTR_FLOATS values */
    char *strings[HARNESS_MAX_ATTRS][HARNESS_MAX_ATTR_VALUES]; /* copies of ATTR_STRINGS pointers */
    dnnx_tensor inputs[HARNESS_MAX_IO], outputs[HARNESS_MAX_IO];
    const dnnx_tensor *input_ptrs[HARNESS_MAX_IO]; /* NULL = omitted input */
    dnnx_tensor *output_ptrs[HARNESS_MAX_IO];      /* set NULL to omit an output */
    op_ctx ctx;
} harness;

/* A node "n" of op_type (domain "") bound to the schema for opset, with n_inputs inputs (all
 * omitted until set) and n_outputs outputs. Free with harness_free. */
harness *harness_new(const char *op_type, int opset, int n_inputs, int n_outputs);
void harness_free(harness *h);

/* Input i over caller memory (data NULL: shape only); raises n_inputs to i + 1 if needed. */
void harness_input(harness *h, int i, dnnx_dtype dtype, int rank, const int64_t *dims, const void *data);
/* Input i omitted (an empty name in the model); raises n_inputs to i + 1 if needed. */
void harness_omit_input(harness *h, int i);
/* Output i (< n_outputs) omitted: infer and run see NULL for it. */
void harness_omit_output(harness *h, int i);

/* Appends an attribute of the given type for the caller to fill in. */
graph_attr *harness_attr(harness *h, const char *name, graph_attr_type type);
void harness_attr_int(harness *h, const char *name, int64_t value);
void harness_attr_float(harness *h, const char *name, float value);
void harness_attr_string(harness *h, const char *name, const char *value);
/* The values are copied (at most HARNESS_MAX_ATTR_VALUES). */
void harness_attr_ints(harness *h, const char *name, const int64_t *values, size_t count);
void harness_attr_floats(harness *h, const char *name, const float *values, size_t count);
/* The pointers are copied (at most HARNESS_MAX_ATTR_VALUES); the strings are borrowed. */
void harness_attr_strings(harness *h, const char *name, const char *const *values, size_t count);
/* The tensor is borrowed: it must outlive the harness's use of it. */
void harness_attr_tensor(harness *h, const char *name, dnnx_tensor *value);

/* Clears the outputs and runs the schema's infer (concrete: as at run time); returns its
 * status, or the sticky attribute status when infer itself returned OK. */
dnnx_status harness_infer(harness *h, bool concrete);
/* Run-time infer, allocation of the present outputs and the reference kernel. */
dnnx_status harness_run(harness *h);

/* t has exactly this rank and these dims. */
void assert_dims(const dnnx_tensor *t, int rank, const int64_t *dims);
/* status is expected and the thread's last error message contains fragment. */
void assert_error(dnnx_status status, dnnx_status expected, const char *fragment);
/* |actual - expected| <= tolerance for each of n floats. */
void assert_floats_near(const float *actual, const float *expected, size_t n, float tolerance);
/* |actual - expected| <= tolerance * (1 + |expected|) for each of n floats. */
void assert_close(const float *actual, const float *expected, size_t n, float tolerance);
/* A float tensor of exactly n elements, each within tolerance of expected. */
void assert_tensor_floats(const dnnx_tensor *t, const float *expected, size_t n, double tolerance);
/* An int64 tensor of exactly n elements equal to expected. */
void assert_tensor_int64s(const dnnx_tensor *t, const int64_t *expected, size_t n);
/* |actual - expected| <= tolerance for each of n floats, computed in double (tolerance 0: equal,
 * where assert_float_equal also allows a relative FLT_EPSILON); an infinite expected value needs
 * the same infinity, a NaN expected value a NaN, and a NaN actual value never passes otherwise.
 * Fails naming the element. */
void assert_floats_within(const float *actual, const float *expected, size_t n, double tolerance);
/* A float tensor of exactly n elements, each as assert_floats_within checks it. */
void assert_tensor_floats_within(const dnnx_tensor *t, const float *expected, size_t n, double tolerance);

/* n deterministic floats in [-1, 1) from the linear congruential generator *state (malloc'd). */
float *random_floats(uint32_t *state, size_t n);
/* The n floats random_floats gives for a state starting at seed, into v. */
void fill_random(float *v, size_t n, uint32_t seed);
/* v[i] = scale * sin(a * i + b) rounded to float: smooth deterministic data. */
void fill_sine(float *v, size_t n, double a, double b, double scale);

#endif

/* The public API never aborts on misuse: NULL handles and pointers, wrong counts and
 * tensors of the wrong dtype or shape each return an error with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnnx.h"

#define MODEL "models/bert_tiny_opset17/model.onnx"

static void assert_error(dnnx_status status, dnnx_status expected, const char *fragment)
{
    assert_int_equal(status, expected);
    if (!strstr(dnnx_last_error(), fragment))
        fail_msg("error '%s' does not mention '%s'", dnnx_last_error(), fragment);
}

static void test_null_handles(void **state)
{
    (void)state;
    dnnx_session *session = NULL;
    dnnx_tensor *tensor = NULL;
    assert_error(dnnx_session_create(NULL, NULL, &session), DNNX_ERR_INVALID_ARGUMENT, "path");
    assert_error(dnnx_session_create(MODEL, NULL, NULL), DNNX_ERR_INVALID_ARGUMENT, "out");
    assert_error(dnnx_session_create_from_memory(NULL, 10, NULL, &session), DNNX_ERR_INVALID_ARGUMENT, "buf");
    assert_error(dnnx_session_run(NULL, NULL, 0, NULL, 0), DNNX_ERR_INVALID_ARGUMENT, "session");
    assert_error(dnnx_options_create(NULL), DNNX_ERR_INVALID_ARGUMENT, "out");
    assert_error(dnnx_options_set_threads(NULL, 1), DNNX_ERR_INVALID_ARGUMENT, "options");
    assert_error(dnnx_options_set_backends(NULL, "ref"), DNNX_ERR_INVALID_ARGUMENT, "options");
    assert_error(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 1, (int64_t[]){2}, NULL), DNNX_ERR_INVALID_ARGUMENT, "out");
    assert_error(dnnx_tensor_wrap(DNNX_DTYPE_FLOAT, 1, (int64_t[]){2}, NULL, &tensor), DNNX_ERR_INVALID_ARGUMENT,
                 "data");
    assert_error(dnnx_tensor_read_pb(NULL, &tensor), DNNX_ERR_INVALID_ARGUMENT, "NULL");
    assert_error(dnnx_tensor_write_pb(NULL, "x.pb"), DNNX_ERR_INVALID_ARGUMENT, "NULL");
    assert_error(dnnx_tensor_read_npy("x.npy", NULL), DNNX_ERR_INVALID_ARGUMENT, "NULL");
    assert_error(dnnx_tensor_set_name(NULL, "x"), DNNX_ERR_INVALID_ARGUMENT, "tensor");
    assert_null(dnnx_session_describe(NULL));
    /* Accessors on NULL give neutral answers; free functions accept NULL. */
    assert_int_equal(dnnx_session_input_count(NULL), 0);
    assert_null(dnnx_session_input_name(NULL, 0));
    assert_int_equal(dnnx_session_output_rank(NULL, 0), -1);
    assert_int_equal(dnnx_tensor_rank(NULL), 0);
    assert_null(dnnx_tensor_data(NULL));
    assert_string_equal(dnnx_tensor_name(NULL), "");
    dnnx_session_free(NULL);
    dnnx_tensor_free(NULL);
    dnnx_options_free(NULL);
}

static void test_bad_tensor_shapes(void **state)
{
    (void)state;
    dnnx_tensor *tensor = NULL;
    assert_error(dnnx_tensor_create(DNNX_DTYPE_FLOAT, -1, NULL, &tensor), DNNX_ERR_INVALID_ARGUMENT, "rank");
    assert_error(dnnx_tensor_create(DNNX_DTYPE_FLOAT, DNNX_MAX_RANK + 1, (int64_t[DNNX_MAX_RANK + 1]){0}, &tensor),
                 DNNX_ERR_INVALID_ARGUMENT, "rank");
    assert_error(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 2, NULL, &tensor), DNNX_ERR_INVALID_ARGUMENT, "dims");
    assert_error(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 1, (int64_t[]){-3}, &tensor), DNNX_ERR_INVALID_ARGUMENT,
                 "negative");
    assert_error(dnnx_tensor_create((dnnx_dtype)99, 1, (int64_t[]){3}, &tensor), DNNX_ERR_INVALID_ARGUMENT, "dtype");
    assert_error(dnnx_tensor_create(DNNX_DTYPE_STRING, 1, (int64_t[]){3}, &tensor), DNNX_ERR_INVALID_ARGUMENT,
                 "dtype");
    assert_int_not_equal(dnnx_tensor_create(DNNX_DTYPE_INT64, 3, (int64_t[]){INT64_MAX, INT64_MAX, 2}, &tensor),
                         DNNX_OK);
    assert_null(tensor);
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 2, (int64_t[]){0, 5}, &tensor), DNNX_OK);
    assert_int_equal(dnnx_tensor_element_count(tensor), 0);
    dnnx_tensor_free(tensor);
}

static void test_bad_options(void **state)
{
    (void)state;
    dnnx_options *options = NULL;
    assert_int_equal(dnnx_options_create(&options), DNNX_OK);
    assert_error(dnnx_options_set_threads(options, -2), DNNX_ERR_INVALID_ARGUMENT, "thread");
    assert_error(dnnx_options_set_optimization_level(options, 7), DNNX_ERR_INVALID_ARGUMENT, "level");
    assert_error(dnnx_options_set_backends(options, "gpu"), DNNX_ERR_INVALID_ARGUMENT, "gpu");
    dnnx_options_free(options);
}

/* input_ids, attention_mask, token_type_ids of shape [1, 4]. */
static void make_inputs(dnnx_tensor **inputs, dnnx_dtype dtype)
{
    for (int k = 0; k < 3; k++)
        assert_int_equal(dnnx_tensor_create(dtype, 2, (int64_t[]){1, 4}, &inputs[k]), DNNX_OK);
}

static void free_inputs(dnnx_tensor **inputs)
{
    for (int k = 0; k < 3; k++)
        dnnx_tensor_free(inputs[k]);
}

static void test_bad_run_arguments(void **state)
{
    (void)state;
    dnnx_session *session = NULL;
    assert_int_equal(dnnx_session_create(MODEL, NULL, &session), DNNX_OK);
    dnnx_tensor *inputs[3], *outputs[2] = {NULL, NULL};
    const dnnx_tensor *const *in = (const dnnx_tensor *const *)inputs;

    make_inputs(inputs, DNNX_DTYPE_INT64);
    assert_error(dnnx_session_run(session, in, 2, outputs, 2), DNNX_ERR_INVALID_ARGUMENT, "3 inputs, 2 were given");
    assert_error(dnnx_session_run(session, NULL, 3, outputs, 2), DNNX_ERR_INVALID_ARGUMENT, "inputs is NULL");
    assert_error(dnnx_session_run(session, in, 3, NULL, 2), DNNX_ERR_INVALID_ARGUMENT, "outputs is NULL");
    assert_error(dnnx_session_run(session, in, 3, outputs, 5), DNNX_ERR_INVALID_ARGUMENT, "2 outputs");
    const dnnx_tensor *missing[3] = {inputs[0], NULL, inputs[2]};
    assert_error(dnnx_session_run(session, missing, 3, outputs, 2), DNNX_ERR_INVALID_ARGUMENT, "attention_mask");
    assert_null(outputs[0]);
    free_inputs(inputs);

    make_inputs(inputs, DNNX_DTYPE_FLOAT);
    assert_error(dnnx_session_run(session, in, 3, outputs, 2), DNNX_ERR_INVALID_ARGUMENT, "must be int64, not float");
    free_inputs(inputs);

    /* The symbol 'batch' must bind to one size across inputs. */
    make_inputs(inputs, DNNX_DTYPE_INT64);
    dnnx_tensor *other_batch = NULL;
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_INT64, 2, (int64_t[]){2, 4}, &other_batch), DNNX_OK);
    const dnnx_tensor *mixed[3] = {inputs[0], other_batch, inputs[2]};
    assert_error(dnnx_session_run(session, mixed, 3, outputs, 2), DNNX_ERR_INVALID_ARGUMENT, "another input");
    dnnx_tensor_free(other_batch);

    /* After all that, the session still runs, and asking for fewer outputs is fine. */
    assert_int_equal(dnnx_session_run(session, in, 3, outputs, 1), DNNX_OK);
    assert_string_equal(dnnx_tensor_name(outputs[0]), "last_hidden_state");
    dnnx_tensor_free(outputs[0]);
    free_inputs(inputs);
    dnnx_session_free(session);
}

static void test_memory_limit_option(void **state)
{
    (void)state;
    dnnx_options *options = NULL;
    dnnx_session *session = NULL;
    assert_int_equal(dnnx_options_create(&options), DNNX_OK);
    assert_int_equal(dnnx_options_set_max_memory(options, 4096), DNNX_OK);
    assert_int_equal(dnnx_session_create(MODEL, options, &session), DNNX_OK);
    dnnx_options_free(options);
    dnnx_tensor *inputs[3], *outputs[2] = {NULL, NULL};
    make_inputs(inputs, DNNX_DTYPE_INT64);
    assert_error(dnnx_session_run(session, (const dnnx_tensor *const *)inputs, 3, outputs, 2),
                 DNNX_ERR_OUT_OF_MEMORY, "memory limit of 4096 bytes");
    free_inputs(inputs);
    dnnx_session_free(session);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_handles),       cmocka_unit_test(test_bad_tensor_shapes),
        cmocka_unit_test(test_bad_options),        cmocka_unit_test(test_bad_run_arguments),
        cmocka_unit_test(test_memory_limit_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

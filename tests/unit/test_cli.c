/* Unit tests of the helpers the command-line tool and the conformance runner share: argument
 * parsing, dims, comparison semantics, random inputs, half floats and test-data loading, and the
 * decoding rule of --steps on the tiny decoders of unit/data/decode (ONNX Runtime chains).
 * The files under test are included so their static helpers can be reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/cli_common.c"
#include "tools/cli_decode.c"

#define DECODE_DIR "unit/data/decode/"

static void test_parse_long(void **state)
{
    long value = 0;
    assert_int_equal(cli_parse_long("42", 0, 100, "n", &value), 0);
    assert_int_equal(value, 42);
    assert_int_equal(cli_parse_long("-3", -5, 5, "n", &value), 0);
    assert_int_equal(value, -3);
    assert_int_equal(cli_parse_long("101", 0, 100, "n", &value), -1);
    assert_non_null(strstr(cli_error(), "outside 0..100"));
    assert_int_equal(cli_parse_long("4x", 0, 100, "n", &value), -1);
    assert_int_equal(cli_parse_long("", 0, 100, "n", &value), -1);
    assert_int_equal(cli_parse_long(" 4", 0, 100, "n", &value), -1);
    assert_int_equal(cli_parse_long("99999999999999999999999", 0, 100, "n", &value), -1);
    assert_int_equal(value, -3);
}

static void test_parse_tolerance(void **state)
{
    double value = 0;
    assert_int_equal(cli_parse_tolerance("1e-3", "--rtol", &value), 0);
    assert_true(value == 1e-3);
    assert_int_equal(cli_parse_tolerance("0", "--rtol", &value), 0);
    assert_true(value == 0);
    assert_int_equal(cli_parse_tolerance("-1", "--rtol", &value), -1);
    assert_int_equal(cli_parse_tolerance("nan", "--rtol", &value), -1);
    assert_int_equal(cli_parse_tolerance("inf", "--rtol", &value), -1);
    assert_int_equal(cli_parse_tolerance("1e-3x", "--rtol", &value), -1);
    assert_int_equal(cli_parse_tolerance("1e999", "--rtol", &value), -1);
}

static void test_parse_dims(void **state)
{
    int64_t dims[DNNX_MAX_RANK];
    int rank = -1;
    assert_int_equal(cli_parse_dims("1x128", dims, &rank), 0);
    assert_int_equal(rank, 2);
    assert_int_equal(dims[0], 1);
    assert_int_equal(dims[1], 128);
    assert_int_equal(cli_parse_dims("2,0,3", dims, &rank), 0);
    assert_int_equal(rank, 3);
    assert_int_equal(dims[1], 0);
    assert_int_equal(cli_parse_dims("", dims, &rank), 0);
    assert_int_equal(rank, 0);
    assert_int_equal(cli_parse_dims("1x", dims, &rank), -1);
    assert_int_equal(cli_parse_dims("x1", dims, &rank), -1);
    assert_int_equal(cli_parse_dims("1xx2", dims, &rank), -1);
    assert_int_equal(cli_parse_dims("-1", dims, &rank), -1);
    assert_int_equal(cli_parse_dims("1 x2", dims, &rank), -1);
    assert_int_equal(cli_parse_dims("1x2x3x4x5x6x7x8x9x10x11x12", dims, &rank), 0);
    assert_int_equal(rank, 12);
    assert_int_equal(cli_parse_dims("1x2x3x4x5x6x7x8x9x10x11x12x13", dims, &rank), -1);
    assert_int_equal(cli_parse_dims("9223372036854775807", dims, &rank), 0);
    assert_int_equal(cli_parse_dims("9223372036854775808", dims, &rank), -1);
}

static void test_format_dims(void **state)
{
    char buf[64];
    int64_t dims[] = {-1, 128, -1};
    const char *names[] = {"batch", NULL, ""};
    cli_format_dims(buf, sizeof buf, 3, dims, names);
    assert_string_equal(buf, "[batch,128,?]");
    cli_format_dims(buf, sizeof buf, 0, NULL, NULL);
    assert_string_equal(buf, "[]");
    cli_format_dims(buf, sizeof buf, -1, NULL, NULL);
    assert_string_equal(buf, "[?]");
    cli_format_dims(buf, 5, 3, dims, names);
    assert_string_equal(buf, "[bat");
}

static void test_option(void **state)
{
    char *argv[] = {"prog", "--rtol=0.5", "--rtol", "2", "--rtolx", "--atol"};
    int argc = 6, i = 1;
    const char *value = NULL;
    assert_int_equal(cli_option(argc, argv, &i, "--rtol", &value), 1);
    assert_string_equal(value, "0.5");
    i = 2;
    assert_int_equal(cli_option(argc, argv, &i, "--rtol", &value), 1);
    assert_string_equal(value, "2");
    assert_int_equal(i, 3);
    i = 4;
    assert_int_equal(cli_option(argc, argv, &i, "--rtol", &value), 0);
    i = 5;
    assert_int_equal(cli_option(argc, argv, &i, "--atol", &value), -1);
    assert_non_null(strstr(cli_error(), "--atol needs a value"));
}

static void test_error_is_one_line(void **state)
{
    cli_fail("a\nb\tc");
    assert_string_equal(cli_error(), "a b c");
    cli_prefix("input '%s'", "x");
    assert_string_equal(cli_error(), "input 'x': a b c");
}

static dnnx_tensor *float_tensor(int rank, const int64_t *dims, const float *values)
{
    dnnx_tensor *tensor = NULL;
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, rank, dims, &tensor), DNNX_OK);
    memcpy(dnnx_tensor_data(tensor), values, dnnx_tensor_size_bytes(tensor));
    return tensor;
}

static void compare_floats(const float *actual, const float *expected, size_t n, cli_comparison *out)
{
    int64_t dims[] = {(int64_t)n};
    dnnx_tensor *a = float_tensor(1, dims, actual), *b = float_tensor(1, dims, expected);
    cli_compare(a, b, 1e-3, 1e-5, out);
    dnnx_tensor_free(a);
    dnnx_tensor_free(b);
}

static void test_compare_floats(void **state)
{
    cli_comparison c;
    float expected[] = {1.0f, -2.0f, 0.0f, 100.0f};
    float close[] = {1.0005f, -2.001f, 0.000005f, 100.09f};
    compare_floats(close, expected, 4, &c);
    assert_true(c.pass);
    assert_string_equal(c.reason, "");
    assert_true(c.max_abs > 0.08 && c.max_abs < 0.1);
    assert_true(c.max_rel > 0.00089 && c.max_rel < 0.001);

    float far[] = {1.0f, -2.0f, 0.0001f, 100.2f};
    compare_floats(far, expected, 4, &c);
    assert_false(c.pass);
    assert_int_equal(c.mismatches, 2);
    assert_non_null(strstr(c.reason, "2 of 4 values differ, first at [2]"));
}

static void test_compare_nan_inf(void **state)
{
    cli_comparison c;
    float expected[] = {NAN, INFINITY, -INFINITY};
    float same[] = {NAN, INFINITY, -INFINITY};
    compare_floats(same, expected, 3, &c);
    assert_true(c.pass);
    assert_true(c.max_abs == 0);

    float swapped[] = {NAN, -INFINITY, -INFINITY};
    compare_floats(swapped, expected, 3, &c);
    assert_false(c.pass);
    assert_true(isinf(c.max_abs));

    float number[] = {0.0f, INFINITY, -INFINITY};
    compare_floats(number, expected, 3, &c);
    assert_false(c.pass);
    assert_int_equal(c.mismatches, 1);

    float finite_expected[] = {1.0f};
    float nan_actual[] = {NAN};
    compare_floats(nan_actual, finite_expected, 1, &c);
    assert_false(c.pass);
}

static void test_compare_shape_and_dtype(void **state)
{
    cli_comparison c;
    int64_t dims_a[] = {2, 3}, dims_b[] = {3, 2};
    float values[6] = {0};
    dnnx_tensor *a = float_tensor(2, dims_a, values), *b = float_tensor(2, dims_b, values), *d = NULL;
    cli_compare(a, b, 1e-3, 1e-5, &c);
    assert_false(c.pass);
    assert_string_equal(c.reason, "shape [2,3], expected [3,2]");
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_DOUBLE, 2, dims_a, &d), DNNX_OK);
    cli_compare(d, a, 1e-3, 1e-5, &c);
    assert_false(c.pass);
    assert_string_equal(c.reason, "dtype double, expected float");
    dnnx_tensor_free(a);
    dnnx_tensor_free(b);
    dnnx_tensor_free(d);
}

static void test_compare_exact(void **state)
{
    cli_comparison c;
    int64_t dims[] = {3};
    int64_t ints_a[] = {1, INT64_MAX, -5}, ints_b[] = {1, INT64_MAX - 1, -5};
    dnnx_tensor *a, *b;
    assert_int_equal(dnnx_tensor_wrap(DNNX_DTYPE_INT64, 1, dims, ints_a, &a), DNNX_OK);
    assert_int_equal(dnnx_tensor_wrap(DNNX_DTYPE_INT64, 1, dims, ints_b, &b), DNNX_OK);
    cli_compare(a, b, 1.0, 1.0, &c);
    assert_false(c.pass);
    assert_int_equal(c.mismatches, 1);
    assert_true(c.max_abs >= 1);
    cli_compare(a, a, 0, 0, &c);
    assert_true(c.pass);
    dnnx_tensor_free(a);
    dnnx_tensor_free(b);

    uint8_t bools_a[] = {1, 0, 1}, bools_b[] = {1, 0, 0};
    assert_int_equal(dnnx_tensor_wrap(DNNX_DTYPE_BOOL, 1, dims, bools_a, &a), DNNX_OK);
    assert_int_equal(dnnx_tensor_wrap(DNNX_DTYPE_BOOL, 1, dims, bools_b, &b), DNNX_OK);
    cli_compare(a, b, 1.0, 1.0, &c);
    assert_false(c.pass);
    assert_non_null(strstr(c.reason, "first at [2]: 1, expected 0"));
    dnnx_tensor_free(a);
    dnnx_tensor_free(b);
}

static void test_half(void **state)
{
    assert_true(half_to_float(0x3c00) == 1.0f);
    assert_true(half_to_float(0xc000) == -2.0f);
    assert_true(half_to_float(0x0001) == 0x1p-24f);
    assert_true(isinf(half_to_float(0x7c00)));
    assert_true(isnan(half_to_float(0x7e00)));
    assert_int_equal(float_to_half(0.5f), 0x3800);
    assert_int_equal(float_to_half(-1.0f), 0xbc00);
    assert_int_equal(float_to_half(0x1p-24f), 0x0001);
    assert_int_equal(float_to_half(1.0f + 0x1p-11f), 0x3c00);
    assert_int_equal(float_to_half(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    for (uint32_t h = 0; h < 0x7c00; h++)
        assert_int_equal(float_to_half(half_to_float((uint16_t)h)), h);
    assert_int_equal(float_to_bfloat16(1.0f), 0x3f80);
    assert_true(bfloat16_to_float(0xbf80) == -1.0f);
}

static void test_random_tensor(void **state)
{
    int64_t dims[] = {1000};
    dnnx_dtype dtypes[] = {DNNX_DTYPE_FLOAT, DNNX_DTYPE_FLOAT16, DNNX_DTYPE_INT64, DNNX_DTYPE_INT32,
                           DNNX_DTYPE_UINT8, DNNX_DTYPE_BOOL,    DNNX_DTYPE_DOUBLE};
    for (size_t k = 0; k < sizeof dtypes / sizeof dtypes[0]; k++) {
        uint64_t rng = 7, rng_again = 7;
        dnnx_tensor *t, *again;
        assert_int_equal(cli_random_tensor(dtypes[k], 1, dims, 10, &rng, &t), 0);
        assert_int_equal(cli_random_tensor(dtypes[k], 1, dims, 10, &rng_again, &again), 0);
        assert_memory_equal(dnnx_tensor_data(t), dnnx_tensor_data(again), dnnx_tensor_size_bytes(t));
        double low = 1e9, high = -1e9;
        for (size_t i = 0; i < 1000; i++) {
            double v = cli_tensor_value(t, i);
            low = v < low ? v : low;
            high = v > high ? v : high;
        }
        if (dtypes[k] == DNNX_DTYPE_BOOL) {
            assert_true(low == 0 && high == 1);
        } else if (dtypes[k] == DNNX_DTYPE_FLOAT || dtypes[k] == DNNX_DTYPE_FLOAT16 || dtypes[k] == DNNX_DTYPE_DOUBLE) {
            assert_true(low >= -1 && low < -0.9 && high < 1 && high > 0.9);
        } else {
            assert_true(low == 0 && high == 9);
        }
        dnnx_tensor_free(t);
        dnnx_tensor_free(again);
    }
    dnnx_tensor *t = NULL;
    uint64_t rng = 0;
    assert_int_equal(cli_random_tensor(DNNX_DTYPE_INT64, 1, dims, 2, &rng, &t), 0);
    for (size_t i = 0; i < 1000; i++)
        assert_true(cli_tensor_value(t, i) == 0 || cli_tensor_value(t, i) == 1);
    dnnx_tensor_free(t);
    t = NULL;
    assert_int_equal(cli_random_tensor(DNNX_DTYPE_STRING, 1, dims, 10, &rng, &t), -1);
    assert_null(t);
}

static void test_natural_order(void **state)
{
    assert_true(cli_natural_compare("test_data_set_2", "test_data_set_10") < 0);
    assert_true(cli_natural_compare("test_data_set_10", "test_data_set_2") > 0);
    assert_true(cli_natural_compare("test_add", "test_add_bcast") < 0);
    assert_true(cli_natural_compare("abc", "abd") < 0);
}

/* A dataset written with the public API is read back in order, with missing trailing inputs
 * left NULL and too many inputs refused. */
static void test_dataset(void **state)
{
    char dir[] = "/tmp/dnnx_test_cli_XXXXXX", sub[CLI_PATH_CAPACITY], path[CLI_PATH_CAPACITY];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(cli_join_path(sub, dir, "a/test_data_set_0"), 0);
    assert_int_equal(cli_make_dirs(sub), 0);
    assert_true(cli_is_dir(sub));
    int64_t dims[] = {2};
    float values[] = {1.5f, -2.5f};
    const char *files[] = {"input_0.pb", "output_0.pb", "output_1.pb"};
    for (size_t k = 0; k < 3; k++) {
        dnnx_tensor *t = float_tensor(1, dims, values);
        assert_int_equal(cli_join_path(path, sub, files[k]), 0);
        assert_int_equal(dnnx_tensor_write_pb(t, path), DNNX_OK);
        dnnx_tensor_free(t);
    }
    cli_dataset dataset;
    assert_int_equal(cli_dataset_load(sub, 2, &dataset), 0);
    assert_int_equal(dataset.n_input_files, 1);
    assert_non_null(dataset.inputs[0]);
    assert_null(dataset.inputs[1]);
    assert_int_equal(dataset.n_expected, 2);
    assert_true(cli_tensor_value(dataset.expected[1], 1) == -2.5);
    cli_dataset_free(&dataset);
    assert_int_equal(cli_dataset_load(sub, 0, &dataset), -1);
    assert_non_null(strstr(cli_error(), "has 1 input files but the model has 0 inputs"));

    char **names;
    size_t count;
    assert_int_equal(cli_join_path(path, dir, "a"), 0);
    assert_int_equal(cli_list_dir(path, "test_", &names, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(names[0], "test_data_set_0");
    cli_free_names(names, count);
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(cli_join_path(path, sub, files[k]), 0);
        unlink(path);
    }
    rmdir(sub);
    assert_int_equal(cli_join_path(path, dir, "a"), 0);
    rmdir(path);
    rmdir(dir);
}

/* A session on one thread, so a busy machine does not slow OpenMP's spinning workers down. */
static dnnx_session *open_one_thread(const char *model)
{
    cli_session_settings settings = CLI_SESSION_SETTINGS_DEFAULT;
    dnnx_session *session = NULL;
    settings.threads = 1;
    assert_int_equal(cli_open_session(model, &settings, &session), 0);
    return session;
}

static dnnx_tensor *int64_tensor(int rank, const int64_t *dims, const int64_t *values)
{
    dnnx_tensor *t = NULL;
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_INT64, rank, dims, &t), DNNX_OK);
    memcpy(dnnx_tensor_data(t), values, dnnx_tensor_size_bytes(t));
    return t;
}

static void test_decoder_finds_the_convention(void **state)
{
    dnnx_session *session = open_one_thread(DECODE_DIR "with_positions/model.onnx");
    cli_decoder d;
    assert_int_equal(cli_decoder_init(session, &d), 0);
    assert_int_equal(d.input_ids, 0);
    assert_int_equal(d.attention_mask, 1);
    assert_int_equal(d.position_ids, 2);
    assert_int_equal(d.logits, 0);
    assert_int_equal(d.n_past, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(d.past[i], 3 + i);
        assert_int_equal(d.present[i], 1 + i);
    }
    cli_decoder_free(&d);
    dnnx_session_free(session);

    session = open_one_thread(DECODE_DIR "without_positions/model.onnx");
    assert_int_equal(cli_decoder_init(session, &d), 0);
    assert_true(d.attention_mask == CLI_NO_INDEX && d.position_ids == CLI_NO_INDEX);
    assert_int_equal(d.n_past, 4);
    assert_int_equal(d.past[0], 1);
    cli_decoder_free(&d);
    dnnx_session_free(session);
}

/* A model without past names everything it lacks, in one line. */
static void test_decoder_names_what_is_missing(void **state)
{
    dnnx_session *session = open_one_thread("models/bert_tiny_opset17/model.onnx");
    cli_decoder d;
    assert_int_equal(cli_decoder_init(session, &d), -1);
    assert_non_null(strstr(cli_error(), "no output named 'logits', no input whose name starts with 'past', "
                                        "no output whose name starts with 'present'"));
    assert_null(strchr(cli_error(), '\n'));
    dnnx_session_free(session);
}

/* One step of the rule on hand-made tensors: argmax of the last position per row (first on
 * ties), presents moved to the pasts, a column of ones appended to the mask, positions = past_len. */
static void test_next_inputs(void **state)
{
    dnnx_session *session = open_one_thread(DECODE_DIR "with_positions/model.onnx");
    cli_decoder d;
    assert_int_equal(cli_decoder_init(session, &d), 0);
    dnnx_tensor *inputs[7] = {0}, *outputs[5] = {0}, *next[7] = {0};
    int64_t ids_dims[] = {2, 1}, ids[] = {3, 4}, mask_dims[] = {2, 3}, mask[] = {0, 1, 1, 1, 1, 1};
    inputs[0] = int64_tensor(2, ids_dims, ids);
    inputs[1] = int64_tensor(2, mask_dims, mask);
    inputs[2] = int64_tensor(2, ids_dims, (int64_t[]){2, 2});
    int64_t logits_dims[] = {2, 2, 32}, present_dims[] = {2, 1, 3, 8};
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 3, logits_dims, &outputs[0]), DNNX_OK);
    float *logits = dnnx_tensor_data(outputs[0]);
    logits[7] = 9.0f;           /* row 0, position 0: not the last position */
    logits[32 + 5] = 1.0f;      /* row 0, last position */
    logits[64 + 32 + 9] = 2.0f; /* row 1, last position: a tie, the first wins */
    logits[64 + 32 + 20] = 2.0f;
    for (size_t k = 1; k < 5; k++)
        assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 4, present_dims, &outputs[k]), DNNX_OK);
    dnnx_tensor *presents[4] = {outputs[1], outputs[2], outputs[3], outputs[4]};

    assert_int_equal(cli_decoder_next_inputs(&d, session, inputs, outputs, next), 0);
    assert_int_equal(dnnx_tensor_rank(next[0]), 2);
    assert_int_equal(dnnx_tensor_dims(next[0])[1], 1);
    assert_true(cli_tensor_value(next[0], 0) == 5 && cli_tensor_value(next[0], 1) == 9);
    assert_int_equal(dnnx_tensor_dims(next[1])[1], 4);
    const int64_t want_mask[] = {0, 1, 1, 1, 1, 1, 1, 1};
    assert_memory_equal(dnnx_tensor_data(next[1]), want_mask, sizeof want_mask);
    assert_true(cli_tensor_value(next[2], 0) == 3 && cli_tensor_value(next[2], 1) == 3);
    for (size_t i = 0; i < 4; i++) {
        assert_ptr_equal(next[3 + i], presents[i]);
        assert_null(outputs[1 + i]);
        assert_string_equal(dnnx_tensor_name(next[3 + i]), dnnx_session_input_name(session, 3 + i));
    }
    assert_string_equal(dnnx_tensor_name(next[1]), "attention_mask");

    /* logits that are not [batch, new_len, vocab] stop the chain with a message. */
    for (size_t i = 0; i < 7; i++) {
        dnnx_tensor_free(next[i]);
        next[i] = NULL;
    }
    for (size_t k = 1; k < 5; k++)
        assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 4, present_dims, &outputs[k]), DNNX_OK);
    dnnx_tensor_free(outputs[0]);
    assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 2, logits_dims, &outputs[0]), DNNX_OK);
    assert_int_equal(cli_decoder_next_inputs(&d, session, inputs, outputs, next), -1);
    assert_non_null(strstr(cli_error(), "output 'logits' is [2,2]"));
    for (size_t i = 0; i < 7; i++)
        assert_null(next[i]);
    for (size_t i = 0; i < 7; i++)
        dnnx_tensor_free(inputs[i]);
    for (size_t k = 0; k < 5; k++)
        dnnx_tensor_free(outputs[k]);
    cli_decoder_free(&d);
    dnnx_session_free(session);
}

static void test_argmax_like_numpy(void **state)
{
    int64_t dims[] = {5};
    dnnx_tensor *t = float_tensor(1, dims, (const float[]){1.0f, 3.0f, NAN, 3.0f, 7.0f});
    assert_int_equal(decode_argmax(t, 0, 2), 1);
    assert_int_equal(decode_argmax(t, 0, 5), 2); /* NaN counts as the largest */
    assert_int_equal(decode_argmax(t, 3, 2), 1);
    dnnx_tensor_free(t);
}

/* The chain of each tiny decoder matches ONNX Runtime's at every step; sets out of order do not. */
static void test_compare_steps(void **state)
{
    const char *variants[] = {"with_positions", "without_positions"};
    for (size_t v = 0; v < 2; v++) {
        char model[256], sets[4][256];
        const char *chain[4];
        snprintf(model, sizeof model, DECODE_DIR "%s/model.onnx", variants[v]);
        for (int k = 0; k < 4; k++) {
            snprintf(sets[k], sizeof sets[k], DECODE_DIR "%s/test_data_set_%d", variants[v], k);
            chain[k] = sets[k];
        }
        dnnx_session *session = open_one_thread(model);
        double seconds = 0;
        size_t failed = 99;
        assert_int_equal(cli_decode_compare(session, chain, 4, 1e-3, 1e-4, &seconds, &failed), 0);
        assert_int_equal(failed, 0);
        const char *skipping[] = {sets[0], sets[2], sets[3]};
        assert_int_equal(cli_decode_compare(session, skipping, 3, 1e-3, 1e-4, &seconds, &failed), 0);
        assert_int_equal(failed, 2); /* each later step is one past what the set holds */
        dnnx_session_free(session);
    }
}

/* dnnx run --steps from the first set writes the chain ONNX Runtime computed, token for token. */
static void test_run_steps_writes_the_chain(void **state)
{
    char dir[] = "/tmp/dnnx_test_decode_XXXXXX", path[CLI_PATH_CAPACITY], name[64];
    assert_non_null(mkdtemp(dir));
    dnnx_session *session = open_one_thread(DECODE_DIR "with_positions/model.onnx");
    cli_input_spec spec = CLI_INPUT_SPEC_DEFAULT;
    spec.dataset = DECODE_DIR "with_positions/test_data_set_0";
    assert_int_equal(cli_decode_run(session, &spec, 4, false, dir), 0);
    for (int k = 0; k < 4; k++) {
        dnnx_tensor *written = NULL, *expected = NULL;
        snprintf(name, sizeof name, "test_data_set_%d/input_0.pb", k);
        assert_int_equal(cli_join_path(path, dir, name), 0);
        assert_int_equal(cli_read_tensor(path, &written), 0);
        assert_int_equal(cli_join_path(path, DECODE_DIR "with_positions", name), 0);
        assert_int_equal(cli_read_tensor(path, &expected), 0);
        cli_comparison comparison;
        cli_compare(written, expected, 0, 0, &comparison);
        assert_true(comparison.pass);
        dnnx_tensor_free(written);
        dnnx_tensor_free(expected);
    }
    /* What run wrote is a chain compare --steps accepts. */
    char sets[4][CLI_PATH_CAPACITY];
    const char *chain[4];
    for (int k = 0; k < 4; k++) {
        snprintf(name, sizeof name, "test_data_set_%d", k);
        assert_int_equal(cli_join_path(sets[k], dir, name), 0);
        chain[k] = sets[k];
    }
    double seconds = 0;
    size_t failed = 99;
    assert_int_equal(cli_decode_compare(session, chain, 4, 0, 0, &seconds, &failed), 0);
    assert_int_equal(failed, 0);
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 7; i++) {
            snprintf(name, sizeof name, "input_%d.pb", i);
            assert_int_equal(cli_join_path(path, sets[k], name), 0);
            unlink(path);
            snprintf(name, sizeof name, "output_%d.pb", i);
            assert_int_equal(cli_join_path(path, sets[k], name), 0);
            unlink(path);
        }
        rmdir(sets[k]);
    }
    rmdir(dir);
    dnnx_session_free(session);
}

/* Random first inputs follow the convention; a symbolic dim nothing gives is named. */
static void test_run_steps_random_start(void **state)
{
    dnnx_session *session = open_one_thread(DECODE_DIR "with_positions/model.onnx");
    cli_input_spec spec = CLI_INPUT_SPEC_DEFAULT;
    cli_decoder d;
    dnnx_tensor *inputs[7] = {0};
    assert_int_equal(cli_decoder_init(session, &d), 0);
    assert_int_equal(cli_input_spec_alloc(&spec, 4), 0);
    assert_int_equal(decode_first_inputs(&d, session, &spec, inputs), -1);
    assert_non_null(strstr(cli_error(), "input 'input_ids' dim 0 ('batch') is symbolic"));
    assert_int_equal(cli_parse_name_value("--shape", "batch=2", &spec.shapes[spec.n_shapes++]), 0);
    assert_int_equal(cli_parse_name_value("--shape", "sequence=3", &spec.shapes[spec.n_shapes++]), 0);
    assert_int_equal(decode_first_inputs(&d, session, &spec, inputs), 0);
    for (size_t i = 0; i < 6; i++)
        assert_true(cli_tensor_value(inputs[0], i) >= 0 && cli_tensor_value(inputs[0], i) < 32); /* the vocab */
    for (size_t i = 0; i < 6; i++) {
        assert_true(cli_tensor_value(inputs[1], i) == 1);
        assert_true(cli_tensor_value(inputs[2], i) == (double)(i % 3));
    }
    const int64_t empty_past[] = {2, 1, 0, 8};
    assert_memory_equal(dnnx_tensor_dims(inputs[3]), empty_past, sizeof empty_past);
    assert_string_equal(dnnx_tensor_name(inputs[0]), "input_ids");
    for (size_t i = 0; i < 7; i++)
        dnnx_tensor_free(inputs[i]);
    cli_input_spec_free(&spec);
    cli_decoder_free(&d);
    dnnx_session_free(session);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_long),
        cmocka_unit_test(test_parse_tolerance),
        cmocka_unit_test(test_parse_dims),
        cmocka_unit_test(test_format_dims),
        cmocka_unit_test(test_option),
        cmocka_unit_test(test_error_is_one_line),
        cmocka_unit_test(test_compare_floats),
        cmocka_unit_test(test_compare_nan_inf),
        cmocka_unit_test(test_compare_shape_and_dtype),
        cmocka_unit_test(test_compare_exact),
        cmocka_unit_test(test_half),
        cmocka_unit_test(test_random_tensor),
        cmocka_unit_test(test_natural_order),
        cmocka_unit_test(test_dataset),
        cmocka_unit_test(test_decoder_finds_the_convention),
        cmocka_unit_test(test_decoder_names_what_is_missing),
        cmocka_unit_test(test_next_inputs),
        cmocka_unit_test(test_argmax_like_numpy),
        cmocka_unit_test(test_compare_steps),
        cmocka_unit_test(test_run_steps_writes_the_chain),
        cmocka_unit_test(test_run_steps_random_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

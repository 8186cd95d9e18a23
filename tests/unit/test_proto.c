/* proto/: TensorProto and .npy round trips, typed-field decoding, a hand-encoded ModelProto
 * with every attribute kind, malformed files of every sort, external data confinement, and
 * the ONNX backend node-test models. Protobuf bytes are written with a small wire encoder
 * here, so the test does not depend on the generated protobuf-c code it is checking. */
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnnx.h"
#include "graph/graph.h"
#include "graph/tensor.h"
#include "proto/proto.h"
#include "support/pb_writer.h"

#define NODE_TEST_DIR "/usr/include/onnx/backend/test/data/node"

/* onnx.proto field numbers used below. */
enum {
    TP_DIMS = 1,
    TP_DATA_TYPE = 2,
    TP_SEGMENT = 3,
    TP_FLOAT_DATA = 4,
    TP_INT32_DATA = 5,
    TP_STRING_DATA = 6,
    TP_INT64_DATA = 7,
    TP_NAME = 8,
    TP_RAW_DATA = 9,
    TP_DOUBLE_DATA = 10,
    TP_UINT64_DATA = 11,
    TP_EXTERNAL_DATA = 13,
    TP_DATA_LOCATION = 14,
    MP_IR_VERSION = 1,
    MP_PRODUCER_NAME = 2,
    MP_PRODUCER_VERSION = 3,
    MP_DOC_STRING = 6,
    MP_GRAPH = 7,
    MP_OPSET_IMPORT = 8,
    MP_FUNCTIONS = 25,
    GP_NODE = 1,
    GP_NAME = 2,
    GP_INITIALIZER = 5,
    GP_INPUT = 11,
    GP_OUTPUT = 12,
    GP_VALUE_INFO = 13,
    GP_SPARSE_INITIALIZER = 15,
    NP_INPUT = 1,
    NP_OUTPUT = 2,
    NP_NAME = 3,
    NP_OP_TYPE = 4,
    NP_ATTRIBUTE = 5,
    NP_DOMAIN = 7,
    AP_NAME = 1,
    AP_F = 2,
    AP_I = 3,
    AP_S = 4,
    AP_T = 5,
    AP_G = 6,
    AP_FLOATS = 7,
    AP_INTS = 8,
    AP_STRINGS = 9,
    AP_TENSORS = 10,
    AP_GRAPHS = 11,
    AP_TYPE = 20,
    AP_REF_ATTR_NAME = 21,
    AP_SPARSE_TENSOR = 22,
};

/* A TensorProto with dims and data_type (and name if not NULL); data fields are added after. */
static void tensor_head(pb *t, const char *name, int dtype, const int64_t *dims, int rank)
{
    for (int i = 0; i < rank; i++)
        pb_int(t, TP_DIMS, dims[i]);
    pb_int(t, TP_DATA_TYPE, dtype);
    if (name)
        pb_str(t, TP_NAME, name);
}

static void raw_tensor(pb *t, const char *name, int dtype, const int64_t *dims, int rank, const void *raw, size_t n)
{
    tensor_head(t, name, dtype, dims, rank);
    pb_bytes(t, TP_RAW_DATA, raw, n);
}

/* A ValueInfoProto of a tensor; dims are "3" (value), "batch" (param) or "" (neither);
 * rank -1 = no shape. */
static void value_info(pb *out, int field, const char *name, int elem_type, int rank, const char *const *dims)
{
    pb vi = {0}, type = {0}, tensor_type = {0};
    pb_str(&vi, 1, name);
    pb_int(&tensor_type, 1, elem_type);
    if (rank >= 0) {
        pb shape = {0};
        for (int i = 0; i < rank; i++) {
            pb dim = {0};
            if ((dims[i][0] >= '0' && dims[i][0] <= '9') || dims[i][0] == '-')
                pb_int(&dim, 1, atoll(dims[i]));
            else if (dims[i][0])
                pb_str(&dim, 2, dims[i]);
            pb_sub(&shape, 1, &dim);
        }
        pb_sub(&tensor_type, 2, &shape);
    }
    pb_sub(&type, 1, &tensor_type);
    pb_sub(&vi, 2, &type);
    pb_sub(out, field, &vi);
}

static void opset(pb *model, const char *domain, int64_t version)
{
    pb o = {0};
    if (domain)
        pb_str(&o, 1, domain);
    pb_int(&o, 2, version);
    pb_sub(model, MP_OPSET_IMPORT, &o);
}

/* A node; inputs/outputs are NULL-terminated lists. Attributes may be appended to *node
 * before it is added with pb_sub(graph, GP_NODE, node). */
static void node_begin(pb *node, const char *name, const char *op_type, const char *domain, const char *const *inputs,
                       const char *const *outputs)
{
    for (; inputs && *inputs; inputs++)
        pb_str(node, NP_INPUT, *inputs);
    for (; outputs && *outputs; outputs++)
        pb_str(node, NP_OUTPUT, *outputs);
    if (name)
        pb_str(node, NP_NAME, name);
    pb_str(node, NP_OP_TYPE, op_type);
    if (domain)
        pb_str(node, NP_DOMAIN, domain);
}

/* A model around the given graph body (consumed). */
static void model_wrap(pb *model, pb *graph_body, int64_t ir_version)
{
    if (ir_version >= 0)
        pb_int(model, MP_IR_VERSION, ir_version);
    pb_str(model, MP_PRODUCER_NAME, "test-producer");
    pb_str(model, MP_PRODUCER_VERSION, "1.2");
    opset(model, "", 17);
    pb_sub(model, MP_GRAPH, graph_body);
}

/* The smallest valid graph: Relu(X) -> Y, plus what the caller appended to body. */
static void simple_graph(pb *body)
{
    static const char *const dims[] = {"2"};
    pb node = {0};
    node_begin(&node, "relu", "Relu", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"Y", NULL});
    pb_sub(body, GP_NODE, &node);
    pb_str(body, GP_NAME, "simple");
    value_info(body, GP_INPUT, "X", DNNX_DTYPE_FLOAT, 1, dims);
    value_info(body, GP_OUTPUT, "Y", DNNX_DTYPE_FLOAT, 1, dims);
}

/* Loads body wrapped in a model from memory; returns the status and frees any graph. */
static dnnx_status load_body(pb *body, int64_t ir_version)
{
    pb model = {0};
    model_wrap(&model, body, ir_version);
    graph *g = NULL;
    dnnx_status status = proto_load_model_memory(model.data, model.len, NULL, &g);
    pb_free(&model);
    graph_free(g);
    return status;
}

/* Asserts a failure with the given status whose message contains every given word. */
static void expect_failure(dnnx_status status, dnnx_status expected, ...)
{
    const char *message = dnnx_last_error();
    if (status != expected)
        fail_msg("status %d (expected %d), message: %s", (int)status, (int)expected, message);
    va_list words;
    va_start(words, expected);
    for (const char *word = va_arg(words, const char *); word; word = va_arg(words, const char *))
        if (!strstr(message, word))
            fail_msg("message '%s' lacks '%s'", message, word);
    va_end(words);
}

#define EXPECT_FAILURE(status, expected, ...) expect_failure((status), (expected), __VA_ARGS__, (const char *)NULL)

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/dnnx_test_proto_XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_temp_dir(char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *join(const char *dir, const char *name)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static dnnx_tensor *patterned_tensor(dnnx_dtype dtype, int rank, const int64_t *dims, const char *name)
{
    dnnx_tensor *t = NULL;
    assert_int_equal(dnnx_tensor_create(dtype, rank, dims, &t), DNNX_OK);
    uint8_t *bytes = dnnx_tensor_data(t);
    size_t size = dnnx_tensor_size_bytes(t);
    for (size_t i = 0; i < size; i++)
        bytes[i] = (uint8_t)(i * 37 + 11);
    if (dtype == DNNX_DTYPE_BOOL)
        for (size_t i = 0; i < size; i++)
            bytes[i] &= 1;
    if (name)
        assert_int_equal(dnnx_tensor_set_name(t, name), DNNX_OK);
    return t;
}

static void assert_same_tensor(const dnnx_tensor *a, const dnnx_tensor *b, bool same_name)
{
    assert_int_equal(dnnx_tensor_dtype(a), dnnx_tensor_dtype(b));
    assert_int_equal(dnnx_tensor_rank(a), dnnx_tensor_rank(b));
    for (int i = 0; i < dnnx_tensor_rank(a); i++)
        assert_int_equal(dnnx_tensor_dims(a)[i], dnnx_tensor_dims(b)[i]);
    assert_int_equal(dnnx_tensor_size_bytes(a), dnnx_tensor_size_bytes(b));
    if (dnnx_tensor_size_bytes(a))
        assert_memory_equal(dnnx_tensor_data_const(a), dnnx_tensor_data_const(b), dnnx_tensor_size_bytes(a));
    if (same_name)
        assert_string_equal(dnnx_tensor_name(a), dnnx_tensor_name(b));
}

typedef struct shape_case {
    dnnx_dtype dtype;
    int rank;
    int64_t dims[4];
} shape_case;

static const shape_case round_trip_cases[] = {
    {DNNX_DTYPE_FLOAT, 2, {3, 4}},       {DNNX_DTYPE_FLOAT, 0, {0}},    {DNNX_DTYPE_DOUBLE, 3, {1, 2, 3}},
    {DNNX_DTYPE_FLOAT16, 1, {5}},        {DNNX_DTYPE_INT64, 0, {0}},    {DNNX_DTYPE_INT64, 2, {0, 3}},
    {DNNX_DTYPE_INT32, 1, {7}},          {DNNX_DTYPE_INT16, 2, {2, 2}}, {DNNX_DTYPE_INT8, 1, {9}},
    {DNNX_DTYPE_UINT8, 4, {1, 2, 1, 3}}, {DNNX_DTYPE_UINT16, 1, {4}},   {DNNX_DTYPE_UINT32, 1, {3}},
    {DNNX_DTYPE_UINT64, 1, {2}},         {DNNX_DTYPE_BOOL, 2, {2, 3}},  {DNNX_DTYPE_FLOAT, 1, {0}},
};

static void test_pb_round_trip(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char *path = join(dir, "t.pb");
    size_t n = sizeof round_trip_cases / sizeof round_trip_cases[0];
    for (size_t k = 0; k < n; k++) {
        const shape_case *c = &round_trip_cases[k];
        dnnx_tensor *t = patterned_tensor(c->dtype, c->rank, c->dims, k % 2 ? "some/tensor:0" : NULL);
        assert_int_equal(dnnx_tensor_write_pb(t, path), DNNX_OK);
        dnnx_tensor *back = NULL;
        assert_int_equal(dnnx_tensor_read_pb(path, &back), DNNX_OK);
        assert_same_tensor(t, back, true);
        dnnx_tensor_free(back);
        dnnx_tensor_free(t);
    }
    /* bfloat16 has no .npy type but is a TensorProto type. */
    int64_t dims[] = {2, 2};
    dnnx_tensor *t = patterned_tensor(DNNX_DTYPE_BFLOAT16, 2, dims, "bf");
    assert_int_equal(dnnx_tensor_write_pb(t, path), DNNX_OK);
    dnnx_tensor *back = NULL;
    assert_int_equal(dnnx_tensor_read_pb(path, &back), DNNX_OK);
    assert_same_tensor(t, back, true);
    dnnx_tensor_free(back);
    dnnx_tensor_free(t);

    free(path);
    path = join(dir, "missing.pb");
    EXPECT_FAILURE(dnnx_tensor_read_pb(path, &back), DNNX_ERR_IO, "missing.pb");
    free(path);
    remove_temp_dir(dir);
}

static void test_npy_round_trip(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char *path = join(dir, "t.npy");
    size_t n = sizeof round_trip_cases / sizeof round_trip_cases[0];
    for (size_t k = 0; k < n; k++) {
        const shape_case *c = &round_trip_cases[k];
        dnnx_tensor *t = patterned_tensor(c->dtype, c->rank, c->dims, NULL);
        assert_int_equal(dnnx_tensor_write_npy(t, path), DNNX_OK);

        /* The header is v1.0, padded so the data starts on a 64-byte boundary. */
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t head[512] = {0};
        size_t got = fread(head, 1, sizeof head - 1, f);
        fclose(f);
        assert_true(got >= 10);
        assert_memory_equal(head, "\x93NUMPY\x01\x00", 8);
        size_t header_len = head[8] | (size_t)head[9] << 8;
        assert_int_equal((10 + header_len) % 64, 0);
        assert_int_equal(head[10 + header_len - 1], '\n');
        char expected_shape[64] = "'shape': (";
        for (int i = 0; i < c->rank; i++)
            snprintf(expected_shape + strlen(expected_shape), sizeof expected_shape - strlen(expected_shape), "%s%lld",
                     i ? ", " : "", (long long)c->dims[i]);
        strcat(expected_shape, c->rank == 1 ? ",)" : ")");
        if (!strstr((const char *)head + 10, expected_shape))
            fail_msg("header '%s' lacks %s", (const char *)head + 10, expected_shape);
        assert_non_null(strstr((const char *)head + 10, "'fortran_order': False"));

        dnnx_tensor *back = NULL;
        assert_int_equal(dnnx_tensor_read_npy(path, &back), DNNX_OK);
        assert_same_tensor(t, back, false);
        dnnx_tensor_free(back);
        dnnx_tensor_free(t);
    }
    int64_t dims[] = {2};
    dnnx_tensor *bf = patterned_tensor(DNNX_DTYPE_BFLOAT16, 1, dims, NULL);
    EXPECT_FAILURE(dnnx_tensor_write_npy(bf, path), DNNX_ERR_UNSUPPORTED, "bfloat16");
    dnnx_tensor_free(bf);
    free(path);
    remove_temp_dir(dir);
}

/* A .npy file from a header dict (padded as numpy does) and data. */
static void npy_bytes(pb *out, int major, const char *dict, const void *data, size_t n)
{
    size_t preamble = major == 1 ? 10 : 12;
    size_t text = strlen(dict);
    size_t total = (preamble + text + 1 + 63) / 64 * 64;
    size_t header_len = total - preamble;
    uint8_t head[12] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', (uint8_t)major, 0, (uint8_t)(header_len & 0xff), (uint8_t)(header_len >> 8),
        0,    0};
    pb_append(out, head, preamble);
    pb_append(out, dict, text);
    for (size_t i = preamble + text; i < total - 1; i++)
        pb_append(out, " ", 1);
    pb_append(out, "\n", 1);
    pb_append(out, data, n);
}

static dnnx_status read_npy_bytes(const char *dir, const pb *bytes, dnnx_tensor **out)
{
    char *path = join(dir, "x.npy");
    write_file(path, bytes->data, bytes->len);
    dnnx_status status = dnnx_tensor_read_npy(path, out);
    free(path);
    return status;
}

static void test_npy_read_variants(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    int64_t values[6] = {1, -2, 3, -4, 5, -6};
    const char *headers[] = {
        "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }",
        "{\"descr\": \"<i8\", \"shape\": (2,3), \"fortran_order\": False}",
        "{'descr':'<i8','fortran_order':False,'shape':(2L, 3L)}",
    };
    for (int major = 1; major <= 3; major++) {
        for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
            pb bytes = {0};
            npy_bytes(&bytes, major, headers[h], values, sizeof values);
            dnnx_tensor *t = NULL;
            dnnx_status status = read_npy_bytes(dir, &bytes, &t);
            if (status)
                fail_msg("v%d header %zu: %s", major, h, dnnx_last_error());
            assert_int_equal(dnnx_tensor_dtype(t), DNNX_DTYPE_INT64);
            assert_int_equal(dnnx_tensor_rank(t), 2);
            assert_int_equal(dnnx_tensor_dims(t)[0], 2);
            assert_int_equal(dnnx_tensor_dims(t)[1], 3);
            assert_memory_equal(dnnx_tensor_data_const(t), values, sizeof values);
            dnnx_tensor_free(t);
            pb_free(&bytes);
        }
    }
    /* '|b1' normalises any non-zero byte to 1. */
    pb bytes = {0};
    uint8_t flags[3] = {0, 7, 1};
    npy_bytes(&bytes, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", flags, 3);
    dnnx_tensor *t = NULL;
    assert_int_equal(read_npy_bytes(dir, &bytes, &t), DNNX_OK);
    assert_int_equal(dnnx_tensor_dtype(t), DNNX_DTYPE_BOOL);
    assert_memory_equal(dnnx_tensor_data_const(t), ((uint8_t[]){0, 1, 1}), 3);
    dnnx_tensor_free(t);
    pb_free(&bytes);
    remove_temp_dir(dir);
}

static void test_npy_negative(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    float data[8] = {0};
    struct {
        const char *dict;
        size_t data_len;
        dnnx_status status;
        const char *word;
    } cases[] = {
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, DNNX_ERR_UNSUPPORTED, "fortran_order"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", 24, DNNX_ERR_UNSUPPORTED, "'<c8'"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", 24, DNNX_ERR_UNSUPPORTED, "big-endian"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (6,), }", 24, DNNX_ERR_UNSUPPORTED, "'|O'"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", 24, DNNX_ERR_UNSUPPORTED, "structured"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, DNNX_ERR_INVALID_MODEL,
         "data has 20 bytes, shape [2,3] of float needs 24"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, DNNX_ERR_INVALID_MODEL, "28 bytes"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", 24, DNNX_ERR_INVALID_MODEL, "shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", 24, DNNX_ERR_INVALID_MODEL, "shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", 24, DNNX_ERR_INVALID_MODEL, "tuple"},
        {"{'descr': '<f4', 'shape': (6,), }", 24, DNNX_ERR_INVALID_MODEL, "fortran_order"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1}", 24, DNNX_ERR_INVALID_MODEL, "extra"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", 24, DNNX_ERR_INVALID_MODEL,
         "repeated"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), } junk", 24, DNNX_ERR_INVALID_MODEL, "after"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", 24, DNNX_ERR_INVALID_MODEL, "dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 24, DNNX_ERR_INVALID_MODEL,
         "overflow"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 24, DNNX_ERR_INVALID_MODEL,
         "shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1), }", 4, DNNX_ERR_UNSUPPORTED,
         "dims"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pb bytes = {0};
        npy_bytes(&bytes, 1, cases[k].dict, data, cases[k].data_len);
        dnnx_tensor *t = NULL;
        dnnx_status status = read_npy_bytes(dir, &bytes, &t);
        if (status != cases[k].status || !strstr(dnnx_last_error(), cases[k].word))
            fail_msg("case %zu: status %d, message '%s' (expected %d with '%s')", k, (int)status, dnnx_last_error(),
                     (int)cases[k].status, cases[k].word);
        assert_null(t);
        pb_free(&bytes);
    }

    /* Broken preambles: bad magic, unknown version, header length past the end, truncation. */
    pb good = {0};
    npy_bytes(&good, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", data, 24);
    dnnx_tensor *t = NULL;
    pb bad = {0};
    pb_append(&bad, good.data, good.len);
    bad.data[1] = 'X';
    EXPECT_FAILURE(read_npy_bytes(dir, &bad, &t), DNNX_ERR_INVALID_MODEL, "magic");
    bad.data[1] = 'N';
    bad.data[6] = 4;
    EXPECT_FAILURE(read_npy_bytes(dir, &bad, &t), DNNX_ERR_UNSUPPORTED, "version 4.0");
    bad.data[6] = 1;
    bad.data[8] = 0xff;
    bad.data[9] = 0xff;
    EXPECT_FAILURE(read_npy_bytes(dir, &bad, &t), DNNX_ERR_INVALID_MODEL, "past the end");
    for (size_t len = 0; len < good.len; len += 7) {
        bad.len = len;
        assert_int_not_equal(read_npy_bytes(dir, &bad, &t), DNNX_OK);
    }
    assert_null(t);
    pb_free(&bad);
    pb_free(&good);
    EXPECT_FAILURE(dnnx_tensor_read_npy("/nonexistent/dir/x.npy", &t), DNNX_ERR_IO, "/nonexistent/dir/x.npy");
    remove_temp_dir(dir);
}

static dnnx_tensor *decode_ok(const pb *bytes)
{
    dnnx_tensor *t = NULL;
    dnnx_status status = dnnx_tensor_read_pb_from_memory(bytes->data, bytes->len, &t);
    if (status)
        fail_msg("decode failed: %s", dnnx_last_error());
    return t;
}

/* A [3] tensor of dtype whose values are the packed varints of field decodes, unnamed, to
 * the bytes expected. */
static void check_varints(int dtype, int field, const int64_t *values, const void *expected, size_t bytes)
{
    int64_t dims3[] = {3};
    pb b = {0};
    tensor_head(&b, NULL, dtype, dims3, 1);
    pb_packed_varints(&b, field, values, 3);
    dnnx_tensor *t = decode_ok(&b);
    assert_string_equal(dnnx_tensor_name(t), "");
    assert_memory_equal(t->data, expected, bytes);
    dnnx_tensor_free(t);
    pb_free(&b);
}

static void test_pb_typed_fields(void **state)
{
    (void)state;
    int64_t dims3[] = {3}, dims22[] = {2, 2};

    pb b = {0};
    float floats[4] = {1.5f, -2.0f, 0.25f, 8.0f};
    tensor_head(&b, "f", DNNX_DTYPE_FLOAT, dims22, 2);
    pb_packed_fixed(&b, TP_FLOAT_DATA, floats, 4, 4);
    dnnx_tensor *t = decode_ok(&b);
    assert_string_equal(dnnx_tensor_name(t), "f");
    assert_memory_equal(dnnx_tensor_data_const(t), floats, sizeof floats);
    dnnx_tensor_free(t);
    pb_free(&b);

    /* Same through proto_tensor_decode, with unpacked (one key per value) float_data. */
    tensor_head(&b, "f", DNNX_DTYPE_FLOAT, dims22, 2);
    for (int i = 0; i < 4; i++)
        pb_float(&b, TP_FLOAT_DATA, floats[i]);
    t = NULL;
    assert_int_equal(proto_tensor_decode(b.data, b.len, &t), DNNX_OK);
    assert_memory_equal(t->data, floats, sizeof floats);
    dnnx_tensor_free(t);
    pb_free(&b);

    check_varints(DNNX_DTYPE_INT8, TP_INT32_DATA, (int64_t[]){-128, 5, 127}, (int8_t[]){-128, 5, 127}, 3);
    check_varints(DNNX_DTYPE_UINT16, TP_INT32_DATA, (int64_t[]){0, 65535, 300}, (uint16_t[]){0, 65535, 300}, 6);
    /* float16 travels as its bits: 1, -2, 0.5. */
    check_varints(DNNX_DTYPE_FLOAT16, TP_INT32_DATA, (int64_t[]){0x3c00, 0xc000, 0x3800},
                  (uint16_t[]){0x3c00, 0xc000, 0x3800}, 6);
    check_varints(DNNX_DTYPE_BOOL, TP_INT32_DATA, (int64_t[]){1, 0, 1}, (uint8_t[]){1, 0, 1}, 3);
    check_varints(DNNX_DTYPE_INT32, TP_INT32_DATA, (int64_t[]){-7, 0, 2147483647}, (int32_t[]){-7, 0, 2147483647}, 12);
    check_varints(DNNX_DTYPE_INT64, TP_INT64_DATA, (int64_t[]){INT64_MIN, -1, INT64_MAX},
                  (int64_t[]){INT64_MIN, -1, INT64_MAX}, 24);

    double doubles[3] = {1e300, -0.5, 3.0};
    tensor_head(&b, NULL, DNNX_DTYPE_DOUBLE, dims3, 1);
    pb_packed_fixed(&b, TP_DOUBLE_DATA, doubles, 3, 8);
    t = decode_ok(&b);
    assert_memory_equal(t->data, doubles, sizeof doubles);
    dnnx_tensor_free(t);
    pb_free(&b);

    check_varints(DNNX_DTYPE_UINT32, TP_UINT64_DATA, (int64_t[]){0, 4294967295LL, 17}, (uint32_t[]){0, 4294967295u, 17},
                  12);
    check_varints(DNNX_DTYPE_UINT64, TP_UINT64_DATA, (int64_t[]){0, -1 /* UINT64_MAX */, 17},
                  (uint64_t[]){0, UINT64_MAX, 17}, 24);

    /* A scalar with one value, and an empty tensor with no data at all. */
    int64_t one = 42;
    tensor_head(&b, NULL, DNNX_DTYPE_INT64, NULL, 0);
    pb_packed_varints(&b, TP_INT64_DATA, &one, 1);
    t = decode_ok(&b);
    assert_int_equal(t->rank, 0);
    assert_int_equal(*(int64_t *)t->data, 42);
    dnnx_tensor_free(t);
    pb_free(&b);

    int64_t empty_dims[] = {2, 0, 3};
    tensor_head(&b, NULL, DNNX_DTYPE_FLOAT, empty_dims, 3);
    t = decode_ok(&b);
    assert_int_equal(t->rank, 3);
    assert_int_equal(dnnx_tensor_element_count(t), 0);
    dnnx_tensor_free(t);
    pb_free(&b);
}

static dnnx_status decode_status(pb *b)
{
    dnnx_tensor *t = NULL;
    dnnx_status status = dnnx_tensor_read_pb_from_memory(b->data, b->len, &t);
    assert_true(status == DNNX_OK || t == NULL);
    dnnx_tensor_free(t);
    pb_free(b);
    return status;
}

static void test_pb_negative(void **state)
{
    (void)state;
    int64_t dims34[] = {3, 4}, dims23[] = {2, 3};
    uint8_t raw[64] = {0};
    float floats[6] = {0};
    pb b = {0};

    raw_tensor(&b, "W", DNNX_DTYPE_FLOAT, dims34, 2, raw, 40);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "tensor 'W'",
                   "raw_data has 40 bytes, dims [3,4] of float need 48");
    raw_tensor(&b, "W", DNNX_DTYPE_FLOAT, dims34, 2, raw, 52);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "raw_data has 52 bytes");

    tensor_head(&b, "W", DNNX_DTYPE_FLOAT, dims23, 2);
    pb_packed_fixed(&b, TP_FLOAT_DATA, floats, 5, 4);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "float_data has 5 values, dims [2,3] need 6");

    int64_t ints[2] = {1, 2};
    tensor_head(&b, "W", DNNX_DTYPE_FLOAT, dims23, 2);
    pb_packed_varints(&b, TP_INT64_DATA, ints, 2);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "float_data", "int64_data");

    raw_tensor(&b, "W", DNNX_DTYPE_FLOAT, dims23, 2, raw, 24);
    pb_packed_fixed(&b, TP_FLOAT_DATA, floats, 6, 4);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "raw_data", "float_data");

    tensor_head(&b, "W", DNNX_DTYPE_FLOAT, dims23, 2);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "float_data has 0 values");

    int64_t negative[] = {2, -3};
    raw_tensor(&b, "N", DNNX_DTYPE_FLOAT, negative, 2, raw, 24);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "tensor 'N'", "negative", "[2,-3]");

    int64_t huge[] = {INT64_MAX, INT64_MAX, 0};
    raw_tensor(&b, "H", DNNX_DTYPE_FLOAT, huge, 3, raw, 0);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "overflow");
    int64_t big[] = {1LL << 31, 1LL << 31, 1LL << 2};
    raw_tensor(&b, "H", DNNX_DTYPE_DOUBLE, big, 3, raw, 8);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "overflow");

    int64_t rank13[13] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    raw_tensor(&b, "R", DNNX_DTYPE_FLOAT, rank13, 13, raw, 4);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "rank 13");

    raw_tensor(&b, "U", 99, dims23, 2, raw, 24);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "tensor 'U'", "element type 99");
    raw_tensor(&b, "S", DNNX_DTYPE_STRING, dims23, 2, raw, 24);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "string");
    raw_tensor(&b, "C", 14, dims23, 2, raw, 24);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "complex64");
    raw_tensor(&b, "F8", 17, dims23, 2, raw, 6);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "float8e4m3fn");
    raw_tensor(&b, "Z", DNNX_DTYPE_UNDEFINED, dims23, 2, raw, 24);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "undefined");
    pb_bytes(&b, TP_NAME, "nodtype", 7);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "undefined");

    /* A segment, external data when decoding from memory, a bad data_location. */
    raw_tensor(&b, "G", DNNX_DTYPE_FLOAT, dims23, 2, raw, 24);
    pb segment = {0};
    pb_int(&segment, 1, 0);
    pb_int(&segment, 2, 3);
    pb_sub(&b, TP_SEGMENT, &segment);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "segment");
    tensor_head(&b, "E", DNNX_DTYPE_FLOAT, dims23, 2);
    pb entry = {0};
    pb_str(&entry, 1, "location");
    pb_str(&entry, 2, "w.bin");
    pb_sub(&b, TP_EXTERNAL_DATA, &entry);
    pb_int(&b, TP_DATA_LOCATION, 1);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "tensor 'E'", "w.bin", "memory");
    /* A forged huge shape with external data fails before anything is allocated. */
    int64_t vast[] = {1LL << 40, 1LL << 10};
    tensor_head(&b, "E", DNNX_DTYPE_FLOAT, vast, 2);
    pb_str(&entry, 1, "location");
    pb_str(&entry, 2, "w.bin");
    pb_sub(&b, TP_EXTERNAL_DATA, &entry);
    pb_int(&b, TP_DATA_LOCATION, 1);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_UNSUPPORTED, "memory");
    raw_tensor(&b, "L", DNNX_DTYPE_FLOAT, dims23, 2, raw, 24);
    pb_int(&b, TP_DATA_LOCATION, 7);
    EXPECT_FAILURE(decode_status(&b), DNNX_ERR_INVALID_MODEL, "data_location 7");

    /* Truncations of a valid message and random bytes never crash; a cut inside a field fails. */
    raw_tensor(&b, "W", DNNX_DTYPE_FLOAT, dims23, 2, raw, 24);
    for (size_t len = 1; len < b.len; len++) {
        dnnx_tensor *t = NULL;
        dnnx_status status = dnnx_tensor_read_pb_from_memory(b.data, len, &t);
        assert_int_not_equal(status, DNNX_OK);
        assert_null(t);
    }
    EXPECT_FAILURE(dnnx_tensor_read_pb_from_memory(b.data, b.len - 3, &(dnnx_tensor *){NULL}), DNNX_ERR_INVALID_MODEL,
                   "cannot parse tensor");
    pb_free(&b);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint8_t noise[256];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 256) + 1;
        for (size_t i = 0; i < len; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            noise[i] = (uint8_t)seed;
        }
        dnnx_tensor *t = NULL;
        dnnx_status status = dnnx_tensor_read_pb_from_memory(noise, len, &t);
        assert_true(status != DNNX_OK || t != NULL);
        dnnx_tensor_free(t);
    }
    dnnx_tensor *t = NULL;
    assert_int_equal(dnnx_tensor_read_pb_from_memory(NULL, 4, &t), DNNX_ERR_INVALID_ARGUMENT);
    assert_int_equal(dnnx_tensor_write_pb(NULL, "/tmp/x"), DNNX_ERR_INVALID_ARGUMENT);
    int64_t d1[] = {1};
    t = patterned_tensor(DNNX_DTYPE_FLOAT, 1, d1, NULL);
    EXPECT_FAILURE(dnnx_tensor_write_pb(t, "/nonexistent/dir/x.pb"), DNNX_ERR_IO, "/nonexistent/dir/x.pb");
    dnnx_tensor_free(t);
}

static void add_attr_tensor(pb *node, const char *name)
{
    pb a = {0}, t = {0};
    int64_t dims[] = {2};
    int64_t values[2] = {7, 9};
    pb_str(&a, AP_NAME, name);
    tensor_head(&t, "value", DNNX_DTYPE_INT64, dims, 1);
    pb_packed_varints(&t, TP_INT64_DATA, values, 2);
    pb_sub(&a, AP_T, &t);
    pb_int(&a, AP_TYPE, ATTR_TENSOR);
    pb_sub(node, NP_ATTRIBUTE, &a);
}

/* A body graph reading outer value X: Identity(X) -> out_<tag>, input "i_<tag>". */
static void subgraph(pb *g, const char *tag)
{
    char in[32], out[32], name[32];
    snprintf(in, sizeof in, "i_%s", tag);
    snprintf(out, sizeof out, "out_%s", tag);
    snprintf(name, sizeof name, "body_%s", tag);
    pb node = {0};
    node_begin(&node, NULL, "Identity", NULL, (const char *const[]){"X", NULL}, (const char *const[]){out, NULL});
    pb_sub(g, GP_NODE, &node);
    pb_str(g, GP_NAME, name);
    value_info(g, GP_INPUT, in, DNNX_DTYPE_INT64, 0, NULL);
    value_info(g, GP_OUTPUT, out, DNNX_DTYPE_FLOAT, 2, (const char *const[]){"n", "3"});
}

/* The full model of test_model_full, serialized into *model. */
static void full_model(pb *model)
{
    pb body = {0};
    float w[6] = {1, 2, 3, 4, 5, 6};
    int64_t dims23[] = {2, 3}, dims2[] = {2};
    int64_t bias[2] = {-1, 1};

    pb init = {0};
    raw_tensor(&init, "W", DNNX_DTYPE_FLOAT, dims23, 2, w, sizeof w);
    pb_sub(&body, GP_INITIALIZER, &init);
    tensor_head(&init, "B", DNNX_DTYPE_INT64, dims2, 1);
    pb_packed_varints(&init, TP_INT64_DATA, bias, 2);
    pb_sub(&body, GP_INITIALIZER, &init);

    value_info(&body, GP_INPUT, "X", DNNX_DTYPE_FLOAT, 2, (const char *const[]){"batch", "3"});
    value_info(&body, GP_INPUT, "W", DNNX_DTYPE_FLOAT, 2, (const char *const[]){"2", "3"});
    value_info(&body, GP_INPUT, "mask", DNNX_DTYPE_BOOL, -1, NULL);
    value_info(&body, GP_OUTPUT, "Y", DNNX_DTYPE_FLOAT, 3, (const char *const[]){"batch", "", "2"});
    value_info(&body, GP_OUTPUT, "Z", DNNX_DTYPE_FLOAT16, 1, (const char *const[]){"seq"});
    value_info(&body, GP_VALUE_INFO, "H", DNNX_DTYPE_FLOAT, 2, (const char *const[]){"batch", "2"});
    pb_str(&body, GP_NAME, "main");

    /* Node 0: every attribute kind. */
    pb node = {0}, a = {0};
    node_begin(&node, "gemm", "Gemm", NULL, (const char *const[]){"X", "W", "", NULL},
               (const char *const[]){"H", NULL});
    pb_str(&a, AP_NAME, "alpha");
    pb_float(&a, AP_F, 0.5f);
    pb_int(&a, AP_TYPE, ATTR_FLOAT);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "transB");
    pb_int(&a, AP_I, -3);
    pb_int(&a, AP_TYPE, ATTR_INT);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "mode");
    pb_bytes(&a, AP_S, "ab\0c", 4);
    pb_int(&a, AP_TYPE, ATTR_STRING);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    add_attr_tensor(&node, "value");
    pb_str(&a, AP_NAME, "scales");
    pb_packed_fixed(&a, AP_FLOATS, ((float[]){1.0f, 2.5f, -4.0f}), 3, 4);
    pb_int(&a, AP_TYPE, ATTR_FLOATS);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "perm");
    pb_int(&a, AP_INTS, 2); /* unpacked repeated field */
    pb_int(&a, AP_INTS, 0);
    pb_int(&a, AP_INTS, -1);
    pb_int(&a, AP_TYPE, ATTR_INTS);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "names");
    pb_str(&a, AP_STRINGS, "first");
    pb_str(&a, AP_STRINGS, "");
    pb_str(&a, AP_STRINGS, "third");
    pb_int(&a, AP_TYPE, ATTR_STRINGS);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "tensors");
    for (int k = 0; k < 2; k++) {
        pb t = {0};
        raw_tensor(&t, k ? "t1" : "t0", DNNX_DTYPE_UINT8, dims2, 1, "\x05\x06", 2);
        pb_sub(&a, AP_TENSORS, &t);
    }
    pb_int(&a, AP_TYPE, ATTR_TENSORS);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "body");
    pb sub = {0};
    subgraph(&sub, "g");
    pb_sub(&a, AP_G, &sub);
    pb_int(&a, AP_TYPE, ATTR_GRAPH);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "branches");
    subgraph(&sub, "b0");
    pb_sub(&a, AP_GRAPHS, &sub);
    subgraph(&sub, "b1");
    pb_sub(&a, AP_GRAPHS, &sub);
    pb_int(&a, AP_TYPE, ATTR_GRAPHS);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "untyped"); /* pre-IR-2 style: no type, an int */
    pb_int(&a, AP_I, 11);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_sub(&body, GP_NODE, &node);

    /* Node 1: unnamed, domain spelled "ai.onnx"; node 2: custom domain, two outputs, one omitted. */
    node_begin(&node, NULL, "Relu", "ai.onnx", (const char *const[]){"H", NULL}, (const char *const[]){"Y", NULL});
    pb_sub(&body, GP_NODE, &node);
    node_begin(&node, "", "FusedThing", "com.microsoft", (const char *const[]){"Y", "B", "mask", NULL},
               (const char *const[]){"", "Z", NULL});
    pb_sub(&body, GP_NODE, &node);

    pb_int(model, MP_IR_VERSION, 8);
    pb_str(model, MP_PRODUCER_NAME, "test-producer");
    pb_str(model, MP_PRODUCER_VERSION, "1.2");
    opset(model, "ai.onnx", 17);
    opset(model, "com.microsoft", 1);
    pb_sub(model, MP_GRAPH, &body);
}

static void check_subgraph(const graph *parent, const graph *sub, const char *tag)
{
    char name[32], in[32], out[32];
    snprintf(name, sizeof name, "body_%s", tag);
    snprintf(in, sizeof in, "i_%s", tag);
    snprintf(out, sizeof out, "out_%s", tag);
    assert_non_null(sub);
    assert_ptr_equal(sub->parent, parent);
    assert_string_equal(sub->name, name);
    assert_int_equal(sub->n_nodes, 1);
    assert_string_equal(sub->nodes[0].name, "Identity_0");
    assert_int_equal(sub->n_inputs, 1);
    const graph_value *input = &sub->values[sub->inputs[0]];
    assert_string_equal(input->name, in);
    assert_int_equal(input->info.rank, 0);
    assert_int_equal(input->info.dtype, DNNX_DTYPE_INT64);
    assert_int_equal(sub->n_outputs, 1);
    const graph_value *output = &sub->values[sub->outputs[0]];
    assert_string_equal(output->name, out);
    assert_int_equal(output->info.rank, 2);
    assert_true(DIM_IS_SYMBOL(output->info.dims[0]));
    assert_string_equal(graph_symbol_name(sub, output->info.dims[0]), "n");
    assert_int_equal(output->info.dims[1], 3);
    /* The outer X is read by name; it is not a subgraph input. Symbols extend the parent's:
     * the outer "batch" keeps its id and "n" is new to the subgraph. */
    int x = graph_value_find(sub, "X");
    assert_true(x >= 0);
    assert_false(sub->values[x].is_graph_input);
    const graph_value *outer_x = &parent->values[graph_value_find(parent, "X")];
    assert_string_equal(graph_symbol_name(sub, outer_x->info.dims[0]), "batch");
    assert_null(graph_symbol_name(parent, output->info.dims[0]));
    assert_int_equal(sub->n_symbols, parent->n_symbols + 1);
}

static void check_full_model(const graph *g)
{
    assert_int_equal(g->ir_version, 8);
    assert_string_equal(g->producer_name, "test-producer");
    assert_string_equal(g->producer_version, "1.2");
    assert_string_equal(g->name, "main");
    assert_int_equal(g->n_opsets, 2);
    assert_int_equal(graph_opset_version(g, ""), 17);
    assert_int_equal(graph_opset_version(g, "com.microsoft"), 1);
    assert_int_equal(graph_opset_version(g, "ai.onnx.ml"), -1);

    /* W is an initializer listed as an input: a constant, not a graph input. */
    assert_int_equal(g->n_inputs, 2);
    const graph_value *x = &g->values[g->inputs[0]];
    assert_string_equal(x->name, "X");
    assert_true(x->is_graph_input && x->shape_declared);
    assert_null(x->constant);
    assert_int_equal(x->info.dtype, DNNX_DTYPE_FLOAT);
    assert_int_equal(x->info.rank, 2);
    assert_string_equal(graph_symbol_name(g, x->info.dims[0]), "batch");
    assert_int_equal(x->info.dims[1], 3);
    const graph_value *mask = &g->values[g->inputs[1]];
    assert_string_equal(mask->name, "mask");
    assert_int_equal(mask->info.dtype, DNNX_DTYPE_BOOL);
    assert_int_equal(mask->info.rank, -1);

    const graph_value *w = &g->values[graph_value_find(g, "W")];
    assert_false(w->is_graph_input);
    assert_non_null(w->constant);
    assert_int_equal(w->constant->dtype, DNNX_DTYPE_FLOAT);
    assert_int_equal(w->constant->rank, 2);
    assert_memory_equal(w->constant->data, ((float[]){1, 2, 3, 4, 5, 6}), 24);
    assert_int_equal(w->info.rank, 2);
    assert_int_equal(w->info.dims[1], 3);
    const graph_value *b = &g->values[graph_value_find(g, "B")];
    assert_non_null(b->constant);
    assert_memory_equal(b->constant->data, ((int64_t[]){-1, 1}), 16);

    assert_int_equal(g->n_outputs, 2);
    const graph_value *y = &g->values[g->outputs[0]];
    assert_string_equal(y->name, "Y");
    assert_true(y->is_graph_output && y->shape_declared);
    assert_int_equal(y->info.rank, 3);
    assert_int_equal(y->info.dims[0], x->info.dims[0]); /* the same symbol */
    assert_int_equal(y->info.dims[1], DIM_UNKNOWN);
    assert_int_equal(y->info.dims[2], 2);
    const graph_value *z = &g->values[g->outputs[1]];
    assert_int_equal(z->info.dtype, DNNX_DTYPE_FLOAT16);
    assert_string_equal(graph_symbol_name(g, z->info.dims[0]), "seq");
    const graph_value *hint = &g->values[graph_value_find(g, "H")];
    assert_false(hint->shape_declared);
    assert_int_equal(hint->info.rank, 2);
    assert_int_equal(hint->info.dims[1], 2);

    assert_int_equal(g->n_nodes, 3);
    const graph_node *gemm = &g->nodes[0];
    assert_string_equal(gemm->name, "gemm");
    assert_string_equal(gemm->op_type, "Gemm");
    assert_string_equal(gemm->domain, "");
    assert_int_equal(gemm->n_inputs, 3);
    assert_int_equal(gemm->inputs[0], graph_value_find(g, "X"));
    assert_int_equal(gemm->inputs[1], graph_value_find(g, "W"));
    assert_int_equal(gemm->inputs[2], VALUE_NONE);
    assert_int_equal(gemm->n_outputs, 1);
    assert_int_equal(gemm->outputs[0], graph_value_find(g, "H"));
    assert_int_equal(gemm->n_attrs, 11);

    const graph_attr *a = graph_node_attr(gemm, "alpha");
    assert_non_null(a);
    assert_int_equal(a->type, ATTR_FLOAT);
    assert_true(a->f == 0.5f);
    a = graph_node_attr(gemm, "transB");
    assert_int_equal(a->type, ATTR_INT);
    assert_int_equal(a->i, -3);
    a = graph_node_attr(gemm, "mode");
    assert_int_equal(a->type, ATTR_STRING);
    assert_int_equal(a->s_len, 4);
    assert_memory_equal(a->s, "ab\0c", 5);
    a = graph_node_attr(gemm, "value");
    assert_int_equal(a->type, ATTR_TENSOR);
    assert_int_equal(a->t->dtype, DNNX_DTYPE_INT64);
    assert_string_equal(a->t->name, "value");
    assert_memory_equal(a->t->data, ((int64_t[]){7, 9}), 16);
    a = graph_node_attr(gemm, "scales");
    assert_int_equal(a->type, ATTR_FLOATS);
    assert_int_equal(a->count, 3);
    assert_true(a->floats[0] == 1.0f && a->floats[1] == 2.5f && a->floats[2] == -4.0f);
    a = graph_node_attr(gemm, "perm");
    assert_int_equal(a->type, ATTR_INTS);
    assert_int_equal(a->count, 3);
    assert_int_equal(a->ints[0], 2);
    assert_int_equal(a->ints[2], -1);
    a = graph_node_attr(gemm, "names");
    assert_int_equal(a->type, ATTR_STRINGS);
    assert_int_equal(a->count, 3);
    assert_string_equal(a->strings[0], "first");
    assert_string_equal(a->strings[1], "");
    assert_string_equal(a->strings[2], "third");
    a = graph_node_attr(gemm, "tensors");
    assert_int_equal(a->type, ATTR_TENSORS);
    assert_int_equal(a->count, 2);
    assert_string_equal(a->tensors[1]->name, "t1");
    assert_memory_equal(a->tensors[1]->data, "\x05\x06", 2);
    a = graph_node_attr(gemm, "body");
    assert_int_equal(a->type, ATTR_GRAPH);
    check_subgraph(g, a->g, "g");
    a = graph_node_attr(gemm, "branches");
    assert_int_equal(a->type, ATTR_GRAPHS);
    assert_int_equal(a->count, 2);
    check_subgraph(g, a->graphs[0], "b0");
    check_subgraph(g, a->graphs[1], "b1");
    a = graph_node_attr(gemm, "untyped");
    assert_int_equal(a->type, ATTR_INT);
    assert_int_equal(a->i, 11);

    assert_string_equal(g->nodes[1].name, "Relu_1");
    assert_string_equal(g->nodes[1].domain, "");
    const graph_node *fused = &g->nodes[2];
    assert_string_equal(fused->name, "FusedThing_2");
    assert_string_equal(fused->domain, "com.microsoft");
    assert_int_equal(fused->n_outputs, 2);
    assert_int_equal(fused->outputs[0], VALUE_NONE);
    assert_int_equal(fused->outputs[1], graph_value_find(g, "Z"));
}

static void test_model_full(void **state)
{
    (void)state;
    pb model = {0};
    full_model(&model);
    graph *g = NULL;
    dnnx_status status = proto_load_model_memory(model.data, model.len, NULL, &g);
    if (status)
        fail_msg("load failed: %s", dnnx_last_error());
    check_full_model(g);
    assert_int_equal(graph_sort(g), DNNX_OK);
    graph_free(g);

    char *dir = make_temp_dir();
    char *path = join(dir, "model.onnx");
    write_file(path, model.data, model.len);
    g = NULL;
    assert_int_equal(proto_load_model_file(path, &g), DNNX_OK);
    check_full_model(g);
    graph_free(g);
    free(path);
    remove_temp_dir(dir);

    /* Every truncation fails cleanly (most cut a field; the rest lose the graph or more). */
    for (size_t len = 0; len < model.len; len++) {
        g = NULL;
        status = proto_load_model_memory(model.data, len, NULL, &g);
        if (status == DNNX_OK)
            graph_free(g);
        else
            assert_null(g);
    }
    EXPECT_FAILURE(proto_load_model_memory(model.data, model.len - 5, NULL, &g), DNNX_ERR_INVALID_MODEL,
                   "cannot parse model: not a valid ONNX ModelProto");
    pb_free(&model);
}

static void test_model_garbage(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    uint8_t noise[4096];
    for (int round = 0; round < 500; round++) {
        size_t len = (size_t)(round * 37 % 4096) + 1;
        for (size_t i = 0; i < len; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            noise[i] = (uint8_t)seed;
        }
        graph *g = NULL;
        assert_int_not_equal(proto_load_model_memory(noise, len, NULL, &g), DNNX_OK);
        assert_null(g);
    }
    graph *g = NULL;
    memset(noise, 0xff, 64);
    EXPECT_FAILURE(proto_load_model_memory(noise, 64, NULL, &g), DNNX_ERR_INVALID_MODEL, "cannot parse model",
                   "not a valid ONNX ModelProto");
    EXPECT_FAILURE(proto_load_model_memory(noise, 0, NULL, &g), DNNX_ERR_INVALID_MODEL, "cannot parse model");
    EXPECT_FAILURE(proto_load_model_file("/nonexistent/model.onnx", &g), DNNX_ERR_IO, "/nonexistent/model.onnx");
    EXPECT_FAILURE(proto_load_model_file("/tmp", &g), DNNX_ERR_IO, "not a regular file");

    /* Subgraphs nested far deeper than any real model: refused before protobuf-c recurses. */
    pb inner = {0};
    simple_graph(&inner);
    for (int level = 0; level < 200; level++) {
        pb attr = {0}, node = {0}, outer = {0};
        pb_str(&attr, AP_NAME, "body");
        pb_sub(&attr, AP_G, &inner);
        pb_int(&attr, AP_TYPE, ATTR_GRAPH);
        node_begin(&node, NULL, "Loop", NULL, NULL, NULL);
        pb_sub(&node, NP_ATTRIBUTE, &attr);
        pb_sub(&outer, GP_NODE, &node);
        inner = outer;
    }
    EXPECT_FAILURE(load_body(&inner, 8), DNNX_ERR_INVALID_MODEL, "nest");
}

static void test_model_header_errors(void **state)
{
    (void)state;
    pb body = {0};
    simple_graph(&body);
    assert_int_equal(load_body(&body, 8), DNNX_OK);

    simple_graph(&body);
    EXPECT_FAILURE(load_body(&body, -1), DNNX_ERR_INVALID_MODEL, "ir_version");
    simple_graph(&body);
    EXPECT_FAILURE(load_body(&body, 2), DNNX_ERR_UNSUPPORTED, "ir_version 2");
    simple_graph(&body);
    EXPECT_FAILURE(load_body(&body, 99), DNNX_ERR_UNSUPPORTED, "ir_version 99");

    pb model = {0};
    pb_int(&model, MP_IR_VERSION, 8);
    opset(&model, "", 17);
    graph *g = NULL;
    EXPECT_FAILURE(proto_load_model_memory(model.data, model.len, NULL, &g), DNNX_ERR_INVALID_MODEL, "no graph");
    pb_free(&model);

    simple_graph(&body);
    pb_int(&model, MP_IR_VERSION, 8);
    pb_sub(&model, MP_GRAPH, &body);
    EXPECT_FAILURE(proto_load_model_memory(model.data, model.len, NULL, &g), DNNX_ERR_INVALID_MODEL, "opset");
    pb_free(&model);

    simple_graph(&body);
    model_wrap(&model, &body, 8);
    opset(&model, "ai.onnx", 13);
    EXPECT_FAILURE(proto_load_model_memory(model.data, model.len, NULL, &g), DNNX_ERR_INVALID_MODEL, "imported twice");
    pb_free(&model);

    /* A node calling a model-local function. */
    simple_graph(&body);
    pb node = {0};
    node_begin(&node, "call", "MyFunc", "local", (const char *const[]){"X", NULL}, (const char *const[]){"F", NULL});
    pb_sub(&body, GP_NODE, &node);
    model_wrap(&model, &body, 8);
    opset(&model, "local", 1);
    pb function = {0};
    pb_str(&function, 1, "MyFunc");
    pb_str(&function, 10, "local");
    pb_sub(&model, MP_FUNCTIONS, &function);
    EXPECT_FAILURE(proto_load_model_memory(model.data, model.len, NULL, &g), DNNX_ERR_UNSUPPORTED,
                   "model-local function 'local.MyFunc'", "node 'call'");
    assert_null(g);
    pb_free(&model);
}

static void test_model_content_errors(void **state)
{
    (void)state;
    uint8_t raw[64] = {0};
    int64_t dims34[] = {3, 4};
    pb body = {0}, t = {0};

    simple_graph(&body);
    raw_tensor(&t, "W", DNNX_DTYPE_FLOAT, dims34, 2, raw, 40);
    pb_sub(&body, GP_INITIALIZER, &t);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL,
                   "initializer 'W': raw_data has 40 bytes, dims [3,4] of float need 48");

    simple_graph(&body);
    tensor_head(&t, "W", DNNX_DTYPE_FLOAT, dims34, 2);
    pb_packed_fixed(&t, TP_FLOAT_DATA, raw, 11, 4);
    pb_sub(&body, GP_INITIALIZER, &t);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "initializer 'W'", "float_data has 11 values");

    simple_graph(&body);
    int64_t negative[] = {-1, 4};
    raw_tensor(&t, "W", DNNX_DTYPE_FLOAT, negative, 2, raw, 16);
    pb_sub(&body, GP_INITIALIZER, &t);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "initializer 'W'", "negative");

    simple_graph(&body);
    int64_t huge[] = {1LL << 40, 1LL << 40};
    raw_tensor(&t, "W", DNNX_DTYPE_FLOAT, huge, 2, raw, 16);
    pb_sub(&body, GP_INITIALIZER, &t);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "initializer 'W'", "overflow");

    simple_graph(&body);
    raw_tensor(&t, "W", 42, dims34, 2, raw, 48);
    pb_sub(&body, GP_INITIALIZER, &t);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "initializer 'W'", "element type 42");

    simple_graph(&body);
    pb strings = {0};
    tensor_head(&strings, "names", DNNX_DTYPE_STRING, (int64_t[]){1}, 1);
    pb_str(&strings, TP_STRING_DATA, "hello");
    pb_sub(&body, GP_INITIALIZER, &strings);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "initializer 'names'", "string");

    simple_graph(&body);
    raw_tensor(&t, "W", DNNX_DTYPE_FLOAT, dims34, 2, raw, 48);
    pb_sub(&body, GP_INITIALIZER, &t);
    raw_tensor(&t, "W", DNNX_DTYPE_FLOAT, dims34, 2, raw, 48);
    pb_sub(&body, GP_INITIALIZER, &t);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "initializer 'W' is defined twice");

    simple_graph(&body);
    pb sparse = {0}, values = {0};
    raw_tensor(&values, "S", DNNX_DTYPE_FLOAT, (int64_t[]){1}, 1, raw, 4);
    pb_sub(&sparse, 1, &values);
    pb_sub(&body, GP_SPARSE_INITIALIZER, &sparse);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "sparse initializer 'S'");

    /* A sequence-typed graph input. */
    simple_graph(&body);
    pb vi = {0}, type = {0}, seq = {0}, elem = {0}, tensor_type = {0};
    pb_int(&tensor_type, 1, DNNX_DTYPE_FLOAT);
    pb_sub(&elem, 1, &tensor_type);
    pb_sub(&seq, 1, &elem);
    pb_sub(&type, 4, &seq);
    pb_str(&vi, 1, "items");
    pb_sub(&vi, 2, &type);
    pb_sub(&body, GP_INPUT, &vi);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "graph input 'items'", "sequence");

    simple_graph(&body);
    value_info(&body, GP_INPUT, "neg", DNNX_DTYPE_FLOAT, 2, (const char *const[]){"5", "-2"});
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "graph input 'neg'", "dim 1 is -2");

    simple_graph(&body);
    value_info(&body, GP_INPUT, "X", DNNX_DTYPE_FLOAT, 1, (const char *const[]){"2"});
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "graph input 'X' is listed twice");

    simple_graph(&body);
    pb untyped = {0};
    pb_str(&untyped, 1, "bare");
    pb_sub(&body, GP_INPUT, &untyped);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "graph input 'bare'", "no element type");

    simple_graph(&body);
    value_info(&body, GP_OUTPUT, "odd", 23, 1, (const char *const[]){"2"});
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "graph output 'odd'", "float4e2m1");

    simple_graph(&body);
    value_info(&body, GP_VALUE_INFO, "texts", DNNX_DTYPE_STRING, 1, (const char *const[]){"2"});
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "value 'texts'", "string");

    simple_graph(&body);
    value_info(&body, GP_OUTPUT, "big", DNNX_DTYPE_FLOAT, 13,
               (const char *const[]){"1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"});
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "graph output 'big'", "rank 13");

    /* Attribute problems. */
    pb node = {0}, a = {0};
    simple_graph(&body);
    node_begin(&node, "n", "Foo", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"F", NULL});
    pb_str(&a, AP_NAME, "alpha");
    pb_str(&a, AP_REF_ATTR_NAME, "outer_alpha");
    pb_int(&a, AP_TYPE, ATTR_FLOAT);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_sub(&body, GP_NODE, &node);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "node 'n' (Foo)", "attribute 'alpha'", "outer_alpha");

    simple_graph(&body);
    node_begin(&node, "n", "Foo", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"F", NULL});
    pb_str(&a, AP_NAME, "sp");
    pb_int(&a, AP_TYPE, 11);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_sub(&body, GP_NODE, &node);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_UNSUPPORTED, "attribute 'sp'", "sparse tensor");

    simple_graph(&body);
    node_begin(&node, "n", "Foo", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"F", NULL});
    pb_str(&a, AP_NAME, "dup");
    pb_int(&a, AP_I, 1);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_str(&a, AP_NAME, "dup");
    pb_int(&a, AP_I, 2);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_sub(&body, GP_NODE, &node);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "attribute 'dup' is given twice");

    simple_graph(&body);
    node_begin(&node, "n", "Foo", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"F", NULL});
    pb_str(&a, AP_NAME, "empty");
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_sub(&body, GP_NODE, &node);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "attribute 'empty'", "no type");

    simple_graph(&body);
    node_begin(&node, "n", "Foo", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"F", NULL});
    pb_str(&a, AP_NAME, "t");
    pb_int(&a, AP_TYPE, ATTR_TENSOR);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_sub(&body, GP_NODE, &node);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "attribute 't'", "no tensor");

    /* A bad tensor inside a subgraph's initializer reports the whole path. */
    simple_graph(&body);
    pb sub = {0};
    simple_graph(&sub);
    raw_tensor(&t, "inner", DNNX_DTYPE_FLOAT, dims34, 2, raw, 4);
    pb_sub(&sub, GP_INITIALIZER, &t);
    node_begin(&node, "loop", "Loop", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"L", NULL});
    pb_str(&a, AP_NAME, "body");
    pb_sub(&a, AP_G, &sub);
    pb_int(&a, AP_TYPE, ATTR_GRAPH);
    pb_sub(&node, NP_ATTRIBUTE, &a);
    pb_sub(&body, GP_NODE, &node);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "node 'loop' (Loop)", "attribute 'body'",
                   "subgraph 'simple'", "initializer 'inner'", "raw_data has 4 bytes");

    simple_graph(&body);
    node_begin(&node, "n", "", NULL, (const char *const[]){"X", NULL}, (const char *const[]){"F", NULL});
    pb_sub(&body, GP_NODE, &node);
    EXPECT_FAILURE(load_body(&body, 8), DNNX_ERR_INVALID_MODEL, "op_type");
}

/* External data: a model in a temp dir with its weights in files beside it. */
typedef struct ext_case {
    const char *location;
    const char *offset;
    const char *length;
} ext_case;

static dnnx_status load_external_shaped(const char *dir, const ext_case *c, const int64_t *dims, graph **out)
{
    pb body = {0}, t = {0}, entry = {0};
    simple_graph(&body);
    tensor_head(&t, "W", DNNX_DTYPE_FLOAT, dims, 2);
    const char *keys[] = {"location", "offset", "length"};
    const char *values[] = {c->location, c->offset, c->length};
    for (int k = 0; k < 3; k++) {
        if (!values[k])
            continue;
        pb_str(&entry, 1, keys[k]);
        pb_str(&entry, 2, values[k]);
        pb_sub(&t, TP_EXTERNAL_DATA, &entry);
    }
    pb_int(&t, TP_DATA_LOCATION, 1);
    pb_sub(&body, GP_INITIALIZER, &t);
    pb model = {0};
    model_wrap(&model, &body, 8);
    char *path = join(dir, "model.onnx");
    write_file(path, model.data, model.len);
    /* Through mappings the model loads (or fails) alike, W's bytes in place when aligned. */
    graph *mapped = NULL;
    proto_files *files = NULL;
    dnnx_status mapped_status = proto_load_model_file_mapped(path, &mapped, &files);
    char mapped_message[512];
    snprintf(mapped_message, sizeof mapped_message, "%s", dnnx_last_error());
    *out = NULL;
    dnnx_status status = proto_load_model_file(path, out);
    assert_int_equal(mapped_status, status);
    if (status)
        assert_string_equal(mapped_message, dnnx_last_error());
    if (status == DNNX_OK) {
        const dnnx_tensor *w = (*out)->values[graph_value_find(*out, "W")].constant;
        const dnnx_tensor *m = mapped->values[graph_value_find(mapped, "W")].constant;
        assert_same_tensor(w, m, true);
        assert_true(w->owns_data);
        assert_int_equal(!m->owns_data, proto_files_in_place(files));
        assert_int_equal(files != NULL, proto_files_in_place(files) > 0);
    }
    graph_free(mapped);
    proto_files_free(files);
    if (status == DNNX_OK) {
        /* The same bytes from memory cannot reach the file. */
        graph *g = NULL;
        EXPECT_FAILURE(proto_load_model_memory(model.data, model.len, NULL, &g), DNNX_ERR_UNSUPPORTED, "memory");
        assert_int_equal(proto_load_model_memory(model.data, model.len, dir, &g), DNNX_OK);
        graph_free(g);
    }
    pb_free(&model);
    free(path);
    return status;
}

static dnnx_status load_external(const char *dir, const ext_case *c, graph **out)
{
    return load_external_shaped(dir, c, (const int64_t[]){2, 3}, out);
}

static void test_external_data(void **state)
{
    (void)state;
    char *root = make_temp_dir();
    char *dir = join(root, "model");
    assert_int_equal(mkdir(dir, 0700), 0);
    char *sub_dir = join(dir, "weights");
    assert_int_equal(mkdir(sub_dir, 0700), 0);

    float file_data[10] = {-1, -2, 1, 2, 3, 4, 5, 6, 99, 98};
    char *weights = join(dir, "w.bin");
    write_file(weights, file_data, sizeof file_data);
    char *nested = join(sub_dir, "w.bin");
    write_file(nested, file_data, sizeof file_data);
    char *outside = join(root, "secret.bin");
    write_file(outside, file_data, sizeof file_data);
    char *link = join(dir, "link.bin");
    assert_int_equal(symlink(outside, link), 0);
    char *dir_link = join(dir, "up");
    assert_int_equal(symlink(root, dir_link), 0);

    graph *g = NULL;
    const ext_case ok_cases[] = {{"w.bin", "8", "24"}, {"weights/w.bin", "8", "24"}, {"./w.bin", "8", "24"}};
    for (size_t k = 0; k < sizeof ok_cases / sizeof ok_cases[0]; k++) {
        dnnx_status status = load_external(dir, &ok_cases[k], &g);
        if (status)
            fail_msg("case %zu: %s", k, dnnx_last_error());
        const graph_value *w = &g->values[graph_value_find(g, "W")];
        assert_non_null(w->constant);
        assert_memory_equal(w->constant->data, ((float[]){1, 2, 3, 4, 5, 6}), 24);
        graph_free(g);
    }
    /* Through mappings, bytes aligned for float are used in place, others copied. */
    char *model_path = join(dir, "model.onnx");
    for (int offset = 1; offset <= 8; offset++) {
        char offset_text[8];
        snprintf(offset_text, sizeof offset_text, "%d", offset);
        assert_int_equal(load_external(dir, &(ext_case){"w.bin", offset_text, "24"}, &g), DNNX_OK);
        graph_free(g);
        proto_files *files = NULL;
        assert_int_equal(proto_load_model_file_mapped(model_path, &g, &files), DNNX_OK);
        const dnnx_tensor *w = g->values[graph_value_find(g, "W")].constant;
        assert_memory_equal(w->data, (const uint8_t *)file_data + offset, 24);
        assert_int_equal(!w->owns_data, offset % 4 == 0);
        assert_int_equal(proto_files_in_place(files), offset % 4 == 0);
        /* Letting the pages go keeps the bytes readable; for memory outside the mappings it
         * does nothing. */
        proto_files_release(files, w->data, 24);
        proto_files_release(files, file_data, sizeof file_data);
        assert_memory_equal(w->data, (const uint8_t *)file_data + offset, 24);
        graph_free(g);
        proto_files_free(files);
    }
    free(model_path);
    /* Without a length the data runs to the end of the file. */
    write_file(weights, file_data, 8 * sizeof(float));
    assert_int_equal(load_external(dir, &(ext_case){"w.bin", "8", NULL}, &g), DNNX_OK);
    graph_free(g);
    write_file(weights, file_data, sizeof file_data);

    struct {
        ext_case c;
        dnnx_status status;
        const char *word;
    } bad[] = {
        {{"/etc/passwd", NULL, NULL}, DNNX_ERR_INVALID_MODEL, "absolute"},
        {{"../secret.bin", "0", "24"}, DNNX_ERR_INVALID_MODEL, "'..'"},
        {{"weights/../../secret.bin", "0", "24"}, DNNX_ERR_INVALID_MODEL, "'..'"},
        {{"link.bin", "8", "24"}, DNNX_ERR_INVALID_MODEL, "outside the model directory"},
        {{"up/secret.bin", "8", "24"}, DNNX_ERR_INVALID_MODEL, "outside the model directory"},
        {{"w.bin", "48", "24"}, DNNX_ERR_INVALID_MODEL, "past the end"},
        {{"w.bin", "41", NULL}, DNNX_ERR_INVALID_MODEL, "past the end"},
        {{"w.bin", "24", "24"}, DNNX_ERR_INVALID_MODEL, "runs past the end"},
        {{"w.bin", "0", "20"}, DNNX_ERR_INVALID_MODEL, "length is 20 bytes, dims [2,3] of float need 24"},
        {{"w.bin", NULL, NULL}, DNNX_ERR_INVALID_MODEL, "length is 40 bytes"},
        {{"w.bin", "-8", "24"}, DNNX_ERR_INVALID_MODEL, "offset '-8'"},
        {{"w.bin", "8", "0x18"}, DNNX_ERR_INVALID_MODEL, "length '0x18'"},
        {{"w.bin", "99999999999999999999999", "24"}, DNNX_ERR_INVALID_MODEL, "offset"},
        {{"missing.bin", "0", "24"}, DNNX_ERR_IO, "missing.bin"},
        {{"weights", "0", "24"}, DNNX_ERR_IO, "regular file"},
        {{"", "0", "24"}, DNNX_ERR_INVALID_MODEL, "empty"},
        {{NULL, "0", "24"}, DNNX_ERR_INVALID_MODEL, "location"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        dnnx_status status = load_external(dir, &bad[k].c, &g);
        const char *message = dnnx_last_error();
        if (status != bad[k].status || !strstr(message, bad[k].word) || !strstr(message, "initializer 'W'"))
            fail_msg("case %zu (%s): status %d, message '%s' (expected %d with '%s')", k,
                     bad[k].c.location ? bad[k].c.location : "(none)", (int)status, message, (int)bad[k].status,
                     bad[k].word);
        assert_null(g);
    }
    /* A forged huge shape is checked against the file before anything is allocated. */
    EXPECT_FAILURE(
        load_external_shaped(dir, &(ext_case){"w.bin", NULL, NULL}, (const int64_t[]){1LL << 40, 1 << 10}, &g),
        DNNX_ERR_INVALID_MODEL, "length is 40 bytes");
    free(weights);
    free(nested);
    free(outside);
    free(link);
    free(dir_link);
    free(sub_dir);
    free(dir);
    remove_temp_dir(root);
}

/* A model whose initializers keep their bytes in raw_data, with a doc_string of pad bytes
 * before the graph (to move the raw bytes in the file). */
static void raw_data_model(pb *model, size_t pad, const float *f, size_t f_count)
{
    pb body = {0}, t = {0};
    simple_graph(&body);
    raw_tensor(&t, "F", DNNX_DTYPE_FLOAT, (const int64_t[]){3, 5}, 2, f, f_count * sizeof *f);
    pb_sub(&body, GP_INITIALIZER, &t);
    const uint8_t flags[7] = {0, 1, 2, 0, 255, 1, 0};
    raw_tensor(&t, "B", DNNX_DTYPE_BOOL, (const int64_t[]){7}, 1, flags, sizeof flags);
    pb_sub(&body, GP_INITIALIZER, &t);
    const int8_t bytes[3] = {-1, 2, -3};
    raw_tensor(&t, "I8", DNNX_DTYPE_INT8, (const int64_t[]){3}, 1, bytes, sizeof bytes);
    pb_sub(&body, GP_INITIALIZER, &t);
    raw_tensor(&t, "E", DNNX_DTYPE_FLOAT, (const int64_t[]){0, 4}, 2, NULL, 0);
    pb_sub(&body, GP_INITIALIZER, &t);
    /* raw_data given twice: the last one counts, as protobuf says. */
    const float first = 7.0f, last[2] = {1.5f, -2.5f};
    tensor_head(&t, "D", DNNX_DTYPE_FLOAT, (const int64_t[]){2}, 1);
    pb_bytes(&t, TP_RAW_DATA, &first, sizeof first);
    pb_bytes(&t, TP_RAW_DATA, last, sizeof last);
    pb_sub(&body, GP_INITIALIZER, &t);
    tensor_head(&t, "T", DNNX_DTYPE_FLOAT, (const int64_t[]){2}, 1);
    pb_packed_fixed(&t, TP_FLOAT_DATA, last, 2, sizeof(float));
    pb_sub(&body, GP_INITIALIZER, &t);
    pb_int(model, MP_IR_VERSION, 8);
    opset(model, "", 17);
    char doc[8] = "";
    memset(doc, 'x', pad);
    pb_str(model, MP_DOC_STRING, doc);
    pb_sub(model, MP_GRAPH, &body);
}

static void check_raw_data_graph(const graph *g, const float *f)
{
    const dnnx_tensor *t = g->values[graph_value_find(g, "F")].constant;
    assert_memory_equal(t->data, f, 15 * sizeof *f);
    t = g->values[graph_value_find(g, "B")].constant;
    assert_memory_equal(t->data, ((const uint8_t[]){0, 1, 1, 0, 1, 1, 0}), 7);
    t = g->values[graph_value_find(g, "I8")].constant;
    assert_memory_equal(t->data, ((const int8_t[]){-1, 2, -3}), 3);
    t = g->values[graph_value_find(g, "E")].constant;
    assert_non_null(t->data);
    assert_int_equal(tensor_count(t), 0);
    t = g->values[graph_value_find(g, "D")].constant;
    assert_memory_equal(t->data, ((const float[]){1.5f, -2.5f}), 2 * sizeof(float));
    t = g->values[graph_value_find(g, "T")].constant;
    assert_memory_equal(t->data, ((const float[]){1.5f, -2.5f}), 2 * sizeof(float));
}

/* The loader cuts the main graph's raw_data out of the serialized model before protobuf-c
 * unpacks it, and gives each tensor its bytes once: decoding is unchanged, from memory and
 * from a file. Through mappings, raw bytes that happen to be aligned for their type are used
 * in place (bool never: its bytes are normalised), and releasing their pages loses nothing. */
static void test_model_raw_data(void **state)
{
    (void)state;
    float f[15];
    for (int i = 0; i < 15; i++)
        f[i] = (float)i * 0.25f - 1.0f;
    char *root = make_temp_dir();
    char *path = join(root, "model.onnx");
    int in_place_seen = 0;
    for (size_t pad = 0; pad < 4; pad++) {
        pb model = {0};
        raw_data_model(&model, pad, f, 15);
        const uint8_t *found = memmem(model.data, model.len, f, sizeof f);
        assert_non_null(found);
        bool aligned = (size_t)(found - model.data) % sizeof(float) == 0;
        graph *g = NULL;
        assert_int_equal(proto_load_model_memory(model.data, model.len, NULL, &g), DNNX_OK);
        check_raw_data_graph(g, f);
        graph_free(g);
        write_file(path, model.data, model.len);
        assert_int_equal(proto_load_model_file(path, &g), DNNX_OK);
        check_raw_data_graph(g, f);
        assert_true(g->values[graph_value_find(g, "F")].constant->owns_data);
        graph_free(g);
        proto_files *files = NULL;
        assert_int_equal(proto_load_model_file_mapped(path, &g, &files), DNNX_OK);
        check_raw_data_graph(g, f);
        const dnnx_tensor *tf = g->values[graph_value_find(g, "F")].constant;
        assert_int_equal(!tf->owns_data, aligned);
        assert_true(g->values[graph_value_find(g, "B")].constant->owns_data);
        assert_true(g->values[graph_value_find(g, "E")].constant->owns_data);
        assert_false(g->values[graph_value_find(g, "I8")].constant->owns_data);
        assert_non_null(files);
        for (int v = 0; v < g->n_values; v++)
            if (g->values[v].constant)
                proto_files_release(files, g->values[v].constant->data, tensor_bytes(g->values[v].constant));
        check_raw_data_graph(g, f);
        in_place_seen += aligned;
        graph_free(g);
        proto_files_free(files);
        pb_free(&model);
    }
    assert_int_equal(in_place_seen, 1);
    /* Cut short inside a weight's bytes, the model is refused as before. */
    pb model = {0};
    raw_data_model(&model, 0, f, 15);
    const uint8_t *found = memmem(model.data, model.len, f, sizeof f);
    size_t cut = (size_t)(found - model.data) + 10;
    graph *g = NULL;
    EXPECT_FAILURE(proto_load_model_memory(model.data, cut, NULL, &g), DNNX_ERR_INVALID_MODEL, "cannot parse model");
    write_file(path, model.data, cut);
    proto_files *files = NULL;
    EXPECT_FAILURE(proto_load_model_file_mapped(path, &g, &files), DNNX_ERR_INVALID_MODEL, "cannot parse model");
    assert_null(files);
    pb_free(&model);
    free(path);
    remove_temp_dir(root);
}

/* MatMul(X[rows, 16], W[16, 24]) with W in an external data file at offset: a session reads it
 * through a mapping (in place when aligned), hands it to the MatMul's kernel, and runs right
 * at several shapes, also after the kernel let the weight's pages go. */
static void run_external_matmul(const char *dir, int offset)
{
    float w[16 * 24], file_bytes[16 * 24 + 8] = {0};
    for (int i = 0; i < 16 * 24; i++)
        w[i] = (float)((i * 37) % 17) * 0.125f - 1.0f;
    memcpy((uint8_t *)file_bytes + offset, w, sizeof w);
    char *weights = join(dir, "mm.bin");
    write_file(weights, file_bytes, sizeof file_bytes);
    pb body = {0}, node = {0}, t = {0}, entry = {0}, model = {0};
    node_begin(&node, "mm", "MatMul", NULL, (const char *const[]){"X", "W", NULL}, (const char *const[]){"Y", NULL});
    pb_sub(&body, GP_NODE, &node);
    pb_str(&body, GP_NAME, "external");
    value_info(&body, GP_INPUT, "X", DNNX_DTYPE_FLOAT, 2, (const char *const[]){"rows", "16"});
    value_info(&body, GP_OUTPUT, "Y", DNNX_DTYPE_FLOAT, 2, (const char *const[]){"rows", "24"});
    tensor_head(&t, "W", DNNX_DTYPE_FLOAT, (const int64_t[]){16, 24}, 2);
    char offset_text[8];
    snprintf(offset_text, sizeof offset_text, "%d", offset);
    const char *keys[] = {"location", "offset"}, *values[] = {"mm.bin", offset_text};
    for (int k = 0; k < 2; k++) {
        pb_str(&entry, 1, keys[k]);
        pb_str(&entry, 2, values[k]);
        pb_sub(&t, TP_EXTERNAL_DATA, &entry);
    }
    pb_str(&entry, 1, "length");
    pb_str(&entry, 2, "1536");
    pb_sub(&t, TP_EXTERNAL_DATA, &entry);
    pb_int(&t, TP_DATA_LOCATION, 1);
    pb_sub(&body, GP_INITIALIZER, &t);
    model_wrap(&model, &body, 8);
    char *path = join(dir, "mm.onnx");
    write_file(path, model.data, model.len);
    dnnx_session *session = NULL;
    dnnx_status status = dnnx_session_create(path, NULL, &session);
    if (status)
        fail_msg("%s", dnnx_last_error());
    const int64_t rows[] = {3, 5, 1, 3, 64, 2};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        int64_t dims[2] = {rows[r], 16};
        dnnx_tensor *x = NULL, *y = NULL;
        assert_int_equal(dnnx_tensor_create(DNNX_DTYPE_FLOAT, 2, dims, &x), DNNX_OK);
        float *xd = dnnx_tensor_data(x);
        for (int64_t i = 0; i < rows[r] * 16; i++)
            xd[i] = (float)((i * 11) % 7) * 0.5f - 1.5f;
        const dnnx_tensor *inputs[1] = {x};
        if (dnnx_session_run(session, inputs, 1, &y, 1))
            fail_msg("%s", dnnx_last_error());
        const float *yd = dnnx_tensor_data_const(y);
        for (int64_t i = 0; i < rows[r]; i++)
            for (int j = 0; j < 24; j++) {
                float expected = 0;
                for (int k = 0; k < 16; k++)
                    expected += xd[i * 16 + k] * w[k * 24 + j];
                if (fabsf(yd[i * 24 + j] - expected) > 1e-4f)
                    fail_msg("offset %d rows %lld: y[%lld,%d] is %g, expected %g", offset, (long long)rows[r],
                             (long long)i, j, (double)yd[i * 24 + j], (double)expected);
            }
        dnnx_tensor_free(x);
        dnnx_tensor_free(y);
    }
    dnnx_session_free(session);
    pb_free(&model);
    free(path);
    free(weights);
}

static void test_session_external_weights(void **state)
{
    (void)state;
    char *root = make_temp_dir();
    run_external_matmul(root, 32);
    run_external_matmul(root, 6);
    remove_temp_dir(root);
}

/* Every ONNX backend node-test model loads, or is refused only as unsupported. */
static void test_backend_node_models(void **state)
{
    (void)state;
    DIR *dir = opendir(NODE_TEST_DIR);
    if (!dir)
        skip();
    int loaded = 0, unsupported = 0, failed = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/model.onnx", NODE_TEST_DIR, entry->d_name);
        if (access(path, R_OK))
            continue;
        graph *g = NULL;
        dnnx_status status = proto_load_model_file(path, &g);
        if (status == DNNX_OK) {
            loaded++;
            graph_free(g);
        } else if (status == DNNX_ERR_UNSUPPORTED) {
            unsupported++;
            if (getenv("DNNX_TEST_VERBOSE"))
                printf("unsupported %s: %s\n", entry->d_name, dnnx_last_error());
        } else {
            failed++;
            printf("FAILED %s: status %d: %s\n", entry->d_name, (int)status, dnnx_last_error());
        }
    }
    closedir(dir);
    printf("node-test models: %d loaded, %d unsupported, %d failed\n", loaded, unsupported, failed);
    assert_int_equal(failed, 0);
    assert_true(loaded > 800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pb_round_trip),       cmocka_unit_test(test_npy_round_trip),
        cmocka_unit_test(test_npy_read_variants),   cmocka_unit_test(test_npy_negative),
        cmocka_unit_test(test_pb_typed_fields),     cmocka_unit_test(test_pb_negative),
        cmocka_unit_test(test_model_full),          cmocka_unit_test(test_model_garbage),
        cmocka_unit_test(test_model_header_errors), cmocka_unit_test(test_model_content_errors),
        cmocka_unit_test(test_external_data),       cmocka_unit_test(test_backend_node_models),
        cmocka_unit_test(test_model_raw_data),      cmocka_unit_test(test_session_external_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

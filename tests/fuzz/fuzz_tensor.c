/* libFuzzer harness for the tensor file formats. Every input is parsed twice: as a serialized
 * TensorProto (from memory) and as a .npy file (the API reads .npy only from a path, so the
 * bytes go through an in-memory file named /proc/self/fd/N). Whatever parses must be a
 * consistent tensor and must survive a write/read round trip through both formats
 * unchanged; a violation traps, which libFuzzer reports like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dnnx.h"

/* Written so the reads that feed it are not optimized away (ASan checks every one). */
static volatile uint8_t sink;
static int scratch_fd = -1;
static char scratch_path[64];

/* The in-memory scratch file every .npy and .pb round trip goes through (made once). */
static int scratch_open(void)
{
    if (scratch_fd >= 0)
        return 0;
    scratch_fd = memfd_create("dnnx-fuzz-tensor", 0);
    if (scratch_fd < 0) {
        FILE *file = tmpfile();
        if (!file)
            return -1;
        scratch_fd = fileno(file);
    }
    snprintf(scratch_path, sizeof scratch_path, "/proc/self/fd/%d", scratch_fd);
    return 0;
}

static int scratch_write(const uint8_t *data, size_t size)
{
    if (ftruncate(scratch_fd, 0) != 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(scratch_fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_tensor: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    __builtin_trap();
}

/* Checks that the tensor's accessors agree and reads every byte of its buffer, so a buffer
 * shorter than its dims claim is caught by AddressSanitizer. */
static void check_tensor(const dnnx_tensor *tensor)
{
    int rank = dnnx_tensor_rank(tensor);
    if (rank < 0 || rank > DNNX_MAX_RANK)
        fail("rank out of range", NULL);
    const int64_t *dims = dnnx_tensor_dims(tensor);
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0)
            fail("negative dim", NULL);
        if (__builtin_mul_overflow(count, (size_t)dims[i], &count))
            fail("element count overflows", NULL);
    }
    if (dnnx_tensor_element_count(tensor) != count)
        fail("element count disagrees with dims", NULL);
    size_t bytes = dnnx_tensor_size_bytes(tensor);
    if (bytes != count * dnnx_dtype_size(dnnx_tensor_dtype(tensor)))
        fail("byte size disagrees with dims and dtype", NULL);
    const uint8_t *data = dnnx_tensor_data_const(tensor);
    if (bytes && !data)
        fail("non-empty tensor without data", NULL);
    uint8_t fold = 0;
    for (size_t i = 0; i < bytes; i++)
        fold ^= data[i];
    sink = fold;
    if (!dnnx_tensor_name(tensor))
        fail("tensor name is NULL", NULL);
}

/* Equal dtype, dims and contents (bool compared as truth values, names only if asked). */
static void check_same(const dnnx_tensor *a, const dnnx_tensor *b, int compare_names, const char *trip)
{
    if (dnnx_tensor_dtype(a) != dnnx_tensor_dtype(b))
        fail("round trip changed the dtype", trip);
    if (dnnx_tensor_rank(a) != dnnx_tensor_rank(b))
        fail("round trip changed the rank", trip);
    if (memcmp(dnnx_tensor_dims(a), dnnx_tensor_dims(b), (size_t)dnnx_tensor_rank(a) * sizeof(int64_t)) != 0)
        fail("round trip changed the dims", trip);
    size_t bytes = dnnx_tensor_size_bytes(a);
    if (bytes != dnnx_tensor_size_bytes(b))
        fail("round trip changed the size", trip);
    const uint8_t *x = dnnx_tensor_data_const(a), *y = dnnx_tensor_data_const(b);
    if (dnnx_tensor_dtype(a) == DNNX_DTYPE_BOOL) {
        for (size_t i = 0; i < bytes; i++)
            if ((x[i] != 0) != (y[i] != 0))
                fail("round trip changed a bool", trip);
    } else if (bytes && memcmp(x, y, bytes) != 0) {
        fail("round trip changed the data", trip);
    }
    if (compare_names && strcmp(dnnx_tensor_name(a), dnnx_tensor_name(b)) != 0)
        fail("round trip changed the name", trip);
}

/* Writes the tensor in one format and reads it back: a write that succeeds must read back. */
static void round_trip(const dnnx_tensor *tensor, int as_npy)
{
    dnnx_status status =
        as_npy ? dnnx_tensor_write_npy(tensor, scratch_path) : dnnx_tensor_write_pb(tensor, scratch_path);
    if (status != DNNX_OK)
        return;
    dnnx_tensor *again = NULL;
    status = as_npy ? dnnx_tensor_read_npy(scratch_path, &again) : dnnx_tensor_read_pb(scratch_path, &again);
    if (status != DNNX_OK)
        fail(as_npy ? "a written .npy does not read back" : "a written .pb does not read back", dnnx_last_error());
    check_tensor(again);
    check_same(tensor, again, !as_npy, as_npy ? ".npy" : ".pb");
    dnnx_tensor_free(again);
}

static void check_and_round_trip(dnnx_tensor *tensor)
{
    check_tensor(tensor);
    round_trip(tensor, 0);
    round_trip(tensor, 1);
    dnnx_tensor_free(tensor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t empty[1];
    dnnx_tensor *tensor = NULL;
    if (scratch_open() != 0)
        fail("cannot make a scratch file", NULL);
    if (dnnx_tensor_read_pb_from_memory(size ? data : empty, size, &tensor) == DNNX_OK)
        check_and_round_trip(tensor);
    if (scratch_write(data, size) != 0)
        fail("cannot write the scratch file", NULL);
    tensor = NULL;
    if (dnnx_tensor_read_npy(scratch_path, &tensor) == DNNX_OK)
        check_and_round_trip(tensor);
    return 0;
}

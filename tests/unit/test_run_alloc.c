/* A run at shapes the session has seen allocates nothing on the heap but what it hands to the
 * caller: each returned output's struct, buffer and name (dnnx_session_run's contract is to
 * return new tensors). Every allocation in the process (all threads) during the second
 * dnnx_session_run of the tiny BERT is recorded with its call stack, by interposing malloc and
 * friends in this executable, or under AddressSanitizer (which owns malloc) through its
 * allocation hook. Allocations made inside oneDNN are counted apart and not held against dnnx:
 * dnnl_primitive_execute (oneDNN 2.x's only way to run a primitive) builds a std::unordered_map
 * of its arguments on every call, and some primitives allocate while they run. */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnnx.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define MODEL_DIR "models/bert_tiny_opset17/"
#define MAX_RECORDED 4096
#define MAX_FRAMES 24
#define MAX_SHOWN 16

static atomic_bool armed;
static atomic_size_t n_allocations;
static void *recorded[MAX_RECORDED];
static void *frames[MAX_RECORDED][MAX_FRAMES];
static int n_frames[MAX_RECORDED];

static _Thread_local bool noting; /* backtrace's own allocations are not the run's */

/* Records an allocation made while armed, with its call stack (backtrace is warmed up before
 * the first recording, so that it does not allocate). */
static void note(const volatile void *p)
{
    if (!p || !atomic_load(&armed) || noting)
        return;
    noting = true;
    size_t k = atomic_fetch_add(&n_allocations, 1);
    if (k < MAX_RECORDED) {
        recorded[k] = (void *)p;
        n_frames[k] = backtrace(frames[k], MAX_FRAMES);
    }
    noting = false;
}

#ifdef UNDER_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void malloc_hook(const volatile void *p, size_t size)
{
    (void)size;
    note(p);
}

static void free_hook(const volatile void *p) { (void)p; }

static void install_recorder(void) { __sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook); }
#else
/* glibc's allocator under its exported names: every allocation still comes from it, so
 * memory from any of these functions may be freed by any other. The replacements are exported
 * (the build hides symbols by default), so that shared libraries call them too. */
#define EXPORTED __attribute__((visibility("default")))
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);
void *__libc_memalign(size_t alignment, size_t size);
void *__libc_valloc(size_t size);
void *__libc_pvalloc(size_t size);

EXPORTED void *malloc(size_t size)
{
    void *p = __libc_malloc(size);
    note(p);
    return p;
}

EXPORTED void *calloc(size_t count, size_t size)
{
    void *p = __libc_calloc(count, size);
    note(p);
    return p;
}

EXPORTED void *realloc(void *old, size_t size)
{
    void *p = __libc_realloc(old, size);
    note(p);
    return p;
}

EXPORTED void free(void *p) { __libc_free(p); }

EXPORTED void *memalign(size_t alignment, size_t size)
{
    void *p = __libc_memalign(alignment, size);
    note(p);
    return p;
}

EXPORTED void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

EXPORTED int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *p = __libc_memalign(alignment, size);
    if (!p)
        return ENOMEM;
    note(p);
    *out = p;
    return 0;
}

EXPORTED void *valloc(size_t size)
{
    void *p = __libc_valloc(size);
    note(p);
    return p;
}

EXPORTED void *pvalloc(size_t size)
{
    void *p = __libc_pvalloc(size);
    note(p);
    return p;
}

/* glibc's own strdup does not allocate through the interposed malloc. */
EXPORTED char *strdup(const char *s)
{
    size_t size = strlen(s) + 1;
    char *p = malloc(size);
    if (p)
        memcpy(p, s, size);
    return p;
}

EXPORTED char *strndup(const char *s, size_t n)
{
    size_t size = strnlen(s, n);
    char *p = malloc(size + 1);
    if (p) {
        memcpy(p, s, size);
        p[size] = '\0';
    }
    return p;
}

static void install_recorder(void) {}
#endif

static dnnx_tensor *read_input(const char *dataset, int k)
{
    char path[256];
    dnnx_tensor *t = NULL;
    snprintf(path, sizeof path, MODEL_DIR "%s/input_%d.pb", dataset, k);
    if (dnnx_tensor_read_pb(path, &t))
        fail_msg("%s: %s", path, dnnx_last_error());
    return t;
}

/* Whether p is the struct, buffer or name of one of the outputs. */
static bool belongs_to_outputs(const void *p, dnnx_tensor *const *outputs, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (p == outputs[j] || p == dnnx_tensor_data(outputs[j]) || p == (const void *)dnnx_tensor_name(outputs[j]))
            return true;
    return false;
}

/* Whether allocation k was made inside oneDNN or the OpenMP runtime it runs on. */
static bool inside_onednn(size_t k)
{
    for (int f = 0; f < n_frames[k]; f++) {
        Dl_info info;
        if (dladdr(frames[k][f], &info) && info.dli_fname &&
            (strstr(info.dli_fname, "libdnnl") || strstr(info.dli_fname, "libgomp")))
            return true;
    }
    return false;
}

static void print_trace(size_t k)
{
    fprintf(stderr, "allocation %zu (%p):\n", k, recorded[k]);
    backtrace_symbols_fd(frames[k], n_frames[k], STDERR_FILENO);
}

/* Runs the model on dataset twice and checks the second run's allocations. */
static void check_second_run(const char *backends, const char *dataset)
{
    dnnx_options *options = NULL;
    dnnx_session *session = NULL;
    assert_int_equal(dnnx_options_create(&options), DNNX_OK);
    assert_int_equal(dnnx_options_set_backends(options, backends), DNNX_OK);
    assert_int_equal(dnnx_options_set_threads(options, 2), DNNX_OK);
    if (dnnx_session_create(MODEL_DIR "model.onnx", options, &session))
        fail_msg("%s", dnnx_last_error());
    dnnx_options_free(options);
    size_t n_inputs = dnnx_session_input_count(session), n_outputs = dnnx_session_output_count(session);
    assert_true(n_inputs == 3 && n_outputs == 2);
    dnnx_tensor *inputs[3], *outputs[2] = {NULL, NULL};
    for (int k = 0; k < 3; k++)
        inputs[k] = read_input(dataset, k);
    if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, 3, outputs, 2))
        fail_msg("first run: %s", dnnx_last_error());
    for (size_t j = 0; j < n_outputs; j++)
        dnnx_tensor_free(outputs[j]);

    atomic_store(&n_allocations, 0);
    atomic_store(&armed, true);
    dnnx_status status = dnnx_session_run(session, (const dnnx_tensor *const *)inputs, 3, outputs, 2);
    atomic_store(&armed, false);
    if (status)
        fail_msg("second run: %s", dnnx_last_error());

    size_t count = atomic_load(&n_allocations), for_outputs = 0, in_onednn = 0, other = 0;
    assert_true(count <= MAX_RECORDED);
    for (size_t k = 0; k < count; k++) {
        if (inside_onednn(k)) { /* first: oneDNN's freed temporaries may come back as the outputs' */
            in_onednn++;
        } else if (belongs_to_outputs(recorded[k], outputs, n_outputs)) {
            for_outputs++;
        } else if (other++ < MAX_SHOWN) {
            print_trace(k);
        }
    }
    print_message("backends %s, %s: %zu allocations in the second run: %zu for the outputs, %zu inside oneDNN, "
                  "%zu others\n",
                  backends, dataset, count, for_outputs, in_onednn, other);
    if (for_outputs != 3 * n_outputs || other)
        fail_msg("the second run made %zu allocations besides the %zu outputs' struct, buffer and name", other,
                 n_outputs);
    for (size_t j = 0; j < n_outputs; j++)
        dnnx_tensor_free(outputs[j]);
    for (int k = 0; k < 3; k++)
        dnnx_tensor_free(inputs[k]);
    dnnx_session_free(session);
}

static void test_reference_second_run_allocates_only_outputs(void **state)
{
    (void)state;
    check_second_run("ref", "test_data_set_0");
    check_second_run("ref", "test_data_set_1");
}

static void test_onednn_second_run_allocates_only_outputs(void **state)
{
    (void)state;
    check_second_run("all", "test_data_set_0");
    check_second_run("all", "test_data_set_1");
}

/* The recorder sees allocations at all: a test that cannot fail proves nothing. */
static void test_recorder_sees_allocations(void **state)
{
    (void)state;
    dnnx_tensor *t = NULL;
    const int64_t dims[1] = {4};
    atomic_store(&n_allocations, 0);
    atomic_store(&armed, true);
    dnnx_status status = dnnx_tensor_create(DNNX_DTYPE_FLOAT, 1, dims, &t);
    atomic_store(&armed, false);
    assert_int_equal(status, DNNX_OK);
    assert_int_equal(atomic_load(&n_allocations), 2);
    assert_true(recorded[0] == t || recorded[1] == t);
    dnnx_tensor_free(t);
}

int main(void)
{
    void *warm[1];
    backtrace(warm, 1); /* loads what backtrace needs now, not while recording */
    install_recorder();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorder_sees_allocations),
        cmocka_unit_test(test_reference_second_run_allocates_only_outputs),
        cmocka_unit_test(test_onednn_second_run_allocates_only_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

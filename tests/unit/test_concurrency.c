/* What dnnx.h promises about threads, measured: one session run from 8 threads at once
 * gives bit-identical outputs; two sessions with different options coexist; and memory
 * stays flat across many runs of one session. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnnx.h"

#define MODEL_DIR "models/bert_tiny_opset17"
#define N_INPUTS 3
#define N_OUTPUTS 2
#define THREADS 8
#define RUNS_PER_THREAD 1000

typedef struct fixture {
    dnnx_session *session;
    dnnx_tensor *inputs[N_INPUTS];
    dnnx_tensor *expected[N_OUTPUTS]; /* from a single-threaded run */
} fixture;

static void load_fixture(fixture *f, int threads)
{
    dnnx_options *options = NULL;
    assert_int_equal(dnnx_options_create(&options), DNNX_OK);
    assert_int_equal(dnnx_options_set_threads(options, threads), DNNX_OK);
    assert_int_equal(dnnx_session_create(MODEL_DIR "/model.onnx", options, &f->session), DNNX_OK);
    dnnx_options_free(options);
    for (int k = 0; k < N_INPUTS; k++) {
        char path[256];
        snprintf(path, sizeof path, MODEL_DIR "/test_data_set_1/input_%d.pb", k);
        assert_int_equal(dnnx_tensor_read_pb(path, &f->inputs[k]), DNNX_OK);
    }
    assert_int_equal(dnnx_session_run(f->session, (const dnnx_tensor *const *)f->inputs, N_INPUTS, f->expected,
                                      N_OUTPUTS),
                     DNNX_OK);
}

static void free_fixture(fixture *f)
{
    for (int k = 0; k < N_INPUTS; k++)
        dnnx_tensor_free(f->inputs[k]);
    for (int k = 0; k < N_OUTPUTS; k++)
        dnnx_tensor_free(f->expected[k]);
    dnnx_session_free(f->session);
}

static bool same_bits(const dnnx_tensor *a, const dnnx_tensor *b)
{
    return dnnx_tensor_size_bytes(a) == dnnx_tensor_size_bytes(b) &&
           !memcmp(dnnx_tensor_data_const(a), dnnx_tensor_data_const(b), dnnx_tensor_size_bytes(a));
}

/* Runs the fixture's session RUNS_PER_THREAD times; returns the number of bad runs. */
static void *run_many(void *arg)
{
    fixture *f = arg;
    uintptr_t bad = 0;
    for (int run = 0; run < RUNS_PER_THREAD; run++) {
        dnnx_tensor *outputs[N_OUTPUTS] = {NULL, NULL};
        if (dnnx_session_run(f->session, (const dnnx_tensor *const *)f->inputs, N_INPUTS, outputs, N_OUTPUTS)) {
            bad++;
            continue;
        }
        for (int k = 0; k < N_OUTPUTS; k++) {
            bad += !same_bits(outputs[k], f->expected[k]);
            dnnx_tensor_free(outputs[k]);
        }
    }
    return (void *)bad;
}

/* The first run at new shapes plans the arena; the second runs from it, with equal results. */
static void test_second_run_uses_the_plan(void **state)
{
    (void)state;
    fixture f;
    load_fixture(&f, 1);
    size_t arena = dnnx_session_arena_bytes(f.session);
    printf("planned arena for %s at the shapes of test_data_set_1: %zu bytes\n", MODEL_DIR, arena);
    assert_true(arena > 0);
    dnnx_tensor *outputs[N_OUTPUTS] = {NULL, NULL};
    assert_int_equal(dnnx_session_run(f.session, (const dnnx_tensor *const *)f.inputs, N_INPUTS, outputs, N_OUTPUTS),
                     DNNX_OK);
    for (int k = 0; k < N_OUTPUTS; k++) {
        assert_true(same_bits(outputs[k], f.expected[k]));
        dnnx_tensor_free(outputs[k]);
    }
    assert_int_equal(dnnx_session_arena_bytes(f.session), arena);
    free_fixture(&f);
}

static void test_one_session_many_threads(void **state)
{
    (void)state;
    fixture f;
    load_fixture(&f, 1);
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, run_many, &f), 0);
    uintptr_t bad = 0;
    for (int t = 0; t < THREADS; t++) {
        void *result;
        assert_int_equal(pthread_join(threads[t], &result), 0);
        bad += (uintptr_t)result;
    }
    printf("%d threads x %d runs of one session: %lu runs differed from the single-threaded output\n", THREADS,
           RUNS_PER_THREAD, (unsigned long)bad);
    assert_int_equal(bad, 0);
    free_fixture(&f);
}

static void test_two_sessions_different_threads(void **state)
{
    (void)state;
    fixture one, two;
    load_fixture(&one, 1);
    load_fixture(&two, 2);
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, run_many, &one), 0);
    assert_int_equal(pthread_create(&b, NULL, run_many, &two), 0);
    void *bad_a, *bad_b;
    assert_int_equal(pthread_join(a, &bad_a), 0);
    assert_int_equal(pthread_join(b, &bad_b), 0);
    assert_int_equal((uintptr_t)bad_a, 0);
    assert_int_equal((uintptr_t)bad_b, 0);
    for (int k = 0; k < N_OUTPUTS; k++)
        assert_true(same_bits(one.expected[k], two.expected[k]));
    free_fixture(&one);
    free_fixture(&two);
}

static long resident_kib(void)
{
    long pages_total = 0, pages_resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (!statm)
        return -1;
    if (fscanf(statm, "%ld %ld", &pages_total, &pages_resident) != 2)
        pages_resident = -1;
    fclose(statm);
    return pages_resident < 0 ? -1 : pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#if defined(__SANITIZE_ADDRESS__)
#define RSS_IS_MEANINGFUL 0 /* ASan's quarantine holds freed memory on purpose */
#else
#define RSS_IS_MEANINGFUL 1
#endif

static void test_memory_flat_across_runs(void **state)
{
    (void)state;
    enum { WARMUP = 500, RUNS = 10000 };
    fixture f;
    load_fixture(&f, 1);
    long after_warmup = 0;
    for (int run = 0; run < WARMUP + RUNS; run++) {
        if (run == WARMUP)
            after_warmup = resident_kib();
        dnnx_tensor *outputs[N_OUTPUTS] = {NULL, NULL};
        assert_int_equal(dnnx_session_run(f.session, (const dnnx_tensor *const *)f.inputs, N_INPUTS, outputs,
                                          N_OUTPUTS),
                         DNNX_OK);
        for (int k = 0; k < N_OUTPUTS; k++)
            dnnx_tensor_free(outputs[k]);
    }
    long after_runs = resident_kib();
    printf("RSS after %d warm-up runs: %ld KiB; after %d more runs: %ld KiB (%+ld KiB)\n", WARMUP, after_warmup, RUNS,
           after_runs, after_runs - after_warmup);
    assert_true(after_warmup > 0 && after_runs > 0);
    /* A leak of even one small tensor per run would add megabytes over 10,000 runs. */
    if (RSS_IS_MEANINGFUL)
        assert_true(after_runs - after_warmup < 512);
    free_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_run_uses_the_plan),
        cmocka_unit_test(test_one_session_many_threads),
        cmocka_unit_test(test_two_sessions_different_threads),
        cmocka_unit_test(test_memory_flat_across_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

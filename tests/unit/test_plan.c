/* The arena planner: values alive at the same time never share bytes, offsets are aligned,
 * and values with disjoint lifetimes do share, so the arena is smaller than the sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dnnx.h"
#include "graph/plan.h"

static void test_chain_reuses_memory(void **state)
{
    (void)state;
    /* A chain a -> b -> c -> d: each value dies when the next is made, so two buffers suffice. */
    plan_request requests[4] = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 3}};
    plan p;
    assert_int_equal(plan_build(requests, 4, &p), DNNX_OK);
    assert_int_equal(p.arena_bytes, 2 * 1024);
    for (int v = 0; v < 4; v++)
        assert_int_equal(p.offsets[v] % PLAN_ALIGNMENT, 0);
    assert_int_not_equal(p.offsets[0], p.offsets[1]);
    assert_int_equal(p.offsets[0], p.offsets[2]);
    plan_clear(&p);
}

static void test_unplaced_values(void **state)
{
    (void)state;
    plan_request requests[3] = {{0, 0, 5}, {64, 0, 1}, {0, -1, -1}};
    plan p;
    assert_int_equal(plan_build(requests, 3, &p), DNNX_OK);
    assert_true(p.offsets[0] == PLAN_NOT_PLACED && p.offsets[2] == PLAN_NOT_PLACED);
    assert_int_equal(p.offsets[1], 0);
    assert_int_equal(p.arena_bytes, 64);
    plan_clear(&p);
}

static void test_random_lifetimes_never_overlap(void **state)
{
    (void)state;
    enum { VALUES = 400, TRIALS = 50 };
    srand(7);
    for (int trial = 0; trial < TRIALS; trial++) {
        plan_request requests[VALUES];
        size_t total = 0;
        for (int v = 0; v < VALUES; v++) {
            int first = rand() % 300;
            requests[v] = (plan_request){(size_t)(rand() % 5000) * (rand() % 4 != 0), first, first + rand() % 40};
            total += requests[v].bytes;
        }
        plan p;
        assert_int_equal(plan_build(requests, VALUES, &p), DNNX_OK);
        for (int a = 0; a < VALUES; a++) {
            if (!requests[a].bytes)
                continue;
            assert_true(p.offsets[a] + requests[a].bytes <= p.arena_bytes);
            for (int b = a + 1; b < VALUES; b++) {
                if (!requests[b].bytes || requests[a].last_step < requests[b].first_step ||
                    requests[b].last_step < requests[a].first_step)
                    continue;
                int apart = p.offsets[a] + requests[a].bytes <= p.offsets[b] ||
                            p.offsets[b] + requests[b].bytes <= p.offsets[a];
                if (!apart)
                    fail_msg("values %d and %d are alive together but overlap", a, b);
            }
        }
        assert_true(p.arena_bytes < total);
        plan_clear(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_reuses_memory),
        cmocka_unit_test(test_unplaced_values),
        cmocka_unit_test(test_random_lifetimes_never_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

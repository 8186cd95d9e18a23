#include "plan.h"

#include <stdbool.h>
#include <stdlib.h>

#include "error.h"

typedef struct placed {
    size_t begin, end; /* [begin, end) in the arena */
    int first_step, last_step;
} placed;

static size_t align_up(size_t bytes) { return (bytes + PLAN_ALIGNMENT - 1) / PLAN_ALIGNMENT * PLAN_ALIGNMENT; }

static int larger_first(const void *a, const void *b, void *context)
{
    const plan_request *requests = context;
    const plan_request *ra = &requests[*(const size_t *)a], *rb = &requests[*(const size_t *)b];
    if (ra->bytes != rb->bytes)
        return ra->bytes > rb->bytes ? -1 : 1;
    return ra->first_step - rb->first_step;
}

static bool lifetimes_meet(const placed *p, const plan_request *r)
{
    return p->first_step <= r->last_step && r->first_step <= p->last_step;
}

/* The lowest offset where size bytes fit between the placed values alive with r (placed is
 * sorted by begin). */
static size_t lowest_fit(const placed *list, size_t n, const plan_request *r, size_t size)
{
    size_t offset = 0;
    for (size_t k = 0; k < n; k++) {
        if (!lifetimes_meet(&list[k], r))
            continue;
        if (list[k].begin >= offset + size)
            break;
        if (list[k].end > offset)
            offset = list[k].end;
    }
    return offset;
}

dnnx_status plan_build(const plan_request *requests, size_t n_values, plan *out)
{
    size_t *order = malloc((n_values + 1) * sizeof *order);
    placed *list = malloc((n_values + 1) * sizeof *list);
    size_t *offsets = malloc((n_values + 1) * sizeof *offsets);
    if (!order || !list || !offsets) {
        free(order);
        free(list);
        free(offsets);
        return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory planning the arena");
    }
    size_t n_order = 0, n_placed = 0, arena = 0;
    for (size_t v = 0; v < n_values; v++) {
        offsets[v] = PLAN_NOT_PLACED;
        if (requests[v].bytes)
            order[n_order++] = v;
    }
    qsort_r(order, n_order, sizeof *order, larger_first, (void *)requests);
    for (size_t k = 0; k < n_order; k++) {
        const plan_request *r = &requests[order[k]];
        size_t size = align_up(r->bytes);
        size_t offset = lowest_fit(list, n_placed, r, size);
        offsets[order[k]] = offset;
        /* Keep the list sorted by begin: insert in place. */
        size_t at = n_placed;
        while (at > 0 && list[at - 1].begin > offset) {
            list[at] = list[at - 1];
            at--;
        }
        list[at] = (placed){offset, offset + size, r->first_step, r->last_step};
        n_placed++;
        if (offset + size > arena)
            arena = offset + size;
    }
    free(order);
    free(list);
    out->offsets = offsets;
    out->n_values = n_values;
    out->arena_bytes = arena;
    return DNNX_OK;
}

void plan_clear(plan *p)
{
    if (!p)
        return;
    free(p->offsets);
    p->offsets = NULL;
    p->n_values = 0;
    p->arena_bytes = 0;
}

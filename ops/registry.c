#include "ops.h"

#define FAMILIES(X)                                                                                                    \
    X(elementwise)                                                                                                     \
    X(activation) X(cast) X(matmul) X(einsum) X(conv) X(pool) X(norm) X(softmax) X(shape) X(layout) X(gather)          \
        X(reduce) X(misc) X(recurrent) X(signal) X(quant) X(training) X(attention) X(image) X(fused) X(control)

#define TABLE_OF(family) ops_##family##_schemas,
#define SIZE_OF(family) &ops_##family##_count,

static const op_schema *const family_tables[] = {FAMILIES(TABLE_OF)};
static const size_t *const family_sizes[] = {FAMILIES(SIZE_OF)};

static const op_registry registry = {family_tables, family_sizes, sizeof family_tables / sizeof family_tables[0]};

const op_registry *ops_registry(void) { return &registry; }

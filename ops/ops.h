/* The op families of ops/. Each family file defines a table of schemas; registry.c lists
 * the tables. Adding an op = an entry in its family's table + its infer and reference kernel
 * in that file + a test. */
#ifndef DNNX_OPS_OPS_H
#define DNNX_OPS_OPS_H

#include <stddef.h>

#include "graph/op.h"

#define OPS_FAMILY(family)                                                                                  \
    extern const op_schema ops_##family##_schemas[];                                                        \
    extern const size_t ops_##family##_count;

OPS_FAMILY(elementwise)
OPS_FAMILY(activation)
OPS_FAMILY(cast)
OPS_FAMILY(matmul)
OPS_FAMILY(einsum)
OPS_FAMILY(conv)
OPS_FAMILY(pool)
OPS_FAMILY(norm)
OPS_FAMILY(softmax)
OPS_FAMILY(shape)
OPS_FAMILY(layout)
OPS_FAMILY(gather)
OPS_FAMILY(reduce)
OPS_FAMILY(misc)
OPS_FAMILY(recurrent)
OPS_FAMILY(signal)
OPS_FAMILY(quant)
OPS_FAMILY(training)
OPS_FAMILY(attention)
OPS_FAMILY(image)
OPS_FAMILY(fused)
OPS_FAMILY(control)

/* Defines ops_<family>_count after the table in a family file. */
#define OPS_FAMILY_COUNT(family) const size_t ops_##family##_count = sizeof ops_##family##_schemas / sizeof ops_##family##_schemas[0]

/* The registry of every op dnnx knows (static, immutable). */
const op_registry *ops_registry(void);

#endif

#include "ops.h"

const op_schema ops_attention_schemas[] = {
    {"", "__placeholder_attention", 1, 0, 0, 0, 0, NULL, NULL},
};
OPS_FAMILY_COUNT(attention);

#include "ops.h"

const op_schema ops_image_schemas[] = {
    {"", "__placeholder_image", 1, 0, 0, 0, 0, NULL, NULL},
};
OPS_FAMILY_COUNT(image);

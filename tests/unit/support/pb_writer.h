/* A protobuf wire encoder for the unit tests that write ONNX messages by hand (models, tensors,
 * malformed files); assertion failures are cmocka failures. */
#ifndef DNNX_TESTS_UNIT_SUPPORT_PB_WRITER_H
#define DNNX_TESTS_UNIT_SUPPORT_PB_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct pb {
    uint8_t *data;
    size_t len, cap;
} pb;

void pb_append(pb *b, const void *bytes, size_t n);
void pb_free(pb *b);
void pb_varint(pb *b, uint64_t v);
void pb_key(pb *b, int field, int wire);
void pb_int(pb *b, int field, int64_t v);
void pb_float(pb *b, int field, float v);
void pb_bytes(pb *b, int field, const void *bytes, size_t n);
void pb_str(pb *b, int field, const char *s);
/* Appends sub as a nested message and frees it. */
void pb_sub(pb *b, int field, pb *sub);
void pb_packed_varints(pb *b, int field, const int64_t *v, size_t n);
void pb_packed_fixed(pb *b, int field, const void *v, size_t n, size_t size);

#endif

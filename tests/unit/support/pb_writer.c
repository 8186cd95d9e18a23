#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/pb_writer.h"

void pb_append(pb *b, const void *bytes, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        b->data = realloc(b->data, cap);
        assert_non_null(b->data);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

void pb_free(pb *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void pb_varint(pb *b, uint64_t v)
{
    uint8_t byte;
    do {
        byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            byte |= 0x80;
        pb_append(b, &byte, 1);
    } while (v);
}

void pb_key(pb *b, int field, int wire) { pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire); }

void pb_int(pb *b, int field, int64_t v)
{
    pb_key(b, field, 0);
    pb_varint(b, (uint64_t)v);
}

void pb_float(pb *b, int field, float v)
{
    pb_key(b, field, 5);
    pb_append(b, &v, 4);
}

void pb_bytes(pb *b, int field, const void *bytes, size_t n)
{
    pb_key(b, field, 2);
    pb_varint(b, n);
    pb_append(b, bytes, n);
}

void pb_str(pb *b, int field, const char *s) { pb_bytes(b, field, s, strlen(s)); }

void pb_sub(pb *b, int field, pb *sub)
{
    pb_bytes(b, field, sub->data, sub->len);
    pb_free(sub);
}

void pb_packed_varints(pb *b, int field, const int64_t *v, size_t n)
{
    pb packed = {0};
    for (size_t i = 0; i < n; i++)
        pb_varint(&packed, (uint64_t)v[i]);
    pb_sub(b, field, &packed);
}

void pb_packed_fixed(pb *b, int field, const void *v, size_t n, size_t size) { pb_bytes(b, field, v, n * size); }

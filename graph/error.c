#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERROR_CAPACITY 1024

static _Thread_local char last_error[ERROR_CAPACITY];

const char *dnnx_last_error(void) { return last_error; }

void dnnx_error_clear(void) { last_error[0] = '\0'; }

dnnx_status dnnx_fail(dnnx_status status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, args);
    va_end(args);
    return status;
}

void dnnx_error_prefix(const char *fmt, ...)
{
    char prefix[ERROR_CAPACITY];
    char previous[ERROR_CAPACITY];
    va_list args;
    va_start(args, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, args);
    va_end(args);
    memcpy(previous, last_error, sizeof previous);
    snprintf(last_error, sizeof last_error, "%s: %s", prefix, previous);
}

/* The kernel-window geometry that Conv, ConvTranspose and the pools share: their spatial
 * attributes (kernel_shape, strides, dilations, pads, auto_pad) and the output size of a
 * window sliding over an input dim. */
#ifndef DNNX_OPS_WINDOW_H
#define DNNX_OPS_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/op.h"

#define WINDOW_MAX_SPATIAL (DNNX_MAX_RANK - 2)
/* Kernel sizes, strides, dilations and pads beyond this are rejected: no real model needs
 * them, and the bound keeps every index product far from overflow. */
#define WINDOW_ATTR_LIMIT ((int64_t)INT32_MAX)

typedef enum window_auto_pad {
    WINDOW_PAD_NOTSET,
    WINDOW_PAD_SAME_UPPER,
    WINDOW_PAD_SAME_LOWER,
    WINDOW_PAD_VALID
} window_auto_pad;

/* The spatial geometry of a windowed op over X = [N, C, D1..Dn]: sizes may be symbolic (< 0)
 * at load time. group and out_padding are the convolutions' (0 for the pools). */
typedef struct window_geom {
    int rank; /* spatial rank */
    int64_t group;
    int64_t in[WINDOW_MAX_SPATIAL], out[WINDOW_MAX_SPATIAL], kernel[WINDOW_MAX_SPATIAL];
    int64_t stride[WINDOW_MAX_SPATIAL], dilation[WINDOW_MAX_SPATIAL];
    int64_t pad_begin[WINDOW_MAX_SPATIAL], pad_end[WINDOW_MAX_SPATIAL];
    int64_t out_padding[WINDOW_MAX_SPATIAL];
} window_geom;

/* An ints attribute with one value per spatial dim (absent: def everywhere), each in
 * [min, WINDOW_ATTR_LIMIT]. */
dnnx_status window_read_ints(op_ctx *ctx, const char *name, int rank, int64_t def, int64_t min, int64_t *out);
/* The 'pads' attribute as begin and end per spatial dim (absent: 0), each in 0..WINDOW_ATTR_LIMIT. */
dnnx_status window_read_pads(op_ctx *ctx, int rank, int64_t *begin, int64_t *end);
/* The 'auto_pad' attribute (absent: NOTSET). */
dnnx_status window_read_auto_pad(op_ctx *ctx, window_auto_pad *mode);

/* Fails naming the spatial axis whose output size overflows. */
dnnx_status window_overflow(op_ctx *ctx, int axis);
/* The span (kernel - 1) * dilation + 1 of a dilated kernel; fails on overflow. */
dnnx_status window_extent(op_ctx *ctx, int axis, int64_t kernel, int64_t dilation, int64_t *extent);
/* The output size of a window of extent sliding by stride over a concrete input size in. SAME_*
 * modes set the pads (the odd one at the end for UPPER); otherwise the padded input must hold
 * the window, and ceil_mode rounds up without starting a window in the end padding. */
dnnx_status window_out_size(op_ctx *ctx, int axis, int64_t in, int64_t extent, int64_t stride, window_auto_pad mode,
                            bool ceil_mode, int64_t *pad_begin, int64_t *pad_end, int64_t *out);

#endif

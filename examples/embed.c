/* The smallest complete program that runs an ONNX model with dnnx:
 *
 *     embed MODEL [DIMS]...
 *
 * loads MODEL, feeds the K-th input zeros of the shape given by the K-th DIMS argument
 * ("1x128"), or of the model's shape with every symbolic dim set to 1, runs it once and
 * prints each output's shape. Build: cc embed.c -ldnnx */
#include <stdio.h>
#include <stdlib.h>

#include <dnnx.h>

/* Parses "1x128" into dims; returns the rank or -1. */
static int parse_dims(const char *text, int64_t *dims)
{
    int rank = 0;
    while (*text) {
        char *end;
        long long size = strtoll(text, &end, 10);
        if (end == text || size < 0 || rank == DNNX_MAX_RANK || (*end && *end != 'x'))
            return -1;
        dims[rank++] = size;
        text = *end ? end + 1 : end;
    }
    return rank;
}

/* Zeros shaped by argument `shape`, or by the model with symbolic dims set to 1. */
static dnnx_status make_input(const dnnx_session *session, size_t index, const char *shape, dnnx_tensor **out)
{
    int64_t dims[DNNX_MAX_RANK];
    int rank = shape ? parse_dims(shape, dims) : dnnx_session_input_rank(session, index);
    if (rank < 0 || rank > DNNX_MAX_RANK) {
        fprintf(stderr, "embed: give input %zu a shape like 1x128\n", index);
        return DNNX_ERR_INVALID_ARGUMENT;
    }
    for (int axis = 0; !shape && axis < rank; axis++) {
        int64_t size = dnnx_session_input_dim(session, index, axis);
        dims[axis] = size >= 0 ? size : 1;
    }
    return dnnx_tensor_create(dnnx_session_input_dtype(session, index), rank, dims, out);
}

int main(int argc, char **argv)
{
    dnnx_session *session = NULL;
    dnnx_tensor **inputs = NULL, **outputs = NULL;
    size_t n_inputs = 0, n_outputs = 0;
    int result = 1;
    if (argc < 2) {
        fprintf(stderr, "usage: embed MODEL [DIMS]...\n");
        return 1;
    }
    if (dnnx_session_create(argv[1], NULL, &session) != DNNX_OK)
        goto fail;
    n_inputs = dnnx_session_input_count(session);
    n_outputs = dnnx_session_output_count(session);
    inputs = calloc(n_inputs + 1, sizeof *inputs);
    outputs = calloc(n_outputs + 1, sizeof *outputs);
    if (!inputs || !outputs) {
        fprintf(stderr, "embed: out of memory\n");
        goto free_all;
    }
    for (size_t i = 0; i < n_inputs; i++)
        if (make_input(session, i, (int)i + 2 < argc ? argv[i + 2] : NULL, &inputs[i]) != DNNX_OK)
            goto fail;
    if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, outputs, n_outputs) != DNNX_OK)
        goto fail;
    for (size_t k = 0; k < n_outputs; k++) {
        const int64_t *dims = dnnx_tensor_dims(outputs[k]);
        printf("%s: %s [", dnnx_tensor_name(outputs[k]), dnnx_dtype_name(dnnx_tensor_dtype(outputs[k])));
        for (int axis = 0; axis < dnnx_tensor_rank(outputs[k]); axis++)
            printf(axis ? ",%lld" : "%lld", (long long)dims[axis]);
        printf("]\n");
    }
    result = 0;
    goto free_all;

fail:
    if (dnnx_last_error()[0])
        fprintf(stderr, "embed: %s\n", dnnx_last_error());
free_all:
    for (size_t i = 0; inputs && i < n_inputs; i++)
        dnnx_tensor_free(inputs[i]);
    for (size_t k = 0; outputs && k < n_outputs; k++)
        dnnx_tensor_free(outputs[k]);
    free(inputs);
    free(outputs);
    dnnx_session_free(session);
    return result;
}

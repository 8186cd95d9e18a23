/* Greedy text generation with a decoder that takes and returns its attention keys and values:
 *
 *     decode MODEL [STEPS [TOKEN]...]
 *
 * runs the prompt TOKEN... (default 1 2 3) through MODEL, then STEPS - 1 more steps (default 8)
 * of one token each, and prints the token chosen at each step (the argmax of the last logits).
 * Each step feeds the model's present.* outputs back as its past* inputs, so a step computes
 * attention for the new token only. The model follows the layout of Hugging Face exports:
 *   inputs  input_ids [batch,new_len] int64, optional attention_mask [batch,past_len+new_len]
 *           int64 and position_ids [batch,new_len] int64, then past* [batch,heads,past_len,dim]
 *   outputs logits [batch,new_len,vocab], then present* in the order of the past* inputs.
 * Build: cc decode.c -ldnnx */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dnnx.h>

#define MAX_PROMPT 256

/* Which input or output is which, by the names the layout above gives them. */
typedef struct layout {
    size_t n_inputs, n_outputs;
    long input_ids, attention_mask, position_ids, logits; /* -1 when absent */
    int *past_of_input;                                   /* per input: its number among the past* inputs, or -1 */
    int *present_of_output;
} layout;

static int starts_with(const char *name, const char *prefix) { return strncmp(name, prefix, strlen(prefix)) == 0; }

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Fills l from the session's names; returns 0, or -1 after printing what does not fit. */
static int find_layout(const dnnx_session *session, layout *l)
{
    int n_past = 0, n_present = 0;
    l->n_inputs = dnnx_session_input_count(session);
    l->n_outputs = dnnx_session_output_count(session);
    l->input_ids = l->attention_mask = l->position_ids = l->logits = -1;
    l->past_of_input = calloc(l->n_inputs + 1, sizeof *l->past_of_input);
    l->present_of_output = calloc(l->n_outputs + 1, sizeof *l->present_of_output);
    if (!l->past_of_input || !l->present_of_output) {
        fprintf(stderr, "decode: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < l->n_inputs; i++) {
        const char *name = dnnx_session_input_name(session, i);
        l->past_of_input[i] = starts_with(name, "past") ? n_past++ : -1;
        if (strcmp(name, "input_ids") == 0)
            l->input_ids = (long)i;
        else if (strcmp(name, "attention_mask") == 0)
            l->attention_mask = (long)i;
        else if (strcmp(name, "position_ids") == 0)
            l->position_ids = (long)i;
        else if (l->past_of_input[i] < 0) {
            fprintf(stderr, "decode: the model has an input '%s' this example does not know how to fill\n", name);
            return -1;
        }
        if (l->past_of_input[i] < 0 && dnnx_session_input_dtype(session, i) != DNNX_DTYPE_INT64) {
            fprintf(stderr, "decode: input '%s' must be int64\n", name);
            return -1;
        }
    }
    for (size_t k = 0; k < l->n_outputs; k++) {
        const char *name = dnnx_session_output_name(session, k);
        l->present_of_output[k] = starts_with(name, "present") ? n_present++ : -1;
        if (strcmp(name, "logits") == 0)
            l->logits = (long)k;
    }
    if (l->input_ids < 0 || l->logits < 0 || n_past == 0 || n_past != n_present) {
        fprintf(stderr,
                "decode: the model needs an input 'input_ids', an output 'logits' and as many past* inputs "
                "as present* outputs (it has %d and %d)\n",
                n_past, n_present);
        return -1;
    }
    return 0;
}

/* A [1, n] int64 tensor holding first, first + step, first + 2 * step, ... */
static dnnx_status make_row(size_t n, int64_t first, int64_t step, dnnx_tensor **out)
{
    int64_t dims[2] = {1, (int64_t)n};
    dnnx_status status = dnnx_tensor_create(DNNX_DTYPE_INT64, 2, dims, out);
    for (size_t j = 0; status == DNNX_OK && j < n; j++)
        ((int64_t *)dnnx_tensor_data(*out))[j] = first + (int64_t)j * step;
    return status;
}

/* The past for input i before the first step: batch 1, past length 0, the model's other dims. */
static dnnx_status make_empty_past(const dnnx_session *session, size_t i, dnnx_tensor **out)
{
    int64_t dims[DNNX_MAX_RANK];
    int rank = dnnx_session_input_rank(session, i);
    if (rank < 3 || rank > DNNX_MAX_RANK) {
        fprintf(stderr, "decode: input '%s' must be [batch,heads,past_len,head_dim]\n",
                dnnx_session_input_name(session, i));
        return DNNX_ERR_INVALID_ARGUMENT;
    }
    for (int axis = 0; axis < rank; axis++) {
        dims[axis] = axis == 0 ? 1 : axis == 2 ? 0 : dnnx_session_input_dim(session, i, axis);
        if (dims[axis] < 0) {
            fprintf(stderr, "decode: input '%s' has a symbolic dim %d; this example needs fixed heads and head_dim\n",
                    dnnx_session_input_name(session, i), axis);
            return DNNX_ERR_INVALID_ARGUMENT;
        }
    }
    return dnnx_tensor_create(dnnx_session_input_dtype(session, i), rank, dims, out);
}

/* The index of the largest of logits[0, last, :]. */
static int64_t last_argmax(const dnnx_tensor *logits)
{
    const int64_t *dims = dnnx_tensor_dims(logits);
    const float *last = (const float *)dnnx_tensor_data_const(logits) + (dims[1] - 1) * dims[2];
    int64_t best = 0;
    for (int64_t v = 1; v < dims[2]; v++)
        if (last[v] > last[best])
            best = v;
    return best;
}

int main(int argc, char **argv)
{
    dnnx_session *session = NULL;
    dnnx_tensor **inputs = NULL, **outputs = NULL;
    int64_t *tokens = NULL;
    layout l = {0};
    int64_t prompt[MAX_PROMPT] = {1, 2, 3};
    size_t n_prompt = 3;
    long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 8;
    int result = 1;
    if (argc < 2 || steps < 1 || argc - 3 > MAX_PROMPT) {
        fprintf(stderr, "usage: decode MODEL [STEPS [TOKEN]...]\n");
        return 1;
    }
    for (int a = 3; a < argc; a++)
        prompt[a - 3] = strtoll(argv[a], NULL, 10);
    if (argc > 3)
        n_prompt = (size_t)argc - 3;
    if (dnnx_session_create(argv[1], NULL, &session) != DNNX_OK)
        goto fail;
    if (find_layout(session, &l) != 0)
        goto free_all;
    inputs = calloc(l.n_inputs + 1, sizeof *inputs);
    outputs = calloc(l.n_outputs + 1, sizeof *outputs);
    tokens = calloc((size_t)steps, sizeof *tokens);
    if (!inputs || !outputs || !tokens) {
        fprintf(stderr, "decode: out of memory\n");
        goto free_all;
    }
    for (size_t i = 0; i < l.n_inputs; i++)
        if (l.past_of_input[i] >= 0 && make_empty_past(session, i, &inputs[i]) != DNNX_OK)
            goto fail;
    int64_t past_len = 0;
    for (long step = 0; step < steps; step++) {
        size_t n_new = step == 0 ? n_prompt : 1;
        if (step == 0) {
            int64_t dims[2] = {1, (int64_t)n_prompt};
            if (dnnx_tensor_create(DNNX_DTYPE_INT64, 2, dims, &inputs[l.input_ids]) != DNNX_OK)
                goto fail;
            memcpy(dnnx_tensor_data(inputs[l.input_ids]), prompt, n_prompt * sizeof prompt[0]);
        }
        if ((l.attention_mask >= 0 && make_row((size_t)past_len + n_new, 1, 0, &inputs[l.attention_mask]) != DNNX_OK) ||
            (l.position_ids >= 0 && make_row(n_new, past_len, 1, &inputs[l.position_ids]) != DNNX_OK))
            goto fail;
        double start = now_ms();
        if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, l.n_inputs, outputs, l.n_outputs) != DNNX_OK)
            goto fail;
        double elapsed = now_ms() - start;
        const dnnx_tensor *logits = outputs[l.logits];
        if (dnnx_tensor_dtype(logits) != DNNX_DTYPE_FLOAT || dnnx_tensor_rank(logits) != 3 ||
            dnnx_tensor_dims(logits)[1] < 1 || dnnx_tensor_dims(logits)[2] < 1) {
            fprintf(stderr, "decode: logits must be float [batch,new_len,vocab]\n");
            goto free_all;
        }
        int64_t token = tokens[step] = last_argmax(logits);
        printf("step %ld: %zu new token(s) after %lld -> %lld (%.3f ms)\n", step, n_new, (long long)past_len,
               (long long)token, elapsed);
        past_len += (int64_t)n_new;
        /* The next step: the chosen token alone, and every present as the matching past. */
        for (size_t i = 0; i < l.n_inputs; i++) {
            dnnx_tensor_free(inputs[i]);
            inputs[i] = NULL;
        }
        for (size_t k = 0; k < l.n_outputs; k++) {
            for (size_t i = 0; i < l.n_inputs && l.present_of_output[k] >= 0; i++)
                if (l.past_of_input[i] == l.present_of_output[k]) {
                    inputs[i] = outputs[k];
                    outputs[k] = NULL;
                }
            dnnx_tensor_free(outputs[k]);
            outputs[k] = NULL;
        }
        if (make_row(1, token, 0, &inputs[l.input_ids]) != DNNX_OK)
            goto fail;
    }
    printf("tokens:");
    for (long step = 0; step < steps; step++)
        printf(" %lld", (long long)tokens[step]);
    printf("\n");
    result = 0;
    goto free_all;

fail:
    if (dnnx_last_error()[0])
        fprintf(stderr, "decode: %s\n", dnnx_last_error());
free_all:
    for (size_t i = 0; inputs && i < l.n_inputs; i++)
        dnnx_tensor_free(inputs[i]);
    for (size_t k = 0; outputs && k < l.n_outputs; k++)
        dnnx_tensor_free(outputs[k]);
    free(inputs);
    free(outputs);
    free(tokens);
    free(l.past_of_input);
    free(l.present_of_output);
    dnnx_session_free(session);
    return result;
}

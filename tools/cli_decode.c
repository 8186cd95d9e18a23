/* Greedy decoding with past key/values for dnnx run --steps and dnnx compare --steps: the one
 * place that says how a step's inputs follow from the step before (see cli_decoder in cli.h).
 * Every step runs in the same session, so the session meets a new past length at each step. */
#include <math.h> /* macros only: the tool does not need libm for these */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONVENTION                                                                                                     \
    "--steps needs inputs input_ids, [attention_mask], [position_ids], past* and outputs logits, present*"
#define TOKENS_SHOWN 16

static bool decode_has_prefix(const char *name, const char *prefix)
{
    return name && strncmp(name, prefix, strlen(prefix)) == 0;
}

static size_t decode_find_input(const dnnx_session *session, const char *name)
{
    size_t n = dnnx_session_input_count(session);
    for (size_t i = 0; i < n; i++)
        if (strcmp(dnnx_session_input_name(session, i), name) == 0)
            return i;
    return CLI_NO_INDEX;
}

static bool decode_is_integer(dnnx_dtype dtype)
{
    switch (dtype) {
    case DNNX_DTYPE_INT8:
    case DNNX_DTYPE_INT16:
    case DNNX_DTYPE_INT32:
    case DNNX_DTYPE_INT64:
    case DNNX_DTYPE_UINT8:
    case DNNX_DTYPE_UINT16:
    case DNNX_DTYPE_UINT32:
    case DNNX_DTYPE_UINT64: return true;
    default: return false;
    }
}

/* Appends item to the comma-separated list in buf. */
static void decode_append(char *buf, size_t size, const char *item)
{
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s%s", used ? ", " : "", item);
}

void cli_decoder_free(cli_decoder *decoder)
{
    free(decoder->past);
    free(decoder->present);
    memset(decoder, 0, sizeof *decoder);
}

/* Pairs the i-th input starting with "past" with the i-th output starting with "present". */
static int decode_pair_past(const dnnx_session *session, cli_decoder *d)
{
    size_t n_present = 0;
    for (size_t i = 0; i < d->n_inputs; i++)
        if (decode_has_prefix(dnnx_session_input_name(session, i), "past"))
            d->past[d->n_past++] = i;
    for (size_t k = 0; k < d->n_outputs; k++)
        if (decode_has_prefix(dnnx_session_output_name(session, k), "present"))
            d->present[n_present++] = k;
    if (n_present < d->n_past)
        return cli_fail("input '%s' has no matching output: the model has %zu inputs whose names start with 'past' "
                        "but %zu outputs whose names start with 'present' (%s)",
                        dnnx_session_input_name(session, d->past[n_present]), d->n_past, n_present, CONVENTION);
    if (n_present > d->n_past)
        return cli_fail("output '%s' has no matching input: the model has %zu outputs whose names start with "
                        "'present' but %zu inputs whose names start with 'past' (%s)",
                        dnnx_session_output_name(session, d->present[d->n_past]), n_present, d->n_past, CONVENTION);
    for (size_t i = 0; i < d->n_past; i++) {
        dnnx_dtype in = dnnx_session_input_dtype(session, d->past[i]);
        dnnx_dtype out = dnnx_session_output_dtype(session, d->present[i]);
        if (in != out && in != DNNX_DTYPE_UNDEFINED && out != DNNX_DTYPE_UNDEFINED)
            return cli_fail("input '%s' is %s but output '%s', which feeds it, is %s",
                            dnnx_session_input_name(session, d->past[i]), dnnx_dtype_name(in),
                            dnnx_session_output_name(session, d->present[i]), dnnx_dtype_name(out));
    }
    return 0;
}

int cli_decoder_init(const dnnx_session *session, cli_decoder *out)
{
    cli_decoder d = {.n_inputs = dnnx_session_input_count(session), .n_outputs = dnnx_session_output_count(session)};
    d.input_ids = decode_find_input(session, "input_ids");
    d.attention_mask = decode_find_input(session, "attention_mask");
    d.position_ids = decode_find_input(session, "position_ids");
    d.logits = CLI_NO_INDEX;
    for (size_t k = 0; k < d.n_outputs; k++)
        if (strcmp(dnnx_session_output_name(session, k), "logits") == 0)
            d.logits = k;
    bool has_past = false, has_present = false;
    for (size_t i = 0; i < d.n_inputs; i++)
        has_past = has_past || decode_has_prefix(dnnx_session_input_name(session, i), "past");
    for (size_t k = 0; k < d.n_outputs; k++)
        has_present = has_present || decode_has_prefix(dnnx_session_output_name(session, k), "present");
    char missing[256] = "";
    if (d.input_ids == CLI_NO_INDEX)
        decode_append(missing, sizeof missing, "no input named 'input_ids'");
    if (d.logits == CLI_NO_INDEX)
        decode_append(missing, sizeof missing, "no output named 'logits'");
    if (!has_past)
        decode_append(missing, sizeof missing, "no input whose name starts with 'past'");
    if (!has_present)
        decode_append(missing, sizeof missing, "no output whose name starts with 'present'");
    if (missing[0])
        return cli_fail("the model has %s (%s)", missing, CONVENTION);
    const size_t ids[] = {d.input_ids, d.position_ids};
    for (size_t k = 0; k < 2; k++) {
        if (ids[k] == CLI_NO_INDEX)
            continue;
        dnnx_dtype dtype = dnnx_session_input_dtype(session, ids[k]);
        int rank = dnnx_session_input_rank(session, ids[k]);
        if (!decode_is_integer(dtype) || (rank >= 0 && rank != 2))
            return cli_fail("input '%s' is %s of rank %d; --steps needs an integer [batch,new_len]",
                            dnnx_session_input_name(session, ids[k]), dnnx_dtype_name(dtype), rank);
    }
    d.past = calloc(d.n_inputs + 1, sizeof *d.past);
    d.present = calloc(d.n_outputs + 1, sizeof *d.present);
    if (!d.past || !d.present) {
        cli_decoder_free(&d);
        return cli_fail("out of memory");
    }
    if (decode_pair_past(session, &d) != 0) {
        cli_decoder_free(&d);
        return -1;
    }
    for (size_t i = 0; i < d.n_inputs; i++) {
        const char *name = dnnx_session_input_name(session, i);
        if (i != d.input_ids && i != d.attention_mask && i != d.position_ids && !decode_has_prefix(name, "past")) {
            cli_decoder_free(&d);
            return cli_fail("input '%s' is not one --steps can derive from the step before (%s)", name, CONVENTION);
        }
    }
    *out = d;
    return 0;
}

/* Stores value as element i of t (integers, bools, float, double; 0 and 1 also in 16-bit floats). */
static int decode_store(dnnx_tensor *t, size_t i, int64_t value, const char *name)
{
    void *data = dnnx_tensor_data(t);
    switch (dnnx_tensor_dtype(t)) {
    case DNNX_DTYPE_INT8: ((int8_t *)data)[i] = (int8_t)value; return 0;
    case DNNX_DTYPE_INT16: ((int16_t *)data)[i] = (int16_t)value; return 0;
    case DNNX_DTYPE_INT32: ((int32_t *)data)[i] = (int32_t)value; return 0;
    case DNNX_DTYPE_INT64: ((int64_t *)data)[i] = value; return 0;
    case DNNX_DTYPE_UINT8: ((uint8_t *)data)[i] = (uint8_t)value; return 0;
    case DNNX_DTYPE_UINT16: ((uint16_t *)data)[i] = (uint16_t)value; return 0;
    case DNNX_DTYPE_UINT32: ((uint32_t *)data)[i] = (uint32_t)value; return 0;
    case DNNX_DTYPE_UINT64: ((uint64_t *)data)[i] = (uint64_t)value; return 0;
    case DNNX_DTYPE_BOOL: ((uint8_t *)data)[i] = value != 0; return 0;
    case DNNX_DTYPE_FLOAT: ((float *)data)[i] = (float)value; return 0;
    case DNNX_DTYPE_DOUBLE: ((double *)data)[i] = (double)value; return 0;
    case DNNX_DTYPE_FLOAT16:
        if (value == 0 || value == 1) {
            ((uint16_t *)data)[i] = value ? 0x3c00u : 0;
            return 0;
        }
        break;
    case DNNX_DTYPE_BFLOAT16:
        if (value == 0 || value == 1) {
            ((uint16_t *)data)[i] = value ? 0x3f80u : 0;
            return 0;
        }
        break;
    default: break;
    }
    return cli_fail("input '%s': cannot store %lld as %s", name, (long long)value,
                    dnnx_dtype_name(dnnx_tensor_dtype(t)));
}

/* A new [batch, width] tensor of input index's dtype, named after the input. */
static int decode_new_2d(const dnnx_session *session, size_t index, int64_t batch, int64_t width, dnnx_tensor **out)
{
    const int64_t dims[2] = {batch, width};
    if (dnnx_tensor_create(dnnx_session_input_dtype(session, index), 2, dims, out) != DNNX_OK ||
        dnnx_tensor_set_name(*out, dnnx_session_input_name(session, index)) != DNNX_OK) {
        cli_fail_dnnx();
        dnnx_tensor_free(*out);
        *out = NULL;
        return cli_prefix("input '%s'", dnnx_session_input_name(session, index));
    }
    return 0;
}

/* [batch, count] filled with start, start + 1, ... on every row. */
static int decode_positions(const dnnx_session *session, size_t index, int64_t batch, int64_t start, int64_t count,
                            dnnx_tensor **out)
{
    if (decode_new_2d(session, index, batch, count, out) != 0)
        return -1;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t j = 0; j < count; j++)
            if (decode_store(*out, (size_t)(b * count + j), start + j, dnnx_session_input_name(session, index)) != 0)
                return -1;
    return 0;
}

/* The past length of a step's inputs: dim 2 of the first past input. */
static int decode_past_length(const cli_decoder *d, const dnnx_session *session, dnnx_tensor *const *inputs,
                              int64_t batch, int64_t *past_len)
{
    for (size_t i = 0; i < d->n_past; i++) {
        const dnnx_tensor *past = inputs[d->past[i]];
        const char *name = dnnx_session_input_name(session, d->past[i]);
        if (!past)
            return cli_fail("input '%s' has no value", name);
        if (dnnx_tensor_rank(past) < 3 || dnnx_tensor_dims(past)[0] != batch)
            return cli_fail("input '%s' must be [batch=%lld,heads,past_len,head_dim], not rank %d", name,
                            (long long)batch, dnnx_tensor_rank(past));
        if (i == 0)
            *past_len = dnnx_tensor_dims(past)[2];
        else if (dnnx_tensor_dims(past)[2] != *past_len)
            return cli_fail("input '%s' has past length %lld but input '%s' has %lld", name,
                            (long long)dnnx_tensor_dims(past)[2], dnnx_session_input_name(session, d->past[0]),
                            (long long)*past_len);
    }
    return 0;
}

/* Index of the largest value of n at offset base (the first one on ties, NaN counts as largest:
 * numpy's argmax). */
static int64_t decode_argmax(const dnnx_tensor *logits, size_t base, size_t n)
{
    size_t best = 0;
    double best_value = cli_tensor_value(logits, base);
    for (size_t v = 0; v < n && !isnan(best_value); v++) {
        double value = cli_tensor_value(logits, base + v);
        if (isnan(value) || value > best_value) {
            best = v;
            best_value = value;
        }
    }
    return (int64_t)best;
}

/* next[input_ids] = argmax(logits[:, -1, :]) as [batch, 1]. */
static int decode_next_tokens(const cli_decoder *d, const dnnx_session *session, const dnnx_tensor *logits,
                              int64_t batch, dnnx_tensor **next)
{
    const char *name = dnnx_session_output_name(session, d->logits);
    if (!logits)
        return cli_fail("output '%s' has no value", name);
    const int64_t *dims = dnnx_tensor_dims(logits);
    char shape[256];
    cli_format_dims(shape, sizeof shape, dnnx_tensor_rank(logits), dims, NULL);
    if (dnnx_tensor_rank(logits) != 3 || dims[0] != batch || dims[1] < 1 || dims[2] < 1)
        return cli_fail("output '%s' is %s; --steps needs [batch=%lld,new_len,vocab] with new_len and vocab >= 1", name,
                        shape, (long long)batch);
    if (dnnx_dtype_size(dnnx_tensor_dtype(logits)) == 0)
        return cli_fail("output '%s' is %s, not numbers", name, dnnx_dtype_name(dnnx_tensor_dtype(logits)));
    if (decode_new_2d(session, d->input_ids, batch, 1, &next[d->input_ids]) != 0)
        return -1;
    size_t vocab = (size_t)dims[2], row = (size_t)dims[1] * vocab;
    for (int64_t b = 0; b < batch; b++) {
        size_t base = (size_t)b * row + row - vocab;
        if (decode_store(next[d->input_ids], (size_t)b, decode_argmax(logits, base, vocab),
                         dnnx_session_input_name(session, d->input_ids)) != 0)
            return -1;
    }
    return 0;
}

/* next[attention_mask] = mask with a column of ones appended. */
static int decode_next_mask(const cli_decoder *d, const dnnx_session *session, const dnnx_tensor *mask, int64_t batch,
                            dnnx_tensor **next)
{
    const char *name = dnnx_session_input_name(session, d->attention_mask);
    if (dnnx_tensor_rank(mask) != 2 || dnnx_tensor_dims(mask)[0] != batch)
        return cli_fail("input '%s' must be [batch=%lld,past_len+new_len], not rank %d", name, (long long)batch,
                        dnnx_tensor_rank(mask));
    if (dnnx_tensor_dtype(mask) != dnnx_session_input_dtype(session, d->attention_mask))
        return cli_fail("input '%s' is %s, the model declares %s", name, dnnx_dtype_name(dnnx_tensor_dtype(mask)),
                        dnnx_dtype_name(dnnx_session_input_dtype(session, d->attention_mask)));
    int64_t width = dnnx_tensor_dims(mask)[1];
    if (decode_new_2d(session, d->attention_mask, batch, width + 1, &next[d->attention_mask]) != 0)
        return -1;
    size_t element = dnnx_dtype_size(dnnx_tensor_dtype(mask)), row = (size_t)width * element;
    const char *from = dnnx_tensor_data_const(mask);
    char *to = dnnx_tensor_data(next[d->attention_mask]);
    for (int64_t b = 0; b < batch; b++) {
        if (row)
            memcpy(to + (size_t)b * (row + element), from + (size_t)b * row, row);
        if (decode_store(next[d->attention_mask], (size_t)(b * (width + 1) + width), 1, name) != 0)
            return -1;
    }
    return 0;
}

int cli_decoder_next_inputs(const cli_decoder *d, const dnnx_session *session, dnnx_tensor *const *inputs,
                            dnnx_tensor **outputs, dnnx_tensor **next)
{
    const dnnx_tensor *ids = inputs[d->input_ids];
    if (!ids || dnnx_tensor_rank(ids) != 2)
        return cli_fail("input '%s' must be [batch,new_len]", dnnx_session_input_name(session, d->input_ids));
    int64_t batch = dnnx_tensor_dims(ids)[0], past_len = 0;
    if (decode_next_tokens(d, session, outputs[d->logits], batch, next) != 0)
        goto fail;
    for (size_t i = 0; i < d->n_past; i++) {
        dnnx_tensor *present = outputs[d->present[i]];
        if (!present) {
            cli_fail("output '%s' has no value", dnnx_session_output_name(session, d->present[i]));
            goto fail;
        }
        if (dnnx_tensor_set_name(present, dnnx_session_input_name(session, d->past[i])) != DNNX_OK) {
            cli_fail_dnnx();
            goto fail;
        }
        next[d->past[i]] = present;
        outputs[d->present[i]] = NULL;
    }
    if (decode_past_length(d, session, next, batch, &past_len) != 0)
        goto fail;
    if (d->attention_mask != CLI_NO_INDEX && inputs[d->attention_mask] &&
        decode_next_mask(d, session, inputs[d->attention_mask], batch, next) != 0)
        goto fail;
    if (d->position_ids != CLI_NO_INDEX &&
        decode_positions(session, d->position_ids, batch, past_len, 1, &next[d->position_ids]) != 0)
        goto fail;
    return 0;

fail:
    for (size_t i = 0; i < d->n_inputs; i++) {
        dnnx_tensor_free(next[i]);
        next[i] = NULL;
    }
    return -1;
}

/* Symbolic dim axis of input index from --shape SYMBOL=N. */
static int decode_symbol_size(const dnnx_session *session, const cli_input_spec *spec, size_t index, int axis,
                              int64_t *size)
{
    const char *name = dnnx_session_input_name(session, index);
    const char *dim_name = dnnx_session_input_dim_name(session, index, axis);
    for (size_t k = 0; dim_name && k < spec->n_shapes; k++) {
        int64_t dims[DNNX_MAX_RANK];
        int rank;
        if (!cli_name_is(&spec->shapes[k], dim_name))
            continue;
        if (cli_parse_dims(spec->shapes[k].value, dims, &rank) != 0)
            return cli_prefix("--shape %s", dim_name);
        if (rank != 1)
            return cli_fail("--shape %s=%s: a symbolic dim takes one size", dim_name, spec->shapes[k].value);
        *size = dims[0];
        return 0;
    }
    if (dim_name)
        return cli_fail("input '%s' dim %d ('%s') is symbolic: give it with --shape %s=N or the input with -i", name,
                        axis, dim_name, dim_name);
    return cli_fail("input '%s' dim %d is unknown: give the input with -i", name, axis);
}

/* An empty past for input index: [batch, ..., 0, ...] with its other dims from the model. */
static int decode_empty_past(const dnnx_session *session, const cli_input_spec *spec, size_t index, int64_t batch,
                             dnnx_tensor **out)
{
    const char *name = dnnx_session_input_name(session, index);
    int rank = dnnx_session_input_rank(session, index);
    int64_t dims[DNNX_MAX_RANK];
    if (rank < 3 || rank > DNNX_MAX_RANK)
        return cli_fail("input '%s' has rank %d; --steps needs [batch,heads,past_len,head_dim]", name, rank);
    for (int axis = 0; axis < rank; axis++) {
        dims[axis] = axis == 0 ? batch : axis == 2 ? 0 : dnnx_session_input_dim(session, index, axis);
        if (dims[axis] < 0 && decode_symbol_size(session, spec, index, axis, &dims[axis]) != 0)
            return -1;
    }
    if (dnnx_tensor_create(dnnx_session_input_dtype(session, index), rank, dims, out) != DNNX_OK ||
        dnnx_tensor_set_name(*out, name) != DNNX_OK) {
        cli_fail_dnnx();
        return cli_prefix("input '%s'", name);
    }
    return 0;
}

/* Step 0's inputs: those of spec, and by the convention whatever spec leaves out: random
 * input_ids in [0, vocab) (vocab from logits, else --int-range), empty pasts, a mask of ones,
 * positions past_len + arange. */
static int decode_first_inputs(const cli_decoder *d, const dnnx_session *session, const cli_input_spec *spec,
                               dnnx_tensor **inputs)
{
    cli_input_spec derived = *spec;
    bool *leave_out = calloc(d->n_inputs + 1, sizeof *leave_out);
    int result = -1;
    if (!leave_out)
        return cli_fail("out of memory");
    for (size_t i = 0; i < d->n_inputs; i++)
        leave_out[i] = true; /* cli_decoder_init accepts only the convention's inputs */
    derived.leave_out = leave_out;
    if (cli_gather_inputs(session, &derived, inputs) != 0)
        goto done;
    if (!inputs[d->input_ids]) {
        int64_t dims[DNNX_MAX_RANK], vocab = dnnx_session_output_dim(session, d->logits, 2);
        int rank;
        uint64_t rng = (uint64_t)spec->seed;
        if (cli_random_input_shape(session, spec, d->input_ids, dims, &rank) != 0)
            goto done;
        if (cli_random_tensor(dnnx_session_input_dtype(session, d->input_ids), rank, dims,
                              vocab > 0 && vocab <= 0x7fffffff ? (uint32_t)vocab : (uint32_t)spec->int_range, &rng,
                              &inputs[d->input_ids]) != 0) {
            cli_prefix("input '%s'", dnnx_session_input_name(session, d->input_ids));
            goto done;
        }
    }
    const dnnx_tensor *ids = inputs[d->input_ids];
    if (dnnx_tensor_rank(ids) != 2) {
        cli_fail("input '%s' must be [batch,new_len], not rank %d", dnnx_session_input_name(session, d->input_ids),
                 dnnx_tensor_rank(ids));
        goto done;
    }
    int64_t batch = dnnx_tensor_dims(ids)[0], new_len = dnnx_tensor_dims(ids)[1], past_len = 0;
    for (size_t i = 0; i < d->n_past; i++)
        if (!inputs[d->past[i]] && decode_empty_past(session, spec, d->past[i], batch, &inputs[d->past[i]]) != 0)
            goto done;
    if (decode_past_length(d, session, inputs, batch, &past_len) != 0)
        goto done;
    if (d->attention_mask != CLI_NO_INDEX && !inputs[d->attention_mask]) {
        if (decode_new_2d(session, d->attention_mask, batch, past_len + new_len, &inputs[d->attention_mask]) != 0)
            goto done;
        for (size_t k = 0; k < (size_t)(batch * (past_len + new_len)); k++)
            if (decode_store(inputs[d->attention_mask], k, 1, dnnx_session_input_name(session, d->attention_mask)))
                goto done;
    }
    if (d->position_ids != CLI_NO_INDEX && !inputs[d->position_ids] &&
        decode_positions(session, d->position_ids, batch, past_len, new_len, &inputs[d->position_ids]) != 0)
        goto done;
    for (size_t i = 0; i < d->n_inputs; i++)
        if (inputs[i] && !dnnx_tensor_name(inputs[i])[0] &&
            dnnx_tensor_set_name(inputs[i], dnnx_session_input_name(session, i)) != DNNX_OK) {
            cli_fail_dnnx();
            goto done;
        }
    result = 0;
done:
    free(leave_out);
    return result;
}

static void decode_print_tokens(FILE *file, const dnnx_tensor *ids)
{
    size_t count = dnnx_tensor_element_count(ids);
    for (size_t i = 0; i < count && i < TOKENS_SHOWN; i++)
        fprintf(file, i ? " %.0f" : "%.0f", cli_tensor_value(ids, i));
    if (count > TOKENS_SHOWN)
        fprintf(file, " ...");
}

static void decode_free_all(dnnx_tensor **tensors, size_t n)
{
    for (size_t i = 0; tensors && i < n; i++) {
        dnnx_tensor_free(tensors[i]);
        tensors[i] = NULL;
    }
}

/* Writes a step's inputs and outputs to out_dir/test_data_set_<step>. */
static int decode_write_step(const char *out_dir, long step, dnnx_tensor *const *inputs, size_t n_inputs,
                             dnnx_tensor **outputs, size_t n_outputs)
{
    char dir[CLI_PATH_CAPACITY], name[64], path[CLI_PATH_CAPACITY];
    snprintf(name, sizeof name, "test_data_set_%ld", step);
    if (cli_join_path(dir, out_dir, name) != 0 || cli_write_outputs(dir, outputs, n_outputs) != 0)
        return -1;
    for (size_t i = 0; i < n_inputs && inputs[i]; i++) {
        snprintf(name, sizeof name, "input_%zu.pb", i);
        if (cli_join_path(path, dir, name) != 0)
            return -1;
        if (dnnx_tensor_write_pb(inputs[i], path) != DNNX_OK)
            return cli_fail_dnnx();
    }
    return 0;
}

/* A copy of tensor (its data, not its name). */
static int decode_copy(const dnnx_tensor *tensor, dnnx_tensor **out)
{
    if (dnnx_tensor_create(dnnx_tensor_dtype(tensor), dnnx_tensor_rank(tensor), dnnx_tensor_dims(tensor), out) !=
        DNNX_OK)
        return cli_fail_dnnx();
    if (dnnx_tensor_size_bytes(tensor))
        memcpy(dnnx_tensor_data(*out), dnnx_tensor_data_const(tensor), dnnx_tensor_size_bytes(tensor));
    return 0;
}

static int decode_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double decode_median(double *values, size_t n)
{
    if (n == 0)
        return 0;
    qsort(values, n, sizeof *values, decode_compare_doubles);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Runs the session, timing the run; with again, runs it a second time at the same shapes
 * (whose plan and primitives the first run left cached) and times that too. */
static int decode_timed_run(dnnx_session *session, dnnx_tensor *const *inputs, size_t n_inputs, dnnx_tensor **outputs,
                            size_t n_outputs, double *seconds, double *again)
{
    double start = cli_now();
    if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, outputs, n_outputs) != DNNX_OK)
        return cli_fail_dnnx();
    *seconds = cli_now() - start;
    if (!again)
        return 0;
    dnnx_tensor **repeat = calloc(n_outputs + 1, sizeof *repeat);
    if (!repeat)
        return cli_fail("out of memory");
    start = cli_now();
    dnnx_status status = dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, repeat, n_outputs);
    *again = cli_now() - start;
    decode_free_all(repeat, n_outputs);
    free(repeat);
    return status == DNNX_OK ? 0 : cli_fail_dnnx();
}

/* The per-step arrays of cli_decode_run. */
typedef struct decode_buffers {
    dnnx_tensor **inputs, **next, **outputs;
    double *first, *again; /* seconds per step */
    dnnx_tensor **tokens;  /* the input_ids each step chose, for the summary */
} decode_buffers;

static void decode_buffers_free(decode_buffers *b, const cli_decoder *d, long steps)
{
    decode_free_all(b->inputs, d->n_inputs);
    decode_free_all(b->next, d->n_inputs);
    decode_free_all(b->outputs, d->n_outputs);
    decode_free_all(b->tokens, (size_t)steps);
    free(b->inputs);
    free(b->next);
    free(b->outputs);
    free(b->first);
    free(b->again);
    free(b->tokens);
}

/* Prints each batch row's chosen tokens across the steps, then the timing summary. */
static void decode_print_summary(const decode_buffers *b, long steps, bool verbose)
{
    int64_t batch = dnnx_tensor_dims(b->tokens[0])[0];
    for (int64_t row = 0; row < batch; row++) {
        printf(row ? "          row %lld:" : "generated row %lld:", (long long)row);
        for (long k = 0; k < steps; k++)
            printf(" %.0f", cli_tensor_value(b->tokens[k], (size_t)row));
        printf("\n");
    }
    double later = 0;
    for (long k = 1; k < steps; k++)
        later += b->first[k];
    printf("step 0 %.3f ms", b->first[0] * 1e3);
    if (steps == 2)
        printf("; step 1 %.3f ms", later * 1e3);
    if (steps > 2)
        printf("; steps 1-%ld: mean %.3f ms, median %.3f ms", steps - 1, later / (double)(steps - 1) * 1e3,
               decode_median(b->first + 1, (size_t)steps - 1) * 1e3);
    if (steps > 1) {
        if (verbose)
            printf("%s again at the same shapes %.3f ms", steps > 2 ? ", median" : ",",
                   decode_median(b->again + 1, (size_t)steps - 1) * 1e3);
    }
    printf("\n");
}

int cli_decode_run(dnnx_session *session, const cli_input_spec *spec, long steps, bool verbose, const char *out_dir)
{
    cli_decoder d;
    decode_buffers b = {0};
    int result = -1;
    if (cli_decoder_init(session, &d) != 0)
        return -1;
    b.inputs = calloc(d.n_inputs + 1, sizeof *b.inputs);
    b.next = calloc(d.n_inputs + 1, sizeof *b.next);
    b.outputs = calloc(d.n_outputs + 1, sizeof *b.outputs);
    b.first = calloc((size_t)steps + 1, sizeof *b.first);
    b.again = calloc((size_t)steps + 1, sizeof *b.again);
    b.tokens = calloc((size_t)steps + 1, sizeof *b.tokens);
    if (!b.inputs || !b.next || !b.outputs || !b.first || !b.again || !b.tokens) {
        cli_fail("out of memory");
        goto done;
    }
    if (decode_first_inputs(&d, session, spec, b.inputs) != 0)
        goto done;
    for (long k = 0; k < steps; k++) {
        const dnnx_tensor *ids = b.inputs[d.input_ids];
        char shape[64];
        int64_t past_len = dnnx_tensor_dims(b.inputs[d.past[0]])[2];
        cli_format_dims(shape, sizeof shape, dnnx_tensor_rank(ids), dnnx_tensor_dims(ids), NULL);
        if (decode_timed_run(session, b.inputs, d.n_inputs, b.outputs, d.n_outputs, &b.first[k],
                             verbose ? &b.again[k] : NULL) != 0) {
            cli_prefix("step %ld", k);
            goto done;
        }
        if (cli_name_outputs(session, b.outputs, d.n_outputs) != 0 ||
            (out_dir && decode_write_step(out_dir, k, b.inputs, d.n_inputs, b.outputs, d.n_outputs) != 0))
            goto done;
        if (cli_decoder_next_inputs(&d, session, b.inputs, b.outputs, b.next) != 0) {
            cli_prefix("step %ld", k);
            goto done;
        }
        if (decode_copy(b.next[d.input_ids], &b.tokens[k]) != 0)
            goto done;
        printf("step %ld  input_ids %s  past %lld  ->  tokens ", k, shape, (long long)past_len);
        decode_print_tokens(stdout, b.tokens[k]);
        printf("  %.3f ms", b.first[k] * 1e3);
        if (verbose)
            printf("  (again at the same shapes %.3f ms, arena %zu bytes)", b.again[k] * 1e3,
                   dnnx_session_arena_bytes(session));
        printf("\n");
        decode_free_all(b.outputs, d.n_outputs);
        decode_free_all(b.inputs, d.n_inputs);
        for (size_t i = 0; i < d.n_inputs; i++) {
            b.inputs[i] = b.next[i];
            b.next[i] = NULL;
        }
    }
    decode_print_summary(&b, steps, verbose);
    result = 0;
done:
    decode_buffers_free(&b, &d, steps);
    cli_decoder_free(&d);
    return result;
}

/* Compares derived with the dataset's input i; returns whether it passed. */
static bool decode_check_input(const dnnx_session *session, size_t i, const dnnx_tensor *derived,
                               const cli_dataset *dataset, double rtol, double atol)
{
    const char *name = dnnx_session_input_name(session, i);
    if (i >= dataset->n_input_files) {
        printf("  input %s  (no input_%zu.pb to compare with)\n", name, i);
        return true;
    }
    if (!derived) {
        printf("  input %s  FAIL  (not derived, but input_%zu.pb exists)\n", name, i);
        return false;
    }
    cli_comparison comparison;
    cli_compare(derived, dataset->inputs[i], rtol, atol, &comparison);
    printf("  input %s  max abs diff %.3g  max rel diff %.3g  %s", name, comparison.max_abs, comparison.max_rel,
           comparison.pass ? "PASS" : "FAIL");
    printf(comparison.pass ? "\n" : "  (%s)\n", comparison.reason);
    return comparison.pass;
}

/* Compares a step's outputs with the dataset's; returns the number that failed. */
static size_t decode_check_outputs(const dnnx_session *session, dnnx_tensor *const *outputs, size_t n_outputs,
                                   const cli_dataset *dataset, double rtol, double atol)
{
    size_t failures = 0;
    for (size_t k = 0; k < n_outputs; k++) {
        const char *name = dnnx_session_output_name(session, k);
        if (k >= dataset->n_expected) {
            printf("  %s  (no output_%zu.pb to compare with)\n", name, k);
            continue;
        }
        cli_comparison comparison;
        cli_compare(outputs[k], dataset->expected[k], rtol, atol, &comparison);
        printf("  %s  max abs diff %.3g  max rel diff %.3g  %s", name, comparison.max_abs, comparison.max_rel,
               comparison.pass ? "PASS" : "FAIL");
        printf(comparison.pass ? "\n" : "  (%s)\n", comparison.reason);
        failures += !comparison.pass;
    }
    return failures;
}

static void decode_report(void)
{
    fflush(stdout);
    fprintf(stderr, "dnnx: error: %s\n", cli_error());
}

int cli_decode_compare(dnnx_session *session, const char *const *datasets, size_t n_datasets, double rtol, double atol,
                       double *run_seconds, size_t *failed)
{
    cli_decoder d;
    cli_dataset first;
    dnnx_tensor **inputs = NULL, **next = NULL, **outputs = NULL;
    size_t reached = n_datasets; /* steps the chain ran */
    int result = -1;
    *failed = 0;
    if (cli_decoder_init(session, &d) != 0)
        return -1;
    if (cli_dataset_load(datasets[0], d.n_inputs, &first) != 0) {
        cli_decoder_free(&d);
        return -1;
    }
    inputs = first.inputs; /* the chain starts from the first dataset's inputs */
    first.inputs = NULL;
    cli_dataset_free(&first);
    next = calloc(d.n_inputs + 1, sizeof *next);
    outputs = calloc(d.n_outputs + 1, sizeof *outputs);
    if (!next || !outputs) {
        cli_fail("out of memory");
        goto done;
    }
    for (size_t k = 0; k < n_datasets; k++) {
        cli_dataset dataset;
        size_t failures = 0;
        printf("step %zu  %s%s\n", k, datasets[k], k ? "  (inputs derived from the step before)" : "");
        if (cli_dataset_load(datasets[k], d.n_inputs, &dataset) != 0) {
            decode_report();
            memset(&dataset, 0, sizeof dataset);
            failures++;
        }
        for (size_t i = 0; k > 0 && i < d.n_inputs && dataset.inputs; i++)
            failures += !decode_check_input(session, i, inputs[i], &dataset, rtol, atol);
        double start = cli_now();
        if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, d.n_inputs, outputs, d.n_outputs) !=
            DNNX_OK) {
            cli_fail_dnnx();
            cli_prefix("step %zu", k);
            decode_report();
            cli_dataset_free(&dataset);
            reached = k;
            break;
        }
        *run_seconds += cli_now() - start;
        if (dataset.expected)
            failures += decode_check_outputs(session, outputs, d.n_outputs, &dataset, rtol, atol);
        cli_dataset_free(&dataset);
        *failed += failures != 0;
        if (k + 1 == n_datasets)
            break;
        if (cli_decoder_next_inputs(&d, session, inputs, outputs, next) != 0) {
            cli_prefix("step %zu", k);
            decode_report();
            reached = k + 1;
            break;
        }
        printf("  next input_ids ");
        decode_print_tokens(stdout, next[d.input_ids]);
        printf("\n");
        decode_free_all(outputs, d.n_outputs);
        decode_free_all(inputs, d.n_inputs);
        for (size_t i = 0; i < d.n_inputs; i++) {
            inputs[i] = next[i];
            next[i] = NULL;
        }
    }
    *failed += n_datasets - reached;
    result = 0;
done:
    decode_free_all(inputs, d.n_inputs);
    decode_free_all(next, d.n_inputs);
    decode_free_all(outputs, d.n_outputs);
    free(inputs);
    free(next);
    free(outputs);
    cli_decoder_free(&d);
    return result;
}

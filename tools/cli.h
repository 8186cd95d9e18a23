/* Helpers shared by the dnnx command-line tool and the conformance runner. They use only
 * the public API (include/dnnx.h), as any program embedding dnnx would.
 * Functions returning int return 0 on success and -1 on failure, with the message in
 * cli_error(); the message of a failing dnnx call is its dnnx_last_error(). */
#ifndef DNNX_TOOLS_CLI_H
#define DNNX_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dnnx.h"

#define CLI_PATH_CAPACITY 4096

/* The message of the last failure of a cli_ function. */
const char *cli_error(void);
/* Sets the message and returns -1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prefixes the current message with the formatted text and ": "; returns -1. */
int cli_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Takes dnnx_last_error() as the message and returns -1. */
int cli_fail_dnnx(void);

/* Seconds on a monotonic clock. */
double cli_now(void);

/* Matches argv[*i] against option name given as "NAME VALUE" or "NAME=VALUE": returns 1 and
 * sets *value (advancing *i past a separate value) on a match, 0 if it is another argument,
 * -1 if the value is missing. */
int cli_option(int argc, char **argv, int *i, const char *name, const char **value);
/* Parses a whole decimal integer in [min, max]; what names it in the message. */
int cli_parse_long(const char *text, long min, long max, const char *what, long *out);
/* Parses a whole finite number >= 0. */
int cli_parse_tolerance(const char *text, const char *what, double *out);
/* Parses "1x128", "1,128" or "" (a scalar) into at most DNNX_MAX_RANK dims >= 0. */
int cli_parse_dims(const char *text, int64_t *dims, int *rank);
/* Writes "[1,128]"; "?" for a dim < 0 without a name, the name for a named symbolic dim
 * (names may be NULL); "[?]" when rank < 0. Truncates to fit. */
void cli_format_dims(char *buf, size_t size, int rank, const int64_t *dims, const char *const *names);

/* dir + "/" + name into buf of CLI_PATH_CAPACITY bytes. */
int cli_join_path(char *buf, const char *dir, const char *name);
bool cli_is_file(const char *path);
bool cli_is_dir(const char *path);
/* Creates dir and its missing parents. */
int cli_make_dirs(const char *dir);
/* strcmp, except that runs of digits compare by their numeric value. */
int cli_natural_compare(const char *a, const char *b);
/* cli_natural_compare for qsort over an array of char *. */
int cli_natural_compare_names(const void *a, const void *b);
/* The names in dir that start with prefix, in natural order (test_data_set_2 before
 * test_data_set_10). Free with cli_free_names. */
int cli_list_dir(const char *dir, const char *prefix, char ***names, size_t *count);
void cli_free_names(char **names, size_t count);

/* Reads a .npy file by its extension, anything else as a serialized TensorProto. */
int cli_read_tensor(const char *path, dnnx_tensor **out);

/* splitmix64: a fixed seed gives the same inputs on every machine. */
uint64_t cli_random_next(uint64_t *state);
/* A new tensor of random values: floats uniform in [-1, 1), integers in [0, int_range)
 * (the CLI's default of 2 keeps them valid as token ids, type ids, masks and indices;
 * narrow types wrap to their positive range), bools 0 or 1. Strings are refused. */
int cli_random_tensor(dnnx_dtype dtype, int rank, const int64_t *dims, uint32_t int_range, uint64_t *rng,
                      dnnx_tensor **out);

/* Element i of a numeric or bool tensor as a double (NaN for strings). */
double cli_tensor_value(const dnnx_tensor *tensor, size_t index);
/* Prints the first max_count values separated by spaces, then "..." if there are more. */
void cli_print_values(FILE *file, const dnnx_tensor *tensor, size_t max_count);

/* One ONNX test-data directory: input_K.pb and output_K.pb, K = 0, 1, ... */
typedef struct cli_dataset {
    dnnx_tensor **inputs; /* n_inputs entries, NULL past the files present */
    size_t n_inputs;
    size_t n_input_files;
    dnnx_tensor **expected;
    size_t n_expected;
} cli_dataset;

/* Loads dir for a model with n_inputs graph inputs; fewer input files than inputs leave
 * the trailing inputs NULL (optional), more is an error. */
int cli_dataset_load(const char *dir, size_t n_inputs, cli_dataset *out);
void cli_dataset_free(cli_dataset *dataset);

/* A dataset run through a session: its files and the session's n_outputs outputs. */
typedef struct cli_dataset_run {
    cli_dataset dataset;
    dnnx_tensor **outputs;
    size_t n_outputs;
    double run_seconds; /* of dnnx_session_run alone */
} cli_dataset_run;

/* Loads the dataset in dir and runs the session on its inputs. Free *out with
 * cli_dataset_run_free, also after a failure. */
int cli_dataset_run_load(dnnx_session *session, const char *dir, cli_dataset_run *out);
void cli_dataset_run_free(cli_dataset_run *run);

typedef struct cli_comparison {
    bool pass;
    double max_abs;    /* over all elements; inf when NaN/inf placement differs */
    double max_rel;    /* |a-b| / |b| over the elements with b != 0 */
    size_t mismatches; /* elements outside atol + rtol * |b| */
    char reason[512];  /* why it failed; "" when it passed */
} cli_comparison;

/* Compares actual with expected: same dtype and shape, then |a-b| <= atol + rtol*|b| for
 * floating types (NaN matches NaN, inf matches the same inf), exact for integers and bools. */
void cli_compare(const dnnx_tensor *actual, const dnnx_tensor *expected, double rtol, double atol, cli_comparison *out);

/* "NAME=VALUE" as given to -i and --shape. */
typedef struct cli_name_value {
    const char *name; /* not terminated: name_length chars */
    size_t name_length;
    const char *value;
} cli_name_value;

/* Splits text, the value of option, at its first '='; the name must not be empty. */
int cli_parse_name_value(const char *option, const char *text, cli_name_value *out);
/* Whether entry's name is name (false for NULL). */
bool cli_name_is(const cli_name_value *entry, const char *name);

/* Where the inputs of dnnx run and dnnx bench come from: -i NAME=FILE, -d DATASET_DIR, then
 * random values shaped by --shape NAME=DIMS, from --seed, integers in [0, --int-range). */
typedef struct cli_input_spec {
    const char *dataset;
    cli_name_value *files; /* room for argc entries */
    size_t n_files;
    cli_name_value *shapes; /* room for argc entries */
    size_t n_shapes;
    long seed;
    long int_range;
    const bool *leave_out; /* with no -d: inputs left NULL instead of random (the caller fills them) */
} cli_input_spec;

#define CLI_INPUT_SPEC_DEFAULT {.int_range = 2}

/* Allocates spec->files and spec->shapes with room for argc entries each. */
int cli_input_spec_alloc(cli_input_spec *spec, int argc);
void cli_input_spec_free(cli_input_spec *spec);
/* Consumes -d, -i, --shape, --seed or --int-range at argv[*i]: 1 if it was one, 0 if not,
 * -1 on a bad value. */
int cli_parse_input_option(int argc, char **argv, int *i, cli_input_spec *spec);
/* Fills inputs (the session's input count entries, all NULL) from the -i files, then the
 * dataset, then random values. */
int cli_gather_inputs(const dnnx_session *session, const cli_input_spec *spec, dnnx_tensor **inputs);
/* The shape of a random value for input index: its --shape NAME=DIMS, else the model's dims
 * with the symbolic ones from --shape SYMBOL=N; fails naming a dim nothing gives. */
int cli_random_input_shape(const dnnx_session *session, const cli_input_spec *spec, size_t index, int64_t *dims,
                           int *rank);

/* The session options of the tool's commands; -1 or NULL leaves the library default. */
typedef struct cli_session_settings {
    long threads;
    long opt_level;
    long max_memory_mb; /* the library default is the physical memory */
    const char *backends;
    const char *fpmath;
} cli_session_settings;

#define CLI_SESSION_SETTINGS_DEFAULT {.threads = -1, .opt_level = -1, .max_memory_mb = -1}

/* Consumes --threads, --opt-level, --max-memory, --fpmath or --backends at argv[*i]: 1 if it
 * was one, 0 if not, -1 on a bad value. */
int cli_parse_session_option(int argc, char **argv, int *i, cli_session_settings *settings);
/* Creates a session for model with settings. */
int cli_open_session(const char *model, const cli_session_settings *settings, dnnx_session **out);

/* Names each unnamed output after the session's output K. */
int cli_name_outputs(const dnnx_session *session, dnnx_tensor **outputs, size_t n_outputs);
/* Writes output K to out_dir/output_K.pb, creating out_dir. */
int cli_write_outputs(const char *out_dir, dnnx_tensor **outputs, size_t n_outputs);

/* Greedy decoding with past key/values (tools/cli_decode.c). The convention: inputs
 * input_ids [batch,new_len], optional attention_mask [batch,past_len+new_len] and position_ids
 * [batch,new_len], then the past inputs (names starting with "past", [batch,heads,past_len,dim]);
 * outputs logits [batch,new_len,vocab] and the presents (names starting with "present"), the
 * i-th present feeding the i-th past at the next step. */
#define CLI_NO_INDEX ((size_t)-1)

typedef struct cli_decoder {
    size_t n_inputs, n_outputs;
    size_t input_ids, attention_mask, position_ids; /* input indices; CLI_NO_INDEX when absent */
    size_t logits;                                  /* output index */
    size_t n_past;
    size_t *past;    /* n_past input indices, in input order */
    size_t *present; /* n_past output indices, in output order */
} cli_decoder;

/* Finds the convention's inputs and outputs in session; fails naming what is missing. */
int cli_decoder_init(const dnnx_session *session, cli_decoder *out);
void cli_decoder_free(cli_decoder *decoder);
/* The next step's inputs (next: n_inputs entries, all NULL) from a step's inputs and outputs:
 * input_ids = argmax(logits[:, -1, :]) as [batch,1], past i = present i (moved out of outputs,
 * which are left NULL), attention_mask with a column of ones appended, position_ids = past_len. */
int cli_decoder_next_inputs(const cli_decoder *decoder, const dnnx_session *session, dnnx_tensor *const *inputs,
                            dnnx_tensor **outputs, dnnx_tensor **next);
/* dnnx run --steps: steps greedy steps in one session from the inputs of spec (the convention
 * fills what spec does not give: empty past, ones as mask, past_len + arange as positions),
 * printing each step's tokens and time; with out_dir, writes out_dir/test_data_set_K. */
int cli_decode_run(dnnx_session *session, const cli_input_spec *spec, long steps, bool verbose, const char *out_dir);
/* dnnx compare --steps: runs the chain from the first dataset's inputs, deriving every later
 * step's inputs, and compares those and each step's outputs with the datasets. Prints a block
 * per step; *failed counts the steps that did not pass. -1 only when the model does not follow
 * the convention or the first dataset cannot be loaded. */
int cli_decode_compare(dnnx_session *session, const char *const *datasets, size_t n_datasets, double rtol, double atol,
                       double *run_seconds, size_t *failed);

#endif

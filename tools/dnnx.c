/* dnnx: the command-line tool (run, compare, inspect), built on include/dnnx.h only. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnnx.h"

#define VALUES_SHOWN 8

int command_bench(int argc, char **argv); /* tools/cli_bench.c */

static const char global_usage[] =
    "usage: dnnx <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       run a model on given, test-data or random inputs and print its outputs\n"
    "  compare   run a model on ONNX test-data directories and compare with their outputs\n"
    "  inspect   show a model's inputs, outputs and graph summary\n"
    "  bench     time a model's load and runs: latency percentiles, throughput, peak memory\n"
    "\n"
    "'dnnx <command> --help' describes a command; 'dnnx --version' prints the version.\n";

static const char run_usage[] =
    "usage: dnnx run MODEL [-d DATASET_DIR] [-i NAME=FILE]... [--shape NAME=DIMS]... [-o OUT_DIR]\n"
    "                [--threads N] [--backends ref|all] [--opt-level 0|1] [--fpmath strict|bf16]\n"
    "                [--max-memory MIB] [--seed N] [--int-range N]\n"
    "\n"
    "Runs MODEL once and prints one line per output: name, dtype, [dims] and the first values.\n"
    "Each graph input comes from, in order of preference:\n"
    "  -i NAME=FILE      a .npy file or (any other extension) a serialized onnx.TensorProto\n"
    "  -d DATASET_DIR    DATASET_DIR/input_K.pb for the K-th graph input (an ONNX test-data\n"
    "                    directory); inputs past the last file are left out (optional inputs)\n"
    "  random values     floats uniform in [-1, 1), integers in [0, 2) (--int-range N for\n"
    "                    [0, N): valid ids for any vocabulary of N or more), random bools, from a fixed\n"
    "                    seed (--seed N, default 0), shaped by the model's dims\n"
    "--shape NAME=DIMS gives the shape of input NAME (DIMS like 1x128 or 1,128, empty for a\n"
    "scalar) or the size of the symbolic dim NAME (--shape seq=128); every symbolic dim of a\n"
    "random input must be given one of these ways.\n"
    "-o OUT_DIR writes output K to OUT_DIR/output_K.pb (a TensorProto named as the output).\n"
    "--threads N sets the intra-op threads (0 = all cores, the default).\n";

static const char compare_usage[] =
    "usage: dnnx compare MODEL DATASET_DIR... [--rtol R] [--atol A] [--threads N]\n"
    "                    [--backends ref|all] [--opt-level 0|1] [--fpmath strict|bf16] [--max-memory MIB]\n"
    "\n"
    "Runs MODEL on each ONNX test-data directory (input_K.pb for the K-th graph input; fewer\n"
    "files than inputs leave the trailing optional inputs out) and compares output K with\n"
    "output_K.pb: the dtype and shape must match, then floating values must satisfy\n"
    "|actual - expected| <= atol + rtol * |expected| (NaN matches NaN, inf the same inf) and\n"
    "integers and bools must be equal. Prints per output the max abs and max rel diff\n"
    "(rel over nonzero expected values) and PASS or FAIL, then the total time.\n"
    "Defaults: --rtol 1e-3 --atol 1e-4. Exits 0 only if every output of every dataset passes.\n";

static const char inspect_usage[] =
    "usage: dnnx inspect MODEL [--backends] [--threads N] [--opt-level 0|1] [--fpmath strict|bf16]\n"
    "\n"
    "Loads MODEL and prints its IR version, producer, opset imports, inputs and outputs with\n"
    "dtypes and shapes (symbolic dims by name: [batch,seq]), parameter count and bytes, and\n"
    "the number of nodes of each op type (after load-time optimization).\n"
    "--backends instead lists every node in execution order with the backend that runs it\n"
    "and, when the oneDNN backend declined it, why.\n";

typedef struct session_settings {
    long threads; /* -1: the library default */
    long opt_level;
    long max_memory_mb; /* -1: the library default (physical memory) */
    const char *backends;
    const char *fpmath;
} session_settings;

typedef struct name_value {
    const char *name; /* not terminated: name_length chars */
    size_t name_length;
    const char *value;
} name_value;

static int report_failure(void)
{
    fprintf(stderr, "dnnx: error: %s\n", cli_error());
    return 1;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

/* Consumes a session option at argv[*i]: 1 if it was one, 0 if not, -1 on a bad value. */
static int parse_session_option(int argc, char **argv, int *i, session_settings *settings)
{
    const char *value;
    int found;
    if ((found = cli_option(argc, argv, i, "--threads", &value)) != 0)
        return found < 0 ? -1 : cli_parse_long(value, 0, 4096, "--threads", &settings->threads) ? -1 : 1;
    if ((found = cli_option(argc, argv, i, "--opt-level", &value)) != 0)
        return found < 0 ? -1 : cli_parse_long(value, 0, 99, "--opt-level", &settings->opt_level) ? -1 : 1;
    if ((found = cli_option(argc, argv, i, "--max-memory", &value)) != 0)
        return found < 0                                                                            ? -1
               : cli_parse_long(value, 1, 1L << 40, "--max-memory (MiB)", &settings->max_memory_mb) ? -1
                                                                                                    : 1;
    if ((found = cli_option(argc, argv, i, "--fpmath", &value)) != 0) {
        settings->fpmath = value;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--backends", &value)) > 0)
        settings->backends = value;
    return found;
}

static int open_session(const char *model, const session_settings *settings, dnnx_session **out)
{
    dnnx_options *options;
    if (dnnx_options_create(&options) != DNNX_OK)
        return cli_fail_dnnx();
    if ((settings->threads >= 0 && dnnx_options_set_threads(options, (int)settings->threads) != DNNX_OK) ||
        (settings->opt_level >= 0 &&
         dnnx_options_set_optimization_level(options, (int)settings->opt_level) != DNNX_OK) ||
        (settings->backends && dnnx_options_set_backends(options, settings->backends) != DNNX_OK) ||
        (settings->fpmath && dnnx_options_set_fpmath(options, settings->fpmath) != DNNX_OK) ||
        (settings->max_memory_mb > 0 &&
         dnnx_options_set_max_memory(options, (size_t)settings->max_memory_mb << 20) != DNNX_OK) ||
        dnnx_session_create(model, options, out) != DNNX_OK) {
        cli_fail_dnnx();
        dnnx_options_free(options);
        return -1;
    }
    dnnx_options_free(options);
    return 0;
}

static int parse_name_value(const char *option, const char *text, name_value *out)
{
    const char *equals = strchr(text, '=');
    if (!equals || equals == text)
        return cli_fail("%s '%s': expected NAME=VALUE", option, text);
    out->name = text;
    out->name_length = (size_t)(equals - text);
    out->value = equals + 1;
    return 0;
}

static bool name_is(const name_value *entry, const char *name)
{
    return name && strlen(name) == entry->name_length && strncmp(entry->name, name, entry->name_length) == 0;
}

static void print_output_line(const dnnx_tensor *tensor, const char *name)
{
    char dims[256];
    cli_format_dims(dims, sizeof dims, dnnx_tensor_rank(tensor), dnnx_tensor_dims(tensor), NULL);
    printf("%s  %s  %s  ", name, dnnx_dtype_name(dnnx_tensor_dtype(tensor)), dims);
    cli_print_values(stdout, tensor, VALUES_SHOWN);
    printf("\n");
}

typedef struct run_args {
    const char *model;
    const char *dataset;
    const char *out_dir;
    name_value *files;
    size_t n_files;
    name_value *shapes;
    size_t n_shapes;
    session_settings settings;
    long seed;
    long int_range;
} run_args;

/* Consumes an option of run at argv[*i]: 1 if it was one, 0 if not, -1 on a bad value. */
static int parse_run_option(int argc, char **argv, int *i, run_args *args)
{
    const char *value;
    int found;
    if ((found = parse_session_option(argc, argv, i, &args->settings)) != 0)
        return found;
    if ((found = cli_option(argc, argv, i, "-d", &value)) != 0) {
        if (found > 0 && args->dataset)
            return cli_fail("-d given twice");
        if (found > 0)
            args->dataset = value;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "-o", &value)) != 0) {
        if (found > 0)
            args->out_dir = value;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "-i", &value)) != 0) {
        if (found > 0 && parse_name_value("-i", value, &args->files[args->n_files++]) != 0)
            return -1;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--shape", &value)) != 0) {
        if (found > 0 && parse_name_value("--shape", value, &args->shapes[args->n_shapes++]) != 0)
            return -1;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--int-range", &value)) != 0) {
        if (found > 0 && cli_parse_long(value, 1, 0x7fffffffL, "--int-range", &args->int_range) != 0)
            return -1;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--seed", &value)) != 0) {
        if (found > 0 && cli_parse_long(value, 0, 0x7fffffffL, "--seed", &args->seed) != 0)
            return -1;
        return found;
    }
    return 0;
}

/* args->files and args->shapes must have room for argc entries. */
static int parse_run_args(int argc, char **argv, run_args *args)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if (!options_done && argv[i][0] == '-') {
            int found = parse_run_option(argc, argv, &i, args);
            if (found < 0)
                return -1;
            if (found == 0)
                return cli_fail("unknown option '%s' (see dnnx run --help)", argv[i]);
        } else if (args->model) {
            return cli_fail("unexpected argument '%s' (see dnnx run --help)", argv[i]);
        } else {
            args->model = argv[i];
        }
    }
    if (!args->model)
        return cli_fail("run needs a MODEL (see dnnx run --help)");
    return 0;
}

static int find_input(const dnnx_session *session, const name_value *entry, size_t *index)
{
    size_t n = dnnx_session_input_count(session);
    for (size_t i = 0; i < n; i++) {
        if (name_is(entry, dnnx_session_input_name(session, i))) {
            *index = i;
            return 0;
        }
    }
    return -1;
}

static bool is_dim_name(const dnnx_session *session, const name_value *entry)
{
    size_t n = dnnx_session_input_count(session);
    for (size_t i = 0; i < n; i++)
        for (int axis = 0; axis < dnnx_session_input_rank(session, i); axis++)
            if (name_is(entry, dnnx_session_input_dim_name(session, i, axis)))
                return true;
    return false;
}

/* The shape of a random value for input index: its --shape, else the model's dims with the
 * symbolic ones taken from --shape SYMBOL=N. */
static int random_input_shape(const dnnx_session *session, const run_args *args, size_t index, int64_t *dims, int *rank)
{
    const char *name = dnnx_session_input_name(session, index);
    for (size_t k = 0; k < args->n_shapes; k++) {
        if (name_is(&args->shapes[k], name)) {
            if (cli_parse_dims(args->shapes[k].value, dims, rank) != 0)
                return cli_prefix("--shape %s", name);
            return 0;
        }
    }
    *rank = dnnx_session_input_rank(session, index);
    if (*rank < 0)
        return cli_fail("input '%s' has an unknown rank: give its shape with --shape %s=DIMS", name, name);
    if (*rank > DNNX_MAX_RANK)
        return cli_fail("input '%s' has rank %d, more than %d", name, *rank, DNNX_MAX_RANK);
    for (int axis = 0; axis < *rank; axis++) {
        const char *dim_name = dnnx_session_input_dim_name(session, index, axis);
        dims[axis] = dnnx_session_input_dim(session, index, axis);
        if (dims[axis] >= 0)
            continue;
        size_t k = 0;
        while (k < args->n_shapes && !name_is(&args->shapes[k], dim_name))
            k++;
        if (k == args->n_shapes) {
            if (dim_name)
                return cli_fail("input '%s' dim %d ('%s') is symbolic: give it with --shape %s=N or --shape %s=DIMS",
                                name, axis, dim_name, dim_name, name);
            return cli_fail("input '%s' dim %d is unknown: give the shape with --shape %s=DIMS", name, axis, name);
        }
        int64_t size[DNNX_MAX_RANK];
        int size_rank;
        if (cli_parse_dims(args->shapes[k].value, size, &size_rank) != 0)
            return cli_prefix("--shape %s", dim_name);
        if (size_rank != 1)
            return cli_fail("--shape %s=%s: a symbolic dim takes one size", dim_name, args->shapes[k].value);
        dims[axis] = size[0];
    }
    return 0;
}

static int gather_inputs(const dnnx_session *session, const run_args *args, dnnx_tensor **inputs)
{
    size_t n_inputs = dnnx_session_input_count(session);
    for (size_t k = 0; k < args->n_shapes; k++) {
        size_t index;
        if (find_input(session, &args->shapes[k], &index) != 0 && !is_dim_name(session, &args->shapes[k]))
            return cli_fail("--shape: the model has no input or symbolic dim named '%.*s'",
                            (int)args->shapes[k].name_length, args->shapes[k].name);
    }
    for (size_t k = 0; k < args->n_files; k++) {
        size_t index;
        if (find_input(session, &args->files[k], &index) != 0)
            return cli_fail("-i: the model has no input named '%.*s'", (int)args->files[k].name_length,
                            args->files[k].name);
        if (inputs[index])
            return cli_fail("-i: input '%s' given twice", dnnx_session_input_name(session, index));
        if (cli_read_tensor(args->files[k].value, &inputs[index]) != 0)
            return -1;
    }
    if (args->dataset) {
        cli_dataset dataset;
        if (cli_dataset_load(args->dataset, n_inputs, &dataset) != 0)
            return -1;
        for (size_t i = 0; i < n_inputs; i++) {
            if (!inputs[i]) {
                inputs[i] = dataset.inputs[i];
                dataset.inputs[i] = NULL;
            }
        }
        cli_dataset_free(&dataset);
        return 0;
    }
    uint64_t rng = (uint64_t)args->seed;
    for (size_t i = 0; i < n_inputs; i++) {
        int64_t dims[DNNX_MAX_RANK];
        int rank;
        if (inputs[i])
            continue;
        if (random_input_shape(session, args, i, dims, &rank) != 0)
            return -1;
        if (cli_random_tensor(dnnx_session_input_dtype(session, i), rank, dims, (uint32_t)args->int_range, &rng,
                              &inputs[i]) != 0)
            return cli_prefix("input '%s'", dnnx_session_input_name(session, i));
    }
    return 0;
}

static int write_outputs(const char *out_dir, dnnx_tensor **outputs, size_t n_outputs)
{
    char path[CLI_PATH_CAPACITY], name[64];
    if (cli_make_dirs(out_dir) != 0)
        return -1;
    for (size_t k = 0; k < n_outputs; k++) {
        snprintf(name, sizeof name, "output_%zu.pb", k);
        if (cli_join_path(path, out_dir, name) != 0)
            return -1;
        if (dnnx_tensor_write_pb(outputs[k], path) != DNNX_OK)
            return cli_fail_dnnx();
    }
    return 0;
}

static int command_run(int argc, char **argv)
{
    run_args args = {.settings = {.threads = -1, .opt_level = -1, .max_memory_mb = -1}, .int_range = 2};
    dnnx_session *session = NULL;
    dnnx_tensor **inputs = NULL, **outputs = NULL;
    size_t n_inputs = 0, n_outputs = 0;
    int result = 1;
    if (wants_help(argc, argv)) {
        fputs(run_usage, stdout);
        return 0;
    }
    args.files = calloc((size_t)argc, sizeof *args.files);
    args.shapes = calloc((size_t)argc, sizeof *args.shapes);
    if (!args.files || !args.shapes) {
        cli_fail("out of memory");
        goto done;
    }
    if (parse_run_args(argc, argv, &args) != 0 || open_session(args.model, &args.settings, &session) != 0)
        goto done;
    n_inputs = dnnx_session_input_count(session);
    n_outputs = dnnx_session_output_count(session);
    inputs = calloc(n_inputs + 1, sizeof *inputs);
    outputs = calloc(n_outputs + 1, sizeof *outputs);
    if (!inputs || !outputs) {
        cli_fail("out of memory");
        goto done;
    }
    if (gather_inputs(session, &args, inputs) != 0)
        goto done;
    if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, outputs, n_outputs) != DNNX_OK) {
        cli_fail_dnnx();
        goto done;
    }
    for (size_t k = 0; k < n_outputs; k++) {
        if (!dnnx_tensor_name(outputs[k])[0] &&
            dnnx_tensor_set_name(outputs[k], dnnx_session_output_name(session, k)) != DNNX_OK) {
            cli_fail_dnnx();
            goto done;
        }
    }
    if (args.out_dir && write_outputs(args.out_dir, outputs, n_outputs) != 0)
        goto done;
    for (size_t k = 0; k < n_outputs; k++)
        print_output_line(outputs[k], dnnx_tensor_name(outputs[k]));
    result = 0;

done:
    if (result != 0)
        report_failure();
    for (size_t i = 0; inputs && i < n_inputs; i++)
        dnnx_tensor_free(inputs[i]);
    for (size_t k = 0; outputs && k < n_outputs; k++)
        dnnx_tensor_free(outputs[k]);
    free(inputs);
    free(outputs);
    dnnx_session_free(session);
    free(args.files);
    free(args.shapes);
    return result;
}

/* Runs one dataset and prints a line per output; returns the number of failed outputs, or -1
 * when the dataset could not be loaded or run. */
static int compare_dataset(dnnx_session *session, const char *dir, double rtol, double atol, double *run_seconds)
{
    cli_dataset_run run;
    int failures = -1;
    printf("%s\n", dir);
    if (cli_dataset_run_load(session, dir, &run) != 0)
        goto free_run;
    *run_seconds += run.run_seconds;
    failures = 0;
    for (size_t k = 0; k < run.n_outputs; k++) {
        const char *name = dnnx_session_output_name(session, k);
        if (k >= run.dataset.n_expected) {
            printf("  %s  (no output_%zu.pb to compare with)\n", name, k);
            continue;
        }
        cli_comparison comparison;
        cli_compare(run.outputs[k], run.dataset.expected[k], rtol, atol, &comparison);
        printf("  %s  max abs diff %.3g  max rel diff %.3g  %s", name, comparison.max_abs, comparison.max_rel,
               comparison.pass ? "PASS" : "FAIL");
        printf(comparison.pass ? "\n" : "  (%s)\n", comparison.reason);
        failures += !comparison.pass;
    }
free_run:
    cli_dataset_run_free(&run);
    return failures;
}

typedef struct compare_args {
    const char *model;
    const char **datasets; /* room for argc entries */
    size_t n_datasets;
    double rtol, atol;
    session_settings settings;
} compare_args;

static int parse_compare_args(int argc, char **argv, compare_args *args)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *value;
        int found;
        if (!options_done && strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if (!options_done && argv[i][0] == '-') {
            if ((found = parse_session_option(argc, argv, &i, &args->settings)) != 0) {
                if (found < 0)
                    return -1;
            } else if ((found = cli_option(argc, argv, &i, "--rtol", &value)) != 0) {
                if (found < 0 || cli_parse_tolerance(value, "--rtol", &args->rtol) != 0)
                    return -1;
            } else if ((found = cli_option(argc, argv, &i, "--atol", &value)) != 0) {
                if (found < 0 || cli_parse_tolerance(value, "--atol", &args->atol) != 0)
                    return -1;
            } else {
                return cli_fail("unknown option '%s' (see dnnx compare --help)", argv[i]);
            }
        } else if (!args->model) {
            args->model = argv[i];
        } else {
            args->datasets[args->n_datasets++] = argv[i];
        }
    }
    if (!args->model || args->n_datasets == 0)
        return cli_fail("compare needs a MODEL and at least one DATASET_DIR (see dnnx compare --help)");
    return 0;
}

static int command_compare(int argc, char **argv)
{
    compare_args args = {.rtol = 1e-3, .atol = 1e-4, .settings = {.threads = -1, .opt_level = -1, .max_memory_mb = -1}};
    dnnx_session *session = NULL;
    double start = cli_now(), load_seconds, run_seconds = 0;
    size_t failed = 0;
    if (wants_help(argc, argv)) {
        fputs(compare_usage, stdout);
        return 0;
    }
    args.datasets = calloc((size_t)argc, sizeof *args.datasets);
    if (!args.datasets) {
        cli_fail("out of memory");
        return report_failure();
    }
    if (parse_compare_args(argc, argv, &args) != 0 || open_session(args.model, &args.settings, &session) != 0) {
        free(args.datasets);
        return report_failure();
    }
    load_seconds = cli_now() - start;
    for (size_t d = 0; d < args.n_datasets; d++) {
        int failures = compare_dataset(session, args.datasets[d], args.rtol, args.atol, &run_seconds);
        if (failures < 0) {
            fflush(stdout);
            report_failure();
        }
        failed += failures != 0;
    }
    printf("total time %.3f ms (load %.3f ms, run %.3f ms); %zu of %zu datasets passed\n", (cli_now() - start) * 1e3,
           load_seconds * 1e3, run_seconds * 1e3, args.n_datasets - failed, args.n_datasets);
    dnnx_session_free(session);
    free(args.datasets);
    return failed ? 1 : 0;
}

static int command_inspect(int argc, char **argv)
{
    const char *model = NULL;
    bool show_backends = false;
    session_settings settings = {.threads = -1, .opt_level = -1, .max_memory_mb = -1};
    dnnx_session *session = NULL;
    if (wants_help(argc, argv)) {
        fputs(inspect_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        int found;
        if (strcmp(argv[i], "--backends") == 0) {
            show_backends = true;
        } else if ((found = parse_session_option(argc, argv, &i, &settings)) != 0) {
            if (found < 0)
                return report_failure();
        } else if (argv[i][0] == '-') {
            cli_fail("unknown option '%s' (see dnnx inspect --help)", argv[i]);
            return report_failure();
        } else if (model) {
            cli_fail("unexpected argument '%s' (see dnnx inspect --help)", argv[i]);
            return report_failure();
        } else {
            model = argv[i];
        }
    }
    if (!model) {
        cli_fail("inspect needs a MODEL (see dnnx inspect --help)");
        return report_failure();
    }
    if (open_session(model, &settings, &session) != 0)
        return report_failure();
    char *description = show_backends ? dnnx_session_describe_backends(session) : dnnx_session_describe(session);
    if (!description) {
        cli_fail_dnnx();
        dnnx_session_free(session);
        return report_failure();
    }
    size_t length = strlen(description);
    printf("model: %s\n%s%s", model, description, length && description[length - 1] == '\n' ? "" : "\n");
    free(description);
    dnnx_session_free(session);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(global_usage, stderr);
        return 1;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        fputs(global_usage, stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("dnnx %s\n", dnnx_version());
        return 0;
    }
    if (strcmp(command, "run") == 0)
        return command_run(argc - 1, argv + 1);
    if (strcmp(command, "compare") == 0)
        return command_compare(argc - 1, argv + 1);
    if (strcmp(command, "inspect") == 0)
        return command_inspect(argc - 1, argv + 1);
    if (strcmp(command, "bench") == 0)
        return command_bench(argc - 1, argv + 1);
    cli_fail("unknown command '%s' (commands: run, compare, inspect, bench; see dnnx --help)", command);
    return report_failure();
}

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
    "                [--max-memory MIB] [--seed N] [--int-range N] [--steps N [--verbose]]\n"
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
    "--threads N sets the intra-op threads (0 = all cores, the default).\n"
    "--steps N runs N greedy decoding steps in one session on a model with past key/values:\n"
    "inputs input_ids [batch,new_len], attention_mask, position_ids (both optional), then the\n"
    "inputs named past* [batch,heads,past_len,head_dim]; outputs logits [batch,new_len,vocab]\n"
    "and present*. Each step feeds argmax(logits[:,-1,:]) as input_ids [batch,1], the i-th\n"
    "present* output as the i-th past* input, the mask with a column of ones appended and\n"
    "position_ids = past_len. Step 0's inputs come from -d/-i, else input_ids are random in\n"
    "[0, vocab), the past is empty, the mask ones and position_ids past_len + 0, 1, ...\n"
    "Prints each step's tokens and time; -o OUT_DIR writes OUT_DIR/test_data_set_K (inputs\n"
    "and outputs of step K). --verbose runs every step a second time at the same shapes and\n"
    "prints that time too: the difference is what the first run at new shapes costs.\n";

static const char compare_usage[] =
    "usage: dnnx compare MODEL DATASET_DIR... [--rtol R] [--atol A] [--steps] [--threads N]\n"
    "                    [--backends ref|all] [--opt-level 0|1] [--fpmath strict|bf16] [--max-memory MIB]\n"
    "\n"
    "Runs MODEL on each ONNX test-data directory (input_K.pb for the K-th graph input; fewer\n"
    "files than inputs leave the trailing optional inputs out) and compares output K with\n"
    "output_K.pb: the dtype and shape must match, then floating values must satisfy\n"
    "|actual - expected| <= atol + rtol * |expected| (NaN matches NaN, inf the same inf) and\n"
    "integers and bools must be equal. Prints per output the max abs and max rel diff\n"
    "(rel over nonzero expected values) and PASS or FAIL, then the total time.\n"
    "Defaults: --rtol 1e-3 --atol 1e-4. Exits 0 only if every output of every dataset passes.\n"
    "--steps checks a greedy decoding chain (see dnnx run --help): only the first directory's\n"
    "inputs are read; every later step's inputs are derived from the step before and compared\n"
    "with that directory's input files (integers exactly, floats with the tolerances), then\n"
    "its outputs with the output files.\n";

static const char inspect_usage[] =
    "usage: dnnx inspect MODEL [--backends] [--shapes NAME=DIMS...] [--threads N] [--opt-level 0|1]\n"
    "                    [--fpmath strict|bf16]\n"
    "\n"
    "Loads MODEL and prints its IR version, producer, opset imports, inputs and outputs with\n"
    "dtypes and shapes (symbolic dims by name: [batch,seq]), parameter count and bytes, and\n"
    "the number of nodes of each op type (after load-time optimization).\n"
    "--backends instead lists every node in execution order with the backend that runs it\n"
    "and, when the oneDNN backend declined it, why.\n"
    "--shapes NAME=DIMS... (or --shape NAME=DIMS, repeated) also prints the arena planned for\n"
    "the intermediate tensors of one run at those shapes: the peak bytes a run holds besides\n"
    "weights, inputs and outputs. NAME is an input (--shapes input_ids=1x128) or a symbolic dim\n"
    "(--shapes batch=1 sequence=128). The library plans on a session's first run at new shapes,\n"
    "so inspect runs the model once, on inputs made as 'dnnx run' makes them (-d DATASET_DIR,\n"
    "-i NAME=FILE, --seed and --int-range work as there, and alone also ask for the arena).\n";

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
    const char *out_dir;
    long steps;
    bool verbose;
    cli_input_spec inputs;
    cli_session_settings settings;
} run_args;

/* Consumes an option of run at argv[*i]: 1 if it was one, 0 if not, -1 on a bad value. */
static int parse_run_option(int argc, char **argv, int *i, run_args *args)
{
    const char *value;
    int found;
    if ((found = cli_parse_session_option(argc, argv, i, &args->settings)) != 0 ||
        (found = cli_parse_input_option(argc, argv, i, &args->inputs)) != 0)
        return found;
    if ((found = cli_option(argc, argv, i, "-o", &value)) != 0) {
        if (found > 0)
            args->out_dir = value;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--steps", &value)) != 0)
        return found < 0 ? -1 : cli_parse_long(value, 1, 1L << 20, "--steps", &args->steps) ? -1 : 1;
    if (strcmp(argv[*i], "--verbose") == 0 || strcmp(argv[*i], "-v") == 0) {
        args->verbose = true;
        return 1;
    }
    return 0;
}

/* args->inputs must have room for argc -i and --shape entries. */
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
    if (args->verbose && args->steps == 0)
        return cli_fail("--verbose goes with --steps N (see dnnx run --help)");
    return 0;
}

static int command_run(int argc, char **argv)
{
    run_args args = {.inputs = CLI_INPUT_SPEC_DEFAULT, .settings = CLI_SESSION_SETTINGS_DEFAULT};
    dnnx_session *session = NULL;
    dnnx_tensor **inputs = NULL, **outputs = NULL;
    size_t n_inputs = 0, n_outputs = 0;
    int result = 1;
    if (wants_help(argc, argv)) {
        fputs(run_usage, stdout);
        return 0;
    }
    if (cli_input_spec_alloc(&args.inputs, argc) != 0)
        goto done;
    if (parse_run_args(argc, argv, &args) != 0 || cli_open_session(args.model, &args.settings, &session) != 0)
        goto done;
    if (args.steps > 0) {
        result = cli_decode_run(session, &args.inputs, args.steps, args.verbose, args.out_dir) != 0;
        goto done;
    }
    n_inputs = dnnx_session_input_count(session);
    n_outputs = dnnx_session_output_count(session);
    inputs = calloc(n_inputs + 1, sizeof *inputs);
    outputs = calloc(n_outputs + 1, sizeof *outputs);
    if (!inputs || !outputs) {
        cli_fail("out of memory");
        goto done;
    }
    if (cli_gather_inputs(session, &args.inputs, inputs) != 0)
        goto done;
    if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, outputs, n_outputs) != DNNX_OK) {
        cli_fail_dnnx();
        goto done;
    }
    if (cli_name_outputs(session, outputs, n_outputs) != 0)
        goto done;
    if (args.out_dir && cli_write_outputs(args.out_dir, outputs, n_outputs) != 0)
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
    cli_input_spec_free(&args.inputs);
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
    bool steps;
    cli_session_settings settings;
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
            if ((found = cli_parse_session_option(argc, argv, &i, &args->settings)) != 0) {
                if (found < 0)
                    return -1;
            } else if ((found = cli_option(argc, argv, &i, "--rtol", &value)) != 0) {
                if (found < 0 || cli_parse_tolerance(value, "--rtol", &args->rtol) != 0)
                    return -1;
            } else if ((found = cli_option(argc, argv, &i, "--atol", &value)) != 0) {
                if (found < 0 || cli_parse_tolerance(value, "--atol", &args->atol) != 0)
                    return -1;
            } else if (strcmp(argv[i], "--steps") == 0) {
                args->steps = true;
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
    compare_args args = {.rtol = 1e-3, .atol = 1e-4, .settings = CLI_SESSION_SETTINGS_DEFAULT};
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
    if (parse_compare_args(argc, argv, &args) != 0 || cli_open_session(args.model, &args.settings, &session) != 0) {
        free(args.datasets);
        return report_failure();
    }
    load_seconds = cli_now() - start;
    if (args.steps) {
        int status =
            cli_decode_compare(session, args.datasets, args.n_datasets, args.rtol, args.atol, &run_seconds, &failed);
        if (status == 0)
            printf("total time %.3f ms (load %.3f ms, run %.3f ms); %zu of %zu steps passed\n",
                   (cli_now() - start) * 1e3, load_seconds * 1e3, run_seconds * 1e3, args.n_datasets - failed,
                   args.n_datasets);
        dnnx_session_free(session);
        free(args.datasets);
        return status != 0 ? report_failure() : failed ? 1 : 0;
    }
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

/* Runs the session once on the inputs spec describes and writes a line on the arena planned for
 * their shapes into line: the library plans on the first run at new shapes, and its API has no
 * dry run. */
static int plan_arena(dnnx_session *session, const cli_input_spec *spec, char *line, size_t size)
{
    size_t n_inputs = dnnx_session_input_count(session), n_outputs = dnnx_session_output_count(session);
    dnnx_tensor **inputs = calloc(n_inputs + 1, sizeof *inputs), **outputs = calloc(n_outputs + 1, sizeof *outputs);
    int result = -1;
    if (!inputs || !outputs) {
        cli_fail("out of memory");
        goto done;
    }
    if (cli_gather_inputs(session, spec, inputs) != 0)
        goto done;
    if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, outputs, n_outputs) != DNNX_OK) {
        cli_fail_dnnx();
        goto done;
    }
    size_t bytes = dnnx_session_arena_bytes(session), used;
    used = (size_t)snprintf(line, size, "planned arena: %zu bytes (%.2f MiB) for", bytes,
                            (double)bytes / (1024.0 * 1024.0));
    for (size_t i = 0; i < n_inputs && used < size; i++) {
        char dims[256];
        if (!inputs[i])
            continue;
        cli_format_dims(dims, sizeof dims, dnnx_tensor_rank(inputs[i]), dnnx_tensor_dims(inputs[i]), NULL);
        used += (size_t)snprintf(line + used, size - used, "%s %s %s", i ? "," : "",
                                 dnnx_session_input_name(session, i), dims);
    }
    if (used < size)
        snprintf(line + used, size - used, " (planned by one run)");
    result = 0;
done:
    for (size_t i = 0; inputs && i < n_inputs; i++)
        dnnx_tensor_free(inputs[i]);
    for (size_t k = 0; outputs && k < n_outputs; k++)
        dnnx_tensor_free(outputs[k]);
    free(inputs);
    free(outputs);
    return result;
}

/* Consumes --shapes NAME=DIMS... at argv[*i]: the arguments after it that look like NAME=DIMS. */
static int parse_shapes_option(int argc, char **argv, int *i, cli_input_spec *spec)
{
    if (*i + 1 >= argc || argv[*i + 1][0] == '-' || !strchr(argv[*i + 1], '='))
        return cli_fail("--shapes needs NAME=DIMS arguments (see dnnx inspect --help)");
    while (*i + 1 < argc && argv[*i + 1][0] != '-' && strchr(argv[*i + 1], '='))
        if (cli_parse_name_value("--shapes", argv[++*i], &spec->shapes[spec->n_shapes++]) != 0)
            return -1;
    return 0;
}

static int command_inspect(int argc, char **argv)
{
    const char *model = NULL;
    bool show_backends = false, plan = false;
    cli_session_settings settings = CLI_SESSION_SETTINGS_DEFAULT;
    cli_input_spec spec = CLI_INPUT_SPEC_DEFAULT;
    dnnx_session *session = NULL;
    char *description = NULL, arena[1024];
    int result = 1;
    if (wants_help(argc, argv)) {
        fputs(inspect_usage, stdout);
        return 0;
    }
    if (cli_input_spec_alloc(&spec, argc) != 0)
        goto done;
    for (int i = 1; i < argc; i++) {
        int found;
        if (strcmp(argv[i], "--backends") == 0) {
            show_backends = true;
        } else if (strcmp(argv[i], "--shapes") == 0) {
            if (parse_shapes_option(argc, argv, &i, &spec) != 0)
                goto done;
            plan = true;
        } else if ((found = cli_parse_session_option(argc, argv, &i, &settings)) != 0) {
            if (found < 0)
                goto done;
        } else if ((found = cli_parse_input_option(argc, argv, &i, &spec)) != 0) {
            if (found < 0)
                goto done;
            plan = true;
        } else if (argv[i][0] == '-') {
            cli_fail("unknown option '%s' (see dnnx inspect --help)", argv[i]);
            goto done;
        } else if (model) {
            cli_fail("unexpected argument '%s' (see dnnx inspect --help)", argv[i]);
            goto done;
        } else {
            model = argv[i];
        }
    }
    if (!model) {
        cli_fail("inspect needs a MODEL (see dnnx inspect --help)");
        goto done;
    }
    if (cli_open_session(model, &settings, &session) != 0)
        goto done;
    if (!(description = show_backends ? dnnx_session_describe_backends(session) : dnnx_session_describe(session))) {
        cli_fail_dnnx();
        goto done;
    }
    if (plan && plan_arena(session, &spec, arena, sizeof arena) != 0)
        goto done;
    size_t length = strlen(description);
    printf("model: %s\n%s%s", model, description, length && description[length - 1] == '\n' ? "" : "\n");
    if (plan)
        printf("%s\n", arena);
    result = 0;
done:
    if (result != 0)
        report_failure();
    free(description);
    dnnx_session_free(session);
    cli_input_spec_free(&spec);
    return result;
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

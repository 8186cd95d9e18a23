/* dnnx bench: load time, first-run time, latency percentiles, throughput and peak memory of
 * a model on the inputs dnnx run would give it. Built on include/dnnx.h and tools/cli.h only. */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dnnx.h"

#define PROGRESS_WIDTH 30
#define MAX_BACKENDS 8

int command_bench(int argc, char **argv);

static const char bench_usage[] =
    "usage: dnnx bench MODEL [-d DATASET_DIR] [-i NAME=FILE]... [--shape NAME=DIMS]... [-n RUNS]\n"
    "                  [--warmup N] [--threads N] [--fpmath strict|bf16] [--backends ref|all]\n"
    "                  [--opt-level 0|1] [--max-memory MIB] [--seed N] [--int-range N] [-o OUT_DIR]\n"
    "                  [--json] [--verbose]\n"
    "\n"
    "Loads MODEL once, runs it --warmup times (default 10) and then -n times (default 50) timing\n"
    "each run, and reports the load time, the first run's time, the median, p90 and min latency\n"
    "of the timed runs and their median CPU time (user + system, all threads: on a busy machine\n"
    "it varies less than wall time), throughput (runs/s; samples/s when an input has a dim named\n"
    "like 'batch'), the peak resident memory (VmHWM) after load and at the end, and the arena\n"
    "the library planned for intermediate tensors at these shapes (dnnx_session_arena_bytes).\n"
    "The first run is a warm-up run, or the first timed run with --warmup 0. Inputs come from\n"
    "-i, -d or random values exactly as for 'dnnx run' (see dnnx run --help; --shape seq=128\n"
    "sizes the symbolic dim seq).\n"
    "--threads N   intra-op threads (0 = all cores, the library default)\n"
    "--fpmath M    strict (float32 throughout, the default) or bf16 (bfloat16 MatMul/Gemm operands)\n"
    "-o OUT_DIR    writes the last run's output K to OUT_DIR/output_K.pb\n"
    "--json        prints one JSON object instead of the text report; its keys are stable:\n"
    "              model, dnnx_version, inputs, threads, fpmath, backends, opt_level, warmup, runs,\n"
    "              load_ms, first_run_ms, median_ms, p90_ms, min_ms, max_ms, mean_ms, runs_per_s,\n"
    "              median_cpu_ms, batch, samples_per_s, load_peak_rss_kib, peak_rss_kib,\n"
    "              arena_bytes, nodes_by_backend, times_ms, cpu_times_ms (null where unknown)\n"
    "--verbose     also prints every run's time and the backend of every node\n"
    "A progress bar is drawn on stderr when it is a terminal.\n";

typedef struct bench_args {
    const char *model;
    const char *out_dir;
    cli_input_spec inputs;
    cli_session_settings settings;
    long runs, warmup;
    bool json, verbose;
} bench_args;

typedef struct backend_count {
    char name[32];
    size_t nodes;
} backend_count;

typedef struct bench_result {
    double load_ms, first_run_ms;
    double median_ms, p90_ms, min_ms, max_ms, mean_ms;
    double median_cpu_ms; /* < 0: the CPU clock is not available */
    double runs_per_s;    /* < 0: unknown */
    int64_t batch;        /* < 0: unknown */
    long load_peak_rss_kib, peak_rss_kib;
    size_t arena_bytes; /* planned for the benchmarked input shapes */
    backend_count backends[MAX_BACKENDS];
    size_t n_backends;
    double *times_ms;     /* the timed runs' wall times in the order they ran */
    double *cpu_times_ms; /* their CPU times (user + system, all threads of the process) */
} bench_result;

static int bench_failure(void)
{
    fprintf(stderr, "dnnx: error: %s\n", cli_error());
    return 1;
}

/* Consumes the option at argv[*i] whose value is a number in [min, max]: 1 if it was option
 * name, 0 if not, -1 on a missing or bad value. */
static int number_option(int argc, char **argv, int *i, const char *name, long min, long max, long *out)
{
    const char *value;
    int found = cli_option(argc, argv, i, name, &value);
    if (found > 0 && cli_parse_long(value, min, max, name, out) != 0)
        return -1;
    return found;
}

/* Consumes the option at argv[*i] with a string value: 1 if it was option name, 0 if not, -1
 * when the value is missing. */
static int text_option(int argc, char **argv, int *i, const char *name, const char **out)
{
    const char *value;
    int found = cli_option(argc, argv, i, name, &value);
    if (found > 0)
        *out = value;
    return found;
}

/* Consumes an option of bench at argv[*i]: 1 if it was one, 0 if not, -1 on a bad value. */
static int parse_bench_option(int argc, char **argv, int *i, bench_args *args)
{
    int found;
    if (strcmp(argv[*i], "--json") == 0) {
        args->json = true;
        return 1;
    }
    if (strcmp(argv[*i], "--verbose") == 0 || strcmp(argv[*i], "-v") == 0) {
        args->verbose = true;
        return 1;
    }
    if ((found = number_option(argc, argv, i, "-n", 1, 100000000L, &args->runs)) != 0 ||
        (found = number_option(argc, argv, i, "--warmup", 0, 100000000L, &args->warmup)) != 0 ||
        (found = cli_parse_session_option(argc, argv, i, &args->settings)) != 0 ||
        (found = cli_parse_input_option(argc, argv, i, &args->inputs)) != 0 ||
        (found = text_option(argc, argv, i, "-o", &args->out_dir)) != 0)
        return found;
    return 0;
}

static int parse_bench_args(int argc, char **argv, bench_args *args)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if (!options_done && argv[i][0] == '-') {
            int found = parse_bench_option(argc, argv, &i, args);
            if (found < 0)
                return -1;
            if (found == 0)
                return cli_fail("unknown option '%s' (see dnnx bench --help)", argv[i]);
        } else if (args->model) {
            return cli_fail("unexpected argument '%s' (see dnnx bench --help)", argv[i]);
        } else {
            args->model = argv[i];
        }
    }
    if (!args->model)
        return cli_fail("bench needs a MODEL (see dnnx bench --help)");
    return 0;
}

static bool contains_batch(const char *name)
{
    static const char word[] = "batch";
    for (; name && *name; name++) {
        size_t k = 0;
        while (word[k] && tolower((unsigned char)name[k]) == word[k])
            k++;
        if (!word[k])
            return true;
    }
    return false;
}

/* The batch size: dim 0 of the first given input whose model dim 0 is symbolic and named like
 * "batch" (batch, batch_size, N_batch...); -1 when no input says. */
static int64_t batch_size(const dnnx_session *session, dnnx_tensor *const *inputs)
{
    size_t n = dnnx_session_input_count(session);
    for (size_t i = 0; i < n; i++) {
        if (!inputs[i] || dnnx_tensor_rank(inputs[i]) < 1 || dnnx_session_input_rank(session, i) < 1)
            continue;
        if (dnnx_session_input_dim(session, i, 0) < 0 && contains_batch(dnnx_session_input_dim_name(session, i, 0)))
            return dnnx_tensor_dims(inputs[i])[0];
    }
    return -1;
}

/* CPU seconds used by the process so far, all threads; negative if the clock is missing. */
static double process_cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The peak resident set in KiB: Linux's VmHWM, which starts afresh at exec, where ru_maxrss keeps
 * the peak of the process image that exec replaced (a Python parent's, when a script forks us). */
static long peak_rss_kib(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (status && kib < 0 && fgets(line, sizeof line, status))
        if (sscanf(line, "VmHWM: %ld kB", &kib) != 1)
            kib = -1;
    if (status)
        fclose(status);
    struct rusage usage;
    if (kib < 0 && getrusage(RUSAGE_SELF, &usage) == 0)
        kib = usage.ru_maxrss;
    return kib;
}

/* Counts the nodes per backend from dnnx_session_describe_backends: the backend is the last
 * field of each line before an optional "  (declined by ...)". */
static int count_backends(const dnnx_session *session, bench_result *result, bool print_lines, FILE *file)
{
    char *text = dnnx_session_describe_backends(session);
    if (!text)
        return cli_fail_dnnx();
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        size_t length = strlen(line);
        size_t shown = length;
        while (shown > 0 && line[shown - 1] == ' ')
            shown--;
        if (print_lines)
            fprintf(file, "  %.*s\n", (int)shown, line);
        char *declined = strstr(line, "  (declined by ");
        size_t field_end = declined ? (size_t)(declined - line) : length;
        while (field_end > 0 && isspace((unsigned char)line[field_end - 1]))
            field_end--;
        size_t field_start = field_end;
        while (field_start > 0 && !isspace((unsigned char)line[field_start - 1]))
            field_start--;
        size_t name_length = field_end - field_start;
        if (name_length > 0 && name_length < sizeof result->backends[0].name) {
            size_t b = 0;
            while (b < result->n_backends && (strlen(result->backends[b].name) != name_length ||
                                              strncmp(result->backends[b].name, line + field_start, name_length)))
                b++;
            if (b == result->n_backends && b < MAX_BACKENDS) {
                memcpy(result->backends[b].name, line + field_start, name_length);
                result->backends[b].name[name_length] = '\0';
                result->n_backends++;
            }
            if (b < result->n_backends)
                result->backends[b].nodes++;
        }
        line += length + (end != NULL);
    }
    free(text);
    return 0;
}

static void draw_progress(long done, long total, long warmup)
{
    char bar[PROGRESS_WIDTH + 1];
    int filled = total > 0 ? (int)(done * PROGRESS_WIDTH / total) : PROGRESS_WIDTH;
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, ' ', (size_t)(PROGRESS_WIDTH - filled));
    bar[PROGRESS_WIDTH] = '\0';
    fprintf(stderr, "\rbench [%s] %ld/%ld %s", bar, done, total, done < warmup ? "warm-up" : "timed  ");
    fflush(stderr);
}

static void clear_progress(void)
{
    fprintf(stderr, "\r%*s\r", PROGRESS_WIDTH + 40, "");
    fflush(stderr);
}

/* Runs the model warmup + runs times, timing each run; the outputs of the last run go to
 * args->out_dir when it is set. */
static int timed_runs(dnnx_session *session, const bench_args *args, dnnx_tensor **inputs, bench_result *result)
{
    size_t n_inputs = dnnx_session_input_count(session), n_outputs = dnnx_session_output_count(session);
    dnnx_tensor **outputs = calloc(n_outputs + 1, sizeof *outputs);
    long total = args->warmup + args->runs;
    bool progress = isatty(STDERR_FILENO) != 0;
    double last_drawn = -1;
    int status = 0;
    if (!outputs)
        return cli_fail("out of memory");
    for (long r = 0; r < total && status == 0; r++) {
        double start = cli_now();
        /* Redrawn at most ten times a second so fast models are not timed writing to the terminal. */
        if (progress && (last_drawn < 0 || start - last_drawn >= 0.1)) {
            draw_progress(r, total, args->warmup);
            last_drawn = start;
            start = cli_now();
        }
        double cpu_start = process_cpu_seconds();
        if (dnnx_session_run(session, (const dnnx_tensor *const *)inputs, n_inputs, outputs, n_outputs) != DNNX_OK) {
            status = cli_fail_dnnx();
            cli_prefix("run %ld", r + 1);
            break;
        }
        double ms = (cli_now() - start) * 1e3, cpu_end = process_cpu_seconds();
        if (r == 0)
            result->first_run_ms = ms;
        if (r >= args->warmup) {
            result->times_ms[r - args->warmup] = ms;
            result->cpu_times_ms[r - args->warmup] = cpu_start >= 0 && cpu_end >= 0 ? (cpu_end - cpu_start) * 1e3 : -1;
        }
        if (r == total - 1 && args->out_dir &&
            (cli_name_outputs(session, outputs, n_outputs) != 0 || cli_write_outputs(args->out_dir, outputs, n_outputs) != 0))
            status = -1;
        for (size_t k = 0; k < n_outputs; k++) {
            dnnx_tensor_free(outputs[k]);
            outputs[k] = NULL;
        }
    }
    if (progress)
        clear_progress();
    free(outputs);
    return status ? -1 : 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of_sorted(const double *sorted, size_t n)
{
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static int summarise(long runs, bench_result *result)
{
    size_t n = (size_t)runs;
    double *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return cli_fail("out of memory");
    memcpy(sorted, result->cpu_times_ms, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_doubles);
    result->median_cpu_ms = sorted[0] < 0 ? -1 : median_of_sorted(sorted, n);
    memcpy(sorted, result->times_ms, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_doubles);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += sorted[i];
    result->median_ms = median_of_sorted(sorted, n);
    /* Nearest rank: the smallest time that at least 90% of the runs do not exceed. */
    size_t p90_rank = (size_t)ceil(0.9 * (double)n);
    result->p90_ms = sorted[p90_rank > 0 ? p90_rank - 1 : 0];
    result->min_ms = sorted[0];
    result->max_ms = sorted[n - 1];
    result->mean_ms = sum / (double)n;
    result->runs_per_s = sum > 0 ? (double)n * 1e3 / sum : -1;
    free(sorted);
    return 0;
}

static void json_string(FILE *file, const char *text)
{
    fputc('"', file);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(file, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(file, "\\u%04x", *c);
        else
            fputc(*c, file);
    }
    fputc('"', file);
}

static void json_number_or_null(FILE *file, double value, bool known)
{
    if (known && isfinite(value))
        fprintf(file, "%.6g", value);
    else
        fputs("null", file);
}

static void print_json(const dnnx_session *session, const bench_args *args, dnnx_tensor *const *inputs,
                       const bench_result *result)
{
    FILE *out = stdout;
    fputs("{\"model\": ", out);
    json_string(out, args->model);
    fputs(", \"dnnx_version\": ", out);
    json_string(out, dnnx_version());
    fputs(", \"inputs\": [", out);
    size_t n_inputs = dnnx_session_input_count(session);
    for (size_t i = 0, shown = 0; i < n_inputs; i++) {
        if (!inputs[i])
            continue;
        fputs(shown++ ? ", {\"name\": " : "{\"name\": ", out);
        json_string(out, dnnx_session_input_name(session, i));
        fprintf(out, ", \"dtype\": \"%s\", \"shape\": [", dnnx_dtype_name(dnnx_tensor_dtype(inputs[i])));
        for (int axis = 0; axis < dnnx_tensor_rank(inputs[i]); axis++)
            fprintf(out, "%s%lld", axis ? ", " : "", (long long)dnnx_tensor_dims(inputs[i])[axis]);
        fputs("]}", out);
    }
    fprintf(out, "], \"threads\": %ld, \"fpmath\": ", args->settings.threads < 0 ? 0 : args->settings.threads);
    json_string(out, args->settings.fpmath ? args->settings.fpmath : "strict");
    fputs(", \"backends\": ", out);
    json_string(out, args->settings.backends ? args->settings.backends : "all");
    fputs(", \"opt_level\": ", out);
    json_number_or_null(out, (double)args->settings.opt_level, args->settings.opt_level >= 0);
    fprintf(out, ", \"warmup\": %ld, \"runs\": %ld", args->warmup, args->runs);
    fprintf(out, ", \"load_ms\": %.6g, \"first_run_ms\": %.6g, \"median_ms\": %.6g, \"p90_ms\": %.6g", result->load_ms,
            result->first_run_ms, result->median_ms, result->p90_ms);
    fprintf(out, ", \"min_ms\": %.6g, \"max_ms\": %.6g, \"mean_ms\": %.6g, \"runs_per_s\": ", result->min_ms,
            result->max_ms, result->mean_ms);
    json_number_or_null(out, result->runs_per_s, result->runs_per_s >= 0);
    fputs(", \"median_cpu_ms\": ", out);
    json_number_or_null(out, result->median_cpu_ms, result->median_cpu_ms >= 0);
    fputs(", \"batch\": ", out);
    json_number_or_null(out, (double)result->batch, result->batch >= 0);
    fputs(", \"samples_per_s\": ", out);
    json_number_or_null(out, result->runs_per_s * (double)result->batch, result->batch >= 0 && result->runs_per_s >= 0);
    fputs(", \"load_peak_rss_kib\": ", out);
    json_number_or_null(out, (double)result->load_peak_rss_kib, result->load_peak_rss_kib >= 0);
    fputs(", \"peak_rss_kib\": ", out);
    json_number_or_null(out, (double)result->peak_rss_kib, result->peak_rss_kib >= 0);
    fprintf(out, ", \"arena_bytes\": %zu", result->arena_bytes);
    fputs(", \"nodes_by_backend\": {", out);
    for (size_t b = 0; b < result->n_backends; b++) {
        fputs(b ? ", " : "", out);
        json_string(out, result->backends[b].name);
        fprintf(out, ": %zu", result->backends[b].nodes);
    }
    fputs("}, \"times_ms\": [", out);
    for (long r = 0; r < args->runs; r++)
        fprintf(out, "%s%.6g", r ? ", " : "", result->times_ms[r]);
    fputs("], \"cpu_times_ms\": [", out);
    for (long r = 0; r < args->runs; r++) {
        fputs(r ? ", " : "", out);
        json_number_or_null(out, result->cpu_times_ms[r], result->cpu_times_ms[r] >= 0);
    }
    fputs("]}\n", out);
}

static void print_mib(FILE *file, long kib)
{
    if (kib < 0)
        fputs("n/a", file);
    else
        fprintf(file, "%.1f MiB", (double)kib / 1024.0);
}

static void print_text(const dnnx_session *session, const bench_args *args, dnnx_tensor *const *inputs,
                       const bench_result *result)
{
    FILE *out = stdout;
    fprintf(out, "model:       %s\n", args->model);
    size_t n_inputs = dnnx_session_input_count(session);
    for (size_t i = 0; i < n_inputs; i++) {
        char dims[256];
        if (!inputs[i])
            continue;
        cli_format_dims(dims, sizeof dims, dnnx_tensor_rank(inputs[i]), dnnx_tensor_dims(inputs[i]), NULL);
        fprintf(out, "input:       %s  %s  %s\n", dnnx_session_input_name(session, i),
                dnnx_dtype_name(dnnx_tensor_dtype(inputs[i])), dims);
    }
    fprintf(out, "settings:    threads %ld%s, fpmath %s, backends %s", args->settings.threads < 0 ? 0 : args->settings.threads,
            args->settings.threads <= 0 ? " (all cores)" : "", args->settings.fpmath ? args->settings.fpmath : "strict",
            args->settings.backends ? args->settings.backends : "all");
    if (args->settings.opt_level >= 0)
        fprintf(out, ", opt-level %ld", args->settings.opt_level);
    fprintf(out, ", %ld warm-up + %ld timed runs\n", args->warmup, args->runs);
    fputs("nodes:      ", out);
    for (size_t b = 0; b < result->n_backends; b++)
        fprintf(out, "%s %s %zu", b ? "," : "", result->backends[b].name, result->backends[b].nodes);
    fputs("\n", out);
    fprintf(out, "load:        %.3f ms\n", result->load_ms);
    fprintf(out, "first run:   %.3f ms\n", result->first_run_ms);
    fprintf(out, "latency:     median %.3f ms  p90 %.3f ms  min %.3f ms  max %.3f ms  mean %.3f ms\n",
            result->median_ms, result->p90_ms, result->min_ms, result->max_ms, result->mean_ms);
    if (result->median_cpu_ms >= 0)
        fprintf(out, "cpu time:    median %.3f ms per run (user + system, all threads)\n", result->median_cpu_ms);
    fputs("throughput:  ", out);
    if (result->runs_per_s < 0)
        fputs("n/a", out);
    else if (result->batch >= 0)
        fprintf(out, "%.3f runs/s  %.3f samples/s (batch %lld)", result->runs_per_s,
                result->runs_per_s * (double)result->batch, (long long)result->batch);
    else
        fprintf(out, "%.3f runs/s", result->runs_per_s);
    fputs("\nmemory:      peak RSS ", out);
    print_mib(out, result->peak_rss_kib);
    fputs(" (after load ", out);
    print_mib(out, result->load_peak_rss_kib);
    fprintf(out, ")  arena %.1f MiB (%zu bytes)\n", (double)result->arena_bytes / (1024.0 * 1024.0),
            result->arena_bytes);
}

static void print_times(FILE *file, const bench_args *args, const bench_result *result)
{
    fprintf(file, "run times (ms):");
    for (long r = 0; r < args->runs; r++)
        fprintf(file, " %.3f", result->times_ms[r]);
    fprintf(file, "\n");
}

static int bench(const bench_args *args)
{
    bench_result result = {.batch = -1};
    dnnx_session *session = NULL;
    dnnx_tensor **inputs = NULL;
    size_t n_inputs = 0;
    int status = -1;
    /* With --json, stdout carries the JSON object alone. */
    FILE *verbose = args->json ? stderr : stdout;
    result.times_ms = calloc((size_t)args->runs, sizeof *result.times_ms);
    result.cpu_times_ms = calloc((size_t)args->runs, sizeof *result.cpu_times_ms);
    if (!result.times_ms || !result.cpu_times_ms) {
        cli_fail("out of memory");
        goto done;
    }
    double start = cli_now();
    if (cli_open_session(args->model, &args->settings, &session) != 0)
        goto done;
    result.load_ms = (cli_now() - start) * 1e3;
    result.load_peak_rss_kib = peak_rss_kib();
    if (args->verbose)
        fprintf(verbose, "backend of each node:\n");
    if (count_backends(session, &result, args->verbose, verbose) != 0)
        goto done;
    n_inputs = dnnx_session_input_count(session);
    inputs = calloc(n_inputs + 1, sizeof *inputs);
    if (!inputs) {
        cli_fail("out of memory");
        goto done;
    }
    if (cli_gather_inputs(session, &args->inputs, inputs) != 0)
        goto done;
    result.batch = batch_size(session, inputs);
    if (timed_runs(session, args, inputs, &result) != 0 || summarise(args->runs, &result) != 0)
        goto done;
    result.peak_rss_kib = peak_rss_kib();
    /* Every run had the same shapes, so the last planned signature is theirs. */
    result.arena_bytes = dnnx_session_arena_bytes(session);
    if (args->verbose)
        print_times(verbose, args, &result);
    if (args->json)
        print_json(session, args, inputs, &result);
    else
        print_text(session, args, inputs, &result);
    status = 0;

done:
    for (size_t i = 0; inputs && i < n_inputs; i++)
        dnnx_tensor_free(inputs[i]);
    free(inputs);
    dnnx_session_free(session);
    free(result.times_ms);
    free(result.cpu_times_ms);
    return status;
}

/* dnnx bench: the entry point called by tools/dnnx.c with argv[0] = "bench". */
int command_bench(int argc, char **argv)
{
    bench_args args = {
        .inputs = CLI_INPUT_SPEC_DEFAULT, .settings = CLI_SESSION_SETTINGS_DEFAULT, .runs = 50, .warmup = 10};
    int status = 1;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(bench_usage, stdout);
            return 0;
        }
    }
    if (cli_input_spec_alloc(&args.inputs, argc) == 0 && parse_bench_args(argc, argv, &args) == 0 &&
        bench(&args) == 0)
        status = 0;
    if (status != 0)
        bench_failure();
    cli_input_spec_free(&args.inputs);
    return status;
}

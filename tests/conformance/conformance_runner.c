/* Runs an ONNX backend test suite (a directory of test_NAME directories, each with model.onnx
 * and test_data_set_N data) with dnnx, each test in a forked child with a timeout, and checks
 * the results against the known-failure list. Uses the public API only. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "dnnx.h"

#define MESSAGE_CAPACITY 1024
#define REASON_LIMIT 300

static const char usage[] =
    "usage: conformance_runner SUITE_DIR [--suite-name NAME] [--filter SUBSTRING] [--expected FILE]\n"
    "                          [--update-expected] [--rtol R] [--atol A] [--timeout SECONDS]\n"
    "                          [--threads N] [--backends ref|all] [--memory-limit MB]\n"
    "\n"
    "Runs every SUITE_DIR/test_*/ (model.onnx and test_data_set_*/input_K.pb, output_K.pb) in a\n"
    "child process and prints PASS, FAIL (outputs differ), ERROR (dnnx refused or failed),\n"
    "CRASH or TIMEOUT per test, then 'NAME: N passed, N failed'.\n"
    "--expected FILE lists known failures as 'suite/test_name  reason' lines (# comments). The\n"
    "run fails if a test fails that is not listed, if a listed test passes, or if any test\n"
    "crashes or times out (listed or not). --update-expected rewrites this suite's entries in\n"
    "FILE from this run instead (only the tests selected by --filter).\n"
    "Defaults: --suite-name is SUITE_DIR's base name, --rtol 1e-3 --atol 1e-5, --timeout 60,\n"
    "--threads 1, no memory limit.\n";

typedef struct runner_options {
    const char *suite_dir;
    const char *suite_name;
    const char *filter;
    const char *expected_path;
    bool update_expected;
    double rtol, atol;
    long timeout_seconds;
    long threads;
    long memory_limit_mb;
    const char *backends;
} runner_options;

typedef enum result_kind { RESULT_PASS, RESULT_FAIL, RESULT_ERROR, RESULT_CRASH, RESULT_TIMEOUT } result_kind;

static const char *const kind_names[] = {"PASS", "FAIL", "ERROR", "CRASH", "TIMEOUT"};

typedef struct test_result {
    result_kind kind;
    char message[MESSAGE_CAPACITY];
} test_result;

typedef struct expected_entry {
    char *suite;
    char *test;
    bool seen;
} expected_entry;

typedef struct expected_list {
    char **lines; /* the file as read, for --update-expected */
    size_t n_lines;
    expected_entry *entries;
    size_t n_entries;
} expected_list;

static int parse_options(int argc, char **argv, runner_options *options)
{
    for (int i = 1; i < argc; i++) {
        const char *value;
        int found = 0;
        if (strcmp(argv[i], "--update-expected") == 0) {
            options->update_expected = true;
            continue;
        }
        if ((found = cli_option(argc, argv, &i, "--suite-name", &value)) > 0)
            options->suite_name = value;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--filter", &value)) > 0)
            options->filter = value;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--expected", &value)) > 0)
            options->expected_path = value;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--backends", &value)) > 0)
            options->backends = value;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--rtol", &value)) > 0)
            found = cli_parse_tolerance(value, "--rtol", &options->rtol) == 0 ? 1 : -1;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--atol", &value)) > 0)
            found = cli_parse_tolerance(value, "--atol", &options->atol) == 0 ? 1 : -1;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--timeout", &value)) > 0)
            found = cli_parse_long(value, 1, 86400, "--timeout", &options->timeout_seconds) == 0 ? 1 : -1;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--threads", &value)) > 0)
            found = cli_parse_long(value, 0, 4096, "--threads", &options->threads) == 0 ? 1 : -1;
        else if (found == 0 && (found = cli_option(argc, argv, &i, "--memory-limit", &value)) > 0)
            found = cli_parse_long(value, 0, 1L << 30, "--memory-limit", &options->memory_limit_mb) == 0 ? 1 : -1;
        if (found < 0)
            return -1;
        if (found > 0)
            continue;
        if (argv[i][0] == '-')
            return cli_fail("unknown option '%s' (see --help)", argv[i]);
        if (options->suite_dir)
            return cli_fail("unexpected argument '%s' (see --help)", argv[i]);
        options->suite_dir = argv[i];
    }
    if (!options->suite_dir)
        return cli_fail("give a SUITE_DIR (see --help)");
    if (!options->suite_name) {
        static char base_name[256];
        size_t end = strlen(options->suite_dir);
        while (end > 1 && options->suite_dir[end - 1] == '/')
            end--;
        size_t begin = end;
        while (begin > 0 && options->suite_dir[begin - 1] != '/')
            begin--;
        snprintf(base_name, sizeof base_name, "%.*s", (int)(end - begin), options->suite_dir + begin);
        options->suite_name = base_name;
    }
    if (!options->suite_name[0] || strpbrk(options->suite_name, "/ \t#"))
        return cli_fail("suite name '%s' must be non-empty, without '/', '#' or blanks", options->suite_name);
    if (options->update_expected && !options->expected_path)
        return cli_fail("--update-expected needs --expected FILE");
    return 0;
}

/* Copies text into message on one line, with the test directory's path left out so the
 * message is the same on every machine. */
static void set_message(char *message, const char *text, const char *test_dir)
{
    size_t used = 0, dir_length = strlen(test_dir);
    while (*text && used + 1 < MESSAGE_CAPACITY) {
        if (strncmp(text, test_dir, dir_length) == 0 && text[dir_length] == '/') {
            text += dir_length + 1;
            continue;
        }
        message[used++] = (*text == '\n' || *text == '\r' || *text == '\t') ? ' ' : *text;
        text++;
    }
    message[used] = '\0';
}

/* Compares one dataset's outputs; returns 0 if all pass, 1 with a FAIL message, -1 with an
 * ERROR message in cli_error(). */
static int run_dataset(dnnx_session *session, const char *dir, const char *dataset_name, const runner_options *options,
                       char *failure)
{
    cli_dataset_run run;
    int result = -1;
    if (cli_dataset_run_load(session, dir, &run) != 0)
        goto free_run;
    result = 0;
    for (size_t k = 0; k < run.dataset.n_expected && result == 0; k++) {
        cli_comparison comparison;
        cli_compare(run.outputs[k], run.dataset.expected[k], options->rtol, options->atol, &comparison);
        if (!comparison.pass) {
            snprintf(failure, MESSAGE_CAPACITY, "%s output %zu '%s': %s (max abs diff %.3g, max rel diff %.3g)",
                     dataset_name, k, dnnx_session_output_name(session, k), comparison.reason, comparison.max_abs,
                     comparison.max_rel);
            result = 1;
        }
    }
free_run:
    cli_dataset_run_free(&run);
    return result;
}

/* The body of the child process: loads and runs one test, cleans up, then reports. */
static void run_test(const char *test_dir, const runner_options *options, test_result *result)
{
    char path[CLI_PATH_CAPACITY], failure[MESSAGE_CAPACITY] = "";
    dnnx_options *session_options = NULL;
    dnnx_session *session = NULL;
    char **datasets = NULL;
    size_t n_datasets = 0;
    int status = -1;
    if (cli_join_path(path, test_dir, "model.onnx") != 0)
        goto done;
    if (cli_list_dir(test_dir, "test_data_set_", &datasets, &n_datasets) != 0)
        goto done;
    if (n_datasets == 0) {
        cli_fail("no test_data_set_* directory");
        goto done;
    }
    if (dnnx_options_create(&session_options) != DNNX_OK ||
        dnnx_options_set_threads(session_options, (int)options->threads) != DNNX_OK ||
        (options->backends && dnnx_options_set_backends(session_options, options->backends) != DNNX_OK) ||
        dnnx_session_create(path, session_options, &session) != DNNX_OK) {
        cli_fail_dnnx();
        goto done;
    }
    status = 0;
    for (size_t d = 0; d < n_datasets && status == 0; d++) {
        if (cli_join_path(path, test_dir, datasets[d]) != 0) {
            status = -1;
            break;
        }
        status = run_dataset(session, path, datasets[d], options, failure);
    }

done:
    dnnx_session_free(session);
    dnnx_options_free(session_options);
    cli_free_names(datasets, n_datasets);
    result->kind = status == 0 ? RESULT_PASS : status > 0 ? RESULT_FAIL : RESULT_ERROR;
    set_message(result->message, status > 0 ? failure : status < 0 ? cli_error() : "", test_dir);
}

static void child_main(const char *test_dir, const runner_options *options, int fd)
{
    test_result result;
    alarm((unsigned)options->timeout_seconds + 10);
    if (options->memory_limit_mb > 0) {
        struct rlimit limit;
        limit.rlim_cur = limit.rlim_max = (rlim_t)options->memory_limit_mb << 20;
        setrlimit(RLIMIT_AS, &limit);
    }
    run_test(test_dir, options, &result);
    char line[MESSAGE_CAPACITY + 16];
    int length = snprintf(line, sizeof line, "%s %s", kind_names[result.kind], result.message);
    if (length > (int)sizeof line - 1)
        length = (int)sizeof line - 1;
    for (int written = 0; written < length;) {
        ssize_t n = write(fd, line + written, (size_t)(length - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);
        written += (int)n;
    }
    _exit(0);
}

/* Reads the child's report until EOF or the deadline; 0 on EOF, -1 on timeout. */
static int read_report(int fd, double deadline, char *buf, size_t capacity)
{
    size_t used = 0;
    for (;;) {
        double left = deadline - cli_now();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            continue;
        char chunk[512];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n < capacity - 1 - used ? (size_t)n : capacity - 1 - used;
        memcpy(buf + used, chunk, take);
        used += take;
    }
    buf[used] = '\0';
    return 0;
}

static void run_isolated(const char *test_dir, const runner_options *options, test_result *result)
{
    int fds[2];
    char report[MESSAGE_CAPACITY + 16];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        result->kind = RESULT_ERROR;
        snprintf(result->message, sizeof result->message, "runner: pipe failed: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        result->kind = RESULT_ERROR;
        snprintf(result->message, sizeof result->message, "runner: fork failed: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(test_dir, options, fds[1]);
    }
    close(fds[1]);
    int timed_out = read_report(fds[0], cli_now() + (double)options->timeout_seconds, report, sizeof report);
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        result->kind = RESULT_TIMEOUT;
        snprintf(result->message, sizeof result->message, "no result after %ld s", options->timeout_seconds);
    } else if (WIFSIGNALED(status)) {
        result->kind = RESULT_CRASH;
        snprintf(result->message, sizeof result->message, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        result->kind = RESULT_CRASH;
        snprintf(result->message, sizeof result->message, "exited with status %d (see its stderr above)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else {
        result->kind = RESULT_ERROR;
        snprintf(result->message, sizeof result->message, "child gave no result");
        for (int kind = RESULT_PASS; kind <= RESULT_TIMEOUT; kind++) {
            size_t n = strlen(kind_names[kind]);
            if (strncmp(report, kind_names[kind], n) == 0 && (report[n] == ' ' || report[n] == '\0')) {
                result->kind = (result_kind)kind;
                snprintf(result->message, sizeof result->message, "%s", report[n] ? report + n + 1 : "");
                break;
            }
        }
    }
}

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t length = strlen(text);
    while (length > 0 && strchr(" \t\r\n", text[length - 1]))
        text[--length] = '\0';
    return text;
}

static void expected_free(expected_list *list)
{
    for (size_t i = 0; i < list->n_lines; i++)
        free(list->lines[i]);
    for (size_t i = 0; i < list->n_entries; i++) {
        free(list->entries[i].suite);
        free(list->entries[i].test);
    }
    free(list->lines);
    free(list->entries);
    memset(list, 0, sizeof *list);
}

/* Splits an entry line "suite/test  reason" into suite and test; false for comments and
 * blank lines. */
static bool parse_entry(const char *line, char *suite, char *test, size_t capacity)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", line);
    char *text = trim(copy);
    if (*text == '\0' || *text == '#')
        return false;
    size_t length = strcspn(text, " \t");
    text[length] = '\0';
    char *slash = strchr(text, '/');
    if (!slash || slash == text || slash[1] == '\0' || strlen(text) >= capacity)
        return false;
    *slash = '\0';
    snprintf(suite, capacity, "%s", text);
    snprintf(test, capacity, "%s", slash + 1);
    return true;
}

static expected_entry *expected_find(expected_list *list, const char *suite, const char *test)
{
    for (size_t i = 0; i < list->n_entries; i++)
        if (strcmp(list->entries[i].suite, suite) == 0 && strcmp(list->entries[i].test, test) == 0)
            return &list->entries[i];
    return NULL;
}

static int expected_load(const char *path, expected_list *list)
{
    FILE *file = fopen(path, "r");
    char line[4096], suite[512], test[512];
    size_t line_capacity = 0, entry_capacity = 0;
    if (!file)
        return errno == ENOENT ? 0 : cli_fail("cannot read '%s': %s", path, strerror(errno));
    while (fgets(line, sizeof line, file)) {
        size_t length = strlen(line);
        if (length > 0 && line[length - 1] == '\n')
            line[--length] = '\0';
        if (list->n_lines == line_capacity) {
            line_capacity = line_capacity ? 2 * line_capacity : 256;
            char **bigger = realloc(list->lines, line_capacity * sizeof *bigger);
            if (!bigger)
                goto fail_memory;
            list->lines = bigger;
        }
        if (!(list->lines[list->n_lines] = strdup(line)))
            goto fail_memory;
        list->n_lines++;
        char *text = trim(line);
        if (*text == '\0' || *text == '#')
            continue;
        if (!parse_entry(text, suite, test, sizeof suite)) {
            fclose(file);
            return cli_fail("%s:%zu: expected 'suite/test_name  reason'", path, list->n_lines);
        }
        if (expected_find(list, suite, test)) {
            fclose(file);
            return cli_fail("%s:%zu: %s/%s is listed twice", path, list->n_lines, suite, test);
        }
        if (list->n_entries == entry_capacity) {
            entry_capacity = entry_capacity ? 2 * entry_capacity : 256;
            expected_entry *bigger = realloc(list->entries, entry_capacity * sizeof *bigger);
            if (!bigger)
                goto fail_memory;
            list->entries = bigger;
        }
        expected_entry *entry = &list->entries[list->n_entries];
        entry->suite = strdup(suite);
        entry->test = strdup(test);
        entry->seen = false;
        list->n_entries++;
        if (!entry->suite || !entry->test)
            goto fail_memory;
    }
    fclose(file);
    return 0;

fail_memory:
    fclose(file);
    return cli_fail("out of memory reading '%s'", path);
}

static bool selected(const runner_options *options, const char *test)
{
    return !options->filter || strstr(test, options->filter) != NULL;
}

static int append_line(char ***lines, size_t *count, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int append_line(char ***lines, size_t *count, const char *fmt, ...)
{
    char buf[MESSAGE_CAPACITY + 1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    char **bigger = realloc(*lines, (*count + 1) * sizeof *bigger);
    if (!bigger)
        return cli_fail("out of memory");
    *lines = bigger;
    if (!(bigger[*count] = strdup(buf)))
        return cli_fail("out of memory");
    (*count)++;
    return 0;
}

/* This suite's entries after the run: the old ones of tests outside --filter, and one per
 * failure of this run, in test order. */
static int suite_entries(const runner_options *options, const expected_list *list, char **tests,
                         const test_result *results, size_t n_tests, char ***lines, size_t *count)
{
    char suite[512], test[512];
    for (size_t i = 0; i < list->n_lines; i++)
        if (parse_entry(list->lines[i], suite, test, sizeof suite) && strcmp(suite, options->suite_name) == 0 &&
            !selected(options, test) && append_line(lines, count, "%s", trim(list->lines[i])) != 0)
            return -1;
    for (size_t t = 0; t < n_tests; t++)
        if (results[t].kind != RESULT_PASS &&
            append_line(lines, count, "%s/%s  %s: %.*s", options->suite_name, tests[t], kind_names[results[t].kind],
                        REASON_LIMIT, results[t].message) != 0)
            return -1;
    if (*count > 0)
        qsort(*lines, *count, sizeof **lines, cli_natural_compare_names);
    return 0;
}

/* Rewrites this suite's entries in the expected file from this run, in one sorted block at
 * the place of its first entry (or in a new section at the end); other lines are kept. */
static int expected_update(const runner_options *options, const expected_list *list, char **tests,
                           const test_result *results, size_t n_tests)
{
    char temporary[CLI_PATH_CAPACITY], suite[512], test[512];
    char **entries = NULL;
    size_t n_entries = 0;
    bool written = false;
    int n = snprintf(temporary, sizeof temporary, "%s.tmp", options->expected_path);
    if (n < 0 || n >= (int)sizeof temporary)
        return cli_fail("path '%s' is too long", options->expected_path);
    if (suite_entries(options, list, tests, results, n_tests, &entries, &n_entries) != 0) {
        cli_free_names(entries, n_entries);
        return -1;
    }
    FILE *file = fopen(temporary, "w");
    if (!file) {
        cli_free_names(entries, n_entries);
        return cli_fail("cannot write '%s': %s", temporary, strerror(errno));
    }
    if (list->n_lines == 0)
        fprintf(file, "# Known failures of the ONNX backend test suites, checked by tests/conformance.\n"
                      "# Format: suite/test_name  reason. A listed test that passes fails the run: remove it.\n"
                      "# Regenerate: cmake --build BUILD --target conformance-update-expected (every suite), or\n"
                      "# conformance_runner SUITE_DIR --suite-name NAME --expected FILE --update-expected\n");
    for (size_t i = 0; i < list->n_lines; i++) {
        if (parse_entry(list->lines[i], suite, test, sizeof suite) && strcmp(suite, options->suite_name) == 0) {
            for (size_t k = 0; !written && k < n_entries; k++)
                fprintf(file, "%s\n", entries[k]);
            written = true;
            continue;
        }
        fprintf(file, "%s\n", list->lines[i]);
    }
    if (!written && n_entries > 0) {
        fprintf(file, "\n# %s\n", options->suite_name);
        for (size_t k = 0; k < n_entries; k++)
            fprintf(file, "%s\n", entries[k]);
    }
    cli_free_names(entries, n_entries);
    if (fclose(file) != 0 || rename(temporary, options->expected_path) != 0) {
        remove(temporary);
        return cli_fail("cannot write '%s': %s", options->expected_path, strerror(errno));
    }
    return 0;
}

/* Selected test directories (test_* holding anything) of the suite, in natural order. */
static int list_tests(const runner_options *options, char ***tests, size_t *n_tests)
{
    char **names, path[CLI_PATH_CAPACITY];
    size_t count, kept = 0;
    if (cli_list_dir(options->suite_dir, "test_", &names, &count) != 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (selected(options, names[i]) && cli_join_path(path, options->suite_dir, names[i]) == 0 && cli_is_dir(path))
            names[kept++] = names[i];
        else
            free(names[i]);
    }
    *tests = names;
    *n_tests = kept;
    return 0;
}

int main(int argc, char **argv)
{
    runner_options options = {.rtol = 1e-3, .atol = 1e-5, .timeout_seconds = 60, .threads = 1};
    expected_list expected = {0};
    char **tests = NULL, path[CLI_PATH_CAPACITY];
    size_t n_tests = 0, passed = 0, unexpected = 0, now_passing = 0, fatal = 0;
    test_result *results = NULL;
    int exit_code = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    }
    if (parse_options(argc, argv, &options) != 0 ||
        (options.expected_path && expected_load(options.expected_path, &expected) != 0) ||
        list_tests(&options, &tests, &n_tests) != 0)
        goto fail;
    if (!(results = calloc(n_tests + 1, sizeof *results))) {
        cli_fail("out of memory");
        goto fail;
    }
    double start = cli_now();
    for (size_t t = 0; t < n_tests; t++) {
        test_result *result = &results[t];
        double test_start = cli_now();
        if (cli_join_path(path, options.suite_dir, tests[t]) != 0)
            goto fail;
        run_isolated(path, &options, result);
        double seconds = cli_now() - test_start;
        expected_entry *entry = expected_find(&expected, options.suite_name, tests[t]);
        if (entry)
            entry->seen = true;
        bool failed = result->kind != RESULT_PASS;
        passed += !failed;
        fatal += result->kind == RESULT_CRASH || result->kind == RESULT_TIMEOUT;
        unexpected += failed && !entry;
        now_passing += !failed && entry;
        const char *note = !failed && entry  ? "  [listed as an expected failure: now passes, remove it]"
                           : failed && entry ? "  [expected]"
                                             : "";
        printf("%-7s %s%s%s%s", kind_names[result->kind], tests[t], note, result->message[0] ? "  " : "",
               result->message);
        printf(seconds >= 1.0 ? "  (%.1f s)\n" : "\n", seconds);
    }
    for (size_t i = 0; !options.filter && i < expected.n_entries; i++)
        if (!expected.entries[i].seen && strcmp(expected.entries[i].suite, options.suite_name) == 0)
            printf("warning: %s lists %s/%s, which is not in %s\n", options.expected_path, options.suite_name,
                   expected.entries[i].test, options.suite_dir);
    if (unexpected || now_passing || fatal) {
        printf("\n");
        for (size_t t = 0; t < n_tests; t++) {
            expected_entry *entry = expected_find(&expected, options.suite_name, tests[t]);
            bool failed = results[t].kind != RESULT_PASS;
            if (results[t].kind == RESULT_CRASH || results[t].kind == RESULT_TIMEOUT)
                printf("%s %s/%s: a crash or hang is never an expected failure: %s\n", kind_names[results[t].kind],
                       options.suite_name, tests[t], results[t].message);
            else if (failed && !entry)
                printf("unexpected %s %s/%s: %s\n", kind_names[results[t].kind], options.suite_name, tests[t],
                       results[t].message);
            else if (!failed && entry)
                printf("now passes: %s/%s: remove it from %s\n", options.suite_name, tests[t], options.expected_path);
        }
    }
    printf("%s: %zu passed, %zu failed\n", options.suite_name, passed, n_tests - passed);
    printf("%s: %zu expected failures, %zu unexpected failures, %zu now pass, %zu crashes or timeouts (%.1f s)\n",
           options.suite_name, n_tests - passed - unexpected, unexpected, now_passing, fatal, cli_now() - start);
    exit_code = (unexpected || now_passing || fatal) ? 1 : 0;
    if (options.update_expected) {
        if (expected_update(&options, &expected, tests, results, n_tests) != 0)
            goto fail;
        printf("%s: wrote %zu entries to %s\n", options.suite_name, n_tests - passed, options.expected_path);
        exit_code = 0;
    }
    goto done;

fail:
    fprintf(stderr, "conformance_runner: error: %s\n", cli_error());
    exit_code = 2;
done:
    free(results);
    cli_free_names(tests, n_tests);
    expected_free(&expected);
    return exit_code;
}

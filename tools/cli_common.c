#include "cli.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h> /* macros only: the tool does not link libm */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char error_message[2048];

const char *cli_error(void) { return error_message; }

int cli_fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, args);
    va_end(args);
    for (char *c = error_message; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    return -1;
}

int cli_prefix(const char *fmt, ...)
{
    char prefix[512], previous[sizeof error_message];
    va_list args;
    va_start(args, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, args);
    va_end(args);
    memcpy(previous, error_message, sizeof previous);
    return cli_fail("%s: %s", prefix, previous);
}

int cli_fail_dnnx(void)
{
    const char *message = dnnx_last_error();
    return cli_fail("%s", message[0] ? message : "unknown failure (dnnx gave no message)");
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t length = strlen(name);
    if (strncmp(arg, name, length) != 0)
        return 0;
    if (arg[length] == '=') {
        *value = arg + length + 1;
        return 1;
    }
    if (arg[length] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return cli_fail("option %s needs a value", name);
    *i += 1;
    *value = argv[*i];
    return 1;
}

int cli_parse_long(const char *text, long min, long max, const char *what, long *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (text[0] == '\0' || isspace((unsigned char)text[0]) || *end != '\0')
        return cli_fail("%s: '%s' is not an integer", what, text);
    if (errno == ERANGE || value < min || value > max)
        return cli_fail("%s: %s is outside %ld..%ld", what, text, min, max);
    *out = value;
    return 0;
}

int cli_parse_tolerance(const char *text, const char *what, double *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (text[0] == '\0' || isspace((unsigned char)text[0]) || *end != '\0')
        return cli_fail("%s: '%s' is not a number", what, text);
    if (errno == ERANGE || !isfinite(value) || value < 0)
        return cli_fail("%s: %s must be a finite number >= 0", what, text);
    *out = value;
    return 0;
}

int cli_parse_dims(const char *text, int64_t *dims, int *rank)
{
    int count = 0;
    const char *p = text;
    if (*p == '\0') {
        *rank = 0;
        return 0;
    }
    for (;;) {
        if (!isdigit((unsigned char)*p))
            return cli_fail("dims '%s': expected sizes like 1x128 or 1,128", text);
        if (count == DNNX_MAX_RANK)
            return cli_fail("dims '%s': more than %d dims", text, DNNX_MAX_RANK);
        int64_t value = 0;
        while (isdigit((unsigned char)*p)) {
            int digit = *p++ - '0';
            if (value > (INT64_MAX - digit) / 10)
                return cli_fail("dims '%s': a size is too large", text);
            value = value * 10 + digit;
        }
        dims[count++] = value;
        if (*p == '\0')
            break;
        if (*p != 'x' && *p != ',')
            return cli_fail("dims '%s': expected sizes like 1x128 or 1,128", text);
        p++;
    }
    *rank = count;
    return 0;
}

void cli_format_dims(char *buf, size_t size, int rank, const int64_t *dims, const char *const *names)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    if (rank < 0) {
        snprintf(buf, size, "[?]");
        return;
    }
    for (int i = 0; i <= rank && used < size; i++) {
        const char *sep = i == 0 ? "[" : ",";
        int n;
        if (i == rank)
            n = snprintf(buf + used, size - used, "%s]", rank == 0 ? "[" : "");
        else if (dims[i] >= 0)
            n = snprintf(buf + used, size - used, "%s%lld", sep, (long long)dims[i]);
        else if (names && names[i] && names[i][0])
            n = snprintf(buf + used, size - used, "%s%s", sep, names[i]);
        else
            n = snprintf(buf + used, size - used, "%s?", sep);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

int cli_join_path(char *buf, const char *dir, const char *name)
{
    int n = snprintf(buf, CLI_PATH_CAPACITY, "%s/%s", dir, name);
    if (n < 0 || n >= CLI_PATH_CAPACITY)
        return cli_fail("path '%s/%s' is too long", dir, name);
    return 0;
}

bool cli_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool cli_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_make_dirs(const char *dir)
{
    char path[CLI_PATH_CAPACITY];
    size_t length = strlen(dir);
    if (length == 0 || length >= sizeof path)
        return cli_fail("output directory '%s' is empty or too long", dir);
    memcpy(path, dir, length + 1);
    for (size_t i = 1; i <= length; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return cli_fail("cannot create directory '%s': %s", path, strerror(errno));
        path[i] = saved;
    }
    if (!cli_is_dir(dir))
        return cli_fail("'%s' is not a directory", dir);
    return 0;
}

int cli_natural_compare(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            size_t na = 0, nb = 0;
            while (isdigit((unsigned char)a[na]))
                na++;
            while (isdigit((unsigned char)b[nb]))
                nb++;
            if (na != nb)
                return na < nb ? -1 : 1;
            int c = strncmp(a, b, na);
            if (c != 0)
                return c;
            a += na;
            b += nb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int cli_natural_compare_names(const void *a, const void *b)
{
    return cli_natural_compare(*(const char *const *)a, *(const char *const *)b);
}

int cli_list_dir(const char *dir, const char *prefix, char ***names, size_t *count)
{
    DIR *handle = opendir(dir);
    if (!handle)
        return cli_fail("cannot open directory '%s': %s", dir, strerror(errno));
    char **list = NULL;
    size_t n = 0, capacity = 0;
    size_t prefix_length = strlen(prefix);
    struct dirent *entry;
    while ((entry = readdir(handle)) != NULL) {
        if (strncmp(entry->d_name, prefix, prefix_length) != 0 || entry->d_name[0] == '.')
            continue;
        if (n == capacity) {
            size_t grown = capacity ? capacity * 2 : 64;
            char **bigger = realloc(list, grown * sizeof *bigger);
            if (!bigger)
                goto fail_memory;
            list = bigger;
            capacity = grown;
        }
        list[n] = strdup(entry->d_name);
        if (!list[n])
            goto fail_memory;
        n++;
    }
    closedir(handle);
    if (n > 0)
        qsort(list, n, sizeof *list, cli_natural_compare_names);
    *names = list;
    *count = n;
    return 0;

fail_memory:
    closedir(handle);
    cli_free_names(list, n);
    return cli_fail("out of memory listing '%s'", dir);
}

void cli_free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

static bool has_suffix(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

int cli_read_tensor(const char *path, dnnx_tensor **out)
{
    dnnx_status status = has_suffix(path, ".npy") ? dnnx_tensor_read_npy(path, out) : dnnx_tensor_read_pb(path, out);
    return status == DNNX_OK ? 0 : cli_fail_dnnx();
}

uint64_t cli_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float bits_to_float(uint32_t bits)
{
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static uint32_t float_to_bits(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    if (exponent == 0) {
        float magnitude = (float)mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31)
        return bits_to_float(sign | 0x7f800000u | (mantissa << 13));
    return bits_to_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/* Round to nearest even; only used for values in [-1, 1), so no overflow to inf. */
static uint16_t float_to_half(float value)
{
    uint32_t bits = float_to_bits(value);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    float magnitude = value < 0 ? -value : value;
    if (magnitude < 0x1p-14f) {
        float scaled = magnitude * 0x1p24f;
        uint16_t units = (uint16_t)scaled;
        float fraction = scaled - (float)units;
        if (fraction > 0.5f || (fraction == 0.5f && (units & 1u)))
            units++;
        return (uint16_t)(sign | units);
    }
    uint32_t abs_bits = bits & 0x7fffffffu;
    uint32_t rounded = abs_bits + 0xfffu + ((abs_bits >> 13) & 1u);
    uint32_t exponent = (rounded >> 23) - 112;
    return (uint16_t)(sign | (exponent << 10) | ((rounded >> 13) & 0x3ffu));
}

static float bfloat16_to_float(uint16_t b) { return bits_to_float((uint32_t)b << 16); }

static uint16_t float_to_bfloat16(float value)
{
    uint32_t bits = float_to_bits(value);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

int cli_random_tensor(dnnx_dtype dtype, int rank, const int64_t *dims, uint32_t int_range, uint64_t *rng,
                      dnnx_tensor **out)
{
    if (dnnx_dtype_size(dtype) == 0)
        return cli_fail("cannot make random values of dtype %s", dnnx_dtype_name(dtype));
    dnnx_tensor *tensor;
    if (dnnx_tensor_create(dtype, rank, dims, &tensor) != DNNX_OK)
        return cli_fail_dnnx();
    size_t count = dnnx_tensor_element_count(tensor);
    void *data = dnnx_tensor_data(tensor);
    for (size_t i = 0; i < count; i++) {
        uint64_t r = cli_random_next(rng);
        float real = (float)(r >> 40) * 0x1p-23f - 1.0f;
        uint32_t small = (uint32_t)((r >> 32) % (int_range ? int_range : 1));
        switch (dtype) {
        case DNNX_DTYPE_FLOAT: ((float *)data)[i] = real; break;
        case DNNX_DTYPE_DOUBLE: ((double *)data)[i] = real; break;
        case DNNX_DTYPE_FLOAT16: ((uint16_t *)data)[i] = float_to_half(real); break;
        case DNNX_DTYPE_BFLOAT16: ((uint16_t *)data)[i] = float_to_bfloat16(real); break;
        case DNNX_DTYPE_BOOL: ((uint8_t *)data)[i] = (uint8_t)(r >> 63); break;
        case DNNX_DTYPE_UINT8: ((uint8_t *)data)[i] = (uint8_t)small; break;
        case DNNX_DTYPE_INT8: ((int8_t *)data)[i] = (int8_t)(small & 0x7fu); break;
        case DNNX_DTYPE_UINT16: ((uint16_t *)data)[i] = (uint16_t)small; break;
        case DNNX_DTYPE_INT16: ((int16_t *)data)[i] = (int16_t)(small & 0x7fffu); break;
        case DNNX_DTYPE_INT32: ((int32_t *)data)[i] = (int32_t)(small & 0x7fffffffu); break;
        case DNNX_DTYPE_INT64: ((int64_t *)data)[i] = small; break;
        case DNNX_DTYPE_UINT32: ((uint32_t *)data)[i] = small; break;
        case DNNX_DTYPE_UINT64: ((uint64_t *)data)[i] = small; break;
        default:
            dnnx_tensor_free(tensor);
            return cli_fail("cannot make random values of dtype %s", dnnx_dtype_name(dtype));
        }
    }
    *out = tensor;
    return 0;
}

/* fabs without libm, which the tool does not link. */
static double magnitude(double value) { return value < 0 ? -value : value; }

static bool dtype_is_floating(dnnx_dtype dtype)
{
    return dtype == DNNX_DTYPE_FLOAT || dtype == DNNX_DTYPE_DOUBLE || dtype == DNNX_DTYPE_FLOAT16 ||
           dtype == DNNX_DTYPE_BFLOAT16;
}

static bool dtype_is_unsigned(dnnx_dtype dtype)
{
    return dtype == DNNX_DTYPE_UINT8 || dtype == DNNX_DTYPE_UINT16 || dtype == DNNX_DTYPE_UINT32 ||
           dtype == DNNX_DTYPE_UINT64 || dtype == DNNX_DTYPE_BOOL;
}

static int64_t signed_value(dnnx_dtype dtype, const void *data, size_t i)
{
    switch (dtype) {
    case DNNX_DTYPE_INT8: return ((const int8_t *)data)[i];
    case DNNX_DTYPE_INT16: return ((const int16_t *)data)[i];
    case DNNX_DTYPE_INT32: return ((const int32_t *)data)[i];
    case DNNX_DTYPE_INT64: return ((const int64_t *)data)[i];
    default: return 0;
    }
}

static uint64_t unsigned_value(dnnx_dtype dtype, const void *data, size_t i)
{
    switch (dtype) {
    case DNNX_DTYPE_BOOL: return ((const uint8_t *)data)[i] != 0;
    case DNNX_DTYPE_UINT8: return ((const uint8_t *)data)[i];
    case DNNX_DTYPE_UINT16: return ((const uint16_t *)data)[i];
    case DNNX_DTYPE_UINT32: return ((const uint32_t *)data)[i];
    case DNNX_DTYPE_UINT64: return ((const uint64_t *)data)[i];
    default: return 0;
    }
}

double cli_tensor_value(const dnnx_tensor *tensor, size_t index)
{
    dnnx_dtype dtype = dnnx_tensor_dtype(tensor);
    const void *data = dnnx_tensor_data_const(tensor);
    switch (dtype) {
    case DNNX_DTYPE_FLOAT: return ((const float *)data)[index];
    case DNNX_DTYPE_DOUBLE: return ((const double *)data)[index];
    case DNNX_DTYPE_FLOAT16: return half_to_float(((const uint16_t *)data)[index]);
    case DNNX_DTYPE_BFLOAT16: return bfloat16_to_float(((const uint16_t *)data)[index]);
    default: break;
    }
    if (dnnx_dtype_size(dtype) == 0)
        return NAN;
    if (dtype_is_unsigned(dtype))
        return (double)unsigned_value(dtype, data, index);
    return (double)signed_value(dtype, data, index);
}

void cli_print_values(FILE *file, const dnnx_tensor *tensor, size_t max_count)
{
    dnnx_dtype dtype = dnnx_tensor_dtype(tensor);
    size_t count = dnnx_tensor_element_count(tensor);
    if (dnnx_dtype_size(dtype) == 0) {
        fprintf(file, "(%s values not shown)", dnnx_dtype_name(dtype));
        return;
    }
    const void *data = dnnx_tensor_data_const(tensor);
    for (size_t i = 0; i < count && i < max_count; i++) {
        const char *sep = i ? " " : "";
        if (dtype_is_floating(dtype))
            fprintf(file, "%s%.6g", sep, cli_tensor_value(tensor, i));
        else if (dtype_is_unsigned(dtype))
            fprintf(file, "%s%llu", sep, (unsigned long long)unsigned_value(dtype, data, i));
        else
            fprintf(file, "%s%lld", sep, (long long)signed_value(dtype, data, i));
    }
    if (count > max_count)
        fprintf(file, " ...");
}

void cli_dataset_free(cli_dataset *dataset)
{
    if (dataset->inputs)
        for (size_t i = 0; i < dataset->n_inputs; i++)
            dnnx_tensor_free(dataset->inputs[i]);
    if (dataset->expected)
        for (size_t i = 0; i < dataset->n_expected; i++)
            dnnx_tensor_free(dataset->expected[i]);
    free(dataset->inputs);
    free(dataset->expected);
    memset(dataset, 0, sizeof *dataset);
}

/* The number of files dir/<prefix>K.pb for K = 0, 1, ... without a gap. */
static int count_numbered_files(const char *dir, const char *prefix, size_t *count)
{
    char name[64], path[CLI_PATH_CAPACITY];
    size_t n = 0;
    for (;; n++) {
        snprintf(name, sizeof name, "%s%zu.pb", prefix, n);
        if (cli_join_path(path, dir, name) != 0)
            return -1;
        if (!cli_is_file(path))
            break;
    }
    *count = n;
    return 0;
}

static int read_numbered_file(const char *dir, const char *prefix, size_t index, dnnx_tensor **out)
{
    char name[64], path[CLI_PATH_CAPACITY];
    snprintf(name, sizeof name, "%s%zu.pb", prefix, index);
    if (cli_join_path(path, dir, name) != 0)
        return -1;
    return cli_read_tensor(path, out);
}

int cli_dataset_load(const char *dir, size_t n_inputs, cli_dataset *out)
{
    cli_dataset dataset = {0};
    size_t n_input_files, n_output_files;
    if (!cli_is_dir(dir))
        return cli_fail("dataset '%s' is not a directory", dir);
    if (count_numbered_files(dir, "input_", &n_input_files) != 0 ||
        count_numbered_files(dir, "output_", &n_output_files) != 0)
        return -1;
    if (n_input_files > n_inputs)
        return cli_fail("dataset '%s' has %zu input files but the model has %zu inputs", dir, n_input_files, n_inputs);
    dataset.n_inputs = n_inputs;
    dataset.n_input_files = n_input_files;
    dataset.n_expected = n_output_files;
    dataset.inputs = calloc(n_inputs ? n_inputs : 1, sizeof *dataset.inputs);
    dataset.expected = calloc(n_output_files ? n_output_files : 1, sizeof *dataset.expected);
    if (!dataset.inputs || !dataset.expected) {
        cli_dataset_free(&dataset);
        return cli_fail("out of memory loading dataset '%s'", dir);
    }
    for (size_t i = 0; i < n_input_files; i++)
        if (read_numbered_file(dir, "input_", i, &dataset.inputs[i]) != 0)
            goto fail;
    for (size_t i = 0; i < n_output_files; i++)
        if (read_numbered_file(dir, "output_", i, &dataset.expected[i]) != 0)
            goto fail;
    *out = dataset;
    return 0;

fail:
    cli_dataset_free(&dataset);
    return -1;
}

int cli_dataset_run_load(dnnx_session *session, const char *dir, cli_dataset_run *out)
{
    size_t n_inputs = dnnx_session_input_count(session), n_outputs = dnnx_session_output_count(session);
    memset(out, 0, sizeof *out);
    if (cli_dataset_load(dir, n_inputs, &out->dataset) != 0)
        return -1;
    out->outputs = calloc(n_outputs + 1, sizeof *out->outputs);
    if (!out->outputs)
        return cli_fail("out of memory");
    out->n_outputs = n_outputs;
    if (out->dataset.n_expected > n_outputs)
        return cli_fail("dataset '%s' has %zu output files but the model has %zu outputs", dir, out->dataset.n_expected,
                        n_outputs);
    double start = cli_now();
    if (dnnx_session_run(session, (const dnnx_tensor *const *)out->dataset.inputs, n_inputs, out->outputs, n_outputs) !=
        DNNX_OK)
        return cli_fail_dnnx();
    out->run_seconds = cli_now() - start;
    return 0;
}

void cli_dataset_run_free(cli_dataset_run *run)
{
    for (size_t k = 0; run->outputs && k < run->n_outputs; k++)
        dnnx_tensor_free(run->outputs[k]);
    free(run->outputs);
    cli_dataset_free(&run->dataset);
    memset(run, 0, sizeof *run);
}

/* "[1,2,3]" for flat index i of a tensor with these dims. */
static void format_index(char *buf, size_t size, int rank, const int64_t *dims, size_t index)
{
    int64_t coords[DNNX_MAX_RANK];
    for (int axis = rank - 1; axis >= 0; axis--) {
        coords[axis] = dims[axis] > 0 ? (int64_t)(index % (size_t)dims[axis]) : 0;
        index = dims[axis] > 0 ? index / (size_t)dims[axis] : 0;
    }
    cli_format_dims(buf, size, rank, coords, NULL);
}

static void compare_floating(const dnnx_tensor *actual, const dnnx_tensor *expected, double rtol, double atol,
                             cli_comparison *out, size_t *first_bad)
{
    size_t count = dnnx_tensor_element_count(expected);
    for (size_t i = 0; i < count; i++) {
        double a = cli_tensor_value(actual, i), b = cli_tensor_value(expected, i);
        double diff;
        bool ok;
        if (isnan(a) || isnan(b)) {
            ok = isnan(a) && isnan(b);
            diff = ok ? 0 : INFINITY;
        } else if (isinf(a) || isinf(b)) {
            ok = a == b;
            diff = ok ? 0 : INFINITY;
        } else {
            diff = magnitude(a - b);
            ok = diff <= atol + rtol * magnitude(b);
            if (b != 0 && diff / magnitude(b) > out->max_rel)
                out->max_rel = diff / magnitude(b);
        }
        if (diff > out->max_abs)
            out->max_abs = diff;
        if (!ok && out->mismatches++ == 0)
            *first_bad = i;
    }
}

static void compare_exact(const dnnx_tensor *actual, const dnnx_tensor *expected, cli_comparison *out,
                          size_t *first_bad)
{
    dnnx_dtype dtype = dnnx_tensor_dtype(expected);
    const void *a = dnnx_tensor_data_const(actual), *b = dnnx_tensor_data_const(expected);
    size_t count = dnnx_tensor_element_count(expected);
    bool is_unsigned = dtype_is_unsigned(dtype);
    for (size_t i = 0; i < count; i++) {
        double diff;
        if (is_unsigned) {
            uint64_t x = unsigned_value(dtype, a, i), y = unsigned_value(dtype, b, i);
            diff = x > y ? (double)(x - y) : (double)(y - x);
        } else {
            int64_t x = signed_value(dtype, a, i), y = signed_value(dtype, b, i);
            diff = magnitude((double)x - (double)y);
            if (x != y && diff == 0)
                diff = 1;
        }
        if (diff == 0)
            continue;
        double rel = diff / magnitude(cli_tensor_value(expected, i));
        if (diff > out->max_abs)
            out->max_abs = diff;
        if (isfinite(rel) && rel > out->max_rel)
            out->max_rel = rel;
        if (out->mismatches++ == 0)
            *first_bad = i;
    }
}

void cli_compare(const dnnx_tensor *actual, const dnnx_tensor *expected, double rtol, double atol, cli_comparison *out)
{
    dnnx_dtype dtype = dnnx_tensor_dtype(expected);
    int rank = dnnx_tensor_rank(expected);
    const int64_t *dims = dnnx_tensor_dims(expected);
    char got[200], want[200];
    size_t first_bad = 0;
    memset(out, 0, sizeof *out);
    if (dnnx_tensor_dtype(actual) != dtype) {
        snprintf(out->reason, sizeof out->reason, "dtype %s, expected %s", dnnx_dtype_name(dnnx_tensor_dtype(actual)),
                 dnnx_dtype_name(dtype));
        out->max_abs = out->max_rel = INFINITY;
        return;
    }
    bool same_shape = dnnx_tensor_rank(actual) == rank;
    for (int i = 0; same_shape && i < rank; i++)
        same_shape = dnnx_tensor_dims(actual)[i] == dims[i];
    if (!same_shape) {
        cli_format_dims(got, sizeof got, dnnx_tensor_rank(actual), dnnx_tensor_dims(actual), NULL);
        cli_format_dims(want, sizeof want, rank, dims, NULL);
        snprintf(out->reason, sizeof out->reason, "shape %s, expected %s", got, want);
        out->max_abs = out->max_rel = INFINITY;
        return;
    }
    if (dnnx_dtype_size(dtype) == 0) {
        snprintf(out->reason, sizeof out->reason, "%s tensors cannot be compared", dnnx_dtype_name(dtype));
        out->max_abs = out->max_rel = INFINITY;
        return;
    }
    if (dtype_is_floating(dtype))
        compare_floating(actual, expected, rtol, atol, out, &first_bad);
    else
        compare_exact(actual, expected, out, &first_bad);
    out->pass = out->mismatches == 0;
    if (out->pass)
        return;
    format_index(want, sizeof want, rank, dims, first_bad);
    snprintf(out->reason, sizeof out->reason, "%zu of %zu values differ, first at %s: %.9g, expected %.9g",
             out->mismatches, dnnx_tensor_element_count(expected), want, cli_tensor_value(actual, first_bad),
             cli_tensor_value(expected, first_bad));
}

int cli_parse_name_value(const char *option, const char *text, cli_name_value *out)
{
    const char *equals = strchr(text, '=');
    if (!equals || equals == text)
        return cli_fail("%s '%s': expected NAME=VALUE", option, text);
    out->name = text;
    out->name_length = (size_t)(equals - text);
    out->value = equals + 1;
    return 0;
}

bool cli_name_is(const cli_name_value *entry, const char *name)
{
    return name && strlen(name) == entry->name_length && strncmp(entry->name, name, entry->name_length) == 0;
}

int cli_input_spec_alloc(cli_input_spec *spec, int argc)
{
    spec->files = calloc((size_t)argc, sizeof *spec->files);
    spec->shapes = calloc((size_t)argc, sizeof *spec->shapes);
    if (!spec->files || !spec->shapes)
        return cli_fail("out of memory");
    return 0;
}

void cli_input_spec_free(cli_input_spec *spec)
{
    free(spec->files);
    free(spec->shapes);
    spec->files = spec->shapes = NULL;
}

int cli_parse_input_option(int argc, char **argv, int *i, cli_input_spec *spec)
{
    const char *value;
    int found;
    if ((found = cli_option(argc, argv, i, "-d", &value)) != 0) {
        if (found > 0 && spec->dataset)
            return cli_fail("-d given twice");
        if (found > 0)
            spec->dataset = value;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "-i", &value)) != 0) {
        if (found > 0 && cli_parse_name_value("-i", value, &spec->files[spec->n_files++]) != 0)
            return -1;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--shape", &value)) != 0) {
        if (found > 0 && cli_parse_name_value("--shape", value, &spec->shapes[spec->n_shapes++]) != 0)
            return -1;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--int-range", &value)) != 0) {
        if (found > 0 && cli_parse_long(value, 1, 0x7fffffffL, "--int-range", &spec->int_range) != 0)
            return -1;
        return found;
    }
    if ((found = cli_option(argc, argv, i, "--seed", &value)) != 0) {
        if (found > 0 && cli_parse_long(value, 0, 0x7fffffffL, "--seed", &spec->seed) != 0)
            return -1;
        return found;
    }
    return 0;
}

static int find_input(const dnnx_session *session, const cli_name_value *entry, size_t *index)
{
    size_t n = dnnx_session_input_count(session);
    for (size_t i = 0; i < n; i++) {
        if (cli_name_is(entry, dnnx_session_input_name(session, i))) {
            *index = i;
            return 0;
        }
    }
    return -1;
}

static bool is_dim_name(const dnnx_session *session, const cli_name_value *entry)
{
    size_t n = dnnx_session_input_count(session);
    for (size_t i = 0; i < n; i++)
        for (int axis = 0; axis < dnnx_session_input_rank(session, i); axis++)
            if (cli_name_is(entry, dnnx_session_input_dim_name(session, i, axis)))
                return true;
    return false;
}

int cli_random_input_shape(const dnnx_session *session, const cli_input_spec *spec, size_t index, int64_t *dims,
                           int *rank)
{
    const char *name = dnnx_session_input_name(session, index);
    for (size_t k = 0; k < spec->n_shapes; k++) {
        if (cli_name_is(&spec->shapes[k], name)) {
            if (cli_parse_dims(spec->shapes[k].value, dims, rank) != 0)
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
        while (k < spec->n_shapes && !cli_name_is(&spec->shapes[k], dim_name))
            k++;
        if (k == spec->n_shapes) {
            if (dim_name)
                return cli_fail("input '%s' dim %d ('%s') is symbolic: give it with --shape %s=N or --shape %s=DIMS",
                                name, axis, dim_name, dim_name, name);
            return cli_fail("input '%s' dim %d is unknown: give the shape with --shape %s=DIMS", name, axis, name);
        }
        int64_t size[DNNX_MAX_RANK];
        int size_rank;
        if (cli_parse_dims(spec->shapes[k].value, size, &size_rank) != 0)
            return cli_prefix("--shape %s", dim_name);
        if (size_rank != 1)
            return cli_fail("--shape %s=%s: a symbolic dim takes one size", dim_name, spec->shapes[k].value);
        dims[axis] = size[0];
    }
    return 0;
}

int cli_gather_inputs(const dnnx_session *session, const cli_input_spec *spec, dnnx_tensor **inputs)
{
    size_t n_inputs = dnnx_session_input_count(session);
    for (size_t k = 0; k < spec->n_shapes; k++) {
        size_t index;
        if (find_input(session, &spec->shapes[k], &index) != 0 && !is_dim_name(session, &spec->shapes[k]))
            return cli_fail("--shape: the model has no input or symbolic dim named '%.*s'",
                            (int)spec->shapes[k].name_length, spec->shapes[k].name);
    }
    for (size_t k = 0; k < spec->n_files; k++) {
        size_t index;
        if (find_input(session, &spec->files[k], &index) != 0)
            return cli_fail("-i: the model has no input named '%.*s'", (int)spec->files[k].name_length,
                            spec->files[k].name);
        if (inputs[index])
            return cli_fail("-i: input '%s' given twice", dnnx_session_input_name(session, index));
        if (cli_read_tensor(spec->files[k].value, &inputs[index]) != 0)
            return -1;
    }
    if (spec->dataset) {
        cli_dataset dataset;
        if (cli_dataset_load(spec->dataset, n_inputs, &dataset) != 0)
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
    uint64_t rng = (uint64_t)spec->seed;
    for (size_t i = 0; i < n_inputs; i++) {
        int64_t dims[DNNX_MAX_RANK];
        int rank;
        if (inputs[i] || (spec->leave_out && spec->leave_out[i]))
            continue;
        if (cli_random_input_shape(session, spec, i, dims, &rank) != 0)
            return -1;
        if (cli_random_tensor(dnnx_session_input_dtype(session, i), rank, dims, (uint32_t)spec->int_range, &rng,
                              &inputs[i]) != 0)
            return cli_prefix("input '%s'", dnnx_session_input_name(session, i));
    }
    return 0;
}

int cli_parse_session_option(int argc, char **argv, int *i, cli_session_settings *settings)
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

int cli_open_session(const char *model, const cli_session_settings *settings, dnnx_session **out)
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

int cli_name_outputs(const dnnx_session *session, dnnx_tensor **outputs, size_t n_outputs)
{
    for (size_t k = 0; k < n_outputs; k++)
        if (!dnnx_tensor_name(outputs[k])[0] &&
            dnnx_tensor_set_name(outputs[k], dnnx_session_output_name(session, k)) != DNNX_OK)
            return cli_fail_dnnx();
    return 0;
}

int cli_write_outputs(const char *out_dir, dnnx_tensor **outputs, size_t n_outputs)
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

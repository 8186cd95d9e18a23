#include "op.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int op_version(const op_ctx *ctx) { return ctx->node->schema ? ctx->node->schema->since_version : ctx->opset; }

static void format_node(const graph_node *node, int version, char *buf, size_t size)
{
    if (node->domain[0])
        snprintf(buf, size, "node '%s' (%s.%s-%d)", node->name, node->domain, node->op_type, version);
    else
        snprintf(buf, size, "node '%s' (%s-%d)", node->name, node->op_type, version);
}

dnnx_status op_fail(op_ctx *ctx, dnnx_status status, const char *fmt, ...)
{
    char who[512], what[768];
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    format_node(ctx->node, op_version(ctx), who, sizeof who);
    return dnnx_fail(status, "%s: %s", who, what);
}

const dnnx_tensor *op_input(const op_ctx *ctx, int i) { return i >= 0 && i < ctx->n_inputs ? ctx->inputs[i] : NULL; }

dnnx_tensor *op_output(const op_ctx *ctx, int i) { return i >= 0 && i < ctx->n_outputs ? ctx->outputs[i] : NULL; }

bool op_input_has_data(const op_ctx *ctx, int i)
{
    const dnnx_tensor *t = op_input(ctx, i);
    return t && t->data;
}

void op_set_output(op_ctx *ctx, int i, dnnx_dtype dtype, int rank, const int64_t *dims)
{
    dnnx_tensor *out = op_output(ctx, i);
    if (!out)
        return;
    out->dtype = dtype;
    out->rank = rank;
    for (int d = 0; d < rank; d++)
        out->dims[d] = dims[d];
}

void op_set_output_like(op_ctx *ctx, int i, const dnnx_tensor *like)
{
    op_set_output(ctx, i, like->dtype, like->rank, like->dims);
}

/* The attribute named name if it has the expected type; records an error if it has another. */
static const graph_attr *typed_attr(op_ctx *ctx, const char *name, graph_attr_type type)
{
    const graph_attr *attr = graph_node_attr(ctx->node, name);
    if (!attr)
        return NULL;
    if (attr->type != type) {
        static const char *const type_names[] = {"undefined", "float",   "int",     "string",  "tensor", "graph",
                                                 "floats",    "ints",    "strings", "tensors", "graphs"};
        const char *actual = attr->type <= ATTR_GRAPHS ? type_names[attr->type] : "unknown";
        if (!ctx->status)
            ctx->status = op_fail(ctx, DNNX_ERR_INVALID_MODEL, "attribute '%s' must be of type %s, not %s", name,
                                  type_names[type], actual);
        return NULL;
    }
    return attr;
}

bool op_has_attr(const op_ctx *ctx, const char *name) { return graph_node_attr(ctx->node, name) != NULL; }

int64_t op_attr_int(op_ctx *ctx, const char *name, int64_t def)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_INT);
    return attr ? attr->i : def;
}

float op_attr_float(op_ctx *ctx, const char *name, float def)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_FLOAT);
    return attr ? attr->f : def;
}

const char *op_attr_string(op_ctx *ctx, const char *name, const char *def)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_STRING);
    return attr ? attr->s : def;
}

const int64_t *op_attr_ints(op_ctx *ctx, const char *name, size_t *count)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_INTS);
    *count = attr ? attr->count : 0;
    return attr ? attr->ints : NULL;
}

const float *op_attr_floats(op_ctx *ctx, const char *name, size_t *count)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_FLOATS);
    *count = attr ? attr->count : 0;
    return attr ? attr->floats : NULL;
}

const char *const *op_attr_strings(op_ctx *ctx, const char *name, size_t *count)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_STRINGS);
    *count = attr ? attr->count : 0;
    return attr ? (const char *const *)attr->strings : NULL;
}

const dnnx_tensor *op_attr_tensor(op_ctx *ctx, const char *name)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_TENSOR);
    return attr ? attr->t : NULL;
}

const graph *op_attr_graph(op_ctx *ctx, const char *name)
{
    const graph_attr *attr = typed_attr(ctx, name, ATTR_GRAPH);
    return attr ? attr->g : NULL;
}

dnnx_status op_normalize_axis(op_ctx *ctx, int64_t axis, int rank, int *out)
{
    if (axis < -(int64_t)rank || axis >= (int64_t)rank)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "axis %lld is out of range for rank %d", (long long)axis, rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return DNNX_OK;
}

static void format_dim(const op_ctx *ctx, int64_t d, char *buf, size_t size)
{
    const char *symbol = graph_symbol_name(ctx->graph, d);
    if (d >= 0)
        snprintf(buf, size, "%lld", (long long)d);
    else
        snprintf(buf, size, "%s", symbol ? symbol : "?");
}

dnnx_status op_merge_dim(op_ctx *ctx, int64_t a, int64_t b, const char *what, int64_t *out)
{
    if (a >= 0 && b >= 0 && a != b) {
        char da[64], db[64];
        format_dim(ctx, a, da, sizeof da);
        format_dim(ctx, b, db, sizeof db);
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "%s %s and %s do not match", what, da, db);
    }
    *out = a >= 0 ? a : b >= 0 ? b : (a == b ? a : (DIM_IS_SYMBOL(a) ? a : b));
    return DNNX_OK;
}

dnnx_status op_broadcast_shapes(op_ctx *ctx, const dnnx_tensor *const *tensors, int n, int *rank, int64_t *dims)
{
    int out_rank = 0;
    for (int k = 0; k < n; k++)
        if (tensors[k] && tensors[k]->rank > out_rank)
            out_rank = tensors[k]->rank;
    for (int d = 0; d < out_rank; d++)
        dims[d] = 1;
    for (int k = 0; k < n; k++) {
        const dnnx_tensor *t = tensors[k];
        if (!t)
            continue;
        for (int i = 0; i < t->rank; i++) {
            int d = out_rank - t->rank + i;
            int64_t have = dims[d], next = t->dims[i];
            if (next == 1)
                continue;
            if (have == 1 || have == next) {
                dims[d] = next;
            } else if (have >= 0 && next >= 0) {
                char shapes[512] = "";
                size_t used = 0;
                for (int j = 0; j < n; j++) {
                    if (!tensors[j])
                        continue;
                    char s[192];
                    graph_format_shape(ctx->graph, tensors[j], s, sizeof s);
                    used += (size_t)snprintf(shapes + used, used < sizeof shapes ? sizeof shapes - used : 0, "%s%s",
                                             used ? " and " : "", s);
                }
                return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "shapes %s cannot be broadcast", shapes);
            } else if (next >= 0 || have >= 0) {
                /* A symbol broadcast against a concrete size > 1 must equal it (or be 1, which
                 * ONNX Runtime also resolves to the concrete size). */
                dims[d] = next >= 0 ? next : have;
            } else {
                dims[d] = DIM_UNKNOWN;
            }
        }
    }
    *rank = out_rank;
    return DNNX_OK;
}

dnnx_status op_check_dtype(op_ctx *ctx, int i, const dnnx_dtype *allowed)
{
    const dnnx_tensor *t = op_input(ctx, i);
    if (!t)
        return DNNX_OK;
    for (const dnnx_dtype *a = allowed; *a != DNNX_DTYPE_UNDEFINED; a++)
        if (t->dtype == *a)
            return DNNX_OK;
    return op_fail(ctx, DNNX_ERR_UNSUPPORTED, "input %d has dtype %s, which this op does not support", i,
                   dnnx_dtype_name(t->dtype));
}

dnnx_status op_check_same_dtype(op_ctx *ctx, int i, int j)
{
    const dnnx_tensor *a = op_input(ctx, i), *b = op_input(ctx, j);
    if (a && b && a->dtype != b->dtype)
        return op_fail(ctx, DNNX_ERR_INVALID_MODEL, "inputs %d and %d must have the same dtype, not %s and %s", i, j,
                       dnnx_dtype_name(a->dtype), dnnx_dtype_name(b->dtype));
    return DNNX_OK;
}

const op_schema *op_registry_find(const op_registry *registry, const char *domain, const char *op_type, int64_t opset)
{
    const op_schema *best = NULL;
    int oldest = 0;
    bool known = false;
    if (!strcmp(domain, "ai.onnx"))
        domain = "";
    for (size_t t = 0; t < registry->n_tables; t++) {
        const op_schema *table = registry->tables[t];
        for (size_t k = 0; k < *registry->table_sizes[t]; k++) {
            const op_schema *schema = &table[k];
            if (strcmp(schema->op_type, op_type) || strcmp(schema->domain, domain))
                continue;
            known = true;
            if (!oldest || schema->since_version < oldest)
                oldest = schema->since_version;
            if (schema->since_version <= opset && (!best || schema->since_version > best->since_version))
                best = schema;
        }
    }
    const char *shown_domain = domain[0] ? domain : "ai.onnx";
    if (!known) {
        dnnx_fail(DNNX_ERR_UNSUPPORTED, "op %s of domain '%s' (opset %lld) is not supported", op_type, shown_domain,
                  (long long)opset);
        return NULL;
    }
    if (!best) {
        dnnx_fail(DNNX_ERR_UNSUPPORTED, "op %s of domain '%s' is supported from opset %d, the model imports opset %lld",
                  op_type, shown_domain, oldest, (long long)opset);
        return NULL;
    }
    return best;
}

/* The newest opset of each domain dnnx implements; newer imports may change op meanings. */
static int64_t newest_supported_opset(const char *domain)
{
    if (!domain[0] || !strcmp(domain, "ai.onnx"))
        return 24;
    if (!strcmp(domain, "ai.onnx.ml"))
        return 5;
    return 1;
}

static dnnx_status check_opsets(const graph *g)
{
    for (int k = 0; k < g->n_opsets; k++) {
        const graph_opset *opset = &g->opsets[k];
        int64_t newest = newest_supported_opset(opset->domain);
        if (opset->version < 1 || (opset->domain[0] == '\0' && opset->version > newest))
            return dnnx_fail(DNNX_ERR_UNSUPPORTED, "opset %lld of domain '%s' is not supported (newest is %lld)",
                             (long long)opset->version, opset->domain[0] ? opset->domain : "ai.onnx",
                             (long long)newest);
    }
    return DNNX_OK;
}

dnnx_status graph_bind_schemas(graph *g, const op_registry *registry)
{
    dnnx_status status = check_opsets(g);
    if (status)
        return status;
    for (int n = 0; n < g->n_nodes; n++) {
        graph_node *node = &g->nodes[n];
        if (node->dead)
            continue;
        int64_t opset = graph_opset_version(g, node->domain);
        if (opset < 0)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "node '%s' (%s) uses domain '%s', which the model does not import",
                             node->name, node->op_type, node->domain);
        node->opset = (int)opset;
        node->schema = op_registry_find(registry, node->domain, node->op_type, opset);
        if (!node->schema) {
            dnnx_error_prefix("node '%s'", node->name);
            return DNNX_ERR_UNSUPPORTED;
        }
        const op_schema *schema = node->schema;
        int present_outputs = 0;
        for (int k = 0; k < node->n_outputs; k++)
            present_outputs += node->outputs[k] != VALUE_NONE;
        if (node->n_inputs < schema->min_inputs || node->n_inputs > schema->max_inputs)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "node '%s' (%s-%d): has %d inputs, expected %d to %d", node->name,
                             node->op_type, schema->since_version, node->n_inputs, schema->min_inputs,
                             schema->max_inputs);
        for (int k = 0; k < schema->min_inputs && k < node->n_inputs; k++)
            if (node->inputs[k] == VALUE_NONE)
                return dnnx_fail(DNNX_ERR_INVALID_MODEL, "node '%s' (%s-%d): required input %d is missing",
                                 node->name, node->op_type, schema->since_version, k);
        if (node->n_outputs > schema->max_outputs || present_outputs < 1 || node->n_outputs < schema->min_outputs)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "node '%s' (%s-%d): has %d outputs, expected %d to %d",
                             node->name, node->op_type, schema->since_version, node->n_outputs, schema->min_outputs,
                             schema->max_outputs);
        for (int a = 0; a < node->n_attrs; a++) {
            const graph_attr *attr = &node->attrs[a];
            if (attr->type == ATTR_GRAPH && attr->g && (status = graph_bind_schemas(attr->g, registry)))
                return status;
            for (size_t k = 0; attr->type == ATTR_GRAPHS && k < attr->count; k++)
                if ((status = graph_bind_schemas(attr->graphs[k], registry)))
                    return status;
        }
    }
    return DNNX_OK;
}

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/error.h"
#include "proto/proto.h"
#include "proto_internal.h"

/* IR versions dnnx reads: 3 (ONNX 1.0, opset imports) up to 12 (ONNX 1.19). Element types
 * added by newer IRs are rejected where they are used, with their name. */
#define IR_VERSION_MIN 3
#define IR_VERSION_MAX 12

static const proto_limits default_limits = {.max_file_bytes = PROTO_MAX_MESSAGE_BYTES};

/* Where the raw_data of one initializer of the main graph lies in the serialized model. */
typedef struct raw_span {
    bool present;
    size_t offset;
    size_t len;
} raw_span;

typedef struct load_ctx {
    const char *base_dir;          /* external data directory, NULL = refuse external data */
    const Onnx__ModelProto *model; /* for its model-local functions */
    proto_files *files;            /* mappings tensors are read through, NULL = copy from buffers */
    const uint8_t *buf;            /* the serialized model */
    const raw_span *spans;         /* per initializer of the main graph: its raw_data, cut before unpacking */
    size_t n_spans;
} load_ctx;

static dnnx_status build_graph(graph *g, Onnx__GraphProto *proto, const load_ctx *ctx);

static const char *str_or_empty(const char *s) { return s ? s : ""; }

static const char *normalize_domain(const char *domain)
{
    domain = str_or_empty(domain);
    return strcmp(domain, "ai.onnx") ? domain : "";
}

static dnnx_status out_of_memory(void) { return dnnx_fail(DNNX_ERR_OUT_OF_MEMORY, "out of memory loading the model"); }

static dnnx_status copy_string(const char *src, char **dst)
{
    *dst = strdup(str_or_empty(src));
    return *dst ? DNNX_OK : out_of_memory();
}

/* Fills info (dtype and possibly symbolic shape) from a TypeProto. *typed is false when the
 * TypeProto names no element type, which ONNX allows for subgraph values. */
static dnnx_status type_to_info(graph *g, const Onnx__TypeProto *type, dnnx_tensor *info, bool *typed)
{
    *typed = false;
    tensor_init_shape(info, DNNX_DTYPE_UNDEFINED, 0, NULL);
    info->rank = -1;
    if (!type)
        return DNNX_OK;
    switch (type->value_case) {
    case ONNX__TYPE_PROTO__VALUE__NOT_SET: return DNNX_OK;
    case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE: break;
    case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "has a sequence type; dnnx supports tensor values only");
    case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "has a map type; dnnx supports tensor values only");
    case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE:
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "has an optional type; dnnx supports tensor values only");
    case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE:
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "has a sparse tensor type; dnnx supports dense tensors only");
    default: return dnnx_fail(DNNX_ERR_UNSUPPORTED, "has an unknown kind of type (%d)", (int)type->value_case);
    }
    const Onnx__TypeProto__Tensor *tensor_type = type->tensor_type;
    if (!tensor_type || !tensor_type->has_elem_type || tensor_type->elem_type == DNNX_DTYPE_UNDEFINED)
        return DNNX_OK;
    int32_t elem_type = tensor_type->elem_type;
    dnnx_status status = proto_check_elem_type(elem_type);
    if (status)
        return status;
    info->dtype = (dnnx_dtype)elem_type;
    *typed = true;
    const Onnx__TensorShapeProto *shape = tensor_type->shape;
    if (!shape)
        return DNNX_OK;
    if (shape->n_dim > DNNX_MAX_RANK)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "has rank %zu, more than the %d dnnx supports", shape->n_dim,
                         DNNX_MAX_RANK);
    for (size_t i = 0; i < shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *dim = shape->dim[i];
        int64_t value = DIM_UNKNOWN;
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (dim->dim_value < 0)
                return dnnx_fail(DNNX_ERR_INVALID_MODEL, "dim %zu is %lld, which is negative", i,
                                 (long long)dim->dim_value);
            value = dim->dim_value;
        } else if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dim->dim_param &&
                   dim->dim_param[0]) {
            value = graph_symbol(g, dim->dim_param);
        }
        info->dims[i] = value;
    }
    info->rank = (int)shape->n_dim;
    return DNNX_OK;
}

static dnnx_status add_initializers(graph *g, Onnx__GraphProto *proto, const load_ctx *ctx)
{
    bool main_graph = !g->parent;
    if (main_graph && ctx->spans && ctx->n_spans != proto->n_initializer)
        return dnnx_fail(DNNX_ERR_INTERNAL, "found %zu initializers in the model, protobuf-c %zu", ctx->n_spans,
                         proto->n_initializer);
    if (proto->n_sparse_initializer) {
        const Onnx__SparseTensorProto *sparse = proto->sparse_initializer[0];
        const char *name = sparse->values ? str_or_empty(sparse->values->name) : "";
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "sparse initializer '%s' is not supported", name);
    }
    for (size_t k = 0; k < proto->n_initializer; k++) {
        Onnx__TensorProto *message = proto->initializer[k];
        const char *name = str_or_empty(message->name);
        if (!name[0])
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "initializer %zu has no name", k);
        int v = graph_value_intern(g, name);
        if (v < 0)
            return out_of_memory();
        if (g->values[v].constant)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "initializer '%s' is defined twice", name);
        proto_tensor_source source = {.base_dir = ctx->base_dir, .files = ctx->files};
        if (main_graph && ctx->spans && ctx->spans[k].present) {
            source.has_raw = true;
            source.raw = ctx->buf + ctx->spans[k].offset;
            source.raw_len = ctx->spans[k].len;
        }
        dnnx_tensor *tensor = NULL;
        dnnx_status status = proto_tensor_from_source(message, &source, &tensor);
        if (status) {
            dnnx_error_prefix("initializer '%s'", name);
            return status;
        }
        graph_value *value = &g->values[v];
        value->constant = tensor;
        tensor_clear(&value->info);
        tensor_init_shape(&value->info, tensor->dtype, tensor->rank, tensor->dims);
    }
    return DNNX_OK;
}

static dnnx_status add_inputs(graph *g, const Onnx__GraphProto *proto)
{
    if (proto->n_input > INT_MAX)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph has too many inputs");
    g->inputs = calloc(proto->n_input ? proto->n_input : 1, sizeof *g->inputs);
    if (!g->inputs)
        return out_of_memory();
    for (size_t k = 0; k < proto->n_input; k++) {
        const Onnx__ValueInfoProto *input = proto->input[k];
        const char *name = str_or_empty(input->name);
        if (!name[0])
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph input %zu has no name", k);
        int v = graph_value_intern(g, name);
        if (v < 0)
            return out_of_memory();
        if (g->values[v].is_graph_input)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph input '%s' is listed twice", name);
        /* Initializers listed as inputs (required before IR 4, an overridable default after)
         * are constants here. */
        if (g->values[v].constant)
            continue;
        dnnx_tensor info;
        bool typed;
        dnnx_status status = type_to_info(g, input->type, &info, &typed);
        if (!status && !typed && !g->parent)
            status = dnnx_fail(DNNX_ERR_INVALID_MODEL, "has no element type");
        if (status) {
            dnnx_error_prefix("graph input '%s'", name);
            return status;
        }
        graph_value *value = &g->values[v];
        value->info = info;
        value->shape_declared = typed;
        value->is_graph_input = true;
        g->inputs[g->n_inputs++] = v;
    }
    return DNNX_OK;
}

static dnnx_status add_outputs(graph *g, const Onnx__GraphProto *proto)
{
    if (proto->n_output > INT_MAX)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph has too many outputs");
    g->outputs = calloc(proto->n_output ? proto->n_output : 1, sizeof *g->outputs);
    if (!g->outputs)
        return out_of_memory();
    for (size_t k = 0; k < proto->n_output; k++) {
        const Onnx__ValueInfoProto *output = proto->output[k];
        const char *name = str_or_empty(output->name);
        if (!name[0])
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph output %zu has no name", k);
        int v = graph_value_intern(g, name);
        if (v < 0)
            return out_of_memory();
        if (g->values[v].is_graph_output)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph output '%s' is listed twice", name);
        dnnx_tensor info;
        bool typed;
        dnnx_status status = type_to_info(g, output->type, &info, &typed);
        if (status) {
            dnnx_error_prefix("graph output '%s'", name);
            return status;
        }
        graph_value *value = &g->values[v];
        /* An output that is also an input or an initializer keeps that type. */
        if (!value->is_graph_input && !value->constant) {
            value->info = info;
            value->shape_declared = typed;
        }
        value->is_graph_output = true;
        g->outputs[g->n_outputs++] = v;
    }
    return DNNX_OK;
}

/* value_info types of intermediate values are hints for inference, never declarations. */
static dnnx_status add_value_infos(graph *g, const Onnx__GraphProto *proto)
{
    for (size_t k = 0; k < proto->n_value_info; k++) {
        const Onnx__ValueInfoProto *hint = proto->value_info[k];
        const char *name = str_or_empty(hint->name);
        if (!name[0])
            continue;
        dnnx_tensor info;
        bool typed;
        dnnx_status status = type_to_info(g, hint->type, &info, &typed);
        if (status) {
            dnnx_error_prefix("value '%s'", name);
            return status;
        }
        if (!typed)
            continue;
        int v = graph_value_intern(g, name);
        if (v < 0)
            return out_of_memory();
        graph_value *value = &g->values[v];
        if (value->is_graph_input || value->is_graph_output || value->constant)
            continue;
        value->info = info;
        value->shape_declared = false;
    }
    return DNNX_OK;
}

static const char *attr_type_name(int type)
{
    switch (type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR: return "sparse tensor";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS: return "sparse tensors";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO: return "type proto";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS: return "type protos";
    default: return "unknown";
    }
}

/* Attributes written before IR 2 carry no type; it is then the one field that is set. */
static int attr_type_of(const Onnx__AttributeProto *proto)
{
    if (proto->has_type && proto->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
        return (int)proto->type;
    if (proto->has_f)
        return ATTR_FLOAT;
    if (proto->has_i)
        return ATTR_INT;
    if (proto->has_s)
        return ATTR_STRING;
    if (proto->t)
        return ATTR_TENSOR;
    if (proto->g)
        return ATTR_GRAPH;
    if (proto->n_floats)
        return ATTR_FLOATS;
    if (proto->n_ints)
        return ATTR_INTS;
    if (proto->n_strings)
        return ATTR_STRINGS;
    if (proto->n_tensors)
        return ATTR_TENSORS;
    if (proto->n_graphs)
        return ATTR_GRAPHS;
    return ATTR_UNDEFINED;
}

static char *copy_bytes(const ProtobufCBinaryData *data)
{
    char *copy = malloc(data->len + 1);
    if (!copy)
        return NULL;
    if (data->len)
        memcpy(copy, data->data, data->len);
    copy[data->len] = '\0';
    return copy;
}

static dnnx_status convert_tensor(Onnx__TensorProto *message, const load_ctx *ctx, dnnx_tensor **out)
{
    proto_tensor_source source = {.base_dir = ctx->base_dir, .files = ctx->files};
    dnnx_status status = proto_tensor_from_source(message, &source, out);
    if (status)
        dnnx_error_prefix("tensor '%s'", str_or_empty(message->name));
    return status;
}

static dnnx_status convert_subgraph(graph *parent, Onnx__GraphProto *proto, const load_ctx *ctx, graph **out)
{
    graph *sub = graph_create();
    if (!sub)
        return out_of_memory();
    sub->parent = parent;
    sub->ir_version = parent->ir_version;
    /* Owned by the attribute from here, so a failure below is freed with the parent. */
    *out = sub;
    /* The subgraph's symbols extend its parent's, whose table is complete by now (types
     * are read before nodes): a dim id then means the same name in the subgraph as outside,
     * and graph_symbol_name(sub, ...) also names the dims of outer values. */
    for (int k = 0; k < parent->n_symbols; k++)
        graph_symbol(sub, parent->symbols[k]);
    if (sub->n_symbols != parent->n_symbols)
        return out_of_memory();
    dnnx_status status = build_graph(sub, proto, ctx);
    if (status)
        dnnx_error_prefix("subgraph '%s'", str_or_empty(proto->name));
    return status;
}

/* Fills attr, which already belongs to its node: whatever it holds on failure is freed with
 * the graph, so every array is allocated zeroed and its count set before it is filled. */
static dnnx_status convert_attr(graph *g, Onnx__AttributeProto *proto, graph_attr *attr, const load_ctx *ctx)
{
    if (proto->ref_attr_name && proto->ref_attr_name[0])
        return dnnx_fail(DNNX_ERR_UNSUPPORTED,
                         "refers to function attribute '%s'; attribute references are not supported",
                         proto->ref_attr_name);
    int type = attr_type_of(proto);
    attr->type = (graph_attr_type)type;
    dnnx_status status = DNNX_OK;
    switch (type) {
    case ATTR_FLOAT: attr->f = proto->f; break;
    case ATTR_INT: attr->i = proto->i; break;
    case ATTR_STRING:
        if (!(attr->s = copy_bytes(&proto->s)))
            return out_of_memory();
        attr->s_len = proto->s.len;
        break;
    case ATTR_TENSOR:
        if (!proto->t)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "has type tensor but holds no tensor");
        return convert_tensor(proto->t, ctx, &attr->t);
    case ATTR_GRAPH:
        if (!proto->g)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "has type graph but holds no graph");
        return convert_subgraph(g, proto->g, ctx, &attr->g);
    case ATTR_FLOATS:
        if (!(attr->floats = malloc((proto->n_floats ? proto->n_floats : 1) * sizeof *attr->floats)))
            return out_of_memory();
        if (proto->n_floats)
            memcpy(attr->floats, proto->floats, proto->n_floats * sizeof *attr->floats);
        attr->count = proto->n_floats;
        break;
    case ATTR_INTS:
        if (!(attr->ints = malloc((proto->n_ints ? proto->n_ints : 1) * sizeof *attr->ints)))
            return out_of_memory();
        if (proto->n_ints)
            memcpy(attr->ints, proto->ints, proto->n_ints * sizeof *attr->ints);
        attr->count = proto->n_ints;
        break;
    case ATTR_STRINGS:
        if (!(attr->strings = calloc(proto->n_strings ? proto->n_strings : 1, sizeof *attr->strings)))
            return out_of_memory();
        attr->count = proto->n_strings;
        for (size_t k = 0; k < proto->n_strings; k++)
            if (!(attr->strings[k] = copy_bytes(&proto->strings[k])))
                return out_of_memory();
        break;
    case ATTR_TENSORS:
        if (!(attr->tensors = calloc(proto->n_tensors ? proto->n_tensors : 1, sizeof *attr->tensors)))
            return out_of_memory();
        attr->count = proto->n_tensors;
        for (size_t k = 0; k < proto->n_tensors && !status; k++)
            status = convert_tensor(proto->tensors[k], ctx, &attr->tensors[k]);
        break;
    case ATTR_GRAPHS:
        if (!(attr->graphs = calloc(proto->n_graphs ? proto->n_graphs : 1, sizeof *attr->graphs)))
            return out_of_memory();
        attr->count = proto->n_graphs;
        for (size_t k = 0; k < proto->n_graphs && !status; k++)
            status = convert_subgraph(g, proto->graphs[k], ctx, &attr->graphs[k]);
        break;
    case ATTR_UNDEFINED: return dnnx_fail(DNNX_ERR_INVALID_MODEL, "has no type and no value");
    default:
        attr->type = ATTR_UNDEFINED;
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "has type %s (%d), which is not supported", attr_type_name(type), type);
    }
    return status;
}

static dnnx_status add_node_attrs(graph *g, int node_index, Onnx__NodeProto *proto, const load_ctx *ctx)
{
    if (!proto->n_attribute)
        return DNNX_OK;
    if (proto->n_attribute > INT_MAX)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "too many attributes");
    graph_attr *attrs = calloc(proto->n_attribute, sizeof *attrs);
    if (!attrs)
        return out_of_memory();
    g->nodes[node_index].attrs = attrs;
    for (size_t k = 0; k < proto->n_attribute; k++) {
        Onnx__AttributeProto *attr_proto = proto->attribute[k];
        const char *name = str_or_empty(attr_proto->name);
        if (!name[0])
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "attribute %zu has no name", k);
        graph_node *node = &g->nodes[node_index];
        if (graph_node_attr(node, name))
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "attribute '%s' is given twice", name);
        graph_attr *attr = &node->attrs[node->n_attrs++];
        if (!(attr->name = strdup(name)))
            return out_of_memory();
        dnnx_status status = convert_attr(g, attr_proto, attr, ctx);
        if (status) {
            dnnx_error_prefix("attribute '%s'", name);
            return status;
        }
    }
    return DNNX_OK;
}

static dnnx_status check_not_function(const char *domain, const char *op_type, const load_ctx *ctx)
{
    for (size_t k = 0; k < ctx->model->n_functions; k++) {
        const Onnx__FunctionProto *function = ctx->model->functions[k];
        if (!strcmp(normalize_domain(function->domain), domain) && !strcmp(str_or_empty(function->name), op_type))
            return dnnx_fail(DNNX_ERR_UNSUPPORTED, "model-local function '%s%s%s' is not supported", domain,
                             domain[0] ? "." : "", op_type);
    }
    return DNNX_OK;
}

static dnnx_status add_nodes(graph *g, Onnx__GraphProto *proto, const load_ctx *ctx)
{
    if (proto->n_node > INT_MAX)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "graph has too many nodes");
    for (size_t k = 0; k < proto->n_node; k++) {
        Onnx__NodeProto *node = proto->node[k];
        const char *op_type = str_or_empty(node->op_type);
        const char *domain = normalize_domain(node->domain);
        const char *given_name = str_or_empty(node->name);
        if (!op_type[0])
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "node %zu ('%s') has no op_type", k, given_name);
        if (node->n_input > INT_MAX || node->n_output > INT_MAX)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "node %zu ('%s') has too many inputs or outputs", k, given_name);

        char *made_name = NULL;
        if (!given_name[0]) {
            size_t size = strlen(op_type) + 24;
            if (!(made_name = malloc(size)))
                return out_of_memory();
            snprintf(made_name, size, "%s_%zu", op_type, k);
        }
        const char *name = made_name ? made_name : given_name;
        dnnx_status status = check_not_function(domain, op_type, ctx);
        if (!status) {
            int index = graph_node_add(g, name, op_type, domain);
            if (index < 0)
                status = out_of_memory();
            else if (!(status = graph_node_set_io(g, index, (const char *const *)node->input, (int)node->n_input,
                                                  (const char *const *)node->output, (int)node->n_output)))
                status = add_node_attrs(g, index, node, ctx);
        }
        if (status)
            dnnx_error_prefix("node '%s' (%s%s%s)", name, domain, domain[0] ? "." : "", op_type);
        free(made_name);
        if (status)
            return status;
    }
    return DNNX_OK;
}

/* Builds g (empty, from graph_create) from a GraphProto; on failure g holds a partial graph
 * that graph_free releases. */
static dnnx_status build_graph(graph *g, Onnx__GraphProto *proto, const load_ctx *ctx)
{
    dnnx_status status = copy_string(proto->name, &g->name);
    if (!status)
        status = add_initializers(g, proto, ctx);
    if (!status)
        status = add_inputs(g, proto);
    if (!status)
        status = add_outputs(g, proto);
    if (!status)
        status = add_value_infos(g, proto);
    if (!status)
        status = add_nodes(g, proto, ctx);
    return status;
}

static dnnx_status add_opsets(graph *g, const Onnx__ModelProto *model)
{
    if (!model->n_opset_import)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "model imports no opset");
    if (model->n_opset_import > INT_MAX)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "model imports too many opsets");
    g->opsets = calloc(model->n_opset_import, sizeof *g->opsets);
    if (!g->opsets)
        return out_of_memory();
    for (size_t k = 0; k < model->n_opset_import; k++) {
        const Onnx__OperatorSetIdProto *opset = model->opset_import[k];
        const char *domain = normalize_domain(opset->domain);
        if (!opset->has_version || opset->version < 1)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "opset import of domain '%s' has no valid version", domain);
        if (graph_opset_version(g, domain) >= 0)
            return dnnx_fail(DNNX_ERR_INVALID_MODEL, "domain '%s' is imported twice", domain);
        if (!(g->opsets[g->n_opsets].domain = strdup(domain)))
            return out_of_memory();
        g->opsets[g->n_opsets++].version = opset->version;
    }
    return DNNX_OK;
}

static dnnx_status check_ir_version(const Onnx__ModelProto *model)
{
    if (!model->has_ir_version)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL,
                         "cannot parse model: not a valid ONNX ModelProto (it has no ir_version)");
    if (model->ir_version < 1)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "ir_version %lld is not valid", (long long)model->ir_version);
    if (model->ir_version < IR_VERSION_MIN)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "ir_version %lld is older than %d, the oldest dnnx reads",
                         (long long)model->ir_version, IR_VERSION_MIN);
    if (model->ir_version > IR_VERSION_MAX)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "ir_version %lld is newer than %d, the newest dnnx reads",
                         (long long)model->ir_version, IR_VERSION_MAX);
    return DNNX_OK;
}

/* Field numbers (onnx.proto) and the wire type of length-delimited fields, for cutting the
 * main graph's raw_data out of a serialized model. */
#define MODEL_GRAPH_FIELD 7
#define GRAPH_INITIALIZER_FIELD 5
#define TENSOR_RAW_DATA_FIELD 9
#define WIRE_LEN 2

/* One field of a serialized message: bytes [start, end); its tag ends at tag_end, and a
 * length-delimited field's payload starts at payload. */
typedef struct wire_field {
    uint64_t number;
    int type;
    size_t start, tag_end, payload, end;
} wire_field;

/* Reads the field at *pos of buf[0..len) and moves past it; false if the wire data is
 * malformed there (or uses groups, which ONNX never does). */
static bool wire_next(const uint8_t *buf, size_t len, size_t *pos, wire_field *f)
{
    uint64_t key, value;
    f->start = *pos;
    if (!proto_read_varint(buf, len, pos, &key))
        return false;
    f->number = key >> 3;
    f->type = (int)(key & 7);
    f->tag_end = f->payload = *pos;
    switch (f->type) {
    case 0:
        if (!proto_read_varint(buf, len, pos, &value))
            return false;
        break;
    case 1:
        if (len - *pos < 8)
            return false;
        *pos += 8;
        break;
    case 5:
        if (len - *pos < 4)
            return false;
        *pos += 4;
        break;
    case WIRE_LEN:
        if (!proto_read_varint(buf, len, pos, &value) || value > len - *pos)
            return false;
        f->payload = *pos;
        *pos += (size_t)value;
        break;
    default: return false;
    }
    f->end = *pos;
    return true;
}

static size_t varint_size(uint64_t value)
{
    size_t n = 1;
    for (; value >= 0x80; value >>= 7)
        n++;
    return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t value)
{
    for (; value >= 0x80; value >>= 7)
        *p++ = (uint8_t)(value | 0x80);
    *p++ = (uint8_t)value;
    return p;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *buf, size_t start, size_t end)
{
    memcpy(p, buf + start, end - start);
    return p + (end - start);
}

/* A serialized model without its main graph's raw_data fields, and where those were. */
typedef struct stripped_model {
    uint8_t *buf;
    size_t len;
    raw_span *spans; /* per initializer of the main graph, in order */
    size_t n_spans;
    size_t *cut; /* per initializer: bytes of raw_data fields cut from its TensorProto */
} stripped_model;

/* Bytes an initializer field takes once its raw_data fields are cut. */
static size_t stripped_field_size(const wire_field *f, size_t cut)
{
    size_t payload = f->end - f->payload - cut;
    return f->tag_end - f->start + varint_size(payload) + payload;
}

/* Writes the graph payload of buf without its initializers' raw_data fields. */
static uint8_t *put_stripped_graph(uint8_t *p, const uint8_t *buf, const wire_field *graph_field,
                                   const stripped_model *out)
{
    wire_field f, inner;
    size_t k = 0;
    for (size_t pos = graph_field->payload; pos < graph_field->end;) {
        wire_next(buf, graph_field->end, &pos, &f);
        if (f.number != GRAPH_INITIALIZER_FIELD || f.type != WIRE_LEN) {
            p = put_bytes(p, buf, f.start, f.end);
            continue;
        }
        p = put_bytes(p, buf, f.start, f.tag_end);
        p = put_varint(p, f.end - f.payload - out->cut[k++]);
        for (size_t at = f.payload; at < f.end;) {
            wire_next(buf, f.end, &at, &inner);
            if (inner.number != TENSOR_RAW_DATA_FIELD || inner.type != WIRE_LEN)
                p = put_bytes(p, buf, inner.start, inner.end);
        }
    }
    return p;
}

/* Finds the raw_data of the main graph's initializers in the serialized ModelProto and makes
 * a copy of the model without them: protobuf-c would copy every weight while unpacking, and
 * the tensors then take their bytes once, from buf. out->buf stays NULL when there is no
 * raw_data to cut, or the wire data is not plain enough for this (malformed where it is
 * scanned, or the graph given more than once): protobuf-c then reads buf as it is and says
 * what is wrong with it. */
static dnnx_status strip_raw_data(const uint8_t *buf, size_t len, stripped_model *out)
{
    memset(out, 0, sizeof *out);
    wire_field f, graph_field = {0}, inner;
    int graphs = 0;
    for (size_t pos = 0; pos < len;) {
        if (!wire_next(buf, len, &pos, &f))
            return DNNX_OK;
        if (f.number == MODEL_GRAPH_FIELD) {
            graph_field = f;
            graphs++;
        }
    }
    if (graphs != 1 || graph_field.type != WIRE_LEN)
        return DNNX_OK;
    size_t n = 0;
    for (size_t pos = graph_field.payload; pos < graph_field.end;) {
        if (!wire_next(buf, graph_field.end, &pos, &f))
            return DNNX_OK;
        n += f.number == GRAPH_INITIALIZER_FIELD && f.type == WIRE_LEN;
    }
    if (!n)
        return DNNX_OK;
    out->spans = calloc(n, sizeof *out->spans);
    out->cut = calloc(n, sizeof *out->cut);
    if (!out->spans || !out->cut)
        goto out_of_memory;
    out->n_spans = n;
    size_t k = 0, cut_total = 0, graph_len = graph_field.end - graph_field.payload;
    for (size_t pos = graph_field.payload; pos < graph_field.end;) {
        wire_next(buf, graph_field.end, &pos, &f);
        if (f.number != GRAPH_INITIALIZER_FIELD || f.type != WIRE_LEN)
            continue;
        for (size_t at = f.payload; at < f.end;) {
            if (!wire_next(buf, f.end, &at, &inner))
                goto not_stripped;
            if (inner.number == TENSOR_RAW_DATA_FIELD && inner.type == WIRE_LEN) {
                /* Like protobuf, the last occurrence of the field counts. */
                out->spans[k] = (raw_span){true, inner.payload, inner.end - inner.payload};
                out->cut[k] += inner.end - inner.start;
            }
        }
        graph_len = graph_len - (f.end - f.start) + stripped_field_size(&f, out->cut[k]);
        cut_total += out->cut[k++];
    }
    if (!cut_total)
        goto not_stripped;
    out->len = graph_field.tag_end + varint_size(graph_len) + graph_len + (len - graph_field.end);
    if (!(out->buf = malloc(out->len)))
        goto out_of_memory;
    uint8_t *p = put_bytes(out->buf, buf, 0, graph_field.tag_end);
    p = put_varint(p, graph_len);
    p = put_stripped_graph(p, buf, &graph_field, out);
    p = put_bytes(p, buf, graph_field.end, len);
    if ((size_t)(p - out->buf) != out->len) {
        free(out->buf);
        out->buf = NULL;
        goto not_stripped;
    }
    return DNNX_OK;
not_stripped:
    free(out->spans);
    free(out->cut);
    memset(out, 0, sizeof *out);
    return DNNX_OK;
out_of_memory:
    free(out->spans);
    free(out->cut);
    memset(out, 0, sizeof *out);
    return out_of_memory();
}

/* Decodes the serialized model buf, whose external data lies under base_dir (NULL: refused).
 * files, when not NULL, holds buf's mapping (if buf is one), and maps external data files. */
static dnnx_status load_model(const uint8_t *buf, size_t len, const char *base_dir, proto_files *files, graph **out)
{
    if (!len)
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "cannot parse model: not a valid ONNX ModelProto (it is empty)");
    if (len > default_limits.max_file_bytes)
        return dnnx_fail(DNNX_ERR_UNSUPPORTED, "model has %zu bytes, more than the %zu a ModelProto may hold", len,
                         default_limits.max_file_bytes);
    if (!proto_nesting_ok(&onnx__model_proto__descriptor, buf, len, PROTO_MAX_NESTING))
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "cannot parse model: messages nest more than %d levels deep",
                         PROTO_MAX_NESTING);
    stripped_model stripped;
    dnnx_status status = strip_raw_data(buf, len, &stripped);
    if (status)
        return status;
    /* The file's pages read so far hold no weight that is still needed elsewhere. */
    proto_files_release(files, buf, len);
    Onnx__ModelProto *model = stripped.buf ? onnx__model_proto__unpack(NULL, stripped.len, stripped.buf)
                                           : onnx__model_proto__unpack(NULL, len, buf);
    free(stripped.buf);
    free(stripped.cut);
    if (!model) {
        free(stripped.spans);
        return dnnx_fail(DNNX_ERR_INVALID_MODEL, "cannot parse model: not a valid ONNX ModelProto");
    }

    graph *g = NULL;
    status = check_ir_version(model);
    if (status)
        goto free_model;
    if (!model->graph) {
        status = dnnx_fail(DNNX_ERR_INVALID_MODEL, "model has no graph");
        goto free_model;
    }
    if (!(g = graph_create())) {
        status = out_of_memory();
        goto free_model;
    }
    g->ir_version = model->ir_version;
    load_ctx ctx = {.base_dir = base_dir,
                    .model = model,
                    .files = files,
                    .buf = buf,
                    .spans = stripped.spans,
                    .n_spans = stripped.n_spans};
    status = copy_string(model->producer_name, &g->producer_name);
    if (!status)
        status = copy_string(model->producer_version, &g->producer_version);
    if (!status)
        status = add_opsets(g, model);
    if (!status)
        status = build_graph(g, model->graph, &ctx);
    if (status) {
        graph_free(g);
        goto free_model;
    }
    *out = g;
free_model:
    free(stripped.spans);
    onnx__model_proto__free_unpacked(model, NULL);
    return status;
}

dnnx_status proto_load_model_memory(const void *buf, size_t len, const char *base_dir, graph **out)
{
    if ((!buf && len) || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "proto_load_model_memory: buf and out must not be NULL");
    return load_model(buf, len, base_dir, NULL, out);
}

/* Loads the model file through mappings kept in *files_out (NULL when no tensor points into
 * them, which is always the case unless in_place). */
static dnnx_status load_model_file(const char *path, bool in_place, graph **out, proto_files **files_out)
{
    proto_mapped_file file;
    proto_files *files = NULL;
    dnnx_status status = proto_map_file(path, default_limits.max_file_bytes, "model", &file);
    if (status)
        return status;
    char *dir = proto_parent_dir(path);
    if (!dir) {
        proto_unmap_file(&file);
        return out_of_memory();
    }
    if ((status = proto_files_create(in_place, &files))) {
        proto_unmap_file(&file);
    } else if (!(status = proto_files_add(files, NULL, &file))) {
        status = load_model(file.data, file.size, dir, files, out);
    }
    free(dir);
    if (status || !proto_files_in_place(files)) {
        proto_files_free(files);
        files = NULL;
    }
    *files_out = files;
    return status;
}

dnnx_status proto_load_model_file(const char *path, graph **out)
{
    if (!path || !out)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT, "proto_load_model_file: path and out must not be NULL");
    proto_files *files;
    return load_model_file(path, false, out, &files);
}

dnnx_status proto_load_model_file_mapped(const char *path, graph **out, proto_files **files)
{
    if (!path || !out || !files)
        return dnnx_fail(DNNX_ERR_INVALID_ARGUMENT,
                         "proto_load_model_file_mapped: path, out and files must not be NULL");
    *files = NULL;
    return load_model_file(path, true, out, files);
}

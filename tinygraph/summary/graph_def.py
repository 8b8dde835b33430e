"""A tinygraph graph as a TensorFlow GraphDef, for TensorBoard's graph view. Built from
viz.to_networkx (the one data model of the graph pictures) with the protobuf classes
the `tensorboard` package ships, so it needs that package (the `tensorboard` extra).

Loop and branch sub-graphs are flattened into the one GraphDef: their ops' names
already lie under the While/If op's name ("rnn/while/basic_rnn_cell/MatMul" under
"rnn/while"), so TensorBoard draws `rnn/while` as a box holding the body, with the
While op itself inside as "(while)". A tensor entering a sub-graph (a loop variable's
initial value, a captured tensor) is an input of the placeholder that stands for it."""
from ..viz.export import to_networkx

# tinygraph dtype names -> TF's DataType enum names
_DATA_TYPES = {"float16": "DT_HALF", "float32": "DT_FLOAT", "float64": "DT_DOUBLE",
               "int8": "DT_INT8", "int16": "DT_INT16", "int32": "DT_INT32",
               "int64": "DT_INT64", "uint8": "DT_UINT8", "bool": "DT_BOOL",
               "string": "DT_STRING", "variant": "DT_VARIANT"}


def to_graph_def(graph=None):
    """A `tensorboard.compat.proto.graph_pb2.GraphDef` of `graph` (default: the default
    graph). Raises ImportError without the tensorboard package."""
    from tensorboard.compat.proto import graph_pb2
    nx_graph = to_networkx(graph)
    graph_def = graph_pb2.GraphDef()
    for name, data in nx_graph.nodes(data=True):
        node = graph_def.node.add(name=name, op=data.get("type", ""),
                                  device=data.get("device", ""))
        node.input.extend(_inputs(nx_graph, name))
        _set_attrs(node, data, nx_graph)
    return graph_def


def _inputs(nx_graph, name):
    """TF's spelling of a node's inputs: "op" for output 0, "op:i" for others, data in
    input order (then tensors entering a sub-graph), and "^op" for control inputs."""
    edges = list(nx_graph.in_edges(name, data=True))
    data = sorted((e for e in edges if e[2].get("kind") == "data"),
                  key=lambda e: e[2].get("dst_input", 0))
    entering = [e for e in edges if e[2].get("kind") == "capture"]
    refs = [_tensor_ref(d.get("tensor", u)) for u, _, d in data + entering]
    return refs + ["^" + u for u, _, d in edges if d.get("kind") == "control"]


def _tensor_ref(tensor_name):
    return tensor_name[:-2] if tensor_name.endswith(":0") else tensor_name


def _set_attrs(node, data, nx_graph):
    attrs = data.get("attrs") or {}
    for key, text in attrs.items():
        value = node.attr[key]
        if text in _DATA_TYPES:
            value.type = _data_type(text)
        elif key == "shape" and _parse_shape(text) is not None:
            _fill_shape(value.shape, text)
        else:
            value.s = text.encode("utf-8")
    outputs = data.get("outputs") or []
    # the output shapes TensorBoard labels edges with
    shapes = node.attr["_output_shapes"].list
    for out in outputs:
        _fill_shape(shapes.shape.add(), out.get("shape", "<unknown>"))
    if "T" not in attrs and "dtype" not in attrs:
        # the element type, which TensorBoard's op card shows
        first_input = [d.get("dtype") for _, _, d in nx_graph.in_edges(node.name, data=True)
                       if d.get("kind") == "data" and d.get("dst_input") == 0]
        dtype = first_input[0] if first_input else outputs[0]["dtype"] if outputs else None
        if dtype in _DATA_TYPES:
            node.attr["T"].type = _data_type(dtype)


def _data_type(name):
    from tensorboard.compat.proto import types_pb2
    return types_pb2.DataType.Value(_DATA_TYPES[name])


def _parse_shape(text):
    """"(?, 5)" -> [-1, 5]; "()" -> []; "<unknown>" (or anything else) -> None."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return None
    try:
        return [-1 if d.strip() == "?" else int(d) for d in text[1:-1].split(",") if d.strip()]
    except ValueError:
        return None


def _fill_shape(shape_proto, text):
    dims = _parse_shape(text)
    shape_proto.SetInParent()   # a scalar's shape has no dims, and must still be set
    if dims is None:
        shape_proto.unknown_rank = True
        return
    for d in dims:
        shape_proto.dim.add(size=d)

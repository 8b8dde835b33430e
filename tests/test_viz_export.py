"""tinygraph.viz: the networkx export of the book's static_rnn and dynamic_rnn graphs
(op names and types as TF 1.15 makes them), edges, sub-graphs of loops and conditionals,
the DOT text read back by networkx, and the inline display for Jupyter."""
import html
import inspect
import json
import re

import networkx as nx
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.viz import show_graph, to_dot, to_networkx


def _pairs(text):
    return [tuple(line.split()) for line in text.splitlines() if line.strip()]


# (name, type) of the ops TF 1.15 makes for the book's programs (graph.get_operations()
# under TF 1.15, /work/tf1), in creation order.
ZERO_STATE = """
rnn/Shape Shape
rnn/strided_slice/stack Const
rnn/strided_slice/stack_1 Const
rnn/strided_slice/stack_2 Const
rnn/strided_slice StridedSlice
rnn/BasicRNNCellZeroState/ExpandDims/dim Const
rnn/BasicRNNCellZeroState/ExpandDims ExpandDims
rnn/BasicRNNCellZeroState/Const Const
rnn/BasicRNNCellZeroState/concat/axis Const
rnn/BasicRNNCellZeroState/concat ConcatV2
rnn/BasicRNNCellZeroState/zeros/Const Const
rnn/BasicRNNCellZeroState/zeros Fill
rnn/BasicRNNCellZeroState/ExpandDims_1/dim Const
rnn/BasicRNNCellZeroState/ExpandDims_1 ExpandDims
rnn/BasicRNNCellZeroState/Const_1 Const
"""
CELL_VARIABLES = """
rnn/basic_rnn_cell/kernel/Initializer/random_uniform/shape Const
rnn/basic_rnn_cell/kernel/Initializer/random_uniform/min Const
rnn/basic_rnn_cell/kernel/Initializer/random_uniform/max Const
rnn/basic_rnn_cell/kernel/Initializer/random_uniform/RandomUniform RandomUniform
rnn/basic_rnn_cell/kernel/Initializer/random_uniform/sub Sub
rnn/basic_rnn_cell/kernel/Initializer/random_uniform/mul Mul
rnn/basic_rnn_cell/kernel/Initializer/random_uniform Add
rnn/basic_rnn_cell/kernel VariableV2
rnn/basic_rnn_cell/kernel/Assign Assign
rnn/basic_rnn_cell/kernel/read Identity
rnn/basic_rnn_cell/bias/Initializer/zeros Const
rnn/basic_rnn_cell/bias VariableV2
rnn/basic_rnn_cell/bias/Assign Assign
rnn/basic_rnn_cell/bias/read Identity
"""
STATIC_RNN_TF = _pairs("""
Placeholder Placeholder
Placeholder_1 Placeholder
""" + ZERO_STATE + CELL_VARIABLES + """
rnn/basic_rnn_cell/concat/axis Const
rnn/basic_rnn_cell/concat ConcatV2
rnn/basic_rnn_cell/MatMul MatMul
rnn/basic_rnn_cell/BiasAdd BiasAdd
rnn/basic_rnn_cell/Tanh Tanh
rnn/basic_rnn_cell/concat_1/axis Const
rnn/basic_rnn_cell/concat_1 ConcatV2
rnn/basic_rnn_cell/MatMul_1 MatMul
rnn/basic_rnn_cell/BiasAdd_1 BiasAdd
rnn/basic_rnn_cell/Tanh_1 Tanh
""")
# dynamic_rnn: the ops outside TF's loop frame ...
DYNAMIC_RNN_TF_OUTSIDE = _pairs("""
Placeholder Placeholder
rnn/Rank Const
rnn/range/start Const
rnn/range/delta Const
rnn/range Range
rnn/concat/values_0 Const
rnn/concat/axis Const
rnn/concat ConcatV2
rnn/transpose Transpose
""" + ZERO_STATE + """
rnn/Shape_1 Shape
rnn/strided_slice_1/stack Const
rnn/strided_slice_1/stack_1 Const
rnn/strided_slice_1/stack_2 Const
rnn/strided_slice_1 StridedSlice
rnn/Shape_2 Shape
rnn/strided_slice_2/stack Const
rnn/strided_slice_2/stack_1 Const
rnn/strided_slice_2/stack_2 Const
rnn/strided_slice_2 StridedSlice
rnn/ExpandDims/dim Const
rnn/ExpandDims ExpandDims
rnn/Const Const
rnn/concat_1/axis Const
rnn/concat_1 ConcatV2
rnn/zeros/Const Const
rnn/zeros Fill
rnn/time Const
rnn/TensorArray TensorArrayV3
rnn/TensorArray_1 TensorArrayV3
rnn/TensorArrayUnstack/Shape Shape
rnn/TensorArrayUnstack/strided_slice/stack Const
rnn/TensorArrayUnstack/strided_slice/stack_1 Const
rnn/TensorArrayUnstack/strided_slice/stack_2 Const
rnn/TensorArrayUnstack/strided_slice StridedSlice
rnn/TensorArrayUnstack/range/start Const
rnn/TensorArrayUnstack/range/delta Const
rnn/TensorArrayUnstack/range Range
rnn/TensorArrayUnstack/TensorArrayScatter/TensorArrayScatterV3 TensorArrayScatterV3
rnn/Maximum/x Const
rnn/Maximum Maximum
rnn/Minimum Minimum
rnn/while/iteration_counter Const
""" + CELL_VARIABLES + """
rnn/TensorArrayStack/TensorArraySizeV3 TensorArraySizeV3
rnn/TensorArrayStack/range/start Const
rnn/TensorArrayStack/range/delta Const
rnn/TensorArrayStack/range Range
rnn/TensorArrayStack/TensorArrayGatherV3 TensorArrayGatherV3
rnn/Const_1 Const
rnn/Rank_1 Const
rnn/range_1/start Const
rnn/range_1/delta Const
rnn/range_1 Range
rnn/concat_2/values_0 Const
rnn/concat_2/axis Const
rnn/concat_2 ConcatV2
rnn/transpose_1 Transpose
""")
# ... and the computing ops inside it (not its Enter, Merge, Switch, LoopCond, Identity,
# NextIteration, Exit plumbing, which tinygraph's one While op replaces).
DYNAMIC_RNN_TF_BODY = _pairs("""
rnn/while/Less Less
rnn/while/Less_1 Less
rnn/while/LogicalAnd LogicalAnd
rnn/while/add/y Const
rnn/while/add AddV2
rnn/while/TensorArrayReadV3 TensorArrayReadV3
rnn/while/basic_rnn_cell/concat/axis Const
rnn/while/basic_rnn_cell/concat ConcatV2
rnn/while/basic_rnn_cell/MatMul MatMul
rnn/while/basic_rnn_cell/BiasAdd BiasAdd
rnn/while/basic_rnn_cell/Tanh Tanh
rnn/while/TensorArrayWrite/TensorArrayWriteV3 TensorArrayWriteV3
rnn/while/add_1/y Const
rnn/while/add_1 AddV2
""")
# Where tinygraph's op type differs from TF 1.15's for the same op: `a + b` is Add (TF
# 1.15 made AddV2), and a TensorArray of static size answers its size with a constant op.
TINYGRAPH_TYPE = {"AddV2": "Add", "TensorArraySizeV3": "TensorArrayStaticSize"}


def _line():
    """The line the caller is at."""
    return inspect.currentframe().f_back.f_lineno


def _static_rnn():
    X0 = tf.placeholder(tf.float32, [None, 3])
    X1 = tf.placeholder(tf.float32, [None, 3])
    basic_cell = tf.nn.rnn_cell.BasicRNNCell(num_units=5)
    tf.nn.static_rnn(basic_cell, [X0, X1], dtype=tf.float32)


def _dynamic_rnn():
    X = tf.placeholder(tf.float32, [None, 2, 3])
    basic_cell = tf.nn.rnn_cell.BasicRNNCell(num_units=5)
    outputs, _ = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32)
    return outputs


def _in_edges(g, name, kind="data"):
    """{input index or tensor: (source op, edge data)} of one kind into `name`."""
    return {d.get("dst_input", d.get("tensor")): (u, d)
            for u, _, d in g.in_edges(name, data=True) if d["kind"] == kind}


def test_static_rnn_has_tf_names_types_and_edges():
    _static_rnn()
    g = to_networkx()
    assert [(n, d["type"]) for n, d in g.nodes(data=True)] == STATIC_RNN_TF
    assert all(d["parent"] is None and d["role"] is None for _, d in g.nodes(data=True))
    matmul = _in_edges(g, "rnn/basic_rnn_cell/MatMul")
    assert matmul[0][0] == "rnn/basic_rnn_cell/concat"
    assert matmul[0][1] == {"kind": "data", "tensor": "rnn/basic_rnn_cell/concat:0",
                            "shape": "(?, 8)", "dtype": "float32", "src_output": 0,
                            "dst_input": 0}
    assert matmul[1][0] == "rnn/basic_rnn_cell/kernel/read"
    assert matmul[1][1]["shape"] == "(8, 5)"
    # the second step takes the second input and the first step's state
    step2 = _in_edges(g, "rnn/basic_rnn_cell/concat_1")
    assert [step2[i][0] for i in range(3)] == ["Placeholder_1", "rnn/basic_rnn_cell/Tanh",
                                               "rnn/basic_rnn_cell/concat_1/axis"]
    node = g.nodes["rnn/basic_rnn_cell/MatMul"]
    assert node["scope"] == "rnn/basic_rnn_cell"
    assert node["outputs"] == [{"shape": "(?, 5)", "dtype": "float32"}]
    assert node["attrs"] == {"transpose_a": "False", "transpose_b": "False"}
    ops = tf.get_default_graph().get_operations()
    assert g.number_of_edges() == sum(len(op.inputs) for op in ops)


def test_source_is_the_users_line():
    X = tf.placeholder(tf.float32, [None, 3], name="X")
    x_line = _line() - 1
    tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), tf.reshape(X, [-1, 1, 3]), dtype=tf.float32)
    rnn_line = _line() - 1
    g = to_networkx()
    assert g.nodes["X"]["source"] == f"{__file__}:{x_line}"
    # ops made inside the library (here, in the loop's body) point at the user's call
    assert g.nodes["rnn/while/basic_rnn_cell/MatMul"]["source"] == f"{__file__}:{rnn_line}"


def test_dynamic_rnn_is_one_while_op_holding_its_body():
    _dynamic_rnn()
    g = to_networkx()
    root = [(n, d["type"]) for n, d in g.nodes(data=True) if d["parent"] is None]
    expected = [(n, TINYGRAPH_TYPE.get(t, t)) for n, t in DYNAMIC_RNN_TF_OUTSIDE]
    # (TF's Exit ops come where tinygraph makes the While: after the cell's variables)
    at = expected.index(("rnn/basic_rnn_cell/bias/read", "Identity")) + 1
    assert root == expected[:at] + [("rnn/while", "While")] + expected[at:]
    body = {n: d for n, d in g.nodes(data=True) if d["parent"] == "rnn/while"}
    computing = [(n, d["type"]) for n, d in body.items() if d["type"] != "Placeholder"]
    assert computing == [(n, TINYGRAPH_TYPE.get(t, t)) for n, t in DYNAMIC_RNN_TF_BODY]
    assert {body[n]["role"] for n in ("rnn/while/Less", "rnn/while/Less_1",
                                      "rnn/while/LogicalAnd")} == {"cond"}
    assert body["rnn/while/basic_rnn_cell/MatMul"]["role"] == "body"
    assert body["rnn/while/basic_rnn_cell/MatMul"]["scope"] == "rnn/while/basic_rnn_cell"
    # the kernel enters the loop through a placeholder: a capture edge from outside
    inner = _in_edges(g, "rnn/while/basic_rnn_cell/MatMul")[1][0]
    assert body[inner]["type"] == "Placeholder"
    (outer, cap), = _in_edges(g, inner, "capture").values()
    assert (outer, cap["tensor"], cap["shape"]) == ("rnn/basic_rnn_cell/kernel/read",
                                                    "rnn/basic_rnn_cell/kernel/read:0", "(8, 5)")
    # so does the initial state, a loop variable, which the cell concatenates
    state = _in_edges(g, "rnn/while/basic_rnn_cell/concat")[1][0]
    assert _in_edges(g, state, "capture")["rnn/BasicRNNCellZeroState/zeros:0"][0] == \
        "rnn/BasicRNNCellZeroState/zeros"
    # the outputs' TensorArray leaves the loop as the While's third output
    gather = _in_edges(g, "rnn/TensorArrayStack/TensorArrayGatherV3")[2]
    assert (gather[0], gather[1]["tensor"], gather[1]["src_output"]) == \
        ("rnn/while", "rnn/while:2", 2)
    while_attrs = g.nodes["rnn/while"]["attrs"]
    assert "graph" not in while_attrs and "trip_count" not in while_attrs
    assert while_attrs["cond"] == "rnn/while/LogicalAnd:0"


def test_nested_loops_and_a_conditional_are_nested_parts():
    x = tf.placeholder(tf.float32, [3], name="x")

    def outer_body(i, acc):
        y = acc * 2.0

        def inner_body(j, a):
            return j + 1, a + y + x   # y from the outer body, x from the root graph
        _, inner = tf.while_loop(lambda j, a: j < 2, inner_body, [tf.constant(0), acc],
                                 name="inner")
        return i + 1, inner
    _, out = tf.while_loop(lambda i, acc: i < 3, outer_body, [tf.constant(0), x],
                           name="outer")
    picked = tf.cond(out[0] > 0, lambda: out * 2.0, lambda: x - 1.0, name="pick")
    with tf.control_dependencies([picked]):
        tf.identity(out, name="z")
    g = to_networkx()
    parent = dict(g.nodes(data="parent"))
    role = dict(g.nodes(data="role"))
    assert (parent["outer"], parent["outer/inner"], parent["outer/inner/add_1"]) == \
        (None, "outer", "outer/inner")
    assert (role["outer/inner"], role["outer/inner/Less"]) == ("body", "cond")
    assert (role["pick/mul"], role["pick/sub"], parent["pick/sub"]) == ("then", "else", "pick")

    def captured_from(name):
        return [u for u, _, kind in g.in_edges(name, data="kind") if kind == "capture"]
    # a + y + x: y is captured from the outer body, x twice (root -> outer -> inner)
    add_y, add_x = (_in_edges(g, "outer/inner/add_1")[1][0],
                    _in_edges(g, "outer/inner/add_2")[1][0])
    assert captured_from(add_y) == ["outer/mul"]
    (outer_x,) = captured_from(add_x)
    assert parent[outer_x] == "outer" and captured_from(outer_x) == ["x"]
    assert captured_from(_in_edges(g, "pick/sub")[0][0]) == ["x"]
    control = [(u, v, d) for u, v, d in g.edges(data=True) if d["kind"] == "control"]
    assert control == [("pick", "z", {"kind": "control"})]


def test_every_node_and_edge_is_json_and_training_ops_are_exported():
    outputs = _dynamic_rnn()
    big = tf.constant(np.zeros((20, 5), np.float32), name="big")
    loss = tf.reduce_mean(tf.square(outputs - tf.reduce_sum(big)))
    tf.train.AdamOptimizer(0.01).minimize(loss)
    g = to_networkx()
    for _, data in g.nodes(data=True):
        json.dumps(data)
    for _, _, data in g.edges(data=True):
        json.dumps(data)
    assert g.nodes["big"]["attrs"]["value"] == "float32 array of shape (20, 5)"
    assert g.nodes["rnn/time"]["attrs"]["value"] == "0"
    # the loop's backward pass is built inside its sub-graph
    assert g.nodes["rnn/while/grad_y"]["role"] == "gradient"
    assert g.nodes["rnn/while/gradients/rnn/while/basic_rnn_cell/MatMul_grad/MatMul"][
        "parent"] == "rnn/while"
    assert g.nodes["rnn/while/basic_rnn_cell/MatMul"]["role"] == "body"
    # Adam's final update waits for the variables' updates: control edges, no tensor
    controls = [(u, d) for u, _, d in g.in_edges("Adam", data=True) if d["kind"] == "control"]
    assert {u for u, _ in controls} >= {"Adam/update_rnn/basic_rnn_cell/kernel/ApplyAdam",
                                        "Adam/update_rnn/basic_rnn_cell/bias/ApplyAdam"}
    assert all(d == {"kind": "control"} for _, d in controls)


def test_graph_argument_may_be_a_graph_or_a_session():
    with tf.Graph().as_default() as other:
        tf.constant(1.0, name="only")
    tf.constant(2.0, name="default_one")
    assert list(to_networkx(other)) == ["only"]
    assert list(to_networkx()) == ["default_one"]
    with tf.Session(graph=other) as sess:
        assert list(to_networkx(sess)) == ["only"]


@pytest.fixture
def fast_pyparsing():
    # pydot's grammar re-parses a nested subgraph once per nesting level; memoising
    # makes reading the clusters back several times faster.
    pyparsing = pytest.importorskip("pyparsing")
    pyparsing.ParserElement.enable_packrat()
    yield
    pyparsing.ParserElement.disable_memoization()


# (pydot's parser uses pyparsing names that pyparsing 3.3 deprecates)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dot_is_read_back_by_networkx(tmp_path, fast_pyparsing):
    pytest.importorskip("pydot", reason="reading DOT needs pydot (the `test` extra)")
    outputs = _dynamic_rnn()
    with tf.control_dependencies([outputs]):
        tf.no_op(name="after")
    text = to_dot()
    path = tmp_path / "graph.dot"
    path.write_text(text)
    parsed = nx.nx_pydot.read_dot(str(path))
    g = to_networkx()
    assert set(parsed.nodes) == set(g.nodes)
    assert parsed.number_of_edges() == g.number_of_edges()
    edge = parsed.get_edge_data("rnn/while/basic_rnn_cell/MatMul",
                                "rnn/while/basic_rnn_cell/BiasAdd")
    assert [d["label"].strip('"') for d in edge.values()] == ["(?, 5)"]
    assert [d["style"] for d in parsed.get_edge_data("rnn/transpose_1", "after").values()] \
        == ["dashed"]
    assert parsed.nodes["rnn/while"]["label"].strip('"') == r"while\nWhile"
    # name scopes are nested clusters: the loop body's inside rnn's
    parents = _cluster_parents(text)
    assert (parents["rnn"], parents["rnn/while"], parents["rnn/while/basic_rnn_cell"]) == \
        (None, "rnn", "rnn/while")
    assert re.search(r'subgraph "cluster_rnn/while/basic_rnn_cell" \{\n\s+label="basic_rnn_cell";'
                     r'\n\s+"rnn/while/basic_rnn_cell/concat";', text)


def _cluster_parents(text):
    """{scope: the scope of the cluster it is nested in} from the DOT text."""
    parents, stack = {}, []
    for line in text.splitlines():
        opened = re.match(r'\s*subgraph "cluster_(.*)" \{$', line)
        if opened:
            parents[opened.group(1)] = stack[-1] if stack else None
            stack.append(opened.group(1))
        elif line.strip() == "}" and stack:
            stack.pop()
    return parents


def test_show_graph_displays_the_page_in_an_iframe():
    _static_rnn()
    view = show_graph()
    shown = view._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and shown.endswith("</iframe>")
    # the page is escaped into the attribute: none of its markup reaches the notebook
    assert "<script" not in shown and "<body" not in shown
    page = html.unescape(re.match(r'<iframe srcdoc="([^"]*)"', shown).group(1))
    assert page == view.html
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "rnn/basic_rnn_cell/MatMul_1" in page

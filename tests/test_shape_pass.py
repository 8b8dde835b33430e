"""The plan's host pass (compiler/shapes.py): Shape, Size and Rank fold from the input's
shape alone, and an op none of whose inputs the host knows runs its shape rule once per
set of input shapes (an unrolled loop visits its body's ops once per step)."""
import numpy as np

import tinygraph as tf
from tinygraph.compiler import shapes
from tinygraph.compiler.shapes import ShapePass


def test_shape_size_and_rank_fold_from_the_shape_alone():
    """Without an array of the input's size (here 1 TiB of bytes)."""
    x = tf.placeholder(tf.float32, [None, None])
    ops = [tf.shape(x), tf.size(x, out_type=tf.int64), tf.rank(x)]
    info = ShapePass([t.op for t in ops], [x], [(1 << 20, 1 << 20)], {})
    assert [info.values[t].tolist() for t in ops] == [[1 << 20, 1 << 20], 1 << 40, 2]


def test_a_shape_rule_runs_once_per_op_and_input_shapes(monkeypatch):
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.placeholder(tf.float32, [3, None])
    y = tf.matmul(x, w)
    calls = []
    original = shapes.output_specs

    def counted(op_def, op):
        calls.append(op.type)
        return original(op_def, op)
    monkeypatch.setattr(shapes, "output_specs", counted)
    info = ShapePass([y.op], [x, w], [(5, 3), (3, 4)], {})
    assert info.shapes[y] == (5, 4) and calls == ["MatMul"]
    info.visit(y.op)                     # the same shapes: the rule is not run again
    assert info.shapes[y] == (5, 4) and calls == ["MatMul"]
    info.shapes[x] = (7, 3)              # other shapes: it is
    info.visit(y.op)
    assert info.shapes[y] == (7, 4) and calls == ["MatMul"] * 2
    info.values[x] = np.ones((7, 3), np.float32)   # both known: folded, not a shape
    info.values[w] = np.full((3, 4), 2, np.float32)
    info.visit(y.op)
    np.testing.assert_array_equal(info.values[y], np.full((7, 4), 6, np.float32))

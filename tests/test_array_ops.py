"""Data-movement ops: values against numpy, static shapes (unknown dims too), TF's
construction-time errors and default names, and gradients against finite differences."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_forward, check_gradients, run


def hide(x, known_rank=True):
    """x (differentiably) with its static dims, or even its rank, forgotten: drives the
    dynamic-shape paths of shape rules and gradients."""
    dims = x.shape.as_list()
    target = tf.placeholder_with_default(np.array(dims, np.int32),
                                         [len(dims)] if known_rank else None)
    return tf.reshape(x, target)


def run_unknown(backend, fn, inputs, shapes=None):
    """fn on placeholders whose dims are all unknown (or `shapes`); returns value, tensor."""
    xs = [tf.placeholder(tf.as_dtype(a.dtype), s if shapes else [None] * a.ndim)
          for a, s in zip(inputs, shapes or inputs)]
    y = fn(*xs)
    return run(backend, y, dict(zip(xs, inputs))), y


def rand(*shape):
    return np.random.uniform(-1, 1, shape)


# ---------------------------------------------------------------- transpose
@pytest.mark.parametrize("shape,perm", [((2, 3, 4), None), ((2, 3, 4), [1, 0, 2]),
                                        ((1, 3), [1, 0]), ((0, 3), None), ((5,), None),
                                        ((), None)])
def test_transpose_forward(backend, shape, perm):
    check_forward(lambda x: tf.transpose(x, perm), lambda x: np.transpose(x, perm),
                  [rand(*shape)], backend)


def test_transpose_unknown_rank_builds_perm_in_graph(backend):
    a = rand(2, 3, 4)
    x = tf.placeholder(tf.float64)
    y = tf.transpose(x)
    assert y.op.name == "transpose" and y.shape.ndims is None
    assert {"transpose/Rank", "transpose/Range"} <= {o.name for o in tf.get_default_graph()
                                                      .get_operations()}
    np.testing.assert_array_equal(run(backend, y, {x: a}), a.T)


def test_transpose_static_shapes_and_errors():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    assert tf.transpose(x).shape.as_list() == [4, 3, None]
    assert tf.transpose(x, [2, 0, 1]).shape.as_list() == [4, None, 3]
    assert tf.transpose(tf.placeholder(tf.float32), [1, 0]).shape.as_list() == [None, None]
    with pytest.raises(ValueError, match="Dimension must be 3 but is 2 for 'transpose_3'"):
        tf.transpose(x, [1, 0])
    with pytest.raises(ValueError, match="perm dim 3 is out of range of input rank 3"):
        tf.transpose(x, [0, 1, 3])


def test_transpose_bad_perm_at_run_time(backend):
    x = tf.placeholder(tf.float32, [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"1 is missing from \{0,0\}"):
        run(backend, tf.transpose(x, [0, 0]), {x: np.ones((2, 2))})


def test_transpose_gradients(backend):
    check_gradients(lambda x: tf.transpose(x, [2, 0, 1]), shapes=[(2, 3, 2)], backend=backend)
    check_gradients(lambda x: tf.transpose(x), shapes=[(3, 2)], backend=backend)
    check_gradients(lambda x: tf.transpose(hide(x, known_rank=False)), shapes=[(3, 2)],
                    backend=backend)
    check_gradients(lambda x: tf.matrix_transpose(x), shapes=[(2, 3, 2)], backend=backend)


# ---------------------------------------------------------------- concat
@pytest.mark.parametrize("shapes,axis", [([(2, 3), (4, 3)], 0), ([(2, 3), (2, 1), (2, 2)], -1),
                                         ([(0, 3), (2, 3)], 0), ([(1,), (1,)], 0),
                                         ([(2, 1, 3), (2, 2, 3)], 1)])
def test_concat_forward(backend, shapes, axis):
    check_forward(lambda *xs: tf.concat(list(xs), axis),
                  lambda *xs: np.concatenate(xs, axis), [rand(*s) for s in shapes], backend)


def test_concat_single_value_is_identity(backend):
    a = rand(2, 3)
    x = tf.placeholder(tf.float64, [2, 3])
    tf.concat([x, x], 0)
    y = tf.concat([x], 0)
    assert y.op.type == "Identity" and y.op.name == "concat_1/concat"
    np.testing.assert_array_equal(run(backend, y, {x: a}), a)


def test_concat_python_values_take_the_tensor_dtype(backend):
    v = tf.Variable(np.ones((1, 2)), dtype=tf.float64)
    y = tf.concat([v, [[1, 2]]], 0)
    assert y.dtype == tf.float64 and y.shape.as_list() == [2, 2]
    np.testing.assert_array_equal(run(backend, y), [[1.0, 1.0], [1.0, 2.0]])


def test_concat_names_and_static_shapes():
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [2, None])
    first, second = tf.concat([a, b], 0), tf.concat([a, b], 1)
    assert (first.op.name, second.op.name) == ("concat", "concat_1")
    assert first.op.type == "ConcatV2" and first.op.inputs[2].op.name == "concat/axis"
    assert first.shape.as_list() == [None, 3]
    assert second.shape.as_list() == [2, None]
    assert tf.concat([a, a], tf.placeholder(tf.int32, [])).shape.as_list() == [None, None]
    assert tf.concat([tf.placeholder(tf.float32), a], 0).shape.as_list() == [None, 3]
    assert tf.concat([tf.ones([2, 3]), tf.ones([5, 3])], -2).shape.as_list() == [7, 3]


def test_concat_construction_errors():
    a, b = tf.ones([2, 3]), tf.ones([2, 3, 4])
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 3 for 'concat'"):
        tf.concat([a, b], 0)
    with pytest.raises(ValueError, match="but are 3 and 4.* for 'concat_1' .op: 'ConcatV2'"):
        tf.concat([a, tf.ones([2, 4])], 0)
    with pytest.raises(ValueError, match="at least rank 3 but is rank 2 for 'concat_2'"):
        tf.concat([a, a], 2)
    with pytest.raises(TypeError, match="types \\[float32, int32\\] that don't all match"):
        tf.concat([a, tf.constant([[1, 2, 3]])], 0)


def test_concat_mismatch_at_run_time(backend):
    x = tf.placeholder(tf.float32, [None, None])
    y = tf.concat([x, tf.ones([1, 2])], 0)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Dimensions of inputs should match: shape\[0\] = \[2,3\] vs. "
                             r"shape\[1\] = \[1,2\]") as info:
        run(backend, y, {x: np.ones((2, 3))})
    assert "concat" in str(info.value)


def test_concat_gradients(backend):
    check_gradients(lambda a, b: tf.concat([a, b], 0), shapes=[(2, 3), (1, 3)], backend=backend)
    check_gradients(lambda a, b, c: tf.concat([a, b, c], -1), shapes=[(2, 1), (2, 3), (2, 2)],
                    backend=backend)
    check_gradients(lambda a, b: tf.concat([hide(a), hide(b)], 1), shapes=[(2, 2), (2, 3)],
                    backend=backend)
    check_gradients(lambda a, b: tf.concat([a, b], -2), shapes=[(1, 2), (2, 2)],
                    backend=backend)


# ---------------------------------------------------------------- split
def test_split_forward(backend):
    a = rand(2, 6)
    x = tf.placeholder(tf.float64, [2, 6])
    cases = [(tf.split(x, 3, axis=1), np.split(a, 3, axis=1)),
             (tf.split(x, [1, -1, 2], axis=-1), np.split(a, [1, 4], axis=1)),
             (tf.split(x, 1), [a]),
             (tf.split(x, [0, 2], 0), np.split(a, [0], 0))]
    got = run(backend, [c[0] for c in cases], {x: a})
    for pieces, (tensors, want) in zip(got, cases):
        assert len(pieces) == len(want)
        for piece, tensor, w in zip(pieces, tensors, want):
            np.testing.assert_array_equal(piece, w)
            assert tensor.shape.as_list() == list(w.shape)


def test_split_names_shapes_and_errors():
    x = tf.placeholder(tf.float32, [None, 4])
    parts = tf.split(x, 2, axis=1)
    assert [p.name for p in parts] == ["split:0", "split:1"] and parts[0].op.type == "Split"
    assert parts[0].shape.as_list() == [None, 2]
    parts = tf.split(x, [1, -1], axis=0)
    assert parts[0].op.name == "split_1" and parts[0].op.type == "SplitV"
    assert [p.shape.as_list() for p in parts] == [[1, 4], [None, 4]]
    assert [p.shape.as_list() for p in tf.split(x, [3, -1], 1)] == [[None, 3], [None, 1]]
    with pytest.raises(ValueError, match="evenly divisible by 3 but is 4 for 'split_3'"):
        tf.split(x, 3, axis=1)
    with pytest.raises(ValueError, match="can't split axis of size 4 into pieces of size "
                                         "\\[1,2\\]"):
        tf.split(x, [1, 2], axis=1)
    with pytest.raises(ValueError, match="size_splits can only have one -1"):
        tf.split(x, [-1, -1], axis=1)
    with pytest.raises(ValueError, match="must be in range \\[-2, 2\\)"):
        tf.split(x, 2, axis=2)


def test_split_mismatch_at_run_time(backend):
    x = tf.placeholder(tf.float32, [None, None])
    with pytest.raises(tf.errors.InvalidArgumentError, match="evenly divide"):
        run(backend, tf.split(x, 2, axis=1), {x: np.ones((2, 3))})


def test_split_gradients(backend):
    def halves(x):
        a, b = tf.split(x, 2, axis=1)
        return tf.concat([b * 3.0, tf.tanh(a)], 0)

    def pieces(x):
        a, b, c = tf.split(x, [1, -1, 1], axis=0)
        return tf.concat([c, a * b], 1)

    check_gradients(halves, shapes=[(2, 4)], backend=backend)
    check_gradients(pieces, shapes=[(3, 2)], backend=backend)
    check_gradients(lambda x: tf.split(x, 3, axis=-1)[1], shapes=[(2, 3)], backend=backend)


# ---------------------------------------------------------------- tile
@pytest.mark.parametrize("shape,multiples", [((2, 3), [2, 1]), ((1, 2, 1), [3, 1, 2]),
                                             ((2, 3), [0, 2]), ((3,), [1])])
def test_tile_forward(backend, shape, multiples):
    check_forward(lambda x: tf.tile(x, multiples), lambda x: np.tile(x, multiples),
                  [rand(*shape)], backend)


def test_tile_shapes_names_and_errors():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.tile(x, [2, 2])
    assert y.op.name == "Tile" and y.op.inputs[1].op.name == "Tile/multiples"
    assert y.shape.as_list() == [None, 6]
    assert tf.tile(tf.placeholder(tf.float32), [2, 3]).shape.as_list() == [None, None]
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 3 for 'Tile_2'"):
        tf.tile(x, [1, 2, 3])


def test_tile_gradients(backend):
    check_gradients(lambda x: tf.tile(x, [2, 3]), shapes=[(2, 2)], backend=backend)
    check_gradients(lambda x: tf.tile(hide(x), [3, 1, 2]), shapes=[(1, 2, 2)], backend=backend)


# ---------------------------------------------------------------- slice
def test_slice_forward(backend):
    a = rand(3, 4, 2)
    check_forward(lambda x: tf.slice(x, [1, 0, 1], [2, -1, 1]), lambda x: x[1:3, :, 1:2], [a],
                  backend)
    check_forward(lambda x: tf.slice(x, [3, 4, 2], [0, 0, 0]), lambda x: x[3:, 4:, 2:], [a],
                  backend)


def test_slice_shapes_and_run_time_errors(backend):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.slice(x, [1, 1], [-1, 1])
    assert y.op.name == "Slice" and y.shape.as_list() == [None, 1]
    assert tf.slice(x, [1, 0], [2, -1]).shape.as_list() == [2, 3]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Expected size\[1\] in \[0, 2\], but got 3"):
        run(backend, tf.slice(x, [0, 1], [1, 3]), {x: np.ones((2, 3))})


def test_slice_gradients(backend):
    check_gradients(lambda x: tf.slice(x, [1, 0], [2, -1]), shapes=[(3, 3)], backend=backend)
    check_gradients(lambda x: tf.slice(hide(x), [0, 1], [-1, 1]), shapes=[(2, 3)],
                    backend=backend)


# ---------------------------------------------------------------- strided slice, getitem
KEYS = [
    (slice(1, None),),
    (slice(None, None, -1),),
    (slice(None), slice(None, None, 2)),
    (Ellipsis, 1),
    (None, Ellipsis, -1),
    (-1, slice(None), None),
    (slice(1, -1, 2), slice(None, None, -2)),
    (slice(-100, 100), slice(3, 0, -1)),
    (slice(None), None, slice(2, None), None),
    (0, 1, 2),
    (),
    (slice(4, 1),),
]


@pytest.mark.parametrize("key", KEYS)
def test_getitem_forward(backend, key):
    a = rand(4, 5, 3)
    got = check_forward(lambda x: x[key], lambda x: x[key], [a], backend)
    assert np.shape(got) == np.shape(a[key])


@pytest.mark.parametrize("key", KEYS)
def test_getitem_static_shape(key):
    a = np.zeros((4, 5, 3))
    x = tf.placeholder(tf.float32, [4, 5, 3])
    assert x[key].shape.as_list() == list(a[key].shape)


def test_getitem_makes_one_strided_slice_with_tf_masks():
    x = tf.placeholder(tf.float32, [4, 5, 6])
    y = x[1:]
    assert (y.op.type, y.op.name) == ("StridedSlice", "strided_slice")
    assert [t.op.name for t in y.op.inputs[1:]] == ["strided_slice/stack",
                                                   "strided_slice/stack_1",
                                                   "strided_slice/stack_2"]
    assert x[0].op.name == "strided_slice_1"
    masks = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")
    # the masks TF 1.15 gives these keys
    for key, want in [((slice(1, None), None, Ellipsis, 2), [0, 1, 4, 2, 8]),
                      ((slice(None), slice(None, None, 2)), [3, 3, 0, 0, 0]),
                      ((slice(None, None, -1),), [1, 1, 0, 0, 0]),
                      ((-1,), [0, 0, 0, 0, 1]),
                      ((Ellipsis, None, slice(1, -1)), [0, 0, 1, 2, 0])]:
        assert [x[key].op.attrs[m] for m in masks] == want


def test_getitem_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 3])
    assert x[:2].shape.as_list() == [None, 3]
    assert x[1:, 1].shape.as_list() == [None]
    assert x[5].shape.as_list() == [3]   # an unknown dim cannot be out of range yet
    assert x[tf.placeholder(tf.int32, [])].shape.as_list() == [3]
    assert tf.ones([2, 3])[tf.placeholder(tf.int32, []):].shape.as_list() == [None, 3]
    assert tf.placeholder(tf.float32)[1:, None].shape.ndims is None


def test_getitem_construction_errors():
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match="slice index 5 of dimension 0 out of bounds. for "
                                         "'strided_slice' \\(op: 'StridedSlice'\\)"):
        x[5]
    with pytest.raises(ValueError, match="slice index -1 of dimension 0 out of bounds"):
        x[-3]
    with pytest.raises(ValueError, match="slice index 3 of dimension 1 out of bounds"):
        x[:, 3]
    with pytest.raises(ValueError, match="Multiple ellipses in slice spec not allowed"):
        x[..., ...]
    with pytest.raises(ValueError, match="Index out of range using input dim 2; input has "
                                         "only 2 dims"):
        x[1, 1, 1]
    with pytest.raises(ValueError, match="strides\\[0\\] must be non-zero"):
        x[::0]
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[1.0]
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[tf.constant([1, 2])]


def test_getitem_tensor_indices(backend):
    a = rand(4, 3)
    x = tf.placeholder(tf.float64, [4, 3])
    i = tf.placeholder(tf.int32, [])
    j = tf.placeholder(tf.int64, [])
    ys = [x[i], x[i:, 1], x[::-1][j], x[1:j]]
    got = run(backend, ys, {x: a, i: 2, j: 3})
    for g, want in zip(got, [a[2], a[2:, 1], a[::-1][3], a[1:3]]):
        np.testing.assert_array_equal(g, want)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="slice index 7 of dimension 0 out of bounds"):
        run(backend, ys[0], {x: a, i: 7})


def test_getitem_on_variable_and_empty_dims(backend):
    v = tf.Variable(np.arange(6.0).reshape(2, 3))
    e = tf.placeholder(tf.float32, [0, 3])
    out = run(backend, [v[1, ::-1], e[:, 1:], e[..., None]], {e: np.zeros((0, 3))})
    np.testing.assert_array_equal(out[0], [5.0, 4.0, 3.0])
    assert out[1].shape == (0, 2) and out[2].shape == (0, 3, 1)


def test_strided_slice_function(backend):
    a = rand(4, 5)
    check_forward(lambda x: tf.strided_slice(x, [1, 4], [4, 0], [2, -1]),
                  lambda x: x[1:4:2, 4:0:-1], [a], backend)
    check_forward(lambda x: tf.strided_slice(x, [0, 1], [0, 3], begin_mask=1, end_mask=1,
                                             shrink_axis_mask=0),
                  lambda x: x[:, 1:3], [a], backend)
    y = tf.strided_slice(tf.ones([4, 5]), [1], [2], shrink_axis_mask=1)
    assert y.op.name == "StridedSlice" and y.shape.as_list() == [5]


@pytest.mark.parametrize("key", [k for k in KEYS if k not in [(0, 1, 2), ()]])
def test_getitem_gradients(backend, key):
    check_gradients(lambda x: x[key], shapes=[(4, 5, 3)], backend=backend)


def test_getitem_gradient_dynamic_and_second_order(backend):
    check_gradients(lambda x: hide(x)[1:, ::-2], shapes=[(3, 4)], backend=backend)
    check_gradients(lambda x: x[1, 2] * x[0, 1], shapes=[(2, 3)], backend=backend)
    # the gradient of the gradient goes through StridedSliceGrad's own gradient
    check_gradients(lambda x: tf.gradients(tf.reduce_sum(x[1:, ::2] ** 3), x)[0],
                    shapes=[(3, 3)], backend=backend)


# ---------------------------------------------------------------- gather
@pytest.mark.parametrize("indices,axis", [([2, 0, 2, 2], 0), ([[1, 0], [1, 1]], 1),
                                          (1, 0), ([0, 0], -1), (np.zeros(0, np.int32), 0)])
def test_gather_forward(backend, indices, axis):
    a = rand(3, 2, 2)
    check_forward(lambda x: tf.gather(x, indices, axis=axis),
                  lambda x: np.take(x, np.array(indices, dtype=np.int64), axis=axis), [a],
                  backend)


def test_gather_shapes_names_and_errors(backend):
    p = tf.placeholder(tf.float32, [None, 3])
    y = tf.gather(p, [[0, 1]])
    assert y.op.name == "GatherV2" and y.op.type == "GatherV2"
    assert y.shape.as_list() == [1, 2, 3]
    assert tf.gather(p, [0], axis=-1).shape.as_list() == [None, 1]
    assert tf.gather(p, [1], axis=tf.placeholder(tf.int32)).shape.as_list() == [None, None]
    with pytest.raises(ValueError, match="at least rank 3 but is rank 2 for 'GatherV2_3'"):
        tf.gather(p, [0], axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"indices\[1\] = 5 is not in \[0, 2\)"):
        run(backend, tf.gather(p, [0, 5]), {p: np.ones((2, 3))})


def test_gather_gradients(backend):
    check_gradients(lambda x: tf.gather(x, [2, 0, 2, 2]), shapes=[(3, 2)], backend=backend)
    check_gradients(lambda x: tf.gather(x, [[1, 1], [0, 1]], axis=1), shapes=[(2, 3, 2)],
                    backend=backend)
    check_gradients(lambda x: tf.gather(x, [0, 0, 1], axis=-1), shapes=[(2, 2)],
                    backend=backend)
    check_gradients(lambda x: tf.gather(hide(x), [1, 1]), shapes=[(2, 3)], backend=backend)
    check_gradients(lambda x: tf.gather(hide(x), [2, 0, 2], axis=1), shapes=[(2, 3)],
                    backend=backend)
    check_gradients(lambda x: tf.gather(x, 1), shapes=[(3, 2)], backend=backend)


def test_unsorted_segment_sum(backend):
    data, ids = rand(5, 2), np.array([0, 2, -1, 0, 3])

    def reference(x):
        out = np.zeros((4, 2))
        for row, i in zip(x, ids):
            if i >= 0:
                out[i] += row
        return out

    check_forward(lambda x: tf.unsorted_segment_sum(x, ids, 4), reference, [data], backend)
    check_gradients(lambda x: tf.unsorted_segment_sum(x, ids, 4), [data], backend=backend)
    y = tf.unsorted_segment_sum(tf.ones([3, 2]), [0, 1, 1], 2)
    assert y.op.name == "UnsortedSegmentSum" and y.shape.as_list() == [2, 2]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"segment_ids\[1\] = 5 is out of range \[0, 2\)"):
        run(backend, tf.unsorted_segment_sum(tf.ones([2]), [0, 5], 2))


def test_gather_second_order(backend):
    check_gradients(lambda x: tf.gradients(tf.reduce_sum(tf.gather(x, [1, 1, 0]) ** 2), x)[0],
                    shapes=[(2, 2)], backend=backend)


# ---------------------------------------------------------------- expand_dims, squeeze
@pytest.mark.parametrize("shape,axis", [((2, 3), 0), ((2, 3), -1), ((2, 3), 1), ((), 0)])
def test_expand_dims_forward(backend, shape, axis):
    check_forward(lambda x: tf.expand_dims(x, axis), lambda x: np.expand_dims(x, axis),
                  [rand(*shape)], backend)


@pytest.mark.parametrize("shape,axis", [((1, 3, 1), None), ((1, 3, 1), [2]), ((1, 3, 1), -3),
                                        ((1, 1), None), ((0, 1), [1])])
def test_squeeze_forward(backend, shape, axis):
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    check_forward(lambda x: tf.squeeze(x, axis), lambda x: np.squeeze(x, np_axis),
                  [rand(*shape)], backend)


def test_expand_dims_squeeze_shapes_and_errors():
    assert tf.squeeze(tf.ones([1, 2, 1])).op.name == "Squeeze"
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.expand_dims(x, -1)
    assert y.op.name == "ExpandDims" and y.op.inputs[1].op.name == "ExpandDims/dim"
    assert y.shape.as_list() == [None, 3, 1]
    with pytest.raises(ValueError, match="dim 3 not in the interval \\[-3, 2\\]"):
        tf.expand_dims(x, 3)
    assert tf.squeeze(x).shape.ndims is None   # the unknown dim might be 1
    assert tf.squeeze(x, [0]).shape.as_list() == [3]
    assert tf.squeeze(tf.placeholder(tf.float32, [1, None, 1])).shape.ndims is None
    with pytest.raises(ValueError, match="Can not squeeze dim\\[1\\], expected a dimension of "
                                         "1, got 3"):
        tf.squeeze(x, [1])
    with pytest.raises(ValueError, match="squeeze_dims\\[0\\] not in \\[-2,2\\)"):
        tf.squeeze(x, [2])


def test_expand_dims_squeeze_gradients(backend):
    check_gradients(lambda x: tf.expand_dims(x, 1), shapes=[(2, 3)], backend=backend)
    check_gradients(lambda x: tf.squeeze(x), shapes=[(1, 3, 1)], backend=backend)
    check_gradients(lambda x: tf.squeeze(hide(x), [0]), shapes=[(1, 3)], backend=backend)


# ---------------------------------------------------------------- one_hot
def test_one_hot_forward(backend):
    ids = np.array([[0, 2], [3, -1]])
    eye = np.eye(3)

    def reference(i, axis=-1, on=1.0, off=0.0):
        out = np.where(np.stack([i == k for k in range(3)], -1), on, off)
        return np.moveaxis(out, -1, axis)

    x = tf.placeholder(tf.int32, [2, 2])
    ys = [tf.one_hot(x, 3), tf.one_hot(x, 3, axis=0), tf.one_hot(x, 3, 5.0, -1.0, axis=1),
          tf.one_hot([1, 0], 3, dtype=tf.int32)]
    got = run(backend, ys, {x: ids})
    np.testing.assert_array_equal(got[0], reference(ids))
    np.testing.assert_array_equal(got[1], reference(ids, 0))
    np.testing.assert_array_equal(got[2], reference(ids, 1, 5.0, -1.0))
    np.testing.assert_array_equal(got[3], eye[[1, 0]])
    assert got[0].dtype == np.float32 and got[3].dtype == np.int32
    assert ys[0].shape.as_list() == [2, 2, 3] and ys[1].shape.as_list() == [3, 2, 2]


def test_one_hot_names_and_dtypes():
    y = tf.one_hot([1, 2], 3)
    assert y.op.name == "one_hot" and y.op.type == "OneHot" and y.dtype == tf.float32
    assert [t.op.name for t in y.op.inputs] == ["one_hot/indices", "one_hot/depth",
                                                "one_hot/on_value", "one_hot/off_value"]
    assert tf.one_hot([1], 3, on_value=5).dtype == tf.int32
    assert tf.one_hot(tf.placeholder(tf.int32, [None]), 4).shape.as_list() == [None, 4]
    with pytest.raises(TypeError, match="of on_value does not match"):
        tf.one_hot([1], 3, on_value=5, off_value=1.0)


# ---------------------------------------------------------------- pad
@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_forward(backend, mode):
    a = rand(3, 4)
    paddings = [[1, 2], [2, 0]]
    check_forward(lambda x: tf.pad(x, paddings, mode=mode),
                  lambda x: np.pad(x, paddings, mode=mode.lower()), [a], backend)


def test_pad_constant_values_and_odd_shapes(backend):
    check_forward(lambda x: tf.pad(x, [[0, 1], [1, 1]], constant_values=2.5),
                  lambda x: np.pad(x, [[0, 1], [1, 1]], constant_values=2.5), [rand(2, 1)],
                  backend)
    check_forward(lambda x: tf.pad(x, [[1, 1], [0, 0]]),
                  lambda x: np.pad(x, [[1, 1], [0, 0]]), [rand(0, 2)], backend)


def test_pad_names_shapes_and_errors(backend):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.pad(x, [[1, 1], [2, 0]])
    assert (y.op.name, y.op.type) == ("Pad", "Pad") and y.shape.as_list() == [None, 5]
    assert y.op.inputs[1].op.name == "Pad/paddings"
    assert tf.pad(x, [[1, 1], [0, 0]], constant_values=1.0).op.type == "PadV2"
    assert tf.pad(x, [[1, 1], [0, 0]], mode="reflect").op.type == "MirrorPad"
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2 for 'Pad_1'"):
        tf.pad(x, [[1, 1]])
    with pytest.raises(ValueError, match="Paddings must be non-negative"):
        tf.pad(x, [[-1, 1], [0, 0]])
    with pytest.raises(ValueError, match="Unknown padding mode: FOO"):
        tf.pad(x, [[1, 1], [0, 0]], mode="foo")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="paddings must be less than the dimension size: 2, 0 not less "
                             "than 2"):
        run(backend, tf.pad(x, [[2, 0], [0, 0]], mode="REFLECT"), {x: np.ones((2, 3))})


def test_pad_gradients(backend):
    check_gradients(lambda x: tf.pad(x, [[1, 2], [0, 1]]), shapes=[(2, 3)], backend=backend)
    check_gradients(lambda x: tf.pad(x, [[1, 0], [2, 1]], constant_values=3.0),
                    shapes=[(2, 2)], backend=backend)
    check_gradients(lambda x: tf.pad(hide(x), hide(tf.constant([[0, 1], [1, 1]]))),
                    shapes=[(2, 3)], backend=backend)
    check_gradients(lambda x: tf.pad(x, [[2, 1], [1, 2]], mode="REFLECT"), shapes=[(3, 3)],
                    backend=backend)
    check_gradients(lambda x: tf.pad(x, [[2, 1], [0, 3]], mode="SYMMETRIC"), shapes=[(2, 3)],
                    backend=backend)
    check_gradients(lambda x: tf.gradients(
        tf.reduce_sum(tf.pad(x, [[1, 1]], mode="REFLECT") ** 3), x)[0], shapes=[(3,)],
        backend=backend)


# ---------------------------------------------------------------- reverse
@pytest.mark.parametrize("axis", [[0], [-1], [0, 2], []])
def test_reverse_forward(backend, axis):
    check_forward(lambda x: tf.reverse(x, axis), lambda x: np.flip(x, tuple(axis)),
                  [rand(2, 3, 2)], backend)


def test_reverse_names_errors_and_gradient(backend):
    x = tf.ones([2, 3])
    assert tf.reverse(x, [1]).op.name == "ReverseV2"
    assert tf.reverse_v2(x, [0]).op.name == "ReverseV2_1"
    with pytest.raises(ValueError, match="axis 1 specified more than once"):
        tf.reverse(x, [1, -1])
    with pytest.raises(ValueError, match="out of valid range"):
        tf.reverse(x, [2])
    check_gradients(lambda x: tf.reverse(x, [0, -1]), shapes=[(2, 3)], backend=backend)


# ---------------------------------------------------------------- stack, unstack
def test_stack_unstack_forward_and_gradients(backend):
    a, b = rand(2, 3), rand(2, 3)
    check_forward(lambda x, y: tf.stack([x, y], axis=1), lambda x, y: np.stack([x, y], 1),
                  [a, b], backend)
    check_forward(lambda x: tf.unstack(x, axis=-1), lambda x: list(np.moveaxis(x, -1, 0)),
                  [a], backend)
    check_gradients(lambda x, y: tf.stack([x, y * 2.0], axis=-1), [a, b], backend=backend)
    check_gradients(lambda x: tf.unstack(x)[1] * tf.unstack(x)[0], [a], backend=backend)
    check_gradients(lambda x: tf.unstack(x, axis=1)[2], [a], backend=backend)


# ---------------------------------------------------------------- range
# TF 1.15's counts: float32 bounds count in float32 (in float64 the first three are 101,
# 12 and 7).
TF_RANGE_COUNTS = {(-3.0, -2.0, 0.01): 100, (-3.0, -1.9, 0.1): 11, (-3.0, -1.8, 0.2): 6,
                   (-1.8, -3.0, -0.2): 6, (1.0, 1.0, 0.5): 0}


@pytest.mark.parametrize("bounds", sorted(TF_RANGE_COUNTS))
def test_range_float32_count_follows_tf(backend, bounds):
    static = tf.range(*bounds)
    assert static.dtype == tf.float32 and static.shape.as_list() == [TF_RANGE_COUNTS[bounds]]
    feeds = [tf.placeholder(tf.float32, []) for _ in bounds]
    got = run(backend, [static, tf.range(*feeds)], dict(zip(feeds, bounds)))
    want = np.arange(*(np.float32(b) for b in bounds), dtype=np.float32)
    for g in got:
        assert g.dtype == np.float32 and g.shape == (TF_RANGE_COUNTS[bounds],)
        np.testing.assert_array_equal(g, want)


def test_range_counts_and_errors(backend):
    assert tf.range(0, 10, 3).shape.as_list() == [4]
    assert tf.range(10, 0, -3).shape.as_list() == [4]
    assert tf.range(tf.constant(1.5, tf.float64), 0.1, -0.1).shape.as_list() == [14]
    cases = [((5.0, 1.0, 1.0), "Requires start <= limit when delta > 0: 5/1"),
             ((0.5, 0.1, 0.3), "Requires start <= limit when delta > 0: 0.5/0.1"),
             ((1, 5, -1), "Requires start >= limit when delta < 0: 1/5"),
             ((1.0, 5.0, 0.0), "Requires delta != 0")]
    for bounds, message in cases:
        with pytest.raises(ValueError, match=message + " for 'range"):
            tf.range(*bounds)
        dtype = tf.float32 if isinstance(bounds[0], float) else tf.int32
        feeds = [tf.placeholder(dtype, []) for _ in bounds]
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            run(backend, tf.range(*feeds), dict(zip(feeds, bounds)))
        # (at run time TF's kernel also prints a zero delta)
        assert e.value.message == message + (": 0" if "delta !=" in message else "")


def test_pad_scalar(backend):
    """A rank-0 tensor has paddings of shape [0, 2]; TF returns it unchanged."""
    none = np.zeros([0, 2], np.int32)
    for mode in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        check_forward(lambda x: tf.pad(x, none, mode=mode), lambda x: x,
                      [np.array(1.5)], backend)
    check_forward(lambda x: tf.pad(x, none, constant_values=2.0), lambda x: x,
                  [np.array(-3.0)], backend)
    check_forward(lambda x: tf.pad(x, tf.zeros([0, 2], tf.int64)), lambda x: x,
                  [np.array(7, np.int32)], backend)
    check_gradients(lambda x: tf.pad(x, none) * 3.0, shapes=[()], backend=backend)

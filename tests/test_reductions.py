"""Reductions, argmax / argmin, add_n, matmul, and the shape ops (reshape, shape, size,
rank, zeros / ones / fill / *_like, broadcast_to): values against numpy, static shapes
(unknown dims included), gradients against finite differences, and TF's errors."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_forward, check_gradients, run

rng = np.random.RandomState(2)

REDUCTIONS = {
    "sum": (tf.reduce_sum, np.sum),
    "mean": (tf.reduce_mean, np.mean),
    "max": (tf.reduce_max, np.max),
    "min": (tf.reduce_min, np.min),
    "prod": (tf.reduce_prod, np.prod),
}
AXES = [None, 0, 1, -1, -3, [0, 2], [2, 0], (1,), [-1, 0], [0, 1, 2]]


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_forward(name, axis, keepdims, backend):
    fn, np_fn = REDUCTIONS[name]
    x = rng.uniform(-2, 2, (2, 3, 4))
    got = check_forward(lambda t: fn(t, axis, keepdims=keepdims),
                        lambda a: np_fn(a, axis=_np_axis(axis), keepdims=keepdims), [x],
                        backend, rtol=1e-12, atol=1e-12)
    assert got.dtype == np.float64


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2]], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_gradient(name, axis, keepdims, backend):
    fn, _ = REDUCTIONS[name]
    # A permutation of well-separated values: max / min are never tied.
    x = rng.permutation(24).reshape(2, 3, 4) * 0.1 + 0.05
    check_gradients(lambda t: fn(t, axis, keepdims=keepdims), [x], backend=backend)


def test_reduction_static_shapes():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    assert tf.reduce_sum(x).shape.as_list() == []
    assert tf.reduce_sum(x, 0).shape.as_list() == [3, 4]
    assert tf.reduce_sum(x, 1).shape.as_list() == [None, 4]
    assert tf.reduce_sum(x, [1, -1], keepdims=True).shape.as_list() == [None, 1, 1]
    assert tf.reduce_mean(x, keepdims=True).shape.as_list() == [1, 1, 1]
    assert tf.reduce_max(x, reduction_indices=2).shape.as_list() == [None, 3]
    assert tf.reduce_min(x, 1, keep_dims=True).shape.as_list() == [None, 1, 4]
    unknown = tf.placeholder(tf.float32)
    assert tf.reduce_sum(unknown).shape.as_list() == []   # all axes: a scalar
    assert tf.reduce_sum(unknown, 1).shape.ndims is None
    axis = tf.placeholder(tf.int32, [])
    assert tf.reduce_sum(x, axis, keepdims=True).shape.as_list() == [None, None, None]


def test_reduction_names():
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.reduce_sum(x).name == "Sum:0"
    m = tf.reduce_mean(x, 1)
    assert m.name == "Mean:0" and m.op.inputs[1].op.name == "Mean/reduction_indices"
    assert tf.reduce_max(x, name="biggest").name == "biggest:0"
    assert [tf.reduce_min(x).name, tf.reduce_prod(x).name] == ["Min:0", "Prod:0"]
    b = tf.cast(x, tf.bool)
    assert [tf.reduce_all(b).name, tf.reduce_any(b).name] == ["All:0", "Any:0"]


def test_invalid_reduction_axis():
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match=r"Invalid reduction dimension 2 for input with 2 "
                                         r"dimensions. for 'Sum'"):
        tf.reduce_sum(x, 2)
    with pytest.raises(ValueError, match="Invalid reduction dimension -3"):
        tf.reduce_mean(x, -3)


def test_repeated_axes_reduce_once(backend):
    x = rng.randn(2, 3)
    got = run(backend, tf.reduce_sum(tf.constant(x), [0, 0, -2]))
    np.testing.assert_allclose(got, x.sum(0), rtol=1e-12)


def test_prod_with_zeros_and_its_gradient(backend):
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0], [1.5, -2.0, 4.0]])
    got = check_forward(lambda t: tf.reduce_prod(t, 1), lambda a: np.prod(a, 1), [x], backend)
    np.testing.assert_array_equal(got[:2], [0.0, 0.0])
    # d prod / d x_i is the product of the others: exact with one or two zeros in a row.
    with tf.Graph().as_default():
        c = tf.constant(x)
        g = run(backend, tf.gradients(tf.reduce_prod(c, 1), c)[0])
    want = np.array([[np.prod(np.delete(row, i)) for i in range(3)] for row in x])
    np.testing.assert_allclose(g, want, rtol=1e-12)
    assert want[0, 0] == 6.0 and np.all(want[1] == 0.0)
    check_gradients(lambda t: tf.reduce_prod(t, [0, 1]), [x], backend=backend)
    check_gradients(lambda t: tf.reduce_prod(t), [x[2:]], backend=backend)


def test_extremum_gradient_splits_ties(backend):
    c = tf.constant([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]])
    g_max = tf.gradients(tf.reduce_max(c, 1), c)[0]
    g_min = tf.gradients(tf.reduce_min(c), c)[0]
    got_max, got_min = run(backend, [g_max, g_min])
    # TF shares the gradient equally among tied extrema.
    np.testing.assert_allclose(got_max, [[0, 0.5, 0.5], [1, 0, 0]])
    np.testing.assert_allclose(got_min, [[0, 0, 0], [0, 0, 1]])


def test_empty_reductions_give_identities(backend):
    e = tf.zeros([0, 3])
    got = run(backend, [tf.reduce_sum(e, 0), tf.reduce_prod(e, 0), tf.reduce_max(e, 0),
                        tf.reduce_min(e, 0), tf.reduce_min(tf.zeros([0], tf.int32)),
                        tf.reduce_all(tf.zeros([0, 2], tf.bool), 0),
                        tf.reduce_any(tf.zeros([0, 2], tf.bool), 0)])
    np.testing.assert_array_equal(got[0], [0, 0, 0])
    np.testing.assert_array_equal(got[1], [1, 1, 1])
    np.testing.assert_array_equal(got[2], [-np.inf] * 3)
    np.testing.assert_array_equal(got[3], [np.inf] * 3)
    assert got[4] == np.iinfo(np.int32).max
    np.testing.assert_array_equal(got[5], [True, True])
    np.testing.assert_array_equal(got[6], [False, False])


@pytest.mark.parametrize("fn,np_fn", [(tf.reduce_all, np.all), (tf.reduce_any, np.any)])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, [0, 1]], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_all_any(fn, np_fn, axis, keepdims, backend):
    x = np.array([[True, False, True], [True, True, True]])
    got = check_forward(lambda t: fn(t, axis, keepdims=keepdims),
                        lambda a: np_fn(a, axis=_np_axis(axis), keepdims=keepdims), [x],
                        backend, rtol=0, atol=0)
    assert np.asarray(got).dtype == np.bool_


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32])
def test_integer_and_float32_reductions_keep_dtype(dtype, backend):
    x = np.array([[1, 2, 3], [4, 5, 7]], dtype)
    c = tf.constant(x)
    ops = [tf.reduce_sum(c, 0), tf.reduce_mean(c, 1), tf.reduce_max(c), tf.reduce_prod(c, 1)]
    got = run(backend, ops)
    want = [x.sum(0), x.mean(1), x.max(), x.prod(1)]
    if np.dtype(dtype).kind == "i":   # TF's integer mean truncates
        want[1] = x.sum(1) // 3
    for t, g, w in zip(ops, got, want):
        assert t.dtype == tf.as_dtype(dtype) and g.dtype == dtype
        np.testing.assert_allclose(g, w, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis,keepdims", [(0, False), (1, True), (None, False),
                                           ([0, 1], True)], ids=str)
def test_reduction_with_unknown_batch_dim(name, axis, keepdims, backend):
    """Forward and gradient when the batch size is only known at run time."""
    fn, np_fn = REDUCTIONS[name]
    x = tf.placeholder(tf.float64, [None, 3])
    y = fn(x, axis, keepdims=keepdims)
    w = tf.placeholder(tf.float64)
    g = tf.gradients(tf.reduce_sum(y * w), x)[0]
    assert g.shape.as_list() == [None, 3]
    value = rng.permutation(12).reshape(4, 3) * 0.25 + 0.5
    ax = _np_axis(axis)
    with tf.Session(device=backend) as sess:
        for batch in (4, 2):   # one plan per feed shape; both right
            v = value[:batch]
            wv = rng.uniform(-1, 1, np.shape(np_fn(v, axis=ax, keepdims=keepdims)))
            got_y, got_g = sess.run([y, g], {x: v, w: wv})
            np.testing.assert_allclose(got_y, np_fn(v, axis=ax, keepdims=keepdims), rtol=1e-12)
            np.testing.assert_allclose(got_g, _numeric_grad(np_fn, v, ax, keepdims, wv),
                                       rtol=1e-6, atol=1e-8)


def _numeric_grad(np_fn, v, axis, keepdims, weights, eps=1e-6):
    out = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        plus, minus = v.copy(), v.copy()
        plus[i] += eps
        minus[i] -= eps
        out[i] = (np.sum(np_fn(plus, axis=axis, keepdims=keepdims) * weights) -
                  np.sum(np_fn(minus, axis=axis, keepdims=keepdims) * weights)) / (2 * eps)
    return out


def test_reduction_gradient_with_unknown_rank(backend):
    x = tf.placeholder(tf.float64)
    g = tf.gradients(tf.reduce_mean(tf.reduce_sum(x * x, 1)), x)[0]
    v = rng.randn(2, 3, 2)
    np.testing.assert_allclose(run(backend, g, {x: v}), 2 * v / 4, rtol=1e-12)


# ---------------------------------------------------------------- argmax / argmin
@pytest.mark.parametrize("fn,np_fn", [(tf.argmax, np.argmax), (tf.argmin, np.argmin)])
@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_argmax_argmin(fn, np_fn, axis, backend):
    x = rng.permutation(24).reshape(2, 3, 4).astype(np.float32)
    t = fn(tf.constant(x), axis)
    assert t.dtype == tf.int64
    assert t.shape.as_list() == list(np_fn(x, axis).shape)
    got = run(backend, t)
    np.testing.assert_array_equal(got, np_fn(x, axis))
    assert got.dtype == np.int64


def test_argmax_options_and_errors(backend):
    x = tf.constant([[1, 5, 5], [7, 2, 7]])
    a = tf.argmax(x, 1, output_type=tf.int32)
    b = tf.argmin(x, dimension=0)
    c = tf.argmax(x)   # axis defaults to 0
    assert a.dtype == tf.int32 and b.dtype == tf.int64
    got = run(backend, [a, b, c])
    np.testing.assert_array_equal(got[0], [1, 0])   # ties: the first index, as numpy
    np.testing.assert_array_equal(got[1], [0, 1, 0])
    np.testing.assert_array_equal(got[2], [1, 0, 1])
    assert got[0].dtype == np.int32
    assert a.op.name == "ArgMax" and a.op.inputs[1].op.name == "ArgMax/dimension"
    with pytest.raises(ValueError, match=r"Dimension \(2\) must be in the range \[-2, 2\)"):
        tf.argmax(x, 2)
    p = tf.placeholder(tf.float32, [None, 3])
    assert tf.argmin(p, 1).shape.as_list() == [None]
    assert tf.gradients(tf.cast(tf.argmax(p, 1), tf.float32), p)[0] is None


# ---------------------------------------------------------------- add_n
def test_add_n(backend):
    xs = [rng.randn(2, 3) for _ in range(4)]
    check_forward(lambda *ts: tf.add_n(list(ts)), lambda *a: sum(a), xs, backend, rtol=1e-12)
    check_gradients(lambda a, b, c: tf.add_n([a, b * b, c]), shapes=[(2, 3)] * 3,
                    backend=backend)
    assert tf.add_n([tf.ones([2]), tf.ones([2])]).op.name == "AddN"
    one = tf.ones([2])
    assert tf.add_n([one]) is one


def test_add_n_same_tensor_twice(backend):
    x = tf.constant([1.0, 2.0])
    y = tf.add_n([x, x, x])
    np.testing.assert_array_equal(run(backend, [y, tf.gradients(y, x)[0]]), [[3, 6], [3, 3]])


def test_add_n_errors():
    with pytest.raises(ValueError, match="'AddN'"):
        tf.add_n([tf.ones([2]), tf.ones([3])])
    with pytest.raises(TypeError):
        tf.add_n([tf.ones([2]), tf.ones([2], tf.int32)])
    with pytest.raises(ValueError):
        tf.add_n([])


# ---------------------------------------------------------------- matmul
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_transposes(ta, tb, backend):
    a = rng.randn(*((4, 3) if ta else (3, 4)))
    b = rng.randn(*((5, 4) if tb else (4, 5)))

    def ref(x, y):
        return (x.T if ta else x) @ (y.T if tb else y)
    got = check_forward(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), ref,
                        [a, b], backend, rtol=1e-12)
    assert got.shape == (3, 5)
    check_gradients(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b],
                    backend=backend)


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)),
                                    ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                                    ((1, 3, 4), (2, 4, 5))], ids=str)
@pytest.mark.parametrize("adj", [(False, False), (True, False), (False, True), (True, True)],
                         ids=str)
def test_batch_matmul(shapes, adj, backend):
    sa, sb = list(shapes[0]), list(shapes[1])
    if adj[0]:
        sa[-1], sa[-2] = sa[-2], sa[-1]
    if adj[1]:
        sb[-1], sb[-2] = sb[-2], sb[-1]
    a, b = rng.randn(*sa), rng.randn(*sb)

    def ref(x, y):
        return np.matmul(np.swapaxes(x, -1, -2) if adj[0] else x,
                         np.swapaxes(y, -1, -2) if adj[1] else y)

    def fn(x, y):
        return tf.matmul(x, y, adjoint_a=adj[0], adjoint_b=adj[1])
    check_forward(fn, ref, [a, b], backend, rtol=1e-12)
    check_gradients(fn, [a, b], backend=backend)


def test_matmul_static_shapes_names_and_dtypes(backend):
    x = tf.placeholder(tf.float32, [None, 3])
    m = tf.matmul(x, tf.ones([3, 2]))
    assert m.name == "MatMul:0" and m.shape.as_list() == [None, 2] and m.dtype == tf.float32
    b = tf.matmul(tf.ones([2, 3, 4]), tf.ones([4, 5]))
    assert b.op.type == "BatchMatMulV2" and b.op.name == "MatMul_1"
    assert b.shape.as_list() == [2, 3, 5]
    assert (x @ tf.ones([3, 1])).op.type == "MatMul"
    got = run(backend, m, {x: np.ones((4, 3), np.int64)})
    assert got.dtype == np.float32 and got.shape == (4, 2)
    np.testing.assert_array_equal(got, np.full((4, 2), 3.0))
    i = tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]]))
    assert i.dtype == tf.int32 and run(backend, i).tolist() == [[11]]


def test_matmul_construction_errors():
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 2 for "
                                         r"'MatMul' \(op: 'MatMul'\) with input shapes: "
                                         r"\[2,3\], \[2,3\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    with pytest.raises(ValueError, match="BatchMatMulV2"):
        tf.matmul(tf.ones([2, 3, 4]), tf.ones([2, 5, 4]))
    with pytest.raises(ValueError, match=r"input shapes: \[2,3,4\], \[3,4,5\]"):
        tf.matmul(tf.ones([2, 3, 4]), tf.ones([3, 4, 5]))
    with pytest.raises(TypeError):
        tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.float64))


def test_matmul_runtime_error_names_op(backend):
    a = tf.placeholder(tf.float32, [None, None])
    b = tf.placeholder(tf.float32, [None, None])
    m = tf.matmul(a, b)
    with tf.Session(device=backend) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Matrix size-incompatible: In\[0\]: \[2,3\], "
                                 r"In\[1\]: \[2,3\]") as e:
            sess.run(m, {a: np.ones((2, 3)), b: np.ones((2, 3))})
        assert "node MatMul" in str(e.value) and "test_reductions.py" in str(e.value)
        assert e.value.op is m.op
        assert sess.run(m, {a: np.ones((2, 3)), b: np.ones((3, 1))}).tolist() == [[3], [3]]


# ---------------------------------------------------------------- reshape and shapes
@pytest.mark.parametrize("src,target", [((2, 3, 4), [6, 4]), ((2, 3, 4), [-1]),
                                        ((2, 3, 4), [4, -1]), ((2, 3, 4), [-1, 2, 3]),
                                        ((6,), [1, 6, 1]), ((1,), []), ((0, 3), [-1, 3]),
                                        ((0, 3), [3, 0])], ids=str)
def test_reshape(src, target, backend):
    x = rng.randn(*src)
    got = check_forward(lambda t: tf.reshape(t, target), lambda a: a.reshape(target), [x],
                        backend, rtol=0, atol=0)
    assert tf.reshape(tf.constant(x), target).shape.as_list() == list(got.shape)
    if x.size:
        check_gradients(lambda t: tf.reshape(t, target), [x], backend=backend)


def test_reshape_static_shapes_with_unknown_dims(backend):
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.reshape(x, [-1]).shape.as_list() == [None]
    assert tf.reshape(x, [-1, 6]).shape.as_list() == [None, 6]
    assert tf.reshape(x, [3, -1]).shape.as_list() == [3, None]
    r = tf.reshape(x, tf.stack([tf.size(x)]))
    assert r.shape.ndims == 1
    y = tf.reshape(x, [-1, 1])
    g = tf.gradients(tf.reduce_sum(y * y), x)[0]
    v = rng.randn(5, 3).astype(np.float32)
    got_y, got_g = run(backend, [y, g], {x: v})
    np.testing.assert_array_equal(got_y, v.reshape(-1, 1))
    np.testing.assert_allclose(got_g, 2 * v, rtol=1e-6)
    assert tf.reshape(x, [-1]).op.inputs[1].op.name == "Reshape_5/shape"   # 6th reshape


def test_reshape_construction_errors():
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 6 elements to shape "
                                         r"\[4\] \(4 elements\) for 'Reshape' \(op: 'Reshape'\)"):
        tf.reshape(tf.ones([2, 3]), [4])
    with pytest.raises(ValueError, match="'Reshape_1'"):
        tf.reshape(tf.ones([2, 3]), [4, -1])
    with pytest.raises(ValueError):
        tf.reshape(tf.ones([2, 3]), [-1, -1])


def test_reshape_runtime_error_names_op(backend):
    x = tf.placeholder(tf.float32, [None, 3])
    r = tf.reshape(x, [4, -1])
    with tf.Session(device=backend) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            sess.run(r, {x: np.ones((3, 3))})
        assert "Reshape" in str(e.value) and "test_reductions.py" in str(e.value)
        assert sess.run(r, {x: np.ones((4, 3))}).shape == (4, 3)


def test_shape_size_rank(backend):
    x = tf.placeholder(tf.float32, [None, 3, 2])
    s, n, r = tf.shape(x), tf.size(x), tf.rank(x)
    assert (s.name, n.name, r.name) == ("Shape:0", "Size:0", "Rank:0")
    assert s.dtype == tf.int32 and s.shape.as_list() == [3]
    assert n.dtype == tf.int32 and n.shape.as_list() == []
    assert r.dtype == tf.int32
    assert tf.shape(x, out_type=tf.int64).dtype == tf.int64
    assert tf.size(x, out_type=tf.int64).dtype == tf.int64
    for v in (np.zeros((4, 3, 2)), np.zeros((0, 3, 2))):
        got = run(backend, [s, n, r], {x: v})
        np.testing.assert_array_equal(got[0], v.shape)
        assert got[1] == v.size and got[2] == 3
        assert got[0].dtype == np.int32 and got[1].dtype == np.int32


def test_zeros_ones_fill(backend):
    got = run(backend, [tf.zeros([2, 3]), tf.ones([3], tf.int32), tf.fill([2, 2], 7),
                        tf.fill([3], 0.5), tf.zeros([]), tf.ones((0, 2)),
                        tf.zeros(tf.TensorShape([1, 2]), tf.float64)])
    want = [np.zeros((2, 3), np.float32), np.ones(3, np.int32), np.full((2, 2), 7, np.int32),
            np.full(3, 0.5, np.float32), np.zeros((), np.float32), np.ones((0, 2), np.float32),
            np.zeros((1, 2))]
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)


def test_zeros_ones_fill_with_dynamic_shapes(backend):
    x = tf.placeholder(tf.float32, [None, 3])
    z, o = tf.zeros(tf.shape(x)), tf.ones([tf.size(x) // 3, 2], tf.int64)
    f = tf.fill(tf.shape(x), 2.5)
    assert z.shape.as_list() == [None, 3] and f.shape.as_list() == [None, 3]
    assert o.shape.as_list() == [None, 2] and o.dtype == tf.int64
    got = run(backend, [z, o, f], {x: np.zeros((4, 3))})
    np.testing.assert_array_equal(got[0], np.zeros((4, 3)))
    np.testing.assert_array_equal(got[1], np.ones((4, 2)))
    np.testing.assert_array_equal(got[2], np.full((4, 3), 2.5))
    with pytest.raises(ValueError):
        tf.fill([2], tf.constant([1, 2]))


def test_filled_names():
    assert [tf.zeros([2]).name, tf.ones([2]).name, tf.fill([2], 1.0).name] == \
        ["zeros:0", "ones:0", "Fill:0"]
    assert tf.ones([2, 3], name="o").name == "o:0"
    x = tf.placeholder(tf.float32, [None])
    assert [tf.zeros_like(x).name, tf.ones_like(x).name] == ["zeros_like:0", "ones_like:0"]


def test_zeros_like_ones_like(backend):
    x = tf.placeholder(tf.float32, [None, 2])
    z, o = tf.zeros_like(x), tf.ones_like(x)
    zi, oi = tf.zeros_like(x, dtype=tf.int32), tf.ones_like(x, dtype=tf.bool)
    assert z.shape.as_list() == [None, 2] and z.dtype == tf.float32
    assert zi.dtype == tf.int32 and oi.dtype == tf.bool
    v = rng.randn(3, 2)
    got = run(backend, [z, o, zi, oi], {x: v})
    for g, w in zip(got, [np.zeros((3, 2), np.float32), np.ones((3, 2), np.float32),
                          np.zeros((3, 2), np.int32), np.ones((3, 2), np.bool_)]):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
    assert tf.gradients(tf.reduce_sum(tf.ones_like(x)), x)[0] is None


@pytest.mark.parametrize("src,target", [((3,), [2, 3]), ((3, 1), [2, 3, 4]), ((), [2, 2]),
                                        ((1, 1), [1, 1]), ((1,), [0, 1])], ids=str)
def test_broadcast_to(src, target, backend):
    x = np.asarray(rng.randn(*src))
    got = check_forward(lambda t: tf.broadcast_to(t, target),
                        lambda a: np.broadcast_to(a, target), [x], backend, rtol=0, atol=0)
    assert got.shape == tuple(target)
    if np.prod(target):
        check_gradients(lambda t: tf.broadcast_to(t, target), [x], backend=backend)


def test_broadcast_to_errors_and_names():
    assert tf.broadcast_to(tf.ones([3]), [2, 3]).op.name == "BroadcastTo"
    with pytest.raises(ValueError, match="'BroadcastTo_1'"):
        tf.broadcast_to(tf.ones([3]), [2, 2])

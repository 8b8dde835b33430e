"""Elementwise ops: values against numpy (broadcasting, size-1 and empty dims), result
dtypes, TF's default names, and gradients (first and second order) against finite
differences."""
import numpy as np
import pytest

import tinygraph as tf
from gradcheck import check_forward, check_gradients, run

rng = np.random.RandomState(1)


def away_from(values, points, margin=0.2):
    """`values` pushed at least `margin` away from each kink in `points`."""
    values = np.array(values, dtype=np.float64)
    for p in points:
        near = np.abs(values - p) < margin
        values[near] = p + np.where(values[near] >= p, margin, -margin)
    return values


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# (tinygraph fn, numpy reference, input sampler) for each differentiable unary op.
UNARY = {
    "negative": (tf.negative, np.negative, lambda s: rng.uniform(-2, 2, s)),
    "abs": (tf.abs, np.abs, lambda s: away_from(rng.uniform(-2, 2, s), [0])),
    "square": (tf.square, np.square, lambda s: rng.uniform(-2, 2, s)),
    "sqrt": (tf.sqrt, np.sqrt, lambda s: rng.uniform(0.5, 3, s)),
    "rsqrt": (tf.rsqrt, lambda x: 1 / np.sqrt(x), lambda s: rng.uniform(0.5, 3, s)),
    "reciprocal": (tf.reciprocal, lambda x: 1 / x, lambda s: rng.uniform(0.5, 3, s)),
    "exp": (tf.exp, np.exp, lambda s: rng.uniform(-2, 2, s)),
    "log": (tf.log, np.log, lambda s: rng.uniform(0.5, 3, s)),
    "log1p": (tf.log1p, np.log1p, lambda s: rng.uniform(-0.5, 2, s)),
    "sin": (tf.sin, np.sin, lambda s: rng.uniform(-3, 3, s)),
    "cos": (tf.cos, np.cos, lambda s: rng.uniform(-3, 3, s)),
    "tanh": (tf.tanh, np.tanh, lambda s: rng.uniform(-2, 2, s)),
    "sigmoid": (tf.sigmoid, _sigmoid, lambda s: rng.uniform(-4, 4, s)),
    "relu": (tf.relu, lambda x: np.where(x > 0, x, 0.0),
             lambda s: away_from(rng.uniform(-2, 2, s), [0])),
    "elu": (tf.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1),
            lambda s: away_from(rng.uniform(-2, 2, s), [0])),
    "softplus": (tf.softplus, lambda x: np.log(1 + np.exp(x)), lambda s: rng.uniform(-3, 3, s)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(3, 4), (1,), (), (0, 3)])
def test_unary_forward(name, shape, backend):
    fn, np_fn, sample = UNARY[name]
    check_forward(fn, np_fn, [sample(shape)], backend, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient(name, backend):
    fn, _, sample = UNARY[name]
    check_gradients(fn, [sample((2, 3))], backend=backend)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "elu", "softplus", "sqrt", "rsqrt",
                                  "square", "exp", "log", "reciprocal"])
def test_unary_second_derivative(name, backend):
    """The gradient of the gradient matches finite differences of the first gradient."""
    fn, _, sample = UNARY[name]

    def first_gradient(x):
        return tf.gradients(tf.reduce_sum(fn(x)), x)[0]
    check_gradients(first_gradient, [sample((2, 3))], backend=backend)


def test_tanh_second_derivative_closed_form(backend):
    x = rng.uniform(-2, 2, (5,))
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float64, [5])
        g = tf.gradients(tf.tanh(p), p)[0]
        gg = tf.gradients(g, p)[0]
        got = run(backend, gg, {p: x})
    t = np.tanh(x)
    np.testing.assert_allclose(got, -2 * t * (1 - t * t), rtol=1e-12)


@pytest.mark.parametrize("fn,np_fn", [(tf.floor, np.floor), (tf.ceil, np.ceil),
                                      (tf.round, np.round), (tf.sign, np.sign)])
def test_rounding_and_sign_forward(fn, np_fn, backend):
    # round: TF rounds half to even, as numpy does.
    x = np.array([-2.5, -1.5, -0.5, -0.2, 0.0, 0.3, 0.5, 1.5, 2.5, 2.7])
    check_forward(fn, np_fn, [x], backend, rtol=0, atol=0)


def test_sign_and_abs_on_integers(backend):
    x = np.array([-3, 0, 4], np.int32)
    got = run(backend, [tf.sign(tf.constant(x)), tf.abs(tf.constant(x))])
    np.testing.assert_array_equal(got[0], [-1, 0, 1])
    np.testing.assert_array_equal(got[1], [3, 0, 4])
    assert got[0].dtype == np.int32 and got[1].dtype == np.int32


def test_sign_gradient_is_zero(backend):
    x = tf.constant([-2.0, 3.0])
    g = tf.gradients(tf.reduce_sum(tf.sign(x) * x), x)[0]
    # d/dx (sign(x) * x) = sign(x) when sign is treated as constant.
    np.testing.assert_allclose(run(backend, g), [-1.0, 1.0])


@pytest.mark.parametrize("fn", [tf.exp, tf.log, tf.sqrt, tf.rsqrt, tf.tanh, tf.sigmoid,
                                tf.sin, tf.floor, tf.softplus, tf.elu])
def test_float_math_rejects_integers(fn):
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        fn(tf.constant([1, 2]))


def test_integer_friendly_unary_ops(backend):
    x = np.array([-3, 0, 2], np.int64)
    ops = [tf.negative(x), tf.abs(x), tf.square(x), tf.relu(x), tf.sign(x)]
    got = run(backend, ops)
    for t, g, w in zip(ops, got, [-x, np.abs(x), x * x, np.maximum(x, 0), np.sign(x)]):
        assert t.dtype == tf.int64 and g.dtype == np.int64
        np.testing.assert_array_equal(g, w)


def test_sigmoid_is_stable_for_large_inputs(backend):
    x = np.array([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = tf.constant(x)
        y, g = run(backend, [tf.sigmoid(p), tf.gradients(tf.reduce_sum(tf.sigmoid(p)), p)[0]])
    assert y.dtype == np.float32
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    want = np.array([_sigmoid(v) if abs(v) < 50 else float(v > 0) for v in x.astype(np.float64)])
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-30)
    assert y[0] >= 0 and y[-1] == 1.0


def test_softplus_is_stable_for_large_inputs(backend):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], np.float32)
    y = run(backend, tf.softplus(tf.constant(x)))
    np.testing.assert_allclose(y, np.logaddexp(0, x.astype(np.float64)), rtol=1e-6)


# ---------------------------------------------------------------- binary
BINARY = {
    "add": (tf.add, np.add, None),
    "subtract": (tf.subtract, np.subtract, None),
    "multiply": (tf.multiply, np.multiply, None),
    "divide": (tf.divide, np.divide, "nonzero"),
    "truediv": (tf.truediv, np.true_divide, "nonzero"),
    "maximum": (tf.maximum, np.maximum, None),
    "minimum": (tf.minimum, np.minimum, None),
    "pow": (tf.pow, np.power, "positive"),
    "squared_difference": (tf.squared_difference, lambda x, y: (x - y) ** 2, None),
    "floormod": (tf.floormod, np.mod, "nonzero"),
    "mod": (tf.mod, np.mod, "nonzero"),
}

BROADCASTS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)),
              ((1,), (5,)), ((), (2, 3)), ((0, 3), (3,)), ((2, 0), (2, 1)), ((1, 1), (1,))]


def _sample(kind, shape):
    if kind == "positive":
        return rng.uniform(0.5, 2, shape)
    if kind == "nonzero":
        return away_from(rng.uniform(-2, 2, shape), [0], 0.3)
    return rng.uniform(-2, 2, shape)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", BROADCASTS, ids=str)
def test_binary_forward_broadcasting(name, shapes, backend):
    fn, np_fn, kind = BINARY[name]
    a = _sample("positive" if kind == "positive" else None, shapes[0])
    b = _sample(kind, shapes[1])
    check_forward(fn, np_fn, [a, b], backend, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((3, 1), (1, 2)),
                                    ((), (2, 2))], ids=str)
def test_binary_gradient(name, shapes, backend):
    fn, _, kind = BINARY[name]
    a = _sample("positive" if kind == "positive" else None, shapes[0])
    b = _sample(kind, shapes[1])
    # Keep away from the kinks: ties for maximum / minimum, integer x / y for mod.
    while name in ("maximum", "minimum") and np.min(np.abs(np.subtract(a, b))) < 0.05 or \
            name in ("floormod", "mod") and np.min(np.abs(a / b - np.round(a / b))) < 0.05:
        a, b = _sample(None, shapes[0]), _sample(kind, shapes[1])
    check_gradients(fn, [a, b], backend=backend)


def test_maximum_minimum_gradient_with_ties_goes_to_one_side(backend):
    x, y = tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 0.0, 5.0])
    gx, gy = tf.gradients(tf.reduce_sum(tf.maximum(x, y)), [x, y])
    hx, hy = tf.gradients(tf.reduce_sum(tf.minimum(x, y)), [x, y])
    gx, gy, hx, hy = run(backend, [gx, gy, hx, hy])
    # TF gives a tie to x (x >= y for maximum, x <= y for minimum): the sum stays 1.
    np.testing.assert_array_equal(gx, [1, 1, 0])
    np.testing.assert_array_equal(gy, [0, 0, 1])
    np.testing.assert_array_equal(hx, [1, 0, 1])
    np.testing.assert_array_equal(hy, [0, 1, 0])


def test_floordiv_and_mod_follow_floor_semantics(backend):
    a = np.array([-7, 7, -7, 7, 0], np.int32)
    b = np.array([2, -2, -2, 2, 3], np.int32)
    x, y = tf.constant(a), tf.constant(b)
    got = run(backend, [tf.floordiv(x, y), tf.mod(x, y), x // y, x % y])
    for g, want in zip(got, [a // b, a % b, a // b, a % b]):
        np.testing.assert_array_equal(g, want)
        assert g.dtype == np.int32
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    got = run(backend, [tf.floordiv(fa, fb), tf.floormod(tf.constant(fa), fb)])
    np.testing.assert_array_equal(got[0], np.floor(fa / fb))
    np.testing.assert_array_equal(got[1], np.mod(fa, fb))


@pytest.mark.parametrize("dtype,want", [(tf.int32, np.float64), (tf.int64, np.float64),
                                        (tf.int16, np.float32), (tf.int8, np.float32),
                                        (tf.uint8, np.float32), (tf.float32, np.float32),
                                        (tf.float64, np.float64)])
def test_truediv_dtypes(dtype, want, backend):
    # TF's table: small integers divide in float32, int32 / int64 in float64.
    x = tf.constant([7, 8, 9], dtype)
    y = tf.constant([2, 3, 4], dtype)
    q1, q2 = x / y, tf.divide(x, y)
    assert q1.dtype == tf.as_dtype(want) and q2.dtype == tf.as_dtype(want)
    for got in run(backend, [q1, q2, tf.truediv(x, y)]):
        assert got.dtype == want
        np.testing.assert_allclose(got, np.array([7, 8, 9]) / np.array([2, 3, 4]),
                                   rtol=1e-7 if want == np.float32 else 1e-15)


def test_int_truediv_casts_inside_its_name_scope():
    q = tf.constant(3) / tf.constant(2)
    assert q.op.name == "truediv"
    assert [t.op.name for t in q.op.inputs] == ["truediv/Cast", "truediv/Cast_1"]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32, tf.int64])
def test_arithmetic_keeps_dtype(dtype, backend):
    np_type = dtype.as_numpy_dtype
    a = np.array([[1, 2, 3]], np_type)
    b = np.array([[4], [5]], np_type)
    x, y = tf.constant(a), tf.constant(b)
    ops = [x + y, x - y, x * y, tf.maximum(x, y), tf.minimum(x, y), -x, x * 2, 3 - x,
           tf.square(x), tf.abs(x), tf.squared_difference(x, y)]
    for t in ops:
        assert t.dtype == dtype
    got = run(backend, ops)
    want = [a + b, a - b, a * b, np.maximum(a, b), np.minimum(a, b), -a, a * 2, 3 - a,
            a * a, np.abs(a), (a - b) ** 2]
    for g, w in zip(got, want):
        assert g.dtype == np_type
        np.testing.assert_array_equal(g, w)


def test_float32_results_stay_float32(backend):
    x = tf.placeholder(tf.float32, [3])
    ys = [f(x) for f in (tf.exp, tf.log, tf.sqrt, tf.tanh, tf.sigmoid, tf.softplus, tf.relu,
                         tf.elu, tf.rsqrt, tf.log1p)]
    ys += [x / 3.0, tf.pow(x, 2.0), x ** 0.5]
    got = run(backend, ys, {x: [0.5, 1.0, 2.0]})
    for t, g in zip(ys, got):
        assert t.dtype == tf.float32
        assert g.dtype == np.float32, t.name


def test_mixed_dtypes_raise_type_error():
    with pytest.raises(TypeError, match="Input 'y' of 'Add' Op has type int32 that does not "
                                        "match type float32 of argument 'x'"):
        tf.add(tf.constant(1.0), tf.constant(1))
    with pytest.raises(TypeError, match="float64"):
        tf.multiply(tf.constant(1.0), tf.constant(1.0, tf.float64))
    with pytest.raises(TypeError, match="Expected int32"):
        tf.constant(3) + 2.5


def test_binary_broadcast_mismatch_at_construction():
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 2 for "
                                         r"'add' \(op: 'Add"):
        tf.ones([2, 3]) + tf.ones([2, 2])


def test_python_operands_take_the_tensor_dtype(backend):
    x = tf.constant([1.0, 2.0], tf.float64)
    y = 1 + x * 2 - 0.5
    assert y.dtype == tf.float64
    np.testing.assert_array_equal(run(backend, y), [2.5, 4.5])
    z = np.array([1.0, 2.0]) + tf.constant([1.0, 1.0])   # numpy on the left
    assert isinstance(z, tf.Tensor) and z.dtype == tf.float32
    np.testing.assert_array_equal(run(backend, z), [2.0, 3.0])


# ---------------------------------------------------------------- comparisons and logic
COMPARE = [(tf.equal, np.equal), (tf.not_equal, np.not_equal), (tf.less, np.less),
           (tf.less_equal, np.less_equal), (tf.greater, np.greater),
           (tf.greater_equal, np.greater_equal)]


@pytest.mark.parametrize("fn,np_fn", COMPARE, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1), (4,)), ((0, 2), (2,))],
                         ids=str)
def test_comparisons(fn, np_fn, shapes, backend):
    a = rng.randint(0, 3, shapes[0]).astype(np.float32)
    b = rng.randint(0, 3, shapes[1]).astype(np.float32)
    got = check_forward(fn, np_fn, [a, b], backend, rtol=0, atol=0)
    assert got.dtype == np.bool_


def test_comparison_operators_and_names(backend):
    x, y = tf.constant([1, 2, 3]), tf.constant([2, 2, 2])
    ops = [x < y, x <= y, x > y, x >= y]
    assert [t.op.type for t in ops] == ["Less", "LessEqual", "Greater", "GreaterEqual"]
    got = run(backend, ops)
    a, b = np.array([1, 2, 3]), np.array([2, 2, 2])
    for g, w in zip(got, [a < b, a <= b, a > b, a >= b]):
        np.testing.assert_array_equal(g, w)
    assert tf.gradients(tf.reduce_sum(tf.cast(tf.less(tf.constant(1.0), 2.0), tf.float32)),
                        tf.constant(1.0))[0] is None


@pytest.mark.parametrize("fn,np_fn", [(tf.logical_and, np.logical_and),
                                      (tf.logical_or, np.logical_or),
                                      (tf.logical_xor, np.logical_xor)])
def test_logical_binary(fn, np_fn, backend):
    a = np.array([[True, True, False, False]])
    b = np.array([[True], [False]])
    got = check_forward(fn, np_fn, [a, b], backend, rtol=0, atol=0)
    assert got.shape == (2, 4) and got.dtype == np.bool_


def test_logical_not_and_operators(backend):
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    x, y = tf.constant(a), tf.constant(b)
    got = run(backend, [tf.logical_not(x), ~x, x & y, x | y, x ^ y])
    for g, w in zip(got, [~a, ~a, a & b, a | b, a ^ b]):
        np.testing.assert_array_equal(g, w)


def test_logical_names_match_tf():
    a, b = tf.constant(True), tf.constant(False)
    assert tf.logical_and(a, b).op.name == "LogicalAnd"
    assert tf.logical_xor(a, b).op.name == "LogicalXor"
    assert tf.logical_not(a).op.name == "LogicalNot_1"   # xor made a LogicalNot first


# ---------------------------------------------------------------- cast
@pytest.mark.parametrize("src,dst", [(np.float32, np.int32), (np.float64, np.int64),
                                     (np.float32, np.bool_), (np.bool_, np.float32),
                                     (np.int32, np.float64), (np.float64, np.float32),
                                     (np.int64, np.int32)])
def test_cast(src, dst, backend):
    values = np.array([-2.7, -1.0, -0.5, 0.0, 0.4, 1.9, 3.0])
    a = values.astype(src) if src is not np.bool_ else values > 0
    got = check_forward(lambda x: tf.cast(x, tf.as_dtype(dst)), lambda x: x.astype(dst),
                        [a], backend, rtol=0, atol=0)
    assert got.dtype == dst


def test_cast_truncates_toward_zero_and_names(backend):
    t = tf.cast(tf.constant([-1.7, 1.7, -0.2]), tf.int32)
    assert t.op.name == "Cast" and t.dtype == tf.int32
    np.testing.assert_array_equal(run(backend, t), [-1, 1, 0])
    same = tf.constant([1.0])
    assert tf.cast(same, tf.float32) is same   # no op when the dtype already matches
    assert tf.to_float(tf.constant(1)).dtype == tf.float32
    assert tf.to_int32(tf.constant(1.0)).dtype == tf.int32
    assert tf.to_int64(tf.constant(1.0)).dtype == tf.int64


def test_cast_gradient(backend):
    # Linear through float32, so wide finite-difference steps are exact up to rounding.
    check_gradients(lambda x: tf.cast(tf.cast(x, tf.float32) * 3.0, tf.float64),
                    shapes=[(2, 2)], backend=backend, eps=1e-2, rtol=1e-5, atol=1e-5)
    x = tf.constant([1.5, 2.5])
    # Through an integer cast there is no gradient.
    assert tf.gradients(tf.reduce_sum(tf.cast(tf.cast(x, tf.int32), tf.float32)), x)[0] is None


# ---------------------------------------------------------------- where / select
def test_where_select_same_shape(backend):
    c = rng.uniform(size=(3, 4)) > 0.5
    a, b = rng.randn(3, 4), rng.randn(3, 4)
    got = check_forward(lambda x, y: tf.where(tf.constant(c), x, y),
                        lambda x, y: np.where(c, x, y), [a, b], backend, rtol=0, atol=0)
    assert got.dtype == np.float64


def test_where_vector_condition_picks_rows(backend):
    c = np.array([True, False, True])
    a, b = rng.randn(3, 2, 2), rng.randn(3, 2, 2)
    check_forward(lambda x, y: tf.where(tf.constant(c), x, y),
                  lambda x, y: np.where(c[:, None, None], x, y), [a, b], backend, rtol=0, atol=0)


def test_where_scalar_condition(backend):
    a, b = rng.randn(2, 3), rng.randn(2, 3)
    check_forward(lambda x, y: tf.where(tf.constant(False), x, y), lambda x, y: y, [a, b],
                  backend, rtol=0, atol=0)


def test_where_shape_mismatch_raises():
    with pytest.raises(ValueError):
        tf.where(tf.constant([[True, False]]), tf.ones([2, 2]), tf.ones([2, 2]))
    with pytest.raises(ValueError):
        tf.where(tf.constant([True, False]), tf.ones([2, 2]), tf.ones([3, 2]))


def test_where_gradient(backend):
    c = np.array([[True, False, True], [False, False, True]])
    check_gradients(lambda x, y: tf.where(tf.constant(c), x * x, y * 3.0),
                    shapes=[(2, 3), (2, 3)], backend=backend)
    v = np.array([False, True])
    check_gradients(lambda x, y: tf.where(tf.constant(v), x, y), shapes=[(2, 3), (2, 3)],
                    backend=backend)


def test_where_indices(backend):
    c = np.array([[True, False, True], [False, False, True]])
    idx = tf.where(tf.constant(c))
    assert idx.dtype == tf.int64 and idx.shape.as_list() == [None, 2]
    got = run(backend, idx)
    np.testing.assert_array_equal(got, np.argwhere(c))
    assert got.dtype == np.int64
    # Numbers count as true where non-zero; no hit gives a (0, rank) result.
    x = tf.placeholder(tf.float32, [None])
    got = run(backend, tf.where(tf.not_equal(x, 0.0)), {x: [0.0, 2.0, 0.0, -1.0]})
    np.testing.assert_array_equal(got, [[1], [3]])
    assert run(backend, tf.where(tf.constant([False, False]))).shape == (0, 1)


def test_default_op_names():
    a, b = tf.constant(1.0), tf.constant(2.0)
    names = [(a + b).name, (a + b).name, tf.add(a, b).name, tf.subtract(a, b).name,
             tf.multiply(a, b).name, tf.divide(a, b).name, (a / b).name, tf.truediv(a, b).name]
    assert names == ["add:0", "add_1:0", "Add_2:0", "Sub:0", "Mul:0", "truediv:0",
                     "truediv_1:0", "truediv_2:0"]
    names = [tf.floordiv(a, b), tf.mod(a, b), tf.floormod(a, b), a % b, a // b, a ** b,
             tf.pow(a, b)]
    assert [t.name for t in names] == ["floordiv:0", "FloorMod:0", "FloorMod_1:0", "mod:0",
                                       "floordiv_1:0", "pow:0", "Pow_1:0"]
    names = [tf.negative(a), -a, tf.abs(a), tf.sign(a), tf.square(a), tf.sqrt(a),
             tf.rsqrt(a), tf.exp(a), tf.log(a), tf.log1p(a), tf.tanh(a), tf.sigmoid(a),
             tf.relu(a), tf.elu(a), tf.softplus(a), tf.maximum(a, b), tf.minimum(a, b),
             tf.squared_difference(a, b), tf.cast(a, tf.int32), tf.equal(a, b),
             tf.not_equal(a, b), tf.less(a, b), a < b, tf.where(a < b, a, b), tf.where(a < b)]
    assert [t.op.name for t in names] == [
        "Neg", "Neg_1", "Abs", "Sign", "Square", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p",
        "Tanh", "Sigmoid", "Relu", "Elu", "Softplus", "Maximum", "Minimum",
        "SquaredDifference", "Cast", "Equal", "NotEqual", "Less", "Less_1", "Select", "Where"]
    assert tf.add(a, b, name="mine").name == "mine:0"


def test_binary_runtime_broadcast_error_names_op(backend):
    x = tf.placeholder(tf.float32, [None, None])
    y = tf.placeholder(tf.float32, [None, None])
    z = x + y
    with tf.Session(device=backend) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Incompatible shapes: \[2,3\] vs. \[2,2\]") as e:
            sess.run(z, {x: np.ones((2, 3)), y: np.ones((2, 2))})
        assert "add" in str(e.value) and "test_elementwise.py" in str(e.value)
        np.testing.assert_array_equal(sess.run(z, {x: [[1.0]], y: [[2.0, 3.0]]}), [[3, 4]])


def test_constants_of_one_value_throughout_are_literals(backend):
    """A full array of one value (zeros, a fill, NaNs) as an operand of a fused kernel:
    values as numpy's, whether the kernel takes it as a literal (on OpenCL, no constant
    buffer of its size) or as a buffer (NaN equals no value, so NaNs stay a buffer)."""
    x = np.random.RandomState(3).uniform(-1, 1, (3, 4)).astype(np.float32)
    with tf.Graph().as_default():
        t = tf.placeholder(tf.float32, x.shape)
        fetches = [t + tf.zeros([3, 4]), t * tf.fill([3, 4], 2.5),
                   tf.where(t > 0, t, tf.fill([3, 4], -7.0)), t + tf.fill([3, 4], np.nan)]
        with tf.Session(device=backend) as sess:
            got = sess.run(fetches, {t: x})
            plan = max(sess._plans.values(), key=lambda p: len(getattr(p, "units", ())))
    np.testing.assert_array_equal(got[0], x)
    np.testing.assert_array_equal(got[1], x * np.float32(2.5))
    np.testing.assert_array_equal(got[2], np.where(x > 0, x, np.float32(-7)))
    assert np.isnan(got[3]).all()
    if backend == "opencl":
        consts = [r for r in plan.buffers if r.kind == "const" and r.shape == x.shape]
        assert len(consts) == 1   # the NaNs'

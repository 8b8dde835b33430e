"""Random ops and initializers: shapes, dtypes, statistics (tolerances follow from the
sample size), TF1's seed rules and op names, reproducibility across sessions, and the
initializers' defaults."""
import math

import numpy as np
import pytest

import tinygraph as tf

N = 200_000   # samples per statistics test: the standard error of a mean is 1/sqrt(N)
Z = 5.0       # allowed deviation in standard errors: a false failure is ~1e-6 likely


def sample(t, backend, feed=None):
    with tf.Session(device=backend) as sess:
        return sess.run(t, feed)


def assert_mean_std(x, mean, std):
    """Sample mean within Z standard errors; sample std within Z standard errors of the
    std (about std / sqrt(2N) for a normal-like distribution, doubled for safety)."""
    n = x.size
    assert abs(x.mean() - mean) < Z * std / math.sqrt(n), (x.mean(), mean)
    assert abs(x.std() - std) < Z * 2 * std / math.sqrt(2 * n), (x.std(), std)


# ---------------------------------------------------------------- random ops
@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_random_normal(dtype, backend):
    t = tf.random_normal([N // 100, 100], mean=2.0, stddev=3.0, dtype=dtype)
    assert t.dtype == dtype and t.shape.as_list() == [N // 100, 100]
    x = sample(t, backend)
    assert x.dtype == dtype.as_numpy_dtype and x.shape == (N // 100, 100)
    assert_mean_std(x, 2.0, 3.0)
    # Normal tails: about 4.55% beyond two standard deviations.
    beyond = np.mean(np.abs(x - 2.0) > 6.0)
    assert abs(beyond - 0.0455) < Z * math.sqrt(0.0455 * 0.9545 / x.size)


def test_truncated_normal(backend):
    t = tf.truncated_normal([N], mean=-1.0, stddev=0.5)
    x = sample(t, backend)
    assert x.dtype == np.float32 and x.shape == (N,)
    assert np.all(np.abs(x + 1.0) <= 2 * 0.5 + 1e-6)   # within two standard deviations
    # A standard normal truncated to [-2, 2] has standard deviation 0.87962566.
    assert_mean_std(x, -1.0, 0.5 * 0.87962566103423978)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_random_uniform(dtype, backend):
    x = sample(tf.random_uniform([N], minval=-2.0, maxval=4.0, dtype=dtype), backend)
    assert x.dtype == dtype.as_numpy_dtype
    assert x.min() >= -2.0 and x.max() < 4.0
    assert_mean_std(x, 1.0, 6.0 / math.sqrt(12))
    counts = np.histogram(x, bins=6, range=(-2, 4))[0]   # flat: each bin ~N/6
    assert np.all(np.abs(counts - N / 6) < Z * math.sqrt(N / 6))
    y = sample(tf.random_uniform([1000]), backend)   # default [0, 1)
    assert y.min() >= 0.0 and y.max() < 1.0 and y.std() > 0.2


def test_random_uniform_integers(backend):
    t = tf.random_uniform([N], minval=-3, maxval=5, dtype=tf.int32)
    assert t.dtype == tf.int32 and t.op.type == "RandomUniformInt"
    x = sample(t, backend)
    assert x.dtype == np.int32 and set(np.unique(x)) == set(range(-3, 5))
    counts = np.bincount(x + 3)
    assert np.all(np.abs(counts - N / 8) < Z * math.sqrt(N / 8))
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random_uniform([2], dtype=tf.int64)


def test_random_shapes_and_dtypes(backend):
    p = tf.placeholder(tf.float32, [None, 3])
    dynamic = tf.random_normal(tf.shape(p))
    empty = tf.random_uniform([0, 4])
    scalar = tf.truncated_normal([])
    shaped = tf.random_normal(tf.TensorShape([2, 5]), dtype=tf.float64)
    assert dynamic.shape.as_list() == [None, 3] and empty.shape.as_list() == [0, 4]
    assert scalar.shape.as_list() == [] and shaped.dtype == tf.float64
    d, e, s, h = sample([dynamic, empty, scalar, shaped], backend, {p: np.zeros((7, 3))})
    assert d.shape == (7, 3) and e.shape == (0, 4) and np.shape(s) == () and h.shape == (2, 5)
    assert d.dtype == np.float32 and h.dtype == np.float64
    with pytest.raises(TypeError):
        tf.random_normal([2], dtype=tf.int32)   # 0.0 is no int32, as in TF


def test_random_op_names():
    def names():
        return [op.name for op in tf.get_default_graph().get_operations()]
    r = tf.random_normal([2, 3])
    assert r.name == "random_normal:0"
    assert names() == ["random_normal/shape", "random_normal/mean", "random_normal/stddev",
                       "random_normal/RandomStandardNormal", "random_normal/mul",
                       "random_normal"]
    u = tf.random_uniform([2])
    assert u.name == "random_uniform:0"
    assert names()[6:] == ["random_uniform/shape", "random_uniform/min", "random_uniform/max",
                           "random_uniform/RandomUniform", "random_uniform/sub",
                           "random_uniform/mul", "random_uniform"]
    t = tf.truncated_normal([2], name="tn")
    assert t.name == "tn:0" and "tn/TruncatedNormal" in names()
    assert tf.random_normal([1]).name == "random_normal_1:0"


def _seeds(t):
    """The (seed, seed2) attrs of the random op behind `t`."""
    ops = [t.op] + [i.op for i in t.op.inputs] + [j.op for i in t.op.inputs
                                                  for j in i.op.inputs]
    op = next(o for o in ops if o.type in ("RandomStandardNormal", "RandomUniform",
                                           "TruncatedNormal", "RandomUniformInt"))
    return op.attrs["seed"], op.attrs["seed2"]


def test_seed_rules():
    assert _seeds(tf.random_normal([2])) == (0, 0)            # no seeds: nondeterministic
    assert _seeds(tf.random_normal([2], seed=7)) == (87654321, 7)   # TF's default graph seed
    tf.set_random_seed(5)
    assert tf.get_default_graph().seed == 5
    tf.constant(1.0)
    tf.constant(2.0)
    n_ops = len(tf.get_default_graph().get_operations())
    # Graph seed only: the op seed is the id of the last op created (the random op's
    # own inputs included), so seeds depend on the program's op order.
    assert _seeds(tf.random_normal([2])) == (5, n_ops + 3)
    assert _seeds(tf.random_uniform([2], seed=3)) == (5, 3)
    n_ops = len(tf.get_default_graph().get_operations())
    assert _seeds(tf.truncated_normal([2])) == (5, n_ops + 3)
    tf.set_random_seed(0)
    assert _seeds(tf.random_normal([2], seed=0)) == (0, 2**31 - 1)   # (0, 0) is reserved
    tf.set_random_seed(2**40 + 5)   # seeds are taken modulo 2**31 - 1
    assert _seeds(tf.random_normal([2], seed=2**33)) == (517, 4)
    assert _seeds(tf.random_normal([2], seed=-1)) == (517, 2**31 - 2)


def test_seed_rule_matches_tf_count():
    """As TF 1.15 numbers them: the third random op after two constants."""
    tf.random_normal([2])
    tf.random_normal([2], seed=7)
    tf.set_random_seed(5)
    tf.constant(1.0)
    tf.constant(2.0)
    assert _seeds(tf.random_normal([2])) == (5, 17)
    with tf.variable_scope("v"):
        v = tf.get_variable("w", [3, 4])
    assert _seeds(v.initial_value) == (5, 23)


def _program(op_seed=None, graph_seed=None):
    g = tf.Graph()
    with g.as_default():
        if graph_seed is not None:
            tf.set_random_seed(graph_seed)
        r = tf.random_normal([5], seed=op_seed)
        u = tf.random_uniform([3], seed=op_seed)
    return g, r, u


@pytest.mark.parametrize("seeds", [(1, None), (None, 2), (1, 2)], ids=str)
def test_seeded_programs_repeat_across_sessions(seeds, backend):
    def runs(g, fetches):
        with tf.Session(graph=g, device=backend) as sess:
            return [sess.run(fetches) for _ in range(2)]
    g1, r1, u1 = _program(*seeds)
    g2, r2, u2 = _program(*seeds)
    a, b, c = runs(g1, [r1, u1]), runs(g1, [r1, u1]), runs(g2, [r2, u2])
    for x, y, z in zip(a, b, c):   # same numbers in every session and rebuilt graph
        for xi, yi, zi in zip(x, y, z):
            np.testing.assert_array_equal(xi, yi)
            np.testing.assert_array_equal(xi, zi)
    assert not np.array_equal(a[0][0], a[1][0])   # successive runs draw new numbers
    assert not np.array_equal(a[0][1], a[1][1])


def test_different_seeds_give_different_numbers(backend):
    results = []
    for seeds in [(1, None), (2, None), (None, 1), (1, 1)]:
        g, r, _ = _program(*seeds)
        with tf.Session(graph=g, device=backend) as sess:
            results.append(sess.run(r))
    for i in range(len(results)):
        for j in range(i):
            assert not np.array_equal(results[i], results[j])


def test_unseeded_programs_differ_across_sessions(backend):
    r = tf.random_normal([5])
    with tf.Session(device=backend) as a, tf.Session(device=backend) as b:
        assert not np.array_equal(a.run(r), b.run(r))


def test_two_ops_with_the_same_seeds_in_one_graph_agree(backend):
    tf.set_random_seed(4)
    a = tf.random_uniform([6], seed=9)
    b = tf.random_uniform([6], seed=9)
    c = tf.random_uniform([6], seed=10)
    x, y, z = sample([a, b, c], backend)
    np.testing.assert_array_equal(x, y)   # as in TF: the seeds define the stream
    assert not np.array_equal(x, z)


# ---------------------------------------------------------------- initializers
def _init_value(var_fn, backend):
    v = var_fn()
    with tf.Session(device=backend) as sess:
        sess.run(v.initializer)
        return sess.run(v)


def test_get_variable_default_is_glorot_uniform(backend):
    fan_in, fan_out = 300, 200
    x = _init_value(lambda: tf.get_variable("w", [fan_in, fan_out]), backend)
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    assert x.dtype == np.float32 and x.shape == (fan_in, fan_out)
    assert x.min() >= -limit and x.max() <= limit
    assert x.max() > 0.99 * limit and x.min() < -0.99 * limit   # fills the whole range
    assert_mean_std(x, 0.0, limit / math.sqrt(3))


def test_get_variable_defaults_by_dtype(backend):
    i = _init_value(lambda: tf.get_variable("i", [3], dtype=tf.int32), backend)
    assert i.dtype == np.int32 and i.tolist() == [0, 0, 0]   # integers start at zero
    b = _init_value(lambda: tf.get_variable("b", [4], dtype=tf.float64), backend)
    assert b.dtype == np.float64 and np.all(np.abs(b) <= math.sqrt(6.0 / 8))


def test_glorot_for_convolution_kernels(backend):
    shape = [3, 5, 8, 16]   # fans multiply by the receptive field, 3 * 5
    x = _init_value(lambda: tf.get_variable("k", shape, initializer=tf.glorot_normal_initializer()),
                    backend)
    fan_in, fan_out = 8 * 15, 16 * 15
    std = math.sqrt(2.0 / (fan_in + fan_out))
    assert x.shape == tuple(shape)
    assert np.all(np.abs(x) <= 2 * std / 0.87962566103423978 + 1e-7)
    assert_mean_std(x, 0.0, std)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform",
                                          "normal"])
def test_variance_scaling(mode, distribution, backend):
    fan_in, fan_out, scale = 400, 100, 2.0
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    init = tf.variance_scaling_initializer(scale=scale, mode=mode, distribution=distribution)
    x = _init_value(lambda: tf.get_variable("w", [fan_in, fan_out], initializer=init), backend)
    std = math.sqrt(scale / n)   # every distribution has variance scale / n
    assert_mean_std(x, 0.0, std)
    if distribution in ("truncated_normal", "normal"):
        assert np.max(np.abs(x)) <= 2 * std / 0.87962566103423978 + 1e-6
    elif distribution == "uniform":
        assert np.max(np.abs(x)) <= math.sqrt(3.0) * std + 1e-7
    else:
        assert np.max(np.abs(x)) > 3 * std   # untruncated: tails beyond 2 std exist


def test_variance_scaling_defaults_and_errors(backend):
    init = tf.variance_scaling_initializer()   # scale 1, fan_in, truncated normal
    x = _init_value(lambda: tf.get_variable("w", [500, 400], initializer=init), backend)
    assert_mean_std(x, 0.0, math.sqrt(1.0 / 500))
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(scale=0.0)
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(mode="fan_middle")
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(distribution="cauchy")


def test_constant_zeros_ones_initializers(backend):
    def var(name, init, shape=(2, 3), dtype=tf.float32):
        return lambda: tf.get_variable(name, list(shape), dtype=dtype, initializer=init)
    np.testing.assert_array_equal(_init_value(var("z", tf.zeros_initializer()), backend),
                                  np.zeros((2, 3)))
    np.testing.assert_array_equal(_init_value(var("o", tf.ones_initializer()), backend),
                                  np.ones((2, 3)))
    np.testing.assert_array_equal(_init_value(var("c", tf.constant_initializer(0.5)), backend),
                                  np.full((2, 3), 0.5))
    got = _init_value(var("l", tf.constant_initializer([1, 2, 3, 4, 5, 6])), backend)
    np.testing.assert_array_equal(got, [[1, 2, 3], [4, 5, 6]])
    got = _init_value(var("i", tf.ones_initializer(), dtype=tf.int64), backend)
    assert got.dtype == np.int64 and got.tolist() == [[1, 1, 1]] * 2
    z = _init_value(var("zc", tf.zeros_initializer), backend)   # the class works too
    assert np.all(z == 0)


def test_initializer_call_names_and_dtypes():
    assert tf.zeros_initializer()([2]).name == "zeros:0"
    assert tf.ones_initializer()([2]).name == "ones:0"
    assert tf.constant_initializer(3)([2]).name == "Const:0"
    assert tf.random_normal_initializer()([2]).name == "random_normal:0"
    assert tf.truncated_normal_initializer()([2]).name == "truncated_normal:0"
    assert tf.glorot_uniform_initializer()([2, 2]).name == "random_uniform:0"
    assert tf.zeros_initializer()([2], dtype=tf.int32).dtype == tf.int32
    assert tf.constant_initializer([1, 2])([2]).dtype == tf.float32


@pytest.mark.parametrize("init,mean,std", [
    (tf.random_normal_initializer(1.0, 0.5), 1.0, 0.5),
    (tf.truncated_normal_initializer(mean=-0.5, stddev=0.1), -0.5, 0.1 * 0.87962566103423978),
    (tf.random_uniform_initializer(-1.0, 3.0), 1.0, 4.0 / math.sqrt(12)),
], ids=["random_normal", "truncated_normal", "random_uniform"])
def test_random_initializers(init, mean, std, backend):
    x = _init_value(lambda: tf.get_variable("w", [400, 500], initializer=init), backend)
    assert_mean_std(x, mean, std)
    if isinstance(init, tf.truncated_normal_initializer):
        assert np.all(np.abs(x + 0.5) <= 0.2 + 1e-6)


def test_seeded_initializer_repeats(backend):
    def build():
        g = tf.Graph()
        with g.as_default():
            v = tf.get_variable("w", [3, 3], initializer=tf.glorot_uniform_initializer(seed=4))
        return g, v
    values = []
    for _ in range(2):
        g, v = build()
        with tf.Session(graph=g, device=backend) as sess:
            sess.run(v.initializer)
            values.append(sess.run(v))
            sess.run(v.initializer)   # rerunning the initializer draws anew
            assert not np.array_equal(values[-1], sess.run(v))
    np.testing.assert_array_equal(values[0], values[1])


# ---------------------------------------------------------------- TF's own numbers
# Printed by TensorFlow 1.15 (CPU) for the same programs: tinygraph draws TF's Philox
# streams, so seeded programs print the numbers TF printed. float32 normals may differ
# in the last bit (TF's sincosf / logf), hence rtol 3e-7 there.
TF_NUMBERS = {
    "uniform": [[0.406396746635437, 0.8575996160507202, 0.05539584159851074,
                 0.08587229251861572, 0.41215360164642334, 0.036630868911743164,
                 0.6572133302688599],
                [0.43261289596557617, 0.8689680099487305, 0.2666475772857666,
                 0.6024519205093384, 0.8833823204040527, 0.24750876426696777,
                 0.32722437381744385]],
    "normal": [[-0.6708612442016602, 0.22357144951820374, 0.7972730398178101,
                0.0961705893278122, 0.7231478691101074, 0.338121622800827,
                -0.7300612330436707],
               [0.3638775944709778, -0.35157355666160583, 0.9080837368965149,
                -0.8456484079360962, 0.5244234800338745, 0.658936083316803,
                -0.6479284167289734]],
    "truncated": [[1.0529342889785767, -0.8934996724128723, 0.31027254462242126,
                   1.2299147844314575, -0.05620475485920906, 0.6764454245567322,
                   0.7252890467643738, 0.059370409697294235, 0.5569020509719849],
                  [-1.7973806858062744, 0.4547102749347687, -0.7061474919319153,
                   -0.21796980500221252, -0.7739158272743225, 0.07463690638542175,
                   0.5008190870285034, 0.6620744466781616, -0.3176506459712982]],
    "uniform64": [[0.5648487955888004, 0.9194474020156078, 0.31243668799228974,
                   0.4423241776043363, 0.6128599601727265],
                  [0.46657105190752457, 0.32348397557370445, 0.6772757534184497,
                   0.7273648003998332, 0.9824600707024771]],
    "normal64": [[-1.8465645487534972, 0.38312936758867394, -1.108558220027963,
                  -0.9750421367565687, 0.9153649884698202],
                 [0.8599100608169972, -2.075582350395308, 1.1439382638874938,
                  -0.9836971610208907, 0.8247616815461937]],
    "int32": [[1, 1, 2, 4, 0, 1], [2, 9, 5, 6, 2, 1]],
}


def test_seeded_ops_draw_tensorflows_numbers(backend):
    tf.set_random_seed(1)
    ops = {"uniform": tf.random_uniform([7], seed=2),
           "normal": tf.random_normal([7], seed=3),
           "truncated": tf.truncated_normal([9], seed=4),
           "uniform64": tf.random_uniform([5], seed=5, dtype=tf.float64),
           "normal64": tf.random_normal([5], seed=6, dtype=tf.float64),
           "int32": tf.random_uniform([6], 0, 10, seed=7, dtype=tf.int32)}
    with tf.Session(device=backend) as sess:
        runs = [sess.run(ops), sess.run(ops)]   # the second run continues each stream
    for name, want in TF_NUMBERS.items():
        for run, values in zip(runs, want):
            got = run[name]
            if name == "int32":
                np.testing.assert_array_equal(got, values)
            else:
                rtol = 3e-7 if got.dtype == np.float32 and name != "uniform" else 0
                np.testing.assert_allclose(got, values, rtol=rtol, atol=1e-7 if rtol else 0)


def test_seeded_program_matches_tensorflow(backend):
    """A graph seed alone: op seeds come from op ids, and initializers are random ops."""
    tf.set_random_seed(42)
    tf.Variable(tf.random_normal([30, 40], stddev=0.5), name="w1")
    tf.Variable(tf.truncated_normal([1000], stddev=0.1))
    with tf.variable_scope("layer"):
        kernel = tf.get_variable("kernel", [20, 30])
        k2 = tf.get_variable("k2", [7, 3], initializer=tf.glorot_normal_initializer())
        tf.get_variable("k3", [5, 5], dtype=tf.float64,
                        initializer=tf.truncated_normal_initializer(stddev=2.0))
    u = tf.random_uniform([3, 3], -1, 1)
    big = tf.random_uniform([5], -100, 2**40, dtype=tf.int64)
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        kv, k2v, uv, bv = sess.run([kernel, k2, u, big])
    np.testing.assert_array_equal(kv[0, :4], np.float32([-0.3354896903038025, 0.14626294374465942,
                                                         0.1247449517250061, -0.2586044371128082]))
    np.testing.assert_allclose(k2v[0], [0.2703493535518646, -0.7170827388763428,
                                        -0.38870033621788025], rtol=3e-7)
    np.testing.assert_array_equal(uv[0], np.float32([-0.420421838760376, -0.19834613800048828,
                                                     0.6494235992431641]))
    np.testing.assert_array_equal(bv, [470313983585, 1082050392290, 574180413102,
                                       1024535144771, 618538642748])

"""Random ops on the OpenCL device (kernels/random.cl) against the numpy reference
(framework.philox, TF 1.15's numbers): every op and dtype, sizes that are no multiple of
a Philox block (0, 1, 7, 1001), several seeds, consecutive runs of one session (the
stream advances as on the host), unseeded ops, a counter that wraps around 2^64, the
stream left alone by a failed run, and no host fallback for any of these ops."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.framework import philox
from tinygraph.runtime.opencl.units import HostUnit

FAMILY = {"RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt"}
SIZES = [[0], [1], [7], [1001], [3, 5], [2, 0, 3]]
SEEDS = [(1, None), (7, 3), (123456789, 2**31 - 1)]   # (graph seed, op seed)
RUNS = 2


def draw(device, build, runs=RUNS, setup=None):
    """Each run's values of build()'s fetches in one session, and the op types the plan
    ran on the host."""
    with tf.Graph().as_default():
        fetches = build()
        with tf.Session(device=device) as sess:
            if setup:
                setup(sess)
            out = [sess.run(fetches) for _ in range(runs)]
            hosted = {u.op.type for p in sess._plans.values()
                      for u in getattr(p, "units", ()) if isinstance(u, HostUnit)}
    return out, hosted


def assert_same(got, want, close=False):
    """Equal, bit for bit; with close=True (float64 normals) a few elements may differ
    by a few units in the last place of the largest value: the reference's numpy
    log/sin/cos are vectorised approximations one ulp off the correctly rounded values in
    ~0.3% of cases, the device's are (almost always) correctly rounded, and the error of
    log(u1) passes through sqrt and the product with sin/cos (and mean + stddev * x)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape)
    if not close:
        np.testing.assert_array_equal(got, want)
        return
    if got.size:
        scale = max(1.0, np.abs(want).max())
        np.testing.assert_allclose(got, want, rtol=0, atol=4 * np.finfo(got.dtype).eps * scale)
    if got.size >= 10**4:   # (0.3% expected)
        assert np.mean(got != want) < 0.01, np.mean(got != want)


def check(build, close=lambda i: False, **kw):
    """OpenCL equals numpy run by run; close(i): fetch i is a float64 normal."""
    got, hosted = draw("opencl", build, **kw)
    want, _ = draw("numpy", build, **kw)
    assert not hosted & FAMILY, hosted & FAMILY
    for g_run, w_run in zip(got, want):
        for i, (g, w) in enumerate(zip(g_run, w_run)):
            assert_same(g, w, close=close(i) and np.asarray(w).dtype == np.float64)
    return got


def _ops(shape, dtype, seed):
    graph_seed, op_seed = seed
    tf.set_random_seed(graph_seed)
    return [tf.random_uniform(shape, dtype=dtype, seed=op_seed),
            tf.random_normal(shape, dtype=dtype, seed=op_seed),
            tf.truncated_normal(shape, dtype=dtype, seed=op_seed),
            # the public wrappers: scaled and shifted by fused elementwise kernels
            tf.random_uniform(shape, -3.0, 5.0, dtype=dtype),
            tf.random_normal(shape, mean=1.0, stddev=2.0, dtype=dtype),
            tf.truncated_normal(shape, mean=-1.0, stddev=0.5, dtype=dtype)]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_float_ops_equal_reference(dtype):
    """All sizes and seeds in one graph per seed; two runs each."""
    for seed in SEEDS:
        runs = check(lambda: [t for shape in SIZES for t in _ops(shape, dtype, seed)],
                     close=lambda i: i % 6 not in (0, 3))   # uniforms are exact
        # each run draws new numbers (the stream advanced between them)
        for first, second in zip(*runs):
            assert first.size == 0 or not np.array_equal(first, second)


def test_float32_large_and_truncation():
    """10^5 values: rejection sampling exercised thousands of times."""
    got = check(lambda: [tf.truncated_normal([100003], seed=5),
                         tf.random_normal([333, 301], seed=5),
                         tf.truncated_normal([50001], dtype=tf.float64, seed=6)],
                close=lambda i: True)
    assert np.abs(got[0][0]).max() < 2 and np.abs(got[0][2]).max() < 2


def test_uniform_int_equal_reference():
    def build():
        tf.set_random_seed(4)
        return [t for shape in SIZES for t in (
            tf.random_uniform(shape, -5, 17, dtype=tf.int32),
            tf.random_uniform(shape, -2**31, 2**31 - 1, dtype=tf.int32),   # span 2^32 - 1
            tf.random_uniform(shape, 0, 1, dtype=tf.int32, seed=3),
            tf.random_uniform(shape, -2**40, 2**41, dtype=tf.int64),
            tf.random_uniform(shape, -2**63, 2**63 - 1, dtype=tf.int64, seed=9))]
    check(build)


def test_uniform_int_bounds_fed():
    """minval/maxval known only at run time: drawn on the device; minval >= maxval is the
    reference's error, and that failed run leaves the stream where it was."""
    def build():
        lo, hi = tf.placeholder(tf.int64, []), tf.placeholder(tf.int64, [])
        return lo, hi, tf.random_uniform([9], lo, hi, dtype=tf.int64, seed=2), \
            tf.random_uniform([0], lo, hi, dtype=tf.int64, seed=2), tf.random_normal([5])

    results = {}
    for device in ("numpy", "opencl"):
        with tf.Graph().as_default():
            tf.set_random_seed(8)
            lo, hi, r, empty, other = build()
            with tf.Session(device=device) as sess:
                first = sess.run([r, other], {lo: -4, hi: 1000})
                for bad in ((5, 5), (7, -1)):
                    for fetch in ([r, other], empty):
                        with pytest.raises(tf.errors.InvalidArgumentError) as e:
                            sess.run(fetch, {lo: bad[0], hi: bad[1]})
                        assert e.value.message == f"Need minval < maxval: {bad[0]} >= {bad[1]}"
                second = sess.run([r, other], {lo: -4, hi: 1000})
                hosted = {u.op.type for p in sess._plans.values()
                          for u in getattr(p, "units", ()) if isinstance(u, HostUnit)}
        results[device] = first, second, hosted
    assert not results["opencl"][2] & FAMILY
    for g, w in zip(results["opencl"][:2], results["numpy"][:2]):
        for a, b in zip(g, w):
            assert_same(a, b)
    assert not np.array_equal(results["opencl"][0][0], results["opencl"][1][0])


def test_uniform_int_constant_bad_bounds():
    for device in ("opencl", "numpy"):
        with tf.Graph().as_default():
            r = tf.random_uniform([3], 5, 5, dtype=tf.int32)
            with tf.Session(device=device) as sess:
                with pytest.raises(tf.errors.InvalidArgumentError) as e:
                    sess.run(r)
        assert e.value.message == "Need minval < maxval: 5 >= 5"


def test_failed_run_keeps_streams():
    """A run that fails after the random kernels ran commits no stream advance."""
    def build():
        tf.set_random_seed(3)
        x = tf.placeholder(tf.float32, [None])
        return x, [tf.random_uniform([6], seed=1), tf.truncated_normal([5], seed=2)], \
            tf.check_numerics(x, "bad")

    for device in ("opencl", "numpy"):
        with tf.Graph().as_default():
            x, rs, checked = build()
            with tf.Session(device=device) as sess:
                want = [sess.run(rs), sess.run(rs)]
            with tf.Session(device=device) as sess:
                with pytest.raises(tf.errors.InvalidArgumentError):
                    sess.run([rs, checked], {x: np.array([np.nan], np.float32)})
                got = [sess.run(rs), sess.run(rs)]
        for g, w in zip(got, want):
            for a, b in zip(g, w):
                assert_same(a, b)


def test_unseeded_ops_use_the_session_streams():
    """Without seeds each session picks random 64-bit keys; the device draws exactly
    what the reference generator draws from those keys, run after run."""
    with tf.Graph().as_default():
        ops = [tf.random_uniform([13]), tf.random_normal([6]), tf.truncated_normal([9]),
               tf.random_uniform([5], 0, 100, dtype=tf.int32)]
        with tf.Session(device="opencl") as sess:
            runs = [sess.run(ops) for _ in range(RUNS)]
            generators = dict(sess._state.generators)
    # the random op behind each fetch (the float wrappers scale its output)
    streams = [next(s for name, s in generators.items()
                    if name == t.op.name or name.startswith(t.op.name + "/")) for t in ops]
    draws = [philox.uniform, philox.normal, philox.truncated_normal,
             lambda s, n, dtype: philox.uniform_int(s, n, 0, 100, dtype)]
    for i, (t, fn, stream) in enumerate(zip(ops, draws, streams)):
        replay = philox.PhiloxStream(stream.seed, stream.seed2)
        assert replay.seed > 0 and stream.counter == RUNS * t.shape.num_elements() * 256
        for run in runs:
            np.testing.assert_array_equal(run[i], fn(replay, t.shape.num_elements(),
                                                     t.dtype.as_numpy_dtype))


def test_counter_wraps_around():
    """A stream near the end of its 64-bit counter: blocks wrap to 0, as in TF."""
    def build():
        tf.set_random_seed(11)
        return [tf.random_uniform([1001]), tf.random_normal([7], dtype=tf.float64),
                tf.truncated_normal([9]), tf.random_uniform([9], 0, 7, dtype=tf.int64)]

    def near_the_end(sess):
        for op in tf.get_default_graph().get_operations():
            if op.type in FAMILY:
                stream = philox.PhiloxStream(op.attrs["seed"], op.attrs["seed2"])
                stream.counter = 2**64 - 3000
                sess._state.generators[op.name] = stream
    check(build, close=lambda i: i == 1, setup=near_the_end)

"""kernels/fastmath.cl (exp, tanh, sin... from plain arithmetic, for PoCL) against numpy:
the largest error in ulps over dense sweeps of the float32 and float64 ranges (every
exponent, both signs, subnormals, NaN and inf bit patterns, plus the busy range near
zero), IEEE special values exactly, pow's special cases, and the elementwise ops that use
it on an OpenCL session against the numpy reference, run as device kernels."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime.opencl import device as opencl_device
from tinygraph.runtime.opencl.executor import program_source
from tinygraph.runtime.opencl.units import HostUnit

cl = pytest.importorskip("pyopencl")

L = np.longdouble
EXTENDED = np.finfo(L).nmant > 60   # an 80-bit long double: a float64 reference to spare


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


UNARY = {   # name -> numpy reference (evaluated in float64 for float32, long double for float64)
    "exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "tanh": np.tanh,
    "sigmoid": _sigmoid, "softplus": lambda x: np.logaddexp(x.dtype.type(0), x),
    "sin": np.sin, "cos": np.cos, "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x),
    "rint": np.rint, "floor": np.floor, "ceil": np.ceil, "fabs": np.abs,
}
BINARY = {"pow": np.power, "max": np.maximum, "min": np.minimum, "copysign": np.copysign}
EXACT = {"rint", "floor", "ceil", "fabs", "sqrt", "max", "min", "copysign"}


def has_fp64():
    return bool(opencl_device.get_device_context("opencl").device.double_fp_config)


@pytest.fixture(scope="module")
def fastmath():
    """fn(name, *arrays) -> the tg_<name> of the arrays' type, run on the device."""
    ctx = opencl_device.get_device_context("opencl")
    sources = []
    for ctype in ("float", "double") if has_fp64() else ("float",):
        for name in UNARY:
            sources.append(f"__kernel void u_{name}_{ctype}(__global {ctype}* o, __global const "
                           f"{ctype}* x) {{ const long i = get_global_id(0); "
                           f"o[i] = tg_{name}_{ctype}(x[i]); }}")
        for name in BINARY:
            sources.append(f"__kernel void b_{name}_{ctype}(__global {ctype}* o, __global const "
                           f"{ctype}* x, __global const {ctype}* y) {{ const long i = "
                           f"get_global_id(0); o[i] = tg_{name}_{ctype}(x[i], y[i]); }}")
    program = ctx.program(program_source(sources))

    def run(name, *arrays):
        ctype = "float" if arrays[0].dtype == np.float32 else "double"
        if ctype == "double" and not has_fp64():
            pytest.skip("the device has no cl_khr_fp64")
        kind = "u" if len(arrays) == 1 else "b"
        flags = cl.mem_flags
        bufs = [cl.Buffer(ctx.context, flags.READ_ONLY | flags.COPY_HOST_PTR,
                          hostbuf=np.ascontiguousarray(a)) for a in arrays]
        out = np.empty_like(arrays[0])
        obuf = cl.Buffer(ctx.context, flags.READ_WRITE, out.nbytes)
        kernel = cl.Kernel(program, f"{kind}_{name}_{ctype}")
        kernel.set_args(obuf, *bufs)
        cl.enqueue_nd_range_kernel(ctx.queue, kernel, (out.size,), None)
        cl.enqueue_copy(ctx.queue, out, obuf)
        ctx.queue.finish()
        return out
    return run


def sweep(dtype, n_bits, n_dense, seed=0):
    """Every n-th bit pattern of the type (all exponents, signs, NaN, inf, subnormals)
    and a dense random sample of [-40, 40] and of magnitudes in [1e-6, 1e3]."""
    rng = np.random.RandomState(seed)
    if dtype == np.float32:
        bits = (np.arange(n_bits, dtype=np.uint64) * (2**32 // n_bits) + 12345) \
            .astype(np.uint32).view(np.float32)
    else:
        bits = (np.arange(n_bits, dtype=np.uint64) * np.uint64(2**64 // n_bits)
                + np.uint64(0x123456789)).view(np.float64)
    dense = np.concatenate([rng.uniform(-40, 40, n_dense),
                            np.exp(rng.uniform(-14, 7, n_dense)) * rng.choice([-1, 1], n_dense)])
    return np.concatenate([bits, dense.astype(dtype)])


def ulp_error(got, want, dtype):
    """|got - want| in units in the last place of `want` on dtype's grid (subnormal
    spacing below the normal range)."""
    info = np.finfo(dtype)
    want = np.asarray(want, L)
    _, e = np.frexp(np.abs(want))
    ulp = np.ldexp(L(1), np.maximum(e - info.nmant - 1, info.minexp - info.nmant))
    return np.abs(got.astype(L) - want) / ulp


def check(got, want, dtype, max_ulp, what):
    """Non-finite and zero results exactly (a zero's sign too), the others within
    max_ulp ulps; returns the largest error seen."""
    want = np.asarray(want)
    with np.errstate(over="ignore"):
        want_t = np.asarray(want, L).astype(dtype)
    special = ~np.isfinite(want) | (want == 0)
    same = (got == want_t) & (np.signbit(got) == np.signbit(want_t)) | \
        (np.isnan(got) & np.isnan(want_t))
    bad = special & ~same
    assert not bad.any(), f"{what}: x where it is wrong: {np.flatnonzero(bad)[:5]}, got " \
                          f"{got[bad][:5]}, want {want_t[bad][:5]}"
    # beyond the largest finite value: inf, or the largest value within max_ulp
    over = ~special & (np.abs(want_t) == np.inf)
    assert np.all(np.isinf(got[over]) | (np.abs(got[over]) >= np.finfo(dtype).max * (1 - 1e-6)))
    fine = ~special & ~over
    err = ulp_error(got[fine], want[fine], dtype)
    worst = float(err.max()) if err.size else 0.0
    i = int(np.argmax(err)) if err.size else 0
    assert worst <= max_ulp, f"{what}: {worst:.3f} ulp for {got[fine][i]!r}, want " \
                             f"{want[fine][i]!r}"
    return worst


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32_ulp(fastmath, name):
    x = sweep(np.float32, 1 << 20, 250_000)
    with np.errstate(all="ignore"):
        want = UNARY[name](x.astype(np.float64))
    worst = check(fastmath(name, x), want, np.float32, 0.5 if name in EXACT else 2.0,
                  f"tg_{name}_float")
    print(f"tg_{name}_float: max {worst:.3f} ulp")


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float64_ulp(fastmath, name):
    x = sweep(np.float64, 1 << 19, 125_000)
    with np.errstate(all="ignore"):
        want = UNARY[name](x.astype(L))
    limit = (0.5 if name in EXACT else 2.0) + (0 if EXTENDED else 0.5)
    worst = check(fastmath(name, x), want, np.float64, limit, f"tg_{name}_double")
    print(f"tg_{name}_double: max {worst:.3f} ulp")


SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0,
           1e-45, -1e-45, 1e-40, 1.2e-38, -1.2e-38, 1e-30, 88.72283, 88.7229, 89.0, -87.33,
           -103.97, -104.0, -150.0, 20.0, -20.0, 9.1, 0.55, 0.625, 1e20, -1e20, 3.4e38,
           -3.4e38, 8388607.5, 8388608.5, -8388609.0, 709.78, 709.8, -745.13, -745.2,
           1e300, -1e300, 2.2250738585072014e-308, 5e-324, -5e-324, 4503599627370495.5,
           np.pi / 4, np.pi / 2, np.pi, 1e22, 6381956970095103.0 * 2.0 ** 797]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values(fastmath, dtype):
    with np.errstate(all="ignore"):
        x = np.array(SPECIAL, dtype)
        x = np.concatenate([x, -x])
        for name, ref in UNARY.items():
            want = ref(x.astype(np.float64 if dtype == np.float32 else L))
            check(fastmath(name, x), want, dtype, 0.5 if name in EXACT else 2.0, name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow(fastmath, dtype):
    rng = np.random.RandomState(1)
    n = 200_000
    big = 700 if dtype == np.float64 else 80
    with np.errstate(all="ignore"):
        x = np.concatenate([np.exp(rng.uniform(-8, 8, n)), np.exp(rng.uniform(-big, big, n)),
                            1 + rng.uniform(-1e-3, 1e-3, n), -np.round(rng.uniform(0, 5, n), 1),
                            sweep(dtype, n, 0)[:n]]).astype(dtype)
    y = np.concatenate([rng.uniform(-10, 10, n), rng.uniform(-1.5, 1.5, n),
                        rng.uniform(-1e5, 1e5, n), np.round(rng.uniform(-9, 9, n)),
                        rng.uniform(-3, 3, n)]).astype(dtype)
    grid = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, np.inf, -np.inf,
                     np.nan, 1e-40, -2.5, 7.0, 2.0**60, -2.0**60, 2.0**24 + 2], dtype)
    gx, gy = np.meshgrid(grid, grid)   # C99's special cases (numpy follows them)
    x, y = np.concatenate([x, gx.ravel()]), np.concatenate([y, gy.ravel()])
    with np.errstate(all="ignore"):
        want = np.power(x.astype(L), y.astype(L))
    limit = 2.0 if dtype == np.float32 or EXTENDED else 2.5
    worst = check(fastmath("pow", x, y), want, dtype, limit, "pow")
    print(f"tg_pow_{'float' if dtype == np.float32 else 'double'}: max {worst:.3f} ulp")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_min_max_copysign_exact(fastmath, dtype):
    x = sweep(dtype, 1 << 16, 1000, seed=3)
    y = sweep(dtype, 1 << 16, 1000, seed=4)[::-1].copy()
    for name in ("max", "min", "copysign"):
        got, want = fastmath(name, x, y), BINARY[name](x, y)
        assert np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(np.signbit(got[got == 0]), np.signbit(want[want == 0]))


def test_header_included_once_and_only_when_used():
    a = "__kernel void a(__global float* o) { o[0] = tg_exp_float(o[0]); }"
    b = "__kernel void b(__global double* o) { o[0] = tg_tanh_double(o[0]); }"
    text = program_source([a, b])
    assert text.count("TG_INLINE float tg_exp_float(float x)") == 1
    assert text.index("tg_exp_float(float x)") < text.index("__kernel void a")
    assert "tg_" not in program_source(["__kernel void c(__global float* o) { o[0] = 1; }"])


# --- the ops on an OpenCL session against the numpy reference ---------------------------
def _values(dtype):
    rng = np.random.RandomState(5)
    edge = [0.0, -0.0, 1e-30, -1e-30, 0.5, -0.5, 1.5, 2.5, -2.5, 7.0, 30.0, -30.0, 90.0,
            -90.0, 120.0, -120.0, np.inf, -np.inf, np.nan]
    return np.concatenate([rng.randn(3000) * 4, rng.uniform(-1, 1, 1000), edge]).astype(dtype)


UNARY_OPS = {
    "Exp": tf.exp, "Log": tf.log, "Log1p": tf.log1p, "Sin": tf.sin, "Cos": tf.cos,
    "Floor": tf.floor, "Ceil": tf.ceil, "Round": tf.round, "Tanh": tf.tanh,
    "Sigmoid": tf.sigmoid, "Sqrt": tf.sqrt, "Rsqrt": tf.rsqrt, "Abs": tf.abs,
    "Elu": tf.nn.elu, "Selu": tf.nn.selu, "Softplus": tf.nn.softplus,
    "Softsign": tf.nn.softsign, "Relu6": tf.nn.relu6,
}
BINARY_OPS = {"Maximum": tf.maximum, "Minimum": tf.minimum, "Pow": tf.pow,
              "FloorDiv": tf.floordiv, "FloorMod": tf.floormod}


def _both(build, feeds):
    """build() -> fetches, on both backends: (opencl, numpy) values, and the op types
    the OpenCL plan ran on the host."""
    out = []
    for device in ("opencl", "numpy"):
        with tf.Graph().as_default():
            phs = [tf.placeholder(tf.as_dtype(v.dtype), v.shape) for v in feeds]
            fetches = build(*phs)
            with tf.Session(device=device) as sess:
                out.append(sess.run(fetches, dict(zip(phs, feeds))))
                hosted = {u.op.type for p in sess._plans.values()
                          for u in getattr(p, "units", ()) if isinstance(u, HostUnit)}
    return out[0], out[1], hosted


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ops_match_numpy_on_opencl(dtype):
    x = _values(dtype)
    y = np.roll(x, 7)
    y_pos = np.abs(x[::-1]) + np.asarray(0.25, dtype)
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    names = list(UNARY_OPS) + list(BINARY_OPS)

    finite = np.nan_to_num(x, posinf=3.0, neginf=-3.0)   # (floor division: numpy's divmod
    # gives inf // y and x // inf other values than floor(x / y), as before fastmath.cl)

    def build(a, b, c, d):
        return [UNARY_OPS[n](a) for n in UNARY_OPS] + \
               [tf.maximum(a, b), tf.minimum(a, b), tf.pow(a, c), tf.floordiv(d, c[::-1]),
                tf.floormod(d, c[::-1])] + \
               [tf.gradients(tf.reduce_sum(tf.nn.softplus(a)), a)[0]]   # SoftplusGrad
    with np.errstate(all="ignore"):
        got, want, hosted = _both(build, [x, y, np.where(np.isfinite(y_pos), y_pos, 2.0)
                                          .astype(dtype), finite])
    for name, g, w in zip(names + ["SoftplusGrad"], got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol, equal_nan=True, err_msg=name)
        assert g.dtype == w.dtype == dtype
    assert not hosted & set(names), f"ran on the host: {hosted & set(names)}"


def test_int_ops_on_opencl():
    x = np.array([-9, -6, -1, 0, 1, 3, 6, 7, 100], np.int32)
    got, want, hosted = _both(lambda a: [tf.nn.relu6(a), tf.abs(a), tf.round(a),
                                         tf.maximum(a, 2), tf.minimum(a, 2)], [x])
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert not hosted


def test_softmax_and_xent_use_fastmath():
    rng = np.random.RandomState(0)
    logits = (rng.randn(37, 11) * 5).astype(np.float32)
    labels = rng.randint(0, 11, 37).astype(np.int64)

    def build(a):
        return [tf.nn.softmax(a), tf.nn.log_softmax(a),
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=a)]
    got, want, hosted = _both(build, [logits])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    assert not hosted

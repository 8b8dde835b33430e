"""Data-movement ops on the OpenCL device against the numpy reference: odd shapes (dims
of 1, empty dims, 10^6-element copies, negative strides, indices known only at run
time), every element type the kernels take, the reference's error messages, and no host
fallback for any of these ops."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime.opencl.units import HostUnit

FAMILY = {"Transpose", "ConcatV2", "Pack", "Unpack", "Split", "SplitV", "Slice",
          "StridedSlice", "StridedSliceGrad", "Tile", "Pad", "PadV2", "MirrorPad",
          "MirrorPadGrad", "ReverseV2", "GatherV2", "UnsortedSegmentSum", "OneHot", "Range"}
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_]


def sample(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    if dtype == np.bool_:
        return rng.rand(*shape) > 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.randint(-1000, 1000, shape).astype(dtype)
    return rng.randn(*shape).astype(dtype)


def run(device, build, values):
    """build(*placeholders) -> list of fetches, run on `device` with `values` fed; returns
    the results and the op types the plan ran on the host."""
    with tf.Graph().as_default():
        feeds = [tf.placeholder(tf.as_dtype(v.dtype), v.shape) for v in values]
        fetches = build(*feeds)
        with tf.Session(device=device) as sess:
            out = sess.run(fetches, dict(zip(feeds, values)))
            hosted = {u.op.type for p in sess._plans.values()
                      for u in getattr(p, "units", ()) if isinstance(u, HostUnit)}
    return out, hosted


def check(build, *values, exact=True):
    """The OpenCL results equal the reference's (exactly: these ops only move elements,
    and the sums add in the reference's order), and none of these ops ran on the host."""
    got, hosted = run("opencl", build, values)
    want, _ = run("numpy", build, values)
    assert not hosted & FAMILY, hosted & FAMILY
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12 if g.dtype == np.float64 else 1e-6)
    return got


def check_error(build, *values):
    """Both backends fail the run with the same message."""
    messages = []
    for device in ("opencl", "numpy"):
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            run(device, build, values)
        messages.append(info.value.message)
    assert messages[0] == messages[1], messages
    return messages[0]


# ---------------------------------------------------------------- transpose
@pytest.mark.parametrize("shape,perm", [
    ((1,), (0,)), ((0, 3), (1, 0)), ((3, 1, 4), (2, 0, 1)), ((2, 3, 4, 5), (3, 1, 0, 2)),
    ((4, 3, 2, 5, 3), (4, 2, 0, 3, 1)), ((2, 3, 2, 3, 2, 3), (5, 0, 4, 1, 3, 2)),
    ((5, 7), (0, 1)), ((1, 5, 1), (2, 1, 0)), ((3, 4, 5, 6, 7), (4, 3, 2, 1, 0))])
def test_transpose(shape, perm):
    check(lambda x: [tf.transpose(x, perm)], sample(shape, np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose_dtypes(dtype):
    check(lambda x: [tf.transpose(x, [1, 2, 0]), tf.transpose(x)], sample((3, 17, 5), dtype))


def test_transpose_million_elements():
    check(lambda x: [tf.transpose(x), tf.transpose(tf.reshape(x, [100, 100, 100]), [2, 0, 1])],
          sample((1000, 1000), np.float32))


# ---------------------------------------------------------------- slices
def test_strided_slices():
    check(lambda x: [x[::-1], x[1:-1:2, ::-3], x[..., None, 2], x[-1], x[:, 0:0], x[3:1],
                     x[1:2, 4:5, :1], x[::-2, 1, ::-1], x[tf.newaxis, ..., -1:]],
          sample((5, 7, 3), np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
def test_slice_dtypes(dtype):
    check(lambda x: [tf.slice(x, [1, 0, 2], [-1, 1, 2]), tf.slice(x, [0, 0, 0], [0, 2, 1]),
                     x[:, ::-2, 1:], tf.strided_slice(x, [0, 3, 1], [2, 0, 4], [1, -1, 2])],
          sample((3, 4, 5), dtype))


def test_slices_of_a_million_elements():
    check(lambda x: [x[::-1, ::-1], x[1:-1, ::3], tf.slice(x, [10, 20], [900, 900]),
                     x[:, 500]], sample((1000, 1000), np.float32))


def test_slice_at_run_time_indices():
    """x[i] with i fed: the start moves on the device."""
    x_value = sample((4, 3, 5), np.float32)
    for i in (0, 3, -1, -4):
        check(lambda x, i: [x[i], x[i, 1:, ::-1], x[:, i % 3], x[1:, i % 3, 2],
                            tf.slice(x, tf.stack([i % 2, 0, 1]), [2, 3, 2])],
              x_value, np.array(i, np.int32))
    check(lambda x, i: [x[i]], x_value, np.array(2, np.int64))
    # views of rank 4 after the index: one launch per leading index, or divisions
    check(lambda x, i: [x[i, ::2, ::-1, 1:, ::3], x[i, ::2, ::2, ::3, ::2] * 2.0],
          sample((3, 40, 4, 4, 6), np.float32), np.array(-2, np.int32))


@pytest.mark.parametrize("i", [4, -5])
def test_run_time_index_out_of_range(i):
    message = check_error(lambda x, i: [x[1:, i]], sample((2, 4), np.float32),
                          np.array(i, np.int32))
    assert "out of bounds" in message


def test_run_time_slice_begin_out_of_range():
    message = check_error(lambda x, b: [tf.slice(x, b, [2, 1])], sample((3, 4), np.float32),
                          np.array([2, 0], np.int32))
    assert "Expected size[0] in [0, 1], but got 2" in message
    message = check_error(lambda x, i: [tf.slice(x, tf.stack([1, i]), [2, 1])],
                          sample((3, 4), np.float32), np.array(-1, np.int32))
    assert "Expected begin[1] in [0, 4], but got -1" in message


def test_strided_slice_gradients():
    x_value, w = sample((4, 5, 3), np.float64), sample((2, 3, 2), np.float64, 1)
    check(lambda x: tf.gradients(tf.reduce_sum(x[1:3, ::-2, 1:] * w), x) +
          tf.gradients(tf.reduce_sum(x[-1] * 2.0), x), x_value)
    check(lambda x, i: tf.gradients(tf.reduce_sum(x[i] * x[i]), x), x_value,
          np.array(2, np.int32))


# ---------------------------------------------------------------- concat, stack, split
@pytest.mark.parametrize("dtype", DTYPES)
def test_concat_stack_unstack(dtype):
    a, b = sample((2, 3, 4), dtype), sample((2, 1, 4), dtype, 1)
    check(lambda a, b: [tf.concat([a, b, a], 1), tf.concat([a, a], -1), tf.concat([a, a], 0),
                        tf.stack([a, a, a], axis=2), tf.stack([b], axis=0),
                        tf.stack([a[:, 0], b[:, 0]], axis=-1)] + tf.unstack(a, axis=1) +
          tf.unstack(b, axis=1), a, b)


def test_concat_with_empty_parts_and_big_parts():
    check(lambda a, e: [tf.concat([e, a, e], 0), tf.concat([a, a], 1), tf.stack([a, a], 1)],
          sample((1000, 500), np.float32), sample((0, 500), np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_split(dtype):
    check(lambda x: tf.split(x, 3, axis=1) + tf.split(x, [2, -1, 0], axis=2) +
          tf.split(x, [1, 1], 0) + tf.split(x, 1, 0), sample((2, 6, 5), dtype))


# ---------------------------------------------------------------- tile, reverse, pad
@pytest.mark.parametrize("dtype", DTYPES)
def test_tile_and_reverse(dtype):
    check(lambda x: [tf.tile(x, [2, 1, 3]), tf.tile(x, [1, 0, 2]), tf.tile(x, [3, 2, 2]),
                     tf.reverse(x, [0, 2]), tf.reverse(x, [-2]), tf.reverse(x, [])],
          sample((3, 1, 5), dtype))


def test_tile_and_reverse_large():
    check(lambda x: [tf.tile(x, [2, 2]), tf.reverse(x, [1]), tf.tile(x[:2], [1, 1])],
          sample((1000, 1000), np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pads(dtype):
    def build(x):
        one = tf.ones([], x.dtype) if x.dtype != tf.bool else tf.constant(True)
        return [tf.pad(x, [[1, 0], [0, 2], [3, 1]]), tf.pad(x, [[0, 0]] * 3, constant_values=one),
                tf.pad(x, [[2, 1], [1, 1], [0, 0]], constant_values=one),
                tf.pad(x, [[1, 2], [0, 0], [4, 3]], mode="REFLECT"),
                tf.pad(x, [[3, 3], [1, 1], [5, 0]], mode="SYMMETRIC")]
    check(build, sample((3, 1, 5), dtype))


def test_pad_empty_and_large():
    check(lambda e: [tf.pad(e, [[1, 1], [0, 2]]), tf.pad(e, [[0, 0], [1, 2]], mode="SYMMETRIC")],
          sample((0, 3), np.float32))
    check(lambda x: [tf.pad(x, [[1, 2], [3, 4]]), tf.pad(x, [[5, 5], [1, 0]], mode="REFLECT")],
          sample((999, 1001), np.float32))


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
def test_mirror_pad_gradient(mode):
    w = sample((7, 1, 10, 3), np.float64, 1)
    check(lambda x: tf.gradients(tf.reduce_sum(tf.pad(x, [[2, 1], [0, 0], [3, 3], [1, 0]],
                                                      mode=mode) * w), x),
          sample((4, 1, 4, 2), np.float64))


# ---------------------------------------------------------------- gather and its gradient
@pytest.mark.parametrize("dtype", DTYPES)
def test_gather(dtype):
    x = sample((4, 3, 5), dtype)
    check(lambda x, i, j: [tf.gather(x, i), tf.gather(x, j, axis=1), tf.gather(x, i, axis=-1),
                           tf.gather(x, i[0, 0], axis=2), tf.gather(x, j[:0]),
                           tf.gather(x[:, :, :0], j, axis=1)],
          x, np.array([[3, 0, 2], [1, 1, 0]], np.int32), np.array([2, 0, 1, 2], np.int64))


def test_gather_rows_of_a_large_table():
    check(lambda x, i: [tf.gather(x, i), tf.gather(x, i[:7], axis=1)],
          sample((1000, 1000), np.float32),
          np.random.RandomState(1).randint(0, 1000, 1500).astype(np.int32))


@pytest.mark.parametrize("bad", [[0, 5], [-1, 0]])
def test_gather_index_errors(bad):
    message = check_error(lambda x, i: [tf.gather(x, i, axis=1)], sample((2, 5), np.float32),
                          np.array([[1, 2], bad], np.int32))
    assert "is not in [0, 5)" in message
    check_error(lambda x, i: [tf.gather(x, i)], sample((3, 0), np.float32),
                np.array([0, 3], np.int64))   # nothing gathered, still checked


@pytest.mark.parametrize("ids_type", [np.int32, np.int64])
@pytest.mark.parametrize("rows,num,inner", [(6, 4, 3), (1, 1, 1), (0, 3, 2), (3000, 100, 20)])
def test_unsorted_segment_sum(ids_type, rows, num, inner):
    """Both device paths (scan, and sort when there are many ids), negative ids dropped."""
    rng = np.random.RandomState(3)
    data = rng.randn(rows, inner)
    ids = rng.randint(-1, num, rows).astype(ids_type)
    check(lambda d, i: [tf.unsorted_segment_sum(d, i, num),
                        tf.unsorted_segment_sum(tf.cast(d * 10, tf.int32), i, num)],
          data, ids)


def test_unsorted_segment_sum_errors():
    message = check_error(lambda d, i: [tf.unsorted_segment_sum(d, i, 3)],
                          sample((4, 2), np.float32), np.array([0, 2, 3, -1], np.int32))
    assert message == "segment_ids[2] = 3 is out of range [0, 3)"
    check_error(lambda d, i: [tf.unsorted_segment_sum(d, i, 3)],
                sample((4, 0), np.float32), np.array([0, 5, 1, 1], np.int32))


def test_gather_gradient():
    x_value = sample((5, 4, 3), np.float64)
    i_value = np.array([[4, 0], [4, 4], [2, 0]], np.int32)
    check(lambda x, i: tf.gradients(tf.reduce_sum(tf.gather(x, i) ** 2), x) +
          tf.gradients(tf.reduce_sum(tf.gather(x, i[2], axis=1) * 3.0), x),
          x_value, i_value, exact=False)


# ---------------------------------------------------------------- one_hot, range
@pytest.mark.parametrize("index_type", [np.int32, np.int64, np.uint8])
def test_one_hot(index_type):
    i = np.array([[0, 3, 1], [2, 2, 4]]).astype(index_type)
    check(lambda i: [tf.one_hot(i, 4), tf.one_hot(i, 3, axis=0), tf.one_hot(i, 5, axis=1),
                     tf.one_hot(i, 4, on_value=7, off_value=-1),
                     tf.one_hot(i, 2, on_value=True, off_value=False, axis=-1),
                     tf.one_hot(i, 0), tf.one_hot(i[:0], 3),
                     tf.one_hot(i, 3, dtype=tf.float64)], i)
    check(lambda i: [tf.one_hot(i, 1000)],
          np.random.RandomState(2).randint(0, 1000, 3001).astype(index_type))


def test_range_too_long_to_fold():
    check(lambda: [tf.range(3, 5 * 10**6 + 3), tf.range(-2, -7 * 5 * 10**6, -7, tf.int64),
                   tf.range(0.25, 0.7 * 5 * 10**6 + 0.1, 0.7), tf.range(0.5, 0.3 * 5 * 10**6, 0.3,
                                                                        dtype=tf.float64)])


def test_no_copy_when_the_bytes_stay():
    """Ops that leave the bytes in place are views of their input: the plan has only the
    kernels of the multiplications."""
    x = sample((3, 4, 1), np.float32)
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, x.shape)
        views = [tf.transpose(p, [0, 2, 1]), p[:, :], tf.slice(p, [0, 0, 0], [-1, -1, -1]),
                 tf.split(p, 1, 0)[0], tf.reverse(p, []), tf.tile(p, [1, 1, 1]),
                 tf.pad(p, [[0, 0]] * 3, mode="SYMMETRIC"), tf.unstack(p[None], axis=0)[0]]
        with tf.Session(device="opencl") as sess:
            got = sess.run([t * 2.0 for t in views], {p: x})
            plan = next(iter(sess._plans.values()))
    names = [getattr(u, "name", type(u).__name__) for u in plan.units]
    assert all(n.startswith("fused") for n in names), names
    for g, w in zip(got, [np.transpose(x, [0, 2, 1])] + [x] * 7):
        np.testing.assert_array_equal(g, w * 2)

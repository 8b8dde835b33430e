"""The numpy backend drops each value after its last use: a run's peak memory is what is
alive at once, not everything it computed."""
import tracemalloc

import numpy as np

import tinygraph as tf


def test_numpy_plan_frees_values_after_their_last_use():
    n = 1 << 20                       # 4 MB of float32 per value
    x = tf.placeholder(tf.float32, [n])
    y = x
    for _ in range(8):                # eight intermediate values of 4 MB each
        y = tf.sin(y) * 1.5
    total = tf.reduce_sum(y)
    feed = np.random.RandomState(0).rand(n).astype(np.float32)
    with tf.Session(device="numpy") as sess:
        sess.run(total, {x: feed})    # plan built outside the measurement
        tracemalloc.start()
        got = sess.run(total, {x: feed})
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    expected = feed.astype(np.float64)
    for _ in range(8):
        expected = np.sin(expected) * 1.5
    np.testing.assert_allclose(got, expected.sum(), rtol=1e-3)
    # an op's inputs and output alive together (3 values); keeping all 16 would be 64 MB
    assert peak < 3.5 * 4 * n, f"peak {peak / 2**20:.1f} MB"

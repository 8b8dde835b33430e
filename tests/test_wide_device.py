"""The default CPU device (PoCL's one-core "basic" driver) runs a plan of large matrix
products on its wide sibling (PoCL's "pthread" driver, every core) instead: plan by plan,
the variables shared between them."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygraph as tf
from tinygraph.runtime.opencl import get_device_context, list_devices

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def device():
    device = get_device_context("opencl")
    if device.wide is None:
        pytest.skip(f"the default device, {device.name}, is not PoCL's basic driver with "
                    "its pthread driver beside it")
    return device


def plans(sess):
    return list(sess._plans.values())


def model():
    """A layer wide enough that its products average well over WIDE_FLOPS_PER_LAUNCH a
    launch when trained, and a small op on the same variable."""
    x = tf.placeholder(tf.float32, [256, 384])
    w = tf.Variable(np.random.RandomState(0).randn(384, 384).astype(np.float32) * 0.05)
    loss = tf.reduce_mean(tf.square(tf.tanh(tf.matmul(x, w))))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    small = tf.reduce_sum(w[:2, :3] * 2.0)
    feed = {x: np.random.RandomState(1).randn(256, 384).astype(np.float32)}
    return train, loss, small, w, feed


def test_large_products_run_on_the_wide_device_and_small_ones_do_not(device):
    train, loss, small, w, feed = model()
    with tf.Session(device="opencl") as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed)
        assert plans(sess)[-1].device is device.wide
        sess.run(small)
        assert plans(sess)[-1].device is device


def test_variables_pass_between_the_devices_run_by_run(device):
    """Training on the wide device, reading on the other, alternately: every value is
    the numpy reference's."""
    got, want = [], []
    for backend, out in (("opencl", got), ("numpy", want)):
        with tf.Graph().as_default():
            train, loss, small, w, feed = model()
            with tf.Session(device=backend) as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(3):
                    out.append(sess.run([loss, train], feed)[0])
                    out.append(sess.run(small))
                    w.load(sess.run(w) * 0.5, sess)   # (a host write between them too)
                out.append(sess.run(w))
                if backend == "opencl":
                    assert {p.device for p in plans(sess)} >= {device, device.wide}
    for g, x in zip(got, want):
        np.testing.assert_allclose(g, x, rtol=2e-5, atol=1e-6)
    assert got[0] != got[2] != got[4]   # (it trained)


def test_a_device_chosen_by_its_indices_runs_every_plan_itself(device):
    basic = next(d["spec"] for d in list_devices() if d["device"].startswith("basic"))
    assert get_device_context(basic).wide is None
    train, loss, small, w, feed = model()
    with tf.Session(device=basic) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed)
        assert plans(sess)[-1].device is get_device_context(basic)


def test_the_devices_command_marks_the_wide_device(device):
    result = subprocess.run([sys.executable, "-m", "tinygraph", "devices"], cwd=ROOT,
                            capture_output=True, text=True,
                            env={k: v for k, v in os.environ.items()
                                 if k != "TINYGRAPH_DEVICE"})
    assert result.returncode == 0, result.stderr
    marked = {line[0]: line for line in result.stdout.splitlines() if line[:1] in "*+"}
    assert device.name in marked["*"] and device.wide.name in marked["+"]
    assert "+ for plans of large matrix products" in result.stdout

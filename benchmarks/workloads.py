"""The workloads of benchmarks/compare.py, written once in TF1's API, and the worker
process that runs one of them under one framework.

    python benchmarks/workloads.py --framework tinygraph|tensorflow --workload N

`--framework tinygraph` imports tinygraph as `tf`; `--framework tensorflow` imports
tensorflow.compat.v1 as `tf` and calls tf.disable_v2_behavior(). The graph code below is
the same for both. This file is also run by TensorFlow's own Python (which may be TF
1.15's Python 3.7), so it keeps to Python 3.7 and imports nothing from tinygraph beyond
`import tinygraph as tf`.

The worker speaks JSON lines with its parent (compare.py) on its original stdout; whatever
the libraries print goes to stderr. Workloads 1-5, 7 and 8: it builds the graph, starts a
session, runs the warm-up steps, reports {"event": "ready", ...}, then answers each
{"cmd": "run", "steps": k, "untimed": u} with the seconds of k timed runs (after u
untimed ones), and {"cmd": "quit"} with its memory figures. Workload 6 is timed phase by
phase in a fresh process: the worker builds, runs and reports {"event": "phases", ...}.

Memory: the growth of the resident set over its size just before the graph is built (after
the imports, a first run of placeholder + 1 in a graph of its own that starts the
runtime, and the input data), at its peak. The peak is Linux's VmHWM, reset through
/proc/self/clear_refs before the build so that the imports' own peak does not count.
"""
import argparse
import json
import os
import sys
import time
import traceback

import numpy as np

SEED = 42


# --- the workloads: each takes the framework as `tf` and a numpy RandomState, builds
# its graph in the default graph, and returns (fetches, feed_dict). ---

def mnist_graph(tf, train, cell="basic"):
    """The book's MNIST RNN classifier (ch14_mnist_classifier): batch 150, 28 steps of
    28 inputs, 150 tanh units, dense(10) on the final state, sparse softmax
    cross-entropy, Adam. cell="lstm": its LSTM version (ch14_mnist_lstm), three layers
    of 150 BasicLSTMCells, dense(10) on the top layer's final h; cell="gru": the same
    with GRUCells (the chapter's other cell)."""
    n_steps, n_inputs, n_neurons, n_outputs = 28, 28, 150, 10
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.int32, [None])
    if cell in ("lstm", "gru"):
        make = tf.nn.rnn_cell.BasicLSTMCell if cell == "lstm" else tf.nn.rnn_cell.GRUCell
        layers = [make(num_units=n_neurons) for _ in range(3)]
        outputs, states = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(layers), X,
                                            dtype=tf.float32)
        states = states[-1][1] if cell == "lstm" else states[-1]
    else:
        outputs, states = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons),
                                            X, dtype=tf.float32)
    logits = tf.layers.dense(states, n_outputs)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy)
    fetch = loss
    if train:
        fetch = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
    return X, y, fetch


def mnist_feed(X, y, rng):
    return {X: rng.rand(150, 28, 28).astype(np.float32),
            y: rng.randint(0, 10, 150).astype(np.int32)}


def mnist_train(tf, rng, cell="basic"):
    X, y, training_op = mnist_graph(tf, train=True, cell=cell)
    return training_op, mnist_feed(X, y, rng)


def mnist_lengths_train(tf, rng):
    """Workload 1 with sequence_length (the book's variable-length sequences), each
    image's length drawn from 20-28: the loop runs max(lengths) steps, rows past their
    length output zeros and keep their state."""
    n_steps, n_inputs, n_neurons, n_outputs = 28, 28, 150, 10
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.int32, [None])
    lengths = tf.placeholder(tf.int32, [None])
    _, states = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons), X,
                                  sequence_length=lengths, dtype=tf.float32)
    logits = tf.layers.dense(states, n_outputs)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    training_op = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
    feed = mnist_feed(X, y, rng)
    feed[lengths] = rng.randint(20, 29, 150).astype(np.int32)
    return training_op, feed


def mnist_forward(tf, rng, cell="basic"):
    X, y, loss = mnist_graph(tf, train=False, cell=cell)
    return loss, mnist_feed(X, y, rng)


def time_series_train(tf, rng):
    """The book's time-series model (ch14_time_series_dense, the projection written as
    one dense layer over the stacked outputs, since TF2 has no OutputProjectionWrapper):
    batch 50, 20 steps, 1 input, 100 ReLU units, a projection to 1 per step, MSE, Adam."""
    n_steps, n_inputs, n_neurons, n_outputs = 20, 1, 100, 1
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.float32, [None, n_steps, n_outputs])
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons, activation=tf.nn.relu)
    rnn_outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    stacked = tf.reshape(rnn_outputs, [-1, n_neurons])
    outputs = tf.reshape(tf.layers.dense(stacked, n_outputs), [-1, n_steps, n_outputs])
    loss = tf.reduce_mean(tf.square(outputs - y))
    training_op = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
    t = rng.rand(50, 1) * 30 + np.arange(n_steps + 1) * 0.1
    series = (t * np.sin(t) / 3 + 2 * np.sin(t * 5)).astype(np.float32)
    return training_op, {X: series[:, :-1, None], y: series[:, 1:, None]}


def trivial(tf, rng):
    """Session.run of placeholder + 1."""
    x = tf.placeholder(tf.float32, [None])
    return x + 1.0, {x: np.ones(4, np.float32)}


LONG_T, LONG_B, LONG_I, LONG_H = 2000, 32, 32, 128


def long_rnn(tf, rng):
    """dynamic_rnn forward and backward over 2,000 steps: batch 32, 32 inputs, 128 tanh
    units, loss the mean of the outputs' squares, gradients of every weight."""
    X = tf.placeholder(tf.float32, [None, LONG_T, LONG_I])
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=LONG_H)
    outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(outputs))
    grads = tf.gradients(loss, tf.trainable_variables())
    feed = {X: rng.randn(LONG_B, LONG_T, LONG_I).astype(np.float32)}
    return [loss] + grads, feed


def long_rnn_activations_bytes():
    """What the backward pass of workload 5 must keep from the forward pass: for each of
    the T steps, the step's input x_t (B x I) and the state it computed h_t (B x H);
    everything else (the concatenation [x_t, h_t-1], tanh' = 1 - h_t^2) follows from
    those. T * B * (I + H) * 4 bytes."""
    return LONG_T * LONG_B * (LONG_I + LONG_H) * 4


def mnist_lstm_train(tf, rng):
    """Workload 1 with the book's LSTM (ch14_mnist_lstm): three layers of 150 units."""
    return mnist_train(tf, rng, cell="lstm")


RUN_WORKLOADS = {1: mnist_train, 2: mnist_forward, 3: time_series_train, 4: trivial,
                 5: long_rnn, 7: mnist_lengths_train, 8: mnist_lstm_train}

STATIC_T, STATIC_B, STATIC_I, STATIC_H = 500, 32, 32, 128


def static_rnn_phases(tf, rng, timer):
    """Workload 6: a 500-step static_rnn (batch 32, 32 inputs, 128 tanh units, dense(10)
    on the final state, sparse softmax cross-entropy), its gradients and Adam, built and
    then run; timer(name) closes each phase."""
    X = tf.placeholder(tf.float32, [None, STATIC_T, STATIC_I])
    y = tf.placeholder(tf.int32, [None])
    X_seqs = tf.unstack(tf.transpose(X, perm=[1, 0, 2]))
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=STATIC_H)
    outputs, states = tf.nn.static_rnn(cell, X_seqs, dtype=tf.float32)
    logits = tf.layers.dense(states, 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                        logits=logits))
    timer("forward")
    optimizer = tf.train.AdamOptimizer(learning_rate=0.001)
    grads_and_vars = optimizer.compute_gradients(loss)
    timer("gradients")
    training_op = optimizer.apply_gradients(grads_and_vars)
    timer("adam")
    init = tf.global_variables_initializer()
    timer("init_op")
    feed = {X: rng.rand(STATIC_B, STATIC_T, STATIC_I).astype(np.float32),
            y: rng.randint(0, 10, STATIC_B).astype(np.int32)}
    timer.exclude()   # the input data is no part of either
    sess = new_session(tf)
    timer("session")
    sess.run(init)
    timer("init_run")
    sess.run(training_op, feed)
    timer("first_step")
    sess.run(training_op, feed)
    timer("second_step")
    sess.close()


def new_session(tf):
    """tf.Session(), or with $COMPARE_SESSION_THREADS threads for TF's thread pools
    (compare.py --tf-threads; tinygraph's ConfigProto ignores the two fields)."""
    threads = os.environ.get("COMPARE_SESSION_THREADS")
    if not threads:
        return tf.Session()
    return tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=int(threads),
                                            inter_op_parallelism_threads=int(threads)))


# --- memory ---

def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


class Memory:
    """Peak resident-set growth over a base, in MB (10^6 bytes)."""

    def __init__(self):
        try:
            _status_kb("VmRSS")
            self.available = True
        except (OSError, KeyError):
            self.available = False
        self.base_kb = None

    def reset_peak(self):
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def start(self):
        """The base: the resident set now, with the peak reset to it."""
        if not self.available:
            return False
        exact = self.reset_peak()
        self.base_kb = _status_kb("VmRSS")
        return exact

    def peak_growth_mb(self):
        if not self.available or self.base_kb is None:
            return None
        return (_status_kb("VmHWM") - self.base_kb) * 1024 / 1e6

    def growth_mb(self):
        if not self.available or self.base_kb is None:
            return None
        return (_status_kb("VmRSS") - self.base_kb) * 1024 / 1e6


# --- the worker ---

def import_framework(name):
    if name == "tinygraph":
        import tinygraph as tf
        try:
            from importlib.metadata import version
            version = version("tinygraph")
        except Exception:   # Python < 3.8, or not installed as a package
            version = getattr(tf, "__version__", "?")
        device = os.environ.get("TINYGRAPH_DEVICE") or "opencl (the default device)"
        return tf, "tinygraph {} on {}".format(version, device)
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    return tf, "TensorFlow {} (tensorflow.compat.v1)".format(tf.__version__)


class Channel:
    """JSON lines to the parent on the original stdout; fd 1 then points at stderr so
    that the libraries' prints cannot corrupt them."""

    def __init__(self):
        self.out = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    def send(self, **message):
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def receive(self):
        line = sys.stdin.readline()
        return json.loads(line) if line else {"cmd": "quit"}


def start_runtime(tf):
    """Runs placeholder + 1 in a graph of its own, so that the runtime's own start (the
    OpenCL context, TF's devices and thread pools) is done before the memory base.
    Returns the resident set's growth over it, in MB."""
    memory = Memory()
    memory.start()
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None])
        sess = new_session(tf)
        sess.run(x + 1.0, {x: np.ones(4, np.float32)})
        sess.close()
    return memory.peak_growth_mb()


def run_workload(channel, framework, number, warmup):
    tf, version = import_framework(framework)
    runtime_mb = start_runtime(tf)
    rng = np.random.RandomState(SEED)
    memory = Memory()
    exact = memory.start()
    start = time.perf_counter()
    tf.set_random_seed(SEED)
    fetches, feed = RUN_WORKLOADS[number](tf, rng)
    init = tf.global_variables_initializer()
    built = time.perf_counter()
    sess = new_session(tf)
    sess.run(init)
    sess.run(fetches, feed)
    first = time.perf_counter()
    for _ in range(warmup):
        sess.run(fetches, feed)
    channel.send(event="ready", version=version, runtime_mb=runtime_mb,
                 build_s=built - start,
                 first_run_s=first - built, peak_exact=exact,
                 build_peak_mb=memory.peak_growth_mb())
    while True:
        message = channel.receive()
        if message["cmd"] == "quit":
            break
        for _ in range(message.get("untimed", 0)):
            sess.run(fetches, feed)
        times = []
        for _ in range(message["steps"]):
            t0 = time.perf_counter()
            sess.run(fetches, feed)
            times.append(time.perf_counter() - t0)
        channel.send(event="times", seconds=times)
    sess.close()
    channel.send(event="done", peak_mb=memory.peak_growth_mb(),
                 final_mb=memory.growth_mb())


class PhaseTimer:
    def __init__(self):
        self.phases = {}
        self.last = time.perf_counter()

    def __call__(self, name):
        now = time.perf_counter()
        self.phases[name] = now - self.last
        self.last = now

    def exclude(self):
        self.last = time.perf_counter()


def run_phases(channel, framework):
    t0 = time.perf_counter()
    tf, version = import_framework(framework)
    imported = time.perf_counter() - t0
    rng = np.random.RandomState(SEED)
    memory = Memory()
    exact = memory.start()
    tf.set_random_seed(SEED)
    timer = PhaseTimer()
    static_rnn_phases(tf, rng, timer)
    channel.send(event="phases", version=version, import_s=imported,
                 phases=timer.phases, peak_exact=exact, peak_mb=memory.peak_growth_mb())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=["tinygraph", "tensorflow"], required=True)
    parser.add_argument("--workload", type=int, choices=[1, 2, 3, 4, 5, 6, 7, 8],
                        required=True)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    channel = Channel()
    try:
        if args.workload == 6:
            run_phases(channel, args.framework)
        else:
            run_workload(channel, args.framework, args.workload, args.warmup)
    except Exception:
        channel.send(event="error", message=traceback.format_exc())
        sys.exit(1)


if __name__ == "__main__":
    main()

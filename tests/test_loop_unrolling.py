"""OpenCL plans unroll a while loop whose trip count they can compute (a counted loop:
every dynamic_rnn, scan, map_fn) while planning: the body is lowered once per step, its
TensorArrays become slots, the gradient loop runs backwards over the same steps, and a
run enqueues it all with no host step (runtime/opencl/lower_loop.py). Other loops run
on the host as before. Either way the results are the numpy backend's."""
import numpy as np
import pytest

import tinygraph as tf
from tinygraph.framework.errors import InvalidArgumentError
from tinygraph.runtime.opencl import lower_loop
from tinygraph.runtime.opencl.executor import OpenCLPlan
from tinygraph.runtime.opencl.lower_matmul import products
from tinygraph.runtime.opencl.units import HostUnit, KernelUnit, unit_slots


def run(device, build, runs=1):
    """build() -> (fetches, feed) in a fresh seeded graph; the fetched values of the last
    of `runs` runs, the session's largest plan, and how many plans ran per run."""
    calls = []
    original = OpenCLPlan.run

    def counted(plan, *args, **kwargs):
        calls.append(plan)
        return original(plan, *args, **kwargs)
    with tf.Graph().as_default():
        tf.set_random_seed(7)
        fetches, feed = build()
        with tf.Session(device=device) as sess:
            sess.run(tf.global_variables_initializer())
            OpenCLPlan.run = counted
            try:
                for _ in range(runs):
                    calls.clear()
                    values = sess.run(fetches, feed)
            finally:
                OpenCLPlan.run = original
            plan = max(sess._plans.values(), key=lambda p: len(getattr(p, "units", ())))
    return values, plan, len(calls)


def host_steps(plan):
    return [u.op.type if u.op is not None else "convert" for u in plan.units
            if isinstance(u, HostUnit)]


def assert_same(got, want, rtol=2e-5, atol=1e-6):
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def rnn_with_gradients(with_lengths=False):
    T, B, I, H = 9, 4, 3, 5
    X = tf.placeholder(tf.float32, [None, T, I])
    lengths = tf.placeholder(tf.int32, [None])
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=H)
    outputs, state = tf.nn.dynamic_rnn(cell, X, sequence_length=lengths if with_lengths
                                       else None, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(outputs)) + tf.reduce_sum(tf.sin(state))
    grads = tf.gradients(loss, [X] + tf.trainable_variables())
    rng = np.random.RandomState(0)
    feed = {X: rng.randn(B, T, I).astype(np.float32)}
    if with_lengths:
        feed[lengths] = np.array([T, 1, 0, T - 1], np.int32)
    return [loss, outputs, state] + grads, feed


def test_dynamic_rnn_runs_as_one_plan_with_no_host_step():
    got, plan, plans_run = run("opencl", rnn_with_gradients)
    want, _, _ = run("numpy", rnn_with_gradients)
    assert_same(got, want)
    assert host_steps(plan) == []
    assert plans_run == 1   # no loop body run as a plan of its own, step by step


def test_training_an_unrolled_rnn_matches_numpy():
    def build():
        X = tf.placeholder(tf.float32, [None, 6, 4])
        y = tf.placeholder(tf.int32, [None])
        cell = tf.nn.rnn_cell.BasicLSTMCell(num_units=8)
        _, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        logits = tf.layers.dense(state.h, 3)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=logits))
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        rng = np.random.RandomState(1)
        return [loss, train], {X: rng.randn(5, 6, 4).astype(np.float32),
                               y: rng.randint(0, 3, 5).astype(np.int32)}
    got, plan, _ = run("opencl", build, runs=4)
    want, _, _ = run("numpy", build, runs=4)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5)
    assert host_steps(plan) == []


def test_scan_map_fn_and_tensor_arrays_unroll_with_their_gradients():
    def build():
        x = tf.placeholder(tf.float32, [5, 3])
        sums = tf.scan(lambda acc, v: acc * 0.5 + tf.tanh(v), x)
        squares = tf.map_fn(lambda v: v * v, x)
        ta = tf.TensorArray(tf.float32, size=5)
        _, ta = tf.while_loop(lambda i, a: i < 5,
                              lambda i, a: (i + 1, a.write(i, x[i] * tf.cast(i, tf.float32))),
                              [0, ta])
        stacked, size, third = ta.stack(), ta.size(), ta.read(2)
        loss = tf.reduce_sum(sums * sums) + tf.reduce_sum(squares) + tf.reduce_sum(stacked)
        return [sums, squares, stacked, size, third, tf.gradients(loss, x)[0]], \
            {x: np.random.RandomState(2).randn(5, 3).astype(np.float32)}
    got, plan, plans_run = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want)
    assert host_steps(plan) == [] and plans_run == 1


def test_nested_counted_loops_unroll_with_their_gradient():
    def build():
        x = tf.placeholder(tf.float64, [2])

        def outer(i, y):
            _, z = tf.while_loop(lambda j, z: j < 3, lambda j, z: (j + 1, tf.sin(z) + y),
                                 [0, y])
            return i + 1, z * 0.5
        _, y = tf.while_loop(lambda i, y: i < 4, outer, [0, x])
        return [y, tf.gradients(tf.reduce_sum(y), x)[0]], {x: np.array([0.3, -0.8])}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-12, atol=1e-12)
    assert host_steps(plan) == []


def loops_on_the_host():
    x = tf.placeholder(tf.float32, [3])
    doubled = tf.while_loop(lambda v: tf.reduce_sum(v) < 100.0, lambda v: v * 2.0, [x])
    noisy = tf.while_loop(lambda i, v: i < 4,
                          lambda i, v: (i + 1, v + tf.random_uniform([3], seed=1)), [0, x])[1]
    counted = tf.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, tf.sin(v) * 1.5), [0, x])[1]
    loss = tf.reduce_sum(doubled * counted)
    return [doubled, noisy, counted, tf.gradients(loss, x)[0]], \
        {x: np.array([0.5, 1.0, 2.0], np.float32)}


def test_loops_it_cannot_unroll_run_on_the_host():
    """A data-dependent condition, random draws in the body: the host loop, one step at
    a time; a counted loop beside them is still unrolled."""
    got, plan, _ = run("opencl", loops_on_the_host)
    want, _, _ = run("numpy", loops_on_the_host)
    assert_same([got[0], got[2], got[3]], [want[0], want[2], want[3]])
    assert sorted(host_steps(plan)) == ["While", "While", "WhileGrad"]


def test_a_loop_longer_than_the_budget_runs_on_the_host(monkeypatch):
    unrolled, plan, _ = run("opencl", rnn_with_gradients)
    assert host_steps(plan) == []
    monkeypatch.setattr(lower_loop, "MAX_OPS", 10)
    stepped, plan, plans_run = run("opencl", rnn_with_gradients)
    assert "While" in host_steps(plan) and plans_run > 1
    assert_same(stepped, unrolled)


def test_an_error_inside_an_unrolled_loop_is_tfs_and_changes_nothing():
    """Writing one TensorArray index twice is refused at run time (by the host, which
    gets the array's elements); the session goes on working."""
    x = tf.placeholder(tf.float32, [2])
    v = tf.Variable([1.0, 2.0])
    ta = tf.TensorArray(tf.float32, size=3)
    _, ta = tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a.write(0, x * v)), [0, ta])
    bad = ta.stack()
    update = tf.assign_add(v, [1.0, 1.0])
    with tf.Session(device="opencl") as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(InvalidArgumentError, match="Could not write to TensorArray index 0 "
                                                       "because it has already been written"):
            sess.run([bad, update], {x: [1.0, 1.0]})
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(x * v, {x: [3.0, 3.0]}), [3.0, 6.0])


def test_float_sums_keep_small_terms():
    """Device sums add in interleaved partial sums: after a large first term, a single
    running float32 sum would drop every 1e-8 (1 + 1e-8 rounds to 1)."""
    n = 8000
    values = np.full(n, 1e-8, np.float32)
    values[0] = 1.0
    x = tf.placeholder(tf.float32, [n])
    with tf.Session(device="opencl") as sess:
        got = sess.run(tf.reduce_sum(x), {x: values})
    exact = 1.0 + (n - 1) * 1e-8
    running = np.float32(0)
    for v in values[:100]:   # (the running sum is stuck at 1 from the first term on)
        running = np.float32(running + v)
    assert running == 1.0
    assert abs(got - exact) < 0.2 * abs(running - exact)


@pytest.mark.parametrize("unroll", ["dynamic", "static"])
def test_the_input_projection_is_one_matmul_before_the_steps(unroll):
    """concat([x_t, h]) @ W = x_t @ W_x + h @ W_h: the x_t of all steps are rows of one
    array, multiplied by W_x at once; each step multiplies only h (and no step copies
    x_t and h together)."""
    T, B, I, H = 7, 5, 3, 6

    def build():
        X = tf.placeholder(tf.float32, [B, T, I])
        cell = tf.nn.rnn_cell.BasicRNNCell(num_units=H)
        if unroll == "dynamic":
            outputs, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        else:
            steps = tf.unstack(tf.transpose(X, [1, 0, 2]))
            outputs, state = tf.nn.static_rnn(cell, steps, dtype=tf.float32)
        return [outputs, state], {X: np.random.RandomState(3).randn(B, T, I).astype(np.float32)}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want)
    shapes = sorted((m.M, m.K) for m in products(plan.units))
    # (the first state is zeros the plan knows: that step multiplies nothing)
    assert shapes == [(B, H)] * (T - 1) + [(T * B, I)]


def test_values_written_into_an_array_are_computed_in_place():
    """A fixed-size array's written values are computed straight into one block, so
    stacking it copies nothing."""
    def build():
        X = tf.placeholder(tf.float32, [4, 6, 3])
        cell = tf.nn.rnn_cell.BasicRNNCell(num_units=5, activation=tf.nn.relu)
        outputs, _ = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32, time_major=True)
        return outputs, {X: np.random.RandomState(4).randn(4, 6, 3).astype(np.float32)}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same([got], [want])
    assert not any(isinstance(u, KernelUnit) and "copy" in u.name for u in plan.units)


def weight_gradients(T, B, I, H, squared):
    """build() for the gradients of a BasicRNNCell dynamic_rnn's weights, the loss the sum
    of the squares of squared(outputs, state)."""
    def build():
        X = tf.placeholder(tf.float32, [B, T, I])
        cell = tf.nn.rnn_cell.BasicRNNCell(num_units=H)
        outputs, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        loss = tf.reduce_sum(tf.square(squared(outputs, state)))
        return tf.gradients(loss, tf.trainable_variables()), \
            {X: np.random.RandomState(5).randn(B, T, I).astype(np.float32)}
    return build


def test_a_weight_gradient_is_one_matmul_over_all_steps():
    """Each step's values lie in a block of all steps, so sum_t concat_t^T dz_t is
    x^T dz over all steps' rows for the input part and h^T dz (states shifted by one
    step) for the recurrent part: a few matmuls, not one per step. The recurrent part
    has no first step (its state is zeros), so the input part's first step is a product
    of its own, and the two parts' products over the other steps pack dz once."""
    T, B, I, H = 6, 4, 3, 5
    build = weight_gradients(T, B, I, H, lambda outputs, state: state)
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want)
    transposed = sorted((m.M, m.K) for m in products(plan.units) if m.transpose_a)
    assert transposed == [(I, B), (I, (T - 1) * B), (H, (T - 1) * B)]


def test_the_blocks_weight_gradients_are_added_up_as_they_are_done(monkeypatch):
    """A long loop's gradient runs in blocks of steps, each block's terms of a weight's
    gradient one matmul: each block's sum is added to the blocks' before as soon as it
    is done, so the plan holds two or three of them at a time, not one per block."""
    from tinygraph.runtime.opencl import lower_matmul
    monkeypatch.setattr(lower_matmul, "BLOCK_BYTES", 1)   # one step per block
    T, B, I, H = 12, 4, 3, 5
    build = weight_gradients(T, B, I, H, lambda outputs, state: outputs)
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-4, atol=1e-5)
    span = {}   # a sum's slot -> (first unit using it, last)
    for i, unit in enumerate(plan.units):
        for slot in unit_slots(unit):
            if slot.root().shape == (I + H, H):
                span[slot.root()] = (span.get(slot.root(), (i,))[0], i)
    live = max(sum(first <= i <= last for first, last in span.values())
               for i in range(len(plan.units)))
    assert len(span) >= T and live <= 3   # (it was one per block: 12)


def test_a_loops_record_keeps_only_what_its_gradient_reads(monkeypatch):
    """While planning, an unrolled loop records per step the values its body computed,
    for its gradient loop to reuse: only those that loop reads (a tanh RNN's gradient
    reads the step's state and the concatenation [x, h], not the pre-activation), and
    none when the plan has no gradient loop (a forward pass)."""
    records = []

    class Recorded(lower_loop.PlanRecord):
        def __init__(self, *args):
            super().__init__(*args)
            records.append(self)
    monkeypatch.setattr(lower_loop, "PlanRecord", Recorded)
    T, B, I, H = 5, 4, 3, 6
    build = weight_gradients(T, B, I, H, lambda outputs, state: outputs)
    got, _, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-4, atol=1e-5)
    (record,) = records
    kept = [{t.op.type for t, *_ in it.computed} for it in record.iterations]
    assert len(kept) == T and all(types == kept[0] for types in kept)
    assert {"Tanh", "ConcatV2"} <= kept[0] and not kept[0] & {"MatMul", "BiasAdd"}

    def forward():
        X = tf.placeholder(tf.float32, [B, T, I])
        outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(num_units=H), X,
                                       dtype=tf.float32)
        return [outputs], {X: np.ones((B, T, I), np.float32)}
    records.clear()
    run("opencl", forward)
    (record,) = records
    assert len(record.iterations) == T and all(it.computed == [] for it in
                                               record.iterations)


def test_a_deeper_layers_concat_is_multiplied_part_by_part():
    """The second layer of a MultiRNNCell multiplies concat([h1_t, h2_t-1]) by its
    weights: neither part is an input it could hoist, but each is already where a step
    left it, so each part is multiplied where it lies (two products summed in the cell's
    kernel), not copied together into a block first (two copies a step)."""
    T, B, I, H = 6, 4, 3, 5

    def build():
        X = tf.placeholder(tf.float32, [B, T, I])
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicRNNCell(num_units=H)
                                            for _ in range(2)])
        outputs, _ = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        loss = tf.reduce_sum(tf.square(outputs))
        return [loss] + tf.gradients(loss, tf.trainable_variables()), \
            {X: np.random.RandomState(4).randn(B, T, I).astype(np.float32)}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-4, atol=1e-5)
    assert not [u.name for u in plan.units if isinstance(u, KernelUnit) and "copy" in u.name]
    # each layer's weight gradient: its two parts' products over the steps (the input
    # part's first step alone: see test_a_weight_gradient_is_one_matmul_over_all_steps)
    transposed = sorted((m.M, m.K) for m in products(plan.units) if m.transpose_a)
    assert transposed == sorted([(I, B), (I, (T - 1) * B), (H, (T - 1) * B),
                                 (H, B), (H, (T - 1) * B), (H, (T - 1) * B)])


def test_an_lstms_gates_are_read_and_their_gradients_written_in_place():
    """An LSTM step splits its gate pre-activations in four: each gate's kernel reads its
    columns where they lie. The backward step concatenates the four gate gradients: each
    is computed straight into its columns of the step's row of one block, so the weight
    gradient is a matmul over all steps' rows and nothing is copied."""
    T, B, I, H = 5, 3, 4, 6

    def build():
        X = tf.placeholder(tf.float32, [B, T, I])
        cell = tf.nn.rnn_cell.BasicLSTMCell(num_units=H)
        outputs, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        loss = tf.reduce_sum(tf.square(outputs)) + tf.reduce_sum(tf.sin(state.c))
        return [loss] + tf.gradients(loss, [X] + tf.trainable_variables()), \
            {X: np.random.RandomState(6).randn(B, T, I).astype(np.float32)}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-4, atol=1e-5)
    gates = [a.shape for u in plan.units if isinstance(u, KernelUnit) and "copy" in u.name
             for a in u.args[:2] if a.shape[-1:] == (4 * H,)]
    assert gates == []   # no copy reads or writes the gates' columns
    transposed = sorted((m.M, m.K) for m in products(plan.units) if m.transpose_a)
    # (the input part's first step alone: see the test above)
    assert transposed == [(I, B), (I, (T - 1) * B), (H, (T - 1) * B)]


def test_a_concat_of_values_computed_in_a_step_along_any_axis():
    """A scan step concatenating values it computes (along the first axis, and along
    the last with one part also read on its own): each part is computed into its place
    in the step's row; values and gradients as the numpy backend's."""
    def build():
        xs = tf.placeholder(tf.float32, [5, 2, 3])

        def step(acc, x):
            first = tf.concat([tf.tanh(x), x * acc[:2]], axis=0)
            parts = [tf.sigmoid(x), x + 1.0]
            last = tf.concat(parts, axis=1)
            return first + tf.reduce_sum(last) * 0.1 + tf.reduce_sum(parts[1])
        out = tf.scan(step, xs, initializer=tf.ones([4, 3]))
        return [out] + tf.gradients(tf.reduce_sum(out ** 2), [xs]), \
            {xs: np.random.RandomState(8).randn(5, 2, 3).astype(np.float32) * 0.5}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-4, atol=1e-5)
    assert host_steps(plan) == []


def test_a_data_dependent_loop_reads_its_condition_once_per_block():
    """Nine steps of `while sum(v) < 1000`: blocks of 4 and 8 steps, each one plan run
    read back once (it was a run for the condition and one for the body, per step)."""
    def build():
        x = tf.placeholder(tf.float32, [3])
        v = tf.while_loop(lambda v: tf.reduce_sum(v) < 1000.0, lambda v: v * 2.0 + 0.1, [x])
        return v, {x: np.array([0.5, 1.0, 2.0], np.float32)}
    got, _, plans_run = run("opencl", build, runs=2)
    want, _, _ = run("numpy", build)
    np.testing.assert_array_equal(got, want)
    assert plans_run == 1 + 2


def test_a_block_that_fails_past_the_loops_end_is_run_step_by_step():
    """`while x[i] > 0: i += 1` stops at i = 2 of 3 elements; a block of 4 steps reads
    x[3], out of range, so the host goes step by step, and the run does not fail."""
    def build():
        x = tf.placeholder(tf.int32, [3])
        i = tf.while_loop(lambda i: tf.gather(x, i) > 0, lambda i: i + 1, [0])
        return i, {x: np.array([3, 2, 0], np.int32)}
    got, _, plans_run = run("opencl", build)
    assert got == 2 and plans_run > 2


def test_a_bias_gradient_is_one_sum_over_all_steps():
    """The recurrent bias's gradient, a column sum per step, is summed over the steps as
    one sum over all the steps' rows (20 units: vector loads and a tail)."""
    def build():
        X = tf.placeholder(tf.float32, [3, 6, 4])
        cell = tf.nn.rnn_cell.BasicRNNCell(num_units=20)
        outputs, _ = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
        loss = tf.reduce_sum(tf.sin(outputs))
        return tf.gradients(loss, tf.trainable_variables()), \
            {X: np.random.RandomState(3).randn(3, 6, 4).astype(np.float32)}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want, rtol=1e-4, atol=1e-5)   # (sums of 18 rows of values up to 6)
    sums = [u for u in plan.units if isinstance(u, KernelUnit) and "column_sums" in u.name]
    assert len(sums) == 1 and sums[0].args[3] == 6 * 3   # all steps' rows at once



def selects(plan):
    return sum(isinstance(u, KernelUnit) and "fused_select" in u.name for u in plan.units)


def test_an_array_nothing_reads_after_its_loop_costs_no_kernel():
    """dynamic_rnn with sequence_length writes each step's output (the state, or zeros
    past the end: a select) to an array; when only the final state is fetched, nothing
    reads that array, and no kernel computes its elements."""
    T = 6

    def build(fetch_outputs):
        def graph():
            X = tf.placeholder(tf.float32, [3, T, 2])
            lengths = tf.placeholder(tf.int32, [3])
            outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), X,
                                               sequence_length=lengths, dtype=tf.float32)
            loss = tf.reduce_sum(tf.sin(state))
            fetches = [loss, state] + tf.gradients(loss, [X] + tf.trainable_variables())
            feed = {X: np.random.RandomState(5).randn(3, T, 2).astype(np.float32),
                    lengths: np.array([T, 2, 4], np.int32)}
            return fetches + ([outputs] if fetch_outputs else []), feed
        return graph
    for fetch_outputs in (False, True):
        got, plan, _ = run("opencl", build(fetch_outputs))
        want, _, _ = run("numpy", build(fetch_outputs))
        assert_same(got, want)
        # the state's select in every step; the outputs' too only when they are fetched
        assert selects(plan) == T * (1 + fetch_outputs)


def test_an_element_of_an_array_unread_after_its_loop_is_computed_if_read_in_it():
    value = np.random.RandomState(6).randn(5, 3).astype(np.float32)

    def build():
        x = tf.placeholder(tf.float32, [5, 3])
        ta = tf.TensorArray(tf.float32, size=5)

        def body(i, acc, ta):
            ta = ta.write(i, tf.tanh(x[i]) * 2.0)   # pending, into an array unread after
            return i + 1, acc + ta.read(i), ta
        _, acc, _ = tf.while_loop(lambda i, acc, ta: i < 5, body,
                                  [tf.constant(0), tf.zeros([3]), ta])
        return [acc] + tf.gradients(tf.reduce_sum(acc * acc), [x]), {x: value}
    got, plan, _ = run("opencl", build)
    want, _, _ = run("numpy", build)
    assert_same(got, want)
    acc = 2 * np.tanh(value).sum(0)
    np.testing.assert_allclose(got[0], acc, rtol=1e-5)
    np.testing.assert_allclose(got[1], 2 * acc * 2 * (1 - np.tanh(value) ** 2), rtol=1e-4)
    assert not [u for u in plan.units if isinstance(u, HostUnit)]

"""Recurrent networks unrolled: tf.nn.static_rnn (a Python loop of cell calls) and
tf.nn.dynamic_rnn (a while_loop reading each step's input from a TensorArray and
writing its output to one), and their bidirectional forms, with TF1's sequence_length
rules (zeros past a row's length, the state copied through). Ops are made in TF 1.15's
order, so seeded programs get TF's numbers."""
from ..framework import dtypes, nest
from ..framework.graph import control_dependencies, name_scope
from ..framework.operation import convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from ..ops import array_ops, constant_ops, elementwise, reductions, shape_ops
from ..ops.check_ops import Assert
from ..ops.conditional import cond
from ..ops.control_flow import while_loop
from ..ops.layout_ops import reverse, reverse_sequence
from ..ops.tensor_array_ops import TensorArray
from ..ops.variable_scope import variable_scope
from .rnn_cell_impl import _concat, assert_like_rnncell


def _transpose_batch_time(x):
    """[batch, time, ...] <-> [time, batch, ...] (a dynamic permutation, as TF builds it)."""
    static = x.shape
    if static.ndims is not None and static.ndims < 2:
        return x
    perm = array_ops.concat(([1, 0], array_ops.range_(2, shape_ops.rank(x))), axis=0)
    out = array_ops.transpose(x, perm)
    if static.ndims is not None:
        dims = static.as_list()
        out.set_shape([dims[1], dims[0]] + dims[2:])
    return out


def _batch_size(flat_input):
    """The batch size: static when some input knows it, else from the first one's shape."""
    for x in flat_input:
        dims = x.shape.as_list() if x.shape.ndims is not None else None
        if dims is not None and len(dims) < 2:
            raise ValueError(f"Expected input tensor {x} to have rank at least 2")
        if dims is not None and dims[1] is not None:
            return dims[1]
    return shape_ops.shape(flat_input[0])[1]


def _state_dtype(dtype, state):
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    kinds = {s.dtype for s in nest.flatten(state)}
    if len(kinds) != 1:
        raise ValueError(f"State has tensors of different inferred_dtypes. Unable to infer a "
                         f"single representative dtype. Dtypes received: {sorted(k.name for k in kinds)}")
    return kinds.pop()


def _size_list(size):
    return as_shape(size).as_list() if not isinstance(size, int) else [size]


def _zeros(batch_size, size, dtype):
    """zeros([batch_size] + size), shaped as far as is known (TF's _create_zero_arrays)."""
    out = shape_ops.zeros(_concat(batch_size, size), dtype=dtype)
    out.set_shape([batch_size if isinstance(batch_size, int) else None] + _size_list(size))
    return out


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """TF1's tf.nn.dynamic_rnn: (outputs, final state); outputs [batch, time, output_size]
    (or time-major), past a row's sequence_length zero, the state copied through."""
    assert_like_rnncell("cell", cell)
    with variable_scope(scope or "rnn"):
        flat_input = [convert_to_tensor(x) for x in nest.flatten(inputs)]
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        parallel_iterations = parallel_iterations or 32
        if sequence_length is not None:
            sequence_length = elementwise.cast(sequence_length, dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError(f"sequence_length must be a vector of length batch_size, but "
                                 f"saw shape: {sequence_length.shape}")
            sequence_length = constant_ops.identity(sequence_length, name="sequence_length")
        batch_size = _batch_size(flat_input)
        state = _initial_state(cell, initial_state, batch_size, dtype,
                               "If there is no initial_state, you must give a dtype.")
        if sequence_length is not None:
            sequence_length = _check_length(sequence_length, batch_size)
        inputs = nest.pack_sequence_as(inputs, flat_input)
        outputs, final_state = _dynamic_rnn_loop(
            cell, inputs, state, parallel_iterations, swap_memory, sequence_length, dtype)
        if not time_major:
            outputs = nest.map_structure(_transpose_batch_time, outputs)
        return outputs, final_state


def _initial_state(cell, initial_state, batch_size, dtype, missing_dtype):
    """The given state, else the cell's initial (zero) state; TF words the error
    differently for dynamic_rnn and static_rnn, hence `missing_dtype`."""
    if initial_state is not None:
        return initial_state
    if not dtype:
        raise ValueError(missing_dtype)
    if hasattr(cell, "get_initial_state"):
        return cell.get_initial_state(batch_size=batch_size, dtype=dtype)
    return cell.zero_state(batch_size, dtype)


def _check_length(sequence_length, batch_size):
    found = shape_ops.shape(sequence_length)
    expected = array_ops.stack([batch_size])   # (one Const when the batch size is static)
    check = Assert(reductions.reduce_all(elementwise.equal(found, expected)),
                   [f"Expected shape for Tensor {sequence_length.name} is ", expected,
                    " but saw shape: ", found])
    with control_dependencies([check]):
        return constant_ops.identity(sequence_length, name="CheckSeqLen")


def _dynamic_rnn_loop(cell, inputs, initial_state, parallel_iterations, swap_memory,
                      sequence_length, dtype):
    flat_input = nest.flatten(inputs)
    flat_output_size = nest.flatten(cell.output_size)
    time_steps = shape_ops.shape(flat_input[0])[0]
    batch_size = _batch_size(flat_input)
    got = [x.shape.with_rank_at_least(3) for x in flat_input]
    const_time, const_batch = got[0].as_list()[:2]
    for shape in got:
        if not TensorShape(shape.as_list()[2:]).is_fully_defined():
            raise ValueError("Input size (depth of inputs) must be accessible via shape "
                             "inference, but saw value None.")
        if shape.as_list()[0] != const_time:
            raise ValueError("Time steps is not the same for all the elements in the input in "
                             "a batch.")
        if shape.as_list()[1] != const_batch:
            raise ValueError("Batch_size is not the same for all the elements in the input.")
    out_dtype = _state_dtype(dtype, initial_state)
    zero_output = nest.pack_sequence_as(
        cell.output_size, [_zeros(batch_size, size, out_dtype) for size in flat_output_size])
    if sequence_length is not None:
        min_length = reductions.reduce_min(sequence_length)
        max_length = reductions.reduce_max(sequence_length)
    else:
        min_length, max_length = None, time_steps
    time = constant_ops.constant(0, dtype=dtypes.int32, name="time")
    with name_scope("dynamic_rnn") as base_name:
        pass
    output_ta = tuple(
        TensorArray(out_dtype, size=time_steps, tensor_array_name=f"{base_name}output_{i}",
                    element_shape=TensorShape([const_batch]).concatenate(_size_list(size)))
        for i, size in enumerate(flat_output_size))
    input_ta = tuple(
        TensorArray(x.dtype, size=time_steps, tensor_array_name=f"{base_name}input_{i}",
                    element_shape=x.shape[1:]).unstack(x)
        for i, x in enumerate(flat_input))

    def step(time, output_ta_t, state):
        input_t = [ta.read(time) for ta in input_ta]
        for x, shape in zip(input_t, got):
            x.set_shape(shape[1:])
        input_t = nest.pack_sequence_as(inputs, input_t)
        if sequence_length is not None:
            output, new_state = _rnn_step(time, sequence_length, min_length, max_length,
                                          zero_output, state, lambda: cell(input_t, state),
                                          skip_conditionals=True)
        else:
            output, new_state = cell(input_t, state)
        output_ta_t = tuple(ta.write(time, out)
                            for ta, out in zip(output_ta_t, nest.flatten(output)))
        return time + 1, output_ta_t, new_state

    # At least one step, so that every TensorArray is written (TF1 does the same).
    loop_bound = elementwise.minimum(time_steps, elementwise.maximum(1, max_length))
    _, final_ta, final_state = while_loop(
        lambda time, *_: time < loop_bound, step, (time, output_ta, initial_state),
        parallel_iterations=parallel_iterations, maximum_iterations=time_steps,
        swap_memory=swap_memory)
    final_outputs = []
    for ta, size in zip(final_ta, flat_output_size):
        out = ta.stack()
        # (TF builds this static shape with _concat, which makes a Const: kept for the ids)
        out.set_shape(_concat([const_time, const_batch], size, static=True))
        final_outputs.append(out)
    return nest.pack_sequence_as(cell.output_size, final_outputs), final_state


def _rnn_step(time, sequence_length, min_length, max_length, zero_output, state, call_cell,
              skip_conditionals=False):
    """One step with sequence lengths: rows whose sequence has ended output zeros and keep
    their state. static_rnn skips the cell when every row has ended and skips the copy
    when none has (two conds, as TF); dynamic_rnn always runs the cell and copies."""
    flat_state, flat_zero = nest.flatten(state), nest.flatten(zero_output)
    # An operator, not greater_equal(): with static_rnn's Python int time, Python reflects
    # it to `sequence_length <= time` (a LessEqual), the op TF makes.
    done = time >= sequence_length

    def through(old, new):
        if old.shape.ndims == 0:
            return new
        out = elementwise.where(done, old, new)
        out.set_shape(old.shape)
        return out

    def copy_some_through(new_output, new_state):
        return [through(z, o) for z, o in zip(flat_zero, new_output)] + \
            [through(s, n) for s, n in zip(flat_state, new_state)]

    def run_cell():
        new_output, new_state = call_cell()
        nest.assert_same_structure(state, new_state)
        return nest.flatten(new_output), nest.flatten(new_state)

    if skip_conditionals:
        final = copy_some_through(*run_cell())
    else:
        def maybe_copy_some_through():
            new_output, new_state = run_cell()
            return cond(time < min_length, lambda: new_output + new_state,
                        lambda: copy_some_through(new_output, new_state))
        final = cond(time >= max_length, lambda: flat_zero + flat_state,
                     maybe_copy_some_through)
        final = list(final) if isinstance(final, (list, tuple)) else [final]
    outputs, states = final[:len(flat_zero)], final[len(flat_zero):]
    for out, zero in zip(outputs, flat_zero):
        out.set_shape(zero.shape)
    for new, old in zip(states, flat_state):
        new.set_shape(old.shape)
    return (nest.pack_sequence_as(zero_output, outputs),
            nest.pack_sequence_as(state, states))


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """TF1's tf.nn.bidirectional_dynamic_rnn: ((output_fw, output_bw), (state_fw,
    state_bw)); the backward cell reads each sequence reversed within its length, and its
    outputs are reversed back."""
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length=sequence_length,
                initial_state=initial_state_fw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=fw_scope)
        time_axis, batch_axis = (0, 1) if time_major else (1, 0)

        def reverse_(x):
            if sequence_length is None:
                return reverse(x, axis=[time_axis])
            return reverse_sequence(x, seq_lengths=sequence_length,
                                              seq_axis=time_axis, batch_axis=batch_axis)
        with variable_scope("bw") as bw_scope:
            inputs_reverse = nest.map_structure(reverse_, inputs)
            tmp, state_bw = dynamic_rnn(
                cell_bw, inputs_reverse, sequence_length=sequence_length,
                initial_state=initial_state_bw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=bw_scope)
    output_bw = nest.map_structure(reverse_, tmp)
    return (output_fw, output_bw), (state_fw, state_bw)


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None,
               scope=None):
    """TF1's tf.nn.static_rnn: the cell called once per element of the `inputs` list,
    sharing its variables; returns (outputs list, final state)."""
    assert_like_rnncell("cell", cell)
    if not nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with variable_scope(scope or "rnn") as varscope:
        first = inputs
        while nest.is_sequence(first):
            first = first[0]
        first = convert_to_tensor(first)
        if first.shape.ndims != 1:
            fixed_batch = first.shape.with_rank_at_least(2)[0]
            for x in nest.flatten(inputs):
                shape = convert_to_tensor(x).shape.with_rank_at_least(2)
                fixed_batch.merge_with(shape[0])   # a check only: TF keeps the first's
                for i, size in enumerate(shape.as_list()[1:]):
                    if size is None:
                        raise ValueError(f"Input size (dimension {i} of inputs) must be "
                                         f"accessible via shape inference, but saw value None.")
        else:
            fixed_batch = first.shape.with_rank_at_least(1)[0]
        batch_size = fixed_batch.value if fixed_batch.value is not None else \
            shape_ops.shape(first)[0]
        state = _initial_state(cell, initial_state, batch_size, dtype,
                               "If no initial_state is provided, dtype must be specified")
        if sequence_length is not None:
            sequence_length = convert_to_tensor(sequence_length, name="sequence_length")
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError("sequence_length must be a vector of length batch_size")
            out_dtype = _state_dtype(dtype, state)
            zero_output = nest.pack_sequence_as(cell.output_size, [
                _static_zeros(batch_size, fixed_batch.value, size, out_dtype)
                for size in nest.flatten(cell.output_size)])
            sequence_length = elementwise.cast(sequence_length, dtypes.int32)
            min_length = reductions.reduce_min(sequence_length)
            max_length = reductions.reduce_max(sequence_length)
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            call_cell = lambda input_=input_, state=state: cell(input_, state)  # noqa: E731
            if sequence_length is not None:
                output, state = _rnn_step(time, sequence_length, min_length, max_length,
                                          zero_output, state, call_cell)
            else:
                output, state = call_cell()
            outputs.append(output)
        return outputs, state


def _static_zeros(batch_size, fixed_batch, size, dtype):
    """static_rnn's zero output: zeros of a stacked shape, then its static shape."""
    out = shape_ops.zeros(_concat(batch_size, size), dtype=dtype)
    static = _concat(fixed_batch, size, static=True)
    if static is not None:
        out.set_shape(static)
    return out


def _reverse_seq(input_seq, lengths):
    """The list reversed in time, each row within its own length."""
    if lengths is None:
        return list(reversed(input_seq))
    flat_seq = [nest.flatten(x) for x in input_seq]
    flat_results = [[] for _ in input_seq]
    for sequence in zip(*flat_seq):
        shape = TensorShape(None)
        for x in sequence:
            shape = shape.merge_with(x.shape)
        reversed_ = reverse_sequence(array_ops.stack(sequence), lengths, 0, 1)
        for r, result in zip(array_ops.unstack(reversed_), flat_results):
            r.set_shape(shape)
            result.append(r)
    return [nest.pack_sequence_as(x, r) for x, r in zip(input_seq, flat_results)]


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """TF1's tf.nn.static_bidirectional_rnn: (outputs, state_fw, state_bw), each output
    the forward and backward outputs concatenated."""
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    if not nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                             sequence_length, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_seq(inputs, sequence_length)
            tmp, state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw, dtype,
                                       sequence_length, scope=bw_scope)
    output_bw = _reverse_seq(tmp, sequence_length)
    flat = [array_ops.concat([fw, bw], 1)
            for fw, bw in zip(nest.flatten(output_fw), nest.flatten(output_bw))]
    return nest.pack_sequence_as(output_fw, flat), state_fw, state_bw

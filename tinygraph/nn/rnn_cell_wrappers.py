"""Cells made of cells (tf.nn.rnn_cell, tf.contrib.rnn): MultiRNNCell, which stacks cells,
and the wrappers DropoutWrapper, OutputProjectionWrapper, ResidualWrapper, DeviceWrapper."""
import hashlib

from ..framework import nest
from ..framework.graph import device as device_scope, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..ops import array_ops, constant_ops, init_ops
from ..ops.matmul import matmul
from ..ops.nn_ops import bias_add, dropout
from ..ops.slicing import slice_
from ..ops.variable_scope import get_variable, variable_scope
from .rnn_cell_impl import LSTMStateTuple, RNNCell, assert_like_rnncell


class MultiRNNCell(RNNCell):
    """Cells stacked: each one's output is the next one's input (scopes cell_0, ...)."""

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not nest.is_sequence(cells):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(nest.is_sequence(c.state_size) for c in self._cells):
            raise ValueError("Some cells return tuples of states, but the flag "
                             "state_is_tuple is not set.  State sizes are: "
                             f"{[c.state_size for c in self._cells]}")

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState",
                        values=[batch_size] if isinstance(batch_size, Tensor) else None):
            if self._state_is_tuple:
                return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
            return super().zero_state(batch_size, dtype)

    @property
    def variables(self):
        return [v for cell in self._cells for v in cell.variables]

    weights = variables

    @property
    def trainable_variables(self):
        return [v for cell in self._cells for v in cell.trainable_variables]

    trainable_weights = trainable_variables

    def call(self, inputs, state):
        position, current, new_states = 0, inputs, []
        for i, cell in enumerate(self._cells):
            with variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not nest.is_sequence(state):
                        raise ValueError(f"Expected state to be a tuple of length "
                                         f"{len(self.state_size)}, but received: {state}")
                    cell_state = state[i]
                else:
                    cell_state = slice_(state, [0, position], [-1, cell.state_size])
                    position += cell.state_size
                current, new_state = cell(current, cell_state)
                new_states.append(new_state)
        new_states = tuple(new_states) if self._state_is_tuple else \
            array_ops.concat(new_states, 1)
        return current, new_states


class _Wrapper(RNNCell):
    """A cell around a cell: the same state, no scope of its own unless it has
    variables (OutputProjectionWrapper)."""

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        assert_like_rnncell("cell", cell)
        self._cell = cell

    @property
    def wrapped_cell(self):
        return self._cell

    cell = wrapped_cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    @property
    def variables(self):
        return list(dict.fromkeys(self._cell.variables + self._weights))

    weights = variables

    @property
    def trainable_variables(self):
        return list(dict.fromkeys(self._cell.trainable_variables +
                                  [v for v in self._weights if v.trainable]))

    trainable_weights = trainable_variables

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState",
                        values=[batch_size] if isinstance(batch_size, Tensor) else None):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        return self._wrapped_call(inputs, state, scope)

    def _wrapped_call(self, inputs, state, scope):
        return self._cell(inputs, state, scope=scope)


def _default_state_filter(substate):
    """Which parts of a state DropoutWrapper drops: all but an LSTM's c."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


class DropoutWrapper(_Wrapper):
    """Dropout on the cell's inputs, outputs and state (keep probabilities may be
    tensors, e.g. a placeholder_with_default)."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__(cell, dtype=dtype)
        if variational_recurrent:
            raise NotImplementedError("DropoutWrapper(variational_recurrent=True)")
        self._seed = seed
        self._state_filter = dropout_state_filter_visitor or _default_state_filter
        with name_scope("DropoutWrapperInit"):
            for prob, attr in ((input_keep_prob, "input_keep_prob"),
                               (state_keep_prob, "state_keep_prob"),
                               (output_keep_prob, "output_keep_prob")):
                tensor = convert_to_tensor(prob)
                value = constant_ops.constant_value(tensor)
                if value is not None:
                    if value < 0 or value > 1:
                        raise ValueError(f"Parameter {attr} must be between 0 and 1: "
                                         f"{int(value)}")   # TF formats it with %d
                    setattr(self, f"_{attr}", float(value))
                else:
                    setattr(self, f"_{attr}", tensor)

    def _gen_seed(self, salt_prefix, index):
        if self._seed is None:
            return None
        text = f"{self._seed}{salt_prefix}_{index}".encode("utf-8")
        return int(hashlib.md5(text).hexdigest()[:8], 16) & 0x7FFFFFFF

    def _dropout(self, values, salt_prefix, keep_prob, filter_structure=None):
        """Dropout on each leaf of `values` (those `filter_structure` flags)."""
        flat = nest.flatten(values)
        keep = [True] * len(flat) if filter_structure is None else filter_structure
        out = [dropout(v, keep_prob=keep_prob, seed=self._gen_seed(salt_prefix, i))
               if k else v for i, (k, v) in enumerate(zip(keep, flat))]
        return nest.pack_sequence_as(values, out)

    def _wrapped_call(self, inputs, state, scope):
        def should(p):
            return not isinstance(p, float) or p < 1
        if should(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_state = self._cell(inputs, state, scope=scope)
        if should(self._state_keep_prob):
            new_state = self._dropout(new_state, "state", self._state_keep_prob,
                                      _keep_flags(self._state_filter, new_state))
        if should(self._output_keep_prob):
            output = self._dropout(output, "output", self._output_keep_prob)
        return output, new_state


def _keep_flags(visitor, state):
    """Per leaf of the state, whether DropoutWrapper drops it: the visitor answers True
    (look inside), False (keep all of it), or a structure of such answers."""
    verdict = visitor(state)
    if verdict is False:
        return [False] * len(nest.flatten(state))
    if verdict is True:
        if not nest.is_sequence(state):
            return [True]
        return [f for part in state for f in _keep_flags(visitor, part)]
    flags = []
    for part, answer in zip(state, verdict):
        flags += _keep_flags(visitor, part) if answer is True else \
            [False] * len(nest.flatten(part)) if answer is False else \
            _keep_flags(lambda _: answer, part)
    return flags


class OutputProjectionWrapper(_Wrapper):
    """The cell's output projected to output_size by a dense layer of its own (kernel
    and bias under output_projection_wrapper/)."""

    def __init__(self, cell, output_size, activation=None, reuse=None):
        super().__init__(cell, _reuse=reuse)
        if output_size < 1:
            raise ValueError(f"Parameter output_size must be > 0: {output_size}.")
        self._output_size = output_size
        self._activation_fn = activation

    @property
    def output_size(self):
        return self._output_size

    def __call__(self, inputs, state, scope=None):
        return RNNCell.__call__(self, inputs, state, scope=scope)

    def build(self, inputs_shape):
        self.built = True

    def call(self, inputs, state):
        output, res_state = self._cell(inputs, state)
        if getattr(self, "_kernel", None) is None:
            depth = output.shape[-1].value
            self._kernel = get_variable("kernel", [depth, self._output_size],
                                        dtype=output.dtype)
            self._bias = get_variable("bias", [self._output_size], dtype=output.dtype,
                                      initializer=init_ops.constant_initializer(
                                          0.0, dtype=output.dtype))
        projected = bias_add(matmul(output, self._kernel), self._bias)
        if self._activation_fn:
            projected = self._activation_fn(projected)
        return projected, res_state


class ResidualWrapper(_Wrapper):
    """The cell's output plus its input (or residual_fn(inputs, outputs))."""

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _wrapped_call(self, inputs, state, scope):
        outputs, new_state = self._cell(inputs, state, scope=scope)

        def add(inp, out):
            inp.shape.assert_is_compatible_with(out.shape)
            return inp + out
        if self._residual_fn is not None:
            return self._residual_fn(inputs, outputs), new_state
        nest.assert_same_structure(inputs, outputs)
        return nest.map_structure(add, inputs, outputs), new_state


class DeviceWrapper(_Wrapper):
    """The cell's ops placed on a device (recorded; tinygraph runs one device)."""

    def __init__(self, cell, device):
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size, dtype):
        with device_scope(self._device):
            return super().zero_state(batch_size, dtype)

    def _wrapped_call(self, inputs, state, scope):
        with device_scope(self._device):
            return self._cell(inputs, state, scope=scope)

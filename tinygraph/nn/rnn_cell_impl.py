"""The RNN cells of TF 1.15 (tf.nn.rnn_cell, tf.contrib.rnn): the RNNCell base users
subclass, BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell and the wrappers.
Variable names, shapes, initializers and the order ops are made in follow TF 1.15, so
checkpoints, name-based code and seeded numbers carry over."""
import collections
import hashlib

from ..framework import dtypes, nest
from ..framework.graph import device as device_scope, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from ..layers import Layer
from ..ops import array_ops, constant_ops, elementwise, init_ops, layout_ops, shape_ops
from ..ops.clip_ops import clip_by_value
from ..ops.matmul import matmul
from ..ops.nn_ops import bias_add, dropout
from ..ops.variable_scope import get_variable, get_variable_scope, variable_scope


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell state c and the output h."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _concat(prefix, suffix, static=False):
    """[prefix] + suffix as TF's rnn_cell_impl._concat: a shape tensor, or (static) a
    list with None for what is unknown."""
    if isinstance(prefix, Tensor):
        p = prefix
        p_static = constant_ops.constant_value(prefix)
        if p.shape.ndims == 0:
            p = layout_ops.expand_dims(p, 0)
        elif p.shape.ndims != 1:
            raise ValueError(f"prefix tensor must be either a scalar or vector, but saw "
                             f"tensor: {p}")
        p_static = [int(p_static)] if p_static is not None and not hasattr(p_static, "__len__") \
            else list(p_static) if p_static is not None else [None]
    else:
        p = as_shape(prefix)
        p_static = p.as_list() if p.ndims is not None else None
        p = constant_ops.constant(p.as_list(), dtype=dtypes.int32) \
            if p.is_fully_defined() else None
    s = as_shape(suffix)
    s_static = s.as_list() if s.ndims is not None else None
    s = constant_ops.constant(s.as_list(), dtype=dtypes.int32) if s.is_fully_defined() else None
    if static:
        if p_static is None or s_static is None:
            return None
        return p_static + s_static
    if p is None or s is None:
        raise ValueError(f"Provided a prefix or suffix of None: {prefix} and {suffix}")
    return array_ops.concat((p, s), 0)


def _zero_state_tensors(state_size, batch_size, dtype):
    def zeros(s):
        out = shape_ops.zeros(_concat(batch_size, s), dtype=dtype)
        static = _concat(batch_size, s, static=True)
        if static is not None:
            out.set_shape(static)
        return out
    return nest.map_structure(zeros, state_size)


class RNNCell(Layer):
    """The cell base class. Subclasses define state_size, output_size and
    call(inputs, state) -> (output, new_state); build(input_shape) makes variables with
    add_variable / add_weight. Calling the cell makes its variables under its own scope
    the first time and reuses them after."""

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype, _reuse=_reuse)

    @property
    def _base_name(self):
        return _snake(type(self).__name__)

    @property
    def state_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    def __call__(self, inputs, state, scope=None):
        if scope is not None:
            with variable_scope(scope) as captured:
                return super().__call__(inputs, state, scope=captured)
        # The first call remembers the variable scope it was made in, as TF does.
        if getattr(self, "_outer_scope", None) is None:
            self._outer_scope = get_variable_scope()
        with variable_scope(self._outer_scope, auxiliary_name_scope=False):
            return super().__call__(inputs, state)

    def _first_input(self, inputs):
        return nest.flatten(inputs)[0]

    def build(self, inputs_shape):
        self.built = True

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs)
            batch_size = inputs.shape[0].value
            if batch_size is None:
                batch_size = shape_ops.shape(inputs)[0]
            dtype = inputs.dtype
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState",
                        values=[batch_size] if isinstance(batch_size, Tensor) else None):
            return _zero_state_tensors(self.state_size, batch_size, dtype)


def _snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or
                                   i + 1 < len(name) and name[i + 1].islower()):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _input_depth(cell, inputs_shape):
    depth = TensorShape(inputs_shape)[-1].value
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: "
                         f"{TensorShape(inputs_shape)}")
    return depth


def _activation(activation, default):
    if activation is None:
        return default
    if isinstance(activation, str):
        from .. import nn
        return getattr(nn, activation)
    return activation


class BasicRNNCell(RNNCell):
    """output = new_state = activation([inputs, state] @ kernel + bias)."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None,
                 **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation, elementwise.tanh)

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        self._kernel = self.add_variable("kernel", [depth + self._num_units, self._num_units])
        self._bias = self.add_variable("bias", [self._num_units],
                                       initializer=init_ops.zeros_initializer(dtype=self.dtype))
        self.built = True

    def call(self, inputs, state):
        gate_inputs = matmul(array_ops.concat([inputs, state], 1), self._kernel)
        gate_inputs = bias_add(gate_inputs, self._bias)
        output = self._activation(gate_inputs)
        return output, output


class BasicLSTMCell(RNNCell):
    """The LSTM without peepholes: gates i, j, f, o from one matmul; forget_bias is added
    to f."""

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation, elementwise.tanh)

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n = self._num_units
        self._kernel = self.add_variable("kernel", [depth + n, 4 * n])
        self._bias = self.add_variable("bias", [4 * n],
                                       initializer=init_ops.zeros_initializer(dtype=self.dtype))
        self.built = True

    def call(self, inputs, state):
        sigmoid = elementwise.sigmoid
        one = constant_ops.constant(1, dtype=dtypes.int32)
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(value=state, num_or_size_splits=2, axis=one)
        gate_inputs = matmul(array_ops.concat([inputs, h], 1), self._kernel)
        gate_inputs = bias_add(gate_inputs, self._bias)
        i, j, f, o = array_ops.split(value=gate_inputs, num_or_size_splits=4, axis=one)
        forget_bias = constant_ops.constant(self._forget_bias, dtype=f.dtype)
        add, multiply = elementwise.add, elementwise.multiply
        new_c = add(multiply(c, sigmoid(add(f, forget_bias))),
                    multiply(sigmoid(i), self._activation(j)))
        new_h = multiply(self._activation(new_c), sigmoid(o))
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else \
            array_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(RNNCell):
    """The LSTM with optional peepholes (use_peepholes), cell clipping (cell_clip) and a
    projection of the output (num_proj, proj_clip)."""

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise NotImplementedError("LSTMCell: variable sharding (num_unit_shards, "
                                      "num_proj_shards) is not supported")
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation, elementwise.tanh)
        out = num_proj if num_proj else num_units
        self._state_size = LSTMStateTuple(num_units, out) if state_is_tuple \
            else num_units + out
        self._output_size = out

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self):
        return self._output_size

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n = self._num_units
        h_depth = n if self._num_proj is None else self._num_proj
        self._kernel = self.add_variable("kernel", [depth + h_depth, 4 * n],
                                         initializer=self._initializer)
        self._bias = self.add_variable("bias", [4 * n],
                                       initializer=init_ops.zeros_initializer(dtype=self.dtype))
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", [n], initializer=self._initializer)
            self._w_i_diag = self.add_variable("w_i_diag", [n], initializer=self._initializer)
            self._w_o_diag = self.add_variable("w_o_diag", [n], initializer=self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable("projection/kernel", [n, self._num_proj],
                                                  initializer=self._initializer)
        self.built = True

    def call(self, inputs, state):
        n = self._num_units
        num_proj = n if self._num_proj is None else self._num_proj
        sigmoid = elementwise.sigmoid
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            from ..ops.slicing import slice_
            c_prev = slice_(state, [0, 0], [-1, n])
            m_prev = slice_(state, [0, n], [-1, num_proj])
        if inputs.shape.with_rank(2)[1].value is None:
            raise ValueError("Could not infer input size from inputs.get_shape()[-1]")
        lstm_matrix = matmul(array_ops.concat([inputs, m_prev], 1), self._kernel)
        lstm_matrix = bias_add(lstm_matrix, self._bias)
        i, j, f, o = array_ops.split(value=lstm_matrix, num_or_size_splits=4, axis=1)
        if self._use_peepholes:
            c = sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev + \
                sigmoid(i + self._w_i_diag * c_prev) * self._activation(j)
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else \
            array_ops.concat([c, m], 1)
        return m, new_state


class GRUCell(RNNCell):
    """The gated recurrent unit: reset and update gates (gates/, bias 1.0), then the
    candidate (candidate/)."""

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation, elementwise.tanh)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n = self._num_units
        self._gate_kernel = self.add_variable("gates/kernel", [depth + n, 2 * n],
                                              initializer=self._kernel_initializer)
        self._gate_bias = self.add_variable(
            "gates/bias", [2 * n], initializer=self._bias_initializer
            if self._bias_initializer is not None else
            init_ops.constant_initializer(1.0, dtype=self.dtype))
        self._candidate_kernel = self.add_variable("candidate/kernel", [depth + n, n],
                                                   initializer=self._kernel_initializer)
        self._candidate_bias = self.add_variable(
            "candidate/bias", [n], initializer=self._bias_initializer
            if self._bias_initializer is not None else
            init_ops.zeros_initializer(dtype=self.dtype))
        self.built = True

    def call(self, inputs, state):
        gate_inputs = matmul(array_ops.concat([inputs, state], 1), self._gate_kernel)
        gate_inputs = bias_add(gate_inputs, self._gate_bias)
        value = elementwise.sigmoid(gate_inputs)
        r, u = array_ops.split(value=value, num_or_size_splits=2, axis=1)
        r_state = r * state
        candidate = matmul(array_ops.concat([inputs, r_state], 1), self._candidate_kernel)
        candidate = bias_add(candidate, self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


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
                    from ..ops.slicing import slice_
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
        return self._cell.variables + list(self._weights)

    weights = variables

    @property
    def trainable_variables(self):
        return self._cell.trainable_variables + [v for v in self._weights if v.trainable]

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
                        raise ValueError(f"Parameter {attr} must be between 0 and 1: {value}")
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
            self._weights.extend([self._kernel, self._bias])
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


def assert_like_rnncell(name, cell):
    """TF's check that `cell` quacks like an RNNCell."""
    missing = [a for a in ("output_size", "state_size", "zero_state") if not hasattr(cell, a)]
    if not callable(cell):
        missing.append("__call__")
    if missing:
        raise TypeError(f"The argument {name!r} ({cell}) is not an RNNCell: "
                        + ", ".join(f"'{m}' property is missing" if m != "__call__" else
                                    "is not callable" for m in missing) + ".")


"""The RNN cells of TF 1.15 (tf.nn.rnn_cell, tf.contrib.rnn): the RNNCell base users
subclass, BasicRNNCell, BasicLSTMCell, LSTMCell and GRUCell (MultiRNNCell and the
wrappers are in rnn_cell_wrappers).
Variable names, shapes, initializers and the order ops are made in follow TF 1.15, so
checkpoints, name-based code and seeded numbers carry over."""
import collections
import contextlib
import re
import weakref

from ..framework import dtypes, nest
from ..framework.graph import get_default_graph, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape
from ..layers import Layer
from ..ops import array_ops, constant_ops, elementwise, init_ops, layout_ops, shape_ops
from ..ops.clip_ops import clip_by_value
from ..ops.matmul import matmul
from ..ops.nn_ops import bias_add
from ..ops.variable_scope import _store, get_variable_scope, variable_scope


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell state c and the output h."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {_dtype_text(c.dtype)} vs "
                            f"{_dtype_text(h.dtype)}")
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

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, _scope=None,
                 **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype, _reuse=_reuse,
                         _scope=_scope)
        self._object_name = name or _unique_object_name(self._base_name)
        self._outer_scope = None

    @property
    def _base_name(self):
        return _snake(type(self).__name__)

    @property
    def name(self):
        """TF's layer name: the given one, else basic_rnn_cell_1, _2, ... per graph."""
        return self._object_name

    @property
    def scope_name(self):
        if self._scope is None:
            raise ValueError(f'No name available for layer scope because the layer "{self.name}"'
                             ' has not been used yet. The scope name  is determined the first '
                             'time the layer instance is called. You must therefore call the '
                             'layer before querying `scope_name`.')
        return self._scope.name

    @property
    def state_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    def __call__(self, inputs, state, scope=None):
        """As TF: the first call remembers the variable scope it is made in and later calls
        re-enter it (so a MultiRNNCell's ops go in rnn/rnn/multi_rnn_cell/...); every
        variable fetched while the cell runs, its inner cells' too, becomes its weight."""
        if scope is not None:
            with variable_scope(scope) as captured, _recording(self):
                return super().__call__(inputs, state, scope=captured)
        if getattr(self, "_outer_scope", None) is None:
            self._outer_scope = get_variable_scope()
        with variable_scope(self._outer_scope), _recording(self):
            return super().__call__(inputs, state)

    def _first_input(self, inputs):
        return nest.flatten(inputs)[0]

    def build(self, inputs_shape):
        self.built = True

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs, name="inputs")
            batch_size = inputs.shape[0].value
            if batch_size is None:
                batch_size = shape_ops.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError(f"batch_size and dtype cannot be None while constructing initial "
                             f"state: batch_size={batch_size}, dtype={dtype}")
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState",
                        values=[batch_size] if isinstance(batch_size, Tensor) else None):
            return _zero_state_tensors(self.state_size, batch_size, dtype)


class LayerRNNCell(RNNCell):
    """A cell that is a proper layer (the built-in cells): called in its own scope only,
    on 2-D floating-point inputs."""

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype, _reuse=_reuse, **kwargs)
        _check_supported_dtypes(self.dtype)

    def __call__(self, inputs, state, scope=None):
        inputs = nest.map_structure(convert_to_tensor, inputs)   # once, as Keras does
        x = nest.flatten(inputs)[0]
        rank = x.shape.ndims
        if rank is not None and rank != 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim=2, found ndim={rank}. Full shape received: "
                             f"{x.shape.as_list()}")
        for t in nest.flatten([inputs, state]):
            if isinstance(t, Tensor):
                _check_supported_dtypes(t.dtype)
        return Layer.__call__(self, inputs, state, scope=scope)


_NAME_UIDS = weakref.WeakKeyDictionary()   # per graph: how many cells of each base name


def _unique_object_name(base):
    uids = _NAME_UIDS.setdefault(get_default_graph().root, {})
    uids[base] = uids.get(base, 0) + 1
    return f"{base}_{uids[base]}"


@contextlib.contextmanager
def _recording(cell):
    """TF's RNNCell puts a custom getter on its scope: each variable get_variable returns
    while the cell runs is added to the cell's weights."""
    store = _store(get_default_graph().root)
    shadowed = "get" in vars(store)
    get = store.get

    def recording_get(*args, **kwargs):
        v = get(*args, **kwargs)
        if all(v is not w for w in cell._weights):
            cell._weights.append(v)
        return v
    store.get = recording_get
    try:
        yield
    finally:
        if shadowed:
            store.get = get
        else:
            del store.get


def _check_supported_dtypes(dtype):
    if dtype is not None and not dtypes.as_dtype(dtype).is_floating:
        raise ValueError(f"RNN cell only supports floating point inputs, but saw dtype: "
                         f"{_dtype_text(dtype)}")


def _dtype_text(dtype):
    return f"<dtype: '{dtypes.as_dtype(dtype).name}'>"


def _snake(name):
    """TF's to_snake_case: BasicLSTMCell -> basic_lstm_cell."""
    words = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub("([a-z])([A-Z])", r"\1_\2", words).lower()
    return snake if snake[0] != "_" else "private" + snake


def _input_depth(cell, inputs_shape):
    depth = TensorShape(inputs_shape)[-1].value
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: "
                         f"{tuple(TensorShape(inputs_shape).as_list())}")   # TF's tuple
    return depth


def _activation(activation, default):
    if activation is None:
        return default
    if isinstance(activation, str):
        from .. import nn
        return getattr(nn, activation)
    return activation


class BasicRNNCell(LayerRNNCell):
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


class BasicLSTMCell(LayerRNNCell):
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


class LSTMCell(LayerRNNCell):
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


class GRUCell(LayerRNNCell):
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


def assert_like_rnncell(name, cell):
    """TF's check that `cell` quacks like an RNNCell."""
    errors = [text for text, ok in (
        ("'output_size' property is missing", _hasattr(cell, "output_size")),
        ("'state_size' property is missing", _hasattr(cell, "state_size")),
        ("either 'zero_state' or 'get_initial_state' method is required",
         _hasattr(cell, "get_initial_state") or _hasattr(cell, "zero_state")),
        ("is not callable", callable(cell))) if not ok]
    if errors:
        raise TypeError(f"The argument {name!r} ({cell}) is not an RNNCell: "
                        f"{', '.join(errors)}.")


def _hasattr(obj, name):
    try:
        getattr(obj, name)
    except AttributeError:
        return False
    return True


"""tf.layers: the Layer base (which RNN cells extend too), Dense and dense, built as
TF 1.15 builds them. Each layer owns a variable
scope (dense, dense_1, ...) holding `kernel` and `bias`; its ops go in that scope's name
scope, and calling the same layer again reuses its variables."""
from .framework import dtypes
from .framework.graph import GraphKeys, get_default_graph, name_scope
from .framework.operation import convert_to_tensor
from .framework.tensor_shape import TensorShape
from .ops import init_ops, shape_ops
from .ops.matmul import matmul
from .ops.nn_ops import bias_add, outer_shape
from .ops.variable_scope import variable_scope


class Layer:
    """TF1's tf.layers.Layer: the first call opens the layer's variable scope (its name,
    made unique among its siblings: dense, dense_1, ...), builds its variables there with
    add_weight, and runs call() in that scope's name scope; later calls reuse both."""

    _base_name = "layer"

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, _scope=None,
                 **kwargs):
        self.trainable = trainable
        self._name = name
        self._reuse = _reuse
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._scope = self._current = None
        if _scope is not None:   # the functional forms use their name as the scope, exactly
            with variable_scope(_scope) as captured:
                self._scope = captured
        self._weights = []
        self.losses = []
        self.built = False

    @property
    def name(self):
        if self._scope is not None:
            return self._scope.name.rsplit("/", 1)[-1]
        return self._name or self._base_name

    @property
    def dtype(self):
        return self._dtype

    @property
    def scope_name(self):
        return self._scope.name if self._scope is not None else None

    @property
    def variables(self):
        return list(self._weights)

    weights = variables

    @property
    def trainable_variables(self):
        return [v for v in self._weights if v.trainable] if self.trainable else []

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        return [v for v in self._weights if not v.trainable or not self.trainable]

    non_trainable_weights = non_trainable_variables

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, partitioner=None, **kwargs):
        losses = get_default_graph().get_collection_ref(GraphKeys.REGULARIZATION_LOSSES)
        before = len(losses)
        v = self._current.get_variable(name, shape, dtype=dtype or self._dtype,
                                       initializer=initializer, regularizer=regularizer,
                                       trainable=trainable and self.trainable,
                                       constraint=constraint)
        self.losses.extend(losses[before:])
        if v not in self._weights:
            self._weights.append(v)
        return v

    add_variable = add_weight

    def build(self, input_shape):
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _first_input(self, inputs):
        from .framework import nest
        return nest.flatten(inputs)[0]

    def __call__(self, inputs, *args, **kwargs):
        scope = kwargs.pop("scope", None)
        first = convert_to_tensor(self._first_input(inputs))
        if self._dtype is None:
            self._dtype = first.dtype.base_dtype
        if self._scope is None:   # names the scope: dense, dense_1, ... among siblings
            base = self._name or self._base_name   # a given name is made unique too, as TF
            with (variable_scope(scope if scope is not None else base) if self._reuse else
                  variable_scope(scope, default_name=base)) as captured:
                self._scope = captured
        graph = get_default_graph()
        with variable_scope(self._scope, reuse=True if self.built else self._reuse,
                            auxiliary_name_scope=False) as current, \
                graph.name_scope(self._scope.original_name_scope):
            self._current = current
            if not self.built:
                self.build(first.shape)
                self.built = True
            return self.call(inputs, *args, **kwargs)

    apply = __call__


class Dense(Layer):
    """outputs = activation(inputs @ kernel + bias), over the last axis of `inputs`."""

    _base_name = "dense"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, _reuse=None, **kwargs):
        if activity_regularizer is not None:
            raise NotImplementedError("Dense with activity_regularizer")
        super().__init__(trainable=trainable, name=name, _reuse=_reuse, **kwargs)
        self.units = int(units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = self.bias = None

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        last = input_shape[-1].value
        if last is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        self.kernel = self.add_weight("kernel", [last, self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.units],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        inputs = convert_to_tensor(inputs)
        rank = inputs.shape.ndims
        if rank is not None and rank < 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f": expected min_ndim=2, found ndim={rank}. Full shape received: "
                             f"{inputs.shape.as_list()}")
        return super().__call__(inputs, *args, **kwargs)

    apply = __call__

    def call(self, inputs):
        rank = inputs.shape.ndims
        if rank is None:
            raise NotImplementedError("Dense on inputs of unknown rank")
        if rank > 2:
            outputs = _tensordot(inputs, self.kernel, self.units)
        else:
            outputs = matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = bias_add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return TensorShape(TensorShape(input_shape).as_list()[:-1] + [self.units])


def _tensordot(inputs, kernel, units):
    """inputs (rank > 2) times kernel over the last axis: reshape to 2-D, MatMul, reshape
    back, in a 'Tensordot' name scope whose name the result takes (as TF's)."""
    with name_scope(None, "Tensordot", [inputs]) as scope:
        flat = shape_ops.reshape(inputs, [-1, inputs.shape[-1].value])
        product = matmul(flat, kernel)
        out = shape_ops.reshape(product, outer_shape(inputs, (units,)), name=scope)
    out.set_shape(inputs.shape.as_list()[:-1] + [units])
    return out


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """The functional form: a new Dense layer applied once to `inputs`."""
    layer = Dense(units, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                  trainable=trainable, name=name, _scope=name, _reuse=reuse)
    return layer(inputs)

"""tf.layers: Dense and dense, built as TF 1.15 builds them. Each layer owns a variable
scope (dense, dense_1, ...) holding `kernel` and `bias`; its ops go in that scope's name
scope, and calling the same layer again reuses its variables."""
from .framework.graph import GraphKeys, get_default_graph, name_scope
from .framework.operation import convert_to_tensor
from .framework.tensor_shape import TensorShape
from .ops import init_ops, shape_ops
from .ops.matmul import matmul
from .ops.nn_ops import bias_add, outer_shape
from .ops.variable_scope import variable_scope


class Dense:
    """outputs = activation(inputs @ kernel + bias), over the last axis of `inputs`."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, _reuse=None, **kwargs):
        if activity_regularizer is not None:
            raise NotImplementedError("Dense with activity_regularizer")
        self.units = int(units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.trainable = trainable
        self._name = name
        self._reuse = _reuse
        self._scope = None
        self.kernel = self.bias = None
        self.losses = []
        self.built = False

    @property
    def name(self):
        if self._scope is not None:
            return self._scope.name.rsplit("/", 1)[-1]
        return self._name or "dense"

    @property
    def scope_name(self):
        return self._scope.name if self._scope is not None else None

    @property
    def variables(self):
        return [v for v in (self.kernel, self.bias) if v is not None]

    weights = variables

    @property
    def trainable_variables(self):
        return self.variables if self.trainable else []

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        return [] if self.trainable else self.variables

    non_trainable_weights = non_trainable_variables

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        last = input_shape[-1].value
        if last is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        losses = get_default_graph().get_collection_ref(GraphKeys.REGULARIZATION_LOSSES)
        before = len(losses)
        scope = self._current
        self.kernel = scope.get_variable("kernel", [last, self.units], dtype=self._dtype,
                                         initializer=self.kernel_initializer,
                                         regularizer=self.kernel_regularizer,
                                         trainable=self.trainable,
                                         constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = scope.get_variable("bias", [self.units], dtype=self._dtype,
                                           initializer=self.bias_initializer,
                                           regularizer=self.bias_regularizer,
                                           trainable=self.trainable,
                                           constraint=self.bias_constraint)
        self.losses = losses[before:]
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        inputs = convert_to_tensor(inputs)
        rank = inputs.shape.ndims
        if rank is not None and rank < 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f": expected min_ndim=2, found ndim={rank}. Full shape received: "
                             f"{inputs.shape.as_list()}")
        if self._scope is None:   # the first call names the scope: dense, dense_1, ...
            with variable_scope(self._name, default_name="dense", reuse=self._reuse) as scope:
                self._scope = self._current = scope
                self._dtype = inputs.dtype
                self.build(inputs.shape)
                return self.call(inputs)
        # Later calls reuse the variables and put their ops in the same name scope (as TF:
        # dense/MatMul_1), not in a new one.
        with variable_scope(self._scope, reuse=True, auxiliary_name_scope=False) as scope, \
                get_default_graph().name_scope(self._scope.original_name_scope):
            self._current = scope
            return self.call(inputs)

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
                  trainable=trainable, name=name, _reuse=reuse)
    return layer(inputs)

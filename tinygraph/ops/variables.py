"""Variables: the VariableV2 / Assign ops and TF1's Variable (RefVariable) object."""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.func_graph import init_scope
from ..framework.graph import GraphKeys, get_default_graph, make_op, make_tensor, name_scope
from ..framework.operation import Tensor, convert_to_tensor, register_tensor_conversion_function
from ..framework.registry import OpDef, VariableRef
from ..framework.tensor_shape import as_shape


class VariableV2(OpDef):
    """Outputs the variable's current value; the output is the variable's 'ref'."""
    type = "VariableV2"
    stateful = True

    def infer(op):
        return op.attrs["shape"], op.attrs["dtype"]

    @classmethod
    def compute(cls, op, inputs, ctx):
        return [VariableRef(variable_name(op))]


def variable_name(op):
    """The variable a VariableV2 op stands for: its own name, or, for the stand-in a loop
    body or branch makes to update an outer variable, that variable's name."""
    return op.attrs.get("var_name", op.name)


def _check_ref(op):
    ref = op.inputs[0]
    if ref.op.type != "VariableV2":
        raise TypeError(f"'{op.type}' Op requires that input 'ref' be a mutable tensor "
                        f"(a variable), got {ref}")
    return ref


class Assign(OpDef):
    type = "Assign"
    stateful = True
    ref_inputs = (0,)

    def infer(op):
        ref, value = _check_ref(op), op.inputs[1]
        if ref.dtype != value.dtype:
            raise TypeError(f"Input 'value' of 'Assign' Op has type {value.dtype.name} that "
                            f"does not match type {ref.dtype.name} of argument 'ref'.")
        if op.attrs["validate_shape"]:
            ref.shape.merge_with(value.shape) if ref.shape.is_compatible_with(value.shape) \
                else _shape_error(op, ref, value)
            return ref.shape, ref.dtype
        return value.shape, ref.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        ref, value = op.inputs[0], inputs[1]
        if op.attrs["validate_shape"]:
            static = ref.shape.as_tuple_or_none()
            if static is not None and (len(static) != value.ndim or any(
                    d is not None and d != v for d, v in zip(static, value.shape))):
                raise InvalidArgumentError(
                    None, op, f"Assign requires shapes of both tensors to match. lhs shape= "
                              f"{list(static)} rhs shape= {list(value.shape)}")
        value = np.array(value, dtype=ref.dtype.as_numpy_dtype)
        ctx.write_variable(variable_name(ref.op), value)
        return [value]


def _shape_error(op, ref, value):
    raise ValueError(f"Dimension 0 in both shapes must be equal: Shapes {ref.shape} and "
                     f"{value.shape} are incompatible for '{op.name}' (op: 'Assign')"
                     if ref.shape.ndims == value.shape.ndims else
                     f"Shapes {ref.shape} and {value.shape} are incompatible for "
                     f"'{op.name}' (op: 'Assign')")


class _AssignUpdate(OpDef):
    stateful = True
    ref_inputs = (0,)

    def infer(op):
        ref, value = _check_ref(op), op.inputs[1]
        if ref.dtype != value.dtype:
            raise TypeError(f"Input 'value' of '{op.type}' Op has type {value.dtype.name} "
                            f"that does not match type {ref.dtype.name} of argument 'ref'.")
        if not ref.shape.is_compatible_with(value.shape):
            _shape_error(op, ref, value)
        return ref.shape, ref.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        value = inputs[1]
        current = ctx.read_initialized(variable_name(op.inputs[0].op), op)
        if current.shape != value.shape:
            raise InvalidArgumentError(None, op, f"Must have the same shape: {current.shape} "
                                                 f"vs {value.shape}")
        new = cls.update(current, value).astype(current.dtype)
        ctx.write_variable(variable_name(op.inputs[0].op), new)
        return [new]


class AssignAdd(_AssignUpdate):
    type = "AssignAdd"
    update = staticmethod(np.add)


class AssignSub(_AssignUpdate):
    type = "AssignSub"
    update = staticmethod(np.subtract)


def _ref(x):
    return x._variable if isinstance(x, Variable) else x


def _update(op_type, ref, value, attrs, name):
    """An update op named as TF names it; a converted value is "<op>/value"."""
    ref = _ref(ref)
    with name_scope(name, op_type, [ref]) as scope:
        value = convert_to_tensor(value, dtype=ref.dtype, name="value")
        return make_tensor(op_type, [ref, value], attrs, name=scope)


def assign(ref, value, validate_shape=True, use_locking=None, name=None):
    return _update("Assign", ref, value, {"validate_shape": validate_shape,
                                          "use_locking": bool(use_locking)}, name)


def assign_add(ref, value, use_locking=None, name=None):
    return _update("AssignAdd", ref, value, {"use_locking": bool(use_locking)}, name)


def assign_sub(ref, value, use_locking=None, name=None):
    return _update("AssignSub", ref, value, {"use_locking": bool(use_locking)}, name)


class Variable:
    """TF1's tf.Variable: a VariableV2 op, its Assign initializer and an Identity read."""

    def __init__(self, initial_value=None, trainable=True, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        from_fn = callable(initial_value)
        with init_scope() as graph, name_scope(
                name, "Variable", [] if from_fn else [initial_value]) as scope:
            if from_fn:
                with graph.name_scope("Initializer"):
                    init = convert_to_tensor(initial_value(), dtype=dtype, name="initial_value")
            else:
                init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value")
            var_shape = as_shape(shape) if shape is not None else \
                init.shape if validate_shape else as_shape(None)
            if validate_shape and not init.shape.is_fully_defined() and shape is None:
                raise ValueError(f"initial_value must have a shape specified: {init}")
            self._initial_value = init
            self._variable = make_tensor("VariableV2", [], {
                "shape": var_shape, "dtype": init.dtype, "container": "", "shared_name": ""},
                name=scope)
            self._initializer_op = make_op("Assign", [self._variable, init], {
                "validate_shape": validate_shape, "use_locking": True}, name="Assign")
            self._snapshot = make_tensor("Identity", [self._variable], name="read")
        self._trainable = trainable
        self._constraint = constraint
        self._save_slice_info = None
        collections = list(collections) if collections is not None \
            else [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        graph.add_to_collections(collections, self)

    # --- identity ---
    @property
    def name(self):
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._variable.graph

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    @property
    def device(self):
        return self._variable.device

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def initializer(self):
        return self._initializer_op

    @property
    def initial_value(self):
        return self._initial_value

    def value(self):
        return self._snapshot

    def read_value(self):
        return make_tensor("Identity", [self._variable], name="read")

    def _ref(self):
        return self._variable

    def _as_graph_element(self):
        return self._variable

    def initialized_value(self):
        from .elementwise import where
        is_init = make_tensor("IsVariableInitialized", [self._variable])
        return where(is_init, self.read_value(), self._initial_value)

    # --- updates ---
    def assign(self, value, use_locking=False, name=None, read_value=True):
        out = assign(self._variable, value, use_locking=use_locking, name=name)
        return out if read_value else out.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        out = assign_add(self._variable, delta, use_locking=use_locking, name=name)
        return out if read_value else out.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        out = assign_sub(self._variable, delta, use_locking=use_locking, name=name)
        return out if read_value else out.op

    def load(self, value, session=None):
        from ..framework.graph import get_default_session
        session = session or get_default_session()
        if session is None:
            raise ValueError("Either session argument should be provided or default session "
                             "should be established")
        session.run(self._initializer_op, {self._initial_value: value})

    def eval(self, session=None):
        return self._snapshot.eval(session=session)

    def __repr__(self):
        return (f"<tf.Variable '{self.op.name}:0' shape={self._snapshot._shape_str()} "
                f"dtype={self.dtype.name}_ref>")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __iter__(self):
        raise TypeError("'Variable' object is not iterable.")

    def __bool__(self):
        raise TypeError("Using a `tf.Variable` as a Python `bool` is not allowed.")


register_tensor_conversion_function(
    Variable, lambda v, dtype, name, as_ref: _converted(v._variable if as_ref else v._snapshot,
                                                        dtype))


def _converted(t, dtype):
    if dtype is not None and dtypes.as_dtype(dtype) != t.dtype:
        raise ValueError(f"Incompatible type conversion requested to type '{dtype.name}' for "
                         f"variable of type '{t.dtype.name}'")
    return t


class IsVariableInitialized(OpDef):
    type = "IsVariableInitialized"
    stateful = True
    ref_inputs = (0,)
    not_differentiable = True

    def infer(op):
        return (), dtypes.bool

    @classmethod
    def compute(cls, op, inputs, ctx):
        return [np.array(ctx.read_variable(variable_name(op.inputs[0].op)) is not None)]


def is_variable_initialized(variable):
    return make_tensor("IsVariableInitialized", [_ref(variable)], name="IsVariableInitialized")


def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    from .constant_ops import group, no_op
    if var_list:
        return group(*[v.initializer for v in var_list], name=name)
    return no_op(name=name)


def global_variables_initializer():
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    var_list = global_variables() if var_list is None else var_list
    return make_tensor("ReportUninitialized", [_ref(v) for v in var_list], name=name)


class ReportUninitialized(OpDef):
    type = "ReportUninitialized"
    stateful = True
    ref_inputs = range(1 << 30)   # every input is a variable
    not_differentiable = True

    def infer(op):
        return [len(op.inputs)], dtypes.string

    @classmethod
    def compute(cls, op, inputs, ctx):
        names = [t.op.name for t in op.inputs if ctx.read_variable(t.op.name) is None]
        return [np.array(names, dtype=object)]


def is_variable(x):
    return isinstance(x, Variable)


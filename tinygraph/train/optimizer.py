"""tf.train.Optimizer: the base class. compute_gradients builds gradients, apply_gradients
creates slot variables and one Apply* update op per variable, as TF 1.15 names them."""
from ..autodiff import gradients
from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.operation import Tensor, convert_to_tensor
from ..ops import constant_ops, shape_ops, variables
from ..ops.elementwise import cast
from ..ops.variables import Variable

TRAINABLE_RESOURCE_VARIABLES = "trainable_resource_variables"
_VALID_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64)


def _var_key(var):
    return var.op.graph, var.op.name


def _call_if_callable(value):
    return value() if callable(value) else value


def _flatten(values):
    if isinstance(values, dict):
        values = list(values.values())
    if not isinstance(values, (list, tuple)):
        return [values]
    out = []
    for v in values:
        out.extend(_flatten(v) if isinstance(v, (list, tuple, dict)) else [v])
    return out


def create_slot_variable(primary, value_fn, op_name, dtype=None):
    """A non-trainable global variable named '<primary op name>/<op_name>' (made unique as
    TF does: 'w/Adam', then 'w/Adam_1'), initialised by value_fn(shape, dtype)."""
    graph = primary.graph
    dtype = dtypes.as_dtype(dtype or primary.dtype)
    shape = primary.shape
    # Slot names follow the primary variable, never the caller's name scope or control
    # dependencies (TF creates them inside init_scope and a variable scope).
    old_stack = graph._name_stack
    graph._name_stack = ""
    try:
        with graph.control_dependencies(None):
            if shape.is_fully_defined():
                init = lambda: value_fn(shape.as_list(), dtype)  # noqa: E731
            else:
                init = lambda: value_fn(None, dtype, primary.initialized_value())  # noqa: E731
            return Variable(init, trainable=False, name=f"{primary.op.name}/{op_name}",
                            dtype=dtype, collections=[GraphKeys.GLOBAL_VARIABLES],
                            validate_shape=shape.is_fully_defined())
    finally:
        graph._name_stack = old_stack


def _zeros(shape, dtype, like=None):
    if like is not None:
        return shape_ops.zeros_like(like)
    return shape_ops.zeros(shape, dtype)


def _ones(shape, dtype, like=None):
    if like is not None:
        return shape_ops.ones_like(like)
    return shape_ops.ones(shape, dtype)


def _filled(value):
    def make(shape, dtype, like=None):
        if like is not None:
            return shape_ops.fill(shape_ops.shape(like), constant_ops.constant(value, dtype))
        return constant_ops.constant(value, dtype=dtype, shape=shape)
    return make


class Optimizer:
    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}            # slot name -> {(graph, var op name): slot Variable}
        self._non_slot_dict = {}    # (name, graph) -> Variable

    def get_name(self):
        return self._name

    # --- the public API ---
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        if not [v for g, v in grads_and_vars if g is not None]:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do "
                "not support gradients, between variables "
                f"{[str(v) for _, v in grads_and_vars]} and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        loss = _call_if_callable(loss)
        if gate_gradients not in (self.GATE_NONE, self.GATE_OP, self.GATE_GRAPH):
            raise ValueError("gate_gradients must be one of: Optimizer.GATE_NONE, "
                             f"Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not {gate_gradients}")
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            self._assert_valid_dtypes([grad_loss])
        if var_list is None:
            graph = loss.graph if isinstance(loss, Tensor) else get_default_graph()
            var_list = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES) + \
                graph.get_collection(TRAINABLE_RESOURCE_VARIABLES)
        else:
            var_list = _flatten(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=grad_loss,
                          gate_gradients=gate_gradients == self.GATE_OP,
                          aggregation_method=aggregation_method,
                          colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gate_gradients == self.GATE_GRAPH:
            grads = constant_ops.tuple_(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for g, v in grads_and_vars:
            if g is not None:
                try:
                    g = convert_to_tensor(g)
                except TypeError:
                    raise TypeError("Gradient must be convertible to a Tensor or "
                                    f"IndexedSlices, or None: {g}") from None
            if not isinstance(v, Variable):
                if isinstance(v, Tensor):
                    raise NotImplementedError("Trying to update a Tensor ", v)
                raise NotImplementedError("Trying to optimize unsupported type ", v)
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError("No gradients provided for any variable: "
                             f"{[str(v) for _, v in converted]}.")
        graph = var_list[0].graph
        with graph.control_dependencies(None):
            self._create_slots(var_list)
        update_ops = []
        with graph.name_scope(name or self._name) as scope:
            self._prepare()
            for grad, var in converted:
                if grad is None:
                    continue
                with graph.name_scope("update_" + var.op.name), graph.device(var.device):
                    update_ops.append(self._apply_dense(grad, var))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                # TF: the step increments after every update (and TF names it like the
                # optimizer, e.g. 'Adam', with its constant 1 as 'Adam/value').
                with graph.control_dependencies([self._finish(update_ops, "update")]):
                    step = global_step._variable if isinstance(global_step, Variable) \
                        else global_step
                    one = constant_ops.constant(1, dtype=step.dtype, name="value")
                    apply_updates = variables.assign_add(step, one, name=scope)
        if isinstance(apply_updates, Tensor):
            apply_updates = apply_updates.op
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if apply_updates not in train_ops:
            train_ops.append(apply_updates)
        return apply_updates

    def get_slot(self, var, name):
        named_slots = self._slots.get(name)
        if not named_slots:
            return None
        return named_slots.get(_var_key(var))

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        graph = get_default_graph()
        found = [v for (_, g), v in self._non_slot_dict.items() if g is graph]
        for slots in self._slots.values():
            found.extend(v for v in slots.values() if v.graph is graph)
        return sorted(found, key=lambda v: v.name)

    # --- helpers for subclasses ---
    def _assert_valid_dtypes(self, tensors):
        for t in tensors:
            dtype = t.dtype.base_dtype
            if dtype not in _VALID_DTYPES:
                raise ValueError(f"Invalid type {dtype!r} for {t.name}, expected: "
                                 f"{list(_VALID_DTYPES)}.")

    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _get_or_make_slot(self, var, value_fn, slot_name, op_name):
        slots = self._slot_dict(slot_name)
        key = _var_key(var)
        if key not in slots:
            slots[key] = create_slot_variable(var, value_fn, op_name)
        return slots[key]

    def _zeros_slot(self, var, slot_name, op_name):
        return self._get_or_make_slot(var, _zeros, slot_name, op_name)

    def _ones_slot(self, var, slot_name, op_name):
        return self._get_or_make_slot(var, _ones, slot_name, op_name)

    def _filled_slot(self, var, value, slot_name, op_name):
        return self._get_or_make_slot(var, _filled(value), slot_name, op_name)

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        graph = colocate_with.graph
        key = (name, graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            # TF gives these no dtype: a Python float makes a float32 variable even for
            # float64 model variables (the update ops cast it).
            with graph.control_dependencies(None), graph.device(colocate_with.device):
                v = Variable(initial_value, name=name, trainable=False)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph or get_default_graph()))

    def _non_slot_variables(self):
        return self._non_slot_dict.values()

    def _hyper(self, value, name):
        """A hyperparameter as a tensor named under the update scope (callables called)."""
        value = _call_if_callable(value)
        if isinstance(value, Variable):
            return value.value()
        return convert_to_tensor(value, name=name, preferred_dtype=dtypes.float32) \
            if not isinstance(value, Tensor) else value

    @staticmethod
    def _cast(t, var):
        return cast(t, var.dtype.base_dtype)

    def _finish(self, update_ops, name_scope):
        return constant_ops.group(*update_ops, name=name_scope)

    # --- to override ---
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError()

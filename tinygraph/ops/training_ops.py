"""The Apply* ops optimizers use: each updates a variable (and its slots) in place with
TF 1.15's kernel formula. Inputs listed in `ref_inputs` are variables (refs); the others
are values. Every op outputs the variable's new value."""
import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.registry import OpDef
from .variables import variable_name


def _shape_list(shape):
    dims = shape.as_tuple_or_none()
    return "?" if dims is None else "[" + ",".join("?" if d is None else str(d)
                                                  for d in dims) + "]"


class _ApplyOp(OpDef):
    """An update of a variable and its slots. Subclasses give `inputs` (names in TF's
    order), `refs` (how many leading inputs are variables), `scalars` (the
    hyperparameter inputs), `update(values, attrs)` -> new values of the refs, and
    `c_update`: the same update as C statements on variables named like the inputs (T is
    the element type, `one` is 1), or a function of the attrs giving them."""
    stateful = True
    inputs = ()
    refs = 1
    scalars = ()

    def __init_subclass__(cls, **kw):
        cls.ref_inputs = tuple(range(cls.refs))
        super().__init_subclass__(**kw)

    @classmethod
    def infer(cls, op):
        if len(op.inputs) != len(cls.inputs):
            raise ValueError(f"'{op.name}' (op: '{op.type}') takes {len(cls.inputs)} inputs, "
                             f"got {len(op.inputs)}")
        var = op.inputs[0]
        shapes = ", ".join(_shape_list(t.shape) for t in op.inputs)
        for i in range(cls.refs):
            ref = op.inputs[i]
            if ref.op.type != "VariableV2":
                raise TypeError(f"'{op.type}' Op requires that input '{cls.inputs[i]}' be a "
                                f"mutable tensor (a variable), got {ref}")
        for name, t in zip(cls.inputs, op.inputs):
            if t.dtype != var.dtype:
                raise TypeError(f"Input '{name}' of '{op.type}' Op has type {t.dtype.name} "
                                f"that does not match type {var.dtype.name} of argument "
                                "'var'.")
        shape = var.shape
        for name, t in zip(cls.inputs, op.inputs):
            if name in cls.scalars:
                if t.shape.ndims not in (None, 0):
                    raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims} for "
                                     f"'{op.name}' (op: '{op.type}') with input shapes: "
                                     f"{shapes}.")
            elif not shape.is_compatible_with(t.shape):
                raise ValueError(f"Shapes {_shape_list(shape)} and {_shape_list(t.shape)} are "
                                 f"incompatible for '{op.name}' (op: '{op.type}') with input "
                                 f"shapes: {shapes}.")
            else:
                shape = shape.merge_with(t.shape)
        return shape, var.dtype

    @classmethod
    def compute(cls, op, inputs, ctx):
        names = [variable_name(t.op) for t in op.inputs[:cls.refs]]
        values = [ctx.read_initialized(n, op) for n in names] + list(inputs[cls.refs:])
        var = values[0]
        for name, value in zip(cls.inputs[1:], values[1:]):
            value = np.asarray(value)
            if name in cls.scalars:
                if value.ndim != 0:
                    raise InvalidArgumentError(None, op, f"{name} is not a scalar: "
                                                         f"{list(value.shape)}")
            elif value.shape != var.shape:
                raise InvalidArgumentError(None, op, f"var and {name} do not have the same "
                                                     f"shape{list(var.shape)} "
                                                     f"{list(value.shape)}")
        args = dict(zip(cls.inputs, (np.asarray(v) for v in values)))
        # New arrays (never in place): earlier reads of the old values stay valid.
        new = [np.asarray(v, dtype=var.dtype) for v in cls.update(args, op.attrs)]
        for name, value in zip(names, new):
            ctx.write_variable(name, value)
        return [new[0]]


class ApplyGradientDescent(_ApplyOp):
    type = "ApplyGradientDescent"
    inputs = ("var", "alpha", "delta")
    scalars = ("alpha",)
    c_update = "var = var - alpha * delta;"

    def update(a, attrs):
        return [a["var"] - a["alpha"] * a["delta"]]


class ApplyMomentum(_ApplyOp):
    type = "ApplyMomentum"
    inputs = ("var", "accum", "lr", "grad", "momentum")
    refs = 2
    scalars = ("lr", "momentum")

    def c_update(attrs):
        step = "(grad * lr + accum * momentum * lr)" if attrs.get("use_nesterov") \
            else "accum * lr"
        return f"accum = accum * momentum + grad; var = var - {step};"

    def update(a, attrs):
        lr, grad, momentum = a["lr"], a["grad"], a["momentum"]
        accum = a["accum"] * momentum + grad
        if attrs.get("use_nesterov"):
            var = a["var"] - (grad * lr + accum * momentum * lr)
        else:
            var = a["var"] - accum * lr
        return [var, accum]


class ApplyAdam(_ApplyOp):
    type = "ApplyAdam"
    inputs = ("var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
              "epsilon", "grad")
    refs = 3
    scalars = ("beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon")

    def c_update(attrs):
        m = "(m * beta1 + (one - beta1) * grad)" if attrs.get("use_nesterov") else "m"
        return ("const T alpha = lr * sqrt(one - beta2_power) / (one - beta1_power);"
                "m = m + (grad - m) * (one - beta1);"
                "v = v + (grad * grad - v) * (one - beta2);"
                f"var = var - {m} * alpha / (sqrt(v) + epsilon);")

    def update(a, attrs):
        one = np.ones((), a["var"].dtype)
        grad, beta1, beta2 = a["grad"], a["beta1"], a["beta2"]
        lr = a["lr"] * np.sqrt(one - a["beta2_power"]) / (one - a["beta1_power"])
        m = a["m"] + (grad - a["m"]) * (one - beta1)
        v = a["v"] + (grad * grad - a["v"]) * (one - beta2)
        if attrs.get("use_nesterov"):
            step = (m * beta1 + (one - beta1) * grad) * lr / (np.sqrt(v) + a["epsilon"])
        else:
            step = m * lr / (np.sqrt(v) + a["epsilon"])
        return [a["var"] - step, m, v]


class ApplyRMSProp(_ApplyOp):
    type = "ApplyRMSProp"
    inputs = ("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad")
    refs = 3
    scalars = ("lr", "rho", "momentum", "epsilon")
    c_update = ("ms = ms + (grad * grad - ms) * (one - rho);"
                "mom = mom * momentum + lr * grad / sqrt(ms + epsilon); var = var - mom;")

    def update(a, attrs):
        one = np.ones((), a["var"].dtype)
        grad = a["grad"]
        ms = a["ms"] + (grad * grad - a["ms"]) * (one - a["rho"])
        mom = a["mom"] * a["momentum"] + a["lr"] * grad / np.sqrt(ms + a["epsilon"])
        return [a["var"] - mom, ms, mom]


class ApplyCenteredRMSProp(_ApplyOp):
    type = "ApplyCenteredRMSProp"
    inputs = ("var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad")
    refs = 4
    scalars = ("lr", "rho", "momentum", "epsilon")
    c_update = ("ms = ms + (grad * grad - ms) * (one - rho);"
                "mg = mg + (grad - mg) * (one - rho);"
                "mom = mom * momentum + lr * grad / sqrt(ms - mg * mg + epsilon);"
                "var = var - mom;")

    def update(a, attrs):
        one = np.ones((), a["var"].dtype)
        grad = a["grad"]
        ms = a["ms"] + (grad * grad - a["ms"]) * (one - a["rho"])
        mg = a["mg"] + (grad - a["mg"]) * (one - a["rho"])
        denom = ms - mg * mg + a["epsilon"]
        mom = a["mom"] * a["momentum"] + a["lr"] * grad / np.sqrt(denom)
        return [a["var"] - mom, mg, ms, mom]


class ApplyAdagrad(_ApplyOp):
    type = "ApplyAdagrad"
    inputs = ("var", "accum", "lr", "grad")
    refs = 2
    scalars = ("lr",)

    def c_update(attrs):
        grow = "accum = accum + grad * grad;" if attrs.get("update_slots", True) else ""
        return grow + "var = var - lr * grad / sqrt(accum);"

    def update(a, attrs):
        grad, accum = a["grad"], a["accum"]
        if attrs.get("update_slots", True):
            accum = accum + grad * grad
        return [a["var"] - a["lr"] * grad / np.sqrt(accum), accum]


# --- wrappers, named as TF's generated ops name them ---
def _apply(op_type, inputs, attrs, name):
    from ..framework.graph import make_tensor
    return make_tensor(op_type, inputs, attrs, name=name or op_type)


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    return _apply("ApplyGradientDescent", [var, alpha, delta],
                  {"use_locking": use_locking}, name)


def apply_momentum(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False,
                   name=None):
    return _apply("ApplyMomentum", [var, accum, lr, grad, momentum],
                  {"use_locking": use_locking, "use_nesterov": use_nesterov}, name)


def apply_adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
               use_locking=False, use_nesterov=False, name=None):
    return _apply("ApplyAdam", [var, m, v, beta1_power, beta2_power, lr, beta1, beta2,
                                epsilon, grad],
                  {"use_locking": use_locking, "use_nesterov": use_nesterov}, name)


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False,
                   name=None):
    return _apply("ApplyRMSProp", [var, ms, mom, lr, rho, momentum, epsilon, grad],
                  {"use_locking": use_locking}, name)


def apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad,
                            use_locking=False, name=None):
    return _apply("ApplyCenteredRMSProp", [var, mg, ms, mom, lr, rho, momentum, epsilon, grad],
                  {"use_locking": use_locking}, name)


def apply_adagrad(var, accum, lr, grad, use_locking=False, update_slots=True, name=None):
    return _apply("ApplyAdagrad", [var, accum, lr, grad],
                  {"use_locking": use_locking, "update_slots": update_slots}, name)

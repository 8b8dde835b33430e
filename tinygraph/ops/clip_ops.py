"""tf.clip_by_value: a Minimum then a Maximum (TF 1.15's ops and names), so gradients
come from theirs."""
from ..framework.graph import name_scope
from ..framework.operation import convert_to_tensor
from . import elementwise


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = convert_to_tensor(t, name="t")
        t_min = elementwise.minimum(values, clip_value_max)
        _check_not_broadcast(values, t_min)
        t_max = elementwise.maximum(t_min, clip_value_min, name=scope)
        _check_not_broadcast(values, t_max)
        t_max.set_shape(values.shape)
        return t_max


def _check_not_broadcast(values, clipped):
    """TF merges the shapes: bounds may not broadcast `t` to a larger shape."""
    if not values.shape.is_compatible_with(clipped.shape):
        raise ValueError(f"Shapes {values.shape} and {clipped.shape} are not compatible")

"""The global step (an int64 scalar variable in the GLOBAL_STEP collection) and
learning-rate schedules."""
import logging

from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..ops import elementwise, init_ops
from ..ops.variable_scope import get_variable
from ..ops.variables import Variable

GLOBAL_STEP_NAME = "global_step"


def global_step(sess, global_step_tensor):
    """The global step's current value, as a Python int."""
    return int(sess.run(global_step_tensor))


def assert_global_step(global_step_tensor):
    if not isinstance(global_step_tensor, (Variable, Tensor)):
        raise TypeError('Existing "global_step" must be a Variable or Tensor: '
                        f"{global_step_tensor}.")
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError('Existing "global_step" does not have integer type: '
                        f"{global_step_tensor.dtype!r}")
    if global_step_tensor.shape.ndims != 0 and global_step_tensor.shape.is_fully_defined():
        raise TypeError(f'Existing "global_step" is not scalar: {global_step_tensor.shape}')


def get_global_step(graph=None):
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        step = found[0]
    elif not found:
        try:
            step = graph.get_tensor_by_name(GLOBAL_STEP_NAME + ":0")
        except KeyError:
            return None
    else:
        logging.error("Multiple tensors in global_step collection.")
        return None
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph.name_scope(None), graph.control_dependencies(None):
        return get_variable(GLOBAL_STEP_NAME, shape=[], dtype=dtypes.int64,
                            initializer=init_ops.zeros_initializer(), trainable=False,
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps) (floored if staircase)."""
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    with name_scope(name, "ExponentialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype
        step = elementwise.cast(global_step, dtype)
        decay_steps = elementwise.cast(decay_steps, dtype)
        decay_rate = elementwise.cast(decay_rate, dtype)
        p = elementwise.truediv(step, decay_steps)
        if staircase:
            p = elementwise.floor(p)
        return elementwise.multiply(lr, elementwise.pow(decay_rate, p), name=scope)

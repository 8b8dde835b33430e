"""Op families. Importing this package declares every op (fills the registry)."""
from . import (array_ops, check_ops, constant_ops, conditional, control_flow,  # noqa: F401
               elementwise, gather_ops, init_ops, layout_ops, matmul, nn_ops, random_ops,
               reductions, shape_ops, slicing, tensor_array_ops, tensor_operators,
               training_ops, variable_scope, variables, xent_ops)

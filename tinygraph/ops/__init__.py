"""Op families. Importing this package declares every op (fills the registry)."""
from . import (array_ops, check_ops, constant_ops, elementwise, gather_ops,  # noqa: F401
               init_ops, layout_ops, matmul, nn_ops, random_ops, reductions, shape_ops,
               slicing, tensor_operators, training_ops, variable_scope, variables, xent_ops)

"""Op families. Importing this package declares every op (fills the registry)."""
from . import (array_ops, constant_ops, elementwise, init_ops, matmul, random_ops,  # noqa: F401
               reductions, shape_ops, tensor_operators, variable_scope, variables)

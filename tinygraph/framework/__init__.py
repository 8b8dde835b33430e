"""Graph, Operation, Tensor, dtypes, shapes, scopes, collections, seeds, errors (no ops)."""

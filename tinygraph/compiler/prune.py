"""Pruning: the ops a set of fetches needs, in an order that respects every dependency."""


def ops_to_run(fetch_ops, fed_tensors):
    """Ops reachable backwards from `fetch_ops` through data and control edges, stopping
    at fed tensors, in topological order (creation order among independent ops)."""
    fed = set(fed_tensors)
    needed = set()
    stack = list(fetch_ops)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        # An op whose every output is fed need not run; its inputs are not needed.
        if op.outputs and all(t in fed for t in op.outputs):
            continue
        stack.extend(t.op for t in op.inputs if t not in fed)
        stack.extend(op.control_inputs)
    # Ops are created after their inputs and control inputs, so creation order is a
    # topological order.
    return sorted(needed, key=lambda op: op._id)

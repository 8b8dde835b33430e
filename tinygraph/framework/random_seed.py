"""TF1's seed rules: an op's (graph seed, op seed) pair."""
from .graph import get_default_graph

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1


def set_random_seed(seed):
    get_default_graph().seed = seed


def _truncate(seed):
    return int(seed) % _MAXINT32   # TF keeps seeds in int32 range this way


def get_seed(op_seed):
    """The pair a random op is seeded with. With a graph seed and no op seed, the op seed
    is the id of the last op created, so a program's numbers depend on its op order."""
    graph = get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = graph._last_id
        seeds = (_truncate(global_seed), _truncate(op_seed))
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, _truncate(op_seed))
    else:
        return None, None
    if seeds == (0, 0):   # (0, 0) means "nondeterministic" to the kernels
        return 0, _MAXINT32
    return seeds

"""What a session keeps between runs (variable values, random generators), and the
per-run view of it that makes a failed run change nothing."""
from ..framework.errors import FailedPreconditionError
from ..framework.philox import PhiloxStream


class SessionState:
    def __init__(self):
        self.variables = {}   # VariableV2 op name -> np.ndarray
        self.generators = {}  # random op name -> PhiloxStream

    def get_variable(self, name):
        return self.variables.get(name)

    def set_variables(self, values):
        self.variables.update(values)


class VariableReads:
    """read_initialized() for a context that defines read_variable(name), and call() for
    the ops that run sub-graphs (loops, conditionals)."""

    used = None   # the tensors the running plan consumes or fetches (None: all of them)

    def wanted(self, op):
        """Per output of `op`: whether the running plan uses it. Ops whose outputs are
        costly (a loop's record, a gradient nobody asked for) skip the ones it does not."""
        return [self.used is None or t in self.used for t in op.outputs]

    def call(self, fetches, feeds, values):
        """Runs the sub-graph that computes `fetches` from `feeds` (tensors of a loop body
        or branch) with the reference ops, in this run: its random streams and variables.
        The plan is built once per (fetches, feeds) and kept on the sub-graph."""
        from .numpy_backend import NumpyPlan
        key = (tuple(fetches), tuple(feeds))
        plans = fetches[0].graph.__dict__.setdefault("_call_plans", {})
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = NumpyPlan(list(fetches), list(feeds))
        return plan.evaluate(values, self)

    def read_initialized(self, name, consumer):
        value = self.read_variable(name)
        if value is None:
            raise FailedPreconditionError(
                None, consumer, f"Attempting to use uninitialized value {name}")
        return value


class RunContext(VariableReads):
    """Reads see this run's writes; nothing reaches the session state until commit()."""

    def __init__(self, state):
        self._state = state
        self._writes = {}
        self._generators = {}

    def read_variable(self, name):
        if name in self._writes:
            return self._writes[name]
        return self._state.variables.get(name)

    def write_variable(self, name, value):
        self._writes[name] = value

    def random_stream(self, op):
        """The op's TF-exact Philox stream (framework.philox), seeded by its attrs."""
        stream = self._generators.get(op.name)
        if stream is None:
            saved = self._state.generators.get(op.name)
            # A copy, so a failed run does not advance the session's stream.
            stream = saved.copy() if saved is not None else \
                PhiloxStream(op.attrs.get("seed", 0), op.attrs.get("seed2", 0))
            self._generators[op.name] = stream
        return stream

    def commit(self):
        self._state.variables.update(self._writes)
        self._state.generators.update(self._generators)


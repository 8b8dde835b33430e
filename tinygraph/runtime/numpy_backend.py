"""The numpy reference backend: runs a plan op by op with each op's numpy declaration."""
import numpy as np

from ..compiler.prune import ops_to_run
from ..framework.errors import InvalidArgumentError, OpError
from ..framework.registry import VariableRef, get_op_def
from .state import RunContext, SessionState


class NumpyPlan:
    def __init__(self, fetches, feeds):
        fetch_ops = [f.op if hasattr(f, "op") and not hasattr(f, "outputs") else f
                     for f in fetches]
        self.fetches = fetches
        self.feeds = list(feeds)
        fed = set(self.feeds)
        self.steps = [(op, get_op_def(op.type)) for op in ops_to_run(fetch_ops, fed)
                      if not (op.outputs and all(t in fed for t in op.outputs))]
        self.used = {t for op, _ in self.steps for t in op.inputs} | set(fetches)
        # A value is dropped after its last use (not kept to the end of the run), so a
        # run's peak memory is what is alive at once, not all it computed.
        last = {}
        for k, (op, _) in enumerate(self.steps):
            last.update(dict.fromkeys(op.outputs, k))   # unused outputs die at once
            last.update(dict.fromkeys(op.inputs, k))
        fetched = set(fetches)
        self.dead_after = [[] for _ in self.steps]
        for t, k in last.items():
            if t not in fetched:
                self.dead_after[k].append(t)

    def run(self, feed_values, state):
        """feed_values: arrays in the order of `feeds`. Returns one value per fetch (None
        for ops). Variables change only if the whole run succeeds."""
        ctx = RunContext(state)
        results = self.evaluate(feed_values, ctx)
        ctx.commit()
        return results

    def evaluate(self, feed_values, ctx):
        """The fetched values, reading and writing variables through `ctx` (a run's
        context: also how a loop body runs inside its loop op)."""
        env = dict(zip(self.feeds, feed_values))
        outer_used, ctx.used = ctx.used, self.used
        try:
            return self._evaluate(env, ctx)
        finally:
            ctx.used = outer_used

    def _evaluate(self, env, ctx):
        for (op, op_def), dead in zip(self.steps, self.dead_after):
            inputs = []
            for i, t in enumerate(op.inputs):
                value = env[t]
                if type(value) is VariableRef and i not in op_def.ref_inputs:
                    value = ctx.read_initialized(value.name, op)
                inputs.append(value)
            try:
                outputs = op_def.compute(op, inputs, ctx)
            except OpError:
                raise
            except (ValueError, IndexError, TypeError, ArithmeticError) as e:
                raise InvalidArgumentError(None, op, f"{op.type} failed: {e}") from e
            for t, value in zip(op.outputs, outputs):
                env[t] = value
            for t in dead:
                env.pop(t, None)
        results = []
        for f in self.fetches:
            if hasattr(f, "outputs"):   # an Operation
                results.append(None)
                continue
            value = env[f]
            if type(value) is VariableRef:
                value = ctx.read_initialized(value.name, f.op)
            results.append(np.array(value, copy=True) if isinstance(value, np.ndarray)
                           else np.asarray(value))
        return results


class NumpyBackend:
    name = "numpy"

    def new_state(self):
        return SessionState()

    def compile(self, graph, fetches, feeds, feed_shapes, state):
        return NumpyPlan(fetches, feeds)

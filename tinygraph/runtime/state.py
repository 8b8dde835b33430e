"""What a session keeps between runs (variable values, random generators), and the
per-run view of it that makes a failed run change nothing."""
import numpy as np

from ..framework.errors import FailedPreconditionError


class SessionState:
    def __init__(self):
        self.variables = {}   # VariableV2 op name -> np.ndarray
        self.generators = {}  # random op name -> np.random.Generator


class RunContext:
    """Reads see this run's writes; nothing reaches the session state until commit()."""

    def __init__(self, state):
        self._state = state
        self._writes = {}
        self._generators = {}

    def read_variable(self, name):
        if name in self._writes:
            return self._writes[name]
        return self._state.variables.get(name)

    def read_initialized(self, name, consumer):
        value = self.read_variable(name)
        if value is None:
            raise FailedPreconditionError(
                None, consumer, f"Attempting to use uninitialized value {name}")
        return value

    def write_variable(self, name, value):
        self._writes[name] = value

    def random_generator(self, op):
        gen = self._generators.get(op.name)
        if gen is None:
            saved = self._state.generators.get(op.name)
            if saved is None:
                gen = _new_generator(op.attrs.get("seed", 0), op.attrs.get("seed2", 0))
            else:   # a copy, so a failed run does not advance the session's stream
                gen = np.random.Generator(np.random.Philox())
                gen.bit_generator.state = saved.bit_generator.state
            self._generators[op.name] = gen
        return gen

    def commit(self):
        self._state.variables.update(self._writes)
        self._state.generators.update(self._generators)


def _new_generator(seed, seed2):
    if seed == 0 and seed2 == 0:   # TF: no seed at all means a fresh random stream
        return np.random.Generator(np.random.Philox())
    return np.random.Generator(np.random.Philox(key=[seed & (2**64 - 1), seed2 & (2**64 - 1)]))

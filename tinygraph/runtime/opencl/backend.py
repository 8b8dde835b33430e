"""The OpenCL backend: plans compiled per run signature, run on one OpenCL device."""
from .device import get_device_context
from .executor import OpenCLPlan, OpenCLState
from .trip_counts import TripCountPlans


class OpenCLBackend:
    name = "opencl"

    def __init__(self, spec=None):
        self.device = get_device_context(spec)

    def new_state(self):
        return OpenCLState(self.device)

    def compile(self, graph, fetches, feeds, feed_shapes, state):
        plan = OpenCLPlan(self.device, graph, fetches, feeds, feed_shapes, state)
        if not plan.trip_limits:
            return plan
        return TripCountPlans(plan, feeds, lambda limits: OpenCLPlan(
            self.device, graph, fetches, feeds, feed_shapes, state, limits=limits))

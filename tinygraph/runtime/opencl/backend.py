"""The OpenCL backend: plans compiled per run signature, run on one OpenCL device."""
from .device import get_device_context
from .executor import OpenCLPlan, OpenCLState


class OpenCLBackend:
    name = "opencl"

    def __init__(self, spec=None):
        self.device = get_device_context(spec)

    def new_state(self):
        return OpenCLState(self.device)

    def compile(self, graph, fetches, feeds, feed_shapes, state):
        return OpenCLPlan(self.device, graph, fetches, feeds, feed_shapes, state)

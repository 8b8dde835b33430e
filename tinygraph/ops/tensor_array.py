"""tf.TensorArray (TF1, graph mode): a handle and a flow; each write returns a new
TensorArray on a new flow (the ops and their values: tensor_array_ops). Op names and
counts are TF1's (so later random ops get TF1's seeds). One difference: reads never
clear an element (clear_after_read is accepted and ignored), as flows are values that a
loop's backward pass may read again."""
from ..framework import dtypes
from ..framework.graph import get_default_graph, make_op, name_scope
from ..framework.operation import Tensor, convert_to_tensor
from ..framework.tensor_shape import TensorShape, as_shape, unknown_shape
from .array_ops import gen_op, range_


class TensorArray:
    """TF1's tf.TensorArray: read/write, stack/unstack, gather/scatter, concat/split,
    size, identity, close. Static element shapes are shared by the arrays one array's
    writes make, as TF1 shares them."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if handle is not None and tensor_array_name:
            raise ValueError("Cannot construct with both handle and tensor_array_name")
        if handle is not None and not isinstance(handle, Tensor):
            raise TypeError("Handle must be a Tensor")
        if handle is None and size is None:
            raise ValueError("Size must be provided if handle is not provided")
        for what, given in (("size", size), ("element_shape", element_shape),
                            ("dynamic_size", dynamic_size),
                            ("clear_after_read", clear_after_read)):
            if handle is not None and given is not None:
                raise ValueError(f"Cannot provide both a handle and {what} at the same time")
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._element_shape = [as_shape(element_shape)]
        self._infer_shape = infer_shape
        self._size = None   # the size it was made with, when it cannot grow
        with name_scope(name, "TensorArray", [t for t in (handle, size, flow)
                                              if isinstance(t, Tensor)]) as scope:
            if handle is not None:
                if flow is None:
                    raise ValueError("flow must not be None if handle is not None.")
                self._handle, self._flow = handle, flow
                made = handle.op
                if made.type == "TensorArrayV3" and not made.attrs["dynamic_size"]:
                    self._size = made.inputs[0]
                return
            size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
            op = make_op("TensorArrayV3", [size], {
                "dtype": self._dtype, "element_shape": self._element_shape[0],
                "dynamic_size": self._dynamic_size,
                "clear_after_read": True if clear_after_read is None else clear_after_read,
                "identical_element_shapes": infer_shape,
                "tensor_array_name": tensor_array_name or ""}, name=scope)
        self._handle, self._flow = op.outputs
        if not self._dynamic_size:
            self._size = size

    # --- what it is ---
    @property
    def flow(self):
        return self._flow

    @property
    def handle(self):
        return self._handle

    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self):
        return self._element_shape[0]

    @property
    def dynamic_size(self):
        return self._dynamic_size

    def _with_flow(self, flow):
        """This array on another flow (what a write returns; a loop's hook)."""
        ta = TensorArray.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._flow = flow
        return ta

    def _check_element_shape(self, shape):
        if not shape.is_compatible_with(self.element_shape):
            raise ValueError(f"Inconsistent shapes: saw {shape} but expected "
                             f"{self.element_shape} ")
        if self._infer_shape:
            self._element_shape[0] = self.element_shape.merge_with(shape)

    def _convert(self, value, **kw):
        value = convert_to_tensor(value, preferred_dtype=self._dtype, name="value", **kw)
        if value.dtype != self._dtype:
            # (TF1 logs this and fails when the write runs.)
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                            f"write dtype {value.dtype.name}.")
        return value

    # --- reading ---
    def read(self, index, name=None):
        return gen_op("TensorArrayReadV3", [("handle", self._handle, None),
                                            ("index", index, dtypes.int32),
                                            ("flow_in", self._flow, None)],
                      {"dtype": self._dtype, "element_shape": self.element_shape},
                      name=name).outputs[0]

    def gather(self, indices, name=None):
        return gen_op("TensorArrayGatherV3", [("handle", self._handle, None),
                                              ("indices", indices, dtypes.int32),
                                              ("flow_in", self._flow, None)],
                      {"dtype": self._dtype, "element_shape": self.element_shape},
                      name=name).outputs[0]

    def stack(self, name=None):
        with name_scope(name, "TensorArrayStack", [self._flow]):
            return self.gather(range_(0, self._stack_size()), name=name)

    def _stack_size(self):
        """The array's size as stack() gathers it: for a fixed-size array, from the size
        it was made with (so a plan knows the stacked shape), else from the flow."""
        graph, size = get_default_graph(), self._size
        if size is not None and (size.graph is graph or
                                 hasattr(graph, "encloses") and graph.encloses(size.graph)):
            return make_op("TensorArrayStaticSize", [size], name="TensorArraySizeV3").outputs[0]
        return self.size()

    def concat(self, name=None):
        rest = self.element_shape[1:] if self.element_shape.ndims else unknown_shape()
        return gen_op("TensorArrayConcatV3", [("handle", self._handle, None),
                                              ("flow_in", self._flow, None)],
                      {"dtype": self._dtype, "element_shape_except0": rest},
                      name=name).outputs[0]

    def size(self, name=None):
        return gen_op("TensorArraySizeV3", [("handle", self._handle, None),
                                            ("flow_in", self._flow, None)],
                      name=name).outputs[0]

    # --- writing (each returns a new TensorArray) ---
    def write(self, index, value, name=None):
        with name_scope(name, "TensorArrayWrite", [self._flow, index, value]):
            value = self._convert(value)
            self._check_element_shape(value.shape)
            flow = gen_op("TensorArrayWriteV3", [("handle", self._handle, None),
                                                 ("index", index, dtypes.int32),
                                                 ("value", value, None),
                                                 ("flow_in", self._flow, None)],
                          name=name).outputs[0]
        return self._with_flow(flow)

    def unstack(self, value, name=None):
        with name_scope(name, "TensorArrayUnstack", [self._flow, value]):
            from .shape_ops import shape
            value = self._convert(value)
            return self.scatter(range_(0, shape(value)[0]), value, name=name)

    def scatter(self, indices, value, name=None):
        with name_scope(name, "TensorArrayScatter", [self._flow, value, indices]):
            value = self._convert(value)
            if value.shape.ndims:
                self._check_element_shape(value.shape[1:])
            flow = gen_op("TensorArrayScatterV3", [("handle", self._handle, None),
                                                   ("indices", indices, dtypes.int32),
                                                   ("value", value, None),
                                                   ("flow_in", self._flow, None)],
                          name=name).outputs[0]
        return self._with_flow(flow)

    def split(self, value, lengths, name=None):
        with name_scope(name, "TensorArraySplit", [self._flow, value, lengths]):
            from .constant_ops import constant_value
            from .elementwise import cast
            value = self._convert(value)
            if isinstance(lengths, Tensor):
                lengths = cast(lengths, dtypes.int64)
            else:   # as TF1: a Const "Cast/x" and its Cast
                with name_scope(None, "Cast") as cast_scope:
                    x = convert_to_tensor(lengths, name="x")
                    lengths = cast(x, dtypes.int64, name=cast_scope) \
                        if x.dtype != dtypes.int64 else x
            known = constant_value(lengths)
            if value.shape.ndims and known is not None and known.ndim == 1 and len(known) \
                    and known.max() == known.min():   # equal pieces: a known element shape
                self._check_element_shape(TensorShape([int(known[0])]).concatenate(
                    value.shape[1:]))
            flow = gen_op("TensorArraySplitV3", [("handle", self._handle, None),
                                                 ("value", value, None),
                                                 ("lengths", lengths, None),
                                                 ("flow_in", self._flow, None)],
                          name=name).outputs[0]
        return self._with_flow(flow)

    # --- the rest ---
    def identity(self):
        from .constant_ops import identity
        return self._with_flow(identity(self._flow))

    def close(self, name=None):
        return make_op("TensorArrayCloseV3", [self._handle], name=name or "TensorArrayCloseV3")

    def __repr__(self):
        return f"<tf.TensorArray '{self._handle.op.name}' dtype={self._dtype.name}>"

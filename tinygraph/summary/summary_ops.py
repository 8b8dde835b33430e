"""tf.summary.scalar, histogram, merge and merge_all, and the ops they make:
ScalarSummary, HistogramSummary and MergeSummary. As in TF, each op's value is a scalar
string: a serialized Summary, computed on the host (no backend has a kernel for them;
the OpenCL plan runs them as host steps, reading their inputs from the device)."""
import contextlib
import re

import numpy as np

from ..compat import tf_logging
from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import GraphKeys, add_to_collection, get_collection, make_op, name_scope
from ..framework.operation import convert_to_tensor
from ..framework.registry import OpDef
from . import messages
from .histogram import histogram_proto

# The value types TF's summary ops accept (those tinygraph has, in TF's order).
_REAL = [dtypes.float32, dtypes.float64, dtypes.int32, dtypes.uint8, dtypes.int16,
         dtypes.int8, dtypes.int64, dtypes.float16]
_REAL_NAMES = ("float32, float64, int32, uint8, int16, int8, int64, bfloat16, uint16, "
               "float16, uint32, uint64")


def _check_real(tensor):
    if tensor.dtype not in _REAL:
        raise TypeError(f"Value passed to parameter 'values' has DataType {tensor.dtype.name} "
                        f"not in list of allowed values: {_REAL_NAMES}")


def _check_string(tensor, what):
    if tensor.dtype != dtypes.string:
        raise TypeError(f"Value passed to parameter '{what}' has DataType "
                        f"{tensor.dtype.name} not in list of allowed values: string")


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _string_scalar(data):
    """A summary op's value: a 0-d string tensor holding the serialized Summary."""
    box = np.empty((), object)
    box[()] = data
    return box


def _shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


class _TaggedValues(OpDef):
    """What the summaries of a real tensor under a tag share: inputs (tag, values), a
    scalar string out, no gradient."""
    tag_input = None
    not_differentiable = True

    @classmethod
    def infer(cls, op):
        _check_string(op.inputs[0], cls.tag_input)
        _check_real(op.inputs[1])
        return (), dtypes.string


class ScalarSummary(_TaggedValues):
    """Inputs: tags (strings) and values of the same shape. One scalar per tag."""
    type = "ScalarSummary"
    tag_input = "tags"

    @classmethod
    def compute(cls, op, inputs, ctx):
        tags, values = np.asarray(inputs[0]), np.asarray(inputs[1])
        if tags.shape != values.shape:
            single = f" (tag '{_text(tags.ravel()[0])}')" if tags.size == 1 else ""
            raise InvalidArgumentError(None, op, "tags and values not the same shape: "
                                       f"{_shape_text(tags.shape)} != "
                                       f"{_shape_text(values.shape)}{single}")
        summary = messages.Summary([messages.Summary.Value(_text(t), simple_value=float(v))
                                    for t, v in zip(tags.ravel(), values.ravel())])
        return [_string_scalar(summary.SerializeToString())]


class HistogramSummary(_TaggedValues):
    """Inputs: a scalar tag and values of any shape, all finite."""
    type = "HistogramSummary"
    tag_input = "tag"

    @classmethod
    def compute(cls, op, inputs, ctx):
        tag, values = np.asarray(inputs[0]), np.asarray(inputs[1], dtype=np.float64)
        if tag.ndim != 0:
            raise InvalidArgumentError(None, op, "tags must be scalar")
        if np.isnan(values).any():
            raise InvalidArgumentError(None, op, f"Nan in summary histogram for: {op.name}")
        if np.isinf(values).any():
            raise InvalidArgumentError(None, op, f"Infinity in summary histogram for: {op.name}")
        proto = histogram_proto(values)
        return [_string_scalar(messages.histogram_summary(_text(tag[()]), proto))]


class MergeSummary(OpDef):
    """Inputs: N string tensors of serialized Summaries (any shape). Output: one
    Summary with all their values; a tag may appear only once."""
    type = "MergeSummary"
    not_differentiable = True

    def infer(op):
        for t in op.inputs:
            _check_string(t, "inputs")
        return (), dtypes.string

    @classmethod
    def compute(cls, op, inputs, ctx):
        seen, parts = set(), []
        for item in (s for x in inputs for s in np.asarray(x, dtype=object).ravel()):
            data = item.encode() if isinstance(item, str) else bytes(item)
            try:
                entries = messages.value_entries(data)
            except ValueError:
                raise InvalidArgumentError(
                    None, op, "Could not parse one of the summary inputs") from None
            for tag, raw in entries:
                if tag and tag in seen:
                    raise InvalidArgumentError(
                        None, op, f"Duplicate tag {tag} found in summary inputs")
                seen.add(tag)
                parts.append(raw)
        return [_string_scalar(messages.join_values(parts))]


# --- the tf.summary functions ---
_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w.]")


def clean_tag(name):
    """A tag (or op name) TF accepts: characters other than letters, digits, _-/. become
    underscores, and leading slashes go."""
    if name is not None:
        cleaned = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
        if cleaned != name:
            tf_logging.info("Summary name %s is illegal; using %s instead.", name, cleaned)
        name = cleaned
    return name


@contextlib.contextmanager
def summary_scope(name, family=None, default_name=None, values=None):
    """(tag, scope) for a summary op, as TF makes them: the op's name scope is
    `family/name`, and the tag repeats the family in front of the scope, so that
    TensorBoard groups the summaries of a family under one tab."""
    name, family = clean_tag(name), clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    with name_scope(base, default_name, values) as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
        yield tag, scope


def _collect(value, collections, default):
    for key in default if collections is None else collections:
        add_to_collection(key, value)


def _summary_op(op_type, tag_input, name, tensor, collections, family, default_name):
    with summary_scope(name, family, default_name, values=[tensor]) as (tag, scope):
        # Inside the op's scope, as TF's op wrappers convert their arguments: the tag
        # becomes "<scope>/tags" (or "/tag"), a Python number "<scope>/values".
        tag_tensor = convert_to_tensor(tag, dtype=dtypes.string, name=tag_input)
        values = convert_to_tensor(tensor, name="values")
        op = make_op(op_type, [tag_tensor, values], {"T": values.dtype}, name=scope)
        value = op.outputs[0]
        _collect(value, collections, [GraphKeys.SUMMARIES])
    return value


def scalar(name, tensor, collections=None, family=None):
    """tf.summary.scalar: a string tensor holding a Summary with the scalar `tensor`'s
    value under the tag `name` (prefixed by `family`); added to the SUMMARIES
    collection (or to `collections`)."""
    return _summary_op("ScalarSummary", "tags", name, tensor, collections, family, None)


def histogram(name, values, collections=None, family=None):
    """tf.summary.histogram: a Summary with the histogram of `values` (TF's buckets)."""
    return _summary_op("HistogramSummary", "tag", name, values, collections, family,
                       "HistogramSummary")


def merge(inputs, collections=None, name=None):
    """tf.summary.merge: one Summary holding the values of all of `inputs`."""
    name = clean_tag(name)
    with name_scope(name, "Merge", inputs):
        tensors = [convert_to_tensor(t) for t in inputs]
        if not tensors:
            raise ValueError("List argument 'inputs' to 'MergeSummary' Op with length 0 "
                             "shorter than minimum length 1.")
        value = make_op("MergeSummary", tensors, {"N": len(tensors)}, name=name).outputs[0]
        _collect(value, collections, [])
    return value


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """tf.summary.merge_all: merge() of the summaries in collection `key` (those whose
    name `scope` matches, if given), or None when there are none."""
    summaries = get_collection(key, scope=scope)
    return merge(summaries, name=name) if summaries else None

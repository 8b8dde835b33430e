"""The HistogramProto of TF's HistogramSummary: TF's fixed bucket limits (powers of 1.1
from 1e-12 to 1e20, mirrored for negatives, with 0 and +-DBL_MAX at the ends), a count
per bucket, and runs of empty buckets folded into their last one."""
import sys

import numpy as np

from . import wire


def _default_limits():
    # Built by repeated multiplication, as TF does, so that the limits are its doubles.
    positive, v = [], 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(sys.float_info.max)
    negative = [-x for x in reversed(positive)]
    return np.array(negative + [0.0] + positive)


_LIMITS = _default_limits()


def histogram_proto(values):
    """The serialized HistogramProto of `values` (any shape; all finite)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    # Bucket i holds the values v with limits[i-1] <= v < limits[i].
    index = np.minimum(np.searchsorted(_LIMITS, x, side="right"), len(_LIMITS) - 1)
    counts = np.bincount(index, minlength=len(_LIMITS)).astype(np.float64)
    limits, kept = [], []
    i = 0
    while i < len(_LIMITS):
        end, count = _LIMITS[i], counts[i]
        i += 1
        if count <= 0:
            while i < len(_LIMITS) and counts[i] <= 0:
                end, count = _LIMITS[i], counts[i]
                i += 1
        limits.append(float(end))
        kept.append(float(count))
    big = sys.float_info.max
    # TF adds the values one at a time in double precision: cumsum keeps that order
    # (np.sum would add pairwise and round differently).
    total = float(np.cumsum(x)[-1]) if x.size else 0.0
    squares = float(np.cumsum(x * x)[-1]) if x.size else 0.0
    fields = [(1, float(x.min()) if x.size else big), (2, float(x.max()) if x.size else -big),
              (3, float(x.size)), (4, total), (5, squares)]
    out = b"".join(wire.double_field(n, v) for n, v in fields if v != 0.0)
    return out + wire.packed_doubles(6, limits) + wire.packed_doubles(7, kept)

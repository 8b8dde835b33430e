"""tf.scan, tf.map_fn, tf.foldl and tf.foldr, built as TF1 builds them: the elements
unstacked into TensorArrays, a counted while_loop reading one element per iteration and
(scan, map_fn) writing each result to a TensorArray that is stacked at the end. Elements
and results may be nested structures."""
from ..framework import dtypes, nest
from ..framework.graph import name_scope
from ..framework.operation import convert_to_tensor
from ..framework.tensor_shape import Dimension, TensorShape
from .control_flow import while_loop
from .tensor_array import TensorArray


def _packers(structure, is_seq):
    """(flatten, pack) for a structure that may be a single tensor."""
    def flatten(x):
        return nest.flatten(x) if is_seq else [x]

    def pack(x):
        return nest.pack_sequence_as(structure, x) if is_seq else x[0]
    return flatten, pack


def _length(elems_flat):
    """The number of elements: static when the first has a known first dimension."""
    from .shape_ops import shape
    n = elems_flat[0].shape[0].value if elems_flat[0].shape.ndims else None
    return n if n is not None else shape(elems_flat[0])[0]


def _static_length(elems_flat):
    n = Dimension(None)
    for e in elems_flat:
        n = n.merge_with(e.shape.with_rank_at_least(1)[0])
    return n


def _set_length(results, elems_flat):
    n = _static_length(elems_flat)
    for r in results:
        r.set_shape(TensorShape([n]).concatenate(r.shape[1:]))


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """TF1's tf.scan: the stacked sequence of fn(acc, elem) over elems' first axis."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    in_seq = nest.is_sequence(elems)
    in_flatten, in_pack = _packers(elems, in_seq)
    if initializer is None:
        out_flatten, out_pack = in_flatten, in_pack
    else:
        out_flatten, out_pack = _packers(initializer, nest.is_sequence(initializer))
    elems_flat = in_flatten(elems)
    with name_scope(name, "scan", elems_flat):
        elems_flat = [convert_to_tensor(e, name="elem") for e in elems_flat]
        n = _length(elems_flat)
        elems_ta = [TensorArray(e.dtype, size=n, dynamic_size=False,
                                element_shape=e.shape[1:], infer_shape=True).unstack(e)
                    for e in elems_flat]
        if initializer is None:
            a_flat = [ta.read(n - 1 if reverse else 0) for ta in elems_ta]
            i = 1
        else:
            a_flat = [convert_to_tensor(a) for a in out_flatten(initializer)]
            i = 0
        accs_ta = [TensorArray(a.dtype, size=n, dynamic_size=False, infer_shape=infer_shape,
                               element_shape=a.shape if infer_shape else None)
                   for a in a_flat]
        if initializer is None:
            accs_ta = [ta.write(n - 1 if reverse else 0, a) for ta, a in zip(accs_ta, a_flat)]

        def compute(i, a_flat, tas):
            packed_elems = in_pack([ta.read(i) for ta in elems_ta])
            a_out = fn(out_pack(a_flat), packed_elems)
            nest.assert_same_structure(elems if initializer is None else initializer, a_out)
            flat_a_out = out_flatten(a_out)
            tas = [ta.write(i, v) for ta, v in zip(tas, flat_a_out)]
            return (i - 1 if reverse else i + 1), flat_a_out, tas

        if reverse:
            initial_i, condition = n - 1 - i, lambda i, _1, _2: i >= 0
        else:
            initial_i, condition = i, lambda i, _1, _2: i < n
        _, _, r_a = while_loop(condition, compute, (initial_i, a_flat, accs_ta),
                               parallel_iterations=parallel_iterations, back_prop=back_prop,
                               swap_memory=swap_memory, maximum_iterations=n)
        results = [r.stack() for r in r_a]
        _set_length(results, elems_flat)
        return out_pack(results)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None):
    """TF1's tf.map_fn: fn applied to each element of elems' first axis, stacked."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    parallel_iterations = parallel_iterations or 10
    in_seq = nest.is_sequence(elems)
    in_flatten, in_pack = _packers(elems, in_seq)
    if dtype is None:
        out_flatten, out_pack = in_flatten, in_pack
    else:
        out_flatten, out_pack = _packers(dtype, nest.is_sequence(dtype))
    elems_flat = in_flatten(elems)
    with name_scope(name, "map", elems_flat):
        elems_flat = [convert_to_tensor(e, name="elem") for e in elems_flat]
        dtype = dtype or in_pack([e.dtype for e in elems_flat])
        dtype_flat = [dtypes.as_dtype(d) for d in out_flatten(dtype)]
        static = elems_flat[0].shape
        if static.ndims is not None and static.ndims < 1:
            raise ValueError("elems must be a 1+ dimensional Tensor, not a scalar"
                             if len(elems_flat) == 1 else
                             "elements in elems must be 1+ dimensional Tensors, not scalars")
        n = _length(elems_flat)
        elems_ta = [TensorArray(e.dtype, size=n, dynamic_size=False,
                                infer_shape=True).unstack(e) for e in elems_flat]
        i = convert_to_tensor(0, dtype=dtypes.int32)
        accs_ta = [TensorArray(d, size=n, dynamic_size=False, infer_shape=infer_shape)
                   for d in dtype_flat]

        def compute(i, tas):
            values = fn(in_pack([ta.read(i) for ta in elems_ta]))
            nest.assert_same_structure(dtype or elems, values)
            tas = [ta.write(i, v) for ta, v in zip(tas, out_flatten(values))]
            return i + 1, tas

        _, r_a = while_loop(lambda i, _: i < n, compute, (i, accs_ta),
                            parallel_iterations=parallel_iterations, back_prop=back_prop,
                            swap_memory=swap_memory, maximum_iterations=n)
        results = [r.stack() for r in r_a]
        _set_length(results, elems_flat)
        return out_pack(results)


def _fold(kind, fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name):
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with name_scope(name, kind, [elems]):
        elems_flat = [convert_to_tensor(e, name="elem") for e in nest.flatten(elems)]
        n = _length(elems_flat)
        elems_ta = nest.pack_sequence_as(elems, [
            TensorArray(e.dtype, size=n, dynamic_size=False, infer_shape=True).unstack(e)
            for e in elems_flat])

        def read(i):
            return nest.map_structure(lambda ta: ta.read(i), elems_ta)
        left = kind == "foldl"
        if initializer is None and left:
            a = read(0)
            i = convert_to_tensor(1, dtype=dtypes.int32)
        elif initializer is None:
            i = n - 1
            a = read(i)
        else:
            i = convert_to_tensor(0, dtype=dtypes.int32) if left else n
            a = initializer

        def compute(i, a):
            if left:
                return [i + 1, fn(a, read(i))]
            i -= 1
            return [i, fn(a, read(i))]

        _, r_a = while_loop((lambda i, a: i < n) if left else (lambda i, a: i > 0),
                            compute, [i, a], parallel_iterations=parallel_iterations,
                            back_prop=back_prop, swap_memory=swap_memory,
                            maximum_iterations=n)
        return r_a


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """TF1's tf.foldl: fn(fn(fn(initializer, e0), e1), ...), left to right."""
    return _fold("foldl", fn, elems, initializer, parallel_iterations, back_prop,
                 swap_memory, name)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """TF1's tf.foldr: fn(fn(fn(initializer, e_last), ...), e0), right to left."""
    return _fold("foldr", fn, elems, initializer, parallel_iterations, back_prop,
                 swap_memory, name)

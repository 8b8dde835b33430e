"""OpenCL C for the kernels a plan generates: fused elementwise trees (with
broadcasting) and reductions over any set of axes. Shapes are known when a plan is
built, so they are baked into the source as constants."""
import hashlib
import re

import numpy as np

C_TYPES = {"float32": "float", "float64": "double", "int32": "int", "int64": "long",
           "bool": "uchar", "uint8": "uchar", "int8": "char", "int16": "short"}


def c_type(dtype):
    """The OpenCL C type of a tinygraph dtype, or None when the device cannot hold it."""
    return C_TYPES.get(dtype.name)


def expression(op_def, op, in_shapes):
    """The op's C expression template ({0}, {1}... for inputs, {T} for its type), or None."""
    expr = getattr(op_def, "expr", None)
    if callable(expr):
        expr = expr(op, in_shapes)
    if isinstance(expr, tuple):   # (for floating types, for integer types)
        floating = op.inputs[0].dtype.is_floating if op.inputs else op.outputs[0].dtype.is_floating
        expr = expr[0] if floating else expr[1]
    return expr


def literal(value, dtype):
    """A scalar as a C literal of the dtype's C type."""
    ctype = c_type(dtype)
    if dtype.is_floating:
        v = float(value)
        if np.isnan(v):
            text = "NAN"
        elif np.isinf(v):
            text = "INFINITY" if v > 0 else "(-INFINITY)"
        else:
            text = repr(v)
        return f"(({ctype}){text})"
    return f"(({ctype}){int(value)})"


def _strides(shape):
    out, step = [], 1
    for d in reversed(shape):
        out.append(step)
        step *= d
    return list(reversed(out))


def _broadcast_index(leaf_shape, out_shape, index_vars, strides=None):
    """C expression of a leaf's element offset for the output element whose coordinates are
    index_vars (broadcast dims contribute nothing); strides: the leaf's own, when it is
    not row-major (a piece of a bigger buffer)."""
    if int(np.prod(leaf_shape)) == 1:
        return "0"
    lead = len(out_shape) - len(leaf_shape)
    terms = []
    for axis, (d, stride) in enumerate(zip(leaf_shape, strides or _strides(leaf_shape))):
        if d != 1:
            terms.append(index_vars[axis + lead] if stride == 1 else
                         f"{index_vars[axis + lead]} * {stride}")
    return " + ".join(terms) or "0"


def _split_index(flat, shape):
    """C expressions of the coordinates of flat index `flat` in a row-major `shape`."""
    out = []
    for axis, (d, stride) in enumerate(zip(shape, _strides(shape))):
        value = f"{flat} / {stride}" if stride != 1 else flat
        out.append(f"({value}) % {d}" if axis > 0 else value)
    return out


def _coordinates(shape, flat="i"):
    """C statements splitting a flat index into coordinates c0, c1, ..."""
    return [f"    const long c{axis} = {value};"
            for axis, value in enumerate(_split_index(flat, shape))]


_KERNEL = re.compile(r"__kernel\s+void\s+(\w+)\s*\(")
_SERIAL = re.compile(r"_\d+(?=_|$)")


def name_by_body(source, name):
    """(source, name) with the kernel renamed after a hash of its text, so that identical
    kernels (one per unrolled step) become one function in a program, compiled once.
    The new name keeps the old one's words (fused_12_tanh -> fused_tanh_<hash>). Sources
    holding several kernels, or not defining `name`, are returned unchanged."""
    found = _KERNEL.search(source)
    if found is None or found.group(1) != name or source.count("__kernel") != 1:
        return source, name
    head, tail = source[:found.start(1)], source[found.end(1):]
    digest = hashlib.blake2b((head + "\0" + tail).encode(), digest_size=6).hexdigest()
    new = f"{_SERIAL.sub('', name)}_{digest}"
    return head + new + tail, new


def _needs_coordinates(leaves, out_shape, out_strides):
    """Whether a work-item needs its coordinates: a leaf broadcasts or has strides of its
    own, or the output does."""
    return out_strides is not None or any(
        len(leaf) > 2 or tuple(leaf[1]) != tuple(out_shape) and int(np.prod(leaf[1])) != 1
        for leaf in leaves)


def elementwise_grid(leaves, out_shape, out_strides=None):
    """The global size fused_elementwise's kernel is launched with: one work-item per
    output element; (last dim, the others) when a leaf broadcasts, so that each
    work-item's coordinates come without dividing its flat index (a division stops PoCL
    vectorising the kernel: a bias add + tanh over 150 x 150 took 115 us, now 15)."""
    n = int(np.prod(out_shape))
    if _needs_coordinates(leaves, out_shape, out_strides) and len(out_shape) >= 2:
        return (out_shape[-1], n // out_shape[-1])
    return (n,)


def fused_elementwise(name, nodes, leaves, out_shape, out_ctype, offsets=(),
                      out_offset=False, out_strides=None, side=()):
    """A kernel computing a tree of elementwise nodes, launched over
    elementwise_grid(leaves, out_shape).

    nodes: [(result C type, expression with {0}.. filled by operand names)], in order;
           the last is the output. Operand names are `l<k>` for leaf k, `v<j>` for node j.
    leaves: [(C type, shape)] read with broadcasting into out_shape, or (C type, shape,
           strides) for a leaf that is a strided piece of its buffer (a split's column).
    offsets: the leaves read from an offset into their buffer (a row of a bigger one),
           given after the buffers as `long` arguments, in leaf order;
    out_offset: the output likewise, its offset the last argument; out_strides: the
           output's strides in its buffer, if it is a strided piece of it.
    side: node indices whose values are written too (side outputs, each of out_shape,
           contiguous from an offset): a buffer after `out`, its offset after all others."""
    params = [f"__global {out_ctype}* out"] + \
        [f"__global {nodes[j][0]}* s{k}" for k, j in enumerate(side)] + \
        [f"__global const {ct}* in{k}" for k, (ct, *_) in enumerate(leaves)] + \
        [f"const long o{k}" for k in sorted(offsets)] + \
        (["const long oo"] if out_offset else []) + \
        [f"const long so{k}" for k in range(len(side))]
    needs_coords = _needs_coordinates(leaves, out_shape, out_strides)
    grid = elementwise_grid(leaves, out_shape, out_strides)
    if len(grid) == 2:
        last = len(out_shape) - 1
        body = [f"    const long c{last} = get_global_id(0);",
                "    const uint row = (uint)get_global_id(1);",
                f"    const long i = (long)row * {out_shape[-1]} + c{last};"]
        body += [f"    const uint c{axis} = {value};"
                 for axis, value in enumerate(_split_index("row", out_shape[:-1]))]
    else:
        body = ["    const long i = get_global_id(0);"]
        if needs_coords:   # (a 1-D output)
            body += _coordinates(out_shape)
    index_vars = [f"c{a}" for a in range(len(out_shape))]
    for k, (ct, shape, *strides) in enumerate(leaves):
        if tuple(shape) == tuple(out_shape) and not strides:
            offset = "i"
        elif needs_coords or int(np.prod(shape)) == 1:
            offset = _broadcast_index(shape, out_shape, index_vars, *strides)
        if k in offsets:
            offset = f"o{k} + {offset}"
        body.append(f"    const {ct} l{k} = in{k}[{offset}];")
    for j, (ct, expr) in enumerate(nodes):
        body.append(f"    const {ct} v{j} = ({ct})({expr});")
    at = "i" if out_strides is None else \
        _broadcast_index(out_shape, out_shape, index_vars, out_strides)
    body.append(f"    out[{'oo + ' if out_offset else ''}{at}] = v{len(nodes) - 1};")
    body += [f"    s{k}[so{k} + i] = v{j};" for k, j in enumerate(side)]
    # Launched with exactly n work-items, so no bounds check: one makes PoCL predicate the
    # vectorised work-item loop, which doubles the time of math-heavy kernels.
    return (f"__kernel void {name}({', '.join(params)}) {{\n"
            + "\n".join(body) + "\n}\n")


REDUCERS = {   # op type -> (identity for type T, combine(acc, x))
    "Sum": ("0", "{a} + {x}"), "Mean": ("0", "{a} + {x}"), "SumToShape": ("0", "{a} + {x}"),
    "Prod": ("1", "{a} * {x}"),
    # (x != x is isnan(x): PoCL calls the builtin out of line, which stops vectorising)
    "Max": ("-INFINITY", "(({x}) > ({a}) || ({x}) != ({x})) ? ({x}) : ({a})"),
    "Min": ("INFINITY", "(({x}) < ({a}) || ({x}) != ({x})) ? ({x}) : ({a})"),
    "All": ("1", "{a} && {x}"), "Any": ("0", "{a} || {x}"),
}
INT_EXTREMES = {"int": ("INT_MIN", "INT_MAX"), "long": ("LONG_MIN", "LONG_MAX"),
                "uchar": ("0", "255"), "char": ("CHAR_MIN", "CHAR_MAX"),
                "short": ("SHRT_MIN", "SHRT_MAX")}


_LANES = 8


def _pairwise(name, start, n):
    if n == 1:
        return f"{name}{start}"
    half = n // 2
    return f"({_pairwise(name, start, half)} + {_pairwise(name, start + half, n - half)})"


def _merged(shape, axes):
    """(shape, axes) with neighbouring dims that are both reduced or both kept merged into
    one, and dims of 1 dropped: the same reduction with fewer divisions per element (a
    mean over all of [32, 2000, 128] reads its input linearly)."""
    dims, reduced = [], []
    for axis, d in enumerate(shape):
        if d == 1:
            continue
        if dims and reduced[-1] == (axis in axes):
            dims[-1] *= d
        else:
            dims.append(d)
            reduced.append(axis in axes)
    return dims, [k for k, r in enumerate(reduced) if r]


def reduction(name, kind, in_shape, axes, ctype, parts=1, scale=None, pre=None,
              in_offset=False):
    """A kernel reducing `axes` of in_shape. With parts > 1, each output element gets
    `parts` partial results (out has n_out * parts elements), to be combined by a second
    pass with parts=1 over the last axis: a long reduction then uses every core.
    `pre` maps each element first (C statements that set x from x), `scale` divides
    the result;
    in_offset: the input starts that many elements into its buffer (a `long` argument)."""
    identity, combine = REDUCERS[kind]
    in_shape, axes = _merged(in_shape, axes)
    if ctype not in ("float", "double") and kind in ("Max", "Min"):
        lo, hi = INT_EXTREMES[ctype]
        identity = lo if kind == "Max" else hi
        combine = "(({x}) > ({a})) ? ({x}) : ({a})" if kind == "Max" else \
            "(({x}) < ({a})) ? ({x}) : ({a})"
    kept = [a for a in range(len(in_shape)) if a not in axes]
    kept_shape = [in_shape[a] for a in kept]
    red_shape = [in_shape[a] for a in axes]
    strides = _strides(in_shape)
    n_out, n_red = int(np.prod(kept_shape)), int(np.prod(red_shape))
    lines = [f"__kernel void {name}(__global {ctype}* out, __global const {ctype}* in"
             + (", const long io" if in_offset else "") + ") {",
             "    const long g = get_global_id(0);",
             f"    if (g >= {n_out * parts}) return;",
             f"    const long o = g / {parts};", f"    const long part = g % {parts};"]
    base = [f"({value}) * {strides[a]}"
            for a, value in zip(kept, _split_index("o", kept_shape))]
    lines.append(f"    const long base = {' + '.join(base + ['io'] * in_offset) or '0'};")

    def load(r):   # C statements setting x to the element at reduction index r
        offs = [f"({value}) * {strides[a]}" for a, value in zip(axes, _split_index(r, red_shape))]
        return [f"{ctype} x = in[base + {' + '.join(offs) or '0'}];"] + list(pre or ())
    # Each part reduces a contiguous range of the reduced elements: interleaved ranges
    # (r = part, part + parts, ...) made a long sum 40x slower on PoCL.
    chunk = -(-n_red // parts)
    lines.append(f"    const long lo = part * {chunk};")
    lines.append(f"    const long hi = min(lo + {chunk}, (long){n_red});")
    if kind in ("Sum", "Mean", "SumToShape") and ctype in ("float", "double") and \
            chunk >= 4 * _LANES:
        # Float sums in _LANES partial sums added pairwise at the end (as numpy and Eigen
        # do): one running sum's rounding error grows with the length. Unrolled by hand:
        # an array indexed per iteration would stop PoCL vectorising (3x slower).
        lines.append(f"    {ctype} " + ", ".join(f"a{j} = 0" for j in range(_LANES)) + ";")
        lines.append("    long r = lo;")
        lines.append(f"    for (; r + {_LANES - 1} < hi; r += {_LANES}) {{")
        for j in range(_LANES):
            lines.append(f"        {{ const long q = r + {j}; " + " ".join(load("q")) +
                         f" a{j} += x; }}")
        lines.append("    }")
        lines.append("    for (; r < hi; ++r) { " + " ".join(load("r")) + " a0 += x; }")
        lines.append(f"    {ctype} acc = {_pairwise('a', 0, _LANES)};")
    else:
        lines.append(f"    {ctype} acc = ({ctype})({identity});")
        lines.append("    for (long r = lo; r < hi; ++r) {")
        lines += ["        " + line for line in load("r")]
        lines.append(f"        acc = ({ctype})({combine.format(a='acc', x='x')});")
        lines.append("    }")
    if scale is not None:
        lines.append(f"    acc = acc / ({ctype}){scale};")
    lines.append("    out[g] = acc;\n}\n")
    return "\n".join(lines)

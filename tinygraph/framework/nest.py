"""Nested structures of tensors (tuples, lists, namedtuples such as LSTMStateTuple, dicts),
as TF's `nest`: flatten to a list of leaves and pack a flat list back."""


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_sequence(x):
    return isinstance(x, (list, tuple, dict))


def _children(x):
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def flatten(structure):
    if not is_sequence(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _rebuild(structure, children):
    if isinstance(structure, dict):
        return type(structure)(zip(sorted(structure), children))
    if _is_namedtuple(structure):
        return type(structure)(*children)
    return type(structure)(children)


def pack_sequence_as(structure, flat_sequence):
    flat_sequence = list(flat_sequence)
    if len(flatten(structure)) != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {len(flatten(structure))} "
                         f"elements, but flat_sequence had {len(flat_sequence)} elements. "
                         f"Structure: {structure}, flat_sequence: {flat_sequence}.")
    position = [0]

    def pack(s):
        if not is_sequence(s):
            position[0] += 1
            return flat_sequence[position[0] - 1]
        return _rebuild(s, [pack(c) for c in _children(s)])
    return pack(structure)


def map_structure(fn, *structures):
    assert_same_structure_all(structures)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [fn(*xs) for xs in zip(*flats)])


def assert_same_structure_all(structures):
    for s in structures[1:]:
        assert_same_structure(structures[0], s)


def assert_same_structure(a, b, check_types=True):
    def fail(why):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {a}\n\nSecond structure: {b}\n\nMore specifically: "
                         f"{why}")

    def walk(x, y):
        if is_sequence(x) != is_sequence(y):
            fail(f"Substructure \"{x}\" is a sequence, while substructure \"{y}\" is not"
                 if is_sequence(x) else
                 f"Substructure \"{y}\" is a sequence, while substructure \"{x}\" is not")
        if not is_sequence(x):
            return
        if check_types and type(x) is not type(y):   # (as TF: a list is not a tuple)
            raise TypeError(f"The two structures don't have the same sequence type. First "
                            f"structure has type {type(x)}, while second structure has type "
                            f"{type(y)}.")
        cx, cy = _children(x), _children(y)
        if len(cx) != len(cy):
            fail(f"The two namedtuples don't have the same sequence length. First structure "
                 f"\"{x}\" has length {len(cx)}, while second structure \"{y}\" has length "
                 f"{len(cy)}")
        for u, v in zip(cx, cy):
            walk(u, v)
    walk(a, b)

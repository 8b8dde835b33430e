"""TensorFlow's counter-based random numbers, bit for bit: Philox4x32-10 and the CPU
kernels' distributions (uniform, normal by Box-Muller, truncated normal by rejection,
integers), so a seeded program draws the numbers TF 1.15 draws. Pure numpy, no ops."""
import numpy as np

_M32 = np.uint64(0xFFFFFFFF)
_RESERVED = 256   # TF reserves 256 Philox samples per output (room for rejections)


class PhiloxStream:
    """One random op's generator in one session (TF's GuardedPhiloxRandom): a key from
    the op's seeds and a 64-bit block counter that each run advances."""

    def __init__(self, seed, seed2):
        if seed == 0 and seed2 == 0:   # TF: an unseeded op gets fresh random seeds
            seed, seed2 = (int(s) for s in np.random.SeedSequence().generate_state(2, np.uint64))
        self.seed, self.seed2, self.counter = seed, seed2, 0

    def copy(self):
        other = PhiloxStream(self.seed, self.seed2)
        other.counter = self.counter
        return other

    def reserve(self, n_outputs):
        """The block counter a kernel drawing n_outputs values starts from."""
        start = self.counter
        self.counter = (self.counter + n_outputs * _RESERVED) % 2**64
        return start


def _blocks(stream, start, n):
    """n Philox outputs from block `start` on, as four uint32 columns."""
    return _philox(stream, np.arange(n, dtype=np.uint64) + np.uint64(start))


def _philox(stream, index):
    """The Philox4x32-10 outputs for the given 64-bit block counters."""
    c0, c1 = index & _M32, index >> np.uint64(32)
    c2 = np.full(index.shape, np.uint64(stream.seed2) & _M32)
    c3 = np.full(index.shape, np.uint64(stream.seed2) >> np.uint64(32))
    k0, k1 = np.uint64(stream.seed) & _M32, np.uint64(stream.seed) >> np.uint64(32)
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c0
        p1 = np.uint64(0xCD9E8D57) * c2
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & _M32, \
            (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & _M32
        k0 = (k0 + np.uint64(0x9E3779B9)) & _M32
        k1 = (k1 + np.uint64(0xBB67AE85)) & _M32
    return [c.astype(np.uint32) for c in (c0, c1, c2, c3)]


def _to_float(x):   # 23 random mantissa bits: a float in [0, 1)
    return ((x & np.uint32(0x7FFFFF)) | np.uint32(127 << 23)).view(np.float32) - np.float32(1)


def _to_double(hi, lo):   # 52 random mantissa bits: a double in [0, 1)
    man = ((hi & np.uint32(0xFFFFF)).astype(np.uint64) << np.uint64(32)) | lo.astype(np.uint64)
    return (man | np.uint64(1023 << 52)).view(np.float64) - 1.0


def _box_muller_float(x0, x1):
    # float32 steps as the C++ kernel rounds them (2 * M_PI is a double there).
    f32, f64 = np.float32, np.float64
    u1 = np.maximum(_to_float(x0), f32(1e-7))
    v1 = (2 * np.pi * _to_float(x1).astype(f64)).astype(f32).astype(f64)
    u2 = np.sqrt((f32(-2) * np.log(u1.astype(f64)).astype(f32)).astype(f64)).astype(f32)
    return np.sin(v1).astype(f32) * u2, np.cos(v1).astype(f32) * u2


def _box_muller_double(x0, x1, x2, x3):
    u1 = np.maximum(_to_double(x0, x1), 1e-7)
    v1 = 2 * np.pi * _to_double(x2, x3)
    u2 = np.sqrt(-2.0 * np.log(u1))
    return np.sin(v1) * u2, np.cos(v1) * u2


def _interleave(*columns):
    return np.stack(columns, -1).reshape(-1)


def uniform(stream, n, dtype):
    """n values in [0, 1): four per block (float32) or two (float64)."""
    start = stream.reserve(n)
    if dtype == np.float64:
        b = _blocks(stream, start, -(-n // 2))
        return _interleave(_to_double(b[0], b[1]), _to_double(b[2], b[3]))[:n]
    return _interleave(*(_to_float(c) for c in _blocks(stream, start, -(-n // 4))))[:n] \
        .astype(dtype)


def normal(stream, n, dtype):
    start = stream.reserve(n)
    if dtype == np.float64:
        return _interleave(*_box_muller_double(*_blocks(stream, start, -(-n // 2))))[:n]
    b = _blocks(stream, start, -(-n // 4))
    return _interleave(*_box_muller_float(b[0], b[1]), *_box_muller_float(b[2], b[3]))[:n] \
        .astype(dtype)


def truncated_normal(stream, n, dtype):
    """Normals with |x| < 2. Each group of outputs (4 float32 or 2 float64) owns its own
    run of blocks and takes the first accepted candidates from it, as TF's kernel does."""
    start = stream.reserve(n)
    if n == 0:
        return np.zeros(0, dtype)
    double = dtype == np.float64
    group = 2 if double else 4
    per_group = group * _RESERVED // 4   # blocks a group may use
    out = _first_accepted(stream, start, np.arange(-(-n // group)), 2, group, per_group, double)
    return out.reshape(-1)[:n].astype(dtype)


def _first_accepted(stream, start, groups, k, group, per_group, double):
    """For each group, its first `group` candidates with |x| < 2 among its first k
    blocks; groups short of them (rare) try again with all their blocks."""
    offsets = (groups.astype(np.uint64)[:, None] * np.uint64(per_group) +
               np.arange(k, dtype=np.uint64)).ravel()
    b = _philox(stream, offsets + np.uint64(start))   # wraps mod 2**64, as TF's counter
    # A block's candidates in TF's order: from pair (0, 1), then from pair (2, 3).
    candidates = np.stack(_box_muller_double(*b) if double else
                          _box_muller_float(b[0], b[1]) + _box_muller_float(b[2], b[3]), -1)
    candidates = candidates.reshape(len(groups), -1)
    accepted = np.abs(candidates) < 2
    rank = np.cumsum(accepted, 1)
    out = np.empty((len(groups), group), candidates.dtype)
    short = rank[:, -1] < group
    full = ~short
    out[full] = candidates[full][(accepted & (rank <= group))[full]].reshape(-1, group)
    if short.any():
        out[short] = _first_accepted(stream, start, groups[short], per_group, group,
                                     per_group, double) if k < per_group else 0
    return out


def uniform_int(stream, n, lo, hi, dtype):
    """Integers in [lo, hi): lo + (random bits mod (hi - lo)), as TF computes them."""
    start = stream.reserve(n)
    span = hi - lo
    if np.dtype(dtype).itemsize == 8:
        b = _blocks(stream, start, -(-n // 2))
        bits = _interleave(b[0].astype(np.uint64) | (b[1].astype(np.uint64) << np.uint64(32)),
                           b[2].astype(np.uint64) | (b[3].astype(np.uint64) << np.uint64(32)))
        return (lo + (bits[:n] % np.uint64(span)).astype(np.int64)).astype(dtype)
    bits = _interleave(*_blocks(stream, start, -(-n // 4)))[:n]
    return (lo + (bits % np.uint32(span)).astype(np.int64)).astype(dtype)

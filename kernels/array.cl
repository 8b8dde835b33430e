// Data movement: T is the element type, K(name) a name for that type (the file is
// included once per type; see lowerings.library). Shapes come in as arguments, so one
// program serves every op of a type.

// Work-items run on a grid of up to 3 dims whose first dim may be rounded up (so that
// the runtime can pick good work-group sizes): kernels check their bounds.

// A strided view copied element by element:
// dst[dbase + sum(i_k * dstride_k)] = src[sbase + sum(i_k * sstride_k)] over the view's
// multi-index i; strides may be negative (reverse) or 0 (tile). Transposes, slices,
// splits, tiles and the placing of concat / stack parts into their output are all such
// views. Grid: (last dim, the one before, all others). The last three dims come as
// arguments (n2 = the size of the third last); more = [shape[n_more], dstride[n_more],
// sstride[n_more]] for any dims before them, which cost divisions.
inline void K(copy_view)(__global T* dst, __global const T* src, long d, long s,
                         const long cols, const long dc, const long sc, const long dr,
                         const long sr, const long n2, const long dq, const long sq,
                         __global const long* more, const int n_more) {
    const long c = get_global_id(0), r = get_global_id(1);
    long q = get_global_id(2);
    if (n_more) {
        const long i2 = q % n2;
        q /= n2;
        d += i2 * dq;
        s += i2 * sq;
        for (int k = n_more - 1; k >= 0; --k) {
            const long i = q % more[k];
            q /= more[k];
            d += i * more[n_more + k];
            s += i * more[2 * n_more + k];
        }
    } else {
        d += q * dq;
        s += q * sq;
    }
    d += c * dc + r * dr;
    s += c * sc + r * sr;
    if (c < cols) dst[d] = src[s];
}

__kernel void K(strided_copy)(__global T* dst, __global const T* src, const long dbase,
                              const long sbase, const long cols, const long dc,
                              const long sc, const long dr, const long sr, const long n2,
                              const long dq, const long sq, __global const long* more,
                              const int n_more) {
    K(copy_view)(dst, src, dbase, sbase, cols, dc, sc, dr, sr, n2, dq, sq, more, n_more);
}

// The same for views whose last dim is contiguous in both (dc = sc = 1, ignored): with
// the strides known, PoCL vectorises the copy (a transpose of [2000,32,128] to
// [32,2000,128]: 14 ms -> a few).
__kernel void K(strided_copy_rows)(__global T* dst, __global const T* src, const long dbase,
                                   const long sbase, const long cols, const long dc,
                                   const long sc, const long dr, const long sr,
                                   const long n2, const long dq, const long sq,
                                   __global const long* more, const int n_more) {
    K(copy_view)(dst, src, dbase, sbase, cols, 1, 1, dr, sr, n2, dq, sq, more, n_more);
}

// The same with the bases moved by a pair computed on the device (a slice at an index
// known only at run time; see gather.cl's dynamic_base).
__kernel void K(strided_copy_at)(__global T* dst, __global const T* src,
                                 __global const long* bases, const long dbase,
                                 const long sbase, const long cols, const long dc,
                                 const long sc, const long dr, const long sr, const long n2,
                                 const long dq, const long sq, __global const long* more,
                                 const int n_more) {
    K(copy_view)(dst, src, bases[0] + dbase, bases[1] + sbase, cols, dc, sc, dr, sr, n2, dq,
                 sq, more, n_more);
}

// Pad, PadV2 and MirrorPad: one work-item per output element. Mode 0 fills with
// value[0], 1 reflects (edge not repeated), 2 is symmetric (edge repeated). Grid:
// (out cols, out rows, all others); the last two dims come as arguments (out size, in
// size, padding before), more = [out_shape[n_more], in_shape[n_more], before[n_more]].
inline long K(pad_source)(long i, const long len, const long before, const int mode) {
    long j = i - before;
    if (j >= 0 && j < len) return j;
    if (mode == 0) return -1;
    const long edge = mode - 1;
    return j < 0 ? -j - edge : 2 * len - 2 + edge - j;
}

__kernel void K(pad)(__global T* out, __global const T* x, __global const T* value,
                     const int mode, const long cols, const long c_len, const long c_before,
                     const long rows, const long r_len, const long r_before,
                     __global const long* more, const int n_more) {
    const long c = get_global_id(0), r = get_global_id(1);
    if (c >= cols) return;
    long q = get_global_id(2);
    const long g = (q * rows + r) * cols + c;
    const long jc = K(pad_source)(c, c_len, c_before, mode);
    const long jr = K(pad_source)(r, r_len, r_before, mode);
    int outside = jc < 0 || jr < 0;
    long s = jr * c_len + jc, stride = c_len * r_len;
    for (int k = n_more - 1; k >= 0; --k) {
        const long j = K(pad_source)(q % more[k], more[n_more + k], more[2 * n_more + k], mode);
        q /= more[k];
        outside |= j < 0;
        s += j * stride;
        stride *= more[n_more + k];
    }
    out[g] = outside ? value[0] : x[s];
}

// MirrorPadGrad along one axis: dy viewed as [outer, m, inner] folds onto out
// [outer, len, inner], m = before + len + after. Each output element adds, in dy's order,
// its mirrored copy in the leading border, itself, and its copy in the trailing border
// (the order numpy's add.at uses, so sums match the reference exactly).
// Grid: (inner, len, outer), or (len, outer) when inner is 1 (flat = 1).
__kernel void K(mirror_fold)(__global T* out, __global const T* dy, const long m,
                             const long len, const long inner, const long before,
                             const long after, const long edge, const int flat) {
    const long a = get_global_id(0), b = get_global_id(1);
    const long r = flat ? 0 : a, i = flat ? a : b, o = flat ? b : get_global_id(2);
    if (r >= inner || i >= len) return;
    const long g = (o * len + i) * inner + r;
    __global const T* row = dy + o * m * inner + r;
    T acc = 0;
    if (i + edge > 0 && i + edge <= before) acc += row[(before - i - edge) * inner];
    acc += row[(before + i) * inner];
    const long j = 2 * len - 2 + edge - i;
    if (j >= len && j < len + after) acc += row[(before + j) * inner];
    out[g] = acc;
}

// Range when not folded on the host, as numpy's arange: start, second = start + delta,
// then start + i * (second - start) in the element type.
__kernel void K(range)(__global T* out, const T start, const T second, const long n) {
#pragma OPENCL FP_CONTRACT OFF
    const long i = get_global_id(0);   // (no fused multiply-add: numpy rounds twice)
    const T delta = second - start;
    if (i < n) out[i] = i == 0 ? start : i == 1 ? second : (T)(start + (T)i * delta);
}

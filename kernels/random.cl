// TensorFlow's counter-based random numbers on the device, bit for bit as
// tinygraph/framework/philox.py draws them on the host (TF 1.15's CPU kernels):
// Philox4x32-10, uniform floats from mantissa bits, normals by Box-Muller, truncated
// normals by rejection, integers by modulo.
// T is the element type, K(name) a name for it (see lower_random.source); RNG_WIDE is 1
// for 8-byte types (two outputs per Philox block) and 0 for 4-byte ones (four), RNG_INT
// is 1 for the integer types.
// Every kernel gets the op's key (seed, seed2) and the 64-bit block counter this run
// starts from (reserved on the host at each run, see units.PerRun); block i of the run is
// start + i, wrapping mod 2^64 as TF's counter does.
// Grids are rounded up: kernels check their bounds.

// Philox4x32-10 of one block counter: four 32-bit outputs. (The 32x32 -> 64-bit
// products are ulong multiplications: PoCL's mul_hi is five times slower.)
inline uint4 K(philox)(const ulong counter, const ulong seed, const ulong seed2) {
    uint c0 = (uint)counter, c1 = (uint)(counter >> 32);
    uint c2 = (uint)seed2, c3 = (uint)(seed2 >> 32);
    uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        const ulong p0 = (ulong)0xD2511F53u * c0, p1 = (ulong)0xCD9E8D57u * c2;
        c0 = (uint)(p1 >> 32) ^ c1 ^ k0;
        c1 = (uint)p1;
        c2 = (uint)(p0 >> 32) ^ c3 ^ k1;
        c3 = (uint)p0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return (uint4)(c0, c1, c2, c3);
}

#if !RNG_INT
// 23 random mantissa bits: a float in [0, 1).
inline float K(to_float)(const uint x) {
    return as_float((x & 0x7FFFFFu) | 0x3F800000u) - 1.0f;
}

#if RNG_WIDE
// 52 random mantissa bits: a double in [0, 1).
inline double K(to_double)(const uint hi, const uint lo) {
    return as_double(((ulong)(hi & 0xFFFFFu) << 32) | (ulong)lo | 0x3FF0000000000000ul) - 1.0;
}

// log, sin and cos of doubles in double-double arithmetic (a double2: value x + y), so
// the result is the correctly rounded one in all but rare cases, as TF's libm gives it
// and numpy's in ~99.7% of cases (PoCL's builtins are an ulp off in 3-12% of cases).
// Only the leading terms of each series are double-double; the tails are far below an
// ulp. (No a * b + c here may be contracted to an fma in a way that matters: the
// error-free sums have no products, and the products' errors come from explicit fma.)
inline double2 K(two_sum)(const double a, const double b) {
    const double s = a + b, bb = s - a;
    return (double2)(s, (a - (s - bb)) + (b - bb));
}

inline double2 K(quick_sum)(const double a, const double b) {   // |a| >= |b|
    const double s = a + b;
    return (double2)(s, b - (s - a));
}

inline double2 K(dd_add)(const double2 a, const double2 b) {
    const double2 s = K(two_sum)(a.x, b.x), t = K(two_sum)(a.y, b.y);
    const double2 u = K(quick_sum)(s.x, s.y + t.x);
    return K(quick_sum)(u.x, u.y + t.y);
}

inline double2 K(dd_mul)(const double2 a, const double2 b) {
    const double p = a.x * b.x;
    return K(quick_sum)(p, fma(a.x, b.x, -p) + (a.x * b.y + a.y * b.x));
}

inline double2 K(dd_scale)(const double2 a, const double k) {   // a * k
    return K(dd_mul)(a, (double2)(k, 0.0));
}

// log(x) for a positive normal x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), and
// log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) with s = (m - 1) / (m + 1).
inline double K(log_dd)(const double x) {
    int e;
    double m = frexp(x, &e);
    if (m < 0x1.6a09e667f3bcdp-1) {
        m *= 2.0;
        e -= 1;
    }
    const double f = m - 1.0;   // exact
    const double2 den = K(two_sum)(2.0, f);
    const double q = f / den.x;
    const double2 s = K(quick_sum)(q, (fma(-q, den.x, f) - q * den.y) / den.x);
    const double2 w = K(dd_mul)(s, s);
    const double tail = 0x1.2492492492492p-3 + w.x * (0x1.c71c71c71c71cp-4 + w.x * (
        0x1.745d1745d1746p-4 + w.x * (0x1.3b13b13b13b14p-4 + w.x * (0x1.1111111111111p-4 +
        w.x * (0x1.e1e1e1e1e1e1ep-5 + w.x * (0x1.af286bca1af28p-5 + w.x * (
        0x1.8618618618618p-5 + w.x * (0x1.642c8590b2164p-5 + w.x * (0x1.47ae147ae147bp-5 +
        w.x * (0x1.2f684bda12f68p-5 + w.x * (0x1.1a7b9611a7b96p-5 +
        w.x * 0x1.0842108421084p-5)))))))))));   // 1/7 + w/9 + ... + w^12/31
    double2 series = K(dd_add)((double2)(0x1.999999999999ap-3, -0x1.999999999999ap-57),
                               K(dd_scale)(w, tail));                      // 1/5 + ...
    series = K(dd_add)((double2)(0x1.5555555555555p-2, 0x1.5555555555555p-56),
                       K(dd_mul)(w, series));                               // 1/3 + ...
    const double2 log_m = K(dd_add)(s, K(dd_mul)(s, K(dd_mul)(w, series)));
    const double2 e_ln2 = K(dd_scale)((double2)(0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56),
                                      (double)e);
    return K(dd_add)(e_ln2, (double2)(2.0 * log_m.x, 2.0 * log_m.y)).x;
}

// (sin v, cos v) for 0 <= v < 8: v = k pi/2 + r with |r| <= pi/4 (pi/2 in three parts),
// then Taylor series of r.
inline double2 K(sincos_dd)(const double v) {
    const double k = rint(v * 0x1.45f306dc9c883p-1);
    double2 r = K(dd_add)((double2)(v, 0.0),
                          K(dd_scale)((double2)(-0x1.921fb54442d18p+0, 0.0), k));
    r = K(dd_add)(r, K(dd_scale)((double2)(-0x1.1a62633145c07p-54, 0.0), k));
    r = K(dd_add)(r, (double2)(k * 0x1.f1976b7ed8fbcp-110, 0.0));
    const double2 r2 = K(dd_mul)(r, r);
    const double z = r2.x;
    const double sin_tail = -0x1.a01a01a01a01ap-13 + z * (0x1.71de3a556c734p-19 + z * (
        -0x1.ae64567f544e4p-26 + z * (0x1.6124613a86d09p-33 + z * (-0x1.ae7f3e733b81fp-41 +
        z * (0x1.952c77030ad4ap-49 + z * (-0x1.2f49b46814157p-57 +
        z * 0x1.71b8ef6dcf572p-66))))));   // -1/7! + z/9! - ... + z^7/21!
    const double cos_tail = 0x1.a01a01a01a01ap-16 + z * (-0x1.27e4fb7789f5cp-22 + z * (
        0x1.1eed8eff8d898p-29 + z * (-0x1.93974a8c07c9dp-37 + z * (0x1.ae7f3e733b81fp-45 +
        z * (-0x1.6827863b97d97p-53 + z * (0x1.e542ba4020225p-62 +
        z * -0x1.0ce396db7f853p-70))))));  // 1/8! - z/10! + ... - z^7/22!
    double2 sn = K(dd_add)((double2)(0x1.1111111111111p-7, 0x1.1111111111111p-63),
                           K(dd_scale)(r2, sin_tail));                      // 1/5! - ...
    sn = K(dd_add)((double2)(-0x1.5555555555555p-3, -0x1.5555555555555p-57),
                   K(dd_mul)(r2, sn));                                      // -1/3! + ...
    sn = K(dd_mul)(r, K(dd_add)((double2)(1.0, 0.0), K(dd_mul)(r2, sn)));
    double2 cs = K(dd_add)((double2)(-0x1.6c16c16c16c17p-10, 0x1.f49f49f49f49fp-65),
                           K(dd_scale)(r2, cos_tail));                      // -1/6! + ...
    cs = K(dd_add)((double2)(0x1.5555555555555p-5, 0x1.5555555555555p-59),
                   K(dd_mul)(r2, cs));                                      // 1/4! - ...
    cs = K(dd_add)((double2)(-0.5, 0.0), K(dd_mul)(r2, cs));
    cs = K(dd_add)((double2)(1.0, 0.0), K(dd_mul)(r2, cs));
    switch ((int)k & 3) {
        case 0: return (double2)(sn.x, cs.x);
        case 1: return (double2)(cs.x, -sn.x);
        case 2: return (double2)(-sn.x, -cs.x);
        default: return (double2)(-cs.x, sn.x);
    }
}

// Box-Muller from four words: two doubles.
inline double2 K(box_muller)(const uint x0, const uint x1, const uint x2, const uint x3) {
    const double u1 = fmax(K(to_double)(x0, x1), 1e-7);
    const double v1 = 6.283185307179586 * K(to_double)(x2, x3);
    const double u2 = sqrt(-2.0 * K(log_dd)(u1));
    const double2 sc = K(sincos_dd)(v1);
    return (double2)(sc.x * u2, sc.y * u2);
}
#else
// Box-Muller from two words: two floats, each step rounded as TF's kernel rounds it
// (2 * M_PI is a double there). The transcendental parts are computed in double and
// rounded once, which gives the correctly rounded float the host computes.
inline float2 K(box_muller)(const uint x0, const uint x1) {
    const float u1 = fmax(K(to_float)(x0), 1e-7f);
#ifdef cl_khr_fp64
    const double v1 = (double)(float)(6.283185307179586 * (double)K(to_float)(x1));
    const float u2 = (float)sqrt((double)(-2.0f * (float)log((double)u1)));
    return (float2)((float)sin(v1) * u2, (float)cos(v1) * u2);
#else   // a device without doubles: float steps (may differ by an ulp)
    const float v1 = 6.2831855f * K(to_float)(x1);
    const float u2 = sqrt(-2.0f * log(u1));
    return (float2)(sin(v1) * u2, cos(v1) * u2);
#endif
}
#endif

#if !RNG_WIDE
// out[first .. first + 4) = v, cut at n.
inline void K(store4)(__global float* out, const long first, const long n, const float4 v) {
    if (first + 4 <= n) {
        vstore4(v, 0, out + first);
        return;
    }
    const float w[4] = {v.s0, v.s1, v.s2, v.s3};
    for (int k = 0; first + k < n; ++k) out[first + k] = w[k];
}
#endif

// RandomUniform: [0, 1), one work-item per block (four floats or two doubles).
__kernel void K(random_uniform)(__global T* out, const long n, const ulong start,
                                const ulong seed, const ulong seed2) {
    const long i = get_global_id(0);
#if RNG_WIDE
    const long first = i * 2;
    if (first >= n) return;
    const uint4 x = K(philox)(start + (ulong)i, seed, seed2);
    out[first] = K(to_double)(x.s0, x.s1);
    if (first + 1 < n) out[first + 1] = K(to_double)(x.s2, x.s3);
#else
    const long first = i * 4;
    if (first >= n) return;
    const uint4 x = K(philox)(start + (ulong)i, seed, seed2);
    const float4 v = (float4)(K(to_float)(x.s0), K(to_float)(x.s1), K(to_float)(x.s2),
                              K(to_float)(x.s3));
    K(store4)(out, first, n, v);
#endif
}

// RandomStandardNormal: one work-item per block (four floats or two doubles).
__kernel void K(random_normal)(__global T* out, const long n, const ulong start,
                               const ulong seed, const ulong seed2) {
    const long i = get_global_id(0);
#if RNG_WIDE
    const long first = i * 2;
    if (first >= n) return;
    const uint4 x = K(philox)(start + (ulong)i, seed, seed2);
    const double2 v = K(box_muller)(x.s0, x.s1, x.s2, x.s3);
    out[first] = v.s0;
    if (first + 1 < n) out[first + 1] = v.s1;
#else
    const long first = i * 4;
    if (first >= n) return;
    const uint4 x = K(philox)(start + (ulong)i, seed, seed2);
    const float2 a = K(box_muller)(x.s0, x.s1), b = K(box_muller)(x.s2, x.s3);
    K(store4)(out, first, n, (float4)(a, b));
#endif
}

// TruncatedNormal: one work-item per group of outputs (four floats or two doubles). A
// group owns `per_group` blocks from start + group * per_group on (TF reserves 256
// samples per output) and takes its first candidates with |x| < 2 in TF's order (a
// block's pair (0, 1), then its pair (2, 3)); a group that finds too few in its own
// blocks (never seen in practice) is all zeros, as in framework/philox.py.
__kernel void K(random_truncated_normal)(__global T* out, const long n, const ulong start,
                                         const ulong seed, const ulong seed2,
                                         const long per_group) {
    const long g = get_global_id(0);
#if RNG_WIDE
    const int group = 2;
#else
    const int group = 4;
#endif
    const long first = g * group;
    if (first >= n) return;
    const ulong base = start + (ulong)g * (ulong)per_group;
    T v[4];
    int got = 0;
    for (long blk = 0; blk < per_group && got < group; ++blk) {
        const uint4 x = K(philox)(base + (ulong)blk, seed, seed2);
#if RNG_WIDE
        const double2 a = K(box_muller)(x.s0, x.s1, x.s2, x.s3);
        const T c[2] = {a.s0, a.s1};
        for (int k = 0; k < 2 && got < group; ++k)
            if (fabs(c[k]) < 2) v[got++] = c[k];
#else
        const float2 a = K(box_muller)(x.s0, x.s1), b = K(box_muller)(x.s2, x.s3);
        const T c[4] = {a.s0, a.s1, b.s0, b.s1};
        for (int k = 0; k < 4 && got < group; ++k)
            if (fabs(c[k]) < 2) v[got++] = c[k];
#endif
    }
    for (int k = 0; k < group && first + k < n; ++k) out[first + k] = got < group ? 0 : v[k];
}

#else   // RNG_INT

// RandomUniformInt: lo + (random bits mod (hi - lo)) from 32-bit words (int) or 64-bit
// pairs of words (long); one work-item per block. lo and hi are device scalars: when
// lo >= hi, work-item 0 raises flag and nothing is written.
__kernel void K(random_uniform_int)(__global T* out, __global const T* lo,
                                    __global const T* hi, __global int* flag, const long n,
                                    const ulong start, const ulong seed, const ulong seed2) {
    const long i = get_global_id(0);
    const T low = lo[0], high = hi[0];
    if (low >= high) {
        if (i == 0) flag[0] = 1;
        return;
    }
#if RNG_WIDE
    const long first = i * 2;
    if (first >= n) return;
    const ulong span = (ulong)high - (ulong)low;
    const uint4 x = K(philox)(start + (ulong)i, seed, seed2);
    const ulong bits[2] = {(ulong)x.s0 | ((ulong)x.s1 << 32), (ulong)x.s2 | ((ulong)x.s3 << 32)};
    for (int k = 0; k < 2 && first + k < n; ++k)
        out[first + k] = (T)((ulong)low + bits[k] % span);
#else
    const long first = i * 4;
    if (first >= n) return;
    const uint span = (uint)((long)high - (long)low);
    const uint4 x = K(philox)(start + (ulong)i, seed, seed2);
    const uint bits[4] = {x.s0, x.s1, x.s2, x.s3};
    for (int k = 0; k < 4 && first + k < n; ++k)
        out[first + k] = (T)((long)low + (long)(bits[k] % span));
#endif
}

#endif

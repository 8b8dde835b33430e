// Elementary functions from plain arithmetic, for the generated and hand-written kernels.
//
// Why: PoCL's CPU drivers call most OpenCL C builtins (exp, tanh, floor, fabs, isnan...)
// out of line, which stops the vectoriser: tanh(x) costs ~40x x*2. These functions use
// only +, -, *, /, comparisons, selects, int<->float conversions and bit casts, all of
// which PoCL inlines and vectorises; branches are selects (both sides are computed).
//
// Names: tg_<fn>_float and tg_<fn>_double, so a file written with K(name) (n##_T) calls
// K(tg_exp)(x), and a template written with {T} calls tg_exp_{T}(x). The double half needs
// cl_khr_fp64. The plan prepends this file once to every program that uses a tg_ name.
//
// Accuracy: <= 2 ulp over the whole range (tests/test_opencl_fastmath.py measures it),
// with IEEE special values: NaN in -> NaN out, inf, overflow to inf, gradual underflow,
// signed zeros as numpy gives them. Method: Cody-Waite range reduction (k * LN2_HI is
// exact) and minimax polynomials, fitted by a Remez exchange in 60-digit arithmetic to
// the Taylor series of each reduced function, with the weight that makes the error
// relative to the final result. sin/cos reduce large arguments exactly with integer
// arithmetic on the bits of 2/pi (Payne-Hanek).

// Every function here is small enough, or used rarely enough, to inline: a call left in a
// kernel's loop stops PoCL's vectoriser.
#if defined(__clang__)
#define TG_INLINE static inline __attribute__((always_inline))
#else
#define TG_INLINE static inline
#endif

// ------------------------------------------------------------------ float: bits, rounding
#define TG_RND_F 12582912.0f              // 1.5 * 2^23: x + it - it rounds x to an integer
#define TG_LOG2E_F 1.442695022e+00f
#define TG_LN2_HI_F 6.931457520e-01f       // 16 bits: k * TG_LN2_HI_F is exact for |k| < 256
#define TG_LN2_LO_F 1.428606765e-06f

TG_INLINE float tg_fabs_float(float x) { return as_float(as_uint(x) & 0x7fffffffu); }

TG_INLINE float tg_copysign_float(float x, float y) {
    return as_float((as_uint(x) & 0x7fffffffu) | (as_uint(y) & 0x80000000u));
}

TG_INLINE int tg_isnan_float(float x) { return x != x; }

TG_INLINE int tg_isfinite_float(float x) { return tg_fabs_float(x) < INFINITY; }

// Round half to even (numpy.rint). Below 2^23, adding 2^23 leaves no fraction bits, so
// the addition rounds (to even on ties); above, every float is an integer already.
TG_INLINE float tg_rint_float(float x) {
    const float a = tg_fabs_float(x);
    const float r = (a + 0x1p23f) - 0x1p23f;
    return a < 0x1p23f ? tg_copysign_float(r, x) : x;
}

TG_INLINE float tg_floor_float(float x) {
    const float r = tg_rint_float(x);
    return r > x ? r - 1.0f : r;             // -0.0 stays -0.0; NaN compares false
}

TG_INLINE float tg_ceil_float(float x) {
    const float r = tg_rint_float(x);
    return tg_copysign_float(r < x ? r + 1.0f : r, x);   // ceil(-0.5) is -0.0
}

// numpy.maximum / numpy.minimum: a NaN in either argument wins.
TG_INLINE float tg_max_float(float a, float b) { return (a >= b || a != a) ? a : b; }
TG_INLINE float tg_min_float(float a, float b) { return (a <= b || a != a) ? a : b; }
// numpy.clip: NaN stays NaN.
TG_INLINE float tg_clamp_float(float x, float lo, float hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

// Correctly rounded, as numpy: the hardware instruction where the compiler has one (the
// sqrt() builtin is an out-of-line call on PoCL).
TG_INLINE float tg_sqrt_float(float x) {
#if defined(__clang__)
    return __builtin_sqrtf(x);
#else
    return sqrt(x);
#endif
}

TG_INLINE float tg_rsqrt_float(float x) { return 1.0f / tg_sqrt_float(x); }

// ------------------------------------------------------------------ float: exp family
// x = k ln2 + (rh - rl) with |rh - rl| <= ln2/2: returns rh (exact, as k * TG_LN2_HI_F is),
// *rl = k * TG_LN2_LO_F (tiny). Valid for |x| < 2^21: the magic-number rounding keeps k an
// integer whose value is also in the low bits of t. NaN gives NaN (and some k).
TG_INLINE float tg_reduce_ln2_float(float x, int* k, float* rl) {
    const float t = x * TG_LOG2E_F + TG_RND_F;
    const float kf = t - TG_RND_F;
    *k = as_int(t) - as_int(TG_RND_F);
    *rl = kf * TG_LN2_LO_F;
    return x - kf * TG_LN2_HI_F;
}

// e^r - 1 - rh for r = rh - rl, i.e. the part of e^r - 1 to add to rh last (rh exact):
// e^r - 1 = r + r^2 P(r), P minimax (weighted error 2^-26.2).
TG_INLINE float tg_em1_tail_float(float rh, float rl) {
    const float r = rh - rl;
    float p = 1.388251665e-03f;
    p = p * r + 8.366547525e-03f;
    p = p * r + 4.166720062e-02f;
    p = p * r + 1.666654348e-01f;
    p = p * r + 4.999999702e-01f;
    return r * r * p - rl;
}

// 2^k as two normal floats whose product is 2^k, for k in [-252, 254]: scaling by one then
// the other rounds once, at the end, so that results near under/overflow are right.
TG_INLINE float tg_pow2_lo_float(int k) { return as_float(((k >> 1) + 127) << 23); }
TG_INLINE float tg_pow2_hi_float(int k) { return as_float((k - (k >> 1) + 127) << 23); }

// a + b = h + *err exactly (h = a + b rounded): Fast2Sum, for |a| >= |b| (or a = 0).
TG_INLINE float tg_fast2sum_float(float a, float b, float* err) {
    const float h = a + b;
    *err = b - (h - a);
    return h;
}

// a + b + c rounded about once, for |a| >= |b| and small c.
TG_INLINE float tg_sum3_float(float a, float b, float c) {
    float err;
    const float h = tg_fast2sum_float(a, b, &err);
    return h + (err + c);
}

TG_INLINE float tg_exp_float(float x) {
    // Beyond [-104, 89] the result is 0 or inf anyway; NaN passes the clamp.
    const float xc = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
    int k;
    float rl;
    const float rh = tg_reduce_ln2_float(xc, &k, &rl);
    const float e = tg_sum3_float(1.0f, rh, tg_em1_tail_float(rh, rl));
    return e * tg_pow2_lo_float(k) * tg_pow2_hi_float(k);
}

TG_INLINE float tg_expm1_float(float x) {
    // expm1(-20) rounds to -1 already; NaN passes the clamp.
    const float xc = x < -20.0f ? -20.0f : (x > 89.0f ? 89.0f : x);
    int k;
    float rl;
    const float rh = tg_reduce_ln2_float(xc, &k, &rl);
    const float t = tg_em1_tail_float(rh, rl);
    // e^x - 1 = (2^k - 1) + 2^k rh + 2^k t: the first two exact (k < 25), then summed
    // with one rounding. k = 128 overflows 2^k: e^x alone, scaled in two steps.
    const int kc = k > 127 ? 127 : k;
    const float s = as_float((kc + 127) << 23);
    const float res = k > 127 ? ((1.0f + rh) + t) * s * 2.0f
                              : tg_sum3_float(s - 1.0f, s * rh, s * t);
    return x == 0.0f ? x : res;                // keeps -0.0
}

// 1 + e^y as h + *lo (|lo| <= ulp(h)) for -87 <= y <= 88: e^y = 2^k (1 + rh + t) with
// 2^k and 2^k rh exact, so that the sum is rounded about once. *k_out = k, and
// *rh_out + *t_out = e^r - 1, for the callers' other cases (y up to 104).
TG_INLINE float tg_one_plus_exp_float(float y, float* lo, int* k_out, float* rh_out,
                                      float* t_out) {
    int k;
    float rl;
    const float rh = tg_reduce_ln2_float(y, &k, &rl);
    const float t = tg_em1_tail_float(rh, rl);
    const float s = as_float(((k < -126 ? -126 : (k > 127 ? 127 : k)) + 127) << 23);
    float e1, e2;
    const float eh = tg_fast2sum_float(s, s * rh, &e1);
    const float h = tg_fast2sum_float(eh > 1.0f ? eh : 1.0f, eh > 1.0f ? 1.0f : eh, &e2);
    *lo = e2 + (e1 + s * t);
    *k_out = k;
    *rh_out = rh;
    *t_out = t;
    return h;
}

// 1 / (1 + e^-x). Below -80 it is e^x (maybe subnormal): 2^-k / (1 + rh + t).
TG_INLINE float tg_sigmoid_float(float x) {
    const float y = x > 87.0f ? -87.0f : (x < -104.0f ? 104.0f : -x);   // NaN passes
    float lo, rh, t;
    int k;
    const float h = tg_one_plus_exp_float(y, &lo, &k, &rh, &t);
    const int tiny = x < -80.0f;
    const float q = 1.0f / (tiny ? (1.0f + rh) + t : h + lo);
    return tiny ? q * tg_pow2_lo_float(-k) * tg_pow2_hi_float(-k) : q;
}

TG_INLINE float tg_tanh_float(float x) {
    const float a = tg_fabs_float(x);
    // |x| < 0.55: x + x^3 P(x^2), P minimax (2^-29.0), where 1 - 2/(e^2a + 1) cancels.
    const float z = a * a;
    float p = -6.238845643e-03f;
    p = p * z + 2.105580457e-02f;
    p = p * z - 5.385164917e-02f;
    p = p * z + 1.333262473e-01f;
    p = p * z - 3.333331943e-01f;
    const float small = a + a * z * p;
    // Else 1 - 2 / (e^2a + 1), with e^2a = 2^k (1 + rh + t), 2 <= k <= 28 (tanh(9.5)
    // rounds to 1; the clamp keeps e^2a finite, and NaN passes it).
    int k;
    float rl;
    const float rh = tg_reduce_ln2_float(2.0f * (a > 9.5f ? 9.5f : a), &k, &rl);
    const float e = ((1.0f + rh) + tg_em1_tail_float(rh, rl)) * as_float((k + 127) << 23);
    const float big = 1.0f - 2.0f / (e + 1.0f);
    return tg_copysign_float(a < 0.55f ? small : big, x);
}

// ------------------------------------------------------------------ float: log family
// log(1 + f) + k ln2 + c for f in [sqrt(1/2) - 1, sqrt(2) - 1]: with s = f / (2 + f),
// log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R), R = s^2 Q(s^2), Q minimax
// (2^-29.4); the terms are summed smallest first, k ln2 last (k * TG_LN2_HI_F is exact).
TG_INLINE float tg_log_core_float(float f, float k, float c) {
    const float s = f / (2.0f + f);
    const float z = s * s;
    const float R = z * (6.666677594e-01f + z * (3.997605741e-01f + z * 2.992615402e-01f));
    const float hfsq = 0.5f * f * f;
    return k * TG_LN2_HI_F - ((hfsq - (s * (hfsq + R) + (k * TG_LN2_LO_F + c))) - f);
}

// Splits u > 0 (normal) into 2^k m with m in [sqrt(1/2), sqrt(2)); returns m - 1 (exact).
TG_INLINE float tg_split_float(float u, int* k) {
    const uint iu = as_uint(u) + (0x3f800000u - 0x3f3504f3u);
    *k = (int)(iu >> 23) - 127;
    return as_float((iu & 0x007fffffu) + 0x3f3504f3u) - 1.0f;
}

TG_INLINE float tg_log_float(float x) {
    const int sub = x < 0x1p-126f;           // subnormal (or not positive: fixed below)
    int k;
    const float f = tg_split_float(sub ? x * 0x1p25f : x, &k);
    const float r = tg_log_core_float(f, (float)(sub ? k - 25 : k), 0.0f);
    return (x > 0.0f && x < INFINITY) ? r : (x == 0.0f ? -INFINITY : (x > 0.0f ? x : NAN));
}

TG_INLINE float tg_log1p_float(float x) {
    const float u = 1.0f + x;                // >= 2^-24 for x > -1
    int k;
    const float f = tg_split_float(u, &k);
    // The rounding error of 1 + x (exact: Fast2Sum, the larger operand first), relative
    // to u, corrects log(u).
    const float c = (x < 1.0f ? x - (u - 1.0f) : 1.0f - (u - x)) / u;
    const float r = tg_log_core_float(f, (float)k, c);
    return (x > -1.0f && x < INFINITY && x != 0.0f) ? r :
           (x == -1.0f ? -INFINITY : (x > -1.0f ? x : NAN));   // keeps +-0, inf
}

// log(1 + e^x), as numpy.logaddexp(0, x): max(x, 0) + log(1 + e^-|x|), with 1 + e^-|x|
// as h + lo (see tg_one_plus_exp_float): log(h) + lo / h. Where e^-|x| < 2^-23,
// log(1 + E) = E - E^2/2.
TG_INLINE float tg_softplus_float(float x) {
    const float ax = tg_fabs_float(x);
    float lo, rh, t;
    int k;
    const float h = tg_one_plus_exp_float(ax > 104.0f ? -104.0f : -ax, &lo, &k, &rh, &t);
    float err;
    const float u = tg_fast2sum_float(h, lo, &err);
    int ku;
    const float f = tg_split_float(u, &ku);
    const float big = tg_log_core_float(f, (float)ku, err / u);
    const float e = ((1.0f + rh) + t) * tg_pow2_lo_float(k) * tg_pow2_hi_float(k);
    return (x > 0.0f ? x : 0.0f) + (k < -23 ? e - 0.5f * e * e : big);
}

// ------------------------------------------------------------------ float: sin, cos
// Bits of 2/pi, 32 per word, after two zero words (a window may start before the point).
__constant uint TG_2_OVER_PI[49] = {
    0x00000000, 0x00000000,
    0xA2F9836E, 0x4E441529, 0xFC2757D1, 0xF534DDC0, 0xDB629599, 0x3C439041, 0xFE5163AB,
    0xDEBBC561, 0xB7246E3A, 0x424DD2E0, 0x06492EEA, 0x09D1921C, 0xFE1DEB1C, 0xB129A73E,
    0xE88235F5, 0x2EBB4484, 0xE99C7026, 0xB45F7E41, 0x3991D639, 0x835339F4, 0x9C845F8B,
    0xBDF9283B, 0x1FF897FF, 0xDE05980F, 0xEF2F118B, 0x5A0A6D1F, 0x6D367ECF, 0x27CB09B7,
    0x4F463F66, 0x9E5FEA2D, 0x7527BAC7, 0xEBE5F17B, 0x3D0739F7, 0x8A5292EA, 0x6BFB5FB1,
    0x1F8D5D08, 0x56033046, 0xFC7B6BAB, 0xF0CFBC20, 0x9AF4361D, 0xA9E2A9FB, 0xBFCB2DE9,
    0xA452ECA6, 0x448B15B2, 0xB1184FA6, 0x51D4C741, 0x8E748A66};

// 32 bits of 2/pi from bit `bit` of the table on.
TG_INLINE uint tg_2pi_bits(int bit) {
    const int w = bit >> 5;
    const ulong pair = ((ulong)TG_2_OVER_PI[w] << 32) | TG_2_OVER_PI[w + 1];
    return (uint)(pair >> (32 - (bit & 31)));
}

// a = |x| >= pi/4, finite: returns r = a - j pi/2 in [-pi/4, pi/4], *j = j mod 4.
// a = m 2^e (m: 24-bit integer); a * 2/pi mod 4 needs only the bits of 2/pi from 2^(1-e)
// on (the earlier ones give multiples of 4): 96 of them, from bit e + 62 of the table,
// times m give it in 2.94 fixed point, exactly but for < 2^-70.
TG_INLINE float tg_reduce_pio2_float(float a, int* j) {
    const uint ia = as_uint(a);
    const int e = (int)(ia >> 23) - 150;
    const uint m = (ia & 0x007fffffu) | 0x00800000u;
    int bit = e + 62;
    bit = bit < 0 ? 0 : (bit > 166 ? 166 : bit);   // (only the valid range is used)
    const ulong a0 = (ulong)m * tg_2pi_bits(bit);
    const ulong a1 = (ulong)m * tg_2pi_bits(bit + 32);
    const ulong a2 = (ulong)m * tg_2pi_bits(bit + 64);
    const ulong lo = a2 + (a1 << 32);
    const uint hi = (uint)(a0 + (a1 >> 32) + (lo < a2 ? 1 : 0));
    // hi:lo = a 2/pi mod 4 in 2.94 fixed point. Round to the nearest integer j; the
    // fraction bits, read as signed, are then a 2/pi - j in [-1/2, 1/2) (times 2^64).
    *j = (int)(((hi >> 29) + 1) >> 1) & 3;
    const long g = (long)(((ulong)hi << 34) | (lo >> 30));
    const ulong u = g < 0 ? (ulong)(-g) : (ulong)g;
    // |r| 2^63 = u pi/4, with pi/2 as 3373259426 / 2^31.
    const ulong rr = (u >> 32) * 3373259426ul + (((u & 0xffffffffu) * 3373259426ul) >> 32);
    const float r = (float)(long)rr * 0x1p-63f;
    return g < 0 ? -r : r;
}

// sin and cos of r in [-pi/4, pi/4]: r + r^3 S(r^2), 1 - r^2/2 + r^4 C(r^2) (minimax,
// 2^-27.2 and 2^-31.8); cos adds back the rounding error of 1 - r^2/2.
TG_INLINE float tg_sin_poly_float(float r, float z) {
    return r + r * z * (-1.666665524e-01f + z * (8.332099766e-03f + z * -1.950379519e-04f));
}

TG_INLINE float tg_cos_poly_float(float z) {
    const float c = z * z * (4.166665301e-02f + z * (-1.388765289e-03f + z * 2.446367034e-05f));
    const float hz = 0.5f * z;
    const float w = 1.0f - hz;
    return w + (((1.0f - w) - hz) + c);
}

// (r, j) with x = r + j pi/2 (mod 2 pi), |r| <= pi/4, for any finite x.
TG_INLINE float tg_reduce_float(float x, int* j) {
    const float a = tg_fabs_float(x);
    int jb;
    const float rb = tg_reduce_pio2_float(a, &jb);
    const int small = a < 7.853981853e-01f;
    *j = small ? 0 : (x < 0.0f ? -jb : jb);
    return small ? x : (x < 0.0f ? -rb : rb);
}

TG_INLINE float tg_sin_float(float x) {
    int j;
    const float r = tg_reduce_float(x, &j);
    const float z = r * r;
    const float v = (j & 1) ? tg_cos_poly_float(z) : tg_sin_poly_float(r, z);
    return tg_isfinite_float(x) ? (x == 0.0f ? x : ((j & 2) ? -v : v)) : x - x;
}

TG_INLINE float tg_cos_float(float x) {
    int j;
    const float r = tg_reduce_float(x, &j);
    const float z = r * r;
    const float v = (j & 1) ? tg_sin_poly_float(r, z) : tg_cos_poly_float(z);
    return tg_isfinite_float(x) ? (((j + 1) & 2) ? -v : v) : x - x;
}

// ------------------------------------------------------------------ double
// The same algorithms with double constants and polynomials (and a double-double log for
// pow, whose result needs log(x) to ~2^-66). Needs cl_khr_fp64.
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#define TG_RND_D 6755399441055744.0           // 1.5 * 2^52
#define TG_LOG2E_D 1.44269504088896339e+00
#define TG_LN2_HI_D 6.93147180559890330e-01    // 42 bits: k * TG_LN2_HI_D exact, |k| < 2^11
#define TG_LN2_LO_D 5.49792301870837116e-14

TG_INLINE double tg_fabs_double(double x) {
    return as_double(as_ulong(x) & 0x7fffffffffffffffUL);
}

TG_INLINE double tg_copysign_double(double x, double y) {
    return as_double((as_ulong(x) & 0x7fffffffffffffffUL) | (as_ulong(y) & 0x8000000000000000UL));
}

TG_INLINE int tg_isnan_double(double x) { return x != x; }

TG_INLINE int tg_isfinite_double(double x) { return tg_fabs_double(x) < (double)INFINITY; }

TG_INLINE double tg_rint_double(double x) {
    const double a = tg_fabs_double(x);
    const double r = (a + 0x1p52) - 0x1p52;
    return a < 0x1p52 ? tg_copysign_double(r, x) : x;
}

TG_INLINE double tg_floor_double(double x) {
    const double r = tg_rint_double(x);
    return r > x ? r - 1.0 : r;
}

TG_INLINE double tg_ceil_double(double x) {
    const double r = tg_rint_double(x);
    return tg_copysign_double(r < x ? r + 1.0 : r, x);
}

TG_INLINE double tg_max_double(double a, double b) { return (a >= b || a != a) ? a : b; }
TG_INLINE double tg_min_double(double a, double b) { return (a <= b || a != a) ? a : b; }
TG_INLINE double tg_clamp_double(double x, double lo, double hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

TG_INLINE double tg_sqrt_double(double x) {
#if defined(__clang__)
    return __builtin_sqrt(x);
#else
    return sqrt(x);
#endif
}

TG_INLINE double tg_rsqrt_double(double x) { return 1.0 / tg_sqrt_double(x); }

// --- error-free transformations (Dekker's product: every partial product is exact, so
// contracting them into fma changes nothing)
TG_INLINE double tg_fast2sum_double(double a, double b, double* err) {
    const double h = a + b;
    *err = b - (h - a);
    return h;
}

// a + b = h + *err exactly, in either order (TwoSum).
TG_INLINE double tg_2sum_double(double a, double b, double* err) {
    const double h = a + b;
    const double bb = h - a;
    *err = (a - (h - bb)) + (b - bb);
    return h;
}

TG_INLINE double tg_sum3_double(double a, double b, double c) {
    double err;
    const double h = tg_fast2sum_double(a, b, &err);
    return h + (err + c);
}

TG_INLINE double tg_2prod_double(double a, double b, double* err) {
    const double ca = 134217729.0 * a, cb = 134217729.0 * b;   // 2^27 + 1
    const double ah = ca - (ca - a), bh = cb - (cb - b);
    const double al = a - ah, bl = b - bh;
    const double p = a * b;
    *err = (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
    return p;
}

// --- exp family
TG_INLINE double tg_reduce_ln2_double(double x, int* k, double* rl) {
    const double t = x * TG_LOG2E_D + TG_RND_D;
    const double kf = t - TG_RND_D;
    *k = (int)(as_long(t) - as_long(TG_RND_D));
    *rl = kf * TG_LN2_LO_D;
    return x - kf * TG_LN2_HI_D;
}

// e^r - 1 - rh for r = rh - rl: r + r^2 P(r), P minimax (weighted error 2^-61.7).
TG_INLINE double tg_em1_tail_double(double rh, double rl) {
    const double r = rh - rl;
    double p = 2.08753277626122108e-09;
    p = p * r + 2.51090244102826768e-08;
    p = p * r + 2.75574027792014103e-07;
    p = p * r + 2.75572442543478891e-06;
    p = p * r + 2.48015871722261090e-05;
    p = p * r + 1.98412698860732899e-04;
    p = p * r + 1.38888888889626065e-03;
    p = p * r + 8.33333333332165506e-03;
    p = p * r + 4.16666666666665048e-02;
    p = p * r + 1.66666666666666768e-01;
    p = p * r + 5.00000000000000000e-01;
    return r * r * p - rl;
}

// 2^k as two normal doubles, for k in [-2044, 2046].
TG_INLINE double tg_pow2_lo_double(int k) {
    return as_double((ulong)((long)((k >> 1) + 1023)) << 52);
}
TG_INLINE double tg_pow2_hi_double(int k) {
    return as_double((ulong)((long)(k - (k >> 1) + 1023)) << 52);
}

TG_INLINE double tg_exp_double(double x) {
    const double xc = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
    int k;
    double rl;
    const double rh = tg_reduce_ln2_double(xc, &k, &rl);
    const double e = tg_sum3_double(1.0, rh, tg_em1_tail_double(rh, rl));
    return e * tg_pow2_lo_double(k) * tg_pow2_hi_double(k);
}

TG_INLINE double tg_expm1_double(double x) {
    // expm1(-40) rounds to -1 already.
    const double xc = x < -40.0 ? -40.0 : (x > 710.0 ? 710.0 : x);
    int k;
    double rl;
    const double rh = tg_reduce_ln2_double(xc, &k, &rl);
    const double t = tg_em1_tail_double(rh, rl);
    const int kc = k > 1000 ? 1000 : k;
    const double s = tg_pow2_lo_double(2 * kc);   // 2^kc
    const double res = k > 1000 ? ((1.0 + rh) + t) * s * tg_pow2_lo_double(2 * (k - kc))
                                : tg_sum3_double(s - 1.0, s * rh, s * t);
    return x == 0.0 ? x : res;
}

// See tg_one_plus_exp_float; here for -708 <= y <= 709 (up to 746 for rh, t).
TG_INLINE double tg_one_plus_exp_double(double y, double* lo, int* k_out, double* rh_out,
                                        double* t_out) {
    int k;
    double rl;
    const double rh = tg_reduce_ln2_double(y, &k, &rl);
    const double t = tg_em1_tail_double(rh, rl);
    const double s = tg_pow2_lo_double(2 * (k < -1022 ? -1022 : (k > 1023 ? 1023 : k)));
    double e1, e2;
    const double eh = tg_fast2sum_double(s, s * rh, &e1);
    const double h = tg_fast2sum_double(eh > 1.0 ? eh : 1.0, eh > 1.0 ? 1.0 : eh, &e2);
    *lo = e2 + (e1 + s * t);
    *k_out = k;
    *rh_out = rh;
    *t_out = t;
    return h;
}

TG_INLINE double tg_sigmoid_double(double x) {
    const double y = x > 708.0 ? -708.0 : (x < -746.0 ? 746.0 : -x);
    double lo, rh, t;
    int k;
    const double h = tg_one_plus_exp_double(y, &lo, &k, &rh, &t);
    const int tiny = x < -700.0;
    const double q = 1.0 / (tiny ? (1.0 + rh) + t : h + lo);
    return tiny ? q * tg_pow2_lo_double(-k) * tg_pow2_hi_double(-k) : q;
}

TG_INLINE double tg_tanh_double(double x) {
    const double a = tg_fabs_double(x);
    // |x| < 0.55: x + x^3 P(x^2), P minimax (2^-59.7).
    const double z = a * a;
    double p = -1.94452380924769993e-05;
    p = p * z + 8.32723086890584574e-05;
    p = p * z - 2.33379908462478858e-04;
    p = p * z + 5.88457234089182954e-04;
    p = p * z - 1.45554978708292335e-03;
    p = p * z + 3.59209381956691626e-03;
    p = p * z - 8.86323286339445529e-03;
    p = p * z + 2.18694884081643906e-02;
    p = p * z - 5.39682539648137852e-02;
    p = p * z + 1.33333333333290310e-01;
    p = p * z - 3.33333333333333148e-01;
    const double small = a + a * z * p;
    // tanh(20) rounds to 1.
    int k;
    double rl;
    const double rh = tg_reduce_ln2_double(2.0 * (a > 20.0 ? 20.0 : a), &k, &rl);
    const double e = ((1.0 + rh) + tg_em1_tail_double(rh, rl)) * tg_pow2_lo_double(2 * k);
    const double big = 1.0 - 2.0 / (e + 1.0);
    return tg_copysign_double(a < 0.55 ? small : big, x);
}

// --- log family
TG_INLINE double tg_log_core_double(double f, double k, double c) {
    const double s = f / (2.0 + f);
    const double z = s * s;
    double q = 1.32635062690521638e-01;
    q = q * z + 1.32492568279368422e-01;
    q = q * z + 1.53871009818920323e-01;
    q = q * z + 1.81817762853785980e-01;
    q = q * z + 2.22222226246127891e-01;
    q = q * z + 2.85714285693652259e-01;
    q = q * z + 4.00000000000047928e-01;
    q = q * z + 6.66666666666666630e-01;
    const double R = z * q;
    const double hfsq = 0.5 * f * f;
    return k * TG_LN2_HI_D - ((hfsq - (s * (hfsq + R) + (k * TG_LN2_LO_D + c))) - f);
}

TG_INLINE double tg_split_double(double u, int* k) {
    const ulong iu = as_ulong(u) + (0x3ff0000000000000UL - 0x3fe6a09e667f3bcdUL);
    *k = (int)(iu >> 52) - 1023;
    return as_double((iu & 0x000fffffffffffffUL) + 0x3fe6a09e667f3bcdUL) - 1.0;
}

TG_INLINE double tg_log_double(double x) {
    const int sub = x < 0x1p-1022;
    int k;
    const double f = tg_split_double(sub ? x * 0x1p54 : x, &k);
    const double r = tg_log_core_double(f, (double)(sub ? k - 54 : k), 0.0);
    return (x > 0.0 && x < (double)INFINITY) ? r :
           (x == 0.0 ? -(double)INFINITY : (x > 0.0 ? x : (double)NAN));
}

TG_INLINE double tg_log1p_double(double x) {
    const double u = 1.0 + x;
    int k;
    const double f = tg_split_double(u, &k);
    const double c = (x < 1.0 ? x - (u - 1.0) : 1.0 - (u - x)) / u;
    const double r = tg_log_core_double(f, (double)k, c);
    return (x > -1.0 && x < (double)INFINITY && x != 0.0) ? r :
           (x == -1.0 ? -(double)INFINITY : (x > -1.0 ? x : (double)NAN));
}

TG_INLINE double tg_softplus_double(double x) {
    const double ax = tg_fabs_double(x);
    double lo, rh, t;
    int k;
    const double h = tg_one_plus_exp_double(ax > 746.0 ? -746.0 : -ax, &lo, &k, &rh, &t);
    double err;
    const double u = tg_fast2sum_double(h, lo, &err);
    int ku;
    const double f = tg_split_double(u, &ku);
    const double big = tg_log_core_double(f, (double)ku, err / u);
    const double e = ((1.0 + rh) + t) * tg_pow2_lo_double(k) * tg_pow2_hi_double(k);
    return (x > 0.0 ? x : 0.0) + (k < -53 ? e - 0.5 * e * e : big);
}

// --- sin, cos
// a = |x| >= pi/4, finite: r = a - j pi/2 as *rl + returned high part, *j = j mod 4.
// As the float version, with a 53-bit mantissa and 192 bits of 2/pi (32-bit limbs), and
// 128 bits of the fraction normalised before the multiplication by pi/2.
TG_INLINE double tg_reduce_pio2_double(double a, double* rl, int* j) {
    const ulong ia = as_ulong(a);
    const int e = (int)(ia >> 52) - 1075;
    const ulong mant = (ia & 0x000fffffffffffffUL) | 0x0010000000000000UL;
    const ulong mh = mant >> 32, ml = mant & 0xffffffffUL;
    int bit = e + 62;
    bit = bit < 0 ? 0 : (bit > 1033 ? 1033 : bit);
    const ulong w0 = tg_2pi_bits(bit), w1 = tg_2pi_bits(bit + 32), w2 = tg_2pi_bits(bit + 64);
    const ulong w3 = tg_2pi_bits(bit + 96), w4 = tg_2pi_bits(bit + 128);
    const ulong w5 = tg_2pi_bits(bit + 160);
    const ulong M32 = 0xffffffffUL;
    const ulong p0 = ml * w5, p1a = ml * w4, p1b = mh * w5, p2a = ml * w3, p2b = mh * w4;
    const ulong p3a = ml * w2, p3b = mh * w3, p4a = ml * w1, p4b = mh * w2;
    const ulong p5a = ml * w0, p5b = mh * w1;
    // Column sums of the 192-bit product (mod 2^192), 32 bits apart, then the carries.
    const ulong c1 = (p0 >> 32) + (p1a & M32) + (p1b & M32);
    const ulong c2 = (p1a >> 32) + (p1b >> 32) + (p2a & M32) + (p2b & M32) + (c1 >> 32);
    const ulong c3 = (p2a >> 32) + (p2b >> 32) + (p3a & M32) + (p3b & M32) + (c2 >> 32);
    const ulong c4 = (p3a >> 32) + (p3b >> 32) + (p4a & M32) + (p4b & M32) + (c3 >> 32);
    const ulong c5 = (p4a >> 32) + (p4b >> 32) + (p5a & M32) + (p5b & M32) + (c4 >> 32);
    const ulong l5 = c5 & M32, l4 = c4 & M32, l3 = c3 & M32, l2 = c2 & M32, l1 = c1 & M32;
    *j = (int)(((l5 >> 29) + 1) >> 1) & 3;
    // The fraction, signed, times 2^128, as gh:gl; then its absolute value.
    const ulong gh = (l5 << 34) | (l4 << 2) | (l3 >> 30);
    const ulong gl = (l3 << 34) | (l2 << 2) | (l1 >> 30);
    const int neg = (long)gh < 0;
    const ulong ul = neg ? ~gl + 1 : gl;
    const ulong uh = neg ? ~gh + (gl == 0 ? 1 : 0) : gh;
    // Normalise: n leading zeros (from the exponent of uh as a double; uh >= 4 here).
    int n = 63 - ((int)(as_ulong((double)(long)(uh >> 1)) >> 52) - 1022);
    n = n < 0 ? 0 : (n > 61 ? 61 : n);
    const ulong nn = (uh << n) | (n > 0 ? ul >> (64 - n) : 0);
    // q = nn * (pi/2 * 2^62) / 2^64; |r| = q 2^(-62-n).
    const ulong nh = nn >> 32, nl = nn & M32;
    const ulong ph = 0x6487ED51UL, pl = 0x10B4611AUL;
    const ulong mid = ((nh * pl) & M32) + ((nl * ph) & M32) + ((nl * pl) >> 32);
    const ulong q = nh * ph + ((nh * pl) >> 32) + ((nl * ph) >> 32) + (mid >> 32);
    const double qh = (double)(long)q;
    const double ql = (double)(long)(q - (ulong)(long)qh);
    const double scale = tg_pow2_lo_double(2 * (-62 - n));
    const double sg = neg ? -scale : scale;
    *rl = ql * sg;
    return qh * sg;
}

// sin(r + rl), cos(r + rl) for |r| <= pi/4, |rl| <= ulp(r): minimax S, C (2^-57.1,
// 2^-62.1), with rl's first-order term.
TG_INLINE double tg_sin_poly_double(double r, double rl, double z) {
    double s = 1.58946615330971244e-10;
    s = s * z - 2.50507337495171027e-08;
    s = s * z + 2.75573136468500485e-06;
    s = s * z - 1.98412698301310653e-04;
    s = s * z + 8.33333333332364826e-03;
    s = s * z - 1.66666666666666408e-01;
    return r + (r * z * s + (rl - 0.5 * z * rl));
}

TG_INLINE double tg_cos_poly_double(double r, double rl, double z) {
    double c = -1.13679511914750137e-11;
    c = c * z + 2.08758972246509937e-09;
    c = c * z - 2.75573157354829132e-07;
    c = c * z + 2.48015872946196661e-05;
    c = c * z - 1.38888888888828309e-03;
    c = c * z + 4.16666666666666505e-02;
    const double hz = 0.5 * z;
    const double w = 1.0 - hz;
    return w + (((1.0 - w) - hz) + (z * z * c - r * rl));
}

TG_INLINE double tg_reduce_double(double x, double* rl, int* j) {
    const double a = tg_fabs_double(x);
    int jb;
    double lb;
    const double rb = tg_reduce_pio2_double(a, &lb, &jb);
    const int small = a < 7.85398163397448279e-01;
    *j = small ? 0 : (x < 0.0 ? -jb : jb);
    *rl = small ? 0.0 : (x < 0.0 ? -lb : lb);
    return small ? x : (x < 0.0 ? -rb : rb);
}

TG_INLINE double tg_sin_double(double x) {
    int j;
    double rl;
    const double r = tg_reduce_double(x, &rl, &j);
    const double z = r * r;
    const double v = (j & 1) ? tg_cos_poly_double(r, rl, z) : tg_sin_poly_double(r, rl, z);
    return tg_isfinite_double(x) ? (x == 0.0 ? x : ((j & 2) ? -v : v)) : x - x;
}

TG_INLINE double tg_cos_double(double x) {
    int j;
    double rl;
    const double r = tg_reduce_double(x, &rl, &j);
    const double z = r * r;
    const double v = (j & 1) ? tg_sin_poly_double(r, rl, z) : tg_cos_poly_double(r, rl, z);
    return tg_isfinite_double(x) ? (((j + 1) & 2) ? -v : v) : x - x;
}

// --- pow
// log(x) = hi + *lo for finite x > 0, relative error < 2^-66: with s = f / (2 + f) as
// sh + sl, log(1 + f) = 2s + (2/3) s^3 + s^5 Q2(s^2) (Q2 minimax, 2^-71.7), the first
// two terms in double-double.
TG_INLINE double tg_log_dd_double(double x, double* lo) {
    const int sub = x < 0x1p-1022;
    int k;
    const double f = tg_split_double(sub ? x * 0x1p54 : x, &k);
    const double kd = (double)(sub ? k - 54 : k);
    double dl, pe, zl, cl, tl, e1, e2, e3;
    const double d = tg_fast2sum_double(2.0, f, &dl);
    const double sh = f / d;
    const double p = tg_2prod_double(sh, d, &pe);
    const double sl = (((f - p) - pe) - sh * dl) / d;
    const double zh = tg_2prod_double(sh, sh, &zl);
    zl += 2.0 * sh * sl;
    const double ch = tg_2prod_double(sh, zh, &cl);                  // s^3
    cl += sh * zl + sl * zh;
    const double th = tg_2prod_double(ch, 6.66666666666666630e-01, &tl);   // 2/3 s^3
    tl += ch * 3.70074341541718826e-17 + cl * 6.66666666666666630e-01;
    double q = 1.18832729071530835e-01;
    q = q * zh + 1.16885703114728970e-01;
    q = q * zh + 1.33355843968291227e-01;
    q = q * zh + 1.53845774391858342e-01;
    q = q * zh + 1.81818185462748944e-01;
    q = q * zh + 2.22222222203533493e-01;
    q = q * zh + 2.85714285714329108e-01;
    q = q * zh + 3.99999999999999967e-01;
    const double a1 = tg_2sum_double(kd * TG_LN2_HI_D, sh + sh, &e1);
    const double a2 = tg_2sum_double(a1, th, &e2);
    // (Not e1 + e2: the SLP vectoriser pairs their isomorphic trees into 2-vectors, which
    // then stops the vectorisation of the work-item loop.)
    const double low = ((e1 + ((sl + sl) + tl)) + e2) + (ch * zh * q + kd * TG_LN2_LO_D);
    const double h = tg_fast2sum_double(a2, low, &e3);
    *lo = e3;
    return h;
}

// |x|^y for finite x != 0 and finite |y| <= 2^64: e^(y log|x|), y log|x| in double-double.
TG_INLINE double tg_pow_core_double(double ax, double y) {
    double ll, tl, t2, rl;
    const double lh = tg_log_dd_double(ax, &ll);
    const double th0 = tg_2prod_double(y, lh, &tl);
    const double th = tg_fast2sum_double(th0, tl + y * ll, &t2);
    const double tc = th < -746.0 ? -746.0 : (th > 710.0 ? 710.0 : th);
    int k;
    const double rh = tg_reduce_ln2_double(tc, &k, &rl);
    rl -= th == tc ? t2 : 0.0;
    const double e = tg_sum3_double(1.0, rh, tg_em1_tail_double(rh, rl));
    return e * tg_pow2_lo_double(k) * tg_pow2_hi_double(k);
}

// pow as C99 and numpy define it: pow(x, +-0) = pow(1, y) = 1 (even for NaN), a negative
// x needs an integer y (the sign from its parity), zeros and infinities by the rules.
#define TG_POW_SPECIAL(T, core, ODD_LIMIT)                                                 \
    const T inf = (T)INFINITY;                                                          \
    const int y_int = tg_rint_##T(y) == y;                                              \
    const int y_odd = y_int && ay < ODD_LIMIT && tg_rint_##T((T)0.5 * y) != (T)0.5 * y;   \
    T r = x < 0 ? (y_int ? (y_odd ? -core : core) : (T)NAN) : core;                       \
    r = ax == 0 ? (y < 0 ? (y_odd ? tg_copysign_##T(inf, x) : inf) : (y_odd ? x : (T)0)) : r; \
    r = ax == inf ? (y < 0 ? (y_odd && x < 0 ? -(T)0 : (T)0) : (y_odd && x < 0 ? -inf : inf)) : r; \
    r = ay == inf ? (ax == 1 ? (T)1 : ((ax < 1) == (y < 0) ? inf : (T)0)) : r;              \
    r = (x != x || y != y) ? (T)NAN : r;                                                 \
    return (y == 0 || x == 1) ? (T)1 : r;

TG_INLINE double tg_pow_double(double x, double y) {
    const double ax = tg_fabs_double(x), ay = tg_fabs_double(y);
    const double core = tg_pow_core_double(ax, ay > 0x1p64 ? tg_copysign_double(0x1p64, y) : y);
    TG_POW_SPECIAL(double, core, 0x1p53)
}

// float pow through double: y log|x| then has an error below 2^-44, so the float result
// is correctly rounded but for near-ties.
TG_INLINE float tg_pow_float(float x, float y) {
    const float ax = tg_fabs_float(x), ay = tg_fabs_float(y);
    const float core = (float)tg_exp_double((double)y * tg_log_double((double)ax));
    TG_POW_SPECIAL(float, core, 0x1p24f)
}

#else   // no double: the builtin (a device without fp64 is likely a GPU, where it is fast)
TG_INLINE float tg_pow_float(float x, float y) { return pow(x, y); }
#endif

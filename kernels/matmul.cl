// float32 matmul C[M,N] = op(A) @ op(B), row-major, for tinygraph/runtime/opencl/matmul.py.
// All sizes are compile-time constants (-D M, N, K, TA, TB, ...): the host builds one
// program per (device, shape, transposes), so loops have constant trip counts and
// addresses constant strides. Dimension 2 of every range is the batch; SA (SB) = 1
// means one A (B) serves every product of the batch.
//
// CPU devices (MM_CPU): pack_b copies op(B) into column panels Bp[batch][jb][K][NR],
// zero-padded past N; that layout depends on N, K, TB, VW, NV and the batch count only
// (not on M or A), so a plan packs a B once for every mm_cpu of that layout reading it.
// mm_cpu gives each work-item one MR x NR block of C held in MR*NV vector registers
// over the whole of K: per k it loads NV vectors from the B panel (contiguous) and
// broadcasts MR scalars of A. reqd_work_group_size(1,1,1) keeps PoCL from vectorizing
// across work-items on top of the explicit vectors. pack_a only re-strides A when its
// rows would collide in the cache.
//
// GPU devices (MM_GPU): mm_gpu, local-memory tiles of TM x TN with TK-deep slices of
// op(A) and op(B); each work-item of a (TN/WN, TM/WM) group computes WM x WN outputs.

#ifndef SA
#define SA 0
#endif
#ifndef SB
#define SB 0
#endif

#if TA
#define A_AT(i, k) A[(long)(k) * M + (i)]
#else
#define A_AT(i, k) A[(long)(i) * K + (k)]
#endif
#if TB
#define B_AT(k, j) B[(long)(j) * K + (k)]
#else
#define B_AT(k, j) B[(long)(k) * N + (j)]
#endif

#ifdef MM_CPU

// KRUN: K is the kernels' last argument, not a constant, so that one program serves
// products that differ only in K (a loop's weight gradients over runs of its steps).
#ifdef KRUN
#define K k_run
#define KARG , const int k_run
#else
#define KARG
#endif

#if VW == 16
#define VEC float16
#elif VW == 8
#define VEC float8
#else
#define VEC float4
#endif
// Unaligned vector access through a packed struct: PoCL calls vloadn/vstoren out of line.
typedef struct __attribute__((packed)) { VEC v; } uvec;
#define VLOAD(p) (((__global const uvec*)(p))->v)
#define VSTORE(x, p) (((__global uvec*)(p))->v = (x))
#define NR (VW * NV)
#define NJB ((N + NR - 1) / NR)
#define PK 64   // k values per pack_b work-item when B is transposed
#define PR 4    // rows per work-item of the row copies

// Bp[batch][jb][k][jj] = op(B)[k, jb*NR + jj], 0 past N. (With SB, one batch.)
#if TB
// B is [N, K]: each work-item reads NR rows of B along k and writes them across a
// panel. Range (NJB, ceil(K/PK), batch).
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void pack_b(__global float* restrict Bp, __global const float* restrict B, int b_offset KARG) {
    const int jb = get_global_id(0), k0 = get_global_id(1) * PK, j0 = jb * NR;
    const int kn = K - k0 < PK ? K - k0 : PK;
    B += b_offset + (long)get_global_id(2) * K * N;
    __global float* dst = Bp + (long)get_global_id(2) * NJB * NR * K + ((long)jb * K + k0) * NR;
    for (int jj = 0; jj < NR; ++jj) {
        const int j = j0 + jj;
        if (j < N) {
            __global const float* src = B + (long)j * K + k0;
            for (int kk = 0; kk < kn; ++kk) dst[kk * NR + jj] = src[kk];
        } else {
            for (int kk = 0; kk < kn; ++kk) dst[kk * NR + jj] = 0.0f;
        }
    }
}
#else
// B is [K, N]: each work-item copies PR whole rows of B (contiguous reads; reading a
// panel's columns instead strides through B and defeats the prefetchers).
// Range (ceil(K/PR), 1, batch).
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void pack_b(__global float* restrict Bp, __global const float* restrict B, int b_offset KARG) {
    const int k0 = get_global_id(0) * PR;
    B += b_offset + (long)get_global_id(2) * K * N;
    __global float* dst0 = Bp + (long)get_global_id(2) * NJB * NR * K;
    for (int k = k0; k < k0 + PR && k < K; ++k) {
        __global const float* src = B + (long)k * N;
        for (int jb = 0; jb < N / NR; ++jb) {
            __global float* dst = dst0 + ((long)jb * K + k) * NR;
            #pragma unroll
            for (int v = 0; v < NV; ++v) VSTORE(VLOAD(src + jb * NR + v * VW), dst + v * VW);
        }
#if N % NR
        __global float* dst = dst0 + ((long)(N / NR) * K + k) * NR;
        const int j0 = N / NR * NR;   // the last, partial panel
        for (int jj = 0; jj < NR; ++jj) dst[jj] = j0 + jj < N ? src[j0 + jj] : 0.0f;
#endif
    }
}
#endif

// op(A) as stored has R rows of L floats (R = M, L = K, or transposed R = K, L = M).
#if TA
#define RA K
#define LA M
#else
#define RA M
#define LA K
#endif
#define NIB ((M + MR - 1) / MR)
// Row block ib of C covers rows i0(ib)..+MR: the last block is shifted up to end at row
// M (the host makes MR <= M). It recomputes rows of its neighbour, with the same
// values, so C has no row edge.
#define I0(ib) ((ib) * MR < M - MR ? (ib) * MR : M - MR)

// Row r of op(A) as stored starts A_ROW(r) floats past A + a_offset: rows one after
// another, or with GATHER the rows of a batch-major [G_B, G_T, L] array taken
// time-major (row r = element r % G_B of step r / G_B: a loop's steps of a fed
// [batch, time, ...] input read where the user's array lies). A gathered A is always
// packed, so that mm_cpu reads dense rows.
#ifdef GATHER
#define A_ROW(r) ((long)((r) % G_B) * G_T * LA + (long)((r) / G_B) * LA)
#else
#define A_ROW(r) ((long)(r) * LA)
#endif

#if PACK_A == 1
// Not transposed, L floats a multiple of 2 KiB: the MR rows a work-item of mm_cpu reads
// map to the same few cache sets and evict each other. Copy A to rows of
// LDA = L + 16 floats. Range (ceil(R/PR), 1, SA ? 1 : batch).
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void pack_a(__global float* restrict Ap, __global const float* restrict A, int a_offset KARG) {
    const int i0 = get_global_id(0) * PR;
    A += a_offset + (long)get_global_id(2) * M * K;
    Ap += (long)get_global_id(2) * RA * LDA;
    for (int i = i0; i < i0 + PR && i < RA; ++i) {
        __global const float* src = A + A_ROW(i);
        __global float* dst = Ap + (long)i * LDA;
        for (int l = 0; l < LA / VW; ++l) VSTORE(VLOAD(src + l * VW), dst + l * VW);
        for (int l = LA / VW * VW; l < LA; ++l) dst[l] = src[l];
    }
}
#elif PACK_A == 2
// Transposed A ([K, M]): a work-item of mm_cpu reads MR floats per k, each k on another
// row of A. Copy them to panels Ap[batch][ib][k][MR] that it reads in one stream.
// Range (ceil(K/PR), 1, SA ? 1 : batch): whole rows of A per work-item.
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void pack_a(__global float* restrict Ap, __global const float* restrict A, int a_offset KARG) {
    const int k0 = get_global_id(0) * PR;
    A += a_offset + (long)get_global_id(2) * M * K;
    Ap += (long)get_global_id(2) * NIB * MR * K;
    for (int k = k0; k < k0 + PR && k < K; ++k) {
        __global const float* src = A + A_ROW(k);
        for (int ib = 0; ib < NIB; ++ib) {
            __global float* dst = Ap + ((long)ib * K + k) * MR;
            #pragma unroll
            for (int r = 0; r < MR; ++r) dst[r] = src[I0(ib) + r];
        }
    }
}
#endif

// One MR x NR block of C per work-item. ORDER 0: range (ceil(M/MR), NJB, batch), so
// consecutive work-items share a B panel; ORDER 1: range (NJB, ceil(M/MR), batch), they
// share rows of A. A is op(A) as given (a_offset, row stride LA = LDA) or as packed
// by pack_a (PACK_A 1: row stride LDA; 2: panels).
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void mm_cpu(__global float* restrict C, __global const float* restrict A,
            __global const float* restrict Bp, int a_offset, int c_offset KARG) {
#if ORDER
    const int jb = get_global_id(0), ib = get_global_id(1);
#else
    const int ib = get_global_id(0), jb = get_global_id(1);
#endif
    const long batch = get_global_id(2);
    const int j0 = jb * NR;
    __global const VEC* bp =
        (__global const VEC*)(Bp + ((SB ? 0 : batch) * NJB + jb) * NR * (long)K);
    const int i0 = I0(ib);
#if PACK_A == 2
    __global const float* ap = A + ((SA ? 0 : batch) * NIB + ib) * MR * (long)K;
#define A_BLK(r, k) ap[(k) * MR + (r)]
#elif TA
    __global const float* ap = A + a_offset + (SA ? 0 : batch) * RA * (long)LDA + i0;
#define A_BLK(r, k) ap[(k) * LDA + (r)]
#else
    __global const float* ap = A + a_offset + (SA ? 0 : batch) * RA * (long)LDA + (long)i0 * LDA;
#define A_BLK(r, k) ap[(r) * LDA + (k)]
#endif
    VEC acc[MR][NV];
    #pragma unroll
    for (int r = 0; r < MR; ++r)
        #pragma unroll
        for (int v = 0; v < NV; ++v) acc[r][v] = (VEC)(0.0f);
    // a*b + acc rather than fma(): PoCL calls fma() out of line; with -cl-mad-enable
    // the compiler contracts this into vfmadd.
    #pragma unroll UNROLL
    for (int k = 0; k < K; ++k) {
        VEC b[NV];
        #pragma unroll
        for (int v = 0; v < NV; ++v) b[v] = bp[k * NV + v];
        #pragma unroll
        for (int r = 0; r < MR; ++r) {
            const VEC a = (VEC)(A_BLK(r, k));
            #pragma unroll
            for (int v = 0; v < NV; ++v) acc[r][v] = a * b[v] + acc[r][v];
        }
    }
    __global float* cp = C + c_offset + batch * M * N + (long)i0 * N + j0;
    if (j0 + NR <= N) {
        #pragma unroll
        for (int r = 0; r < MR; ++r)
            #pragma unroll
            for (int v = 0; v < NV; ++v) VSTORE(acc[r][v], cp + r * N + v * VW);
    } else {   // the ragged right edge of C
        #pragma unroll
        for (int r = 0; r < MR; ++r)
            #pragma unroll
            for (int v = 0; v < NV; ++v) {
                union { VEC v; float s[VW]; } t;
                t.v = acc[r][v];
                for (int jj = 0; jj < VW; ++jj)
                    if (j0 + v * VW + jj < N) cp[r * N + v * VW + jj] = t.s[jj];
            }
    }
}
#undef A_BLK
#ifdef KRUN
#undef K
#endif
#endif  // MM_CPU

#ifdef MM_GPU
// Range (ceil(N/TN)*TN/WN, ceil(M/TM)*TM/WM, batch), work-group (TN/WN, TM/WM, 1).
#define LX (TN / WN)
#define LY (TM / WM)
__kernel __attribute__((reqd_work_group_size(LX, LY, 1)))
void mm_gpu(__global float* restrict C, __global const float* restrict A,
            __global const float* restrict B, int a_offset, int b_offset, int c_offset) {
    __local float As[TK][TM + 1];   // +1: avoid bank conflicts on the transposed stores
    __local float Bs[TK][TN];
    const int lx = get_local_id(0), ly = get_local_id(1), lid = ly * LX + lx;
    const int i0 = get_group_id(1) * TM, j0 = get_group_id(0) * TN;
    const long batch = get_global_id(2);
    A += a_offset + (SA ? 0 : batch) * M * K;
    B += b_offset + (SB ? 0 : batch) * K * N;
    C += c_offset + batch * M * N;
    float acc[WM][WN];
    for (int r = 0; r < WM; ++r)
        for (int c = 0; c < WN; ++c) acc[r][c] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TK) {
        // cooperative loads, zero past the edges
        for (int e = lid; e < TM * TK; e += LX * LY) {
#if TA
            const int r = e % TM, kk = e / TM;   // consecutive work-items: consecutive i
#else
            const int kk = e % TK, r = e / TK;   // consecutive work-items: consecutive k
#endif
            const int i = i0 + r, k = k0 + kk;
            As[kk][r] = (i < M && k < K) ? A_AT(i, k) : 0.0f;
        }
        for (int e = lid; e < TK * TN; e += LX * LY) {
#if TB
            const int kk = e % TK, c = e / TK;
#else
            const int c = e % TN, kk = e / TN;
#endif
            const int j = j0 + c, k = k0 + kk;
            Bs[kk][c] = (j < N && k < K) ? B_AT(k, j) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; ++kk) {
            float a[WM], b[WN];
            for (int r = 0; r < WM; ++r) a[r] = As[kk][ly + r * LY];
            for (int c = 0; c < WN; ++c) b[c] = Bs[kk][lx + c * LX];
            for (int r = 0; r < WM; ++r)
                for (int c = 0; c < WN; ++c) acc[r][c] = mad(a[r], b[c], acc[r][c]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int r = 0; r < WM; ++r) {
        const int i = i0 + ly + r * LY;
        for (int c = 0; c < WN; ++c) {
            const int j = j0 + lx + c * LX;
            if (i < M && j < N) C[(long)i * N + j] = acc[r][c];
        }
    }
}
#endif  // MM_GPU

#undef A_AT
#undef B_AT

// C[M,N] = op(A) @ B[K,N] in float32 for CPU devices: each work-item holds an RM x 16
// block of C in float16 registers and streams one row of B per k, so PoCL turns the
// inner loop into wide vector FMAs. The work-group size is fixed so that PoCL does
// not vectorize across work-items on top. M, N, K, TA (A is stored [K,M]), BATCHED and SUFFIX
// are #defined by the plan; with BATCHED, dimension 2 of the range is the batch.
#define RM 8
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#if TA
#define A_AT(i, k) A[(k) * M + (i)]
#else
#define A_AT(i, k) A[(i) * K + (k)]
#endif

__kernel __attribute__((reqd_work_group_size(4, 1, 1)))
void CAT(matmul_cpu, SUFFIX)(__global float* C, __global const float* A,
                             __global const float* B) {
    const int j0 = get_global_id(0) * 16, i0 = get_global_id(1) * RM;
    if (j0 >= N || i0 >= M) return;
#if BATCHED
    const long batch = get_global_id(2);
    A += batch * M * K;
    B += batch * K * N;
    C += batch * M * N;
#endif
    if (j0 + 16 <= N && i0 + RM <= M) {
        float16 acc[RM];
        for (int r = 0; r < RM; ++r) acc[r] = (float16)(0.0f);
        for (int k = 0; k < K; ++k) {
            const float16 b = vload16(0, B + k * N + j0);
            for (int r = 0; r < RM; ++r) acc[r] += A_AT(i0 + r, k) * b;
        }
        for (int r = 0; r < RM; ++r) vstore16(acc[r], 0, C + (i0 + r) * N + j0);
        return;
    }
    for (int r = 0; r < RM && i0 + r < M; ++r)   // the ragged edge of C
        for (int j = j0; j < j0 + 16 && j < N; ++j) {
            float s = 0.0f;
            for (int k = 0; k < K; ++k) s = fma(A_AT(i0 + r, k), B[k * N + j], s);
            C[(i0 + r) * N + j] = s;
        }
}
#undef RM
#undef CAT2
#undef CAT
#undef A_AT

// The same product for GPUs: 16x16 tiles of A and B staged in local memory, one C
// element per work-item. (Same #defines; B is [K,N].)
#define TILE 16
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#if TA
#define A_AT(i, k) A[(k) * M + (i)]
#else
#define A_AT(i, k) A[(i) * K + (k)]
#endif
__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void CAT(matmul_tiled, SUFFIX)(__global float* C, __global const float* A,
                               __global const float* B) {
    __local float a_tile[TILE][TILE], b_tile[TILE][TILE];
    const int lj = get_local_id(0), li = get_local_id(1);
    const int j = get_group_id(0) * TILE + lj, i = get_group_id(1) * TILE + li;
#if BATCHED
    const long batch = get_global_id(2);
    A += batch * M * K;
    B += batch * K * N;
    C += batch * M * N;
#endif
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TILE) {
        a_tile[li][lj] = (i < M && k0 + lj < K) ? A_AT(i, k0 + lj) : 0.0f;
        b_tile[li][lj] = (k0 + li < K && j < N) ? B[(k0 + li) * N + j] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TILE; ++k) acc += a_tile[li][k] * b_tile[k][lj];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < M && j < N) C[i * N + j] = acc;
}
#undef TILE
#undef CAT2
#undef CAT
#undef A_AT

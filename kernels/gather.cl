// Picking and scattering by index: T is the element type, IT the index type, K(name) a
// name for that pair (the file is included once per pair; see lower_array.library2).
// Index errors set flag[0]; the host then reports the reference's message.
// Grids: (inner, mid, outer) with the first dim possibly rounded up, or, when inner is 1
// (flat = 1), (mid, outer); kernels check their bounds.

// GatherV2: params viewed as [outer, n, inner], m indices; out is [outer, m, inner].
__kernel void K(gather)(__global T* out, __global const T* params,
                        __global const IT* indices, __global int* flag, const long m,
                        const long n, const long inner, const int flat) {
    const long a = get_global_id(0), b = get_global_id(1);
    const long i = flat ? 0 : a, j = flat ? a : b, o = flat ? b : get_global_id(2);
    if (i >= inner || j >= m) return;
    const long g = (o * m + j) * inner + i;
    const long k = (long)indices[j];
    if (k < 0 || k >= n) {
        flag[0] = 1;
        out[g] = 0;
        return;
    }
    out[g] = params[(o * n + k) * inner + i];
}

// Index checks alone, for results with no elements (the reference still rejects
// out-of-range indices): one work-item per index.
__kernel void K(check_indices)(__global const IT* indices, __global int* flag,
                               const long limit, const int check_negative, const long n) {
    const long j = get_global_id(0);
    if (j >= n) return;
    const long k = (long)indices[j];
    if (k >= limit || (check_negative && k < 0)) flag[0] = 1;
}

// UnsortedSegmentSum, few ids: one work-item per output element scans all ids, adding
// matching rows in id order (the reference's order: deterministic, no atomics).
// Negative ids are dropped; ids >= num raise the flag.
// Grid: (inner, num) or (num) when inner is 1.
__kernel void K(segment_sum)(__global T* out, __global const T* data,
                             __global const IT* ids, __global int* flag, const long n_ids,
                             const long num, const long inner, const int flat) {
    const long a = get_global_id(0);
    const long i = flat ? 0 : a, s = flat ? a : get_global_id(1);
    if (i >= inner || s >= num) return;
    const long g = s * inner + i;
    T acc = 0;
    for (long j = 0; j < n_ids; ++j) {
        const long id = (long)ids[j];
        if (id >= num) flag[0] = 1;
        else if (id == s) acc += data[j * inner + i];
    }
    out[g] = acc;
}

// UnsortedSegmentSum, many ids, pass 1 (a single work-item): a stable counting sort of
// the row numbers by id. Afterwards rows of segment s are order[ends[s-1] .. ends[s]).
__kernel void K(segment_order)(__global long* ends, __global long* order,
                               __global const IT* ids, __global int* flag, const long n_ids,
                               const long num) {
    if (get_global_id(0) != 0) return;
    for (long s = 0; s < num; ++s) ends[s] = 0;
    for (long j = 0; j < n_ids; ++j) {
        const long id = (long)ids[j];
        if (id >= num) flag[0] = 1;
        else if (id >= 0) ends[id] += 1;
    }
    long start = 0;
    for (long s = 0; s < num; ++s) {
        const long count = ends[s];
        ends[s] = start;
        start += count;
    }
    for (long j = 0; j < n_ids; ++j) {
        const long id = (long)ids[j];
        if (id >= 0 && id < num) order[ends[id]++] = j;
    }
}

// Pass 2: one work-item per output element sums its segment's rows, in row order.
__kernel void K(segment_sum_sorted)(__global T* out, __global const T* data,
                                    __global const long* ends, __global const long* order,
                                    const long num, const long inner, const int flat) {
    const long a = get_global_id(0);
    const long i = flat ? 0 : a, s = flat ? a : get_global_id(1);
    if (i >= inner || s >= num) return;
    const long g = s * inner + i;
    const long end = ends[s];
    T acc = 0;
    for (long p = s ? ends[s - 1] : 0; p < end; ++p) acc += data[order[p] * inner + i];
    out[g] = acc;
}

// OneHot: indices viewed as [outer, inner]; out is [outer, depth, inner].
__kernel void K(one_hot)(__global T* out, __global const IT* indices, __global const T* on,
                         __global const T* off, const long depth, const long inner,
                         const int flat) {
    const long a = get_global_id(0), b = get_global_id(1);
    const long i = flat ? 0 : a, d = flat ? a : b, o = flat ? b : get_global_id(2);
    if (i >= inner || d >= depth) return;
    out[(o * depth + d) * inner + i] = (long)indices[o * inner + i] == d ? on[0] : off[0];
}

// The bases of a strided copy (array.cl's strided_copy_at) when the view starts at
// indices known only at run time (a tensor index x[i], a slice at a computed begin):
// fixed = [dbase, sbase, then per entry (position in begin, wrap added to a negative
// index (0: none), stride, limit)]; base `which` (0: destination, 1: source) moves by
// index * stride per entry; an index outside [0, limit) raises the flag (and counts as
// 0, so the copy stays in bounds). A single work-item.
__kernel void K(dynamic_base)(__global long* bases, __global const long* fixed,
                              __global const IT* begin, __global int* flag,
                              const int n_entries, const int which) {
    if (get_global_id(0) != 0) return;
    __global const long* e = fixed + 2;
    long base = fixed[which];
    for (int k = 0; k < n_entries; ++k, e += 4) {
        long index = (long)begin[e[0]];
        if (index < 0) index += e[1];
        if (index < 0 || index >= e[3]) {
            flag[0] = 1;
            index = 0;
        }
        base += index * e[2];
    }
    bases[0] = fixed[0];
    bases[1] = fixed[1];
    bases[which] = base;
}

// Row-wise kernels of tf.nn, one work-item per row of a [rows, cols] matrix. T is the
// element type and K(name) the kernel's name for that type (see lowerings.library).
// K(tg_exp) etc. are kernels/fastmath.cl's functions for T (PoCL's builtins are slow).

// The row's maximum and log(sum(exp(x - max))): the stable parts of every softmax below.
inline T K(row_lse)(const __global T* x, const long cols, T* max_out) {
    T m = -INFINITY;
    for (long c = 0; c < cols; ++c) m = x[c] > m ? x[c] : m;   // as fmax: skips NaN
    T s = 0;
    for (long c = 0; c < cols; ++c) s += K(tg_exp)(x[c] - m);
    *max_out = m;
    return K(tg_log)(s);
}

// Softmax (log_out = 0) or log-softmax (log_out = 1) of each row, shifted by the row's
// maximum so that exp never overflows.
__kernel void K(softmax)(__global T* out, __global const T* x, const long rows,
                         const long cols, const int log_out) {
    const long r = get_global_id(0);
    if (r >= rows) return;
    x += r * cols;
    out += r * cols;
    T m;
    const T lse = K(row_lse)(x, cols, &m);
    for (long c = 0; c < cols; ++c)
        out[c] = log_out ? x[c] - m - lse : K(tg_exp)(x[c] - m - lse);
}

// Softmax cross-entropy against dense label rows: the loss per row and its gradient
// (softmax - labels), which the op outputs as its second result.
__kernel void K(softmax_xent)(__global T* loss, __global T* backprop, __global const T* x,
                              __global const T* labels, const long rows, const long cols) {
    const long r = get_global_id(0);
    if (r >= rows) return;
    x += r * cols;
    labels += r * cols;
    backprop += r * cols;
    T m;
    const T lse = K(row_lse)(x, cols, &m);
    T total = 0;
    for (long c = 0; c < cols; ++c) {
        total += labels[c] * (lse - (x[c] - m));
        backprop[c] = K(tg_exp)(x[c] - m - lse) - labels[c];
    }
    loss[r] = total;
}

// The same with one class index per row. A label outside [0, cols) raises the error
// flag (flag[1] holds the label) and makes the row NaN.
__kernel void K(sparse_xent)(__global T* loss, __global T* backprop, __global const T* x,
                             __global const long* labels, const long rows, const long cols,
                             __global int* flag) {
    const long r = get_global_id(0);
    if (r >= rows) return;
    const long label = labels[r];
    x += r * cols;
    backprop += r * cols;
    if (label < 0 || label >= cols) {
        flag[0] = 1;
        flag[1] = (int)label;
        loss[r] = NAN;
        for (long c = 0; c < cols; ++c) backprop[c] = NAN;
        return;
    }
    T m;
    const T lse = K(row_lse)(x, cols, &m);
    for (long c = 0; c < cols; ++c) backprop[c] = K(tg_exp)(x[c] - m - lse) - (c == label ? 1 : 0);
    loss[r] = lse - (x[label] - m);
}

// tf.nn.in_top_k: the target is in the top k when fewer than k predictions in its row
// are strictly larger; a non-finite row or a target out of range gives false.
__kernel void K(in_top_k)(__global uchar* out, __global const T* pred,
                          __global const long* targets, const long rows, const long cols,
                          const long k) {
    const long r = get_global_id(0);
    if (r >= rows) return;
    const long t = targets[r];
    pred += r * cols;
    if (t < 0 || t >= cols) { out[r] = 0; return; }
    const T target = pred[t];
    long larger = 0;
    int finite = 1;
    for (long c = 0; c < cols; ++c) {
        finite &= K(tg_isfinite)(pred[c]) ? 1 : 0;
        larger += pred[c] > target;
    }
    out[r] = finite && larger < k;
}

// The column sums of a [rows, cols] matrix (a bias gradient): each work-item sums eight
// neighbouring columns down all rows with vector loads, so that consecutive rows are
// read in order (a work-item per column, reading down its column, missed the cache).
#define TG_VEC8_(t) t##8
#define TG_VEC8(t) TG_VEC8_(t)
__kernel void K(column_sums)(__global T* out, __global const T* x, const long offset,
                             const long rows, const long cols) {
    const long c = get_global_id(0) * 8;
    if (c >= cols) return;
    x += offset + c;
    if (c + 8 <= cols) {
        TG_VEC8(T) a = (TG_VEC8(T))(0), b = (TG_VEC8(T))(0);
        long r = 0;
        for (; r + 1 < rows; r += 2) {
            a += vload8(0, x + r * cols);
            b += vload8(0, x + (r + 1) * cols);
        }
        if (r < rows) a += vload8(0, x + r * cols);
        vstore8(a + b, 0, out + c);
        return;
    }
    for (long j = 0; c + j < cols; ++j) {
        T s = 0;
        for (long r = 0; r < rows; ++r) s += x[r * cols + j];
        out[c + j] = s;
    }
}

// Filling a buffer with one value: T is the element type, K(name) the kernel's name
// for that type (the file is included once per type; see lowerings.library).
__kernel void K(fill)(__global T* out, const T value, const long n) {
    const long i = get_global_id(0);
    if (i < n) out[i] = value;
}

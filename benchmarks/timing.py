"""The benchmarks' one way to time: the median wall time of fn() over `repeats` calls,
after one untimed call (which compiles the plans)."""
import statistics
import time


def median_seconds(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)

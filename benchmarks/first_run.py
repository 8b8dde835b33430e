"""First-run latency of a fresh process: build a small graph (a dense layer, softmax
cross-entropy, a gradient step) and run it once, with a cold kernel cache (an empty
cache folder) and then warm (the same folder again). Medians over several processes.

    python benchmarks/first_run.py [--rounds 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

PROGRAM = r"""
import time
start = time.perf_counter()
import numpy as np
import tinygraph as tf
X = tf.placeholder(tf.float32, [None, 20])
y = tf.placeholder(tf.int32, [None])
logits = tf.layers.dense(tf.layers.dense(X, 32, activation=tf.nn.relu), 5)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run([step, loss], {X: np.ones((8, 20), np.float32), y: np.zeros(8, np.int32)})
print(time.perf_counter() - start)
"""


def one_process(cache):
    env = {**os.environ, "TINYGRAPH_CACHE": cache, "XDG_CACHE_HOME": cache}
    env.pop("POCL_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(one_process(cache))
            warm.append(one_process(cache))
    print(f"first run of a fresh process (import + build + init + one step), "
          f"{os.environ.get('TINYGRAPH_DEVICE') or 'default device'}:")
    print(f"  cold kernel cache: median {statistics.median(cold):.3f} s over {args.rounds}")
    print(f"  warm kernel cache: median {statistics.median(warm):.3f} s over {args.rounds}")


if __name__ == "__main__":
    main()

"""The smallest TF1 training program: fit y = 3x + 2 by gradient descent on a
placeholder-fed batch, printing the loss as it falls. Runs unchanged on TensorFlow 1.x."""
import numpy as np

import tinygraph as tf

np.random.seed(42)
tf.set_random_seed(42)

x_data = np.random.rand(200, 1).astype(np.float32)
y_data = 3.0 * x_data + 2.0 + 0.05 * np.random.randn(200, 1).astype(np.float32)

X = tf.placeholder(tf.float32, shape=(None, 1), name="X")
y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
w = tf.Variable(tf.random_uniform([1, 1], -1.0, 1.0), name="w")
b = tf.Variable(tf.zeros([1]), name="b")
y_pred = tf.matmul(X, w) + b
mse = tf.reduce_mean(tf.square(y_pred - y), name="mse")
training_op = tf.train.GradientDescentOptimizer(learning_rate=0.5).minimize(mse)

init = tf.global_variables_initializer()
with tf.Session() as sess:
    init.run()
    for step in range(201):
        _, loss = sess.run([training_op, mse], feed_dict={X: x_data, y: y_data})
        if step % 20 == 0:
            print(f"step {step:3d}  MSE {loss:.6f}")
    w_val, b_val = sess.run([w, b])
    print(f"learned y = {w_val[0, 0]:.3f} x + {b_val[0]:.3f}  (true: y = 3 x + 2)")

import numpy as np

import tinygraph as tf
from gradcheck import check_forward, check_gradients


def test_matmul_add_forward_and_gradient(backend):
    a, b = np.random.randn(3, 4), np.random.randn(4, 2)
    check_forward(lambda x, y: tf.matmul(x, y) + 1.0, lambda x, y: x @ y + 1.0, [a, b], backend)
    check_gradients(lambda x, y: tf.tanh(tf.matmul(x, y)), [a, b], backend=backend)

"""MNIST as Géron's chapter-14 notebook prepares it, shared by the programs
ch14_mnist_classifier, ch14_mnist_multilayer and ch14_mnist_lstm as the notebook's
cells share it: pixels scaled to [0, 1] and flattened to 784 values, int32 labels, the
first 5,000 training images set apart for validation, and shuffle_batch(). The data are
read on import (tinygraph finds the files in $TINYGRAPH_DATA/mnist or its cache). Not a
program itself."""
import numpy as np

import tinygraph as tf

(X_train, y_train), (X_test, y_test) = tf.keras.datasets.mnist.load_data()
X_train = X_train.astype(np.float32).reshape(-1, 28*28) / 255.0
X_test = X_test.astype(np.float32).reshape(-1, 28*28) / 255.0
y_train = y_train.astype(np.int32)
y_test = y_test.astype(np.int32)
X_valid, X_train = X_train[:5000], X_train[5000:]
y_valid, y_train = y_train[:5000], y_train[5000:]


def shuffle_batch(X, y, batch_size):
    rnd_idx = np.random.permutation(len(X))
    n_batches = len(X) // batch_size
    for batch_idx in np.array_split(rnd_idx, n_batches):
        X_batch, y_batch = X[batch_idx], y[batch_idx]
        yield X_batch, y_batch

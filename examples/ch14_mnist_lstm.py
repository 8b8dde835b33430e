"""LSTM cells classifying MNIST (Géron, chapter 14).

Three layers of 150 BasicLSTMCells stacked in a MultiRNNCell read each image as 28 rows
of 28 pixels; a dense layer on the top layer's final short-term state h (states[-1][1])
gives the 10 logits, trained with Adam. After each epoch it prints the accuracy on the
last batch and on the test set (the book: about 0.956 after the first epoch, 0.987
after ten). Then the chapter's two other cells, an LSTMCell with peepholes and a
GRUCell, are each run untrained over one test batch in a graph of their own."""
import numpy as np

import tinygraph as tf
from tinygraph.examples.mnist_data import (X_test, X_train, shuffle_batch, y_test,
                                           y_train)
from tinygraph.replay import book


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


reset_graph()

n_steps = 28
n_inputs = 28
n_neurons = 150
n_outputs = 10
n_layers = 3

learning_rate = 0.001

X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
y = tf.placeholder(tf.int32, [None])

lstm_cells = [tf.nn.rnn_cell.BasicLSTMCell(num_units=n_neurons)
              for layer in range(n_layers)]
multi_cell = tf.nn.rnn_cell.MultiRNNCell(lstm_cells)
outputs, states = tf.nn.dynamic_rnn(multi_cell, X, dtype=tf.float32)
top_layer_h_state = states[-1][1]
logits = tf.layers.dense(top_layer_h_state, n_outputs, name="softmax")
xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
loss = tf.reduce_mean(xentropy, name="loss")
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)
correct = tf.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

init = tf.global_variables_initializer()

X_test = X_test.reshape((-1, n_steps, n_inputs))

n_epochs = book.epochs(10)
batch_size = 150
n_batches = book.iterations(len(X_train) // batch_size, 50)   # --quick: 50 batches

with tf.Session() as sess:
    init.run()
    for epoch in range(n_epochs):
        bar = book.progress(range(n_batches), desc="epoch %d" % epoch)
        for _, (X_batch, y_batch) in zip(bar, shuffle_batch(X_train, y_train, batch_size)):
            X_batch = X_batch.reshape((-1, n_steps, n_inputs))
            _, loss_val = sess.run([training_op, loss], feed_dict={X: X_batch, y: y_batch})
            bar.set_postfix(loss=loss_val, refresh=False)
        acc_batch = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
        acc_test = accuracy.eval(feed_dict={X: X_test, y: y_test})
        print(epoch, "Last batch accuracy:", acc_batch, "Test accuracy:", acc_test)


def final_state(cell):
    """`cell`'s final state after reading the first test batch: the cell is untrained,
    just initialized, and runs under dynamic_rnn in the current graph."""
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    with tf.Session() as sess:
        tf.global_variables_initializer().run()
        return sess.run(states, feed_dict={X: X_test[:batch_size]})


reset_graph()
lstm_cell = tf.nn.rnn_cell.LSTMCell(num_units=n_neurons, use_peepholes=True)
peephole_state = final_state(lstm_cell)
print("LSTMCell(use_peepholes=True) final state: c", peephole_state.c.shape,
      "h", peephole_state.h.shape, "mean |h|:", np.abs(peephole_state.h).mean())

reset_graph()
gru_cell = tf.nn.rnn_cell.GRUCell(num_units=n_neurons)
gru_state = final_state(gru_cell)
print("GRUCell final state:", gru_state.shape, "mean |h|:", np.abs(gru_state).mean())

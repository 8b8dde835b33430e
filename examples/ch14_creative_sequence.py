"""Generating a creative new sequence (Géron, chapter 14).

The time-series model trained without an OutputProjectionWrapper, restored from
./my_time_series_model, predicts the value that follows its last 20 inputs; appending
each prediction to the input and predicting again generates a whole new sequence, from a
seed of 20 zeros or from a piece of the series (images/rnn/creative_sequence_plot.png).
When the folder has no such checkpoint, the model is trained first, by running
ch14_time_series_dense."""
import runpy

import numpy as np

import tinygraph as tf
from tinygraph.examples.time_series_data import resolution, t, t_max, t_min, time_series
from tinygraph.replay import book

# The notebook's session still holds the graph of the previous section. Here its program
# builds that graph again; run as "__main__" it also trains the model and saves it. The
# checkpoint may also be ch14_time_series's (same file name, other variables).
DENSE = "tinygraph.examples.ch14_time_series_dense"
saved = (tf.train.checkpoint_exists("./my_time_series_model") and
         "dense/kernel" in dict(tf.train.list_variables("./my_time_series_model")))
model = runpy.run_module(DENSE, run_name="time_series_dense" if saved else "__main__")
X, outputs, saver = model["X"], model["outputs"], model["saver"]
n_steps = model["n_steps"]

with tf.Session() as sess:                        # not shown in the book
    saver.restore(sess, "./my_time_series_model") # not shown

    sequence = [0.] * n_steps
    for iteration in book.progress(range(300), desc="creative sequence"):
        X_batch = np.array(sequence[-n_steps:]).reshape(1, n_steps, 1)
        y_pred = sess.run(outputs, feed_dict={X: X_batch})
        sequence.append(y_pred[0, -1, 0])

with book.figure("creative_sequence_zeros_plot", figsize=(8, 4)) as plt:
    if plt is not None:
        plt.plot(np.arange(len(sequence)), sequence, "b-")
        plt.plot(t[:n_steps], sequence[:n_steps], "b-", linewidth=3)
        plt.xlabel("Time")
        plt.ylabel("Value")

with tf.Session() as sess:
    saver.restore(sess, "./my_time_series_model")

    sequence1 = [0. for i in range(n_steps)]
    for iteration in book.progress(range(len(t) - n_steps), desc="from zeros"):
        X_batch = np.array(sequence1[-n_steps:]).reshape(1, n_steps, 1)
        y_pred = sess.run(outputs, feed_dict={X: X_batch})
        sequence1.append(y_pred[0, -1, 0])

    sequence2 = [time_series(i * resolution + t_min + (t_max-t_min/3)) for i in range(n_steps)]
    for iteration in book.progress(range(len(t) - n_steps), desc="from the series"):
        X_batch = np.array(sequence2[-n_steps:]).reshape(1, n_steps, 1)
        y_pred = sess.run(outputs, feed_dict={X: X_batch})
        sequence2.append(y_pred[0, -1, 0])

with book.figure("creative_sequence_plot", figsize=(11, 4)) as plt:
    if plt is not None:
        plt.subplot(121)
        plt.plot(t, sequence1, "b-")
        plt.plot(t[:n_steps], sequence1[:n_steps], "b-", linewidth=3)
        plt.xlabel("Time")
        plt.ylabel("Value")

        plt.subplot(122)
        plt.plot(t, sequence2, "b-")
        plt.plot(t[:n_steps], sequence2[:n_steps], "b-", linewidth=3)
        plt.xlabel("Time")

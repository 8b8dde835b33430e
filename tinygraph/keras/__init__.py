"""The corner of `tf.keras` the TF1 literature reaches for: `tf.keras.datasets.mnist`."""
from . import datasets

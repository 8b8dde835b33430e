"""tf.contrib: the parts of TF 1.15's contrib that the book's programs use."""
from . import rnn  # noqa: F401

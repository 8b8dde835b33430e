"""tf.nn.rnn_cell: the cells (re-exports only; they live in rnn_cell_impl)."""
from .rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper,  # noqa: F401
                            DropoutWrapper, GRUCell, LSTMCell, LSTMStateTuple, MultiRNNCell,
                            ResidualWrapper, RNNCell)

"""tf.nn.rnn_cell: the cells (re-exports only; they live in rnn_cell_impl and
rnn_cell_wrappers)."""
from .rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, GRUCell, LSTMCell,  # noqa: F401
                            LSTMStateTuple, RNNCell)
from .rnn_cell_wrappers import (DeviceWrapper, DropoutWrapper, MultiRNNCell,  # noqa: F401
                                ResidualWrapper)

"""tf.contrib.rnn: the cells, wrappers and unrolling functions (re-exports only)."""
from ..nn.recurrent import static_bidirectional_rnn, static_rnn  # noqa: F401
from ..nn.recurrent import static_rnn as static_rnn_v1  # noqa: F401
from ..nn.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, GRUCell,  # noqa: F401
                                LayerRNNCell, LSTMCell, LSTMStateTuple, RNNCell)
from ..nn.rnn_cell_wrappers import (DeviceWrapper, DropoutWrapper,  # noqa: F401
                                    MultiRNNCell, OutputProjectionWrapper, ResidualWrapper)

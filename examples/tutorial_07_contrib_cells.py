"""Ready-made cells (TF1 RNN tutorial, script 07).

TF's own cells instead of a home-made one, each over the sequence [1, 2, 3] with a
length of 2 and zero initial states: BasicRNNCell (tanh), GRUCell and LSTMCell, whose
state is an LSTMStateTuple (c, h) with two initial states. Their weights are
random, so the numbers change from run to run; the zeros at the third step and the
final states equal to the second step's outputs do not."""
import tinygraph as tf
from tinygraph.examples import tutorial_common

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Model(tutorial_common.Model):

    def build(self):
        # The sequence [1, 2, 3] with a length of 2, and a zero initial state.
        (batch_init_states, seqs, seq_len) = tutorial_common.toy_inputs()

        # A simple RNN of 2 units with tanh:
        #   s(t) = tanh([x(t), s(t-1)] W + b)
        srnn_cell = tf.contrib.rnn.BasicRNNCell(2, tf.tanh)
        (srnn_outputs, srnn_state) = tf.nn.dynamic_rnn(
            srnn_cell, seqs, sequence_length=seq_len, initial_state=batch_init_states)

        # A gated recurrent unit of 2 units, with the reset gate r and update gate u:
        #   [r, u] = sigmoid([x(t), s(t-1)] W_g + b_g)
        #   s(t) = u s(t-1) + (1 - u) tanh([x(t), r s(t-1)] W_s + b_s)
        gru_cell = tf.contrib.rnn.GRUCell(2)
        (gru_outputs, gru_state) = tf.nn.dynamic_rnn(
            gru_cell, seqs, sequence_length=seq_len, initial_state=batch_init_states)

        # A long short-term memory of 2 units: a hidden state h (the output, and what is
        # usually taken as the final state) and a cell state c, each with its own
        # initial state. With the input, forget and output gates i, f, o:
        #   [i, g, f, o] = [x(t), h(t-1)] W + b
        #   c(t) = sigmoid(f + 1) c(t-1) + sigmoid(i) tanh(g)
        #   h(t) = sigmoid(o) tanh(c(t))
        lstm_cell = tf.nn.rnn_cell.LSTMCell(2)
        (lstm_outputs, lstm_state) = tf.nn.dynamic_rnn(
            lstm_cell, seqs, sequence_length=seq_len,
            initial_state=tf.contrib.rnn.LSTMStateTuple(h=batch_init_states, c=batch_init_states))

        self.outputs = [srnn_outputs, srnn_state, gru_outputs, gru_state,
                        lstm_outputs, lstm_state.h, lstm_state.c]


###################################
model = Model()
model.initialise()
[srnn_outputs, srnn_state, gru_outputs, gru_state, lstm_outputs, lstm_state_h, lstm_state_c] = \
    model.output()
print('srnn_outputs:')
print(srnn_outputs)
print('srnn_state:')
print(srnn_state)
print()
print('gru_outputs')
print(gru_outputs)
print('gru_state')
print(gru_state)
print()
print('lstm_outputs:')
print(lstm_outputs)
print('lstm_state_h:')
print(lstm_state_h)
print('lstm_state_c:')
print(lstm_state_c)

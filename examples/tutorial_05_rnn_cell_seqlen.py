"""Sequence lengths (TF1 RNN tutorial, script 05).

Script 02's cell (the state is the input, the output its negation) over the sequence
[1, 2, 3], told by dynamic_rnn's sequence_length that only the first two steps are
real: the output at the third step is zeros and the final state is the state after
the second step. The length is given as a float, as the tutorial does; dynamic_rnn
casts it to int32."""
import tinygraph as tf
from tinygraph.examples import tutorial_common

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Cell(tf.nn.rnn_cell.RNNCell):
    # (No variables: RNNCell's own __init__ and build will do.)

    @property
    def state_size(self):
        return 2

    @property
    def output_size(self):
        return 2

    def call(self, x, curr_state):
        new_state = x
        new_output = -x
        return (new_output, new_state)


###################################
class Model(tutorial_common.Model):

    def build(self):
        # The sequence [1, 2, 3], with a length of 2 given as a float.
        (batch_init_states, seqs, seq_len) = tutorial_common.toy_inputs(tf.float32)

        cell = Cell()
        self.outputs = list(tf.nn.dynamic_rnn(cell, seqs, sequence_length=seq_len,
                                              initial_state=batch_init_states))


###################################
model = Model()
[outputs, state] = model.output()
print('outputs:')
print(outputs)
print('state:', state)
model.close()

"""RNN cell extras: tuple states and outputs (TF1 RNN tutorial, script 03).

A cell's state and output can each be a tuple of tensors; `state_size` and
`output_size` then give one size per tensor, and dynamic_rnn returns the same
structure. This cell keeps two running sums: the first adds up the inputs, the
second adds up the first. Over [1, 2, 3] (twice, one per unit) the outputs are
1, 3, 6 and 1, 4, 10."""
import tinygraph as tf
from tinygraph.examples import tutorial_common

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Cell(tf.nn.rnn_cell.RNNCell):
    # (No variables: RNNCell's own __init__ and build will do.)

    @property
    def state_size(self):
        return (2, 2)   # the size of each vector in the state tuple

    @property
    def output_size(self):
        return (2, 2)   # the size of each vector in the output tuple

    def call(self, x, curr_state):
        (curr_state1, curr_state2) = curr_state

        new_state1 = curr_state1 + x
        new_output1 = new_state1

        new_state2 = curr_state2 + new_state1
        new_output2 = new_state2

        return ((new_output1, new_output2), (new_state1, new_state2))


###################################
class Model(tutorial_common.Model):

    def build(self):
        num_inputs = 1

        # One initial state per vector of the tuple.
        init_state1 = tf.constant([0, 0], tf.float32, [2], 'init')
        init_state2 = tf.constant([0, 0], tf.float32, [2], 'init')

        batch_init_states1 = tf.tile(tf.reshape(init_state1, [1, 2]), [num_inputs, 1])
        batch_init_states2 = tf.tile(tf.reshape(init_state2, [1, 2]), [num_inputs, 1])

        batch_init_states = (batch_init_states1, batch_init_states2)

        seqs = tf.constant([
            [[1, 1], [2, 2], [3, 3]],
        ], tf.float32, [1, 3, 2], 'seqs')

        cell = Cell()
        ((outputs1, outputs2), (state1, state2)) = tf.nn.dynamic_rnn(
            cell, seqs, initial_state=batch_init_states)

        self.outputs = [outputs1, outputs2, state1, state2]


###################################
model = Model()
[outputs1, outputs2, state1, state2] = model.output()
print('outputs1:')
print(outputs1)
print('outputs2:')
print(outputs2)
print('state1:', state1)
print('state2:', state2)
model.close()

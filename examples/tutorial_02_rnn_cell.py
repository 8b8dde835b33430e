"""An RNN cell (TF1 RNN tutorial, script 02).

A subclass of tf.nn.rnn_cell.RNNCell says how an input and a state make the next
state (`call`), with `state_size`/`output_size` properties and a `build` method for
its variables (none here). This cell's new state is the input and its output the
negated input. Called once like a function on one input, then run over a
three-step sequence by dynamic_rnn, which stacks the outputs and returns the last
state."""
import tinygraph as tf
from tinygraph.examples import tutorial_common

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Cell(tf.nn.rnn_cell.RNNCell):
    """s(t+1) = x(t) and o(t+1) = -x(t)."""

    def __init__(self):
        super().__init__()

    @property
    def state_size(self):
        return 2

    @property
    def output_size(self):
        return 2

    # Where the cell's variables would be made; called once, before the first call.
    def build(self, input_shape):
        print('build - input_shape:', input_shape)
        self.built = True

    # Under dynamic_rnn, x and curr_state are the loop's tensors for one time step
    # (batch x 2: no time axis), as the prints show.
    def call(self, x, curr_state):
        print('curr_state:', curr_state)
        print('x:', x)
        print()

        new_state = x
        new_output = -x
        return (new_output, new_state)


###################################
class Model(tutorial_common.Model):

    def build(self):
        num_inputs = 1

        init_state = tf.constant([0, 0], tf.float32, [2], 'init')

        # One initial state per sequence in the batch.
        batch_init_states = tf.tile(tf.reshape(init_state, [1, 2]), [num_inputs, 1])

        # The cell used as a function on a single input and state.
        input_vec = tf.constant([1, 1], tf.float32, [2])

        cell = Cell()
        (output_cell, state_cell) = cell(input_vec, batch_init_states)

        # The cell run over a whole sequence (a batch of one sequence of 3 steps).
        seqs = tf.constant([
            [[1, 1], [2, 2], [3, 3]],
        ], tf.float32, [1, 3, 2], 'seqs')

        cell = Cell()
        (outputs, state) = tf.nn.dynamic_rnn(cell, seqs, initial_state=batch_init_states)

        self.outputs = [output_cell, state_cell, outputs, state]


###################################
model = Model()
[output_cell, state_cell, outputs, state] = model.output()
print('output_cell:', output_cell)
print('state_cell:', state_cell)
print('outputs:')
print(outputs)
print('state:', state)
model.close()

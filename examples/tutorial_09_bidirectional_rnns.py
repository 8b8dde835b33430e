"""Bidirectional RNNs (TF1 RNN tutorial, script 09).

bidirectional_dynamic_rnn reads the sequence [1, 2, 3] (length 2) forwards with one
cell and backwards with another, both script 04's tanh cell. Concatenating the two
final states encodes the whole sequence; concatenating the outputs step by step gives
each element its left and right context. The backward outputs come back in the
sequence's order, so the backward final state is the backward output at the first
step. (The tutorial passed the unbatched initial states, which TF 1.15 rejects; this
program passes the batched ones it builds for that.)"""
import tinygraph as tf
from tinygraph.examples import tutorial_common
from tinygraph.examples.tutorial_common import Cell

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Model(tutorial_common.Model):

    def build(self):
        num_inputs = 1
        state_size = 2
        embed_size = 2
        init_stddev = 0.01

        # The sequence [1, 2, 3] with a length of 2.
        (_, seqs, seq_len) = tutorial_common.toy_inputs()

        init_state_fw = tf.constant([0, 0], tf.float32, [embed_size], 'init_state_fw')
        init_state_bw = tf.constant([0, 0], tf.float32, [embed_size], 'init_state_bw')

        batch_init_states_fw = tf.tile(tf.reshape(init_state_fw, [1, embed_size]), [num_inputs, 1])
        batch_init_states_bw = tf.tile(tf.reshape(init_state_bw, [1, embed_size]), [num_inputs, 1])

        cell_fw = Cell(embed_size, state_size, init_stddev)
        cell_bw = Cell(embed_size, state_size, init_stddev)

        # (One cell for both directions would share its weights between them.)
        ((outputs_fw, outputs_bw), (state_fw, state_bw)) = tf.nn.bidirectional_dynamic_rnn(
            cell_fw, cell_bw, seqs, sequence_length=seq_len,
            initial_state_fw=batch_init_states_fw, initial_state_bw=batch_init_states_bw)

        # The whole sequence's encoding.
        state = tf.concat([state_fw, state_bw], axis=1)

        # Each element's encoding in its context.
        outputs = tf.concat([outputs_fw, outputs_bw], axis=2)

        self.outputs = [outputs_fw, outputs_bw, outputs, state_fw, state_bw, state]


###################################
model = Model()
model.initialise()
[outputs_fw, outputs_bw, outputs, state_fw, state_bw, state] = model.output()
print('outputs_fw:')
print(outputs_fw)
print('outputs_bw:')
print(outputs_bw)
print('outputs:')
print(outputs)
print()
print('state_fw:')
print(state_fw)
print('state_bw:')
print(state_bw)
print('state:')
print(state)

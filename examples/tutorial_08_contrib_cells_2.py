"""A ready-made cell in the sentiment RNN (TF1 RNN tutorial, script 08).

Script 06 with tf.contrib.rnn.BasicRNNCell in place of the home-made cell. A
ready-made cell makes its own weights with its own initialiser, so the program takes
them from `cell.weights` (there once the cell has run in dynamic_rnn) and overwrites
them with assignments run just after the variables' initialiser
(SentimentModel.reinitialise). Prints the error every 100 epochs, the prefix and
sentence states and the predicted sentiments, and saves the states and the error
curve as a figure."""
import tinygraph as tf
from tinygraph.examples.tutorial_common import (SentimentModel, index_prefixes, index_sents,
                                                prefix_lens, report, sent_lens, sentiments, train,
                                                vocab)
from tinygraph.replay import book

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Model(SentimentModel):

    def encode(self, embedded, batch_size):
        with tf.variable_scope('hidden'):
            [batch_init] = self.initial_states(batch_size, 'init_state')

            cell = tf.contrib.rnn.BasicRNNCell(2, tf.tanh)
            (_, states) = tf.nn.dynamic_rnn(cell, embedded, sequence_length=self.sent_lens,
                                            initial_state=batch_init)
            self.reinitialise(cell)
        return states


###################################
max_epochs = book.epochs(2000, 1000)

model = Model(len(vocab))
model.initialise()   # the initialiser, then the assignments to the cell's weights

train_errors = train(model, max_epochs, 'BasicRNNCell', index_sents, sent_lens, sentiments)
train_error = train_errors[-1]

prefix_states = model.get_state(index_prefixes, prefix_lens)
(states, probs, params) = report(model, 'tutorial_08_contrib_cells_2', train_errors, prefix_states)

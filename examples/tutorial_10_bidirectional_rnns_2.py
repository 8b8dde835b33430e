"""A bidirectional sentiment RNN (TF1 RNN tutorial, script 10).

The sentiment RNN of script 08 made bidirectional: two BasicRNNCells, each with its
own trainable initial state, read each sentence forwards and backwards (within its
length), and the sigmoid layer sees the two final states concatenated. Adam trains
it. Prints the error every 100 epochs and the predicted sentiments, and saves the
error curve as a figure."""
import tinygraph as tf
from tinygraph.examples.tutorial_common import (SentimentModel, index_sents, report, sent_lens,
                                                sentiments, train, vocab)
from tinygraph.replay import book

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Model(SentimentModel):

    def encode(self, embedded, batch_size):
        with tf.variable_scope('hidden'):
            [batch_init_fw, batch_init_bw] = self.initial_states(batch_size, 'init_state_fw',
                                                                 'init_state_bw')

            cell_fw = tf.contrib.rnn.BasicRNNCell(self.state_size, tf.tanh)
            cell_bw = tf.contrib.rnn.BasicRNNCell(self.state_size, tf.tanh)

            (_, (self.state_fw, self.state_bw)) = tf.nn.bidirectional_dynamic_rnn(
                cell_fw, cell_bw, embedded, sequence_length=self.sent_lens,
                initial_state_fw=batch_init_fw, initial_state_bw=batch_init_bw)
            states = tf.concat([self.state_fw, self.state_bw], axis=1)
            self.reinitialise(cell_fw)
            self.reinitialise(cell_bw)
        return states


###################################
max_epochs = book.epochs(2000, 500)

model = Model(len(vocab))
model.initialise()

train_errors = train(model, max_epochs, 'bidirectional rnn', index_sents, sent_lens, sentiments)
train_error = train_errors[-1]

(states, probs, params) = report(model, 'tutorial_10_bidirectional_rnns_2', train_errors)

"""A two-layer sentiment RNN (TF1 RNN tutorial, script 11).

Two BasicRNNCells stacked: the first reads the embedded words and hands its outputs
(its state at every step) to the second, whose final state goes to the sigmoid layer.
Both honour the sentence lengths. As in the tutorial, the second layer starts from
the first layer's initial state, so its own (init_state2) gets no gradient and keeps
its initial value. Adam trains it. Prints the error every 100 epochs, the prefix and
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
        state_size = self.state_size
        with tf.variable_scope('hidden1'):
            init_state1 = tf.get_variable('init_state1', [state_size], tf.float32,
                                          tf.random_normal_initializer(stddev=self.init_stddev))
            batch_init1 = tf.tile(tf.reshape(init_state1, [1, state_size]), [batch_size, 1])
            self.params.extend([init_state1])

            cell = tf.contrib.rnn.BasicRNNCell(2, tf.tanh)
            # The outputs, not the final state, feed the next layer.
            (self.outputs1, _) = tf.nn.dynamic_rnn(cell, embedded, sequence_length=self.sent_lens,
                                                   initial_state=batch_init1)
            self.reinitialise(cell)

        with tf.variable_scope('hidden2'):
            init_state2 = tf.get_variable('init_state2', [state_size], tf.float32,
                                          tf.random_normal_initializer(stddev=self.init_stddev))
            # (sic: init_state1, as in the tutorial)
            batch_init2 = tf.tile(tf.reshape(init_state1, [1, state_size]), [batch_size, 1])
            self.params.extend([init_state2])

            cell = tf.contrib.rnn.BasicRNNCell(2, tf.tanh)
            # This layer reads the first layer's outputs instead of the words.
            (_, self.states2) = tf.nn.dynamic_rnn(cell, self.outputs1,
                                                  sequence_length=self.sent_lens,
                                                  initial_state=batch_init2)
            self.reinitialise(cell)
        return self.states2


###################################
max_epochs = book.epochs(2000, 1000)

model = Model(len(vocab))
model.initialise()

train_errors = train(model, max_epochs, 'two-layer rnn', index_sents, sent_lens, sentiments)
train_error = train_errors[-1]

prefix_states = model.get_state(index_prefixes, prefix_lens)
(states, probs, params) = report(model, 'tutorial_11_two_layer_rnn', train_errors, prefix_states)

"""A simple RNN with sequence lengths (TF1 RNN tutorial, script 06).

Script 04's sentiment RNN without a <PAD> word: the sentences keep their own lengths
(3 and 4 words), are padded with an arbitrary word index, and dynamic_rnn is given the
lengths, so each final state is the state after the sentence's last word. All the
prefixes, of 0 to 3 words, now fit in one batch. Adam trains it. Prints the error
every 100 epochs, the prefix and sentence states and the predicted sentiments, and
saves the states and the error curve as a figure."""
import tinygraph as tf
from tinygraph.examples.tutorial_common import (Cell, SentimentModel, index_prefixes, index_sents,
                                                prefix_lens, report, sent_lens, sentiments, train,
                                                vocab)
from tinygraph.replay import book

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
class Model(SentimentModel):

    def encode(self, embedded, batch_size):
        with tf.variable_scope('hidden'):
            [batch_init] = self.initial_states(batch_size, 'init_state')

            cell = Cell(self.embed_size, self.state_size, self.init_stddev)
            # Past a sentence's length, dynamic_rnn keeps its state as it is.
            (_, states) = tf.nn.dynamic_rnn(cell, embedded, sequence_length=self.sent_lens,
                                            initial_state=batch_init)
            self.params.extend([cell.W, cell.b])
        return states


###################################
max_epochs = book.epochs(2000, 1000)

model = Model(len(vocab))
model.initialise()

train_errors = train(model, max_epochs, 'rnn with lengths', index_sents, sent_lens, sentiments)
train_error = train_errors[-1]

prefix_states = model.get_state(index_prefixes, prefix_lens)   # one batch, thanks to the lengths
(states, probs, params) = report(model, 'tutorial_06_simple_rnn_seqlen', train_errors,
                                 prefix_states)

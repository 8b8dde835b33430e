"""A simple RNN for sentiment (TF1 RNN tutorial, script 04).

Four sentences of four words ("i like it", "i hate it" padded with a <PAD> word, "i
don't hate it", "i don't like it") are embedded in 2-D and read by a home-made RNN
cell, one tanh layer on the previous state and the word concatenated (the `Cell` of
tutorial_common: s(t) = tanh([s(t-1), x(t)] W + b)), starting from a trainable
initial state. A sigmoid layer on the final state gives the sentiment; momentum
descent trains all of it. Prints the error every 100 epochs, then the states of every
prefix and sentence and the predicted sentiments, and saves the states and the error
curve as a figure."""
import tinygraph as tf
from tinygraph.examples.tutorial_common import Cell, SentimentModel, report, sentiments, train
from tinygraph.replay import book

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)

token_sents = [
    'i like it <PAD>'.split(' '),    # positive
    'i hate it <PAD>'.split(' '),    # negative
    'i don\'t hate it'.split(' '),   # positive
    'i don\'t like it'.split(' '),   # negative
]   # (their sentiments, 1 or 0, are tutorial_common's)

vocab = sorted({token for sent in token_sents for token in sent})

token2index = {token: index for (index, token) in enumerate(vocab)}
index_sents = [[token2index[token] for token in sent] for sent in token_sents]

token_prefixes = sorted({tuple(sent[:i]) for sent in token_sents for i in range(len(token_sents))})
index_prefixes = [[token2index[token] for token in token_prefix]
                  for token_prefix in token_prefixes]


###################################
class Model(SentimentModel):
    with_lengths = False   # every sentence has four words

    def encode(self, embedded, batch_size):
        with tf.variable_scope('hidden'):
            # The initial state is a variable optimised with the other parameters.
            [batch_init] = self.initial_states(batch_size, 'init_state')

            cell = Cell(self.embed_size, self.state_size, self.init_stddev)
            (_, states) = tf.nn.dynamic_rnn(cell, embedded, initial_state=batch_init)
            self.params.extend([cell.W, cell.b])
        return states

    def optimiser(self):
        learning_rate = 0.1
        momentum = 0.9
        return tf.train.MomentumOptimizer(learning_rate, momentum)


###################################
max_epochs = book.epochs(1000, 500)

model = Model(len(vocab))
model.initialise()

train_errors = train(model, max_epochs, 'simple rnn', index_sents, sentiments)
train_error = train_errors[-1]

# The prefixes have different lengths: without sequence lengths (script 06), each one
# is a batch of its own.
prefix_states = [model.get_state([index_prefix])[0] for index_prefix in index_prefixes]
(states, probs, params) = report(model, 'tutorial_04_simple_rnn', train_errors, prefix_states,
                                 token_sents, (index_sents,))

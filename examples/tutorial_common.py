"""What the TF1 RNN tutorial's programs (tutorial_01 ... tutorial_11) share, as the
tutorial's scripts repeat it: the frame of their Model classes (a graph of their own,
finalised, run in a session of their own); the toy sequence [1, 2, 3] of scripts 05,
07 and 09; script 04's tanh cell; the four sentences of the sentiment programs (04,
06, 08, 10, 11) with their lengths and prefixes, the sentiment model around an RNN,
its training loop, printed tables and figure. Not a program itself."""
import numpy as np

import tinygraph as tf
from tinygraph.replay import book


###################################
class Model(object):
    """The tutorial's Model classes: build() (a subclass's) makes the graph's ops in a
    graph of its own, which is then finalised and given a session. `outputs` are what
    output() fetches; `rnn_initialisers`, assignments run after the variables'
    initialiser (ready-made cells' weights, which their own initialisers made)."""
    outputs = []
    rnn_initialisers = []

    def __init__(self, *args):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.build(*args)
            self.init = tf.global_variables_initializer()

            self.graph.finalize()

            self.sess = tf.Session()

    def initialise(self):
        self.sess.run([self.init], {})
        if self.rnn_initialisers:
            self.sess.run(self.rnn_initialisers, {})

    def close(self):
        self.sess.close()

    def output(self):
        return self.sess.run(self.outputs, {})


def toy_inputs(seq_len_dtype=tf.int32):
    """A batch of one sequence of three 2-vectors, [1, 1], [2, 2], [3, 3], its zero
    initial state and its length, 2 (the third vector is to be ignored)."""
    num_inputs = 1
    init_state = tf.constant([0, 0], tf.float32, [2], 'init')
    batch_init_states = tf.tile(tf.reshape(init_state, [1, 2]), [num_inputs, 1])

    seqs = tf.constant([
        [[1, 1], [2, 2], [3, 3]],
    ], tf.float32, [1, 3, 2], 'seqs')

    seq_len = tf.constant([
        2,
    ], seq_len_dtype, [1])
    return batch_init_states, seqs, seq_len


class Cell(tf.nn.rnn_cell.RNNCell):
    """Script 04's cell, one tanh layer on the state and input concatenated:
    s(t) = tanh([s(t-1), x(t)] W + b), the new state also being the output. W and b
    are made by build(), on the cell's first call."""

    def __init__(self, embed_size, state_size, init_stddev):
        super().__init__()
        self.W = None
        self.b = None
        self._embed_size = embed_size
        self._state_size = state_size
        self._init_stddev = init_stddev

    @property
    def state_size(self):
        return self._state_size

    @property
    def output_size(self):
        return self._state_size

    def build(self, inputs_shape):
        self.W = self.add_variable('W', [self._state_size + self._embed_size, self._state_size],
                                   tf.float32,
                                   tf.random_normal_initializer(stddev=self._init_stddev))
        self.b = self.add_variable('b', [self._state_size], tf.float32, tf.zeros_initializer())
        self.built = True

    def call(self, x, curr_state):
        layer_input = tf.concat([curr_state, x], axis=1)
        new_state = tf.tanh(tf.matmul(layer_input, self.W) + self.b)
        return (new_state, new_state)   # the state is also the output


###################################
token_sents = [
    'i like it'.split(' '),          # positive
    'i hate it'.split(' '),          # negative
    'i don\'t hate it'.split(' '),   # positive
    'i don\'t like it'.split(' '),   # negative
]
sent_lens = [len(sent) for sent in token_sents]
sentiments = [
    [1],
    [0],
    [1],
    [0],
]

vocab = sorted({token for sent in token_sents for token in sent})
max_len = max(sent_lens)

token2index = {token: index for (index, token) in enumerate(vocab)}
# Padded with index 0 (any word would do: the lengths make dynamic_rnn ignore it).
index_sents = [[token2index[token] for token in sent] + [0 for _ in range(max_len - len(sent))]
               for sent in token_sents]

# Every prefix of up to three words, the empty one included (its state is the initial one).
token_prefixes = sorted({tuple(sent[:i]) for sent in token_sents for i in range(len(token_sents))})
prefix_lens = [len(prefix) for prefix in token_prefixes]
max_prefix_len = max(prefix_lens)
index_prefixes = [[token2index[token] for token in prefix]
                  + [0 for _ in range(max_prefix_len - len(prefix))]
                  for prefix in token_prefixes]


class SentimentModel(Model):
    """The sentiment programs' model: the words embedded in 2-D, an RNN (the subclass's
    encode(embedded, batch_size), returning a vector per sentence) and a sigmoid layer
    on that vector for the sentiment, trained on the mean cross-entropy with Adam (or
    the subclass's optimiser()). The placeholders fed, in order: `sents`, `sent_lens`
    (unless with_lengths is False), `targets`; `params` lists the parameters."""
    init_stddev = 1e-1
    embed_size = 2
    state_size = 2
    with_lengths = True

    def build(self, vocab_size):
        self.sents = tf.placeholder(tf.int32, [None, None], 'sents')
        self.inputs = [self.sents]
        if self.with_lengths:
            self.sent_lens = tf.placeholder(tf.int32, [None], 'sent_lens')
            self.inputs.append(self.sent_lens)
        self.targets = tf.placeholder(tf.float32, [None, 1], 'targets')
        self.inputs.append(self.targets)

        self.params = []

        batch_size = tf.shape(self.sents)[0]

        with tf.variable_scope('embeddings'):
            self.embedding_matrix = tf.get_variable(
                'embedding_matrix', [vocab_size, self.embed_size], tf.float32,
                tf.random_normal_initializer(stddev=self.init_stddev))
            self.params.extend([self.embedding_matrix])

            embedded = tf.nn.embedding_lookup(self.embedding_matrix, self.sents)

        self.states = self.encode(embedded, batch_size)

        with tf.variable_scope('output'):
            W = tf.get_variable('W', [self.states.shape[1], 1], tf.float32,
                                tf.random_normal_initializer(stddev=self.init_stddev))
            b = tf.get_variable('b', [1], tf.float32, tf.zeros_initializer())
            self.params.extend([W, b])

            logits = tf.matmul(self.states, W) + b
            self.probs = tf.sigmoid(logits)

        self.error = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=self.targets, logits=logits))

        self.optimiser_step = self.optimiser().minimize(self.error)

    def optimiser(self):
        return tf.train.AdamOptimizer()

    def initial_states(self, batch_size, *names):
        """Trainable initial states (parameters like the others), one copy a sentence.
        (All the variables first, then their copies: the tutorial's order of ops.)"""
        init_states = [tf.get_variable(name, [self.state_size], tf.float32,
                                       tf.random_normal_initializer(stddev=self.init_stddev))
                       for name in names]
        self.params.extend(init_states)
        return [tf.tile(tf.reshape(init_state, [1, self.state_size]), [batch_size, 1])
                for init_state in init_states]

    def reinitialise(self, cell):
        """A ready-made cell's weights are initialised its own way; the tutorial
        overwrites them (after the initialiser) as its own cell initialises them. A
        BasicRNNCell has a kernel and a bias (a GRUCell a gate and a candidate kernel
        and bias, an LSTMCell one kernel and bias for its four layers)."""
        [W, b] = cell.weights
        self.rnn_initialisers = self.rnn_initialisers + [
            tf.assign(W, tf.random_normal([self.state_size + self.embed_size, self.state_size],
                                          stddev=self.init_stddev)),
            tf.assign(b, tf.zeros([self.state_size])),
        ]
        self.params.extend([W, b])

    def _feed(self, values):
        return dict(zip(self.inputs, values))   # without the targets: predict, get_state

    def optimisation_step(self, *data):
        return self.sess.run([self.optimiser_step], self._feed(data))

    def get_params(self):
        return self.sess.run(self.params, {})

    def get_error(self, *data):
        return self.sess.run([self.error], self._feed(data))[0]

    def predict(self, *sents):
        return self.sess.run([self.probs], self._feed(sents))[0]

    def get_state(self, *sents):
        return self.sess.run([self.states], self._feed(sents))[0]


def train(model, max_epochs, desc, *data):
    """The tutorial's loop: each epoch, the error on the whole training set (printed every
    100 epochs), then one optimisation step on it. Returns the errors."""
    train_errors = list()
    print('epoch', 'train error', sep='\t')
    bar = book.progress(range(1, max_epochs + 1), desc=desc)
    for epoch in bar:
        train_error = model.get_error(*data)
        train_errors.append(train_error)
        bar.set_postfix(loss=train_error, refresh=False)

        if epoch % 100 == 0:
            print(epoch, train_error, sep='\t')

        model.optimisation_step(*data)
    print()
    return train_errors


def print_table(columns, token_lists, values):
    """One row a sentence (or prefix): its words, then its vector or probability."""
    print(*columns, sep='\t')
    for (tokens, value) in zip(token_lists, values):
        print(' '.join(tokens), np.round(value, 3), sep='\t')


def report(model, fig_id, train_errors, prefix_states=None, sents=token_sents,
           data=(index_sents, sent_lens)):
    """The tutorial's closing tables: the states of the prefixes and sentences (when the
    prefix states are given), then the sentiments predicted; then the figure of those
    states and the error curve, saved as images/rnn/<fig_id>.png. Closes the session.
    Returns the sentences' states, the probabilities and the trained parameters."""
    states = model.get_state(*data)
    if prefix_states is not None:
        print_table(('prefix', 'vector'), token_prefixes, prefix_states)
        print()
        print_table(('sent', 'vector'), sents, states)
        print()
    probs = model.predict(*data)
    print_table(('sent', 'sentiment'), sents, probs[:, 0])
    params = model.get_params()
    model.close()

    panels = [] if prefix_states is None else [('Prefixes', token_prefixes, prefix_states),
                                               ('Sents', sents, states)]
    with book.figure(fig_id, figsize=(4 * len(panels) + 4, 4)) as plt:
        if plt is not None:
            axs = plt.gcf().subplots(1, len(panels) + 1, squeeze=False)[0]
            plot_training(axs, panels, train_errors)
    return states, probs, params


def plot_training(axs, panels, train_errors):
    """The tutorial's panels: the 2-D states of each (title, labels, states) of `panels`
    on its own axes, then the error curve on the last."""
    for (ax, (title, labels, points)) in zip(axs, panels):
        for (label, state) in zip(labels, points):
            ax.plot([state[0]], [state[1]], linestyle='', marker='o', markersize=10)
            ax.text(state[0], state[1], ' '.join(label), fontdict={'fontsize': 8})
        ax.set_xlim(-1.0, 1.0)
        ax.set_xlabel('d0')
        ax.set_ylim(-1.0, 1.0)
        ax.set_ylabel('d1')
        ax.grid(True)
        ax.set_title(title)
    ax = axs[-1]
    ax.plot(np.arange(len(train_errors)), train_errors, color='red', linestyle='-', linewidth=1,
            label='train')
    ax.set_xlim(0, len(train_errors))
    ax.set_xlabel('epoch')
    ax.set_ylim(0.0, 2.0)
    ax.set_ylabel('XE')
    ax.grid(True)
    ax.set_title('Error progress')
    ax.legend()

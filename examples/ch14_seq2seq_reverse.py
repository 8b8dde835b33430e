"""Sequence to sequence: an encoder-decoder learns to reverse digit strings.

Strings of 3 to 6 digits go in; out must come the same digits in reverse order, then an
end-of-sequence token (EOS). A GRU encoder reads the embedded digits (dynamic_rnn with each
string's length); a GRU decoder starts from the encoder's final state. In training the
decoder reads the right answer one step late, behind a GO token (teacher forcing), and the
cross-entropy is masked past each target's EOS. To evaluate, the decoder feeds back its own
greedy guesses until it says EOS; a held-out string counts only if every token up to and
including the EOS comes back right.
"""
import numpy as np

import tinygraph as tf
from tinygraph.replay import book


def reset_graph(seed=42):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    np.random.seed(seed)


reset_graph()

# The digits 0-9 are their own tokens, then come the two markers.
EOS, GO = 10, 11
n_tokens = 12
min_length, max_length = 3, 6
n_steps_in, n_steps_out = max_length, max_length + 1   # room for the EOS


def random_string():
    length = np.random.randint(min_length, max_length + 1)
    return "".join(np.random.choice(list("0123456789"), length))


held_out_set = set()   # 1000 strings for the evaluation, never trained on
while len(held_out_set) < 1000:
    held_out_set.add(random_string())
held_out = sorted(held_out_set)


def random_strings(n):
    """n random digit strings for training: none of them held out."""
    strings = []
    while len(strings) < n:
        s = random_string()
        if s not in held_out_set:
            strings.append(s)
    return strings


def encode(strings):
    """Inputs padded to n_steps_in (the padding is never read), targets (reversed, then
    EOS) padded with EOS to n_steps_out, and their lengths."""
    X = np.zeros((len(strings), n_steps_in), np.int32)
    Y = np.full((len(strings), n_steps_out), EOS, np.int32)
    for i, s in enumerate(strings):
        digits = [int(c) for c in s]
        X[i, :len(s)] = digits
        Y[i, :len(s)] = digits[::-1]
    lengths = np.array([len(s) for s in strings], np.int32)
    return X, lengths, Y, lengths + 1


def decode(tokens):
    """The text a row of predicted tokens spells before its EOS."""
    text = ""
    for t in tokens:
        if t == EOS:
            break
        text += str(t) if t < 10 else "<GO>"
    return text


embedding_size = 16
n_neurons = 128
learning_rate = 0.01

X = tf.placeholder(tf.int32, [None, n_steps_in])
X_len = tf.placeholder(tf.int32, [None])
Y = tf.placeholder(tf.int32, [None, n_steps_out])
Y_len = tf.placeholder(tf.int32, [None])

with tf.variable_scope("encoder"):
    enc_embeddings = tf.Variable(tf.random_uniform([n_tokens, embedding_size], -1.0, 1.0))
    enc_cell = tf.nn.rnn_cell.GRUCell(num_units=n_neurons)
    _, enc_state = tf.nn.dynamic_rnn(enc_cell, tf.nn.embedding_lookup(enc_embeddings, X),
                                     sequence_length=X_len, dtype=tf.float32)

with tf.variable_scope("decoder"):
    dec_embeddings = tf.Variable(tf.random_uniform([n_tokens, embedding_size], -1.0, 1.0))
    dec_cell = tf.nn.rnn_cell.GRUCell(num_units=n_neurons)
    projection = tf.layers.Dense(n_tokens, name="projection")
    go = tf.fill([tf.shape(X)[0], 1], GO)
    # Teacher forcing: at step t the decoder reads the right token of step t-1.
    Y_input = tf.concat([go, Y[:, :-1]], axis=1)
    dec_outputs, _ = tf.nn.dynamic_rnn(dec_cell, tf.nn.embedding_lookup(dec_embeddings, Y_input),
                                       initial_state=enc_state)
    logits = projection(dec_outputs)

xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=Y, logits=logits)
mask = tf.sequence_mask(Y_len, n_steps_out, dtype=tf.float32)   # 1 up to each EOS
loss = tf.reduce_sum(xentropy * mask) / tf.reduce_sum(mask)
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
training_op = optimizer.minimize(loss)

# Greedy decoding with the same cell and projection (calling them again shares their
# weights): each step reads the token guessed at the step before. Once a string has said
# EOS it is finished and only EOS follows, so the guesses are padded as the targets are.
token, state = go[:, 0], enc_state
finished = tf.equal(token, EOS)   # all False: GO is not EOS
predicted = []
for step in range(n_steps_out):
    output, state = dec_cell(tf.nn.embedding_lookup(dec_embeddings, token), state)
    token = tf.argmax(projection(output), axis=1, output_type=tf.int32)
    token = tf.where(finished, tf.fill(tf.shape(token), EOS), token)
    finished = tf.logical_or(finished, tf.equal(token, EOS))
    predicted.append(token)
predictions = tf.stack(predicted, axis=1)
exact = tf.reduce_mean(tf.cast(tf.reduce_all(tf.equal(predictions, Y), axis=1), tf.float32))

init = tf.global_variables_initializer()

n_iterations = book.iterations(200, 50)
batch_size = 256
X_test, X_test_len, Y_test, Y_test_len = encode(held_out)
test_feed = {X: X_test, X_len: X_test_len, Y: Y_test, Y_len: Y_test_len}

with tf.Session() as sess:
    init.run()
    bar = book.progress(range(n_iterations), desc="seq2seq")
    for iteration in bar:
        X_batch, X_batch_len, Y_batch, Y_batch_len = encode(random_strings(batch_size))
        _, loss_val = sess.run([training_op, loss], feed_dict={
            X: X_batch, X_len: X_batch_len, Y: Y_batch, Y_len: Y_batch_len})
        bar.set_postfix(loss=loss_val)
        if iteration % 50 == 0 or iteration == n_iterations - 1:
            exact_match = exact.eval(feed_dict=test_feed)
            print(iteration, "Loss:", loss_val, "Exact match (held out):", exact_match)
    test_predictions = predictions.eval(feed_dict=test_feed)

for string, tokens in zip(held_out[:5], test_predictions):
    print(string, "reversed:", decode(tokens))

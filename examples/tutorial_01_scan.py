"""The scan function (TF1 RNN tutorial, script 01).

tf.scan turns a step function f(state, x) -> new state into a recurrence over a
sequence. Here the state is a running sum: scanning [1, 2, 3] from 0 gives
[1, 3, 6]. The Python function is called once, while the graph is built (its
prints show the symbolic tensors it receives); the graph then repeats it."""
import tinygraph as tf
from tinygraph.examples import tutorial_common

tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


###################################
def f(curr_state, x):
    # s(t+1) = s(t) + x(t); the prints show that f only ever sees tensors.
    print('curr_state:', curr_state)
    print('x:', x)
    print()
    new_state = curr_state + x
    return new_state


###################################
class Model(tutorial_common.Model):
    # (tutorial_common.Model runs build() in a graph of its own, finalises the graph
    # and opens a session on it; output() fetches `outputs`.)

    def build(self):
        init_state = tf.constant(0.0, tf.float32, [], 'init')

        print('f()')
        self.f_output = f(init_state, tf.constant(1.0, tf.float32, []))

        seq = tf.constant([1.0, 2.0, 3.0], tf.float32, [3], 'seq')

        print('tf.scan()')
        self.scan_output = tf.scan(f, seq, initializer=init_state)
        self.scan_last_output = self.scan_output[-1]

        self.outputs = [self.f_output, self.scan_output, self.scan_last_output]


###################################
model = Model()
[f_output, scan_output, scan_last_output] = model.output()
print('f_output:', f_output)
print('scan_output:', scan_output)
print('scan_last_output:', scan_last_output)
model.close()

"""The programs `tinygraph replay` runs, in the order of the book's chapter 14 and then of
the TF1 RNN tutorial. Each is a file of examples/ (installed as tinygraph.examples); its
key figure is an expression over the program's globals after it has run."""
import collections
import importlib.util
from pathlib import Path

# seed: for the tutorial's scripts, which set none, a graph seed the replay gives their
# graphs (book.graph_seed), one with which TF 1.15 trains them to the right sentiments,
# so the table is repeatable (the programs run alone stay unseeded, as written).
Program = collections.namedtuple("Program", "name title mnist label key seed",
                                 defaults=(None,))

PROGRAMS = [
    # Géron, Hands-On Machine Learning, chapter 14
    Program("ch14_manual_rnn", "an RNN of two steps, by hand", False,
            "Y0[0, 0]", "Y0_val[0, 0]"),
    Program("ch14_static_rnn", "static_rnn over two placeholders", False,
            "Y0[0, 0]", "Y0_val[0, 0]"),
    Program("ch14_packing_sequences", "transpose, unstack, static_rnn, stack", False,
            "outputs shape", "outputs_val.shape"),
    Program("ch14_dynamic_rnn", "dynamic_rnn", False, "outputs shape", "outputs_val.shape"),
    Program("ch14_sequence_lengths", "dynamic_rnn with sequence lengths", False,
            "states[1, 0]", "states_val[1, 0]"),
    Program("ch14_mnist_classifier", "MNIST read row by row: BasicRNNCell", True,
            "test accuracy", "acc_test"),
    Program("ch14_mnist_multilayer", "MNIST with three stacked layers", True,
            "test accuracy", "acc_test"),
    Program("ch14_time_series", "time series, OutputProjectionWrapper", False,
            "MSE", "mse"),
    Program("ch14_time_series_dense", "time series, one dense layer over all steps",
            False, "MSE", "mse"),
    Program("ch14_creative_sequence", "a creative sequence from the restored model", False,
            "sequence length", "len(sequence2)"),
    Program("ch14_deep_rnn", "a deep RNN: MultiRNNCell", False,
            "outputs shape", "outputs_val.shape"),
    Program("ch14_dropout", "dropout with DropoutWrapper", False, "MSE", "mse"),
    Program("ch14_mnist_lstm", "MNIST with LSTM cells", True, "test accuracy", "acc_test"),
    Program("ch14_seq2seq_reverse", "encoder-decoder reversing digit strings", False,
            "exact match", "exact_match"),
    # the TF1 RNN tutorial (deeplearningtutorial, topic 7)
    Program("tutorial_01_scan", "tf.scan sums a sequence", False,
            "scan output", "scan_output"),
    Program("tutorial_02_rnn_cell", "an RNNCell of your own", False, "final state", "state"),
    Program("tutorial_03_rnn_cell_extras", "a cell with a tuple state and extra outputs",
            False, "second running sum", "state2"),
    Program("tutorial_04_simple_rnn", "a sentiment RNN on four sentences", False,
            "training error", "train_error", 1),
    Program("tutorial_05_rnn_cell_seqlen", "sequence lengths", False, "final state", "state"),
    Program("tutorial_06_simple_rnn_seqlen", "the sentiment RNN with sequence lengths",
            False, "training error", "train_error", 13),
    Program("tutorial_07_contrib_cells", "ready-made cells: RNN, GRU, LSTM", False,
            "LSTM c shape", "lstm_state_c.shape"),
    Program("tutorial_08_contrib_cells_2", "ready-made cells in the sentiment RNN", False,
            "training error", "train_error", 7),
    Program("tutorial_09_bidirectional_rnns", "a bidirectional RNN", False,
            "state shape", "state.shape"),
    Program("tutorial_10_bidirectional_rnns_2", "the sentiment RNN, bidirectional", False,
            "training error", "train_error", 1),
    Program("tutorial_11_two_layer_rnn", "a two-layer RNN", False, "training error",
            "train_error", 1),
]


def folder():
    """Where the programs are: examples/ of a checkout, or tinygraph/examples when
    installed from a wheel."""
    spec = importlib.util.find_spec("tinygraph.examples")
    return Path(list(spec.submodule_search_locations)[0])


def path(program):
    return folder() / f"{program.name}.py"


def select(names):
    """The programs named (a name, a prefix such as `ch14` or `tutorial`, or a shell
    pattern), in registry order; all when no name is given. Unknown names raise
    ValueError listing what there is."""
    import fnmatch
    if not names:
        return list(PROGRAMS)
    chosen = []
    for name in names:
        hits = [p for p in PROGRAMS if p.name == name or p.name.startswith(name + "_")
                or fnmatch.fnmatch(p.name, name)]
        if not hits:
            raise ValueError(f"no program matches {name!r}; `tinygraph replay --list` "
                             f"lists them")
        chosen += [p for p in hits if p not in chosen]
    return [p for p in PROGRAMS if p in chosen]

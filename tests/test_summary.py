"""tf.summary: the summary ops (their bytes are TF 1.15's), their names and collections,
and FileWriter's files: the event file (framing and CRCs as TF 1.15 writes them, read
back by TensorBoard's own loader), graph.html and scalars.csv, with and without the
tensorboard package."""
import csv
import logging
import os
import re
import socket
import struct
import subprocess
import sys
import time

import numpy as np
import pytest

import tinygraph as tf
from tinygraph.summary import event_file, messages
from tinygraph.summary.writer import CSV_HEADER

# --- bytes TF 1.15 produced (/work/tf1) for the same programs ---
# sess.run(tf.summary.scalar("my loss", tf.reduce_mean(x))) with x = [[1, 2, 3]]
TF_SCALAR = b"\n\x0e\n\x07my_loss\x15\x00\x00\x00@"
# ... and merge_all() of it, scalar("other", mean * 2, family="fam") and
# histogram("hist", x): TF's buckets, with runs of empty buckets folded
TF_MERGED = (
    b"\n\x0e\n\x07my_loss\x15\x00\x00\x00@\n\x14\n\rfam/fam/other\x15\x00\x00\x80@\n\xaa\x01"
    b"\n\x04hist*\xa1\x01\t\x00\x00\x00\x00\x00\x00\xf0?\x11\x00\x00\x00\x00\x00\x00\x08@\x19"
    b"\x00\x00\x00\x00\x00\x00\x08@!\x00\x00\x00\x00\x00\x00\x18@)\x00\x00\x00\x00\x00\x00,@28"
    b"\x08\x99i\x19\x15Z\xed?+\x14\xfa\xcd\xbe$\xf0?\xdc\x94\xcd.\x8du\xff?\xe0\x11\xf1\x0ctM"
    b"\x01@h\xbc\x105\x9a\x07\x07@\r\x9c\xc5\xa0)U\t@\xff\xff\xff\xff\xff\xff\xef\x7f:8\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0?\x00"
    b"\x00\x00\x00\x00\x00\x00\x00")
# The record TF 1.15's FileWriter wrote for add_event(Event(wall_time=1500000000.5,
# step=42, summary=Summary(value=[Value(tag="loss", simple_value=0.25)]))): length,
# masked CRC of the length, the Event, masked CRC of the Event.
TF_RECORD = bytes.fromhex("1a00000000000000129bd82d09000020c00b5ad641102a2a0d0a0b0a046c6f73"
                          "73150000803ede335ff0")
# The first record of every TF 1.15 event file: Event(wall_time=<whole seconds>,
# file_version="brain.Event:2"); its header (the length 24 and its CRC) is fixed.
TF_FILE_VERSION_HEADER = bytes.fromhex("1800000000000000a37f4b22")


def _summaries_graph():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.name_scope("loss"):
        mean = tf.reduce_mean(x)
    scalar = tf.summary.scalar("my loss", mean)
    other = tf.summary.scalar("other", mean * 2, family="fam")
    hist = tf.summary.histogram("hist", x)
    return x, scalar, other, hist


def _book_dynamic_rnn():
    """The book's dynamic_rnn graph (ch14_dynamic_rnn.py), trained with Adam so that the
    loop's gradient is in it too, and a scalar summary of its loss."""
    X = tf.placeholder(tf.float32, [None, 2, 3])
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=5)
    outputs, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(outputs))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    summary = tf.summary.scalar("loss", loss)
    return X, loss, train, summary


def _records(logdir):
    (path,) = [os.path.join(logdir, f) for f in os.listdir(logdir) if "tfevents" in f]
    return event_file.read_records(path)


# ----------------------------------------------------------------- the summary ops
def test_summary_values_are_tf_bytes(backend):
    x, scalar, other, hist = _summaries_graph()
    merged = tf.summary.merge_all()
    with tf.Session(device=backend) as sess:
        got_scalar, got_merged = sess.run([scalar, merged], {x: [[1, 2, 3]]})
    assert got_scalar == TF_SCALAR
    assert got_merged == TF_MERGED


def test_scalar_of_other_types_and_python_numbers(backend):
    f64 = tf.placeholder(tf.float64, [])
    i64 = tf.placeholder(tf.int64, [])
    a = tf.summary.scalar("f64", f64)
    b = tf.summary.scalar("i64", i64)
    c = tf.summary.scalar("const", 3)
    assert c.op.inputs[1].op.name == "const/values"   # TF names the converted number so
    with tf.Session(device=backend) as sess:
        got = sess.run([a, b, c], {f64: 0.1, i64: 2**40})
    # TF 1.15: simple_value is a float32 (0.1 rounds), 2**40 is exact
    assert got == [b"\n\n\n\x03f64\x15\xcd\xcc\xcc=", b"\n\n\n\x03i64\x15\x00\x00\x80S",
                   b"\n\x0c\n\x05const\x15\x00\x00@@"]


def test_histogram_buckets_at_both_ends(backend):
    h = tf.summary.histogram("h3", tf.constant([0.0, -1.5, 2e30, 7]))
    with tf.Session(device=backend) as sess:
        (value,) = messages.Summary.FromString(sess.run(h)).value
    proto = dict((n, v) for n, _, v in messages.wire.fields(
        dict((n, v) for n, _, v in messages.wire.fields(value.SerializeToString()))[5]))
    limits = struct.unpack("<8d", proto[6])
    counts = struct.unpack("<8d", proto[7])
    # TF 1.15's HistogramProto for the same values
    assert limits == (-1.624957930213695, -1.47723448201245, 0.0, 1e-12, 6.7878525393626115,
                      7.466637793298873, 9.920775621859783e+19, 1.7976931348623157e+308)
    assert counts == (0, 1, 0, 1, 0, 1, 0, 1)
    assert struct.unpack("<d", proto[5])[0] == 4.000000120379731e+60   # sum of squares


def test_histogram_of_nothing_is_tfs():
    from tinygraph.summary.histogram import histogram_proto
    big = sys.float_info.max
    # TF 1.15: min DBL_MAX, max -DBL_MAX, one empty bucket up to DBL_MAX
    assert histogram_proto(np.zeros((0, 3))) == struct.pack(
        "<BdBdBBdBBd", 0x09, big, 0x11, -big, 0x32, 8, big, 0x3A, 8, 0.0)


def test_names_tags_and_collections():
    _, scalar, other, hist = _summaries_graph()
    assert [scalar.op.name, other.op.name, hist.op.name] == ["my_loss", "fam/other", "hist"]
    assert [t.op.name for t in scalar.op.inputs] == ["my_loss/tags", "loss/Mean"]
    assert hist.op.inputs[0].op.name == "hist/tag"
    assert scalar.dtype == tf.string and scalar.shape == ()
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [scalar, other, hist]
    with tf.name_scope("outer"):
        inner = tf.summary.scalar("in", 1.0, family="fam")
    assert inner.op.name == "outer/fam/in"
    assert inner.op.inputs[0].op.attrs["value"][()] == "fam/outer/fam/in"   # TF's tag
    again = tf.summary.scalar("my loss", 1.0)
    assert again.op.name == "my_loss_1"
    private = tf.summary.scalar("private", 1.0, collections=["mine"])
    assert private not in tf.get_collection(tf.GraphKeys.SUMMARIES)
    assert tf.get_collection("mine") == [private]


def test_merge_and_merge_all():
    assert tf.summary.merge_all() is None      # no summaries yet: None, as TF
    _, scalar, other, hist = _summaries_graph()
    merged = tf.summary.merge_all()
    assert merged.op.name == "Merge/MergeSummary" and merged.op.type == "MergeSummary"
    assert list(merged.op.inputs) == [scalar, other, hist]
    assert tf.summary.merge([scalar], name="foo").op.name == "foo/foo"
    assert tf.summary.merge_all(key="nothing") is None
    assert list(tf.summary.merge_all(scope="fam").op.inputs) == [other]
    with pytest.raises(ValueError, match="shorter than minimum length 1"):
        tf.summary.merge([])


def test_run_time_errors_are_tf_messages(backend):
    v = tf.placeholder(tf.float32, [None])
    vector = tf.summary.scalar("vec", v)
    c = tf.summary.scalar("dup", tf.constant(1.0))
    duplicate = tf.summary.merge([c, c])
    garbage = tf.summary.merge([tf.constant("garbage")])
    nan = tf.summary.histogram("h", tf.constant([1.0, np.nan]), family="f")
    inf = tf.summary.histogram("i", tf.constant([1.0, np.inf]))
    cases = [(vector, re.escape("tags and values not the same shape: [] != [2] (tag 'vec')")),
             (duplicate, "Duplicate tag dup found in summary inputs"),
             (garbage, "Could not parse one of the summary inputs"),
             (nan, "Nan in summary histogram for: f/h"),        # the op's name, not the tag
             (inf, "Infinity in summary histogram for: i")]
    with tf.Session(device=backend) as sess:
        for fetch, message in cases:
            with pytest.raises(tf.errors.InvalidArgumentError, match=message):
                sess.run(fetch, {v: [1.0, 2.0]})


def test_build_time_type_errors():
    with pytest.raises(TypeError, match="DataType bool not in list of allowed values"):
        tf.summary.scalar("b", tf.constant(True))
    with pytest.raises(TypeError, match="DataType string not in list of allowed values"):
        tf.summary.histogram("s", tf.constant("text"))


# ----------------------------------------------------------------- event files
def test_crc32c_and_record_framing_are_tf_bytes():
    assert event_file.crc32c(b"123456789") == 0xE3069283   # CRC-32C's check value
    event = messages.event(1500000000.5, 42, summary=messages.scalar_summary("loss", 0.25))
    assert event_file.frame(event) == TF_RECORD


def test_event_file_name_and_file_version(tmp_path):
    before = int(time.time())
    with tf.summary.FileWriter(str(tmp_path / "logs"), filename_suffix=".v3") as writer:
        assert writer.get_logdir() == str(tmp_path / "logs")
        name = os.path.basename(writer.event_file_path)
    match = re.fullmatch(r"events\.out\.tfevents\.(\d{10})\.(.+)\.v3", name)
    assert match and match.group(2) == socket.gethostname()
    assert before <= int(match.group(1)) <= time.time()
    blob = open(tmp_path / "logs" / name, "rb").read()
    assert blob[:12] == TF_FILE_VERSION_HEADER
    (record,) = event_file.read_records(tmp_path / "logs" / name)
    assert record == messages.event(float(match.group(1)), file_version="brain.Event:2")


def test_a_corrupt_record_is_detected(tmp_path):
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(TF_RECORD[:-5] + b"X" + TF_RECORD[-4:])
    with pytest.raises(ValueError, match="bad data CRC"):
        event_file.read_records(path)


def test_tensorboard_reads_graph_and_scalars(tmp_path, backend):
    accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    X, loss, train, summary = _book_dynamic_rnn()
    graph = tf.get_default_graph()
    ops = {op.name for op in graph.get_operations()}
    logdir = str(tmp_path)
    writer = tf.summary.FileWriter(logdir, graph)
    rng = np.random.RandomState(0)
    losses = []
    with tf.Session(device=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(3):
            _, value, s = sess.run([train, loss, summary], {X: rng.rand(4, 2, 3)})
            writer.add_summary(s, global_step=10 * step)
            losses.append(value)
    writer.close()

    acc = accumulator.EventAccumulator(logdir)
    acc.Reload()
    nodes = {n.name: n for n in acc.Graph().node}
    from tinygraph.viz import to_networkx
    loop_ops = {name for name, d in to_networkx(graph).nodes(data=True) if d["parent"]}
    # the root graph's ops (those made before the writer) and the loop's, by name
    assert ops - {"init"} <= set(nodes) and loop_ops <= set(nodes)
    assert set(nodes) <= ops | loop_ops
    matmul = nodes["rnn/while/basic_rnn_cell/MatMul"]
    assert matmul.op == "MatMul"
    assert list(matmul.input) == ["rnn/while/basic_rnn_cell/concat", "rnn/while/Enter_4"]
    assert nodes["rnn/while/Enter_4"].input == ["rnn/basic_rnn_cell/kernel/read"]  # captured
    assert nodes["rnn/while"].op == "While"
    state = nodes["rnn/while/Identity_3"]   # the loop's state: enters from the zero state
    assert list(state.input) == ["rnn/BasicRNNCellZeroState/zeros"]
    assert [d.size for d in state.attr["_output_shapes"].list.shape[0].dim] == [-1, 5]
    assert nodes["rnn/TensorArray"].attr["_output_shapes"].list.shape[1].dim == []
    from tensorboard.compat.proto import types_pb2
    assert matmul.attr["T"].type == types_pb2.DT_FLOAT
    assert any(i.startswith("^") for n in nodes.values() for i in n.input)   # controls

    scalars = acc.Scalars("loss")
    assert [e.step for e in scalars] == [0, 10, 20]
    np.testing.assert_array_equal([e.value for e in scalars], np.float32(losses))


def test_scalars_csv(tmp_path):
    x, scalar, other, hist = _summaries_graph()
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter(str(tmp_path))
    start = time.time()
    with tf.Session(device="numpy") as sess:
        for step in (1, 2):
            writer.add_summary(sess.run(merged, {x: [[step, 2, 3]]}), step)
    writer.add_summary(messages.Summary([messages.Summary.Value("acc", 0.5)]))
    writer.close()
    rows = list(csv.reader(open(tmp_path / "scalars.csv", newline="")))
    assert tuple(rows[0]) == CSV_HEADER == ("tag", "step", "wall_time", "value")
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("my_loss", "1", "2.0"), ("fam/fam/other", "1", "4.0"),
        ("my_loss", "2", "2.3333333"), ("fam/fam/other", "2", "4.6666665"),
        ("acc", "0", "0.5")]   # (histograms are not scalars: not in the CSV)
    assert all(start <= float(r[2]) <= time.time() for r in rows[1:])
    # a second writer in the same logdir appends, without a second header
    with tf.summary.FileWriter(str(tmp_path)) as again:
        again.add_summary(messages.scalar_summary("late", 1.0), 5)
    rows = list(csv.reader(open(tmp_path / "scalars.csv", newline="")))
    assert rows[0] == list(CSV_HEADER) and rows[-1][:2] == ["late", "5"] and len(rows) == 7
    assert len([f for f in os.listdir(tmp_path) if "tfevents" in f]) == 2


def test_records_wait_for_flush(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path), max_queue=3)
    path = writer.event_file_path
    writer.add_summary(messages.scalar_summary("a", 1.0), 1)
    assert len(event_file.read_records(path)) == 1            # only the file version
    assert not (tmp_path / "scalars.csv").exists()
    writer.flush()
    assert len(event_file.read_records(path)) == 2
    assert (tmp_path / "scalars.csv").exists()
    for step in (2, 3, 4):                                    # max_queue reached
        writer.add_summary(messages.scalar_summary("a", 1.0), step)
    assert len(event_file.read_records(path)) == 5
    writer.close()


def test_a_writer_left_open_is_flushed_at_exit(tmp_path):
    # The book's programs never close their writer.
    program = ("import tinygraph as tf\n"
               f"w = tf.summary.FileWriter({str(tmp_path)!r}, max_queue=100)\n"
               "w.add_summary(tf.summary.Summary([tf.summary.Summary.Value('a', 2.0)]), 1)\n")
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
    assert len(_records(str(tmp_path))) == 2
    assert (tmp_path / "scalars.csv").read_text().splitlines()[1].startswith("a,1,")


def test_close_reopen_and_cache(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="tinygraph")   # whatever verbosity others set
    writer = tf.summary.FileWriter(str(tmp_path))
    first = writer.event_file_path
    writer.close()
    writer.add_summary(messages.scalar_summary("ignored", 1.0), 1)   # a no-op, as TF
    assert "closed FileWriter" in caplog.text
    writer.reopen()
    writer.add_summary(messages.scalar_summary("kept", 1.0), 1)
    writer.close()
    assert writer.event_file_path != first
    assert len(event_file.read_records(first)) == 1
    assert len(event_file.read_records(writer.event_file_path)) == 2
    cached = tf.summary.FileWriterCache.get(str(tmp_path / "cache"))
    assert tf.summary.FileWriterCache.get(str(tmp_path / "cache")) is cached
    tf.summary.FileWriterCache.clear()
    assert (tmp_path / "cache" / "graph.html").exists()


def test_without_tensorboard_csv_and_page_are_still_written(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "tensorboard" or m.startswith("tensorboard.")]:
        monkeypatch.setitem(sys.modules, name, None)   # `import tensorboard...` now fails
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    X, loss, train, summary = _book_dynamic_rnn()
    with tf.summary.FileWriter(str(tmp_path), tf.get_default_graph()) as writer:
        with tf.Session(device="numpy") as sess:
            sess.run(tf.global_variables_initializer())
            value, s = sess.run([loss, summary], {X: np.ones((1, 2, 3))})
        writer.add_summary(s, 3)
    page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "rnn/while/basic_rnn_cell/MatMul" in page
    rows = list(csv.reader(open(tmp_path / "scalars.csv", newline="")))
    assert rows[1][:2] == ["loss", "3"] and np.float32(rows[1][3]) == np.float32(value)
    # the event file has no graph (that needs tensorboard), and the summary
    records = _records(str(tmp_path))
    assert len(records) == 2 and b"brain.Event:2" in records[0]
    assert records[1].endswith(s)


def test_add_graph_takes_a_graph_or_a_graph_def(tmp_path):
    graph_pb2 = pytest.importorskip("tensorboard.compat.proto.graph_pb2")
    tf.constant(1.0, name="c")
    graph_def = graph_pb2.GraphDef()
    graph_def.node.add(name="only", op="NoOp")
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_graph(graph_def, global_step=4)
        with pytest.raises(ValueError, match="not both"):
            writer.add_graph(tf.get_default_graph(), graph_def=graph_def)
        with pytest.raises(TypeError, match="must be an instance of `Graph`"):
            writer.add_graph(None)
    assert not (tmp_path / "graph.html").exists()   # no page for a bare GraphDef
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    event = event_pb2.Event.FromString(_records(str(tmp_path))[1])
    assert event.step == 4 and graph_pb2.GraphDef.FromString(event.graph_def) == graph_def

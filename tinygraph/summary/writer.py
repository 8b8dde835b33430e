"""tf.summary.FileWriter: writes a graph and summaries into a log directory.

What a logdir gets:
  events.out.tfevents.*  TensorBoard's event file: the file version, the graph as a
                         GraphDef (needs the `tensorboard` package), and each summary
                         added, with its step and wall time;
  graph.html             the graph as an interactive page (tinygraph.viz.to_html);
  scalars.csv            one row per scalar summary value: tag, step, wall_time, value.
Records are buffered; they reach the disk when `max_queue` of them are waiting, when
`flush_secs` have passed at the next add, on flush() and close(), and at exit."""
import atexit
import csv
import os
import threading
import time
import weakref

import numpy as np

from ..compat import tf_logging
from ..framework.graph import Graph, get_default_graph
from . import messages
from .event_file import EventFile

CSV_NAME = "scalars.csv"
CSV_HEADER = ("tag", "step", "wall_time", "value")
HTML_NAME = "graph.html"


class FileWriter:
    """TF 1.15's FileWriter. `session` is accepted and not needed: the files are the
    same without it."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        self._logdir = str(logdir)
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = flush_secs
        self._suffix = filename_suffix or ""
        self._events = None
        self._open()
        _open_writers.add(self)
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def _open(self):
        os.makedirs(self._logdir, exist_ok=True)
        self._events = EventFile(self._logdir, self._suffix)
        self._pending = 0
        self._rows = []
        self._last_flush = time.time()

    def get_logdir(self):
        return self._logdir

    @property
    def event_file_path(self):
        """The path of the event file being written (tinygraph's addition)."""
        return self._events.path

    # --- what a logdir receives ---
    def add_graph(self, graph, global_step=None, graph_def=None):
        """Writes `graph` (a tf.Graph; a GraphDef protobuf is also taken, as in TF) as
        graph.html and, when the tensorboard package is installed, as a graph event."""
        if self._closed_warning():
            return
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        graph = graph if graph is not None else graph_def
        if isinstance(graph, Graph):
            from ..viz import to_html   # the page needs networkx: imported when used
            with open(os.path.join(self._logdir, HTML_NAME), "w", encoding="utf-8") as f:
                f.write(to_html(graph))
            data = _graph_def_bytes(graph)
        elif hasattr(graph, "SerializeToString"):   # a GraphDef protobuf
            data = graph.SerializeToString()
        else:
            raise TypeError("The passed graph must be an instance of `Graph` or the "
                            "deprecated `GraphDef`")
        if data is not None:
            self._add(messages.event(time.time(), global_step or 0, graph_def=data))
        self.flush()   # a graph is written once, and looked at right away

    def add_summary(self, summary, global_step=None):
        """Writes a summary: the bytes a summary op's run gives (or a Summary object),
        at step `global_step`; its scalar values also go to scalars.csv."""
        if self._closed_warning():
            return
        data = messages.as_summary_bytes(summary)
        try:
            values = messages.Summary.FromString(data).value
        except ValueError:
            raise ValueError("add_summary: the value is not a serialized Summary") from None
        now = time.time()
        step = int(global_step) if global_step is not None else 0
        self._rows.extend((v.tag, step, repr(now), str(np.float32(v.simple_value)))
                          for v in values if v.simple_value is not None)
        self._add(messages.event(now, step, summary=data))

    def add_event(self, event):
        """Writes an Event as it is (its serialized bytes, or an Event protobuf)."""
        if self._closed_warning():
            return
        self._add(event.SerializeToString() if hasattr(event, "SerializeToString")
                  else bytes(event))

    def _add(self, event_bytes):
        self._events.write(event_bytes)
        self._pending += 1
        if self._pending >= self._max_queue or \
                time.time() - self._last_flush >= self._flush_secs:
            self.flush()

    # --- flushing and closing ---
    def flush(self):
        if self._events is None or self._events.closed:
            return
        self._events.flush()
        if self._rows:
            path = os.path.join(self._logdir, CSV_NAME)
            with open(path, "a", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                if f.tell() == 0:
                    out.writerow(CSV_HEADER)
                out.writerows(self._rows)
            self._rows = []
        self._pending = 0
        self._last_flush = time.time()

    def close(self):
        if self._events is not None and not self._events.closed:
            self.flush()
            self._events.close()

    def reopen(self):
        """After close(): writing again, into a new event file."""
        if self._events.closed:
            self._open()

    def _closed_warning(self):
        if self._events.closed:
            tf_logging.warning("Attempting to use a closed FileWriter. The operation will be "
                               "a noop unless the FileWriter is explicitly reopened.")
            return True
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _graph_def_bytes(graph):
    """The serialized GraphDef, or None without the tensorboard package."""
    try:
        import tensorboard.compat.proto.graph_pb2  # noqa: F401 - only: is it there?
    except ImportError:
        return None
    from .graph_def import to_graph_def
    return to_graph_def(graph).SerializeToString()


class FileWriterCache:
    """One FileWriter per logdir, shared (TF's tf.summary.FileWriterCache)."""
    _cache = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir):
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriterCache._cache[logdir] = FileWriter(
                    logdir, graph=get_default_graph())
            return writer

    @staticmethod
    def clear():
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache.clear()


# Writers never closed (the book's programs leave theirs open) still reach the disk.
_open_writers = weakref.WeakSet()


@atexit.register
def _close_all():
    for writer in list(_open_writers):
        writer.close()

"""tf.summary: summary ops (scalar, histogram, merge, merge_all) and the FileWriter that
writes them, with the graph, for TensorBoard (event files) and for everyone (graph.html
and scalars.csv)."""
from .messages import Summary
from .summary_ops import histogram, merge, merge_all, scalar
from .writer import FileWriter, FileWriterCache

__all__ = ["FileWriter", "FileWriterCache", "Summary", "histogram", "merge", "merge_all",
           "scalar"]

"""See the graph: `to_networkx` (the data model), `to_dot` (Graphviz text), `to_html` (one
self-contained interactive page) and `show_graph` (inline display in Jupyter)."""
from .dot import to_dot
from .export import to_networkx
from .show import show_graph

__all__ = ["to_networkx", "to_dot", "to_html", "show_graph"]


def __getattr__(name):
    # The page builder is imported on first use: exporting to networkx or DOT does not
    # pay for it.
    if name == "to_html":
        from .html import to_html
        return to_html
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""show_graph: the graph page inline in a Jupyter notebook, as the book's notebooks
showed TensorBoard's graph."""
import html


def show_graph(graph=None, height=640):
    """An object that Jupyter displays as the interactive page of `graph` (default: the
    default graph; a Session gives its graph); `.html` is the page, `.save(path)` writes
    it."""
    from .html import to_html
    return GraphView(to_html(graph), height)


class GraphView:
    def __init__(self, page, height=640):
        self.html = page
        self.height = height

    def _repr_html_(self):
        # The page goes in an iframe's srcdoc: its script, styles and element ids live
        # in a document of their own and cannot clash with the notebook's; the sandbox
        # lets it run its script but not reach into the notebook.
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'sandbox="allow-scripts" style="width: 100%; height: {int(self.height)}px; '
                f'border: 1px solid #ccc;"></iframe>')

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.html)

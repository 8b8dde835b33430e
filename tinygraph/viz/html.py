"""to_html: one self-contained page that draws a graph the way TensorBoard does.

The page carries the graph as JSON and draws it with its own script and style
(graph_page.js and graph_page.css beside this module, inlined: no library, no network):
name scopes and loop bodies are boxes that open on click, and the layout of what is
visible is computed in the page each time a box opens or closes."""
import html
import json
from importlib import resources
from pathlib import Path

from .export import to_networkx

_KINDS = ("data", "control", "capture")


def to_html(graph=None, title=None):
    """The page for `graph` (default: the default graph; a Session gives its graph) as
    one HTML string: script, style and data inline, so it opens from a file offline."""
    nx_graph = to_networkx(graph)
    title = title or nx_graph.graph.get("name") or "tinygraph graph"
    here = resources.files(__package__)
    return _TEMPLATE.format(
        title=html.escape(title),
        style=here.joinpath("graph_page.css").read_text(encoding="utf-8"),
        data=_script_safe(json.dumps(page_data(nx_graph, title), separators=(",", ":"))),
        script=here.joinpath("graph_page.js").read_text(encoding="utf-8"))


def write_html(graph, path, title=None):
    """Writes to_html(graph) to `path` (UTF-8); returns the path."""
    path = Path(path)
    path.write_text(to_html(graph, title), encoding="utf-8")
    return path


def page_data(nx_graph, title):
    """The JSON the page reads: the ops as objects in the graph's order, the edges as
    [source index, target index, kind, tensor, shape, dtype, input index]."""
    index = {name: i for i, name in enumerate(nx_graph.nodes)}
    nodes = [{"name": name, "type": d.get("type", ""), "device": d.get("device", ""),
              "attrs": d.get("attrs", {}), "outputs": d.get("outputs", []),
              "source": d.get("source", ""), "parent": d.get("parent"), "role": d.get("role")}
             for name, d in nx_graph.nodes(data=True)]
    edges = [[index[u], index[v], d.get("kind", "data"), d.get("tensor", ""),
              d.get("shape", ""), d.get("dtype", ""), d.get("dst_input", -1)]
             for u, v, d in nx_graph.edges(data=True)]
    return {"title": title, "nodes": nodes, "edges": edges}


def _script_safe(text):
    # Inside <script> the HTML parser ends the block at "</script" and treats "<!--" as
    # special; JSON may spell "<" as \u003c, so no such sequence can appear.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<header id="toolbar">
  <span id="title">{title}</span>
  <input id="search" type="search" placeholder="Search ops by name (Enter)" autocomplete="off">
  <span id="search-info"></span>
  <button id="fit" type="button" title="Fit the graph to the window">Fit</button>
  <button id="collapse-all" type="button" title="Close every box">Collapse all</button>
</header>
<main>
  <svg id="canvas" aria-label="graph"></svg>
  <aside id="panel"><p class="hint">Click a box to open it, an op to see its details.
  Drag to pan, wheel to zoom.</p></aside>
</main>
<script type="application/json" id="graph-data">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""

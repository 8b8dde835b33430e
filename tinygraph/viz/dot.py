"""to_dot: a graph as Graphviz DOT text, name scopes drawn as nested clusters.

Every node and edge is declared at the top level, and the clusters only list their
members' names: Graphviz still draws the nodes inside their clusters, and readers that
look at the top level only (networkx's read_dot) still see the whole graph."""
from .export import to_networkx

_EDGE_STYLE = {"data": "solid", "control": "dashed", "capture": "dotted"}


def to_dot(graph=None):
    """The DOT text of `graph` (default: the default graph) and its loops' and
    conditionals' sub-graphs: one node per op labelled with its name and type, one edge
    per tensor labelled with its shape, control dependencies dashed, tensors entering a
    sub-graph dotted."""
    g = to_networkx(graph)
    lines = ["digraph tinygraph {",
             "  graph [compound=true, fontname=Helvetica, fontsize=11];",
             '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
             "fontname=Helvetica, fontsize=10];",
             "  edge [fontname=Helvetica, fontsize=9];"]
    for name, data in g.nodes(data=True):
        short = name.rpartition("/")[2]
        tooltip = f"{name}\n{data['source']}" if data["source"] else name
        lines.append(f"  {_quote(name)} [label={_quote(short + chr(10) + data['type'])}, "
                     f"tooltip={_quote(tooltip)}];")
    lines += _clusters(g)
    for u, v, data in g.edges(data=True):
        attrs = [f"style={_EDGE_STYLE[data['kind']]}"]
        if "shape" in data:
            attrs.append(f"label={_quote(data['shape'])}")
        lines.append(f"  {_quote(u)} -> {_quote(v)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _clusters(g):
    """Nested `subgraph cluster_<scope>` blocks listing the ops of each name scope."""
    members = {}   # scope -> its ops' names
    for name, data in g.nodes(data=True):
        members.setdefault(data["scope"], []).append(name)
    children = {}   # scope -> the scopes directly inside it
    for scope in list(members):
        while scope:
            outer = scope.rpartition("/")[0]
            kids = children.setdefault(outer, [])
            if scope in kids:
                break
            kids.append(scope)
            scope = outer
    lines = []

    def emit(scope, depth):
        pad = "  " * depth
        lines.append(f"{pad}subgraph {_quote('cluster_' + scope)} {{")
        lines.append(f"{pad}  label={_quote(scope.rpartition('/')[2])};")
        lines.extend(f"{pad}  {_quote(n)};" for n in members.get(scope, []))
        for kid in children.get(scope, []):
            emit(kid, depth + 1)
        lines.append(f"{pad}}}")

    for scope in children.get("", []):
        emit(scope, 1)
    return lines


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

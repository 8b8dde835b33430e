"""tinygraph.viz.to_html: the page is self-contained and carries every op; in headless
Chromium it shows the book's dynamic_rnn graph as closed boxes that open on a click,
details on an op's click, search, zoom and pan; a screenshot is kept as an artifact."""
import json
import os
import re
import struct
from pathlib import Path

import pytest

import tinygraph as tf
from headless_chromium import Chromium, ChromiumUnavailable
from tinygraph.viz import to_networkx
from tinygraph.viz.html import to_html, write_html

BOOK_DYNAMIC_RNN = Path(__file__).resolve().parents[1] / "examples" / "ch14_dynamic_rnn.py"
BOOK_SCRIPT_NAME = "examples/ch14_dynamic_rnn.py"
EVIL = "</script><script>document.title='pwned'</script><!--"


def book_dynamic_rnn_graph():
    """The graph examples/ch14_dynamic_rnn.py builds (its lines up to the Session), with
    the ops' source lines pointing into that file as `python examples/...` names it."""
    source = BOOK_DYNAMIC_RNN.read_text().split("\nwith tf.Session")[0]
    exec(compile(source, BOOK_SCRIPT_NAME, "exec"), {"__name__": "book"})
    return tf.get_default_graph()


def static_rnn_graph(n_steps):
    X = tf.placeholder(tf.float32, [None, n_steps, 3], name="X")
    y = tf.placeholder(tf.float32, [None, 5], name="y")
    cell = tf.nn.rnn_cell.BasicRNNCell(num_units=5)
    _, state = tf.nn.static_rnn(cell, tf.unstack(tf.transpose(X, perm=[1, 0, 2])),
                                dtype=tf.float32)
    tf.train.AdamOptimizer().minimize(tf.reduce_mean(tf.square(state - y), name="loss"))
    return tf.get_default_graph()


def embedded_data(page):
    found = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>',
                      page, re.S)
    return json.loads(found.group(1))


# ---- The page as text ---------------------------------------------------------------------

def test_page_is_self_contained():
    page = to_html(book_dynamic_rnn_graph())
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=|<link\b|@import|url\(\s*['\"]?https?:", page,
                         re.I)
    assert not re.search(r"\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|\bimport\s*\(",
                         page)
    # the script and the style are the package's files, inline
    assert "function layered(" in page and ".scope.collapsed rect" in page


def test_page_holds_every_op_and_edge():
    graph = book_dynamic_rnn_graph()
    expected = to_networkx(graph)
    data = embedded_data(to_html(graph))
    names = [n["name"] for n in data["nodes"]]
    assert set(names) == set(expected.nodes) and len(names) == len(expected)
    assert "rnn/while" in names and "rnn/while/basic_rnn_cell/MatMul" in names
    by_name = {n["name"]: n for n in data["nodes"]}
    matmul = by_name["rnn/while/basic_rnn_cell/MatMul"]
    assert matmul["type"] == "MatMul" and matmul["parent"] == "rnn/while"
    assert matmul["role"] == "body"
    assert matmul["outputs"] == [{"shape": "(?, 5)", "dtype": "float32"}]
    assert matmul["source"] == BOOK_SCRIPT_NAME + ":26"   # the dynamic_rnn call
    assert len(data["edges"]) == expected.number_of_edges()
    edges = {(names[e[0]], names[e[1]], e[2]) for e in data["edges"]}
    assert ("rnn/while/basic_rnn_cell/concat", "rnn/while/basic_rnn_cell/MatMul",
            "data") in edges
    assert any(k == "capture" and u == "rnn/basic_rnn_cell/kernel/read" for u, v, k in edges)


def test_script_closing_tags_in_the_data_are_escaped(tmp_path):
    with tf.device("/job:" + EVIL):
        tf.constant(1.0, name="c")
    page = to_html(title="a title with " + EVIL)
    # only the page's own two scripts end, and the title is text
    assert page.count("</script>") == 2 and page.lower().count("<script") == 2
    assert "<!--" not in page
    assert "<title>a title with &lt;/script&gt;" in page
    data = embedded_data(page)
    assert data["nodes"][0]["device"] == "/job:" + EVIL
    assert data["title"] == "a title with " + EVIL
    path = write_html(None, tmp_path / "graph.html")
    assert path.read_text(encoding="utf-8").count("</script>") == 2


# ---- The page in headless Chromium --------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    try:
        with Chromium() as chromium:
            yield chromium
    except ChromiumUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture
def open_page(browser, tmp_path):
    """open_page(graph, size=(1280, 800), fragment="") -> the page, loaded and drawn."""
    pages = []

    def open_(graph, size=(1280, 800), fragment=""):
        path = write_html(graph, tmp_path / f"graph{len(pages)}.html")
        page = browser.open(path.as_uri() + fragment, *size)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        assert page.errors() == []
        page.close()


def names(page, selector):
    return set(page.evaluate(
        f"Array.from(document.querySelectorAll({json.dumps(selector)}), e => e.dataset.name)"))


def scope(name, state):
    return f'.scope.{state}[data-name="{name}"]'


def test_clicking_name_scopes_opens_and_closes_them(open_page):
    page = open_page(book_dynamic_rnn_graph())
    # closed at first: "rnn" is one box, none of its ops is drawn
    assert names(page, ".node") == {"Placeholder", "rnn", "init"}
    assert names(page, scope("rnn", "collapsed")) == {"rnn"}
    assert not names(page, '[data-name^="rnn/"]')
    # one edge from the input into the box, labelled with the tensor's shape; the
    # initializer's control inputs from the box bundled into one dashed edge
    assert page.evaluate("""Array.from(document.querySelectorAll(
        '.edge[data-from="Placeholder"][data-to="rnn"]'), e => e.textContent)""") == \
        ["?\u00d72\u00d73"]
    assert page.evaluate("""Array.from(document.querySelectorAll(
        '.edge.control[data-from="rnn"][data-to="init"]'), e => e.textContent)""") == ["2 control"]

    page.click(scope("rnn", "collapsed"))
    assert names(page, scope("rnn", "expanded")) == {"rnn"}
    inside_rnn = names(page, '[data-name^="rnn/"]')
    assert {"rnn/while", "rnn/transpose", "rnn/basic_rnn_cell", "rnn/TensorArray"} <= inside_rnn
    assert names(page, scope("rnn/while", "collapsed")) == {"rnn/while"}
    assert not names(page, '[data-name^="rnn/while/"]')

    page.click(scope("rnn/while", "collapsed"))
    assert names(page, scope("rnn/while", "expanded")) == {"rnn/while"}
    body = names(page, '[data-name^="rnn/while/"]')
    assert {"rnn/while/TensorArrayReadV3", "rnn/while/Less", "rnn/while/add",
            "rnn/while/basic_rnn_cell"} <= body
    # the While op itself is drawn inside its box, as TensorBoard draws it: "(while)"
    assert page.evaluate("""document.querySelector('.op[data-name="rnn/while"] text')
                            .textContent""") == "(while)"
    page.click(scope("rnn/while/basic_rnn_cell", "collapsed"))
    assert {"rnn/while/basic_rnn_cell/MatMul", "rnn/while/basic_rnn_cell/Tanh"} <= \
        names(page, ".op")

    page.click(scope("rnn/while", "expanded") + " .hdr")
    assert names(page, scope("rnn/while", "collapsed")) == {"rnn/while"}
    assert not names(page, '[data-name^="rnn/while/"]')
    assert names(page, scope("rnn", "expanded")) == {"rnn"}


def test_clicking_an_op_shows_its_details(open_page):
    page = open_page(book_dynamic_rnn_graph(), fragment="#open=rnn/while/basic_rnn_cell")
    page.click('.op[data-name="rnn/while/basic_rnn_cell/MatMul"]')
    assert names(page, ".selected") == {"rnn/while/basic_rnn_cell/MatMul"}
    panel = page.evaluate("document.getElementById('panel').innerText")
    for text in ("rnn/while/basic_rnn_cell/MatMul", "MatMul", "body of", "rnn/while",
                 "rnn/while/basic_rnn_cell/concat:0", "(?, 8) float32",
                 "rnn/while/Enter_4:0", "(8, 5) float32", "MatMul:0", "(?, 5) float32",
                 "rnn/while/basic_rnn_cell/BiasAdd", "transpose_a", "ch14_dynamic_rnn.py:26"):
        assert text in panel, text
    # an input's link goes to its producer
    page.click('#panel a[data-op="rnn/while/basic_rnn_cell/concat"]')
    assert names(page, ".selected") == {"rnn/while/basic_rnn_cell/concat"}


def test_unsafe_text_is_shown_not_run(open_page):
    with tf.device("/job:" + EVIL):
        tf.constant(1.0, name="c")
    page = open_page(None)
    page.click('.op[data-name="c"]')
    assert "/job:" + EVIL in page.evaluate("document.getElementById('panel').innerText")
    assert page.evaluate("document.title") != "pwned"


def test_search_opens_the_boxes_holding_the_matches(open_page):
    page = open_page(book_dynamic_rnn_graph())
    page.type("#search", "TensorArrayRead")
    assert names(page, ".match") == {"rnn/while/TensorArrayReadV3"}
    assert names(page, ".scope.expanded") == {"rnn", "rnn/while"}
    assert page.evaluate("document.getElementById('search-info').textContent") == "1 match"


def test_wheel_zooms_and_drag_pans(open_page):
    page = open_page(book_dynamic_rnn_graph())
    transform = "document.getElementById('viewport').getAttribute('transform')"

    def view():
        found = re.fullmatch(r"translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)",
                             page.evaluate(transform))
        return [float(v) for v in found.groups()]

    x, y, k = view()
    page.wheel("#canvas", -300)
    page.wait_for(f"{transform} !== 'translate({x},{y}) scale({k})'")
    assert view()[2] > k * 1.2
    x, y, k = view()
    page.drag('[data-name="rnn"]', 120, -40)
    x2, y2, k2 = view()
    assert (x2 - x, y2 - y, k2) == pytest.approx((120, -40, k), abs=1)
    # a drag is not a click: the box it started on stays closed
    assert names(page, scope("rnn", "collapsed")) == {"rnn"}


def test_boxes_bundle_the_unrolled_steps(open_page):
    graph = static_rnn_graph(n_steps=10)
    nx_graph = to_networkx(graph)
    page = open_page(graph)
    assert {"rnn", "gradients", "Adam", "unstack"} <= names(page, ".node")
    # the ten steps' inputs (and the first one's shape) are one edge, labelled with the count
    into_rnn = sum(1 for _, v in nx_graph.out_edges("unstack") if v.startswith("rnn/"))
    assert into_rnn == 11
    labels = page.evaluate("""Array.from(document.querySelectorAll(
        '.edge[data-from="unstack"][data-to="rnn"]'), e => e.textContent)""")
    assert labels == ["11 tensors"]
    page.click(scope("rnn", "collapsed"))
    unrolled = sum(1 for n in nx_graph if n.startswith("rnn/basic_rnn_cell/"))
    assert unrolled > 40   # ten steps of concat, MatMul, BiasAdd, Tanh, and the variables
    subtitle = page.evaluate("""document.querySelector(
        '.scope.collapsed[data-name="rnn/basic_rnn_cell"] .sub').textContent""")
    assert subtitle == f"{unrolled} ops"


def test_an_empty_graph_opens(open_page):
    page = open_page(None)
    assert page.evaluate("document.querySelectorAll('.node, .edge').length") == 0


def test_screenshot_of_the_book_dynamic_rnn(open_page, tmp_path):
    """The README's picture (docs/graph_dynamic_rnn.png is this test's artifact:
    TINYGRAPH_ARTIFACTS=docs python -m pytest tests/test_viz_html.py -k screenshot)."""
    page = open_page(book_dynamic_rnn_graph(), size=(1500, 900),
                     fragment="#open=rnn/while/basic_rnn_cell&focus=rnn/while"
                              "&select=rnn/while/basic_rnn_cell/MatMul")
    assert names(page, ".scope.expanded") == {"rnn", "rnn/while", "rnn/while/basic_rnn_cell"}
    assert names(page, ".selected") == {"rnn/while/basic_rnn_cell/MatMul"}
    png = page.screenshot()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (1500, 900)
    assert len(png) > 20_000   # a drawing, not a blank page
    (tmp_path / "graph_dynamic_rnn.png").write_bytes(png)
    artifacts = os.environ.get("TINYGRAPH_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        (Path(artifacts) / "graph_dynamic_rnn.png").write_bytes(png)

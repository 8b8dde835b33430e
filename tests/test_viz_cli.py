"""`python -m tinygraph viz SCRIPT.py -o graph.html`: the script runs up to its first
Session.run, which does not run, and its graph is written; a broken script gives a
clear message and a non-zero status."""
import subprocess
import sys
import textwrap

import tinygraph as tf
from tinygraph.__main__ import main
from tinygraph.session import BaseSession

ORIGINAL_RUN = BaseSession.run

SCRIPT = """\
import tinygraph as tf

x = tf.placeholder(tf.float32, [None, 3], name="inputs")
w = tf.Variable(tf.ones([3, 2]), name="weights")
y = tf.matmul(x, w, name="scores")
print("graph built")
with tf.Session() as sess:
    try:   # the stop is not an Exception: the script cannot catch it by mistake
        sess.run(tf.global_variables_initializer())
    except Exception:
        print("caught")
open("ran_past_the_first_run.txt", "w").close()
print("after the first run")
"""


def _write(tmp_path, text, name="script.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_command_writes_the_graph_and_stops_at_the_first_run(tmp_path):
    script = _write(tmp_path, SCRIPT)
    done = subprocess.run([sys.executable, "-m", "tinygraph", "viz", str(script),
                           "-o", "out.html"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "out.html").read_text()
    assert all(name in page for name in ("inputs", "weights/read", "scores", "init"))
    assert "graph built" in done.stdout
    assert "caught" not in done.stdout and "after the first run" not in done.stdout
    assert not (tmp_path / "ran_past_the_first_run.txt").exists()
    assert f"{script}:9" in done.stdout   # where it stopped: the sess.run line


def test_dot_format_and_a_script_without_a_run(tmp_path, capsys):
    script = _write(tmp_path, """\
        import sys
        import tinygraph as tf
        a = tf.constant(2.0, name=sys.argv[1])
        b = tf.square(a, name="b")
        """)
    out = tmp_path / "g.dot"
    assert main(["tinygraph", "viz", str(script), "-o", str(out), "--", "given"]) == 0
    text = out.read_text()
    assert text.startswith("digraph") and '"given" -> "b"' in text
    assert "ran to its end" in capsys.readouterr().out
    # what the script changed for its run is put back
    assert BaseSession.run is ORIGINAL_RUN and sys.argv[0] != str(script)


def test_the_graph_is_the_sessions_at_its_first_run(tmp_path):
    script = _write(tmp_path, """\
        import tinygraph as tf
        g = tf.Graph()
        with g.as_default():
            c = tf.constant(1.0, name="in_own_graph")
            with tf.Session() as sess:
                sess.run(c)
        """)
    out = tmp_path / "g.dot"
    assert main(["tinygraph", "viz", str(script), "-o", str(out)]) == 0
    assert '"in_own_graph"' in out.read_text()
    assert tf.Session().run(tf.constant(3.0)) == 3.0   # Session.run works again


def test_syntax_error_is_reported(tmp_path, capsys):
    script = _write(tmp_path, "import tinygraph as tf\nx = tf.constant(1.0\nprint(x)\n")
    assert main(["tinygraph", "viz", str(script), "-o", str(tmp_path / "g.html")]) == 1
    err = capsys.readouterr().err
    assert f"{script}:2: syntax error" in err and "no graph written" in err
    assert not (tmp_path / "g.html").exists()


def test_exception_in_the_script_is_reported(tmp_path, capsys):
    script = _write(tmp_path, """\
        import tinygraph as tf
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.reshape(x, [4, 4, "no"])
        """)
    assert main(["tinygraph", "viz", str(script), "-o", str(tmp_path / "g.html")]) == 1
    err = capsys.readouterr().err
    assert f'File "{script}", line 3' in err   # the script's own traceback
    assert "runpy" not in err
    assert "raised " in err and "before its first Session.run; no graph written" in err
    assert not (tmp_path / "g.html").exists()


def test_missing_script(tmp_path, capsys):
    assert main(["tinygraph", "viz", str(tmp_path / "nope.py")]) == 1
    assert "nope.py: no such file" in capsys.readouterr().err

"""`python -m tinygraph viz SCRIPT.py -o graph.html [--format html|dot] [-- ARGS]`: runs a
graph-building script up to its first Session.run (which is not run) or to its end, and
writes the graph it built, so a graph can be looked at without training anything."""
import argparse
import os
import runpy
import sys
import traceback

from ..framework.graph import get_default_graph
from ..framework.operation import user_frame


class _FirstRun(BaseException):
    """Raised in place of the script's first Session.run. A BaseException, so that the
    script's own `except Exception:` does not catch it."""

    def __init__(self, graph, where):
        super().__init__(where)
        self.graph = graph
        self.where = where


class ScriptError(Exception):
    """The script failed before its first Session.run; the message says how."""


def main(argv):
    # what follows "--" is the script's own sys.argv[1:] (split off here: argparse would
    # not give a positional list after options)
    cut = argv.index("--") if "--" in argv else len(argv)
    argv, script_args = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(
        prog="tinygraph viz", usage="%(prog)s SCRIPT.py [-o OUTPUT] [--format {html,dot}] "
        "[-- ARGS...]", description="Run SCRIPT up to its first Session.run and write the "
        "graph it built (the session's graph at that run, else the default graph); ARGS "
        "after -- are the script's sys.argv[1:].")
    parser.add_argument("script", help="a Python script that builds a tinygraph graph")
    parser.add_argument("-o", "--output", help="the file to write (default: SCRIPT's name "
                        "with .html or .dot, in the current folder)")
    parser.add_argument("--format", choices=["html", "dot"],
                        help="html (the interactive page) or dot (Graphviz text); default: "
                        "from the output's extension, else html")
    args = parser.parse_args(argv)
    fmt = args.format or ("dot" if (args.output or "").endswith((".dot", ".gv")) else "html")
    output = args.output or \
        os.path.splitext(os.path.basename(args.script))[0] + "." + fmt
    try:
        graph, stopped = graph_of_script(args.script, script_args)
    except ScriptError as e:
        print(f"tinygraph viz: {e}; no graph written", file=sys.stderr)
        return 1
    if fmt == "dot":
        from .dot import to_dot as render
    else:
        from .html import to_html as render
    text = render(graph)
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"tinygraph viz: wrote {output} ({len(graph.get_operations())} ops in the root "
          f"graph; {stopped})")
    return 0


def graph_of_script(path, argv=()):
    """Runs the script at `path` as __main__ until its first Session.run, which is not
    run; returns (the graph, a phrase saying where the script stopped)."""
    from ..session import BaseSession
    if not os.path.isfile(path):
        raise ScriptError(f"{path}: no such file")

    def stop(session, *args, **kwargs):
        file, line = user_frame()
        raise _FirstRun(session.graph, f"stopped before the Session.run at {file}:{line}")

    saved = BaseSession.run, sys.argv, list(sys.path)
    BaseSession.run = stop
    sys.argv = [path, *argv]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))   # as `python SCRIPT` does
    try:
        runpy.run_path(path, run_name="__main__")
    except _FirstRun as first:
        return first.graph, first.where
    except SyntaxError as e:
        if not _same_file(e.filename, path):   # a module the script imports: show where
            _print_script_traceback(e, path)
        raise ScriptError(f"{e.filename}:{e.lineno}: syntax error: {e.msg}") from None
    except SystemExit as e:
        if e.code not in (None, 0):
            raise ScriptError(f"{path} exited with status {e.code} before its first "
                              "Session.run") from None
    except Exception as e:
        _print_script_traceback(e, path)
        raise ScriptError(f"{path} raised {type(e).__name__} before its first "
                          "Session.run") from None
    finally:
        BaseSession.run, sys.argv, sys.path[:] = saved
    return get_default_graph(), "the script ran to its end without a Session.run"


def _print_script_traceback(error, path):
    """The traceback from the script's frame on (this module's and runpy's left out)."""
    tb = error.__traceback__
    while tb is not None and not _same_file(tb.tb_frame.f_code.co_filename, path):
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb or error.__traceback__, file=sys.stderr)


def _same_file(a, b):
    return a is not None and os.path.abspath(a) == os.path.abspath(b)

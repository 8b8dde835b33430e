"""`tinygraph replay`: choosing programs, the table, skipping without MNIST, reporting a
failing program without stopping the others, and leaving the caller's folder and
environment as they were."""
import os
import subprocess
import sys

import pytest

from tinygraph.datasets import mnist
from tinygraph.replay import programs, runner


def test_every_program_in_the_registry_is_a_file():
    assert [p for p in programs.PROGRAMS if not programs.path(p).exists()] == []


def test_select_by_name_prefix_and_pattern_in_registry_order():
    names = lambda chosen: [p.name for p in chosen]   # noqa: E731
    assert names(programs.select(["ch14_static_rnn", "ch14_manual_rnn"])) == \
        ["ch14_manual_rnn", "ch14_static_rnn"]
    tutorial = names(programs.select(["tutorial"]))
    assert tutorial and all(n.startswith("tutorial_") for n in tutorial)
    assert names(programs.select(["ch14_mnist_*"])) == \
        ["ch14_mnist_classifier", "ch14_mnist_multilayer", "ch14_mnist_lstm"]
    assert programs.select([]) == programs.PROGRAMS
    with pytest.raises(ValueError, match="no program matches 'nope'"):
        programs.select(["nope"])


def test_list(capsys):
    assert runner.main(["--list", "ch14"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "ch14_manual_rnn"
    assert any("ch14_mnist_classifier" in line and "(MNIST)" in line for line in lines)


def test_unknown_program_is_a_usage_error(capsys):
    assert runner.main(["no_such_program"]) == 2
    assert "no program matches" in capsys.readouterr().err


def _fake_programs(monkeypatch, tmp_path, sources):
    folder = tmp_path / "programs"
    folder.mkdir()
    for name, text in sources.items():
        (folder / f"{name}.py").write_text(text)
    monkeypatch.setattr(programs, "folder", lambda: folder)
    monkeypatch.setattr(programs, "PROGRAMS", [
        programs.Program(name, f"the {name} program", name.startswith("needs_mnist"),
                         "value", "value") for name in sources])


def test_table_statuses_key_figures_and_exit_code(monkeypatch, tmp_path, capsys):
    _fake_programs(monkeypatch, tmp_path, {
        "good": "import os\nvalue = 0.123456\nopen('made_here.txt', 'w').write(os.environ"
                "['TINYGRAPH_REPLAY_QUICK'] + os.environ['TINYGRAPH_REPLAY_EPOCHS'])\n",
        "bad": "raise RuntimeError('the model diverged')\n",
        "needs_mnist": "value = 1.0\n",
        "after": "value = 7\n"})
    monkeypatch.setenv("TINYGRAPH_DATA", str(tmp_path / "nothing_here"))
    monkeypatch.setattr(mnist, "MIRRORS", [])          # offline
    monkeypatch.delenv("TINYGRAPH_REPLAY_EPOCHS", raising=False)
    here = os.getcwd()
    work = tmp_path / "work"
    assert runner.main(["--quick", "--epochs", "3", "--output-dir", str(work)]) == 1
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[-7:]}
    assert rows["good"].split()[1:4] == ["passed", "value:", "0.1235"]
    assert rows["bad"].split()[1] == "failed" and "RuntimeError: the model diverged" in rows["bad"]
    assert rows["needs_mnist"].split()[1] == "skipped" and "no MNIST data" in rows["needs_mnist"]
    assert rows["after"].split()[1:4] == ["passed", "value:", "7"]   # ran after a failure
    assert "2 passed, 1 skipped, 1 failed" in out
    # the programs ran in the work folder, with the options in their environment ...
    assert (work / "made_here.txt").read_text() == "13"
    # ... which are the caller's again afterwards
    assert os.getcwd() == here and "TINYGRAPH_REPLAY_EPOCHS" not in os.environ
    assert os.environ["TINYGRAPH_DATA"] == str(tmp_path / "nothing_here")


def test_console_script_runs_a_program(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "tinygraph")
    done = subprocess.run([script, "replay", "ch14_manual_rnn", "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "ch14_manual_rnn  passed  Y0[0, 0]: -0.0664" in done.stdout

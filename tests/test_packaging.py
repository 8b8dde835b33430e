"""The package as installed: every subpackage is listed in pyproject.toml, the OpenCL
kernel sources and the replayed programs ship inside it, and `tinygraph` is a command."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    listed = set(re.search(r"packages = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(),
                           re.S).group(1).replace('"', "").replace("\n", "").split(", "))
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "tinygraph").rglob("__init__.py")} | {"tinygraph.kernels",
                                                                 "tinygraph.examples"}
    assert {p.strip() for p in listed} == on_disk


def test_kernel_sources_are_package_data():
    from importlib import resources
    text = resources.files("tinygraph.kernels").joinpath("copy.cl").read_text()
    assert "K(fill)" in text


@pytest.mark.slow
def test_wheel_contains_kernels(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True)
    wheel = next(tmp_path.glob("tinygraph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    cl_files = {p.name for p in (ROOT / "kernels").glob("*.cl")}
    assert cl_files and {f"tinygraph/kernels/{n}" for n in cl_files} <= set(names)
    programs = {p.name for p in (ROOT / "examples").glob("*.py")}
    assert "ch14_manual_rnn.py" in programs
    assert {f"tinygraph/examples/{n}" for n in programs} <= set(names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "tinygraph = tinygraph.__main__:entry" in \
        zipfile.ZipFile(wheel).read(entry_points).decode()

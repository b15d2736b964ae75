"""Notebook runner: parameters reach the kernel, parallel runs work, errors carry the cell."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from soko.pipeline.graph import Graph, Task, run_graph
from soko.pipeline.notebooks import execute_notebook, plain_parameters
from soko.report.html import render_page

pytestmark = pytest.mark.notebooks


def make_notebook(
    path: Path, *cells: str, parameters: str = "n = 1\nlabel = 'нет'\nwhere = ''"
) -> Path:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Проба"),
            new_code_cell(parameters, metadata={"tags": ["parameters"]}),
            *(new_code_cell(source) for source in cells),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def stdout_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "stream" and out.name == "stdout"
    )


def test_parameters_are_injected_and_kernel_is_this_python(tmp_path: Path) -> None:
    template = make_notebook(
        tmp_path / "t.ipynb",
        "print('n*2 =', n * 2, label, type(n).__name__, where)",
        "import sys, os; print('exe', sys.executable); print('cwd', os.getcwd())",
        "import os; print('gx', os.environ.get('GX_ANALYTICS_ENABLED'), os.environ.get('EXTRA'))",
        "import matplotlib; print('backend', matplotlib.get_backend())",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);",
    )
    workdir = tmp_path / "work"
    workdir.mkdir()
    out = tmp_path / "out" / "executed.ipynb"
    parameters = {"n": np.int64(21), "label": "Регион", "where": tmp_path / "data"}
    execute_notebook(template, out, parameters, cwd=workdir, env={"EXTRA": "да"})
    text = stdout_of(out)
    assert f"n*2 = 42 Регион int {tmp_path / 'data'}" in text
    assert f"exe {sys.executable}" in text
    assert f"cwd {workdir}" in text
    assert "gx false да" in text
    assert "backend module://matplotlib_inline.backend_inline" in text
    nb = nbformat.read(out, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pngs) == 1, "figures must come out as PNG outputs for the HTML pages"


def test_parameters_become_plain_values() -> None:
    plain = plain_parameters(
        {"year": np.int64(2025), "share": np.float64(0.5), "codes": ("01", "02"), "p": Path("/d")}
    )
    assert plain == {"year": 2025, "share": 0.5, "codes": ["01", "02"], "p": "/d"}
    assert type(plain["year"]) is int and type(plain["share"]) is float
    with pytest.raises(TypeError, match="'bad'"):
        plain_parameters({"bad": object()})


def test_failing_cell_raises_with_the_cell_error(tmp_path: Path) -> None:
    template = make_notebook(tmp_path / "bad.ipynb", "raise ValueError(f'плохие данные {n}')")
    out = tmp_path / "bad-out.ipynb"
    with pytest.raises(Exception, match="плохие данные 7") as err:
        execute_notebook(template, out, {"n": 7})
    assert "ValueError" in str(err.value)
    assert out.exists(), "the executed notebook with the error is kept for debugging"


def test_graph_of_notebooks_and_pages_in_parallel(tmp_path: Path) -> None:
    template = make_notebook(
        tmp_path / "t.ipynb",
        "import pandas as pd\npd.DataFrame({'район': [label], 'балл': [n]})",
        "print('значение', n)",
    )
    bad = make_notebook(tmp_path / "bad.ipynb", "raise RuntimeError('нет файла ' + label)")
    graph = Graph()
    for i in range(4):
        executed = tmp_path / "executed" / f"nb{i}.ipynb"
        page = tmp_path / "reports" / f"p{i}.html"
        graph.add(
            Task(
                f"notebook:{i}",
                execute_notebook,
                (template, executed),
                {"parameters": {"n": i, "label": f"Район {i}"}},
                inputs=(template,),
                outputs=(executed,),
            )
        )
        graph.add(
            Task(
                f"page:{i}",
                render_page,
                (executed, page),
                {"title": f"Район {i}", "breadcrumbs": [("Год", "index.html")], "banner": "ДСП"},
                inputs=(executed,),
                outputs=(page,),
            )
        )
    bad_out = tmp_path / "executed" / "bad.ipynb"
    graph.add(
        Task(
            "notebook:bad",
            execute_notebook,
            (bad, bad_out),
            {"parameters": {"label": "x.csv"}},
            inputs=(bad,),
            outputs=(bad_out,),
        )
    )
    graph.add(
        Task(
            "page:bad",
            render_page,
            (bad_out, tmp_path / "reports" / "bad.html"),
            {"title": "x", "breadcrumbs": [], "banner": None},
            inputs=(bad_out,),
            outputs=(tmp_path / "reports" / "bad.html",),
        )
    )

    result = run_graph(graph, jobs=2)

    assert result.failed == ["notebook:bad"]
    assert result.skipped == ["page:bad"]
    error = result["notebook:bad"].error or ""
    assert error.startswith("RuntimeError: нет файла x.csv (ячейка In [")
    assert "raise RuntimeError" in error, "the failing cell's traceback is kept"
    summary = result.summary_ru()
    assert "Ошибка в задаче «notebook:bad»: RuntimeError: нет файла x.csv" in summary
    assert "\x1b[" not in error, "terminal colours are stripped from error text"
    for i in range(4):
        assert result[f"notebook:{i}"].status == "ok"
        assert f"значение {i}" in stdout_of(tmp_path / "executed" / f"nb{i}.ipynb")
        html = (tmp_path / "reports" / f"p{i}.html").read_text(encoding="utf-8")
        assert f"Район {i}" in html and "dataframe" in html and f"значение {i}" in html
    assert not (tmp_path / "reports" / "bad.html").exists()

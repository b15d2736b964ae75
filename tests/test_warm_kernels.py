"""Warm kernels: same outputs as a cold kernel, no process left behind, a cold fallback, and
the per-page time split in the executed notebook."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import nbformat
import pytest

from soko.pipeline import kernels
from soko.pipeline.notebooks import execute_notebook
from soko.report.html import render_page
from tests.conftest import SmallRegion
from tests.test_notebook_runner import make_notebook, stdout_of

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.skipif(kernels._supported() is not None, reason="warm kernels need Linux"),
]
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PAGE = "vpr_region.ipynb"


def _alive(pid: int) -> bool:
    """A live process (a zombie waiting to be reaped by its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pid: int, patience: float = 30.0) -> bool:
    """Whether ``pid`` has exited (a killed process needs a moment to be reaped)."""
    deadline = time.monotonic() + patience
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _outputs(path: Path) -> list[list[dict]]:
    nb = nbformat.read(path, as_version=4)
    return [c.outputs for c in nb.cells if c.cell_type == "code"]


def _run_page(small_region: SmallRegion, out: Path) -> None:
    execute_notebook(
        NOTEBOOKS / PAGE,
        out,
        {"processed_dir": str(small_region.processed), "procedure": "vpr"},
        cwd=NOTEBOOKS,
        env={"SOKO_PROCESSED": str(small_region.processed)},
    )


def test_a_page_in_a_warm_kernel_gives_the_cold_kernels_outputs(
    small_region: SmallRegion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm, cold = tmp_path / "warm.ipynb", tmp_path / "cold.ipynb"
    # a fresh server with this environment: earlier tests of the session may have left one
    # started under another (a LocalCluster sets BLAS thread counts in os.environ)
    kernels.shutdown()
    monkeypatch.setattr(kernels, "_disabled_reason", None)
    _run_page(small_region, warm)
    monkeypatch.setenv(kernels.WARM_ENV, "0")
    _run_page(small_region, cold)
    assert nbformat.read(warm, as_version=4).metadata["soko"]["kernel"] == "warm"
    assert nbformat.read(cold, as_version=4).metadata["soko"]["kernel"] == "cold"
    warm_outputs, cold_outputs = _outputs(warm), _outputs(cold)
    assert any(o for o in warm_outputs), "the page must have outputs to compare"
    assert warm_outputs == cold_outputs


def test_the_time_split_is_recorded_per_page(small_region: SmallRegion, tmp_path: Path) -> None:
    out = tmp_path / "page.ipynb"
    _run_page(small_region, out)
    split = nbformat.read(out, as_version=4).metadata["soko"]["timing"]
    assert set(split) == set(kernels.PHASES)
    assert split["tables"] > 0 and split["charts"] > 0 and split["kernel_start"] > 0
    inner = split["imports"] + split["tables"] + split["charts"] + split["other"]
    assert inner == pytest.approx(split["cells"], abs=0.005)
    # the HTML never carries it: timings live only in the executed notebook's metadata
    page = tmp_path / "page.html"
    render_page(out, page, title="ВПР", breadcrumbs=[], banner="")
    assert "kernel_start" not in page.read_text(encoding="utf-8")


def test_kernels_and_server_leave_no_process_behind(tmp_path: Path) -> None:
    template = make_notebook(tmp_path / "t.ipynb", "import os; print('pid', os.getpid())")
    for i in range(2):
        execute_notebook(template, tmp_path / f"o{i}.ipynb", {})
    pids = [int(stdout_of(tmp_path / f"o{i}.ipynb").split()[1]) for i in range(2)]
    server = kernels._server
    assert server is not None and _alive(server.process.pid)
    assert pids[0] != pids[1], "a kernel is taken by one page and discarded"
    # the kernel is the server's child: killed with its launcher at the end of the page
    assert all(_gone(pid) for pid in pids)
    kernels.shutdown()
    assert _gone(server.process.pid)
    assert not Path(server.socket_path).exists()


def test_a_server_that_cannot_start_falls_back_to_cold_kernels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kernels.shutdown()
    monkeypatch.setattr(kernels, "_disabled_reason", None)
    monkeypatch.setattr(kernels, "SERVER_CODE", "import sys; sys.exit(5)")
    template = make_notebook(tmp_path / "t.ipynb", "print('n', n)")
    with caplog.at_level(logging.WARNING, logger=kernels.__name__):
        for i in range(2):
            execute_notebook(template, tmp_path / f"o{i}.ipynb", {"n": i})
    for i in range(2):
        assert stdout_of(tmp_path / f"o{i}.ipynb") == f"n {i}\n"
        assert nbformat.read(tmp_path / f"o{i}.ipynb", 4).metadata["soko"]["kernel"] == "cold"
    warnings = [r for r in caplog.records if "Тёплые ядра недоступны" in r.getMessage()]
    assert len(warnings) == 1, "said once, not per page"


def test_a_kernel_outlives_the_servers_request_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket the kernel watches its launcher on came with the server's timeout for
    reading a request; a page longer than that lost its kernel ("Kernel died")."""
    kernels.shutdown()
    code = "import soko.pipeline.kernels as k; k.REQUEST_TIMEOUT = 0.5; k.server_main()"
    monkeypatch.setattr(kernels, "SERVER_CODE", code)
    template = make_notebook(tmp_path / "t.ipynb", "import time; time.sleep(2)", "print('alive')")
    execute_notebook(template, tmp_path / "o.ipynb", {})
    assert stdout_of(tmp_path / "o.ipynb") == "alive\n"
    assert nbformat.read(tmp_path / "o.ipynb", 4).metadata["soko"]["kernel"] == "warm"
    kernels.shutdown()


def test_a_launcher_without_its_server_becomes_a_cold_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = str(tmp_path / "no-server")
    monkeypatch.setattr(kernels, "kernel_argv", lambda *a, **k: kernels._launcher_argv(missing))
    template = make_notebook(tmp_path / "t.ipynb", "import sys; print(sys.argv[0])")
    execute_notebook(template, tmp_path / "o.ipynb", {})
    assert stdout_of(tmp_path / "o.ipynb").strip().endswith("ipykernel_launcher.py")


def test_a_changed_soko_source_replaces_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server imported before a module changed would run pages with the old code."""
    template = make_notebook(tmp_path / "t.ipynb", "print(n)")
    kernels.kernel_argv({}, template)
    old = kernels._server
    assert old is not None
    monkeypatch.setattr(kernels, "_sources", lambda: (("soko.edited", 1, 1),))
    argv = kernels.kernel_argv({}, template)
    assert kernels.is_warm(argv)
    assert kernels._server is not None and kernels._server.process.pid != old.process.pid
    assert _gone(old.process.pid)


def test_a_page_whose_startup_environment_differs_gets_a_cold_kernel() -> None:
    kernels.kernel_argv({})
    assert kernels.is_warm(kernels.kernel_argv({"SOKO_PAGE_ID": "p"}))
    assert not kernels.is_warm(kernels.kernel_argv({"PYTHONHASHSEED": "123"}))
    assert os.environ.get("PYTHONHASHSEED") != "123"

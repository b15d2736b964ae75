"""Run one parametrised notebook with papermill, safely next to other runs.

In-process ``papermill.execute_notebook`` costs ~0.7 s per notebook against ~3 s for the CLI.
Parallel runs need care (see ``/work/shared/engineering.md``): TCP ports race between kernels
started at the same moment (papermill #511), and ipc's default socket path is relative, so
each run gets its own kernel-manager class whose ipc sockets live in a private temp folder.
The kernel is always this interpreter (``sys.executable``), whatever kernel name or kernel
spec the notebook file or the user's Jupyter folders mention, so notebooks see the same
installed soko as the build.
"""

from __future__ import annotations

import numbers
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from soko.pipeline import kernels
from soko.pipeline.graph import DETERMINISTIC_ENV
from soko.pipeline.templates import papermill_input

#: Environment added to the kernel's. The inline backend renders with Agg (no display needed)
#: and is what turns figures into the PNG outputs the HTML pages embed; plain ``Agg`` would
#: silently drop every figure. Setting it explicitly also overrides a GUI or ``Agg`` backend
#: inherited from the shell.
KERNEL_ENV: dict[str, str] = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "GX_ANALYTICS_ENABLED": "false",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences a debugger warning on kernel start
    **DETERMINISTIC_ENV,  # one BLAS thread and a fixed hash seed: same bytes in every run
}

#: Unix socket paths are limited to ~107 bytes; fall back to /tmp when TMPDIR is deep.
_MAX_IPC_DIR = 70


def _ipc_dir() -> str:
    base = tempfile.gettempdir()
    if len(base) > _MAX_IPC_DIR and os.path.isdir("/tmp"):
        base = "/tmp"
    return tempfile.mkdtemp(prefix="soko-k-", dir=base)


def kernel_manager_class(
    ipc_path: str, env: Mapping[str, str], argv: list[str] | None = None
) -> type:
    """A kernel-manager class bound to one ipc path, environment and kernel command line.

    nbclient instantiates the class itself (passing an instance leaks kernels: nbclient does
    not shut down a manager it did not create), so the per-run settings live on the class.
    ``argv`` is the kernel's command (a warm launcher or a cold kernel, see
    :func:`soko.pipeline.kernels.kernel_argv`); by default a cold kernel.
    """
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec

    kernel = {**get_kernel_dict(), "argv": list(argv or kernels.cold_argv())}
    spec = KernelSpec(**kernel, env=dict(env))  # argv[0] is sys.executable

    class SokoKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = ipc_path

        @property
        def kernel_spec(self) -> KernelSpec:
            return spec

    return SokoKernelManager


def plain_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as the JSON-like values papermill writes faithfully into the notebook.

    papermill turns any other type into a *string* of its repr: a ``numpy.int64`` year would
    arrive as ``"2025"`` and a tuple as ``"(1, 2)"``. So numbers become ``int``/``float``,
    paths ``str``, tuples ``list``; other types are refused with an error naming the key.
    """
    return {str(k): _plain(v, str(k)) for k, v in parameters.items()}


def _plain(value: Any, key: str) -> Any:
    # Subclasses (numpy.float64, numpy.str_) are converted too: their repr is not plain.
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{key}[{i}]") for i, v in enumerate(value)]
    if type(value).__name__ in ("bool_", "bool"):  # numpy.bool_ without importing numpy
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(
        f"параметр тетрадки {key!r} имеет тип {type(value).__name__}: допустимы строки, "
        "числа, логические значения, None, пути, списки и словари"
    )


def execute_notebook(
    template: Path,
    output: Path,
    parameters: Mapping[str, Any],
    cwd: Path | None = None,
    timeout: int = 600,
    *,
    env: Mapping[str, str] | None = None,
) -> None:
    """Execute ``template`` with ``parameters`` injected, writing the executed copy to ``output``.

    ``parameters`` go through ``plain_parameters`` (numpy numbers, paths and tuples become
    plain values). ``cwd`` is the kernel's working directory; by default the template's
    folder, as when the notebook is opened in Jupyter. ``timeout`` limits each cell, in
    seconds. ``env`` adds variables to the kernel's environment (e.g. ``SOKO_ROOT``).

    A failing cell raises ``papermill.PapermillExecutionError`` whose message has the cell's
    error and traceback; the executed notebook, with the error in it, is still written to
    ``output``. A template paired with a jupytext script runs the script's cells; a pair that
    disagrees raises ``TemplateOutOfSync`` before any kernel starts.
    """
    import papermill

    # Absolute paths: papermill changes the process's working directory to ``cwd`` while it
    # runs, and saves the output after each cell from there.
    template = Path(template).resolve()
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    ipc_dir = _ipc_dir()
    timing_file = os.path.join(ipc_dir, "timing.json")
    kernel_env = {**KERNEL_ENV, **(env or {}), kernels.TIMING_ENV: timing_file}
    argv = kernels.kernel_argv(kernel_env, template)
    started_at = time.time()
    try:
        papermill.execute_notebook(
            papermill_input(template),  # reads the reviewed .py of the pair, checked
            output,
            parameters=plain_parameters(parameters),
            kernel_name="python3",
            language="python",
            cwd=Path(cwd).resolve() if cwd is not None else template.parent,
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            kernel_manager_class=kernel_manager_class(os.path.join(ipc_dir, "k"), kernel_env, argv),
            shutdown_kernel="immediate",
        )
    finally:
        split = kernels.time_split(timing_file, started_at)
        if split is not None and output.is_file():
            _record_timing(output, split, warm=kernels.is_warm(argv))
        # Sockets left by a killed kernel must not fail the run.
        shutil.rmtree(ipc_dir, ignore_errors=True)


def _record_timing(output: Path, split: Mapping[str, float], *, warm: bool) -> None:
    """Put the page's time split into the executed notebook (never into the HTML page)."""
    import nbformat

    nb = nbformat.read(output, as_version=4)
    meta = nb.metadata.setdefault("soko", {})
    meta["timing"] = dict(split)
    meta["kernel"] = "warm" if warm else "cold"
    nbformat.write(nb, output)

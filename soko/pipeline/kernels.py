"""Warm notebook kernels: a fork server per build process, and the per-page time split.

Every page used to pay for a fresh kernel importing soko's plotting stack (seaborn pulls in
scipy.stats, matplotlib, pandas): 2.3–2.6 s of a page's ~5 s, on every page
(``/work/shared/engineering.md``). Here each process that runs notebooks (a build worker,
a Dask worker, the test process) starts one *fork server* — a plain Python process that
imports ipykernel, pandas, matplotlib, seaborn, scipy.stats and the soko modules the
templates use, once. A page's kernel spec runs a tiny *launcher* instead of
``ipykernel_launcher``; the launcher hands the server its connection file, working folder,
environment and standard streams, and the server forks a child that becomes the kernel
(``IPKernelApp`` on that connection file) with everything already imported.

Why a fork server and not a pool of pre-started kernels: on 2 cores with 2 build workers
the CPU is the bottleneck, and a pool only moves the import work off the critical path — it
still costs every page the same CPU. A fork pays it once per process. Each kernel is still
taken by one page and discarded: a page's state never leaks into another's, because the
child starts from the server's state (modules imported, nothing run) every time.

What keeps a warm kernel indistinguishable from a cold one:

* the server only imports modules; it never calls soko (no configuration read, no cache
  filled), so everything a page computes it computes in its own kernel;
* the child takes the launcher's working folder, environment, ``sys.argv`` and stdio, and
  reseeds numpy's global generator (Python's ``random`` is reseeded by ``os.fork``);
* a page whose environment differs from the server's in what is read at start-up
  (``PYTHON*``, ``MPL*``, thread counts, locale, ``TZ``) gets a cold kernel;
* the soko sources are watched: a server started before a module changed is replaced.

Processes: the child dies with the launcher (it watches the launcher's socket: nbclient's
immediate shutdown SIGKILLs the launcher, which no handler can see) and with the server
(``PR_SET_PDEATHSIG``); the server dies with the process that started it (it watches its
stdin pipe). The server runs no threads, so forking it is safe. Whenever the warm path is
unavailable — not Linux, the server failed to start or died, ``SOKO_WARM_KERNELS=0`` — the
launcher or the runner falls back to today's cold kernel (and says so once in the log).

The same module is the IPython extension every build kernel (warm or cold) loads: it
records the page's time split (see :mod:`soko.timing`) into a file the runner puts into the
executed notebook's metadata.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import gc
import importlib
import importlib.util
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soko import timing
from soko.pipeline import kernel_launcher
from soko.pipeline.fingerprint import module_files, notebook_imports
from soko.pipeline.kernel_launcher import receive, send

log = logging.getLogger(__name__)

#: ``SOKO_WARM_KERNELS=0`` runs every page in a cold kernel (to compare, or to rule them out).
WARM_ENV = "SOKO_WARM_KERNELS"
#: Where a build kernel writes its time split (set by the runner, per page).
TIMING_ENV = "SOKO_TIMING_FILE"

#: What the server imports besides the soko modules the templates import.
STACK = (
    "ipykernel.kernelapp",
    "IPython.display",
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib.ticker",
    "seaborn",
    "scipy.stats",
    "soko.notebook",
    "soko.commentary",
    "soko.plots",
    "soko.page",
    "soko.pipeline.kernels",
)

#: Seconds the server waits for a connected launcher's request (a kernel, once started,
#: lives as long as its page needs).
REQUEST_TIMEOUT = 30.0

#: The server's program (a test replaces it to see the fallback).
SERVER_CODE = "from soko.pipeline.kernels import server_main; server_main()"

#: Environment read when a process starts or imports its stack: a page whose values differ
#: from the server's would not get the same kernel from a fork, so it gets a cold one.
STARTUP_ENV_PREFIXES = ("PYTHON", "MPL", "OMP_", "OPENBLAS_", "MKL_", "LC_", "LANG", "TZ")

#: What every build kernel (warm or cold) adds to ipykernel's command line: the time split,
#: and no history database — parallel kernels would all write one sqlite file in ~/.ipython
#: for cells nobody recalls.
EXTENSION_ARGS = [
    "--IPKernelApp.extra_extensions=soko.pipeline.kernels",
    "--HistoryManager.enabled=False",
]


def cold_argv(connection_file: str = "{connection_file}") -> list[str]:
    """Today's kernel: ``ipykernel_launcher`` in this interpreter, with the timing extension."""
    return [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *EXTENSION_ARGS]


def _launcher_argv(socket_path: str) -> list[str]:
    # Run by path, not as ``-m soko.pipeline...``: importing the package costs ~0.14 s, and
    # the launcher is on every page's critical path.
    return [
        sys.executable,
        kernel_launcher.__file__,
        socket_path,
        "-f",
        "{connection_file}",
        *EXTENSION_ARGS,
    ]


# --- the server ---------------------------------------------------------------------------


def server_main() -> None:
    """``argv``: socket path, then the modules to import before serving."""
    socket_path, modules = sys.argv[1], sys.argv[2:]
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does: the kernel adds its own cwd back
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)  # launchers queue here while the imports run
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a broken module fails its page in its own kernel
            print(f"soko: тёплое ядро не импортировало {name}: {exc}", file=sys.stderr)
    if threading.active_count() > 1:
        print("soko: после импорта появились потоки, fork небезопасен", file=sys.stderr)
        sys.exit(3)
    # Objects imported so far are never freed: keep the collector off them, or its first pass
    # in every child touches (and so copies) every page of the server's memory.
    gc.freeze()
    watch = sys.stdin.fileno()
    while True:
        ready, _, _ = select.select([listener, watch], [], [], 1.0)
        _reap()
        if watch in ready and not os.read(watch, 64):
            break  # the process that started us is gone
        if listener in ready:
            conn, _ = listener.accept()
            try:
                conn.settimeout(REQUEST_TIMEOUT)
                request, fds = receive(conn, max_fds=3)
                pid = os.fork()
            except Exception:
                traceback.print_exc()
                conn.close()
                continue
            if pid == 0:
                _child(conn, listener, request, fds)
            conn.close()
            for fd in fds:
                os.close(fd)
    listener.close()


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the server exits (``PR_SET_PDEATHSIG``)."""
    import ctypes

    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _watch_launcher(conn: socket.socket) -> None:
    conn.settimeout(None)  # the server's timeout was for reading the request only
    try:
        while conn.recv(64):
            pass
    except OSError:
        pass
    os._exit(0)


def _child(conn: socket.socket, listener: socket.socket, request: dict[str, Any], fds: list[int]):
    code = 1
    try:
        listener.close()
        _die_with_parent()
        for target, fd in zip((0, 1, 2), fds, strict=False):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        args = list(request["args"])
        spec = importlib.util.find_spec("ipykernel_launcher")
        sys.argv = [spec.origin if spec and spec.origin else "ipykernel_launcher", *args]
        numpy_random = sys.modules.get("numpy.random")
        if numpy_random is not None:
            numpy_random.seed()  # a cold kernel's global generator is seeded from the OS
        send(conn, {"pid": os.getpid()})
        threading.Thread(target=_watch_launcher, args=(conn,), daemon=True).start()
        from ipykernel import kernelapp

        # ipykernel reads JPY_PARENT_PID when it is imported (in the server, where it is unset);
        # the server is this kernel's parent: the kernel's poller watches it, as a cold one
        # watches the build process, and no "use Ctrl-\\ to quit" banner is printed.
        parent = f"--IPKernelApp.parent_handle={os.getppid()}"
        kernelapp.launch_new_instance(argv=[*args, parent])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


# --- the runner's side: one server per process --------------------------------------------


@dataclass
class _Server:
    process: subprocess.Popen[bytes]
    folder: str
    socket_path: str
    env: dict[str, str]
    sources: tuple[tuple[str, int, int], ...]


_lock = threading.Lock()
_server: _Server | None = None
_server_pid = 0  # the process that started ``_server`` (a forked copy must not reuse it)
_disabled_reason: str | None = None


def _startup_env(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(STARTUP_ENV_PREFIXES)}


def _sources() -> tuple[tuple[str, int, int], ...]:
    """Size and mtime of every soko source: a server imported before an edit is stale."""
    found = []
    for name, path in sorted(module_files().items()):
        try:
            st = path.stat()
        except OSError:
            continue
        found.append((name, st.st_mtime_ns, st.st_size))
    return tuple(found)


def _supported() -> str | None:
    if os.environ.get(WARM_ENV, "1") == "0":
        return f"{WARM_ENV}=0"
    if not sys.platform.startswith("linux") or not hasattr(socket, "send_fds"):
        return "нужен Linux"
    return None


def _modules_for(template: object) -> list[str]:
    """The stack and the soko modules imported by the template's folder (its siblings are
    the pages the same process runs next)."""
    names = set(STACK)
    if isinstance(template, (str, os.PathLike)):
        folder = Path(template).parent
        for path in sorted([*folder.glob("*.ipynb"), *folder.glob("*.py")]):
            with contextlib.suppress(Exception):
                names |= notebook_imports(path)
    return sorted(names)


def _start(kernel_env: Mapping[str, str], template: object) -> _Server:
    folder = tempfile.mkdtemp(prefix="soko-w-", dir="/tmp" if os.path.isdir("/tmp") else None)
    socket_path = os.path.join(folder, "s")
    env = {**os.environ, **kernel_env}
    env.pop(TIMING_ENV, None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVER_CODE,
            socket_path,
            *_modules_for(template),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        cwd=folder,
        start_new_session=True,  # a Ctrl-C in the terminal is for the build, not the kernels
    )
    deadline = time.monotonic() + 30
    while not os.path.exists(socket_path) and process.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    return _Server(process, folder, socket_path, _startup_env(env), _sources())


def _stop(server: _Server) -> None:
    with contextlib.suppress(Exception):
        if server.process.stdin is not None:
            server.process.stdin.close()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    with contextlib.suppress(OSError):
        os.unlink(server.socket_path)
    with contextlib.suppress(OSError):
        os.rmdir(server.folder)


def shutdown() -> None:
    """Stop this process's server (and with it any kernel still running from it)."""
    global _server
    with _lock:
        if _server is not None and _server_pid == os.getpid():
            _stop(_server)
        _server = None


atexit.register(shutdown)


def _disable(reason: str) -> None:
    global _disabled_reason
    if _disabled_reason is None:
        log.warning("Тёплые ядра недоступны (%s): страницы выполняются в обычных ядрах.", reason)
    _disabled_reason = reason


def kernel_argv(kernel_env: Mapping[str, str], template: object = None) -> list[str]:
    """The kernel spec's argv for one page: a warm launcher when possible, else cold.

    ``kernel_env`` is what the page adds to this process's environment.
    """
    global _server, _server_pid
    reason = _supported()
    if reason is not None:
        return cold_argv()
    with _lock:
        if _disabled_reason is not None:
            return cold_argv()
        server = _server if _server_pid == os.getpid() else None
        if server is not None and server.process.poll() is not None:
            _disable(f"сервер завершился с кодом {server.process.returncode}")
            _server = None
            return cold_argv()
        if server is not None and server.sources != _sources():
            _stop(server)  # soko changed since the imports: start afresh
            server = None
        if server is None:
            try:
                server = _start(kernel_env, template)
            except OSError as exc:
                _disable(str(exc))
                return cold_argv()
            if server.process.poll() is not None or not os.path.exists(server.socket_path):
                _disable("сервер не запустился")
                _stop(server)
                return cold_argv()
            _server, _server_pid = server, os.getpid()
        page_env = _startup_env({**os.environ, **kernel_env})
        if page_env != server.env:
            return cold_argv()
        return _launcher_argv(server.socket_path)


def is_warm(argv: list[str]) -> bool:
    return kernel_launcher.__file__ in argv


# --- the kernel side: the time split ------------------------------------------------------

_real_import = builtins.__import__


def _timed_import(name: str, *args: Any, **kwargs: Any) -> Any:
    with timing.phase(timing.IMPORTS):
        return _real_import(name, *args, **kwargs)


def load_ipython_extension(ip: Any) -> None:
    """Record the page's time split after every cell into ``$SOKO_TIMING_FILE``."""
    path = os.environ.get(TIMING_ENV)
    if not path:
        return
    timing.reset()
    builtins.__import__ = _timed_import
    state: dict[str, float] = {"cells": 0.0}

    def pre(_info: object) -> None:
        state.setdefault("first_cell_at", time.time())
        state["started"] = time.perf_counter()

    def post(_result: object) -> None:
        state["cells"] += time.perf_counter() - state["started"]
        record = {
            **timing.totals(),
            "cells": state["cells"],
            "first_cell_at": state["first_cell_at"],
        }
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.replace(tmp, path)

    ip.events.register("pre_run_cell", pre)
    ip.events.register("post_run_cell", post)


PHASES = ("kernel_start", "imports", "tables", "charts", "cells", "other")


def time_split(path: str | os.PathLike[str], started_at: float) -> dict[str, float] | None:
    """The page's split from the kernel's record; ``started_at`` is when the run began
    (``time.time()``), so ``kernel_start`` is the wait until the first cell ran."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cells = float(record.get("cells", 0.0))
    split = {
        "kernel_start": max(0.0, float(record.get("first_cell_at", started_at)) - started_at),
        "imports": float(record.get(timing.IMPORTS, 0.0)),
        "tables": float(record.get(timing.TABLES, 0.0)),
        "charts": float(record.get(timing.CHARTS, 0.0)),
        "cells": cells,
    }
    split["other"] = max(0.0, cells - split["imports"] - split["tables"] - split["charts"])
    return {k: round(split[k], 3) for k in PHASES}

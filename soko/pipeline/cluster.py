"""Running the build's task graph on a Dask distributed cluster (``soko build --scheduler``).

The graph already runs on any ``concurrent.futures.Executor``; a cluster adds three things
this module owns, so :func:`soko.pipeline.graph.run_graph` stays generic:

* **where** — ``tcp://HOST:PORT`` connects to a running scheduler; ``local`` / ``local:N``
  starts a ``distributed.LocalCluster`` on this machine (N worker processes, one thread
  each: papermill kernels and pandas do not share a process's threads well);
* **files** — tasks exchange files, not values, so every worker must see the project folder
  at the same path (a shared filesystem). :func:`check_workers` asks every worker before
  anything is submitted and names the worker that does not see it, or that runs another
  soko (a worker with older code would silently compute other tables);
* **environment** — a worker was started by someone else, with its own environment.
  :class:`EnvExecutor` sets the variables the tasks read (``SOKO_*``, the plotting backend,
  telemetry off, the build date) around every task, so a worker started without them, or a
  worker that joins later, computes exactly what a local process would.

``distributed`` is imported inside :func:`connect` only: ``soko --help`` and a local build
do not pay its import (~1 s).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from soko.paths import project_root
from soko.pipeline.fingerprint import files_digest, module_files, package_dir

#: Variables passed from the process that starts the build to every task on a worker.
PASSED_PREFIXES: tuple[str, ...] = ("SOKO_",)
PASSED_NAMES: tuple[str, ...] = (
    "MPLBACKEND",
    "GX_ANALYTICS_ENABLED",
    "SOURCE_DATE_EPOCH",
    "PYTHONHASHSEED",
    "TZ",
)
#: Libraries whose version changes what a page or table holds: must agree on every worker.
CHECKED_PACKAGES: tuple[str, ...] = (
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "seaborn",
    "statsmodels",
    "papermill",
    "nbconvert",
)
#: Seconds to wait for a scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 10

_LOCAL = re.compile(r"^local(?::(\d+))?$")


class ClusterError(RuntimeError):
    """The cluster cannot run this build; the message (Russian) says why and what to do."""


@dataclass(frozen=True)
class Cluster:
    """A connected cluster: its executor, its worker threads, and a name for messages."""

    executor: Executor
    threads: int
    workers: int
    address: str


def passed_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of ``environ`` a task on a worker must see as the build's process does."""
    env = os.environ if environ is None else environ
    return {
        k: v for k, v in sorted(env.items()) if k.startswith(PASSED_PREFIXES) or k in PASSED_NAMES
    }


def run_with_env(env: Mapping[str, str], fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` with ``env`` set in this (worker) process.

    Set and left set rather than restored: every thread of a worker runs tasks of the same
    build with the same variables, and restoring would race between threads.
    """
    os.environ.update(env)
    return fn(*args)


class EnvExecutor(Executor):
    """An executor that runs every submitted call through :func:`run_with_env`."""

    def __init__(self, inner: Executor, env: Mapping[str, str]) -> None:
        self._inner = inner
        self._env = dict(env)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs:
            raise TypeError("EnvExecutor передаёт задаче только позиционные аргументы")
        return self._inner.submit(run_with_env, self._env, fn, *args)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def parse_scheduler(text: str) -> tuple[str, int | None]:
    """``local`` / ``local:N`` → ("local", N or None); an address → (address, None)."""
    text = text.strip()
    local = _LOCAL.match(text)
    if local:
        n = int(local.group(1)) if local.group(1) else None
        if n is not None and n < 1:
            raise ClusterError("--scheduler local:N — N, число рабочих процессов, от 1")
        return "local", n
    if "://" not in text and not re.match(r"^[\w.-]+:\d+$", text):
        raise ClusterError(
            f"--scheduler «{text}»: ожидается адрес планировщика Dask вида "
            "tcp://HOST:PORT, либо local или local:N (кластер на этой машине)"
        )
    return text, None


def installation() -> dict[str, str]:
    """What a worker must share with the build's process: soko's sources and key versions.

    Runs on each worker (through ``Client.run``) and here; the results are compared.
    """
    found = {"soko": files_digest(module_files().values(), package_dir().parent)}
    for name in CHECKED_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "нет"
    return found


def probe(folders: list[str]) -> dict[str, Any]:
    """A worker's view: which of ``folders`` it cannot see, and its installation."""
    return {
        "missing": [f for f in folders if not Path(f).is_dir()],
        "installation": installation(),
    }


def check_workers(views: Mapping[str, Mapping[str, Any]], folders: list[str]) -> None:
    """Raise :class:`ClusterError` naming every worker that cannot run this build."""
    if not views:
        raise ClusterError(
            "у планировщика нет ни одного рабочего процесса (dask worker): запустите их "
            "(docs/scaling.md) и повторите сборку"
        )
    here = installation()
    problems: list[str] = []
    for worker, view in sorted(views.items()):
        missing = list(view.get("missing", []))
        if missing:
            problems.append(
                f"рабочий процесс {worker} не видит папку {', '.join(missing)}: папка проекта "
                "должна быть смонтирована на каждой машине кластера по тому же пути"
            )
        theirs = view.get("installation", {})
        differ = [k for k in here if theirs.get(k) != here[k]]
        if differ:
            detail = ", ".join(
                "исходный код soko"
                if k == "soko"
                else f"{k}: {theirs.get(k, '?')} вместо {here[k]}"
                for k in differ
            )
            problems.append(
                f"у рабочего процесса {worker} другая установка ({detail}): установите на "
                "нём тот же soko из того же uv.lock (`make setup`)"
            )
    if problems:
        raise ClusterError("кластер не может выполнить сборку:\n  " + "\n  ".join(problems))


@contextmanager
def connect(scheduler: str, folders: list[Path]) -> Iterator[Cluster]:
    """Connect to (or start) the cluster named by ``scheduler``, check that every worker sees
    ``folders`` and runs the same installation, and yield its executor; close on exit."""
    address, n_local = parse_scheduler(scheduler)
    from distributed import Client, LocalCluster

    local: LocalCluster | None = None
    client: Client | None = None
    try:
        if address == "local":
            local = LocalCluster(
                n_workers=n_local or max(1, (os.cpu_count() or 2)),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = Client(local)
        else:
            try:
                client = Client(address, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ClusterError(
                    f"не удалось подключиться к планировщику Dask {address} за "
                    f"{CONNECT_TIMEOUT} с: {exc}. Проверьте адрес и что `dask scheduler` "
                    "запущен (docs/scaling.md)"
                ) from None
        names = [str(Path(f).resolve()) for f in folders]
        views = client.run(probe, names)
        check_workers(views, names)
        threads = sum(client.nthreads().values())
        env = {**passed_env(), "SOKO_ROOT": str(project_root())}
        executor = EnvExecutor(client.get_executor(pure=False), env)
        yield Cluster(executor, threads, len(views), local.scheduler_address if local else address)
    finally:
        if client is not None:
            client.close()
        if local is not None:
            local.close()

"""The yearly build as a graph of tasks that declare the files they read and write.

Declared files are what make the build checkable: dependencies are inferred from them (a
task runs after the task that writes any of its inputs), each task is checked to have really
written its outputs, and a content-keyed cache (``soko.pipeline.cache``) reuses a task whose
code, parameters and input files are unchanged. Execution is pluggable: inline
(``jobs=1``, for debugging), a local process pool (workers stay warm: papermill and pandas are
imported once per worker, not once per notebook), or any ``concurrent.futures.Executor``.

A failing task never stops the build: its dependents are marked skipped and everything
independent of it still runs, so one broken municipality page does not cost the region report.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

Status = Literal["ok", "failed", "skipped"]

#: Environment every process that computes a result gets (build workers, notebook kernels).
#: BLAS with several threads sums in an order that depends on the thread count, so a table
#: (pisa_levels: replicate-weight matrix products) came out different in its last bits when
#: a LocalCluster had set the counts to 1 in the test process and a local build had not;
#: one thread also suits 2 cores shared by 2 workers. A fixed hash seed makes any iteration
#: over a set of strings the same in every process.
DETERMINISTIC_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
}

#: Longest error text kept per task; papermill errors carry whole cell tracebacks.
MAX_ERROR_CHARS = 6000

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


class GraphError(ValueError):
    """The graph cannot be run as declared (duplicate name or output, cycle, unknown task)."""


@dataclass(frozen=True)
class Task:
    """One unit of the build.

    ``action(*args, **kwargs)`` does the work. It must be a module-level function and the
    arguments picklable, because with ``jobs > 1`` the task is sent to a worker process.
    ``inputs`` are files the task reads (they must exist when it starts), ``outputs`` the files
    it must write (stale copies are removed before it runs, so an old file cannot pass for a
    new one). ``after`` names extra dependencies that no file expresses.

    ``fingerprint`` is the digest of everything the result depends on *besides* the content of
    the input files (code, parameters, configuration, locked dependencies), computed when the
    build is planned; the cache completes it with the inputs' digests when the task is ready.
    A task without one is never reused.
    """

    name: str
    action: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[Path, ...] = ()
    outputs: tuple[Path, ...] = ()
    after: tuple[str, ...] = ()
    fingerprint: str | None = None

    def __post_init__(self) -> None:
        # Accept lists and strings from callers; store the canonical tuple-of-Path form.
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "kwargs", dict(self.kwargs))
        object.__setattr__(self, "inputs", tuple(Path(p) for p in self.inputs))
        object.__setattr__(self, "outputs", tuple(Path(p) for p in self.outputs))
        after = (self.after,) if isinstance(self.after, str) else self.after
        object.__setattr__(self, "after", tuple(after))
        if not self.name:
            raise GraphError("у задачи нет имени")


def _key(path: Path) -> Path:
    """Path identity for matching inputs to outputs (no symlink resolution: files may not exist)."""
    return Path(os.path.normpath(os.path.abspath(path)))


class Graph:
    """Tasks in insertion order, with dependencies inferred from declared files."""

    def __init__(self, tasks: Iterable[Task] = ()) -> None:
        self._tasks: dict[str, Task] = {}
        for task in tasks:
            self.add(task)

    def add(self, task: Task) -> Task:
        if task.name in self._tasks:
            raise GraphError(f"задача «{task.name}» добавлена дважды")
        self._tasks[task.name] = task
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[Task]:
        return iter(self._tasks.values())

    def __contains__(self, name: object) -> bool:
        return name in self._tasks

    def __getitem__(self, name: str) -> Task:
        return self._tasks[name]

    @property
    def names(self) -> list[str]:
        return list(self._tasks)

    def producers(self) -> dict[Path, str]:
        """Output path -> name of the task writing it; raises if two tasks write one file."""
        owner: dict[Path, str] = {}
        for task in self._tasks.values():
            for out in task.outputs:
                key = _key(out)
                if key in owner:
                    raise GraphError(
                        f"файл {out} объявлен результатом двух задач: "
                        f"«{owner[key]}» и «{task.name}»"
                    )
                owner[key] = task.name
        return owner

    def dependencies(self) -> dict[str, tuple[str, ...]]:
        """Task name -> names it waits for (producers of its inputs plus ``after``), ordered."""
        owner = self.producers()
        deps: dict[str, tuple[str, ...]] = {}
        for task in self._tasks.values():
            found: dict[str, None] = {}
            for inp in task.inputs:
                producer = owner.get(_key(inp))
                if producer is not None:
                    found[producer] = None
            for name in task.after:
                if name not in self._tasks:
                    raise GraphError(f"задача «{task.name}» ждёт неизвестную задачу «{name}»")
                found[name] = None
            deps[task.name] = tuple(found)
        return deps

    def order(self) -> list[str]:
        """Topological order; ties keep insertion order, so runs are reproducible."""
        deps = self.dependencies()
        position = {name: i for i, name in enumerate(self._tasks)}
        waiting = {name: set(d) for name, d in deps.items()}
        dependents: dict[str, list[str]] = {name: [] for name in self._tasks}
        for name, ds in deps.items():
            for d in ds:
                dependents[d].append(name)
        ready = sorted((n for n, ds in waiting.items() if not ds), key=position.__getitem__)
        result: list[str] = []
        while ready:
            name = ready.pop(0)
            result.append(name)
            for child in dependents[name]:
                waiting[child].discard(name)
                if not waiting[child]:
                    ready.append(child)
            ready.sort(key=position.__getitem__)
        if len(result) < len(self._tasks):
            raise GraphError("цикл в зависимостях задач: " + " → ".join(self._find_cycle(deps)))
        return result

    def _find_cycle(self, deps: Mapping[str, tuple[str, ...]]) -> list[str]:
        """One cycle, for the error message."""
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        stack: list[str] = []

        def visit(name: str) -> list[str] | None:
            state[name] = 1
            stack.append(name)
            for d in deps[name]:
                if state.get(d) == 1:
                    return [*stack[stack.index(d) :], d]
                if d not in state:
                    cycle = visit(d)
                    if cycle:
                        return cycle
            stack.pop()
            state[name] = 2
            return None

        for name in self._tasks:
            if name not in state:
                cycle = visit(name)
                if cycle:
                    return list(reversed(cycle))
        return []

    def validate(self) -> list[str]:
        """Check names, outputs, ``after`` references and cycles; return the run order."""
        return self.order()


@dataclass(frozen=True)
class TaskResult:
    """What happened to one task. ``seconds`` is the time the task itself took."""

    name: str
    status: Status
    error: str | None = None
    seconds: float = 0.0
    #: the task was not run: its key matched and its outputs were as recorded
    reused: bool = False


class TaskCache(Protocol):
    """What ``run_graph`` asks of a cache (``soko.pipeline.cache.TaskCache`` is the real one).

    Keys are computed in the parent process when a task is ready to run, so every execution
    path (inline, process pool, any executor) reuses and records the same way.
    """

    def key(self, task: Task) -> str | None:
        """The task's full key now (``None``: never reuse it)."""
        ...

    def reusable(self, task: Task, key: str) -> bool:
        """Whether the task ran with ``key`` and its outputs are still what it wrote."""
        ...

    def record(self, task: Task, key: str | None, seconds: float) -> None:
        """Remember a successful run (and keep it on disk: a killed build keeps its work)."""
        ...

    def forget(self, name: str) -> None:
        """Drop what is known of a task that failed."""
        ...


@dataclass
class GraphResult:
    """Per-task results in run order, plus the wall time of the whole run."""

    tasks: dict[str, TaskResult]
    seconds: float = 0.0

    def __getitem__(self, name: str) -> TaskResult:
        return self.tasks[name]

    def __iter__(self) -> Iterator[TaskResult]:
        return iter(self.tasks.values())

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.tasks.values())

    def status(self, name: str) -> Status:
        return self.tasks[name].status

    def names(self, status: Status) -> list[str]:
        return [r.name for r in self.tasks.values() if r.status == status]

    @property
    def succeeded(self) -> list[str]:
        return self.names("ok")

    @property
    def failed(self) -> list[str]:
        return self.names("failed")

    @property
    def skipped(self) -> list[str]:
        return self.names("skipped")

    @property
    def reused(self) -> list[str]:
        return [r.name for r in self.tasks.values() if r.reused]

    def summary_ru(self) -> str:
        """Multi-line Russian summary for the console and the build log: counts, time, then
        one line per failed task (first line of its error) and per skipped task."""
        lines = [
            f"Задач: {len(self.tasks)}; успешно: {len(self.succeeded)}, "
            f"с ошибкой: {len(self.failed)}, пропущено: {len(self.skipped)}; "
            f"переиспользовано из кэша: {len(self.reused)}. Время: {seconds_ru(self.seconds)}."
        ]
        for r in self.tasks.values():
            if r.status == "failed":
                first = (r.error or "").strip().splitlines()
                lines.append(f"Ошибка в задаче «{r.name}»: {first[0] if first else 'нет описания'}")
        for r in self.tasks.values():
            if r.status == "skipped":
                lines.append(f"Пропущена задача «{r.name}»: {r.error}")
        return "\n".join(lines)


def failure_causes(graph: Graph, result: GraphResult, name: str) -> list[TaskResult]:
    """The failed tasks that kept ``name`` from succeeding, in run order.

    A failed task is its own cause; a skipped task's causes are those of its dependencies
    that did not succeed, followed upstream to the tasks that really failed (a page skipped
    because ``school_classes`` was skipped because ``va_schools`` failed: ``va_schools``).
    A task that succeeded, or is not in the result, has none.
    """
    deps = graph.dependencies()
    order = list(result.tasks)
    found: dict[str, TaskResult] = {}
    seen: set[str] = set()
    stack = [name]
    while stack:
        current = stack.pop()
        if current in seen or current not in result.tasks:
            continue
        seen.add(current)
        res = result.tasks[current]
        if res.status == "failed":
            found[current] = res
        elif res.status == "skipped":
            stack.extend(d for d in deps.get(current, ()) if d in result.tasks)
    return sorted(found.values(), key=lambda r: order.index(r.name))


def seconds_ru(seconds: float) -> str:
    """«12,3 с» — a decimal comma, as Russian text writes it."""
    return f"{seconds:.1f}".replace(".", ",") + " с"


def describe_exception(exc: BaseException) -> str:
    """A first line that names the error, then detail, without terminal colours.

    A notebook error (papermill's, recognised by ``ename``/``evalue``) is described by the
    failing cell and its traceback; anything else by the last frames of the Python traceback.
    """
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if isinstance(ename, str) and isinstance(evalue, str):
        cell = getattr(exc, "exec_count", None)
        where = f" (ячейка In [{cell}])" if cell is not None else ""
        text = f"{ename}: {evalue}{where}\n{str(exc).strip()}"
    else:
        message = f"{type(exc).__name__}: {exc}".strip()
        frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3)
        detail = "".join(frames[:-1]).rstrip()
        text = f"{message}\n\n{detail}" if detail else message
    text = _ANSI.sub("", text)
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 30] + "\n… (сообщение сокращено)"
    return text


def execute_task(task: Task) -> TaskResult:
    """Run one task and check its declared files. Runs inside the worker; never raises."""
    started = time.perf_counter()
    try:
        missing = [str(p) for p in task.inputs if not p.exists()]
        if missing:
            raise FileNotFoundError("нет входных файлов: " + ", ".join(missing))
        for out in task.outputs:
            if out.is_file() or out.is_symlink():
                out.unlink()
            out.parent.mkdir(parents=True, exist_ok=True)
        task.action(*task.args, **task.kwargs)
        unwritten = [str(p) for p in task.outputs if not p.exists()]
        if unwritten:
            raise RuntimeError("задача не записала объявленные файлы: " + ", ".join(unwritten))
    except (Exception, SystemExit) as exc:
        return TaskResult(task.name, "failed", describe_exception(exc), _since(started))
    return TaskResult(task.name, "ok", None, _since(started))


def _since(started: float) -> float:
    return time.perf_counter() - started


def _pickling_error(task: Task) -> str | None:
    """Say early, in words, why a task cannot be sent to a worker (lambdas, open files)."""
    try:
        pickle.dumps(task)
    except Exception as exc:
        return (
            "задачу нельзя передать в рабочий процесс (действие должно быть функцией уровня "
            f"модуля, аргументы — сериализуемыми): {describe_exception(exc)}"
        )
    return None


def run_graph(
    graph: Graph,
    jobs: int = 2,
    *,
    executor: Executor | None = None,
    on_result: Callable[[TaskResult], None] | None = None,
    mp_start_method: str = "spawn",
    cache: TaskCache | None = None,
    force: bool = False,
) -> GraphResult:
    """Run every task whose dependencies succeeded; report all of them.

    ``jobs=1`` runs tasks inline in this process. ``jobs>1`` uses a ``ProcessPoolExecutor``
    with that many workers (started with ``mp_start_method``; ``spawn`` is safe with threads
    in the parent and behaves the same on every OS). ``executor`` replaces both with any
    ``concurrent.futures.Executor`` the caller owns (e.g. a distributed one); it must accept
    ``submit(execute_task, task)``. ``on_result`` is called in this process as each task ends.

    At most ``jobs`` tasks are in flight; whenever a slot frees, the first ready task in
    topological order (ties: insertion order) is submitted, so runs are reproducible. A worker
    that dies (out of memory, ``os._exit``) fails the tasks in flight at that moment; a fresh
    pool takes the rest.

    With a ``cache``, a ready task whose full key matches a recorded run and whose outputs
    still have the recorded digests is not run: it succeeds at once as ``reused``. Each task
    that succeeds is recorded. ``force`` runs every task anyway (and still records).
    """
    jobs = max(1, jobs)
    order = graph.validate()
    deps = graph.dependencies()
    dependents: dict[str, list[str]] = {name: [] for name in order}
    for name in order:
        for d in deps[name]:
            dependents[d].append(name)
    position = {name: i for i, name in enumerate(order)}

    results: dict[str, TaskResult] = {}
    started = time.perf_counter()

    keys: dict[str, str | None] = {}

    def cached(name: str) -> TaskResult | None:
        """The reused result of a ready task, or ``None`` when it has to run."""
        if cache is None:
            return None
        if name not in keys:
            keys[name] = cache.key(graph[name])
        key = keys[name]
        if force or key is None or not cache.reusable(graph[name], key):
            return None
        return TaskResult(name, "ok", None, 0.0, reused=True)

    def record(result: TaskResult) -> None:
        results[result.name] = result
        if cache is not None and result.name in keys and not result.reused:
            if result.status == "ok":
                cache.record(graph[result.name], keys[result.name], result.seconds)
            else:
                cache.forget(result.name)
        if on_result is not None:
            on_result(result)
        if result.status != "ok":
            _skip_dependents(result.name)

    def _skip_dependents(name: str) -> None:
        for child in sorted(dependents[name], key=position.__getitem__):
            if child not in results:
                reason = f"не выполнена задача «{name}», от которой она зависит"
                record(TaskResult(child, "skipped", reason))

    def ready_tasks(done: set[str], submitted: set[str]) -> list[str]:
        return [
            n
            for n in order
            if n not in submitted and n not in results and all(d in done for d in deps[n])
        ]

    if executor is None and jobs <= 1:
        for name in order:
            if name in results:
                continue
            record(cached(name) or execute_task(graph[name]))
        return GraphResult({n: results[n] for n in order}, _since(started))

    own_pool = executor is None

    def new_pool() -> Executor:
        # workers inherit this process's environment when they start: BLAS reads its thread
        # count once, at import, so it must be set before the first worker starts
        os.environ.update(DETERMINISTIC_ENV)
        context = multiprocessing.get_context(mp_start_method)
        return ProcessPoolExecutor(max_workers=jobs, mp_context=context)

    pool: Executor = new_pool() if executor is None else executor
    running: dict[Future[TaskResult], str] = {}
    done: set[str] = set()
    try:
        while True:
            submitted = set(running.values())
            ready = ready_tasks(done, submitted)
            while ready:
                name = ready.pop(0)
                reused = cached(name)
                if reused is not None:
                    # no slot taken: record it and look again (its dependents may be ready)
                    done.add(name)
                    record(reused)
                    ready = ready_tasks(done, set(running.values()))
                    continue
                if len(running) >= jobs:
                    break
                task = graph[name]
                problem = _pickling_error(task) if own_pool else None
                if problem:
                    record(TaskResult(name, "failed", problem))
                    continue
                running[pool.submit(execute_task, task)] = name
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in sorted(finished, key=lambda f: position[running[f]]):
                name = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    broken = True
                    result = TaskResult(
                        name,
                        "failed",
                        "рабочий процесс аварийно завершился (нехватка памяти или падение "
                        f"интерпретатора) во время этой или соседней задачи: {exc}",
                    )
                except Exception as exc:  # pickling failures, executor errors
                    result = TaskResult(name, "failed", describe_exception(exc))
                if result.status == "ok":
                    done.add(name)
                record(result)
            if broken and own_pool:
                # Tasks in flight in a broken pool were killed with it; fail them, start fresh.
                for future in sorted(running, key=lambda f: position[running[f]]):
                    name = running[future]
                    record(
                        TaskResult(
                            name,
                            "failed",
                            "рабочий процесс аварийно завершился во время этой или соседней задачи",
                        )
                    )
                running.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = new_pool()
    finally:
        if own_pool:
            pool.shutdown(wait=True, cancel_futures=True)
    return GraphResult({n: results[n] for n in order}, _since(started))

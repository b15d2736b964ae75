"""What the build shows while it runs: done/total, failures, time left; then the slowest tasks.

On a terminal a rich progress bar; anywhere else (CI, a log, ``make compendium | tee``) plain
lines, one per task, plus a line «осталось ~N мин» every ``interval`` seconds, because a bar
redrawn with carriage returns turns a log file into noise.

Time left comes from the tasks' own past durations (the build cache records them; a task
never recorded takes the mean of its kind, see ``TaskCache.estimates``): the expected
seconds of the tasks not finished yet, divided over the parallel jobs, counted down between
results. It is an estimate: a task expected to rerun may be reused after all.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn
from rich.text import Text

from soko.pipeline.graph import GraphResult, TaskResult, seconds_ru

#: How many of the slowest tasks the build lists at the end.
SLOWEST = 10

_STATUS_RU = {"ok": "готово", "failed": "ОШИБКА", "skipped": "пропущено"}


def time_left_ru(seconds: float) -> str:
    """«~4 мин», «~40 с»: a rough figure, it is an estimate."""
    if seconds >= 90:
        return f"~{round(seconds / 60)} мин"
    if seconds >= 1:
        return f"~{max(5, round(seconds / 5) * 5)} с"
    return "меньше секунды"


def task_line(res: TaskResult) -> str:
    """One plain line per finished task (the build log's format)."""
    status = "из кэша" if res.reused else _STATUS_RU.get(res.status, res.status)
    line = f"  {status:>9}  {res.name}  ({res.seconds:.1f} с)"
    if res.status == "failed" and res.error:
        line += "\n            " + res.error.splitlines()[0][:300]
    return line


def slowest_lines(result: GraphResult, n: int = SLOWEST) -> list[str]:
    """The ``n`` tasks that took longest in this build (reused ones took nothing)."""
    ran = [r for r in result if not r.reused and r.status != "skipped"]
    ran.sort(key=lambda r: (-r.seconds, r.name))
    if not ran:
        return []
    return ["Самые долгие задачи:"] + [f"  {seconds_ru(r.seconds):>9}  {r.name}" for r in ran[:n]]


class _TimeLeft(ProgressColumn):
    """The bar's «осталось …» column, counted down between results."""

    def __init__(self, owner: BuildProgress) -> None:
        super().__init__()
        self.owner = owner

    def render(self, task: object) -> Text:
        return Text(f"осталось {time_left_ru(self.owner.remaining())}")


class BuildProgress:
    """Follows a build through ``run_graph``'s ``on_result``; use as a context manager.

    ``estimates``: expected seconds per task name (every task of the graph). ``live``: draw a
    bar (default: when ``stream`` is a terminal). ``clock`` is injectable so tests need no
    waiting.
    """

    def __init__(
        self,
        estimates: Mapping[str, float],
        jobs: int,
        *,
        stream: TextIO | None = None,
        live: bool | None = None,
        interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.estimates = dict(estimates)
        self.total = len(self.estimates)
        self.jobs = max(1, jobs)
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.failed = 0
        self._left_work = sum(self.estimates.values())
        self._since = clock()
        self._last_line = self._since
        self._bar: Progress | None = None
        self._bar_task: int | None = None

    # --- the estimate ---------------------------------------------------------------------

    def remaining(self) -> float:
        """Seconds left: the expected work of unfinished tasks over the jobs, minus the time
        since the last result (the tasks in flight have been working meanwhile)."""
        if self.done >= self.total:
            return 0.0
        return max(0.0, self._left_work / self.jobs - (self.clock() - self._since))

    # --- life cycle -------------------------------------------------------------------------

    def __enter__(self) -> BuildProgress:
        if self.live:
            console = Console(file=self.stream, force_terminal=True)
            self._bar = Progress(
                TextColumn("Сборка"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("ошибок: {task.fields[failed]}"),
                _TimeLeft(self),
                console=console,
                transient=True,
            )
            self._bar.start()
            self._bar_task = self._bar.add_task("build", total=self.total, failed=0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, res: TaskResult) -> None:
        """``on_result``: count the task, show it (plain) or advance the bar (live)."""
        self.done += 1
        self.failed += res.status == "failed"
        self._left_work = max(0.0, self._left_work - self.estimates.get(res.name, 0.0))
        self._since = self.clock()
        if self._bar is not None and self._bar_task is not None:
            if res.status == "failed":
                first = (res.error or "").strip().splitlines()
                self._bar.console.print(
                    f"ОШИБКА  {res.name}: {first[0][:300] if first else 'нет описания'}",
                    markup=False,
                    highlight=False,
                    emoji=False,
                )
            self._bar.update(self._bar_task, advance=1, failed=self.failed)
            return
        print(task_line(res), file=self.stream, flush=True)
        if self.done < self.total and self._since - self._last_line >= self.interval:
            self._last_line = self._since
            print(
                f"  … готово {self.done} из {self.total}, ошибок {self.failed}; "
                f"осталось {time_left_ru(self.remaining())}",
                file=self.stream,
                flush=True,
            )

    def finish(self, result: GraphResult) -> None:
        """After the run: the slowest tasks (the summary itself is the caller's)."""
        for line in slowest_lines(result):
            print(line, file=self.stream, flush=True)

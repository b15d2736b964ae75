"""The task cache on small file graphs: what is reused, what reruns, what is recorded; progress.

No notebooks here: the actions write text files, so each rule is checked in milliseconds
(the whole build on the small demo is tests/test_build_cache.py).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from soko.pipeline.cache import TaskCache, task_fingerprint
from soko.pipeline.graph import Graph, GraphResult, Task, TaskResult, run_graph
from soko.pipeline.progress import BuildProgress, slowest_lines, time_left_ru

# Actions are module-level so that worker processes can unpickle them.


def first_line_upper(source: Path, output: Path) -> None:
    """Depends on the first line of ``source`` only: a change below it gives the same bytes."""
    first = source.read_text(encoding="utf-8").splitlines()[0]
    output.write_text(first.upper(), encoding="utf-8")


def exclaim(source: Path, output: Path) -> None:
    output.write_text(source.read_text(encoding="utf-8") + "!", encoding="utf-8")


def fail_if(flag: Path, output: Path) -> None:
    if flag.read_text(encoding="utf-8") == "сломать":
        raise ValueError("сломано")
    output.write_text("ok", encoding="utf-8")


def chain(tmp: Path, *, fingerprint: str | None = "v1") -> Graph:
    """raw (not built) -> head -> loud; ``head`` keeps only the first line of raw."""
    raw, head, loud = tmp / "raw.txt", tmp / "head.txt", tmp / "loud.txt"
    return Graph(
        [
            Task(
                "derive:head",
                first_line_upper,
                (raw, head),
                inputs=(raw,),
                outputs=(head,),
                fingerprint=fingerprint,
            ),
            Task(
                "notebook:loud",
                exclaim,
                (head, loud),
                inputs=(head,),
                outputs=(loud,),
                fingerprint=fingerprint,
            ),
        ]
    )


def ran(result: GraphResult) -> list[str]:
    return [r.name for r in result if r.status == "ok" and not r.reused]


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "raw.txt"
    path.write_text("первая\nвторая\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", [1, 2])
def test_unchanged_tasks_are_reused_on_every_path(tmp_path: Path, raw: Path, jobs: int) -> None:
    cache = TaskCache(tmp_path / "cache")
    first = run_graph(chain(tmp_path), jobs=jobs, cache=cache)
    assert ran(first) == ["derive:head", "notebook:loud"]
    again = run_graph(chain(tmp_path), jobs=jobs, cache=TaskCache(tmp_path / "cache"))
    assert again.ok and again.reused == ["derive:head", "notebook:loud"]
    assert all(r.seconds == 0 for r in again)
    assert (tmp_path / "loud.txt").read_text(encoding="utf-8") == "ПЕРВАЯ!"


def test_identical_content_stops_the_cascade(tmp_path: Path, raw: Path) -> None:
    run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    # the second line changes: head reruns, writes the same bytes, loud is reused
    raw.write_text("первая\nдругая\n", encoding="utf-8")
    result = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    assert ran(result) == ["derive:head"] and result.reused == ["notebook:loud"]
    # the first line changes: both rerun
    raw.write_text("новая\n", encoding="utf-8")
    result = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    assert ran(result) == ["derive:head", "notebook:loud"]
    assert (tmp_path / "loud.txt").read_text(encoding="utf-8") == "НОВАЯ!"


def test_same_bytes_with_a_new_timestamp_reruns_nothing(tmp_path: Path, raw: Path) -> None:
    run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    raw.write_text(raw.read_text(encoding="utf-8"), encoding="utf-8")  # new mtime, same bytes
    result = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    assert ran(result) == []


def test_a_changed_fingerprint_reruns_and_its_dependents_follow_content(
    tmp_path: Path, raw: Path
) -> None:
    run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    result = run_graph(
        chain(tmp_path, fingerprint="v2"), jobs=1, cache=TaskCache(tmp_path / "cache")
    )
    assert ran(result) == ["derive:head", "notebook:loud"]


def test_missing_or_edited_output_reruns_its_task(tmp_path: Path, raw: Path) -> None:
    run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    (tmp_path / "loud.txt").write_text("правка руками", encoding="utf-8")
    result = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    assert ran(result) == ["notebook:loud"]
    (tmp_path / "loud.txt").unlink()
    result = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    assert ran(result) == ["notebook:loud"]
    assert (tmp_path / "loud.txt").read_text(encoding="utf-8") == "ПЕРВАЯ!"


def test_force_runs_everything_and_still_records(tmp_path: Path, raw: Path) -> None:
    run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    forced = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"), force=True)
    assert ran(forced) == ["derive:head", "notebook:loud"] and forced.reused == []
    after = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    assert after.reused == ["derive:head", "notebook:loud"]


def test_a_task_without_fingerprint_is_never_reused(tmp_path: Path, raw: Path) -> None:
    for _ in range(2):
        result = run_graph(
            chain(tmp_path, fingerprint=None), jobs=1, cache=TaskCache(tmp_path / "cache")
        )
        assert ran(result) == ["derive:head", "notebook:loud"]


def test_a_failed_task_is_forgotten_and_kept_tasks_survive_on_disk(tmp_path: Path) -> None:
    flag, out = tmp_path / "flag.txt", tmp_path / "out.txt"
    graph = Graph(
        [Task("t", fail_if, (flag, out), inputs=(flag,), outputs=(out,), fingerprint="f")]
    )
    flag.write_text("хорошо", encoding="utf-8")
    run_graph(graph, jobs=1, cache=TaskCache(tmp_path / "cache"))
    stored = json.loads((tmp_path / "cache" / "tasks.json").read_text(encoding="utf-8"))
    assert set(stored["tasks"]) == {"t"} and stored["tasks"]["t"]["seconds"] >= 0
    flag.write_text("сломать", encoding="utf-8")
    assert run_graph(graph, jobs=1, cache=TaskCache(tmp_path / "cache")).failed == ["t"]
    assert TaskCache(tmp_path / "cache").entry("t") is None


def test_a_damaged_cache_file_means_every_task_runs(tmp_path: Path, raw: Path) -> None:
    run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    (tmp_path / "cache" / "tasks.json").write_text("{не json", encoding="utf-8")
    result = run_graph(chain(tmp_path), jobs=1, cache=TaskCache(tmp_path / "cache"))
    assert ran(result) == ["derive:head", "notebook:loud"]


def test_fingerprint_depends_on_arguments_not_on_dict_order() -> None:
    a = task_fingerprint(exclaim, (Path("a"),), {"x": 1, "y": 2}, code="c")
    assert a == task_fingerprint(exclaim, (Path("a"),), {"y": 2, "x": 1}, code="c")
    assert a != task_fingerprint(exclaim, (Path("b"),), {"x": 1, "y": 2}, code="c")
    assert a != task_fingerprint(first_line_upper, (Path("a"),), {"x": 1, "y": 2}, code="c")
    assert a != task_fingerprint(exclaim, (Path("a"),), {"x": 1, "y": 2}, code="d")


def test_estimates_use_recorded_durations_and_expected_reuse(tmp_path: Path, raw: Path) -> None:
    cache = TaskCache(tmp_path / "cache")
    graph = chain(tmp_path)
    fresh = cache.estimates(graph)
    assert fresh["derive:head"] > 0 and fresh["notebook:loud"] > 0  # defaults per kind
    run_graph(graph, jobs=1, cache=cache)
    assert cache.estimates(graph) == {"derive:head": 0.0, "notebook:loud": 0.0}
    forced = cache.estimates(graph, force=True)
    assert forced == {n: cache.seconds(n) for n in graph.names}
    raw.write_text("иная\n", encoding="utf-8")
    upstream = cache.estimates(graph)
    assert upstream["derive:head"] == cache.seconds("derive:head")
    assert upstream["notebook:loud"] == cache.seconds("notebook:loud"), "counted as rerunning"


# --- progress -----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_prints_tasks_and_time_left_periodically() -> None:
    stream, clock = io.StringIO(), Clock()
    estimates = {f"notebook:{i}": 60.0 for i in range(6)}
    with BuildProgress(estimates, jobs=2, stream=stream, interval=30, clock=clock) as progress:
        assert progress.remaining() == 180.0
        clock.now = 10
        progress(TaskResult("notebook:0", "ok", seconds=10))
        clock.now = 40
        progress(TaskResult("notebook:1", "failed", "ValueError: плохо\nподробно", seconds=5))
        progress(TaskResult("notebook:2", "ok", reused=True))
    lines = stream.getvalue().splitlines()
    assert lines[0].split() == ["готово", "notebook:0", "(10.0", "с)"]
    assert "ОШИБКА  notebook:1" in lines[1] and "ValueError: плохо" in lines[2]
    assert lines[3].strip() == "… готово 2 из 6, ошибок 1; осталось ~2 мин"
    assert "из кэша  notebook:2" in lines[4]
    assert len(lines) == 5, "the next «осталось» line waits for the interval"
    assert progress.remaining() == 90.0


def test_live_progress_draws_a_bar_on_a_terminal() -> None:
    stream, clock = io.StringIO(), Clock()
    with BuildProgress(
        {"derive:a": 4.0, "render:b": 2.0}, jobs=1, stream=stream, live=True, clock=clock
    ) as progress:
        progress(TaskResult("derive:a", "failed", "RuntimeError: нет таблицы", seconds=1))
    text = stream.getvalue()
    assert "ОШИБКА  derive:a: RuntimeError: нет таблицы" in text
    assert "derive:a  (" not in text, "no plain per-task lines on a terminal"


def test_slowest_tasks_and_time_left_in_russian() -> None:
    result = GraphResult(
        {
            "a": TaskResult("a", "ok", seconds=1.5),
            "b": TaskResult("b", "ok", seconds=30.0),
            "c": TaskResult("c", "ok", reused=True),
            "d": TaskResult("d", "skipped", "не выполнена задача"),
        }
    )
    assert slowest_lines(result) == ["Самые долгие задачи:", "     30,0 с  b", "      1,5 с  a"]
    assert slowest_lines(GraphResult({"c": TaskResult("c", "ok", reused=True)})) == []
    assert time_left_ru(600) == "~10 мин"
    assert time_left_ru(42) == "~40 с"
    assert time_left_ru(0) == "меньше секунды"
    assert "переиспользовано из кэша: 1" in result.summary_ru()

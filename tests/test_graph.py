"""Task graph: order, inferred dependencies, validation, failure isolation, parallel runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from soko.pipeline.graph import Graph, GraphError, Task, TaskResult, run_graph

# Actions are module-level so that worker processes can unpickle them.


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def concat(inputs: list[Path], output: Path) -> None:
    output.write_text(
        "+".join(p.read_text(encoding="utf-8") for p in inputs),
        encoding="utf-8",
    )


def fail(message: str) -> None:
    raise ValueError(message)


def do_nothing() -> None:
    pass


def die() -> None:
    os._exit(3)


def chain_graph(tmp: Path) -> Graph:
    """a -> b -> c through files, added in reverse order."""
    a, b, c = tmp / "a.txt", tmp / "b.txt", tmp / "c.txt"
    return Graph(
        [
            Task("c", concat, ([b],), {"output": c}, inputs=(b,), outputs=(c,)),
            Task("b", concat, ([a],), {"output": b}, inputs=(a,), outputs=(b,)),
            Task("a", write_text, (a, "A"), inputs=(), outputs=(a,)),
        ]
    )


def diamond_with_failure(tmp: Path) -> Graph:
    """src -> (left, right) -> join; bad -> after_bad; lone is independent."""
    src, left, right, join = (tmp / f"{n}.txt" for n in ("src", "left", "right", "join"))
    bad, after_bad = tmp / "bad.txt", tmp / "after_bad.txt"
    lone = tmp / "lone.txt"
    return Graph(
        [
            Task("src", write_text, (src, "S"), outputs=(src,)),
            Task("left", concat, ([src], left), inputs=(src,), outputs=(left,)),
            Task("right", concat, ([src], right), inputs=(src,), outputs=(right,)),
            Task("join", concat, ([left, right], join), inputs=(left, right), outputs=(join,)),
            Task("bad", fail, ("сломано",), outputs=(bad,)),
            Task("after_bad", concat, ([bad], after_bad), inputs=(bad,), outputs=(after_bad,)),
            Task("lone", write_text, (lone, "L"), outputs=(lone,)),
        ]
    )


def test_topological_order_and_inferred_dependencies(tmp_path: Path) -> None:
    graph = chain_graph(tmp_path)
    assert graph.validate() == ["a", "b", "c"]
    deps = graph.dependencies()
    assert deps == {"c": ("b",), "b": ("a",), "a": ()}


def test_ties_keep_insertion_order(tmp_path: Path) -> None:
    graph = Graph(
        Task(name, write_text, (tmp_path / name, name), outputs=(tmp_path / name,))
        for name in ("z", "m", "a")
    )
    assert graph.order() == ["z", "m", "a"]


def test_explicit_after_dependency(tmp_path: Path) -> None:
    graph = Graph(
        [
            Task("index", do_nothing, after=("page",)),
            Task("page", do_nothing),
        ]
    )
    assert graph.order() == ["page", "index"]
    with pytest.raises(GraphError, match="неизвестную"):
        Graph([Task("x", do_nothing, after=("nope",))]).validate()


def test_relative_and_absolute_paths_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    graph = Graph(
        [
            Task("use", do_nothing, inputs=(tmp_path / "d" / "x.txt",)),
            Task("make", write_text, (Path("d/x.txt"), "x"), outputs=(Path("d/./x.txt"),)),
        ]
    )
    assert graph.dependencies()["use"] == ("make",)


def test_cycle_is_detected(tmp_path: Path) -> None:
    x, y = tmp_path / "x", tmp_path / "y"
    graph = Graph(
        [
            Task("free", do_nothing),
            Task("one", do_nothing, inputs=(y,), outputs=(x,)),
            Task("two", do_nothing, inputs=(x,), outputs=(y,)),
        ]
    )
    with pytest.raises(GraphError, match="цикл") as err:
        graph.validate()
    assert "one" in str(err.value) and "two" in str(err.value)
    with pytest.raises(GraphError, match="цикл"):
        run_graph(graph, jobs=1)


def test_self_dependency_is_a_cycle(tmp_path: Path) -> None:
    x = tmp_path / "x"
    with pytest.raises(GraphError, match="цикл"):
        Graph([Task("self", do_nothing, inputs=(x,), outputs=(x,))]).validate()


def test_duplicate_output_and_name(tmp_path: Path) -> None:
    out = tmp_path / "same.html"
    graph = Graph(
        [
            Task("first", write_text, (out, "1"), outputs=(out,)),
            Task("second", write_text, (out, "2"), outputs=(tmp_path / "." / "same.html",)),
        ]
    )
    with pytest.raises(GraphError, match="двух задач"):
        graph.validate()
    with pytest.raises(GraphError, match="дважды"):
        Graph([Task("a", do_nothing), Task("a", do_nothing)])


def test_chain_runs_inline(tmp_path: Path) -> None:
    result = run_graph(chain_graph(tmp_path), jobs=1)
    assert result.ok
    assert list(result.tasks) == ["a", "b", "c"]
    assert (tmp_path / "c.txt").read_text(encoding="utf-8") == "A"
    assert all(r.seconds >= 0 for r in result)


def test_failure_skips_dependents_only(tmp_path: Path) -> None:
    seen: list[TaskResult] = []
    result = run_graph(diamond_with_failure(tmp_path), jobs=1, on_result=seen.append)
    assert not result.ok
    assert result.failed == ["bad"]
    assert result.skipped == ["after_bad"]
    assert result.succeeded == ["src", "left", "right", "join", "lone"]
    assert "ValueError: сломано" in (result["bad"].error or "")
    assert "«bad»" in (result["after_bad"].error or "")
    assert sorted(r.name for r in seen) == sorted(result.tasks)
    assert (tmp_path / "join.txt").read_text(encoding="utf-8") == "S+S"
    summary = result.summary_ru()
    assert "успешно: 5, с ошибкой: 1, пропущено: 1" in summary
    assert "Ошибка в задаче «bad»: ValueError: сломано" in summary
    assert "Пропущена задача «after_bad»" in summary


def test_transitive_dependents_are_skipped(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    graph = Graph(
        [
            Task("root", fail, ("нет данных",), outputs=(a,)),
            Task("mid", concat, ([a], b), inputs=(a,), outputs=(b,)),
            Task("leaf", do_nothing, inputs=(b,)),
        ]
    )
    result = run_graph(graph, jobs=1)
    assert [r.status for r in result] == ["failed", "skipped", "skipped"]


def test_unwritten_output_fails_even_if_a_stale_copy_existed(tmp_path: Path) -> None:
    stale = tmp_path / "page.html"
    stale.write_text("old build", encoding="utf-8")
    graph = Graph(
        [
            Task("lazy", do_nothing, outputs=(stale,)),
            Task("reader", do_nothing, inputs=(stale,)),
        ]
    )
    result = run_graph(graph, jobs=1)
    assert result["lazy"].status == "failed"
    assert "не записала" in (result["lazy"].error or "")
    assert str(stale) in (result["lazy"].error or "")
    assert result["reader"].status == "skipped"
    assert not stale.exists()


def test_missing_source_input_fails_the_task(tmp_path: Path) -> None:
    result = run_graph(Graph([Task("read", do_nothing, inputs=(tmp_path / "raw.csv",))]), jobs=1)
    assert result["read"].status == "failed"
    assert "raw.csv" in (result["read"].error or "")


def test_output_folders_are_created(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "2025" / "mun" / "01.txt"
    result = run_graph(Graph([Task("w", write_text, (out, "x"), outputs=(out,))]), jobs=1)
    assert result.ok and out.read_text(encoding="utf-8") == "x"


def test_parallel_matches_inline(tmp_path: Path) -> None:
    inline_dir, pool_dir = tmp_path / "inline", tmp_path / "pool"
    inline_dir.mkdir()
    pool_dir.mkdir()
    inline = run_graph(diamond_with_failure(inline_dir), jobs=1)
    pooled = run_graph(diamond_with_failure(pool_dir), jobs=2)
    assert list(pooled.tasks) == list(inline.tasks)
    assert {n: r.status for n, r in pooled.tasks.items()} == {
        n: r.status for n, r in inline.tasks.items()
    }
    assert (pool_dir / "join.txt").read_text(encoding="utf-8") == "S+S"
    for name in ("src", "left", "right", "join", "lone"):
        assert (pool_dir / f"{name}.txt").read_text(encoding="utf-8") == (
            inline_dir / f"{name}.txt"
        ).read_text(encoding="utf-8")


def test_unpicklable_action_fails_cleanly_in_parallel(tmp_path: Path) -> None:
    out = tmp_path / "ok.txt"
    graph = Graph(
        [
            Task("lambda", lambda: None),
            Task("fine", write_text, (out, "ok"), outputs=(out,)),
        ]
    )
    result = run_graph(graph, jobs=2)
    assert result["lambda"].status == "failed"
    assert "уровня модуля" in (result["lambda"].error or "")
    assert result["fine"].status == "ok"


def test_dead_worker_fails_its_task_and_the_build_goes_on(tmp_path: Path) -> None:
    after = tmp_path / "after.txt"
    graph = Graph(
        [
            Task("crash", die, outputs=(tmp_path / "never.txt",)),
            Task("later", write_text, (after, "x"), outputs=(after,), after=("crash",)),
            Task("other", write_text, (tmp_path / "o.txt", "o"), outputs=(tmp_path / "o.txt",)),
        ]
    )
    result = run_graph(graph, jobs=2)
    assert result["crash"].status == "failed"
    assert "аварийно" in (result["crash"].error or "")
    assert result["later"].status == "skipped"
    # "other" may have been in flight when the pool broke; either it ran, or it is reported.
    assert result["other"].status in ("ok", "failed")
    if result["other"].status == "ok":
        assert (tmp_path / "o.txt").exists()

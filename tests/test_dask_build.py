"""The build on a Dask cluster, and partitioned derived tables.

A build on a ``distributed.LocalCluster`` (two worker processes) must write the very bytes
a local build writes: the same derived tables and the same pages. A partitioned derived
table (one task per year, then a combining task) must equal the table computed whole.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from soko.build import build, plan
from soko.derive import output_path
from soko.pipeline.cluster import (
    ClusterError,
    EnvExecutor,
    check_workers,
    installation,
    parse_scheduler,
    passed_env,
)
from soko.pipeline.derived import derive_combined, derive_part, derive_table, partition_values
from soko.registry import derived_tables
from tests.conftest import SecondBuild, SmallRegion

PARTITIONED = [s.name for s in derived_tables() if s.partition is not None]


def _copy_processed(small_region: SmallRegion, tmp_path: Path) -> Path:
    """A private copy of the canonical tables: the build under test writes its own derived
    tables and executed notebooks, never the shared fixture's."""
    processed = tmp_path / "processed"
    shutil.copytree(
        small_region.processed, processed, ignore=shutil.ignore_patterns("derived", "notebooks")
    )
    return processed


def _files(root: Path, pattern: str) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob(pattern))}


def test_some_table_is_partitioned() -> None:
    assert "objectivity_signals" in PARTITIONED


@pytest.mark.parametrize("name", PARTITIONED)
def test_partitioned_table_is_byte_identical_to_the_whole(
    small_region: SmallRegion, tmp_path: Path, name: str
) -> None:
    processed = _copy_processed(small_region, tmp_path)
    spec = next(s for s in derived_tables() if s.name == name)
    for dep in spec.inputs:  # derived inputs first, computed whole
        if dep.startswith("derived/"):
            derive_table(dep.split("/", 1)[1], processed)
    derive_table(name, processed)
    whole = output_path(processed, name).read_bytes()
    output_path(processed, name).unlink()
    values = partition_values(name, processed)
    assert len(values) > 1  # the small demo has several years: really split
    for value in reversed(values):  # parts may finish in any order
        derive_part(name, processed, value)
    derive_combined(name, processed, values)
    assert output_path(processed, name).read_bytes() == whole


def test_plan_runs_one_task_per_partition_and_a_combining_one(small_region: SmallRegion) -> None:
    bp = plan(2026, small_region.processed, small_region.processed.parent / "unused")
    deps = bp.graph.dependencies()
    for name in PARTITIONED:
        values = partition_values(name, small_region.processed)
        parts = [f"derive:{name}@{v}" for v in values]
        assert all(p in bp.graph for p in parts)
        assert set(parts) <= set(deps[f"derive:{name}"])
        assert not any(p in deps[q] for p in parts for q in parts)  # parts are independent


@pytest.mark.notebooks
def test_local_cluster_build_is_byte_identical_to_the_local_build(
    small_region: SmallRegion, small_build: Path, second_build: SecondBuild
) -> None:
    """The session's second build ran on a LocalCluster of 2 processes (tests/conftest.py)."""
    local, remote = _files(small_build, "*.html"), _files(second_build.reports, "*.html")
    assert len(local) > 10
    assert sorted(remote) == sorted(local)
    differ = [name for name in local if local[name] != remote[name]]
    assert differ == []
    # and the derived tables (the local build's are in the small region's folder): with one
    # BLAS thread everywhere (DETERMINISTIC_ENV) pisa_levels too, which differed before
    tables = _files(small_region.processed / "derived", "*.parquet")
    assert tables
    assert _files(second_build.processed / "derived", "*.parquet") == tables


def test_unreachable_scheduler_is_a_russian_message_and_exit_2(
    small_region: SmallRegion, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = build(processed=small_region.processed, reports=tmp_path, scheduler="tcp://127.0.0.1:9")
    err = capsys.readouterr().err
    assert code == 2
    assert "не удалось подключиться к планировщику Dask tcp://127.0.0.1:9" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("text", ["local:0", "cluster", "http//x"])
def test_a_malformed_scheduler_is_refused_in_russian(text: str) -> None:
    with pytest.raises(ClusterError, match="--scheduler"):
        parse_scheduler(text)


def test_local_and_addresses_are_parsed() -> None:
    assert parse_scheduler("local") == ("local", None)
    assert parse_scheduler("local:3") == ("local", 3)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", None)


def test_a_worker_that_does_not_see_the_folder_is_named(tmp_path: Path) -> None:
    folder = str(tmp_path)
    good = {"missing": [], "installation": installation()}
    check_workers({"tcp://a:1": good}, [folder])  # passes
    views = {"tcp://a:1": good, "tcp://b:2": {"missing": [folder], "installation": installation()}}
    with pytest.raises(ClusterError) as caught:
        check_workers(views, [folder])
    assert "tcp://b:2" in str(caught.value) and folder in str(caught.value)
    assert "tcp://a:1" not in str(caught.value)


def test_a_worker_with_other_code_or_versions_is_named() -> None:
    other = {**installation(), "soko": "0" * 32, "pandas": "1.0.0"}
    with pytest.raises(ClusterError) as caught:
        check_workers({"tcp://c:3": {"missing": [], "installation": other}}, [])
    text = str(caught.value)
    assert "tcp://c:3" in text and "исходный код soko" in text and "pandas: 1.0.0" in text


def test_no_workers_is_refused() -> None:
    with pytest.raises(ClusterError, match="ни одного рабочего процесса"):
        check_workers({}, [])


def _read_env(name: str) -> str | None:
    return os.environ.get(name)


def test_tasks_see_the_build_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOKO_TEST_MARK", "да")
    monkeypatch.setenv("UNRELATED_VARIABLE", "x")
    env = passed_env()
    assert env["SOKO_TEST_MARK"] == "да" and "UNRELATED_VARIABLE" not in env
    monkeypatch.delenv("SOKO_TEST_MARK")
    with ThreadPoolExecutor(1) as pool:
        future = EnvExecutor(pool, env).submit(_read_env, "SOKO_TEST_MARK")
        assert future.result() == "да"
    monkeypatch.delenv("SOKO_TEST_MARK")  # the executor set it in this process

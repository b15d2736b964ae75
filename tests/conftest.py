"""Shared fixtures: one small demo region, generated, ingested and derived once per session,
and its compendium, built once per session (`small_build`)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from soko.build import build
from soko.pipeline.demo import generate_demo
from soko.pipeline.derived import derive_table
from soko.pipeline.ingest import IngestReport, ingest
from soko.registry import derived_tables


@dataclass(frozen=True)
class SmallRegion:
    raw: Path
    processed: Path
    truth: Path
    report: IngestReport


def make_small_region(root: Path) -> SmallRegion:
    """The small demo region in ``root``: generated, ingested, derived (also what
    `make references` executes the templates against, so the same seed and size)."""
    raw, processed, truth = root / "raw", root / "processed", root / "truth"
    generate_demo(out=raw, seed=20260415, size="small", truth_out=truth)
    report = ingest(raw, processed)
    for spec in derived_tables():
        derive_table(spec.name, processed)
    return SmallRegion(raw=raw, processed=processed, truth=truth, report=report)


_SMALL_REGION = pytest.StashKey[SmallRegion]()


def session_small_region(config: pytest.Config) -> SmallRegion:
    """The session's small region, made on first use. nbval's reference-notebook items take
    no fixtures (tests/reference/conftest.py asks here), so the fixture and they share it."""
    if _SMALL_REGION not in config.stash:
        # the session's tmp_path_factory (set by pytest's tmp_path plugin at configure time)
        factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
        config.stash[_SMALL_REGION] = make_small_region(factory.mktemp("small_region"))
    return config.stash[_SMALL_REGION]


@pytest.fixture(scope="session")
def small_region(pytestconfig: pytest.Config) -> SmallRegion:
    return session_small_region(pytestconfig)


@pytest.fixture(scope="session")
def small_build(small_region: SmallRegion, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reports folder of one `soko build --jobs 2` of the small region (every page of
    pipelines/pages.yml, the indexes, manifest.json). Built once per session: a build is the
    most expensive thing the suite does, and the build, determinism and cluster tests all
    look at this one. Its executed notebooks and derived tables are in
    ``small_region.processed``."""
    reports = tmp_path_factory.mktemp("reports")
    code = build(jobs=2, processed=small_region.processed, reports=reports, raw=small_region.raw)
    assert code == 0
    return reports


@dataclass(frozen=True)
class DemoRegion:
    raw: Path
    processed: Path
    truth: Path


@pytest.fixture(scope="session")
def demo_region(tmp_path_factory: pytest.TempPathFactory) -> DemoRegion:
    """A `demo`-size region (≈ 150 schools), generated and ingested once: planted-truth checks
    (value added, objectivity) need more schools than `small` has. Not derived: tests compute
    what they check."""
    root = tmp_path_factory.mktemp("demo_region")
    raw, processed, truth = root / "raw", root / "processed", root / "truth"
    generate_demo(out=raw, seed=20260415, size="demo", truth_out=truth)
    ingest(raw, processed)
    return DemoRegion(raw=raw, processed=processed, truth=truth)


@dataclass(frozen=True)
class SecondBuild:
    processed: Path
    reports: Path


@pytest.fixture(scope="session")
def second_build(
    small_region: SmallRegion, small_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> SecondBuild:
    """The same inputs built again elsewhere, on a Dask ``LocalCluster`` of 2 processes:
    canonical tables copied, nothing derived, executed or cached carried over. One build
    serves two proofs against ``small_build``: two builds from the same inputs give the same
    bytes (tests/test_reproducible.py), and a cluster build equals the local one
    (tests/test_dask_build.py) — a build costs a minute or more of ``make test``."""
    from distributed import LocalCluster  # the cluster stack only where a cluster is used

    root = tmp_path_factory.mktemp("second_build")
    processed = root / "processed"
    shutil.copytree(
        small_region.processed,
        processed,
        ignore=shutil.ignore_patterns("derived", "notebooks", "cache", "logs"),
    )
    reports = root / "reports"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        code = build(
            processed=processed,
            reports=reports,
            raw=small_region.raw,
            scheduler=cluster.scheduler_address,
        )
    assert code == 0
    return SecondBuild(processed, reports)

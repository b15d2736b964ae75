"""Shared fixtures: one small demo region, generated, ingested and derived once per session."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def small_region(tmp_path_factory: pytest.TempPathFactory) -> SmallRegion:
    root = tmp_path_factory.mktemp("small_region")
    raw, processed, truth = root / "raw", root / "processed", root / "truth"
    generate_demo(out=raw, seed=20260415, size="small", truth_out=truth)
    report = ingest(raw, processed)
    for spec in derived_tables():
        derive_table(spec.name, processed)
    return SmallRegion(raw=raw, processed=processed, truth=truth, report=report)


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


@pytest.fixture(scope="session")
def small_build(small_region: SmallRegion, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reports folder of a local ``jobs=2`` build of ``small_region`` (what the
    reproducibility and cluster tests compare their builds with)."""
    reports = tmp_path_factory.mktemp("small_build")
    assert build(jobs=2, processed=small_region.processed, reports=reports) == 0
    return reports

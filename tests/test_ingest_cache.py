"""`soko ingest` redoes only what changed: an unchanged run replays its report (errors and
exit code included), a changed file reruns its group only and gives the same bytes as a
from-scratch ingest, a removed file's rows go, a contract or configuration change
re-validates. Each test starts from a copy of the small demo's raw folder and of the ingest
cache the session fixture left, so nothing is ingested cold but what a test changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from soko.cli import main
from soko.demo.model import SIZES
from soko.paths import project_root
from soko.pipeline.ingest import ingest
from soko.pipeline.ingest_state import (
    CACHE_DIR,
    NO_CHANGES,
    Digests,
    environment_digest,
    previous_run,
    salt_file,
)
from soko.pseudonym import salt_path
from soko.registry import discover

ROOT = Path(__file__).resolve().parents[1]
GVE_FILE = "gia/gve/2026/gve_2026_ma_9.csv"  # a small procedure's file, text (cp1251)


@pytest.fixture
def region(tmp_path: Path, small_region, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root of its own: configuration, contracts and lock copied (a test may change
    them), the small demo's raw files, and the ingest cache of the session's ingest."""
    for folder in ("config", "expectations"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    # the pseudonym salt the session's ingest used (ГИА ids are keyed with it)
    shutil.copytree(salt_path().parent, tmp_path / salt_path().parent.name)
    shutil.copytree(small_region.raw, tmp_path / "data" / "raw")
    cache = Path(small_region.processed).joinpath(*CACHE_DIR)
    shutil.copytree(cache, tmp_path / "data" / "processed" / Path(*CACHE_DIR))
    monkeypatch.setenv("SOKO_ROOT", str(tmp_path))
    monkeypatch.delenv("SOKO_PROCESSED", raising=False)
    assert project_root() == tmp_path.resolve()
    return tmp_path


def raw(root: Path) -> Path:
    return root / "data" / "raw"


def processed(root: Path) -> Path:
    return root / "data" / "processed"


def groups() -> list[str]:
    return ["registry", *(p.code for p in discover())]


def tables(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


def ingest_cli(root: Path, *extra: str) -> int:
    return main(["ingest", "--raw", str(raw(root)), "--processed", str(processed(root)), *extra])


def drop_last_row(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) > 2
    path.write_bytes(b"".join(lines[:-1]))


def test_demo_sizes_listed_by_the_cli_are_the_demos() -> None:
    from soko.cli import DEMO_SIZES

    assert list(DEMO_SIZES) == list(SIZES)


def test_the_salt_is_where_pseudonyms_take_it_from() -> None:
    assert salt_file(project_root()) == salt_path()


def test_nothing_changed_nothing_redone(region: Path, capsys) -> None:
    assert ingest_cli(region) == 0
    first = capsys.readouterr().out
    # every group came from the session's cache: no file was read again
    assert "взяты из прошлого запуска" in first and NO_CHANGES not in first
    written = {p.name: p.stat().st_mtime_ns for p in processed(region).glob("*.parquet")}
    base = (processed(region) / "soko.duckdb").stat().st_mtime_ns

    assert ingest_cli(region) == 0
    again = capsys.readouterr().out
    assert NO_CHANGES in again
    assert first.splitlines()[0] in again  # the same summary
    assert {p.name: p.stat().st_mtime_ns for p in processed(region).glob("*.parquet")} == written
    assert (processed(region) / "soko.duckdb").stat().st_mtime_ns == base

    # a file rewritten with the same bytes (new mtime) is still no change
    path = raw(region) / GVE_FILE
    path.write_bytes(path.read_bytes())
    assert ingest_cli(region) == 0
    assert NO_CHANGES in capsys.readouterr().out


def test_one_file_changed_reruns_its_group_only(region: Path, capsys) -> None:
    drop_last_row(raw(region) / GVE_FILE)
    report = ingest(raw(region), processed(region))
    assert sorted(report.reused) == sorted(g for g in groups() if g != "gve")
    # the other ГВЭ files are checked again with it, but only the changed one is parsed
    assert report.files_parsed == 1
    mine = next(f for f in report.files if f.file == GVE_FILE)
    assert mine.ok and mine.rows_read > 0
    incremental = tables(processed(region))
    assert "gve_results.parquet" in incremental

    # from scratch, the cache ignored: the same bytes, the same report
    assert ingest_cli(region, "--force") == 0
    assert "взяты из прошлого запуска" not in capsys.readouterr().out
    # the sheets of the files no longer present are dropped from the store
    store = processed(region).joinpath(*CACHE_DIR, "sheets")
    files = [p for p in raw(region).rglob("*") if p.is_file()]
    assert len(list(store.glob("*.pickle"))) == len(files)
    assert tables(processed(region)) == incremental
    saved = json.loads((processed(region) / "ingest_report.json").read_text(encoding="utf-8"))
    assert saved["files"] == [f.as_dict() for f in report.files]


def test_a_removed_file_takes_its_rows_along(region: Path) -> None:
    gone = "gia/gve/2026/gve_2026_ru_11.csv"
    ingest(raw(region), processed(region))
    before = pd.read_parquet(processed_table := processed(region) / "gve_results.parquet")
    assert (before["source_file"] == gone).any()
    (raw(region) / gone).unlink()
    report = ingest(raw(region), processed(region))
    assert "gve" not in report.reused
    after = pd.read_parquet(processed_table)
    assert not (after["source_file"] == gone).any()
    assert len(after) < len(before)
    assert gone not in {f.file for f in report.files}


def test_a_bad_file_is_reported_again_with_the_same_exit_code(region: Path, capsys) -> None:
    bad = raw(region) / "lab" / "2026" / "oborudovanie_2026_99.csv"
    bad.write_text("это не таблица оснащения\n", encoding="utf-8")
    assert ingest_cli(region) == 1
    first = capsys.readouterr().out
    assert "lab/2026/oborudovanie_2026_99.csv" in first and "Файлов с ошибками: 1" in first
    assert ingest_cli(region) == 1
    again = capsys.readouterr().out
    assert NO_CHANGES in again
    assert "lab/2026/oborudovanie_2026_99.csv" in again and "Файлов с ошибками: 1" in again


def test_a_contract_change_revalidates_everything(region: Path) -> None:
    suite = region / "expectations" / "gve_results.json"
    suite.write_text(
        json.dumps(json.loads(suite.read_text(encoding="utf-8")), ensure_ascii=False, indent=4),
        encoding="utf-8",
    )
    report = ingest(raw(region), processed(region))
    assert report.reused == []  # the same rules, worded differently: still checked again
    assert report.ok


def test_a_configuration_change_is_a_change(region: Path, capsys) -> None:
    assert ingest_cli(region) == 0
    capsys.readouterr()
    digests = Digests(processed(region))
    known = environment_digest(digests, region)
    config = region / "config" / "region.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# правка\n", encoding="utf-8")
    assert environment_digest(digests, region) != known  # every group's key holds it
    assert previous_run(raw(region), processed(region), region, []) is None
    # so does the pseudonym salt: another salt gives other participant ids
    changed = environment_digest(digests, region)
    salt = salt_file(region)
    salt.write_text("0" * 64 + "\n", encoding="ascii")
    assert environment_digest(digests, region) != changed

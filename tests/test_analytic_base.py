"""The analytic base: built from the small demo, it answers SQL across procedures."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from soko.cli import main
from soko.indicators import marks_table
from soko.indicators.cross import Stage, compare_schools
from soko.notebook import sql
from soko.pipeline import analytic_base as ab
from tests.conftest import SmallRegion
from tests.fisoko_files import good_row, write_registry, write_vpr


@pytest.fixture(scope="module")
def processed(small_region: SmallRegion, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the small region's tables with the base built in it."""
    out = tmp_path_factory.mktemp("base") / "processed"
    shutil.copytree(small_region.processed, out, ignore=shutil.ignore_patterns("derived"))
    ab.build_analytic_base(out)
    return out


def _parquet(processed: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(processed / f"{name}.parquet")


def test_results_hold_every_procedures_rows(processed: Path) -> None:
    counts = ab.query("SELECT procedure, count(*) AS n FROM results GROUP BY procedure", processed)
    counts = dict(zip(counts["procedure"], counts["n"], strict=True))
    for code in ("vpr", "niko", "rpr"):
        assert counts[code] == len(_parquet(processed, f"{code}_results")), code
    if len(_parquet(processed, "oge_results")):
        assert counts["oge"] == len(_parquet(processed, "oge_results"))
    procedures = ab.query("SELECT * FROM procedures", processed).set_index("procedure")
    assert procedures.loc["niko", "title"] == "НИКО" and procedures.loc["rpr", "n_results"] > 0


def test_canonical_tables_are_there_as_they_are(processed: Path) -> None:
    for path in sorted(processed.glob("*.parquet")):
        (n,) = ab.query(f"SELECT count(*) FROM {path.stem}", processed).iloc[0]
        assert n == len(pd.read_parquet(path)), path.stem
    schools = ab.query("SELECT * FROM schools ORDER BY school_code", processed)
    assert schools["school_code"].tolist() == sorted(_parquet(processed, "schools")["school_code"])
    munis = ab.query("SELECT * FROM municipalities WHERE n_schools > 0", processed)
    assert set(munis["municipality_code"]) == set(schools["municipality_code"])
    years = ab.query("SELECT year FROM years ORDER BY year", processed)["year"].tolist()
    assert years == [2024, 2025, 2026]


def test_tasks_and_task_scores_stack_the_procedures(processed: Path) -> None:
    tasks = ab.query("SELECT procedure, count(*) AS n FROM tasks GROUP BY 1", processed)
    scores = ab.query("SELECT procedure, sum(score) AS s FROM task_scores GROUP BY 1", processed)
    for code in ("vpr", "niko", "rpr"):
        assert tasks.set_index("procedure").loc[code, "n"] == len(
            _parquet(processed, f"{code}_tasks")
        )
        total = _parquet(processed, f"{code}_task_scores")["score"].sum()
        assert scores.set_index("procedure").loc[code, "s"] == total


def test_school_view_agrees_with_the_marks_table(processed: Path) -> None:
    """The SQL view and the pandas indicators compute quality the same way."""
    view = ab.query(
        "SELECT school_code, subject, grade, n_marked, quality_rate, mean_score_share "
        "FROM school_year_results WHERE procedure = 'rpr' AND year = 2026",
        processed,
    )
    results = _parquet(processed, "rpr_results")
    marks = marks_table(results[results["year"] == 2026], tasks=_parquet(processed, "rpr_tasks"))
    marks = marks[marks["level"] == "school"].rename(columns={"unit_code": "school_code"})
    both = view.merge(marks, on=["school_code", "subject", "grade"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all() and len(both) > 10
    assert (both["n_marked"] == both["n"]).all()
    pd.testing.assert_series_equal(
        both["quality_rate_x"], both["quality_rate_y"], check_names=False
    )
    pd.testing.assert_series_equal(
        both["mean_score_share_x"], both["mean_score_share_y"], check_names=False
    )


CROSS_SQL = """
SELECT a.school_code, a.quality_rate AS quality_{a}, b.quality_rate AS quality_{b}
FROM school_year_results a
JOIN school_year_results b USING (school_code, subject)
WHERE a.procedure = '{a}' AND a.grade = {ga} AND a.year = {ya}
  AND b.procedure = '{b}' AND b.grade = {gb} AND b.year = {yb} AND a.subject = 'ma'
ORDER BY a.school_code
"""


def _school_quality(results: pd.DataFrame, grade: int, year: int) -> pd.Series:
    rows = results[(results["grade"] == grade) & (results["year"] == year)]
    rows = rows[(rows["subject"] == "ma") & rows["mark"].notna()]
    return rows.groupby("school_code")["mark"].apply(lambda m: (m >= 4).mean())


def test_cross_procedure_query_vpr_against_rpr(processed: Path) -> None:
    """Roadmap 3.1: a school's ВПР next to its regional diagnostic work, same grade and year."""
    query = CROSS_SQL.format(a="vpr", b="rpr", ga=7, gb=7, ya=2025, yb=2025)
    got = ab.query(query, processed)
    vpr = _school_quality(_parquet(processed, "vpr_results"), 7, 2025)
    rpr = _school_quality(_parquet(processed, "rpr_results"), 7, 2025)
    expected = pd.concat([vpr.rename("v"), rpr.rename("r")], axis=1, join="inner").sort_index()
    assert got["school_code"].tolist() == expected.index.tolist() and len(got) >= 10
    assert got["quality_vpr"].tolist() == pytest.approx(expected["v"].tolist())
    assert got["quality_rpr"].tolist() == pytest.approx(expected["r"].tolist())


def test_vpr_grade8_against_next_years_oge(processed: Path) -> None:
    if not len(_parquet(processed, "oge_results")):
        pytest.skip("no ОГЭ in the demo yet")
    query = CROSS_SQL.format(a="vpr", b="oge", ga=8, gb=9, ya=2025, yb=2026)
    got = ab.query(query, processed)
    assert len(got) > 0
    results = ab.query("SELECT * FROM results", processed)
    pairs = compare_schools(results, Stage("vpr", 8), Stage("oge", 9), lag=1, subjects=["ma"])
    pairs = pairs[pairs["year"] == 2025]
    assert got["school_code"].tolist() == pairs["school_code"].tolist()
    assert got["quality_oge"].tolist() == pytest.approx(pairs["quality_rate_later"].tolist())


def test_building_twice_gives_the_same_answers(processed: Path, tmp_path: Path) -> None:
    twin = tmp_path / "processed"
    shutil.copytree(processed, twin, ignore=shutil.ignore_patterns("*.duckdb"))
    ab.build_analytic_base(twin)
    ab.build_analytic_base(twin)  # over an existing base
    every = "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() "
    tables = ab.query(every + "WHERE NOT internal", processed)["table_name"]
    assert {"results", "tasks", "task_scores", "school_year_results"} <= set(tables)
    for name in tables:
        first = ab.query(f"SELECT * FROM {name} ORDER BY ALL", processed)
        again = ab.query(f"SELECT * FROM {name} ORDER BY ALL", twin)
        pd.testing.assert_frame_equal(first, again, obj=name)
    assert sorted(p.name for p in twin.iterdir() if "duckdb" in p.name) == ["soko.duckdb"]


def test_failed_rebuild_keeps_the_old_base(processed: Path, tmp_path: Path) -> None:
    copy = tmp_path / "processed"
    shutil.copytree(processed, copy)
    before = ab.query("SELECT count(*) AS n FROM results", copy)
    (copy / "schools.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="soko ingest"):
        ab.build_analytic_base(copy)
    pd.testing.assert_frame_equal(ab.query("SELECT count(*) AS n FROM results", copy), before)
    assert sorted(p.name for p in copy.iterdir() if "duckdb" in p.name) == ["soko.duckdb"]


def test_notebooks_read_the_base_read_only(processed: Path) -> None:
    n = sql("SELECT count(*) AS n FROM results WHERE procedure = ?", str(processed), ["rpr"])
    assert n["n"].iloc[0] == len(_parquet(processed, "rpr_results"))
    with ab.connect(processed) as con, pytest.raises(duckdb.Error):
        con.execute("CREATE TABLE mine AS SELECT 1")
    with pytest.raises(FileNotFoundError, match="soko ingest"):
        ab.connect(processed / "nowhere")


def test_ingest_command_builds_the_base(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "processed"
    write_registry(raw)
    write_vpr(
        raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002", scores=(4, 4, 4, 2, 1))]
    )
    assert main(["ingest", "--raw", str(raw), "--processed", str(out)]) == 0
    got = ab.query("SELECT procedure, primary_score, mark, passed FROM results ORDER BY 2", out)
    assert got.values.tolist() == [["vpr", 10.0, 4, True], ["vpr", 15.0, 5, True]]

"""The ГИА demo protocols: deterministic, in both real forms, clean, and consistent with the
region's schools (ООШ without grade 11, the same people in ОГЭ and ЕГЭ, school effects)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from soko.config import region
from soko.demo.model import SIZES, ModelParams
from soko.demo.registry import build_schools
from soko.formats.rcoi_protocol.demo import generate
from soko.procedure import DemoContext
from soko.procedures.ege import DEMO as EGE_DEMO
from soko.procedures.ege import KIND as EGE
from soko.procedures.oge import DEMO as OGE_DEMO
from soko.procedures.oge import KIND as OGE
from tests.conftest import SmallRegion

SEED = 20260415


def _context(root: Path, seed: int = SEED) -> DemoContext:
    cfg = region()
    schools = build_schools(
        seed, SIZES["small"], cfg.municipalities_in(min(cfg.years)), cfg.code, ModelParams()
    )
    return DemoContext(
        out=root / "raw",
        truth_dir=root / "truth",
        seed=seed,
        size="small",
        years=cfg.years,
        schools=schools,
    )


def _hashes(files: list[Path], root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    runs = []
    for name, seed in (("a", SEED), ("b", SEED), ("c", SEED + 1)):
        ctx = _context(tmp_path / name, seed)
        files = generate(OGE, ctx, OGE_DEMO) + generate(EGE, ctx, EGE_DEMO)
        runs.append(_hashes(files, ctx.out))
    assert runs[0] == runs[1]
    assert len(runs[0]) == 24  # 3 years × 4 subjects × 2 procedures
    assert runs[0].keys() == runs[2].keys() and runs[0] != runs[2]


def test_stale_generated_files_are_removed_others_kept(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    stale = ctx.out / "gia" / "oge" / "2023" / "oge_2023_ma.csv"
    foreign = ctx.out / "gia" / "oge" / "2026" / "protocol_from_rcoi.csv"
    for path in (stale, foreign):
        path.parent.mkdir(parents=True)
        path.write_text("x", encoding="utf-8")
    generate(OGE, ctx, OGE_DEMO)
    assert not stale.exists() and foreign.exists()


def test_files_in_both_forms_as_documented(small_region: SmallRegion) -> None:
    for year in (2024, 2025, 2026):
        forms = {p.suffix for p in (small_region.raw / "gia" / "oge" / str(year)).iterdir()}
        assert forms == {".csv", ".xlsx"}
    csv = next((small_region.raw / "gia" / "ege").rglob("*.csv")).read_bytes()
    text = csv.decode("cp1251")
    assert text.startswith("Код МСУ;Код ОО;Класс;") and "\r\n" in text
    assert ",0;" in text or any(f",{d};" in text for d in range(10))  # decimal commas
    book = next((small_region.raw / "gia" / "oge").rglob("*.xlsx"))
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    assert rows[0][0].startswith("Протокол результатов ОГЭ") and rows[3][0] == "Код МСУ"
    assert str(rows[4][8]).startswith("00")  # a clearly fake document series


def test_demo_protocols_ingest_clean(small_region: SmallRegion) -> None:
    files = [f for f in small_region.report.files if f.kind in ("oge", "ege")]
    assert len(files) == 24
    for f in files:
        assert f.ok, [p.text() for p in f.problems[:3]]
        assert f.rows_read == f.rows_accepted > 0


@pytest.fixture(scope="module")
def tables(small_region: SmallRegion) -> dict[str, pd.DataFrame]:
    names = ("oge_results", "ege_results", "school_periods", "vpr_results")
    return {n: pd.read_parquet(small_region.processed / f"{n}.parquet") for n in names}


def test_grades_and_basic_schools(tables: dict[str, pd.DataFrame]) -> None:
    # every school the registry has had (the demo's basic school may have merged since)
    oge, ege, schools = tables["oge_results"], tables["ege_results"], tables["school_periods"]
    assert oge["class_label"].str.startswith("9").all()
    assert ege["class_label"].str.startswith("11").all()
    basic = set(schools.loc[schools["kind"] == "ООШ", "school_code"])
    assert basic and basic & set(oge["school_code"]) and not basic & set(ege["school_code"])
    assert set(oge["subject"]) == set(ege["subject"]) == {"ru", "ma", "hi", "ob"}
    # compulsory subjects: Russian for everyone in ЕГЭ, Russian and maths in ОГЭ
    for year, part in oge.groupby("year"):
        counts = part["subject"].value_counts()
        assert counts["ru"] > counts["ob"] > counts["hi"], year


def test_the_same_people_sit_oge_and_ege_two_years_later(
    tables: dict[str, pd.DataFrame],
) -> None:
    oge, ege = tables["oge_results"], tables["ege_results"]

    def people(table: pd.DataFrame, year: int) -> set[tuple[str, str]]:
        part = table[table["year"] == year]
        return set(zip(part["participant_id"], part["school_code"], strict=True))

    grade9, grade11 = people(oge, 2024), people(ege, 2026)
    assert grade11
    assert len(grade11 & grade9) >= 0.95 * len(grade11)
    # nobody in 2026's ЕГЭ sat 2025's ОГЭ: that is another cohort
    assert not set(ege[ege["year"] == 2026]["participant_id"]) & set(
        oge[oge["year"] == 2025]["participant_id"]
    )


def test_results_follow_the_schools_planted_effects(
    small_region: SmallRegion, tables: dict[str, pd.DataFrame]
) -> None:
    """School means of ОГЭ maths follow the generator's school ability, and the ВПР grade 8
    school means of the year before point the same way."""
    truth = pd.read_parquet(small_region.truth / "gia" / "oge_school_means.parquet")
    oge = tables["oge_results"]
    ma = oge[oge["subject"] == "ma"].groupby(["year", "school_code"])["primary_score"]
    means = ma.mean()[ma.size() >= 10].rename("oge").reset_index()
    joined = means.merge(truth[truth["subject"] == "ma"], on=["year", "school_code"])
    assert len(joined) >= 15
    assert np.corrcoef(joined["oge"], joined["mean_ability"])[0, 1] > 0.7
    vpr = tables["vpr_results"]
    v8 = vpr[(vpr["subject"] == "ma") & (vpr["grade"] == 8)].groupby(["year", "school_code"])
    vpr_means = (v8["mark"].mean()[v8.size() >= 10]).rename("vpr").reset_index()
    vpr_means["year"] += 1  # grade 8 this year → grade 9 next year
    pair = means.merge(vpr_means, on=["year", "school_code"])
    assert len(pair) >= 10
    assert np.corrcoef(pair["oge"], pair["vpr"])[0, 1] > 0.4


def test_truth_stays_outside_raw(small_region: SmallRegion) -> None:
    assert (small_region.truth / "gia" / "ege_school_means.parquet").is_file()
    assert not any("truth" in p.name for p in (small_region.raw / "gia").rglob("*"))

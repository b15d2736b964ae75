"""The registry with history (issue 11, point 5): per-year lookups, today's codes, the
boundaries setting on a hand-made case with a known answer, the config's municipal periods,
and the demo region's municipal reform and school merger."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from soko.config import region
from soko.paths import config_dir
from soko.pipeline import derived as derived_module
from soko.readers.sheets import read_sheets
from soko.school_registry import (
    as_of,
    at_year,
    by_year,
    municipality_names,
    table_to_today,
    today,
    today_code,
    today_codes,
)
from soko.settings import check_config

OLD, OKRUG, SOSNOVO = "Калиновский район", "Калиновский муниципальный округ", "Сосновоборский район"


def _periods(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "school_code",
        "school_name",
        "municipality_code",
        "municipality_name",
        "valid_from",
        "valid_to",
        "status",
        "successor_code",
    ]
    out = pd.DataFrame(rows, columns=cols).assign(kind="СОШ", locality="Село")
    out["valid_from"] = out["valid_from"].astype("Int64")
    out["valid_to"] = out["valid_to"].astype("Int64")
    return out.astype({c: "string" for c in ("status", "successor_code")})


# A: a town school of 03 (renamed into the okrug in 2026); B: a school of 04, in 03 from 2026;
# C: a village school of 03 merged into A from 2025; E: a school merged into C in 2024 (a chain).
REGISTRY = _periods(
    [
        ("edu990301", "СОШ № 1", "03", OLD, None, None, None, None),
        ("edu990401", "СОШ № 2", "04", SOSNOVO, None, 2025, "переведена", None),
        ("edu990401", "СОШ № 2", "03", OKRUG, 2026, None, None, None),
        ("edu990302", "ООШ с. Степное", "03", OLD, None, 2024, "присоединена", "edu990301"),
        ("edu990303", "ООШ д. Пески", "03", OLD, None, 2023, "присоединена", "edu990302"),
    ]
)


def test_as_of_gives_each_year_its_registry() -> None:
    y2024 = as_of(REGISTRY, 2024).set_index("school_code")
    assert sorted(y2024.index) == ["edu990301", "edu990302", "edu990401"]
    assert y2024.loc["edu990401", "municipality_name"] == SOSNOVO
    assert y2024.loc["edu990301", "municipality_name"] == OLD
    y2026 = as_of(REGISTRY, 2026).set_index("school_code")
    assert sorted(y2026.index) == ["edu990301", "edu990401"]
    # the config names 03 the okrug from 2026, whatever text the registry row carries
    assert set(y2026["municipality_name"]) == {OKRUG}
    assert set(y2026["municipality_code"]) == {"03"}


def test_by_year_and_at_year() -> None:
    mun = by_year(REGISTRY, "municipality_code")
    assert mun(2025)["edu990401"] == "04" and mun(2026)["edu990401"] == "03"
    codes = pd.Series(["edu990401", "edu990401", "edu990302", "edu990302"])
    years = pd.Series([2025, 2026, 2024, 2025])
    got = at_year(mun, codes, years)
    assert got.iloc[:3].tolist() == ["04", "03", "03"] and pd.isna(got.iloc[3])


def test_today_codes_follow_successors_through_a_chain() -> None:
    assert today_code(REGISTRY, "edu990303") == "edu990301"
    assert today_code(REGISTRY, "edu990302") == "edu990301"
    assert today_code(REGISTRY, "edu990401") == "edu990401"
    assert today_code(REGISTRY, "edu999999") == "edu999999"
    now = today(REGISTRY)
    assert now["school_code"].tolist() == ["edu990301", "edu990401"]
    cycle = _periods(
        [
            ("edu990001", "a", "01", "x", None, 2024, "присоединена", "edu990002"),
            ("edu990002", "b", "01", "x", None, 2024, "присоединена", "edu990001"),
        ]
    )
    assert set(today_codes(cycle)) == {"edu990001", "edu990002"}  # no endless loop


# --- boundaries: a hand-made case with a known answer ----------------------------------------

RESULTS = pd.DataFrame(
    {
        "year": [2024, 2024, 2024, 2025, 2025, 2026, 2026],
        "school_code": [
            "edu990301",
            "edu990302",
            "edu990401",
            "edu990301",
            "edu990401",
            "edu990301",
            "edu990401",
        ],
        # as ingested: the municipality each school belonged to that year
        "municipality_code": ["03", "03", "04", "03", "04", "03", "03"],
        "participant_code": ["10001", "10001", "10001", "10001", "10001", "10001", "10001"],
        "primary_score": [10.0, 20.0, 40.0, 12.0, 44.0, 14.0, 48.0],
    }
)


def _processed(tmp_path: Path) -> Path:
    RESULTS.to_parquet(tmp_path / "vpr_results.parquet", index=False)
    REGISTRY.to_parquet(tmp_path / "school_periods.parquet", index=False)
    context = pd.DataFrame(
        {
            "school_code": ["edu990301", "edu990302", "edu990401"],
            "year": [2024, 2024, 2024],
            "n_students": [100, 20, 50],
            "isbs": [0.1, -0.5, 0.0],
        }
    )
    context.to_parquet(tmp_path / "school_context.parquet", index=False)
    return tmp_path


def _set_boundaries(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    cfg = dataclasses.replace(region(), boundaries=value)
    monkeypatch.setattr(derived_module, "region", lambda: cfg)


def _sums(frame: pd.DataFrame, by: str) -> dict[tuple[int, str], float]:
    return {k: float(v) for k, v in frame.groupby(["year", by])["primary_score"].sum().items()}


def test_today_boundaries_put_history_under_successors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_boundaries(monkeypatch, "today")
    processed = _processed(tmp_path)
    res = derived_module.read_input("vpr_results", processed)
    assert _sums(res, "municipality_code") == {
        (2024, "03"): 70.0,  # 10 + 20 (merged into 0301) + 40 (its district is in 03 today)
        (2025, "03"): 56.0,
        (2026, "03"): 62.0,
    }
    assert _sums(res, "school_code") == {
        (2024, "edu990301"): 30.0,
        (2024, "edu990401"): 40.0,
        (2025, "edu990301"): 12.0,
        (2025, "edu990401"): 44.0,
        (2026, "edu990301"): 14.0,
        (2026, "edu990401"): 48.0,
    }
    # the merged school's participant keeps a key of its own under the successor
    keys = res[["year", "school_code", "participant_code"]]
    assert not keys.duplicated().any()
    # the merged school's own context row is left out: the successor's stands for both
    ctx = derived_module.read_input("school_context", processed)
    assert sorted(ctx["school_code"]) == ["edu990301", "edu990401"]


def test_year_boundaries_keep_what_each_year_had(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_boundaries(monkeypatch, "year")
    processed = _processed(tmp_path)
    res = derived_module.read_input("vpr_results", processed)
    assert _sums(res, "municipality_code") == {
        (2024, "03"): 30.0,
        (2024, "04"): 40.0,
        (2025, "03"): 12.0,
        (2025, "04"): 44.0,
        (2026, "03"): 62.0,
    }
    assert res.equals(RESULTS)


def test_a_registry_without_history_changes_nothing() -> None:
    plain = REGISTRY[REGISTRY["valid_to"].isna()].drop(columns=["valid_from", "valid_to"])
    assert table_to_today("vpr_results", RESULTS, plain) is RESULTS


# --- the config's municipal periods -----------------------------------------------------------


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(config_dir(), folder)
    return folder


def _edit_region(cfg: Path, edit) -> list[str]:
    data = yaml.safe_load((cfg / "region.yml").read_text(encoding="utf-8"))
    edit(data)
    (cfg / "region.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return [p.text() for p in check_config(cfg)]


def test_shipped_config_has_the_reform() -> None:
    cfg = region()
    assert cfg.municipalities["03"] == OKRUG and "04" not in cfg.municipalities
    assert cfg.municipalities_in(2025)["04"] == SOSNOVO
    assert cfg.municipalities_in(2025)["03"] == OLD
    assert cfg.municipality_successors() == {"04": "03"}
    assert cfg.boundaries == "today"


def test_config_periods_overlap_and_unknown_successor(cfg: Path) -> None:
    def edit(data: dict) -> None:
        munis = data["municipalities"]
        munis[2].pop("valid_to")  # the district 03 now overlaps the okrug 03
        munis[4]["successor"] = "77"

    found = " | ".join(_edit_region(cfg, edit))
    assert "municipalities → 3 → code: код муниципалитета «03» уже есть в строке 3" in found
    assert "municipalities → 4 → successor: муниципалитет-правопреемник «77»" in found


def test_config_boundaries_value(cfg: Path) -> None:
    found = " | ".join(_edit_region(cfg, lambda d: d.update(boundaries="сегодня")))
    assert "boundaries: допустимые значения" in found


# --- the demo region: a municipal reform and a school merger ----------------------------------


def _history(raw: Path) -> pd.DataFrame:
    return pd.read_csv(
        raw / "registry" / "reestr_oo.csv", sep=";", encoding="cp1251", dtype=str
    ).fillna("")


def test_demo_ingests_clean_with_its_history(demo_region) -> None:
    report = json.loads((demo_region.processed / "ingest_report.json").read_text("utf-8"))
    assert report["ok"], [f for f in report["files"] if f["problems"]][:3]
    reg = _history(demo_region.raw)
    moved = reg[reg["Статус"] == "переведена"]
    assert len(moved) > 0 and set(moved["Код МО"]) == {"04"}
    assert set(moved["Действует по"]) == {"2025"}
    merged = reg[reg["Статус"] == "присоединена"]
    assert len(merged) == 1 and merged["Действует по"].iloc[0] == "2024"


def test_demo_municipality_codes_per_year(demo_region) -> None:
    res = pd.read_parquet(demo_region.processed / "vpr_results.parquet")
    reg = _history(demo_region.raw)
    sosnovo = set(reg.loc[reg["Код МО"] == "04", "Код ОО"])
    part = res[res["school_code"].isin(sosnovo)]
    by_year = part.groupby("year")["municipality_code"].unique().map(sorted).to_dict()
    assert by_year == {2024: ["04"], 2025: ["04"], 2026: ["03"]}
    merged = reg.loc[reg["Статус"] == "присоединена"].iloc[0]
    code, successor = merged["Код ОО"], merged["Код ОО-правопреемника"]
    assert sorted(res.loc[res["school_code"] == code, "year"].unique()) == [2024]
    # after the merger its students are in the successor's rows (codes kept apart)
    later = res[(res["school_code"] == successor) & (res["year"] >= 2025)]
    assert later["participant_code"].str.len().eq(6).any()


def test_demo_files_name_each_years_municipality(demo_region) -> None:
    def muns(year: int) -> set[str]:
        grid = read_sheets(demo_region.raw / "vpr" / str(year) / f"vpr_{year}_ru_5.xlsx")[0].rows
        return {row[1] for row in grid[9:] if len(row) > 1}

    assert {OLD, SOSNOVO} <= muns(2024)
    assert {OLD, SOSNOVO} <= muns(2025)
    assert OKRUG in muns(2026) and not {OLD, SOSNOVO} & muns(2026)


def test_demo_today_boundaries_follow_the_mergers(demo_region, monkeypatch) -> None:
    _set_boundaries(monkeypatch, "today")
    res = derived_module.read_input("vpr_results", demo_region.processed)
    raw = pd.read_parquet(demo_region.processed / "vpr_results.parquet")
    reg = _history(demo_region.raw)
    merged = reg.loc[reg["Статус"] == "присоединена"].iloc[0]
    code, successor = merged["Код ОО"], merged["Код ОО-правопреемника"]
    assert "04" not in set(res["municipality_code"])
    assert code not in set(res["school_code"])
    n_before = raw[(raw["year"] == 2024) & raw["school_code"].isin([code, successor])]
    n_after = res[(res["year"] == 2024) & (res["school_code"] == successor)]
    assert len(n_after) == len(n_before) > 0
    # the districts' 2024 rows all count in the okrug
    n_districts = raw[(raw["year"] == 2024) & raw["municipality_code"].isin(["03", "04"])]
    assert (res[(res["year"] == 2024)]["municipality_code"] == "03").sum() == len(n_districts)


def test_municipality_names_are_todays() -> None:
    """Tables in today's boundaries name a unit as it is now: the configuration's name (the
    okrug formed in 2026), else the registry's for a code the configuration lacks."""
    reg = pd.DataFrame(
        {"municipality_code": ["03", "77"], "municipality_name": ["Калиновский район", "Иной"]}
    )
    names = municipality_names(reg)
    assert names["03"] == region().municipalities["03"] != "Калиновский район"
    assert names["77"] == "Иной"

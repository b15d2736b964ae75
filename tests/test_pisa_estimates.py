"""PISA-model estimate tables and page text on small planted datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soko.formats.replicate_study import commentary
from soko.formats.replicate_study.estimates import (
    gaps,
    group_estimates,
    levels,
    municipalities,
    resilience,
)
from soko.formats.replicate_study.settings import pisa_settings
from soko.stats import (
    ReplicateDesign,
    fay_replicate_factors,
    pair_units,
    share_below,
    weighted_mean,
)

SETTINGS = pisa_settings()
NBSP = "\u00a0"
SCHOOLS = pd.DataFrame(
    {
        "school_code": [f"edu{i}" for i in range(1, 9)],
        "school_name": [f"Школа {i}" for i in range(1, 9)],
        "municipality_code": ["01"] * 4 + ["02"] * 4,
        "municipality_name": ["Первый"] * 4 + ["Второй"] * 4,
        "kind": "СОШ",
        "locality": ["Город"] * 6 + ["Село"] * 2,
    }
)


def students(
    year: int = 2026, shift: float = 0.0, same_pvs: bool = True, seed: int = 1
) -> pd.DataFrame:
    """8 schools × 10 students, paired schools, 80 Fay replicate weights."""
    rng = np.random.default_rng(seed)
    school = np.repeat(np.arange(8), 10)
    stratum, unit = pair_units(8)
    weight = (5.0 + school)[:, None] * fay_replicate_factors(stratum[school], unit[school])
    base = rng.normal(470 + 8 * school + shift, 80)
    frame = pd.DataFrame(
        {
            "year": year,
            "school_code": SCHOOLS["school_code"].to_numpy()[school],
            "municipality_code": SCHOOLS["municipality_code"].to_numpy()[school],
            "student_id": [str(i) for i in range(80)],
            "grade": 9,
            "gender": np.where(np.arange(80) % 2 == 0, "Ж", "М"),
            "escs": rng.normal(0, 1, 80),
            "w_fstuwt": 5.0 + school,
        }
    )
    reps = pd.DataFrame(weight, columns=SETTINGS.replicate_columns())
    pvs = {}
    for d in SETTINGS.domains:
        for col in SETTINGS.pv_columns(d):
            pvs[col] = base if same_pvs else base + rng.normal(0, 20, 80)
    return pd.concat([frame, reps, pd.DataFrame(pvs)], axis=1)


def test_group_estimates_match_the_estimators() -> None:
    data = students(same_pvs=False)
    table = group_estimates(data, SCHOOLS)
    design = ReplicateDesign.from_frame(data, "w_fstuwt", SETTINGS.replicate_columns())
    pv = data[SETTINGS.pv_columns("read")]
    row = table.query("domain == 'read' and group_type == 'all'").iloc[0]
    direct = weighted_mean(pv, design)
    assert (row["mean"], row["mean_se"]) == pytest.approx((direct.estimate, direct.se))
    below = share_below(pv, 407.47, design)
    assert row["share_below_baseline"] == pytest.approx(below.estimate)
    assert row["population"] == pytest.approx(data["w_fstuwt"].sum())
    girls = table.query("domain == 'read' and group == 'Девушки'").iloc[0]
    sub = weighted_mean(pv, design.restrict((data["gender"] == "Ж").to_numpy()))
    assert (girls["mean"], girls["mean_se"]) == pytest.approx((sub.estimate, sub.se))
    assert (girls["n"], girls["n_schools"]) == (40, 8)
    village = table.query("domain == 'read' and group == 'Село'").iloc[0]
    assert (village["n"], village["n_schools"], village["reportable"]) == (20, 2, False)
    quarters = table[(table["group_type"] == "escs_quarter") & (table["domain"] == "read")]
    assert quarters["n"].sum() == 80 and len(quarters) == 4


def test_reporting_rule_comes_from_the_configuration() -> None:
    """config/pisa.yml `report_min_students` / `report_min_schools` (PISA: 30 and 5)."""
    from dataclasses import replace

    data = students(same_pvs=False)
    loose = replace(SETTINGS, report_min_students=20, report_min_schools=2)
    table = group_estimates(data, SCHOOLS, loose)
    village = table.query("domain == 'read' and group == 'Село'").iloc[0]
    assert (village["n"], village["n_schools"], village["reportable"]) == (20, 2, True)
    strict = replace(SETTINGS, report_min_students=81)
    assert not group_estimates(data, SCHOOLS, strict)["reportable"].any()


def test_levels_by_hand_with_identical_pvs() -> None:
    data = students()
    table = levels(data)
    part = table[table["domain"] == "math"].sort_values("level_order")
    w = data["w_fstuwt"].to_numpy()
    values = data["pv1math"].to_numpy()
    cuts = SETTINGS.domains["math"].cuts
    level = np.searchsorted(cuts, values, side="right")
    expected = [w[level == k].sum() / w.sum() for k in range(len(cuts) + 1)]
    assert part["share"].to_numpy() == pytest.approx(expected)
    assert part["share"].sum() == pytest.approx(1.0)
    assert part["proficiency_level"].tolist() == ["ниже 1", "1", "2", "3", "4", "5", "6"]
    assert (part["share_se"] >= 0).all()


def test_resilient_share_on_planted_students() -> None:
    data = students()
    reps = SETTINGS.replicate_columns()
    data[reps] = data[reps].to_numpy() / data[["w_fstuwt"]].to_numpy()  # Fay factors only
    data["w_fstuwt"] = 1.0
    rank = np.arange(80)
    data["escs"] = rank.astype(float)  # bottom quarter: students 0–19
    perf = np.empty(80)
    perf[:5] = 700 + rank[:5]  # five disadvantaged students in the top 20 (ranks 61–80)
    perf[5:20] = 300 + rank[5:20]
    perf[20:35] = 705 + rank[20:35]
    perf[35:] = 400 + rank[35:]
    for d in SETTINGS.domains:
        for col in SETTINGS.pv_columns(d):
            data[col] = perf
    # final-weight point estimate: top quarter = values ≥ the 60th smallest: all 5 planted
    table = resilience(data, SCHOOLS)
    row = table[table["domain"] == "read"].iloc[0]
    assert row["n"] == 20
    assert row["share_resilient"] == pytest.approx(5 / 20)


def test_gaps_are_differences_of_group_means() -> None:
    data = students(same_pvs=False)
    est = group_estimates(data, SCHOOLS)
    gap = gaps(data, SCHOOLS)
    row = gap.query("domain == 'scie' and group_type == 'gender'").iloc[0]
    girls = est.query("domain == 'scie' and group == 'Девушки'")["mean"].iloc[0]
    boys = est.query("domain == 'scie' and group == 'Юноши'")["mean"].iloc[0]
    assert row["difference"] == pytest.approx(girls - boys)
    assert row["difference_se"] > 0 and row["gap"] == "девушки − юноши"


def test_change_between_study_years_is_tested() -> None:
    both = pd.concat([students(2024), students(2026, shift=120.0, seed=2)], ignore_index=True)
    table = group_estimates(both, SCHOOLS)
    row = table.query("year == 2026 and domain == 'read' and group_type == 'all'").iloc[0]
    old = table.query("year == 2024 and domain == 'read' and group_type == 'all'").iloc[0]
    assert row["prev_year"] == 2024
    assert row["mean_change"] == pytest.approx(row["mean"] - old["mean"])
    assert row["mean_change_se"] == pytest.approx(np.hypot(row["mean_se"], old["mean_se"]))
    assert bool(row["mean_change_significant"])
    same = pd.concat([students(2024), students(2026)], ignore_index=True)
    flat = group_estimates(same, SCHOOLS).query("year == 2026 and group_type == 'all'")
    assert not flat["mean_change_significant"].any()
    assert flat["mean_change"].abs().max() == pytest.approx(0.0)


def test_municipalities_are_flagged_by_sample_size() -> None:
    table = municipalities(students(), SCHOOLS)
    region = table[table["level"] == "region"]
    munis = table[table["level"] == "municipality"]
    assert region["reliable"].all() and region["unit_name"].iloc[0] == "Приозёрная область"
    assert not munis["reliable"].any()  # 4 schools and 40 students < 5 and 100 (config)
    assert set(munis["unit_name"]) == {"Первый", "Второй"}
    assert (munis["mean_se"] > region["mean_se"].iloc[0]).all()


def test_estimate_and_interval_texts() -> None:
    assert commentary.estimate_text(487.26, 7.34) == "487 (7,3)"
    assert commentary.estimate_text(0.2054, 0.0213, share=True) == f"20,5{NBSP}% (2,1)"
    assert commentary.ci_text(500.0, 10.0) == "480–520"
    assert commentary.ci_text(0.05, 0.04, share=True) == f"0,0–12,8{NBSP}%"
    assert commentary.estimate_text(float("nan"), 1.0) == "—"


def test_commentary_says_significant_only_when_it_is() -> None:
    both = pd.concat([students(2024), students(2026, shift=120.0, seed=2)], ignore_index=True)
    text = commentary.trend_summary(group_estimates(both, SCHOOLS), 2026, SETTINGS)
    assert text.startswith("По сравнению с 2024 годом")
    assert "по читательской грамотности средний балл вырос" in text
    same = pd.concat([students(2024), students(2026)], ignore_index=True)
    text = commentary.trend_summary(group_estimates(same, SCHOOLS), 2026, SETTINGS)
    assert "статистически незначимо" in text and "вырос" not in text
    first = commentary.trend_summary(group_estimates(students(2026), SCHOOLS), 2026, SETTINGS)
    assert "невозможно" in first


def test_headline_and_level_grid_hide_tiny_samples() -> None:
    tiny = students().iloc[:4].reset_index(drop=True)
    est = group_estimates(tiny, SCHOOLS)
    assert "нет" in commentary.headline(est, 2026, SETTINGS)
    grid = commentary.level_grid(levels(tiny), 2026, SETTINGS)
    assert (grid.drop(columns="Область") == "<5").all().all()
    full = commentary.headline(group_estimates(students(), SCHOOLS), 2026, SETTINGS)
    assert "80 обучающихся из 8 школ" in full and "доверительный интервал" in full

"""Management mechanisms: computed indicators, scoring, cycle completeness, ranks, change and
the targeted recommendations — each by hand on tiny frames; one check against the demo."""

from __future__ import annotations

import pandas as pd
import pytest

from soko.procedures.mechanisms import computed, recommendations, scoring
from soko.procedures.mechanisms.settings import STAGES, MechanismsFile, mechanism_settings
from soko.procedures.mechanisms.tables import _in_their_years

REG = "99"


def _marks(rows: list[tuple[str, str, int, int, int, int, int]]) -> pd.DataFrame:
    """(level, unit_code, year, n_mark2, n_mark3, n_mark4, n_mark5) per work."""
    out = pd.DataFrame(
        rows, columns=["level", "unit_code", "year", "n_mark2", "n_mark3", "n_mark4", "n_mark5"]
    )
    out["n"] = out[["n_mark2", "n_mark3", "n_mark4", "n_mark5"]].sum(axis=1)
    return out


def _value(out: pd.DataFrame, source: str, year: int, unit: str) -> float | None:
    hit = out[(out["source"] == source) & (out["year"] == year) & (out["unit_code"] == unit)]
    return None if hit.empty else float(hit["value"].iloc[0])


def test_mark_shares_and_change_by_hand() -> None:
    marks = _marks(
        [
            ("municipality", "01", 2025, 2, 4, 3, 1),  # two works of 01 in 2025: 3 «2» of 20
            ("municipality", "01", 2025, 1, 5, 3, 1),
            ("municipality", "01", 2026, 1, 5, 3, 1),  # 1 of 10
            ("region", REG, 2026, 4, 10, 4, 2),  # 4 of 20
            ("school", "s1", 2026, 9, 0, 0, 0),  # school rows are not summed again
        ]
    )
    out = computed.compute_all(region_code=REG, vpr_marks=marks, oge_marks=marks)
    assert _value(out, "vpr_fail_share", 2025, "01") == pytest.approx(15.0)
    assert _value(out, "vpr_fail_share", 2026, "01") == pytest.approx(10.0)
    assert _value(out, "vpr_high_share", 2026, "01") == pytest.approx(40.0)
    assert _value(out, "vpr_fail_share", 2026, REG) == pytest.approx(20.0)
    assert _value(out, "vpr_fail_change", 2026, "01") == pytest.approx(-5.0)
    assert _value(out, "vpr_fail_change", 2025, "01") is None  # no 2024: no change, no zero
    assert _value(out, "oge_fail_share", 2026, "01") == pytest.approx(10.0)
    assert _value(out, "oge_high_share", 2025, "01") == pytest.approx(40.0)


def test_a_missing_source_gives_no_value_not_zero() -> None:
    out = computed.compute_all(region_code=REG, vpr_marks=pd.DataFrame())
    assert out.empty
    marks = _marks([("municipality", "01", 2026, 1, 1, 1, 1)])
    out = computed.compute_all(region_code=REG, vpr_marks=marks)
    assert set(out["source"]) == {"vpr_fail_share", "vpr_high_share"}


def test_school_shares_by_hand() -> None:
    vpr = pd.DataFrame(
        {
            "level": "school",
            "unit_code": ["a", "b", "c", "d", "a", "b", "c", "d"],
            "municipality_code": ["01", "01", "01", "02"] * 2,
            "year": [2025] * 4 + [2026] * 4,
        }
    )
    classes = pd.DataFrame(
        {
            "year": [2025, 2025, 2026, 2026, 2026],
            "school_code": ["a", "b", "b", "d", "d"],
            "class": ["shnor", "shnor", "shnor", "shnsu", "resilient"],
        }
    )
    markers = pd.DataFrame(
        {
            "year": [2026] * 4 + [2025] * 4,
            "school_code": ["a", "b", "c", "d"] * 2,
            "municipality_code": ["01", "01", "01", "02"] * 2,
            "n_markers": [1, 0, 0, 2, 0, 0, 0, 1],
            # c wrote no analysable work in 2026: not in that year's denominator
            "n_works": [5, 5, 0, 5, 5, 5, 5, 5],
        }
    )
    va = pd.DataFrame(
        {
            "year": 2026,
            "school_code": ["a", "a", "b", "d"],
            "municipality_code": ["01", "01", "01", "02"],
            "band": ["above", "below", "average", "below"],
        }
    )
    out = computed.compute_all(
        region_code=REG,
        vpr_marks=vpr,
        school_classes=classes,
        objectivity_markers=markers,
        va_schools=va,
    )
    assert _value(out, "shnor_share", 2025, "01") == pytest.approx(200 / 3)
    assert _value(out, "shnor_share", 2026, "01") == pytest.approx(100 / 3)
    assert _value(out, "shnor_share", 2026, "02") == 0.0  # classified, none: a real zero
    assert _value(out, "shnor_left_share", 2026, "01") == pytest.approx(50.0)  # a left, b not
    assert _value(out, "shnor_left_share", 2026, "02") is None  # no ШНОР last year
    assert _value(out, "shnor_left_share", 2026, REG) == pytest.approx(50.0)
    assert _value(out, "shnsu_share", 2026, REG) == pytest.approx(25.0)
    assert _value(out, "resilient_share", 2026, "02") == pytest.approx(100.0)
    assert _value(out, "objectivity_marked_share", 2026, "01") == pytest.approx(50.0)
    assert _value(out, "objectivity_marked_share", 2026, REG) == pytest.approx(200 / 3)
    assert _value(out, "objectivity_marked_change", 2026, "01") == pytest.approx(50.0)  # 0 → 1/2
    assert _value(out, "objectivity_marked_change", 2026, REG) == pytest.approx(200 / 3 - 25)
    assert _value(out, "va_above_share", 2026, "01") == pytest.approx(50.0)
    assert _value(out, "va_below_share", 2026, REG) == pytest.approx(200 / 3)


def test_ege_pisa_survey_by_hand() -> None:
    ege = pd.DataFrame(
        {
            "level": ["municipality", "municipality"],
            "unit_code": ["01", "01"],
            "year": 2026,
            "n": [10, 30],
            "n_high": [1, 3],
            "n_with_min": [10, 30],
            "n_below_min": [2, 2],
        }
    )
    pisa = pd.DataFrame(
        {
            "level": "municipality",
            "unit_code": "01",
            "year": 2026,
            "domain": ["read", "math"],
            "mean": [500.0, 480.0],
            "share_below_baseline": [0.1, 0.3],
        }
    )
    survey = pd.DataFrame(
        {
            "level": "municipality",
            "unit_code": "01",
            "year": 2026,
            "questionnaire": ["parents", "students", "students"],
            "index": ["satisfaction", "engagement", "satisfaction"],
            "mean_index": [4.1, 3.5, 2.0],
            "n": [40, 50, 50],
        }
    )
    out = computed.compute_all(
        region_code=REG, ege_scores=ege, pisa_municipalities=pisa, survey_indices=survey
    )
    assert _value(out, "ege_high_share", 2026, "01") == pytest.approx(10.0)
    assert _value(out, "ege_low_share", 2026, "01") == pytest.approx(10.0)
    assert _value(out, "pisa_mean", 2026, "01") == pytest.approx(490.0)
    assert _value(out, "pisa_low_share", 2026, "01") == pytest.approx(20.0)
    assert _value(out, "survey_satisfaction", 2026, "01") == pytest.approx(4.1)
    assert _value(out, "survey_engagement", 2026, "01") == pytest.approx(3.5)


def _basis(out: pd.DataFrame, source: str, year: int, unit: str) -> str:
    hit = out[(out["source"] == source) & (out["year"] == year) & (out["unit_code"] == unit)]
    return str(hit["basis"].iloc[0])


def test_monitoring_sources_by_hand() -> None:
    """Staffing (its latest quarter of the year), competences and olympiads; a unit with a
    zero denominator or without the other table gives no value."""
    staffing = pd.DataFrame(
        {
            "year": 2026,
            "quarter": [1, 4, 4, 4],
            "level": ["municipality", "municipality", "municipality", "school"],
            "unit_code": ["01", "01", "02", "s1"],
            "municipality_code": ["01", "01", "02", "01"],
            "teachers": [50, 40, 20, 10],
            "positions": [60.0, 50.0, 0.0, 12.5],
            "vacant": [12.0, 2.5, 0.0, 2.5],
            "young_specialists": [4, 5, 0, 2],
            "young_mentored": [1, 4, 0, 1],
        }
    )
    competences = pd.DataFrame(
        {
            "year": 2026,
            "level": ["municipality", "municipality", "municipality"],
            "unit_code": ["01", "01", "02"],
            "role": ["teacher", "head", "teacher"],
            "diagnosed": [30, 6, 5],
            "with_deficit": [20, 2, 4],
            "trained": [5, 1, 4],
            "units_total": [float("nan"), 8.0, float("nan")],
        }
    )
    olympiads = pd.DataFrame(
        {
            "year": 2026,
            "level": ["municipality", "region"],
            "unit_code": ["01", REG],
            "students_7_11": [400, 0],
            "participants_municipal_7_11": [100, 0],
            "winners_regional": [3, 9],
            "students_total": [1000, 3000],
        }
    )
    out = computed.compute_all(
        region_code=REG,
        staffing_units=staffing,
        competence_units=competences,
        olympiad_units=olympiads,
    )
    assert _value(out, "vacancy_rate", 2026, "01") == pytest.approx(5.0)  # Q4: 2.5 of 50
    assert _basis(out, "vacancy_rate", 2026, "01") == "вакантных ставок: 2,5 из 50"
    assert _value(out, "vacancy_rate", 2026, "02") is None  # no positions: no value, no zero
    assert _value(out, "vacancy_rate", 2026, "s1") is None  # school rows are not units here
    assert _value(out, "young_mentored_share", 2026, "01") == pytest.approx(80.0)
    assert _value(out, "heads_diagnosed_share", 2026, "01") == pytest.approx(75.0)
    assert _value(out, "teachers_trained_share", 2026, "01") == pytest.approx(25.0)
    assert _value(out, "teachers_trained_share", 2026, "02") == pytest.approx(100.0)
    assert _value(out, "teachers_diagnosed_share", 2026, "01") == pytest.approx(75.0)  # 30/40
    assert _value(out, "teachers_diagnosed_share", 2026, "02") == pytest.approx(25.0)  # 5/20
    assert _value(out, "olympiad_municipal_share", 2026, "01") == pytest.approx(25.0)
    assert _value(out, "olympiad_municipal_share", 2026, REG) is None  # 0 students
    assert _value(out, "olympiad_regional_per1000", 2026, REG) == pytest.approx(3.0)
    # teachers diagnosed needs the staffing table: without it, no value
    alone = computed.compute_all(region_code=REG, competence_units=competences)
    assert _value(alone, "teachers_diagnosed_share", 2026, "01") is None
    assert _value(alone, "heads_diagnosed_share", 2026, "01") == pytest.approx(75.0)


# --- scoring ------------------------------------------------------------------------------

SMALL = {
    "stages": {s: s.capitalize() for s in STAGES},
    "weights": {"indicators": 0.6, "cycle": 0.4},
    "levels": [{"name": "низкий", "from": 0}, {"name": "высокий", "from": 0.7}],
    "directions": {
        "1.1": {
            "name": "Качество",
            "short": "Качество",
            "indicators": {
                "fail": {
                    "name": "Доля «2»",
                    "source": "vpr_fail_share",
                    "scoring": {"thresholds": [5, 10], "points": [2, 1, 0]},
                },
                "objectivity": {
                    "name": "Доля школ с признаками",
                    "source": "objectivity_marked_share",
                    "scoring": {"thresholds": [10], "points": [1, 0]},
                },
                "check": {
                    "name": "Перепроверка",
                    "source": "form",
                    "scoring": {"scale": {"worst": 0, "best": 100}, "max_points": 2},
                },
            },
        },
        "1.2": {
            "name": "ШНОР",
            "short": "ШНОР",
            "indicators": {
                "shnor": {
                    "name": "Доля ШНОР",
                    "source": "shnor_share",
                    "scoring": {"thresholds": [10], "points": [1, 0]},
                }
            },
        },
    },
}


def _settings(**extra: object) -> MechanismsFile:
    return MechanismsFile.model_validate({**SMALL, **extra})


def _computed(rows: list[tuple[int, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "level", "unit_code", "source", "value"]).assign(
        basis="—"
    )


def _stages(done: dict[tuple[int, str, str], int]) -> pd.DataFrame:
    """(year, municipality, direction) -> how many first stages have evidence."""
    rows = [
        {"year": y, "municipality_code": m, "direction": d, "stage": s, "done": i < k,
         "document": f"doc-{s}" if i < k else ""}
        for (y, m, d), k in done.items()
        for i, s in enumerate(STAGES)
    ]  # fmt: skip
    return pd.DataFrame(rows)


UNITS = {"01": "Первый", "02": "Второй", "03": "Третий"}


def _all(settings: MechanismsFile, comp: pd.DataFrame, values: pd.DataFrame, stages: pd.DataFrame):  # type: ignore[no-untyped-def]
    years = [2025, 2026]
    ind = scoring.indicator_table(settings, comp, values, years, UNITS, REG, "Область")
    cyc = scoring.cycle_table(settings, stages, years, UNITS, REG, "Область")
    return ind, cyc, scoring.score_table(settings, ind, cyc)


def _case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    comp = _computed(
        [
            (2026, "municipality", "01", "vpr_fail_share", 4.0),  # 2 of 2
            (2026, "municipality", "02", "vpr_fail_share", 12.0),  # 0 of 2
            (2026, "municipality", "03", "vpr_fail_share", 7.0),  # 1 of 2
            (2026, "region", REG, "vpr_fail_share", 8.0),
            (2026, "municipality", "01", "objectivity_marked_share", 20.0),  # 0 of 1
            (2026, "municipality", "02", "objectivity_marked_share", 25.0),
            (2025, "municipality", "02", "objectivity_marked_share", 5.0),
            (2025, "municipality", "02", "vpr_fail_share", 4.0),
            (2026, "municipality", "02", "shnor_share", 14.2),
            (2026, "region", REG, "shnor_share", 9.1),
        ]
    )
    values = pd.DataFrame(
        {
            "year": 2026,
            "municipality_code": ["01", "02"],
            "direction": "1.1",
            "indicator": "check",
            "value": [50.0, 100.0],
            "comment": ["", "акт"],
        }
    )
    stages = _stages(
        {
            (2026, "01", "1.1"): 9,
            (2026, "02", "1.1"): 9,
            (2026, "03", "1.1"): 9,
            (2026, "01", "1.2"): 9,
            (2026, "02", "1.2"): 6,  # breaks at «measures»
            (2026, "03", "1.2"): 2,
            (2025, "02", "1.1"): 9,
        }
    )
    return comp, values, stages


def test_points_shares_cycle_and_score_by_hand() -> None:
    s = _settings()
    ind, _cyc, sc = _all(s, *_case())
    row = ind[(ind["year"] == 2026) & (ind["unit_code"] == "01") & (ind["indicator"] == "check")]
    assert row["points"].iloc[0] == pytest.approx(1.0) and row["max_points"].iloc[0] == 2
    missing = ind[
        (ind["year"] == 2026) & (ind["unit_code"] == "03") & (ind["indicator"] == "check")
    ]
    assert pd.isna(missing["value"].iloc[0]) and pd.isna(missing["points"].iloc[0])
    region_check = ind[
        (ind["level"] == "region") & (ind["year"] == 2026) & (ind["indicator"] == "check")
    ]
    assert region_check["value"].iloc[0] == pytest.approx(75.0)  # mean of those who reported

    def get(unit: str, d: str, col: str, year: int = 2026) -> object:
        r = sc[(sc["year"] == year) & (sc["unit_code"] == unit) & (sc["direction"] == d)]
        return r[col].iloc[0]

    # 01, 1.1: points 2 + 0 + 1 of 2 + 1 + 2 = 3/5; cycle full → 0.6·0.6 + 0.4·1 = 0.76
    assert get("01", "1.1", "indicator_share") == pytest.approx(0.6)
    assert get("01", "1.1", "score") == pytest.approx(0.76)
    assert get("01", "1.1", "level_name") == "высокий"
    # 03, 1.1: only the ВПР indicator has a value: 1 of 2 → 0.6·0.5 + 0.4 = 0.7
    assert get("03", "1.1", "score") == pytest.approx(0.7)
    assert get("03", "1.1", "n_with_value") == 1
    # 02, 1.2: cycle breaks at measures, gaps 7–9; shnor 14.2 → 0 of 1
    assert not get("02", "1.2", "cycle_full")
    assert get("02", "1.2", "breaks_at") == "measures"
    assert get("02", "1.2", "gaps") == "measures, decisions, effectiveness"
    assert get("02", "1.2", "score") == pytest.approx(0.6 * 0 + 0.4 * 6 / 9)
    # 01, 1.2: no indicator value → the cycle alone
    assert get("01", "1.2", "score") == pytest.approx(1.0)
    # total: the mean of the directions
    assert get("02", "total", "score") == pytest.approx(
        (get("02", "1.1", "score") + get("02", "1.2", "score")) / 2  # type: ignore[operator]
    )
    # the region: a stage done when every municipality confirms it
    assert get(REG, "1.1", "cycle_full") and not get(REG, "1.2", "cycle_full")
    assert get(REG, "1.2", "cycle_share") == pytest.approx((9 + 6 + 2) / 27)
    # change since 2025: 02 1.1 had ВПР 4 % (2 of 2) and objectivity 5 % (1 of 1), no form
    prev = 0.6 * 3 / 3 + 0.4
    assert get("02", "1.1", "score", 2025) == pytest.approx(prev)
    assert get("02", "1.1", "change") == pytest.approx(get("02", "1.1", "score") - prev)  # type: ignore[operator]
    assert pd.isna(get("01", "1.1", "change"))


def test_ranks_share_ties() -> None:
    s = _settings()
    _ind, _cyc, sc = _all(s, *_case())
    d11 = sc[(sc["year"] == 2026) & (sc["direction"] == "1.1") & (sc["level"] == "municipality")]
    ranks = dict(zip(d11["unit_code"], d11["rank"], strict=True))
    # scores: 01 0.76, 02 0.6·(0+0+2)/5+0.4 = 0.64, 03 0.7
    assert ranks == {"01": 1, "03": 2, "02": 3}
    assert set(d11["n_units"]) == {3}
    tied = scoring._rank(
        pd.DataFrame(
            {"year": 2026, "level": "municipality", "direction": "1.1",
             "score": [0.5, 0.8, 0.8, 0.2]}
        )
    )  # fmt: skip
    assert list(tied["rank"]) == [3, 1, 1, 4]


# --- recommendations ----------------------------------------------------------------------

RULES = [
    {
        "code": "break",
        "addressee": "муниципальный орган управления образованием",
        "when": {"direction": "1.2", "cycle_breaks_at": "measures", "quote": ["shnor"]},
        "text": "{unit_name}: цикл по направлению {direction} прерывается на этапе «{breaks_at}»: "
        "нет подтверждения этапов {missing}; {quoted}.",
    },
    {
        "code": "objectivity",
        "addressee": "муниципальный орган управления образованием",
        "when": {"direction": "1.1", "direction_rank_bottom": 1, "indicator_rising": "objectivity"},
        "text": "{unit_name}: {rank}-е место из {n_units}, доля школ с признаками выросла с "
        "{prev_value} до {value} ({change}).",
    },
    {
        "code": "low",
        "addressee": "департамент",
        "when": {"unit": "region", "level": "низкий"},
        "text": "Направление {direction}: балл {score}, полный цикл {full_cycles}, слабее всего "
        "этап «{breaks_at}».",
    },
    {
        "code": "tasks",
        "addressee": "институт развития образования",
        "when": {"task_deficits": 2},
        "text": "Дефициты {year}: {tasks}.",
    },
    {
        "code": "shnor",
        "addressee": "школа",
        "when": {"school_class": "shnor"},
        "text": "{school_name} ({unit_name}) — ШНОР {year}, лет: {years_in_class}.",
    },
]


def _recs(
    comp: pd.DataFrame, values: pd.DataFrame, stages: pd.DataFrame, **kw: object
) -> pd.DataFrame:
    s = _settings(recommendations=RULES)
    ind, cyc, sc = _all(s, comp, values, stages)
    return recommendations.recommend(s, sc, ind, cyc, region_name="Область", **kw)  # type: ignore[arg-type]


def test_cycle_break_rule_fires_with_its_figures_and_not_on_its_negative() -> None:
    recs = _recs(*_case())
    hit = recs[recs["rule"] == "break"]
    assert list(hit["unit_code"]) == ["02"]  # 03 breaks at «indicators», 01 is full
    text = hit["text"].iloc[0]
    assert "прерывается на этапе «Measures»" in text
    assert "нет подтверждения этапов 7–9" in text
    assert "доля шнор 14,2\u00a0% (регион 9,1\u00a0%)" in text
    comp, values, stages = _case()
    stages.loc[(stages["municipality_code"] == "02") & (stages["direction"] == "1.2"), "done"] = (
        True
    )
    assert "break" not in set(_recs(comp, values, stages)["rule"])


def test_objectivity_rule_needs_the_bottom_and_a_rise() -> None:
    recs = _recs(*_case())
    hit = recs[recs["rule"] == "objectivity"]
    assert list(hit["unit_code"]) == ["02"]
    assert "3-е место из 3" in hit["text"].iloc[0]
    assert "с 5,0\u00a0% до 25,0\u00a0% (+20,0\u00a0п.\u00a0п.)" in hit["text"].iloc[0]
    comp, values, stages = _case()
    comp.loc[(comp["year"] == 2025) & (comp["source"] == "objectivity_marked_share"), "value"] = (
        30.0
    )
    assert "objectivity" not in set(_recs(comp, values, stages)["rule"])  # falling: no


def test_region_rule_names_the_weakest_stage() -> None:
    s_low = _settings(
        recommendations=RULES,
        levels=[{"name": "низкий", "from": 0}, {"name": "высокий", "from": 0.9}],
    )
    comp, values, stages = _case()
    ind, cyc, sc = _all(s_low, comp, values, stages)
    recs = recommendations.recommend(s_low, sc, ind, cyc, region_name="Область")
    low = recs[(recs["rule"] == "low") & (recs["direction"] == "1.2") & (recs["year"] == 2026)]
    assert "полный цикл 1 из 3" in low["text"].iloc[0]
    # stages 1–2 confirmed by 3, 3–6 by 2 (01, 02), 7–9 by 1 (01): the first of the weakest
    assert "этап «Measures»" in low["text"].iloc[0]
    # the default levels (высокий from 0.7) leave the region's 1.1 out
    recs2 = _recs(*_case())
    assert recs2[(recs2["rule"] == "low") & (recs2["direction"] == "1.1")].empty


def test_task_and_school_rules() -> None:
    tasks = pd.DataFrame(
        {
            "level": ["region"] * 3 + ["municipality"],
            "year": 2026,
            "subject": ["ma", "ru", "ma", "ma"],
            "grade": [6, 5, 7, 6],
            "task": ["11", "3", "2", "1"],
            "task_order": [11, 3, 2, 1],
            "task_level": ["П", "Б", "Б", "Б"],
            "n": [100, 100, 3, 50],
            "completion": [0.2, 0.35, 0.01, 0.0],  # 0.01: too few; municipality: not regional
            "zone": ["deficit", "deficit", "deficit", "deficit"],
        }
    )
    classes = pd.DataFrame(
        {
            "year": 2026, "school_code": ["s1", "s2"], "school_name": ["СОШ 1", "СОШ 2"],
            "municipality_code": "02", "municipality_name": "Второй",
            "class": ["shnor", "shnsu"], "reason": "…", "years_in_class": [2, 1],
        }
    )  # fmt: skip
    recs = _recs(
        *_case(), vpr_tasks=tasks, school_classes=classes, subject_names={"ma": "Математика"}
    )
    t = recs[recs["rule"] == "tasks"]["text"].iloc[0]
    assert "Математика, 6 кл., задание 11 (П) — 20,0\u00a0%" in t and "ru, 5 кл., задание 3" in t
    assert "7 кл." not in t
    shnor = recs[recs["rule"] == "shnor"]
    assert list(shnor["unit_code"]) == ["s1"] and "лет: 2" in shnor["text"].iloc[0]
    assert recs[recs["rule"] == "shnor"]["addressee"].iloc[0] == "школа"


def test_every_text_contains_its_figures() -> None:
    recs = _recs(*_case())
    for text, figures in zip(recs["text"], recs["figures"], strict=True):
        for figure in figures.split("; "):
            numbers = [
                w
                for w in figure.replace("(", " ").replace(")", " ").split()
                if any(ch.isdigit() for ch in w)
            ]
            assert all(n in text for n in numbers), (figure, text)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"when": {"cycle_breaks_at": "mesures"}}, "не этап цикла"),
        ({"when": {"level": "плохой"}}, "нет такого уровня"),
        ({"when": {"indicator_rising": "nope"}}, "нет такого показателя"),
        ({"text": "{unit_name} {tasks}"}, "неизвестные поля tasks"),
        ({"when": {"task_deficits": 3, "direction": "1.1"}}, "не сочетаются"),
        ({"addressee": "министерство"}, "addressee"),
    ],
)
def test_bad_rules_are_refused_in_russian(rule: dict[str, object], words: str) -> None:
    base = {"code": "r", "addressee": "департамент", "when": {}, "text": "{unit_name}"}
    with pytest.raises(Exception) as err:
        _settings(recommendations=[{**base, **rule}])
    assert words in str(err.value)


def test_shipped_rules_load() -> None:
    s = mechanism_settings()
    assert {r.addressee for r in s.recommendations} == {
        "департамент", "институт развития образования",
        "муниципальный орган управления образованием", "школа",
    }  # fmt: skip


def test_stage_ranges() -> None:
    assert recommendations.stage_ranges([7, 8, 9]) == "7–9"
    assert recommendations.stage_ranges([2, 5, 6, 9]) == "2, 5–6, 9"


def test_a_merged_district_is_assessed_for_its_own_years_only() -> None:
    """config/region.yml: district 04 ends in 2025 (merged into okrug 03). Its 2026 rows, which
    would show a unit without a score whose cycle «breaks at goals», go; earlier ones stay, as
    do the region's rows and a code the configuration does not know."""
    rows = pd.DataFrame(
        {
            "year": [2025, 2026, 2026, 2026, 2026],
            "level": ["municipality", "municipality", "municipality", "region", "municipality"],
            "unit_code": ["04", "04", "03", "REG", "77"],
        }
    )
    kept = _in_their_years(rows)
    assert list(zip(kept["year"], kept["unit_code"], strict=True)) == [
        (2025, "04"),
        (2026, "03"),
        (2026, "REG"),
        (2026, "77"),
    ]

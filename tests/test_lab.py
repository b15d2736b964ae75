"""Laboratory equipment: configuration, the form and its contract, the tables by hand, the
association (hand-computed, coverage in an independent simulation, the demo's planted
relation recovered and its counterpart with none), the demo parameter at 0, the pages."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from soko import derive
from soko import indicators as ind
from soko.demo.blueprint import Blueprint
from soko.demo.lab import (
    LabDemoParams,
    expected_gain_pp,
    lab_plan,
    practical_mask,
    practical_shift,
)
from soko.demo.model import ModelParams
from soko.demo.vpr import FileJob, Roster, simulate_file
from soko.forms import write_form
from soko.paths import notebooks_dir
from soko.pipeline.notebooks import execute_notebook
from soko.procedure import FormContext
from soko.procedures.lab import commentary
from soko.procedures.lab.form import FORM, ingest_lab
from soko.procedures.lab.settings import LabFile, lab_settings
from soko.procedures.lab.tables import (
    ASSOCIATION_COLUMNS,
    UNIT_COLUMNS,
    association_table,
    school_table,
    units_table,
    welch,
)
from soko.settings.loading import validate
from tests.conftest import DemoRegion, SmallRegion

CONFIG = Path(__file__).resolve().parents[1] / "config" / "lab.yml"


# --- configuration --------------------------------------------------------------------------


def test_shipped_config_is_valid() -> None:
    s = lab_settings()
    assert [t.code for t in s.terms] == ["h1", "h2"]
    assert {k.code for k in s.kinds} >= {"physics", "chemistry", "biology", "tochka_rosta"}
    (bio,) = [p for p in s.practical("vpr") if p.subject == "bi"]
    assert set(bio.tasks) == {5, 6, 7, 8} and "biology" in bio.equipment


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace("code: digital_lab", "code: biology"), "повторяется"),
        (lambda t: t.replace("equipment: [biology,", "equipment: [microscope,"), "microscope"),
        (lambda t: t.replace("min_practical: 2}", "min_practical: -1}", 1), "min_practical"),
        (lambda t: t.replace('7: ["9.1", "9.2"]', '7: ["9.1", "9.1"]'), "повторяется"),
    ],
)  # fmt: skip
def test_bad_config_names_key_in_russian(tmp_path: Path, edit, words: str) -> None:
    path = tmp_path / "lab.yml"
    path.write_text(edit(CONFIG.read_text(encoding="utf-8")), encoding="utf-8")
    model, problems = validate(path, LabFile)
    assert model is None and problems
    text = "\n".join(p.text() if hasattr(p, "text") else str(p) for p in problems)
    assert words in text, text


# --- the form and its contract --------------------------------------------------------------

REGISTRY = pd.DataFrame(
    {
        "school_code": ["edu990101", "edu990102", "edu990201"],
        "school_name": ["Школа 1", "Школа 2", "Школа 3"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["г. Озёрск-на-Вельме", "г. Озёрск-на-Вельме", "г. Новоберёзовск"],
    }
)


def _form(tmp_path: Path, values: dict, year: int = 2026, muni: str = "01") -> Path:
    names = dict(zip(REGISTRY["municipality_code"], REGISTRY["municipality_name"], strict=True))
    ctx = FormContext(year, muni, names[muni], schools=REGISTRY)
    path = tmp_path / "raw" / "lab" / str(year) / FORM.file_name(ctx)
    return write_form(FORM.spec(ctx), path, ctx.identity(), values)


def _none() -> dict:
    return {"has_equipment": "нет"}


def _used(**over: object) -> dict:
    row = {"has_equipment": "да", "year_received": 2020, "sets": 4, "lessons_h1": 10,
           "practical_h1": 3, "lessons_h2": 9, "practical_h2": 3}  # fmt: skip
    return {**row, **over}


def test_form_is_prefilled_with_the_municipality_schools() -> None:
    spec = FORM.spec(FormContext(2026, "01", "г. Озёрск-на-Вельме", schools=REGISTRY))
    assert [s.name for s in spec.sheets][:3] == ["Физика", "Химия", "Биология"]
    keys = [r.cells["school_code"] for r in spec.sheet("biology").rows]
    assert keys == ["edu990101", "edu990102"]
    blank = FORM.spec(FormContext(2026, "01", "г. Озёрск-на-Вельме"))
    assert not blank.sheet("biology").rows  # no registry: free rows with a school code


def test_good_and_bad_rows(tmp_path: Path) -> None:
    kinds = [k.code for k in lab_settings().kinds]
    values = {k: [_none(), _none()] for k in kinds}
    values["biology"] = [
        _used(),
        _used(has_equipment="нет", year_received=None, sets=None),  # use without equipment
    ]
    values["physics"] = [_used(practical_h2=12), _used(year_received=2030)]
    path = _form(tmp_path, values)
    result = ingest_lab([path], tmp_path / "raw", REGISTRY)
    (report,) = result.reports
    text = "\n".join(p.text() for p in report.problems)
    assert "use_without_equipment" in text and "Биология" in text
    assert "practical_not_over_lessons" in text and "2 полугодие" in text
    assert "received_not_after_form_year" in text
    assert report.rows_rejected == 3
    assert report.rows_accepted == report.rows_read - 3
    table = pd.concat(result.tables["lab_equipment"])
    bio = table[(table["kind"] == "biology") & (table["school_code"] == "edu990101")]
    assert list(bio["lessons"]) == [10, 9] and bool(bio["has_equipment"].all())
    # a rejected row names file, sheet, row and column
    (p,) = [p for p in report.problems if p.rule == "use_without_equipment"]
    assert p.row is not None and "лист «Биология»" in p.message and p.column


# --- the tables by hand -----------------------------------------------------------------------


def _equipment(rows: list[tuple]) -> pd.DataFrame:
    """(school, kind, has, lessons h1, practical h1, lessons h2, practical h2)."""
    out = []
    for school, kind, has, l1, p1, l2, p2 in rows:
        for term, les, pra in (("h1", l1, p1), ("h2", l2, p2)):
            out.append((2026, "01", school, kind, has, 2020 if has else None, 3 if has else None,
                        term, les, pra))  # fmt: skip
    cols = ["year", "municipality_code", "school_code", "kind", "has_equipment",
            "year_received", "sets", "term", "lessons", "practical"]  # fmt: skip
    frame = pd.DataFrame(out, columns=cols)
    for c in ("year_received", "sets", "lessons", "practical"):
        frame[c] = frame[c].astype("Int64")
    return frame


def test_states_and_units_by_hand() -> None:
    # biology minimum: 6 lessons and 2 practical works per term
    eq = _equipment(
        [
            ("a", "biology", True, 6, 2, 7, 2),  # used
            ("b", "biology", True, 6, 2, 5, 2),  # under-used (h2: 5 lessons < 6)
            ("c", "biology", True, 0, 0, 0, 0),  # unused
            ("d", "biology", False, None, None, None, None),  # none
            ("a", "physics", False, None, None, None, None),
        ]
    )
    schools = REGISTRY.assign(school_code=["a", "b", "c"]).iloc[:3]
    t = school_table(eq, schools, lab_settings())
    bio = t[t["kind"] == "biology"]
    state = dict(zip(bio["school_code"], bio["state"], strict=True))
    assert state == {"a": "used", "b": "underused", "c": "unused", "d": "none"}
    assert t.loc[(t["school_code"] == "b") & (t["kind"] == "biology"), "terms_below"].iloc[0] == (
        "2 полугодие"
    )
    u = units_table(t, "99")
    assert list(u.columns) == list(UNIT_COLUMNS)
    region = u[u["level"] == "region"].iloc[0]
    # schools with equipment: a, b, c (d has none); under-used or unused: b, c → 2 of 3
    assert (region["schools_with_equipment"], region["schools_underused"]) == (3, 2)
    assert region["underused_share"] == pytest.approx(200 / 3)


def test_welch_by_hand() -> None:
    # a = (1, 3, 5): mean 3, s² = 4; b = (0, 2): mean 1, s² = 2
    est = welch(np.array([1.0, 3.0, 5.0]), np.array([0.0, 2.0]))
    va, vb = 4 / 3, 2 / 2
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 1)
    q = stats.t.ppf(0.975, df)
    assert est.difference == pytest.approx(2.0)
    assert est.se == pytest.approx(se) and est.df == pytest.approx(df)
    assert (est.ci_low, est.ci_high) == pytest.approx((2 - q * se, 2 + q * se))


def _tasks(school: str, practical: tuple[float, float], other: tuple[float, float]) -> list:
    """School rows of a derived vpr_tasks table: grade 6 biology, tasks 4.1 (practical, max
    2) and 1 (other, max 2), 10 participants; (points) per task."""
    rows = []
    for task, pts in (("4.1", practical[0]), ("1", other[0])):
        rows.append(("school", school, 2026, "bi", 6, task, 2, 10, pts))
    for task, pts in (("4.2", practical[1]), ("2", other[1])):
        rows.append(("school", school, 2026, "bi", 6, task, 1, 10, pts))
    return rows


def test_association_hand_computed_tiny_case() -> None:
    # practical max = 10·2 + 10·1 = 30, other max 30. Gaps (practical − other, %):
    # u1: 24/30 − 15/30 = 30; u2: 21/30 − 15/30 = 20; u3: 18/30 − 15/30 = 10
    # n1: 15/30 − 15/30 = 0;  n2: 18/30 − 15/30 = 10; n3: 12/30 − 15/30 = −10
    gaps = {"u1": (16, 8), "u2": (14, 7), "u3": (12, 6), "n1": (10, 5), "n2": (12, 6),
            "n3": (8, 4)}  # fmt: skip
    rows = [r for s, p in gaps.items() for r in _tasks(s, p, (10, 5))]
    vpr_tasks = pd.DataFrame(rows, columns=["level", "unit_code", "year", "subject", "grade",
                                            "task", "max_score", "n", "points"])  # fmt: skip
    lab = pd.DataFrame(
        {
            "year": 2026,
            "municipality_code": "01",
            "municipality_name": "М",
            "school_code": list(gaps),
            "kind": "biology",
            "has_equipment": True,
            "state": ["used"] * 3 + ["unused", "none", "underused"],
        }
    )
    settings = lab_settings().model_copy(
        update={"association": lab_settings().association.model_copy(update={"min_schools": 3})}
    )
    out = association_table(lab, vpr_tasks, settings, "99", "Регион")
    assert list(out.columns) == list(ASSOCIATION_COLUMNS)
    region = out[out["level"] == "region"].iloc[0]
    assert (region["n_using"], region["n_not_using"]) == (3, 3)
    assert region["gap_using"] == pytest.approx(20.0)
    assert region["gap_not_using"] == pytest.approx(0.0)
    assert region["difference"] == pytest.approx(20.0)
    se = math.sqrt(100 / 3 + 100 / 3)  # s² = 100 in both groups
    assert region["se"] == pytest.approx(se)
    assert region["df"] == pytest.approx(4.0)
    assert region["ci_low"] == pytest.approx(20 - stats.t.ppf(0.975, 4) * se)
    assert "это связь, а не доказанное влияние" in region["verdict"].lower()


def test_welch_interval_coverage_in_an_independent_simulation() -> None:
    """School gaps drawn with unequal spreads and sizes; the true difference is known. The
    95 % interval must cover it in 95 % of 2000 runs: with n = 2000 the binomial SD of the
    coverage is √(.95·.05/2000) ≈ 0.49 pp, so 93.5–96.5 % is a ±3 SD tolerance."""
    rng = np.random.default_rng(20260415)
    hits = 0
    runs = 2000
    for _ in range(runs):
        a = rng.normal(4.0, 6.0, 25)
        b = rng.normal(1.0, 3.0, 40)
        est = welch(a, b)
        hits += est.ci_low <= 3.0 <= est.ci_high
    assert 0.935 <= hits / runs <= 0.965


# --- the demo: the zero parameter, the planted relation and its counterpart --------------------


def _job(shift: np.ndarray) -> FileJob:
    rng = np.random.default_rng(1)
    n_tasks = 6
    bp = Blueprint("bi", 6, ("1", "2", "3", "4.1", "4.2", "4.3"),
                   np.array([2, 1, 2, 2, 1, 2]), ("Б",) * 4 + ("П",) * 2,
                   rng.normal(0, 1, n_tasks), rng.uniform(0.8, 1.6, n_tasks), 0.0, 0.1)  # fmt: skip
    n = 400
    roster = Roster(np.repeat(np.arange(4), 100), np.arange(10000, 10000 + n),
                    np.array(["6А"] * n, dtype=object), np.zeros(n, np.int8),
                    rng.standard_normal(n))  # fmt: skip
    return FileJob(
        path=Path("x.xlsx"), seed=7, year=2026, subject="bi", subject_name="Биология", grade=6,
        region_name="Р", date="15.04.2026", thresholds=(3, 6, 8), blueprint=bp,
        params=ModelParams(), school_codes=["a", "b", "c", "d"], school_names=list("abcd"),
        municipality_names=["м"] * 4, school_mean=np.zeros(4), leniency=np.zeros(4),
        roster=roster, practical=practical_mask(bp), practical_shift=shift,
    )  # fmt: skip


def test_effect_zero_changes_nothing_and_a_shift_moves_only_practical_tasks() -> None:
    plain = simulate_file(_job(np.zeros(4)))
    off = simulate_file(FileJob(**{**_job(np.zeros(4)).__dict__, "practical": None}))
    assert np.array_equal(plain.scores, off.scores)  # effect 0: the file as without it
    on = simulate_file(_job(np.array([1.0, 1.0, 0.0, 0.0])))
    diff = on.scores - plain.scores
    mask = practical_mask(_job(np.zeros(4)).blueprint)
    assert (diff[:, ~mask] == 0).all()  # other tasks untouched
    assert (diff[on.school >= 2] == 0).all()  # schools without the shift untouched
    assert diff[on.school < 2][:, mask].sum() > 0 and (diff >= 0).all()


def test_plan_zero_effect_gives_no_shift(small_region: SmallRegion) -> None:
    schools = pd.read_parquet(small_region.truth / "schools.parquet")
    plan = lab_plan(20260415, schools, (2024, 2025, 2026), LabDemoParams(effect_sd=0.0))
    assert not practical_shift(plan, 2026).any()


@pytest.fixture(scope="module")
def demo_association(demo_region: DemoRegion) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The association on the demo-size region, from its processed tables, for the biology
    kinds (planted) and for physics sets (no relation planted: physics use is drawn
    independently of everything biology)."""
    p = demo_region.processed
    results = pd.read_parquet(p / "vpr_results.parquet")
    results = results[results["subject"] == "bi"]
    scores = pd.read_parquet(p / "vpr_task_scores.parquet", filters=[("subject", "==", "bi")])
    tasks = pd.read_parquet(p / "vpr_tasks.parquet")
    tasks = tasks[tasks["subject"] == "bi"]
    schools = pd.read_parquet(p / "schools.parquet")
    vpr_tasks = ind.task_completion_table(results, scores, tasks, schools, levels=("school",))
    equipment = pd.read_parquet(p / "lab_equipment.parquet")
    settings = lab_settings()
    lab = school_table(equipment, schools, settings)
    planted = association_table(lab, vpr_tasks, settings, "99", "Регион")
    (bio,) = settings.practical("vpr")
    physics = settings.model_copy(
        update={"practical_tasks": [bio.model_copy(update={"equipment": ["physics"]})]}
    )
    none = association_table(lab, vpr_tasks, physics, "99", "Регион")
    return planted, none


def test_planted_relation_recovered(demo_region: DemoRegion, demo_association) -> None:
    planted, _ = demo_association
    truth = json.loads((demo_region.truth / "truth.json").read_text(encoding="utf-8"))
    assert truth["lab"]["effect_sd"] > 0
    region = planted[planted["level"] == "region"]
    assert (
        len(region) == 3 and (region["n_using"] >= 20).all() and (region["n_not_using"] >= 5).all()
    )
    # every year the using schools' practical tasks are done better, beyond the interval
    assert (region["ci_low"] > 0).all(), region[["year", "difference", "ci_low", "ci_high"]]
    # the truth: the expected gain (pp of the practical tasks' maximum) of the boosted schools,
    # from the item model of the truth's blueprints and the schools' true mean ability
    for row in region.itertuples(index=False):
        expected = _expected_gain(demo_region.truth, int(row.year))
        assert row.ci_low <= expected <= row.ci_high, (row.year, expected, row)
        assert 2.0 < expected < 8.0


def _expected_gain(truth: Path, year: int) -> float:
    tasks = pd.read_parquet(truth / "tasks.parquet")
    effects = pd.read_parquet(truth / "school_effects.parquet")
    schools = pd.read_parquet(truth / "schools.parquet")
    use = pd.read_parquet(truth / "lab_use.parquet")
    codes = use[(use["kind"] == "uses_biology") & use["boosted"] & (use["year"] == year)]
    va = dict(zip(schools["school_code"], schools["true_va"], strict=True))
    ability = effects[(effects["year"] == year) & (effects["subject"] == "bi")]
    ability = ability.set_index("school_code")["mean_ability"]
    codes = [c for c in codes["school_code"] if c in ability.index]
    gains = []
    for grade in (5, 6, 7, 8):
        t = tasks[(tasks["year"] == year) & (tasks["subject"] == "bi") & (tasks["grade"] == grade)]
        t = t.sort_values("task_order")
        bp = Blueprint("bi", grade, tuple(t["task"]), t["max_score"].to_numpy(),
                       tuple(t["level"]), t["difficulty"].to_numpy(),
                       t["discrimination"].to_numpy(), 0.0, 0.0)  # fmt: skip
        levels = np.array([ability[c] + (grade - 6) * va[c] for c in codes])
        gains.append(expected_gain_pp(bp, levels, LabDemoParams().effect_sd, ModelParams()))
    return float(np.mean(gains))


def test_zero_relation_interval_covers_zero(demo_association) -> None:
    _, none = demo_association
    region = none[none["level"] == "region"].dropna(subset=["difference"])
    assert len(region) >= 2
    assert ((region["ci_low"] <= 0) & (region["ci_high"] >= 0)).all(), region


# --- the demo's forms through ingest, and the pages -----------------------------------------------


def test_demo_forms_ingest_clean(small_region: SmallRegion) -> None:
    files = [f for f in small_region.report.files if f.kind == "lab"]
    truth = json.loads((small_region.truth / "truth.json").read_text(encoding="utf-8"))
    assert len(files) == truth["lab"]["files"]
    assert all(not f.problems and f.rows_rejected == 0 for f in files), [
        p.text() for f in files for p in f.problems
    ][:5]
    units = derive.load("lab_units", small_region.processed)
    assert list(units.columns) == list(UNIT_COLUMNS)
    assert set(units["level"]) == {"municipality", "region"}


def test_commentary_names_the_association(small_region: SmallRegion) -> None:
    assoc = derive.load("lab_association", small_region.processed)
    text = commentary.association_summary(assoc, 2026)
    assert "связь, а не доказанное влияние" in text
    units = derive.load("lab_units", small_region.processed)
    assert "%" in commentary.units_summary(units, 2026)


@pytest.mark.parametrize("template", ["lab_region.ipynb", "lab_municipality.ipynb"])
def test_pages_run(small_region: SmallRegion, tmp_path: Path, template: str) -> None:
    params = {"year": 2026, "processed_dir": str(small_region.processed)}
    if "municipality" in template:
        params["municipality"] = "01"
    out = tmp_path / template
    execute_notebook(notebooks_dir() / template, out, params)
    nb = nbformat.read(out, as_version=4)
    text = json.dumps(nb.dict(), ensure_ascii=False)
    assert "Traceback" not in text and "связь, а не доказанное влияние" in text
    assert "Скачать" in text
    # the demo's ОГЭ has no physics or chemistry: the page says so rather than stay silent
    assert "Сравнение по ОГЭ не сделано" in text

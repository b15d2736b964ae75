"""ОГЭ's practical tasks and laboratory equipment: the per-school task table from the answer
strings (by hand), the association on a synthetic region with a relation planted and with
none (a physics scale in a test config: the demo's ОГЭ has no physics), and the demo, whose
ОГЭ has none of the configured subjects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from soko import derive
from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.tasks import TASK_TABLE_COLUMNS, task_table
from soko.paths import config_dir
from soko.pipeline.derived import read_input
from soko.procedures.lab import commentary
from soko.procedures.lab.settings import lab_settings
from soko.procedures.lab.tables import association_table
from soko.procedures.oge import KIND
from tests.conftest import SmallRegion

REGION_CODE = "99"
# the test physics scale: 16 one-point short tasks, then «17» (the experiment, max 3) and «18»
SHORT, LONG = [1] * 16, {"17": 3, "18": 2}


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped scales plus ОГЭ physics: 2026 as above, 2025 a tiny one for the hand case
    (1 and 2 points short, «3» of 3 points long)."""
    directory = tmp_path_factory.mktemp("oge_physics")
    data = yaml.safe_load((config_dir() / "gia_scales.yml").read_text(encoding="utf-8"))
    oge = data["oge"]
    oge["subjects"]["ph"] = {"name": "Физика", "rcoi": 3}
    oge["scales"][2026]["ph"] = {"short": SHORT, "long": LONG, "marks": [10, 15, 19]}
    oge["scales"][2025]["ph"] = {"short": [1, 2], "long": {"3": 3}, "marks": [2, 4, 5]}
    (directory / "gia_scales.yml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    assert not scales.check_config((KIND,), directory)
    return directory


def _results(rows: list[tuple[str, str, str, str]], year: int) -> pd.DataFrame:
    """Canonical-shaped ``oge_results`` rows: (municipality, school, short, long)."""
    frame = pd.DataFrame(
        rows, columns=["municipality_code", "school_code", "short_answers", "long_answers"]
    )
    frame.insert(0, "year", year)
    frame.insert(1, "subject", "ph")
    frame.insert(2, "grade", 9)
    for col in ("subject", "school_code", "municipality_code", "short_answers", "long_answers"):
        frame[col] = frame[col].astype("string")
    return frame


def test_task_table_by_hand(cfg: Path) -> None:
    results = _results(
        [
            ("01", "a", "+2", "1(3)"),  # points 1, 2, 1
            ("01", "a", "-1", "3(3)"),  # points 0, 1, 3
            ("01", "a", "", ""),  # absent: no answers, not a participant of any task
            ("02", "b", "+0", "0(3)"),  # points 1, 0, 0
        ],
        2025,
    )
    out = task_table(KIND, results, directory=cfg)
    assert list(out.columns) == list(TASK_TABLE_COLUMNS)
    got = {
        (r.level, r.unit_code, r.task): (r.n, r.points, r.max_score, r.completion)
        for r in out.itertuples(index=False)
    }
    expected = {
        ("school", "a", "1"): (2, 1, 1, 1 / 2),
        ("school", "a", "2"): (2, 3, 2, 3 / 4),
        ("school", "a", "3"): (2, 4, 3, 4 / 6),
        ("school", "b", "1"): (1, 1, 1, 1.0),
        ("school", "b", "2"): (1, 0, 2, 0.0),
        ("school", "b", "3"): (1, 0, 3, 0.0),
        ("municipality", "01", "3"): (2, 4, 3, 4 / 6),
        ("region", REGION_CODE, "1"): (3, 2, 1, 2 / 3),
        ("region", REGION_CODE, "2"): (3, 3, 2, 3 / 6),
        ("region", REGION_CODE, "3"): (3, 4, 3, 4 / 9),
    }
    for key, value in expected.items():
        assert got[key][:3] == value[:3], key
        assert got[key][3] == pytest.approx(value[3]), key
    school_a = out[(out["level"] == "school") & (out["unit_code"] == "a")]
    assert school_a["task_order"].tolist() == [1, 2, 3]
    assert set(out["level"]) == {"region", "municipality", "school"}


def _synthetic(
    effect: float, seed: int, stronger: float = 0.4
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """40 schools in 2 municipalities, 15 participants each, half of them use physics sets
    (and are ``stronger`` on every task: their strength must not be credited to the sets);
    in using schools task «17» is done as if ability were ``effect`` higher. Returns
    (oge_results, lab_schools)."""
    rng = np.random.default_rng(seed)
    difficulty = np.linspace(-1.5, 1.5, len(SHORT) + len(LONG))
    maxima = np.array([*SHORT, *LONG.values()])
    rows, lab = [], []
    for s in range(40):
        school, muni = f"edu{s:04d}", "01" if s < 20 else "02"
        uses = s % 2 == 0
        level = rng.normal(0, 0.5) + (stronger if uses else 0.0)
        for _ in range(15):
            theta = level + rng.normal()
            shift = np.zeros(len(maxima))
            shift[len(SHORT)] = effect if uses else 0.0  # task «17»
            p = 1 / (1 + np.exp(-(theta + shift - difficulty)))
            pts = rng.binomial(maxima, p)
            short = "".join("+" if x else "-" for x in pts[: len(SHORT)])
            long = "".join(
                f"{x}({m})" for x, m in zip(pts[len(SHORT) :], LONG.values(), strict=True)
            )
            rows.append((muni, school, short, long))
        lab.append(
            {
                "year": 2026,
                "municipality_code": muni,
                "municipality_name": f"Район {muni}",
                "school_code": school,
                "kind": "physics",
                "has_equipment": True,
                "state": "used" if uses else "unused",
            }
        )
    return _results(rows, 2026), pd.DataFrame(lab)


def _oge_association(cfg: Path, effect: float, seed: int) -> pd.DataFrame:
    results, lab = _synthetic(effect, seed)
    oge_tasks = task_table(KIND, results, directory=cfg)
    out = association_table(
        lab, pd.DataFrame(), lab_settings(), REGION_CODE, "Регион", oge_tasks=oge_tasks
    )
    assert set(out["procedure"]) == {"oge"} and set(out["subject"]) == {"ph"}
    return out[out["level"] == "region"].iloc[0]


def test_planted_relation_recovered_on_oge_physics(cfg: Path) -> None:
    region = _oge_association(cfg, effect=1.0, seed=11)
    assert (region["n_using"], region["n_not_using"]) == (20, 20)
    assert region["ci_low"] > 0, region
    assert "ОГЭ (Физика)" in region["verdict"] and "лучше" in region["verdict"]


def test_no_relation_interval_covers_zero_on_oge_physics(cfg: Path) -> None:
    """With nothing planted (the using schools stronger on every task) over 20 seeded
    regions: the differences centre on 0 (within 3 SE of their mean: the gap, not the
    level, is compared) and the 95 % interval covers 0 in at least 16 of 20 (under true 95 %
    coverage five or more misses have probability ≈ 0.3 %)."""
    runs = [_oge_association(cfg, effect=0.0, seed=seed) for seed in range(20)]
    diffs = np.array([r["difference"] for r in runs])
    assert abs(diffs.mean()) <= 3 * diffs.std(ddof=1) / np.sqrt(len(diffs)), diffs
    covered = sum(r["ci_low"] <= 0 <= r["ci_high"] for r in runs)
    assert covered >= 16, covered


def test_demo_oge_tasks_agree_with_primary_scores(small_region: SmallRegion) -> None:
    """The demo's ОГЭ per-task points summed over a school's tasks are its participants'
    primary scores (the protocol's own column, not parsed here)."""
    tasks = derive.load("oge_tasks", small_region.processed)
    assert list(tasks.columns) == list(TASK_TABLE_COLUMNS)
    assert set(tasks["subject"]) == {"ru", "ma", "hi", "ob"}
    assert tasks["completion"].between(0, 1).all()
    # as the build reads them: in today's boundaries (a merged school under its successor)
    results = read_input("oge_results", small_region.processed)
    scored = results[results["primary_score"].notna()]
    keys = ["year", "subject", "school_code"]
    primary = scored.groupby(keys)["primary_score"].agg(["sum", "size"])
    school = tasks[tasks["level"] == "school"].rename(columns={"unit_code": "school_code"})
    points = school.groupby(keys).agg(points=("points", "sum"), n=("n", "max"))
    both = primary.join(points, how="outer")
    assert both.notna().all().all(), both[both.isna().any(axis=1)].head()
    assert (both["sum"] == both["points"]).all() and (both["size"] == both["n"]).all()


def test_demo_has_no_oge_rows_and_says_why(small_region: SmallRegion) -> None:
    assoc = derive.load("lab_association", small_region.processed)
    assert len(assoc) and set(assoc["procedure"]) == {"vpr"}
    tasks = derive.load("oge_tasks", small_region.processed)
    subjects = set(tasks.loc[tasks["year"] == 2026, "subject"])
    note = commentary.oge_note(assoc, lab_settings(), 2026, subjects)
    assert "Сравнение по ОГЭ не сделано" in note and "нет ни одного предмета" in note
    assert "Физика — задание 17" in note and "Химия — задания 23, 24" in note
    # with physics in the region's ОГЭ the note no longer says so
    assert "нет ни одного предмета" not in commentary.oge_note(
        assoc, lab_settings(), 2026, subjects | {"ph"}
    )

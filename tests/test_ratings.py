"""Ratings with their uncertainty (soko.ratings, docs/ratings.md): the composite and the
places by hand, groups, the interval's coverage on a simulation with planted school means,
determinism, the configuration's messages."""

from __future__ import annotations

import io
import shutil
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from soko.paths import config_dir
from soko.ratings.engine import ComponentSpec, Sample, group_labels, groups, places, rate
from soko.ratings.tables import rating_table
from soko.settings import check_config
from soko.settings.ratings import RatingsFile

SCHOOLS = pd.DataFrame(
    {
        "school_code": ["s1", "s2", "s3", "s4"],
        "school_name": ["Школа 1", "Школа 2", "Школа 3", "Школа 4"],
        "municipality_code": ["01", "01", "02", "02"],
        "municipality_name": ["Город", "Город", "Район", "Район"],
    }
)
EMPTY = pd.DataFrame()


def settings(**changes: Any) -> RatingsFile:
    level = {
        "standardise": "z",
        "components": [
            {"id": "score", "title": "балл", "source": "vpr", "measure": "score_share",
             "weight": 2.0},
            {"id": "fail", "title": "доля «2»", "source": "vpr", "measure": "share_mark2",
             "weight": 1.0, "direction": "lower"},
        ],
    }  # fmt: skip
    raw: dict[str, Any] = {
        "min_students": 10,
        "bootstrap": {"replicates": 50, "seed": 7},
        "schools": level,
        "municipalities": level,
    }
    raw.update(changes)
    return RatingsFile.model_validate(raw)


def vpr_rows(school: str, scores: list[int], marks: list[int], grade: int = 5) -> pd.DataFrame:
    municipality = SCHOOLS.set_index("school_code").loc[school, "municipality_code"]
    return pd.DataFrame(
        {
            "year": 2026,
            "subject": "ru",
            "grade": grade,
            "school_code": school,
            "municipality_code": municipality,
            "participant_code": [f"{school}-{grade}-{i}" for i in range(len(scores))],
            "primary_score": pd.array(scores, dtype="Int64"),
            "mark": pd.array(marks, dtype="Int64"),
        }
    )


TASKS = pd.DataFrame(
    {"year": [2026, 2026], "subject": ["ru", "ru"], "grade": [5, 6], "task": ["1", "1"],
     "task_order": [1, 1], "max_score": [10, 20], "level": ["базовый", "базовый"]}
)  # fmt: skip


def tiny_results() -> pd.DataFrame:
    # s1: 10 students 8/10, no «2»; s2: 6/10 with two «2» of 10; s3: 3/10, six «2»;
    # s4: only 5 students — too few to be rated
    return pd.concat(
        [
            vpr_rows("s1", [8] * 10, [4] * 10),
            vpr_rows("s2", [6] * 10, [2, 2] + [4] * 8),
            vpr_rows("s3", [3] * 10, [2] * 6 + [3] * 4),
            vpr_rows("s4", [10] * 5, [5] * 5),
        ],
        ignore_index=True,
    )


def table(results: pd.DataFrame, cfg: RatingsFile, level: str = "schools") -> pd.DataFrame:
    return rating_table(
        level,
        vpr_results=results,
        vpr_tasks=TASKS,
        oge_results=EMPTY,
        ege_results=EMPTY,
        schools=SCHOOLS,
        va_schools=EMPTY,
        settings=cfg,
    )


def test_composite_and_places_by_hand() -> None:
    out = table(tiny_results(), settings()).set_index("school_code")
    score = [0.8, 0.6, 0.3]
    fail = [0.0, 0.2, 0.6]

    def z(x: list[float]) -> list[float]:
        mean, sd = statistics.fmean(x), statistics.pstdev(x)
        return [(v - mean) / sd for v in x]

    zs, zf = z(score), z(fail)
    expected = [(2 * a - 1 * b) / 3 for a, b in zip(zs, zf, strict=True)]
    assert out.loc[["s1", "s2", "s3"], "score"].tolist() == pytest.approx(score)
    assert out.loc[["s1", "s2", "s3"], "fail"].tolist() == pytest.approx(fail)
    assert out.loc[["s1", "s2", "s3"], "composite"].tolist() == pytest.approx(expected)
    assert out.loc[["s1", "s2", "s3"], "place"].tolist() == [1, 2, 3]
    assert out.loc["s1", "n"] == 20  # ten students × two indicators
    assert (out.loc[["s1", "s2", "s3"], "n_rated"] == 3).all()
    # identical students within each school: the bootstrap cannot move anyone
    assert out.loc[["s1", "s2", "s3"], "place_low"].tolist() == [1, 2, 3]
    assert out.loc[["s1", "s2", "s3"], "place_high"].tolist() == [1, 2, 3]
    assert out.loc["s2", "group_label"] == "место 2"


def test_too_few_students_is_kept_unplaced_with_the_reason() -> None:
    out = table(tiny_results(), settings()).set_index("school_code")
    assert pd.isna(out.loc["s4", "place"]) and out.loc["s4", "group"] == 0
    assert "не оценивается" in out.loc["s4", "note"] and "10" in out.loc["s4", "note"]
    assert np.isnan(out.loc["s4", "score"])  # its five results do not count
    assert out.index[-1] == "s4"  # unrated units come last


def test_pooled_grades_use_each_test_maximum() -> None:
    # a grade-6 test has maximum 20: 10/20 is 0.5, pooled with 8/10 → mean of shares
    results = pd.concat(
        [vpr_rows("s1", [8] * 10, [4] * 10), vpr_rows("s1", [10] * 10, [3] * 10, grade=6)]
    )
    out = table(results, settings(min_weight_share=0.1))
    assert out.loc[0, "score"] == pytest.approx(0.65)


def test_municipality_is_the_mean_over_its_students() -> None:
    out = table(tiny_results(), settings(), "municipalities").set_index("municipality_code")
    # «Город»: s1 and s2 (20 students); «Район»: s3 (10) and s4 (5) — pooled by student
    assert out.loc["01", "score"] == pytest.approx((8 * 10 + 6 * 10) / 200)
    assert out.loc["02", "score"] == pytest.approx((3 * 10 + 10 * 5) / 150)
    assert out.loc["02", "fail"] == pytest.approx(6 / 15)
    assert out.loc["01", "place"] == 1 and out.loc["02", "place"] == 2


def _sample(means: list[float], n: int, rng: np.random.Generator) -> Sample:
    values = np.concatenate([rng.normal(m, 1.0, n) for m in means])
    unit = np.repeat(np.arange(len(means)), n)
    return Sample(block=unit, unit=unit, values={"x": values})


SPEC = [ComponentSpec("x", 1.0)]


def _rate(sample: Sample, n_units: int, seed: int, replicates: int = 200) -> Any:
    return rate(
        [sample], {}, SPEC, n_units, min_n=10, min_weight_share=0.5,
        replicates=replicates, level=0.9, rng=np.random.default_rng(seed),
    )  # fmt: skip


def test_clearly_different_schools_in_different_groups_identical_in_one() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(0, 1, 200)
    # unit 0 far ahead; units 1 and 2 have the very same students
    x = np.concatenate([values + 3.0, values, values])
    unit = np.repeat(np.arange(3), 200)
    result = _rate(Sample(block=unit, unit=unit, values={"x": x}), 3, seed=2)
    assert result.place.tolist() == [1, 2, 2]
    assert result.group[0] != result.group[1]
    assert result.group[1] == result.group[2]
    labels = group_labels(result.place, result.group)
    assert labels[0] == "место 1" and labels[1] == "место 2 (общее у 2)"


def test_groups_rule_overlap_with_the_leader() -> None:
    place = np.array([1.0, 2, 3, 4, 5])
    low = np.array([1.0, 1, 2, 4, 4])
    high = np.array([2.0, 3, 4, 5, 5])
    score = np.array([5.0, 4, 3, 2, 1])
    # 2 overlaps 1's interval [1, 2]; 3 (low 2) too; 4 (low 4) opens a group with 5
    assert groups(place, low, high, score).tolist() == [1, 1, 1, 2, 2]
    assert group_labels(place, groups(place, low, high, score))[2] == "места 1–3 не различимы"


def test_places_share_the_best_place_when_tied() -> None:
    score = np.array([0.5, 0.9, 0.5, np.nan, 0.1])
    rated = np.array([True, True, True, True, False])
    assert places(score, rated)[[0, 1, 2, 4]].tolist()[:3] == [2, 1, 2]
    assert np.isnan(places(score, rated)[3]) and np.isnan(places(score, rated)[4])


def test_place_interval_covers_the_true_place_at_about_the_nominal_rate() -> None:
    # 30 schools with planted true means 0.1 apart (in student sd), 40 students each: the
    # true place is the rank of the true mean. 40 simulations × 30 schools = 1200 intervals
    # at the 90 % level. Tolerance: coverage in [0.85, 0.99] — the binomial sd of 1200
    # intervals is ~0.9 pp, but the intervals of one simulation are correlated and a
    # percentile interval of a rank is known to be a little conservative (docs/ratings.md).
    means = np.arange(30)[::-1] * 0.1
    true_place = np.arange(1, 31)
    covered = total = 0
    for sim in range(40):
        rng = np.random.default_rng(1000 + sim)
        result = _rate(_sample(list(means), 40, rng), 30, seed=sim, replicates=200)
        covered += int(((result.place_low <= true_place) & (true_place <= result.place_high)).sum())
        total += 30
    coverage = covered / total
    assert 0.85 <= coverage <= 0.99, coverage


def test_same_inputs_give_identical_bytes() -> None:
    cfg = settings()
    rng = np.random.default_rng(3)
    results = pd.concat(
        [
            vpr_rows(s, list(rng.integers(0, 11, 30)), list(rng.integers(2, 6, 30)))
            for s in ("s1", "s2", "s3", "s4")
        ],
        ignore_index=True,
    )
    first, second = io.BytesIO(), io.BytesIO()
    table(results, cfg).to_parquet(first, index=False)
    table(results.sample(frac=1, random_state=4), cfg).to_parquet(second, index=False)
    assert first.getvalue() == second.getvalue()
    # nor on the participants' ids (ГИА ids are keyed with each installation's own salt)
    person = "participant_code" if "participant_code" in results else "participant_id"
    renamed = results.assign(**{person: [f"x{i:05d}" for i in range(len(results))][::-1]})
    third = io.BytesIO()
    table(renamed, cfg).to_parquet(third, index=False)
    assert third.getvalue() == first.getvalue()
    # and the intervals are not degenerate here: the bootstrap does move places
    out = table(results, cfg)
    assert (out["place_high"] - out["place_low"]).max() > 0


def test_shipped_config_is_valid_and_internal() -> None:
    cfg = yaml.safe_load((config_dir() / "ratings.yml").read_text(encoding="utf-8"))
    model = RatingsFile.model_validate(cfg)
    assert model.audience == "internal"
    assert {c.source for c in model.schools.components} >= {"vpr", "oge", "ege", "value_added"}


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda c: c["schools"]["components"][0].update(weight=0), ("weight", "больше 0")),
        (
            lambda c: c["schools"]["components"][4].update(measure="share_mark2"),
            ("не подходит к источнику", "ege"),
        ),
        (
            lambda c: c["municipalities"]["components"][5].pop("analyses"),
            ("analyses", "value_added.yml"),
        ),
        (
            lambda c: c["schools"]["components"].append(dict(c["schools"]["components"][0])),
            ("повторяются", "vpr_score"),
        ),
        (lambda c: c.update(audience="всем"), ("audience",)),
        (
            lambda c: c["schools"]["components"][5].update(analyses=["vpr_skool"]),
            ("schools.components.5.analyses.0", "vpr_skool", "value_added.yml"),
        ),
    ],
)
def test_bad_config_gets_a_russian_message_with_the_key(
    tmp_path: Path, edit: Any, words: tuple[str, ...]
) -> None:
    for f in config_dir().glob("*.yml"):
        shutil.copy(f, tmp_path / f.name)
    cfg = yaml.safe_load((tmp_path / "ratings.yml").read_text(encoding="utf-8"))
    edit(cfg)
    (tmp_path / "ratings.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), "utf-8")
    problems = [p for p in check_config(tmp_path) if p.file.endswith("ratings.yml")]
    assert problems
    text = " ".join(f"{'.'.join(map(str, p.key_path))} {p.message}" for p in problems)
    for word in words:
        assert word in text, text

"""ГИА scales and answer strings against hand-computed cases (config/gia_scales.yml, 2026)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.answers import parse_answers
from soko.formats.rcoi_protocol.demo import calibrate, pass_score
from soko.paths import config_dir
from soko.procedures.ege import KIND as EGE
from soko.procedures.oge import KIND as OGE


def _oge_ma_points(short: str, long: str) -> dict[str, np.ndarray]:
    sc = scales.scale(OGE, 2026, "ma")
    parsed = parse_answers(
        pd.Series([short]),
        pd.Series([long]),
        sc.short_labels,
        sc.short_max,
        sc.long_labels,
        sc.long_max,
    )
    return parsed.points


def test_config_is_consistent() -> None:
    assert scales.check_config((OGE, EGE)) == []
    assert {s.subject for s in scales.all_scales(OGE)} >= {"ru", "ma"}
    assert {s.subject for s in scales.all_scales(EGE)} >= {"ru", "ma"}
    assert [sc.year for sc in scales.all_scales(OGE) if sc.subject == "ma"] == [2024, 2025, 2026]


def test_config_check_finds_errors(tmp_path: Path) -> None:
    raw = yaml.safe_load((config_dir() / "gia_scales.yml").read_text(encoding="utf-8"))
    raw["oge"]["scales"][2026]["ma"] = {**raw["oge"]["scales"][2026]["ma"], "marks": [8, 22, 15]}
    raw["ege"]["scales"][2026]["ru"] = {**raw["ege"]["scales"][2026]["ru"], "test_scores": [0, 1]}
    (tmp_path / "gia_scales.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    errors = scales.check_config((OGE, EGE), tmp_path)
    # the file's model (soko.settings.gia_scales) finds them when the file is read
    text = "\n".join(errors)
    assert "oge → scales → 2026 → ma → marks: пороги отметок должны возрастать" in text
    assert "ege → scales → 2026 → ru → test_scores: таблица перевода должна идти от 0" in text


def test_structure_and_maxima_from_the_decree_examples() -> None:
    ma = scales.scale(OGE, 2026, "ma")
    assert ma.max_score == 31 and ma.marks == (8, 15, 22)
    assert ma.short_labels[0] == "1" and ma.long_labels == ("20", "21", "22", "23", "24", "25")
    ru = scales.scale(OGE, 2026, "ru")
    assert ru.max_score == 33 and ru.marks == (15, 23, 29) and ru.short_labels[0] == "2"
    hi = scales.scale(OGE, 2024, "hi")
    assert hi.max_score == 37 and hi.marks == (11, 21, 30)
    assert scales.scale(OGE, 2030, "ma") is None and scales.scale(OGE, 2026, "xx") is None
    ege_ma = scales.scale(EGE, 2026, "ma")
    assert ege_ma.max_score == 32 and ege_ma.certificate_min == 27
    assert scales.subject_by_rcoi(OGE)["2"] == "ma"


@pytest.mark.parametrize(
    ("short", "long", "primary", "mark"),
    [
        # 8 points, 2 of them geometry (tasks 15, 16): the «3» threshold is met
        ("+" * 8 + "-" * 11, "0(2)0(2)0(2)0(2)0(2)0(2)", 8, 2),  # tasks 1-8: no geometry
        ("+" * 6 + "-" * 8 + "++" + "-" * 3, "0(2)0(2)0(2)0(2)0(2)0(2)", 8, 3),  # 15, 16
        ("+" * 6 + "-" * 13, "0(2)0(2)0(2)2(2)0(2)0(2)", 8, 3),  # 23: 2 points
        ("+" * 6 + "-" * 13, "0(2)0(2)0(2)1(2)0(2)0(2)", 7, 2),  # below 8 anyway
        # 21 points with one geometry point (task 15): «4» by score, «2» by the condition
        ("+" * 15 + "-" * 4, "2(2)2(2)2(2)0(2)0(2)0(2)", 21, 2),
        # 22 points with two geometry points: «5»
        ("+" * 16 + "-" * 3, "2(2)2(2)2(2)0(2)0(2)0(2)", 22, 5),
    ],
)
def test_oge_maths_geometry_condition(short: str, long: str, primary: int, mark: int) -> None:
    sc = scales.scale(OGE, 2026, "ma")
    points = _oge_ma_points(short, long)
    assert sum(float(v[0]) for v in points.values()) == primary
    assert sc.marks_for(np.array([primary]), points).tolist() == [mark]


def test_oge_russian_literacy_lowers_five_to_four_and_four_to_three() -> None:
    sc = scales.scale(OGE, 2026, "ru")
    literacy = np.array([5.0, 3.0, 8.0])  # ГК1-ГК4 in total, spread evenly
    points = {t: literacy / 4 if t.startswith("ГК") else np.zeros(3) for t in sc.task_max}
    # row 0: 30 points, ГК 5 (< 6) → «4»; row 1: 25 points, ГК 3 (< 4) → «3»; row 2: 30, ГК 8
    assert sc.marks_for(np.array([30, 25, 30]), points).tolist() == [4, 3, 5]


def test_threshold_marks_ignore_conditions_and_missing_scores() -> None:
    sc = scales.scale(OGE, 2026, "ma")
    got = sc.threshold_marks(np.array([0, 7, 8, 14, 15, 21, 22, 31, np.nan]))
    assert got[:-1].tolist() == [2, 2, 3, 3, 4, 4, 5, 5] and np.isnan(got[-1])


def test_ege_primary_to_test_score() -> None:
    ru = scales.scale(EGE, 2026, "ru")
    got = ru.test_scores_for(np.array([0, 10, 32, 50, 51, -1, 2.5]))
    assert got[:4].tolist() == [0, 24, 69, 100]
    assert np.isnan(got[4:]).all()  # outside the table: no test score
    ma = scales.scale(EGE, 2024, "ma")
    assert ma.test_scores_for(np.array([5, 30, 32])).tolist() == [27, 100, 100]
    assert (ru.minimum, ru.university_min) == (24, 36)
    ob = scales.scale(EGE, 2026, "ob")
    assert (ob.certificate_min, ob.minimum) == (None, 42)


def test_answer_strings_parse_points_and_flag_each_problem() -> None:
    parsed = parse_answers(
        pd.Series(["+-2", "+-4", "+x+", "++", None]),
        pd.Series(["2(3)1(2)", "4(3)0(2)", "2(3)1(3)", "1(3)", "0(3)0(2)"]),
        ("1", "2", "3"),
        (1, 1, 3),
        ("4", "5"),
        (3, 2),
    )
    assert parsed.task_sum[:2].tolist() == [6, 9] and np.isnan(parsed.task_sum[2:]).all()
    assert parsed.short_chars_ok.tolist() == [True, True, False, True, True]
    assert parsed.short_count.tolist() == [3, 3, 3, 2, 0]
    assert parsed.long_count.tolist() == [2, 2, 2, 1, 2]
    assert parsed.short_over.tolist() == [None, "№ 3: 4 при максимуме 3", None, None, None]
    assert parsed.long_over.tolist() == [None, "№ 4: 4(3)", None, None, None]
    assert parsed.long_max_mismatch[2] == "№ 5: указан максимум 3, по шкале 2"
    assert parsed.points["4"].tolist()[:3] == [2, 4, 2]


def test_pass_score_and_calibration() -> None:
    assert pass_score(scales.scale(OGE, 2026, "ma")) == 8
    assert pass_score(scales.scale(EGE, 2026, "ru")) == 10  # test score 24
    assert pass_score(scales.scale(EGE, 2026, "ob")) == 21  # no certificate: university 42
    from soko.formats.rcoi_protocol.demo import Blueprint

    bp = Blueprint(np.array([0.0, 1.0]), np.array([1.0, 1.0]), np.array([1, 1]))
    shift = calibrate(bp, 0.5, 1.0)  # symmetric items: expected score 1 at θ = 0.5 + shift
    assert shift == pytest.approx(0.0, abs=1e-9)
    assert bp.expected_score(0.5, shift) == pytest.approx(1.0)

"""config/mechanisms.yml: the shipped default loads; scoring rules score by hand; mistakes get
Russian messages naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from soko.paths import config_dir
from soko.procedures.mechanisms.settings import (
    COMPUTED_SOURCES,
    STAGES,
    MechanismsFile,
    Scoring,
    mechanism_settings,
)
from soko.settings.loading import validate


def test_shipped_default_covers_every_direction_and_stage() -> None:
    s = mechanism_settings()
    assert list(s.directions) == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4"]
    assert tuple(s.stages) == STAGES
    sources = {i.source for d in s.directions.values() for i in d.indicators.values()}
    assert "form" in sources and sources - {"form"} <= set(COMPUTED_SOURCES)
    assert all(s.form_indicators(d) or True for d in s.directions)


def test_thresholds_score_by_hand() -> None:
    rule = Scoring(thresholds=[5, 10, 15], points=[3, 2, 1, 0])
    assert [rule.score(v) for v in (0, 4.99, 5, 9.9, 10, 15, 80)] == [3, 3, 2, 2, 1, 0, 0]
    assert rule.maximum == 3
    rising = Scoring(thresholds=[1], points=[0, 2])  # a yes/no indicator: 1 = да
    assert (rising.score(0), rising.score(1)) == (0, 2)


def test_scale_scores_linearly_and_clips() -> None:
    rule = Scoring(scale={"worst": 30, "best": 60}, max_points=3)
    assert [rule.score(v) for v in (10, 30, 45, 60, 90)] == [0, 0, 1.5, 3, 3]
    falling = Scoring(scale={"worst": 20, "best": 0}, max_points=4)
    assert falling.score(5) == pytest.approx(3.0)


def _write(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((config_dir() / "mechanisms.yml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "mechanisms.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "key", "words"),
    [
        (
            lambda d: d["directions"]["1.1"]["indicators"]["vpr_fail"].update(source="vpr_twos"),
            "vpr_fail",
            "неизвестный источник",
        ),
        (
            lambda d: d["directions"]["1.1"]["indicators"]["vpr_fail"]["scoring"].update(
                points=[3, 2]
            ),
            "scoring",
            "на одно значение больше",
        ),
        (lambda d: d["stages"].pop("decisions"), "stages", "все и по порядку"),
        (lambda d: d["weights"].update(cycle=0.7), "weights", "в сумме давать 1"),
        (
            lambda d: d["directions"]["1.2"]["indicators"].update(
                vpr_fail=d["directions"]["1.1"]["indicators"]["vpr_fail"]
            ),
            "",
            "повторяются: vpr_fail",
        ),
    ],
)
def test_mistakes_are_named_in_russian(tmp_path: Path, edit, key: str, words: str) -> None:  # type: ignore[no-untyped-def]
    _, problems = validate(_write(tmp_path, edit), MechanismsFile)
    assert problems, "the broken file must not pass"
    text = " ".join(f"{'.'.join(map(str, p.key_path))}: {p.message}" for p in problems)
    assert words in text
    assert key in text

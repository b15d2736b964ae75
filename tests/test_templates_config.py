"""Templates take region facts from configuration, not from literals: the suppression
minimum is `nb.min_group()` (config/thresholds.yml), so a region that sets 10 gets 10 in
every sentence and filter of every page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
# «менее 5 участников», `n < 5`, `>= 5`, «<5»: the suppression minimum written as a number
LITERAL_MINIMUM = re.compile(r"(менее|меньше)\s+5\b|[<>]=?\s*5\b(?!\s*[–-])|«<5»")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_literal_suppression_minimum(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = [
        line.strip()
        for cell in cells
        for line in "".join(cell["source"]).splitlines()
        if LITERAL_MINIMUM.search(line)
    ]
    assert found == [], f"{path.name}: use nb.min_group() instead of 5: {found}"


def test_the_pattern_catches_what_it_should() -> None:
    assert LITERAL_MINIMUM.search('if dist["n"].iloc[0] < 5:')
    assert LITERAL_MINIMUM.search("Группы менее 5 участников не показываются («<5»).")
    assert not LITERAL_MINIMUM.search('f"менее {nb.min_group()} участников"')
    assert not LITERAL_MINIMUM.search("Индекс (1–5)")

"""Cases soko handled before issue 11, restated in the catalogue's shape."""

from __future__ import annotations

from pathlib import Path

from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import good_row, write_vpr


def _clean(raw: Path) -> None:
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002")])


def _unknown_school(raw: Path) -> None:
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002", school="edu999999")])


def _task_over_max(raw: Path) -> None:
    write_vpr(
        raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002", scores=(4, 3, 2, 1, 5))]
    )


CASES = [
    Case("vpr-clean", "vpr", _clean, accepted={"vpr/a.xlsx": 2}, tables={"vpr_results": 2}),
    Case(
        "vpr-unknown-school",
        "vpr",
        _unknown_school,
        problems=(Expect("vpr/a.xlsx", "school_code_known", 11, "ОО", ("реестре",)),),
        accepted={"vpr/a.xlsx": 1},
        tables={"vpr_results": 1},
    ),
    Case(
        "vpr-task-over-max",
        "vpr",
        _task_over_max,
        problems=(Expect("vpr/a.xlsx", "task_score_within_max", 11, "5 (4б)"),),
        accepted={"vpr/a.xlsx": 1},
        tables={"vpr_results": 1},
        exact=False,  # the sum and the mark of that row are wrong too
    ),
]

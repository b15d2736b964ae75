"""ВПР's derived indicator tables, computed for another procedure's tables.

``soko.derive`` calls ``compute(**frames)`` with the input tables by name; renaming
``niko_results`` to the ``vpr_results`` parameter lets every ВПР table (marks, tasks,
journal, scores) serve НИКО and РПР unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from soko.derive import VPR_TABLES, DerivedSpec

VPR_PREFIX = "vpr_"


def table_name(code: str, vpr_name: str) -> str:
    """``vpr_results`` -> ``niko_results``; tables of no procedure (``schools``) stay."""
    return (
        code + "_" + vpr_name.removeprefix(VPR_PREFIX)
        if vpr_name.startswith(VPR_PREFIX)
        else vpr_name
    )


def _renamed(
    compute: Callable[..., pd.DataFrame], names: dict[str, str]
) -> Callable[..., pd.DataFrame]:
    def run(**frames: pd.DataFrame) -> pd.DataFrame:
        return compute(**{names.get(k, k): v for k, v in frames.items()})

    return run


def derived_specs(code: str) -> tuple[DerivedSpec, ...]:
    """``niko_marks``, ``niko_tasks``, ``niko_journal``, ``niko_scores`` (for ``code`` niko)."""
    specs = []
    for spec in VPR_TABLES:
        back = {table_name(code, t): t for t in spec.inputs}
        specs.append(
            DerivedSpec(
                table_name(code, spec.name),
                tuple(back),
                _renamed(spec.compute, back),
            )
        )
    return tuple(specs)

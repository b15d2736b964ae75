"""Which inputs a derived table reads: an optional canonical table only when it exists, an
optional derived table always (the build makes it first; on a fresh build it does not exist
yet when the graph is planned)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.derive import DerivedSpec


def _nothing(**frames: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame()


def test_optional_derived_input_is_kept_before_it_exists(tmp_path: Path) -> None:
    spec = DerivedSpec(
        "t",
        ("schools", "rpr_results", "derived/school_classes"),
        _nothing,
        optional=("rpr_results", "derived/school_classes"),
    )
    assert spec.present_inputs(tmp_path) == ("schools", "derived/school_classes")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "rpr_results.parquet")
    assert spec.present_inputs(tmp_path) == ("schools", "rpr_results", "derived/school_classes")

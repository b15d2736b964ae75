"""Year-on-year change and the negative-dynamics flag."""

from __future__ import annotations

import pandas as pd
import pytest

from soko.indicators import add_dynamics, flag_negative_dynamics


def marks() -> pd.DataFrame:
    """Rows deliberately out of year order; edu1 skips 2025."""
    rows = [
        ("school", "edu1", 2026, 40, 0.30),
        ("school", "edu2", 2025, 20, 0.29),
        ("school", "edu1", 2024, 30, 0.20),
        ("school", "edu2", 2024, 4, 0.20),
        ("school", "edu3", 2025, 25, 0.10),
        ("school", "edu3", 2026, 25, 0.05),
        ("region", "99", 2026, 900, 0.15),
    ]
    frame = pd.DataFrame(rows, columns=["level", "unit_code", "year", "n", "share_mark2"])
    frame.insert(3, "subject", "ru")
    frame.insert(4, "grade", 4)
    return frame


def test_previous_available_year_and_change() -> None:
    out = add_dynamics(marks(), ["share_mark2"])
    assert out.index.tolist() == list(range(7))  # row order kept
    # edu1 2026 compares with 2024 (no 2025 row): 0.30 − 0.20
    assert out.loc[0, "prev_year"] == 2024
    assert out.loc[0, "n_prev"] == 30
    assert out.loc[0, "share_mark2_prev"] == pytest.approx(0.20)
    assert out.loc[0, "share_mark2_change"] == pytest.approx(0.10)
    # edu2 2025: previous 2024 with n=4
    assert out.loc[1, "prev_year"] == 2024
    assert out.loc[1, "n_prev"] == 4
    assert out.loc[1, "share_mark2_change"] == pytest.approx(0.09)
    # first years have no previous
    for i in (2, 3, 4, 6):
        assert pd.isna(out.loc[i, "prev_year"])
        assert pd.isna(out.loc[i, "share_mark2_change"])
    assert out.loc[5, "share_mark2_change"] == pytest.approx(-0.05)


def test_negative_dynamics_flag() -> None:
    out = flag_negative_dynamics(marks(), rise_pp=10)
    # 0.30 − 0.20 is 0.0999… in binary: still exactly the 10 pp of the rule
    assert out["negative_dynamics"].tolist() == [True, False, pd.NA, pd.NA, pd.NA, False, pd.NA]
    assert str(out["negative_dynamics"].dtype) == "boolean"


def test_negative_dynamics_threshold_from_config() -> None:
    # config/thresholds.yml dynamics.negative_share2_rise_pp: 10
    assert flag_negative_dynamics(marks()).loc[0, "negative_dynamics"]


def test_other_keys_separate_series() -> None:
    frame = pd.concat([marks(), marks().assign(subject="ma", share_mark2=0.5)], ignore_index=True)
    out = add_dynamics(frame, ["share_mark2"])
    ma_edu1 = out[(out["subject"] == "ma") & (out["unit_code"] == "edu1") & (out["year"] == 2026)]
    assert ma_edu1["share_mark2_change"].tolist() == [0.0]


def test_duplicates_need_more_keys() -> None:
    frame = pd.concat([marks(), marks()], ignore_index=True)
    with pytest.raises(ValueError, match="not unique"):
        add_dynamics(frame, ["share_mark2"])
